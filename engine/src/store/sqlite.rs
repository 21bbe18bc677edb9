//! The default store: one SQLite file (rusqlite, bundled SQLite), WAL journal. Feature
//! `sqlite` (on by default).

use super::rows::{self, Op};
use super::{ReadingFilter, Store, StoreError, Sync};
use crate::engine::vtn::{Reading, Snapshot, Write};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

/// A SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    ven_id TEXT,
    event_id TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS records_ven ON records (ven_id);
CREATE INDEX IF NOT EXISTS records_event ON records (event_id);
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ven_id TEXT NOT NULL,
    report_request_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS readings_ven ON readings (ven_id, report_request_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', '1');
";

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl SqliteStore {
    /// Open (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>, sync: Sync) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(db)?;
        Self::init(conn, sync)
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(db)?, Sync::Normal)
    }

    fn init(conn: Connection, sync: Sync) -> Result<Self, StoreError> {
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(db)?;
        conn.execute_batch(match sync {
            Sync::Full => "PRAGMA synchronous=FULL;",
            Sync::Normal => "PRAGMA synchronous=NORMAL;",
        })
        .map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        let version: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE name = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)?;
        if version.as_deref() != Some("1") {
            return Err(StoreError::Database(format!(
                "unsupported schema version {version:?} (this build reads 1)"
            )));
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for SqliteStore {
    fn load(&self) -> Result<Snapshot, StoreError> {
        let conn = self.lock();
        let mut st = conn
            .prepare("SELECT kind, key, body FROM records ORDER BY kind, key")
            .map_err(db)?;
        let rows: Vec<(String, String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        rows::snapshot(
            rows.iter()
                .map(|(k, key, b)| (k.as_str(), key.as_str(), b.as_str())),
        )
    }

    fn commit(&self, writes: &[Write]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        let ops = rows::ops(writes)?;
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db)?;
        for op in &ops {
            match op {
                Op::Put(r) => {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO records (kind, key, ven_id, event_id, body) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![r.kind, r.key, r.ven_id, r.event_id, r.body])
                    })
                    .map_err(db)?;
                }
                Op::Delete { kind, key } => {
                    tx.prepare_cached("DELETE FROM records WHERE kind = ?1 AND key = ?2")
                        .and_then(|mut s| s.execute(params![kind, key]))
                        .map_err(db)?;
                }
                Op::DeleteVen(v) => {
                    tx.execute("DELETE FROM records WHERE ven_id = ?1", params![v])
                        .map_err(db)?;
                }
                Op::DeleteEvent(e) => {
                    tx.execute("DELETE FROM records WHERE event_id = ?1", params![e])
                        .map_err(db)?;
                }
                Op::Readings(rs) => {
                    for r in rs {
                        let b = rows::reading_body(r)?;
                        tx.prepare_cached(
                            "INSERT INTO readings (ven_id, report_request_id, body) \
                             VALUES (?1, ?2, ?3)",
                        )
                        .and_then(|mut s| s.execute(params![r.ven_id, r.report_request_id, b]))
                        .map_err(db)?;
                    }
                }
            }
        }
        tx.commit().map_err(db)
    }

    fn readings(&self, filter: &ReadingFilter) -> Result<Vec<Reading>, StoreError> {
        let conn = self.lock();
        let limit = if filter.limit == 0 {
            -1
        } else {
            i64::try_from(filter.limit).unwrap_or(i64::MAX)
        };
        let mut st = conn
            .prepare(
                "SELECT id, body FROM readings \
                 WHERE (?1 IS NULL OR ven_id = ?1) AND (?2 IS NULL OR report_request_id = ?2) \
                 ORDER BY id DESC LIMIT ?3",
            )
            .map_err(db)?;
        let rows: Vec<(i64, String)> = st
            .query_map(
                params![filter.ven_id, filter.report_request_id, limit],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        rows.iter().map(|(id, b)| rows::reading(*id, b)).collect()
    }
}
