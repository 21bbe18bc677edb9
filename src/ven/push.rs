//! HTTP push on the VEN side (spec digest §2): the VEN registers with
//! `oadrHttpPullModel=false` and its `oadrTransportAddress`, and serves
//! `/OpenADR2/Simple/2.0b/<Service>` there. The VTN POSTs what it initiates
//! (oadrDistributeEvent, oadrCreateReport, oadrRegisterReport, oadrCancelReport,
//! oadrUpdateReport, oadrRequestReregistration, oadrCancelPartyRegistration) and gets the
//! engine's answer in the HTTP response; follow-ups (oadrCreatedEvent, the re-registration)
//! go out as the VEN's own requests.
//!
//! [`Inbound`] is transport-neutral (payload bytes in, answer bytes out) so that other
//! transports that receive VTN-initiated payloads (XMPP) reuse it. The HTTP listener is the
//! VTN's server ([`crate::transport::http_server`]) with the VTN's TLS setup
//! ([`crate::transport::tls::server`]): mutual TLS, the VTN authenticated as the TLS client by
//! the same trust the VEN applies to the VTN in pull mode (`--vtn-fingerprint`, `--ca-file`).

use super::codec::Envelope;
use crate::engine::ven::VenEngine;
use crate::engine::Clock;
use crate::model::{EiResponse, Message, Response, ResponseCode};
use crate::transport::http_server::PayloadHandler;
use crate::transport::{Service, CONTENT_TYPE};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Answers VTN-initiated payloads with the VEN engine, synchronously.
#[derive(Clone)]
pub struct Inbound {
    pub(crate) engine: Arc<Mutex<VenEngine>>,
    pub(crate) envelope: Envelope,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) wake: Arc<Notify>,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound").finish_non_exhaustive()
    }
}

impl Inbound {
    /// Handle one payload the VTN sent on `service`: check its signature (when the VEN
    /// verifies signatures), decode it, let the engine answer, encode and sign the answer.
    /// Refusals are answered with an oadrResponse carrying the response code, never a panic.
    pub fn receive(&self, service: Service, body: &[u8]) -> Vec<u8> {
        let now = self.clock.now();
        let answer = match self.envelope.open(body, now) {
            Err(e) => {
                let code = match &e {
                    super::PayloadError::Signature(s) => ResponseCode(s.response_code()),
                    _ => ResponseCode::INVALID_DATA,
                };
                tracing::warn!(%service, "pushed payload refused: {e}");
                self.refusal(code, format!("/oadrPayload: {e}"))
            }
            Ok(message) => {
                let ty = message.message_type();
                match Service::for_message(ty) {
                    Some(s) if s != service => {
                        tracing::warn!(%service, payload = %ty, "pushed on the wrong service");
                        self.refusal(
                            ResponseCode::NOT_RECOGNIZED,
                            format!(
                                "/oadrPayload/oadrSignedObject/{ty}: belongs to {s}, not {service}"
                            ),
                        )
                    }
                    _ => {
                        tracing::info!(%service, payload = %ty, "payload pushed by the VTN");
                        let answer = self.engine().handle_pushed(message, now);
                        // The engine may have queued follow-ups (oadrCreatedEvent, ...).
                        self.wake.notify_one();
                        answer
                    }
                }
            }
        };
        match self.envelope.seal(&answer) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("cannot encode the answer to a pushed payload: {e}");
                let fallback = self.refusal(
                    ResponseCode::DEPLOYMENT_ERROR,
                    "the VEN could not encode its answer".into(),
                );
                self.envelope.seal(&fallback).unwrap_or_default()
            }
        }
    }

    fn engine(&self) -> std::sync::MutexGuard<'_, VenEngine> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refusal(&self, code: ResponseCode, description: String) -> Message {
        let ven_id = self.engine().registration().map(|r| r.ven_id.clone());
        let mut response = EiResponse::error(code, "");
        response.response_description = Some(description);
        Message::Response(Response { response, ven_id })
    }
}

impl PayloadHandler for Inbound {
    fn payload(
        &self,
        service: Service,
        _fingerprint: Option<&str>,
        body: &[u8],
    ) -> (&'static str, Vec<u8>) {
        // The TLS layer already authenticated the VTN (client certificate required).
        (CONTENT_TYPE, self.receive(service, body))
    }
}

/// The push endpoint, bound at build time so that its address can be advertised.
pub(crate) struct Endpoint {
    pub listener: std::net::TcpListener,
    pub tls: Option<crate::transport::tls::Acceptor>,
    pub inbound: Inbound,
}

impl Endpoint {
    /// Serve until `stop` turns true.
    pub async fn serve(self, stop: tokio::sync::watch::Receiver<bool>) {
        let listener = match tokio::net::TcpListener::from_std(self.listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("push endpoint: {e}");
                return;
            }
        };
        crate::transport::http_server::serve_with(
            listener,
            self.tls,
            Arc::new(crate::transport::http_server::OpenAdrEndpoints(
                self.inbound,
            )),
            crate::transport::http_server::Limits::default(),
            stop,
        )
        .await;
    }
}
