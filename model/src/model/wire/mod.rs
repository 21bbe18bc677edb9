//! model ↔ wire conversions, one file per protocol area beside the model's.
//!
//! [`Message::from_wire`] and [`Message::to_wire`] are lossless for every field the model
//! carries; [`decode`] and [`encode`] add the XML codec. What the model does not carry (the
//! `ds:Signature`, `oadrGBPayload` Atom feeds, `xcal:components` content) stays reachable in
//! the [`crate::wire::OadrPayload`] that [`decode_with_wire`] returns alongside.
//!
//! Lexical notes: a duration's weeks are written as days on the wire (the xcal pattern has no
//! `PnW` form; a bare `nW` is read back as weeks), and fractional seconds of durations are
//! written as the model holds them (the xcal pattern rejects them, so encoding validation
//! does too).

mod common;
mod event;
mod opt;
mod registration;
mod report;

use super::{Duration, Message, ResponseCode};
use crate::wire::generated::{oadr, xcal};
use crate::wire::runtime::{DeserializeBytes, DeserializeHelper, SerializeBytes, SerializeHelper};
use crate::wire::{self as w, MessageType};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::fmt;

/// A message that cannot be decoded into, or encoded from, the model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The XML could not be read or written (see [`crate::wire::CodecError`]).
    #[error(transparent)]
    Codec(#[from] w::CodecError),
    /// The XML is not schema-valid (every error found; see [`crate::wire::validate()`]).
    #[error(transparent)]
    Schema(#[from] w::Errors),
    /// A value the model cannot hold, or that the wire type rejects.
    #[error("{path}: {message}")]
    Value {
        /// Element path, e.g. `/oadrPayload/oadrSignedObject/oadrDistributeEvent/...`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl ModelError {
    /// The OpenADR response code for a peer whose message failed here: the schema error's
    /// code (454 for a bad value, 459 for a bad structure), else 454 (Invalid data).
    pub fn response_code(&self) -> ResponseCode {
        match self {
            ModelError::Schema(e) => ResponseCode(e.response_code()),
            _ => ResponseCode::INVALID_DATA,
        }
    }

    /// The element path the error refers to.
    pub fn path(&self) -> &str {
        match self {
            ModelError::Codec(c) => c.path(),
            ModelError::Schema(e) => e.first().map_or("", |e| e.path.as_str()),
            ModelError::Value { path, .. } => path,
        }
    }
}

/// An element path built on the stack, rendered only when an error needs it.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    name: &'static str,
    index: usize,
}

impl<'a> Path<'a> {
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        name: "oadrPayload",
        index: 0,
    };

    /// A single child element.
    pub(crate) fn at(&'a self, name: &'static str) -> Path<'a> {
        Path {
            parent: Some(self),
            name,
            index: 0,
        }
    }

    /// The `index`-th (0-based) of repeated child elements.
    pub(crate) fn nth(&'a self, name: &'static str, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            name,
            index,
        }
    }

    pub(crate) fn err(&self, message: impl fmt::Display) -> ModelError {
        ModelError::Value {
            path: self.to_string(),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.parent {
            p.fmt(f)?;
        }
        write!(f, "/{}", self.name)?;
        if self.index > 0 {
            write!(f, "[{}]", self.index + 1)?;
        }
        Ok(())
    }
}

pub(crate) type Result<T> = std::result::Result<T, ModelError>;

// ---- lexical helpers ----

/// The text of a generated enumeration or union value (its schema token).
pub(crate) fn token_text<T: SerializeBytes>(v: &T, p: &Path) -> Result<String> {
    match v.serialize_bytes(&mut SerializeHelper::default()) {
        Ok(Some(t)) => Ok(t.into_owned()),
        Ok(None) => Ok(String::new()),
        Err(e) => Err(p.err(format!("cannot write token: {e:?}"))),
    }
}

/// A generated enumeration or union value from its schema token.
pub(crate) fn token_value<T: DeserializeBytes>(s: &str, p: &Path) -> Result<T> {
    // One helper per thread: a fresh one (a namespace resolver with its allocations) cost
    // more than the token parse itself, for every token of every `to_wire` (callgrind).
    // Token values resolve no prefixes, so the helper carries no state from one to the next.
    thread_local! {
        static HELPER: std::cell::RefCell<DeserializeHelper> =
            std::cell::RefCell::new(DeserializeHelper::default());
    }
    HELPER
        .with(|h| match h.try_borrow_mut() {
            Ok(mut helper) => T::deserialize_bytes(&mut helper, s.as_bytes()),
            Err(_) => T::deserialize_bytes(&mut DeserializeHelper::default(), s.as_bytes()),
        })
        .map_err(|e| p.err(format!("{s:?} is not allowed here: {e:?}")))
}

