//! Events (spec digest §5): the opt decision per (eventID, modificationNumber),
//! oadrCreatedEvent per responseRequired (rules 12 and 62), modifications, explicit and
//! implicit cancellation, completion, and the scheduler that calls start, per-interval and
//! end callbacks, honouring `startafter` randomisation. An event received late (after its
//! start) starts at once with its current interval; one received after its end only
//! completes.

use super::{Notification, Output, Pending, VenEngine};
use crate::model::{
    CreatedEvent, DistributeEvent, EiResponse, Event, EventResponse, EventStatus, Message, OptType,
    ResponseCode, ResponseRequired,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

/// Where an event stands on this VEN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventPhase {
    /// Waiting for the handler's opt decision.
    AwaitingDecision,
    /// Opted in, not started yet.
    OptedIn,
    /// Opted out: no callbacks.
    OptedOut,
    /// Started (after its startafter offset), not ended.
    Active,
    /// Its active period is over.
    Finished,
    /// Cancelled by the VTN.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Start,
    Interval { signal: usize, index: usize },
    End,
}

#[derive(Debug)]
struct EventState {
    event: Event,
    phase: EventPhase,
    decision: Option<OptType>,
    offset: chrono::Duration,
    steps: Vec<(DateTime<Utc>, Step)>,
    next: usize,
}

/// One oadrCreatedEvent waiting for the handler's decisions.
#[derive(Debug)]
struct PendingAnswer {
    request_id: String,
    /// (eventID, modificationNumber, fixed opt for acknowledgements of cancellations).
    entries: Vec<(String, u32, Option<OptType>)>,
}

/// The events known to the VEN.
#[derive(Debug, Default)]
pub(super) struct EventBook {
    map: BTreeMap<String, EventState>,
    answers: Vec<PendingAnswer>,
    /// Pushed oadrDistributeEvents received (see `on_request_event_reply`).
    pub(super) pushed: u64,
}

impl EventBook {
    pub(super) fn iter(&self) -> impl Iterator<Item = (&Event, EventPhase)> {
        self.map.values().map(|s| (&s.event, s.phase))
    }

    pub(super) fn clear(&mut self) {
        self.map.clear();
        self.answers.clear();
    }

    pub(super) fn next_due(&self) -> Option<DateTime<Utc>> {
        self.map
            .values()
            .filter(|s| {
                matches!(
                    s.phase,
                    EventPhase::OptedIn | EventPhase::OptedOut | EventPhase::Active
                )
            })
            .filter_map(|s| s.steps.get(s.next).map(|(t, _)| *t))
            .min()
    }
}

/// The timeline of an event shifted by its random start offset.
fn timeline(ev: &Event, offset: chrono::Duration) -> Vec<(DateTime<Utc>, Step)> {
    let start = ev.active_period.dtstart + offset;
    let mut steps = vec![(start, Step::Start)];
    for (signal, s) in ev.event_signals.iter().enumerate() {
        let mut t = start;
        for (index, iv) in s.intervals.iter().enumerate() {
            let begin = iv.dtstart.map_or(t, |d| d + offset);
            steps.push((begin, Step::Interval { signal, index }));
            match iv.duration.and_then(|d| d.to_chrono()) {
                Some(d) => t = begin + d,
                None => break,
            }
        }
    }
    if let Some(end) = ev.active_period.end() {
        steps.push((end + offset, Step::End));
    }
    steps.sort();
    steps
}

impl VenEngine {
    fn new_state(&mut self, event: Event, phase: EventPhase) -> EventState {
        let window = event
            .active_period
            .start_after()
            .and_then(|d| d.to_chrono())
            .unwrap_or_else(chrono::Duration::zero);
        let offset = self.rng.offset_within(window);
        EventState {
            steps: timeline(&event, offset),
            event,
            phase,
            decision: None,
            offset,
            next: 0,
        }
    }

