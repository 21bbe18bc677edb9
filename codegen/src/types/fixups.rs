//! Fix-ups applied to the interpreted schema before Rust names are given.

use std::collections::BTreeMap;

use xsd_parser::models::meta::{AttributeMetaVariant, MetaTypeVariant};
use xsd_parser::models::schema::xs::FormChoiceType;
use xsd_parser::{IdentType, MetaTypes};

use crate::GenError;

/// Apply every fix-up.
pub fn apply(types: &mut MetaTypes) -> Result<(), GenError> {
    case_colliding_variants(types);
    global_attributes_are_qualified(types);
    Ok(())
}

/// Enumeration values that differ only in case (`ei:signalName` has `SIMPLE` and `simple`,
/// `scale:siScaleCode` has `M` (mega) and `m` (milli)) map to the same Rust variant name.
/// The value whose first character is lower-case gets a `Lower` suffix (`SimpleLower`, `MLower`);
/// the XML value itself is untouched.
fn case_colliding_variants(types: &mut MetaTypes) {
    for ty in types.items.values_mut() {
        let MetaTypeVariant::Enumeration(meta) = &mut ty.variant else {
            continue;
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for v in &meta.variants.0 {
            *seen
                .entry(v.ident.name.as_str().to_lowercase())
                .or_default() += 1;
        }
        for v in &mut meta.variants.0 {
            let value = v.ident.name.as_str();
            let collides = seen.get(&value.to_lowercase()).is_some_and(|n| *n > 1);
            if collides && value.starts_with(|c: char| c.is_lowercase()) && v.display_name.is_none()
            {
                v.display_name = Some(format!("{}Lower", upper_camel(value)));
            }
        }
    }
}

/// `simple` → `Simple`, `m` → `M`, `x-foo` → `XFoo`.
fn upper_camel(value: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in value.chars() {
        if c.is_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// An attribute used by `ref` (`gml:id`, `xml:lang`, `xml:base`, `oadr:Id`...) is a global
/// attribute, and global attributes are always namespace-qualified (XSD 1.0 §3.2.2).
/// xsd-parser 1.5 gives them the referencing schema's `attributeFormDefault` instead, so its
/// serializer wrote `id=` for `gml:id=`, which libxml2 rightly rejects. The deserializer
/// already matched them by namespace.
fn global_attributes_are_qualified(types: &mut MetaTypes) {
    for ty in types.items.values_mut() {
        let MetaTypeVariant::ComplexType(meta) = &mut ty.variant else {
            continue;
        };
        for attribute in meta.attributes.iter_mut() {
            if let AttributeMetaVariant::Type(ident) = &attribute.variant {
                if ident.type_ == IdentType::Attribute {
                    attribute.form = FormChoiceType::Qualified;
                }
            }
        }
    }
}