/// A model token (anything with `FromStr`) from a wire token.
pub(crate) fn model_token<T: std::str::FromStr, W: SerializeBytes>(w: &W, p: &Path) -> Result<T>
where
    T::Err: fmt::Display,
{
    let s = token_text(w, p)?;
    s.parse().map_err(|e: T::Err| p.err(e))
}

/// `xcal:DateTimeType` text → UTC. A value without `Z` is read as UTC (rule 1 is checked on
/// the text by [`crate::conformance::check_utc_times`]).
pub(crate) fn time_from_wire(v: &xcal::DateTimeType, p: &Path) -> Result<DateTime<Utc>> {
    parse_time(&v.0).ok_or_else(|| p.err(format!("{:?} is not an xcal dateTime", v.0)))
}

pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let t = t.strip_prefix('+').unwrap_or(t);
    // keep at most nanoseconds of the fraction
    let t = match t.find('.') {
        Some(dot) if t.len() > dot + 10 => &t[..dot + 10],
        _ => t,
    };
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// UTC → `xcal:DateTimeType` text (`...Z`, fraction only when non-zero).
pub(crate) fn time_to_wire(t: &DateTime<Utc>, p: &Path) -> Result<xcal::DateTimeType> {
    xcal::DateTimeType::new(format_time(t)).map_err(|e| p.err(format!("{e:?}")))
}

