//! The VTN's push loop: VTN-initiated payloads for VENs that do not poll (HTTP push, spec
//! digest §2; XMPP, §3) are sent to them through a [`Deliver`] transport.
//!
//! Per VEN, one payload at a time, in queue order. A payload counts as delivered once the VEN
//! answered it with a valid reply (HTTP 200 carrying an answer the engine accepts, signature
//! checked as for any payload the VEN sends); until then it stays queued in the engine and in
//! the store, so neither a VEN that is down nor a VTN restart loses it. Failed attempts are
//! retried after an exponential [`Backoff`]; there is no limit on attempts while the VEN stays
//! registered, only on the delay between them.
//!
//! The loop wakes when the engine changed (an operator command, a payload from a VEN) and
//! every [`PushOptions::rescan`] to redeliver unanswered events (`redeliver_after`) and to
//! retry failed VENs whose backoff expired.

use super::deliver::{Deliver, Destination};
use super::Vtn;
use crate::engine::vtn::PushItem;
use crate::model::Message;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;

/// Delays between failed attempts: `first`, doubling after each further failure, never more
/// than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub first: chrono::Duration,
    /// Longest delay.
    pub max: chrono::Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: chrono::Duration::seconds(1),
            max: chrono::Duration::minutes(5),
        }
    }
}

impl Backoff {
    /// The delay after `failures` consecutive failures (at least 1).
    pub fn delay(&self, failures: u32) -> chrono::Duration {
        let doublings = failures.saturating_sub(1).min(30);
        let d = self.first * 2i32.pow(doublings);
        d.min(self.max).max(chrono::Duration::zero())
    }
}

/// How the push loop paces itself.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Delays between failed attempts to reach a VEN.
    pub backoff: Backoff,
    /// Period of the full scan of push VENs (redelivery and retries).
    pub rescan: std::time::Duration,
    /// Deliveries in flight at once, all VENs together.
    pub concurrency: usize,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            backoff: Backoff::default(),
            rescan: std::time::Duration::from_secs(1),
            concurrency: 64,
        }
    }
}

/// Which VENs the loop must look at: set by the runtime when the engine changes.
#[derive(Debug, Default)]
pub(crate) struct PushSignal {
    notify: Notify,
    dirty: Mutex<Dirty>,
}

#[derive(Debug, Default)]
struct Dirty {
    all: bool,
    vens: HashSet<String>,
}

impl PushSignal {
    /// Something changed for this VEN (`None`: for any VEN).
    pub(crate) fn touch(&self, ven_id: Option<String>) {
        {
            let mut d = self.dirty.lock().unwrap_or_else(|e| e.into_inner());
            match ven_id {
                Some(v) if !d.all => {
                    d.vens.insert(v);
                }
                Some(_) => {}
                None => {
                    d.all = true;
                    d.vens.clear();
                }
            }
        }
        self.notify.notify_one();
    }

    fn take(&self) -> Dirty {
        std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Where each push VEN stands: a delivery in flight, or failures and the time of the next
/// attempt.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    vens: HashMap<String, VenPush>,
}

#[derive(Debug, Default, Clone, Copy)]
struct VenPush {
    in_flight: bool,
    failures: u32,
    retry_at: Option<DateTime<Utc>>,
}

impl Tracker {
    /// Whether an attempt for this VEN may start at `now` (none in flight, backoff over);
    /// if so it is marked in flight.
    pub(crate) fn begin(&mut self, ven_id: &str, now: DateTime<Utc>) -> bool {
        let v = self.vens.entry(ven_id.to_owned()).or_default();
        if v.in_flight || v.retry_at.is_some_and(|t| now < t) {
            return false;
        }
        v.in_flight = true;
        true
    }

