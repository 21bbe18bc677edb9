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
    write(&compile::compile(schemas)?, out_dir)
}

/// Write the tables compiled already into `out_dir/validator_tables.rs`.
pub fn write(compiled: &model::Compiled, out_dir: &Path) -> Result<(), String> {
    let src = emit::emit(compiled)?;
    let path = out_dir.join(TABLES_FILE);
    std::fs::write(&path, src).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::automaton::build;
    use super::model::{NsConstraint, Particle, Process, Wildcard};

    #[test]
    fn tables_are_deterministic() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../xsd"));
        let a = crate::SchemaSet::load(dir).expect("schema set");
        let b = crate::SchemaSet::load(dir).expect("schema set");
        let (ta, tb) = (
            super::tables_source(&a.schemas),
            super::tables_source(&b.schemas),
        );
        let ta = ta.expect("tables");
        assert_eq!(Some(&ta), tb.as_ref().ok());
        assert!(ta.starts_with("// @generated"));
        assert!(ta.contains("\"oadrDistributeEvent\""));
    }

    #[test]
    fn glushkov_sequence_with_optional_and_repeat() {
        // (a, b?, c*) : positions a=0, b=1, c=2
        let el = |decl, min, max| Particle::Element { decl, min, max };
        let p = Particle::Sequence {
            items: vec![el(0, 1, Some(1)), el(1, 0, Some(1)), el(2, 0, None)],
            min: 1,
            max: Some(1),
        };
        let a = build(&p).expect("automaton");
        assert_eq!(a.follow[0], vec![0]);
        assert_eq!(a.follow[1], vec![1, 2]);
        assert_eq!(a.follow[3], vec![2]);
        assert_eq!(a.accepting, vec![false, true, true, true]);
        // minOccurs=2 on a wildcard unrolls into two required positions.
        let w = Wildcard {
            ns: NsConstraint::Any,
            process: Process::Lax,
        };
        let a = build(&Particle::Any {
            wildcard: w,
            min: 2,
            max: Some(2),
        })
        .expect("automaton");
        assert_eq!(a.accepting, vec![false, false, true]);
    }
}
