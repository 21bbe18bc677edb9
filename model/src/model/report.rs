//! EiReport: `oadrRegisterReport`, `oadrRegisteredReport`, `oadrCreateReport`,
//! `oadrCreatedReport`, `oadrUpdateReport`, `oadrUpdatedReport`, `oadrCancelReport`,
//! `oadrCanceledReport` and the report structure (spec digest §6).
//!
//! ```
//! use oadr::model::*;
//! use chrono::Utc;
//! // A VEN's metadata registration: one telemetry report with one data point.
//! let report = Report::metadata("spec-1", ReportName::MetadataTelemetryUsage, Utc::now())
//!     .with_duration(Duration::hours(2))
//!     .with_description(
//!         ReportDescription::new("meter-1", ReportType::Usage, ReadingType::DirectRead)
//!             .with_measurement(ItemBase::energy_real(SiScaleCode::Kilo))
//!             .with_sampling(Duration::seconds(10), Duration::minutes(1), false),
//!     );
//! assert_eq!(report.report_request_id, "0"); // rule 311
//! // The VTN's request for it.
//! let request = ReportRequest::new("req-1", "spec-1", Duration::seconds(10), Duration::minutes(1))
//!     .with_point("meter-1", ReadingType::DirectRead);
//! assert_eq!(request.report_specifier.specifier_payloads.len(), 1);
//! ```

use super::common::{lenient, EiResponse};
use super::duration::Duration;
use super::event::ActivePeriod;
use super::targets::{self, Targets};
use super::tokens::{DataQuality, ReadingType, ReportName, ReportType};
use super::units::ItemBase;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `oadr:oadrSamplingRate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingRate {
    /// `oadr:oadrMinPeriod`.
    pub min_period: Duration,
    /// `oadr:oadrMaxPeriod`.
    pub max_period: Duration,
    /// `oadr:oadrOnChange`.
    #[serde(deserialize_with = "lenient::bool")]
    pub on_change: bool,
}

/// `oadr:oadrReportDescription`: one data point a report can carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDescription {
    /// `ei:rID`.
    #[serde(deserialize_with = "lenient::string")]
    pub r_id: String,
    /// `ei:reportSubject`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "targets::as_dict"
    )]
    pub report_subject: Option<Targets>,
    /// `ei:reportDataSource`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "targets::as_dict"
    )]
    pub report_data_source: Option<Targets>,
    /// `ei:reportType`.
    pub report_type: ReportType,
    /// `emix:itemBase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<ItemBase>,
    /// `ei:readingType`.
    pub reading_type: ReadingType,
    /// `emix:marketContext`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_context: Option<String>,
    /// `oadr:oadrSamplingRate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling_rate: Option<SamplingRate>,
}

impl ReportDescription {
    /// A data point with no units, source or sampling rate yet.
    pub fn new(r_id: impl Into<String>, report_type: ReportType, reading: ReadingType) -> Self {
        ReportDescription {
            r_id: r_id.into(),
            report_subject: None,
            report_data_source: None,
            report_type,
            measurement: None,
            reading_type: reading,
            market_context: None,
            sampling_rate: None,
        }
    }

    /// Set the units.
    pub fn with_measurement(mut self, m: ItemBase) -> Self {
        self.measurement = Some(m);
        self
    }

    /// Set the sampling rate.
    pub fn with_sampling(mut self, min: Duration, max: Duration, on_change: bool) -> Self {
        self.sampling_rate = Some(SamplingRate {
            min_period: min,
            max_period: max,
            on_change,
        });
        self
    }

    /// Set `reportDataSource`.
    pub fn with_data_source(mut self, t: Targets) -> Self {
        self.report_data_source = Some(t);
        self
    }
}

/// `oadr:oadrLoadControlStateTypeType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadControlValue {
    /// `oadr:oadrMin`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::xs_float::opt"
    )]
    pub min: Option<f32>,
    /// `oadr:oadrMax`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::xs_float::opt"
    )]
    pub max: Option<f32>,
    /// `oadr:oadrCurrent`.
    #[serde(with = "lenient::xs_float")]
    pub current: f32,
    /// `oadr:oadrNormal`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::xs_float::opt"
    )]
    pub normal: Option<f32>,
}

