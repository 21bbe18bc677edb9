//! EiEvent conversions (oadrDistributeEvent, oadrCreatedEvent, oadrRequestEvent).

use super::common::{
    ei_response_from, ei_response_to, empty_any, item_to, opt_item_from, schema_version,
    targets_from, targets_to,
};
use super::{
    dprop_from_wire, dprop_to_wire, dtstart_from_wire, dtstart_to_wire, duration_from_wire,
    duration_to_wire, model_token, time_from_wire, time_to_wire, token_value, Path, Result,
};
use crate::model::{
    ActivePeriod, CreatedEvent, DistributeEvent, Event, EventBaseline, EventDescriptor,
    EventResponse, EventSignal, Interval, RequestEvent, ResponseCode, TestEvent, Tolerance,
    Tolerate,
};
use crate::wire::generated::{ei, oadr, pyld, strm, xcal};

pub(crate) fn properties_from(w: &xcal::PropertiesElementType, p: &Path) -> Result<ActivePeriod> {
    let tolerance = match &w.tolerance {
        Some(t) => {
            let q = p.at("tolerance");
            let q = q.at("tolerate");
            Some(Tolerance {
                tolerate: Tolerate {
                    startafter: t
                        .tolerate
                        .startafter
                        .as_ref()
                        .map(|d| duration_from_wire(d, &q.at("startafter")))
                        .transpose()?,
                },
            })
        }
        None => None,
    };
    let opt = |d: &Option<xcal::DurationPropType>, name| {
        d.as_ref()
            .map(|d| dprop_from_wire(d, &p.at(name)))
            .transpose()
    };
    Ok(ActivePeriod {
        dtstart: dtstart_from_wire(&w.dtstart, &p.at("dtstart"))?,
        duration: dprop_from_wire(&w.duration, &p.at("duration"))?,
        tolerance,
        notification: opt(&w.x_ei_notification, "x-eiNotification")?,
        ramp_up: opt(&w.x_ei_ramp_up, "x-eiRampUp")?,
        recovery: opt(&w.x_ei_recovery, "x-eiRecovery")?,
    })
}

pub(crate) fn properties_to(m: &ActivePeriod, p: &Path) -> Result<xcal::PropertiesElementType> {
    let opt = |d: &Option<crate::model::Duration>, name| {
        d.as_ref()
            .map(|d| dprop_to_wire(d, &p.at(name)))
            .transpose()
    };
    Ok(xcal::PropertiesElementType {
        dtstart: dtstart_to_wire(&m.dtstart, &p.at("dtstart"))?,
        duration: dprop_to_wire(&m.duration, &p.at("duration"))?,
        tolerance: match &m.tolerance {
            Some(t) => Some(xcal::PropertiesToleranceElementType {
                tolerate: xcal::PropertiesToleranceTolerateElementType {
                    startafter: t
                        .tolerate
                        .startafter
                        .as_ref()
                        .map(|d| duration_to_wire(d, &p.at("tolerance")))
                        .transpose()?,
                },
            }),
            None => None,
        },
        x_ei_notification: opt(&m.notification, "x-eiNotification")?,
        x_ei_ramp_up: opt(&m.ramp_up, "x-eiRampUp")?,
        x_ei_recovery: opt(&m.recovery, "x-eiRecovery")?,
    })
}

fn uid_from(u: &Option<xcal::UidElementType>, p: &Path) -> Result<Option<u32>> {
    u.as_ref()
        .map(|u| {
            u.text.trim().parse::<u32>().map_err(|_| {
                p.at("uid")
                    .at("text")
                    .err(format!("uid {:?} is not an interval number", u.text))
            })
        })
        .transpose()
}

fn uid_to(u: Option<u32>) -> Option<xcal::UidElementType> {
    u.map(|n| xcal::UidElementType {
        text: n.to_string(),
    })
}

fn interval_from(w: &ei::IntervalType, p: &Path) -> Result<Interval> {
    let mut values = Vec::with_capacity(w.stream_payload_base.len());
    for (i, s) in w.stream_payload_base.iter().enumerate() {
        let q = p.nth("signalPayload", i);
        match s {
            strm::StreamPayloadBase::SignalPayload(ei::SignalPayloadType::PayloadBase(
                ei::PayloadBase::PayloadFloat(f),
            )) => values.push(f.value),
            _ => return Err(q.err("an event interval holds ei:signalPayload/ei:payloadFloat")),
        }
    }
    Ok(Interval {
        dtstart: w
            .dtstart
            .as_ref()
            .map(|d| dtstart_from_wire(d, &p.at("dtstart")))
            .transpose()?,
        duration: w
            .duration
            .as_ref()
            .map(|d| dprop_from_wire(d, &p.at("duration")))
            .transpose()?,
        uid: uid_from(&w.uid, p)?,
        signal_payloads: values,
    })
}

