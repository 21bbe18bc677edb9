//! A small deterministic random source (SplitMix64) for request ids, poll jitter and the
//! `startafter` randomisation (spec digest §5). Seeded by the runtime, so tests are
//! reproducible and the engine needs no OS entropy.

/// SplitMix64: fast, tiny state, good enough for jitter and identifiers (not for keys).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..=max` (0 when `max` is 0).
    pub fn below_inclusive(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        match max.checked_add(1) {
            Some(n) => self.next_u64() % n,
            None => self.next_u64(),
        }
    }

    /// A random offset in `[0, max]`, at millisecond resolution (zero for a non-positive max).
    pub fn offset_within(&mut self, max: chrono::Duration) -> chrono::Duration {
        let ms = u64::try_from(max.num_milliseconds()).unwrap_or(0);
        chrono::Duration::milliseconds(i64::try_from(self.below_inclusive(ms)).unwrap_or(0))
    }

    /// A fresh identifier: 16 lowercase hex digits.
    pub fn id(&mut self) -> String {
        format!("{:016x}", self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stay_in_range_and_vary() {
        let mut r = Rng::new(7);
        let max = chrono::Duration::seconds(10);
        let offs: Vec<_> = (0..200).map(|_| r.offset_within(max)).collect();
        assert!(offs
            .iter()
            .all(|o| *o >= chrono::Duration::zero() && *o <= max));
        assert!(offs.iter().any(|o| *o > chrono::Duration::seconds(5)));
        assert!(offs.iter().any(|o| *o < chrono::Duration::seconds(5)));
        assert_eq!(
            r.offset_within(chrono::Duration::zero()),
            chrono::Duration::zero()
        );
        assert_eq!(
            r.offset_within(chrono::Duration::seconds(-3)),
            chrono::Duration::zero()
        );
    }

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b) = (Rng::new(1), Rng::new(1));
        assert_eq!(a.id(), b.id());
        assert_eq!(a.id().len(), 16);
        assert!(Rng::new(3).below_inclusive(u64::MAX) > 0);
    }
}
