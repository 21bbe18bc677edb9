//! TLS shared by both sides (spec digest §9 "TLS", §10): PEM loading, and peer trust by
//! OpenADR fingerprint or by CA file.
//!
//! Self-signed peer certificates must work: `openssl req -x509` makes them CA:TRUE, which
//! webpki refuses as an end-entity certificate, so [`PeerTrust`] accepts a peer whose
//! certificate is pinned by fingerprint or appears verbatim in the CA file, and otherwise
//! asks webpki for a chain to the CA file's roots. The handshake signature is always
//! verified, whatever the trust decision.

pub mod client;
pub mod server;

use crate::sign::Fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// TLS setup errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Every certificate of a PEM file, in order.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let err = |reason: String| TlsError::Pem {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("no CERTIFICATE in the file".into()));
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::Pem {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Whom to trust as the TLS peer.
#[derive(Debug, Clone, Default)]
pub struct PeerTrust {
    /// Certificates pinned by OpenADR fingerprint (spec digest §9 "Fingerprint").
    pub fingerprints: Vec<Fingerprint>,
    /// CA certificates (or self-signed peer certificates) from a CA file.
    pub ca: Vec<CertificateDer<'static>>,
}

impl PeerTrust {
    /// Whether anything is configured.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty() && self.ca.is_empty()
    }

    /// Trust decided without webpki: a pinned fingerprint, or the very certificate listed
    /// in the CA file (a self-signed peer).
    pub fn pinned(&self, end_entity: &CertificateDer<'_>) -> bool {
        let fp = Fingerprint::of_der(end_entity.as_ref());
        self.fingerprints.contains(&fp) || self.ca.iter().any(|c| c.as_ref() == end_entity.as_ref())
    }

    /// A root store of the CA file's certificates usable as trust anchors.
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        // Certificates webpki cannot use as anchors are still honoured by `pinned`.
        let _ = roots.add_parsable_certificates(self.ca.iter().cloned());
        roots
    }
}

/// The crypto provider used everywhere (ring; TLS 1.2 and 1.3).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_by_fingerprint_and_by_ca_file_entry() {
        let a = CertificateDer::from(vec![1u8, 2, 3]);
        let b = CertificateDer::from(vec![4u8, 5, 6]);
        let by_fp = PeerTrust {
            fingerprints: vec![Fingerprint::of_der(&[1, 2, 3])],
            ca: vec![],
        };
        assert!(by_fp.pinned(&a));
        assert!(!by_fp.pinned(&b));
        let by_ca = PeerTrust {
            fingerprints: vec![],
            ca: vec![b.clone()],
        };
        assert!(by_ca.pinned(&b));
        assert!(!by_ca.pinned(&a));
        assert!(PeerTrust::default().is_empty());
    }

    #[test]
    fn pem_errors_name_the_file() {
        let e = load_certs(Path::new("/nonexistent/x.pem")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.pem"), "{e}");
    }
}
