//! quick-xml reading and writing of [`OadrPayload`]: reading through the decoders generated
//! by `oadr-codegen` over the reader in `wire::decode`, writing through xsd-parser's
//! generated serializers.
//!
//! [`from_xml`] accepts any prefixes and default namespaces (names are resolved by namespace
//! URI). [`to_xml`] writes the customary prefixes (`oadr`, `ei`, `pyld`, `emix`, `xcal`,
//! `strm`, `power`, `scale`, `ds`, ...) declared once on the root element.
//!
//! `from_xml` only maps XML onto the typed structs; it is not a schema validator (facets,
//! `xs:any` content and some occurrence rules are checked by `wire::validate`).

use xsd_parser_types::quick_xml::{ErrorKind, SerializeSync, Writer};

use super::types::OadrPayload;

/// The OpenADR response code a message that cannot be decoded maps to: 454, "Invalid data"
/// (notes §10).
pub const INVALID_DATA: u16 = 454;

/// The root element name written by [`to_xml`].
const ROOT: &str = "oadr:oadrPayload";

/// A message that could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The bytes are not a well-formed `oadrPayload` of the 2.0b schema's structure.
    #[error("{path}: line {line}, column {column}: {message}")]
    Decode {
        /// Element path of the innermost open element, e.g. `/oadrPayload/oadrSignedObject`
        /// (local names; `/` when the error precedes the root element).
        path: String,
        /// 1-based line of the error position.
        line: u64,
        /// 1-based column (in bytes) of the error position.
        column: u64,
        /// What went wrong.
        message: String,
    },
    /// The value could not be written (e.g. a value outside its type's lexical space).
    #[error("cannot encode: {message}")]
    Encode {
        /// What went wrong.
        message: String,
    },
}

impl CodecError {
    /// The OpenADR response code to answer with when this error came from peer input:
    /// [`INVALID_DATA`] (454) for decode errors, `None` for encode errors (a local fault).
    pub fn response_code(&self) -> Option<u16> {
        match self {
            Self::Decode { .. } => Some(INVALID_DATA),
            Self::Encode { .. } => None,
        }
    }

    /// The element path the error refers to (`/` for encode errors).
    pub fn path(&self) -> &str {
        match self {
            Self::Decode { path, .. } => path,
            Self::Encode { .. } => "/",
        }
    }

    fn from_decode(input: &[u8], e: &super::decode::DecodeError) -> Self {
        let pos = usize::try_from(e.position).unwrap_or(usize::MAX);
        let (line, column) = line_column(input, pos);
        let path = element_path(&super::decode::open_elements(input, pos));
        Self::Decode {
            path,
            line,
            column,
            message: e.message.clone(),
        }
    }
}

/// Deepest element nesting [`from_xml`] accepts (the root is depth 1). Real 2.0b messages
/// stay below 30; the generated decoder is recursive, so the cap is what keeps hostile input
/// from exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// Decode an `oadr:oadrPayload` document.
///
/// Any namespace prefixes, including default namespaces, are accepted; UTF-8 (with or without
/// BOM), UTF-16 with BOM and the encodings quick-xml knows from the XML declaration
/// (ISO-8859-1, ...) are read. DOCTYPE declarations and nesting deeper than [`MAX_DEPTH`] are
/// refused.
pub fn from_xml(xml: &[u8]) -> Result<OadrPayload, CodecError> {
    let xml = utf16_to_utf8(xml);
    if may_need_pinning(&xml) {
        if let Some(pinned) = pin_attribute_prefixes(&xml) {
            return from_xml_prechecked(&pinned);
        }
    }
    from_xml_prechecked(&xml)
}

/// [`from_xml`] without UTF-16 transcoding and attribute-prefix pinning, for callers that have
/// done both (`wire::decode`).
pub(crate) fn from_xml_prechecked(xml: &[u8]) -> Result<OadrPayload, CodecError> {
    let mut reader = super::decode::Reader::new(xml);
    reader
        .root(&super::generated::NS_OADR.0, b"oadrPayload")
        .map_err(|e| CodecError::from_decode(xml, &e))
}

