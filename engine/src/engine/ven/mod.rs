//! The VEN side of OpenADR 2.0b as a state machine that does no I/O (design.md).
//!
//! [`VenEngine`] is driven by four kinds of input and produces [`Output`]s:
//!
//! - replies to the payloads it asked to send ([`VenEngine::handle_reply`],
//!   [`VenEngine::handle_failure`]), including whatever a poll returns;
//! - VTN-initiated payloads pushed to the VEN ([`VenEngine::handle_pushed`], push mode);
//! - timer expirations ([`VenEngine::next_timeout`], [`VenEngine::handle_timeout`]);
//! - user commands and handler answers ([`VenEngine::decide_event`],
//!   [`VenEngine::provide_readings`], [`VenEngine::create_opt`], [`VenEngine::cancel_opt`],
//!   [`VenEngine::cancel_registration`]).
//!
//! Outputs are drained with [`VenEngine::poll_output`]: payloads to send with their
//! [`Service`], registration state to persist, notifications for handlers, event opt
//! decisions to make and report readings to collect. The transport (pull, push, XMPP) only
//! moves bytes; every protocol decision is made here, and tests drive the engine with a
//! [`crate::engine::FakeClock`]'s instants.
//!
//! The engine never panics on peer input: unexpected payloads become
//! [`Notification::Unexpected`] and, where the VTN expects an answer, an error response code
//! (spec digest §10).

mod events;
mod opts;
mod registration;
mod reports;
mod rng;
#[cfg(test)]
mod tests;

use crate::model::{
    Event, Message, OptReason, OptType, ReportName, ReportValue, ResponseCode, Targets,
    UpdateReport, Vavailability,
};
use crate::transport::Service;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, VecDeque};

pub use events::EventPhase;
pub use registration::Registration;
pub use reports::OfferedReport;

/// Identifies one VEN-initiated exchange (a payload sent and its reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeId(pub u64);

/// Identifies one request for readings ([`Output::Read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReadToken(pub u64);

/// How the VEN is configured; fixed for the engine's life.
#[derive(Debug, Clone)]
pub struct VenConfig {
    /// `oadrVenName`.
    pub ven_name: String,
    /// A preassigned venID, sent in oadrCreatePartyRegistration (spec digest §4).
    pub ven_id: Option<String>,
    /// `oadrXmlSignature`: whether this VEN signs its payloads.
    pub xml_signature: bool,
    /// `oadrReportOnly`.
    pub report_only: bool,
    /// `oadrHttpPullModel` (false: push to `transport_address`).
    pub http_pull_model: bool,
    /// `oadrTransportAddress` (push mode; the VEN's full JID over XMPP).
    pub transport_address: Option<String>,
    /// `oadrTransportName`: `simpleHttp` (pull or push) or `xmpp` (spec digest §2, §3).
    pub transport_name: crate::model::TransportName,
    /// The poll interval when the VTN requests none (§9.1.8: local policy).
    pub default_poll_interval: chrono::Duration,
    /// Upper bound of the random delay added to each poll interval. Jitter only lengthens
    /// the interval, so polls never come more often than oadrRequestedOadrPollFreq.
    pub poll_jitter: chrono::Duration,
    /// First and last delay between registration attempts (doubling in between).
    pub retry_backoff: (chrono::Duration, chrono::Duration),
    /// The reports this VEN offers (sent as METADATA in oadrRegisterReport).
    pub offered_reports: Vec<OfferedReport>,
    /// Seed for request ids, jitter and startafter randomisation.
    pub seed: u64,
}

impl VenConfig {
    /// A pull-mode VEN named `ven_name` with 10 s default polling and no reports.
    pub fn new(ven_name: impl Into<String>) -> VenConfig {
        VenConfig {
            ven_name: ven_name.into(),
            ven_id: None,
            xml_signature: false,
            report_only: false,
            http_pull_model: true,
            transport_address: None,
            transport_name: crate::model::TransportName::SimpleHttp,
            default_poll_interval: chrono::Duration::seconds(10),
            poll_jitter: chrono::Duration::seconds(1),
            retry_backoff: (chrono::Duration::seconds(5), chrono::Duration::minutes(5)),
            offered_reports: Vec::new(),
            seed: 0x5EED,
        }
    }
}