/// `oadr:oadrLoadControlState`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LoadControlState {
    /// `oadr:oadrCapacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<LoadControlValue>,
    /// `oadr:oadrLevelOffset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_offset: Option<LoadControlValue>,
    /// `oadr:oadrPercentOffset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_offset: Option<LoadControlValue>,
    /// `oadr:oadrSetPoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_point: Option<LoadControlValue>,
}

/// `oadr:oadrPayloadResourceStatus` (TELEMETRY_STATUS reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceStatus {
    /// `oadr:oadrOnline`.
    #[serde(deserialize_with = "lenient::bool")]
    pub online: bool,
    /// `oadr:oadrManualOverride`.
    #[serde(deserialize_with = "lenient::bool")]
    pub manual_override: bool,
    /// `oadr:oadrLoadControlState`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_control_state: Option<LoadControlState>,
}

/// The `ei:payloadBase` of a report payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReportValue {
    /// `ei:payloadFloat/ei:value` (JSON key `value`).
    #[serde(rename = "value", with = "lenient::xs_float")]
    Float(f32),
    /// `oadr:oadrPayloadResourceStatus` (JSON key `payload_resource_status`).
    #[serde(rename = "payload_resource_status")]
    ResourceStatus(ResourceStatus),
}

/// `oadr:oadrReportPayload`: one data point's value in an interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPayload {
    /// `ei:rID`.
    #[serde(deserialize_with = "lenient::string")]
    pub r_id: String,
    /// `ei:confidence` (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<u32>,
    /// `ei:accuracy`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "lenient::xs_float::opt"
    )]
    pub accuracy: Option<f32>,
    /// The value.
    #[serde(flatten)]
    pub value: ReportValue,
    /// `oadr:oadrDataQuality`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_quality: Option<DataQuality>,
}

impl ReportPayload {
    /// A float reading for `r_id`.
    pub fn float(r_id: impl Into<String>, value: f32) -> ReportPayload {
        ReportPayload {
            r_id: r_id.into(),
            confidence: None,
            accuracy: None,
            value: ReportValue::Float(value),
            data_quality: None,
        }
    }
}

/// An `ei:interval` of a data report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInterval {
    /// `xcal:dtstart`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<DateTime<Utc>>,
    /// `xcal:duration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// `xcal:uid/xcal:text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `oadr:oadrReportPayload`s (JSON `report_payload`: a dict for one, a list for several).
    #[serde(
        rename = "report_payload",
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "lenient::one_or_many"
    )]
    pub report_payloads: Vec<ReportPayload>,
    /// `oadr:oadrGBPayload`s (Green Button Atom feeds). They have no native model and no
    /// JSON form; they are kept as wire values so that model → wire is lossless.
    #[serde(skip)]
    pub green_button: Vec<GreenButtonPayload>,
}

/// An `oadr:oadrGBPayload` kept as its wire value (an `atom:feed`).
pub type GreenButtonPayload = crate::wire::generated::oadr::OadrGbPayload;

/// `oadr:oadrReport`: metadata (in oadrRegisterReport) or data (in oadrUpdateReport).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `xcal:dtstart` (data reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<DateTime<Utc>>,
    /// `xcal:duration` (metadata: how much history the sender buffers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// `strm:intervals/ei:interval` (data reports; `None`: element absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Vec<ReportInterval>>,
    /// `ei:eiReportID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub report_id: Option<String>,
    /// `oadr:oadrReportDescription`s (metadata reports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_descriptions: Vec<ReportDescription>,
    /// `ei:reportRequestID` (`0` in a VEN's metadata registration, rule 311).
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub report_request_id: String,
    /// `ei:reportSpecifierID`.
    #[serde(deserialize_with = "lenient::string")]
    pub report_specifier_id: String,
    /// `ei:reportName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_name: Option<ReportName>,
    /// `ei:createdDateTime`.
    pub created_date_time: DateTime<Utc>,
}

