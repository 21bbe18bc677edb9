//! How payload bytes become [`Message`]s and back, for every transport of the VTN.
//!
//! [`Codec`] is the seam: the XML codec (schema-checked, through `oadr::wire`) is the one
//! OpenADR peers speak; [`JsonCodec`] carries the same messages as the JSON envelope `oadr
//! decode` prints, for tools and tests.

use crate::conformance::{check_outgoing, check_received, ConformanceError, Role, Strictness};
use crate::model::{Message, ResponseCode};

/// Why bytes did not become a payload: the element path, what is wrong, and the response
/// code the sender gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
#[non_exhaustive]
pub struct DecodeError {
    /// The response code to answer with (453 unknown payload, 454 invalid data, 459
    /// compliance, ...).
    pub code: ResponseCode,
    /// Element path, e.g. `/oadrPayload/oadrSignedObject/oadrPoll/venID`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl DecodeError {
    /// A decode error.
    pub fn new(code: ResponseCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        DecodeError {
            code,
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Turns payload bytes into messages and back.
pub trait Codec: Send + Sync + std::fmt::Debug {
    /// Decode one payload.
    fn decode(&self, body: &[u8]) -> Result<Message, DecodeError>;
    /// Encode one payload.
    fn encode(&self, message: &Message) -> Result<Vec<u8>, String>;
    /// The HTTP content type of encoded payloads.
    fn content_type(&self) -> &'static str;
}

/// The JSON envelope `{"message_type": ..., "payload": {...}}` of [`Message`].
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonCodec;

impl Codec for JsonCodec {
    fn decode(&self, body: &[u8]) -> Result<Message, DecodeError> {
        serde_json::from_slice(body).map_err(|e| {
            let code = if e.to_string().contains("unknown variant") {
                ResponseCode::NOT_RECOGNIZED
            } else {
                ResponseCode::INVALID_DATA
            };
            DecodeError::new(code, "/oadrPayload/oadrSignedObject", e.to_string())
        })
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, String> {
        serde_json::to_vec(message).map_err(|e| e.to_string())
    }

    fn content_type(&self) -> &'static str {
        "application/json"
    }
}

/// OpenADR 2.0b XML, schema-validated both ways (`oadr::model::{decode, encode}`), plus the
/// conformance rules ([`crate::conformance`]) at `strictness` on what VENs send (refused when
/// a finding rejects it) and what the VTN sends (logged, refused only when strict): what VENs
/// speak.
#[derive(Debug, Clone, Copy, Default)]
pub struct XmlCodec {
    /// How strictly conformance findings reject a message (default: errors reject,
    /// warnings are logged).
    pub strictness: Strictness,
}

impl Codec for XmlCodec {
    fn decode(&self, body: &[u8]) -> Result<Message, DecodeError> {
        let message = crate::model::decode(body)
            .map_err(|e| DecodeError::new(e.response_code(), e.path(), e.to_string()))?;
        check_received(&message, Role::Ven, self.strictness).map_err(|e| {
            let path = match &e {
                ConformanceError::Rejected(f) => f.first().map(|f| f.path.clone()),
                // `ConformanceError` is `#[non_exhaustive]` (crate oadr-model).
                _ => None,
            };
            DecodeError::new(
                e.response_code(),
                path.unwrap_or_else(|| "/oadrPayload".into()),
                e.to_string(),
            )
        })?;
        Ok(message)
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, String> {
        check_outgoing(message, Role::Vtn, self.strictness).map_err(|e| e.to_string())?;
        // The answer to most polls, from a template the full path produced once.
        if let Some(xml) = super::poll_response::encode(message) {
            return Ok(xml);
        }
        crate::model::encode(message).map_err(|e| e.to_string())
    }

    fn content_type(&self) -> &'static str {
        crate::transport::CONTENT_TYPE
    }
}
