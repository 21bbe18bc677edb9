//! The VEN over XMPP (spec digest §3, §9.3): the VEN is a client of the XMPP server. It finds
//! the VTN's services by service discovery (XEP-0030, §9.3.2: `disco#info` must list
//! `http://openadr.org/openadr2`, `disco#items` on `http://openadr.org/openadr2#services`
//! names the JID of each service), sends each of its requests as an `<iq type='set'>` to the
//! service's JID and takes the answer from the `<iq type='result'>`. It registers with
//! `oadrTransportName` xmpp and its full JID as `oadrTransportAddress`, never polls
//! (§9.3.1), and answers the payloads the VTN sends to that JID through the same engine
//! path as HTTP push ([`super::push::Inbound`]).
//!
//! Requests wait in the XMPP client's queue while the server is unreachable and go out after
//! the reconnect; a request the VTN already acknowledged is never sent again. Payloads are
//! written in the server's form before signing ([`ServerFormCodec`]) and the signature's
//! prefixes are restored on receipt ([`crate::transport::xmpp::stable`]), so signatures
//! verify end to end.

use super::codec::Codec;
use super::push::Inbound;
use crate::model::Message;
use crate::transport::xmpp::{
    disco, stable, IncomingIq, Jid, StanzaError, XmppClient, XmppConfig, XmppError,
};
use crate::transport::Service;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

/// The XMPP options of a VEN: its account and the VTN's JID.
#[derive(Debug, Clone)]
pub struct XmppVenConfig {
    /// The VEN's account (its resource, default `oadr`, is requested at binding).
    pub client: XmppConfig,
    /// The VTN's JID, asked for its services (a full JID: the VTN's session).
    pub vtn: Jid,
}

impl XmppVenConfig {
    /// The full JID the VEN binds (and advertises as `oadrTransportAddress`).
    pub fn full_jid(&self) -> Jid {
        if self.client.jid.is_full() {
            self.client.jid.clone()
        } else {
            self.client
                .jid
                .with_resource("oadr")
                .unwrap_or_else(|_| self.client.jid.clone())
        }
    }
}

/// A codec that writes payloads in the form an XMPP server re-serialises them to
/// ([`stable::server_form`]), so that signatures made over them survive the server.
#[derive(Debug, Clone)]
pub struct ServerFormCodec(pub Arc<dyn Codec>);

impl Codec for ServerFormCodec {
    fn encode(&self, message: &Message) -> Result<Vec<u8>, String> {
        let bytes = self.0.encode(message)?;
        stable::server_form(&bytes).map_err(|e| e.to_string())
    }

    fn decode(&self, bytes: &[u8]) -> Result<Message, String> {
        self.0.decode(bytes)
    }
}

/// How long a request is retried while the VTN is not online.
pub const UNAVAILABLE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(300);

/// The VEN's sending side: service discovery once, then IQs.
#[derive(Debug)]
pub(crate) struct XmppOut {
    pub client: XmppClient,
    pub vtn: Jid,
    services: Mutex<Option<BTreeMap<Service, Jid>>>,
}

impl XmppOut {
    pub fn new(client: XmppClient, vtn: Jid) -> XmppOut {
        XmppOut {
            client,
            vtn,
            services: Mutex::new(None),
        }
    }

    /// Where `service`'s payloads go, discovering the services first if needed.
    async fn service_jid(&self, service: Service) -> Result<Jid, XmppError> {
        let mut known = self.services.lock().await;
        if known.is_none() {
            self.client.online().await?;
            let features = self.client.disco_features(&self.vtn, None).await?;
            if !features.iter().any(|f| f == disco::FEATURE_OPENADR) {
                return Err(XmppError::Protocol(format!(
                    "{} does not advertise {} (service discovery, §9.3.2)",
                    self.vtn,
                    disco::FEATURE_OPENADR
                )));
            }
            let items = self
                .client
                .disco_items(&self.vtn, Some(disco::NODE_SERVICES))
                .await?;
            let map = disco::services(&items)?;
            tracing::info!(vtn = %self.vtn, services = ?map, "OpenADR services discovered");
            *known = Some(map);
        }
        known
            .as_ref()
            .and_then(|m| m.get(&service).cloned())
            .ok_or_else(|| {
                XmppError::Protocol(format!("the VTN offers no {service} service over XMPP"))
            })
    }

    /// One exchange: the answer payload (signature prefixes restored), or empty bytes when
    /// the result carries none. While the VTN's session is away (the server answers
    /// service-unavailable, e.g. after a server restart the VTN has not yet reconnected), the
    /// request is sent again with doubling delays for up to [`UNAVAILABLE_PATIENCE`]: it never
    /// reached the VTN, so nothing is duplicated.
    pub async fn post(&self, service: Service, body: Bytes) -> Result<Bytes, String> {
        let to = self.service_jid(service).await.map_err(|e| e.to_string())?;
        let started = tokio::time::Instant::now();
        let mut delay = std::time::Duration::from_millis(100);
        let reply = loop {
            match self.client.iq_set(&to, &body).await {
                Err(XmppError::Stanza(e))
                    if e.is_unavailable() && started.elapsed() < UNAVAILABLE_PATIENCE =>
                {
                    tracing::info!(%to, retry_in = ?delay, "the VTN is not online; trying again");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(5));
                }
                r => break r.map_err(|e| e.to_string())?,
            }
        };
        let bytes = reply.payload_bytes().unwrap_or_default();
        if bytes.is_empty() {
            return Ok(Bytes::new());
        }
        stable::restore_signature(&bytes)
            .map(Bytes::from)
            .map_err(|e| e.to_string())
    }
}

/// Answer what the VTN sends to our JID until the client stops. Only the VTN's account may
/// send payloads (`not-authorized` for anyone else).
pub(crate) async fn serve_incoming(
    mut incoming: mpsc::Receiver<IncomingIq>,
    inbound: Inbound,
    vtn: Jid,
) {
    while let Some(iq) = incoming.recv().await {
        if iq.from.bare() != vtn.bare() {
            tracing::warn!(from = %iq.from, "payload from an XMPP account that is not the VTN refused");
            iq.reply_error(StanzaError::new("auth", "not-authorized"));
            continue;
        }
        if !iq.set {
            iq.reply_error(StanzaError::new("cancel", "feature-not-implemented"));
            continue;
        }
        let r = crate::vtn::xmpp::received(iq.payload_bytes());
        let answer = inbound.receive(r.service, &r.bytes);
        iq.reply(Some(&answer));
    }
}

/// Start the client of a VEN: its sending side and the task answering the VTN.
pub(crate) fn start(
    cfg: &XmppVenConfig,
    inbound: Inbound,
) -> (XmppOut, tokio::task::JoinHandle<()>) {
    let mut client_cfg = cfg.client.clone();
    client_cfg.jid = cfg.full_jid();
    let (client, incoming) = XmppClient::start(client_cfg);
    let task = tokio::spawn(serve_incoming(incoming, inbound, cfg.vtn.clone()));
    (XmppOut::new(client, cfg.vtn.clone()), task)
}
