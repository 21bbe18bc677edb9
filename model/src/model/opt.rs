//! EiOpt: `oadrCreateOpt`, `oadrCreatedOpt`, `oadrCancelOpt`, `oadrCanceledOpt` (spec digest §7).

use super::common::{lenient, EiResponse};
use super::event::ActivePeriod;
use super::targets::{self, Targets};
use super::tokens::{OptReason, OptType};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `xcal:vavailability`: when resources are (un)available, independent of events.
///
/// JSON: `{"components": [{"dtstart": ..., "duration": ...}]}`, the form OpenLEADR's
/// `create_message` takes (its `Vavailability` object). OpenLEADR's `parse_message` gives
/// `{"components": {"available": [{"properties": {...}}]}}` instead, which its own
/// `create_message` cannot take back; that form is accepted on input too.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vavailability {
    /// `xcal:components/xcal:available/xcal:properties`.
    pub components: Vec<ActivePeriod>,
}

impl<'de> Deserialize<'de> for Vavailability {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Vavailability, D::Error> {
        use serde::de::Error;
        use serde_json::Value;
        #[derive(Deserialize)]
        struct Raw {
            components: Value,
        }
        fn period<E: Error>(v: Value) -> Result<ActivePeriod, E> {
            let v = match v {
                Value::Object(mut m) if m.len() == 1 && m.contains_key("properties") => {
                    m.remove("properties").unwrap_or(Value::Null)
                }
                other => other,
            };
            serde_json::from_value(v).map_err(E::custom)
        }
        let list = match Raw::deserialize(d)?.components {
            Value::Array(a) => a,
            Value::Object(mut m) => match m.remove("available") {
                Some(Value::Array(a)) => a,
                Some(one) => vec![one],
                None => return Err(D::Error::custom("components without available")),
            },
            Value::Null => Vec::new(),
            other => return Err(D::Error::custom(format!("bad components: {other}"))),
        };
        let components = list
            .into_iter()
            .map(period)
            .collect::<Result<_, D::Error>>()?;
        Ok(Vavailability { components })
    }
}

/// `oadrCreateOpt`: an opt schedule (vavailability) or an opt for one event
/// (`qualifiedEventID`, promoted to `event_id` + `modification_number` as OpenLEADR does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateOpt {
    /// `ei:optID`.
    #[serde(deserialize_with = "lenient::string")]
    pub opt_id: String,
    /// `ei:optType`.
    pub opt_type: OptType,
    /// `ei:optReason`.
    pub opt_reason: OptReason,
    /// `emix:marketContext`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_context: Option<String>,
    /// `ei:venID`.
    #[serde(deserialize_with = "lenient::string")]
    pub ven_id: String,
    /// `xcal:vavailability`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vavailability: Option<Vavailability>,
    /// `ei:createdDateTime`.
    pub created_date_time: DateTime<Utc>,
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:qualifiedEventID/ei:eventID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub event_id: Option<String>,
    /// `ei:qualifiedEventID/ei:modificationNumber` (present exactly when `event_id` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modification_number: Option<u32>,
    /// `ei:eiTarget`.
    #[serde(flatten, with = "targets_field")]
    pub targets: Targets,
    /// `oadr:oadrDeviceClass` (endDeviceAsset only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "targets::as_dict"
    )]
    pub device_class: Option<Targets>,
}

/// `oadrCreatedOpt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedOpt {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `ei:optID`.
    #[serde(deserialize_with = "lenient::string")]
    pub opt_id: String,
}

/// `oadrCancelOpt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelOpt {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:optID`.
    #[serde(deserialize_with = "lenient::string")]
    pub opt_id: String,
    /// `ei:venID`.
    #[serde(deserialize_with = "lenient::string")]
    pub ven_id: String,
}

/// `oadrCanceledOpt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanceledOpt {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `ei:optID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub opt_id: Option<String>,
}

mod targets_field {
    use super::*;
    use crate::model::targets::TargetsField;
    pub fn serialize<S: serde::Serializer>(t: &Targets, s: S) -> Result<S::Ok, S::Error> {
        TargetsField(t.clone()).serialize(s)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Targets, D::Error> {
        TargetsField::deserialize(d).map(|t| t.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_opt_json_matches_openleadr() {
        let v = json!({
            "opt_id": "o1", "opt_type": "optIn", "opt_reason": "economic",
            "market_context": "http://mc", "ven_id": "ven1",
            "created_date_time": "2021-01-01T12:00:00Z", "request_id": "r1",
            "event_id": "ev1", "modification_number": 1,
            "targets": [{"ven_id": "ven1"}], "targets_by_type": {"ven_id": ["ven1"]},
            "device_class": {"end_device_asset": {"mrid": "Thermostat"}}
        });
        let o: CreateOpt = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(o.targets, Targets::vens(["ven1"]));
        assert_eq!(
            o.device_class,
            Some(Targets::new().end_device("Thermostat"))
        );
        assert_eq!(serde_json::to_value(&o).unwrap(), v);
        let bad = json!({"opt_id": "o1", "opt_type": "maybe", "opt_reason": "economic",
            "ven_id": "v", "created_date_time": "2021-01-01T12:00:00Z", "request_id": "r"});
        assert!(serde_json::from_value::<CreateOpt>(bad).is_err());
    }
}
