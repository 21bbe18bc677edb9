//! The xs:ID values of one document (XML Schema 1.0 Part 2 §3.3.8: an ID is unique within
//! the document). Real messages carry one or two (`oadrSignedObject/@Id`, a signature's
//! `Id`): they are kept in one string and compared in order, without hashing and with one
//! allocation; past [`Ids::SMALL`] values they move into a hash set.

use std::collections::HashSet;

/// See the module docs.
#[derive(Debug, Default)]
pub struct Ids {
    /// The values, one after the other (while there are at most [`Ids::SMALL`]).
    text: String,
    /// The end of each value in `text`.
    ends: Vec<usize>,
    /// All values, once there are more than [`Ids::SMALL`].
    many: HashSet<Box<str>>,
}

impl Ids {
    /// Most values compared in order.
    pub const SMALL: usize = 8;

    /// Record `id`; `false` when the document already has it.
    pub fn insert(&mut self, id: &str) -> bool {
        if !self.many.is_empty() {
            return self.many.insert(id.into());
        }
        let mut start = 0;
        for &end in &self.ends {
            if self.text.get(start..end) == Some(id) {
                return false;
            }
            start = end;
        }
        if self.ends.len() < Self::SMALL {
            self.text.push_str(id);
            self.ends.push(self.text.len());
            return true;
        }
        let mut start = 0;
        for &end in &self.ends {
            self.many
                .insert(self.text.get(start..end).unwrap_or_default().into());
            start = end;
        }
        self.text.clear();
        self.ends.clear();
        self.many.insert(id.into())
    }

    /// Forget every value (keeping the small list's buffers).
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.many = HashSet::new();
    }

    /// Bytes held by the small list (for callers that keep an `Ids` between documents).
    pub fn capacity(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_before_and_after_the_switch_to_hashing() {
        for n in [1, Ids::SMALL, Ids::SMALL + 1, 50] {
            let mut ids = Ids::default();
            for i in 0..n {
                assert!(ids.insert(&format!("id{i}")), "{n}: id{i} is new");
            }
            for i in 0..n {
                assert!(!ids.insert(&format!("id{i}")), "{n}: id{i} is a duplicate");
            }
            // A prefix of a value is another value.
            assert!(ids.insert("id"), "{n}");
            ids.clear();
            assert!(ids.insert("id0"), "{n}: cleared");
        }
    }
}
