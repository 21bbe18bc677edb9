//! # oadr — a schema-first OpenADR 2.0b SDK
//!
//! Layers (see `../shared/design.md` in the project notes):
//!
//! - [`wire`]: the only door to the code generated from the official 2.0b XSDs
//!   (typed messages, validators, the quick-xml codec).
//! - [`model`]: hand-written native message types with chrono times and an
//!   OpenLEADR-compatible JSON view.
//! - [`conformance`]: the 2.0b conformance rules the XSD cannot express.
//! - [`sign`]: XML-DSig signing and verification, ReplayProtect, certificate fingerprints.
//! - [`cli`]: the `oadr` command-line tool, thin over the library.
#![forbid(unsafe_code)]

pub mod cli;
pub mod conformance;
pub mod model;
pub mod sign;
pub mod wire;
