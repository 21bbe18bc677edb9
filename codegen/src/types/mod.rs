//! The typed-structs emitter: drives xsd-parser's interpreter, optimiser, generator and
//! quick-xml render steps over the parsed [`SchemaSet`], applies the fix-ups the OpenADR
//! schema set needs (`fixups`), and writes one file per XML namespace (`layout`).

mod checks;
mod config;
mod decoder;
mod docs;
mod encoder;
mod fixups;
mod lang;
mod layout;
mod prechecked;
mod proof;

use std::path::Path;

use crate::validator::model::Compiled;
use crate::{GenError, SchemaSet};

/// Name of the index file the `oadr` crate includes from `src/wire/`.
pub const INDEX_FILE: &str = "wire_generated.rs";

/// Emit the typed structs and their quick-xml (de)serializers into `out_dir`; `tables` are
/// the compiled validator tables the encoders refer to by index.
pub fn emit(set: &SchemaSet, tables: &Compiled, out_dir: &Path) -> Result<(), GenError> {
    let (meta_types, ident_cache) =
        xsd_parser::exec_interpreter_with_ident_cache(config::interpreter(), &set.schemas)?;
    let mut meta_types = xsd_parser::exec_optimizer(config::optimizer(), meta_types)?;
    fixups::apply(&mut meta_types)?;
    let data_types = xsd_parser::exec_generator_with_ident_cache(
        config::generator(),
        &set.schemas,
        Some(&ident_cache),
        &meta_types,
    )?;
    let module = xsd_parser::exec_render(
        config::renderer(checks::CheckIndex::new(tables)),
        &data_types,
    )
    .map_err(xsd_parser::Error::from)?;
    layout::write(&module, out_dir)
}
