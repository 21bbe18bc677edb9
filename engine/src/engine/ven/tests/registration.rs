//! Registration, polling, re-registration and cancellation (spec digest §4, §9.1.8).

use super::*;

#[test]
fn startup_sequence_query_create_poll_request_event() {
    let mut h = H::new(cfg());
    h.start();
    let q = h.take("oadrQueryRegistration");
    assert_eq!(q.service, crate::transport::Service::EiRegisterParty);
    h.nothing_sent();
    h.reply(q.id, created_registration(None, None, None));
    let c = h.take("oadrCreatePartyRegistration");
    let Message::CreatePartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    assert_eq!(cp.ven_name.as_deref(), Some("ven-name"));
    assert_eq!(cp.http_pull_model, Some(true));
    assert_eq!(cp.profile_name, ProfileName::B20);
    assert_eq!(cp.transport_name, TransportName::SimpleHttp);
    assert_eq!(
        (cp.ven_id.as_deref(), cp.registration_id.as_deref()),
        (None, None)
    );
    h.reply(
        c.id,
        created_registration(Some("ven-1"), Some("reg-1"), Some(Duration::seconds(30))),
    );
    assert_eq!(h.persisted.len(), 1);
    let reg = h.persisted[0].clone().unwrap();
    assert_eq!(
        (
            reg.ven_id.as_str(),
            reg.registration_id.as_str(),
            reg.vtn_id.as_str()
        ),
        ("ven-1", "reg-1", "vtn-1")
    );
    assert!(h.has_note(|n| matches!(n, Notification::Registered(_))));
    // No reports offered: straight to the poll, then oadrRequestEvent.
    let p = h.take("oadrPoll");
    assert_eq!(p.service, crate::transport::Service::OadrPoll);
    assert_eq!(
        p.message,
        Message::Poll(Poll {
            ven_id: "ven-1".into()
        })
    );
    h.nothing_sent();
    h.ok(p.id);
    let re = h.take("oadrRequestEvent");
    assert_eq!(re.service, crate::transport::Service::EiEvent);
    assert!(h.e.is_registered());
    // The registration serializes (state file).
    let json = serde_json::to_string(&reg).unwrap();
    assert_eq!(serde_json::from_str::<Registration>(&json).unwrap(), reg);
}

#[test]
fn persisted_registration_is_reused_only_for_the_same_ven_name() {
    let mut h = H::with_state(cfg(), Some(registration()));
    h.start();
    let p = h.take("oadrPoll");
    assert_eq!(
        p.message,
        Message::Poll(Poll {
            ven_id: "ven-1".into()
        })
    );
    let mut other = registration();
    other.ven_name = "someone-else".into();
    let mut h = H::with_state(cfg(), Some(other));
    h.start();
    h.take("oadrQueryRegistration");
}

#[test]
fn refused_registration_backs_off_doubling_up_to_the_cap() {
    let mut c = cfg();
    c.retry_backoff = (secs(5), secs(20));
    let mut h = H::new(c);
    h.start();
    let mut waits = Vec::new();
    for _ in 0..4 {
        let q = h.take("oadrQueryRegistration");
        h.reply(q.id, created_registration(None, None, None));
        let c = h.take("oadrCreatePartyRegistration");
        let mut refused = created_registration(None, None, None);
        refused.response = EiResponse::error(ResponseCode::NOT_ALLOWED, "");
        h.reply(c.id, refused);
        assert!(h.has_note(|n| matches!(
            n,
            Notification::RegistrationFailed {
                code: Some(ResponseCode(451)),
                ..
            }
        )));
        let at = h.e.next_timeout().unwrap();
        waits.push((at - h.now()).num_seconds());
        h.nothing_sent();
        h.advance(at - h.now());
    }
    assert_eq!(waits, [5, 10, 20, 20]);
    assert!(h.persisted.is_empty());
}

