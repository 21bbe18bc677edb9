//! TLS for the VTN's listener (spec digest §9 "TLS", §10): rustls with ring, TLS 1.2 and 1.3,
//! client certificates required.
//!
//! VEN certificates are accepted when pinned by fingerprint (`--allow-fingerprint`), listed
//! verbatim in the CA file (self-signed CA:TRUE certificates made by `openssl req -x509`,
//! which webpki refuses as end-entity certificates), chaining to the CA file's roots (webpki),
//! or, with `accept_any`, whatever they are (the registration policy decides then). In every
//! case rustls checks the handshake signature against the presented certificate's key, so
//! the peer holds the private key of the certificate whose fingerprint the VTN binds to its
//! venID.
//!
//! Gap: the spec's TLS 1.2 CBC suites (TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
//! TLS_RSA_WITH_AES_128_CBC_SHA256) are not offered: rustls has no CBC suites, and the
//! `openssl` feature that would add them is not built.

use super::{load_certs, load_key, provider, PeerTrust, TlsError};
use crate::sign::Fingerprint;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// Accepts VEN client certificates as the module docs describe.
#[derive(Debug)]
pub struct VenCertVerifier {
    trust: PeerTrust,
    accept_any: bool,
    webpki: Option<Arc<dyn ClientCertVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl VenCertVerifier {
    /// A verifier trusting `trust` (and anybody with `accept_any`).
    pub fn new(trust: PeerTrust, accept_any: bool) -> Result<Self, TlsError> {
        let provider = provider();
        let webpki = trust
            .webpki_roots()
            .map(|roots| {
                WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(super::verifier_error)
            })
            .transpose()?;
        Ok(VenCertVerifier {
            trust,
            accept_any,
            webpki,
            provider,
        })
    }
}

impl ClientCertVerifier for VenCertVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.accept_any || self.trust.pinned(end_entity) {
            return Ok(ClientCertVerified::assertion());
        }
        match &self.webpki {
            Some(w) => w.verify_client_cert(end_entity, intermediates, now),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

/// The rustls server configuration for a VTN.
pub fn server_config(
    cert: &Path,
    key: &Path,
    ca: Option<&Path>,
    fingerprints: &[Fingerprint],
    accept_any: bool,
) -> Result<rustls::ServerConfig, TlsError> {
    let chain = load_certs(cert)?;
    let key = load_key(key)?;
    let trust = PeerTrust {
        fingerprints: fingerprints.to_vec(),
        ca: match ca {
            Some(p) => load_certs(p)?,
            None => Vec::new(),
        },
    };
    let verifier = VenCertVerifier::new(trust, accept_any)?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)?;
    Ok(config)
}

/// A TLS acceptor for [`crate::transport::http_server::serve`].
pub fn acceptor(
    cert: &Path,
    key: &Path,
    ca: Option<&Path>,
    fingerprints: &[Fingerprint],
    accept_any: bool,
) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(server_config(
        cert,
        key,
        ca,
        fingerprints,
        accept_any,
    )?)))
}
