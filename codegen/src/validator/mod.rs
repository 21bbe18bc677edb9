//! Validator tables: compile the XSD set into static data for `oadr::wire::validate`.
//!
//! Pipeline: xsd-parser's parser reads and resolves the documents ([`Schemas`]);
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

/// Read and resolve `xsd_dir/oadr_20b.xsd` and everything it imports.
pub fn parse(xsd_dir: &Path) -> Result<Schemas, String> {
    let root = xsd_dir.join("oadr_20b.xsd");
    let root = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let parser = xsd_parser::Parser::new()
        .with_default_resolver()
        .with_default_namespaces()
        .add_schema_from_file(&root)
        .map_err(|e| format!("parsing {}: {e}", root.display()))?;
    Ok(parser.finish())
}

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
