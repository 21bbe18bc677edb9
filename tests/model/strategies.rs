//! proptest strategies for every model type, generating schema-valid values (non-empty
//! lists where the schema requires an element, finite floats, UTC times).
#![allow(dead_code)] // each test crate uses a subset

use chrono::{DateTime, TimeZone, Utc};
use oadr::model::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

pub fn id() -> BoxedStrategy<String> {
    "[A-Za-z0-9][A-Za-z0-9_.:-]{0,11}".boxed()
}

pub fn text() -> BoxedStrategy<String> {
    "[A-Za-z0-9][A-Za-z0-9 _.,:/&<>-]{0,15}[A-Za-z0-9]".boxed()
}

/// An xs:anyURI (market contexts): a scheme, so that a colon is never in a relative path's
/// first segment (RFC 3986 §4.2, which the validator applies like libxml2).
pub fn uri() -> BoxedStrategy<String> {
    "(http|https|urn):[a-z0-9][a-z0-9./_-]{0,15}".boxed()
}

pub fn time() -> BoxedStrategy<DateTime<Utc>> {
    (
        946_684_800i64..4_102_444_800i64,
        prop_oneof![Just(0u32), 1u32..1_000_000],
    )
        .prop_map(|(s, micros)| {
            Utc.timestamp_opt(s, micros * 1000)
                .single()
                .unwrap_or_default()
        })
        .boxed()
}

pub fn duration() -> BoxedStrategy<Duration> {
    prop_oneof![
        (0u32..100_000).prop_map(|s| Duration::from_secs(i64::from(s))),
        (
            any::<bool>(),
            0u32..5,
            0u32..13,
            0u32..5,
            0u32..40,
            0u32..30,
            0u32..70,
            0u32..70
        )
            .prop_map(|(neg, y, mo, _weeks, d, h, mi, s)| Duration {
                negative: neg,
                years: y,
                months: mo,
                // weeks are written as days on the wire (no PnW in the xcal pattern)
                weeks: 0,
                days: d,
                hours: h,
                minutes: mi,
                seconds: s,
                nanos: 0,
            }),
    ]
    .boxed()
}

pub fn float() -> BoxedStrategy<f32> {
    prop_oneof![
        (-1000i32..1000).prop_map(|i| i as f32 / 4.0),
        any::<f32>().prop_filter("finite", |f| f.is_finite()),
    ]
    .boxed()
}

fn token<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

pub fn signal_name() -> BoxedStrategy<SignalName> {
    prop_oneof![
        token(SignalName::ENUMERATED),
        "x-[A-Za-z_]{1,8}".prop_map(SignalName::Extension)
    ]
    .boxed()
}

pub fn response_code() -> BoxedStrategy<ResponseCode> {
    (100u16..1000).prop_map(ResponseCode).boxed()
}

pub fn ei_response() -> BoxedStrategy<EiResponse> {
    (
        response_code(),
        of(text()),
        prop_oneof![Just(String::new()), id()],
    )
        .prop_map(
            |(response_code, response_description, request_id)| EiResponse {
                response_code,
                response_description,
                request_id,
            },
        )
        .boxed()
}

pub fn targets() -> BoxedStrategy<Targets> {
    let node = || id().prop_map(|node| Node { node });
    let asset = || id().prop_map(|mrid| Asset { mrid });
    let area = || {
        let xml_id = || "[A-Za-z][A-Za-z0-9_-]{0,8}";
        (of(xml_id()), of(xml_id()), vec(-180i32..180, 1..6)).prop_map(|(id, polygon_id, p)| Area {
            feature_collection: FeatureCollection {
                id,
                polygon_id,
                pos_list: p.into_iter().map(|x| f64::from(x) / 2.0).collect(),
            },
        })
    };
    let ids = || vec(id(), 0..3);
    (
        (
            vec(node(), 0..2),
            vec(asset(), 0..3),
            vec(asset(), 0..2),
            vec(node(), 0..2),
        ),
        (vec(area(), 0..2), vec(node(), 0..2), vec(area(), 0..2)),
        vec((id(), id()), 0..2),
        (ids(), ids(), ids(), ids(), ids()),
    )
        .prop_map(
            |((ap, eda, ma, pn), (sa, sdp, sl), ti, (g, gn, r, v, p))| Targets {
                aggregated_pnode: ap,
                end_device_asset: eda,
                meter_asset: ma,
                pnode: pn,
                service_area: sa,
                service_delivery_point: sdp,
                service_location: sl,
                transport_interface: ti
                    .into_iter()
                    .map(|(a, b)| TransportInterface {
                        point_of_receipt: a,
                        point_of_delivery: b,
                    })
                    .collect(),
                group_id: g,
                group_name: gn,
                resource_id: r,
                ven_id: v,
                party_id: p,
            },
        )
        .boxed()
}

