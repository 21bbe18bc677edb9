//! The VTN protocol engine: every 2.0b service, no I/O (design.md, "The protocol core does no
//! I/O"; issue 6).
//!
//! The transport hands [`VtnEngine::handle`] each payload a VEN sent, with the service it
//! arrived on and the fingerprint of the certificate that authenticated it. The engine
//! answers with an [`Outcome`]: the synchronous response payload, the [`Write`]s a store must
//! commit before that response is sent, and [`Notification`]s for application handlers.
//! Operator commands ([`VtnEngine::create_event`], [`VtnEngine::request_report`], ...) queue
//! VTN-initiated payloads per VEN; a poll ([`VtnEngine::next_for_ven`]) takes the next one.
//! Push and XMPP transports reuse the same calls. Time comes from a [`Clock`].

mod admin;
mod event;
mod ids;
mod opt;
pub mod policy;
mod poll;
mod push;
mod registration;
mod reply;
mod report;
pub mod state;
#[cfg(test)]
mod tests;

pub use admin::{AdminError, Applied};
pub use ids::IdGenerator;
pub use policy::{
    default_report_requests, Acceptance, AllowListPolicy, Policy, RegistrationDecision,
    RegistrationRequest,
};
pub use push::{PushItem, PushRefused};
#[doc(hidden)] // for the `vtn` runtime in the `oadr` crate
pub use reply::ven_id_of;
pub use reply::{error_response, request_id_of};
pub use state::{
    Delivery, EventRecord, MetadataRecord, OptRecord, Queued, Reading, ReportRequestRecord,
    ReportRequestState, Snapshot, VenRecord, Write,
};

use crate::engine::Clock;
use crate::model::{self, Message, Report, ResponseCode};
use crate::transport::Service;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// How the VTN presents itself and paces its VENs.
#[derive(Debug, Clone)]
pub struct VtnConfig {
    /// `ei:vtnID`.
    pub vtn_id: String,
    /// `oadrRequestedOadrPollFreq` given to every VEN at registration (§9.1.8).
    pub poll_frequency: model::Duration,
    /// An unanswered oadrDistributeEvent whose events require a response is sent again on a
    /// poll once this long has passed since the last delivery.
    pub redeliver_after: chrono::Duration,
    /// Cancelled and completed events are purged from memory and store this long after they
    /// end (or are cancelled).
    pub retention: chrono::Duration,
    /// Whether VENs may register for HTTP push (`oadrHttpPullModel` false). Until a push
    /// transport serves them, they are refused with 451.
    pub accept_push: bool,
    /// Whether VENs may register over XMPP. Until an XMPP transport serves them, refused with
    /// 451.
    pub accept_xmpp: bool,
    /// Seed for generated IDs (venID, registrationID, requestIDs, ...). Use a different seed
    /// per process start; restored IDs never collide with 64-bit random ones in practice.
    pub id_seed: u64,
}

impl Default for VtnConfig {
    fn default() -> Self {
        VtnConfig {
            vtn_id: "oadr-vtn".into(),
            poll_frequency: model::Duration::seconds(10),
            redeliver_after: chrono::Duration::seconds(30),
            retention: chrono::Duration::days(7),
            accept_push: false,
            accept_xmpp: false,
            id_seed: 0x0ad0_5eed,
        }
    }
}

/// The answer to one received payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The synchronous response payload (always present: errors are payloads too).
    pub response: Message,
    /// Changes to commit before the response is sent.
    pub writes: Vec<Write>,
    /// Things to tell the application.
    pub notifications: Vec<Notification>,
}

