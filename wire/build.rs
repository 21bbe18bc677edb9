use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let xsd = manifest.join("..").join("xsd");
    println!("cargo:rerun-if-changed=../xsd");
    println!("cargo:rerun-if-changed=../codegen/src");
    if let Err(e) = oadr_codegen::generate(&xsd, &out) {
        panic!("oadr-codegen failed on {}: {e}", xsd.display());
    }
}
