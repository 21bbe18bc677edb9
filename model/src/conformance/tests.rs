//! One passing and one failing message per rule.

use super::*;
use crate::model::*;
use chrono::TimeZone;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, h, m, 0).unwrap()
}

fn event() -> Event {
    Event::builder("ev-1", "http://mc")
        .start(t(14, 0))
        .created(t(12, 0))
        .simple_signal([(Duration::minutes(30), 1.0), (Duration::minutes(30), 2.0)])
        .targets(Targets::vens(["ven-1"]))
        .build()
}

fn distribute(events: Vec<Event>) -> Message {
    Message::DistributeEvent(DistributeEvent {
        response: None,
        request_id: "req-1".into(),
        vtn_id: "vtn-1".into(),
        events,
    })
}

fn rules_of(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.id).collect()
}

fn assert_only(findings: &[Finding], rule: &Rule) {
    assert!(!findings.is_empty(), "expected a rule {} finding", rule.id);
    for f in findings {
        assert_eq!(f.rule.id, rule.id, "unexpected finding {f}");
    }
}

#[test]
fn a_good_event_has_no_findings() {
    let ctx = Context {
        now: Some(t(13, 0)),
        vtn_id: Some("vtn-1".into()),
        ..Context::default()
    };
    assert_eq!(
        rules_of(&check(&distribute(vec![event()]), &ctx)),
        Vec::<&str>::new()
    );
}

#[test]
fn rule_1_utc_times() {
    let good = br#"<oadrPayload><a><createdDateTime>2026-07-01T12:00:00Z</createdDateTime>
        <dtstart><date-time>2026-07-01T12:00:00.5Z</date-time></dtstart></a></oadrPayload>"#;
    assert!(check_utc_times(good).is_empty());
    let bad = br#"<oadrPayload><a><x/><x/><createdDateTime>2026-07-01T12:00:00Z</createdDateTime>
        <dtstart><date-time>2026-07-01T12:00:00</date-time></dtstart>
        <dtstart><date-time>2026-07-01T12:00:00+02:00</date-time></dtstart></a></oadrPayload>"#;
    let f = check_utc_times(bad);
    assert_only(&f, &RULE_1_UTC);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].path, "/oadrPayload/a/dtstart/date-time");
    assert_eq!(f[1].path, "/oadrPayload/a/dtstart[2]/date-time");
    assert_eq!(f[0].response_code(), ResponseCode::INVALID_DATA);
    // CDATA sections and character references are part of the value.
    let split = br#"<oadrPayload><createdDateTime><![CDATA[2026-07-01T12:00:00]]>&#90;</createdDateTime>
        <createdDateTime>&#50;026-07-01T12:00:00<![CDATA[+01:00]]></createdDateTime></oadrPayload>"#;
    let f = check_utc_times(split);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].message.contains("2026-07-01T12:00:00+01:00"),
        "{}",
        f[0].message
    );
}

#[test]
fn rule_2_uids_count_from_zero() {
    let mut e = event();
    e.event_signals[0].intervals[1].uid = Some(2);
    let f = check(&distribute(vec![e]), &Context::default());
    assert_only(&f, &RULE_2_UID_SEQUENCE);
    assert_eq!(
        f[0].path,
        "/oadrPayload/oadrSignedObject/oadrDistributeEvent/oadrEvent/eiEvent/eiEventSignals/eiEventSignal/intervals/interval[2]/uid/text"
    );
    let mut e = event();
    e.event_signals[0].intervals[0].uid = None;
    assert_only(
        &check(&distribute(vec![e]), &Context::default()),
        &RULE_2_UID_SEQUENCE,
    );
}

#[test]
fn rule_4_new_events_start_at_zero() {
    assert!(check_new_event(&event()).is_empty());
    let mut e = event();
    e.event_descriptor.modification_number = 2;
    assert_only(&check_new_event(&e), &RULE_4_NEW_EVENT_MODIFICATION);
}