pub fn item_base() -> BoxedStrategy<ItemBase> {
    (
        token(ItemKind::ALL),
        text(),
        text(),
        of(token(SiScaleCode::ALL)),
        of((0u32..400, 0u32..1000, any::<bool>())),
        of(float()),
        0usize..3,
    )
        .prop_map(|(kind, d, u, scale, pa, pf, pick)| {
            let pulse = kind == ItemKind::PulseCount;
            let description = match kind.fixed_description() {
                Some(f) => f.to_owned(),
                None if kind.is_currency() => {
                    ["currency", "currencyPerKW", "currencyPerKWh"][pick].to_owned()
                }
                None => d,
            };
            let unit = match kind.allowed_units() {
                Some(units) => units[pick % units.len()].to_owned(),
                None if kind.is_currency() => ["USD", "EUR", "JPY"][pick].to_owned(),
                None => u,
            };
            ItemBase {
                name: kind,
                description,
                unit,
                scale: if pulse {
                    None
                } else {
                    Some(scale.unwrap_or(SiScaleCode::None))
                },
                power_attributes: if kind.has_power_attributes() {
                    let (h, v, ac) = pa.unwrap_or((50, 230, true));
                    Some(PowerAttributes {
                        hertz: f64::from(h),
                        voltage: f64::from(v),
                        ac,
                    })
                } else {
                    None
                },
                pulse_factor: if pulse { Some(pf.unwrap_or(1.0)) } else { None },
            }
        })
        .boxed()
}

pub fn period() -> BoxedStrategy<ActivePeriod> {
    (
        time(),
        duration(),
        of(of(duration())),
        of(duration()),
        of(duration()),
        of(duration()),
    )
        .prop_map(|(dtstart, duration, tol, n, r, rec)| ActivePeriod {
            dtstart,
            duration,
            tolerance: tol.map(|s| Tolerance {
                tolerate: Tolerate { startafter: s },
            }),
            notification: n,
            ramp_up: r,
            recovery: rec,
        })
        .boxed()
}

pub fn interval() -> BoxedStrategy<Interval> {
    (
        of(time()),
        of(duration()),
        of(0u32..100),
        vec(float(), 1..3),
    )
        .prop_map(|(dtstart, duration, uid, signal_payloads)| Interval {
            dtstart,
            duration,
            uid,
            signal_payloads,
        })
        .boxed()
}

pub fn signal() -> BoxedStrategy<EventSignal> {
    (
        vec(interval(), 1..4),
        of(targets()),
        signal_name(),
        token(SignalType::ALL),
        id(),
        of(item_base()),
        of(float()),
    )
        .prop_map(
            |(intervals, targets, signal_name, signal_type, signal_id, measurement, cv)| {
                EventSignal {
                    intervals,
                    targets,
                    signal_name,
                    signal_type,
                    signal_id,
                    measurement,
                    current_value: cv,
                }
            },
        )
        .boxed()
}

pub fn baseline() -> BoxedStrategy<EventBaseline> {
    (
        time(),
        duration(),
        vec(interval(), 1..3),
        id(),
        vec(id(), 0..3),
        text(),
        of(item_base()),
    )
        .prop_map(
            |(dtstart, duration, intervals, baseline_id, resource_id, baseline_name, m)| {
                EventBaseline {
                    dtstart,
                    duration,
                    intervals,
                    baseline_id,
                    resource_id,
                    baseline_name,
                    measurement: m,
                }
            },
        )
        .boxed()
}

