//! What the demo prints as it happens, and the tally the steps wait on.
//!
//! One line per exchange on stdout (`time  who  text`); idle polls (an `oadrPoll` answered
//! by a plain `oadrResponse`) are counted, not printed. On a terminal, a progress line on
//! stderr shows the current step while the demo waits.

use crate::model::{Message, OptType};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Extra output: the wire XML or the model JSON of every exchanged message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Show {
    /// Print the XML payloads as sent (signed).
    pub xml: bool,
    /// Print each payload's model as JSON (OpenLEADR-style dicts).
    pub json: bool,
}

/// What has happened so far, as seen by the VTN (and the VENs' own notifications).
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// The step being waited for.
    pub step: &'static str,
    /// venID → oadrVenName.
    pub names: HashMap<String, String>,
    /// VENs registered (names).
    pub registered: BTreeSet<String>,
    /// VENs whose METADATA reports the VTN received (names).
    pub reports_offered: BTreeSet<String>,
    /// VENs that acknowledged the VTN's report requests (names).
    pub reports_pending: BTreeSet<String>,
    /// Each VEN's answer to the event (names).
    pub event_responses: BTreeMap<String, OptType>,
    /// Opts received by the VTN: (VEN name, optID, optType).
    pub opts: Vec<(String, String, OptType)>,
    /// oadrUpdateReport payloads received per VEN (names).
    pub updates: BTreeMap<String, usize>,
    /// oadrUpdateReport payloads received per VEN after it started the event (names).
    pub updates_after_start: BTreeMap<String, usize>,
    /// When each VEN started the event, after dtstart (its random startafter offset).
    pub started: BTreeMap<String, chrono::Duration>,
    /// Payloads by message type, both directions.
    pub messages: BTreeMap<&'static str, usize>,
    /// HTTP exchanges.
    pub exchanges: usize,
    /// Exchanges that were idle polls.
    pub idle_polls: usize,
    /// Things that went wrong (a non-200 answer, an undecodable payload, ...).
    pub problems: Vec<String>,
}

impl Tally {
    /// The name of a venID (the venID itself until it is known).
    pub fn name_of(&self, ven_id: &str) -> String {
        self.names
            .get(ven_id)
            .cloned()
            .unwrap_or_else(|| ven_id.to_owned())
    }
}

/// The demo's output.
#[derive(Debug)]
pub(super) struct Console {
    start: Instant,
    pub show: Show,
    tty: bool,
    tally: Mutex<Tally>,
    out: Mutex<()>,
}

impl Console {
    /// A console; the progress line is drawn only when stderr is a terminal.
    pub fn new(show: Show) -> Console {
        Console {
            start: Instant::now(),
            show,
            tty: std::io::stderr().is_terminal(),
            tally: Mutex::new(Tally::default()),
            out: Mutex::new(()),
        }
    }

    /// Seconds since the demo started.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Read or update the tally.
    pub fn tally(&self) -> MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_out(&self) -> MutexGuard<'_, ()> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clear_progress(&self) {
        if self.tty {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[K");
            let _ = e.flush();
        }
    }

    /// One timestamped line: `  1.23s  who       text`.
    pub fn line(&self, who: &str, text: impl AsRef<str>) {
        let _g = self.lock_out();
        self.clear_progress();
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "{:>6.2}s  {who:<8} {}", self.elapsed(), text.as_ref());
        let _ = o.flush();
    }

    /// A block of text (XML or JSON), indented under the previous line.
    pub fn block(&self, title: &str, text: &str) {
        let _g = self.lock_out();
        self.clear_progress();
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "          {title}");
        for l in text.trim_end().lines() {
            let _ = writeln!(o, "            {l}");
        }
        let _ = o.flush();
    }

    /// Plain text (headings, the final table).
    pub fn text(&self, text: impl AsRef<str>) {
        let _g = self.lock_out();
        self.clear_progress();
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "{}", text.as_ref());
        let _ = o.flush();
    }

    /// Redraw the progress line (terminals only).
    pub fn progress(&self, text: &str) {
        if !self.tty {
            return;
        }
        let _g = self.lock_out();
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[K  … {text}");
        let _ = e.flush();
    }

    /// Erase the progress line for good.
    pub fn done(&self) {
        let _g = self.lock_out();
        self.clear_progress();
    }

    /// Print a message as the `--xml` / `--json` options ask.
    pub fn payload(&self, arrow: &str, xml: &[u8], model: Option<&Message>) {
        if self.show.xml {
            self.block(&format!("{arrow} XML"), &String::from_utf8_lossy(xml));
        }
        if self.show.json {
            if let Some(m) = model {
                let json = serde_json::to_string_pretty(m)
                    .unwrap_or_else(|e| format!("(no JSON view: {e})"));
                self.block(&format!("{arrow} JSON"), &json);
            }
        }
    }
}