#[test]
fn transport_failure_and_missing_ids_retry_registration() {
    let mut h = H::new(cfg());
    h.start();
    let q = h.take("oadrQueryRegistration");
    let now = h.now();
    h.e.handle_failure(q.id, "connection refused".into(), now);
    h.drain();
    assert!(h.has_note(|n| matches!(n, Notification::RegistrationFailed { code: None, .. })));
    h.advance(secs(5));
    let q = h.take("oadrQueryRegistration");
    h.reply(q.id, created_registration(None, None, None));
    let c = h.take("oadrCreatePartyRegistration");
    h.reply(c.id, created_registration(Some("ven-1"), None, None));
    assert!(!h.e.is_registered());
    assert!(h.has_note(|n| matches!(
        n,
        Notification::RegistrationFailed {
            code: Some(ResponseCode(452)),
            ..
        }
    )));
}

#[test]
fn polls_never_come_more_often_than_the_requested_frequency() {
    let mut h = H::new(cfg());
    h.register(Some(Duration::seconds(30)));
    let mut times = Vec::new();
    for _ in 0..25 {
        let at = h.e.next_timeout().unwrap();
        h.advance(at - h.now());
        let p = h.take("oadrPoll");
        times.push(h.now());
        // While a poll is in flight no other poll is due.
        assert_eq!(h.e.next_timeout(), None);
        h.ok(p.id);
    }
    let gaps: Vec<i64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds())
        .collect();
    assert!(
        gaps.iter().all(|g| (30_000..=31_000).contains(g)),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|g| *g != gaps[0]),
        "jitter expected: {gaps:?}"
    );
}

#[test]
fn default_poll_interval_applies_without_a_requested_frequency() {
    let mut h = H::new(cfg());
    h.register(None);
    let gap = h.e.next_timeout().unwrap() - h.now();
    assert!(gap >= secs(10) && gap <= secs(11), "{gap}");
    // A failed poll keeps the schedule.
    h.advance(gap);
    let p = h.take("oadrPoll");
    let now = h.now();
    h.e.handle_empty_reply(p.id, now);
    h.drain();
    assert!(h.has_note(|n| matches!(
        n,
        Notification::ExchangeFailed {
            request: "oadrPoll",
            ..
        }
    )));
    assert!(h.e.next_timeout().unwrap() >= h.now() + secs(10));
}

#[test]
fn vtn_request_reregistration_is_acknowledged_then_registers_again() {
    let mut c = cfg();
    c.offered_reports = vec![super::reports::telemetry_offer()];
    let mut h = H::new(c);
    h.register(Some(Duration::seconds(10)));
    h.advance(secs(11));
    let p = h.take("oadrPoll");
    h.reply(
        p.id,
        RequestReregistration {
            ven_id: "ven-1".into(),
        },
    );
    let ack = h.take("oadrResponse");
    assert_eq!(ack.service, crate::transport::Service::EiRegisterParty);
    let Message::Response(r) = &ack.message else {
        unreachable!()
    };
    assert_eq!(
        (r.response.response_code, r.ven_id.as_deref()),
        (ResponseCode::OK, Some("ven-1"))
    );
    // OpenLEADR answers an oadrResponse with an empty body: not a failure.
    let now = h.now();
    h.e.handle_empty_reply(ack.id, now);
    h.drain();
    assert!(!h.has_note(|n| matches!(n, Notification::ExchangeFailed { .. })));
    let c = h.take("oadrCreatePartyRegistration");
    let Message::CreatePartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    assert_eq!(
        (cp.registration_id.as_deref(), cp.ven_id.as_deref()),
        (Some("reg-1"), Some("ven-1"))
    );
    // No polling while re-registering.
    assert_eq!(h.e.next_timeout(), None);
    h.reply(
        c.id,
        created_registration(Some("ven-1"), Some("reg-2"), None),
    );
    assert_eq!(h.e.registration().unwrap().registration_id, "reg-2");
    // Metadata is re-sent after re-registration.
    let rr = h.take("oadrRegisterReport");
    h.reply(
        rr.id,
        RegisteredReport {
            response: EiResponse::ok("x"),
            report_requests: vec![],
            ven_id: None,
        },
    );
    h.take("oadrPoll");
}

#[test]
fn user_reregistration() {
    let mut h = H::new(cfg());
    assert_eq!(h.e.reregister(h.now()), Err(VenError::NotRegistered));
    h.register(None);
    h.e.reregister(h.now()).unwrap();
    let c = h.take("oadrCreatePartyRegistration");
    let Message::CreatePartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    assert_eq!(cp.registration_id.as_deref(), Some("reg-1"));
}

