//! What the VTN engine remembers: registered VENs, events and their delivery to each VEN,
//! queued VTN-initiated payloads, report requests and metadata, opts. Every record is
//! serde-serializable so that a store can keep it as-is; [`Snapshot`] is what a store hands
//! back at start-up to resume.

use crate::model::{
    CreateOpt, Event, Message, OptType, Report, ReportRequest, ResponseCode, TransportName,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A registered VEN (spec digest §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenRecord {
    /// The venID the VTN assigned.
    pub ven_id: String,
    /// The current registrationID.
    pub registration_id: String,
    /// `oadrVenName`, if the VEN gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ven_name: Option<String>,
    /// The certificate fingerprint bound to this venID at registration (§9), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Groups this VEN belongs to (event targeting by groupID).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// partyIDs this VEN answers to (event targeting by partyID).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub party_ids: Vec<String>,
    /// resourceIDs this VEN answers to: given at registration by the policy, plus every
    /// resourceID in the data sources of its METADATA reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_ids: Vec<String>,
    /// `oadrTransportName` (simpleHttp when absent from an older store).
    #[serde(default = "simple_http")]
    pub transport_name: TransportName,
    /// `oadrHttpPullModel` (true when absent).
    pub http_pull_model: bool,
    /// `oadrTransportAddress` (push VENs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_address: Option<String>,
    /// `oadrReportOnly`.
    pub report_only: bool,
    /// `oadrXmlSignature`: the VEN signs its payloads.
    pub xml_signature: bool,
    /// When the VEN (last) registered.
    pub registered_at: DateTime<Utc>,
    /// When the VTN last heard from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    /// A VTN-initiated oadrCancelPartyRegistration awaits its oadrCanceledPartyRegistration.
    #[serde(default)]
    pub cancel_pending: bool,
    /// A VTN-initiated oadrRequestReregistration awaits the VEN's oadrResponse.
    #[serde(default)]
    pub reregistration_pending: bool,
}

fn simple_http() -> TransportName {
    TransportName::SimpleHttp
}

impl VenRecord {
    /// Whether the VTN sends this VEN its VTN-initiated payloads itself (HTTP push, spec
    /// digest §2, or XMPP, §3) instead of waiting for oadrPoll.
    pub fn is_push(&self) -> bool {
        self.transport_name == TransportName::Xmpp || !self.http_pull_model
    }
}

/// An event the VTN publishes, with its current modificationNumber and status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The event as the VTN last changed it. `event_descriptor.event_status` is `cancelled`
    /// once cancelled; otherwise the status sent on the wire is computed from the clock.
    pub event: Event,
    /// When the operator created it.
    pub created_at: DateTime<Utc>,
}

impl EventRecord {
    /// The eventID.
    pub fn id(&self) -> &str {
        self.event.id()
    }

    /// The current modificationNumber.
    pub fn modification_number(&self) -> u32 {
        self.event.event_descriptor.modification_number
    }

    /// Whether the operator cancelled it.
    pub fn is_cancelled(&self) -> bool {
        self.event.event_descriptor.event_status == crate::model::EventStatus::Cancelled
    }
}

/// How one event stands with one VEN: what was delivered and what the VEN answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The VEN.
    pub ven_id: String,
    /// The event.
    pub event_id: String,
    /// The modificationNumber last delivered in an oadrDistributeEvent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered: Option<u32>,
    /// When it was last delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The modificationNumber the VEN last answered in oadrCreatedEvent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<u32>,
    /// Its last optIn/optOut (rules 16, 17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt: Option<OptType>,
    /// The per-event response code of its last answer (e.g. 460 signal not supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_code: Option<ResponseCode>,
}

impl Delivery {
    /// A delivery record for an event not yet sent.
    pub fn new(ven_id: &str, event_id: &str) -> Delivery {
        Delivery {
            ven_id: ven_id.to_owned(),
            event_id: event_id.to_owned(),
            delivered: None,
            delivered_at: None,
            answered: None,
            opt: None,
            response_code: None,
        }
    }
}

