//! The VEN runtime against a scripted VTN in Rust (hyper on 127.0.0.1): what OpenLEADR
//! cannot produce — implicit cancellation, modification, randomisation windows,
//! re-registration, HISTORY_USAGE requests, VTN errors — plus the state file, opts and
//! registration cancellation. Every wait is bounded; the VTN stops when dropped.

#[path = "ven/scripted_vtn.rs"]
mod scripted_vtn;

use chrono::{DateTime, Utc};
use oadr::model::*;
use oadr::ven::{DataSource, Notification, OptSpec, OptTarget, ReportOffer, VenBuilder, VenHandle};
use scripted_vtn::{JsonCodec, Vtn};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

type Notes = Arc<Mutex<Vec<(Instant, Notification)>>>;

fn builder(vtn: &Vtn, notes: &Notes) -> VenBuilder {
    let notes = notes.clone();
    VenBuilder::new(vtn.url.clone(), "scripted-ven")
        .codec(Arc::new(JsonCodec))
        .poll_jitter(chrono::Duration::milliseconds(100))
        .timeout(StdDuration::from_secs(5))
        .on_notification(move |n| {
            notes.lock().unwrap().push((Instant::now(), n));
            async {}
        })
        .on_event(|e, modified| async move {
            // Opt out of modifications, in to new events (so the test sees both).
            let _ = e;
            if modified {
                OptType::OptOut
            } else {
                OptType::OptIn
            }
        })
}

fn spawn(b: VenBuilder) -> (VenHandle, tokio::task::JoinHandle<()>) {
    let ven = b.build().expect("build");
    let h = ven.handle();
    let task = tokio::spawn(async move {
        ven.run().await.expect("run");
    });
    (h, task)
}

async fn stop(h: VenHandle, task: tokio::task::JoinHandle<()>) {
    let _ = h.shutdown().await;
    tokio::time::timeout(StdDuration::from_secs(10), task)
        .await
        .expect("VEN stops")
        .expect("VEN task");
}

