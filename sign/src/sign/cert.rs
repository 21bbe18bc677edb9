//! Certificates: loading, OpenADR fingerprints, and checking signatures with their key.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use ring::signature;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::CertificateDer;

use super::algorithms::SignatureMethod;
use super::backend::Backend;
use super::der::{certificate_public_key, KeyAlgorithm};
use super::error::Error;

/// An X.509 certificate (DER) whose public key is RSA or EC P-256.
#[derive(Clone)]
pub struct Certificate {
    /// Shared by the clones: a verifier hands out a clone of a cached certificate with every
    /// verified message.
    der: std::sync::Arc<[u8]>,
    algorithm: KeyAlgorithm,
    key: std::ops::Range<usize>,
    /// Computed once: trust checks and every verified message ask for it.
    fingerprint: Fingerprint,
    /// The OpenSSL public key, prepared on first use and shared by the clones (a verifier's
    /// certificate cache hands out clones, so a peer's key is prepared once).
    #[cfg(feature = "openssl")]
    openssl: std::sync::Arc<std::sync::OnceLock<Result<super::ossl::PublicKey, String>>>,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({})", self.fingerprint())
    }
}

impl Certificate {
    /// A certificate from DER bytes.
    pub fn from_der(der: Vec<u8>) -> Result<Self, String> {
        let (algorithm, key) = certificate_public_key(&der)
            .ok_or("not an X.509 certificate with an RSA or EC P-256 key")?;
        let start = key.as_ptr() as usize - der.as_ptr() as usize;
        let key = start..start + key.len();
        let fingerprint = Fingerprint::of_der(&der);
        Ok(Certificate {
            der: der.into(),
            algorithm,
            key,
            fingerprint,
            #[cfg(feature = "openssl")]
            openssl: Default::default(),
        })
    }

    /// The first certificate of a PEM file.
    pub fn from_pem(pem: &[u8]) -> Result<Self, String> {
        let der = CertificateDer::from_pem_slice(pem).map_err(|e| format!("PEM: {e}"))?;
        Self::from_der(der.as_ref().to_vec())
    }

    /// All certificates of a PEM file (a CA bundle).
    pub fn all_from_pem(pem: &[u8]) -> Result<Vec<Self>, String> {
        let mut out = Vec::new();
        for der in CertificateDer::pem_slice_iter(pem) {
            let der = der.map_err(|e| format!("PEM: {e}"))?;
            out.push(Self::from_der(der.as_ref().to_vec())?);
        }
        if out.is_empty() {
            return Err("no certificate in PEM input".into());
        }
        Ok(out)
    }

    /// A certificate from the base64 text of `ds:X509Certificate` (whitespace allowed).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let mut compact = text.as_bytes().to_vec();
        compact.retain(|c| !c.is_ascii_whitespace());
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|e| format!("base64: {e}"))?;
        Self::from_der(der)
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The base64 text for `ds:X509Certificate`.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// The OpenADR fingerprint (OpenLEADR's format).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    pub(crate) fn public_key(&self) -> &[u8] {
        &self.der[self.key.clone()]
    }

    /// Whether the key of this certificate is RSA.
    pub fn is_rsa(&self) -> bool {
        self.algorithm == KeyAlgorithm::Rsa
    }

    /// Check `sig` over `message` with this certificate's key, with the default [`Backend`].
    /// XML-DSig ECDSA values are raw r||s.
    pub fn verify(&self, method: SignatureMethod, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        self.verify_with(Backend::default(), method, message, sig)
    }

    /// Like [`verify`](Self::verify), with the given backend. OpenSSL serves the SHA-256
    /// methods; SHA-1 (when allowed) always goes through ring.
    pub fn verify_with(
        &self,
        backend: Backend,
        method: SignatureMethod,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), Error> {
        let alg: &dyn signature::VerificationAlgorithm = match (method, self.algorithm) {
            (SignatureMethod::RsaSha256, KeyAlgorithm::Rsa) => {
                &signature::RSA_PKCS1_2048_8192_SHA256
            }
            (SignatureMethod::RsaSha1, KeyAlgorithm::Rsa) => {
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
            }
            (SignatureMethod::EcdsaP256Sha256, KeyAlgorithm::EcP256) => {
                &signature::ECDSA_P256_SHA256_FIXED
            }
            (SignatureMethod::EcdsaP256Sha1, KeyAlgorithm::EcP256) => {
                return Err(Error::UnsupportedAlgorithm {
                    path: "/oadrPayload/Signature/SignedInfo/SignatureMethod".into(),
                    uri: method.uri().into(),
                })
            }
            _ => {
                return Err(Error::Certificate {
                    path: "/oadrPayload/Signature/KeyInfo/X509Data/X509Certificate".into(),
                    reason: format!("its key does not match SignatureMethod {}", method.uri()),
                })
            }
        };
        let backend = backend.for_verify(self.algorithm == KeyAlgorithm::Rsa);
        #[cfg(feature = "openssl")]
        if backend == Backend::OpenSsl
            && matches!(
                method,
                SignatureMethod::RsaSha256 | SignatureMethod::EcdsaP256Sha256
            )
        {
            let prepared = self
                .openssl
                .get_or_init(|| super::ossl::PublicKey::from_certificate(&self.der));
            return match prepared {
                Ok(key) => key.verify(method, message, sig),
                Err(reason) => Err(Error::Certificate {
                    path: "/oadrPayload/Signature/KeyInfo/X509Data/X509Certificate".into(),
                    reason: reason.clone(),
                }),
            };
        }
        let _ = backend;
        signature::UnparsedPublicKey::new(alg, self.public_key())
            .verify(message, sig)
            .map_err(|_| Error::BadSignatureValue)
    }
}

/// An OpenADR certificate fingerprint: the last 10 bytes of the SHA-256 of the DER
/// certificate, as uppercase hex pairs joined by `:` (spec digest §9; exactly what
/// OpenLEADR's `fingerprint` script prints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 10]);

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of_der(der: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut out = [0u8; 10];
        out.copy_from_slice(&digest.as_ref()[22..32]);
        Fingerprint(out)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl FromStr for Fingerprint {
    type Err = String;

    /// Parse `7D:AB:45:15:E2:DE:BB:AB:C7:ED` (hex case-insensitive).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("not an OpenADR fingerprint (10 hex pairs joined by ':'): {s:?}");
        let mut out = [0u8; 10];
        let mut parts = s.trim().split(':');
        for slot in &mut out {
            let part = parts.next().ok_or_else(bad)?;
            if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            *slot = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Fingerprint(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_parses_and_prints_openleadr_format() {
        let fp: Fingerprint = "7d:AB:45:15:E2:DE:BB:AB:C7:ED".parse().unwrap();
        assert_eq!(fp.to_string(), "7D:AB:45:15:E2:DE:BB:AB:C7:ED");
        assert!("7D:AB:45".parse::<Fingerprint>().is_err());
        assert!("7D:AB:45:15:E2:DE:BB:AB:C7:ED:00"
            .parse::<Fingerprint>()
            .is_err());
        assert!("7DAB4515E2DEBBABC7ED".parse::<Fingerprint>().is_err());
        assert!("+D:AB:45:15:E2:DE:BB:AB:C7:ED"
            .parse::<Fingerprint>()
            .is_err());
    }
}
