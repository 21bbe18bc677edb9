//! Engine tests: every service, every refusal code, driven by a FakeClock.

use super::*;
use crate::engine::FakeClock;
use crate::model::*;
use crate::transport::Service as S;
use chrono::TimeZone;

fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

struct H {
    clock: FakeClock,
    e: VtnEngine,
}

fn h_with(policy: Arc<dyn Policy>) -> H {
    let clock = FakeClock::new(t0());
    let e = VtnEngine::new(VtnConfig::default(), Arc::new(clock.clone()), policy);
    H { clock, e }
}

fn h() -> H {
    h_with(Arc::new(AllowListPolicy::accept_any()))
}

/// The response code of any response payload.
fn code(m: &Message) -> u16 {
    let r = match m {
        Message::Response(x) => &x.response,
        Message::CreatedPartyRegistration(x) => &x.response,
        Message::CanceledPartyRegistration(x) => &x.response,
        Message::RegisteredReport(x) => &x.response,
        Message::CreatedReport(x) => &x.response,
        Message::UpdatedReport(x) => &x.response,
        Message::CanceledReport(x) => &x.response,
        Message::CreatedOpt(x) => &x.response,
        Message::CanceledOpt(x) => &x.response,
        Message::DistributeEvent(x) => x.response.as_ref().expect("eiResponse"),
        other => panic!("not a response payload: {other:?}"),
    };
    r.response_code.0
}