#[test]
fn rule_5_modification_numbers_grow_with_changes() {
    let a = event();
    // status, createdDateTime and currentValue changes need no new number
    let mut same = a.clone();
    same.event_descriptor.event_status = EventStatus::Active;
    same.event_descriptor.created_date_time = t(13, 0);
    same.event_signals[0].current_value = Some(1.0);
    assert!(check_event_update(&a, &same).is_empty());
    // a payload change with the number bumped is fine
    let mut changed = a.clone();
    changed.event_signals[0].intervals[0].signal_payloads = vec![3.0];
    changed.event_descriptor.modification_number = 1;
    assert!(check_event_update(&a, &changed).is_empty());
    // ... without the bump it is not
    changed.event_descriptor.modification_number = 0;
    assert_only(
        &check_event_update(&a, &changed),
        &RULE_5_MODIFICATION_INCREMENT,
    );
    // cancelling needs a bump too
    let mut cancelled = a.clone();
    cancelled.event_descriptor.event_status = EventStatus::Cancelled;
    assert_only(
        &check_event_update(&a, &cancelled),
        &RULE_5_MODIFICATION_INCREMENT,
    );
    // and the number never goes down
    let mut later = a.clone();
    later.event_descriptor.modification_number = 4;
    assert_only(
        &check_event_update(&later, &a),
        &RULE_5_MODIFICATION_INCREMENT,
    );
}

#[test]
fn rule_7_one_simple_signal_warns() {
    let mut e = event();
    let second = e.event_signals[0].clone();
    e.event_signals.push(second);
    let f = check(&distribute(vec![e]), &Context::default());
    assert_only(&f, &RULE_7_ONE_SIMPLE_SIGNAL);
    assert_eq!(f[0].severity(), Severity::Warning);
}

#[test]
fn rule_8_interval_durations_add_up() {
    let mut e = event();
    e.active_period.duration = Duration::minutes(45);
    let f = check(&distribute(vec![e]), &Context::default());
    assert_only(&f, &RULE_8_INTERVALS_SUM);
    assert!(f[0].message.contains("PT1H"), "{}", f[0].message);
    let mut e = event();
    e.event_signals[0].intervals[1].duration = None;
    assert_only(
        &check(&distribute(vec![e]), &Context::default()),
        &RULE_8_INTERVALS_SUM,
    );
}

#[test]
fn rule_9_simple_levels() {
    let mut e = event();
    e.event_signals[0].intervals[1].signal_payloads = vec![4.0];
    assert_only(
        &check(&distribute(vec![e]), &Context::default()),
        &RULE_9_SIMPLE_LEVELS,
    );
    let mut e = event();
    e.event_signals[0].intervals[1].signal_payloads = vec![3.0];
    assert!(check(&distribute(vec![e]), &Context::default()).is_empty());
}

#[test]
fn rules_12_62_response_required() {
    let mut never = event();
    never.event_descriptor.event_id = "ev-2".into();
    never.response_required = ResponseRequired::Never;
    let d = DistributeEvent {
        response: None,
        request_id: "req-1".into(),
        vtn_id: "vtn".into(),
        events: vec![event(), never],
    };
    let good = CreatedEvent::answering(
        &DistributeEvent {
            events: vec![event()],
            ..d.clone()
        },
        "ven-1",
        |_| OptType::OptIn,
    );
    assert!(check_created_event(&d, &good).is_empty());
    let all = CreatedEvent::answering(&d, "ven-1", |_| OptType::OptIn);
    assert_only(
        &check_created_event(&d, &all),
        &RULE_12_62_RESPONSE_REQUIRED,
    );
    let none = CreatedEvent {
        event_responses: None,
        ..good
    };
    assert_only(
        &check_created_event(&d, &none),
        &RULE_12_62_RESPONSE_REQUIRED,
    );
}

#[test]
fn rule_14_simple_current_value() {
    let mut e = event();
    e.event_signals[0].current_value = Some(2.0);
    assert_only(
        &check(&distribute(vec![e]), &Context::default()),
        &RULE_14_SIMPLE_CURRENT_VALUE,
    );
    // while active, it is the current interval's level
    let mut e = event();
    e.event_descriptor.event_status = EventStatus::Active;
    e.event_signals[0].current_value = Some(2.0);
    let during_second = Context {
        now: Some(t(14, 45)),
        ..Context::default()
    };
    assert!(check(&distribute(vec![e.clone()]), &during_second).is_empty());
    let during_first = Context {
        now: Some(t(14, 10)),
        ..Context::default()
    };
    assert_only(
        &check(&distribute(vec![e]), &during_first),
        &RULE_14_SIMPLE_CURRENT_VALUE,
    );
}

