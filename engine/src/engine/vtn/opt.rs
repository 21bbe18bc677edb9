//! EiOpt on the VTN side (spec digest §7): oadrCreateOpt / oadrCancelOpt stored, passed to the
//! application, answered.

use super::event::targets_ven;
use super::{Handled, Notification, OptRecord, Reject, VtnEngine, Write};
use crate::model::{
    CancelOpt, CanceledOpt, CreateOpt, CreatedOpt, EiResponse, ResponseCode, Targets,
};

const PATH: &str = "/oadrPayload/oadrSignedObject";

impl VtnEngine {
    /// oadrCreateOpt: an availability schedule or an opt for one event.
    pub(super) fn create_opt(&mut self, fingerprint: Option<&str>, c: &CreateOpt) -> Handled {
        let ven_id = self.authenticate(Some(&c.ven_id), fingerprint)?;
        let p = format!("{PATH}/oadrCreateOpt");
        let schedule = c
            .vavailability
            .as_ref()
            .is_some_and(|v| !v.components.is_empty());
        match (schedule, &c.event_id) {
            (true, Some(_)) => {
                return Err(Reject::new(
                    ResponseCode::INVALID_DATA,
                    format!("{p}: carries both vavailability and qualifiedEventID; one of them"),
                ))
            }
            (false, None) => {
                return Err(Reject::new(
                    ResponseCode::INVALID_DATA,
                    format!("{p}: needs a vavailability schedule or a qualifiedEventID"),
                ))
            }
            _ => {}
        }
        let ven = self.vens.get(&ven_id).cloned();
        if let Some(event_id) = &c.event_id {
            let Some(e) = self.events.get(event_id) else {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!("{p}/qualifiedEventID/eventID: no event {event_id:?}"),
                ));
            };
            if !ven
                .as_ref()
                .is_some_and(|v| targets_ven(&e.event.targets, v))
            {
                return Err(Reject::new(
                    ResponseCode::TARGET_MISMATCH,
                    format!(
                        "{p}/qualifiedEventID/eventID: event {event_id:?} does not target {ven_id}"
                    ),
                ));
            }
            if let Some(m) = c.modification_number {
                if m > e.modification_number() {
                    return Err(Reject::new(
                        ResponseCode::INVALID_ID,
                        format!(
                            "{p}/qualifiedEventID/modificationNumber: {m} is ahead of the event's {}",
                            e.modification_number()
                        ),
                    ));
                }
            }
        }
        if let Some(v) = &ven {
            check_opt_targets(&c.targets, v, &p)?;
        }
        let record = OptRecord {
            opt: c.clone(),
            received_at: self.clock.now(),
            cancelled: false,
        };
        let opts = self.opts.entry(ven_id.clone()).or_default();
        opts.retain(|o| o.opt.opt_id != c.opt_id);
        opts.push(record.clone());
        self.write(Write::PutOpt(record));
        self.notify(Notification::OptCreated(Box::new(c.clone())));
        Ok(CreatedOpt {
            response: EiResponse::ok(&c.request_id),
            opt_id: c.opt_id.clone(),
        }
        .into())
    }

    /// oadrCancelOpt: one of this VEN's opts, by optID.
    pub(super) fn cancel_opt(&mut self, fingerprint: Option<&str>, c: &CancelOpt) -> Handled {
        let ven_id = self.authenticate(Some(&c.ven_id), fingerprint)?;
        let found = self.opts.get_mut(&ven_id).and_then(|os| {
            os.iter_mut()
                .find(|o| o.opt.opt_id == c.opt_id && !o.cancelled)
        });
        let Some(o) = found else {
            return Err(Reject::new(
                ResponseCode::INVALID_ID,
                format!(
                    "{PATH}/oadrCancelOpt/optID: {:?} is not an open opt of {ven_id}",
                    c.opt_id
                ),
            ));
        };
        o.cancelled = true;
        let o = o.clone();
        self.write(Write::PutOpt(o));
        self.notify(Notification::OptCanceled {
            ven_id,
            opt_id: c.opt_id.clone(),
        });
        Ok(CanceledOpt {
            response: EiResponse::ok(&c.request_id),
            opt_id: Some(c.opt_id.clone()),
        }
        .into())
    }
}

/// An opt may narrow itself to this VEN's resources; naming another VEN, or a resource this
/// VEN does not have (when it declared any), is a target mismatch (462).
fn check_opt_targets(t: &Targets, v: &super::VenRecord, p: &str) -> Result<(), Reject> {
    if let Some(other) = t.ven_id.iter().find(|x| **x != v.ven_id) {
        return Err(Reject::new(
            ResponseCode::TARGET_MISMATCH,
            format!("{p}/eiTarget/venID: {other:?} is not the sending VEN"),
        ));
    }
    if !v.resource_ids.is_empty() {
        if let Some(r) = t.resource_id.iter().find(|r| !v.resource_ids.contains(r)) {
            return Err(Reject::new(
                ResponseCode::TARGET_MISMATCH,
                format!(
                    "{p}/eiTarget/resourceID: {r:?} is not a resource of {}",
                    v.ven_id
                ),
            ));
        }
    }
    Ok(())
}
