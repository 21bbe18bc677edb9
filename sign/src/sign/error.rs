//! The errors of the `sign` layer, each naming the element path it is about and mapping to the
//! `ei:responseCode` a VTN or VEN answers with (spec digest §9 and §10: 463 for
//! authentication/authorisation failures, 459 for a missing or bad signature when signing was
//! agreed (unconfirmed in the spec text), 454 for data that is not XML at all, 469 for local
//! failures).

/// Response code: invalid data.
pub const INVALID_DATA: u16 = 454;
/// Response code: compliance error (missing or bad signature).
pub const COMPLIANCE_ERROR: u16 = 459;
/// Response code: not registered or not authorized (untrusted signer).
pub const NOT_AUTHORIZED: u16 = 463;
/// Response code: other error (local failure).
pub const OTHER_ERROR: u16 = 469;

/// Why a message could not be signed or why a signature was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not well-formed XML (or carry a DTD, which signed messages may not).
    #[error("not well-formed XML (454): {reason}")]
    Xml {
        /// Parser message.
        reason: String,
    },
    /// The payload is not shaped as `oadrPayload` with one `oadrSignedObject` (and at most a
    /// leading `ds:Signature`).
    #[error("{path}: {reason} (459)")]
    Structure {
        /// Element path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Signatures are required but the payload has none.
    #[error("/oadrPayload/Signature: missing, and signatures are required (459)")]
    MissingSignature,
    /// A required element of the signature is missing.
    #[error("{path}: missing (459)")]
    MissingElement {
        /// Path of the missing element.
        path: String,
    },
    /// An algorithm URI this implementation does not support (or refuses outright, as MD5).
    #[error("{path}: unsupported algorithm {uri} (459)")]
    UnsupportedAlgorithm {
        /// Element path.
        path: String,
        /// Algorithm URI.
        uri: String,
    },
    /// A weak algorithm (SHA-1) used without being explicitly allowed.
    #[error("{path}: weak algorithm {uri} is not allowed (459)")]
    WeakAlgorithm {
        /// Element path.
        path: String,
        /// Algorithm URI.
        uri: String,
    },
    /// A reference transform other than one canonicalization.
    #[error("{path}: unexpected transform {uri} (459)")]
    UnexpectedTransform {
        /// Element path.
        path: String,
        /// Transform URI.
        uri: String,
    },
    /// SignedInfo does not hold exactly the two expected references.
    #[error("{path}: expected 2 references (#oadrSignedObject and the ReplayProtect object), found {found} (459)")]
    ReferenceCount {
        /// SignedInfo path.
        path: String,
        /// Number of references found.
        found: usize,
    },
    /// A reference that does not select what is processed: signature wrapping (moved,
    /// duplicated or shadowed Ids, an extra oadrSignedObject, an Object carrying a payload).
    #[error("{path}: signature wrapping refused: {reason} (reference URI {uri:?}) (459)")]
    Wrapping {
        /// Reference path.
        path: String,
        /// Reference URI.
        uri: String,
        /// What was found.
        reason: String,
    },
    /// The digest of the signed object does not match: the message was altered.
    #[error("/oadrPayload/oadrSignedObject: digest mismatch, the signed object was altered (459)")]
    SignedObjectTampered,
    /// The digest of the ReplayProtect object does not match.
    #[error("{path}: digest mismatch, ReplayProtect was altered (459)")]
    ReplayProtectTampered {
        /// Path of the ds:Object.
        path: String,
    },
    /// The SignatureValue does not verify over SignedInfo with the certificate's key.
    #[error("/oadrPayload/Signature/SignatureValue: does not verify with the signer's key (459)")]
    BadSignatureValue,
    /// Base64 content that does not decode.
    #[error("{path}: invalid base64 (459)")]
    Base64 {
        /// Element path.
        path: String,
    },
    /// The certificate in KeyInfo cannot be used.
    #[error("{path}: unusable certificate: {reason} (459)")]
    Certificate {
        /// Element path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The signer's certificate is not the trusted one (fingerprint, pinned certificate or CA).
    #[error("/oadrPayload/Signature/KeyInfo: signer {fingerprint} is not trusted: {reason} (463)")]
    Untrusted {
        /// Fingerprint of the presented certificate.
        fingerprint: String,
        /// Why.
        reason: String,
    },
    /// ReplayProtect is missing or malformed.
    #[error("{path}: malformed ReplayProtect: {reason} (459)")]
    ReplayProtect {
        /// Element path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The ReplayProtect timestamp is older than the window allows.
    #[error("/oadrPayload/Signature/Object/SignatureProperties/SignatureProperty/ReplayProtect/timestamp: {timestamp} is {age_ms} ms old, more than the {max_ms} ms allowed (459)")]
    Expired {
        /// The timestamp as sent.
        timestamp: String,
        /// Its age.
        age_ms: i64,
        /// The window.
        max_ms: i64,
    },
    /// The ReplayProtect timestamp is further in the future than clock skew explains.
    #[error("/oadrPayload/Signature/Object/SignatureProperties/SignatureProperty/ReplayProtect/timestamp: {timestamp} is {ahead_ms} ms in the future (459)")]
    FromTheFuture {
        /// The timestamp as sent.
        timestamp: String,
        /// How far ahead.
        ahead_ms: i64,
    },
    /// The nonce was already seen from this signer within the window.
    #[error("/oadrPayload/Signature/Object/SignatureProperties/SignatureProperty/ReplayProtect/nonce: {nonce} was already used (459)")]
    NonceReused {
        /// The nonce.
        nonce: String,
    },
    /// The nonce cache is full of live entries (more fresh messages than it is sized for).
    #[error(
        "nonce cache full ({capacity} live entries); refusing rather than forgetting a nonce (469)"
    )]
    NonceCacheFull {
        /// Its capacity.
        capacity: usize,
    },
    /// A private key or certificate file that cannot be used for signing.
    #[error("signing key: {reason}")]
    Key {
        /// Why.
        reason: String,
    },
    /// The signing operation failed.
    #[error("signing failed: {reason}")]
    Signing {
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The `ei:responseCode` to answer a peer with.
    pub fn response_code(&self) -> u16 {
        match self {
            Error::Xml { .. } => INVALID_DATA,
            Error::Untrusted { .. } => NOT_AUTHORIZED,
            Error::NonceCacheFull { .. } | Error::Key { .. } | Error::Signing { .. } => OTHER_ERROR,
            _ => COMPLIANCE_ERROR,
        }
    }

    pub(crate) fn structure(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Structure {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
