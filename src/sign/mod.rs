//! XML-DSig for OpenADR 2.0b (spec digest §9, "XML signatures" and "ReplayProtect"):
//! signing and verifying payloads on their bytes, ReplayProtect, certificate fingerprints.
//!
//! ```no_run
//! use oadr::sign::{Signer, Trust, Verifier, VerifyOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let signer = Signer::from_pem(&std::fs::read("ven.crt")?, &std::fs::read("ven.key")?)?;
//! let signed = signer.sign(&std::fs::read("oadrPoll.xml")?)?;
//! let fp = signer.certificate().fingerprint();
//! let verifier = Verifier::new(VerifyOptions::new(Trust::Fingerprints(vec![fp])));
//! let verified = verifier.verify(&signed, chrono::Utc::now())?;
//! assert_eq!(verified.map(|v| v.fingerprint), Some(fp));
//! # Ok(()) }
//! ```
//!
//! Modules: [`c14n`] (canonicalization), [`algorithms`], [`cert`] (certificates and
//! fingerprints), [`keys`] (private keys, crypto choice), [`signer`], [`verify`],
//! [`replay`] (window and nonce cache), [`trust`], [`error`].

pub mod algorithms;
pub mod c14n;
pub mod cert;
mod der;
mod dom;
pub mod error;
pub mod keys;
pub mod replay;
pub mod signer;
pub mod trust;
pub mod verify;

pub use algorithms::AlgorithmPolicy;
pub use cert::{Certificate, Fingerprint};
pub use dom::{DSP_NS, DS_NS, OADR_NS};
pub use error::Error;
pub use keys::SigningKey;
pub use replay::{NonceCache, ReplayWindow};
pub use signer::Signer;
pub use trust::Trust;
pub use verify::{Replay, Verified, Verifier, VerifyOptions};
