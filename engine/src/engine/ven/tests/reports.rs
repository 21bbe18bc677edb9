//! Reports: METADATA (rule 311), requests, periodic and one-shot telemetry, history,
//! cancellation (spec digest §6).

use super::*;

pub(in crate::engine::ven) fn telemetry_offer() -> OfferedReport {
    OfferedReport::new(
        Report::metadata("tel-spec", ReportName::MetadataTelemetryUsage, t0())
            .with_duration(Duration::hours(1))
            .with_description(
                ReportDescription::new("power", ReportType::Usage, ReadingType::DirectRead)
                    .with_sampling(Duration::seconds(10), Duration::minutes(5), false),
            )
            .with_description(ReportDescription::new(
                "voltage",
                ReportType::Reading,
                ReadingType::DirectRead,
            )),
    )
}

fn history_offer() -> OfferedReport {
    OfferedReport::new(
        Report::metadata("hist-spec", ReportName::MetadataHistoryUsage, t0())
            .with_duration(Duration::hours(2))
            .with_description(ReportDescription::new(
                "energy",
                ReportType::Usage,
                ReadingType::DirectRead,
            )),
    )
}

fn reporting() -> H {
    let mut c = cfg();
    c.offered_reports = vec![telemetry_offer(), history_offer()];
    let mut h = H::new(c);
    h.register(Some(Duration::hours(1)));
    h
}

fn create(h: &mut H, requests: Vec<ReportRequest>) -> CreatedReport {
    let now = h.now();
    let answer = h.e.handle_pushed(
        CreateReport {
            request_id: "cr".into(),
            report_requests: requests,
            ven_id: Some("ven-1".into()),
        }
        .into(),
        now,
    );
    h.drain();
    match answer {
        Message::CreatedReport(c) => c,
        other => panic!("{other:?}"),
    }
}

fn provide(h: &mut H, values: &[(&str, f32)]) {
    let reads = std::mem::take(&mut h.reads);
    for r in reads {
        let at = match r.kind {
            ReadKind::Sample { at } => at,
            ReadKind::History { .. } => panic!("history read"),
        };
        let readings = values
            .iter()
            .map(|(rid, v)| Reading {
                r_id: (*rid).into(),
                at,
                value: ReportValue::Float(*v),
            })
            .collect();
        let now = h.now();
        h.e.provide_readings(r.token, readings, now);
        h.drain();
    }
}

fn update(h: &mut H) -> Report {
    let o = h.take("oadrUpdateReport");
    assert_eq!(o.service, crate::transport::Service::EiReport);
    let Message::UpdateReport(u) = o.message else {
        unreachable!()
    };
    assert_eq!(u.ven_id.as_deref(), Some("ven-1"));
    assert_eq!(u.reports.len(), 1);
    u.reports.into_iter().next().unwrap()
}

#[test]
fn metadata_registration_rule_311() {
    let mut c = cfg();
    c.offered_reports = vec![telemetry_offer(), history_offer()];
    let mut h = H::new(c);
    h.start();
    let q = h.take("oadrQueryRegistration");
    h.reply(q.id, created_registration(None, None, None));
    let cr = h.take("oadrCreatePartyRegistration");
    h.advance(secs(5));
    h.reply(
        cr.id,
        created_registration(Some("ven-1"), Some("reg-1"), None),
    );
    let r = h.take("oadrRegisterReport");
    assert_eq!(r.service, crate::transport::Service::EiReport);
    let Message::RegisterReport(rr) = &r.message else {
        unreachable!()
    };
    assert_eq!(rr.report_request_id, None);
    assert_eq!(rr.ven_id.as_deref(), Some("ven-1"));
    assert_eq!(rr.reports.len(), 2);
    for rep in &rr.reports {
        assert_eq!(rep.report_request_id, "0");
        assert_eq!(rep.created_date_time, h.now());
        assert!(rep.duration.is_some());
    }
    // The VTN requests telemetry inside oadrRegisteredReport: answered with
    // oadrCreatedReport echoing the requestID, then the poll.
    let rq = ReportRequest::new(
        "rq-1",
        "tel-spec",
        Duration::seconds(10),
        Duration::seconds(10),
    )
    .with_point("power", ReadingType::DirectRead);
    h.reply(
        r.id,
        RegisteredReport {
            response: EiResponse::ok("reg-rr"),
            report_requests: vec![rq],
            ven_id: Some("ven-1".into()),
        },
    );
    let c = h.take("oadrCreatedReport");
    let Message::CreatedReport(c) = c.message else {
        unreachable!()
    };
    assert_eq!(c.response.request_id, "reg-rr");
    assert_eq!(
        c.pending_reports,
        [PendingReport {
            report_request_id: "rq-1".into()
        }]
    );
    h.take("oadrPoll");
}

