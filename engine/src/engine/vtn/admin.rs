//! Operator commands: events (create, modify, cancel), report requests, re-registration and
//! cancellation of a VEN. Each queues what the VENs must hear and returns the store writes.

use super::event::status_at;
use super::{EventRecord, Notification, ReportRequestState, VtnEngine, Write};
use crate::model::{
    CancelPartyRegistration, CancelReport, Event, EventStatus, ReportRequest,
    RequestReregistration, ResponseCode, SignalName, SignalType,
};

/// A refused operator command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// No such VEN.
    #[error("no VEN {0:?}")]
    UnknownVen(String),
    /// No such event.
    #[error("no event {0:?}")]
    UnknownEvent(String),
    /// No such report request for that VEN.
    #[error("no report request {1:?} for VEN {0:?}")]
    UnknownReportRequest(String, String),
    /// An event with that eventID exists.
    #[error("event {0:?} already exists")]
    DuplicateEvent(String),
    /// The command is well-formed but not allowed now (e.g. modifying a cancelled event).
    #[error("{0}")]
    NotAllowed(String),
    /// The content is invalid: `path` names the element, `code` the OpenADR response code
    /// the same problem gets on the wire (454, 459, 460, 461).
    #[error("{path}: {message}")]
    Invalid {
        /// Element path, e.g. `/oadrEvent/eiEvent/eiEventSignals/eiEventSignal[1]/signalType`.
        path: String,
        /// What is wrong.
        message: String,
        /// The matching OpenADR response code.
        code: ResponseCode,
    },
}

impl AdminError {
    /// The OpenADR response code this maps to.
    pub fn response_code(&self) -> ResponseCode {
        match self {
            AdminError::UnknownVen(_)
            | AdminError::UnknownEvent(_)
            | AdminError::UnknownReportRequest(..)
            | AdminError::DuplicateEvent(_) => ResponseCode::INVALID_ID,
            AdminError::NotAllowed(_) => ResponseCode::NOT_ALLOWED,
            AdminError::Invalid { code, .. } => *code,
        }
    }

    fn invalid(path: String, message: impl Into<String>, code: ResponseCode) -> AdminError {
        AdminError::Invalid {
            path,
            message: message.into(),
            code,
        }
    }
}

/// A command's result and the writes to commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied<T> {
    /// The result.
    pub value: T,
    /// Store writes.
    pub writes: Vec<Write>,
}

/// The signal types each signal name allows (spec digest §5 table, **unconfirmed** there;
/// `x-` names allow every type).
fn signal_allows(name: &SignalName, ty: SignalType) -> bool {
    use SignalType as T;
    match name {
        SignalName::Simple | SignalName::SimpleLower => ty == T::Level,
        SignalName::ElectricityPrice | SignalName::EnergyPrice | SignalName::DemandCharge => {
            matches!(ty, T::Price | T::PriceRelative | T::PriceMultiplier)
        }
        SignalName::BidPrice => ty == T::Price,
        SignalName::BidLoad | SignalName::BidEnergy => ty == T::Setpoint,
        SignalName::ChargeState => matches!(ty, T::Setpoint | T::Delta | T::Multiplier),
        SignalName::LoadDispatch => {
            matches!(ty, T::Setpoint | T::Delta | T::Multiplier | T::Level)
        }
        SignalName::LoadControl => matches!(
            ty,
            T::LoadControlCapacity
                | T::LoadControlLevelOffset
                | T::LoadControlPercentOffset
                | T::LoadControlSetpoint
        ),
        _ => true,
    }
}

