//! An in-memory store for tests: the same record layout as SQLite, nothing on disk.

use super::rows::{self, Op, Row};
use super::{ReadingFilter, Store, StoreError};
use crate::engine::vtn::{Reading, Snapshot, Write};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Inner {
    records: BTreeMap<(&'static str, String), Row>,
    readings: Vec<Reading>,
}

/// Keeps everything in memory. Clones do not share state.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    fail: AtomicBool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Make every later commit fail (or succeed again), to test how failures are answered.
    pub fn fail_commits(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<Snapshot, StoreError> {
        let inner = self.lock();
        rows::snapshot(
            inner
                .records
                .values()
                .map(|r| (r.kind, r.key.as_str(), r.body.as_str())),
        )
    }

    fn commit(&self, writes: &[Write]) -> Result<(), StoreError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Database("commit refused (fail_commits)".into()));
        }
        let ops = rows::ops(writes)?;
        let mut inner = self.lock();
        for op in ops {
            match op {
                Op::Put(r) => {
                    inner.records.insert((r.kind, r.key.clone()), r);
                }
                Op::Delete { kind, key } => {
                    inner.records.remove(&(kind, key));
                }
                Op::DeleteVen(v) => inner
                    .records
                    .retain(|_, r| r.ven_id.as_deref() != Some(v.as_str())),
                Op::DeleteEvent(e) => inner
                    .records
                    .retain(|_, r| r.event_id.as_deref() != Some(e.as_str())),
                Op::Readings(rs) => inner.readings.extend(rs),
            }
        }
        Ok(())
    }

    fn readings(&self, filter: &ReadingFilter) -> Result<Vec<Reading>, StoreError> {
        let inner = self.lock();
        let mut out: Vec<Reading> = inner
            .readings
            .iter()
            .rev()
            .filter(|r| filter.ven_id.as_ref().is_none_or(|v| *v == r.ven_id))
            .filter(|r| {
                filter
                    .report_request_id
                    .as_ref()
                    .is_none_or(|q| *q == r.report_request_id)
            })
            .cloned()
            .collect();
        if filter.limit > 0 {
            out.truncate(filter.limit);
        }
        Ok(out)
    }
}
