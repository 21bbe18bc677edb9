//! quick-xml reading and writing of [`OadrPayload`] through the generated (de)serializers.
//!
//! [`from_xml`] accepts any prefixes and default namespaces (names are resolved by namespace
//! URI). [`to_xml`] writes the customary prefixes (`oadr`, `ei`, `pyld`, `emix`, `xcal`,
//! `strm`, `power`, `scale`, `ds`, ...) declared once on the root element.
//!
//! `from_xml` only maps XML onto the typed structs; it is not a schema validator (facets,
//! `xs:any` content and some occurrence rules are checked by `wire::validate`).

use xsd_parser_types::quick_xml::{
    DeserializeSync, Error as XmlError, ErrorKind, SerializeSync, SliceReader, Writer, XmlReader,
};

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

    fn decode(input: &[u8], e: &XmlError) -> Self {
        let pos = e
            .position
            .and_then(|p| usize::try_from(p).ok())
            .unwrap_or(0);
        let (line, column) = line_column(input, pos);
        let path = element_path(e.elements.as_deref().unwrap_or_default());
        Self::Decode {
            path,
            line,
            column,
            message: message(&e.kind),
        }
    }
}

/// Deepest element nesting [`from_xml`] accepts (the root is depth 1). Real 2.0b messages
/// stay below 30; the generated deserializer recurses into `xs:any` content, so the cap is
/// what keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// Decode an `oadr:oadrPayload` document.
///
/// Any namespace prefixes, including default namespaces, are accepted; UTF-8 (with or without
/// BOM), UTF-16 with BOM and the encodings quick-xml knows from the XML declaration
/// (ISO-8859-1, ...) are read. DOCTYPE declarations and nesting deeper than [`MAX_DEPTH`] are
/// refused before decoding.
pub fn from_xml(xml: &[u8]) -> Result<OadrPayload, CodecError> {
    let xml = utf16_to_utf8(xml);
    precheck(&xml, MAX_DEPTH)?;
    from_xml_prechecked(&xml)
}

/// [`from_xml`] without the DOCTYPE/depth pre-scan and UTF-16 transcoding, for callers that
/// have already run a scan enforcing both (`wire::decode`'s validator).
pub(crate) fn from_xml_prechecked(xml: &[u8]) -> Result<OadrPayload, CodecError> {
    let mut reader = SliceReader::from_bytes(xml).with_error_info();
    OadrPayload::deserialize(&mut reader).map_err(|e| CodecError::decode(xml, &e))
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

/// One cheap pass over the events: refuse DOCTYPE (DTDs and entity declarations) and nesting
/// deeper than `max_depth`. Well-formedness errors are left to the deserializer.
fn precheck(xml: &[u8], max_depth: usize) -> Result<(), CodecError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let fail = |pos: u64, stack: &[Vec<u8>], message: String| {
        let (line, column) = line_column(xml, usize::try_from(pos).unwrap_or(usize::MAX));
        let names: Vec<String> = stack
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        CodecError::Decode {
            path: element_path(&names),
            line,
            column,
            message,
        }
    };
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if stack.len() >= max_depth {
                    return Err(fail(
                        pos,
                        &stack,
                        format!("element nesting exceeds the depth limit of {max_depth}"),
                    ));
                }
                stack.push(e.name().as_ref().to_vec());
            }
            Ok(Event::End(_)) => {
                stack.pop();
            }
            Ok(Event::DocType(_)) => {
                return Err(fail(
                    pos,
                    &stack,
                    "DOCTYPE declarations (DTDs, entity declarations) are refused".to_owned(),
                ));
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Encode a payload as a UTF-8 XML document with an XML declaration and the customary
/// prefixes declared on the root element.
pub fn to_xml(payload: &OadrPayload) -> Result<Vec<u8>, CodecError> {
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
    xsd_infinity(&mut out);
    Ok(out)
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
fn message(kind: &ErrorKind) -> String {
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