pub fn descriptor() -> BoxedStrategy<EventDescriptor> {
    (
        (id(), 0u32..10, of(time()), of(text()), of(0u32..5)),
        (uri(), time(), token(EventStatus::ALL)),
        (
            of(prop_oneof![
                Just("true".to_owned()),
                Just("false".to_owned()),
                text()
            ]),
            of(text()),
        ),
    )
        .prop_map(
            |((event_id, n, mdt, reason, prio), (mc, created, status), (test, comment))| {
                EventDescriptor {
                    event_id,
                    modification_number: n,
                    modification_date_time: mdt,
                    modification_reason: reason,
                    priority: prio,
                    market_context: mc,
                    created_date_time: created,
                    event_status: status,
                    test_event: test.map(TestEvent),
                    vtn_comment: comment,
                }
            },
        )
        .boxed()
}

pub fn event() -> BoxedStrategy<Event> {
    (
        descriptor(),
        period(),
        vec(signal(), 1..3),
        of(baseline()),
        targets(),
        token(ResponseRequired::ALL),
    )
        .prop_map(|(d, p, s, b, t, r)| Event {
            event_descriptor: d,
            active_period: p,
            event_signals: s,
            event_baseline: b,
            targets: t,
            response_required: r,
        })
        .boxed()
}

pub fn report_description() -> BoxedStrategy<ReportDescription> {
    (
        id(),
        of(targets()),
        of(targets()),
        token(ReportType::ENUMERATED),
        of(item_base()),
        token(ReadingType::ENUMERATED),
        of(uri()),
        of((duration(), duration(), any::<bool>())),
    )
        .prop_map(|(r_id, subj, src, rt, m, read, mc, sr)| ReportDescription {
            r_id,
            report_subject: subj,
            report_data_source: src,
            report_type: rt,
            measurement: m,
            reading_type: read,
            market_context: mc,
            sampling_rate: sr.map(|(a, b, c)| SamplingRate {
                min_period: a,
                max_period: b,
                on_change: c,
            }),
        })
        .boxed()
}

fn lcv() -> BoxedStrategy<LoadControlValue> {
    (of(float()), of(float()), float(), of(float()))
        .prop_map(|(min, max, current, normal)| LoadControlValue {
            min,
            max,
            current,
            normal,
        })
        .boxed()
}

pub fn report_payload() -> BoxedStrategy<ReportPayload> {
    let status = (
        any::<bool>(),
        any::<bool>(),
        of((of(lcv()), of(lcv()), of(lcv()), of(lcv()))),
    )
        .prop_map(|(online, manual_override, lcs)| {
            ReportValue::ResourceStatus(ResourceStatus {
                online,
                manual_override,
                load_control_state: lcs.map(|(a, b, c, d)| LoadControlState {
                    capacity: a,
                    level_offset: b,
                    percent_offset: c,
                    set_point: d,
                }),
            })
        });
    (
        id(),
        of(0u32..=100),
        of(float()),
        prop_oneof![float().prop_map(ReportValue::Float), status],
        of(token(DataQuality::ENUMERATED)),
    )
        .prop_map(|(r_id, confidence, accuracy, value, dq)| ReportPayload {
            r_id,
            confidence,
            accuracy,
            value,
            data_quality: dq,
        })
        .boxed()
}

pub fn report() -> BoxedStrategy<Report> {
    let iv = (
        of(time()),
        of(duration()),
        of(0u32..50),
        vec(report_payload(), 1..3),
    )
        .prop_map(|(dtstart, duration, uid, p)| ReportInterval {
            dtstart,
            duration,
            uid,
            report_payloads: p,
            green_button: Vec::new(),
        });
    (
        (of(time()), of(duration()), of(vec(iv, 1..3)), of(id())),
        vec(report_description(), 0..3),
        (id(), id(), of(token(ReportName::ENUMERATED)), time()),
    )
        .prop_map(
            |((dtstart, duration, intervals, report_id), descs, (rr, spec, name, created))| {
                Report {
                    dtstart,
                    duration,
                    intervals,
                    report_id,
                    report_descriptions: descs,
                    report_request_id: rr,
                    report_specifier_id: spec,
                    report_name: name,
                    created_date_time: created,
                }
            },
        )
        .boxed()
}