/// Something the application may want to act on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Notification {
    /// A VEN registered (or registered again).
    VenRegistered {
        /// The venID.
        ven_id: String,
        /// Its oadrVenName.
        ven_name: Option<String>,
        /// Certificate fingerprint bound to it.
        fingerprint: Option<String>,
        /// Whether it was already registered.
        reregistration: bool,
    },
    /// A registration ended.
    VenCanceled {
        /// The venID.
        ven_id: String,
        /// True when the VEN cancelled, false when it acknowledged the VTN's cancellation.
        by_ven: bool,
    },
    /// A VEN answered an event in oadrCreatedEvent (rules 16, 17).
    EventResponse {
        /// The VEN.
        ven_id: String,
        /// The event.
        event_id: String,
        /// The modificationNumber it answered.
        modification_number: u32,
        /// optIn or optOut.
        opt_type: model::OptType,
        /// Its per-event response code (e.g. 460).
        response_code: ResponseCode,
    },
    /// A VEN offered METADATA reports.
    ReportsRegistered {
        /// The VEN.
        ven_id: String,
        /// The METADATA reports.
        reports: Vec<Report>,
        /// reportRequestIDs of the requests made in return.
        requested: Vec<String>,
    },
    /// A VEN acknowledged report requests (oadrCreatedReport).
    ReportsPending {
        /// The VEN.
        ven_id: String,
        /// reportRequestIDs it lists as pending.
        pending: Vec<String>,
    },
    /// Report data arrived (oadrUpdateReport), as native values.
    ReportData {
        /// The VEN.
        ven_id: String,
        /// The request it answers.
        report_request_id: String,
        /// The data report.
        report: Box<Report>,
    },
    /// A report request ended (cancelled by either side).
    ReportCanceled {
        /// The VEN.
        ven_id: String,
        /// The reportRequestID.
        report_request_id: String,
    },
    /// A VEN created an opt.
    OptCreated(Box<model::CreateOpt>),
    /// A VEN cancelled an opt.
    OptCanceled {
        /// The VEN.
        ven_id: String,
        /// The optID.
        opt_id: String,
    },
}

/// A refusal: the response code and why, turned into the service's response payload.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reject {
    pub code: ResponseCode,
    pub description: String,
}

impl Reject {
    pub(crate) fn new(code: ResponseCode, description: impl Into<String>) -> Reject {
        Reject {
            code,
            description: description.into(),
        }
    }
}

pub(crate) type Handled = Result<Message, Reject>;

/// The VTN state machine. See the module docs.
#[derive(Debug)]
pub struct VtnEngine {
    config: VtnConfig,
    clock: Arc<dyn Clock>,
    policy: Arc<dyn Policy>,
    ids: IdGenerator,
    vens: HashMap<String, VenRecord>,
    by_fingerprint: HashMap<String, String>,
    events: BTreeMap<String, EventRecord>,
    deliveries: HashMap<String, BTreeMap<String, Delivery>>,
    queue: HashMap<String, VecDeque<Queued>>,
    next_seq: u64,
    report_requests: HashMap<String, Vec<ReportRequestRecord>>,
    metadata: HashMap<String, Vec<Report>>,
    opts: HashMap<String, Vec<OptRecord>>,
    writes: Vec<Write>,
    notifications: Vec<Notification>,
}

impl VtnEngine {
    /// An engine with no state.
    pub fn new(config: VtnConfig, clock: Arc<dyn Clock>, policy: Arc<dyn Policy>) -> Self {
        Self::restore(config, clock, policy, Snapshot::default())
    }

    /// An engine resuming from what a store kept.
    pub fn restore(
        config: VtnConfig,
        clock: Arc<dyn Clock>,
        policy: Arc<dyn Policy>,
        snapshot: Snapshot,
    ) -> Self {
        let mut e = VtnEngine {
            ids: IdGenerator::new(config.id_seed),
            config,
            clock,
            policy,
            vens: HashMap::new(),
            by_fingerprint: HashMap::new(),
            events: BTreeMap::new(),
            deliveries: HashMap::new(),
            queue: HashMap::new(),
            next_seq: 1,
            report_requests: HashMap::new(),
            metadata: HashMap::new(),
            opts: HashMap::new(),
            writes: Vec::new(),
            notifications: Vec::new(),
        };
        for v in snapshot.vens {
            if let Some(f) = &v.fingerprint {
                e.by_fingerprint.insert(f.clone(), v.ven_id.clone());
            }
            e.vens.insert(v.ven_id.clone(), v);
        }
        for ev in snapshot.events {
            e.events.insert(ev.id().to_owned(), ev);
        }
        for d in snapshot.deliveries {
            e.deliveries
                .entry(d.ven_id.clone())
                .or_default()
                .insert(d.event_id.clone(), d);
        }
        let mut queue = snapshot.queue;
        queue.sort_by_key(|q| q.seq);
        for q in queue {
            e.next_seq = e.next_seq.max(q.seq + 1);
            e.queue.entry(q.ven_id.clone()).or_default().push_back(q);
        }
        for r in snapshot.report_requests {
            e.report_requests
                .entry(r.ven_id.clone())
                .or_default()
                .push(r);
        }
        for m in snapshot.metadata {
            e.metadata.insert(m.ven_id, m.reports);
        }
        for o in snapshot.opts {
            e.opts.entry(o.opt.ven_id.clone()).or_default().push(o);
        }
        e
    }

