//! Output layout: the index file plus one file per XML namespace.
//!
//! ```text
//! wire_generated.rs   namespace and prefix constants, then `pub mod <ns> { include!(...) }`
//! <ns>.rs             the types of one namespace (oadr.rs, ei.rs, ds.rs, ...) with their
//!                     decoders (`DecodeElement`/`DecodeGroup` impls over `wire::decode`)
//!                     and encoders (`EncodeElement`/`EncodeGroup`/`EncodeText` impls over
//!                     `wire::encode`)
//! ```

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use xsd_parser::{Module, SubModules};

use super::INDEX_FILE;
use crate::output::{parse_rust, write_rust_file};
use crate::GenError;

/// Write `module` (as rendered by xsd-parser) into `out_dir`.
pub fn write(module: &Module, out_dir: &Path) -> Result<(), GenError> {
    let mut index = TokenStream::new();
    let root = Module {
        code: module.code.clone(),
        usings: module.usings.clone(),
        modules: Default::default(),
    };
    root.to_code(&mut index, SubModules::None);
    for (name, sub) in &module.modules {
        let file = format!("{name}.rs");
        let ident = format_ident!("{name}");
        let mut code = TokenStream::new();
        sub.to_code(&mut code, SubModules::Inline);
        let mut parsed = parse_rust(&file, code)?;
        super::docs::escape_all(&mut parsed);
        super::prechecked::guard_facet_checks(&mut parsed);
        write_rust_file(out_dir, &file, &parsed)?;
        index.extend(quote! {
            #[allow(
                dead_code,
                unused_variables,
                unused_mut,
                unused_comparisons,
                clippy::absurd_extreme_comparisons,
                clippy::never_loop,
                clippy::single_match,
                clippy::len_zero,
                clippy::redundant_field_names,
                clippy::large_enum_variant,
                clippy::result_large_err,
                clippy::doc_lazy_continuation,
                reason = "xsd-parser's generated value (de)serializers of simple types carry \
                          unused helper parameters and checks against unsigned zero; \
                          clippy's style lints are about that generator's code shape, and the \
                          doc lints about the schemas' xs:documentation text"
            )]
            pub mod #ident {
                include!(concat!(env!("OUT_DIR"), "/", #file));
            }
        });
    }
    let parsed = parse_rust(INDEX_FILE, index)?;
    write_rust_file(out_dir, INDEX_FILE, &parsed)
}