/// A payload the engine wants sent to the VTN.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Pass back to [`VenEngine::handle_reply`] / [`VenEngine::handle_failure`].
    pub id: ExchangeId,
    /// The service endpoint to POST to.
    pub service: Service,
    /// The payload.
    pub message: Message,
}

/// Readings the engine needs from the user's data sources.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRequest {
    /// Pass back to [`VenEngine::provide_readings`].
    pub token: ReadToken,
    /// The VTN's `reportRequestID`.
    pub report_request_id: String,
    /// The offered report's `reportSpecifierID`.
    pub report_specifier_id: String,
    /// The data report name (e.g. `TELEMETRY_USAGE`).
    pub report_name: ReportName,
    /// The requested data points (`rID`s), in request order.
    pub r_ids: Vec<String>,
    /// What to read.
    pub kind: ReadKind,
}

/// What a [`ReadRequest`] asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadKind {
    /// The current value of each data point (telemetry), stamped `at`.
    Sample {
        /// The sampling instant.
        at: DateTime<Utc>,
    },
    /// Stored values over `[start, end)` (HISTORY_USAGE), one per `granularity` if non-zero.
    History {
        /// Window start.
        start: DateTime<Utc>,
        /// Window end.
        end: DateTime<Utc>,
        /// Requested spacing (zero: whatever the source has).
        granularity: chrono::Duration,
    },
}

/// One reading returned by a data source.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The data point.
    pub r_id: String,
    /// When the value applies.
    pub at: DateTime<Utc>,
    /// The value (`payloadFloat` or `oadrPayloadResourceStatus`).
    pub value: ReportValue,
}

/// What an opt refers to (spec digest §7).
#[derive(Debug, Clone, PartialEq)]
pub enum OptTarget {
    /// One event (`qualifiedEventID`).
    Event {
        /// `eventID`.
        event_id: String,
        /// `modificationNumber`.
        modification_number: u32,
    },
    /// An availability schedule (`vavailability`), independent of events.
    Availability(Vavailability),
}

/// A user's opt, for [`VenEngine::create_opt`].
#[derive(Debug, Clone, PartialEq)]
pub struct OptSpec {
    /// `optIn` / `optOut`.
    pub opt_type: OptType,
    /// `optReason`.
    pub opt_reason: OptReason,
    /// What it refers to.
    pub target: OptTarget,
    /// `eiTarget` (resources concerned; empty: the whole VEN).
    pub targets: Targets,
    /// `marketContext`.
    pub market_context: Option<String>,
    /// A fixed `optID` (otherwise generated).
    pub opt_id: Option<String>,
}

