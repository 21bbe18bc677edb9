//! TLS through OpenSSL (cargo feature `openssl`), for the 2.0b TLS 1.2 cipher suites that
//! rustls does not implement (spec digest §10 "TLS"): `TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256`
//! and `TLS_RSA_WITH_AES_128_CBC_SHA256`.
//!
//! Peer trust is the same as with rustls ([`PeerTrust`]): a certificate pinned by OpenADR
//! fingerprint or listed verbatim in the CA file is accepted whatever OpenSSL's chain check
//! says (self-signed `openssl req -x509` certificates are CA:TRUE), otherwise the chain must
//! verify against the CA file's roots (and, for a client, match the host name). OpenSSL always
//! checks the handshake signature against the presented certificate.

use super::client::ClientIdentity;
use super::{load_certs, load_key, PeerTrust, TlsError};
use crate::sign::Fingerprint;
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::{X509StoreContextRef, X509};
use rustls::pki_types::CertificateDer;
use std::path::Path;

/// OpenSSL's names of the two suites the 2.0b specification requires (digest §10).
pub const SPEC_SUITES: &str = "ECDHE-ECDSA-AES128-SHA256:AES128-SHA256";

/// The TLS 1.2 suites offered by default: the specification's first, then AEAD suites. TLS 1.3
/// keeps OpenSSL's default suites.
pub const DEFAULT_SUITES: &str = "ECDHE-ECDSA-AES128-SHA256:AES128-SHA256:\
ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";

/// Which suites to offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Suites {
    /// TLS 1.2 and 1.3; the spec's TLS 1.2 suites first ([`DEFAULT_SUITES`]).
    #[default]
    Default,
    /// TLS 1.2 only, with only the spec's two suites ([`SPEC_SUITES`]): what a certification
    /// test of the 2.0b TLS profile expects.
    SpecOnly,
}

impl Suites {
    fn apply(self, ctx: &mut openssl::ssl::SslContextBuilder) -> Result<(), TlsError> {
        ctx.set_min_proto_version(Some(SslVersion::TLS1_2))?;
        match self {
            Suites::Default => ctx.set_cipher_list(DEFAULT_SUITES)?,
            Suites::SpecOnly => {
                ctx.set_max_proto_version(Some(SslVersion::TLS1_2))?;
                ctx.set_cipher_list(SPEC_SUITES)?;
            }
        }
        Ok(())
    }
}

/// The verification decision shared by both sides: `preverify` is OpenSSL's own verdict on
/// the certificate at hand; a pinned leaf overrides it at every depth.
fn decide(trust: &PeerTrust, preverify: bool, ctx: &mut X509StoreContextRef) -> bool {
    let leaf = ctx
        .chain()
        .and_then(|c| c.get(0))
        .and_then(|c| c.to_der().ok())
        .or_else(|| ctx.current_cert().and_then(|c| c.to_der().ok()));
    let pinned = leaf.is_some_and(|der| trust.pinned(&CertificateDer::from(der)));
    pinned || (preverify && !trust.ca.is_empty())
}

fn add_roots(ctx: &mut openssl::ssl::SslContextBuilder, trust: &PeerTrust) -> Result<(), TlsError> {
    for ca in &trust.ca {
        ctx.cert_store_mut()
            .add_cert(X509::from_der(ca.as_ref())?)?;
    }
    Ok(())
}

/// A client connector: `identity` is the VEN's certificate and key, `trust` says which VTN
/// certificates are accepted.
pub fn connector(
    trust: PeerTrust,
    identity: Option<&ClientIdentity>,
    suites: Suites,
) -> Result<SslConnector, TlsError> {
    let mut b = SslConnector::builder(SslMethod::tls_client())?;
    suites.apply(&mut b)?;
    if let Some(id) = identity {
        let mut certs = id.certs.iter();
        if let Some(leaf) = certs.next() {
            let leaf = X509::from_der(leaf.as_ref())?;
            b.set_certificate(&leaf)?;
        }
        for extra in certs {
            b.add_extra_chain_cert(X509::from_der(extra.as_ref())?)?;
        }
        let key = PKey::private_key_from_der(id.key.secret_der())?;
        b.set_private_key(&key)?;
        b.check_private_key()?;
    }
    add_roots(&mut b, &trust)?;
    b.set_verify_callback(SslVerifyMode::PEER, move |ok, ctx| decide(&trust, ok, ctx));
    Ok(b.build())
}

/// A server acceptor for the VTN (or a push VEN): client certificates required and checked
/// as the module docs say, or any certificate with `accept_any` (the registration policy
/// decides then; the handshake still proves the key).
pub fn acceptor(
    cert: &Path,
    key: &Path,
    ca: Option<&Path>,
    fingerprints: &[Fingerprint],
    accept_any: bool,
    suites: Suites,
) -> Result<SslAcceptor, TlsError> {
    let chain = load_certs(cert)?;
    let key = load_key(key)?;
    let trust = PeerTrust {
        fingerprints: fingerprints.to_vec(),
        ca: match ca {
            Some(p) => load_certs(p)?,
            None => Vec::new(),
        },
    };
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    suites.apply(&mut b)?;
    let mut certs = chain.iter();
    if let Some(leaf) = certs.next() {
        let leaf = X509::from_der(leaf.as_ref())?;
        b.set_certificate(&leaf)?;
    }
    for extra in certs {
        b.add_extra_chain_cert(X509::from_der(extra.as_ref())?)?;
    }
    let key = PKey::private_key_from_der(key.secret_der())?;
    b.set_private_key(&key)?;
    b.check_private_key()?;
    add_roots(&mut b, &trust)?;
    b.set_verify_callback(
        SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        move |ok, ctx| accept_any || decide(&trust, ok, ctx),
    );
    Ok(b.build())
}

/// The OpenADR fingerprint of the peer's certificate on an OpenSSL stream.
pub fn peer_fingerprint(ssl: &openssl::ssl::SslRef) -> Option<String> {
    ssl.peer_certificate()
        .and_then(|c| c.to_der().ok())
        .map(|der| Fingerprint::of_der(&der).to_string())
}
