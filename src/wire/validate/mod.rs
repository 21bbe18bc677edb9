//! XSD validation of OpenADR 2.0b messages against tables generated from `xsd/`.
//!
//! [`validate`] checks what libxml2's XML Schema validator checks for this schema set —
//! content models (sequence, choice, occurrence bounds, substitution groups, wildcards with
//! strict/lax/skip), attributes (required, unknown, wildcards, fixed), simple types (the
//! lexical space of every built-in the set uses, facets, lists, unions), `xsi:type`,
//! `xsi:nil` and ID uniqueness — in one streaming pass, collecting every error with its
//! element path, line and column. It also hardens the reader: DTDs and entity
//! declarations are refused, and input size and nesting depth are capped ([`Limits`]).

mod encoding;
mod engine;
pub mod lexical;
pub mod pattern;
pub mod simple;
pub mod tables;
pub mod uri;

use super::error::{Error, ErrorKind, Errors};

/// Resource limits for reading untrusted input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input in bytes.
    pub max_size: usize,
    /// Deepest accepted element nesting (the root is depth 1).
    pub max_depth: usize,
    /// Stop after this many errors.
    pub max_errors: usize,
}

impl Default for Limits {
    /// 8 MiB, depth 64, 100 errors: far above any real OpenADR 2.0b message (a large
    /// oadrUpdateReport is tens of KiB and about 15 levels deep).
    fn default() -> Self {
        Limits {
            max_size: 8 << 20,
            max_depth: 64,
            max_errors: 100,
        }
    }
}

/// A message that passed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    /// Local name of the root element (`oadrPayload` for OpenADR messages).
    pub root: &'static str,
    /// The message type: the payload inside `oadrSignedObject` (e.g. `oadrDistributeEvent`),
    /// or the root's name for documents that are not an `oadrPayload`.
    pub message_type: &'static str,
}

/// Validate `input` against the OpenADR 2.0b schema (any global element may be the root,
/// as with `xmllint --schema`). Returns every error found.
pub fn validate(input: &[u8], limits: &Limits) -> Result<Validated, Errors> {
    if input.len() > limits.max_size {
        return Err(Errors(vec![Error {
            path: String::new(),
            line: 0,
            column: 0,
            kind: ErrorKind::TooLarge {
                size: input.len(),
                limit: limits.max_size,
            },
        }]));
    }
    match encoding::to_utf8(input) {
        Ok(utf8) => engine::validate(&utf8, limits),
        Err(m) => Err(Errors(vec![Error {
            path: String::new(),
            line: 1,
            column: 1,
            kind: ErrorKind::Syntax(m),
        }])),
    }
}
