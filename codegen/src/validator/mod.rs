//! Validator tables: compile the XSD set into static data for `oadr::wire::validate`.
//!
//! Pipeline: xsd-parser's parser reads and resolves the documents once for every emitter
//! ([`crate::SchemaSet`], the [`Schemas`] the types emitter uses too);
//! [`compile`] resolves every component into the index-addressed [`model::Compiled`];
//! [`emit`] writes it as `validator_tables.rs` (content models as Glushkov automata,
//! see [`automaton`]). Output is deterministic: components are visited in sorted order.

pub mod automaton;
pub mod compile;
pub mod emit;
pub mod model;

use std::path::Path;

use xsd_parser::models::schema::Schemas;

/// File name of the emitted tables in the output directory.
pub const TABLES_FILE: &str = "validator_tables.rs";

/// Compile the parsed schema set and return the tables' Rust source.
pub fn tables_source(schemas: &Schemas) -> Result<String, String> {
    let compiled = compile::compile(schemas)?;
    emit::emit(&compiled)
}

/// Write `validator_tables.rs` into `out_dir`.
pub fn generate(schemas: &Schemas, out_dir: &Path) -> Result<(), String> {
    let src = tables_source(schemas)?;
    let path = out_dir.join(TABLES_FILE);
    std::fs::write(&path, src).map_err(|e| format!("{}: {e}", path.display()))
}
