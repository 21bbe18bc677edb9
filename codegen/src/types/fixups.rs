//! Fix-ups applied to the interpreted schema before Rust names are given.

use std::collections::BTreeMap;

use xsd_parser::models::meta::MetaTypeVariant;
use xsd_parser::MetaTypes;

use crate::GenError;

/// Apply every fix-up.
pub fn apply(types: &mut MetaTypes) -> Result<(), GenError> {
    case_colliding_variants(types);
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