/// A VTN-initiated payload waiting for the VEN's next poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// The VEN it is for.
    pub ven_id: String,
    /// Global sequence number: queue order, and the store key.
    pub seq: u64,
    /// The payload.
    pub message: Message,
}

/// Where a VTN-initiated report request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportRequestState {
    /// Queued as oadrCreateReport, not yet acknowledged with oadrCreatedReport.
    Requested,
    /// Acknowledged: the VEN lists it in its pending reports.
    Active,
    /// oadrCancelReport queued, not yet acknowledged.
    Cancelling,
    /// Cancelled by either side, or finished.
    Cancelled,
}

/// A report the VTN asked a VEN for (oadrCreateReport).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRequestRecord {
    /// The VEN that produces it.
    pub ven_id: String,
    /// The request as sent.
    pub request: ReportRequest,
    /// The report name from the VEN's metadata (`TELEMETRY_USAGE`, ...), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_name: Option<String>,
    /// Where it stands.
    pub state: ReportRequestState,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When data last arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<DateTime<Utc>>,
}

impl ReportRequestRecord {
    /// The reportRequestID.
    pub fn id(&self) -> &str {
        &self.request.report_request_id
    }
}

/// The METADATA reports a VEN offered in its last oadrRegisterReport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataRecord {
    /// The VEN.
    pub ven_id: String,
    /// Its METADATA reports.
    pub reports: Vec<Report>,
}

/// An opt (oadrCreateOpt) a VEN sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptRecord {
    /// The payload as received.
    pub opt: CreateOpt,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Whether the VEN cancelled it (oadrCancelOpt).
    #[serde(default)]
    pub cancelled: bool,
}

/// One report reading as stored: a value of one rID in one interval of an oadrUpdateReport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// The VEN that sent it.
    pub ven_id: String,
    /// The request it answers.
    pub report_request_id: String,
    /// The report's reportSpecifierID.
    pub report_specifier_id: String,
    /// `reportName` (`TELEMETRY_USAGE`, ...), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_name: Option<String>,
    /// The data point.
    pub r_id: String,
    /// Start of the interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<DateTime<Utc>>,
    /// Length of the interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<crate::model::Duration>,
    /// The value (a float or a resource status).
    pub value: crate::model::ReportValue,
    /// When the VTN received it.
    pub received_at: DateTime<Utc>,
}

/// Everything a store hands back at start-up so that the engine resumes where it stopped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Registered VENs.
    pub vens: Vec<VenRecord>,
    /// Events (live, cancelled or completed, until purged).
    pub events: Vec<EventRecord>,
    /// Event deliveries per VEN.
    pub deliveries: Vec<Delivery>,
    /// Queued VTN-initiated payloads.
    pub queue: Vec<Queued>,
    /// Report requests.
    pub report_requests: Vec<ReportRequestRecord>,
    /// METADATA reports offered by VENs.
    pub metadata: Vec<MetadataRecord>,
    /// Opts.
    pub opts: Vec<OptRecord>,
}

/// A change the engine made that a store must commit before the response goes out.
///
/// Deleting a VEN cascades: the store also drops its deliveries, queued payloads, report
/// requests, metadata and opts (readings are history and stay).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Write {
    /// Insert or replace a VEN.
    PutVen(VenRecord),
    /// Remove a VEN (cascades, see above).
    DeleteVen(String),
    /// Insert or replace an event.
    PutEvent(EventRecord),
    /// Remove an event and its deliveries.
    DeleteEvent(String),
    /// Insert or replace a delivery.
    PutDelivery(Delivery),
    /// Remove a delivery.
    DeleteDelivery {
        /// The VEN.
        ven_id: String,
        /// The event.
        event_id: String,
    },
    /// Queue a payload.
    PutQueued(Queued),
    /// Remove a queued payload (delivered).
    DeleteQueued(u64),
    /// Insert or replace a report request.
    PutReportRequest(ReportRequestRecord),
    /// Insert or replace a VEN's METADATA reports.
    PutMetadata(MetadataRecord),
    /// Insert or replace an opt.
    PutOpt(OptRecord),
    /// Append readings.
    AddReadings(Vec<Reading>),
}
