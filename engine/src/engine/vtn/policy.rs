//! The decisions the engine asks the application for, synchronously: whether to accept a
//! registration (and with which venID), and which offered reports to request.

use crate::model::{
    CreatePartyRegistration, Duration, Report, ReportName, ReportRequest, ResponseCode,
};
use std::collections::HashSet;

/// What the policy sees of an oadrCreatePartyRegistration.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationRequest<'a> {
    /// The payload.
    pub message: &'a CreatePartyRegistration,
    /// Fingerprint of the certificate that sent it (TLS client or signing certificate).
    pub fingerprint: Option<&'a str>,
    /// The venID already bound to this VEN (same fingerprint, or re-registration), if any.
    pub existing_ven_id: Option<&'a str>,
}

/// An accepted registration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acceptance {
    /// The venID to assign; `None`: keep the existing one or generate one.
    pub ven_id: Option<String>,
    /// Groups the VEN belongs to (event targeting by groupID).
    pub groups: Vec<String>,
    /// partyIDs the VEN answers to.
    pub party_ids: Vec<String>,
    /// resourceIDs the VEN answers to.
    pub resource_ids: Vec<String>,
}

/// The policy's answer to a registration.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RegistrationDecision {
    /// Register the VEN.
    Accept(Acceptance),
    /// Refuse with this response code (typically 463) and description.
    Reject(ResponseCode, String),
}

/// Application decisions, called by the engine while it handles a payload.
pub trait Policy: Send + Sync + std::fmt::Debug {
    /// Accept or reject a registration.
    fn registration(&self, request: &RegistrationRequest<'_>) -> RegistrationDecision;

    /// Which of the METADATA reports a VEN offered to request. `new_id` makes fresh
    /// reportRequestIDs. The default requests every telemetry report (see
    /// [`default_report_requests`]).
    fn report_requests(
        &self,
        ven_id: &str,
        offered: &[Report],
        new_id: &mut dyn FnMut() -> String,
    ) -> Vec<ReportRequest> {
        let _ = ven_id;
        default_report_requests(offered, new_id)
    }
}

/// Requests every rID of every offered `METADATA_TELEMETRY_USAGE` / `METADATA_TELEMETRY_STATUS`
/// report, sampled at its minimum period (one minute when it gives none) and reported back at
/// the same period.
pub fn default_report_requests(
    offered: &[Report],
    new_id: &mut dyn FnMut() -> String,
) -> Vec<ReportRequest> {
    offered
        .iter()
        .filter(|r| {
            matches!(
                r.report_name,
                Some(ReportName::MetadataTelemetryUsage)
                    | Some(ReportName::MetadataTelemetryStatus)
            )
        })
        .filter(|r| !r.report_descriptions.is_empty())
        .map(|r| {
            let granularity = r
                .report_descriptions
                .iter()
                .filter_map(|d| d.sampling_rate.as_ref())
                .map(|s| s.min_period)
                .find(|p| !p.is_zero() && p.to_chrono().is_some())
                .unwrap_or(Duration::minutes(1));
            let mut req =
                ReportRequest::new(new_id(), &r.report_specifier_id, granularity, granularity);
            for d in &r.report_descriptions {
                req = req.with_point(&d.r_id, d.reading_type.clone());
            }
            req
        })
        .collect()
}

/// The policy behind `oadr vtn`: VENs whose certificate fingerprint is in the allow list may
/// register; with `accept_any`, every VEN may (tests and demos).
#[derive(Debug, Clone, Default)]
pub struct AllowListPolicy {
    allowed: HashSet<String>,
    accept_any: bool,
}

impl AllowListPolicy {
    /// Allow these fingerprints (case-insensitive, `AA:BB:...` as OpenLEADR prints them).
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(fingerprints: I) -> Self {
        AllowListPolicy {
            allowed: fingerprints
                .into_iter()
                .map(|f| f.as_ref().trim().to_ascii_uppercase())
                .collect(),
            accept_any: false,
        }
    }

    /// Accept every VEN, with or without a certificate.
    pub fn accept_any() -> Self {
        AllowListPolicy {
            allowed: HashSet::new(),
            accept_any: true,
        }
    }

    /// Whether this fingerprint is allowed.
    pub fn allows(&self, fingerprint: Option<&str>) -> bool {
        self.accept_any
            || fingerprint.is_some_and(|f| self.allowed.contains(&f.trim().to_ascii_uppercase()))
    }
}

impl Policy for AllowListPolicy {
    fn registration(&self, request: &RegistrationRequest<'_>) -> RegistrationDecision {
        if self.allows(request.fingerprint) {
            RegistrationDecision::Accept(Acceptance::default())
        } else {
            let why = match request.fingerprint {
                None => "no client certificate, and this VTN only accepts allowed fingerprints"
                    .to_owned(),
                Some(f) => format!("certificate fingerprint {f} is not allowed"),
            };
            RegistrationDecision::Reject(ResponseCode::NOT_REGISTERED_OR_AUTHORIZED, why)
        }
    }
}
