//! oadr-codegen: compiles the vendored OpenADR 2.0b XSD set into Rust source.
//!
//! The entry point is [`generate`], used by the root crate's `build.rs` and by the
//! `oadr-codegen` binary (`cargo run -p oadr-codegen -- --xsd DIR --out DIR`).
//!
//! The schema set is parsed and resolved once ([`SchemaSet::load`]); each emitter
//! (today: [`types`], the typed structs with their quick-xml codec) receives the
//! resolved set and writes its own files through [`output`].

pub mod output;
pub mod types;
pub mod validator;

use std::path::{Path, PathBuf};

use xsd_parser::config::{ParserConfig, ParserFlags, Resolver, Schema};
use xsd_parser::Schemas;

/// File name of the root schema inside the schema directory.
pub const ROOT_SCHEMA: &str = "oadr_20b.xsd";

/// Errors of the code generator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// The schema directory or root schema could not be read.
    #[error("cannot read schema {path}: {source}")]
    Schema {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// xsd-parser failed to parse, interpret, optimise, generate or render.
    #[error("xsd-parser: {0}")]
    XsdParser(Box<xsd_parser::Error>),
    /// A fix-up of the interpreted schema found something unexpected.
    #[error("schema fix-up: {0}")]
    Fixup(String),
    /// The generated tokens do not parse as a Rust file (a generator bug).
    #[error("generated code for {file} is not valid Rust: {source}")]
    Syntax {
        /// The output file.
        file: String,
        /// The parse error.
        source: syn::Error,
    },
    /// The validator tables could not be compiled from the schema set.
    #[error("validator tables: {0}")]
    Validator(String),
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl From<xsd_parser::Error> for GenError {
    fn from(e: xsd_parser::Error) -> Self {
        Self::XsdParser(Box::new(e))
    }
}

/// The parsed schema set rooted at `oadr_20b.xsd`, with everything it imports.
///
/// Emitters take this instead of re-parsing the XSD files.
#[derive(Debug)]
pub struct SchemaSet {
    /// The raw parsed schemas (namespaces, prefixes, schema content), as read by xsd-parser.
    pub schemas: Schemas,
    /// The directory the schemas were read from.
    pub xsd_dir: PathBuf,
}

impl SchemaSet {
    /// Parse `xsd_dir/oadr_20b.xsd` and resolve its imports (from files in the same directory).
    pub fn load(xsd_dir: &Path) -> Result<Self, GenError> {
        let root = xsd_dir.join(ROOT_SCHEMA);
        let root = root
            .canonicalize()
            .map_err(|source| GenError::Schema { path: root, source })?;
        let config = ParserConfig {
            resolver: vec![Resolver::File],
            flags: ParserFlags::RESOLVE_INCLUDES | ParserFlags::DEFAULT_NAMESPACES,
            schemas: vec![Schema::File(root)],
            ..ParserConfig::default()
        };
        let schemas = xsd_parser::exec_parser(config)?;
        Ok(Self {
            schemas,
            xsd_dir: xsd_dir.to_path_buf(),
        })
    }
}

/// Generate Rust sources for the schema set rooted at `xsd_dir/oadr_20b.xsd` into `out_dir`.
///
/// Writes `wire_generated.rs` (the index the `oadr` crate includes) and one file per XML
/// namespace (see codegen/README.md for the layout). Output is deterministic.
pub fn generate(xsd_dir: &Path, out_dir: &Path) -> Result<(), GenError> {
    let set = SchemaSet::load(xsd_dir)?;
    // The tables first: the encoders refer to their element declarations by index.
    let tables = validator::compile::compile(&set.schemas).map_err(GenError::Validator)?;
    types::emit(&set, &tables, out_dir)?;
    validator::write(&tables, out_dir).map_err(GenError::Validator)?;
    Ok(())
}
