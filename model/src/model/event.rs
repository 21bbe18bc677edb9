//! EiEvent: `oadrDistributeEvent`, `oadrRequestEvent`, `oadrCreatedEvent` and the event
//! structure (spec digest §5).
//!
//! ```
//! use oadr::model::{Duration, Event, Targets};
//! use chrono::{TimeZone, Utc};
//! let start = Utc.with_ymd_and_hms(2026, 7, 1, 14, 0, 0).unwrap();
//! let event = Event::builder("event-1", "http://market.example/ctx")
//!     .start(start)
//!     .simple_signal([(Duration::minutes(30), 1.0), (Duration::minutes(30), 2.0)])
//!     .targets(Targets::vens(["ven-1"]))
//!     .build();
//! assert_eq!(event.active_period.duration, Duration::hours(1));
//! assert_eq!(event.event_signals[0].intervals[1].uid, Some(1));
//! ```

use super::common::{lenient, EiResponse, ResponseCode};
use super::duration::Duration;
use super::targets::{Targets, TargetsField};
use super::tokens::{EventStatus, OptType, ResponseRequired, SignalName, SignalType};
use super::units::ItemBase;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `xcal:tolerance/xcal:tolerate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tolerate {
    /// `xcal:startafter`: the VEN may start up to this long after dtstart (randomisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startafter: Option<Duration>,
}

/// `xcal:tolerance`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tolerance {
    /// `xcal:tolerate`.
    pub tolerate: Tolerate,
}

/// `xcal:properties`: the `ei:eiActivePeriod` of an event, a report request's
/// `reportInterval`, or an `xcal:available` component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivePeriod {
    /// `xcal:dtstart`.
    pub dtstart: DateTime<Utc>,
    /// `xcal:duration`.
    pub duration: Duration,
    /// `xcal:tolerance` (start randomisation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Tolerance>,
    /// `ei:x-eiNotification`.
    #[serde(
        default,
        alias = "notification_period",
        skip_serializing_if = "Option::is_none"
    )]
    pub notification: Option<Duration>,
    /// `ei:x-eiRampUp`.
    #[serde(
        default,
        alias = "ramp_up_period",
        skip_serializing_if = "Option::is_none"
    )]
    pub ramp_up: Option<Duration>,
    /// `ei:x-eiRecovery`.
    #[serde(
        default,
        alias = "recovery_period",
        skip_serializing_if = "Option::is_none"
    )]
    pub recovery: Option<Duration>,
}

impl ActivePeriod {
    /// A period of `duration` from `dtstart`.
    pub fn new(dtstart: DateTime<Utc>, duration: Duration) -> ActivePeriod {
        ActivePeriod {
            dtstart,
            duration,
            tolerance: None,
            notification: None,
            ramp_up: None,
            recovery: None,
        }
    }

    /// The `startafter` randomisation window, if any.
    pub fn start_after(&self) -> Option<Duration> {
        self.tolerance.as_ref().and_then(|t| t.tolerate.startafter)
    }

    /// The end (`dtstart + duration`), when the duration is exact and non-zero
    /// (a zero duration means "open-ended").
    pub fn end(&self) -> Option<DateTime<Utc>> {
        if self.duration.is_zero() {
            return None;
        }
        self.dtstart.checked_add_signed(self.duration.to_chrono()?)
    }
}

/// An `ei:interval` of an event signal or baseline (payload `ei:signalPayload`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// `xcal:dtstart` (usually only on the first interval, or absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<DateTime<Utc>>,
    /// `xcal:duration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// `xcal:uid/xcal:text`: 0, 1, 2... within a signal (rule 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `ei:signalPayload/ei:payloadFloat/ei:value`, one per `signalPayload` element
    /// (JSON: a number for one, a list for several).
    #[serde(rename = "signal_payload", with = "lenient::xs_float::one_or_many")]
    pub signal_payloads: Vec<f32>,
}

impl Interval {
    /// An interval with one payload value.
    pub fn new(uid: u32, duration: Duration, value: f32) -> Interval {
        Interval {
            dtstart: None,
            duration: Some(duration),
            uid: Some(uid),
            signal_payloads: vec![value],
        }
    }

