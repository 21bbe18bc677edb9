//! EiOpt (spec digest §7).

use super::*;

#[test]
fn create_and_cancel_opts_for_events_and_availability() {
    let mut h = H::new(cfg());
    let spec = OptSpec {
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Emergency,
        target: OptTarget::Event {
            event_id: "e1".into(),
            modification_number: 2,
        },
        targets: Targets::new().resource("pump"),
        market_context: None,
        opt_id: None,
    };
    assert_eq!(
        h.e.create_opt(spec.clone(), h.now()),
        Err(VenError::NotRegistered)
    );
    h.register(None);
    let id = h.e.create_opt(spec, h.now()).unwrap();
    let o = h.take("oadrCreateOpt");
    assert_eq!(o.service, crate::transport::Service::EiOpt);
    let Message::CreateOpt(c) = &o.message else {
        unreachable!()
    };
    assert_eq!(
        (c.opt_id.as_str(), c.ven_id.as_str()),
        (id.as_str(), "ven-1")
    );
    assert_eq!(
        (c.event_id.as_deref(), c.modification_number),
        (Some("e1"), Some(2))
    );
    assert_eq!(c.vavailability, None);
    assert_eq!(c.created_date_time, h.now());
    h.reply(
        o.id,
        CreatedOpt {
            response: EiResponse::ok(request_id(&o.message)),
            opt_id: id.clone(),
        },
    );
    assert!(h.has_note(|n| *n
        == Notification::OptCreated {
            opt_id: id.clone(),
            code: ResponseCode::OK
        }));
    assert_eq!(h.e.opts().count(), 1);

    let avail = Vavailability {
        components: vec![ActivePeriod::new(t0() + secs(3600), Duration::hours(2))],
    };
    let id2 =
        h.e.create_opt(
            OptSpec {
                opt_type: OptType::OptOut,
                opt_reason: OptReason::Schedule,
                target: OptTarget::Availability(avail.clone()),
                targets: Targets::new(),
                market_context: Some("http://mc".into()),
                opt_id: Some("fixed".into()),
            },
            h.now(),
        )
        .unwrap();
    assert_eq!(id2, "fixed");
    let o = h.take("oadrCreateOpt");
    let Message::CreateOpt(c) = &o.message else {
        unreachable!()
    };
    assert_eq!(
        (c.vavailability.as_ref(), c.event_id.as_ref()),
        (Some(&avail), None)
    );
    // Refused by the VTN: forgotten.
    h.reply(
        o.id,
        CreatedOpt {
            response: EiResponse::error(ResponseCode::NOT_ALLOWED, ""),
            opt_id: "fixed".into(),
        },
    );
    assert_eq!(
        h.e.cancel_opt("fixed", h.now()),
        Err(VenError::UnknownOpt("fixed".into()))
    );

    h.e.cancel_opt(&id, h.now()).unwrap();
    let o = h.take("oadrCancelOpt");
    let Message::CancelOpt(c) = &o.message else {
        unreachable!()
    };
    assert_eq!(
        (c.opt_id.as_str(), c.ven_id.as_str()),
        (id.as_str(), "ven-1")
    );
    h.reply(
        o.id,
        CanceledOpt {
            response: EiResponse::ok(""),
            opt_id: Some(id.clone()),
        },
    );
    assert!(h.has_note(|n| *n
        == Notification::OptCancelled {
            opt_id: id.clone(),
            code: ResponseCode::OK
        }));
    assert_eq!(h.e.opts().count(), 0);
}
