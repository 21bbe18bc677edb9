//! Shared helpers for integration tests: locating the external oracles.
//!
//! `scripts/test.sh` (the README's test command, also run by CI) installs the oracles and sets
//! `OADR_REQUIRE_ORACLES=1`; then a missing oracle fails the test instead of skipping it.
//! Include with `mod support;` from a test crate.
#![allow(dead_code)] // each test crate uses a different subset

pub mod process;
pub mod prosody;

use std::path::PathBuf;
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether missing oracles must fail the run (set by scripts/test.sh and CI).
pub fn oracles_required() -> bool {
    std::env::var_os("OADR_REQUIRE_ORACLES").is_some_and(|v| v != "0")
}

fn missing(what: &str) -> Option<PathBuf> {
    if oracles_required() {
        panic!("{what} is required (OADR_REQUIRE_ORACLES is set) but was not found; run scripts/test.sh");
    }
    eprintln!("skipping: {what} not found (scripts/test.sh installs it)");
    None
}

/// Path of an executable on PATH, or `None` (and a skip notice) when oracles are optional.
pub fn tool(name: &str) -> Option<PathBuf> {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    ok.or_else(|| missing(name))
}

/// The Python interpreter of the OpenLEADR venv (`OADR_PYTHON`, else `.venv/bin/python`).
pub fn python() -> Option<PathBuf> {
    let p = std::env::var_os("OADR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    if p.exists() {
        Some(p)
    } else {
        missing("the OpenLEADR venv (scripts/venv.sh)")
    }
}

/// The `.xml` files directly in `tests/fixtures/<dir>`, sorted by name.
pub fn fixture_files(dir: &str) -> Vec<PathBuf> {
    let path = root().join("tests/fixtures").join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    v.sort();
    v
}

/// The file name of `p`, for messages and lists.
pub fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}