#[test]
fn periodic_telemetry_samples_at_granularity_and_sends_at_report_back() {
    let mut h = reporting();
    let rq = ReportRequest::new(
        "rq-1",
        "tel-spec",
        Duration::seconds(10),
        Duration::seconds(30),
    )
    .with_point("voltage", ReadingType::DirectRead)
    .with_point("power", ReadingType::DirectRead)
    .with_point("nonexistent", ReadingType::DirectRead);
    let c = create(&mut h, vec![rq]);
    assert_eq!(c.response.response_code, ResponseCode::OK);
    assert_eq!(c.response.request_id, "cr");
    assert_eq!(h.e.pending_reports(), ["rq-1"]);
    let start = h.now();
    for k in 0..3 {
        assert_eq!(h.reads.len(), 1, "sample {k}");
        assert_eq!(h.reads[0].r_ids, ["voltage", "power"]);
        assert_eq!(
            h.reads[0].kind,
            ReadKind::Sample {
                at: start + secs(10 * k)
            }
        );
        provide(
            &mut h,
            &[("power", k as f32), ("voltage", 230.0), ("other", 1.0)],
        );
        h.nothing_sent();
        h.advance(secs(10));
    }
    let r = update(&mut h);
    assert_eq!(r.report_request_id, "rq-1");
    assert_eq!(r.report_specifier_id, "tel-spec");
    assert_eq!(r.report_name, Some(ReportName::TelemetryUsage));
    assert_eq!(r.dtstart, Some(start));
    let iv = r.intervals.unwrap();
    assert_eq!(iv.len(), 3);
    for (k, i) in iv.iter().enumerate() {
        assert_eq!(i.dtstart, Some(start + secs(10 * k as i64)));
        assert_eq!(i.duration, Some(Duration::seconds(10)));
        let ids: Vec<_> = i.report_payloads.iter().map(|p| p.r_id.as_str()).collect();
        assert_eq!(
            ids,
            ["voltage", "power"],
            "requested order, unrequested dropped"
        );
        assert_eq!(i.report_payloads[1].value, ReportValue::Float(k as f32));
    }
    // The sample taken at the send instant goes out in the next batch.
    provide(&mut h, &[("power", 9.0), ("voltage", 1.0)]);
    h.advance(secs(30));
    provide(&mut h, &[("power", 9.0), ("voltage", 1.0)]);
    let r = update(&mut h);
    assert_eq!(r.dtstart, Some(start + secs(30)));
}

#[test]
fn report_back_shorter_than_granularity_sends_each_sample() {
    let mut h = reporting();
    create(
        &mut h,
        vec![ReportRequest::new(
            "rq",
            "tel-spec",
            Duration::seconds(20),
            Duration::seconds(5),
        )
        .with_point("power", ReadingType::DirectRead)],
    );
    provide(&mut h, &[("power", 1.0)]);
    h.advance(secs(19));
    h.nothing_sent();
    h.advance(secs(1));
    assert_eq!(update(&mut h).intervals.unwrap().len(), 1);
}

