//! Registration (spec digest §4): query → create → (re)registration, persisted state,
//! cancellation both ways, oadrRequestReregistration, polling (§9.1.8).

use super::{ei_response, Notification, Output, Pending, Phase, VenEngine, VenError};
use crate::model::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration, Duration,
    EiResponse, Message, Poll, ProfileName, QueryRegistration, RequestEvent, ResponseCode,
    TransportName,
};
use chrono::{DateTime, Utc};

/// What a VEN keeps between runs so that a restart reuses its registration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Registration {
    /// The VEN name it registered with.
    pub ven_name: String,
    /// `ei:venID` assigned by the VTN.
    pub ven_id: String,
    /// `ei:registrationID`.
    pub registration_id: String,
    /// `ei:vtnID`.
    pub vtn_id: String,
    /// `oadrRequestedOadrPollFreq`, if the VTN gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_freq: Option<Duration>,
}

impl VenEngine {
    pub(super) fn send_query(&mut self) {
        self.phase = Phase::Querying;
        let request_id = self.rng.id();
        self.send(
            Pending::Query,
            Message::QueryRegistration(QueryRegistration { request_id }),
        );
    }

    fn send_create(&mut self, rereg: Option<(String, String)>) {
        self.phase = Phase::Creating;
        let (registration_id, ven_id) = match rereg {
            Some((r, v)) => (Some(r), Some(v)),
            None => (None, self.cfg.ven_id.clone()),
        };
        let create = CreatePartyRegistration {
            request_id: self.rng.id(),
            registration_id,
            ven_id,
            profile_name: ProfileName::B20,
            transport_name: self.cfg.transport_name,
            transport_address: self.cfg.transport_address.clone(),
            report_only: self.cfg.report_only,
            xml_signature: self.cfg.xml_signature,
            ven_name: Some(self.cfg.ven_name.clone()),
            // oadrHttpPullModel describes simpleHttp only (spec digest §3 "Push/pull over
            // XMPP"): an XMPP VEN never polls and leaves it out.
            http_pull_model: (self.cfg.transport_name == TransportName::SimpleHttp)
                .then_some(self.cfg.http_pull_model),
        };
        self.send(Pending::Create, Message::CreatePartyRegistration(create));
    }

    pub(super) fn on_query_reply(&mut self, reply: Message, now: DateTime<Utc>) {
        match reply {
            Message::CreatedPartyRegistration(c) if c.response.response_code.is_success() => {
                // A VTN that still knows us answers the query with our ids (OpenLEADR does);
                // register again anyway so that both sides agree on the current state.
                self.send_create(None);
            }
            other => self.refused(&other, now),
        }
    }

    pub(super) fn on_create_reply(&mut self, reply: Message, now: DateTime<Utc>) {
        let c = match reply {
            Message::CreatedPartyRegistration(c) => c,
            other => return self.refused(&other, now),
        };
        if !c.response.response_code.is_success() {
            return self.refused(&Message::CreatedPartyRegistration(c), now);
        }
        let (Some(ven_id), Some(registration_id)) = (c.ven_id, c.registration_id) else {
            let retry = self.schedule_retry(now);
            self.notify(Notification::RegistrationFailed {
                code: Some(ResponseCode::INVALID_ID),
                description: "oadrCreatedPartyRegistration without venID or registrationID".into(),
                retry_at: retry,
            });
            return;
        };
        let reg = super::Registration {
            ven_name: self.cfg.ven_name.clone(),
            ven_id,
            registration_id,
            vtn_id: c.vtn_id,
            poll_freq: c.requested_oadr_poll_freq,
        };
        self.reg = Some(reg.clone());
        self.phase = Phase::Registered;
        self.backoff = self.cfg.retry_backoff.0;
        self.out.push_back(Output::Persist(Some(reg.clone())));
        self.notify(Notification::Registered(reg));
        self.after_registration(now);
    }

    /// The startup sequence after (re)registration: METADATA reports, then a poll, then
    /// oadrRequestEvent (spec digest §4 "Typical VEN startup").
    pub(super) fn after_registration(&mut self, now: DateTime<Utc>) {
        if self.reports.has_offers() {
            let ven_id = self.ven_id();
            let reg = self.reports.register_report(&mut self.rng, ven_id, now);
            self.send(Pending::RegisterReport, Message::RegisterReport(reg));
        } else {
            self.send_poll(true, now);
        }
    }

