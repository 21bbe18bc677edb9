//! The VTN runtime (`oadr::vtn`): the [engine](crate::engine::vtn) + a [store](crate::store)
//! + a [codec] + optional XML signatures, behind one handle that every transport calls.
//!
//! [`Vtn::handle_payload`] is the whole exchange for one received payload: verify the
//! signature (when configured), decode, let the engine answer, **commit the engine's writes
//! before answering**, tell the handlers, encode and sign the answer. Bad input of any kind
//! gets an answer payload with the right response code, never a panic.
//! The operator commands ([`Vtn::create_event`], ...) commit the same way.

pub mod admin;
pub mod codec;
pub mod deliver;
mod poll_memo;
mod poll_response;
pub mod push;
pub mod xmpp;

use crate::engine::vtn::{
    error_response, AdminError, EventRecord, Notification, OptRecord, Policy, Reading,
    ReportRequestRecord, VenRecord, VtnConfig, VtnEngine, Write,
};
use crate::engine::{Clock, SystemClock};
use crate::model::{Event, Message, ReportRequest, ResponseCode};
use crate::sign::{Signer, Verifier};
use crate::store::{ReadingFilter, Store, StoreError};
use crate::transport::Service;
use codec::Codec;
use std::sync::{Arc, Mutex, MutexGuard};

/// A failed operator command or store access.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VtnError {
    /// The engine refused the command.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The store failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl VtnError {
    /// The OpenADR response code this maps to.
    pub fn response_code(&self) -> ResponseCode {
        match self {
            VtnError::Admin(e) => e.response_code(),
            VtnError::Store(e) => e.response_code(),
        }
    }
}

/// Called with every notification, after its writes are committed.
pub type Handler = Arc<dyn Fn(&Notification) + Send + Sync>;

/// Builds a [`Vtn`].
pub struct VtnBuilder {
    config: VtnConfig,
    store: Arc<dyn Store>,
    policy: Arc<dyn Policy>,
    codec: Arc<dyn Codec>,
    clock: Arc<dyn Clock>,
    signer: Option<Signer>,
    verifier: Option<Verifier>,
    handlers: Vec<Handler>,
}

impl VtnBuilder {
    /// Engine configuration (vtnID, poll frequency, ...).
    pub fn config(mut self, config: VtnConfig) -> Self {
        self.config = config;
        self
    }

    /// Registration and report-request decisions.
    pub fn policy(mut self, policy: Arc<dyn Policy>) -> Self {
        self.policy = policy;
        self
    }

    /// The payload codec.
    pub fn codec(mut self, codec: Arc<dyn Codec>) -> Self {
        self.codec = codec;
        self
    }

    /// The clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sign every answer with this certificate and key.
    pub fn signer(mut self, signer: Signer) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Verify payload signatures; the signing certificate's fingerprint then identifies
    /// the VEN (and must match its TLS certificate, if any).
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Add a notification handler.
    pub fn on_notification(mut self, h: impl Fn(&Notification) + Send + Sync + 'static) -> Self {
        self.handlers.push(Arc::new(h));
        self
    }

    /// Load the store and start the engine from it.
    pub fn build(self) -> Result<Vtn, StoreError> {
        let snapshot = self.store.load()?;
        let engine = VtnEngine::restore(
            self.config.clone(),
            self.clock.clone(),
            self.policy.clone(),
            snapshot,
        );
        Ok(Vtn {
            inner: Arc::new(Inner {
                engine: Mutex::new(engine),
                config: self.config,
                store: self.store,
                policy: self.policy,
                codec: self.codec,
                clock: self.clock,
                signer: self.signer,
                verifier: self.verifier,
                handlers: self.handlers,
                push: Arc::default(),
                polls: poll_memo::PollMemo::default(),
            }),
        })
    }
}

struct Inner {
    engine: Mutex<VtnEngine>,
    config: VtnConfig,
    store: Arc<dyn Store>,
    policy: Arc<dyn Policy>,
    codec: Arc<dyn Codec>,
    clock: Arc<dyn Clock>,
    signer: Option<Signer>,
    verifier: Option<Verifier>,
    handlers: Vec<Handler>,
    /// Wakes the push loop when the engine changed ([`push`]).
    push: Arc<push::PushSignal>,
    /// Repeated oadrPolls, decoded once ([`poll_memo`]).
    polls: poll_memo::PollMemo,
}

/// The VTN runtime. Clones share the same VTN.
#[derive(Clone)]
pub struct Vtn {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Vtn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vtn")
            .field("vtn_id", &self.inner.config.vtn_id)
            .finish_non_exhaustive()
    }
}

/// An encoded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The payload bytes.
    pub body: Vec<u8>,
    /// Their content type.
    pub content_type: &'static str,
}

