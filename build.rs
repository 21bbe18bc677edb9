use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-env-changed=OADR_NO_RELR");
    println!("cargo:rerun-if-env-changed=OADR_NO_HOT_TEXT");
    println!("cargo:rerun-if-changed=link/hot-text.ld");
    if packed_relocations_run_here() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if default_lld_links_here() {
        let script = manifest.join("link").join("hot-text.ld");
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    }
}

/// Whether the `oadr` binary is linked by the toolchain's own lld, which then places the
/// functions listed in `link/hot-text.ld` (those an idle VEN has run, see
/// `bench/ven_hot_text.sh`) side by side at the start of `.text`.
///
/// An idle VEN's resident memory is mostly this executable's code, and the kernel maps up to
/// 64 KiB around each code page touched: the 1.2 MB a VEN runs, scattered over the 9 MB of
/// code, kept ~6 MiB resident (issue 5). The script only orders sections, so a function it
/// names that no longer exists costs nothing. It is a GNU `INSERT` script, which lld (the
/// default linker of x86_64-unknown-linux-gnu since Rust 1.90) and GNU ld accept but other
/// linkers may not: it is left out when a linker or linker flavour is configured
/// (`RUSTC_LINKER`, `-C linker...`, `-C link-arg=-fuse-ld=...`), for other targets, and with
/// `OADR_NO_HOT_TEXT=1`; debug builds (opt-level 0) skip it too.
fn default_lld_links_here() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if !var("OADR_NO_HOT_TEXT").is_empty()
        || var("OPT_LEVEL") == "0"
        || var("TARGET") != "x86_64-unknown-linux-gnu"
        || std::env::var_os("RUSTC_LINKER").is_some()
        || ["linker", "link-self-contained", "fuse-ld"]
            .iter()
            .any(|f| flags.contains(f))
    {
        return false;
    }
    // `rustc 1.95.0 (59807616e 2026-04-14)`
    let Ok(out) = std::process::Command::new(var("RUSTC")).arg("-V").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}

/// Whether to link the `oadr` binary with packed relative relocations (DT_RELR).
///
/// A position-independent executable carries one 24-byte `.rela.dyn` entry per pointer in its
/// static data, and the dynamic loader reads them all at every start: 0.7 MiB of the binary's
/// resident memory, a tenth of an idle VEN's (issue 5). DT_RELR stores the same relocations in
/// about 1/50 of the space. A glibc older than 2.36 refuses to start such a binary, so it is
/// used only for a native Linux glibc build on a machine whose glibc is 2.36 or later, and
/// `OADR_NO_RELR=1` turns it off (a binary meant for older systems).
fn packed_relocations_run_here() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if !var("OADR_NO_RELR").is_empty()
        || var("TARGET") != var("HOST")
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
    {
        return false;
    }
    // `glibc 2.36`
    let Ok(out) = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v = text
        .trim()
        .strip_prefix("glibc ")
        .unwrap_or("")
        .split('.')
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
    (major, minor) >= (2, 36)
}
