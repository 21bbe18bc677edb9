//! Durable state for the VTN: a [`Store`] trait, `SqliteStore` (the default; rusqlite, WAL;
//! feature `sqlite`, on by default) and [`MemoryStore`] (tests). [`open_file`] opens the
//! durable store this build has.
//!
//! The engine reports each change as a [`Write`]; the runtime commits an outcome's writes in
//! one transaction before the response goes out, so whatever a VEN saw acknowledged survives
//! a crash. At start-up [`Store::load`] hands back the [`Snapshot`] the engine resumes from.

mod memory;
mod rows;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Sync {
    /// A commit survives power loss (SQLite `synchronous=FULL`: fsync per commit). The default.
    #[default]
    Full,
    /// A commit survives the process being killed, not power loss (`synchronous=NORMAL`).
    Normal,
}

/// The durable store of this build for the database file `path`, created if missing: a
/// `SqliteStore`. Without the `sqlite` feature there is none, and this says so
/// ([`StoreError::Unavailable`]) rather than falling back to memory.
pub fn open_file(
    path: &std::path::Path,
    sync: Sync,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    #[cfg(feature = "sqlite")]
    {
        Ok(std::sync::Arc::new(SqliteStore::open(path, sync)?))
    }
    #[cfg(not(feature = "sqlite"))]
    {
        let _ = (path, sync);
        Err(StoreError::Unavailable)
    }
}

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
    /// This build has no durable store (built without the `sqlite` feature).
    #[error(
        "this oadr was built without the `sqlite` feature, so it has no durable store: \
         rebuild with `--features sqlite` (on by default)"
    )]
    Unavailable,
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