#[test]
fn vtn_cancellation_is_answered_and_forgets_the_registration() {
    let mut h = H::new(cfg());
    h.register(None);
    h.advance(secs(11));
    // A cancellation for a registration that is not ours: 452.
    let p = h.take("oadrPoll");
    h.reply(
        p.id,
        CancelPartyRegistration {
            request_id: "c0".into(),
            registration_id: "other".into(),
            ven_id: Some("ven-1".into()),
        },
    );
    let a = h.take("oadrCanceledPartyRegistration");
    let Message::CanceledPartyRegistration(cp) = &a.message else {
        unreachable!()
    };
    assert_eq!(cp.response.response_code, ResponseCode::INVALID_ID);
    assert!(h.e.is_registered());
    h.advance(secs(11));
    let p = h.take("oadrPoll");
    h.reply(
        p.id,
        CancelPartyRegistration {
            request_id: "c1".into(),
            registration_id: "reg-1".into(),
            ven_id: Some("ven-1".into()),
        },
    );
    let a = h.take("oadrCanceledPartyRegistration");
    assert_eq!(a.service, crate::transport::Service::EiRegisterParty);
    let Message::CanceledPartyRegistration(cp) = &a.message else {
        unreachable!()
    };
    assert_eq!(cp.response.response_code, ResponseCode::OK);
    assert_eq!(cp.response.request_id, "c1");
    assert_eq!(cp.ven_id.as_deref(), Some("ven-1"));
    assert_eq!(cp.registration_id.as_deref(), Some("reg-1"));
    assert_eq!(h.persisted.last(), Some(&None));
    assert!(h.has_note(|n| *n == Notification::RegistrationCancelled { by_vtn: true }));
    assert_eq!(h.e.next_timeout(), None);
    assert!(h.e.registration().is_none());
}

#[test]
fn ven_cancellation() {
    let mut h = H::new(cfg());
    assert_eq!(
        h.e.cancel_registration(h.now()),
        Err(VenError::NotRegistered)
    );
    h.register(None);
    h.e.cancel_registration(h.now()).unwrap();
    assert_eq!(
        h.e.cancel_registration(h.now()),
        Err(VenError::CancelInProgress)
    );
    let c = h.take("oadrCancelPartyRegistration");
    let Message::CancelPartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    assert_eq!(
        (cp.registration_id.as_str(), cp.ven_id.as_deref()),
        ("reg-1", Some("ven-1"))
    );
    // A refusal keeps the registration.
    h.reply(
        c.id,
        CanceledPartyRegistration {
            response: EiResponse::error(ResponseCode::NOT_ALLOWED, ""),
            registration_id: None,
            ven_id: None,
        },
    );
    assert!(h.e.is_registered());
    assert!(h.has_note(|n| matches!(
        n,
        Notification::VtnError {
            code: ResponseCode(451),
            ..
        }
    )));
    h.e.cancel_registration(h.now()).unwrap();
    let c = h.take("oadrCancelPartyRegistration");
    h.reply(
        c.id,
        CanceledPartyRegistration {
            response: EiResponse::ok(request_id(&c.message)),
            registration_id: Some("reg-1".into()),
            ven_id: Some("ven-1".into()),
        },
    );
    assert!(h.has_note(|n| *n == Notification::RegistrationCancelled { by_vtn: false }));
    assert_eq!(h.persisted.last(), Some(&None));
    assert_eq!(h.e.next_timeout(), None);
    h.advance(chrono::Duration::hours(1));
    h.nothing_sent();
}

#[test]
fn answer_463_means_register_from_scratch() {
    let mut h = H::new(cfg());
    h.register(None);
    h.advance(secs(11));
    let p = h.take("oadrPoll");
    h.reply(p.id, response(463, "ven-1"));
    assert_eq!(h.persisted.last(), Some(&None));
    assert!(h.e.registration().is_none());
    h.nothing_sent();
    h.advance(secs(5));
    h.take("oadrQueryRegistration");
}