/// Check an operator's event against the rules a VTN producing oadrDistributeEvent follows.
fn check_event(e: &Event) -> Result<(), AdminError> {
    const P: &str = "/oadrEvent/eiEvent";
    if e.targets.is_empty() {
        return Err(AdminError::invalid(
            format!("{P}/eiTarget"),
            "an event needs at least one target (venID, groupID, resourceID or partyID)",
            ResponseCode::INVALID_DATA,
        ));
    }
    if e.event_signals.is_empty() {
        return Err(AdminError::invalid(
            format!("{P}/eiEventSignals"),
            "an event needs at least one signal",
            ResponseCode::INVALID_DATA,
        ));
    }
    let total = e.active_period.duration.to_chrono();
    for (i, s) in e.event_signals.iter().enumerate() {
        let sp = format!("{P}/eiEventSignals/eiEventSignal[{}]", i + 1);
        if !signal_allows(&s.signal_name, s.signal_type) {
            return Err(AdminError::invalid(
                format!("{sp}/signalType"),
                format!(
                    "signal {} does not take type {}",
                    s.signal_name.as_str(),
                    s.signal_type.as_str()
                ),
                ResponseCode::SIGNAL_NOT_SUPPORTED,
            ));
        }
        if s.intervals.is_empty() {
            return Err(AdminError::invalid(
                format!("{sp}/intervals"),
                "a signal needs at least one interval",
                ResponseCode::INVALID_DATA,
            ));
        }
        let mut sum = chrono::Duration::zero();
        let mut exact = true;
        for (j, iv) in s.intervals.iter().enumerate() {
            let ip = format!("{sp}/intervals/interval[{}]", j + 1);
            if iv.uid != u32::try_from(j).ok() {
                return Err(AdminError::invalid(
                    format!("{ip}/uid"),
                    format!("interval uids count from 0 by 1 (rule 2); expected {j}"),
                    ResponseCode::COMPLIANCE_ERROR,
                ));
            }
            if s.signal_name.is_simple() {
                if let Some(v) = iv
                    .signal_payloads
                    .iter()
                    .find(|v| ![0.0, 1.0, 2.0, 3.0].contains(*v))
                {
                    return Err(AdminError::invalid(
                        format!("{ip}/signalPayload"),
                        format!("SIMPLE levels are 0, 1, 2 or 3 (rule 9), not {v}"),
                        ResponseCode::COMPLIANCE_ERROR,
                    ));
                }
            }
            match iv.duration.and_then(|d| d.to_chrono()) {
                Some(d) => sum += d,
                None => exact = false,
            }
        }
        if let (Some(total), true) = (total, exact) {
            if !total.is_zero() && sum != total {
                return Err(AdminError::invalid(
                    format!("{sp}/intervals"),
                    format!(
                        "interval durations add up to {}s, the active period lasts {}s (rule 8)",
                        sum.num_seconds(),
                        total.num_seconds()
                    ),
                    ResponseCode::COMPLIANCE_ERROR,
                ));
            }
        }
    }
    Ok(())
}

impl VtnEngine {
    fn applied<T>(&mut self, value: T) -> Applied<T> {
        Applied {
            value,
            writes: std::mem::take(&mut self.writes),
        }
    }

    /// Publish a new event. An empty eventID gets a generated one; modificationNumber starts
    /// at 0 (rule 4); createdDateTime is now. VENs get it on their next poll.
    pub fn create_event(&mut self, mut event: Event) -> Result<Applied<EventRecord>, AdminError> {
        check_event(&event)?;
        let now = self.clock.now();
        if event.event_descriptor.event_id.is_empty() {
            event.event_descriptor.event_id = self.ids.next("event");
        }
        let id = event.event_descriptor.event_id.clone();
        if self.events.contains_key(&id) {
            return Err(AdminError::DuplicateEvent(id));
        }
        let d = &mut event.event_descriptor;
        d.modification_number = 0;
        d.created_date_time = now;
        d.modification_date_time = None;
        d.event_status = EventStatus::Far;
        let status = status_at(&event, now);
        event.event_descriptor.event_status = status;
        let rec = EventRecord {
            event,
            created_at: now,
        };
        self.events.insert(id, rec.clone());
        self.write(Write::PutEvent(rec.clone()));
        Ok(self.applied(rec))
    }

