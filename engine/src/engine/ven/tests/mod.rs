//! Engine tests: a harness that plays the VTN by hand, driven by a [`FakeClock`]. No
//! sockets, no sleeps.

mod events;
mod opts;
mod registration;
mod reports;

use super::*;
use crate::engine::{Clock, FakeClock};
use crate::model::*;
use chrono::TimeZone;

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap()
}

pub(super) fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// Drives a [`VenEngine`] and records what it emits.
pub(super) struct H {
    pub e: VenEngine,
    pub clock: FakeClock,
    pub sent: Vec<Outgoing>,
    pub notes: Vec<Notification>,
    pub decisions: Vec<(Event, bool)>,
    pub reads: Vec<ReadRequest>,
    pub persisted: Vec<Option<Registration>>,
}

impl H {
    pub fn new(cfg: VenConfig) -> H {
        H::with_state(cfg, None)
    }

    pub fn with_state(cfg: VenConfig, reg: Option<Registration>) -> H {
        H {
            e: VenEngine::new(cfg, reg),
            clock: FakeClock::new(t0()),
            sent: Vec::new(),
            notes: Vec::new(),
            decisions: Vec::new(),
            reads: Vec::new(),
            persisted: Vec::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn drain(&mut self) {
        while let Some(o) = self.e.poll_output() {
            match o {
                Output::Send(s) => self.sent.push(*s),
                Output::Persist(p) => self.persisted.push(p),
                Output::DecideEvent { event, modified } => self.decisions.push((*event, modified)),
                Output::Read(r) => self.reads.push(r),
                Output::Notify(n) => self.notes.push(n),
            }
        }
    }

    pub fn start(&mut self) {
        let now = self.now();
        self.e.start(now);
        self.drain();
    }

    /// The oldest sent payload not yet taken; it must be of type `ty`.
    pub fn take(&mut self, ty: &str) -> Outgoing {
        self.drain();
        assert!(!self.sent.is_empty(), "expected {ty}, nothing was sent");
        let o = self.sent.remove(0);
        assert_eq!(o.message.message_type(), ty, "sent: {:?}", o.message);
        o
    }

    pub fn nothing_sent(&mut self) {
        self.drain();
        assert!(self.sent.is_empty(), "unexpected sends: {:?}", self.sent);
    }

    pub fn reply(&mut self, id: ExchangeId, m: impl Into<Message>) {
        let now = self.now();
        self.e.handle_reply(id, m.into(), now);
        self.drain();
    }

    /// Answer `id` with a plain 200 oadrResponse.
    pub fn ok(&mut self, id: ExchangeId) {
        let ven = self.e.ven_id();
        self.reply(id, response(200, &ven));
    }

    /// Move the clock by `by`, firing every timer on the way at its exact instant.
    pub fn advance(&mut self, by: chrono::Duration) {
        let end = self.now() + by;
        let mut guard = 0;
        while let Some(t) = self.e.next_timeout().filter(|t| *t <= end) {
            guard += 1;
            assert!(guard < 10_000, "timer loop");
            if t > self.now() {
                self.clock.set(t);
            }
            let now = self.now();
            self.e.handle_timeout(now);
            self.drain();
        }
        self.clock.set(end);
    }

    pub fn decide(&mut self, id: &str, m: u32, opt: OptType) -> bool {
        let now = self.now();
        let r = self.e.decide_event(id, m, opt, now);
        self.drain();
        r
    }

    pub fn has_note(&self, f: impl Fn(&Notification) -> bool) -> bool {
        self.notes.iter().any(f)
    }

    /// Registration through query → create → (METADATA) → poll → request event, with the
    /// given poll frequency; leaves the engine idle and registered.
    pub fn register(&mut self, poll_freq: Option<Duration>) {
        self.start();
        let q = self.take("oadrQueryRegistration");
        self.reply(q.id, created_registration(None, None, poll_freq));
        let c = self.take("oadrCreatePartyRegistration");
        self.reply(
            c.id,
            created_registration(Some("ven-1"), Some("reg-1"), poll_freq),
        );
        if self.e.reports.has_offers() {
            let r = self.take("oadrRegisterReport");
            self.reply(
                r.id,
                RegisteredReport {
                    response: EiResponse::ok(request_id(&r.message)),
                    report_requests: vec![],
                    ven_id: Some("ven-1".into()),
                },
            );
        }
        let p = self.take("oadrPoll");
        self.ok(p.id);
        let re = self.take("oadrRequestEvent");
        self.reply(re.id, distribute("d0", vec![]));
        self.nothing_sent();
    }
}

pub(super) fn response(code: u16, ven: &str) -> Response {
    Response {
        response: EiResponse::error(ResponseCode(code), ""),
        ven_id: Some(ven.into()),
    }
}

pub(super) fn created_registration(
    ven: Option<&str>,
    reg: Option<&str>,
    poll_freq: Option<Duration>,
) -> CreatedPartyRegistration {
    CreatedPartyRegistration {
        response: EiResponse::ok("r"),
        registration_id: reg.map(Into::into),
        ven_id: ven.map(Into::into),
        vtn_id: "vtn-1".into(),
        profiles: vec![Profile {
            profile_name: ProfileName::B20,
            transports: vec![Transport {
                transport_name: TransportName::SimpleHttp,
            }],
        }],
        requested_oadr_poll_freq: poll_freq,
        service_specific_info: None,
        extensions: None,
    }
}

pub(super) fn distribute(request_id: &str, events: Vec<Event>) -> DistributeEvent {
    DistributeEvent {
        response: None,
        request_id: request_id.into(),
        vtn_id: "vtn-1".into(),
        events,
    }
}

pub(super) fn request_id(m: &Message) -> String {
    match m {
        Message::RegisterReport(r) => r.request_id.clone(),
        Message::CreatePartyRegistration(r) => r.request_id.clone(),
        Message::QueryRegistration(r) => r.request_id.clone(),
        Message::CancelPartyRegistration(r) => r.request_id.clone(),
        Message::UpdateReport(r) => r.request_id.clone(),
        Message::CreateOpt(r) => r.request_id.clone(),
        Message::CancelOpt(r) => r.request_id.clone(),
        other => panic!("no request id in {other:?}"),
    }
}

pub(super) fn registration() -> Registration {
    Registration {
        ven_name: "ven-name".into(),
        ven_id: "ven-1".into(),
        registration_id: "reg-1".into(),
        vtn_id: "vtn-1".into(),
        poll_freq: Some(Duration::seconds(10)),
    }
}

pub(super) fn cfg() -> VenConfig {
    VenConfig::new("ven-name")
}