    fn refused(&mut self, reply: &Message, now: DateTime<Utc>) {
        let (code, description) = match ei_response(reply) {
            Some(r) => (
                Some(r.response_code),
                r.response_description.clone().unwrap_or_default(),
            ),
            None => (None, format!("unexpected {}", reply.message_type())),
        };
        self.registration_failed(code, description, now);
    }

    pub(super) fn registration_failed(
        &mut self,
        code: Option<ResponseCode>,
        description: String,
        now: DateTime<Utc>,
    ) {
        let retry_at = self.schedule_retry(now);
        self.notify(Notification::RegistrationFailed {
            code,
            description,
            retry_at,
        });
    }

    fn schedule_retry(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.phase = Phase::Backoff;
        let at = now + self.backoff;
        self.retry_at = Some(at);
        self.backoff = (self.backoff * 2).min(self.cfg.retry_backoff.1);
        at
    }

    /// A reply carrying 463 (not registered) means the VTN forgot us: drop the
    /// registration and register from scratch (spec digest §4, §10).
    pub(super) fn lost_registration(
        &mut self,
        what: &Pending,
        reply: &Message,
        now: DateTime<Utc>,
    ) -> bool {
        let is_463 = ei_response(reply)
            .is_some_and(|r| r.response_code == ResponseCode::NOT_REGISTERED_OR_AUTHORIZED);
        if !is_463
            || self.phase != Phase::Registered
            || matches!(
                what,
                Pending::Query | Pending::Create | Pending::CancelRegistration
            )
        {
            return false;
        }
        if let Pending::Poll { .. } = what {
            self.poll_in_flight = false;
        }
        self.drop_registration();
        self.notify(Notification::RegistrationCancelled { by_vtn: true });
        self.registration_failed(
            Some(ResponseCode::NOT_REGISTERED_OR_AUTHORIZED),
            format!("the VTN answered {} with 463", super::what_name(what)),
            now,
        );
        true
    }

    fn drop_registration(&mut self) {
        self.reg = None;
        self.next_poll = None;
        self.out.push_back(Output::Persist(None));
        for n in self.reports.clear() {
            self.notify(n);
        }
        self.events.clear();
    }

    // ---- polling ----

    pub(super) fn send_poll(&mut self, initial: bool, now: DateTime<Utc>) {
        if !self.cfg.http_pull_model {
            // Push (spec digest §2): the VTN sends its payloads to us, there is no oadrPoll;
            // after registering, resynchronise with oadrRequestEvent all the same.
            if initial {
                self.send_request_event();
            }
            return;
        }
        self.poll_in_flight = true;
        self.schedule_poll(now);
        let ven_id = self.ven_id();
        self.send(Pending::Poll { initial }, Message::Poll(Poll { ven_id }));
    }

    /// The next poll: one oadrRequestedOadrPollFreq (or the default) after this one, plus
    /// jitter that only lengthens the interval (§9.1.8: at most one poll per frequency).
    pub(super) fn schedule_poll(&mut self, now: DateTime<Utc>) {
        let freq = self
            .reg
            .as_ref()
            .and_then(|r| r.poll_freq)
            .and_then(|d| d.to_chrono())
            .filter(|d| *d > chrono::Duration::zero())
            .unwrap_or(self.cfg.default_poll_interval);
        let jitter = self.rng.offset_within(self.cfg.poll_jitter);
        self.next_poll = Some(now + freq + jitter);
    }

    pub(super) fn on_poll_reply(&mut self, reply: Message, initial: bool, now: DateTime<Utc>) {
        self.poll_in_flight = false;
        let stop_sequence = matches!(
            reply,
            Message::RequestReregistration(_) | Message::CancelPartyRegistration(_)
        );
        self.dispatch_vtn_request(reply, now, false);
        if initial && !stop_sequence && self.phase == Phase::Registered {
            self.send_request_event();
        }
    }

    pub(super) fn send_request_event(&mut self) {
        let request = RequestEvent {
            request_id: self.rng.id(),
            ven_id: self.ven_id(),
            reply_limit: None,
        };
        let pushed = self.events.pushed;
        self.send(
            Pending::RequestEvent { pushed },
            Message::RequestEvent(request),
        );
    }