#[test]
fn rule_21_unexpected_ids() {
    let ctx = Context {
        vtn_id: Some("other-vtn".into()),
        ven_id: Some("ven-1".into()),
        ..Context::default()
    };
    let f = check(&distribute(vec![event()]), &ctx);
    assert_only(&f, &RULE_21_IDS);
    assert_eq!(f[0].response_code(), ResponseCode::INVALID_ID);
    let poll = Message::Poll(Poll {
        ven_id: "ven-1".into(),
    });
    assert!(check(&poll, &ctx).is_empty());
    let poll = Message::Poll(Poll {
        ven_id: "ven-2".into(),
    });
    assert_only(&check(&poll, &ctx), &RULE_21_IDS);
}

#[test]
fn signal_name_type_unit_combinations() {
    let price = Event::builder("p", "mc")
        .start(t(14, 0))
        .signal(
            SignalName::ElectricityPrice,
            SignalType::Price,
            Some(ItemBase::currency(ItemKind::CurrencyPerKWh, "EUR")),
            [(Duration::hours(1), 0.25)],
        )
        .build();
    assert!(check(&distribute(vec![price.clone()]), &Context::default()).is_empty());
    let mut wrong_type = price.clone();
    wrong_type.event_signals[0].signal_type = SignalType::Level;
    assert_only(
        &check(&distribute(vec![wrong_type]), &Context::default()),
        &SIGNAL_COMBINATION,
    );
    let mut wrong_unit = price;
    wrong_unit.event_signals[0].measurement = Some(ItemBase::energy_real(SiScaleCode::None));
    let f = check(&distribute(vec![wrong_unit]), &Context::default());
    assert_only(&f, &SIGNAL_COMBINATION);
    assert!(
        f[0].path.ends_with("/eiEventSignal/energyReal"),
        "{}",
        f[0].path
    );
}

#[test]
fn event_status_follows_the_clock() {
    let ctx = |h, m| Context {
        now: Some(t(h, m)),
        ..Context::default()
    };
    assert!(check(&distribute(vec![event()]), &ctx(13, 0)).is_empty());
    assert_only(
        &check(&distribute(vec![event()]), &ctx(14, 30)),
        &EVENT_STATUS_TIMES,
    );
    let mut done = event();
    done.event_descriptor.event_status = EventStatus::Completed;
    assert!(check(&distribute(vec![done.clone()]), &ctx(15, 0)).is_empty());
    assert_only(
        &check(&distribute(vec![done]), &ctx(14, 59)),
        &EVENT_STATUS_TIMES,
    );
}

fn metadata() -> Report {
    Report::metadata("spec-1", ReportName::MetadataTelemetryUsage, t(12, 0))
        .with_duration(Duration::hours(1))
        .with_description(
            ReportDescription::new("rid-1", ReportType::Usage, ReadingType::DirectRead)
                .with_sampling(Duration::seconds(10), Duration::minutes(5), false),
        )
}

fn register(reports: Vec<Report>) -> Message {
    Message::RegisterReport(RegisterReport {
        request_id: "r".into(),
        reports,
        ven_id: Some("ven-1".into()),
        report_request_id: None,
    })
}

#[test]
fn rule_311_metadata_request_id_is_zero() {
    assert!(check(&register(vec![metadata()]), &Context::default()).is_empty());
    let mut r = metadata();
    r.report_request_id = "7".into();
    assert_only(
        &check(&register(vec![r.clone()]), &Context::default()),
        &RULE_311_METADATA_REQUEST_ID,
    );
    // the rule is about VENs
    let vtn = Context {
        sender: Some(Role::Vtn),
        ..Context::default()
    };
    assert!(check(&register(vec![r]), &vtn).is_empty());
}

#[test]
fn metadata_reports_carry_duration_and_metadata_names() {
    let mut r = metadata();
    r.duration = None;
    assert_only(
        &check(&register(vec![r]), &Context::default()),
        &METADATA_DURATION,
    );
    let mut r = metadata();
    r.report_name = Some(ReportName::TelemetryUsage);
    assert_only(
        &check(&register(vec![r]), &Context::default()),
        &METADATA_NAME,
    );
}

