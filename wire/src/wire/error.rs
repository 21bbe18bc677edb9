//! Errors of the wire layer: XML reading, hardening limits and XSD validation.
//!
//! Every [`Error`] names the element path (`/oadrPayload/oadrSignedObject/...`, with a
//! 1-based `[n]` index on repeated siblings), the line and column, and the OpenADR
//! response code a peer should receive ([`Error::response_code`]):
//!
//! - **454 Invalid data** for input that cannot be read as an OpenADR message at all (not
//!   well-formed XML, DTDs, limits exceeded) and for values outside their simple type
//!   (a bad dateTime, an unknown enumeration value, a pattern mismatch...).
//! - **459 Compliance error** for structure that violates the 2.0b schema (missing,
//!   unexpected or misplaced elements and attributes, wrong root).

use std::fmt;

/// What went wrong, by category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not well-formed XML (or not UTF-8).
    #[error("not well-formed XML: {0}")]
    Syntax(String),
    /// A DTD or entity declaration was present (refused: XXE, entity expansion).
    #[error("DTDs and entity declarations are refused")]
    Dtd,
    /// The input is larger than [`super::Limits::max_size`].
    #[error("input of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// Elements nest deeper than [`super::Limits::max_depth`].
    #[error("element nesting exceeds the depth limit of {0}")]
    TooDeep(usize),
    /// An element is not allowed where it appears, or one is missing.
    #[error("{0}")]
    Content(String),
    /// An attribute is not allowed, missing or has the wrong value.
    #[error("{0}")]
    Attribute(String),
    /// A value is outside the lexical or value space of its simple type.
    #[error("{0}")]
    Value(String),
    /// Encoding a payload failed before validation.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// The validated document could not be mapped onto the typed payload.
    #[error("cannot decode: {0}")]
    Decode(String),
}

/// One problem found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Element path, e.g. `/oadrPayload/oadrSignedObject/oadrDistributeEvent/oadrEvent[2]`.
    pub path: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column in characters (0 when unknown).
    pub column: u32,
    pub kind: ErrorKind,
}

impl Error {
    /// The OpenADR `ei:responseCode` a peer should get for this error (see module docs).
    pub fn response_code(&self) -> u16 {
        match self.kind {
            ErrorKind::Content(_) | ErrorKind::Attribute(_) => 459,
            _ => 454,
        }
    }

    /// The message text without the location.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{path} (line {}, column {}): {} [{}]",
            self.line,
            self.column,
            self.kind,
            self.response_code()
        )
    }
}

impl std::error::Error for Error {}

/// All errors found in one message (never empty when returned as `Err`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The first error.
    pub fn first(&self) -> Option<&Error> {
        self.0.first()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Error> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The response code for the message: that of the first error (454 if none).
    pub fn response_code(&self) -> u16 {
        self.first().map_or(454, Error::response_code)
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => write!(f, "no errors"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{first} (and {} more)", rest.len()),
        }
    }
}

impl std::error::Error for Errors {}

impl IntoIterator for Errors {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Errors {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