    /// Replace an event's content: modificationNumber + 1 (rule 5); VENs get the new version
    /// on their next poll.
    pub fn modify_event(
        &mut self,
        event_id: &str,
        mut event: Event,
    ) -> Result<Applied<EventRecord>, AdminError> {
        let Some(old) = self.events.get(event_id) else {
            return Err(AdminError::UnknownEvent(event_id.to_owned()));
        };
        if old.is_cancelled() {
            return Err(AdminError::NotAllowed(format!(
                "event {event_id:?} is cancelled"
            )));
        }
        check_event(&event)?;
        let now = self.clock.now();
        let d = &mut event.event_descriptor;
        d.event_id = event_id.to_owned();
        d.modification_number = old.modification_number().saturating_add(1);
        d.created_date_time = old.event.event_descriptor.created_date_time;
        d.modification_date_time = Some(now);
        d.event_status = EventStatus::Far;
        let status = status_at(&event, now);
        event.event_descriptor.event_status = status;
        let rec = EventRecord {
            event,
            created_at: old.created_at,
        };
        self.events.insert(event_id.to_owned(), rec.clone());
        self.write(Write::PutEvent(rec.clone()));
        Ok(self.applied(rec))
    }

    /// Cancel an event: status cancelled, modificationNumber + 1 (rule 5). VENs that had it
    /// get the cancellation on their next poll.
    pub fn cancel_event(&mut self, event_id: &str) -> Result<Applied<EventRecord>, AdminError> {
        let now = self.clock.now();
        let Some(rec) = self.events.get_mut(event_id) else {
            return Err(AdminError::UnknownEvent(event_id.to_owned()));
        };
        if rec.is_cancelled() {
            return Err(AdminError::NotAllowed(format!(
                "event {event_id:?} is already cancelled"
            )));
        }
        let d = &mut rec.event.event_descriptor;
        d.event_status = EventStatus::Cancelled;
        d.modification_number = d.modification_number.saturating_add(1);
        d.modification_date_time = Some(now);
        let rec = rec.clone();
        self.write(Write::PutEvent(rec.clone()));
        Ok(self.applied(rec))
    }

    /// Ask a VEN for a report at any time (oadrCreateReport, queued). The reportSpecifierID
    /// must be one the VEN offered (461 otherwise); an empty reportRequestID gets a generated
    /// one.
    pub fn request_report(
        &mut self,
        ven_id: &str,
        mut request: ReportRequest,
    ) -> Result<Applied<String>, AdminError> {
        if !self.vens.contains_key(ven_id) {
            return Err(AdminError::UnknownVen(ven_id.to_owned()));
        }
        let spec = &request.report_specifier.report_specifier_id;
        let Some(offered) = self
            .metadata(ven_id)
            .iter()
            .find(|m| m.report_specifier_id == *spec)
        else {
            return Err(AdminError::invalid(
                "/oadrReportRequest/reportSpecifier/reportSpecifierID".into(),
                format!("VEN {ven_id:?} offered no report {spec:?}"),
                ResponseCode::REPORT_NOT_SUPPORTED,
            ));
        };
        for (i, sp) in request
            .report_specifier
            .specifier_payloads
            .iter()
            .enumerate()
        {
            if !offered
                .report_descriptions
                .iter()
                .any(|d| d.r_id == sp.r_id)
            {
                return Err(AdminError::invalid(
                    format!(
                        "/oadrReportRequest/reportSpecifier/specifierPayload[{}]/rID",
                        i + 1
                    ),
                    format!("report {spec:?} has no data point {:?}", sp.r_id),
                    ResponseCode::REPORT_NOT_SUPPORTED,
                ));
            }
        }
        if request.report_request_id.is_empty() {
            request.report_request_id = self.ids.next("rr");
        }
        let id = request.report_request_id.clone();
        if self
            .report_requests
            .get(ven_id)
            .is_some_and(|rs| rs.iter().any(|r| r.id() == id))
        {
            return Err(AdminError::NotAllowed(format!(
                "report request {id:?} exists"
            )));
        }
        self.queue_report_requests(ven_id, vec![request]);
        Ok(self.applied(id))
    }