pub fn report_request() -> BoxedStrategy<ReportRequest> {
    let sp = (id(), of(item_base()), token(ReadingType::ENUMERATED)).prop_map(|(r_id, m, rt)| {
        SpecifierPayload {
            r_id,
            measurement: m,
            reading_type: rt,
        }
    });
    (
        id(),
        id(),
        duration(),
        duration(),
        of(period()),
        vec(sp, 1..3),
    )
        .prop_map(|(rr, spec, g, rb, ri, sps)| ReportRequest {
            report_request_id: rr,
            report_specifier: ReportSpecifier {
                report_specifier_id: spec,
                granularity: g,
                report_back_duration: rb,
                report_interval: ri,
                specifier_payloads: sps,
            },
        })
        .boxed()
}

fn pending() -> BoxedStrategy<Vec<PendingReport>> {
    vec(
        id().prop_map(|report_request_id| PendingReport { report_request_id }),
        0..3,
    )
    .boxed()
}

fn cancel_report() -> BoxedStrategy<CancelReport> {
    (id(), vec(id(), 1..3), any::<bool>(), of(id()))
        .prop_map(|(r, ids, f, v)| CancelReport {
            request_id: r,
            report_request_id: ids,
            report_to_follow: f,
            ven_id: v,
        })
        .boxed()
}

fn info() -> BoxedStrategy<Info> {
    (id(), text())
        .prop_map(|(key, value)| Info { key, value })
        .boxed()
}

fn event_messages() -> BoxedStrategy<Message> {
    let event_response = (
        response_code(),
        of(text()),
        id(),
        id(),
        0u32..9,
        token(OptType::ALL),
    )
        .prop_map(|(c, d, r, e, n, o)| EventResponse {
            response_code: c,
            response_description: d,
            request_id: r,
            event_id: e,
            modification_number: n,
            opt_type: o,
        });
    prop_oneof![
        (of(ei_response()), id(), id(), vec(event(), 0..3)).prop_map(|(response, r, v, e)| {
            Message::DistributeEvent(DistributeEvent {
                response,
                request_id: r,
                vtn_id: v,
                events: e,
            })
        }),
        (ei_response(), of(vec(event_response, 0..3)), id()).prop_map(|(r, e, v)| {
            Message::CreatedEvent(CreatedEvent {
                response: r,
                event_responses: e,
                ven_id: v,
            })
        }),
        (id(), id(), of(0u32..100)).prop_map(|(r, v, l)| Message::RequestEvent(RequestEvent {
            request_id: r,
            ven_id: v,
            reply_limit: l,
        })),
        (ei_response(), of(id()))
            .prop_map(|(response, ven_id)| Message::Response(Response { response, ven_id })),
        id().prop_map(|ven_id| Message::Poll(Poll { ven_id })),
    ]
    .boxed()
}

fn opt_messages() -> BoxedStrategy<Message> {
    let create = (
        (
            id(),
            token(OptType::ALL),
            token(OptReason::ENUMERATED),
            of(uri()),
            id(),
        ),
        (of(vec(period(), 0..3)), time(), id(), of((id(), 0u32..9))),
        (targets(), of(targets())),
    )
        .prop_map(|((o, t, r, mc, v), (va, created, req, qe), (tg, dc))| {
            Message::CreateOpt(CreateOpt {
                opt_id: o,
                opt_type: t,
                opt_reason: r,
                market_context: mc,
                ven_id: v,
                vavailability: va.map(|components| Vavailability { components }),
                created_date_time: created,
                request_id: req,
                event_id: qe.as_ref().map(|q| q.0.clone()),
                modification_number: qe.map(|q| q.1),
                targets: tg,
                device_class: dc,
            })
        });
    prop_oneof![
        create,
        (ei_response(), id())
            .prop_map(|(response, opt_id)| Message::CreatedOpt(CreatedOpt { response, opt_id })),
        (id(), id(), id()).prop_map(|(r, o, v)| Message::CancelOpt(CancelOpt {
            request_id: r,
            opt_id: o,
            ven_id: v,
        })),
        (ei_response(), of(id()))
            .prop_map(|(response, opt_id)| Message::CanceledOpt(CanceledOpt { response, opt_id })),
    ]
    .boxed()
}