    /// An oadrDistributeEvent: the complete set of this VEN's events (spec digest §2).
    pub(super) fn on_distribute(&mut self, d: DistributeEvent, now: DateTime<Utc>) {
        let ven_id = self.ven_id();
        // Rule 21: an unexpected vtnID is an error.
        if let Some(reg) = &self.reg {
            if !reg.vtn_id.is_empty() && d.vtn_id != reg.vtn_id {
                let reason = format!("vtnID {:?} is not ours ({:?})", d.vtn_id, reg.vtn_id);
                let created = CreatedEvent {
                    response: EiResponse::error(ResponseCode::INVALID_ID, d.request_id.clone()),
                    event_responses: None,
                    ven_id,
                };
                self.send(Pending::CreatedEvent, Message::CreatedEvent(created));
                self.unexpected(&Message::DistributeEvent(d), &reason);
                return;
            }
        }
        let mut answer = PendingAnswer {
            request_id: d.request_id.clone(),
            entries: Vec::new(),
        };
        let mut present = HashSet::new();
        for ev in d.events {
            let id = ev.id().to_owned();
            present.insert(id.clone());
            let m = ev.event_descriptor.modification_number;
            let always = ev.response_required == ResponseRequired::Always;
            let status = ev.event_descriptor.event_status;
            let cancelled = status == EventStatus::Cancelled;
            let known_mod = self
                .events
                .map
                .get(&id)
                .map(|s| s.event.event_descriptor.modification_number);
            match known_mod {
                None if cancelled => {
                    // Rule 21's exception: no error for a cancelled event we never saw.
                    let st = self.new_state(ev, EventPhase::Cancelled);
                    self.events.map.insert(id.clone(), st);
                    if always {
                        answer.entries.push((id, m, Some(OptType::OptIn)));
                    }
                }
                None if status == EventStatus::Completed => {
                    let st = self.new_state(ev, EventPhase::Finished);
                    self.events.map.insert(id, st);
                }
                None => {
                    let st = self.new_state(ev.clone(), EventPhase::AwaitingDecision);
                    self.events.map.insert(id.clone(), st);
                    self.out.push_back(Output::DecideEvent {
                        event: Box::new(ev),
                        modified: false,
                    });
                    if always {
                        answer.entries.push((id, m, None));
                    }
                }
                Some(k) if m > k => self.on_modified(ev, &mut answer, now),
                Some(k) if m == k => {
                    if let Some(st) = self.events.map.get_mut(&id) {
                        st.event.event_descriptor.event_status = status;
                        let answerable = !matches!(st.phase, EventPhase::Finished);
                        if always && answerable {
                            let fixed = match st.phase {
                                EventPhase::Cancelled => {
                                    Some(st.decision.unwrap_or(OptType::OptIn))
                                }
                                _ => None,
                            };
                            answer.entries.push((id, m, fixed));
                        }
                    }
                }
                Some(k) => self.notify(Notification::Unexpected {
                    message_type: "oadrDistributeEvent",
                    reason: format!(
                        "event {id} modificationNumber {m} is older than the known {k}"
                    ),
                }),
            }
        }
        // Implied cancel: an event missing from the distribute is deleted.
        let gone: Vec<String> = self
            .events
            .map
            .keys()
            .filter(|k| !present.contains(*k))
            .cloned()
            .collect();
        for id in gone {
            if let Some(st) = self.events.map.remove(&id) {
                if !matches!(st.phase, EventPhase::Finished | EventPhase::Cancelled) {
                    self.notify(Notification::EventCancelled {
                        event_id: id,
                        implicit: true,
                        was_active: st.phase == EventPhase::Active,
                    });
                }
            }
        }
        if !answer.entries.is_empty() {
            self.events.answers.push(answer);
        }
        self.flush_answers();
        self.fire_events(now);
    }

    fn on_modified(&mut self, ev: Event, answer: &mut PendingAnswer, _now: DateTime<Utc>) {
        let id = ev.id().to_owned();
        let m = ev.event_descriptor.modification_number;
        let always = ev.response_required == ResponseRequired::Always;
        if ev.event_descriptor.event_status == EventStatus::Cancelled {
            let Some(st) = self.events.map.get_mut(&id) else {
                return;
            };
            let was_active = st.phase == EventPhase::Active;
            let was_done = st.phase == EventPhase::Finished;
            let fixed = st.decision.unwrap_or(OptType::OptIn);
            st.event = ev;
            st.phase = EventPhase::Cancelled;
            if !was_done {
                self.notify(Notification::EventCancelled {
                    event_id: id.clone(),
                    implicit: false,
                    was_active,
                });
            }
            if always {
                answer.entries.push((id, m, Some(fixed)));
            }
            return;
        }
        let st = self.new_state(ev.clone(), EventPhase::AwaitingDecision);
        self.events.map.insert(id.clone(), st);
        self.out.push_back(Output::DecideEvent {
            event: Box::new(ev),
            modified: true,
        });
        if always {
            answer.entries.push((id, m, None));
        }
    }

