//! oadr-codegen: compiles the vendored OpenADR 2.0b XSD set into Rust source.
//!
//! The entry point is [`generate`], used by the root crate's `build.rs` and by the
//! `oadr-codegen` binary (`cargo run -p oadr-codegen -- --xsd DIR --out DIR`).

use std::path::Path;

pub mod validator;

/// Generate Rust sources for the schema set rooted at `xsd_dir/oadr_20b.xsd` into `out_dir`.
pub fn generate(xsd_dir: &Path, out_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let schemas = validator::parse(xsd_dir)?;
    validator::generate(&schemas, out_dir)?;
    Ok(())
}
