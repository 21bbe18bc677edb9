//! The async loop that runs a [`VenEngine`] over a transport: sends what it asks for,
//! feeds back replies, timers, handler answers and user commands. One exchange at a time,
//! each in its own tracing span.

use super::codec::Envelope;
use super::sources::{self, EventHandler, NotificationHandler, ReportOffer};
use super::{Command, VenRuntimeError};
use crate::engine::ven::{Notification, Outgoing, Output, Registration, VenEngine};
use crate::engine::Clock;
use crate::model::OptType;
use crate::transport::http_client::HttpClient;
use bytes::Bytes;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::{mpsc, watch, Notify};
use tracing::Instrument;

/// Where the VEN's own requests go: POSTs to the VTN's endpoints, or IQs over XMPP.
#[derive(Debug)]
pub(crate) enum Outbound {
    Http(HttpClient),
    Xmpp(super::xmpp::XmppOut),
    /// XMPP before [`super::Ven::run`] started the client.
    XmppPending,
}

impl Outbound {
    async fn post(&self, service: crate::transport::Service, body: Bytes) -> Result<Bytes, String> {
        match self {
            Outbound::Http(c) => c.post(service, body).await.map_err(|e| e.to_string()),
            Outbound::Xmpp(x) => x.post(service, body).await,
            Outbound::XmppPending => Err("the XMPP client is not running".into()),
        }
    }
}

pub(crate) struct Driver {
    /// Shared with the push endpoint ([`super::push`]), which answers pushed payloads while
    /// this loop carries out the engine's outputs. Never held across an await.
    pub engine: Arc<Mutex<VenEngine>>,
    /// Signalled when someone else (the push endpoint) gave the engine input.
    pub wake: Arc<Notify>,
    pub client: Outbound,
    pub envelope: Envelope,
    pub clock: Arc<dyn Clock>,
    pub on_event: Option<EventHandler>,
    pub on_notify: Option<NotificationHandler>,
    pub offers: Vec<ReportOffer>,
    pub state_file: Option<PathBuf>,
    pub commands: mpsc::Receiver<Command>,
    pub registration: watch::Sender<Option<Registration>>,
    /// A shutdown command arrived during an exchange.
    pub stop_requested: bool,
}

