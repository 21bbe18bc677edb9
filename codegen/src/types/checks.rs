//! Build-time decisions for the validating encoder (`wire::encode::check` in the runtime):
//! which element declaration a generated child site writes, and whether the Rust type of the
//! value already guarantees that the value is valid for the declared simple type.
//!
//! The validator tables ([`crate::validator::model::Compiled`]) are compiled before the
//! types are rendered, so that the encoders can carry declaration indices into
//! `validator_tables.rs` (`ELEMENTS`) instead of resolving names while they write:
//!
//! - a child element whose expanded name belongs to exactly one declaration of the schema
//!   set gets that declaration's index (`w.decl(i)`): the runtime then advances the parent's
//!   content-model automaton by index (no prefix resolution, no string comparison);
//! - when, in addition, every value of the field's Rust type is in the declared simple type's
//!   value space (the checks of `simple::validate` cannot fail), the site says so
//!   (`w.decl_trusted(i)`) and the runtime skips the value check. That holds for `String`
//!   under an unrestricted `xs:string`, `bool` under `xs:boolean`, fixed-size integers under
//!   unrestricted integer types wide enough for them, `f32`/`f64` under `xs:float`/`xs:double`,
//!   and generated enumerations whose every value is in the declared type's enumeration
//!   facets (and nothing else restricts it). Declarations with a fixed or default value are
//!   never trusted. Debug builds check every trusted value anyway (see the runtime).

use std::collections::HashMap;

use xsd_parser::models::data::{DataTypeVariant, DataTypes};
use xsd_parser::models::meta::BuildInMeta;
use xsd_parser::models::TypeIdent;

use crate::validator::model::{Compiled, TypeRef, Variety, WhiteSpace};

use super::proof::{models, Lang, Model};

/// The element declarations of the compiled tables by expanded name, with what the encoder
/// may skip for each (see the module docs).
#[derive(Debug, Default)]
pub struct CheckIndex {
    /// `(namespace, local name)` → the declarations of that name.
    decls: HashMap<(String, String), Vec<Decl>>,
    /// The complex type of each declaration (`None`: a simple type).
    decl_types: Vec<Option<usize>>,
    /// The content model of each complex type (see `proof.rs`).
    models: Vec<Option<Model>>,
}

#[derive(Debug, Clone)]
struct Decl {
    index: u16,
    /// Declared with a complex type.
    complex: bool,
    /// The declared simple type when a value of the right Rust type can skip its check: the
    /// built-in it is an unrestricted copy of, or the enumeration values it allows.
    trustable: Option<Space>,
}

/// The value space of a simple type without facets other than enumerations.
#[derive(Debug, Clone)]
enum Space {
    /// An unrestricted built-in (its XSD local name).
    Builtin(String),
    /// String-like values restricted to these lexical forms only (every restriction step's
    /// list intersected).
    Enumeration(Vec<String>),
}

/// What the encoder emits before writing one child element.
pub enum Hint {
    /// No declaration index (ambiguous name): the runtime resolves the name.
    None,
    /// The declaration index.
    Decl(u16),
    /// The declaration index, and the value needs no check.
    Trusted(u16),
}

impl CheckIndex {
    /// Index the compiled tables.
    pub fn new(c: &Compiled) -> Self {
        let mut decls: HashMap<(String, String), Vec<Decl>> = HashMap::new();
        for (i, e) in c.elements.iter().enumerate() {
            let key = (e.name.ns.clone(), e.name.local.clone());
            let Ok(index) = u16::try_from(i) else {
                continue;
            };
            decls.entry(key).or_default().push(Decl {
                index,
                complex: matches!(e.ty, TypeRef::Complex(_)),
                trustable: trustable(c, e.ty, e.fixed.is_some() || e.default.is_some()),
            });
        }
        let decl_types = c
            .elements
            .iter()
            .map(|e| match e.ty {
                TypeRef::Complex(t) => Some(t),
                TypeRef::Simple(_) => None,
            })
            .collect();
        Self {
            decls,
            decl_types,
            models: models(c),
        }
    }

    /// The declaration of a child element `{ns}local` whose value has the xsd-parser type
    /// `ty`: the only one of that name, or, where several share it (`xcal:duration`, a
    /// complex and a simple type), the only one whose type is complex exactly when `ty` is.
    /// Debug builds check every choice against the validator's resolution by name, and a
    /// proof (`proves`) only succeeds where the parent's content model holds this declaration.
    fn find(
        &self,
        ns: &str,
        local: &str,
        ty: Option<&TypeIdent>,
        types: &DataTypes<'_>,
    ) -> Option<&Decl> {
        let all = self.decls.get(&(ns.to_owned(), local.to_owned()))?;
        if let [one] = all.as_slice() {
            return Some(one);
        }
        let complex = is_complex(types, ty?, 8)?;
        let mut fits = all.iter().filter(|d| d.complex == complex);
        match (fits.next(), fits.next()) {
            (Some(d), None) => Some(d),
            _ => None,
        }
    }

