//! Transports: how payloads travel between VEN and VTN (simple HTTP pull and push, XMPP).
//!
//! This module holds what every transport shares: the five 2.0b services and their HTTP
//! endpoint paths (spec digest §1, §9.1.2).

mod http1;
pub mod http_client;
pub mod http_server;
pub mod tls;
pub mod xmpp;

use std::fmt;

/// The path prefix of every 2.0b simple-HTTP endpoint (§9.1.2).
pub const PATH_PREFIX: &str = "/OpenADR2/Simple/2.0b/";

/// The content type of every request and response body (§9.1.9).
pub const CONTENT_TYPE: &str = "application/xml";

/// One of the five OpenADR 2.0b services (spec digest §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Service {
    /// `EiRegisterParty`: registration, its query, cancellation and re-registration.
    EiRegisterParty,
    /// `EiEvent`: events and the VEN's answers to them.
    EiEvent,
    /// `EiReport`: report registration, requests, updates and cancellations.
    EiReport,
    /// `EiOpt`: opt schedules.
    EiOpt,
    /// `OadrPoll`: the pull-mode poll.
    OadrPoll,
}

impl Service {
    /// All services, in the order of the spec's service table.
    pub const ALL: [Service; 5] = [
        Service::EiRegisterParty,
        Service::EiEvent,
        Service::EiReport,
        Service::EiOpt,
        Service::OadrPoll,
    ];

    /// The service name as it appears in URLs, e.g. `EiEvent`.
    pub fn name(self) -> &'static str {
        match self {
            Service::EiRegisterParty => "EiRegisterParty",
            Service::EiEvent => "EiEvent",
            Service::EiReport => "EiReport",
            Service::EiOpt => "EiOpt",
            Service::OadrPoll => "OadrPoll",
        }
    }

    /// The endpoint path, e.g. `/OpenADR2/Simple/2.0b/EiEvent`.
    pub fn path(self) -> String {
        format!("{PATH_PREFIX}{}", self.name())
    }

    /// The service named by an endpoint path (exact match, §9.1.2 capitalisation).
    pub fn from_path(path: &str) -> Option<Service> {
        let name = path.strip_prefix(PATH_PREFIX)?;
        Service::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The service a payload type belongs to (spec digest §1 table), e.g.
    /// `oadrCreatedEvent` → `EiEvent`. `oadrResponse` answers several services and has
    /// none of its own: `None`.
    pub fn for_message(message_type: &str) -> Option<Service> {
        Some(match message_type {
            "oadrQueryRegistration"
            | "oadrCreatePartyRegistration"
            | "oadrCreatedPartyRegistration"
            | "oadrCancelPartyRegistration"
            | "oadrCanceledPartyRegistration"
            | "oadrRequestReregistration" => Service::EiRegisterParty,
            "oadrRequestEvent" | "oadrDistributeEvent" | "oadrCreatedEvent" => Service::EiEvent,
            "oadrRegisterReport"
            | "oadrRegisteredReport"
            | "oadrCreateReport"
            | "oadrCreatedReport"
            | "oadrUpdateReport"
            | "oadrUpdatedReport"
            | "oadrCancelReport"
            | "oadrCanceledReport" => Service::EiReport,
            "oadrCreateOpt" | "oadrCreatedOpt" | "oadrCancelOpt" | "oadrCanceledOpt" => {
                Service::EiOpt
            }
            "oadrPoll" => Service::OadrPoll,
            _ => return None,
        })
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for s in Service::ALL {
            assert_eq!(Service::from_path(&s.path()), Some(s));
        }
        assert_eq!(Service::from_path("/OpenADR2/Simple/2.0b/eievent"), None);
        assert_eq!(Service::from_path("/OpenADR2/Simple/EiEvent"), None);
        assert_eq!(
            Service::EiEvent.path(),
            "/OpenADR2/Simple/2.0b/EiEvent".to_string()
        );
    }

    #[test]
    fn every_payload_has_its_service() {
        for t in crate::model::Message::TYPES {
            let s = Service::for_message(t);
            assert_eq!(s.is_none(), *t == "oadrResponse", "{t}");
        }
        assert_eq!(
            Service::for_message("oadrCreatedEvent"),
            Some(Service::EiEvent)
        );
    }
}