    /// `pushed`: the count of pushed oadrDistributeEvents when the request was sent. If one
    /// arrived since (push and XMPP VENs), it is the complete set of this VEN's events
    /// (spec digest §2) and newer than this answer, which the VTN may have built before the
    /// event it pushed existed: applying the answer would cancel that event by omission.
    /// So the answer is dropped.
    pub(super) fn on_request_event_reply(
        &mut self,
        reply: Message,
        pushed: u64,
        now: DateTime<Utc>,
    ) {
        match reply {
            Message::DistributeEvent(_) if pushed != self.events.pushed => {}
            Message::DistributeEvent(d) => self.on_distribute(d, now),
            other => {
                if let Some(r) = ei_response(&other) {
                    if !r.response_code.is_success() {
                        let (code, description) = (r.response_code, r.response_description.clone());
                        self.notify(Notification::VtnError {
                            request: "oadrRequestEvent",
                            code,
                            description,
                        });
                        return;
                    }
                    return;
                }
                self.unexpected(
                    &other,
                    "oadrRequestEvent answered with neither oadrDistributeEvent nor oadrResponse",
                );
            }
        }
    }

    // ---- re-registration and cancellation ----

    /// oadrRequestReregistration: acknowledge with oadrResponse, then send
    /// oadrCreatePartyRegistration with the current ids (spec digest §4).
    pub(super) fn reregister_soon(&mut self, pushed: bool, ack: Message) {
        if !pushed {
            self.send(Pending::Answer("oadrResponse"), ack);
        }
        let ids = self
            .reg
            .as_ref()
            .map(|r| (r.registration_id.clone(), r.ven_id.clone()));
        for n in self.reports.clear() {
            self.notify(n);
        }
        self.send_create(ids);
    }

    /// VTN-initiated oadrCancelPartyRegistration: answer, forget the registration.
    pub(super) fn on_vtn_cancel(&mut self, c: CancelPartyRegistration) -> Message {
        let ours = self.reg.as_ref().map(|r| r.registration_id.clone());
        let ven_id = Some(self.ven_id());
        if ours.as_deref() != Some(c.registration_id.as_str()) {
            return Message::CanceledPartyRegistration(CanceledPartyRegistration {
                response: EiResponse::error(ResponseCode::INVALID_ID, c.request_id),
                registration_id: Some(c.registration_id),
                ven_id,
            });
        }
        let answer = Message::CanceledPartyRegistration(CanceledPartyRegistration {
            response: EiResponse::ok(c.request_id),
            registration_id: Some(c.registration_id),
            ven_id,
        });
        self.drop_registration();
        self.phase = Phase::Cancelled;
        self.notify(Notification::RegistrationCancelled { by_vtn: true });
        answer
    }

    /// Cancel the registration (VEN-initiated oadrCancelPartyRegistration).
    pub fn cancel_registration(&mut self, _now: DateTime<Utc>) -> Result<(), VenError> {
        if self.phase == Phase::Cancelling {
            return Err(VenError::CancelInProgress);
        }
        let Some(reg) = self
            .reg
            .as_ref()
            .filter(|_| self.phase == Phase::Registered)
        else {
            return Err(VenError::NotRegistered);
        };
        let c = CancelPartyRegistration {
            request_id: self.rng.id(),
            registration_id: reg.registration_id.clone(),
            ven_id: Some(reg.ven_id.clone()),
        };
        self.phase = Phase::Cancelling;
        self.send(
            Pending::CancelRegistration,
            Message::CancelPartyRegistration(c),
        );
        Ok(())
    }

    pub(super) fn on_cancel_reply(&mut self, reply: Message) {
        match &reply {
            Message::CanceledPartyRegistration(c) if c.response.response_code.is_success() => {
                self.drop_registration();
                self.phase = Phase::Cancelled;
                self.notify(Notification::RegistrationCancelled { by_vtn: false });
            }
            _ => {
                self.phase = Phase::Registered;
                match ei_response(&reply) {
                    Some(r) => {
                        let (code, description) = (r.response_code, r.response_description.clone());
                        self.notify(Notification::VtnError {
                            request: "oadrCancelPartyRegistration",
                            code,
                            description,
                        })
                    }
                    None => self.unexpected(&reply, "not an oadrCanceledPartyRegistration"),
                }
            }
        }
    }

    /// Re-register on the user's initiative (same as a VTN's oadrRequestReregistration,
    /// without the acknowledgement).
    pub fn reregister(&mut self, _now: DateTime<Utc>) -> Result<(), VenError> {
        let Some(reg) = self
            .reg
            .as_ref()
            .filter(|_| self.phase == Phase::Registered)
        else {
            return Err(VenError::NotRegistered);
        };
        let ids = (reg.registration_id.clone(), reg.ven_id.clone());
        for n in self.reports.clear() {
            self.notify(n);
        }
        self.send_create(Some(ids));
        Ok(())
    }
}