#[test]
fn sampling_rate_order() {
    let mut r = metadata();
    r.report_descriptions[0].sampling_rate = Some(SamplingRate {
        min_period: Duration::minutes(5),
        max_period: Duration::seconds(10),
        on_change: false,
    });
    assert_only(
        &check(&register(vec![r]), &Context::default()),
        &SAMPLING_RATE_ORDER,
    );
}

fn data_report() -> Report {
    Report::data(
        "rep-1",
        "rr-1",
        "spec-1",
        ReportName::TelemetryUsage,
        t(14, 0),
        t(14, 1),
    )
    .with_interval(
        t(14, 0),
        Some(Duration::minutes(1)),
        vec![ReportPayload::float("rid-1", 5.0)],
    )
}

fn update(r: Report) -> Message {
    Message::UpdateReport(UpdateReport {
        request_id: "u".into(),
        reports: vec![r],
        ven_id: Some("ven-1".into()),
    })
}

#[test]
fn data_report_contents() {
    assert!(check(&update(data_report()), &Context::default()).is_empty());
    let mut r = data_report();
    r.dtstart = None;
    assert_only(
        &check(&update(r), &Context::default()),
        &DATA_REPORT_CONTENTS,
    );
    let mut r = data_report();
    r.report_name = Some(ReportName::MetadataTelemetryUsage);
    assert_only(
        &check(&update(r), &Context::default()),
        &DATA_REPORT_CONTENTS,
    );
    let mut r = data_report();
    r.intervals = None;
    assert_only(
        &check(&update(r), &Context::default()),
        &DATA_REPORT_CONTENTS,
    );
}

#[test]
fn data_report_dtstart_matches_first_interval() {
    let mut r = data_report();
    r.dtstart = Some(t(13, 59));
    assert_only(
        &check(&update(r), &Context::default()),
        &DATA_REPORT_DTSTART,
    );
}

fn request() -> ReportRequest {
    ReportRequest::new("rr-1", "spec-1", Duration::minutes(1), Duration::minutes(5))
        .with_point("rid-1", ReadingType::DirectRead)
}

#[test]
fn report_requests_against_metadata() {
    assert!(check_report_request(&[metadata()], &request()).is_empty());
    let unknown_rid = request().with_point("rid-9", ReadingType::DirectRead);
    assert_only(
        &check_report_request(&[metadata()], &unknown_rid),
        &REQUESTED_RIDS_KNOWN,
    );
    let mut unknown_spec = request();
    unknown_spec.report_specifier.report_specifier_id = "nope".into();
    assert_only(
        &check_report_request(&[metadata()], &unknown_spec),
        &REQUESTED_RIDS_KNOWN,
    );
    let mut too_fine = request();
    too_fine.report_specifier.granularity = Duration::seconds(1);
    assert_only(
        &check_report_request(&[metadata()], &too_fine),
        &GRANULARITY_IN_SAMPLING_RATE,
    );
    let mut one_shot = request();
    one_shot.report_specifier.granularity = Duration::ZERO;
    assert!(check_report_request(&[metadata()], &one_shot).is_empty());
}

#[test]
fn update_reports_against_request() {
    assert!(check_update_report(&request(), &data_report()).is_empty());
    let two = request().with_point("rid-2", ReadingType::DirectRead);
    assert_only(
        &check_update_report(&two, &data_report()),
        &UPDATE_RIDS_MATCH,
    );
    let mut other = request();
    other.report_request_id = "rr-2".into();
    assert_only(
        &check_update_report(&other, &data_report()),
        &REQUEST_ID_ECHO,
    );
}

#[test]
fn responses_carry_ven_id() {
    let ok = Message::Response(Response {
        response: EiResponse::ok("r"),
        ven_id: Some("ven-1".into()),
    });
    assert!(check(&ok, &Context::default()).is_empty());
    let missing = Message::Response(Response {
        response: EiResponse::ok("r"),
        ven_id: None,
    });
    assert_only(&check(&missing, &Context::default()), &RESPONSE_VEN_ID);
    let canceled = Message::CanceledPartyRegistration(CanceledPartyRegistration {
        response: EiResponse::ok("r"),
        registration_id: Some("reg".into()),
        ven_id: Some(String::new()),
    });
    assert_only(&check(&canceled, &Context::default()), &RESPONSE_VEN_ID);
}