async fn wait_note(
    notes: &Notes,
    what: &str,
    secs: u64,
    f: impl Fn(&Notification) -> bool,
) -> Instant {
    let deadline = Instant::now() + StdDuration::from_secs(secs);
    loop {
        if let Some((t, _)) = notes.lock().unwrap().iter().find(|(_, n)| f(n)) {
            return *t;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:?}",
            notes.lock().unwrap()
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("oadr-ven-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join("state.json")
}

fn telemetry() -> ReportOffer {
    ReportOffer::telemetry_power(
        "meter",
        "power",
        Duration::seconds(1),
        Duration::minutes(1),
        DataSource::float(|| async { 1500.0 }),
    )
}

fn event(id: &str, m: u32, start: DateTime<Utc>, secs: u32) -> Event {
    Event::builder(id, "http://mc")
        .start(start)
        .modification(m)
        .simple_signal([(Duration::seconds(secs), 1.0)])
        .targets(Targets::vens(["ven-1"]))
        .build()
}

fn distribute(id: &str, events: Vec<Event>) -> DistributeEvent {
    DistributeEvent {
        response: None,
        request_id: id.into(),
        vtn_id: "vtn-1".into(),
        events,
    }
}

#[tokio::test]
async fn registers_polls_at_the_requested_frequency_and_reuses_the_state_file() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let state = temp("state");
    let _ = std::fs::remove_file(&state);
    let (h, task) = spawn(builder(&vtn, &notes).state_file(&state).report(telemetry()));
    vtn.wait_count("oadrPoll", 4, 15).await;
    let types = vtn.types();
    assert_eq!(
        &types[..5],
        [
            "oadrQueryRegistration",
            "oadrCreatePartyRegistration",
            "oadrRegisterReport",
            "oadrPoll",
            "oadrRequestEvent"
        ]
    );
    let services: Vec<String> = vtn.received().iter().map(|(s, _, _)| s.clone()).collect();
    assert_eq!(
        &services[..5],
        [
            "EiRegisterParty",
            "EiRegisterParty",
            "EiReport",
            "OadrPoll",
            "EiEvent"
        ]
    );
    let polls: Vec<Instant> = vtn
        .received()
        .iter()
        .filter(|(_, m, _)| m.message_type() == "oadrPoll")
        .map(|(_, _, t)| *t)
        .collect();
    for w in polls.windows(2) {
        assert!(
            w[1] - w[0] >= StdDuration::from_millis(990),
            "poll gap {:?}",
            w[1] - w[0]
        );
    }
    let reg = h.registration().expect("registered");
    assert_eq!(
        (reg.ven_id.as_str(), reg.registration_id.as_str()),
        ("ven-1", "reg-1")
    );
    let saved: oadr::ven::Registration =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved, reg);
    // METADATA: rule 311.
    let Some(Message::RegisterReport(rr)) = vtn
        .received()
        .into_iter()
        .map(|r| r.1)
        .find(|m| m.message_type() == "oadrRegisterReport")
    else {
        panic!()
    };
    assert_eq!(rr.reports[0].report_request_id, "0");
    assert_eq!(
        rr.reports[0].report_name,
        Some(ReportName::MetadataTelemetryUsage)
    );
    stop(h, task).await;

    // A restart reuses the registration: no query, no create.
    let vtn2 = Vtn::start(1).await;
    let (h, task) = spawn(
        builder(&vtn2, &notes)
            .state_file(&state)
            .report(telemetry()),
    );
    vtn2.wait_count("oadrPoll", 1, 10).await;
    let types = vtn2.types();
    assert_eq!(&types[..2], ["oadrRegisterReport", "oadrPoll"]);
    assert!(!types.contains(&"oadrQueryRegistration"));
    let Some(Message::Poll(p)) = vtn2
        .received()
        .into_iter()
        .map(|r| r.1)
        .find(|m| m.message_type() == "oadrPoll")
    else {
        panic!()
    };
    assert_eq!(p.ven_id, "ven-1");
    stop(h, task).await;
}