#[test]
fn one_shot_when_granularity_is_zero() {
    let mut h = reporting();
    create(
        &mut h,
        vec![
            ReportRequest::new("once", "tel-spec", Duration::ZERO, Duration::ZERO)
                .with_point("power", ReadingType::DirectRead),
        ],
    );
    assert_eq!(h.reads.len(), 1);
    provide(&mut h, &[("power", 42.0)]);
    let r = update(&mut h);
    let iv = r.intervals.unwrap();
    assert_eq!(iv.len(), 1);
    assert_eq!(iv[0].duration, None);
    assert_eq!(iv[0].report_payloads[0].value, ReportValue::Float(42.0));
    assert!(h.e.pending_reports().is_empty());
    assert!(h.has_note(|n| matches!(
        n,
        Notification::ReportFinished {
            cancelled: false,
            ..
        }
    )));
}

#[test]
fn report_interval_bounds_periodic_reports() {
    let mut h = reporting();
    let begin = h.now() + secs(60);
    create(
        &mut h,
        vec![ReportRequest::new(
            "win",
            "tel-spec",
            Duration::seconds(10),
            Duration::seconds(20),
        )
        .with_point("power", ReadingType::DirectRead)
        .with_interval(begin, Duration::seconds(50))],
    );
    assert!(h.reads.is_empty(), "nothing before the window");
    assert_eq!(h.e.next_timeout(), Some(begin));
    let mut sent = 0;
    for _ in 0..30 {
        h.advance(secs(5));
        provide(&mut h, &[("power", 1.0)]);
        h.drain();
        while !h.sent.is_empty() {
            let r = update(&mut h);
            sent += r.intervals.unwrap().len();
        }
    }
    assert_eq!(
        sent, 5,
        "samples at +0,+10,+20,+30,+40 within the 50 s window"
    );
    assert!(h.e.pending_reports().is_empty());
    assert!(h.has_note(|n| matches!(n, Notification::ReportFinished { report_request_id, cancelled: false } if report_request_id == "win")));
}

#[test]
fn history_usage_over_the_requested_window() {
    let mut h = reporting();
    let from = h.now() - secs(3600);
    create(
        &mut h,
        vec![
            ReportRequest::new("h1", "hist-spec", Duration::minutes(15), Duration::ZERO)
                .with_point("energy", ReadingType::DirectRead)
                .with_interval(from, Duration::hours(1)),
        ],
    );
    assert_eq!(h.reads.len(), 1);
    let r = h.reads.remove(0);
    assert_eq!(r.report_name, ReportName::HistoryUsage);
    assert_eq!(
        r.kind,
        ReadKind::History {
            start: from,
            end: from + secs(3600),
            granularity: secs(900)
        }
    );
    let readings = (0..4)
        .rev()
        .map(|k| Reading {
            r_id: "energy".into(),
            at: from + secs(900 * k),
            value: ReportValue::Float(k as f32),
        })
        .collect();
    let now = h.now();
    h.e.provide_readings(r.token, readings, now);
    let rep = update(&mut h);
    assert_eq!(rep.report_name, Some(ReportName::HistoryUsage));
    let iv = rep.intervals.unwrap();
    let got: Vec<_> = iv
        .iter()
        .map(|i| (i.dtstart.unwrap(), i.report_payloads[0].value.clone()))
        .collect();
    let want: Vec<_> = (0..4)
        .map(|k| (from + secs(900 * k), ReportValue::Float(k as f32)))
        .collect();
    assert_eq!(got, want, "sorted by time");
    assert_eq!(iv[0].duration, Some(Duration::minutes(15)));
    assert!(h.e.pending_reports().is_empty());
}

