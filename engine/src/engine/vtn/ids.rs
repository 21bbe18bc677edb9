//! Identifiers the VTN makes up: venID, registrationID, requestIDs, reportRequestIDs.

/// A splitmix64 sequence: 64-bit identifiers, deterministic for a seed (tests), unrelated
/// across seeds (one per process start).
#[derive(Debug, Clone)]
pub struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        IdGenerator { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A fresh identifier such as `ven-3f2a9c0d1b7e4a55`.
    pub fn next(&mut self, prefix: &str) -> String {
        format!("{prefix}-{:016x}", self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_repeat_per_seed() {
        let mut a = IdGenerator::new(1);
        let mut b = IdGenerator::new(1);
        let x = a.next("ven");
        assert_eq!(x, b.next("ven"));
        assert_ne!(x, a.next("ven"));
        assert_ne!(IdGenerator::new(2).next("ven"), x);
        assert!(x.starts_with("ven-") && x.len() == 20);
    }
}