    /// The first payload value.
    pub fn value(&self) -> Option<f32> {
        self.signal_payloads.first().copied()
    }
}

/// `ei:eiEventSignal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSignal {
    /// `strm:intervals/ei:interval`.
    pub intervals: Vec<Interval>,
    /// `ei:eiTarget` of the signal (usually endDeviceAsset only).
    #[serde(flatten, with = "opt_targets_field")]
    pub targets: Option<Targets>,
    /// `ei:signalName`.
    pub signal_name: SignalName,
    /// `ei:signalType`.
    pub signal_type: SignalType,
    /// `ei:signalID`.
    #[serde(deserialize_with = "lenient::string")]
    pub signal_id: String,
    /// `emix:itemBase` (units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<ItemBase>,
    /// `ei:currentValue/ei:payloadFloat/ei:value`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::xs_float::opt"
    )]
    pub current_value: Option<f32>,
}

/// `ei:eiEventBaseline`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBaseline {
    /// `xcal:dtstart`.
    pub dtstart: DateTime<Utc>,
    /// `xcal:duration`.
    pub duration: Duration,
    /// `strm:intervals/ei:interval`.
    pub intervals: Vec<Interval>,
    /// `ei:baselineID`.
    #[serde(deserialize_with = "lenient::string")]
    pub baseline_id: String,
    /// `ei:resourceID`s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_id: Vec<String>,
    /// `ei:baselineName`.
    pub baseline_name: String,
    /// `emix:itemBase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<ItemBase>,
}

/// `ei:testEvent`: any text; anything other than `false` marks a test event (rule 6).
/// JSON: a boolean for `true`/`false`, the text otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestEvent(pub String);

impl TestEvent {
    /// Rule 6: a test event unless the value is exactly `false`.
    pub fn is_test(&self) -> bool {
        self.0 != "false"
    }
}

impl Serialize for TestEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_str() {
            "true" => s.serialize_bool(true),
            "false" => s.serialize_bool(false),
            other => s.serialize_str(other),
        }
    }
}

impl<'de> Deserialize<'de> for TestEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TestEvent, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        Ok(TestEvent(match Raw::deserialize(d)? {
            Raw::Bool(b) => b.to_string(),
            Raw::Text(t) => t,
        }))
    }
}

/// `ei:eventDescriptor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDescriptor {
    /// `ei:eventID`.
    #[serde(deserialize_with = "lenient::string")]
    pub event_id: String,
    /// `ei:modificationNumber` (0 for a new event, rule 4).
    pub modification_number: u32,
    /// `ei:modificationDateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modification_date_time: Option<DateTime<Utc>>,
    /// `ei:modificationReason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modification_reason: Option<String>,
    /// `ei:priority` (lower is higher; 0 = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// `ei:eiMarketContext/emix:marketContext`.
    pub market_context: String,
    /// `ei:createdDateTime`.
    pub created_date_time: DateTime<Utc>,
    /// `ei:eventStatus`.
    pub event_status: EventStatus,
    /// `ei:testEvent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_event: Option<TestEvent>,
    /// `ei:vtnComment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtn_comment: Option<String>,
}

/// `oadr:oadrEvent`: an `ei:eiEvent` with its `oadrResponseRequired`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `ei:eventDescriptor`.
    pub event_descriptor: EventDescriptor,
    /// `ei:eiActivePeriod`.
    pub active_period: ActivePeriod,
    /// `ei:eiEventSignals/ei:eiEventSignal`.
    pub event_signals: Vec<EventSignal>,
    /// `ei:eiEventSignals/ei:eiEventBaseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_baseline: Option<EventBaseline>,
    /// `ei:eiTarget`.
    #[serde(flatten, with = "targets_field")]
    pub targets: Targets,
    /// `oadr:oadrResponseRequired`.
    pub response_required: ResponseRequired,
}

impl Event {
    /// Start building an event (status `far`, modification 0, response `always`).
    pub fn builder(event_id: impl Into<String>, market_context: impl Into<String>) -> EventBuilder {
        EventBuilder::new(event_id.into(), market_context.into())
    }

