//! Events: decisions, oadrCreatedEvent (rules 12, 62), scheduler, randomisation,
//! modifications and cancellations (spec digest §5).

use super::*;

fn event(id: &str, m: u32, start: DateTime<Utc>) -> Event {
    Event::builder(id, "http://mc")
        .start(start)
        .created(t0())
        .modification(m)
        .simple_signal([(Duration::minutes(5), 1.0), (Duration::minutes(5), 2.0)])
        .targets(Targets::vens(["ven-1"]))
        .build()
}

fn registered() -> H {
    let mut h = H::new(cfg());
    h.register(Some(Duration::hours(1)));
    h
}

/// Deliver a distribute through a poll.
fn deliver(h: &mut H, d: DistributeEvent) {
    h.e.poll_in_flight = true;
    let id = h.e.send(
        Pending::Poll { initial: false },
        Message::Poll(Poll {
            ven_id: "ven-1".into(),
        }),
    );
    h.drain();
    h.sent.retain(|s| s.id != id);
    h.reply(id, d);
}

fn created(h: &mut H) -> CreatedEvent {
    let o = h.take("oadrCreatedEvent");
    assert_eq!(o.service, crate::transport::Service::EiEvent);
    match o.message {
        Message::CreatedEvent(c) => c,
        _ => unreachable!(),
    }
}

#[test]
fn new_event_is_answered_after_the_decision() {
    let mut h = registered();
    deliver(
        &mut h,
        distribute("req-1", vec![event("e1", 0, t0() + secs(60))]),
    );
    assert_eq!(h.decisions.len(), 1);
    assert!(!h.decisions[0].1);
    h.nothing_sent();
    assert!(h.decide("e1", 0, OptType::OptIn));
    let c = created(&mut h);
    assert_eq!(c.ven_id, "ven-1");
    assert_eq!(c.response.request_id, "req-1");
    let r = &c.event_responses.unwrap()[0];
    assert_eq!(
        (
            r.event_id.as_str(),
            r.modification_number,
            r.opt_type,
            r.request_id.as_str()
        ),
        ("e1", 0, OptType::OptIn, "req-1")
    );
    // A second decision for the same modification is refused.
    assert!(!h.decide("e1", 0, OptType::OptOut));
    h.nothing_sent();
}

#[test]
fn response_required_never_sends_no_created_event() {
    let mut h = registered();
    let mut e = event("e1", 0, t0() + secs(60));
    e.response_required = ResponseRequired::Never;
    deliver(&mut h, distribute("req-1", vec![e]));
    h.decide("e1", 0, OptType::OptIn);
    h.nothing_sent();
    // ...but the scheduler runs.
    h.advance(secs(61));
    assert!(h.has_note(|n| matches!(n, Notification::EventStarted { .. })));
}

#[test]
fn one_answer_covers_every_event_of_a_distribute() {
    let mut h = registered();
    deliver(
        &mut h,
        distribute(
            "req-1",
            vec![
                event("a", 0, t0() + secs(60)),
                event("b", 0, t0() + secs(90)),
            ],
        ),
    );
    h.decide("b", 0, OptType::OptOut);
    h.nothing_sent();
    h.decide("a", 0, OptType::OptIn);
    let c = created(&mut h);
    let opts: Vec<_> = c
        .event_responses
        .unwrap()
        .iter()
        .map(|r| (r.event_id.clone(), r.opt_type))
        .collect();
    assert_eq!(
        opts,
        [
            ("a".to_string(), OptType::OptIn),
            ("b".to_string(), OptType::OptOut)
        ]
    );
}