fn description(m: &Message) -> String {
    match m {
        Message::Response(x) => x.response.response_description.clone().unwrap_or_default(),
        Message::CreatedPartyRegistration(x) => {
            x.response.response_description.clone().unwrap_or_default()
        }
        Message::UpdatedReport(x) => x.response.response_description.clone().unwrap_or_default(),
        Message::RegisteredReport(x) => x.response.response_description.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

impl H {
    fn send(&mut self, service: S, fp: Option<&str>, m: impl Into<Message>) -> Outcome {
        self.e.handle(service, fp, m.into())
    }

    fn register(&mut self, name: &str, fp: Option<&str>) -> (String, String) {
        let out = self.send(
            S::EiRegisterParty,
            fp,
            CreatePartyRegistration::pull("r1", name),
        );
        let Message::CreatedPartyRegistration(c) = out.response else {
            panic!("{out:?}")
        };
        assert_eq!(c.response.response_code.0, 200, "{c:?}");
        assert!(out
            .writes
            .iter()
            .any(|w| matches!(w, Write::PutVen(v) if Some(&v.ven_id) == c.ven_id.as_ref())));
        (c.ven_id.unwrap(), c.registration_id.unwrap())
    }

    fn poll(&mut self, ven: &str, fp: Option<&str>) -> Outcome {
        self.send(S::OadrPoll, fp, Poll { ven_id: ven.into() })
    }

    fn event(&mut self, id: &str, targets: Targets) -> EventRecord {
        let ev = Event::builder(id, "http://market")
            .start(t0() + chrono::Duration::minutes(10))
            .simple_signal([(Duration::minutes(30), 1.0), (Duration::minutes(30), 2.0)])
            .targets(targets)
            .build();
        self.e.create_event(ev).unwrap().value
    }

    fn answer(&mut self, ven: &str, event: &str, m: u32, opt: OptType) -> Outcome {
        self.send(
            S::EiEvent,
            None,
            CreatedEvent {
                response: EiResponse::ok("d1"),
                event_responses: Some(vec![EventResponse {
                    response_code: ResponseCode::OK,
                    response_description: None,
                    request_id: "d1".into(),
                    event_id: event.into(),
                    modification_number: m,
                    opt_type: opt,
                }]),
                ven_id: ven.into(),
            },
        )
    }
}

fn distributed(o: &Outcome) -> &DistributeEvent {
    match &o.response {
        Message::DistributeEvent(d) => d,
        other => panic!("expected oadrDistributeEvent, got {other:?}"),
    }
}

#[test]
fn query_registration_lists_profiles_and_poll_frequency() {
    let mut h = h();
    let out = h.send(
        S::EiRegisterParty,
        None,
        QueryRegistration {
            request_id: "q1".into(),
        },
    );
    let Message::CreatedPartyRegistration(c) = out.response else {
        panic!()
    };
    assert_eq!(c.response.request_id, "q1");
    assert_eq!(c.ven_id, None);
    assert_eq!(c.profiles[0].profile_name, ProfileName::B20);
    assert_eq!(
        c.profiles[0].transports[0].transport_name,
        TransportName::SimpleHttp
    );
    assert_eq!(c.requested_oadr_poll_freq, Some(Duration::seconds(10)));
    assert!(out.writes.is_empty());
}

#[test]
fn registration_binds_the_fingerprint_and_refuses_other_certificates_463() {
    let mut h = h();
    let (a, _) = h.register("a", Some("AA:AA"));
    let (b, _) = h.register("b", Some("BB:BB"));
    assert_ne!(a, b);
    assert_eq!(code(&h.poll(&a, Some("AA:AA")).response), 200);
    // b's certificate speaking for a.
    let out = h.poll(&a, Some("BB:BB"));
    assert_eq!(code(&out.response), 463);
    assert!(description(&out.response).contains("another certificate"));
    // no certificate at all for a VEN bound to one.
    assert_eq!(code(&h.poll(&a, None).response), 463);
    // unknown venID
    assert_eq!(code(&h.poll("ven-nope", Some("AA:AA")).response), 463);
    // the same certificate registering again keeps its venID.
    let (a2, _) = h.register("a", Some("AA:AA"));
    assert_eq!(a, a2);
}

#[test]
fn allow_list_policy_rejects_unknown_fingerprints_463() {
    let mut h = h_with(Arc::new(AllowListPolicy::new(["aa:bb"])));
    let out = h.send(
        S::EiRegisterParty,
        Some("CC:DD"),
        CreatePartyRegistration::pull("r", "x"),
    );
    assert_eq!(code(&out.response), 463);
    assert!(out.writes.is_empty());
    let out = h.send(
        S::EiRegisterParty,
        None,
        CreatePartyRegistration::pull("r", "x"),
    );
    assert_eq!(code(&out.response), 463);
    h.register("ok", Some("AA:BB"));
}

#[test]
fn reregistration_and_bad_ids_452() {
    let mut h = h();
    let (v, reg) = h.register("a", Some("F1"));
    let mut c = CreatePartyRegistration::pull("r2", "a");
    c.ven_id = Some(v.clone());
    c.registration_id = Some(reg.clone());
    let out = h.send(S::EiRegisterParty, Some("F1"), c.clone());
    let Message::CreatedPartyRegistration(r) = &out.response else {
        panic!()
    };
    assert_eq!(r.ven_id.as_deref(), Some(v.as_str()));
    assert_ne!(r.registration_id.as_deref(), Some(reg.as_str()));
    assert!(out.notifications.iter().any(|n| matches!(
        n,
        Notification::VenRegistered {
            reregistration: true,
            ..
        }
    )));
    // the old registrationID is gone
    let out = h.send(S::EiRegisterParty, Some("F1"), c.clone());
    assert_eq!(code(&out.response), 452);
    // a venID this VTN never assigned
    let mut c2 = CreatePartyRegistration::pull("r3", "a");
    c2.ven_id = Some("ven-made-up".into());
    assert_eq!(
        code(&h.send(S::EiRegisterParty, Some("F1"), c2).response),
        452
    );
    // cancel with a wrong registrationID
    let out = h.send(
        S::EiRegisterParty,
        Some("F1"),
        CancelPartyRegistration {
            request_id: "c".into(),
            registration_id: "reg-wrong".into(),
            ven_id: Some(v.clone()),
        },
    );
    assert_eq!(code(&out.response), 452);
    // a message with no venID and no certificate
    let out = h.send(
        S::EiReport,
        None,
        RegisterReport {
            request_id: "x".into(),
            reports: vec![],
            ven_id: None,
            report_request_id: None,
        },
    );
    assert_eq!(code(&out.response), 452);
}

#[test]
fn unsupported_transports_and_vtn_only_payloads_451() {
    let mut h = h();
    let mut c = CreatePartyRegistration::pull("r", "a");
    c.http_pull_model = Some(false);
    c.transport_address = Some("http://ven".into());
    assert_eq!(code(&h.send(S::EiRegisterParty, None, c).response), 451);
    let mut c = CreatePartyRegistration::pull("r", "a");
    c.transport_name = TransportName::Xmpp;
    assert_eq!(code(&h.send(S::EiRegisterParty, None, c).response), 451);
    let (v, _) = h.register("a", None);
    let out = h.send(
        S::EiRegisterParty,
        None,
        RequestReregistration { ven_id: v.clone() },
    );
    assert_eq!(code(&out.response), 451);
    let out = h.send(
        S::EiEvent,
        None,
        DistributeEvent {
            response: None,
            request_id: "x".into(),
            vtn_id: "v".into(),
            events: vec![],
        },
    );
    assert_eq!(code(&out.response), 451);
}

#[test]
fn payload_on_the_wrong_service_453() {
    let mut h = h();
    let (v, _) = h.register("a", None);
    let out = h.send(S::EiEvent, None, Poll { ven_id: v });
    assert_eq!(code(&out.response), 453);
    assert!(description(&out.response).contains("OadrPoll"));
}

#[test]
fn events_are_queued_per_ven_delivered_on_poll_and_redelivered_until_answered() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let (b, _) = h.register("b", None);
    assert_eq!(code(&h.poll(&a, None).response), 200);
    h.event("e1", Targets::vens([a.clone()]));
    let out = h.poll(&a, None);
    let d = distributed(&out);
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.events[0].event_descriptor.event_status, EventStatus::Far);
    assert!(out
        .writes
        .iter()
        .any(|w| matches!(w, Write::PutDelivery(_))));
    // b is not targeted
    assert!(matches!(h.poll(&b, None).response, Message::Response(_)));
    // not due again right away...
    assert!(matches!(h.poll(&a, None).response, Message::Response(_)));
    // ...but redelivered once redeliver_after passes without an answer
    h.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(distributed(&h.poll(&a, None)).events.len(), 1);
    let out = h.answer(&a, "e1", 0, OptType::OptIn);
    assert_eq!(code(&out.response), 200);
    assert!(out.notifications.iter().any(|n| matches!(
        n,
        Notification::EventResponse {
            opt_type: OptType::OptIn,
            ..
        }
    )));
    h.clock.advance(chrono::Duration::seconds(31));
    assert!(matches!(h.poll(&a, None).response, Message::Response(_)));
    // a later unsolicited optOut is accepted (rule 17)
    let out = h.answer(&a, "e1", 0, OptType::OptOut);
    assert_eq!(code(&out.response), 200);
    assert_eq!(h.e.deliveries_of("e1")[0].opt, Some(OptType::OptOut));
}