fn interval_to(m: &Interval, p: &Path) -> Result<ei::IntervalType> {
    Ok(ei::IntervalType {
        dtstart: m
            .dtstart
            .as_ref()
            .map(|d| dtstart_to_wire(d, &p.at("dtstart")))
            .transpose()?,
        duration: m
            .duration
            .as_ref()
            .map(|d| dprop_to_wire(d, &p.at("duration")))
            .transpose()?,
        uid: uid_to(m.uid),
        stream_payload_base: m
            .signal_payloads
            .iter()
            .map(|v| {
                strm::StreamPayloadBase::SignalPayload(ei::SignalPayloadType::PayloadBase(
                    ei::PayloadBase::PayloadFloat(ei::PayloadFloatType { value: *v }),
                ))
            })
            .collect(),
    })
}

fn intervals_from(w: &strm::IntervalsElementType, p: &Path) -> Result<Vec<Interval>> {
    let q = p.at("intervals");
    w.interval
        .iter()
        .enumerate()
        .map(|(i, x)| interval_from(x, &q.nth("interval", i)))
        .collect()
}

fn intervals_to(m: &[Interval], p: &Path) -> Result<strm::IntervalsElementType> {
    let q = p.at("intervals");
    Ok(strm::IntervalsElementType {
        interval: m
            .iter()
            .enumerate()
            .map(|(i, x)| interval_to(x, &q.nth("interval", i)))
            .collect::<Result<_>>()?,
    })
}

fn signal_from(w: &ei::EiEventSignalType, p: &Path) -> Result<EventSignal> {
    Ok(EventSignal {
        intervals: intervals_from(&w.intervals, p)?,
        targets: w.ei_target.as_ref().map(targets_from),
        signal_name: model_token(&w.signal_name, &p.at("signalName"))?,
        signal_type: model_token(&w.signal_type, &p.at("signalType"))?,
        signal_id: w.signal_id.clone(),
        measurement: opt_item_from(&w.item_base, p)?,
        current_value: w.current_value.as_ref().map(|c| match c {
            ei::CurrentValueType::PayloadFloat(f) => f.value,
        }),
    })
}

fn signal_to(m: &EventSignal, p: &Path) -> Result<ei::EiEventSignalType> {
    Ok(ei::EiEventSignalType {
        intervals: intervals_to(&m.intervals, p)?,
        ei_target: m.targets.as_ref().map(targets_to),
        signal_name: token_value(m.signal_name.as_str(), &p.at("signalName"))?,
        signal_type: token_value(m.signal_type.as_str(), &p.at("signalType"))?,
        signal_id: m.signal_id.clone(),
        item_base: m.measurement.as_ref().map(|i| item_to(i, p)).transpose()?,
        current_value: m
            .current_value
            .map(|v| ei::CurrentValueType::PayloadFloat(ei::PayloadFloatType { value: v })),
    })
}

fn baseline_from(w: &ei::EiEventBaselineType, p: &Path) -> Result<EventBaseline> {
    Ok(EventBaseline {
        dtstart: dtstart_from_wire(&w.dtstart, &p.at("dtstart"))?,
        duration: dprop_from_wire(&w.duration, &p.at("duration"))?,
        intervals: intervals_from(&w.intervals, p)?,
        baseline_id: w.baseline_id.clone(),
        resource_id: w.resource_id.clone(),
        baseline_name: w.baseline_name.clone(),
        measurement: opt_item_from(&w.item_base, p)?,
    })
}

fn baseline_to(m: &EventBaseline, p: &Path) -> Result<ei::EiEventBaselineType> {
    Ok(ei::EiEventBaselineType {
        dtstart: dtstart_to_wire(&m.dtstart, &p.at("dtstart"))?,
        duration: dprop_to_wire(&m.duration, &p.at("duration"))?,
        intervals: intervals_to(&m.intervals, p)?,
        baseline_id: m.baseline_id.clone(),
        resource_id: m.resource_id.clone(),
        baseline_name: m.baseline_name.clone(),
        item_base: m.measurement.as_ref().map(|i| item_to(i, p)).transpose()?,
    })
}

