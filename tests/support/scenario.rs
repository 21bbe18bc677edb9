//! The VTN-initiated scenario shared by the push and XMPP suites (tests/push.rs,
//! tests/xmpp.rs): once a VEN that never polls has registered, the same exchanges must work
//! whatever carries them. Each step waits (bounded) for both sides to agree.
//! Include with `#[path = "support/scenario.rs"] mod scenario;`.

use chrono::Utc;
use oadr::engine::vtn::{AllowListPolicy, ReportRequestState};
use oadr::model::*;
use oadr::sign::{Certificate, Fingerprint, Signer, Trust, Verifier, VerifyOptions};
use oadr::store::ReadingFilter;
use oadr::ven::{DataSource, Notification, OptSpec, OptTarget, ReportOffer, VenHandle};
use oadr::vtn::{Vtn, VtnBuilder};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

/// What the VEN's notification handler heard.
pub type Notes = Arc<Mutex<Vec<Notification>>>;

/// A file of tests/fixtures/certs.
pub fn certs(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/certs")
        .join(name)
}

/// The fingerprint of the certificate in tests/fixtures/certs/`cert`.
pub fn fingerprint(cert: &str) -> Fingerprint {
    Certificate::from_pem(&std::fs::read(certs(cert)).unwrap())
        .unwrap()
        .fingerprint()
}

/// `signed`: the VTN signs with vtn-rsa, verifies and admits only the ven-ecdsa certificate;
/// otherwise it admits any VEN and neither signs nor verifies.
pub fn vtn_security(b: VtnBuilder, signed: bool) -> VtnBuilder {
    if !signed {
        return b.policy(Arc::new(AllowListPolicy::accept_any()));
    }
    let ven_fp = fingerprint("ven-ecdsa.crt");
    b.policy(Arc::new(AllowListPolicy::new([ven_fp.to_string()])))
        .signer(
            Signer::from_pem(
                &std::fs::read(certs("vtn-rsa.crt")).unwrap(),
                &std::fs::read(certs("vtn-rsa.key")).unwrap(),
            )
            .unwrap(),
        )
        .verifier(Verifier::new(VerifyOptions::new(Trust::Fingerprints(
            vec![ven_fp],
        ))))
}

/// The VEN's telemetry offer: one power reading of 1 500 W every second.
pub fn telemetry() -> ReportOffer {
    ReportOffer::telemetry_power(
        "meter",
        "power",
        Duration::seconds(1),
        Duration::minutes(1),
        DataSource::float(|| async { 1500.0 }),
    )
}

/// Shuts the VEN down and waits (bounded) for its task.
pub async fn stop(h: VenHandle, task: tokio::task::JoinHandle<()>) {
    let _ = h.shutdown().await;
    tokio::time::timeout(StdDuration::from_secs(10), task)
        .await
        .expect("VEN stops")
        .expect("VEN task");
}

/// Wait (bounded) until `f` holds.
pub async fn until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + StdDuration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// How many notifications match `f`.
pub fn noted(notes: &Notes, f: impl Fn(&Notification) -> bool) -> usize {
    notes.lock().unwrap().iter().filter(|n| f(n)).count()
}

/// A SIMPLE-signal event at `level` for `ven_id`, starting in an hour.
pub fn event_at_level(market: &str, ven_id: &str, level: f32) -> Event {
    Event::builder("", market)
        .start(Utc::now() + chrono::Duration::hours(1))
        .simple_signal([(Duration::minutes(30), level)])
        .targets(Targets::vens([ven_id]))
        .build()
}

/// An opt schedule (oadrCreateOpt): opted out, starting now, for an hour.
pub fn opt_out_for_the_next_hour() -> OptSpec {
    OptSpec {
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        target: OptTarget::Availability(Vavailability {
            components: vec![ActivePeriod::new(Utc::now(), Duration::hours(1))],
        }),
        targets: Targets::new(),
        market_context: None,
        opt_id: None,
    }
}

/// Report registration: the VTN's oadrCreateReport reaches the VEN, the request becomes
/// active, and readings arrive in the store.
pub async fn report_is_requested_and_delivered(vtn: &Vtn, notes: &Notes, ven_id: &str, secs: u64) {
    until("report requested on the VEN", secs, || {
        noted(notes, |n| matches!(n, Notification::ReportRequested { .. })) > 0
    })
    .await;
    until("report request active on the VTN", secs, || {
        vtn.report_requests()
            .iter()
            .any(|r| r.ven_id == ven_id && r.state == ReportRequestState::Active)
    })
    .await;
    let filter = ReadingFilter {
        ven_id: Some(ven_id.to_owned()),
        ..ReadingFilter::default()
    };
    until("readings stored", secs, || {
        !vtn.readings(&filter).unwrap().is_empty()
    })
    .await;
}