#[test]
fn modification_and_cancellation_bump_the_modification_number() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let rec = h.event("e1", Targets::vens([a.clone()]));
    assert_eq!(rec.modification_number(), 0);
    distributed(&h.poll(&a, None));
    h.answer(&a, "e1", 0, OptType::OptIn);
    let ev = Event::builder("ignored", "http://market")
        .start(t0() + chrono::Duration::minutes(20))
        .simple_signal([(Duration::minutes(60), 3.0)])
        .targets(Targets::vens([a.clone()]))
        .build();
    let m = h.e.modify_event("e1", ev).unwrap().value;
    assert_eq!(m.modification_number(), 1);
    let out = h.poll(&a, None);
    assert_eq!(
        distributed(&out).events[0]
            .event_descriptor
            .modification_number,
        1
    );
    // answering the superseded version: 450; a version from the future: 452
    assert_eq!(code(&h.answer(&a, "e1", 0, OptType::OptIn).response), 450);
    assert_eq!(code(&h.answer(&a, "e1", 7, OptType::OptIn).response), 452);
    assert_eq!(code(&h.answer(&a, "nope", 0, OptType::OptIn).response), 452);
    assert_eq!(code(&h.answer(&a, "e1", 1, OptType::OptIn).response), 200);
    let c = h.e.cancel_event("e1").unwrap().value;
    assert_eq!(c.modification_number(), 2);
    let out = h.poll(&a, None);
    let d = distributed(&out);
    assert_eq!(
        d.events[0].event_descriptor.event_status,
        EventStatus::Cancelled
    );
    assert_eq!(d.events[0].event_descriptor.modification_number, 2);
    // once delivered, a cancellation is not resent, and then the event leaves the set
    h.clock.advance(chrono::Duration::minutes(5));
    assert!(matches!(h.poll(&a, None).response, Message::Response(_)));
    let out = h.send(
        S::EiEvent,
        None,
        RequestEvent {
            request_id: "re".into(),
            ven_id: a.clone(),
            reply_limit: None,
        },
    );
    assert!(distributed(&out).events.is_empty());
    assert!(matches!(
        h.e.cancel_event("e1"),
        Err(AdminError::NotAllowed(_))
    ));
}