impl Report {
    /// A metadata report (`reportRequestID` 0, rule 311) to fill with descriptions.
    pub fn metadata(
        specifier_id: impl Into<String>,
        name: ReportName,
        created: DateTime<Utc>,
    ) -> Report {
        Report {
            dtstart: None,
            duration: None,
            intervals: None,
            report_id: None,
            report_descriptions: Vec::new(),
            report_request_id: "0".into(),
            report_specifier_id: specifier_id.into(),
            report_name: Some(name),
            created_date_time: created,
        }
    }

    /// A data report answering `report_request_id`, starting at `dtstart`.
    pub fn data(
        report_id: impl Into<String>,
        report_request_id: impl Into<String>,
        specifier_id: impl Into<String>,
        name: ReportName,
        dtstart: DateTime<Utc>,
        created: DateTime<Utc>,
    ) -> Report {
        Report {
            dtstart: Some(dtstart),
            duration: None,
            intervals: Some(Vec::new()),
            report_id: Some(report_id.into()),
            report_descriptions: Vec::new(),
            report_request_id: report_request_id.into(),
            report_specifier_id: specifier_id.into(),
            report_name: Some(name),
            created_date_time: created,
        }
    }

    /// Set `duration`.
    pub fn with_duration(mut self, d: Duration) -> Report {
        self.duration = Some(d);
        self
    }

    /// Add a data point description.
    pub fn with_description(mut self, d: ReportDescription) -> Report {
        self.report_descriptions.push(d);
        self
    }

    /// Add an interval of readings.
    pub fn with_interval(
        mut self,
        dtstart: DateTime<Utc>,
        duration: Option<Duration>,
        payloads: Vec<ReportPayload>,
    ) -> Report {
        self.intervals
            .get_or_insert_with(Vec::new)
            .push(ReportInterval {
                dtstart: Some(dtstart),
                duration,
                uid: None,
                report_payloads: payloads,
                green_button: Vec::new(),
            });
        self
    }
}

/// `ei:specifierPayload`: one requested data point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecifierPayload {
    /// `ei:rID`.
    #[serde(deserialize_with = "lenient::string")]
    pub r_id: String,
    /// `emix:itemBase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<ItemBase>,
    /// `ei:readingType`.
    pub reading_type: ReadingType,
}

/// `ei:reportSpecifier`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSpecifier {
    /// `ei:reportSpecifierID` of the metadata report.
    #[serde(deserialize_with = "lenient::string")]
    pub report_specifier_id: String,
    /// `xcal:granularity`: sampling interval.
    pub granularity: Duration,
    /// `ei:reportBackDuration`: how often to send.
    pub report_back_duration: Duration,
    /// `ei:reportInterval`: the overall window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_interval: Option<ActivePeriod>,
    /// `ei:specifierPayload`s.
    pub specifier_payloads: Vec<SpecifierPayload>,
}

/// `oadr:oadrReportRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRequest {
    /// `ei:reportRequestID`, chosen by the requester.
    #[serde(deserialize_with = "lenient::string")]
    pub report_request_id: String,
    /// `ei:reportSpecifier`.
    pub report_specifier: ReportSpecifier,
}

impl ReportRequest {
    /// A request for the report `specifier_id`, sampled every `granularity` and sent every
    /// `report_back`; add data points with [`ReportRequest::with_point`].
    pub fn new(
        request_id: impl Into<String>,
        specifier_id: impl Into<String>,
        granularity: Duration,
        report_back: Duration,
    ) -> ReportRequest {
        ReportRequest {
            report_request_id: request_id.into(),
            report_specifier: ReportSpecifier {
                report_specifier_id: specifier_id.into(),
                granularity,
                report_back_duration: report_back,
                report_interval: None,
                specifier_payloads: Vec::new(),
            },
        }
    }

    /// Request the data point `r_id`.
    pub fn with_point(mut self, r_id: impl Into<String>, reading: ReadingType) -> ReportRequest {
        self.report_specifier
            .specifier_payloads
            .push(SpecifierPayload {
                r_id: r_id.into(),
                measurement: None,
                reading_type: reading,
            });
        self
    }

    /// Limit the request to a window.
    pub fn with_interval(mut self, dtstart: DateTime<Utc>, duration: Duration) -> ReportRequest {
        self.report_specifier.report_interval = Some(ActivePeriod::new(dtstart, duration));
        self
    }
}

