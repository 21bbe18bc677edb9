use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let xsd = manifest.join("xsd");
    println!("cargo:rerun-if-changed=xsd");
    println!("cargo:rerun-if-changed=codegen/src");
    println!("cargo:rerun-if-env-changed=OADR_NO_RELR");
    if packed_relocations_run_here() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if let Err(e) = oadr_codegen::generate(&xsd, &out) {
        panic!("oadr-codegen failed on {}: {e}", xsd.display());
    }
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