#[tokio::test]
async fn modification_and_implicit_cancellation() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let (h, task) = spawn(builder(&vtn, &notes));
    vtn.wait_count("oadrRequestEvent", 1, 10).await;
    let start = Utc::now() + chrono::Duration::hours(1);
    vtn.push_poll(distribute("d1", vec![event("e1", 0, start, 60)]));
    vtn.wait_count("oadrCreatedEvent", 1, 10).await;
    vtn.push_poll(distribute("d2", vec![event("e1", 1, start, 120)]));
    vtn.wait_count("oadrCreatedEvent", 2, 10).await;
    let answers: Vec<(u32, OptType, String)> = vtn
        .received()
        .into_iter()
        .filter_map(|(s, m, _)| match m {
            Message::CreatedEvent(c) => {
                assert_eq!(s, "EiEvent");
                let r = &c.event_responses.unwrap()[0];
                Some((r.modification_number, r.opt_type, r.request_id.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        answers,
        [
            (0, OptType::OptIn, "d1".to_string()),
            (1, OptType::OptOut, "d2".to_string())
        ]
    );
    // The next distribute lacks e1: implied cancel.
    vtn.push_poll(distribute("d3", vec![]));
    wait_note(&notes, "implicit cancellation", 10, |n| {
        matches!(n, Notification::EventCancelled { implicit: true, .. })
    })
    .await;
    stop(h, task).await;
}

#[tokio::test]
async fn randomized_start_stays_in_the_startafter_window() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let (h, task) = spawn(builder(&vtn, &notes));
    vtn.wait_count("oadrRequestEvent", 1, 10).await;
    let dtstart = Utc::now() + chrono::Duration::seconds(2);
    let mut e = event("r1", 0, dtstart, 1);
    e.active_period.tolerance = Some(Tolerance {
        tolerate: Tolerate {
            startafter: Some(Duration::seconds(2)),
        },
    });
    vtn.push_poll(distribute("d1", vec![e]));
    wait_note(&notes, "start", 15, |n| {
        matches!(n, Notification::EventStarted { .. })
    })
    .await;
    let wall = Utc::now();
    let offset = notes
        .lock()
        .unwrap()
        .iter()
        .find_map(|(_, n)| match n {
            Notification::EventStarted { offset, .. } => Some(*offset),
            _ => None,
        })
        .unwrap();
    assert!(
        offset >= chrono::Duration::zero() && offset <= chrono::Duration::seconds(2),
        "{offset}"
    );
    assert!(wall >= dtstart + offset, "started before dtstart + offset");
    assert!(
        wall <= dtstart + offset + chrono::Duration::milliseconds(1500),
        "started late: {}",
        wall - dtstart
    );
    wait_note(&notes, "end", 10, |n| {
        matches!(n, Notification::EventEnded { .. })
    })
    .await;
    stop(h, task).await;
}

#[tokio::test]
async fn reregistration_requested_by_the_vtn() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let (h, task) = spawn(builder(&vtn, &notes).report(telemetry()));
    vtn.wait_count("oadrRequestEvent", 1, 10).await;
    vtn.push_poll(RequestReregistration {
        ven_id: "ven-1".into(),
    });
    vtn.wait_count("oadrCreatePartyRegistration", 2, 10).await;
    vtn.wait_count("oadrRegisterReport", 2, 10).await;
    let r = vtn.received();
    let i = r
        .iter()
        .position(|(_, m, _)| m.message_type() == "oadrResponse")
        .expect("acknowledged");
    assert_eq!(r[i].0, "EiRegisterParty");
    let Message::CreatePartyRegistration(c) = &r[i + 1].1 else {
        panic!("{:?}", r[i + 1].1)
    };
    assert_eq!(
        (c.registration_id.as_deref(), c.ven_id.as_deref()),
        (Some("reg-1"), Some("ven-1"))
    );
    wait_note(
        &notes,
        "second registration",
        10,
        |n| matches!(n, Notification::Registered(r) if r.registration_id == "reg-2"),
    )
    .await;
    stop(h, task).await;
}

#[tokio::test]
async fn history_usage_request_is_answered_from_the_history_source() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let meta = Report::metadata("hist", ReportName::MetadataHistoryUsage, Utc::now())
        .with_duration(Duration::days(1))
        .with_description(ReportDescription::new(
            "energy",
            ReportType::Usage,
            ReadingType::DirectRead,
        ));
    let offer = ReportOffer::new(meta).source(
        "energy",
        DataSource::history(|start, end, g| async move {
            let mut out = Vec::new();
            let mut t = start;
            let mut k = 0.0;
            while t < end {
                out.push((t, ReportValue::Float(k)));
                k += 1.0;
                t += g;
            }
            out
        }),
    );
    let (h, task) = spawn(builder(&vtn, &notes).report(offer));
    vtn.wait_count("oadrRequestEvent", 1, 10).await;
    let from = Utc::now() - chrono::Duration::hours(1);
    vtn.push_poll(CreateReport {
        request_id: "cr1".into(),
        report_requests: vec![ReportRequest::new(
            "h1",
            "hist",
            Duration::minutes(15),
            Duration::ZERO,
        )
        .with_point("energy", ReadingType::DirectRead)
        .with_interval(from, Duration::hours(1))],
        ven_id: Some("ven-1".into()),
    });
    vtn.wait_count("oadrUpdateReport", 1, 10).await;
    let r = vtn.received();
    let Some(Message::CreatedReport(c)) = r
        .iter()
        .map(|x| x.1.clone())
        .find(|m| m.message_type() == "oadrCreatedReport")
    else {
        panic!()
    };
    assert_eq!(c.response.request_id, "cr1");
    let Some(Message::UpdateReport(u)) = r
        .iter()
        .map(|x| x.1.clone())
        .find(|m| m.message_type() == "oadrUpdateReport")
    else {
        panic!()
    };
    let rep = &u.reports[0];
    assert_eq!(
        (rep.report_request_id.as_str(), rep.report_name.clone()),
        ("h1", Some(ReportName::HistoryUsage))
    );
    let values: Vec<(DateTime<Utc>, ReportValue)> = rep
        .intervals
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| (i.dtstart.unwrap(), i.report_payloads[0].value.clone()))
        .collect();
    let want: Vec<_> = (0..4)
        .map(|k| {
            (
                from + chrono::Duration::minutes(15 * k),
                ReportValue::Float(k as f32),
            )
        })
        .collect();
    assert_eq!(values, want);
    stop(h, task).await;
}

