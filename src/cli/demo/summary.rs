//! The end-of-demo table, built from what the VTN recorded (its engine and its SQLite store),
//! and the checks that make the demo fail when the records are not what the script did.

use super::console::Console;
use super::scenario::opt_of;
use super::Failure;
use crate::model::{OptType, ReportValue};
use crate::store::ReadingFilter;
use crate::vtn::Vtn;
use std::fmt::Write as _;

struct Row {
    name: String,
    ven_id: String,
    fingerprint: String,
    response: Option<OptType>,
    opts: Vec<OptType>,
    readings: usize,
    last: Option<f32>,
    started: Option<chrono::Duration>,
}

fn opt_str(o: Option<OptType>) -> &'static str {
    o.map_or("-", |o| o.as_str())
}

/// Check the VTN's records against the script and print the table.
pub(super) fn check_and_print(
    console: &Console,
    vtn: &Vtn,
    event_id: &str,
    names: &[String],
) -> Result<(), Failure> {
    let fail = |why: String| Failure::new("summary", why);
    let deliveries = vtn.deliveries(event_id);
    let opts = vtn.opts();
    let tally = console.tally();
    let mut rows = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let ven_id = vtn
            .ven_id_by_name(name)
            .ok_or_else(|| fail(format!("the VTN has no VEN named {name}")))?;
        let record = vtn.vens().into_iter().find(|v| v.ven_id == ven_id);
        let readings = vtn
            .readings(&ReadingFilter {
                ven_id: Some(ven_id.clone()),
                ..ReadingFilter::default()
            })
            .map_err(|e| fail(format!("reading the store: {e}")))?;
        let response = deliveries
            .iter()
            .find(|d| d.ven_id == ven_id)
            .and_then(|d| d.opt);
        if response != Some(opt_of(i)) {
            return Err(fail(format!(
                "the VTN recorded {} for {name}'s answer to the event, expected {}",
                opt_str(response),
                opt_of(i).as_str()
            )));
        }
        if readings.is_empty() {
            return Err(fail(format!("no readings from {name} in the store")));
        }
        rows.push(Row {
            name: name.clone(),
            fingerprint: record
                .and_then(|r| r.fingerprint)
                .unwrap_or_else(|| "-".into()),
            response,
            opts: opts
                .iter()
                .filter(|o| o.opt.ven_id == ven_id)
                .map(|o| o.opt.opt_type)
                .collect(),
            readings: readings.len(),
            last: readings.first().and_then(|r| match r.value {
                ReportValue::Float(f) => Some(f),
                _ => None,
            }),
            started: tally.started.get(name).copied(),
            ven_id,
        });
    }
    let events = vtn.events();
    if events.len() != 1 {
        return Err(fail(format!(
            "the VTN holds {} events, expected 1",
            events.len()
        )));
    }
    let opt_ins = rows
        .iter()
        .filter(|r| r.response == Some(OptType::OptIn))
        .count();
    let opt_outs = rows.len() - opt_ins;
    let stored: usize = rows.iter().map(|r| r.readings).sum();
    let mut out = String::new();
    let _ = writeln!(out, "── summary");
    let _ = writeln!(
        out,
        "{:<6} {:<22} {:<30} {:<7} {:<7} {:>8} {:>9} {:>8}",
        "VEN", "venID", "certificate", "event", "opt", "readings", "last (W)", "started"
    );
    for r in &rows {
        let opts: Vec<&str> = r.opts.iter().map(|o| o.as_str()).collect();
        let _ = writeln!(
            out,
            "{:<6} {:<22} {:<30} {:<7} {:<7} {:>8} {:>9} {:>8}",
            r.name,
            r.ven_id,
            r.fingerprint,
            opt_str(r.response),
            if opts.is_empty() {
                "-".to_owned()
            } else {
                opts.join(",")
            },
            r.readings,
            r.last.map_or_else(|| "-".into(), |v| format!("{v:.0}")),
            r.started.map_or_else(
                || "-".into(),
                |d| format!("+{:.1}s", d.num_milliseconds() as f64 / 1000.0)
            ),
        );
    }
    let _ = writeln!(
        out,
        "events:   {} ({event_id}: optIn {opt_ins}, optOut {opt_outs})",
        events.len()
    );
    let _ = writeln!(out, "opts:     {}", opts.len());
    let _ = writeln!(out, "readings: {stored} (in the VTN's SQLite store)");
    let messages: Vec<String> = tally
        .messages
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        out,
        "messages: {} exchanges ({} idle polls): {}",
        tally.exchanges,
        tally.idle_polls,
        messages.join(", ")
    );
    drop(tally);
    let _ = write!(out, "all steps passed");
    console.text(out);
    Ok(())
}