    /// The handler's opt decision for (eventID, modificationNumber). Returns false when that
    /// modification is no longer current (the decision is then ignored).
    pub fn decide_event(
        &mut self,
        event_id: &str,
        modification_number: u32,
        opt: OptType,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(st) = self.events.map.get_mut(event_id) else {
            return false;
        };
        if st.event.event_descriptor.modification_number != modification_number
            || st.phase != EventPhase::AwaitingDecision
        {
            return false;
        }
        st.phase = match opt {
            OptType::OptIn => EventPhase::OptedIn,
            // `OptType` is `#[non_exhaustive]` (crate oadr-model): anything but optIn is out.
            _ => EventPhase::OptedOut,
        };
        st.decision = Some(opt);
        self.flush_answers();
        self.fire_events(now);
        true
    }

    /// Send every oadrCreatedEvent whose decisions are all known (rules 12, 62).
    fn flush_answers(&mut self) {
        let ven_id = self.ven_id();
        let mut ready = Vec::new();
        let mut keep = Vec::new();
        for mut a in std::mem::take(&mut self.events.answers) {
            let book = &self.events.map;
            // Drop entries whose modification is gone (superseded or removed).
            a.entries.retain(|(id, m, _)| {
                book.get(id)
                    .is_some_and(|s| s.event.event_descriptor.modification_number == *m)
            });
            let decided: Option<Vec<EventResponse>> = a
                .entries
                .iter()
                .map(|(id, m, fixed)| {
                    let opt = (*fixed).or_else(|| book.get(id).and_then(|s| s.decision))?;
                    Some(EventResponse {
                        response_code: ResponseCode::OK,
                        response_description: Some("OK".into()),
                        request_id: a.request_id.clone(),
                        event_id: id.clone(),
                        modification_number: *m,
                        opt_type: opt,
                    })
                })
                .collect();
            match decided {
                _ if a.entries.is_empty() => {}
                Some(responses) => ready.push((a.request_id, responses)),
                None => keep.push(a),
            }
        }
        self.events.answers = keep;
        for (request_id, responses) in ready {
            let created = CreatedEvent {
                response: EiResponse::ok(request_id),
                event_responses: Some(responses),
                ven_id: ven_id.clone(),
            };
            self.send(Pending::CreatedEvent, Message::CreatedEvent(created));
        }
    }

    /// Fire every scheduler step due at `now`.
    pub(super) fn fire_events(&mut self, now: DateTime<Utc>) {
        let mut notes = Vec::new();
        for (id, st) in self.events.map.iter_mut() {
            if !matches!(
                st.phase,
                EventPhase::OptedIn | EventPhase::OptedOut | EventPhase::Active
            ) {
                continue;
            }
            let due_end = st.steps[st.next..].partition_point(|(t, _)| *t <= now) + st.next;
            if due_end == st.next {
                continue;
            }
            let due = &st.steps[st.next..due_end];
            st.next = due_end;
            let ended = due.iter().any(|(_, s)| *s == Step::End);
            if st.phase == EventPhase::OptedOut {
                if ended {
                    st.phase = EventPhase::Finished;
                }
                continue;
            }
            if ended {
                let was_active = st.phase == EventPhase::Active;
                st.phase = EventPhase::Finished;
                if was_active || due.iter().any(|(_, s)| *s == Step::Start) {
                    notes.push(Notification::EventEnded {
                        event_id: id.clone(),
                    });
                }
                continue;
            }
            if due.iter().any(|(_, s)| *s == Step::Start) {
                st.phase = EventPhase::Active;
                notes.push(Notification::EventStarted {
                    event_id: id.clone(),
                    modification_number: st.event.event_descriptor.modification_number,
                    offset: st.offset,
                });
            }
            // When catching up, only the latest due interval of each signal matters.
            let mut latest: BTreeMap<usize, usize> = BTreeMap::new();
            for (_, s) in due {
                if let Step::Interval { signal, index } = s {
                    latest.insert(*signal, *index);
                }
            }
            for (signal, index) in latest {
                let Some(sig) = st.event.event_signals.get(signal) else {
                    continue;
                };
                let Some(iv) = sig.intervals.get(index) else {
                    continue;
                };
                notes.push(Notification::IntervalStarted {
                    event_id: id.clone(),
                    signal_id: sig.signal_id.clone(),
                    signal_index: signal,
                    uid: iv
                        .uid
                        .unwrap_or_else(|| u32::try_from(index).unwrap_or(u32::MAX)),
                    values: iv.signal_payloads.clone(),
                });
            }
        }
        for n in notes {
            self.notify(n);
        }
    }
}