    /// The attempt failed at `now`: the next one waits per `backoff`. Returns its time.
    pub(crate) fn failed(
        &mut self,
        ven_id: &str,
        now: DateTime<Utc>,
        backoff: &Backoff,
    ) -> DateTime<Utc> {
        let v = self.vens.entry(ven_id.to_owned()).or_default();
        v.in_flight = false;
        v.failures = v.failures.saturating_add(1);
        let at = now + backoff.delay(v.failures);
        v.retry_at = Some(at);
        at
    }

    /// Everything pending for this VEN was delivered.
    pub(crate) fn done(&mut self, ven_id: &str) {
        self.vens.remove(ven_id);
    }

    /// The consecutive failures of a VEN.
    pub(crate) fn failures(&self, ven_id: &str) -> u32 {
        self.vens.get(ven_id).map_or(0, |v| v.failures)
    }

    /// The earliest pending retry.
    pub(crate) fn next_retry(&self) -> Option<DateTime<Utc>> {
        self.vens
            .values()
            .filter(|v| !v.in_flight)
            .filter_map(|v| v.retry_at)
            .min()
    }
}

enum Step {
    /// Nothing more to send.
    Idle,
    /// Delivered; look for the next payload.
    Delivered,
    /// Failed: retry later.
    Failed(String),
}

impl Vtn {
    /// VTN-initiated payloads queued for a VEN and not yet delivered (by push or poll).
    pub fn queued(&self, ven_id: &str) -> usize {
        self.engine().queued(ven_id)
    }

