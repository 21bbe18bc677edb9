//! EiEvent rules: 2, 4, 5, 7, 8, 9, 14, 21, the signal table and status vs time.

use super::path::Path;
use super::rules::*;
use super::{Context, Finding};
use crate::model::{
    DistributeEvent, Event, EventSignal, EventStatus, ItemKind, SignalName, SignalType,
};
use chrono::{DateTime, Utc};

pub(crate) fn check_distribute(
    m: &DistributeEvent,
    ctx: &Context,
    root: &Path,
    out: &mut Vec<Finding>,
) {
    if let Some(vtn) = &ctx.vtn_id {
        if &m.vtn_id != vtn {
            out.push(Finding::new(
                &RULE_21_IDS,
                root.child("vtnID").as_str(),
                format!("vtnID {:?} is not the expected {vtn:?}", m.vtn_id),
            ));
        }
    }
    for (i, e) in m.events.iter().enumerate() {
        let p = root.nth("oadrEvent", i).child("eiEvent");
        check_event(e, ctx, &p, out);
    }
}

/// All single-event rules for the event at `p` (`.../oadrEvent[n]/eiEvent`).
pub(crate) fn check_event(e: &Event, ctx: &Context, p: &Path, out: &mut Vec<Finding>) {
    let active = e.event_descriptor.event_status == EventStatus::Active;
    let mut simple_count = 0;
    for (j, s) in e.event_signals.iter().enumerate() {
        let sp = p.child("eiEventSignals").nth("eiEventSignal", j);
        check_uids(s, &sp, out);
        check_interval_sum(e, s, p, &sp, out);
        check_signal_combination(s, &sp, out);
        if s.signal_name.is_simple() {
            simple_count += 1;
            if simple_count == 2 {
                out.push(Finding::new(
                    &RULE_7_ONE_SIMPLE_SIGNAL,
                    sp.child("signalName").as_str(),
                    "a second SIMPLE signal in the same event",
                ));
            }
            check_simple_levels(s, &sp, out);
            check_simple_current_value(e, s, active, ctx.now, &sp, out);
        }
    }
    if let Some(now) = ctx.now {
        check_status_times(e, now, p, out);
    }
}

fn check_uids(s: &EventSignal, sp: &Path, out: &mut Vec<Finding>) {
    for (k, iv) in s.intervals.iter().enumerate() {
        let expected = u32::try_from(k).unwrap_or(u32::MAX);
        let ip = sp.child("intervals").nth("interval", k);
        match iv.uid {
            Some(u) if u == expected => {}
            Some(u) => out.push(Finding::new(
                &RULE_2_UID_SEQUENCE,
                ip.at(&["uid", "text"]).as_str(),
                format!("interval {} has uid {u}, expected {expected}", k + 1),
            )),
            None => out.push(Finding::new(
                &RULE_2_UID_SEQUENCE,
                ip.as_str(),
                format!("interval {} has no uid, expected {expected}", k + 1),
            )),
        }
    }
}

fn check_interval_sum(e: &Event, s: &EventSignal, p: &Path, sp: &Path, out: &mut Vec<Finding>) {
    let ap = &e.active_period.duration;
    let Some(period) = ap.to_chrono() else {
        out.push(Finding::new(
            &RULE_8_INTERVALS_SUM,
            p.at(&["eiActivePeriod", "properties", "duration"]).as_str(),
            format!("active period duration {ap} has years or months; the sum cannot be checked"),
        ));
        return;
    };
    let mut sum = chrono::Duration::zero();
    for (k, iv) in s.intervals.iter().enumerate() {
        match iv.duration.and_then(|d| d.to_chrono()) {
            Some(d) => sum += d,
            None => {
                out.push(Finding::new(
                    &RULE_8_INTERVALS_SUM,
                    sp.child("intervals").nth("interval", k).as_str(),
                    format!("interval {} has no exact duration", k + 1),
                ));
                return;
            }
        }
    }
    if sum != period {
        let fmt = |d: chrono::Duration| {
            crate::model::Duration::from_chrono(d)
                .map(|x| x.to_string())
                .unwrap_or_else(|| format!("{}s", d.num_seconds()))
        };
        out.push(Finding::new(
            &RULE_8_INTERVALS_SUM,
            sp.child("intervals").as_str(),
            format!(
                "interval durations add up to {}, the active period lasts {}",
                fmt(sum),
                fmt(period)
            ),
        ));
    }
}

