//! EiRegisterParty on the VTN side (spec digest §4): query, create (and re-register),
//! cancellation both ways, oadrRequestReregistration.

use super::{
    Handled, Notification, RegistrationDecision, RegistrationRequest, Reject, ReportRequestState,
    VenRecord, VtnEngine, Write,
};
use crate::model::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration,
    CreatedPartyRegistration, EiResponse, Message, Profile, ProfileName, QueryRegistration,
    Response, ResponseCode, Transport, TransportName,
};

const PATH: &str = "/oadrPayload/oadrSignedObject";

impl VtnEngine {
    fn profiles(&self) -> Vec<Profile> {
        let mut transports = vec![Transport {
            transport_name: TransportName::SimpleHttp,
        }];
        if self.config.accept_xmpp {
            transports.push(Transport {
                transport_name: TransportName::Xmpp,
            });
        }
        vec![Profile {
            profile_name: ProfileName::B20,
            transports,
        }]
    }

    fn created_registration(
        &self,
        request_id: &str,
        ven_id: Option<String>,
        registration_id: Option<String>,
    ) -> CreatedPartyRegistration {
        CreatedPartyRegistration {
            response: EiResponse::ok(request_id),
            registration_id,
            ven_id,
            vtn_id: self.config.vtn_id.clone(),
            profiles: self.profiles(),
            requested_oadr_poll_freq: Some(self.config.poll_frequency),
            service_specific_info: None,
            extensions: None,
        }
    }

    /// oadrQueryRegistration: the supported profiles and transports, no registration.
    pub(super) fn query_registration(&mut self, q: &QueryRegistration) -> Message {
        self.created_registration(&q.request_id, None, None).into()
    }

