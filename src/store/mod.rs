//! Durable state for the VTN: a [`Store`] trait, [`SqliteStore`] (the default; rusqlite, WAL)
//! and [`MemoryStore`] (tests).
//!
//! The engine reports each change as a [`Write`]; the runtime commits an outcome's writes in
//! one transaction before the response goes out, so whatever a VEN saw acknowledged survives
//! a crash. At start-up [`Store::load`] hands back the [`Snapshot`] the engine resumes from.

mod memory;
mod rows;
mod sqlite;

pub use memory::MemoryStore;
pub use sqlite::{SqliteStore, Sync};

use crate::engine::vtn::{Reading, Snapshot, Write};

/// A store failure. Answered on the wire with 469 (the spec's "other error").
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused an operation.
    #[error("database: {0}")]
    Database(String),
    /// A stored record no longer decodes (written by an incompatible version, or damaged).
    #[error("stored {kind} record {key:?} does not decode: {message}")]
    Corrupt {
        /// Record kind (`ven`, `event`, ...).
        kind: String,
        /// Record key.
        key: String,
        /// The decoder's complaint.
        message: String,
    },
    /// A record could not be encoded.
    #[error("encoding a {kind} record: {message}")]
    Encode {
        /// Record kind.
        kind: &'static str,
        /// The encoder's complaint.
        message: String,
    },
}

impl StoreError {
    /// The OpenADR response code a store failure maps to: 469.
    pub fn response_code(&self) -> crate::model::ResponseCode {
        crate::model::ResponseCode::DEPLOYMENT_ERROR
    }
}

/// Which readings to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadingFilter {
    /// Only this VEN's.
    pub ven_id: Option<String>,
    /// Only this report request's.
    pub report_request_id: Option<String>,
    /// At most this many, newest first (0: no limit).
    pub limit: usize,
}

/// Where the VTN keeps its state.
pub trait Store: Send + std::marker::Sync + std::fmt::Debug {
    /// Everything needed to resume.
    fn load(&self) -> Result<Snapshot, StoreError>;

    /// Apply these writes atomically (all or none), durably as configured.
    fn commit(&self, writes: &[Write]) -> Result<(), StoreError>;

    /// Stored readings, newest first.
    fn readings(&self, filter: &ReadingFilter) -> Result<Vec<Reading>, StoreError>;
}

#[cfg(test)]
mod tests;