#[test]
fn answers_echo_the_request_and_have_the_right_type() {
    let req = Message::CreateReport(CreateReport {
        request_id: "req-5".into(),
        report_requests: vec![request()],
        ven_id: None,
    });
    let good = Message::CreatedReport(CreatedReport {
        response: EiResponse::ok("req-5"),
        pending_reports: vec![PendingReport {
            report_request_id: "rr-1".into(),
        }],
        ven_id: None,
    });
    assert!(check_answer(&req, &good).is_empty());
    let wrong_id = Message::CreatedReport(CreatedReport {
        response: EiResponse::ok("req-6"),
        pending_reports: vec![],
        ven_id: None,
    });
    assert_only(&check_answer(&req, &wrong_id), &REQUEST_ID_ECHO);
    let wrong_type = Message::Response(Response {
        response: EiResponse::ok("req-5"),
        ven_id: Some("v".into()),
    });
    let f = check_answer(&req, &wrong_type);
    assert_only(&f, &ANSWER_TYPE);
    assert_eq!(f[0].response_code(), ResponseCode::OUT_OF_SEQUENCE);
}

fn opt() -> CreateOpt {
    CreateOpt {
        opt_id: "o".into(),
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Economic,
        market_context: None,
        ven_id: "ven-1".into(),
        vavailability: None,
        created_date_time: t(12, 0),
        request_id: "r".into(),
        event_id: Some("ev-1".into()),
        modification_number: Some(0),
        targets: Targets::vens(["ven-1"]),
        device_class: None,
    }
}

#[test]
fn opts_name_an_event_or_a_schedule() {
    assert!(check(&Message::CreateOpt(opt()), &Context::default()).is_empty());
    let mut both = opt();
    both.vavailability = Some(Vavailability {
        components: vec![ActivePeriod::new(t(14, 0), Duration::hours(1))],
    });
    assert_only(
        &check(&Message::CreateOpt(both), &Context::default()),
        &OPT_EVENT_OR_SCHEDULE,
    );
    let mut neither = opt();
    neither.event_id = None;
    neither.modification_number = None;
    assert_only(
        &check(&Message::CreateOpt(neither), &Context::default()),
        &OPT_EVENT_OR_SCHEDULE,
    );
}

#[test]
fn push_registrations_give_an_address() {
    let pull = CreatePartyRegistration::pull("r", "ven");
    assert!(check(
        &Message::CreatePartyRegistration(pull.clone()),
        &Context::default()
    )
    .is_empty());
    let push = CreatePartyRegistration {
        http_pull_model: Some(false),
        ..pull
    };
    assert_only(
        &check(
            &Message::CreatePartyRegistration(push.clone()),
            &Context::default(),
        ),
        &PUSH_TRANSPORT_ADDRESS,
    );
    let push = CreatePartyRegistration {
        transport_address: Some("https://ven.example:8443".into()),
        ..push
    };
    assert!(check(&Message::CreatePartyRegistration(push), &Context::default()).is_empty());
}

#[test]
fn strictness_decides_what_rejects() {
    let mut e = event();
    let second = e.event_signals[0].clone();
    e.event_signals.push(second); // rule 7: a warning
    let warn_only = distribute(vec![e.clone()]);
    let ctx = Context::default();
    assert_eq!(
        check_with(&warn_only, &ctx, Strictness::Lenient)
            .unwrap()
            .len(),
        1
    );
    assert!(check_with(&warn_only, &ctx, Strictness::Strict).is_err());
    e.event_signals[0].intervals[0].uid = Some(5); // rule 2: an error
    let with_error = distribute(vec![e]);
    let err = check_with(&with_error, &ctx, Strictness::Lenient).unwrap_err();
    assert_eq!(err.response_code(), ResponseCode::INVALID_DATA);
    let ConformanceError::Rejected(all) = err;
    assert_eq!(all[0].rule.id, "2", "errors first");
    assert!(check_with(&with_error, &ctx, Strictness::Off)
        .unwrap()
        .is_empty());
}

#[test]
fn every_rule_is_listed_once_with_a_source() {
    let mut ids: Vec<_> = ALL_RULES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), ALL_RULES.len());
    assert!(ALL_RULES
        .iter()
        .all(|r| r.source.contains("digest") && !r.title.is_empty()));
}
