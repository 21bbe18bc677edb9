//! EiEvent on the VTN side (spec digest §5): which events apply to a VEN, the complete
//! oadrDistributeEvent, redelivery until answered, oadrCreatedEvent (rules 16, 17, 21).

use super::registration::ok_response;
use super::{Delivery, EventRecord, Handled, Notification, Reject, VenRecord, VtnEngine, Write};
use crate::model::{
    CreatedEvent, DistributeEvent, EiResponse, Event, EventStatus, RequestEvent, ResponseCode,
    ResponseRequired, Targets,
};
use chrono::{DateTime, Utc};

const PATH: &str = "/oadrPayload/oadrSignedObject/oadrCreatedEvent/eiCreatedEvent";

/// Whether `targets` name this VEN by venID, groupID, resourceID or partyID.
pub(crate) fn targets_ven(t: &Targets, v: &VenRecord) -> bool {
    t.ven_id.contains(&v.ven_id)
        || t.group_id.iter().any(|g| v.groups.contains(g))
        || t.resource_id.iter().any(|r| v.resource_ids.contains(r))
        || t.party_id.iter().any(|p| v.party_ids.contains(p))
}

/// The eventStatus at `now`: cancelled stays cancelled; before dtstart `near` inside the
/// ramp-up window (as OpenLEADR does; the spec's near window is unconfirmed) else `far`;
/// `active` until dtstart + duration; then `completed`. A zero duration never ends.
pub(crate) fn status_at(e: &Event, now: DateTime<Utc>) -> EventStatus {
    if e.event_descriptor.event_status == EventStatus::Cancelled {
        return EventStatus::Cancelled;
    }
    let start = e.active_period.dtstart;
    if now < start {
        let near = e
            .active_period
            .ramp_up
            .and_then(|r| r.to_chrono())
            .is_some_and(|r| now >= start - r);
        return if near {
            EventStatus::Near
        } else {
            EventStatus::Far
        };
    }
    match e.active_period.end() {
        Some(end) if now >= end => EventStatus::Completed,
        _ => EventStatus::Active,
    }
}

/// The event as sent at `now`: status from the clock and, for SIMPLE signals, currentValue =
/// the running interval's level while active, else 0 (rule 14). Neither changes the
/// modificationNumber (rule 5).
pub(crate) fn as_sent(e: &Event, now: DateTime<Utc>) -> Event {
    let mut e = e.clone();
    let status = status_at(&e, now);
    e.event_descriptor.event_status = status;
    let start = e.active_period.dtstart;
    for s in &mut e.event_signals {
        if !s.signal_name.is_simple() {
            continue;
        }
        let mut value = 0.0;
        if status == EventStatus::Active {
            let mut at = start;
            for i in &s.intervals {
                let Some(d) = i.duration.and_then(|d| d.to_chrono()) else {
                    break;
                };
                let from = i.dtstart.unwrap_or(at);
                let until = from + d;
                if now >= from && (now < until || d.is_zero()) {
                    value = i.value().unwrap_or(0.0);
                    break;
                }
                at = until;
            }
        }
        s.current_value = Some(value);
    }
    e
}

impl VtnEngine {
    fn ended(&self, e: &EventRecord, now: DateTime<Utc>) -> bool {
        e.event.active_period.end().is_some_and(|end| now >= end)
    }

    /// The events that belong in this VEN's next oadrDistributeEvent: those targeting it that
    /// have not ended, and cancelled ones until the cancellation has been delivered.
    fn event_set(&self, ven: &VenRecord, now: DateTime<Utc>) -> Vec<&EventRecord> {
        let ds = self.deliveries.get(&ven.ven_id);
        self.events
            .values()
            .filter(|e| targets_ven(&e.event.targets, ven) && !self.ended(e, now))
            .filter(|e| {
                !e.is_cancelled()
                    || ds
                        .and_then(|m| m.get(e.id()))
                        .is_none_or(|d| d.delivered != Some(e.modification_number()))
            })
            .filter(|e| {
                // A cancelled event the VEN never received is not news to it (rule 21).
                !e.is_cancelled() || ds.is_some_and(|m| m.contains_key(e.id()))
            })
            .collect()
    }

