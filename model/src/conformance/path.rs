//! Element paths in the wire validator's form: local names, `[n]` on the n-th (n > 1)
//! repeated sibling.

#[derive(Debug, Clone)]
pub(crate) struct Path(String);

impl Path {
    /// `/oadrPayload/oadrSignedObject/<message>`.
    pub(crate) fn message(message_type: &str) -> Path {
        Path(format!("/oadrPayload/oadrSignedObject/{message_type}"))
    }

    /// A single child element.
    pub(crate) fn child(&self, name: &str) -> Path {
        Path(format!("{}/{name}", self.0))
    }

    /// The `index`-th (0-based) of a repeated child element.
    pub(crate) fn nth(&self, name: &str, index: usize) -> Path {
        if index == 0 {
            self.child(name)
        } else {
            Path(format!("{}/{name}[{}]", self.0, index + 1))
        }
    }

    /// Several nested children.
    pub(crate) fn at(&self, names: &[&str]) -> Path {
        names.iter().fold(self.clone(), |p, n| p.child(n))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&Path> for String {
    fn from(p: &Path) -> String {
        p.0.clone()
    }
}