#[test]
fn history_window_in_the_future_is_read_when_it_closes() {
    let mut h = reporting();
    let from = h.now();
    create(
        &mut h,
        vec![
            ReportRequest::new("h2", "hist-spec", Duration::ZERO, Duration::ZERO)
                .with_interval(from, Duration::minutes(30)),
        ],
    );
    assert!(h.reads.is_empty());
    h.advance(secs(1799));
    assert!(h.reads.is_empty());
    h.advance(secs(1));
    assert_eq!(h.reads.len(), 1);
    assert_eq!(
        h.reads[0].r_ids,
        ["energy"],
        "no specifier payloads: every data point"
    );
    // Without a window: the buffered duration of the metadata.
    create(
        &mut h,
        vec![ReportRequest::new(
            "h3",
            "hist-spec",
            Duration::ZERO,
            Duration::ZERO,
        )],
    );
    let last = h.reads.last().unwrap();
    assert_eq!(
        last.kind,
        ReadKind::History {
            start: h.now() - secs(7200),
            end: h.now(),
            granularity: chrono::Duration::zero()
        }
    );
}

#[test]
fn unknown_specifier_or_rids_are_refused_452() {
    let mut h = reporting();
    let c = create(
        &mut h,
        vec![
            ReportRequest::new("bad", "nope", Duration::seconds(10), Duration::seconds(10)),
            ReportRequest::new(
                "bad2",
                "tel-spec",
                Duration::seconds(10),
                Duration::seconds(10),
            )
            .with_point("nope", ReadingType::DirectRead),
            ReportRequest::new(
                "good",
                "tel-spec",
                Duration::seconds(10),
                Duration::seconds(10),
            )
            .with_point("power", ReadingType::DirectRead),
        ],
    );
    assert_eq!(c.response.response_code, ResponseCode::INVALID_ID);
    assert_eq!(
        c.pending_reports,
        [PendingReport {
            report_request_id: "good".into()
        }]
    );
}

#[test]
fn cancel_report_with_and_without_report_to_follow() {
    let mut h = reporting();
    create(
        &mut h,
        vec![
            ReportRequest::new(
                "a",
                "tel-spec",
                Duration::seconds(10),
                Duration::seconds(60),
            )
            .with_point("power", ReadingType::DirectRead),
            ReportRequest::new(
                "b",
                "tel-spec",
                Duration::seconds(10),
                Duration::seconds(60),
            )
            .with_point("power", ReadingType::DirectRead),
        ],
    );
    provide(&mut h, &[("power", 5.0)]);
    h.advance(secs(10));
    provide(&mut h, &[("power", 6.0)]);
    let now = h.now();
    let ans = h.e.handle_pushed(
        CancelReport {
            request_id: "c1".into(),
            report_request_id: vec!["a".into()],
            report_to_follow: true,
            ven_id: None,
        }
        .into(),
        now,
    );
    let Message::CanceledReport(c) = ans else {
        unreachable!()
    };
    assert_eq!(c.response.response_code, ResponseCode::OK);
    assert_eq!(
        c.pending_reports,
        [PendingReport {
            report_request_id: "b".into()
        }]
    );
    let r = update(&mut h);
    assert_eq!(
        (r.report_request_id.as_str(), r.intervals.unwrap().len()),
        ("a", 2)
    );
    // Without reportToFollow: nothing more is sent; unknown ids get 452.
    let ans = h.e.handle_pushed(
        CancelReport {
            request_id: "c2".into(),
            report_request_id: vec!["b".into(), "zz".into()],
            report_to_follow: false,
            ven_id: None,
        }
        .into(),
        now,
    );
    let Message::CanceledReport(c) = ans else {
        unreachable!()
    };
    assert_eq!(c.response.response_code, ResponseCode::INVALID_ID);
    assert!(c.pending_reports.is_empty());
    h.advance(secs(120));
    assert!(h.reads.is_empty());
    h.nothing_sent();
}

