//! Validation of a string value against a simple type: whiteSpace normalization, the
//! built-in lexical space, list and union varieties, then every facet of every restriction
//! step (XML Schema 1.0 Part 2 §4.3).

use std::cmp::Ordering;

use super::ids::Ids;
use super::lexical::{self, base64_len, parse_decimal};
use super::pattern;
use super::tables::{Builtin, Facets, Variety, WhiteSpace, SIMPLE_TYPES};

/// Document-wide state a value check may need.
pub struct ValueCtx<'a> {
    /// Resolves a namespace prefix ("" = default) for xs:QName values.
    pub prefix_bound: &'a dyn Fn(&str) -> bool,
    /// Values of type xs:ID seen so far (XSD 1.0 §3.3.8: must be unique).
    pub ids: &'a mut Ids,
}

/// Apply a whiteSpace facet.
pub fn normalize(raw: &str, ws: WhiteSpace) -> std::borrow::Cow<'_, str> {
    match ws {
        WhiteSpace::Preserve => raw.into(),
        WhiteSpace::Replace => {
            if raw.contains(['\t', '\n', '\r']) {
                raw.replace(['\t', '\n', '\r'], " ").into()
            } else {
                raw.into()
            }
        }
        WhiteSpace::Collapse => {
            if needs_collapse(raw) {
                raw.split([' ', '\t', '\n', '\r'])
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into()
            } else {
                raw.into()
            }
        }
    }
}

/// Whether collapsing changes `raw`: a tab, CR or LF, a leading or trailing space, or two
/// spaces in a row (one pass over the bytes).
fn needs_collapse(raw: &str) -> bool {
    // Most values hold no byte at or below the space: one pass without branches tells.
    if !raw.bytes().fold(false, |any, b| any | (b <= b' ')) {
        return false;
    }
    let mut after_space = true;
    for b in raw.bytes() {
        match b {
            b'\t' | b'\n' | b'\r' => return true,
            b' ' if after_space => return true,
            b' ' => after_space = true,
            _ => after_space = false,
        }
    }
    after_space && !raw.is_empty()
}

fn is_numeric(b: Builtin) -> bool {
    use Builtin::*;
    matches!(
        b,
        Decimal
            | Integer
            | NonNegativeInteger
            | PositiveInteger
            | NonPositiveInteger
            | NegativeInteger
            | Long
            | Int
            | Short
            | Byte
            | UnsignedLong
            | UnsignedInt
            | UnsignedShort
            | UnsignedByte
    )
}

fn is_temporal(b: Builtin) -> bool {
    use Builtin::*;
    matches!(
        b,
        DateTime | Date | Time | Duration | GYear | GYearMonth | GMonth | GMonthDay | GDay
    )
}

/// Compare two xs:decimal lexical values in the value space.
pub fn cmp_decimal(a: &str, b: &str) -> Option<Ordering> {
    fn norm(s: &str) -> Option<(bool, &str, &str)> {
        let (neg, i, f) = parse_decimal(s)?;
        let i = i.trim_start_matches('0');
        let f = f.trim_end_matches('0');
        let zero = i.is_empty() && f.is_empty();
        Some((neg && !zero, i, f))
    }
    let (an, ai, af) = norm(a)?;
    let (bn, bi, bf) = norm(b)?;
    let mag = ai
        .len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(bi))
        .then_with(|| af.cmp(bf));
    Some(match (an, bn) {
        (false, false) => mag,
        (true, true) => mag.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    })
}

fn cmp_value(b: Builtin, a: &str, lim: &str) -> Option<Ordering> {
    match b {
        Builtin::Float | Builtin::Double => {
            let p = |s: &str| match s {
                "INF" => Some(f64::INFINITY),
                "-INF" => Some(f64::NEG_INFINITY),
                s => s.parse::<f64>().ok(),
            };
            p(a)?.partial_cmp(&p(lim)?)
        }
        b if is_numeric(b) => cmp_decimal(a, lim),
        _ => None,
    }
}

/// Length of a value as the length facets measure it.
fn length_of(b: Option<Builtin>, v: &str) -> Option<u64> {
    match b {
        None => Some(if v.is_empty() {
            0
        } else {
            v.split(' ').count() as u64
        }),
        Some(Builtin::HexBinary) => Some(v.len() as u64 / 2),
        Some(Builtin::Base64Binary) => base64_len(v),
        // Length facets do not apply to QName and NOTATION (XSD 1.0 errata E2-36).
        Some(Builtin::QName | Builtin::Notation) => None,
        Some(_) => Some(v.chars().count() as u64),
    }
}