#[test]
fn answering_an_event_for_another_ven_462() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let (b, _) = h.register("b", None);
    h.event("e1", Targets::vens([a.clone()]));
    assert_eq!(code(&h.answer(&b, "e1", 0, OptType::OptIn).response), 462);
}

#[test]
fn targets_by_group_resource_and_party() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let (b, _) = h.register("b", None);
    let (c, _) = h.register("c", None);
    h.e.set_groups(&a, vec!["g1".into()]).unwrap();
    // b declares resource r1 through its report metadata
    let meta = Report::metadata("s1", ReportName::MetadataTelemetryStatus, t0())
        .with_duration(Duration::hours(1))
        .with_description(
            ReportDescription::new("st", ReportType::ResourceStatus, ReadingType::NotApplicable)
                .with_data_source(Targets::new().resource("r1")),
        );
    let out = h.send(
        S::EiReport,
        None,
        RegisterReport {
            request_id: "rr".into(),
            reports: vec![meta],
            ven_id: Some(b.clone()),
            report_request_id: None,
        },
    );
    assert_eq!(code(&out.response), 200);
    h.event("eg", Targets::new().group("g1"));
    h.event("er", Targets::new().resource("r1"));
    let ids = |h: &mut H, v: &str| -> Vec<String> {
        h.e.distribute_event(v, "x")
            .events
            .iter()
            .map(|e| e.id().to_owned())
            .collect()
    };
    assert_eq!(ids(&mut h, &a), vec!["eg"]);
    assert_eq!(ids(&mut h, &b), vec!["er"]);
    assert!(ids(&mut h, &c).is_empty());
    // retargeting away from a VEN that had the event sends it the set without it
    let ev = Event::builder("x", "http://market")
        .start(t0() + chrono::Duration::minutes(10))
        .simple_signal([(Duration::minutes(30), 1.0)])
        .targets(Targets::vens([c.clone()]))
        .build();
    h.e.modify_event("eg", ev).unwrap();
    assert!(h.e.distribute_due(&a));
    assert!(ids(&mut h, &a).is_empty());
    assert!(!h.e.distribute_due(&a));
    assert_eq!(ids(&mut h, &c), vec!["eg"]);
}

#[test]
fn response_required_never_is_delivered_once() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let ev = Event::builder("e1", "http://market")
        .start(t0())
        .simple_signal([(Duration::minutes(30), 1.0)])
        .targets(Targets::vens([a.clone()]))
        .response_required(ResponseRequired::Never)
        .build();
    h.e.create_event(ev).unwrap();
    distributed(&h.poll(&a, None));
    h.clock.advance(chrono::Duration::minutes(5));
    assert!(matches!(h.poll(&a, None).response, Message::Response(_)));
}

