//! Both stores keep exactly what the engine wrote; a restarted engine resumes from them.

use super::*;
use crate::engine::vtn::{AllowListPolicy, Outcome, VtnConfig, VtnEngine};
use crate::engine::FakeClock;
use crate::model::*;
use crate::transport::Service as S;
use chrono::TimeZone;
use std::sync::Arc;

fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

fn engine(clock: &FakeClock, snap: crate::engine::vtn::Snapshot, seed: u64) -> VtnEngine {
    VtnEngine::restore(
        VtnConfig {
            id_seed: seed,
            ..VtnConfig::default()
        },
        Arc::new(clock.clone()),
        Arc::new(AllowListPolicy::accept_any()),
        snap,
    )
}

fn send(e: &mut VtnEngine, store: &dyn Store, s: S, fp: &str, m: impl Into<Message>) -> Outcome {
    let out = e.handle(s, Some(fp), m.into());
    store.commit(&out.writes).unwrap();
    out
}

/// Drive a scenario, committing every write; return the venIDs (kept, cancelled).
fn scenario(store: &dyn Store, clock: &FakeClock) -> (String, String) {
    let mut e = engine(clock, store.load().unwrap(), 1);
    let reg = |e: &mut VtnEngine, fp: &str, name: &str| {
        let out = send(
            e,
            store,
            S::EiRegisterParty,
            fp,
            CreatePartyRegistration::pull("r", name),
        );
        match out.response {
            Message::CreatedPartyRegistration(c) => (c.ven_id.unwrap(), c.registration_id.unwrap()),
            other => panic!("{other:?}"),
        }
    };
    let (a, _) = reg(&mut e, "FA", "a");
    let (b, breg) = reg(&mut e, "FB", "b");
    let meta = Report::metadata("spec1", ReportName::MetadataTelemetryUsage, t0())
        .with_duration(Duration::hours(1))
        .with_description(ReportDescription::new(
            "p1",
            ReportType::Usage,
            ReadingType::DirectRead,
        ));
    for v in [&a, &b] {
        let fp = if *v == a { "FA" } else { "FB" };
        send(
            &mut e,
            store,
            S::EiReport,
            fp,
            RegisterReport {
                request_id: "rr".into(),
                reports: vec![meta.clone()],
                ven_id: Some(v.clone()),
                report_request_id: None,
            },
        );
    }
    let ev = Event::builder("e1", "http://m")
        .start(t0())
        .simple_signal([(Duration::minutes(30), 1.0)])
        .targets(Targets::vens([a.clone(), b.clone()]))
        .build();
    store.commit(&e.create_event(ev).unwrap().writes).unwrap();
    // a takes its oadrCreateReport; the event stays pending for it
    let out = send(&mut e, store, S::OadrPoll, "FA", Poll { ven_id: a.clone() });
    let Message::CreateReport(c) = out.response else {
        panic!()
    };
    let rr = c.report_requests[0].report_request_id.clone();
    send(
        &mut e,
        store,
        S::EiReport,
        "FA",
        UpdateReport {
            request_id: "u".into(),
            reports: vec![
                Report::data("x", &rr, "spec1", ReportName::TelemetryUsage, t0(), t0())
                    .with_interval(t0(), None, vec![ReportPayload::float("p1", 7.0)]),
            ],
            ven_id: Some(a.clone()),
        },
    );
    send(
        &mut e,
        store,
        S::EiOpt,
        "FA",
        CreateOpt {
            opt_id: "o1".into(),
            opt_type: OptType::OptOut,
            opt_reason: OptReason::Participating,
            market_context: None,
            ven_id: a.clone(),
            vavailability: None,
            created_date_time: t0(),
            request_id: "o".into(),
            event_id: Some("e1".into()),
            modification_number: Some(0),
            targets: Targets::default(),
            device_class: None,
        },
    );
    // b leaves: everything of b goes
    send(
        &mut e,
        store,
        S::EiRegisterParty,
        "FB",
        CancelPartyRegistration {
            request_id: "c".into(),
            registration_id: breg,
            ven_id: Some(b.clone()),
        },
    );
    (a, b)
}

fn check_resumes(store: &dyn Store, clock: &FakeClock, a: &str, b: &str) {
    let snap = store.load().unwrap();
    assert_eq!(snap.vens.len(), 1);
    assert_eq!(snap.vens[0].fingerprint.as_deref(), Some("FA"));
    assert!(snap.queue.is_empty(), "{:?}", snap.queue);
    assert!(snap.report_requests.iter().all(|r| r.ven_id == a));
    assert_eq!(snap.metadata.len(), 1);
    assert_eq!(snap.opts.len(), 1);
    assert_eq!(snap.events.len(), 1);
    let readings = store
        .readings(&ReadingFilter {
            ven_id: Some(a.to_owned()),
            ..ReadingFilter::default()
        })
        .unwrap();
    assert_eq!(readings.len(), 1);
    assert_eq!(readings[0].value, ReportValue::Float(7.0));
    let mut e = engine(clock, snap, 2);
    // b is gone, a is bound to its certificate and still owed the event
    let out = e.handle(S::OadrPoll, Some("FB"), Poll { ven_id: b.into() }.into());
    assert!(matches!(out.response, Message::Response(r) if r.response.response_code.0 == 463));
    let out = e.handle(S::OadrPoll, Some("FA"), Poll { ven_id: a.into() }.into());
    assert!(
        matches!(&out.response, Message::DistributeEvent(d) if d.events.len() == 1),
        "{out:?}"
    );
}

#[test]
fn memory_store_resumes() {
    let clock = FakeClock::new(t0());
    let store = MemoryStore::new();
    let (a, b) = scenario(&store, &clock);
    check_resumes(&store, &clock, &a, &b);
    store.fail_commits(true);
    assert!(store.commit(&[Write::DeleteVen(a)]).is_err());
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_store_resumes_after_reopen() {
    let dir = std::env::temp_dir().join(format!("oadr-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vtn.db");
    let _ = std::fs::remove_file(&path);
    let clock = FakeClock::new(t0());
    let (a, b) = {
        let store = SqliteStore::open(&path, Sync::Full).unwrap();
        scenario(&store, &clock)
    };
    let store = SqliteStore::open(&path, Sync::Normal).unwrap();
    check_resumes(&store, &clock, &a, &b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "sqlite")]
#[test]
fn a_damaged_record_is_reported_with_its_key() {
    let store = SqliteStore::in_memory().unwrap();
    store
        .lock()
        .execute(
            "INSERT INTO records (kind, key, body) VALUES ('ven', 'v1', '{nope')",
            [],
        )
        .unwrap();
    let err = store.load().unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { key, .. } if key == "v1"),
        "{err}"
    );
    assert_eq!(err.response_code().0, 469);
}