fn descriptor_from(w: &ei::EventDescriptorType, p: &Path) -> Result<EventDescriptor> {
    Ok(EventDescriptor {
        event_id: w.event_id.clone(),
        modification_number: w.modification_number,
        modification_date_time: w
            .modification_date_time
            .as_ref()
            .map(|t| time_from_wire(t, &p.at("modificationDateTime")))
            .transpose()?,
        modification_reason: w.modification_reason.clone(),
        priority: w.priority,
        market_context: w.ei_market_context.market_context.clone(),
        created_date_time: time_from_wire(&w.created_date_time, &p.at("createdDateTime"))?,
        event_status: model_token(&w.event_status, &p.at("eventStatus"))?,
        test_event: w.test_event.clone().map(TestEvent),
        vtn_comment: w.vtn_comment.clone(),
    })
}

fn descriptor_to(m: &EventDescriptor, p: &Path) -> Result<ei::EventDescriptorType> {
    Ok(ei::EventDescriptorType {
        event_id: m.event_id.clone(),
        modification_number: m.modification_number,
        modification_date_time: m
            .modification_date_time
            .as_ref()
            .map(|t| time_to_wire(t, &p.at("modificationDateTime")))
            .transpose()?,
        modification_reason: m.modification_reason.clone(),
        priority: m.priority,
        ei_market_context: ei::EventDescriptorTypeEiMarketContextElementType {
            market_context: m.market_context.clone(),
        },
        created_date_time: time_to_wire(&m.created_date_time, &p.at("createdDateTime"))?,
        event_status: token_value(m.event_status.as_str(), &p.at("eventStatus"))?,
        test_event: m.test_event.as_ref().map(|t| t.0.clone()),
        vtn_comment: m.vtn_comment.clone(),
    })
}

fn event_from(w: &oadr::OadrDistributeEventTypeOadrEventElementType, p: &Path) -> Result<Event> {
    let e = &w.ei_event;
    let q = p.at("eiEvent");
    let sp = q.at("eiEventSignals");
    Ok(Event {
        event_descriptor: descriptor_from(&e.event_descriptor, &q.at("eventDescriptor"))?,
        active_period: properties_from(
            &e.ei_active_period.properties,
            &q.at("eiActivePeriod").at("properties"),
        )?,
        event_signals: e
            .ei_event_signals
            .ei_event_signal
            .iter()
            .enumerate()
            .map(|(i, s)| signal_from(s, &sp.nth("eiEventSignal", i)))
            .collect::<Result<_>>()?,
        event_baseline: e
            .ei_event_signals
            .ei_event_baseline
            .as_ref()
            .map(|b| baseline_from(b, &sp.at("eiEventBaseline")))
            .transpose()?,
        targets: targets_from(&e.ei_target),
        response_required: model_token(&w.oadr_response_required, &p.at("oadrResponseRequired"))?,
    })
}

fn event_to(m: &Event, p: &Path) -> Result<oadr::OadrDistributeEventTypeOadrEventElementType> {
    let q = p.at("eiEvent");
    let sp = q.at("eiEventSignals");
    Ok(oadr::OadrDistributeEventTypeOadrEventElementType {
        ei_event: ei::EiEventType {
            event_descriptor: descriptor_to(&m.event_descriptor, &q.at("eventDescriptor"))?,
            ei_active_period: ei::EiActivePeriodType {
                properties: properties_to(
                    &m.active_period,
                    &q.at("eiActivePeriod").at("properties"),
                )?,
                components: empty_any(),
            },
            ei_event_signals: ei::EiEventSignalsType {
                ei_event_signal: m
                    .event_signals
                    .iter()
                    .enumerate()
                    .map(|(i, s)| signal_to(s, &sp.nth("eiEventSignal", i)))
                    .collect::<Result<_>>()?,
                ei_event_baseline: m
                    .event_baseline
                    .as_ref()
                    .map(|b| baseline_to(b, &sp.at("eiEventBaseline")))
                    .transpose()?,
            },
            ei_target: targets_to(&m.targets),
        },
        oadr_response_required: token_value(
            m.response_required.as_str(),
            &p.at("oadrResponseRequired"),
        )?,
    })
}