#[test]
fn scheduler_fires_start_intervals_and_end_on_time() {
    let mut h = registered();
    let start = t0() + secs(60);
    deliver(&mut h, distribute("r", vec![event("e1", 0, start)]));
    h.decide("e1", 0, OptType::OptIn);
    created(&mut h);
    assert_eq!(h.e.next_timeout(), Some(start));
    h.notes.clear();
    h.advance(secs(59));
    assert!(h.notes.is_empty());
    h.advance(secs(1));
    assert_eq!(
        h.notes,
        [
            Notification::EventStarted {
                event_id: "e1".into(),
                modification_number: 0,
                offset: chrono::Duration::zero()
            },
            Notification::IntervalStarted {
                event_id: "e1".into(),
                signal_id: "signal-0".into(),
                signal_index: 0,
                uid: 0,
                values: vec![1.0]
            },
        ]
    );
    h.notes.clear();
    assert_eq!(h.e.next_timeout(), Some(start + secs(300)));
    h.advance(secs(300));
    assert_eq!(
        h.notes,
        [Notification::IntervalStarted {
            event_id: "e1".into(),
            signal_id: "signal-0".into(),
            signal_index: 0,
            uid: 1,
            values: vec![2.0]
        }]
    );
    h.notes.clear();
    h.advance(secs(300));
    assert_eq!(
        h.notes,
        [Notification::EventEnded {
            event_id: "e1".into()
        }]
    );
    assert_eq!(
        h.e.events().next().map(|(_, p)| p),
        Some(EventPhase::Finished)
    );
    // A later distribute still carrying the finished event asks nothing and answers nothing.
    h.decisions.clear();
    let mut done = event("e1", 0, start);
    done.event_descriptor.event_status = EventStatus::Completed;
    deliver(&mut h, distribute("r2", vec![done]));
    assert!(h.decisions.is_empty());
    h.nothing_sent();
}

#[test]
fn startafter_randomises_the_start_within_the_window() {
    let mut offsets = Vec::new();
    for seed in 0..12 {
        let mut c = cfg();
        c.seed = seed;
        let mut h = H::new(c);
        h.register(Some(Duration::hours(1)));
        let start = t0() + secs(60);
        let mut e = event("e1", 0, start);
        e.active_period.tolerance = Some(Tolerance {
            tolerate: Tolerate {
                startafter: Some(Duration::minutes(10)),
            },
        });
        deliver(&mut h, distribute("r", vec![e]));
        h.decide("e1", 0, OptType::OptIn);
        let at = h.e.next_timeout().unwrap();
        assert!(at >= start && at <= start + secs(600), "{at}");
        h.notes.clear();
        h.advance(at - h.now() - chrono::Duration::milliseconds(1));
        assert!(!h.has_note(|n| matches!(n, Notification::EventStarted { .. })));
        h.advance(chrono::Duration::milliseconds(1));
        let off = h.notes.iter().find_map(|n| match n {
            Notification::EventStarted { offset, .. } => Some(*offset),
            _ => None,
        });
        assert_eq!(off, Some(at - start));
        // The whole timeline moves with the offset: the end too.
        h.notes.clear();
        h.advance(secs(600) - chrono::Duration::milliseconds(1));
        assert!(!h.has_note(|n| matches!(n, Notification::EventEnded { .. })));
        h.advance(chrono::Duration::milliseconds(1));
        assert!(h.has_note(|n| matches!(n, Notification::EventEnded { .. })));
        offsets.push(at - start);
    }
    offsets.sort();
    offsets.dedup();
    assert!(
        offsets.len() > 6,
        "offsets should vary with the seed: {offsets:?}"
    );
}

#[test]
fn late_event_starts_at_once_with_its_current_interval() {
    let mut h = registered();
    h.advance(secs(400));
    deliver(&mut h, distribute("r", vec![event("e1", 0, t0())]));
    h.notes.clear();
    h.decide("e1", 0, OptType::OptIn);
    assert_eq!(h.notes.len(), 2, "{:?}", h.notes);
    assert!(matches!(h.notes[0], Notification::EventStarted { .. }));
    assert!(matches!(
        &h.notes[1],
        Notification::IntervalStarted { uid: 1, .. }
    ));
}

#[test]
fn event_received_after_its_end_only_completes() {
    let mut h = registered();
    h.advance(secs(1200));
    deliver(&mut h, distribute("r", vec![event("e1", 0, t0())]));
    h.notes.clear();
    h.decide("e1", 0, OptType::OptIn);
    assert_eq!(
        h.notes,
        [Notification::EventEnded {
            event_id: "e1".into()
        }]
    );
}

