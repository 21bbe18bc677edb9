//! `examples/vtn.rs` and `examples/ven.rs` run against each other on loopback, as the README
//! tells a newcomer to run them: the VEN registers, offers its report, the VTN requests it and
//! creates an event for it, the VEN opts in and sends readings. Both stop by themselves
//! (`--for`), and are killed after 60 s regardless.
//!
//! The example binaries are the ones `cargo build --examples` writes to
//! target/<profile>/examples/ (`cargo test` builds examples only as test harnesses);
//! scripts/test.sh builds them first. When they are missing, the test skips, or fails under
//! OADR_REQUIRE_ORACLES.

mod support;

use support::process::Proc;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        return Some(path);
    }
    if support::oracles_required() {
        panic!(
            "{} is missing: build every target (scripts/test.sh builds them: cargo build --examples)",
            path.display()
        );
    }
    eprintln!("skipping: {} not built", path.display());
    None
}

fn wait_exit(p: &mut Proc, limit: Duration) -> Option<i32> {
    let begin = Instant::now();
    loop {
        if let Ok(Some(s)) = p.0.try_wait() {
            return s.code();
        }
        assert!(
            begin.elapsed() < limit,
            "the example did not stop by itself"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ven_and_vtn_examples_work_together() {
    let (Some(vtn), Some(ven)) = (example("vtn"), example("ven")) else {
        return;
    };
    let mut vtn = Proc(
        Command::new(vtn)
            .args(["--listen", "127.0.0.1:0", "--for", "18"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the vtn example"),
    );
    let mut vtn_out = BufReader::new(vtn.0.stdout.take().unwrap());
    let mut first = String::new();
    vtn_out.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("vtn: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let vtn_lines = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = vtn_out.read_to_string(&mut s);
        s
    });
    let mut ven = Proc(
        Command::new(ven)
            .args(["--vtn-url", &url, "--for", "12"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the ven example"),
    );
    let mut ven_out = ven.0.stdout.take().unwrap();
    let ven_lines = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = ven_out.read_to_string(&mut s);
        s
    });
    assert_eq!(wait_exit(&mut ven, Duration::from_secs(60)), Some(0));
    let ven_says = ven_lines.join().unwrap();
    assert_eq!(wait_exit(&mut vtn, Duration::from_secs(60)), Some(0));
    let vtn_says = vtn_lines.join().unwrap();
    let both = format!("VEN:\n{ven_says}\nVTN:\n{vtn_says}");
    for s in [
        "ven: registered as ",
        "ven: the VTN requested report ",
        "ven: new event ",
        "opting in",
        "ven: sent ",
        "ven: stopping",
    ] {
        assert!(ven_says.contains(s), "missing {s:?}\n{both}");
    }
    for s in [
        "vtn: ven123 registered as ",
        "vtn: created event ",
        ": optIn",
        "offered reports; requested [",
        "reports power = Float(",
        "vtn: stopping",
    ] {
        assert!(vtn_says.contains(s), "missing {s:?}\n{both}");
    }
}
