//! EiRegisterParty: `oadrQueryRegistration`, `oadrCreatePartyRegistration`,
//! `oadrCreatedPartyRegistration`, `oadrCancelPartyRegistration`,
//! `oadrCanceledPartyRegistration`, `oadrRequestReregistration` (spec digest §4).

use super::common::{lenient, EiResponse};
use super::duration::Duration;
use super::tokens::{ProfileName, ServiceName, TransportName};
use serde::{Deserialize, Serialize};

/// `oadrQueryRegistration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRegistration {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
}

/// `oadrCreatePartyRegistration` (VEN → VTN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatePartyRegistration {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:registrationID` (re-registration).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub registration_id: Option<String>,
    /// `ei:venID` (only if preassigned or re-registering).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
    /// `oadr:oadrProfileName`.
    pub profile_name: ProfileName,
    /// `oadr:oadrTransportName`.
    pub transport_name: TransportName,
    /// `oadr:oadrTransportAddress` (push mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_address: Option<String>,
    /// `oadr:oadrReportOnly`.
    #[serde(deserialize_with = "lenient::bool")]
    pub report_only: bool,
    /// `oadr:oadrXmlSignature`.
    #[serde(deserialize_with = "lenient::bool")]
    pub xml_signature: bool,
    /// `oadr:oadrVenName`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_name: Option<String>,
    /// `oadr:oadrHttpPullModel`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_bool"
    )]
    pub http_pull_model: Option<bool>,
}

impl CreatePartyRegistration {
    /// A 2.0b simpleHttp pull-mode registration request.
    pub fn pull(request_id: impl Into<String>, ven_name: impl Into<String>) -> Self {
        CreatePartyRegistration {
            request_id: request_id.into(),
            registration_id: None,
            ven_id: None,
            profile_name: ProfileName::B20,
            transport_name: TransportName::SimpleHttp,
            transport_address: None,
            report_only: false,
            xml_signature: false,
            ven_name: Some(ven_name.into()),
            http_pull_model: Some(true),
        }
    }
}

/// `oadr:oadrTransport`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transport {
    /// `oadr:oadrTransportName`.
    pub transport_name: TransportName,
}

/// `oadr:oadrProfile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// `oadr:oadrProfileName`.
    pub profile_name: ProfileName,
    /// `oadr:oadrTransports/oadr:oadrTransport`.
    pub transports: Vec<Transport>,
}

/// `oadr:oadrInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    /// `oadr:oadrKey`.
    #[serde(deserialize_with = "lenient::string")]
    pub key: String,
    /// `oadr:oadrValue`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub value: String,
}

/// `oadr:oadrServiceSpecificInfo/oadr:oadrService`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// `oadr:oadrServiceName`.
    pub service_name: ServiceName,
    /// `oadr:oadrInfo`s (JSON: a dict for one, a list for several).
    #[serde(with = "lenient::one_or_many")]
    pub info: Vec<Info>,
}

/// `oadr:oadrExtensions/oadr:oadrExtension`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// `oadr:oadrExtensionName`.
    pub extension_name: String,
    /// `oadr:oadrInfo`s (JSON: absent for none, a dict for one, a list for several).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "lenient::one_or_many"
    )]
    pub info: Vec<Info>,
}

/// `oadr:oadrServiceSpecificInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServiceSpecificInfo {
    /// `oadr:oadrService`s (JSON: a dict for one, a list for several).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "lenient::one_or_many"
    )]
    pub service: Vec<Service>,
}

/// `oadrCreatedPartyRegistration` (VTN → VEN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedPartyRegistration {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `ei:registrationID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub registration_id: Option<String>,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
    /// `ei:vtnID`.
    #[serde(deserialize_with = "lenient::string")]
    pub vtn_id: String,
    /// `oadr:oadrProfiles/oadr:oadrProfile`.
    pub profiles: Vec<Profile>,
    /// `oadr:oadrRequestedOadrPollFreq`: at most one poll per this duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_oadr_poll_freq: Option<Duration>,
    /// `oadr:oadrServiceSpecificInfo` (`None`: element absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_specific_info: Option<ServiceSpecificInfo>,
    /// `oadrExtensions` (`None`: element absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<Extension>>,
}

/// `oadrCancelPartyRegistration` (either side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelPartyRegistration {
    /// `pyld:requestID`.
    #[serde(deserialize_with = "lenient::string_or_null")]
    pub request_id: String,
    /// `ei:registrationID`.
    #[serde(deserialize_with = "lenient::string")]
    pub registration_id: String,
    /// `ei:venID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrCanceledPartyRegistration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanceledPartyRegistration {
    /// `ei:eiResponse`.
    pub response: EiResponse,
    /// `ei:registrationID`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub registration_id: Option<String>,
    /// `ei:venID` (required by certification, spec digest §1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ven_id: Option<String>,
}

/// `oadrRequestReregistration` (VTN → VEN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestReregistration {
    /// `ei:venID`.
    #[serde(deserialize_with = "lenient::string")]
    pub ven_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn created_party_registration_json_matches_openleadr() {
        let v = json!({
            "response": {"response_code": 200, "response_description": "OK", "request_id": "r0"},
            "registration_id": "reg", "ven_id": "ven1", "vtn_id": "vtn",
            "profiles": [{"profile_name": "2.0b", "transports": [{"transport_name": "simpleHttp"}]}],
            "requested_oadr_poll_freq": "PT10S"
        });
        let r: CreatedPartyRegistration = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(r.requested_oadr_poll_freq, Some(Duration::seconds(10)));
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
    }

    #[test]
    fn unknown_transport_is_rejected() {
        let mut v = serde_json::to_value(CreatePartyRegistration::pull("r", "v")).unwrap();
        v["transport_name"] = json!("carrier-pigeon");
        assert!(serde_json::from_value::<CreatePartyRegistration>(v).is_err());
    }
}