#[test]
fn opted_out_events_get_no_callbacks() {
    let mut h = registered();
    deliver(
        &mut h,
        distribute("r", vec![event("e1", 0, t0() + secs(10))]),
    );
    h.decide("e1", 0, OptType::OptOut);
    h.notes.clear();
    h.advance(secs(3600));
    assert!(!h.has_note(|n| matches!(
        n,
        Notification::EventStarted { .. }
            | Notification::IntervalStarted { .. }
            | Notification::EventEnded { .. }
    )));
}

#[test]
fn modification_asks_again_and_reschedules() {
    let mut h = registered();
    deliver(
        &mut h,
        distribute("r1", vec![event("e1", 0, t0() + secs(60))]),
    );
    h.decide("e1", 0, OptType::OptIn);
    created(&mut h);
    // Unchanged redelivery: no new question, answered again with the stored decision.
    deliver(
        &mut h,
        distribute("r2", vec![event("e1", 0, t0() + secs(60))]),
    );
    assert_eq!(h.decisions.len(), 1);
    let c = created(&mut h);
    assert_eq!(c.event_responses.unwrap()[0].opt_type, OptType::OptIn);
    // Modification 1 moves the start.
    let later = t0() + secs(600);
    deliver(&mut h, distribute("r3", vec![event("e1", 1, later)]));
    assert_eq!(h.decisions.len(), 2);
    assert!(h.decisions[1].1, "flagged as a modification");
    h.nothing_sent();
    // A decision for the superseded modification is ignored.
    assert!(!h.decide("e1", 0, OptType::OptOut));
    h.decide("e1", 1, OptType::OptOut);
    let c = created(&mut h);
    let r = &c.event_responses.unwrap()[0];
    assert_eq!(
        (r.modification_number, r.opt_type, r.request_id.as_str()),
        (1, OptType::OptOut, "r3")
    );
    // An older modification number is ignored.
    h.notes.clear();
    deliver(&mut h, distribute("r4", vec![event("e1", 0, t0())]));
    assert!(h.has_note(|n| matches!(n, Notification::Unexpected { .. })));
}

#[test]
fn modification_before_the_decision_drops_the_stale_answer() {
    let mut h = registered();
    deliver(
        &mut h,
        distribute("r1", vec![event("e1", 0, t0() + secs(60))]),
    );
    deliver(
        &mut h,
        distribute("r2", vec![event("e1", 1, t0() + secs(60))]),
    );
    h.decide("e1", 1, OptType::OptIn);
    let c = created(&mut h);
    assert_eq!(c.response.request_id, "r2");
    h.nothing_sent();
}

#[test]
fn explicit_cancellation() {
    let mut h = registered();
    deliver(&mut h, distribute("r1", vec![event("e1", 0, t0())]));
    h.decide("e1", 0, OptType::OptIn);
    created(&mut h);
    assert!(h.has_note(|n| matches!(n, Notification::EventStarted { .. })));
    let mut c = event("e1", 1, t0());
    c.event_descriptor.event_status = EventStatus::Cancelled;
    h.notes.clear();
    deliver(&mut h, distribute("r2", vec![c.clone()]));
    assert_eq!(
        h.notes,
        [Notification::EventCancelled {
            event_id: "e1".into(),
            implicit: false,
            was_active: true
        }]
    );
    let ans = created(&mut h);
    assert_eq!(ans.event_responses.unwrap()[0].modification_number, 1);
    // No more callbacks; a repeat of the cancelled event changes nothing but is acknowledged.
    h.notes.clear();
    deliver(&mut h, distribute("r3", vec![c]));
    created(&mut h);
    h.advance(secs(3600));
    assert!(!h.has_note(|n| matches!(
        n,
        Notification::IntervalStarted { .. }
            | Notification::EventEnded { .. }
            | Notification::EventCancelled { .. }
    )));
}

