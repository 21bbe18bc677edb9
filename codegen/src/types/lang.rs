//! The child sequences a generated type's encoder can write ([`Lang`]), read off xsd-parser's
//! data types exactly as `encoder.rs` renders them: fields in order, `Option`/`Vec`/arrays by
//! their `Occurs`, choice enums as alternatives, group fields (nested sequences, choices and
//! substitution groups) by their own type's language. See `proof.rs` for what it is used for.

use xsd_parser::models::data::{
    ComplexData, ComplexDataElement, DataTypeVariant, DataTypes, Occurs, StructMode,
};
use xsd_parser::models::meta::{ElementMetaVariant, ElementMode};
use xsd_parser::models::schema::MaxOccurs;
use xsd_parser::models::TypeIdent;

use super::proof::{repeat, Bounds, Lang};

/// Deepest nesting of group types and typedefs followed.
const MAX_DEPTH: u8 = 16;

/// The range of values a field with this `Occurs` holds.
fn rust_range(occurs: Occurs) -> (u64, Option<u64>) {
    match occurs {
        Occurs::None => (0, Some(0)),
        Occurs::Single => (1, Some(1)),
        Occurs::Optional => (0, Some(1)),
        Occurs::DynamicList => (0, None),
        Occurs::StaticList(n) => (n as u64, Some(n as u64)),
    }
}

/// The schema's occurrence range.
fn schema_range(min: usize, max: MaxOccurs) -> (u64, Option<u64>) {
    let max = match max {
        MaxOccurs::Unbounded => None,
        MaxOccurs::Bounded(m) => Some(m as u64),
    };
    (min as u64, max)
}

/// The bounds the encoder enforces for a child element or group field.
pub fn element_bounds(el: &ComplexDataElement<'_>) -> Bounds {
    let meta = el.meta();
    Bounds::new(
        rust_range(el.occurs),
        schema_range(meta.min_occurs, meta.max_occurs),
    )
}

/// The bounds the encoder enforces for the content field of a struct in content mode.
pub fn content_bounds(occurs: Occurs, min: usize, max: MaxOccurs) -> Bounds {
    Bounds::new(rust_range(occurs), schema_range(min, max))
}

/// Reads languages off the data types; `decl` gives the declaration index an element site
/// carries (`None`: no index, so no proof).
pub struct Reader<'a, 'types> {
    /// All data types.
    pub types: &'a DataTypes<'types>,
    /// The declaration of an element child site.
    pub decl: &'a dyn Fn(&ComplexDataElement<'_>) -> Option<u16>,
}

impl Reader<'_, '_> {
    /// The language of the children of a value of type `ident`; `None` when the type has no
    /// element content (simple content, a simple type) or holds content the proof does not
    /// follow (wildcards, text, `xs:all`).
    pub fn type_lang(&self, ident: &TypeIdent) -> Option<Lang> {
        self.ident_lang(ident, MAX_DEPTH)
    }

    fn ident_lang(&self, ident: &TypeIdent, depth: u8) -> Option<Lang> {
        let depth = depth.checked_sub(1)?;
        match &self.types.items.get(ident)?.variant {
            DataTypeVariant::Complex(c) => self.complex_lang(c, depth),
            DataTypeVariant::Reference(r)
                if matches!(r.occurs, Occurs::Single)
                    && matches!(
                        r.mode,
                        xsd_parser::config::TypedefMode::Auto
                            | xsd_parser::config::TypedefMode::Typedef
                    ) =>
            {
                self.ident_lang(&r.meta.type_, depth)
            }
            _ => None,
        }
    }

    fn complex_lang(&self, data: &ComplexData<'_>, depth: u8) -> Option<Lang> {
        match data {
            ComplexData::Enum { type_, .. } => {
                if type_.allow_any {
                    return None;
                }
                let parts = type_
                    .elements
                    .iter()
                    .map(|el| self.element_lang(el, depth))
                    .collect::<Option<Vec<_>>>()?;
                Some(Lang::Alt(parts))
            }
            ComplexData::Struct {
                type_,
                content_type,
            } => match &type_.mode {
                StructMode::Empty { allow_any: false } => Some(Lang::Seq(Vec::new())),
                StructMode::Sequence {
                    elements,
                    allow_any: false,
                } => elements
                    .iter()
                    .map(|el| self.element_lang(el, depth))
                    .collect::<Option<Vec<_>>>()
                    .map(Lang::Seq),
                StructMode::Content { content } if content.is_complex() => {
                    let inner =
                        self.complex_lang(content_type.as_deref()?, depth.checked_sub(1)?)?;
                    let b = content_bounds(content.occurs, content.min_occurs, content.max_occurs);
                    Some(repeat(inner, b))
                }
                _ => None,
            },
        }
    }

    /// One field or variant, as `encoder.rs`'s `child` writes it.
    fn element_lang(&self, el: &ComplexDataElement<'_>, depth: u8) -> Option<Lang> {
        let inner = match &el.meta().variant {
            ElementMetaVariant::Type {
                mode: ElementMode::Group,
                type_,
            } => self.ident_lang(type_, depth)?,
            ElementMetaVariant::Type { type_, .. } if el.target_is_dynamic => {
                self.ident_lang(type_, depth)?
            }
            ElementMetaVariant::Type { .. } => Lang::Decl((self.decl)(el)?),
            ElementMetaVariant::Any { .. } | ElementMetaVariant::Text => return None,
        };
        Some(repeat(inner, element_bounds(el)))
    }
}