/// Something that happened, for handlers and logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Notification {
    /// Registered (or re-registered) with the VTN.
    Registered(Registration),
    /// The VTN refused registration, or the exchange failed; another attempt is scheduled.
    RegistrationFailed {
        /// The VTN's response code, if it answered.
        code: Option<ResponseCode>,
        /// Description or transport error.
        description: String,
        /// When the next attempt is made.
        retry_at: DateTime<Utc>,
    },
    /// The registration is gone (`by_vtn`: the VTN cancelled it).
    RegistrationCancelled {
        /// Whether the VTN initiated the cancellation.
        by_vtn: bool,
    },
    /// An event's active period began (after the startafter offset).
    EventStarted {
        /// `eventID`.
        event_id: String,
        /// `modificationNumber`.
        modification_number: u32,
        /// The random delay applied (`startafter`).
        offset: chrono::Duration,
    },
    /// A signal interval began.
    IntervalStarted {
        /// `eventID`.
        event_id: String,
        /// `signalID`.
        signal_id: String,
        /// Position of the signal in the event.
        signal_index: usize,
        /// The interval `uid` (or its position when absent).
        uid: u32,
        /// The interval's payload value(s).
        values: Vec<f32>,
    },
    /// An event's active period ended (completion).
    EventEnded {
        /// `eventID`.
        event_id: String,
    },
    /// An event was cancelled, explicitly or implicitly (absent from a later distribute).
    EventCancelled {
        /// `eventID`.
        event_id: String,
        /// True when the event vanished from an oadrDistributeEvent (implied cancel).
        implicit: bool,
        /// Whether its start callback had already run.
        was_active: bool,
    },
    /// The VTN requested a report.
    ReportRequested {
        /// `reportRequestID`.
        report_request_id: String,
        /// `reportSpecifierID`.
        report_specifier_id: String,
    },
    /// A report request ended (cancelled or its window closed).
    ReportFinished {
        /// `reportRequestID`.
        report_request_id: String,
        /// True if the VTN cancelled it.
        cancelled: bool,
    },
    /// An oadrUpdateReport was queued for sending.
    ReportSent {
        /// `reportRequestID`.
        report_request_id: String,
        /// Number of intervals in it.
        intervals: usize,
    },
    /// The VTN sent report data (oadrUpdateReport).
    VtnReport(UpdateReport),
    /// The VTN answered an oadrCreateOpt.
    OptCreated {
        /// `optID`.
        opt_id: String,
        /// The VTN's code.
        code: ResponseCode,
    },
    /// The VTN answered an oadrCancelOpt.
    OptCancelled {
        /// `optID`.
        opt_id: String,
        /// The VTN's code.
        code: ResponseCode,
    },
    /// The VTN answered with an error code.
    VtnError {
        /// The payload that was answered.
        request: &'static str,
        /// The code.
        code: ResponseCode,
        /// Its description.
        description: Option<String>,
    },
    /// An exchange failed at the transport level after the transport's own retries.
    ExchangeFailed {
        /// The payload that could not be delivered.
        request: &'static str,
        /// Why.
        error: String,
    },
    /// A payload that does not fit the protocol state (ignored).
    Unexpected {
        /// Its type.
        message_type: &'static str,
        /// Why it was ignored.
        reason: String,
    },
}

/// The engine's outputs, drained with [`VenEngine::poll_output`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Output {
    /// Send a payload to the VTN and report the reply.
    Send(Box<Outgoing>),
    /// Store the registration (`None`: delete it) so that a restart reuses it.
    Persist(Option<Registration>),
    /// Ask the handler whether to opt in; answer with [`VenEngine::decide_event`].
    DecideEvent {
        /// The event (new or modified).
        event: Box<Event>,
        /// True for a new modificationNumber of a known event.
        modified: bool,
    },
    /// Collect readings; answer with [`VenEngine::provide_readings`].
    Read(ReadRequest),
    /// Something for handlers and logs.
    Notify(Notification),
}

/// Errors of user commands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VenError {
    /// The command needs a registration (venID) and there is none.
    #[error("not registered with the VTN (response code 463 would follow)")]
    NotRegistered,
    /// No opt with this `optID` was created.
    #[error("unknown optID {0:?}")]
    UnknownOpt(String),
    /// A cancellation is already under way.
    #[error("registration cancellation already in progress")]
    CancelInProgress,
}

/// Where the registration flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Querying,
    Creating,
    Registered,
    Cancelling,
    /// Waiting for `retry_at` to start over.
    Backoff,
    /// Cancelled by either side; nothing more happens until restarted.
    Cancelled,
}

/// What a sent payload was, to interpret its reply.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Query,
    Create,
    RegisterReport,
    Poll {
        initial: bool,
    },
    /// `pushed`: how many pushed oadrDistributeEvents the VEN had received when it asked.
    RequestEvent {
        pushed: u64,
    },
    CreatedEvent,
    CreatedReport,
    UpdateReport,
    CanceledReport,
    CreateOpt(String),
    CancelOpt(String),
    CancelRegistration,
    /// An answer to a VTN-initiated payload (oadrResponse, oadrCanceledPartyRegistration,
    /// oadrRegisteredReport, oadrUpdatedReport): its reply needs no action.
    Answer(&'static str),
}

