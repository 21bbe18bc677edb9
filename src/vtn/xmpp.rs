//! The VTN over XMPP (spec digest §3, §9.3): the VTN is a client of the XMPP server, answers
//! each VEN's `<iq type='set'>` with the engine's answer in the `<iq type='result'>`, answers
//! service discovery with the OpenADR services (all at its own JID), and pushes its own
//! payloads straight to each VEN's full JID through the push loop ([`super::push`]) with
//! [`XmppDeliver`], no oadrPoll (§9.3.1).
//!
//! Identity: the XMPP server authenticated the sender, so a VEN's bare JID plays the part the
//! TLS client certificate plays over HTTP: it is handed to the engine as the VEN's identity
//! (`xmpp:<bare JID>`), and a venID registered from one account gets 463 from any other.
//! A signed payload is identified by its signer's certificate fingerprint instead, exactly as
//! over HTTP. Signatures survive the server's re-serialisation through
//! [`crate::transport::xmpp::stable`]: build the VTN with [`ServerFormCodec`] so that what it
//! signs is already in the server's form.

use super::codec::{Codec, DecodeError};
use super::deliver::{Deliver, DeliverFuture, Delivered, DeliveryError, Destination};
use super::Vtn;
use crate::model::{Message, TransportName};
use crate::transport::xmpp::{stable, xml, IncomingIq, Jid, StanzaError, XmppClient};
use crate::transport::Service;
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// The identity the engine sees for an unsigned payload from `from`.
pub fn identity(from: &Jid) -> String {
    format!("xmpp:{}", from.bare())
}

/// A codec that writes payloads in the form an XMPP server re-serialises them to
/// ([`stable::server_form`]), so that signatures made over them still verify after the
/// server. Decoding is the inner codec's.
#[derive(Debug, Clone)]
pub struct ServerFormCodec(pub Arc<dyn Codec>);

impl Codec for ServerFormCodec {
    fn decode(&self, body: &[u8]) -> Result<Message, DecodeError> {
        self.0.decode(body)
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, String> {
        let bytes = self.0.encode(message)?;
        stable::server_form(&bytes).map_err(|e| e.to_string())
    }

    fn content_type(&self) -> &'static str {
        self.0.content_type()
    }
}

/// What an XMPP peer sent, ready for the engine: the bytes with the signature's prefixes
/// restored, the service named by the payload's message element, and whether it is signed.
pub(crate) struct Received {
    pub bytes: Vec<u8>,
    pub service: Service,
    pub signed: bool,
}

/// Prepare the payload of an IQ (see [`Received`]). Unparsable payloads are passed on
/// unchanged for the codec to refuse with the right response code.
pub(crate) fn received(payload: Vec<u8>) -> Received {
    let Ok(root) = xml::parse_element(&payload, &[]) else {
        return Received {
            bytes: payload,
            service: Service::EiRegisterParty,
            signed: false,
        };
    };
    let signed = root.children.iter().any(|c| c.name == "Signature");
    let service = root
        .children
        .iter()
        .find(|c| c.name == "oadrSignedObject")
        .and_then(|o| o.children.first())
        .and_then(|m| Service::for_message(&m.name))
        .unwrap_or(Service::EiRegisterParty);
    let bytes = stable::restore_signature(&payload).unwrap_or(payload);
    Received {
        bytes,
        service,
        signed,
    }
}

/// Delivers VTN-initiated payloads to VENs registered with `oadrTransportName` xmpp, in an
/// `<iq type='set'>` to the full JID they gave as `oadrTransportAddress`.
#[derive(Debug, Clone)]
pub struct XmppDeliver {
    client: XmppClient,
}

impl XmppDeliver {
    /// Deliver through this client.
    pub fn new(client: XmppClient) -> XmppDeliver {
        XmppDeliver { client }
    }
}

impl Deliver for XmppDeliver {
    fn serves(&self, dest: &Destination) -> bool {
        dest.transport == TransportName::Xmpp
    }

    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        _service: Service,
        body: Bytes,
    ) -> DeliverFuture<'a> {
        Box::pin(async move {
            let to: Jid = dest.address.parse().map_err(|e| DeliveryError::Address {
                address: dest.address.clone(),
                reason: format!("{e}"),
            })?;
            if !to.is_full() {
                return Err(DeliveryError::Address {
                    address: dest.address.clone(),
                    reason: "not a full JID (user@domain/resource)".into(),
                });
            }
            let reply = self
                .client
                .iq_set(&to, &body)
                .await
                .map_err(|e| DeliveryError::Other(format!("XMPP to {to}: {e}")))?;
            let payload = reply.payload_bytes().unwrap_or_default();
            let r = received(payload);
            Ok(Delivered {
                body: Bytes::from(r.bytes),
                fingerprint: (!r.signed).then(|| identity(&to)),
            })
        })
    }
}

impl Vtn {
    /// Answer the VENs' requests arriving on `incoming` (from [`XmppClient::start`]) until
    /// `shutdown` turns true. Run [`Vtn::push_loop`] with an [`XmppDeliver`] beside it for
    /// the VTN-initiated payloads.
    pub async fn serve_xmpp(
        &self,
        mut incoming: mpsc::Receiver<IncomingIq>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                iq = incoming.recv() => match iq {
                    Some(iq) => self.answer_iq(iq),
                    None => break,
                },
                _ = shutdown.changed() => if *shutdown.borrow() { break },
            }
        }
    }

    /// One request: the whole exchange of [`Vtn::handle_payload`], answered in the IQ result.
    pub fn answer_iq(&self, iq: IncomingIq) {
        answer_iq_with(iq, |service, id, body| {
            self.handle_payload(service, id, body).body
        });
    }
}

/// Answer one request IQ with what `handle` (service, identity of an unsigned payload,
/// payload with the signature's prefixes restored) returns; non-`set` IQs get
/// `feature-not-implemented`. [`Vtn::answer_iq`], and `oadr demo`'s printing tap.
pub(crate) fn answer_iq_with(
    iq: IncomingIq,
    handle: impl FnOnce(Service, Option<&str>, &[u8]) -> Vec<u8>,
) {
    if !iq.set {
        iq.reply_error(StanzaError::new("cancel", "feature-not-implemented"));
        return;
    }
    let r = received(iq.payload_bytes());
    let id = (!r.signed).then(|| identity(&iq.from));
    tracing::debug!(from = %iq.from, service = %r.service, "payload over XMPP");
    let answer = handle(r.service, id.as_deref(), &r.bytes);
    iq.reply(Some(&answer));
}
