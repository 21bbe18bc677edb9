//! The key generated types under their protocol names, and the message type of a payload.

use super::generated::{ds, ei, emix, oadr, strm};

/// `oadr:oadrPayload`: the envelope of every 2.0b message (optional `ds:Signature`, then
/// `oadr:oadrSignedObject`).
pub type OadrPayload = oadr::OadrPayload;
/// `oadr:oadrSignedObject`: holds exactly one of the 23 message payloads.
pub type OadrSignedObject = oadr::OadrSignedObject;
/// The 23 message payloads `oadr:oadrSignedObject` can hold (its `xs:choice`).
pub type SignedObjectPayload = oadr::OadrSignedObjectElementTypeContent;
/// `ds:Signature`, the XML-DSig tree (§10.6).
pub type Signature = ds::Signature;
/// `ei:eiEvent`.
pub type EiEvent = ei::EiEvent;
/// `ei:eiEventSignal`.
pub type EiEventSignal = ei::EiEventSignal;
/// `ei:eiResponse`.
pub type EiResponse = ei::EiResponse;
/// `ei:eiTarget`.
pub type EiTarget = ei::EiTarget;
/// The `ei:payloadBase` substitution group (`ei:payloadFloat`, `oadr:oadrPayloadResourceStatus`, ...).
pub type PayloadBase = ei::PayloadBase;
/// The `emix:itemBase` substitution group (units: `power:realPower`, `oadr:currency`, ...).
pub type ItemBase = emix::ItemBase;
/// The `strm:streamPayloadBase` substitution group (`oadr:oadrReportPayload`, ...).
pub type StreamPayloadBase = strm::StreamPayloadBase;
/// `oadr:oadrReport`.
pub type OadrReport = oadr::OadrReport;

/// The message type name of a payload, as the XML element name (`"oadrDistributeEvent"`).
pub trait MessageType {
    /// The local name of the message element, e.g. `"oadrDistributeEvent"`.
    fn message_type(&self) -> &'static str;
}

impl MessageType for SignedObjectPayload {
    fn message_type(&self) -> &'static str {
        use SignedObjectPayload as P;
        match self {
            P::OadrDistributeEvent(_) => "oadrDistributeEvent",
            P::OadrCreatedEvent(_) => "oadrCreatedEvent",
            P::OadrRequestEvent(_) => "oadrRequestEvent",
            P::OadrResponse(_) => "oadrResponse",
            P::OadrCancelOpt(_) => "oadrCancelOpt",
            P::OadrCanceledOpt(_) => "oadrCanceledOpt",
            P::OadrCreateOpt(_) => "oadrCreateOpt",
            P::OadrCreatedOpt(_) => "oadrCreatedOpt",
            P::OadrCancelReport(_) => "oadrCancelReport",
            P::OadrCanceledReport(_) => "oadrCanceledReport",
            P::OadrCreateReport(_) => "oadrCreateReport",
            P::OadrCreatedReport(_) => "oadrCreatedReport",
            P::OadrRegisterReport(_) => "oadrRegisterReport",
            P::OadrRegisteredReport(_) => "oadrRegisteredReport",
            P::OadrUpdateReport(_) => "oadrUpdateReport",
            P::OadrUpdatedReport(_) => "oadrUpdatedReport",
            P::OadrCancelPartyRegistration(_) => "oadrCancelPartyRegistration",
            P::OadrCanceledPartyRegistration(_) => "oadrCanceledPartyRegistration",
            P::OadrCreatePartyRegistration(_) => "oadrCreatePartyRegistration",
            P::OadrCreatedPartyRegistration(_) => "oadrCreatedPartyRegistration",
            P::OadrRequestReregistration(_) => "oadrRequestReregistration",
            P::OadrQueryRegistration(_) => "oadrQueryRegistration",
            P::OadrPoll(_) => "oadrPoll",
        }
    }
}

impl MessageType for OadrSignedObject {
    fn message_type(&self) -> &'static str {
        self.content.message_type()
    }
}

impl MessageType for OadrPayload {
    fn message_type(&self) -> &'static str {
        self.oadr_signed_object.message_type()
    }
}