    /// The configuration.
    pub fn config(&self) -> &VtnConfig {
        &self.config
    }

    /// Handle one payload a VEN sent on `service`, authenticated by the certificate with this
    /// `fingerprint` (TLS client certificate or XML signature), if any.
    pub fn handle(
        &mut self,
        service: Service,
        fingerprint: Option<&str>,
        message: Message,
    ) -> Outcome {
        let result = self.dispatch(service, fingerprint, &message);
        let response = match result {
            Ok(m) => m,
            Err(r) => {
                // A refused payload changes nothing.
                self.writes.clear();
                self.notifications.clear();
                let ven_id = reply::ven_id_of(&message)
                    .or_else(|| fingerprint.and_then(|f| self.by_fingerprint.get(f).cloned()));
                error_response(
                    Some(&message),
                    r.code,
                    r.description,
                    ven_id,
                    &self.config.vtn_id,
                )
            }
        };
        self.finish(response)
    }

    fn finish(&mut self, response: Message) -> Outcome {
        Outcome {
            response,
            writes: std::mem::take(&mut self.writes),
            notifications: std::mem::take(&mut self.notifications),
        }
    }

    fn dispatch(&mut self, service: Service, fingerprint: Option<&str>, m: &Message) -> Handled {
        let ty = m.message_type();
        if let Some(expected) = Service::for_message(ty) {
            if expected != service {
                return Err(Reject::new(
                    ResponseCode::NOT_RECOGNIZED,
                    format!(
                        "/oadrPayload/oadrSignedObject/{ty}: belongs to {expected}, not {service}"
                    ),
                ));
            }
        }
        match m {
            Message::QueryRegistration(q) => Ok(self.query_registration(q)),
            Message::CreatePartyRegistration(c) => self.create_party_registration(fingerprint, c),
            Message::CancelPartyRegistration(c) => self.cancel_party_registration(fingerprint, c),
            Message::CanceledPartyRegistration(c) => {
                self.canceled_party_registration(fingerprint, c)
            }
            Message::Response(r) => self.response(fingerprint, r),
            Message::RequestEvent(r) => self.request_event(fingerprint, r),
            Message::CreatedEvent(c) => self.created_event(fingerprint, c),
            Message::RegisterReport(r) => self.register_report(fingerprint, r),
            Message::RegisteredReport(r) => self.registered_report(fingerprint, r),
            Message::CreateReport(c) => self.create_report(fingerprint, c),
            Message::CreatedReport(c) => self.created_report(fingerprint, c),
            Message::UpdateReport(u) => self.update_report(fingerprint, u),
            Message::CancelReport(c) => self.cancel_report(fingerprint, c),
            Message::CanceledReport(c) => self.canceled_report(fingerprint, c),
            Message::UpdatedReport(u) => {
                let ven = self.authenticate(u.ven_id.as_deref(), fingerprint)?;
                Err(Reject::new(
                    ResponseCode::OUT_OF_SEQUENCE,
                    format!("/oadrPayload/oadrSignedObject/oadrUpdatedReport: this VTN sent {ven} no oadrUpdateReport"),
                ))
            }
            Message::CreateOpt(c) => self.create_opt(fingerprint, c),
            Message::CancelOpt(c) => self.cancel_opt(fingerprint, c),
            Message::Poll(p) => self.poll(fingerprint, p),
            other => Err(Reject::new(
                ResponseCode::NOT_ALLOWED,
                format!(
                    "/oadrPayload/oadrSignedObject/{}: only a VTN sends this payload",
                    other.message_type()
                ),
            )),
        }
    }