    /// Whether this VEN should get an oadrDistributeEvent now: something new, modified or
    /// cancelled, an event that no longer applies to it (implied cancel), or an unanswered
    /// event requiring a response whose redelivery time has come.
    pub(crate) fn distribute_due(&self, ven_id: &str) -> bool {
        let Some(ven) = self.vens.get(ven_id) else {
            return false;
        };
        let now = self.clock.now();
        let set = self.event_set(ven, now);
        let ds = self.deliveries.get(ven_id);
        for e in &set {
            let m = e.modification_number();
            let Some(d) = ds.and_then(|ds| ds.get(e.id())) else {
                return true;
            };
            if d.delivered != Some(m) {
                return true;
            }
            if e.event.response_required == ResponseRequired::Always
                && !e.is_cancelled()
                && d.answered != Some(m)
                && d.delivered_at
                    .is_none_or(|at| now - at >= self.config.redeliver_after)
            {
                return true;
            }
        }
        // Delivered once, and now out of the set while still live: retargeted away.
        ds.is_some_and(|ds| {
            ds.keys().any(|id| {
                !set.iter().any(|e| e.id() == id)
                    && self
                        .events
                        .get(id)
                        .is_some_and(|e| !e.is_cancelled() && !self.ended(e, now))
            })
        })
    }

    /// The complete oadrDistributeEvent for a VEN (spec digest §2: never a delta), recording
    /// what was delivered. Deliveries of events that left the set are dropped.
    pub fn distribute_event(&mut self, ven_id: &str, request_id: &str) -> DistributeEvent {
        let d = self.build_distribute(ven_id, request_id);
        let sent: Vec<(String, u32)> = d
            .events
            .iter()
            .map(|e| (e.id().to_owned(), e.event_descriptor.modification_number))
            .collect();
        self.record_distribution(ven_id, &sent);
        d
    }

    /// The complete oadrDistributeEvent for a VEN as it stands now, recording nothing (push
    /// records it with [`VtnEngine::record_distribution`] once the VEN acknowledged it).
    pub(crate) fn build_distribute(&self, ven_id: &str, request_id: &str) -> DistributeEvent {
        let now = self.clock.now();
        let events: Vec<Event> = match self.vens.get(ven_id) {
            Some(ven) => self
                .event_set(ven, now)
                .into_iter()
                .map(|e| as_sent(&e.event, now))
                .collect(),
            None => Vec::new(),
        };
        DistributeEvent {
            response: Some(EiResponse::ok(request_id)),
            request_id: request_id.to_owned(),
            vtn_id: self.config.vtn_id.clone(),
            events,
        }
    }

    /// Record that the VEN received an oadrDistributeEvent holding these `(eventID,
    /// modificationNumber)`s: their deliveries are updated, those of events that left the set
    /// are dropped.
    pub(crate) fn record_distribution(&mut self, ven_id: &str, sent: &[(String, u32)]) {
        let now = self.clock.now();
        let ds = self.deliveries.entry(ven_id.to_owned()).or_default();
        let mut writes = Vec::new();
        for (id, modification) in sent {
            let d = ds
                .entry(id.clone())
                .or_insert_with(|| Delivery::new(ven_id, id));
            d.delivered = Some(*modification);
            d.delivered_at = Some(now);
            writes.push(Write::PutDelivery(d.clone()));
        }
        let gone: Vec<String> = ds
            .keys()
            .filter(|id| !sent.iter().any(|(s, _)| s == *id))
            .filter(|id| {
                // Keep the record of a delivered cancellation (it stops redelivery) while the
                // event lives; drop everything else that left the set.
                !self.events.get(id.as_str()).is_some_and(|e| {
                    e.is_cancelled()
                        && ds.get(id.as_str()).and_then(|d| d.delivered)
                            == Some(e.modification_number())
                })
            })
            .cloned()
            .collect();
        for id in gone {
            ds.remove(&id);
            writes.push(Write::DeleteDelivery {
                ven_id: ven_id.to_owned(),
                event_id: id,
            });
        }
        self.writes.extend(writes);
    }