    /// The declaration index of a child element (see [`CheckIndex::find`]).
    pub fn decl(
        &self,
        ns: &str,
        local: &str,
        ty: Option<&TypeIdent>,
        types: &DataTypes<'_>,
    ) -> Option<u16> {
        self.find(ns, local, ty, types).map(|d| d.index)
    }

    /// Whether the content model of declaration `decl` accepts every child sequence of
    /// `lang` (see `proof.rs`).
    pub fn proves(&self, decl: u16, lang: &Lang) -> bool {
        let model = self.decl_types.get(usize::from(decl)).copied().flatten();
        model
            .and_then(|t| self.models.get(t))
            .and_then(Option::as_ref)
            .is_some_and(|m| m.accepts_all(lang))
    }

    /// The hint for a child element `{ns}local` whose value has the xsd-parser type `ty`.
    pub fn hint(
        &self,
        ns: &str,
        local: &str,
        ty: Option<&TypeIdent>,
        types: &DataTypes<'_>,
    ) -> Hint {
        let Some(d) = self.find(ns, local, ty, types) else {
            return Hint::None;
        };
        let trusted = match (&d.trustable, ty.and_then(|t| value_kind(types, t, 8))) {
            (Some(space), Some(kind)) => covers(&kind, space),
            _ => false,
        };
        if trusted {
            Hint::Trusted(d.index)
        } else {
            Hint::Decl(d.index)
        }
    }
}

/// The value space of the declared type when it is one [`Space`] describes.
fn trustable(c: &Compiled, ty: TypeRef, has_value_constraint: bool) -> Option<Space> {
    let TypeRef::Simple(s) = ty else {
        return None;
    };
    if has_value_constraint {
        return None;
    }
    let def = c.simple.get(s)?;
    let Variety::Atomic(builtin) = &def.variety else {
        return None;
    };
    if def.facets.iter().all(|f| f.is_empty()) {
        return Some(Space::Builtin(builtin.clone()));
    }
    // Enumerations over string-like built-ins, nothing else restricting them.
    if !matches!(builtin.as_str(), "string" | "normalizedString" | "token") {
        return None;
    }
    let mut allowed: Option<Vec<String>> = None;
    for f in &def.facets {
        let only_enumeration = crate::validator::model::FacetSet {
            enumeration: f.enumeration.clone(),
            ..Default::default()
        } == *f;
        if !only_enumeration || f.enumeration.is_empty() {
            return None;
        }
        allowed = Some(match allowed {
            None => f.enumeration.clone(),
            Some(a) => a
                .into_iter()
                .filter(|v| f.enumeration.contains(v))
                .collect(),
        });
    }
    // Values the whiteSpace facet would change are compared after normalization at run
    // time: leave those to the runtime check.
    let normalized = |v: &str| {
        def.white_space == WhiteSpace::Preserve
            || !(v.contains(['\t', '\n', '\r'])
                || v.starts_with(' ')
                || v.ends_with(' ')
                || v.contains("  "))
    };
    allowed
        .filter(|a| a.iter().all(|v| normalized(v)))
        .map(Space::Enumeration)
}

/// The values a Rust type can produce, for the types whose every value is known here.
enum Kind {
    BuildIn(BuildInMeta),
    /// A generated enumeration: the lexical forms of its variants.
    Enumeration(Vec<String>),
}

/// Whether the type `ident` is complex (a struct or enum of elements or with attributes),
/// following typedefs; `None` when unknown.
fn is_complex(types: &DataTypes<'_>, ident: &TypeIdent, depth: u8) -> Option<bool> {
    match &types.items.get(ident)?.variant {
        DataTypeVariant::Complex(_) => Some(true),
        DataTypeVariant::BuildIn(_)
        | DataTypeVariant::Enumeration(_)
        | DataTypeVariant::Union(_)
        | DataTypeVariant::Simple(_) => Some(false),
        DataTypeVariant::Reference(r) if depth > 0 => is_complex(types, &r.meta.type_, depth - 1),
        _ => None,
    }
}