pub(crate) fn distribute_from(
    w: &oadr::OadrDistributeEventType,
    p: &Path,
) -> Result<DistributeEvent> {
    Ok(DistributeEvent {
        response: w
            .ei_response
            .as_ref()
            .map(|r| ei_response_from(r, &p.at("eiResponse")))
            .transpose()?,
        request_id: w.request_id.clone(),
        vtn_id: w.vtn_id.clone(),
        events: w
            .oadr_event
            .iter()
            .enumerate()
            .map(|(i, e)| event_from(e, &p.nth("oadrEvent", i)))
            .collect::<Result<_>>()?,
    })
}

pub(crate) fn distribute_to(
    m: &DistributeEvent,
    p: &Path,
) -> Result<oadr::OadrDistributeEventType> {
    Ok(oadr::OadrDistributeEventType {
        schema_version: Some(schema_version()),
        ei_response: m
            .response
            .as_ref()
            .map(|r| ei_response_to(r, &p.at("eiResponse")))
            .transpose()?,
        request_id: m.request_id.clone(),
        vtn_id: m.vtn_id.clone(),
        oadr_event: m
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| event_to(e, &p.nth("oadrEvent", i)))
            .collect::<Result<_>>()?,
    })
}

pub(crate) fn created_from(w: &oadr::OadrCreatedEventType, p: &Path) -> Result<CreatedEvent> {
    let c = &w.ei_created_event;
    let q = p.at("eiCreatedEvent");
    let rp = q.at("eventResponses");
    let responses = match &c.event_responses {
        Some(r) => Some(
            r.event_response
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let ep = rp.nth("eventResponse", i);
                    Ok(EventResponse {
                        response_code: ResponseCode::parse(&e.response_code.0)
                            .ok_or_else(|| ep.at("responseCode").err("not a 3-digit code"))?,
                        response_description: e.response_description.clone(),
                        request_id: e.request_id.clone(),
                        event_id: e.qualified_event_id.event_id.clone(),
                        modification_number: e.qualified_event_id.modification_number,
                        opt_type: model_token(&e.opt_type, &ep.at("optType"))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        None => None,
    };
    Ok(CreatedEvent {
        response: ei_response_from(&c.ei_response, &q.at("eiResponse"))?,
        event_responses: responses,
        ven_id: c.ven_id.clone(),
    })
}

pub(crate) fn created_to(m: &CreatedEvent, p: &Path) -> Result<oadr::OadrCreatedEventType> {
    let q = p.at("eiCreatedEvent");
    let rp = q.at("eventResponses");
    let responses = match &m.event_responses {
        Some(r) => Some(ei::EventResponsesElementType {
            event_response: r
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let ep = rp.nth("eventResponse", i);
                    Ok(ei::EventResponsesEventResponseElementType {
                        response_code: ei::ResponseCodeType::new(e.response_code.to_string())
                            .map_err(|x| ep.at("responseCode").err(format!("{x:?}")))?,
                        response_description: e.response_description.clone(),
                        request_id: e.request_id.clone(),
                        qualified_event_id: ei::QualifiedEventIdType {
                            event_id: e.event_id.clone(),
                            modification_number: e.modification_number,
                        },
                        opt_type: token_value(e.opt_type.as_str(), &ep.at("optType"))?,
                    })
                })
                .collect::<Result<_>>()?,
        }),
        None => None,
    };
    Ok(oadr::OadrCreatedEventType {
        schema_version: Some(schema_version()),
        ei_created_event: pyld::EiCreatedEventElementType {
            ei_response: ei_response_to(&m.response, &q.at("eiResponse"))?,
            event_responses: responses,
            ven_id: m.ven_id.clone(),
        },
    })
}

pub(crate) fn request_from(w: &oadr::OadrRequestEventType, _p: &Path) -> Result<RequestEvent> {
    let r = &w.ei_request_event;
    Ok(RequestEvent {
        request_id: r.request_id.clone(),
        ven_id: r.ven_id.clone(),
        reply_limit: r.reply_limit,
    })
}

pub(crate) fn request_to(m: &RequestEvent) -> oadr::OadrRequestEventType {
    oadr::OadrRequestEventType {
        schema_version: Some(schema_version()),
        ei_request_event: pyld::EiRequestEventElementType {
            request_id: m.request_id.clone(),
            ven_id: m.ven_id.clone(),
            reply_limit: m.reply_limit,
        },
    }
}