#[test]
fn status_and_simple_current_value_follow_the_clock() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    h.event("e1", Targets::vens([a.clone()]));
    let at = |h: &mut H| h.e.distribute_event(&a, "x").events[0].clone();
    let e = at(&mut h);
    assert_eq!(e.event_descriptor.event_status, EventStatus::Far);
    assert_eq!(e.event_signals[0].current_value, Some(0.0)); // rule 14
    h.clock.advance(chrono::Duration::minutes(15));
    let e = at(&mut h);
    assert_eq!(e.event_descriptor.event_status, EventStatus::Active);
    assert_eq!(e.event_signals[0].current_value, Some(1.0));
    h.clock.advance(chrono::Duration::minutes(30));
    assert_eq!(at(&mut h).event_signals[0].current_value, Some(2.0));
    assert_eq!(at(&mut h).event_descriptor.modification_number, 0);
    h.clock.advance(chrono::Duration::minutes(30));
    assert!(h.e.distribute_event(&a, "x").events.is_empty());
    h.clock.advance(chrono::Duration::days(8));
    h.e.take_writes();
    let w = h.e.purge();
    assert_eq!(w, vec![Write::DeleteEvent("e1".into())]);
    assert!(h.e.event("e1").is_none());
}

#[test]
fn operator_events_are_checked_454_459_460() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let base = || {
        Event::builder("e", "http://market")
            .start(t0())
            .targets(Targets::vens(["x"]))
    };
    let no_target = Event::builder("e", "http://m")
        .simple_signal([(Duration::minutes(5), 1.0)])
        .build();
    assert_eq!(
        h.e.create_event(no_target).unwrap_err().response_code().0,
        454
    );
    let bad_level = base().simple_signal([(Duration::minutes(5), 5.0)]).build();
    let err = h.e.create_event(bad_level).unwrap_err();
    assert_eq!(err.response_code().0, 459);
    assert!(err.to_string().contains("signalPayload"), "{err}");
    let bad_type = base()
        .signal(
            SignalName::Simple,
            SignalType::Price,
            None,
            [(Duration::minutes(5), 1.0)],
        )
        .build();
    assert_eq!(
        h.e.create_event(bad_type).unwrap_err().response_code().0,
        460
    );
    let bad_sum = base()
        .simple_signal([(Duration::minutes(5), 1.0)])
        .duration(Duration::minutes(10))
        .build();
    assert_eq!(
        h.e.create_event(bad_sum).unwrap_err().response_code().0,
        459
    );
    h.event("dup", Targets::vens([a.clone()]));
    assert!(h
        .e
        .create_event(base().simple_signal([(Duration::minutes(5), 1.0)]).build())
        .is_ok());
    let dup = Event::builder("dup", "http://m")
        .targets(Targets::vens(["x"]))
        .simple_signal([(Duration::minutes(5), 1.0)])
        .build();
    assert!(matches!(
        h.e.create_event(dup),
        Err(AdminError::DuplicateEvent(_))
    ));
}

fn telemetry_meta() -> Report {
    Report::metadata("spec1", ReportName::MetadataTelemetryUsage, t0())
        .with_duration(Duration::hours(1))
        .with_description(
            ReportDescription::new("p1", ReportType::Usage, ReadingType::DirectRead).with_sampling(
                Duration::seconds(10),
                Duration::minutes(1),
                false,
            ),
        )
}

fn register_reports(h: &mut H, v: &str) -> Outcome {
    h.send(
        S::EiReport,
        None,
        RegisterReport {
            request_id: "rr1".into(),
            reports: vec![telemetry_meta()],
            ven_id: Some(v.into()),
            report_request_id: None,
        },
    )
}

fn update(v: &str, rr: &str, r_id: &str) -> UpdateReport {
    let rep = Report::data("rep1", rr, "spec1", ReportName::TelemetryUsage, t0(), t0())
        .with_interval(
            t0(),
            Some(Duration::seconds(10)),
            vec![ReportPayload::float(r_id, 42.5)],
        );
    UpdateReport {
        request_id: "u1".into(),
        reports: vec![rep],
        ven_id: Some(v.into()),
    }
}