/// The kind of the value type `ident`, following typedefs (at most `depth` steps).
fn value_kind(types: &DataTypes<'_>, ident: &TypeIdent, depth: u8) -> Option<Kind> {
    let data = types.items.get(ident)?;
    match &data.variant {
        DataTypeVariant::BuildIn(b) => Some(Kind::BuildIn(b.meta.as_ref().clone())),
        DataTypeVariant::Enumeration(e) => {
            let mut values = Vec::new();
            for v in &e.meta.variants.0 {
                // A variant with a type of its own is a union-like value: not a fixed string.
                if v.type_.is_some() {
                    return None;
                }
                values.push(v.ident.name.as_str().to_owned());
            }
            Some(Kind::Enumeration(values))
        }
        DataTypeVariant::Reference(r) if depth > 0 => {
            let typedef = matches!(
                r.mode,
                xsd_parser::config::TypedefMode::Auto | xsd_parser::config::TypedefMode::Typedef
            );
            let single = matches!(r.occurs, xsd_parser::models::data::Occurs::Single);
            if !(typedef && single) {
                return None;
            }
            value_kind(types, &r.meta.type_, depth - 1)
        }
        _ => None,
    }
}

/// Whether every value of `kind` is valid in `space`.
fn covers(kind: &Kind, space: &Space) -> bool {
    match (kind, space) {
        (Kind::BuildIn(b), Space::Builtin(x)) => builtin_covers(b, x),
        (Kind::Enumeration(values), Space::Enumeration(allowed)) => {
            !values.is_empty() && values.iter().all(|v| allowed.contains(v))
        }
        _ => false,
    }
}

/// Whether every value of the Rust built-in `b`, as the writer spells it, is in the lexical
/// and value space of the unrestricted XSD built-in `xsd`.
fn builtin_covers(b: &BuildInMeta, xsd: &str) -> bool {
    use BuildInMeta as B;
    // Integer XSD types by the range they accept: (min, max) in i128, None = unbounded.
    let range = |t: &str| -> Option<(Option<i128>, Option<i128>)> {
        Some(match t {
            "decimal" | "integer" => (None, None),
            "long" => (Some(i64::MIN.into()), Some(i64::MAX.into())),
            "int" => (Some(i32::MIN.into()), Some(i32::MAX.into())),
            "short" => (Some(i16::MIN.into()), Some(i16::MAX.into())),
            "byte" => (Some(i8::MIN.into()), Some(i8::MAX.into())),
            "nonNegativeInteger" => (Some(0), None),
            "unsignedLong" => (Some(0), Some(u64::MAX.into())),
            "unsignedInt" => (Some(0), Some(u32::MAX.into())),
            "unsignedShort" => (Some(0), Some(u16::MAX.into())),
            "unsignedByte" => (Some(0), Some(u8::MAX.into())),
            _ => return None,
        })
    };
    let rust: Option<(i128, i128)> = match b {
        B::U8 => Some((0, u8::MAX.into())),
        B::U16 => Some((0, u16::MAX.into())),
        B::U32 => Some((0, u32::MAX.into())),
        B::U64 | B::Usize => Some((0, u64::MAX.into())),
        B::I8 => Some((i8::MIN.into(), i8::MAX.into())),
        B::I16 => Some((i16::MIN.into(), i16::MAX.into())),
        B::I32 => Some((i32::MIN.into(), i32::MAX.into())),
        B::I64 | B::Isize => Some((i64::MIN.into(), i64::MAX.into())),
        _ => None,
    };
    match (b, rust) {
        (_, Some((lo, hi))) => range(xsd)
            .is_some_and(|(min, max)| min.is_none_or(|m| m <= lo) && max.is_none_or(|m| hi <= m)),
        (B::Bool, _) => xsd == "boolean",
        (B::String | B::Str, _) => xsd == "string",
        (B::F32, _) => xsd == "float",
        (B::F64, _) => xsd == "double",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> CheckIndex {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../xsd"));
        let set = crate::SchemaSet::load(dir).expect("schema set");
        let tables = crate::validator::compile::compile(&set.schemas).expect("tables");
        CheckIndex::new(&tables)
    }

    #[test]
    fn names_with_one_declaration_get_its_index() {
        let ix = index();
        let ei = "http://docs.oasis-open.org/ns/energyinterop/201110";
        let unique = ix.decls.values().filter(|d| d.len() == 1).count();
        eprintln!("{} names, {unique} with one declaration", ix.decls.len());
        let event_id = ix.decls.get(&(ei.to_owned(), "eventID".to_owned()));
        assert!(matches!(event_id.map(Vec::len), Some(1)), "{event_id:?}");
        assert!(
            unique * 10 > ix.decls.len() * 8,
            "most names are unambiguous"
        );
    }
}