/// An entry of `oadr:oadrPendingReports` (OpenLEADR's `{"report_request_id": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReport {
    /// `ei:reportRequestID`.
    #[serde(deserialize_with = "lenient::string")]
    pub report_request_id: String,
}

/// `oadrRegisterReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterReport {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `oadr:oadrReport`s (metadata).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<Report>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
    /// The top-level `ei:reportRequestID` (VENs omit it, spec digest §6).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub report_request_id: Option<String>,
}

/// `oadrRegisteredReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredReport {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `oadr:oadrReportRequest`s (reports the receiver wants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_requests: Vec<ReportRequest>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrCreateReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateReport {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `oadr:oadrReportRequest`s (at least one).
    pub report_requests: Vec<ReportRequest>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrCreatedReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedReport {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `oadr:oadrPendingReports`.
    #[serde(default)]
    pub pending_reports: Vec<PendingReport>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrUpdateReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateReport {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `oadr:oadrReport`s (data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<Report>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrCancelReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelReport {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:reportRequestID`s (JSON: a string for one, a list for several).
    #[serde(serialize_with = "lenient::one_or_many::serialize")]
    #[serde(deserialize_with = "lenient::string_list")]
    pub report_request_id: Vec<String>,
    /// `pyld:reportToFollow`.
    #[serde(deserialize_with = "lenient::bool")]
    pub report_to_follow: bool,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrUpdatedReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdatedReport {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// An embedded `oadr:oadrCancelReport`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_report: Option<CancelReport>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrCanceledReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanceledReport {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `oadr:oadrPendingReports`.
    #[serde(default)]
    pub pending_reports: Vec<PendingReport>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 1, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn update_report_json_matches_openleadr() {
        let r = Report::data(
            "rep1",
            "rr1",
            "spec1",
            ReportName::TelemetryUsage,
            t0(),
            t0(),
        )
        .with_interval(
            t0(),
            Some(Duration::seconds(10)),
            vec![ReportPayload {
                confidence: Some(1),
                accuracy: Some(2.0),
                ..ReportPayload::float("rid1", 1.5)
            }],
        );
        let u = UpdateReport {
            request_id: "r1".into(),
            reports: vec![r],
            ven_id: Some("ven1".into()),
        };
        let v = serde_json::to_value(&u).unwrap();
        assert_eq!(
            v["reports"][0]["intervals"][0],
            json!({"dtstart": "2021-01-01T12:00:00Z", "duration": "PT10S",
                   "report_payload": {"r_id": "rid1", "confidence": 1, "accuracy": 2.0, "value": 1.5}})
        );
        assert_eq!(serde_json::from_value::<UpdateReport>(v).unwrap(), u);
    }

    #[test]
    fn resource_status_payload() {
        let p = ReportPayload {
            value: ReportValue::ResourceStatus(ResourceStatus {
                online: true,
                manual_override: false,
                load_control_state: None,
            }),
            ..ReportPayload::float("status", 0.0)
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            json!({"r_id": "status", "payload_resource_status": {"online": true, "manual_override": false}})
        );
        assert_eq!(serde_json::from_value::<ReportPayload>(v).unwrap(), p);
    }

    #[test]
    fn openleadr_quirks_are_accepted() {
        // numeric ids (xmltodict turns "0" into 0), a single cancel id as a scalar,
        // pending reports as dicts
        let r: RegisterReport = serde_json::from_value(json!({
            "request_id": "r", "reports": [{"report_request_id": 0, "report_specifier_id": "s",
            "report_name": "METADATA_TELEMETRY_STATUS", "created_date_time": "2021-01-01T12:00:00Z",
            "duration": "PT1H"}]
        }))
        .unwrap();
        assert_eq!(r.reports[0].report_request_id, "0");
        let c: CancelReport = serde_json::from_value(json!({
            "request_id": "r", "report_request_id": "rr1", "report_to_follow": false
        }))
        .unwrap();
        assert_eq!(c.report_request_id, ["rr1"]);
        assert_eq!(
            serde_json::to_value(&c).unwrap()["report_request_id"],
            "rr1"
        );
    }
}
