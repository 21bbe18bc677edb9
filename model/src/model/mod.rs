//! The native OpenADR 2.0b message model: what VEN and VTN handlers speak.
//!
//! - one module per protocol area ([`event`], [`report`], [`opt`], [`registration`],
//!   [`poll`]) plus the common pieces ([`duration`], [`targets`], [`units`], [`tokens`],
//!   [`common`]);
//! - times are [`chrono::DateTime<Utc>`], durations the exact [`Duration`];
//! - every type serializes with serde to the dict form of OpenLEADR 0.5.36's
//!   `parse_message` (snake_case keys, its nesting and list names), with datetimes and
//!   durations as ISO 8601 strings; [`Message`] is the `{"message_type": ..., "payload":
//!   {...}}` envelope that `oadr decode` prints.
//!
//! The rules the schema cannot express are checked by [`crate::conformance`].

pub mod common;
pub mod duration;
pub mod event;
pub mod opt;
pub mod poll;
pub mod registration;
pub mod report;
pub mod targets;
pub mod tokens;
pub mod units;
mod wire;

pub use wire::{decode, decode_unvalidated, decode_with_wire, encode, ModelError};

pub use common::{EiResponse, ResponseCode};
pub use duration::{Duration, DurationError};
pub use event::{
    ActivePeriod, CreatedEvent, DistributeEvent, Event, EventBaseline, EventBuilder,
    EventDescriptor, EventResponse, EventSignal, Interval, RequestEvent, TestEvent, Tolerance,
    Tolerate,
};
pub use opt::{CancelOpt, CanceledOpt, CreateOpt, CreatedOpt, Vavailability};
pub use poll::{Poll, Response};
pub use registration::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration,
    CreatedPartyRegistration, Extension, Info, Profile, QueryRegistration, RequestReregistration,
    Service, ServiceSpecificInfo, Transport,
};
pub use report::{
    CancelReport, CanceledReport, CreateReport, CreatedReport, GreenButtonPayload,
    LoadControlState, LoadControlValue, PendingReport, RegisterReport, RegisteredReport, Report,
    ReportDescription, ReportInterval, ReportPayload, ReportRequest, ReportSpecifier, ReportValue,
    ResourceStatus, SamplingRate, SpecifierPayload, UpdateReport, UpdatedReport,
};
pub use targets::{Area, Asset, FeatureCollection, Node, Targets, TransportInterface};
pub use tokens::{
    DataQuality, EventStatus, OptReason, OptType, ProfileName, ReadingType, ReportName, ReportType,
    ResponseRequired, ServiceName, SiScaleCode, SignalName, SignalType, TokenError, TransportName,
};
pub use units::{ItemBase, ItemKind, PowerAttributes};

macro_rules! messages {
    ($($v:ident($t:ty) = $name:literal,)+) => {
        /// One OpenADR 2.0b payload (the content of `oadr:oadrSignedObject`).
        ///
        /// JSON: `{"message_type": "oadrDistributeEvent", "payload": {...}}`.
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "message_type", content = "payload")]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)] // the event payloads dominate; boxing buys nothing here
        pub enum Message {
            $(
                #[doc = concat!("`", $name, "`.")]
                #[serde(rename = $name)]
                $v($t),
            )+
        }

        impl Message {
            /// Every message type name, in `oadrSignedObject` schema order.
            pub const TYPES: &'static [&'static str] = &[$($name,)+];

            /// The message type, e.g. `"oadrDistributeEvent"`.
            pub fn message_type(&self) -> &'static str {
                match self { $(Message::$v(_) => $name,)+ }
            }
        }

        $(
            impl From<$t> for Message {
                fn from(m: $t) -> Message { Message::$v(m) }
            }
        )+
    };
}

messages! {
    DistributeEvent(DistributeEvent) = "oadrDistributeEvent",
    CreatedEvent(CreatedEvent) = "oadrCreatedEvent",
    RequestEvent(RequestEvent) = "oadrRequestEvent",
    Response(Response) = "oadrResponse",
    CancelOpt(CancelOpt) = "oadrCancelOpt",
    CanceledOpt(CanceledOpt) = "oadrCanceledOpt",
    CreateOpt(CreateOpt) = "oadrCreateOpt",
    CreatedOpt(CreatedOpt) = "oadrCreatedOpt",
    CancelReport(CancelReport) = "oadrCancelReport",
    CanceledReport(CanceledReport) = "oadrCanceledReport",
    CreateReport(CreateReport) = "oadrCreateReport",
    CreatedReport(CreatedReport) = "oadrCreatedReport",
    RegisterReport(RegisterReport) = "oadrRegisterReport",
    RegisteredReport(RegisteredReport) = "oadrRegisteredReport",
    UpdateReport(UpdateReport) = "oadrUpdateReport",
    UpdatedReport(UpdatedReport) = "oadrUpdatedReport",
    CancelPartyRegistration(CancelPartyRegistration) = "oadrCancelPartyRegistration",
    CanceledPartyRegistration(CanceledPartyRegistration) = "oadrCanceledPartyRegistration",
    CreatePartyRegistration(CreatePartyRegistration) = "oadrCreatePartyRegistration",
    CreatedPartyRegistration(CreatedPartyRegistration) = "oadrCreatedPartyRegistration",
    RequestReregistration(RequestReregistration) = "oadrRequestReregistration",
    QueryRegistration(QueryRegistration) = "oadrQueryRegistration",
    Poll(Poll) = "oadrPoll",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_json() {
        let m = Message::from(Poll {
            ven_id: "ven1".into(),
        });
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"message_type": "oadrPoll", "payload": {"ven_id": "ven1"}})
        );
        assert_eq!(serde_json::from_value::<Message>(v).unwrap(), m);
        assert_eq!(Message::TYPES.len(), 23);
        assert!(serde_json::from_value::<Message>(
            serde_json::json!({"message_type": "oadrNope", "payload": {}})
        )
        .is_err());
    }
}