    /// The event id.
    pub fn id(&self) -> &str {
        &self.event_descriptor.event_id
    }
}

/// Builds an [`Event`] in a few lines; interval uids and the active period's duration are
/// filled in from the signals so that rules 2 and 8 hold by construction.
#[derive(Debug, Clone)]
pub struct EventBuilder {
    event: Event,
    explicit_duration: bool,
}

impl EventBuilder {
    fn new(event_id: String, market_context: String) -> EventBuilder {
        let now = Utc::now();
        EventBuilder {
            event: Event {
                event_descriptor: EventDescriptor {
                    event_id,
                    modification_number: 0,
                    modification_date_time: None,
                    modification_reason: None,
                    priority: None,
                    market_context,
                    created_date_time: now,
                    event_status: EventStatus::Far,
                    test_event: None,
                    vtn_comment: None,
                },
                active_period: ActivePeriod::new(now, Duration::ZERO),
                event_signals: Vec::new(),
                event_baseline: None,
                targets: Targets::default(),
                response_required: ResponseRequired::Always,
            },
            explicit_duration: false,
        }
    }

    /// The active period's start.
    pub fn start(mut self, dtstart: DateTime<Utc>) -> Self {
        self.event.active_period.dtstart = dtstart;
        self
    }

    /// The active period's duration (otherwise the sum of the first signal's intervals).
    pub fn duration(mut self, d: Duration) -> Self {
        self.event.active_period.duration = d;
        self.explicit_duration = true;
        self
    }

    /// `createdDateTime` (default: now).
    pub fn created(mut self, at: DateTime<Utc>) -> Self {
        self.event.event_descriptor.created_date_time = at;
        self
    }

    /// `eventStatus` (default `far`).
    pub fn status(mut self, s: EventStatus) -> Self {
        self.event.event_descriptor.event_status = s;
        self
    }

    /// `modificationNumber`.
    pub fn modification(mut self, n: u32) -> Self {
        self.event.event_descriptor.modification_number = n;
        self
    }

    /// `priority`.
    pub fn priority(mut self, p: u32) -> Self {
        self.event.event_descriptor.priority = Some(p);
        self
    }

    /// Mark as a test event (`testEvent` = `true`).
    pub fn test_event(mut self, test: bool) -> Self {
        self.event.event_descriptor.test_event = Some(TestEvent(test.to_string()));
        self
    }

    /// `vtnComment`.
    pub fn comment(mut self, c: impl Into<String>) -> Self {
        self.event.event_descriptor.vtn_comment = Some(c.into());
        self
    }

    /// Start randomisation (`tolerance/tolerate/startafter`).
    pub fn start_after(mut self, d: Duration) -> Self {
        self.event.active_period.tolerance = Some(Tolerance {
            tolerate: Tolerate {
                startafter: Some(d),
            },
        });
        self
    }

    /// `x-eiNotification`, `x-eiRampUp`, `x-eiRecovery`.
    pub fn notice(
        mut self,
        notification: Option<Duration>,
        ramp_up: Option<Duration>,
        recovery: Option<Duration>,
    ) -> Self {
        let p = &mut self.event.active_period;
        p.notification = notification;
        p.ramp_up = ramp_up;
        p.recovery = recovery;
        self
    }

    /// The event's targets.
    pub fn targets(mut self, t: Targets) -> Self {
        self.event.targets = t;
        self
    }

    /// `oadrResponseRequired`.
    pub fn response_required(mut self, r: ResponseRequired) -> Self {
        self.event.response_required = r;
        self
    }

    /// Add a signal with consecutive intervals given as (duration, value); uids count
    /// from 0 and the first interval carries no dtstart (it starts with the event).
    pub fn signal(
        mut self,
        name: SignalName,
        signal_type: SignalType,
        measurement: Option<ItemBase>,
        intervals: impl IntoIterator<Item = (Duration, f32)>,
    ) -> Self {
        let n = self.event.event_signals.len();
        let intervals = intervals
            .into_iter()
            .enumerate()
            .map(|(i, (d, v))| Interval::new(u32::try_from(i).unwrap_or(u32::MAX), d, v))
            .collect();
        self.event.event_signals.push(EventSignal {
            intervals,
            targets: None,
            signal_name: name,
            signal_type,
            signal_id: format!("signal-{n}"),
            measurement,
            current_value: None,
        });
        self
    }