#[test]
fn stray_replies_and_ven_only_payloads_are_ignored() {
    let mut h = H::new(cfg());
    h.register(None);
    h.reply(ExchangeId(9999), response(200, "ven-1"));
    assert!(h.has_note(|n| matches!(n, Notification::Unexpected { .. })));
    h.advance(secs(11));
    let p = h.take("oadrPoll");
    h.reply(p.id, Poll { ven_id: "x".into() });
    assert!(h.has_note(|n| matches!(
        n,
        Notification::Unexpected {
            message_type: "oadrPoll",
            ..
        }
    )));
    h.nothing_sent();
    assert!(h.e.is_registered());
    // A non-200 oadrResponse to a poll is reported.
    h.advance(secs(11));
    let p = h.take("oadrPoll");
    h.reply(p.id, response(469, "ven-1"));
    assert!(h.has_note(|n| matches!(
        n,
        Notification::VtnError {
            code: ResponseCode(469),
            ..
        }
    )));
}

#[test]
fn push_mode_registers_with_its_address_and_never_polls() {
    let mut c = cfg();
    c.http_pull_model = false;
    c.transport_address = Some("https://127.0.0.1:8443".into());
    let mut h = H::new(c);
    h.start();
    let q = h.take("oadrQueryRegistration");
    h.reply(q.id, created_registration(None, None, None));
    let c = h.take("oadrCreatePartyRegistration");
    let Message::CreatePartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    // Spec digest §2, §4: simpleHttp with oadrHttpPullModel=false and the VEN's own address.
    assert_eq!(cp.http_pull_model, Some(false));
    assert_eq!(cp.transport_name, TransportName::SimpleHttp);
    assert_eq!(
        cp.transport_address.as_deref(),
        Some("https://127.0.0.1:8443")
    );
    h.reply(
        c.id,
        created_registration(Some("ven-1"), Some("reg-1"), Some(Duration::seconds(10))),
    );
    // No oadrPoll: straight to oadrRequestEvent (certification expects it after registering).
    let re = h.take("oadrRequestEvent");
    h.reply(re.id, distribute("d0", vec![]));
    h.nothing_sent();
    assert!(h.e.is_registered());
    // Hours pass: still no poll, and no timer asks for one.
    h.advance(chrono::Duration::hours(3));
    h.nothing_sent();
    assert_eq!(h.e.next_timeout(), None);
    // A pushed payload is answered in the same exchange.
    let now = h.now();
    let answer = h.e.handle_pushed(
        Message::RequestReregistration(RequestReregistration {
            ven_id: "ven-1".into(),
        }),
        now,
    );
    let Message::Response(r) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(r.response.response_code, ResponseCode::OK);
    assert_eq!(r.ven_id.as_deref(), Some("ven-1"));
    // ... and the re-registration follows as the VEN's own request, not as an oadrResponse.
    let c = h.take("oadrCreatePartyRegistration");
    let Message::CreatePartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    assert_eq!(cp.registration_id.as_deref(), Some("reg-1"));
    assert_eq!(cp.http_pull_model, Some(false));
    h.nothing_sent();
}

#[test]
fn xmpp_registers_with_its_jid_without_pull_model_and_never_polls() {
    let mut c = cfg();
    c.transport_name = TransportName::Xmpp;
    c.http_pull_model = false;
    c.transport_address = Some("ven1@localhost/oadr".into());
    let mut h = H::new(c);
    h.start();
    let q = h.take("oadrQueryRegistration");
    h.reply(q.id, created_registration(None, None, None));
    let c = h.take("oadrCreatePartyRegistration");
    let Message::CreatePartyRegistration(cp) = &c.message else {
        unreachable!()
    };
    // Spec digest §2, §3: xmpp, the VEN's full JID, and no oadrHttpPullModel (simpleHttp only).
    assert_eq!(cp.transport_name, TransportName::Xmpp);
    assert_eq!(cp.transport_address.as_deref(), Some("ven1@localhost/oadr"));
    assert_eq!(cp.http_pull_model, None);
    h.reply(
        c.id,
        created_registration(Some("ven-1"), Some("reg-1"), Some(Duration::seconds(10))),
    );
    // §9.3.1: no oadrPoll over XMPP; oadrRequestEvent resynchronises after registering.
    let re = h.take("oadrRequestEvent");
    h.reply(re.id, distribute("d0", vec![]));
    h.advance(chrono::Duration::hours(1));
    h.nothing_sent();
    assert_eq!(h.e.next_timeout(), None);
}