/// An event opted in with oadrCreatedEvent (rules 16, 17), its modification opted out (the
/// VEN's handler opts out of modified events), an opt schedule created and cancelled, and the
/// event cancelled on the VEN. Returns the event's ID.
pub async fn events_and_opts(
    vtn: &Vtn,
    h: &VenHandle,
    notes: &Notes,
    ven_id: &str,
    market: &str,
    secs: u64,
) -> String {
    let event_id = vtn
        .create_event(event_at_level(market, ven_id, 2.0))
        .unwrap()
        .id()
        .to_owned();
    let answered = |m: u32, opt: OptType| {
        vtn.deliveries(&event_id)
            .iter()
            .any(|d| d.ven_id == ven_id && d.answered == Some(m) && d.opt == Some(opt))
    };
    until("event opted in", secs, || answered(0, OptType::OptIn)).await;
    vtn.modify_event(&event_id, event_at_level(market, ven_id, 3.0))
        .unwrap();
    until("modification opted out", secs, || {
        answered(1, OptType::OptOut)
    })
    .await;

    // Opt schedule: oadrCreateOpt / oadrCancelOpt are the VEN's own requests.
    let opt_id = h
        .create_opt(opt_out_for_the_next_hour())
        .await
        .unwrap()
        .unwrap();
    let opt_is = |cancelled: bool| {
        vtn.opts()
            .iter()
            .any(|o| o.opt.opt_id == opt_id && o.cancelled == cancelled)
    };
    until("opt stored", secs, || opt_is(false)).await;
    h.cancel_opt(&opt_id).await.unwrap().unwrap();
    until("opt cancelled", secs, || opt_is(true)).await;

    vtn.cancel_event(&event_id).unwrap();
    until("event cancelled on the VEN", secs, || {
        noted(notes, |n| {
            matches!(n, Notification::EventCancelled { event_id: id, implicit: false, .. } if *id == event_id)
        }) > 0
    })
    .await;
    event_id
}

/// The VTN's oadrCancelReport, answered with oadrCanceledReport: cancelled on both sides.
pub async fn report_is_cancelled(vtn: &Vtn, notes: &Notes, ven_id: &str, secs: u64) {
    let rr = vtn
        .report_requests()
        .into_iter()
        .find(|r| r.ven_id == ven_id && r.state == ReportRequestState::Active)
        .unwrap();
    vtn.cancel_report(ven_id, rr.id()).unwrap();
    until("report cancelled on the VTN", secs, || {
        vtn.report_requests()
            .iter()
            .any(|r| r.id() == rr.id() && r.state == ReportRequestState::Cancelled)
    })
    .await;
    // The VEN's handler hears of it from its own loop, maybe just after the VTN's update.
    until("report cancelled on the VEN", secs, || {
        noted(notes, |n| {
            matches!(n, Notification::ReportFinished { report_request_id, cancelled: true } if *report_request_id == rr.id())
        }) > 0
    })
    .await;
}

/// oadrRequestReregistration: the VEN registers again and the VTN sees it settled.
pub async fn reregistration(vtn: &Vtn, notes: &Notes, ven_id: &str, secs: u64) {
    let registered = |notes: &Notes| noted(notes, |n| matches!(n, Notification::Registered(_)));
    assert_eq!(registered(notes), 1);
    vtn.request_reregistration(ven_id).unwrap();
    until("registered again", secs, || registered(notes) == 2).await;
    until("re-registration settled on the VTN", secs, || {
        vtn.vens()
            .iter()
            .any(|v| v.ven_id == ven_id && !v.reregistration_pending)
    })
    .await;
}

/// oadrCancelPartyRegistration from the VTN, answered oadrCanceledPartyRegistration.
pub async fn registration_is_cancelled_by_the_vtn(
    vtn: &Vtn,
    notes: &Notes,
    ven_id: &str,
    secs: u64,
) {
    vtn.cancel_registration(ven_id).unwrap();
    until("registration cancelled on the VEN", secs, || {
        noted(notes, |n| {
            matches!(n, Notification::RegistrationCancelled { by_vtn: true })
        }) > 0
    })
    .await;
    until("VEN forgotten by the VTN", secs, || vtn.vens().is_empty()).await;
}
