//! Facade over the code generated from `xsd/` (see `codegen/`).

pub mod error;
pub mod validate;

pub use error::{Error, ErrorKind, Errors};
pub use validate::{validate, Limits, Validated};