fn check_simple_levels(s: &EventSignal, sp: &Path, out: &mut Vec<Finding>) {
    for (k, iv) in s.intervals.iter().enumerate() {
        for v in &iv.signal_payloads {
            if ![0.0, 1.0, 2.0, 3.0].contains(v) {
                out.push(Finding::new(
                    &RULE_9_SIMPLE_LEVELS,
                    sp.child("intervals")
                        .nth("interval", k)
                        .at(&["signalPayload", "payloadFloat", "value"])
                        .as_str(),
                    format!("SIMPLE payload {v} is not 0, 1, 2 or 3"),
                ));
            }
        }
    }
}

/// The interval of `e`'s signal `s` that contains `now`, if any.
fn current_interval_value(e: &Event, s: &EventSignal, now: DateTime<Utc>) -> Option<f32> {
    let mut start = e.active_period.dtstart;
    for iv in &s.intervals {
        if let Some(ds) = iv.dtstart {
            start = ds;
        }
        let end = start.checked_add_signed(iv.duration?.to_chrono()?)?;
        if now >= start && now < end {
            return iv.value();
        }
        start = end;
    }
    None
}

fn check_simple_current_value(
    e: &Event,
    s: &EventSignal,
    active: bool,
    now: Option<DateTime<Utc>>,
    sp: &Path,
    out: &mut Vec<Finding>,
) {
    let Some(cv) = s.current_value else { return };
    let path = sp.at(&["currentValue", "payloadFloat", "value"]);
    if !active {
        if cv != 0.0 {
            out.push(Finding::new(
                &RULE_14_SIMPLE_CURRENT_VALUE,
                path.as_str(),
                format!(
                    "SIMPLE currentValue is {cv} while the event is {}",
                    e.event_descriptor.event_status
                ),
            ));
        }
        return;
    }
    if let Some(expected) = now.and_then(|n| current_interval_value(e, s, n)) {
        if cv != expected {
            out.push(Finding::new(
                &RULE_14_SIMPLE_CURRENT_VALUE,
                path.as_str(),
                format!("SIMPLE currentValue is {cv}, the current interval's level is {expected}"),
            ));
        }
    }
}

/// The spec table of signal names → types and units (digest §5, unconfirmed).
fn allowed(name: &SignalName) -> Option<(&'static [SignalType], Option<&'static [ItemKind]>)> {
    use ItemKind as K;
    use SignalType as T;
    const PRICES: &[SignalType] = &[T::Price, T::PriceRelative, T::PriceMultiplier];
    Some(match name {
        SignalName::Simple | SignalName::SimpleLower => (&[T::Level], Some(&[])),
        SignalName::ElectricityPrice => (PRICES, Some(&[K::CurrencyPerKWh])),
        SignalName::EnergyPrice => (PRICES, Some(&[K::CurrencyPerThm])),
        SignalName::DemandCharge => (PRICES, Some(&[K::CurrencyPerKW])),
        SignalName::BidPrice => (&[T::Price], Some(&[K::CurrencyPerKWh, K::Currency])),
        SignalName::BidLoad => (&[T::Setpoint], Some(&[K::PowerReal])),
        SignalName::BidEnergy => (&[T::Setpoint], Some(&[K::EnergyReal])),
        SignalName::ChargeState => (
            &[T::Setpoint, T::Delta, T::Multiplier],
            Some(&[K::EnergyReal, K::CustomUnit]),
        ),
        SignalName::LoadDispatch => (
            &[T::Setpoint, T::Delta, T::Multiplier, T::Level],
            Some(&[K::PowerReal]),
        ),
        SignalName::LoadControl => (
            &[
                T::LoadControlCapacity,
                T::LoadControlLevelOffset,
                T::LoadControlPercentOffset,
                T::LoadControlSetpoint,
            ],
            Some(&[]),
        ),
        _ => return None,
    })
}

