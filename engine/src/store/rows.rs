//! The record layout both stores share: each engine record is a JSON body under a
//! (kind, key) pair, tagged with its venID and eventID so that cascading deletes are one
//! statement. Readings are rows of their own.

use super::StoreError;
use crate::engine::vtn::{
    Delivery, EventRecord, MetadataRecord, OptRecord, Queued, Reading, ReportRequestRecord,
    Snapshot, VenRecord, Write,
};

/// One row operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Put(Row),
    Delete {
        kind: &'static str,
        key: String,
    },
    /// Every record of this VEN (its own row included).
    DeleteVen(String),
    /// The event and every delivery of it.
    DeleteEvent(String),
    Readings(Vec<Reading>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub kind: &'static str,
    pub key: String,
    pub ven_id: Option<String>,
    pub event_id: Option<String>,
    pub body: String,
}

pub(crate) const VEN: &str = "ven";
pub(crate) const EVENT: &str = "event";
pub(crate) const DELIVERY: &str = "delivery";
pub(crate) const QUEUED: &str = "queued";
pub(crate) const REPORT_REQUEST: &str = "report_request";
pub(crate) const METADATA: &str = "metadata";
pub(crate) const OPT: &str = "opt";

fn pair(a: &str, b: &str) -> String {
    format!("{a}\u{1f}{b}")
}

fn body<T: serde::Serialize>(kind: &'static str, v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Encode {
        kind,
        message: e.to_string(),
    })
}

fn row<T: serde::Serialize>(
    kind: &'static str,
    key: String,
    ven: Option<&str>,
    event: Option<&str>,
    v: &T,
) -> Result<Op, StoreError> {
    Ok(Op::Put(Row {
        kind,
        key,
        ven_id: ven.map(str::to_owned),
        event_id: event.map(str::to_owned),
        body: body(kind, v)?,
    }))
}

/// The row operations of a batch of writes.
pub(crate) fn ops(writes: &[Write]) -> Result<Vec<Op>, StoreError> {
    let mut out = Vec::with_capacity(writes.len());
    for w in writes {
        out.push(match w {
            Write::PutVen(v) => row(VEN, v.ven_id.clone(), Some(&v.ven_id), None, v)?,
            Write::DeleteVen(v) => Op::DeleteVen(v.clone()),
            Write::PutEvent(e) => row(EVENT, e.id().to_owned(), None, Some(e.id()), e)?,
            Write::DeleteEvent(id) => Op::DeleteEvent(id.clone()),
            Write::PutDelivery(d) => row(
                DELIVERY,
                pair(&d.ven_id, &d.event_id),
                Some(&d.ven_id),
                Some(&d.event_id),
                d,
            )?,
            Write::DeleteDelivery { ven_id, event_id } => Op::Delete {
                kind: DELIVERY,
                key: pair(ven_id, event_id),
            },
            Write::PutQueued(q) => row(QUEUED, format!("{:020}", q.seq), Some(&q.ven_id), None, q)?,
            Write::DeleteQueued(seq) => Op::Delete {
                kind: QUEUED,
                key: format!("{seq:020}"),
            },
            Write::PutReportRequest(r) => row(
                REPORT_REQUEST,
                pair(&r.ven_id, r.id()),
                Some(&r.ven_id),
                None,
                r,
            )?,
            Write::PutMetadata(m) => row(METADATA, m.ven_id.clone(), Some(&m.ven_id), None, m)?,
            Write::PutOpt(o) => row(
                OPT,
                pair(&o.opt.ven_id, &o.opt.opt_id),
                Some(&o.opt.ven_id),
                None,
                o,
            )?,
            Write::AddReadings(r) => Op::Readings(r.clone()),
        });
    }
    Ok(out)
}

fn decode<T: serde::de::DeserializeOwned>(
    kind: &str,
    key: &str,
    body: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        kind: kind.to_owned(),
        key: key.to_owned(),
        message: e.to_string(),
    })
}

/// Rebuild a snapshot from (kind, key, body) rows.
pub(crate) fn snapshot<'a>(
    rows: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<Snapshot, StoreError> {
    let mut s = Snapshot::default();
    for (kind, key, b) in rows {
        match kind {
            VEN => s.vens.push(decode::<VenRecord>(kind, key, b)?),
            EVENT => s.events.push(decode::<EventRecord>(kind, key, b)?),
            DELIVERY => s.deliveries.push(decode::<Delivery>(kind, key, b)?),
            QUEUED => s.queue.push(decode::<Queued>(kind, key, b)?),
            REPORT_REQUEST => s
                .report_requests
                .push(decode::<ReportRequestRecord>(kind, key, b)?),
            METADATA => s.metadata.push(decode::<MetadataRecord>(kind, key, b)?),
            OPT => s.opts.push(decode::<OptRecord>(kind, key, b)?),
            other => {
                return Err(StoreError::Corrupt {
                    kind: other.to_owned(),
                    key: key.to_owned(),
                    message: "unknown record kind".into(),
                })
            }
        }
    }
    Ok(s)
}

/// Encode a reading's body (the SQLite store keeps readings as rows of their own).
#[cfg(feature = "sqlite")]
pub(crate) fn reading_body(r: &Reading) -> Result<String, StoreError> {
    body("reading", r)
}

/// Decode a reading's body.
#[cfg(feature = "sqlite")]
pub(crate) fn reading(id: i64, b: &str) -> Result<Reading, StoreError> {
    decode("reading", &id.to_string(), b)
}
