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

/// Decode an `oadr:oadrPayload` document.
///
/// Any namespace prefixes, including default namespaces, are accepted. Content after the root
/// element other than whitespace, comments and processing instructions is rejected.
pub fn from_xml(xml: &[u8]) -> Result<OadrPayload, CodecError> {
    let mut reader = SliceReader::from_bytes(xml).with_error_info();
    OadrPayload::deserialize(&mut reader).map_err(|e| CodecError::decode(xml, &e))
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
    Ok(writer.into_inner())
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