    /// oadrRequestEvent: the complete set, now.
    pub(super) fn request_event(&mut self, fingerprint: Option<&str>, r: &RequestEvent) -> Handled {
        let ven_id = self.authenticate(Some(&r.ven_id), fingerprint)?;
        let mut d = self.distribute_event(&ven_id, &r.request_id);
        if let Some(limit) = r.reply_limit.filter(|l| *l > 0) {
            d.events
                .truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(d.into())
    }

    /// oadrCreatedEvent: optIn/optOut per event, stored and passed on (rules 16, 17); unknown
    /// eventIDs are refused (rule 21).
    pub(super) fn created_event(&mut self, fingerprint: Option<&str>, c: &CreatedEvent) -> Handled {
        let ven_id = self.authenticate(Some(&c.ven_id), fingerprint)?;
        let responses = c.event_responses.as_deref().unwrap_or(&[]);
        let ven = self.vens.get(&ven_id).cloned();
        for (i, r) in responses.iter().enumerate() {
            let p = format!("{PATH}/eventResponses/eventResponse[{}]", i + 1);
            let Some(e) = self.events.get(&r.event_id) else {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!("{p}/qualifiedEventID/eventID: no event {:?}", r.event_id),
                ));
            };
            let delivered = self
                .deliveries
                .get(&ven_id)
                .is_some_and(|m| m.contains_key(&r.event_id));
            if !delivered
                && !ven
                    .as_ref()
                    .is_some_and(|v| targets_ven(&e.event.targets, v))
            {
                return Err(Reject::new(
                    ResponseCode::TARGET_MISMATCH,
                    format!(
                        "{p}/qualifiedEventID/eventID: event {:?} does not target {ven_id}",
                        r.event_id
                    ),
                ));
            }
            let current = e.modification_number();
            if r.modification_number > current {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!(
                        "{p}/qualifiedEventID/modificationNumber: {} is ahead of the event's {current}",
                        r.modification_number
                    ),
                ));
            }
            if r.modification_number < current {
                return Err(Reject::new(
                    ResponseCode::OUT_OF_SEQUENCE,
                    format!(
                        "{p}/qualifiedEventID/modificationNumber: {} answers a superseded version (now {current})",
                        r.modification_number
                    ),
                ));
            }
        }
        for r in responses {
            let ds = self.deliveries.entry(ven_id.clone()).or_default();
            let d = ds
                .entry(r.event_id.clone())
                .or_insert_with(|| Delivery::new(&ven_id, &r.event_id));
            d.answered = Some(r.modification_number);
            d.opt = Some(r.opt_type);
            d.response_code = Some(r.response_code);
            let d = d.clone();
            self.write(Write::PutDelivery(d));
            self.notify(Notification::EventResponse {
                ven_id: ven_id.clone(),
                event_id: r.event_id.clone(),
                modification_number: r.modification_number,
                opt_type: r.opt_type,
                response_code: r.response_code,
            });
        }
        Ok(ok_response(&c.response.request_id, ven_id))
    }

    /// Purge events that ended or were cancelled longer than `retention` ago, and their
    /// deliveries. Call from a timer; returns the store writes.
    pub fn purge(&mut self) -> Vec<Write> {
        let now = self.clock.now();
        let retention = self.config.retention;
        let old: Vec<String> = self
            .events
            .values()
            .filter(|e| {
                let done_at = if e.is_cancelled() {
                    e.event
                        .event_descriptor
                        .modification_date_time
                        .unwrap_or(e.created_at)
                } else {
                    match e.event.active_period.end() {
                        Some(end) => end,
                        None => return false,
                    }
                };
                now - done_at >= retention
            })
            .map(|e| e.id().to_owned())
            .collect();
        for id in old {
            self.events.remove(&id);
            for ds in self.deliveries.values_mut() {
                ds.remove(&id);
            }
            self.writes.push(Write::DeleteEvent(id));
        }
        std::mem::take(&mut self.writes)
    }
}
