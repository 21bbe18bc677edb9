//! ReplayProtect (spec digest §9): the signed `dsp:timestamp` must be fresh and the signed
//! `dsp:nonce` not seen before from the same signer.
//!
//! # Default window
//! OpenLEADR accepts messages signed at most 5 s ago and does not look at timestamps in the
//! future. Five seconds is tighter than a pull VEN on a slow link with a drifting clock can
//! meet (a poll answer can sit in a proxy or a retry loop for longer), and an unbounded future
//! lets a message signed with a fast clock stay valid for as long as the clock is fast. We
//! default to 60 s into the past and 30 s into the future: enough for transport delays and
//! NTP-less field devices, short enough that the nonce cache (which must remember every nonce
//! for the whole window) stays small: at 1 000 signed messages/s it holds 90 000 entries.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::cert::Fingerprint;
use super::error::Error;

/// How fresh a ReplayProtect timestamp must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Oldest accepted age of a timestamp.
    pub max_age: Duration,
    /// How far in the future a timestamp may be (signer clock ahead of ours).
    pub max_skew: Duration,
}

impl Default for ReplayWindow {
    fn default() -> Self {
        ReplayWindow {
            max_age: Duration::seconds(60),
            max_skew: Duration::seconds(30),
        }
    }
}

impl ReplayWindow {
    /// Check `timestamp` (as sent: `text`) against `now`.
    pub fn check(
        &self,
        timestamp: DateTime<Utc>,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let age = now - timestamp;
        if age > self.max_age {
            return Err(Error::Expired {
                timestamp: text.to_owned(),
                age_ms: age.num_milliseconds(),
                max_ms: self.max_age.num_milliseconds(),
            });
        }
        if -age > self.max_skew {
            return Err(Error::FromTheFuture {
                timestamp: text.to_owned(),
                ahead_ms: (-age).num_milliseconds(),
            });
        }
        Ok(())
    }
}

/// The nonces seen within the window, bounded in memory (capacity) and time (each entry is
/// dropped once its timestamp has left the window: the timestamp check refuses it from then on).
#[derive(Debug)]
pub struct NonceCache {
    capacity: usize,
    live: HashSet<(Fingerprint, String)>,
    by_expiry: BTreeSet<(DateTime<Utc>, Fingerprint, String)>,
}

/// Default capacity of the nonce cache.
pub const DEFAULT_NONCE_CAPACITY: usize = 100_000;

/// Longest nonce accepted (OpenLEADR sends 32 hex digits).
pub const MAX_NONCE_LEN: usize = 256;

impl NonceCache {
    /// An empty cache holding at most `capacity` live nonces.
    pub fn new(capacity: usize) -> Self {
        NonceCache {
            capacity,
            live: HashSet::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Record `nonce` from `signer`, to be remembered until `expires`. Refuses a nonce already
    /// live, and refuses (rather than forgets a live nonce) when full.
    pub fn insert(
        &mut self,
        signer: Fingerprint,
        nonce: &str,
        expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        while let Some(first) = self.by_expiry.first() {
            if first.0 > now {
                break;
            }
            if let Some((_, fp, n)) = self.by_expiry.pop_first() {
                self.live.remove(&(fp, n));
            }
        }
        let key = (signer, nonce.to_owned());
        if self.live.contains(&key) {
            return Err(Error::NonceReused {
                nonce: nonce.to_owned(),
            });
        }
        if self.live.len() >= self.capacity {
            return Err(Error::NonceCacheFull {
                capacity: self.capacity,
            });
        }
        self.by_expiry.insert((expires, signer, key.1.clone()));
        self.live.insert(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn window_refuses_old_and_future_timestamps() {
        let w = ReplayWindow::default();
        assert!(w.check(t(0), "x", t(60)).is_ok());
        assert!(matches!(
            w.check(t(0), "x", t(61)),
            Err(Error::Expired { .. })
        ));
        assert!(w.check(t(30), "x", t(0)).is_ok());
        assert!(matches!(
            w.check(t(31), "x", t(0)),
            Err(Error::FromTheFuture { .. })
        ));
    }

    #[test]
    fn nonce_cache_refuses_reuse_expires_entries_and_is_bounded() {
        let fp = Fingerprint::of_der(b"a");
        let other = Fingerprint::of_der(b"b");
        let mut c = NonceCache::new(2);
        c.insert(fp, "n1", t(60), t(0)).unwrap();
        assert!(matches!(
            c.insert(fp, "n1", t(61), t(1)),
            Err(Error::NonceReused { .. })
        ));
        c.insert(other, "n1", t(60), t(1)).unwrap();
        assert!(matches!(
            c.insert(fp, "n2", t(62), t(2)),
            Err(Error::NonceCacheFull { .. })
        ));
        // Once n1's entries expire they are dropped and room is made.
        c.insert(fp, "n2", t(122), t(60)).unwrap();
        assert_eq!(c.len(), 1);
        c.insert(fp, "n1", t(125), t(65)).unwrap();
    }
}