fn check_facets(f: &Facets, b: Option<Builtin>, ws: WhiteSpace, v: &str) -> Result<(), String> {
    if !f.enumeration.is_empty() {
        // The lexical form itself first (one comparison per value, no normalization);
        // equal lexical forms are equal values in every type.
        let hit = f.enumeration.contains(&v)
            || f.enumeration.iter().any(|e| match b {
                Some(b) if is_numeric(b) => cmp_decimal(v, e) == Some(Ordering::Equal),
                // `v` is normalized already, so `e == v` implies `normalize(e) == v`.
                _ => *e == v || normalize(e, ws) == v,
            });
        if !hit {
            let list: Vec<String> = f.enumeration.iter().map(|e| format!("'{e}'")).collect();
            return Err(format!("value '{v}' is not one of {{{}}}", list.join(", ")));
        }
    }
    if !f.patterns.is_empty() && !f.patterns.iter().any(|p| pattern::matches(*p, v)) {
        return Err(format!("value '{v}' does not match the pattern facet"));
    }
    if f.length.is_some() || f.min_length.is_some() || f.max_length.is_some() {
        if let Some(n) = length_of(b, v) {
            if f.length.is_some_and(|l| n != l) {
                return Err(format!("length {n} is not {}", f.length.unwrap_or(0)));
            }
            if f.min_length.is_some_and(|l| n < l) {
                return Err(format!(
                    "length {n} is below minLength {}",
                    f.min_length.unwrap_or(0)
                ));
            }
            if f.max_length.is_some_and(|l| n > l) {
                return Err(format!(
                    "length {n} exceeds maxLength {}",
                    f.max_length.unwrap_or(0)
                ));
            }
        }
    }
    if let Some(b) = b {
        let bound =
            |lim: Option<&str>, ok: &dyn Fn(Ordering) -> bool, what: &str| -> Result<(), String> {
                match lim {
                    Some(l) if cmp_value(b, v, l).is_none_or(|o| !ok(o)) => {
                        Err(format!("value '{v}' violates {what} {l}"))
                    }
                    _ => Ok(()),
                }
            };
        bound(f.min_inclusive, &|o| o != Ordering::Less, "minInclusive")?;
        bound(f.max_inclusive, &|o| o != Ordering::Greater, "maxInclusive")?;
        bound(f.min_exclusive, &|o| o == Ordering::Greater, "minExclusive")?;
        bound(f.max_exclusive, &|o| o == Ordering::Less, "maxExclusive")?;
        if f.total_digits.is_some() || f.fraction_digits.is_some() {
            if let Some((_, i, fr)) = parse_decimal(v) {
                let i = i.trim_start_matches('0');
                let fr = fr.trim_end_matches('0');
                let total = (i.len() + fr.len()).max(1) as u64;
                if f.total_digits.is_some_and(|t| total > t) {
                    return Err(format!(
                        "value '{v}' has more than {} digits",
                        f.total_digits.unwrap_or(0)
                    ));
                }
                if f.fraction_digits.is_some_and(|t| fr.len() as u64 > t) {
                    return Err(format!(
                        "value '{v}' has more than {} fraction digits",
                        f.fraction_digits.unwrap_or(0)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Validate `raw` against simple type `ty` (an index into `SIMPLE_TYPES`).
pub fn validate(ty: u16, raw: &str, cx: &mut ValueCtx<'_>) -> Result<(), String> {
    let Some(t) = SIMPLE_TYPES.get(usize::from(ty)) else {
        return Err(format!("internal: no simple type {ty}"));
    };
    let v = normalize(raw, t.white_space);
    let v = v.as_ref();
    let builtin = match &t.variety {
        Variety::Atomic(b) => {
            if is_temporal(*b) && t.name.starts_with("xs:") && raw.len() != v.len() {
                // libxml2 (2.9 and 2.14 alike) does not collapse whitespace around a value
                // of the built-in date, time and duration types themselves (it does for
                // types derived from them); we agree with it.
                return Err(format!(
                    "'{raw}': surrounding whitespace is not accepted in {}",
                    t.name
                ));
            }
            lexical::check(*b, v).map_err(|e| format!("'{v}' is {e} ({})", t.name))?;
            match b {
                Builtin::QName | Builtin::Notation => {
                    let prefix = v.split_once(':').map(|(p, _)| p).unwrap_or("");
                    if !prefix.is_empty() && !(cx.prefix_bound)(prefix) {
                        return Err(format!("'{v}': namespace prefix '{prefix}' is not bound"));
                    }
                }
                Builtin::Id if !cx.ids.insert(v) => {
                    return Err(format!("duplicate ID '{v}'"));
                }
                _ => {}
            }
            Some(*b)
        }
        Variety::List(item) => {
            if !v.is_empty() {
                for tok in v.split(' ') {
                    validate(*item, tok, cx)?;
                }
            }
            None
        }
        Variety::Union(members) => {
            let mut last = None;
            let ok = members.iter().any(|m| match validate(*m, v, cx) {
                Ok(()) => true,
                Err(e) => {
                    last = Some(e);
                    false
                }
            });
            if !ok {
                return Err(format!("'{v}' matches no member of union {}", t.name));
            }
            None
        }
    };
    for f in t.facets {
        check_facets(f, builtin, t.white_space, v).map_err(|e| format!("{e} ({})", t.name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_order() {
        assert_eq!(cmp_decimal("-0", "0"), Some(Ordering::Equal));
        assert_eq!(cmp_decimal("10", "9.99"), Some(Ordering::Greater));
        assert_eq!(cmp_decimal("-10", "-9"), Some(Ordering::Less));
        assert_eq!(cmp_decimal("001.500", "1.5"), Some(Ordering::Equal));
    }

    #[test]
    fn whitespace() {
        for (raw, collapsed) in [
            ("", ""),
            (" ", ""),
            ("a", "a"),
            ("a b", "a b"),
            (" a", "a"),
            ("a ", "a"),
            ("a  b", "a b"),
            ("a\tb", "a b"),
            ("\r\na", "a"),
        ] {
            assert_eq!(normalize(raw, WhiteSpace::Collapse), collapsed, "{raw:?}");
            assert_eq!(needs_collapse(raw), raw != collapsed, "{raw:?}");
        }
        assert_eq!(normalize(" a \t b\n", WhiteSpace::Collapse), "a b");
        assert_eq!(normalize("a\tb", WhiteSpace::Replace), "a b");
    }
}