    /// Add a `SIMPLE`/`level` signal (values 0–3, rule 9) with `currentValue` 0.
    pub fn simple_signal(self, intervals: impl IntoIterator<Item = (Duration, f32)>) -> Self {
        let mut b = self.signal(SignalName::Simple, SignalType::Level, None, intervals);
        if let Some(s) = b.event.event_signals.last_mut() {
            s.current_value = Some(0.0);
        }
        b
    }

    /// Set the last added signal's `signalID`.
    pub fn signal_id(mut self, id: impl Into<String>) -> Self {
        if let Some(s) = self.event.event_signals.last_mut() {
            s.signal_id = id.into();
        }
        self
    }

    /// Finish: unless set explicitly, the active period's duration is the sum of the first
    /// signal's interval durations (rule 8).
    pub fn build(mut self) -> Event {
        if !self.explicit_duration {
            if let Some(s) = self.event.event_signals.first() {
                let total = s
                    .intervals
                    .iter()
                    .filter_map(|i| i.duration.and_then(|d| d.to_chrono()))
                    .fold(chrono::Duration::zero(), |a, b| a + b);
                if let Some(d) = Duration::from_chrono(total) {
                    self.event.active_period.duration = d;
                }
            }
        }
        self.event
    }
}

/// `oadrDistributeEvent` (VTN → VEN): the complete set of events for the VEN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistributeEvent {
    /// `ei:eiResponse` (rarely used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<EiResponse>,
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:vtnID`.
    #[serde(deserialize_with = "lenient::string")]
    pub vtn_id: String,
    /// `oadr:oadrEvent`s (JSON: absent when there are none, as in OpenLEADR).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
}

/// `oadrRequestEvent` (`pyld:eiRequestEvent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestEvent {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:venID`.
    #[serde(deserialize_with = "lenient::string")]
    pub ven_id: String,
    /// `pyld:replyLimit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_limit: Option<u32>,
}

/// `ei:eventResponse`: the VEN's answer for one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventResponse {
    /// `ei:responseCode`.
    pub response_code: ResponseCode,
    /// `ei:responseDescription`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_description: Option<String>,
    /// `pyld:requestID` of the oadrDistributeEvent.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:qualifiedEventID/ei:eventID`.
    #[serde(deserialize_with = "lenient::string")]
    pub event_id: String,
    /// `ei:qualifiedEventID/ei:modificationNumber`.
    pub modification_number: u32,
    /// `ei:optType`.
    pub opt_type: OptType,
}

/// `oadrCreatedEvent` (`pyld:eiCreatedEvent`), VEN → VTN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedEvent {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `ei:eventResponses/ei:eventResponse` (`None`: element absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_responses: Option<Vec<EventResponse>>,
    /// `ei:venID`.
    #[serde(deserialize_with = "lenient::string")]
    pub ven_id: String,
}

impl CreatedEvent {
    /// Opt in or out of each event of a distribute, echoing its requestID and each
    /// (eventID, modificationNumber).
    pub fn answering(
        distribute: &DistributeEvent,
        ven_id: impl Into<String>,
        opt: impl Fn(&Event) -> OptType,
    ) -> CreatedEvent {
        let responses = distribute
            .events
            .iter()
            .map(|e| EventResponse {
                response_code: ResponseCode::OK,
                response_description: Some("OK".into()),
                request_id: distribute.request_id.clone(),
                event_id: e.event_descriptor.event_id.clone(),
                modification_number: e.event_descriptor.modification_number,
                opt_type: opt(e),
            })
            .collect();
        CreatedEvent {
            response: EiResponse::ok(distribute.request_id.clone()),
            event_responses: Some(responses),
            ven_id: ven_id.into(),
        }
    }
}