/// The VEN protocol engine. See the module documentation.
#[derive(Debug)]
pub struct VenEngine {
    cfg: VenConfig,
    rng: rng::Rng,
    phase: Phase,
    reg: Option<Registration>,
    next_exchange: u64,
    pending: HashMap<ExchangeId, Pending>,
    out: VecDeque<Output>,
    next_poll: Option<DateTime<Utc>>,
    poll_in_flight: bool,
    retry_at: Option<DateTime<Utc>>,
    backoff: chrono::Duration,
    events: events::EventBook,
    reports: reports::ReportBook,
    opts: BTreeMap<String, OptSpec>,
}

impl VenEngine {
    /// A new engine; `persisted` is a registration stored by an earlier run
    /// ([`Output::Persist`]), reused if it belongs to the same VEN name.
    pub fn new(cfg: VenConfig, persisted: Option<Registration>) -> VenEngine {
        let reg = persisted.filter(|r| r.ven_name == cfg.ven_name);
        VenEngine {
            rng: rng::Rng::new(cfg.seed),
            backoff: cfg.retry_backoff.0,
            reports: reports::ReportBook::new(cfg.offered_reports.clone()),
            cfg,
            phase: Phase::Idle,
            reg,
            next_exchange: 0,
            pending: HashMap::new(),
            out: VecDeque::new(),
            next_poll: None,
            poll_in_flight: false,
            retry_at: None,
            events: events::EventBook::default(),
            opts: BTreeMap::new(),
        }
    }

    /// Begin: reuse a persisted registration, or query and register.
    pub fn start(&mut self, now: DateTime<Utc>) {
        if self.phase != Phase::Idle {
            return;
        }
        if self.reg.is_some() {
            self.phase = Phase::Registered;
            self.after_registration(now);
        } else {
            self.send_query();
        }
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// The current registration.
    pub fn registration(&self) -> Option<&Registration> {
        self.reg.as_ref()
    }

    /// Whether the VEN is registered and running.
    pub fn is_registered(&self) -> bool {
        self.phase == Phase::Registered
    }

    /// The known events with their phase (new, opted in/out, active, finished, cancelled).
    pub fn events(&self) -> impl Iterator<Item = (&Event, EventPhase)> {
        self.events.iter()
    }

    /// The `reportRequestID`s currently open.
    pub fn pending_reports(&self) -> Vec<String> {
        self.reports.pending_ids()
    }

    /// When [`VenEngine::handle_timeout`] must next be called.
    pub fn next_timeout(&self) -> Option<DateTime<Utc>> {
        let mut t: Option<DateTime<Utc>> = None;
        let mut consider = |x: Option<DateTime<Utc>>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        if self.phase == Phase::Registered && !self.poll_in_flight {
            consider(self.next_poll);
        }
        if self.phase == Phase::Backoff {
            consider(self.retry_at);
        }
        if self.phase == Phase::Registered {
            consider(self.events.next_due());
            consider(self.reports.next_due());
        }
        t
    }

    /// Run everything due at `now`.
    pub fn handle_timeout(&mut self, now: DateTime<Utc>) {
        if self.phase == Phase::Backoff && self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.send_query();
            return;
        }
        if self.phase != Phase::Registered {
            return;
        }
        if !self.poll_in_flight && self.next_poll.is_some_and(|t| t <= now) {
            self.send_poll(false, now);
        }
        self.fire_events(now);
        self.run_reports(now);
    }

