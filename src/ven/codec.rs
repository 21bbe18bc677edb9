//! Bytes ↔ [`Message`]: the payload codec and the XML-signature layer around it (spec
//! digest §9 "XML signatures").

use crate::conformance::{check_outgoing, check_received, Role, Strictness};
use crate::model::Message;
use crate::sign::{Signer, Verifier};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Turns messages into `oadrPayload` bytes and back. The runtime never looks inside.
pub trait Codec: Send + Sync + std::fmt::Debug {
    /// Encode a payload as an `oadrPayload` document.
    fn encode(&self, message: &Message) -> Result<Vec<u8>, String>;
    /// Decode an `oadrPayload` document (signed or not).
    fn decode(&self, bytes: &[u8]) -> Result<Message, String>;
}

/// Why a received payload was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The signature did not verify (the VTN would answer such input with the code shown).
    #[error("signature: {0} (response code {code})", code = .0.response_code())]
    Signature(#[from] crate::sign::Error),
    /// The payload could not be decoded.
    #[error("decode: {0}")]
    Decode(String),
    /// A payload could not be encoded (a bug or a model value the schema refuses).
    #[error("encode: {0}")]
    Encode(String),
}

/// The codec plus optional signing of what is sent and verification of what is received.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The payload codec.
    pub codec: Arc<dyn Codec>,
    /// Signs outgoing payloads when set.
    pub signer: Option<Arc<Signer>>,
    /// Verifies incoming payloads when set.
    pub verifier: Option<Arc<Verifier>>,
}

impl Envelope {
    /// Encode and sign.
    pub fn seal(&self, m: &Message) -> Result<Vec<u8>, PayloadError> {
        let bytes = self.codec.encode(m).map_err(PayloadError::Encode)?;
        match &self.signer {
            Some(s) => Ok(s.sign(&bytes)?),
            None => Ok(bytes),
        }
    }

    /// Verify and decode.
    pub fn open(&self, bytes: &[u8], now: DateTime<Utc>) -> Result<Message, PayloadError> {
        if let Some(v) = &self.verifier {
            v.verify(bytes, now)?;
        }
        self.codec.decode(bytes).map_err(PayloadError::Decode)
    }
}

/// The OpenADR 2.0b XML codec: `oadrPayload` documents through the schema-generated wire
/// types and the model conversions ([`crate::model::decode`], [`crate::model::encode`]), both
/// schema-validated, plus the conformance rules ([`crate::conformance`]) at `strictness` on
/// what is received (sent by a VTN) and what is sent (logged, refused only when strict). Signed payloads decode too (the
/// signature is checked by [`Envelope`], not here).
#[derive(Debug, Clone, Copy, Default)]
pub struct XmlCodec {
    /// How strictly conformance findings reject a message (default: errors reject,
    /// warnings are logged).
    pub strictness: Strictness,
}

impl Codec for XmlCodec {
    fn encode(&self, message: &Message) -> Result<Vec<u8>, String> {
        check_outgoing(message, Role::Ven, self.strictness).map_err(|e| e.to_string())?;
        crate::model::encode(message).map_err(|e| e.to_string())
    }

    fn decode(&self, bytes: &[u8]) -> Result<Message, String> {
        let message = crate::model::decode(bytes)
            .map_err(|e| format!("{e} (response code {})", e.response_code()))?;
        check_received(&message, Role::Vtn, self.strictness)
            .map_err(|e| format!("{e} (response code {})", e.response_code()))?;
        Ok(message)
    }
}