    /// Run the push loop until `shutdown` turns true: every registered push VEN served by one
    /// of `transports` gets its VTN-initiated payloads. The engine must accept push
    /// registrations ([`crate::engine::vtn::VtnConfig::accept_push`], `accept_xmpp`).
    pub async fn push_loop(
        &self,
        transports: Vec<Arc<dyn Deliver>>,
        options: PushOptions,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let transports = Arc::new(transports);
        let tracker = Arc::new(Mutex::new(Tracker::default()));
        let slots = Arc::new(Semaphore::new(options.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let signal = self.inner.push.clone();
        let mut full_scan = true;
        loop {
            let candidates = {
                let dirty = signal.take();
                let engine = self.engine();
                let all = engine.push_vens();
                let scan: Vec<String> = if full_scan || dirty.all {
                    all
                } else {
                    all.into_iter().filter(|v| dirty.vens.contains(v)).collect()
                };
                scan.into_iter()
                    .filter(|v| engine.push_pending(v))
                    .collect::<Vec<_>>()
            };
            let now = self.inner.clock.now();
            for ven_id in candidates {
                if !lock(&tracker).begin(&ven_id, now) {
                    continue;
                }
                let vtn = self.clone();
                let (transports, tracker, slots) =
                    (transports.clone(), tracker.clone(), slots.clone());
                let backoff = options.backoff;
                tasks.spawn(async move {
                    let Ok(_permit) = slots.acquire_owned().await else {
                        return;
                    };
                    vtn.serve_ven(&ven_id, &transports, &tracker, &backoff)
                        .await;
                });
            }
            while tasks.try_join_next().is_some() {}
            let wait = {
                let next = lock(&tracker).next_retry();
                let until_retry = next
                    .map(|t| (t - self.inner.clock.now()).to_std().unwrap_or_default())
                    .unwrap_or(options.rescan);
                until_retry.min(options.rescan)
            };
            tokio::select! {
                _ = signal.notify.notified() => full_scan = false,
                _ = tokio::time::sleep(wait) => full_scan = true,
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break; // the switch is gone: nobody can stop us later
                    }
                }
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }

    /// Deliver everything pending for one VEN, one payload after the other, until nothing is
    /// left or an attempt fails.
    async fn serve_ven(
        &self,
        ven_id: &str,
        transports: &[Arc<dyn Deliver>],
        tracker: &Mutex<Tracker>,
        backoff: &Backoff,
    ) {
        loop {
            match self.push_one(ven_id, transports).await {
                Step::Idle => {
                    lock(tracker).done(ven_id);
                    return;
                }
                Step::Delivered => {}
                Step::Failed(why) => {
                    let now = self.inner.clock.now();
                    let mut t = lock(tracker);
                    let at = t.failed(ven_id, now, backoff);
                    tracing::warn!(
                        ven_id,
                        failures = t.failures(ven_id),
                        retry_at = %at,
                        "push failed: {why}"
                    );
                    return;
                }
            }
        }
    }

    async fn push_one(&self, ven_id: &str, transports: &[Arc<dyn Deliver>]) -> Step {
        let (item, dest) = {
            let mut engine = self.engine();
            let Some(dest) = engine.ven(ven_id).and_then(Destination::of) else {
                return Step::Idle;
            };
            match engine.next_push(ven_id) {
                Some(item) => (item, dest),
                None => return Step::Idle,
            }
        };
        let Some(transport) = transports.iter().find(|t| t.serves(&dest)) else {
            return Step::Failed(format!("no transport serves {} VENs", dest.transport));
        };
        let service = item.service();
        let body = self.encode(&item.message).body;
        tracing::debug!(ven_id, %service, payload = %item.message.message_type(), "pushing");
        let delivered = match transport.deliver(&dest, service, body.into()).await {
            Ok(d) => d,
            Err(e) => return Step::Failed(e.to_string()),
        };
        let (reply, fingerprint) =
            match self.open_reply(delivered.fingerprint.as_deref(), &delivered.body) {
                Ok(x) => x,
                Err(e) => {
                    return Step::Failed(format!("reply to {}: {e}", item.message.message_type()))
                }
            };
        self.acknowledge(&item, fingerprint.as_deref(), reply)
    }

    /// Verify and decode a VEN's reply: the message and the fingerprint that authenticates
    /// it (the signer's, else the transport's).
    fn open_reply(
        &self,
        transport_fp: Option<&str>,
        body: &[u8],
    ) -> Result<(Message, Option<String>), String> {
        if body.is_empty() {
            return Err("empty reply".into());
        }
        let signer = self
            .verify(transport_fp, body)
            .map_err(|m| format!("refused: {}", describe(&m)))?;
        let message = self.inner.codec.decode(body).map_err(|e| e.to_string())?;
        Ok((message, signer.or(transport_fp.map(str::to_owned))))
    }

    fn acknowledge(&self, item: &PushItem, fingerprint: Option<&str>, reply: Message) -> Step {
        let notes = {
            let mut engine = self.engine();
            let out = match engine.push_delivered(item, fingerprint, reply) {
                Ok(out) => out,
                Err(e) => return Step::Failed(e.to_string()),
            };
            if let Err(e) = self.commit(&mut engine, &out.writes) {
                return Step::Failed(format!("store: {e}"));
            }
            if let Some(r) = crate::engine::ven::ei_response(&out.response) {
                if !r.response_code.is_success() {
                    tracing::warn!(
                        ven_id = %item.ven_id,
                        pushed = item.message.message_type(),
                        code = %r.response_code,
                        description = r.response_description.as_deref().unwrap_or(""),
                        "the VEN's answer to a pushed payload carries an error"
                    );
                }
            }
            out.notifications
        };
        tracing::debug!(ven_id = %item.ven_id, payload = %item.message.message_type(), "pushed");
        self.notify(&notes);
        Step::Delivered
    }
}

fn describe(m: &Message) -> String {
    match crate::engine::ven::ei_response(m) {
        Some(r) => format!(
            "{} {}",
            r.response_code,
            r.response_description.as_deref().unwrap_or("")
        ),
        None => m.message_type().to_owned(),
    }
}

fn lock(t: &Mutex<Tracker>) -> std::sync::MutexGuard<'_, Tracker> {
    t.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Clock, FakeClock};

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        let b = Backoff {
            first: chrono::Duration::seconds(2),
            max: chrono::Duration::seconds(30),
        };
        let delays: Vec<i64> = (1..=7).map(|n| b.delay(n).num_seconds()).collect();
        assert_eq!(delays, vec![2, 4, 8, 16, 30, 30, 30]);
        // Huge failure counts neither overflow nor exceed the bound.
        assert_eq!(b.delay(u32::MAX), chrono::Duration::seconds(30));
        assert_eq!(b.delay(0), chrono::Duration::seconds(2));
    }

