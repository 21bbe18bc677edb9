//! OadrPoll (spec digest §2): the next queued VTN-initiated payload, else the complete
//! oadrDistributeEvent when one is due, else a plain oadrResponse.

use super::registration::ok_response;
use super::{Handled, VtnEngine, Write};
use crate::model::{Message, Poll};

impl VtnEngine {
    /// oadrPoll.
    pub(super) fn poll(&mut self, fingerprint: Option<&str>, p: &Poll) -> Handled {
        let ven_id = self.authenticate(Some(&p.ven_id), fingerprint)?;
        Ok(match self.next_for_ven(&ven_id) {
            Some(m) => m,
            None => ok_response("", ven_id),
        })
    }

    /// The next VTN-initiated payload for this VEN, if any: queued payloads first (in order),
    /// then an oadrDistributeEvent when one is due. Taking it records the delivery (its
    /// writes go with the outcome of the current call; push transports call this directly and
    /// take the writes with [`VtnEngine::take_writes`]).
    pub fn next_for_ven(&mut self, ven_id: &str) -> Option<Message> {
        if let Some(q) = self.queue.get_mut(ven_id).and_then(|q| q.pop_front()) {
            if self.queue.get(ven_id).is_some_and(|q| q.is_empty()) {
                self.queue.remove(ven_id);
            }
            self.write(Write::DeleteQueued(q.seq));
            return Some(q.message);
        }
        if self.distribute_due(ven_id) {
            let request_id = self.ids.next("req");
            return Some(self.distribute_event(ven_id, &request_id).into());
        }
        None
    }

    /// Writes made outside [`VtnEngine::handle`] (by [`VtnEngine::next_for_ven`] or
    /// [`VtnEngine::distribute_event`] called directly), to commit.
    pub fn take_writes(&mut self) -> Vec<Write> {
        std::mem::take(&mut self.writes)
    }

    /// Notifications made outside [`VtnEngine::handle`].
    pub fn take_notifications(&mut self) -> Vec<super::Notification> {
        std::mem::take(&mut self.notifications)
    }
}
