//! Input encodings (XML 1.0 §4.3.3, Appendix F): UTF-8 is read as is; UTF-16 (by BOM or
//! by the first bytes) and any encoding named in the XML declaration (e.g. ISO-8859-1) are
//! transcoded to UTF-8 first, like libxml2 does. The declaration is then blanked out (same
//! length, spaces) so the reader does not apply the declared encoding a second time.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// The `encoding` pseudo-attribute of an ASCII-compatible XML declaration, if any.
fn declared(input: &[u8]) -> Option<&str> {
    let head = input.get(..input.len().min(200))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + 8..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    rest.find(quote).map(|e| &rest[..e])
}

/// Replace a leading XML declaration by spaces (keeping offsets on line 1 close).
fn blank_decl(mut s: String) -> String {
    let s_trim = s.trim_start_matches('\u{FEFF}');
    if s_trim.starts_with("<?xml") {
        let lead = s.len() - s_trim.len();
        if let Some(end) = s_trim.find("?>") {
            let blank = " ".repeat(end + 2);
            s.replace_range(..lead + end + 2, &blank);
        }
    }
    s
}

/// The document as UTF-8 bytes, or a message saying why it cannot be decoded.
pub fn to_utf8(input: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    let enc: &'static Encoding = match input {
        [0xFE, 0xFF, ..] | [0x00, b'<', 0x00, b'?', ..] => UTF_16BE,
        [0xFF, 0xFE, ..] | [b'<', 0x00, b'?', 0x00, ..] => UTF_16LE,
        _ => match declared(input) {
            None => return Ok(Cow::Borrowed(input)),
            Some(label) => {
                let enc = Encoding::for_label(label.as_bytes())
                    .ok_or_else(|| format!("unsupported encoding '{label}'"))?;
                // encoding_rs maps the "utf-16" label to UTF-16LE; without a BOM or
                // 16-bit bytes the input is not UTF-16 at all.
                if enc == UTF_8 || enc == UTF_16LE || enc == UTF_16BE {
                    return Ok(Cow::Borrowed(input));
                }
                enc
            }
        },
    };
    let (text, _, had_errors) = enc.decode(input);
    if had_errors {
        return Err(format!("input is not valid {}", enc.name()));
    }
    Ok(Cow::Owned(blank_decl(text.into_owned()).into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_transcoded() {
        let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>";
        let out = to_utf8(doc).expect("decodes");
        let s = std::str::from_utf8(&out).expect("utf8");
        assert!(s.ends_with("<a>\u{e9}</a>") && !s.contains("ISO"));
    }

    #[test]
    fn utf16_by_bom() {
        let mut doc = vec![0xFF, 0xFE];
        for c in "<a/>".encode_utf16() {
            doc.extend(c.to_le_bytes());
        }
        assert_eq!(&*to_utf8(&doc).expect("decodes"), "<a/>".as_bytes());
    }

    #[test]
    fn utf8_is_borrowed() {
        assert!(matches!(
            to_utf8(b"<?xml version='1.0' encoding='utf-8'?><a/>"),
            Ok(Cow::Borrowed(_))
        ));
    }
}