#[test]
fn reports_register_request_update_cancel() {
    let mut h = h();
    let (v, _) = h.register("a", None);
    let out = register_reports(&mut h, &v);
    assert!(
        matches!(&out.response, Message::RegisteredReport(r) if r.response.response_code.0 == 200)
    );
    let Some(Notification::ReportsRegistered { requested, .. }) = out.notifications.first() else {
        panic!("{:?}", out.notifications)
    };
    let rr = requested[0].clone();
    // the request goes out on the next poll as oadrCreateReport
    let out = h.poll(&v, None);
    let Message::CreateReport(c) = &out.response else {
        panic!("{out:?}")
    };
    let spec = &c.report_requests[0].report_specifier;
    assert_eq!(spec.report_specifier_id, "spec1");
    assert_eq!(spec.granularity, Duration::seconds(10));
    assert_eq!(spec.specifier_payloads[0].r_id, "p1");
    assert!(out
        .writes
        .iter()
        .any(|w| matches!(w, Write::DeleteQueued(_))));
    let out = h.send(
        S::EiReport,
        None,
        CreatedReport {
            response: EiResponse::ok(&c.request_id),
            pending_reports: vec![PendingReport {
                report_request_id: rr.clone(),
            }],
            ven_id: Some(v.clone()),
        },
    );
    assert_eq!(code(&out.response), 200);
    assert_eq!(
        h.e.report_requests().next().unwrap().state,
        ReportRequestState::Active
    );
    let out = h.send(S::EiReport, None, update(&v, &rr, "p1"));
    assert_eq!(code(&out.response), 200);
    let Some(Write::AddReadings(rs)) = out
        .writes
        .iter()
        .find(|w| matches!(w, Write::AddReadings(_)))
    else {
        panic!()
    };
    assert_eq!(rs[0].value, ReportValue::Float(42.5));
    assert!(out
        .notifications
        .iter()
        .any(|n| matches!(n, Notification::ReportData { .. })));
    // unknown request 452, unrequested rID 454
    assert_eq!(
        code(&h.send(S::EiReport, None, update(&v, "rr-x", "p1")).response),
        452
    );
    let out = h.send(S::EiReport, None, update(&v, &rr, "p9"));
    assert_eq!(code(&out.response), 454);
    assert!(out.writes.is_empty());
    // the operator cancels: oadrCancelReport on the next poll, then oadrCanceledReport
    h.e.cancel_report_request(&v, &rr).unwrap();
    let out = h.poll(&v, None);
    assert!(
        matches!(&out.response, Message::CancelReport(c) if c.report_request_id == vec![rr.clone()])
    );
    // data still in flight gets a cancel_report in the answer
    let out = h.send(S::EiReport, None, update(&v, &rr, "p1"));
    assert!(matches!(&out.response, Message::UpdatedReport(u) if u.cancel_report.is_some()));
    let canceled = CanceledReport {
        response: EiResponse::ok("x"),
        pending_reports: vec![],
        ven_id: Some(v.clone()),
    };
    assert_eq!(
        code(&h.send(S::EiReport, None, canceled.clone()).response),
        200
    );
    assert_eq!(
        h.e.report_requests().next().unwrap().state,
        ReportRequestState::Cancelled
    );
    assert_eq!(code(&h.send(S::EiReport, None, canceled).response), 450);
}

#[test]
fn report_refusals_459_461() {
    let mut h = h();
    let (v, _) = h.register("a", None);
    let mut meta = telemetry_meta();
    meta.report_request_id = "7".into();
    let out = h.send(
        S::EiReport,
        None,
        RegisterReport {
            request_id: "rr1".into(),
            reports: vec![meta],
            ven_id: Some(v.clone()),
            report_request_id: None,
        },
    );
    assert_eq!(code(&out.response), 459);
    assert!(description(&out.response).contains("rule 311"));
    let out = h.send(
        S::EiReport,
        None,
        CreateReport {
            request_id: "c".into(),
            report_requests: vec![ReportRequest::new("r", "s", Duration::ZERO, Duration::ZERO)],
            ven_id: Some(v.clone()),
        },
    );
    assert_eq!(code(&out.response), 461);
    assert!(matches!(out.response, Message::CreatedReport(_)));
    // the operator may only request what was offered
    register_reports(&mut h, &v);
    let err =
        h.e.request_report(
            &v,
            ReportRequest::new("", "nope", Duration::ZERO, Duration::ZERO),
        )
        .unwrap_err();
    assert_eq!(err.response_code().0, 461);
    let ok =
        h.e.request_report(
            &v,
            ReportRequest::new("", "spec1", Duration::ZERO, Duration::ZERO),
        )
        .unwrap();
    assert!(ok.writes.iter().any(|w| matches!(w, Write::PutQueued(_))));
}