impl Driver {
    fn engine(&self) -> MutexGuard<'_, VenEngine> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub async fn run(
        mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), VenRuntimeError> {
        tokio::pin!(shutdown);
        let now = self.clock.now();
        self.engine().start(now);
        let wake = self.wake.clone();
        loop {
            self.drain().await;
            if self.stop_requested {
                break;
            }
            let next = self.engine().next_timeout();
            let sleep = match next {
                Some(at) => (at - self.clock.now())
                    .to_std()
                    .unwrap_or(std::time::Duration::ZERO),
                None => std::time::Duration::from_secs(3600),
            };
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(sleep) => {
                    let now = self.clock.now();
                    self.engine().handle_timeout(now);
                }
                _ = wake.notified() => {}
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Shutdown) | None => break,
                    Some(c) => self.command(c),
                },
            }
        }
        tracing::info!("VEN stopped");
        Ok(())
    }

    fn command(&mut self, c: Command) {
        apply(&self.engine, self.clock.now(), c);
    }

    /// Carry out every pending output (exchanges one after the other).
    async fn drain(&mut self) {
        loop {
            // Bound first: the guard must not live across the awaits below.
            let next = self.engine().poll_output();
            let Some(out) = next else { break };
            match out {
                Output::Send(o) => self.exchange(*o).await,
                Output::Persist(reg) => {
                    if let Some(path) = &self.state_file {
                        if let Err(e) = super::state::save(path, reg.as_ref()) {
                            tracing::error!(error = %e, "cannot write the state file");
                        }
                    }
                    let _ = self.registration.send(reg);
                }
                Output::DecideEvent { event, modified } => {
                    let id = event.event_descriptor.event_id.clone();
                    let m = event.event_descriptor.modification_number;
                    tracing::info!(event_id = %id, modification = m, modified, status = %event.event_descriptor.event_status, "event received");
                    let opt = match &self.on_event {
                        Some(h) => h(*event, modified).await,
                        None => OptType::OptIn,
                    };
                    tracing::info!(event_id = %id, opt = %opt, "event answered");
                    let now = self.clock.now();
                    self.engine().decide_event(&id, m, opt, now);
                }
                Output::Read(req) => {
                    let readings = sources::read(&self.offers, &req).await;
                    let now = self.clock.now();
                    self.engine().provide_readings(req.token, readings, now);
                }
                Output::Notify(n) => {
                    log(&n);
                    if let Some(h) = &self.on_notify {
                        h(n).await;
                    }
                }
                // `Output` is `#[non_exhaustive]` (crate oadr-engine); every kind is above.
                _ => tracing::warn!("VEN engine output of an unknown kind, ignored"),
            }
        }
    }

    async fn exchange(&mut self, o: Outgoing) {
        let span = tracing::info_span!(
            "exchange",
            service = %o.service,
            message = o.message.message_type()
        );
        let now = self.clock.now();
        let (envelope, client, clock) = (&self.envelope, &self.client, &self.clock);
        let exchange = async {
            let body = envelope.seal(&o.message).map_err(|e| e.to_string())?;
            tracing::debug!(bytes = body.len(), "sending");
            let reply = client.post(o.service, Bytes::from(body)).await?;
            if reply.is_empty() {
                return Ok(None);
            }
            let msg = envelope
                .open(&reply, clock.now())
                .map_err(|e| e.to_string())?;
            tracing::debug!(reply = msg.message_type(), "received");
            Ok::<_, String>(Some(msg))
        }
        .instrument(span.clone());
        tokio::pin!(exchange);
        // User commands are taken while the exchange waits (an XMPP request may wait for the
        // server to come back): their payloads queue behind this one.
        let result = loop {
            tokio::select! {
                r = &mut exchange => break r,
                c = self.commands.recv(), if !self.stop_requested => match c {
                    Some(Command::Shutdown) | None => self.stop_requested = true,
                    Some(c) => apply(&self.engine, clock.now(), c),
                },
            }
        };
        let _g = span.enter();
        match result {
            Ok(Some(msg)) => self.engine().handle_reply(o.id, msg, self.clock.now()),
            Ok(None) => self.engine().handle_empty_reply(o.id, self.clock.now()),
            Err(e) => {
                tracing::warn!(error = %e, "exchange failed");
                self.engine().handle_failure(o.id, e, now);
            }
        }
    }
}

/// Carry out a user command on the engine.
fn apply(engine: &Mutex<VenEngine>, now: chrono::DateTime<chrono::Utc>, c: Command) {
    let mut engine = engine.lock().unwrap_or_else(|e| e.into_inner());
    match c {
        Command::CreateOpt(spec, reply) => {
            let _ = reply.send(engine.create_opt(*spec, now));
        }
        Command::CancelOpt(id, reply) => {
            let _ = reply.send(engine.cancel_opt(&id, now));
        }
        Command::CancelRegistration(reply) => {
            let _ = reply.send(engine.cancel_registration(now));
        }
        Command::Shutdown => {}
    }
}

/// Log notifications at a level matching their weight.
fn log(n: &Notification) {
    match n {
        Notification::Registered(r) => {
            tracing::info!(ven_id = %r.ven_id, registration_id = %r.registration_id, vtn_id = %r.vtn_id, poll_freq = ?r.poll_freq.map(|d| d.to_string()), "registered")
        }
        Notification::RegistrationFailed { .. }
        | Notification::VtnError { .. }
        | Notification::ExchangeFailed { .. }
        | Notification::Unexpected { .. } => tracing::warn!(?n),
        _ => tracing::info!(?n),
    }
}