fn report_messages() -> BoxedStrategy<Message> {
    prop_oneof![
        (id(), vec(report(), 0..3), of(id()), of(id())).prop_map(|(r, reports, v, rr)| {
            Message::RegisterReport(RegisterReport {
                request_id: r,
                reports,
                ven_id: v,
                report_request_id: rr,
            })
        }),
        (ei_response(), vec(report_request(), 0..3), of(id())).prop_map(|(response, rr, v)| {
            Message::RegisteredReport(RegisteredReport {
                response,
                report_requests: rr,
                ven_id: v,
            })
        }),
        (id(), vec(report_request(), 1..3), of(id())).prop_map(|(r, rr, v)| {
            Message::CreateReport(CreateReport {
                request_id: r,
                report_requests: rr,
                ven_id: v,
            })
        }),
        (ei_response(), pending(), of(id())).prop_map(|(response, p, v)| {
            Message::CreatedReport(CreatedReport {
                response,
                pending_reports: p,
                ven_id: v,
            })
        }),
        (id(), vec(report(), 0..3), of(id())).prop_map(|(r, reports, v)| {
            Message::UpdateReport(UpdateReport {
                request_id: r,
                reports,
                ven_id: v,
            })
        }),
        (ei_response(), of(cancel_report()), of(id())).prop_map(|(response, c, v)| {
            Message::UpdatedReport(UpdatedReport {
                response,
                cancel_report: c,
                ven_id: v,
            })
        }),
        cancel_report().prop_map(Message::CancelReport),
        (ei_response(), pending(), of(id())).prop_map(|(response, p, v)| {
            Message::CanceledReport(CanceledReport {
                response,
                pending_reports: p,
                ven_id: v,
            })
        }),
    ]
    .boxed()
}

fn registration_messages() -> BoxedStrategy<Message> {
    let profile = (
        token(ProfileName::ALL),
        vec(token(TransportName::ALL), 1..3),
    )
        .prop_map(|(p, t)| Profile {
            profile_name: p,
            transports: t
                .into_iter()
                .map(|transport_name| Transport { transport_name })
                .collect(),
        });
    let service = (token(ServiceName::ALL), vec(info(), 1..3))
        .prop_map(|(service_name, info)| Service { service_name, info });
    let extension = (id(), vec(info(), 0..3)).prop_map(|(extension_name, info)| Extension {
        extension_name,
        info,
    });
    prop_oneof![
        id().prop_map(|request_id| Message::QueryRegistration(QueryRegistration { request_id })),
        (
            (
                id(),
                of(id()),
                of(id()),
                token(ProfileName::ALL),
                token(TransportName::ALL)
            ),
            (
                of(text()),
                any::<bool>(),
                any::<bool>(),
                of(text()),
                of(any::<bool>())
            ),
        )
            .prop_map(|((r, reg, v, p, t), (a, ro, xs, n, pull))| {
                Message::CreatePartyRegistration(CreatePartyRegistration {
                    request_id: r,
                    registration_id: reg,
                    ven_id: v,
                    profile_name: p,
                    transport_name: t,
                    transport_address: a,
                    report_only: ro,
                    xml_signature: xs,
                    ven_name: n,
                    http_pull_model: pull,
                })
            }),
        (
            (ei_response(), of(id()), of(id()), id()),
            (
                vec(profile, 1..3),
                of(duration()),
                of(vec(service, 0..3)),
                of(vec(extension, 0..3))
            ),
        )
            .prop_map(|((response, reg, v, vtn), (p, f, ssi, ext))| {
                Message::CreatedPartyRegistration(CreatedPartyRegistration {
                    response,
                    registration_id: reg,
                    ven_id: v,
                    vtn_id: vtn,
                    profiles: p,
                    requested_oadr_poll_freq: f,
                    service_specific_info: ssi.map(|service| ServiceSpecificInfo { service }),
                    extensions: ext,
                })
            }),
        (id(), id(), of(id())).prop_map(|(r, reg, v)| {
            Message::CancelPartyRegistration(CancelPartyRegistration {
                request_id: r,
                registration_id: reg,
                ven_id: v,
            })
        }),
        (ei_response(), of(id()), of(id())).prop_map(|(response, reg, v)| {
            Message::CanceledPartyRegistration(CanceledPartyRegistration {
                response,
                registration_id: reg,
                ven_id: v,
            })
        }),
        id().prop_map(|ven_id| Message::RequestReregistration(RequestReregistration { ven_id })),
    ]
    .boxed()
}

/// Any of the 23 messages.
pub fn message() -> BoxedStrategy<Message> {
    prop_oneof![
        event_messages(),
        opt_messages(),
        report_messages(),
        registration_messages()
    ]
    .boxed()
}
