//! The outbound seam of the VTN: "deliver this payload to this VEN, get the reply".
//!
//! A VEN that does not poll (HTTP push, spec digest §2; XMPP, §3) receives its VTN-initiated
//! payloads from the VTN's push loop ([`super::push`]), which encodes and signs each payload,
//! hands the bytes to a [`Deliver`] implementation for the VEN's transport and feeds the
//! reply back to the engine. A transport only moves bytes: [`HttpPush`] POSTs them to
//! `<oadrTransportAddress>/OpenADR2/Simple/2.0b/<Service>`; an XMPP transport sends them in
//! an IQ to the VEN's JID. Retries, backoff and keeping undelivered payloads are the push
//! loop's business, not the transport's: one call is one attempt.

use crate::model::TransportName;
use crate::transport::http_client::{HttpClient, HttpError, RetryPolicy};
use crate::transport::tls::client::{client_config, ClientIdentity};
use crate::transport::tls::{PeerTrust, TlsError};
use crate::transport::Service;
use bytes::Bytes;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A boxed future, as [`Deliver::deliver`] returns.
pub type DeliverFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Delivered, DeliveryError>> + Send + 'a>>;

/// Where a VEN takes its VTN-initiated payloads, from its registration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    /// The venID.
    pub ven_id: String,
    /// `oadrTransportName` it registered with.
    pub transport: TransportName,
    /// `oadrTransportAddress`: the VEN's root URL (simpleHttp) or JID (xmpp).
    pub address: String,
    /// Fingerprint of the certificate bound to the VEN at registration, if any: the
    /// transport must make sure the reply comes from that certificate's holder.
    pub fingerprint: Option<String>,
}

impl Destination {
    /// The destination of a registered push VEN; `None` if it registered no transport
    /// address.
    pub fn of(ven: &crate::engine::vtn::VenRecord) -> Option<Destination> {
        let address = ven.transport_address.clone().filter(|a| !a.is_empty())?;
        Some(Destination {
            ven_id: ven.ven_id.clone(),
            transport: ven.transport_name,
            address,
            fingerprint: ven.fingerprint.clone(),
        })
    }
}

/// What came back from the VEN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The reply payload bytes (an `oadrPayload`).
    pub body: Bytes,
    /// The OpenADR fingerprint of the certificate that authenticated the reply at the
    /// transport level (TLS server certificate, XMPP client certificate), if any.
    pub fingerprint: Option<String>,
}

/// Why one delivery attempt failed. Every variant leaves the payload pending: the push loop
/// tries again later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// No transport here serves this VEN's `oadrTransportName`.
    #[error("no transport for {0} VENs")]
    NoTransport(TransportName),
    /// The address is not usable (`oadrTransportAddress` not a URL, ...).
    #[error("oadrTransportAddress {address:?}: {reason}")]
    Address {
        /// The address.
        address: String,
        /// What is wrong.
        reason: String,
    },
    /// TLS configuration for this VEN.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The HTTP exchange failed (unreachable, timeout, non-200 status, ...).
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Another transport's failure.
    #[error("{0}")]
    Other(String),
}

/// Moves one payload to one VEN and brings back its reply. Implementations are shared by the
/// push loop's tasks; one call is one attempt.
pub trait Deliver: Send + Sync + std::fmt::Debug {
    /// Whether this transport serves `dest` (by its `oadrTransportName`).
    fn serves(&self, dest: &Destination) -> bool;

    /// Send `body` (an encoded, possibly signed `oadrPayload`) for `service` to `dest`, and
    /// return the VEN's reply.
    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        service: Service,
        body: Bytes,
    ) -> DeliverFuture<'a>;
}

/// TLS settings for [`HttpPush`]: the VTN's client certificate, and whom to trust when a VEN
/// has no certificate bound to it.
#[derive(Debug)]
pub struct HttpPushTls {
    /// The VTN's certificate and key, presented to the VEN's endpoint (mutual TLS).
    pub identity: Option<(
        Vec<rustls::pki_types::CertificateDer<'static>>,
        rustls::pki_types::PrivateKeyDer<'static>,
    )>,
    /// Trust for VENs registered without a certificate (their fingerprint is unknown).
    pub fallback: PeerTrust,
}

/// Simple-HTTP push (spec digest §2): POST to `<oadrTransportAddress>/OpenADR2/Simple/2.0b/
/// <Service>`, keeping one connection per VEN.
///
/// Over `https`, a VEN bound to a certificate at registration must present that same
/// certificate as its server certificate: the TLS trust for it is that fingerprint alone, so
/// the reply is authenticated as the VEN's. A VEN without a bound certificate is checked
/// against [`HttpPushTls::fallback`].
#[derive(Debug)]
pub struct HttpPush {
    tls: Option<HttpPushTls>,
    timeout: Duration,
    clients: Mutex<HashMap<Destination, Arc<HttpClient>>>,
}

impl HttpPush {
    /// A push transport; `tls` is needed for `https` addresses. `timeout` bounds one
    /// attempt (connect + exchange).
    pub fn new(tls: Option<HttpPushTls>, timeout: Duration) -> HttpPush {
        HttpPush {
            tls,
            timeout,
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn client(&self, dest: &Destination) -> Result<Arc<HttpClient>, DeliveryError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(dest) {
            return Ok(c.clone());
        }
        let https = dest.address.starts_with("https:");
        let config = match (&self.tls, https) {
            (Some(t), true) => {
                let trust = match &dest.fingerprint {
                    Some(fp) => PeerTrust {
                        fingerprints: vec![fp.parse().map_err(|e| DeliveryError::Address {
                            address: dest.address.clone(),
                            reason: format!("bound fingerprint {fp:?}: {e}"),
                        })?],
                        ca: Vec::new(),
                    },
                    None => t.fallback.clone(),
                };
                let identity = t.identity.as_ref().map(|(certs, key)| ClientIdentity {
                    certs: certs.clone(),
                    key: key.clone_key(),
                });
                Some(client_config(trust, identity)?)
            }
            _ => None,
        };
        let mut client =
            HttpClient::new(&dest.address, config).map_err(|e| DeliveryError::Address {
                address: dest.address.clone(),
                reason: e.to_string(),
            })?;
        client.timeout = self.timeout;
        client.retry = RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        };
        // One client per destination; a VEN that moved gets a new one, the old entry goes.
        clients.retain(|d, _| d.ven_id != dest.ven_id);
        let client = Arc::new(client);
        clients.insert(dest.clone(), client.clone());
        Ok(client)
    }

    /// Forget the connection to a VEN (after it cancelled its registration, ...).
    pub fn forget(&self, ven_id: &str) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|d, _| d.ven_id != ven_id);
    }
}

impl Deliver for HttpPush {
    fn serves(&self, dest: &Destination) -> bool {
        dest.transport == TransportName::SimpleHttp
    }

    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        service: Service,
        body: Bytes,
    ) -> DeliverFuture<'a> {
        Box::pin(async move {
            let client = self.client(dest)?;
            let reply = client.post(service, body).await?;
            // Pinned to the bound certificate: the handshake proved the VEN holds it.
            let fingerprint = dest
                .fingerprint
                .clone()
                .filter(|_| dest.address.starts_with("https:") && self.tls.is_some());
            Ok(Delivered {
                body: reply,
                fingerprint,
            })
        })
    }
}