pub(crate) fn format_time(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    use fmt::Write as _;
    let mut s = String::with_capacity(32);
    // Written by hand: chrono's `format` parses its pattern on every call and was the largest
    // part of `to_wire` in callgrind. Years outside 0..=9999 take chrono's spelling (`+12345`).
    let year = t.year();
    if (0..=9999).contains(&year) {
        let _ = write!(s, "{year:04}");
    } else {
        let _ = write!(s, "{}", t.format("%Y"));
    }
    let two = |s: &mut String, sep: char, n: u32| {
        s.push(sep);
        s.push(char::from(b'0' + (n / 10 % 10) as u8));
        s.push(char::from(b'0' + (n % 10) as u8));
    };
    two(&mut s, '-', t.month());
    two(&mut s, '-', t.day());
    two(&mut s, 'T', t.hour());
    two(&mut s, ':', t.minute());
    two(&mut s, ':', t.second());
    let nanos = t.timestamp_subsec_nanos();
    if nanos != 0 {
        let frac = format!(".{nanos:09}");
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

pub(crate) fn duration_from_wire(v: &xcal::DurationValueType, p: &Path) -> Result<Duration> {
    v.0.parse().map_err(|e| p.err(e))
}

pub(crate) fn duration_to_wire(d: &Duration, p: &Path) -> Result<xcal::DurationValueType> {
    let mut d = *d;
    if d.weeks != 0 {
        d.days = d
            .days
            .checked_add(d.weeks.saturating_mul(7))
            .ok_or_else(|| p.err("duration overflows"))?;
        d.weeks = 0;
    }
    xcal::DurationValueType::new(d.to_string()).map_err(|e| p.err(format!("{e:?}")))
}

pub(crate) fn dtstart_from_wire(v: &xcal::Dtstart, p: &Path) -> Result<DateTime<Utc>> {
    time_from_wire(&v.date_time, &p.at("date-time"))
}

pub(crate) fn dtstart_to_wire(t: &DateTime<Utc>, p: &Path) -> Result<xcal::Dtstart> {
    Ok(xcal::Dtstart {
        date_time: time_to_wire(t, p)?,
    })
}

pub(crate) fn dprop_from_wire(v: &xcal::DurationPropType, p: &Path) -> Result<Duration> {
    duration_from_wire(&v.duration, &p.at("duration"))
}

pub(crate) fn dprop_to_wire(d: &Duration, p: &Path) -> Result<xcal::DurationPropType> {
    Ok(xcal::DurationPropType {
        duration: duration_to_wire(d, p)?,
    })
}

// ---- the message envelope ----

impl Message {
    /// The model of a decoded wire payload.
    pub fn from_wire(payload: &w::OadrPayload) -> Result<Message> {
        let p = Path::ROOT.at("oadrSignedObject");
        let p = p.at(payload.message_type());
        use w::SignedObjectPayload as S;
        Ok(match &payload.oadr_signed_object.content {
            S::OadrDistributeEvent(x) => Message::DistributeEvent(event::distribute_from(x, &p)?),
            S::OadrCreatedEvent(x) => Message::CreatedEvent(event::created_from(x, &p)?),
            S::OadrRequestEvent(x) => Message::RequestEvent(event::request_from(x, &p)?),
            S::OadrResponse(x) => Message::Response(common::response_from(x, &p)?),
            S::OadrCancelOpt(x) => Message::CancelOpt(opt::cancel_from(x)),
            S::OadrCanceledOpt(x) => Message::CanceledOpt(opt::canceled_from(x, &p)?),
            S::OadrCreateOpt(x) => Message::CreateOpt(opt::create_from(x, &p)?),
            S::OadrCreatedOpt(x) => Message::CreatedOpt(opt::created_from(x, &p)?),
            S::OadrCancelReport(x) => Message::CancelReport(report::cancel_from(x)),
            S::OadrCanceledReport(x) => Message::CanceledReport(report::canceled_from(x, &p)?),
            S::OadrCreateReport(x) => Message::CreateReport(report::create_from(x, &p)?),
            S::OadrCreatedReport(x) => Message::CreatedReport(report::created_from(x, &p)?),
            S::OadrRegisterReport(x) => Message::RegisterReport(report::register_from(x, &p)?),
            S::OadrRegisteredReport(x) => {
                Message::RegisteredReport(report::registered_from(x, &p)?)
            }
            S::OadrUpdateReport(x) => Message::UpdateReport(report::update_from(x, &p)?),
            S::OadrUpdatedReport(x) => Message::UpdatedReport(report::updated_from(x, &p)?),
            S::OadrCancelPartyRegistration(x) => {
                Message::CancelPartyRegistration(registration::cancel_from(x))
            }
            S::OadrCanceledPartyRegistration(x) => {
                Message::CanceledPartyRegistration(registration::canceled_from(x, &p)?)
            }
            S::OadrCreatePartyRegistration(x) => {
                Message::CreatePartyRegistration(registration::create_from(x, &p)?)
            }
            S::OadrCreatedPartyRegistration(x) => {
                Message::CreatedPartyRegistration(registration::created_from(x, &p)?)
            }
            S::OadrRequestReregistration(x) => {
                Message::RequestReregistration(registration::rereg_from(x))
            }
            S::OadrQueryRegistration(x) => Message::QueryRegistration(registration::query_from(x)),
            S::OadrPoll(x) => Message::Poll(super::Poll {
                ven_id: x.ven_id.clone(),
            }),
        })
    }

    /// The wire payload of this message (unsigned, `oadr:Id="oadrSignedObject"`,
    /// `ei:schemaVersion="2.0b"`).
    pub fn to_wire(&self) -> Result<w::OadrPayload> {
        let root = Path::ROOT.at("oadrSignedObject");
        let p = root.at(self.message_type());
        use w::SignedObjectPayload as S;
        let content = match self {
            Message::DistributeEvent(m) => S::OadrDistributeEvent(event::distribute_to(m, &p)?),
            Message::CreatedEvent(m) => S::OadrCreatedEvent(event::created_to(m, &p)?),
            Message::RequestEvent(m) => S::OadrRequestEvent(event::request_to(m)),
            Message::Response(m) => S::OadrResponse(common::response_to(m, &p)?),
            Message::CancelOpt(m) => S::OadrCancelOpt(opt::cancel_to(m)),
            Message::CanceledOpt(m) => S::OadrCanceledOpt(opt::canceled_to(m, &p)?),
            Message::CreateOpt(m) => S::OadrCreateOpt(opt::create_to(m, &p)?),
            Message::CreatedOpt(m) => S::OadrCreatedOpt(opt::created_to(m, &p)?),
            Message::CancelReport(m) => S::OadrCancelReport(report::cancel_to(m)),
            Message::CanceledReport(m) => S::OadrCanceledReport(report::canceled_to(m, &p)?),
            Message::CreateReport(m) => S::OadrCreateReport(report::create_to(m, &p)?),
            Message::CreatedReport(m) => S::OadrCreatedReport(report::created_to(m, &p)?),
            Message::RegisterReport(m) => S::OadrRegisterReport(report::register_to(m, &p)?),
            Message::RegisteredReport(m) => S::OadrRegisteredReport(report::registered_to(m, &p)?),
            Message::UpdateReport(m) => S::OadrUpdateReport(report::update_to(m, &p)?),
            Message::UpdatedReport(m) => S::OadrUpdatedReport(report::updated_to(m, &p)?),
            Message::CancelPartyRegistration(m) => {
                S::OadrCancelPartyRegistration(registration::cancel_to(m))
            }
            Message::CanceledPartyRegistration(m) => {
                S::OadrCanceledPartyRegistration(registration::canceled_to(m, &p)?)
            }
            Message::CreatePartyRegistration(m) => {
                S::OadrCreatePartyRegistration(registration::create_to(m, &p)?)
            }
            Message::CreatedPartyRegistration(m) => {
                S::OadrCreatedPartyRegistration(registration::created_to(m, &p)?)
            }
            Message::RequestReregistration(m) => {
                S::OadrRequestReregistration(registration::rereg_to(m))
            }
            Message::QueryRegistration(m) => S::OadrQueryRegistration(registration::query_to(m)),
            Message::Poll(m) => S::OadrPoll(oadr::OadrPollType {
                schema_version: Some(common::schema_version()),
                ven_id: m.ven_id.clone(),
            }),
        };
        Ok(oadr::OadrPayloadElementType {
            signature: None,
            oadr_signed_object: oadr::OadrSignedObjectElementType {
                id: Some("oadrSignedObject".to_owned()),
                content,
            },
        })
    }
}

/// Decode XML bytes into the model: schema validation, the wire codec, then
/// [`Message::from_wire`].
pub fn decode(xml: &[u8]) -> Result<Message> {
    decode_with_wire(xml).map(|(m, _)| m)
}

/// Decode XML bytes into the model and keep the wire payload (signature, Green Button feeds
/// and anything else the model does not carry stay reachable there). The bytes are validated
/// against the schema first ([`crate::wire::decode`]): every schema error is reported.
pub fn decode_with_wire(xml: &[u8]) -> Result<(Message, w::OadrPayload)> {
    let payload = w::decode(xml)?;
    Ok((Message::from_wire(&payload)?, payload))
}

/// Decode without schema validation (the codec only): for input already validated, such as
/// a payload whose signature check parsed it. Prefer [`decode`].
pub fn decode_unvalidated(xml: &[u8]) -> Result<Message> {
    Message::from_wire(&w::from_xml(xml)?)
}

/// Encode a message as XML bytes ([`Message::to_wire`], then the wire codec), validated
/// against the schema before it is returned ([`crate::wire::encode`]): only schema-valid
/// messages leave.
pub fn encode(message: &Message) -> Result<Vec<u8>> {
    Ok(w::encode(&message.to_wire()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_leniently_and_format_canonically() {
        let t = parse_time("2024-07-15T13:00:00.500Z").unwrap();
        assert_eq!(format_time(&t), "2024-07-15T13:00:00.5Z");
        assert_eq!(
            format_time(&parse_time("2024-07-15T13:00:00").unwrap()),
            "2024-07-15T13:00:00Z"
        );
        assert!(parse_time("2024-07-15T13:00:00.1234567891234Z").is_some());
        assert!(parse_time("2024-07-15 13:00:00Z").is_none());
        assert!(parse_time("2024-07-15T13:00:00+02:00").is_none());
    }

    #[test]
    fn times_format_as_chrono_did() {
        let chrono_spelling = |t: &DateTime<Utc>| {
            let nanos = t.timestamp_subsec_nanos();
            let mut s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
            if nanos != 0 {
                s.push_str(format!(".{nanos:09}").trim_end_matches('0'));
            }
            s + "Z"
        };
        for text in [
            "2024-07-15T13:00:00.5Z",
            "0001-01-01T00:00:00Z",
            "0999-12-31T23:59:59.000000001Z",
            "9999-12-31T23:59:59.999999999Z",
            "2024-02-29T05:06:07.123Z",
        ] {
            let t = parse_time(text).unwrap();
            assert_eq!(format_time(&t), chrono_spelling(&t), "{text}");
        }
        for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert_eq!(format_time(&t), chrono_spelling(&t));
        }
    }

    #[test]
    fn paths_render_like_the_validator() {
        let a = Path::ROOT.at("oadrSignedObject");
        let b = a.nth("oadrEvent", 1);
        let c = b.nth("interval", 0);
        assert_eq!(
            c.to_string(),
            "/oadrPayload/oadrSignedObject/oadrEvent[2]/interval"
        );
    }

    #[test]
    fn weeks_become_days_on_the_wire() {
        let d: Duration = "P2W".parse().unwrap();
        let w = duration_to_wire(&d, &Path::ROOT).unwrap();
        assert_eq!(w.0, "P14D");
    }
}