#[tokio::test]
async fn vtn_errors_5xx_is_retried_and_463_registers_again() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let (h, task) = spawn(builder(&vtn, &notes));
    vtn.wait_count("oadrRequestEvent", 1, 10).await;
    let before = vtn.script.lock().unwrap().poll_attempts;
    vtn.script.lock().unwrap().fail_polls = 2;
    // Two 503s, then success within the same exchange (3 attempts).
    let deadline = Instant::now() + StdDuration::from_secs(15);
    while vtn.script.lock().unwrap().poll_attempts < before + 3 {
        assert!(Instant::now() < deadline, "poll retries");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(
        !notes
            .lock()
            .unwrap()
            .iter()
            .any(|(_, n)| matches!(n, Notification::ExchangeFailed { .. })),
        "retries hide 503s"
    );
    // 463 on a poll: the VTN forgot us.
    vtn.push_poll(Response {
        response: EiResponse::error(ResponseCode::NOT_REGISTERED_OR_AUTHORIZED, ""),
        ven_id: None,
    });
    vtn.wait_count("oadrQueryRegistration", 2, 20).await;
    vtn.wait_count("oadrCreatePartyRegistration", 2, 20).await;
    stop(h, task).await;
}

#[tokio::test]
async fn opts_and_registration_cancellation() {
    let vtn = Vtn::start(1).await;
    let notes: Notes = Default::default();
    let state = temp("cancel");
    let (h, task) = spawn(builder(&vtn, &notes).state_file(&state));
    h.registered().await.unwrap();
    let spec = OptSpec {
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        target: OptTarget::Availability(Vavailability {
            components: vec![ActivePeriod::new(Utc::now(), Duration::hours(1))],
        }),
        targets: Targets::new(),
        market_context: None,
        opt_id: None,
    };
    let id = h.create_opt(spec).await.unwrap().unwrap();
    vtn.wait_count("oadrCreateOpt", 1, 10).await;
    wait_note(&notes, "opt created", 10, |n| {
        matches!(
            n,
            Notification::OptCreated {
                code: ResponseCode::OK,
                ..
            }
        )
    })
    .await;
    h.cancel_opt(&id).await.unwrap().unwrap();
    vtn.wait_count("oadrCancelOpt", 1, 10).await;
    assert_eq!(
        h.cancel_opt("nope").await.unwrap(),
        Err(oadr::ven::VenError::UnknownOpt("nope".into()))
    );
    assert!(state.exists());
    h.cancel_registration().await.unwrap().unwrap();
    vtn.wait_count("oadrCancelPartyRegistration", 1, 10).await;
    wait_note(&notes, "cancelled", 10, |n| {
        matches!(n, Notification::RegistrationCancelled { by_vtn: false })
    })
    .await;
    assert!(!state.exists(), "state file removed");
    let polls = vtn.types().iter().filter(|t| **t == "oadrPoll").count();
    tokio::time::sleep(StdDuration::from_millis(2500)).await;
    assert_eq!(
        vtn.types().iter().filter(|t| **t == "oadrPoll").count(),
        polls,
        "no polling after cancellation"
    );
    stop(h, task).await;
}
