//! The protocol as state machines that do no I/O (design.md, "The protocol core does no I/O").
//!
//! Inputs are received payloads, timer expirations and user commands; outputs are payloads to
//! send (with their service), timers to set and notifications for user handlers. The same
//! engines run over pull, push or XMPP, with any store, and tests drive them with a
//! [`FakeClock`] instead of sleeping.

pub mod ven;
pub mod vtn;

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// The source of "now" for the engines. Everything time-dependent asks a `Clock`.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when a test moves it. Clones share the same time.
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<DateTime<Utc>>>);

impl FakeClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        FakeClock(Arc::new(Mutex::new(start)))
    }

    /// Move the clock forward (or backward, for a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }

    /// Put the clock at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_moves_only_when_told() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = FakeClock::new(t0);
        let shared = c.clone();
        assert_eq!(c.now(), t0);
        shared.advance(chrono::Duration::seconds(90));
        assert_eq!(c.now(), t0 + chrono::Duration::seconds(90));
        c.set(t0);
        assert_eq!(shared.now(), t0);
    }
}