#[test]
fn implicit_cancellation_of_missing_events() {
    let mut h = registered();
    deliver(
        &mut h,
        distribute(
            "r1",
            vec![event("a", 0, t0()), event("b", 0, t0() + secs(3600))],
        ),
    );
    h.decide("a", 0, OptType::OptIn);
    h.decide("b", 0, OptType::OptIn);
    h.notes.clear();
    deliver(
        &mut h,
        distribute("r2", vec![event("b", 0, t0() + secs(3600))]),
    );
    assert_eq!(
        h.notes,
        [Notification::EventCancelled {
            event_id: "a".into(),
            implicit: true,
            was_active: true
        }]
    );
    h.notes.clear();
    deliver(&mut h, distribute("r3", vec![]));
    assert_eq!(
        h.notes,
        [Notification::EventCancelled {
            event_id: "b".into(),
            implicit: true,
            was_active: false
        }]
    );
    assert_eq!(h.e.events().count(), 0);
}

#[test]
fn cancelled_unknown_event_is_no_error_rule_21() {
    let mut h = registered();
    let mut c = event("ghost", 3, t0());
    c.event_descriptor.event_status = EventStatus::Cancelled;
    deliver(&mut h, distribute("r1", vec![c]));
    assert!(h.decisions.is_empty());
    let ans = created(&mut h);
    assert_eq!(ans.response.response_code, ResponseCode::OK);
    assert_eq!(
        ans.event_responses.unwrap()[0].response_code,
        ResponseCode::OK
    );
    assert!(!h.has_note(|n| matches!(n, Notification::EventCancelled { .. })));
}

#[test]
fn foreign_vtn_id_is_answered_452_rule_21() {
    let mut h = registered();
    let mut d = distribute("r1", vec![event("e1", 0, t0())]);
    d.vtn_id = "intruder".into();
    deliver(&mut h, d);
    assert!(h.decisions.is_empty());
    let ans = created(&mut h);
    assert_eq!(ans.response.response_code, ResponseCode::INVALID_ID);
    assert_eq!(ans.event_responses, None);
}

#[test]
fn pushed_distribute_is_acknowledged_in_the_exchange() {
    let mut h = registered();
    let now = h.now();
    let a =
        h.e.handle_pushed(distribute("p1", vec![event("e1", 0, t0())]).into(), now);
    assert!(matches!(&a, Message::Response(r) if r.response.response_code == ResponseCode::OK));
    h.drain();
    h.decide("e1", 0, OptType::OptIn);
    let c = created(&mut h);
    assert_eq!(c.response.request_id, "p1");
}

/// Push and XMPP: the VTN pushes an event while the VEN's oadrRequestEvent is in flight, and
/// the answer (built before the event existed, so without it) arrives after the push. The
/// pushed oadrDistributeEvent is the complete, newer set (spec digest §2): the stale answer
/// must not cancel the event by omission, and the event is answered.
#[test]
fn a_request_event_answer_older_than_a_pushed_distribute_is_dropped() {
    let mut h = registered();
    h.e.send_request_event();
    let re = h.take("oadrRequestEvent");
    let now = h.now();
    h.e.handle_pushed(
        distribute("p1", vec![event("e1", 0, t0() + secs(3600))]).into(),
        now,
    );
    h.reply(re.id, distribute("d0", vec![]));
    assert_eq!(h.decisions.len(), 1, "the pushed event is up for decision");
    let cancelled = |n: &Notification| matches!(n, Notification::EventCancelled { .. });
    assert!(!h.has_note(cancelled), "{:?}", h.notes);
    h.decide("e1", 0, OptType::OptIn);
    assert_eq!(created(&mut h).response.request_id, "p1");
    // With nothing pushed in between, an answer is applied as before: one without e1 cancels
    // it by omission.
    h.e.send_request_event();
    let re = h.take("oadrRequestEvent");
    h.reply(re.id, distribute("d1", vec![]));
    assert!(h.has_note(cancelled), "{:?}", h.notes);
}