impl Vtn {
    /// A builder over `store`, with defaults: [`VtnConfig::default`], a policy that accepts
    /// nobody ([`crate::engine::vtn::AllowListPolicy`] with an empty list), the XML codec,
    /// the system clock, no signatures.
    pub fn builder(store: Arc<dyn Store>) -> VtnBuilder {
        VtnBuilder {
            config: VtnConfig::default(),
            store,
            policy: Arc::new(crate::engine::vtn::AllowListPolicy::default()),
            codec: Arc::new(codec::XmlCodec::default()),
            clock: Arc::new(SystemClock),
            signer: None,
            verifier: None,
            handlers: Vec::new(),
        }
    }

    fn engine(&self) -> MutexGuard<'_, VtnEngine> {
        self.inner.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Commit `writes`; on failure resynchronise the engine with what the store holds (so
    /// that memory never runs ahead of disk) and report the error.
    fn commit(&self, engine: &mut VtnEngine, writes: &[Write]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        match self.inner.store.commit(writes) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let Ok(snapshot) = self.inner.store.load() {
                    *engine = VtnEngine::restore(
                        self.inner.config.clone(),
                        self.inner.clock.clone(),
                        self.inner.policy.clone(),
                        snapshot,
                    );
                }
                Err(e)
            }
        }
    }

    fn notify(&self, notes: &[Notification]) {
        for n in notes {
            for h in &self.inner.handlers {
                h(n);
            }
        }
    }

    /// Handle one decoded payload from a VEN authenticated by `fingerprint`: the engine's
    /// answer, after its writes are committed (469 if the store fails).
    pub fn handle_message(
        &self,
        service: Service,
        fingerprint: Option<&str>,
        message: Message,
    ) -> Message {
        let request = message.clone();
        let (response, notes, push_ven) = {
            let mut engine = self.engine();
            let out = engine.handle(service, fingerprint, message);
            let (response, notes) = match self.commit(&mut engine, &out.writes) {
                Ok(()) => (out.response, out.notifications),
                Err(e) => (
                    error_response(
                        Some(&request),
                        e.response_code(),
                        format!("the VTN could not store this: {e}"),
                        None,
                        &self.inner.config.vtn_id,
                    ),
                    Vec::new(),
                ),
            };
            // Only a VEN served by push can have gained something for the push loop to
            // deliver; a polling VEN's payloads (every oadrPoll) must not wake it, as each
            // wake-up scans every registered VEN under the engine lock.
            let touched = match &response {
                Message::CreatedPartyRegistration(c) => c.ven_id.clone(),
                r => crate::engine::vtn::ven_id_of(r),
            }
            .or_else(|| crate::engine::vtn::ven_id_of(&request))
            .filter(|v| engine.ven(v).is_some_and(VenRecord::is_push));
            (response, notes, touched)
        };
        self.notify(&notes);
        if let Some(v) = push_ven {
            self.inner.push.touch(Some(v));
        }
        response
    }

    /// The whole exchange for received payload bytes (see the module docs). `fingerprint`
    /// is the TLS client certificate's, if any.
    pub fn handle_payload(
        &self,
        service: Service,
        fingerprint: Option<&str>,
        body: &[u8],
    ) -> Answer {
        let response = match self.verify(fingerprint, body) {
            Err(m) => *m,
            Ok(signer_fp) => {
                let fp = signer_fp.as_deref().or(fingerprint);
                match self.decode(body) {
                    Ok(m) => self.handle_message(service, fp, m),
                    Err(e) => self.error(e.code, e.to_string()),
                }
            }
        };
        self.encode(&response)
    }

    /// The codec's decode, or the poll decoded from the same bytes before ([`poll_memo`]).
    fn decode(&self, body: &[u8]) -> Result<Message, codec::DecodeError> {
        if let Some(m) = self.inner.polls.get(body) {
            return Ok(m);
        }
        let m = self.inner.codec.decode(body)?;
        self.inner.polls.remember(body, &m);
        Ok(m)
    }

    fn error(&self, code: ResponseCode, description: String) -> Message {
        error_response(None, code, description, None, &self.inner.config.vtn_id)
    }

    /// Check the signature when a verifier is configured: the signer's fingerprint, which
    /// must agree with the TLS certificate's (463 otherwise).
    fn verify(&self, tls: Option<&str>, body: &[u8]) -> Result<Option<String>, Box<Message>> {
        let Some(v) = &self.inner.verifier else {
            return Ok(None);
        };
        match v.verify(body, self.inner.clock.now()) {
            Ok(None) => Ok(None),
            Ok(Some(verified)) => {
                let fp = verified.fingerprint.to_string();
                if tls.is_some_and(|t| !t.eq_ignore_ascii_case(&fp)) {
                    return Err(Box::new(self.error(
                        ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                        format!("/oadrPayload/Signature: signed with {fp}, not with the TLS client certificate"),
                    )));
                }
                Ok(Some(fp))
            }
            Err(e) => Err(Box::new(
                self.error(ResponseCode(e.response_code()), e.to_string()),
            )),
        }
    }

    /// Encode (and sign, when configured) an answer. A failure here is ours, not the peer's:
    /// it is answered with a 469 oadrResponse instead.
    pub fn encode(&self, message: &Message) -> Answer {
        let content_type = self.inner.codec.content_type();
        let body = match self.inner.codec.encode(message) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("the VTN could not encode its answer: {e}");
                let fallback = self.error(
                    ResponseCode::DEPLOYMENT_ERROR,
                    format!("the VTN could not encode its answer: {e}"),
                );
                // Through the codec first (JSON or XML); an XML codec whose conformance
                // checks refuse even this answer (it has no venID to name) gets it as plain
                // schema-valid XML: a peer always receives an answer.
                self.inner
                    .codec
                    .encode(&fallback)
                    .or_else(|_| crate::model::encode(&fallback).map_err(|e| e.to_string()))
                    .unwrap_or_default()
            }
        };
        let body = match &self.inner.signer {
            Some(s) => s.sign(&body).unwrap_or(body),
            None => body,
        };
        Answer { body, content_type }
    }

    fn admin<T>(
        &self,
        f: impl FnOnce(&mut VtnEngine) -> Result<crate::engine::vtn::Applied<T>, AdminError>,
    ) -> Result<T, VtnError> {
        let mut engine = self.engine();
        let applied = f(&mut engine)?;
        self.commit(&mut engine, &applied.writes)?;
        let notes = engine.take_notifications();
        drop(engine);
        self.inner.push.touch(None);
        self.notify(&notes);
        Ok(applied.value)
    }

    /// Publish an event (see [`VtnEngine::create_event`]).
    pub fn create_event(&self, event: Event) -> Result<EventRecord, VtnError> {
        self.admin(|e| e.create_event(event))
    }

    /// Change an event (modificationNumber + 1).
    pub fn modify_event(&self, event_id: &str, event: Event) -> Result<EventRecord, VtnError> {
        self.admin(|e| e.modify_event(event_id, event))
    }

    /// Cancel an event.
    pub fn cancel_event(&self, event_id: &str) -> Result<EventRecord, VtnError> {
        self.admin(|e| e.cancel_event(event_id))
    }

    /// Ask a VEN for a report; returns the reportRequestID.
    pub fn request_report(&self, ven_id: &str, r: ReportRequest) -> Result<String, VtnError> {
        self.admin(|e| e.request_report(ven_id, r))
    }

    /// Stop a report.
    pub fn cancel_report(&self, ven_id: &str, report_request_id: &str) -> Result<(), VtnError> {
        self.admin(|e| e.cancel_report_request(ven_id, report_request_id))
    }

    /// Ask a VEN to register again.
    pub fn request_reregistration(&self, ven_id: &str) -> Result<(), VtnError> {
        self.admin(|e| e.request_reregistration(ven_id))
    }

    /// End a VEN's registration from the VTN side.
    pub fn cancel_registration(&self, ven_id: &str) -> Result<(), VtnError> {
        self.admin(|e| e.cancel_registration(ven_id))
    }

    /// Set a VEN's groups.
    pub fn set_groups(&self, ven_id: &str, groups: Vec<String>) -> Result<(), VtnError> {
        self.admin(|e| e.set_groups(ven_id, groups))
    }

    /// Purge long-finished events (call now and then).
    pub fn purge(&self) -> Result<(), VtnError> {
        let mut engine = self.engine();
        let writes = engine.purge();
        self.commit(&mut engine, &writes)?;
        Ok(())
    }

    /// Registered VENs.
    pub fn vens(&self) -> Vec<VenRecord> {
        self.engine().vens().into_iter().cloned().collect()
    }

    /// The venID registered under an oadrVenName (if exactly one VEN has it).
    pub fn ven_id_by_name(&self, name: &str) -> Option<String> {
        self.engine().ven_by_name(name).map(|v| v.ven_id.clone())
    }

    /// Events.
    pub fn events(&self) -> Vec<EventRecord> {
        self.engine().events().cloned().collect()
    }

    /// How each VEN stands with an event.
    pub fn deliveries(&self, event_id: &str) -> Vec<crate::engine::vtn::Delivery> {
        self.engine()
            .deliveries_of(event_id)
            .into_iter()
            .cloned()
            .collect()
    }

    /// Report requests.
    pub fn report_requests(&self) -> Vec<ReportRequestRecord> {
        self.engine().report_requests().cloned().collect()
    }

    /// The METADATA reports a VEN offered.
    pub fn offered_reports(&self, ven_id: &str) -> Vec<crate::model::Report> {
        self.engine().metadata(ven_id).to_vec()
    }

    /// Opts.
    pub fn opts(&self) -> Vec<OptRecord> {
        self.engine().opts().cloned().collect()
    }

    /// Stored readings.
    pub fn readings(&self, filter: &ReadingFilter) -> Result<Vec<Reading>, VtnError> {
        Ok(self.inner.store.readings(filter)?)
    }

    /// The vtnID.
    pub fn vtn_id(&self) -> &str {
        &self.inner.config.vtn_id
    }
}

impl crate::transport::http_server::PayloadHandler for Vtn {
    fn payload(
        &self,
        service: Service,
        fingerprint: Option<&str>,
        body: &[u8],
    ) -> (&'static str, Vec<u8>) {
        let a = self.handle_payload(service, fingerprint, body);
        (a.content_type, a.body)
    }
}
