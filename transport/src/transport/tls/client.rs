//! The TLS client side: a rustls configuration with an optional client certificate and a
//! server-certificate verifier that honours [`PeerTrust`] (fingerprint pins and self-signed
//! CA:TRUE certificates) while still verifying the handshake signature.

use super::{provider, PeerTrust, TlsError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// A client certificate and its key.
#[derive(Debug)]
pub struct ClientIdentity {
    /// The certificate chain (leaf first).
    pub certs: Vec<CertificateDer<'static>>,
    /// The private key.
    pub key: PrivateKeyDer<'static>,
}

/// A rustls client configuration (TLS 1.2 and 1.3) trusting `trust` and presenting
/// `identity` when the server asks for a client certificate.
pub fn client_config(
    trust: PeerTrust,
    identity: Option<ClientIdentity>,
) -> Result<rustls::ClientConfig, TlsError> {
    let provider = provider();
    let verifier = Arc::new(PeerVerifier::new(trust, provider.clone())?);
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    Ok(match identity {
        Some(id) => builder.with_client_auth_cert(id.certs, id.key)?,
        None => builder.with_no_client_auth(),
    })
}

/// Verifies the VTN's certificate: pinned (fingerprint or verbatim in the CA file) →
/// trusted; otherwise webpki must chain it to the CA file's roots (with the server name).
/// With no trust configured at all, webpki with an empty root store refuses everything.
#[derive(Debug)]
pub struct PeerVerifier {
    trust: PeerTrust,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl PeerVerifier {
    /// A verifier for `trust`.
    pub fn new(trust: PeerTrust, provider: Arc<CryptoProvider>) -> Result<Self, TlsError> {
        let webpki = trust
            .webpki_roots()
            .map(|roots| {
                WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(super::verifier_error)
            })
            .transpose()?;
        Ok(PeerVerifier {
            trust,
            webpki,
            provider,
        })
    }
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.trust.pinned(end_entity) {
            return Ok(ServerCertVerified::assertion());
        }
        match &self.webpki {
            Some(w) => {
                w.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        verify_tls13_signature(
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
}