    /// Stop a report (oadrCancelReport, queued).
    pub fn cancel_report_request(
        &mut self,
        ven_id: &str,
        report_request_id: &str,
    ) -> Result<Applied<()>, AdminError> {
        let known = self.report_requests.get(ven_id).and_then(|rs| {
            rs.iter()
                .find(|r| r.id() == report_request_id)
                .map(|r| r.state)
        });
        match known {
            None => {
                return Err(AdminError::UnknownReportRequest(
                    ven_id.to_owned(),
                    report_request_id.to_owned(),
                ))
            }
            Some(ReportRequestState::Cancelled) => {
                return Err(AdminError::NotAllowed(format!(
                    "report request {report_request_id:?} is already cancelled"
                )))
            }
            Some(_) => {}
        }
        self.set_request_state_pub(ven_id, report_request_id, ReportRequestState::Cancelling);
        let request_id = self.ids.next("req");
        self.enqueue(
            ven_id,
            CancelReport {
                request_id,
                report_request_id: vec![report_request_id.to_owned()],
                report_to_follow: false,
                ven_id: Some(ven_id.to_owned()),
            }
            .into(),
        );
        Ok(self.applied(()))
    }

    fn set_request_state_pub(&mut self, ven_id: &str, id: &str, state: ReportRequestState) {
        let mut changed = None;
        if let Some(r) = self
            .report_requests
            .get_mut(ven_id)
            .and_then(|rs| rs.iter_mut().find(|r| r.id() == id))
        {
            r.state = state;
            changed = Some(r.clone());
        }
        if let Some(r) = changed {
            self.write(Write::PutReportRequest(r));
        }
    }

    /// Ask a VEN to register again (oadrRequestReregistration, queued; it answers
    /// oadrResponse, then sends oadrCreatePartyRegistration).
    pub fn request_reregistration(&mut self, ven_id: &str) -> Result<Applied<()>, AdminError> {
        let Some(v) = self.vens.get_mut(ven_id) else {
            return Err(AdminError::UnknownVen(ven_id.to_owned()));
        };
        v.reregistration_pending = true;
        self.put_ven(ven_id);
        self.enqueue(
            ven_id,
            RequestReregistration {
                ven_id: ven_id.to_owned(),
            }
            .into(),
        );
        Ok(self.applied(()))
    }

    /// End a VEN's registration from the VTN side (oadrCancelPartyRegistration, queued; the
    /// VEN is forgotten when it answers oadrCanceledPartyRegistration).
    pub fn cancel_registration(&mut self, ven_id: &str) -> Result<Applied<()>, AdminError> {
        let Some(v) = self.vens.get_mut(ven_id) else {
            return Err(AdminError::UnknownVen(ven_id.to_owned()));
        };
        if v.cancel_pending {
            return Err(AdminError::NotAllowed(format!(
                "a cancellation of {ven_id:?} is already pending"
            )));
        }
        v.cancel_pending = true;
        let registration_id = v.registration_id.clone();
        self.put_ven(ven_id);
        let request_id = self.ids.next("req");
        self.enqueue(
            ven_id,
            CancelPartyRegistration {
                request_id,
                registration_id,
                ven_id: Some(ven_id.to_owned()),
            }
            .into(),
        );
        Ok(self.applied(()))
    }

    /// Set the groups a VEN belongs to (event targeting by groupID).
    pub fn set_groups(
        &mut self,
        ven_id: &str,
        groups: Vec<String>,
    ) -> Result<Applied<()>, AdminError> {
        let Some(v) = self.vens.get_mut(ven_id) else {
            return Err(AdminError::UnknownVen(ven_id.to_owned()));
        };
        v.groups = groups;
        self.put_ven(ven_id);
        Ok(self.applied(()))
    }

    /// Forget a VEN at once, without telling it (operator clean-up).
    pub fn remove_ven_now(&mut self, ven_id: &str) -> Result<Applied<()>, AdminError> {
        if !self.vens.contains_key(ven_id) {
            return Err(AdminError::UnknownVen(ven_id.to_owned()));
        }
        self.remove_ven(ven_id);
        self.notify(Notification::VenCanceled {
            ven_id: ven_id.to_owned(),
            by_ven: false,
        });
        Ok(self.applied(()))
    }
}
