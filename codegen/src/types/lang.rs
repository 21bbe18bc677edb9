//! The child sequences a generated type's encoder can write ([`Lang`]), read off xsd-parser's
//! data types exactly as `encoder.rs` renders them: fields in order, `Option`/`Vec`/arrays by
//! their `Occurs`, choice enums as alternatives, group fields (nested sequences, choices and
//! substitution groups) by their own type's language. See `proof.rs` for what it is used for.

use xsd_parser::models::data::{
    ComplexData, ComplexDataContent, ComplexDataElement, DataTypeVariant, DataTypes, Occurs,
    StructMode,
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

/// The bounds the encoder enforces for a field of `occurs` whose schema particle has
/// `min..=max`. The values are counted against the schema's bounds only when each one is
/// written as exactly one element (`one_each`): then the count is the number of elements the
/// particle matched (Unique Particle Attribution), and a count outside its bounds makes the
/// document invalid (`Writer::occurs` refuses it). A group value may write no element or
/// several repetitions' worth: there only the Rust range holds.
fn bounds(occurs: Occurs, min: usize, max: MaxOccurs, one_each: bool) -> Bounds {
    let rust = rust_range(occurs);
    if one_each {
        Bounds::new(rust, schema_range(min, max))
    } else {
        Bounds::new(rust, rust)
    }
}

/// Whether every word of `l` is exactly one element.
fn one_element(l: &Lang) -> bool {
    match l {
        Lang::Decl(_) => true,
        Lang::Alt(parts) => !parts.is_empty() && parts.iter().all(one_element),
        Lang::Seq(parts) => matches!(parts.as_slice(), [one] if one_element(one)),
        Lang::Repeat(part, 1, Some(1)) => one_element(part),
        Lang::Repeat(..) => false,
    }
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
    /// The bounds the encoder enforces for a child field or variant (see [`bounds`]).
    pub fn field_bounds(&self, el: &ComplexDataElement<'_>) -> Bounds {
        self.field_bounds_at(el, MAX_DEPTH)
    }

    fn field_bounds_at(&self, el: &ComplexDataElement<'_>, depth: u8) -> Bounds {
        let one_each = match &el.meta().variant {
            ElementMetaVariant::Type {
                mode: ElementMode::Group,
                type_,
            } => self
                .ident_lang(type_, depth)
                .is_some_and(|l| one_element(&l)),
            ElementMetaVariant::Type { type_, .. } if el.target_is_dynamic => self
                .ident_lang(type_, depth)
                .is_some_and(|l| one_element(&l)),
            // An element, or `xs:any` content (one element each).
            ElementMetaVariant::Type { .. } | ElementMetaVariant::Any { .. } => true,
            ElementMetaVariant::Text => false,
        };
        let meta = el.meta();
        bounds(el.occurs, meta.min_occurs, meta.max_occurs, one_each)
    }

    /// The bounds the encoder enforces for the content field of a struct in content mode
    /// (`content_type`: the content's own type).
    pub fn content_bounds(
        &self,
        content: &ComplexDataContent<'_>,
        content_type: Option<&ComplexData<'_>>,
    ) -> Bounds {
        self.content_bounds_at(content, content_type, MAX_DEPTH)
    }

    fn content_bounds_at(
        &self,
        content: &ComplexDataContent<'_>,
        content_type: Option<&ComplexData<'_>>,
        depth: u8,
    ) -> Bounds {
        let one_each = content.is_complex()
            && content_type
                .and_then(|c| self.complex_lang(c, depth))
                .is_some_and(|l| one_element(&l));
        bounds(
            content.occurs,
            content.min_occurs,
            content.max_occurs,
            one_each,
        )
    }

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
                    let depth = depth.checked_sub(1)?;
                    let inner = self.complex_lang(content_type.as_deref()?, depth)?;
                    let b = self.content_bounds_at(content, content_type.as_deref(), depth);
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
        Some(repeat(inner, self.field_bounds_at(el, depth)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_values_of_one_element_each_are_counted() {
        let d = Lang::Decl;
        let rep = |l: Lang, min, max| Lang::Repeat(Box::new(l), min, max);
        assert!(one_element(&d(1)));
        assert!(one_element(&Lang::Alt(vec![d(1), d(2)])));
        assert!(one_element(&Lang::Seq(vec![rep(d(1), 1, Some(1))])));
        // May write nothing, or several elements.
        assert!(!one_element(&Lang::Alt(vec![])));
        assert!(!one_element(&Lang::Alt(vec![d(1), Lang::Seq(vec![])])));
        assert!(!one_element(&rep(d(1), 0, Some(1))));
        assert!(!one_element(&Lang::Seq(vec![d(1), d(2)])));
        assert!(!one_element(&rep(d(1), 1, None)));
        let counted = bounds(Occurs::DynamicList, 1, MaxOccurs::Unbounded, true);
        assert_eq!((counted.min, counted.max, counted.counted), (1, None, true));
        let group = bounds(Occurs::DynamicList, 1, MaxOccurs::Unbounded, false);
        assert_eq!((group.min, group.max, group.counted), (0, None, false));
    }
}