    /// oadrCreatePartyRegistration: the policy decides; the venID is bound to the
    /// certificate fingerprint (§10).
    pub(super) fn create_party_registration(
        &mut self,
        fingerprint: Option<&str>,
        c: &CreatePartyRegistration,
    ) -> Handled {
        let p = format!("{PATH}/oadrCreatePartyRegistration");
        if c.profile_name != ProfileName::B20 {
            return Err(Reject::new(
                ResponseCode::NOT_ALLOWED,
                format!(
                    "{p}/oadrProfileName: this VTN serves profile 2.0b, not {}",
                    c.profile_name.as_str()
                ),
            ));
        }
        if c.transport_name == TransportName::Xmpp && !self.config.accept_xmpp {
            return Err(Reject::new(
                ResponseCode::NOT_ALLOWED,
                format!("{p}/oadrTransportName: this VTN does not serve xmpp"),
            ));
        }
        let push =
            c.transport_name == TransportName::SimpleHttp && c.http_pull_model == Some(false);
        if push && !self.config.accept_push {
            return Err(Reject::new(
                ResponseCode::NOT_ALLOWED,
                format!("{p}/oadrHttpPullModel: this VTN serves pull VENs only"),
            ));
        }
        // A re-registration names its venID / registrationID: both must be ours, and the venID
        // must belong to this certificate.
        let named = c.ven_id.as_deref().filter(|v| !v.is_empty());
        let existing: Option<String> = match named {
            Some(v) => {
                if !self.vens.contains_key(v) {
                    return Err(Reject::new(
                        ResponseCode::INVALID_ID,
                        format!("{p}/venID: {v:?} was not assigned by this VTN"),
                    ));
                }
                Some(self.authenticate(Some(v), fingerprint)?)
            }
            None => match fingerprint {
                Some(f) => self.by_fingerprint.get(f).cloned(),
                None => c.ven_name.as_deref().and_then(|n| {
                    self.vens
                        .values()
                        .find(|v| v.fingerprint.is_none() && v.ven_name.as_deref() == Some(n))
                        .map(|v| v.ven_id.clone())
                }),
            },
        };
        if let Some(rid) = c.registration_id.as_deref().filter(|r| !r.is_empty()) {
            let known = existing
                .as_deref()
                .and_then(|v| self.vens.get(v))
                .is_some_and(|v| v.registration_id == rid);
            if !known {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!("{p}/registrationID: {rid:?} is not a registration of this VEN"),
                ));
            }
        }
        let decision = self.policy.registration(&RegistrationRequest {
            message: c,
            fingerprint,
            existing_ven_id: existing.as_deref(),
        });
        let accepted = match decision {
            RegistrationDecision::Accept(a) => a,
            RegistrationDecision::Reject(code, why) => return Err(Reject::new(code, why)),
        };
        let ven_id = match (&accepted.ven_id, &existing) {
            (Some(v), _) => v.clone(),
            (None, Some(v)) => v.clone(),
            (None, None) => self.ids.next("ven"),
        };
        if let (Some(f), Some(other)) = (
            fingerprint,
            fingerprint.and_then(|f| self.by_fingerprint.get(f)),
        ) {
            if *other != ven_id {
                return Err(Reject::new(
                    ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                    format!("certificate {f} is bound to another venID"),
                ));
            }
        }
        if let Some(prev) = self.vens.get(&ven_id) {
            if prev.fingerprint.is_some() && prev.fingerprint.as_deref() != fingerprint {
                return Err(Reject::new(
                    ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                    format!("venID {ven_id:?} belongs to another certificate"),
                ));
            }
        }
        let now = self.clock.now();
        let registration_id = self.ids.next("reg");
        let previous = self.vens.get(&ven_id).cloned();
        let reregistration = previous.is_some();
        let pick = |given: Vec<String>, old: Option<&Vec<String>>| {
            if given.is_empty() {
                old.cloned().unwrap_or_default()
            } else {
                given
            }
        };
        let record = VenRecord {
            ven_id: ven_id.clone(),
            registration_id: registration_id.clone(),
            ven_name: c.ven_name.clone(),
            fingerprint: fingerprint.map(str::to_owned),
            groups: pick(accepted.groups, previous.as_ref().map(|p| &p.groups)),
            party_ids: pick(accepted.party_ids, previous.as_ref().map(|p| &p.party_ids)),
            resource_ids: pick(
                accepted.resource_ids,
                previous.as_ref().map(|p| &p.resource_ids),
            ),
            transport_name: c.transport_name,
            http_pull_model: !push,
            transport_address: c.transport_address.clone(),
            report_only: c.report_only,
            xml_signature: c.xml_signature,
            registered_at: now,
            last_seen: Some(now),
            cancel_pending: false,
            reregistration_pending: false,
        };
        if let Some(f) = fingerprint {
            self.by_fingerprint.insert(f.to_owned(), ven_id.clone());
        }
        self.vens.insert(ven_id.clone(), record);
        self.put_ven(&ven_id);
        if reregistration {
            // The VEN starts over: it will offer its reports again and needs every event again.
            self.end_report_requests(&ven_id);
            if let Some(ds) = self.deliveries.remove(&ven_id) {
                for event_id in ds.into_keys() {
                    self.write(Write::DeleteDelivery {
                        ven_id: ven_id.clone(),
                        event_id,
                    });
                }
            }
        }
        self.notify(Notification::VenRegistered {
            ven_id: ven_id.clone(),
            ven_name: c.ven_name.clone(),
            fingerprint: fingerprint.map(str::to_owned),
            reregistration,
        });
        Ok(self
            .created_registration(&c.request_id, Some(ven_id), Some(registration_id))
            .into())
    }

    fn end_report_requests(&mut self, ven_id: &str) {
        let mut changed = Vec::new();
        if let Some(rs) = self.report_requests.get_mut(ven_id) {
            for r in rs.iter_mut() {
                if r.state != ReportRequestState::Cancelled {
                    r.state = ReportRequestState::Cancelled;
                    changed.push(r.clone());
                }
            }
        }
        for r in changed {
            self.write(Write::PutReportRequest(r));
        }
    }

    /// oadrCancelPartyRegistration from the VEN.
    pub(super) fn cancel_party_registration(
        &mut self,
        fingerprint: Option<&str>,
        c: &CancelPartyRegistration,
    ) -> Handled {
        let ven_id = self.authenticate(c.ven_id.as_deref(), fingerprint)?;
        let current = self
            .vens
            .get(&ven_id)
            .map(|v| v.registration_id.clone())
            .unwrap_or_default();
        if c.registration_id != current {
            return Err(Reject::new(
                ResponseCode::INVALID_ID,
                format!(
                    "{PATH}/oadrCancelPartyRegistration/registrationID: {:?} is not the registration of {ven_id}",
                    c.registration_id
                ),
            ));
        }
        self.remove_ven(&ven_id);
        self.notify(Notification::VenCanceled {
            ven_id: ven_id.clone(),
            by_ven: true,
        });
        Ok(CanceledPartyRegistration {
            response: EiResponse::ok(&c.request_id),
            registration_id: Some(current),
            ven_id: Some(ven_id),
        }
        .into())
    }

    /// oadrCanceledPartyRegistration: the VEN acknowledges the VTN's cancellation.
    pub(super) fn canceled_party_registration(
        &mut self,
        fingerprint: Option<&str>,
        c: &CanceledPartyRegistration,
    ) -> Handled {
        let ven_id = self.authenticate(c.ven_id.as_deref(), fingerprint)?;
        if !self.vens.get(&ven_id).is_some_and(|v| v.cancel_pending) {
            return Err(Reject::new(
                ResponseCode::OUT_OF_SEQUENCE,
                format!(
                    "{PATH}/oadrCanceledPartyRegistration: no cancellation of {ven_id} is pending"
                ),
            ));
        }
        if c.response.response_code.is_success() {
            self.remove_ven(&ven_id);
            self.notify(Notification::VenCanceled {
                ven_id: ven_id.clone(),
                by_ven: false,
            });
        } else if let Some(v) = self.vens.get_mut(&ven_id) {
            v.cancel_pending = false;
            self.put_ven(&ven_id);
        }
        Ok(ok_response(&c.response.request_id, ven_id))
    }

    /// oadrResponse from the VEN: the acknowledgement of oadrRequestReregistration.
    pub(super) fn response(&mut self, fingerprint: Option<&str>, r: &Response) -> Handled {
        let ven_id = self.authenticate(r.ven_id.as_deref(), fingerprint)?;
        if !self
            .vens
            .get(&ven_id)
            .is_some_and(|v| v.reregistration_pending)
        {
            return Err(Reject::new(
                ResponseCode::OUT_OF_SEQUENCE,
                format!(
                    "{PATH}/oadrResponse: nothing this VTN sent {ven_id} awaits an oadrResponse"
                ),
            ));
        }
        if let Some(v) = self.vens.get_mut(&ven_id) {
            v.reregistration_pending = false;
        }
        self.put_ven(&ven_id);
        Ok(ok_response(&r.response.request_id, ven_id))
    }
}

/// A plain 200 oadrResponse for `ven_id`.
pub(super) fn ok_response(request_id: &str, ven_id: String) -> Message {
    Response {
        response: EiResponse::ok(request_id),
        ven_id: Some(ven_id),
    }
    .into()
}