/// quick-xml reads ASCII-compatible encodings only: transcode UTF-16 (recognised by its BOM)
/// to UTF-8, and blank out the declaration's `encoding` pseudo-attribute so that it is not
/// applied a second time. Other input is borrowed unchanged.
fn utf16_to_utf8(xml: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some((encoding, _)) = encoding_rs::Encoding::for_bom(xml) else {
        return xml.into();
    };
    if encoding == encoding_rs::UTF_8 {
        return xml.into();
    }
    let (text, _, _) = encoding.decode(xml);
    let mut bytes = text.into_owned().into_bytes();
    if bytes.starts_with(b"<?xml") {
        let end = bytes.windows(2).position(|w| w == b"?>").unwrap_or(0);
        if let Some(at) = find(&bytes[..end], b"encoding") {
            let quote_at = bytes[at..end]
                .iter()
                .position(|&b| b == b'"' || b == b'\'')
                .map(|i| at + i);
            if let Some(q) = quote_at {
                let close = bytes[q + 1..end].iter().position(|&b| b == bytes[q]);
                if let Some(c) = close {
                    bytes[at..q + 1 + c + 1].fill(b' ');
                }
            }
        }
    }
    bytes.into()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    // memmem, not `windows().position()`: to_xml scans its output six times, and the naive
    // search was half of encode time in callgrind.
    memchr::memmem::find(haystack, needle)
}

/// Encode a payload as a UTF-8 XML document with an XML declaration and the customary
/// prefixes declared on the root element, through the encoders generated by `oadr-codegen`
/// (runtime in `wire::encode`).
///
/// Fails only on a character XML 1.0 cannot carry (e.g. `U+0000` in a string): the error
/// names the element path it occurs in.
pub fn to_xml(payload: &OadrPayload) -> Result<Vec<u8>, CodecError> {
    use super::encode::EncodeElement as _;
    let mut writer = super::encode::Writer::new(4096);
    payload.encode_element(&mut writer, ROOT.as_bytes());
    let (mut out, error) = match writer.finish() {
        Ok(out) => (out, None),
        Err((out, error)) => (out, Some(error)),
    };
    if let Some(error) = error {
        let path = element_path(&super::decode::open_elements(&out, error.position));
        return Err(CodecError::Encode {
            message: format!("{path}: {}", error.message),
        });
    }
    declare_xsi(&mut out);
    declare_pinned(&mut out);
    Ok(out)
}

/// The quick-xml serializers generated by xsd-parser, which [`to_xml`] replaced; kept while
/// the differential test (tests/wire_encode.rs) compares the two.
#[doc(hidden)]
pub fn to_xml_legacy(payload: &OadrPayload) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut writer = Writer::new(out);
    payload
        .serialize(ROOT, &mut writer)
        .map_err(|e| CodecError::Encode {
            message: message(&e.kind),
        })?;
    let mut out = writer.into_inner();
    declare_xsi(&mut out);
    declare_pinned(&mut out);
    xsd_infinity(&mut out);
    Ok(out)
}

/// The namespaces `to_xml` declares on the root, with their prefixes; `xsi` is declared by
/// [`declare_xsi`] when used.
const ROOT_PREFIXES: [(&[u8], &[u8]); 13] = super::encode::ROOT_NAMESPACES;

const XSI_NAMESPACE: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// Prefix of attributes in foreign namespaces after [`pin_attribute_prefixes`]: followed by
/// the namespace URI in lowercase hex, so that the binding survives the generated codec.
const PINNED: &[u8] = b"oadrns-";

/// Cheap test for [`from_xml`]: does any namespace declaration bind a prefix other than the
/// one [`to_xml`] declares for that URI? Only then can an attribute kept raw under
/// `anyAttribute` lose its binding.
fn may_need_pinning(xml: &[u8]) -> bool {
    let mut rest = xml;
    while let Some(at) = find(rest, b"xmlns:") {
        rest = &rest[at + 6..];
        let prefix_end = rest.iter().position(|&b| b == b'=').unwrap_or(rest.len());
        let prefix = rest[..prefix_end].trim_ascii();
        let value = rest[prefix_end..]
            .iter()
            .position(|&b| b == b'"' || b == b'\'')
            .and_then(|q| {
                let quote = rest[prefix_end + q];
                let start = prefix_end + q + 1;
                let len = rest[start..].iter().position(|&b| b == quote)?;
                Some(&rest[start..start + len])
            });
        let customary = |v: &[u8]| {
            if v == XSI_NAMESPACE {
                prefix == b"xsi"
            } else {
                ROOT_PREFIXES.iter().any(|(ns, p)| *ns == v && *p == prefix)
            }
        };
        if value.is_some_and(|v| !customary(v)) {
            return true;
        }
    }
    false
}

