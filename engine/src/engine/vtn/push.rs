//! VTN-initiated payloads that the VTN sends itself (HTTP push, spec digest §2; XMPP, §3)
//! instead of handing them out on oadrPoll.
//!
//! A push transport asks [`VtnEngine::next_push`] for what a VEN should get next (queued
//! payloads first, in order, then an oadrDistributeEvent when one is due, exactly as a poll
//! would). Nothing changes until the VEN acknowledged the payload with a valid reply: then
//! [`VtnEngine::push_delivered`] drops it from the queue (or records the distribution) and
//! handles the reply as if the VEN had sent it on the service. A payload that was not
//! delivered stays queued, in memory and in the store, and the next `next_push` offers it
//! again (an oadrDistributeEvent is rebuilt with the events as they stand then).

use super::reply::ven_id_of;
use super::{Outcome, Reject, VtnEngine, Write};
use crate::model::{Message, ResponseCode};
use crate::transport::Service;

/// A VTN-initiated payload offered for push, not yet acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct PushItem {
    /// The VEN it is for.
    pub ven_id: String,
    /// The payload.
    pub message: Message,
    what: PushKind,
}

#[derive(Debug, Clone, PartialEq)]
enum PushKind {
    /// A queued payload, by its sequence number.
    Queued(u64),
    /// An oadrDistributeEvent carrying these `(eventID, modificationNumber)`s.
    Distribute(Vec<(String, u32)>),
}

impl PushItem {
    /// The service the payload belongs to (its endpoint path, spec digest §1).
    pub fn service(&self) -> Service {
        Service::for_message(self.message.message_type()).unwrap_or(Service::EiRegisterParty)
    }
}

/// Whether `reply` is an answer the VEN may give to `pushed` (spec digest §1 table); an
/// oadrResponse answers anything (it carries the VEN's error code when it refused).
fn answers(pushed: &Message, reply: &Message) -> bool {
    matches!(
        (pushed, reply),
        (_, Message::Response(_))
            | (Message::CreateReport(_), Message::CreatedReport(_))
            | (Message::RegisterReport(_), Message::RegisteredReport(_))
            | (Message::UpdateReport(_), Message::UpdatedReport(_))
            | (Message::CancelReport(_), Message::CanceledReport(_))
            | (
                Message::CancelPartyRegistration(_),
                Message::CanceledPartyRegistration(_)
            )
    )
}

impl VtnEngine {
    /// The venIDs of registered VENs the VTN pushes to ([`super::VenRecord::is_push`]), in
    /// venID order.
    pub fn push_vens(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .vens
            .values()
            .filter(|v| v.is_push())
            .map(|v| v.ven_id.clone())
            .collect();
        v.sort();
        v
    }

    /// Whether this push VEN has something to receive ([`VtnEngine::next_push`] would offer
    /// a payload).
    pub fn push_pending(&self, ven_id: &str) -> bool {
        self.vens.get(ven_id).is_some_and(|v| v.is_push())
            && (self.queue.get(ven_id).is_some_and(|q| !q.is_empty())
                || self.distribute_due(ven_id))
    }

    /// What to push to this VEN next, if anything; changes nothing (see the module docs).
    pub fn next_push(&mut self, ven_id: &str) -> Option<PushItem> {
        if !self.vens.get(ven_id).is_some_and(|v| v.is_push()) {
            return None;
        }
        if let Some(q) = self.queue.get(ven_id).and_then(|q| q.front()) {
            return Some(PushItem {
                ven_id: ven_id.to_owned(),
                message: q.message.clone(),
                what: PushKind::Queued(q.seq),
            });
        }
        if !self.distribute_due(ven_id) {
            return None;
        }
        let request_id = self.ids.next("req");
        let d = self.build_distribute(ven_id, &request_id);
        let sent = d
            .events
            .iter()
            .map(|e| (e.id().to_owned(), e.event_descriptor.modification_number))
            .collect();
        Some(PushItem {
            ven_id: ven_id.to_owned(),
            message: d.into(),
            what: PushKind::Distribute(sent),
        })
    }

    /// The VEN answered `item` with `reply` (authenticated by `fingerprint`: its TLS
    /// certificate or XML signature). Returns an error, and changes nothing, when the reply
    /// is no valid answer (wrong payload type, another venID, a certificate not bound to the
    /// VEN): the item stays pending. Otherwise the item counts as delivered and the reply is
    /// handled as if the VEN had sent it; the outcome's `response` is the engine's verdict on
    /// the reply (an error code when it refused it), its writes must be committed.
    pub fn push_delivered(
        &mut self,
        item: &PushItem,
        fingerprint: Option<&str>,
        reply: Message,
    ) -> Result<Outcome, PushRefused> {
        let path = format!("/oadrPayload/oadrSignedObject/{}", reply.message_type());
        if !answers(&item.message, &reply) {
            return Err(PushRefused::new(
                ResponseCode::NOT_RECOGNIZED,
                format!("{path}: not an answer to {}", item.message.message_type()),
            ));
        }
        if let Some(v) = ven_id_of(&reply) {
            if v != item.ven_id {
                return Err(PushRefused::new(
                    ResponseCode::INVALID_ID,
                    format!(
                        "{path}/venID: {v:?} answered a payload pushed to {:?}",
                        item.ven_id
                    ),
                ));
            }
        }
        // The reply must come from the VEN's bound certificate, as its own requests do.
        if let Err(r) = self.authenticate(Some(&item.ven_id), fingerprint) {
            self.writes.clear();
            return Err(PushRefused::new(
                r.code,
                format!("{path}: {}", r.description),
            ));
        }
        let reregistration = matches!(item.message, Message::RequestReregistration(_))
            && self
                .vens
                .get(&item.ven_id)
                .is_some_and(|v| v.reregistration_pending);
        // An oadrResponse acknowledges a pushed oadrDistributeEvent (the VEN's opt answer
        // comes as its own oadrCreatedEvent) or a re-registration request the VEN already
        // acted upon; the engine has nothing more to do with it then.
        let handled = match (&reply, reregistration) {
            (Message::Response(_), false) => None,
            _ => Some(self.handle(item.service(), fingerprint, reply.clone())),
        };
        match &item.what {
            PushKind::Queued(seq) => {
                if let Some(q) = self.queue.get_mut(&item.ven_id) {
                    if let Some(i) = q.iter().position(|x| x.seq == *seq) {
                        q.remove(i);
                        self.writes.push(Write::DeleteQueued(*seq));
                    }
                    if q.is_empty() {
                        self.queue.remove(&item.ven_id);
                    }
                }
            }
            PushKind::Distribute(sent) => {
                if self.vens.contains_key(&item.ven_id) {
                    self.record_distribution(&item.ven_id, sent);
                }
            }
        }
        Ok(match handled {
            Some(mut out) => {
                out.writes.append(&mut self.writes);
                out.notifications.append(&mut self.notifications);
                out
            }
            None => self.finish(reply),
        })
    }
}

/// A push reply that does not acknowledge the pushed payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{description} (response code {code})")]
#[non_exhaustive]
pub struct PushRefused {
    /// The OpenADR response code the reply deserves.
    pub code: ResponseCode,
    /// Element path and reason.
    pub description: String,
}

impl PushRefused {
    fn new(code: ResponseCode, description: String) -> Self {
        PushRefused { code, description }
    }
}

impl From<Reject> for PushRefused {
    fn from(r: Reject) -> Self {
        PushRefused::new(r.code, r.description)
    }
}