fn opt(v: &str, id: &str, event: Option<&str>) -> CreateOpt {
    CreateOpt {
        opt_id: id.into(),
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Economic,
        market_context: None,
        ven_id: v.into(),
        vavailability: event.is_none().then(|| Vavailability {
            components: vec![ActivePeriod::new(t0(), Duration::hours(1))],
        }),
        created_date_time: t0(),
        request_id: "o".into(),
        event_id: event.map(str::to_owned),
        modification_number: event.map(|_| 0),
        targets: Targets::default(),
        device_class: None,
    }
}

#[test]
fn opts_create_cancel_and_refusals() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let (b, _) = h.register("b", None);
    h.event("e1", Targets::vens([a.clone()]));
    let out = h.send(S::EiOpt, None, opt(&a, "o1", None));
    assert!(
        matches!(&out.response, Message::CreatedOpt(c) if c.opt_id == "o1" && c.response.response_code.0 == 200)
    );
    assert!(out.writes.iter().any(|w| matches!(w, Write::PutOpt(_))));
    assert_eq!(
        code(&h.send(S::EiOpt, None, opt(&a, "o2", Some("e1"))).response),
        200
    );
    assert_eq!(
        code(&h.send(S::EiOpt, None, opt(&a, "o3", Some("e9"))).response),
        452
    );
    assert_eq!(
        code(&h.send(S::EiOpt, None, opt(&b, "o4", Some("e1"))).response),
        462
    );
    let mut both = opt(&a, "o5", Some("e1"));
    both.vavailability = opt(&a, "x", None).vavailability;
    assert_eq!(code(&h.send(S::EiOpt, None, both).response), 454);
    let mut neither = opt(&a, "o6", None);
    neither.vavailability = None;
    assert_eq!(code(&h.send(S::EiOpt, None, neither).response), 454);
    let mut other = opt(&a, "o7", None);
    other.targets = Targets::vens([b.clone()]);
    assert_eq!(code(&h.send(S::EiOpt, None, other).response), 462);
    let cancel = |id: &str| CancelOpt {
        request_id: "c".into(),
        opt_id: id.into(),
        ven_id: a.clone(),
    };
    let out = h.send(S::EiOpt, None, cancel("o1"));
    assert!(matches!(&out.response, Message::CanceledOpt(c) if c.response.response_code.0 == 200));
    assert_eq!(code(&h.send(S::EiOpt, None, cancel("o1")).response), 452);
    assert_eq!(h.e.opts().filter(|o| o.cancelled).count(), 1);
    assert_eq!(h.e.opts().count(), 2);
}

#[test]
fn cancellation_both_ways() {
    let mut h = h();
    let (a, reg) = h.register("a", None);
    let out = h.send(
        S::EiRegisterParty,
        None,
        CancelPartyRegistration {
            request_id: "c".into(),
            registration_id: reg.clone(),
            ven_id: Some(a.clone()),
        },
    );
    assert!(
        matches!(&out.response, Message::CanceledPartyRegistration(c)
        if c.response.response_code.0 == 200 && c.ven_id.as_deref() == Some(a.as_str()))
    );
    assert!(out.writes.contains(&Write::DeleteVen(a.clone())));
    assert_eq!(code(&h.poll(&a, None).response), 463);

    let (b, _) = h.register("b", None);
    let canceled = CanceledPartyRegistration {
        response: EiResponse::ok("x"),
        registration_id: None,
        ven_id: Some(b.clone()),
    };
    assert_eq!(
        code(&h.send(S::EiRegisterParty, None, canceled.clone()).response),
        450
    );
    h.e.cancel_registration(&b).unwrap();
    assert!(matches!(
        h.poll(&b, None).response,
        Message::CancelPartyRegistration(_)
    ));
    let out = h.send(S::EiRegisterParty, None, canceled);
    assert_eq!(code(&out.response), 200);
    assert!(h.e.ven(&b).is_none());
}

