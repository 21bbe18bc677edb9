//! The facet checks of xsd-parser's value deserializers, skipped on validated input.
//!
//! xsd-parser renders `DeserializeBytes` for a restricted simple type as "check the facets
//! (`Self::validate_str`, patterns through `regex`), then convert". The typed decoder of
//! `wire::decode` only runs after (two-pass) or alongside (the fused pass) `wire::validate`,
//! which has already checked those facets with the same schema and is the authority on them
//! (its verdict is tested against libxml2). Checking them a second time cost about an eighth
//! of decode time (callgrind: `xcal:DateTimeType` and `atom:EmailType` patterns, ~40k
//! instructions per message, plus the one-time compilation of their regexes). This pass
//! makes each such check conditional on `crate::wire::decode::input_validated()`, which is
//! true only while the decoder reads a document the validator has accepted or is checking;
//! `wire::from_xml` (no validation) keeps the checks.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// Wrap every `Self::validate_str(..)...;` statement of a `deserialize_bytes` method in
/// `if !crate::wire::decode::input_validated() { .. }`. Returns how many were wrapped.
pub fn guard_facet_checks(file: &mut syn::File) -> usize {
    let mut guard = Guard { wrapped: 0 };
    guard.visit_file_mut(file);
    guard.wrapped
}

struct Guard {
    wrapped: usize,
}

impl VisitMut for Guard {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if f.sig.ident != "deserialize_bytes" {
            return;
        }
        for stmt in &mut f.block.stmts {
            let is_check = matches!(stmt, syn::Stmt::Expr(_, Some(_)))
                && stmt
                    .to_token_stream()
                    .to_string()
                    .starts_with("Self :: validate_str (");
            if is_check {
                let check = stmt.clone();
                *stmt = syn::parse_quote! {
                    if !crate::wire::decode::input_validated() {
                        #check
                    }
                };
                self.wrapped += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn only_the_facet_check_of_deserialize_bytes_is_guarded() {
        let mut file: syn::File = syn::parse2(quote! {
            impl DeserializeBytes for T {
                fn deserialize_bytes(helper: &mut H, bytes: &[u8]) -> Result<Self, Error> {
                    let s = from_utf8(bytes).map_err(Error::from)?;
                    Self::validate_str(s).map_err(|error| (bytes, error))?;
                    Ok(Self(s.to_owned()))
                }
            }
            impl T {
                fn other(s: &str) { Self::validate_str(s).ok(); }
            }
        })
        .expect("parse");
        assert_eq!(guard_facet_checks(&mut file), 1);
        let text = file.to_token_stream().to_string();
        assert!(
            text.contains("if ! crate :: wire :: decode :: input_validated ()"),
            "{text}"
        );
        assert!(text.contains("fn other (s : & str) { Self :: validate_str (s) . ok () ; }"));
    }
}