/// `#[serde(flatten, with = ...)]` adapter: [`Targets`] as `targets` + `targets_by_type`.
mod targets_field {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Targets, s: S) -> Result<S::Ok, S::Error> {
        TargetsField(t.clone()).serialize(s)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Targets, D::Error> {
        TargetsField::deserialize(d).map(|t| t.0)
    }
}

/// Like `targets_field`, for an optional `ei:eiTarget` (absent when no key is present).
mod opt_targets_field {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Option<Targets>, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match t {
            Some(t) => TargetsField(t.clone()).serialize(s),
            None => s.serialize_map(Some(0))?.end(),
        }
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Targets>, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            targets: Option<serde_json::Value>,
            #[serde(default)]
            targets_by_type: Option<serde_json::Value>,
        }
        let raw = Raw::deserialize(d)?;
        if raw.targets.is_none() && raw.targets_by_type.is_none() {
            return Ok(None);
        }
        let mut m = serde_json::Map::new();
        if let Some(t) = raw.targets {
            m.insert("targets".into(), t);
        }
        if let Some(t) = raw.targets_by_type {
            m.insert("targets_by_type".into(), t);
        }
        TargetsField::deserialize(serde_json::Value::Object(m))
            .map(|t| Some(t.0))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 1, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn builder_fills_uids_and_duration() {
        let e = Event::builder("e1", "http://mc")
            .start(t0())
            .created(t0())
            .simple_signal([(Duration::minutes(10), 1.0), (Duration::minutes(10), 2.0)])
            .targets(Targets::vens(["v1"]))
            .build();
        assert_eq!(e.active_period.duration, Duration::minutes(20));
        let uids: Vec<_> = e.event_signals[0].intervals.iter().map(|i| i.uid).collect();
        assert_eq!(uids, [Some(0), Some(1)]);
    }

    #[test]
    fn json_uses_openleadr_keys() {
        let e = Event::builder("e1", "http://mc")
            .start(t0())
            .created(t0())
            .start_after(Duration::minutes(5))
            .simple_signal([(Duration::minutes(10), 1.0)])
            .targets(Targets::vens(["v1"]))
            .build();
        let d = DistributeEvent {
            response: None,
            request_id: "r1".into(),
            vtn_id: "vtn".into(),
            events: vec![e],
        };
        let v = serde_json::to_value(&d).unwrap();
        let ev = &v["events"][0];
        assert_eq!(ev["event_descriptor"]["event_id"], "e1");
        assert_eq!(ev["active_period"]["dtstart"], "2021-01-01T12:00:00Z");
        assert_eq!(
            ev["active_period"]["tolerance"]["tolerate"]["startafter"],
            "PT5M"
        );
        assert_eq!(
            ev["event_signals"][0]["intervals"][0]["signal_payload"],
            1.0
        );
        assert_eq!(ev["event_signals"][0]["signal_name"], "SIMPLE");
        assert_eq!(ev["targets"], serde_json::json!([{"ven_id": "v1"}]));
        assert_eq!(ev["targets_by_type"], serde_json::json!({"ven_id": ["v1"]}));
        assert_eq!(ev["response_required"], "always");
        assert!(ev["event_signals"][0].get("targets").is_none());
        let back: DistributeEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn test_event_rule_6() {
        assert!(!TestEvent("false".into()).is_test());
        assert!(TestEvent("true".into()).is_test());
        assert!(TestEvent("yes please".into()).is_test());
        let t: TestEvent = serde_json::from_str("false").unwrap();
        assert_eq!(t.0, "false");
    }

    #[test]
    fn created_event_echoes_ids() {
        let e = Event::builder("e1", "mc").modification(3).build();
        let d = DistributeEvent {
            response: None,
            request_id: "req-9".into(),
            vtn_id: "vtn".into(),
            events: vec![e],
        };
        let c = CreatedEvent::answering(&d, "ven", |_| OptType::OptIn);
        let r = &c.event_responses.as_ref().unwrap()[0];
        assert_eq!(
            (
                r.request_id.as_str(),
                r.event_id.as_str(),
                r.modification_number
            ),
            ("req-9", "e1", 3)
        );
    }
}