    #[test]
    fn tracker_follows_the_schedule_on_a_fake_clock() {
        let clock = FakeClock::new(t0());
        let b = Backoff {
            first: chrono::Duration::seconds(1),
            max: chrono::Duration::seconds(4),
        };
        let mut t = Tracker::default();
        assert!(t.begin("ven", clock.now()));
        // One attempt at a time per VEN.
        assert!(!t.begin("ven", clock.now()));
        assert!(t.begin("other", clock.now()));
        let mut expected = Vec::new();
        let mut seen = Vec::new();
        for delay in [1, 2, 4, 4] {
            let at = t.failed("ven", clock.now(), &b);
            expected.push(clock.now() + chrono::Duration::seconds(delay));
            seen.push(at);
            assert_eq!(t.next_retry(), Some(at));
            clock.advance(chrono::Duration::milliseconds(delay * 1000 - 1));
            assert!(!t.begin("ven", clock.now()), "too early after {delay}s");
            clock.advance(chrono::Duration::milliseconds(1));
            assert!(t.begin("ven", clock.now()), "due after {delay}s");
        }
        assert_eq!(seen, expected);
        assert_eq!(t.failures("ven"), 4);
        t.done("ven");
        assert_eq!(t.failures("ven"), 0);
        assert!(t.begin("ven", clock.now()));
        assert_eq!(t.next_retry(), None);
    }

    /// Registers a VEN; returns its venID.
    fn register(vtn: &Vtn, name: &str, push: bool) -> String {
        let mut r = crate::model::CreatePartyRegistration::pull(format!("r-{name}"), name);
        if push {
            r.http_pull_model = Some(false);
            r.transport_address = Some("http://127.0.0.1:9/push".into());
        }
        let answer = vtn.handle_message(crate::transport::Service::EiRegisterParty, None, r.into());
        match answer {
            Message::CreatedPartyRegistration(c) => c.ven_id.unwrap_or_default(),
            other => panic!("registration refused: {other:?}"),
        }
    }

    #[test]
    fn only_payloads_of_push_vens_wake_the_push_loop() {
        let config = crate::engine::vtn::VtnConfig {
            accept_push: true,
            ..Default::default()
        };
        let vtn = Vtn::builder(Arc::new(crate::store::MemoryStore::new()))
            .config(config)
            .policy(Arc::new(crate::engine::vtn::AllowListPolicy::accept_any()))
            .build()
            .unwrap();
        let signal = vtn.inner.push.clone();
        let pull = register(&vtn, "pull", false);
        let d = signal.take();
        assert!(!d.all && d.vens.is_empty(), "a pull registration: {d:?}");
        let poll = crate::model::Poll { ven_id: pull };
        let answer = vtn.handle_message(crate::transport::Service::OadrPoll, None, poll.into());
        assert!(matches!(answer, Message::Response(_)), "{answer:?}");
        let d = signal.take();
        assert!(!d.all && d.vens.is_empty(), "a poll: {d:?}");
        let push = register(&vtn, "push", true);
        let d = signal.take();
        assert!(
            !d.all && d.vens.contains(&push),
            "a push registration: {d:?}"
        );
    }

    #[test]
    fn signal_collects_vens_until_everything_is_dirty() {
        let s = PushSignal::default();
        s.touch(Some("a".into()));
        s.touch(Some("b".into()));
        let d = s.take();
        assert!(!d.all);
        assert_eq!(d.vens.len(), 2);
        s.touch(None);
        s.touch(Some("c".into()));
        let d = s.take();
        assert!(d.all && d.vens.is_empty());
        let d = s.take();
        assert!(!d.all && d.vens.is_empty());
    }
}
