//! XML-DSig for OpenADR 2.0b (spec digest §9, "XML signatures" and "ReplayProtect"):
//! signing and verifying payloads on their bytes, ReplayProtect, certificate fingerprints.
//!
//! ```
//! use oadr::sign::{Signer, Trust, Verifier, VerifyOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
//! # let dir = std::env::temp_dir().join(format!("oadr-sign-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # for (from, to) in [("tests/fixtures/certs/ven-rsa.crt", "ven.crt"),
//! #     ("tests/fixtures/certs/ven-rsa.key", "ven.key"),
//! #     ("tests/fixtures/valid/oadrPoll--openleadr-nothing-pending.xml", "oadrPoll.xml")] {
//! #     std::fs::copy(root.join(from), dir.join(to))?;
//! # }
//! # std::env::set_current_dir(&dir)?;
//! let signer = Signer::from_pem(&std::fs::read("ven.crt")?, &std::fs::read("ven.key")?)?;
//! let signed = signer.sign(&std::fs::read("oadrPoll.xml")?)?;
//! let fp = signer.certificate().fingerprint();
//! let verifier = Verifier::new(VerifyOptions::new(Trust::Fingerprints(vec![fp])));
//! let verified = verifier.verify(&signed, chrono::Utc::now())?;
//! assert_eq!(verified.map(|v| v.fingerprint), Some(fp));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```
//!
//! Modules: [`c14n`] (canonicalization), [`algorithms`], [`backend`] (ring or OpenSSL), [`cert`] (certificates and
//! fingerprints), [`keys`] (private keys, crypto choice), [`signer`], [`verify`],
//! [`replay`] (window and nonce cache), [`trust`], [`error`].

pub mod algorithms;
pub mod backend;
pub mod c14n;
pub mod cert;
mod cert_cache;
mod der;
mod dom;
pub mod error;
mod fast_verify;
pub mod keys;
mod lex;
#[cfg(feature = "openssl")]
mod ossl;
mod outline;
pub mod replay;
pub mod signer;
mod stream_c14n;
pub mod trust;
pub mod verify;

pub use algorithms::AlgorithmPolicy;
pub use backend::Backend;
pub use cert::{Certificate, Fingerprint};
pub use dom::{DSP_NS, DS_NS, OADR_NS};
pub use error::Error;
pub use keys::SigningKey;
pub use replay::{NonceCache, ReplayWindow};
pub use signer::Signer;
pub use trust::Trust;
pub use verify::{Replay, Verified, Verifier, VerifyOptions};