    /// The reply to exchange `id`.
    pub fn handle_reply(&mut self, id: ExchangeId, reply: Message, now: DateTime<Utc>) {
        let Some(what) = self.pending.remove(&id) else {
            self.unexpected(&reply, "reply to an exchange the engine did not start");
            return;
        };
        if self.lost_registration(&what, &reply, now) {
            return;
        }
        match what {
            Pending::Query => self.on_query_reply(reply, now),
            Pending::Create => self.on_create_reply(reply, now),
            Pending::RegisterReport => self.on_registered_report(reply, now),
            Pending::Poll { initial } => self.on_poll_reply(reply, initial, now),
            Pending::RequestEvent { pushed } => self.on_request_event_reply(reply, pushed, now),
            Pending::CreateOpt(opt_id) => self.on_opt_reply(opt_id, reply, false),
            Pending::CancelOpt(opt_id) => self.on_opt_reply(opt_id, reply, true),
            Pending::CancelRegistration => self.on_cancel_reply(reply),
            Pending::UpdateReport => self.on_updated_report(reply, now),
            Pending::CreatedEvent | Pending::CreatedReport | Pending::CanceledReport => {
                self.check_ack(what_name(&what), &reply)
            }
            Pending::Answer(name) => self.check_ack(name, &reply),
        }
    }

    /// Exchange `id` failed at the transport level (after the transport's retries).
    pub fn handle_failure(&mut self, id: ExchangeId, error: String, now: DateTime<Utc>) {
        let Some(what) = self.pending.remove(&id) else {
            return;
        };
        let request = what_name(&what);
        match what {
            Pending::Query | Pending::Create => self.registration_failed(None, error, now),
            Pending::Poll { .. } => {
                self.poll_in_flight = false;
                self.schedule_poll(now);
                self.notify(Notification::ExchangeFailed { request, error });
            }
            Pending::CancelRegistration => {
                self.phase = Phase::Registered;
                self.notify(Notification::ExchangeFailed { request, error });
            }
            _ => self.notify(Notification::ExchangeFailed { request, error }),
        }
    }

    /// Exchange `id` got an empty HTTP 200 body. OpenLEADR answers a VEN's oadrResponse
    /// that way; for any other payload it is a failure.
    pub fn handle_empty_reply(&mut self, id: ExchangeId, now: DateTime<Utc>) {
        match self.pending.get(&id) {
            Some(Pending::Answer(_)) => {
                self.pending.remove(&id);
            }
            Some(_) => self.handle_failure(id, "empty reply".into(), now),
            None => {}
        }
    }

    /// A VTN-initiated payload pushed to the VEN (push mode, XMPP). Returns the payload to
    /// answer with in the same exchange; follow-ups (oadrCreatedEvent, the re-registration)
    /// come out as [`Output::Send`].
    pub fn handle_pushed(&mut self, msg: Message, now: DateTime<Utc>) -> Message {
        self.dispatch_vtn_request(msg, now, true)
            .unwrap_or_else(|| self.response(ResponseCode::OK, ""))
    }

    fn dispatch_vtn_request(
        &mut self,
        msg: Message,
        now: DateTime<Utc>,
        pushed: bool,
    ) -> Option<Message> {
        let answer = match msg {
            Message::DistributeEvent(d) => {
                if pushed {
                    self.events.pushed += 1;
                }
                self.on_distribute(d, now);
                pushed.then(|| self.response(ResponseCode::OK, ""))
            }
            Message::CreateReport(c) => Some(self.on_create_report(c, now)),
            Message::RegisterReport(r) => Some(self.on_vtn_register_report(r)),
            Message::CancelReport(c) => Some(self.on_cancel_report(c, now)),
            Message::UpdateReport(u) => Some(self.on_vtn_update_report(u)),
            Message::RequestReregistration(_) => {
                let ack = self.response(ResponseCode::OK, "");
                self.reregister_soon(pushed, ack.clone());
                return pushed.then_some(ack);
            }
            Message::CancelPartyRegistration(c) => Some(self.on_vtn_cancel(c)),
            Message::Response(r) => {
                if !r.response.response_code.is_success() {
                    self.notify(Notification::VtnError {
                        request: "oadrPoll",
                        code: r.response.response_code,
                        description: r.response.response_description,
                    });
                }
                None
            }
            other => {
                let t = other.message_type();
                self.unexpected(&other, "not a VTN-initiated payload");
                pushed.then(|| self.response(ResponseCode::NOT_RECOGNIZED, t))
            }
        };
        match answer {
            Some(a) if !pushed => {
                let name = a.message_type();
                self.send(Pending::Answer(name), a);
                None
            }
            a => a,
        }
    }

