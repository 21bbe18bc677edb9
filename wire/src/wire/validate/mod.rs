//! XSD validation of OpenADR 2.0b messages against tables generated from `xsd/`.
//!
//! [`validate`] checks what libxml2's XML Schema validator checks for this schema set —
//! content models (sequence, choice, occurrence bounds, substitution groups, wildcards with
//! strict/lax/skip), attributes (required, unknown, wildcards, fixed), simple types (the
//! lexical space of every built-in the set uses, facets, lists, unions), `xsi:type`,
//! `xsi:nil` and ID uniqueness — in one streaming pass, collecting every error with its
//! element path, line and column. It also hardens the reader: DTDs and entity
//! declarations are refused, and input size and nesting depth are capped ([`Limits`]).

mod encoding;
pub(crate) mod engine;
pub mod ids;
pub mod lexical;
pub mod pattern;
pub mod simple;
pub mod tables;
pub mod uri;

use super::codec::{to_xml_checked, CodecError, Verdict};
use super::error::{Error, ErrorKind, Errors};
use super::types::OadrPayload;

/// Resource limits for reading untrusted input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input in bytes.
    pub max_size: usize,
    /// Deepest accepted element nesting (the root is depth 1).
    pub max_depth: usize,
    /// Stop after this many errors.
    pub max_errors: usize,
}

impl Default for Limits {
    /// 8 MiB, depth 64, 100 errors: far above any real OpenADR 2.0b message (a large
    /// oadrUpdateReport is tens of KiB and about 15 levels deep).
    fn default() -> Self {
        Limits {
            max_size: 8 << 20,
            max_depth: 64,
            max_errors: 100,
        }
    }
}

/// A message that passed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    /// Local name of the root element (`oadrPayload` for OpenADR messages).
    pub root: &'static str,
    /// The message type: the payload inside `oadrSignedObject` (e.g. `oadrDistributeEvent`),
    /// or the root's name for documents that are not an `oadrPayload`.
    pub message_type: &'static str,
    /// Whether an attribute in a namespace was matched by `anyAttribute` (or is an `xsi`
    /// attribute): the decoder keeps such attributes under a pinned prefix, so that encoding
    /// keeps the binding (`codec::pinned_attribute_name`).
    pub foreign_attributes: bool,
}

/// Validate `input` against the OpenADR 2.0b schema (any global element may be the root,
/// as with `xmllint --schema`). Returns every error found.
pub fn validate(input: &[u8], limits: &Limits) -> Result<Validated, Errors> {
    validate_utf8(input, limits).map(|(v, _)| v)
}

/// Validate, returning the document as UTF-8 too (transcoded when it was not).
fn validate_utf8<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<(Validated, std::borrow::Cow<'a, [u8]>), Errors> {
    engine::check_size(input, limits)?;
    match encoding::to_utf8(input) {
        Ok(utf8) => engine::validate(&utf8, limits).map(|v| (v, utf8)),
        Err(m) => Err(Errors(vec![Error {
            path: String::new(),
            line: 1,
            column: 1,
            kind: ErrorKind::Syntax(m),
        }])),
    }
}

fn codec_error(e: &CodecError) -> Error {
    match e {
        CodecError::Decode {
            path,
            line,
            column,
            message,
        } => Error {
            path: path.clone(),
            line: u32::try_from(*line).unwrap_or(u32::MAX),
            column: u32::try_from(*column).unwrap_or(u32::MAX),
            kind: ErrorKind::Decode(message.clone()),
        },
        other => Error {
            path: String::new(),
            line: 0,
            column: 0,
            kind: ErrorKind::Encode(other.to_string()),
        },
    }
}

/// Validate an `oadrPayload` message against the schema and decode it into the typed
/// payload ([`crate::wire::from_xml`]). Every schema error is reported; a payload is only
/// returned for valid input. A valid message is read once: the typed decoder pulls the
/// events and the validator checks each of them as it goes; anything else is validated
/// again on its own, so that every error is collected.
pub fn decode(input: &[u8]) -> Result<OadrPayload, Errors> {
    decode_with(input, &Limits::default())
}

/// [`decode`] with explicit [`Limits`].
pub fn decode_with(input: &[u8], limits: &Limits) -> Result<OadrPayload, Errors> {
    match decode_fused(input, limits) {
        Some(payload) => Ok(payload),
        None => decode_two_pass(input, limits),
    }
}

/// The common case, a valid message, in one pass: the typed decoder reads the document and
/// the validator checks every event it reads (one tokenization instead of two). `None` when
/// the message is not valid or not an `oadrPayload`, or when decoding fails: then
/// [`decode_two_pass`] gives the answer, with every error. The verdict of this pass is the
/// validator's own (same tables, same events), so the two agree; the differential test
/// `tests/wire_fused.rs` checks it over every fixture and mutant.
fn decode_fused(input: &[u8], limits: &Limits) -> Option<OadrPayload> {
    if input.len() > limits.max_size {
        return None;
    }
    let utf8 = encoding::to_utf8(input).ok()?;
    let mut reader = super::decode::Reader::validating(&utf8, limits);
    let payload = reader
        .root(&super::generated::NS_OADR.0, b"oadrPayload")
        .ok()?;
    let v = reader.into_validator()?.outcome().ok()?;
    (v.root == "oadrPayload").then_some(payload)
}

/// Validate (collecting every error), then decode: the path for messages the fused pass
/// does not accept. Public (hidden) for the differential test `tests/wire_fused.rs` only.
#[doc(hidden)]
pub fn decode_two_pass(input: &[u8], limits: &Limits) -> Result<OadrPayload, Errors> {
    let (v, utf8) = validate_utf8(input, limits)?;
    if v.root != "oadrPayload" {
        return Err(Errors(vec![Error {
            path: format!("/{}", v.root),
            line: 1,
            column: 1,
            kind: ErrorKind::Content(format!(
                "the root element must be oadrPayload, not {}",
                v.root
            )),
        }]));
    }
    // Already transcoded; the decoder keeps its own depth cap (`codec::MAX_DEPTH`) whatever
    // `limits.max_depth` allows.
    super::codec::from_validated_xml(&utf8).map_err(|e| Errors(vec![codec_error(&e)]))
}

/// Serialize a payload ([`crate::wire::to_xml`]) through the validating encoder, so that
/// only schema-valid messages leave the process.
///
/// The encoder checks the document against the schema while it writes it (same tables, same
/// value checks as [`validate`]). When those checks prove it valid, the bytes are returned
/// as they are; otherwise (a check failed, or the payload holds `xs:any` content or other
/// content the checks do not follow) the bytes are validated here, and the errors are
/// [`validate`]'s, each with its element path. In debug builds (and so in the tests) every
/// document is validated anyway and a disagreement is a panic: a check of the encoder, see
/// the docs of [`crate::wire`].
pub fn encode(payload: &OadrPayload) -> Result<Vec<u8>, Errors> {
    let (xml, verdict) = to_xml_checked(payload).map_err(|e| Errors(vec![codec_error(&e)]))?;
    if verdict == Verdict::Valid && !cfg!(debug_assertions) {
        return Ok(xml);
    }
    let limits = Limits {
        max_size: usize::MAX,
        ..Limits::default()
    };
    let result = validate(&xml, &limits);
    debug_assert!(
        verdict == Verdict::Unchecked || (verdict == Verdict::Valid) == result.is_ok(),
        "the validating encoder says {verdict:?}, wire::validate says {result:?}"
    );
    result?;
    Ok(xml)
}
