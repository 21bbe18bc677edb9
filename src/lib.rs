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
//! - [`engine`]: the VEN and VTN protocol state machines; no I/O, driven by a [`engine::Clock`].
//! - [`store`]: durable VTN state (SQLite by default, memory for tests).
//! - [`transport`]: services, endpoints and the HTTP/XMPP transports.
//! - [`ven`]: the VEN runtime (registration, polling, events, reports, opts).
//! - [`vtn`]: the VTN runtime (engine + store + transports + admin API).
//! - [`cli`]: the `oadr` command-line tool, thin over the library.
#![forbid(unsafe_code)]

pub mod cli;
pub mod conformance;
pub mod engine;
pub mod model;
pub mod sign;
pub mod store;
pub mod transport;
pub mod ven;
pub mod vtn;
pub mod wire;