    // ---- plumbing shared by the submodules ----

    fn ven_id(&self) -> String {
        self.reg
            .as_ref()
            .map(|r| r.ven_id.clone())
            .or_else(|| self.cfg.ven_id.clone())
            .unwrap_or_default()
    }

    fn send(&mut self, what: Pending, message: Message) -> ExchangeId {
        let id = ExchangeId(self.next_exchange);
        self.next_exchange += 1;
        // oadrResponse has no service of its own; the VEN only sends one to acknowledge
        // oadrRequestReregistration, on EiRegisterParty (spec digest §1).
        let service =
            Service::for_message(message.message_type()).unwrap_or(Service::EiRegisterParty);
        self.pending.insert(id, what);
        self.out.push_back(Output::Send(Box::new(Outgoing {
            id,
            service,
            message,
        })));
        id
    }

    fn notify(&mut self, n: Notification) {
        self.out.push_back(Output::Notify(n));
    }

    fn unexpected(&mut self, msg: &Message, reason: &str) {
        self.notify(Notification::Unexpected {
            message_type: msg.message_type(),
            reason: reason.to_owned(),
        });
    }

    fn response(&mut self, code: ResponseCode, request_id: &str) -> Message {
        let response = if code.is_success() {
            crate::model::EiResponse::ok(request_id)
        } else {
            crate::model::EiResponse::error(code, request_id)
        };
        Message::Response(crate::model::Response {
            response,
            ven_id: Some(self.ven_id()),
        })
    }

    /// Log a non-200 answer to a payload whose reply needs no further action.
    fn check_ack(&mut self, request: &'static str, reply: &Message) {
        if let Some(r) = ei_response(reply) {
            if !r.response_code.is_success() {
                let (code, description) = (r.response_code, r.response_description.clone());
                self.notify(Notification::VtnError {
                    request,
                    code,
                    description,
                });
            }
        }
    }
}

/// The `ei:eiResponse` of a reply, when it has one.
#[doc(hidden)] // for the `vtn` runtime in the `oadr` crate
pub fn ei_response(m: &Message) -> Option<&crate::model::EiResponse> {
    Some(match m {
        Message::Response(r) => &r.response,
        Message::CreatedPartyRegistration(r) => &r.response,
        Message::CanceledPartyRegistration(r) => &r.response,
        Message::RegisteredReport(r) => &r.response,
        Message::CreatedReport(r) => &r.response,
        Message::UpdatedReport(r) => &r.response,
        Message::CanceledReport(r) => &r.response,
        Message::CreatedOpt(r) => &r.response,
        Message::CanceledOpt(r) => &r.response,
        Message::CreatedEvent(r) => &r.response,
        Message::DistributeEvent(d) => d.response.as_ref()?,
        _ => return None,
    })
}

fn what_name(p: &Pending) -> &'static str {
    match p {
        Pending::Query => "oadrQueryRegistration",
        Pending::Create => "oadrCreatePartyRegistration",
        Pending::RegisterReport => "oadrRegisterReport",
        Pending::Poll { .. } => "oadrPoll",
        Pending::RequestEvent { .. } => "oadrRequestEvent",
        Pending::CreatedEvent => "oadrCreatedEvent",
        Pending::CreatedReport => "oadrCreatedReport",
        Pending::UpdateReport => "oadrUpdateReport",
        Pending::CanceledReport => "oadrCanceledReport",
        Pending::CreateOpt(_) => "oadrCreateOpt",
        Pending::CancelOpt(_) => "oadrCancelOpt",
        Pending::CancelRegistration => "oadrCancelPartyRegistration",
        Pending::Answer(n) => n,
    }
}