/// The generated codec keeps an attribute matched by `anyAttribute` as its raw `prefix:name`
/// and drops the namespace declarations, so such an attribute would be written back with a
/// prefix nobody declares. Rename every namespaced attribute to the prefix [`to_xml`]
/// declares for its namespace (`gml`, `ei`, ..., `xsi`), or, for a namespace it does not
/// declare, to `oadrns-<hex of the URI>`, adding the declaration on the element; [`to_xml`]
/// declares the `oadrns-` prefixes again. Declared attributes are resolved by namespace, so
/// renaming them changes nothing. Returns `None` when nothing changes or
/// the input is not well-formed (the decoder then reports it).
pub(crate) fn pin_attribute_prefixes(xml: &[u8]) -> Option<Vec<u8>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::NsReader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len() + 512));
    let mut changed = false;
    loop {
        let event = reader.read_event().ok()?;
        let event = match event {
            Event::Start(e) => Event::Start(pin_element(&reader, &e, &mut changed)?),
            Event::Empty(e) => Event::Empty(pin_element(&reader, &e, &mut changed)?),
            Event::Eof => break,
            other => other,
        };
        writer.write_event(event).ok()?;
    }
    changed.then(|| writer.into_inner())
}

fn pin_element(
    reader: &quick_xml::NsReader<&[u8]>,
    e: &quick_xml::events::BytesStart<'_>,
    changed: &mut bool,
) -> Option<quick_xml::events::BytesStart<'static>> {
    use quick_xml::name::{QName, ResolveResult};
    let mut out = e.to_owned();
    out.clear_attributes();
    let mut declared: Vec<Vec<u8>> = Vec::new();
    for attr in e.attributes().with_checks(false) {
        let attr = attr.ok()?;
        let key = attr.key;
        let keep = key.as_namespace_binding().is_some() || key.prefix().is_none();
        let target = match (keep, reader.resolve_attribute(key)) {
            (false, (ResolveResult::Bound(ns), _)) => {
                let ns = ns.as_ref();
                let prefix = if ns == XSI_NAMESPACE {
                    b"xsi".to_vec()
                } else if let Some((_, p)) = ROOT_PREFIXES.iter().find(|(u, _)| *u == ns) {
                    p.to_vec()
                } else {
                    let mut p = PINNED.to_vec();
                    for b in ns {
                        p.extend_from_slice(format!("{b:02x}").as_bytes());
                    }
                    p
                };
                Some((prefix, ns.to_vec()))
            }
            _ => None,
        };
        let current = key.prefix().map(|x| x.into_inner().to_vec());
        let Some((prefix, ns)) = target.filter(|(p, _)| current.as_ref() != Some(p)) else {
            out.push_attribute(attr);
            continue;
        };
        let mut probe = prefix.clone();
        probe.extend_from_slice(b":x");
        match reader.resolve_attribute(QName(&probe)).0 {
            // The target prefix means something else here: leave the attribute as it is.
            ResolveResult::Bound(other) if other.as_ref() != ns.as_slice() => {
                out.push_attribute(attr);
                continue;
            }
            ResolveResult::Bound(_) => {}
            _ if !declared.contains(&prefix) => {
                let mut decl = b"xmlns:".to_vec();
                decl.extend_from_slice(&prefix);
                out.push_attribute((decl.as_slice(), ns.as_slice()));
                declared.push(prefix.clone());
            }
            _ => {}
        }
        let mut name = prefix;
        name.push(b':');
        name.extend_from_slice(key.local_name().as_ref());
        out.push_attribute(quick_xml::events::attributes::Attribute {
            key: QName(&name),
            value: attr.value.clone(),
        });
        *changed = true;
    }
    Some(out)
}

