//! Bytes ↔ [`Message`]: the payload codec and the XML-signature layer around it (spec
//! digest §9 "XML signatures").

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