fn check_signal_combination(s: &EventSignal, sp: &Path, out: &mut Vec<Finding>) {
    let Some((types, kinds)) = allowed(&s.signal_name) else {
        return;
    };
    if !types.contains(&s.signal_type) {
        out.push(Finding::new(
            &SIGNAL_COMBINATION,
            sp.child("signalType").as_str(),
            format!(
                "signalType {} is not allowed with signalName {}",
                s.signal_type, s.signal_name
            ),
        ));
    }
    if let (Some(kinds), Some(m)) = (kinds, &s.measurement) {
        if !kinds.contains(&m.name) {
            out.push(Finding::new(
                &SIGNAL_COMBINATION,
                sp.child(m.name.as_str()).as_str(),
                if kinds.is_empty() {
                    format!(
                        "signalName {} takes no itemBase, found {}",
                        s.signal_name,
                        m.name.as_str()
                    )
                } else {
                    format!(
                        "itemBase {} is not allowed with signalName {}",
                        m.name.as_str(),
                        s.signal_name
                    )
                },
            ));
        }
    }
}

fn check_status_times(e: &Event, now: DateTime<Utc>, p: &Path, out: &mut Vec<Finding>) {
    let status = e.event_descriptor.event_status;
    if matches!(status, EventStatus::Cancelled | EventStatus::None) {
        return;
    }
    let start = e.active_period.dtstart;
    let end = e.active_period.end();
    let expected: &[EventStatus] = if now < start {
        &[EventStatus::Far, EventStatus::Near]
    } else if end.is_none_or(|end| now < end) {
        &[EventStatus::Active]
    } else {
        &[EventStatus::Completed]
    };
    if !expected.contains(&status) {
        let want: Vec<&str> = expected.iter().map(|s| s.as_str()).collect();
        out.push(Finding::new(
            &EVENT_STATUS_TIMES,
            p.at(&["eventDescriptor", "eventStatus"]).as_str(),
            format!(
                "eventStatus is {status} at {now}, expected {}",
                want.join(" or ")
            ),
        ));
    }
}

fn event_path() -> Path {
    Path::message("oadrDistributeEvent")
        .child("oadrEvent")
        .child("eiEvent")
}

/// Rule 4: an event the receiver has not seen before has modificationNumber 0.
pub fn check_new_event(event: &Event) -> Vec<Finding> {
    let n = event.event_descriptor.modification_number;
    if n == 0 {
        return Vec::new();
    }
    vec![Finding::new(
        &RULE_4_NEW_EVENT_MODIFICATION,
        event_path()
            .at(&["eventDescriptor", "modificationNumber"])
            .as_str(),
        format!(
            "new event {:?} has modificationNumber {n}",
            event.event_descriptor.event_id
        ),
    )]
}

/// The event with the fields that may change without a new modification number
/// (createdDateTime, eventStatus, currentValue, and the modification bookkeeping) cleared.
fn substance(e: &Event) -> Event {
    let mut e = e.clone();
    let d = &mut e.event_descriptor;
    d.created_date_time = DateTime::<Utc>::UNIX_EPOCH;
    d.event_status = EventStatus::None;
    d.modification_number = 0;
    d.modification_date_time = None;
    d.modification_reason = None;
    for s in &mut e.event_signals {
        s.current_value = None;
    }
    e
}

/// Rule 5: comparing a received event with the previous version of the same eventID.
pub fn check_event_update(previous: &Event, next: &Event) -> Vec<Finding> {
    let (a, b) = (
        previous.event_descriptor.modification_number,
        next.event_descriptor.modification_number,
    );
    let path = event_path().at(&["eventDescriptor", "modificationNumber"]);
    let id = &next.event_descriptor.event_id;
    if b < a {
        return vec![Finding::new(
            &RULE_5_MODIFICATION_INCREMENT,
            path.as_str(),
            format!("event {id:?}: modificationNumber went down from {a} to {b}"),
        )];
    }
    let cancelled = next.event_descriptor.event_status == EventStatus::Cancelled
        && previous.event_descriptor.event_status != EventStatus::Cancelled;
    let changed = substance(previous) != substance(next);
    if (changed || cancelled) && b == a {
        let what = if cancelled {
            "was cancelled"
        } else {
            "changed"
        };
        return vec![Finding::new(
            &RULE_5_MODIFICATION_INCREMENT,
            path.as_str(),
            format!("event {id:?} {what} but its modificationNumber stayed {a}"),
        )];
    }
    Vec::new()
}