#[test]
fn cancel_report_carried_by_updated_report() {
    let mut h = reporting();
    create(
        &mut h,
        vec![
            ReportRequest::new("a", "tel-spec", Duration::ZERO, Duration::ZERO)
                .with_point("power", ReadingType::DirectRead),
        ],
    );
    create(
        &mut h,
        vec![ReportRequest::new(
            "p",
            "tel-spec",
            Duration::seconds(10),
            Duration::seconds(10),
        )
        .with_point("power", ReadingType::DirectRead)],
    );
    provide(&mut h, &[("power", 1.0)]);
    let u = h.take("oadrUpdateReport");
    h.reply(
        u.id,
        UpdatedReport {
            response: EiResponse::ok("x"),
            cancel_report: Some(CancelReport {
                request_id: "cc".into(),
                report_request_id: vec!["p".into()],
                report_to_follow: false,
                ven_id: None,
            }),
            ven_id: None,
        },
    );
    let c = h.take("oadrCanceledReport");
    let Message::CanceledReport(c) = c.message else {
        unreachable!()
    };
    assert_eq!(c.response.request_id, "cc");
    assert!(h.e.pending_reports().is_empty());
}

#[test]
fn poll_delivered_create_report_is_answered_on_ei_report() {
    let mut h = reporting();
    h.advance(secs(3602));
    let p = h.take("oadrPoll");
    h.reply(
        p.id,
        CreateReport {
            request_id: "x".into(),
            report_requests: vec![ReportRequest::new(
                "s",
                "tel-spec",
                Duration::ZERO,
                Duration::ZERO,
            )],
            ven_id: None,
        },
    );
    let c = h.take("oadrCreatedReport");
    assert_eq!(c.service, crate::transport::Service::EiReport);
    // VTN-offered reports and VTN report data are acknowledged.
    h.advance(secs(3602));
    let p = h.take("oadrPoll");
    h.reply(
        p.id,
        RegisterReport {
            request_id: "vr".into(),
            reports: vec![],
            ven_id: None,
            report_request_id: None,
        },
    );
    let a = h.take("oadrRegisteredReport");
    let Message::RegisteredReport(a) = a.message else {
        unreachable!()
    };
    assert_eq!(
        (a.response.request_id.as_str(), a.report_requests.len()),
        ("vr", 0)
    );
    h.advance(secs(3602));
    let p = h.take("oadrPoll");
    h.reply(
        p.id,
        UpdateReport {
            request_id: "vu".into(),
            reports: vec![],
            ven_id: None,
        },
    );
    let a = h.take("oadrUpdatedReport");
    let Message::UpdatedReport(a) = a.message else {
        unreachable!()
    };
    assert_eq!(a.response.request_id, "vu");
    assert!(h.has_note(|n| matches!(n, Notification::VtnReport(_))));
}

#[test]
fn resource_status_values_pass_through() {
    let mut c = cfg();
    c.offered_reports = vec![OfferedReport::new(
        Report::metadata("st", ReportName::MetadataTelemetryStatus, t0())
            .with_duration(Duration::hours(1))
            .with_description(ReportDescription::new(
                "status",
                ReportType::ResourceStatus,
                ReadingType::NotApplicable,
            )),
    )];
    let mut h = H::new(c);
    h.register(None);
    create(
        &mut h,
        vec![ReportRequest::new(
            "s",
            "st",
            Duration::ZERO,
            Duration::ZERO,
        )],
    );
    let r = h.reads.remove(0);
    assert_eq!(r.report_name, ReportName::TelemetryStatus);
    let st = ResourceStatus {
        online: true,
        manual_override: false,
        load_control_state: None,
    };
    let at = match r.kind {
        ReadKind::Sample { at } => at,
        _ => unreachable!(),
    };
    let now = h.now();
    h.e.provide_readings(
        r.token,
        vec![Reading {
            r_id: "status".into(),
            at,
            value: ReportValue::ResourceStatus(st.clone()),
        }],
        now,
    );
    let rep = update(&mut h);
    assert_eq!(
        rep.intervals.unwrap()[0].report_payloads[0].value,
        ReportValue::ResourceStatus(st)
    );
}