#[test]
fn reregistration_request_is_acknowledged_with_oadr_response() {
    let mut h = h();
    let (a, _) = h.register("a", None);
    let resp = Response {
        response: EiResponse::ok(""),
        ven_id: Some(a.clone()),
    };
    assert_eq!(
        code(&h.send(S::EiRegisterParty, None, resp.clone()).response),
        450
    );
    h.e.request_reregistration(&a).unwrap();
    assert!(matches!(
        h.poll(&a, None).response,
        Message::RequestReregistration(_)
    ));
    assert_eq!(code(&h.send(S::EiRegisterParty, None, resp).response), 200);
    assert!(!h.e.ven(&a).unwrap().reregistration_pending);
}

#[test]
fn restore_resumes_from_the_writes() {
    // Apply every write to a snapshot the way a store would, restart, and compare.
    let mut h = h();
    let mut snap = Snapshot::default();
    let apply = |snap: &mut Snapshot, ws: Vec<Write>| {
        for w in ws {
            match w {
                Write::PutVen(v) => {
                    snap.vens.retain(|x| x.ven_id != v.ven_id);
                    snap.vens.push(v)
                }
                Write::PutEvent(e) => {
                    snap.events.retain(|x| x.id() != e.id());
                    snap.events.push(e)
                }
                Write::PutQueued(q) => snap.queue.push(q),
                Write::DeleteQueued(s) => snap.queue.retain(|q| q.seq != s),
                Write::PutReportRequest(r) => {
                    snap.report_requests.retain(|x| x.id() != r.id());
                    snap.report_requests.push(r)
                }
                Write::PutMetadata(m) => snap.metadata.push(m),
                Write::PutDelivery(d) => {
                    snap.deliveries
                        .retain(|x| !(x.ven_id == d.ven_id && x.event_id == d.event_id));
                    snap.deliveries.push(d)
                }
                _ => {}
            }
        }
    };
    let out = h.send(
        S::EiRegisterParty,
        Some("F"),
        CreatePartyRegistration::pull("r", "a"),
    );
    let Message::CreatedPartyRegistration(c) = &out.response else {
        panic!()
    };
    let v = c.ven_id.clone().unwrap();
    apply(&mut snap, out.writes);
    let out = h.send(
        S::EiReport,
        Some("F"),
        RegisterReport {
            request_id: "rr1".into(),
            reports: vec![telemetry_meta()],
            ven_id: Some(v.clone()),
            report_request_id: None,
        },
    );
    apply(&mut snap, out.writes);
    let ev = Event::builder("e1", "http://m")
        .start(t0())
        .simple_signal([(Duration::minutes(30), 1.0)])
        .targets(Targets::vens([v.clone()]))
        .build();
    let w = h.e.create_event(ev).unwrap().writes;
    apply(&mut snap, w);
    let mut r = VtnEngine::restore(
        VtnConfig {
            id_seed: 99,
            ..VtnConfig::default()
        },
        Arc::new(h.clock.clone()),
        Arc::new(AllowListPolicy::accept_any()),
        snap,
    );
    // the binding survived: another certificate is refused
    assert_eq!(
        code(
            &r.handle(S::OadrPoll, Some("G"), Poll { ven_id: v.clone() }.into())
                .response
        ),
        463
    );
    // the queued oadrCreateReport comes first, then the pending event
    let out = r.handle(S::OadrPoll, Some("F"), Poll { ven_id: v.clone() }.into());
    assert!(matches!(out.response, Message::CreateReport(_)), "{out:?}");
    let out = r.handle(S::OadrPoll, Some("F"), Poll { ven_id: v.clone() }.into());
    assert_eq!(distributed(&out).events[0].id(), "e1");
}