    /// Check that `ven_id` is registered and belongs to the certificate with `fingerprint`
    /// (§9, §10: 463 otherwise). Without a venID, the fingerprint names the VEN. Returns the
    /// venID.
    pub(crate) fn authenticate(
        &mut self,
        ven_id: Option<&str>,
        fingerprint: Option<&str>,
    ) -> Result<String, Reject> {
        let ven_id = match ven_id.filter(|v| !v.is_empty()) {
            Some(v) => v.to_owned(),
            None => match fingerprint.and_then(|f| self.by_fingerprint.get(f)) {
                Some(v) => v.clone(),
                None => {
                    return Err(Reject::new(
                        ResponseCode::INVALID_ID,
                        "venID: missing, and no registered certificate names the VEN",
                    ))
                }
            },
        };
        let now = self.clock.now();
        let Some(ven) = self.vens.get_mut(&ven_id) else {
            return Err(Reject::new(
                ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                format!("venID {ven_id:?} is not registered"),
            ));
        };
        match (&ven.fingerprint, fingerprint) {
            (Some(bound), Some(f)) if bound == f => {}
            (Some(_), _) => {
                return Err(Reject::new(
                    ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                    format!("venID {ven_id:?} belongs to another certificate"),
                ))
            }
            (None, Some(f)) => {
                if self.by_fingerprint.get(f).is_some_and(|v| *v != ven_id) {
                    return Err(Reject::new(
                        ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                        format!("this certificate belongs to another VEN than {ven_id:?}"),
                    ));
                }
            }
            (None, None) => {}
        }
        ven.last_seen = Some(now);
        Ok(ven_id)
    }

    fn write(&mut self, w: Write) {
        self.writes.push(w);
    }

    fn notify(&mut self, n: Notification) {
        self.notifications.push(n);
    }

    fn enqueue(&mut self, ven_id: &str, message: Message) {
        let q = Queued {
            ven_id: ven_id.to_owned(),
            seq: self.next_seq,
            message,
        };
        self.next_seq += 1;
        self.write(Write::PutQueued(q.clone()));
        self.queue
            .entry(ven_id.to_owned())
            .or_default()
            .push_back(q);
    }

    fn put_ven(&mut self, ven_id: &str) {
        if let Some(v) = self.vens.get(ven_id) {
            let v = v.clone();
            self.write(Write::PutVen(v));
        }
    }

    /// Forget a VEN and everything that hangs off it (the store cascades [`Write::DeleteVen`]).
    fn remove_ven(&mut self, ven_id: &str) {
        if let Some(v) = self.vens.remove(ven_id) {
            if let Some(f) = v.fingerprint {
                if self.by_fingerprint.get(&f).is_some_and(|x| x == ven_id) {
                    self.by_fingerprint.remove(&f);
                }
            }
        }
        self.deliveries.remove(ven_id);
        self.queue.remove(ven_id);
        self.report_requests.remove(ven_id);
        self.metadata.remove(ven_id);
        self.opts.remove(ven_id);
        self.write(Write::DeleteVen(ven_id.to_owned()));
    }

    /// Registered VENs, in venID order.
    pub fn vens(&self) -> Vec<&VenRecord> {
        let mut v: Vec<_> = self.vens.values().collect();
        v.sort_by(|a, b| a.ven_id.cmp(&b.ven_id));
        v
    }

    /// One VEN.
    pub fn ven(&self, ven_id: &str) -> Option<&VenRecord> {
        self.vens.get(ven_id)
    }

    /// The venID registered under this oadrVenName, if exactly one.
    pub fn ven_by_name(&self, name: &str) -> Option<&VenRecord> {
        let mut it = self
            .vens
            .values()
            .filter(|v| v.ven_name.as_deref() == Some(name));
        let first = it.next()?;
        it.next().is_none().then_some(first)
    }

    /// Events, in eventID order.
    pub fn events(&self) -> impl Iterator<Item = &EventRecord> {
        self.events.values()
    }

    /// One event.
    pub fn event(&self, event_id: &str) -> Option<&EventRecord> {
        self.events.get(event_id)
    }

    /// How each VEN stands with an event.
    pub fn deliveries_of(&self, event_id: &str) -> Vec<&Delivery> {
        self.deliveries
            .values()
            .filter_map(|m| m.get(event_id))
            .collect()
    }

    /// Report requests, all VENs.
    pub fn report_requests(&self) -> impl Iterator<Item = &ReportRequestRecord> {
        self.report_requests.values().flatten()
    }

    /// The METADATA reports a VEN offered.
    pub fn metadata(&self, ven_id: &str) -> &[Report] {
        self.metadata.get(ven_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Opts, all VENs.
    pub fn opts(&self) -> impl Iterator<Item = &OptRecord> {
        self.opts.values().flatten()
    }

    /// Number of payloads queued for a VEN.
    pub fn queued(&self, ven_id: &str) -> usize {
        self.queue.get(ven_id).map_or(0, VecDeque::len)
    }
}