/// Declare on the root every `oadrns-<hex>` prefix [`pin_attribute_prefixes`] made.
fn declare_pinned(out: &mut Vec<u8>) {
    let mut decls: Vec<u8> = Vec::new();
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut needle = b" ".to_vec();
    needle.extend_from_slice(PINNED);
    while let Some(i) = find(&out[start..], &needle) {
        let at = start + i + 1;
        let hex_start = at + PINNED.len();
        let hex_len = out[hex_start..]
            .iter()
            .position(|b| !b.is_ascii_hexdigit())
            .unwrap_or(0);
        start = hex_start + hex_len;
        let prefix = &out[at..hex_start + hex_len];
        if out.get(start) != Some(&b':') || hex_len % 2 != 0 || seen.contains(&prefix) {
            continue;
        }
        seen.push(prefix);
        let uri: Option<Vec<u8>> = out[hex_start..start]
            .chunks(2)
            .map(|h| {
                std::str::from_utf8(h)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        if let Some(uri) = uri {
            decls.extend_from_slice(b" xmlns:");
            decls.extend_from_slice(prefix);
            decls.extend_from_slice(b"=\"");
            decls.extend_from_slice(&uri);
            decls.push(b'"');
        }
    }
    let root = b"<oadr:oadrPayload";
    if !decls.is_empty() {
        if let Some(at) = find(out, root) {
            let at = at + root.len();
            out.splice(at..at, decls);
        }
    }
}

/// Rust writes infinite floats as `inf`/`-inf`; xs:float and xs:double spell them `INF` and
/// `-INF` (`NaN` is already right). The writer emits no whitespace around values, so a whole
/// text node or attribute value is matched. Caveat: a string-typed value that is exactly `inf`
/// would be upper-cased too (no OpenADR enumeration or ID convention uses that spelling).
fn xsd_infinity(out: &mut [u8]) {
    const PAIRS: [(&[u8], &[u8]); 4] = [
        (b">inf<", b">INF<"),
        (b">-inf<", b">-INF<"),
        (b"=\"inf\"", b"=\"INF\""),
        (b"=\"-inf\"", b"=\"-INF\""),
    ];
    for (from, to) in PAIRS {
        let mut start = 0;
        while let Some(i) = find(&out[start..], from) {
            let at = start + i;
            out[at..at + from.len()].copy_from_slice(to);
            start = at + from.len();
        }
    }
}

/// xsd-parser declares the schema namespaces on the root but not `xsi`, although `xsi:nil`
/// and `xsi:type` read from the input are written back: declare it on the root when used.
fn declare_xsi(out: &mut Vec<u8>) {
    const XSI: &[u8] = b" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
    let root = b"<oadr:oadrPayload";
    if find(out, b" xsi:").is_none() || find(out, b"xmlns:xsi=").is_some() {
        return;
    }
    if let Some(at) = find(out, root) {
        let at = at + root.len();
        out.splice(at..at, XSI.iter().copied());
    }
}

/// 1-based line and column of byte offset `pos` in `input` (clamped to the input).
fn line_column(input: &[u8], pos: usize) -> (u64, u64) {
    let before = input.get(..pos).unwrap_or(input);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = before.len() - line_start + 1;
    (line as u64, column as u64)
}

/// `["oadr:oadrPayload", "oadrSignedObject"]` → `/oadrPayload/oadrSignedObject`.
fn element_path(elements: &[String]) -> String {
    if elements.is_empty() {
        return "/".to_owned();
    }
    let mut path = String::new();
    for name in elements {
        path.push('/');
        path.push_str(
            name.rsplit_once(':')
                .map_or(name.as_str(), |(_, local)| local),
        );
    }
    path
}

/// A one-line message; quick-xml's unexpected-event variant pretty-prints the whole event.
pub(crate) fn message(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::UnexpectedEvent(event) => format!("unexpected {}", describe(event)),
        other => other.to_string(),
    }
}

fn describe(event: &xsd_parser_types::quick_xml::Event<'_>) -> String {
    use xsd_parser_types::quick_xml::Event;
    match event {
        Event::Start(e) | Event::Empty(e) => {
            format!("element <{}>", String::from_utf8_lossy(e.name().as_ref()))
        }
        Event::End(e) => format!("end tag </{}>", String::from_utf8_lossy(e.name().as_ref())),
        Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => "text".to_owned(),
        Event::DocType(_) => "DOCTYPE declaration".to_owned(),
        Event::Eof => "end of input".to_owned(),
        _ => "XML event".to_owned(),
    }
}
