//! EiOpt (spec digest §7): `create_opt` / `cancel_opt` for events and availability
//! schedules.

use super::{ei_response, Notification, OptSpec, OptTarget, Pending, Phase, VenEngine, VenError};
use crate::model::{CancelOpt, CreateOpt, Message};
use chrono::{DateTime, Utc};

impl VenEngine {
    /// Send an oadrCreateOpt; returns its `optID`.
    pub fn create_opt(&mut self, spec: OptSpec, now: DateTime<Utc>) -> Result<String, VenError> {
        if self.phase != Phase::Registered {
            return Err(VenError::NotRegistered);
        }
        let opt_id = spec.opt_id.clone().unwrap_or_else(|| self.rng.id());
        let (event_id, modification_number, vavailability) = match &spec.target {
            OptTarget::Event {
                event_id,
                modification_number,
            } => (Some(event_id.clone()), Some(*modification_number), None),
            OptTarget::Availability(v) => (None, None, Some(v.clone())),
        };
        let create = CreateOpt {
            opt_id: opt_id.clone(),
            opt_type: spec.opt_type,
            opt_reason: spec.opt_reason.clone(),
            market_context: spec.market_context.clone(),
            ven_id: self.ven_id(),
            vavailability,
            created_date_time: now,
            request_id: self.rng.id(),
            event_id,
            modification_number,
            targets: spec.targets.clone(),
            device_class: None,
        };
        self.opts.insert(opt_id.clone(), spec);
        self.send(
            Pending::CreateOpt(opt_id.clone()),
            Message::CreateOpt(create),
        );
        Ok(opt_id)
    }

    /// Send an oadrCancelOpt for an opt created earlier.
    pub fn cancel_opt(&mut self, opt_id: &str, _now: DateTime<Utc>) -> Result<(), VenError> {
        if self.phase != Phase::Registered {
            return Err(VenError::NotRegistered);
        }
        if !self.opts.contains_key(opt_id) {
            return Err(VenError::UnknownOpt(opt_id.to_owned()));
        }
        let cancel = CancelOpt {
            request_id: self.rng.id(),
            opt_id: opt_id.to_owned(),
            ven_id: self.ven_id(),
        };
        self.send(
            Pending::CancelOpt(opt_id.to_owned()),
            Message::CancelOpt(cancel),
        );
        Ok(())
    }

    /// The opts created and not cancelled.
    pub fn opts(&self) -> impl Iterator<Item = (&String, &OptSpec)> {
        self.opts.iter()
    }

    pub(super) fn on_opt_reply(&mut self, opt_id: String, reply: Message, cancel: bool) {
        let code = match (&reply, cancel) {
            (Message::CreatedOpt(c), false) => c.response.response_code,
            (Message::CanceledOpt(c), true) => c.response.response_code,
            _ => match ei_response(&reply) {
                Some(r) => r.response_code,
                None => {
                    self.unexpected(&reply, "not an answer to oadrCreateOpt/oadrCancelOpt");
                    return;
                }
            },
        };
        if cancel {
            if code.is_success() {
                self.opts.remove(&opt_id);
            }
            self.notify(Notification::OptCancelled { opt_id, code });
        } else {
            if !code.is_success() {
                self.opts.remove(&opt_id);
            }
            self.notify(Notification::OptCreated { opt_id, code });
        }
    }
}
