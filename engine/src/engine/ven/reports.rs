//! Reports (spec digest §6): the METADATA registration (rule 311), answering
//! oadrRegisteredReport / oadrCreateReport with oadrCreatedReport, sampling and sending
//! oadrUpdateReport at each granularity and reportBackDuration (one-shot and periodic),
//! HISTORY_USAGE over the requested window, and oadrCancelReport.

use super::{
    ei_response, Notification, Output, Pending, ReadKind, ReadRequest, ReadToken, Reading,
    VenEngine,
};
use crate::model::{
    CancelReport, CanceledReport, CreateReport, CreatedReport, EiResponse, Message, PendingReport,
    RegisterReport, RegisteredReport, Report, ReportInterval, ReportName, ReportPayload,
    ReportRequest, ResponseCode, UpdateReport, UpdatedReport,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// A report this VEN offers: a `METADATA_*` [`Report`] with its data point descriptions
/// (`reportRequestID` is forced to 0 when sent, rule 311).
#[derive(Debug, Clone, PartialEq)]
pub struct OfferedReport {
    /// The metadata report.
    pub metadata: Report,
}

impl OfferedReport {
    /// Offer `metadata` (its name should be a `METADATA_` name).
    pub fn new(metadata: Report) -> OfferedReport {
        OfferedReport { metadata }
    }

    fn data_name(&self) -> ReportName {
        let name = self.metadata.report_name.clone();
        name.as_ref()
            .and_then(|n| n.data_name())
            .or(name)
            .unwrap_or(ReportName::TelemetryUsage)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Sample,
    OneShot,
    History,
}

#[derive(Debug)]
struct Active {
    spec_id: String,
    name: ReportName,
    r_ids: Vec<String>,
    granularity: chrono::Duration,
    report_back: chrono::Duration,
    end: Option<DateTime<Utc>>,
    next_sample: Option<DateTime<Utc>>,
    next_send: Option<DateTime<Utc>>,
    /// One-shot and history requests: when to read (then send once and finish).
    fetch_at: Option<DateTime<Utc>>,
    /// For history requests: the window.
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    buffer: Vec<ReportInterval>,
}

/// Offered reports and the VTN's open requests for them.
#[derive(Debug)]
pub(super) struct ReportBook {
    offers: Vec<OfferedReport>,
    active: BTreeMap<String, Active>,
    reads: HashMap<ReadToken, (String, Purpose)>,
    next_token: u64,
}

impl ReportBook {
    pub(super) fn new(offers: Vec<OfferedReport>) -> ReportBook {
        ReportBook {
            offers,
            active: BTreeMap::new(),
            reads: HashMap::new(),
            next_token: 0,
        }
    }

    pub(super) fn has_offers(&self) -> bool {
        !self.offers.is_empty()
    }

    pub(super) fn pending_ids(&self) -> Vec<String> {
        self.active.keys().cloned().collect()
    }

    fn pending(&self) -> Vec<PendingReport> {
        self.active
            .keys()
            .map(|k| PendingReport {
                report_request_id: k.clone(),
            })
            .collect()
    }

    /// Drop every request (registration gone or renewed).
    pub(super) fn clear(&mut self) -> Vec<Notification> {
        self.reads.clear();
        std::mem::take(&mut self.active)
            .into_keys()
            .map(|report_request_id| Notification::ReportFinished {
                report_request_id,
                cancelled: true,
            })
            .collect()
    }

    pub(super) fn next_due(&self) -> Option<DateTime<Utc>> {
        self.active
            .values()
            .flat_map(|a| [a.next_sample, a.next_send, a.fetch_at])
            .flatten()
            .min()
    }

    /// oadrRegisterReport with every offered METADATA report (rule 311: reportRequestID 0;
    /// no top-level reportRequestID), created now.
    pub(super) fn register_report(
        &self,
        rng: &mut super::rng::Rng,
        ven_id: String,
        now: DateTime<Utc>,
    ) -> RegisterReport {
        let reports = self
            .offers
            .iter()
            .map(|o| Report {
                report_request_id: "0".into(),
                created_date_time: now,
                ..o.metadata.clone()
            })
            .collect();
        RegisterReport {
            request_id: rng.id(),
            reports,
            ven_id: Some(ven_id),
            report_request_id: None,
        }
    }

    fn token(&mut self, rr_id: &str, purpose: Purpose) -> ReadToken {
        let t = ReadToken(self.next_token);
        self.next_token += 1;
        self.reads.insert(t, (rr_id.to_owned(), purpose));
        t
    }
}

fn chrono_or_zero(d: &crate::model::Duration) -> Option<chrono::Duration> {
    d.to_chrono().map(|c| c.max(chrono::Duration::zero()))
}

impl VenEngine {
    pub(super) fn on_registered_report(&mut self, reply: Message, now: DateTime<Utc>) {
        match reply {
            Message::RegisteredReport(r) => {
                if !r.response.response_code.is_success() {
                    self.check_ack("oadrRegisterReport", &Message::RegisteredReport(r.clone()));
                }
                if !r.report_requests.is_empty() {
                    let answer =
                        self.accept_requests(r.report_requests, r.response.request_id, now);
                    self.send(Pending::CreatedReport, answer);
                }
            }
            other => {
                if ei_response(&other).is_some() {
                    self.check_ack("oadrRegisterReport", &other);
                } else {
                    self.unexpected(
                        &other,
                        "oadrRegisterReport not answered with oadrRegisteredReport",
                    );
                }
            }
        }
        self.send_poll(true, now);
    }

    /// oadrCreateReport → oadrCreatedReport (answer).
    pub(super) fn on_create_report(&mut self, c: CreateReport, now: DateTime<Utc>) -> Message {
        self.accept_requests(c.report_requests, c.request_id, now)
    }

    fn accept_requests(
        &mut self,
        requests: Vec<ReportRequest>,
        request_id: String,
        now: DateTime<Utc>,
    ) -> Message {
        let mut problem: Option<String> = None;
        for rq in requests {
            if let Err(why) = self.accept_one(rq, now) {
                problem.get_or_insert(why);
            }
        }
        let response = match problem {
            None => EiResponse::ok(request_id),
            Some(why) => EiResponse {
                response_description: Some(why),
                ..EiResponse::error(ResponseCode::INVALID_ID, request_id)
            },
        };
        self.run_reports(now);
        Message::CreatedReport(CreatedReport {
            response,
            pending_reports: self.reports.pending(),
            ven_id: Some(self.ven_id()),
        })
    }

    fn accept_one(&mut self, rq: ReportRequest, now: DateTime<Utc>) -> Result<(), String> {
        let spec = rq.report_specifier;
        let rr_id = rq.report_request_id;
        let Some(offer) = self
            .reports
            .offers
            .iter()
            .find(|o| o.metadata.report_specifier_id == spec.report_specifier_id)
        else {
            return Err(format!(
                "reportSpecifierID {:?} was not offered",
                spec.report_specifier_id
            ));
        };
        let known: Vec<&str> = offer
            .metadata
            .report_descriptions
            .iter()
            .map(|d| d.r_id.as_str())
            .collect();
        let r_ids: Vec<String> = if spec.specifier_payloads.is_empty() {
            known.iter().map(|s| (*s).to_owned()).collect()
        } else {
            spec.specifier_payloads
                .iter()
                .map(|p| p.r_id.clone())
                .filter(|r| known.contains(&r.as_str()))
                .collect()
        };
        if r_ids.is_empty() {
            return Err(format!("no offered rID requested in {rr_id:?}"));
        }
        let (Some(granularity), Some(mut report_back)) = (
            chrono_or_zero(&spec.granularity),
            chrono_or_zero(&spec.report_back_duration),
        ) else {
            return Err(format!(
                "{rr_id:?}: granularity/reportBackDuration not exact"
            ));
        };
        let name = offer.data_name();
        let buffered = offer.metadata.duration.and_then(|d| d.to_chrono());
        let (start, end) = match &spec.report_interval {
            Some(p) => (p.dtstart, p.end()),
            None => (now, None),
        };
        let history = matches!(
            name,
            ReportName::HistoryUsage | ReportName::HistoryGreenbutton
        );
        let mut a = Active {
            spec_id: spec.report_specifier_id.clone(),
            name,
            r_ids,
            granularity,
            report_back,
            end,
            next_sample: None,
            next_send: None,
            fetch_at: None,
            window: None,
            buffer: Vec::new(),
        };
        if history {
            // The requested window, or as much as the metadata says is buffered.
            let (ws, we) = match &spec.report_interval {
                Some(_) => (start, end.unwrap_or(now)),
                None => (now - buffered.unwrap_or(chrono::Duration::days(1)), now),
            };
            a.window = Some((ws, we));
            a.fetch_at = Some(we.max(now));
        } else if granularity.is_zero() || report_back.is_zero() {
            a.fetch_at = Some(start.max(now));
        } else {
            report_back = report_back.max(granularity);
            a.report_back = report_back;
            let first = start.max(now);
            a.next_sample = Some(first);
            a.next_send = Some(first + report_back);
        }
        self.notify(Notification::ReportRequested {
            report_request_id: rr_id.clone(),
            report_specifier_id: a.spec_id.clone(),
        });
        if let Some(old) = self.reports.active.insert(rr_id.clone(), a) {
            drop(old);
            self.reports.reads.retain(|_, (r, _)| *r != rr_id);
        }
        Ok(())
    }

    /// Sample, send and fetch whatever is due.
    pub(super) fn run_reports(&mut self, now: DateTime<Utc>) {
        let ids: Vec<String> = self.reports.active.keys().cloned().collect();
        for rr_id in ids {
            self.run_one(&rr_id, now);
        }
    }

    fn run_one(&mut self, rr_id: &str, now: DateTime<Utc>) {
        let mut reads = Vec::new();
        let mut flush: Option<Vec<ReportInterval>> = None;
        let mut finished = false;
        {
            let Some(a) = self.reports.active.get_mut(rr_id) else {
                return;
            };
            if let Some(t) = a.fetch_at.filter(|t| *t <= now) {
                a.fetch_at = None;
                let kind = match a.window {
                    Some((start, end)) => ReadKind::History {
                        start,
                        end,
                        granularity: a.granularity,
                    },
                    None => ReadKind::Sample { at: t },
                };
                let purpose = if a.window.is_some() {
                    Purpose::History
                } else {
                    Purpose::OneShot
                };
                reads.push((kind, purpose));
            }
            if let Some(mut t) = a.next_sample.filter(|t| *t <= now) {
                // More than one sample behind (a late timer): skip to the latest grid point.
                let behind = (now - t).num_milliseconds() / a.granularity.num_milliseconds().max(1);
                t += a.granularity * i32::try_from(behind).unwrap_or(i32::MAX);
                reads.push((ReadKind::Sample { at: t }, Purpose::Sample));
                let next = t + a.granularity;
                a.next_sample = Some(next).filter(|n| a.end.is_none_or(|e| *n < e));
            }
            if let Some(t) = a.next_send.filter(|t| *t <= now) {
                let (out, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut a.buffer)
                    .into_iter()
                    .partition(|i| i.dtstart.is_none_or(|d| d < t));
                a.buffer = keep;
                flush = Some(out);
                let behind = (now - t).num_milliseconds() / a.report_back.num_milliseconds().max(1);
                let next = t + a.report_back * (i32::try_from(behind).unwrap_or(i32::MAX) + 1);
                match a.end {
                    Some(e) if t >= e => finished = true,
                    Some(e) if next > e => a.next_send = Some(e),
                    _ => a.next_send = Some(next),
                }
            }
        }
        for (kind, purpose) in reads {
            self.emit_read(rr_id, kind, purpose);
        }
        if let Some(intervals) = flush {
            self.send_update(rr_id, intervals, now);
        }
        if finished {
            self.finish(rr_id, false, now);
        }
    }

    fn emit_read(&mut self, rr_id: &str, kind: ReadKind, purpose: Purpose) {
        let token = self.reports.token(rr_id, purpose);
        let Some(a) = self.reports.active.get(rr_id) else {
            return;
        };
        let req = ReadRequest {
            token,
            report_request_id: rr_id.to_owned(),
            report_specifier_id: a.spec_id.clone(),
            report_name: a.name.clone(),
            r_ids: a.r_ids.clone(),
            kind,
        };
        self.out.push_back(Output::Read(req));
    }

    /// The data sources' answer to an [`Output::Read`]. Readings for data points that were
    /// not requested are dropped; the library packs the rest into intervals.
    pub fn provide_readings(
        &mut self,
        token: ReadToken,
        readings: Vec<Reading>,
        now: DateTime<Utc>,
    ) {
        let Some((rr_id, purpose)) = self.reports.reads.remove(&token) else {
            return;
        };
        let Some(a) = self.reports.active.get_mut(&rr_id) else {
            return;
        };
        let intervals = pack(&a.r_ids, readings, a.granularity);
        match purpose {
            Purpose::Sample => a.buffer.extend(intervals),
            Purpose::OneShot | Purpose::History => {
                self.send_update(&rr_id, intervals, now);
                self.finish(&rr_id, false, now);
            }
        }
    }

    fn send_update(&mut self, rr_id: &str, intervals: Vec<ReportInterval>, now: DateTime<Utc>) {
        let Some(a) = self.reports.active.get(rr_id) else {
            return;
        };
        if intervals.is_empty() {
            return;
        }
        let dtstart = intervals
            .iter()
            .filter_map(|i| i.dtstart)
            .min()
            .unwrap_or(now);
        let report = Report {
            dtstart: Some(dtstart),
            duration: None,
            intervals: Some(intervals),
            report_id: Some(self.rng.id()),
            report_descriptions: Vec::new(),
            report_request_id: rr_id.to_owned(),
            report_specifier_id: a.spec_id.clone(),
            report_name: Some(a.name.clone()),
            created_date_time: now,
        };
        let n = report.intervals.as_ref().map_or(0, Vec::len);
        let update = UpdateReport {
            request_id: self.rng.id(),
            reports: vec![report],
            ven_id: Some(self.ven_id()),
        };
        self.send(Pending::UpdateReport, Message::UpdateReport(update));
        self.notify(Notification::ReportSent {
            report_request_id: rr_id.to_owned(),
            intervals: n,
        });
    }

    fn finish(&mut self, rr_id: &str, cancelled: bool, _now: DateTime<Utc>) {
        if self.reports.active.remove(rr_id).is_some() {
            self.reports.reads.retain(|_, (r, _)| r != rr_id);
            self.notify(Notification::ReportFinished {
                report_request_id: rr_id.to_owned(),
                cancelled,
            });
        }
    }

    /// oadrCancelReport → oadrCanceledReport (answer). With reportToFollow the buffered
    /// readings go out in one last oadrUpdateReport.
    pub(super) fn on_cancel_report(&mut self, c: CancelReport, now: DateTime<Utc>) -> Message {
        let mut unknown = Vec::new();
        for rr_id in &c.report_request_id {
            let Some(a) = self.reports.active.get_mut(rr_id) else {
                unknown.push(rr_id.clone());
                continue;
            };
            let buffered = std::mem::take(&mut a.buffer);
            if c.report_to_follow {
                self.send_update(rr_id, buffered, now);
            }
            self.finish(rr_id, true, now);
        }
        let response = if unknown.is_empty() {
            EiResponse::ok(c.request_id)
        } else {
            EiResponse {
                response_description: Some(format!("unknown reportRequestID {unknown:?}")),
                ..EiResponse::error(ResponseCode::INVALID_ID, c.request_id)
            }
        };
        Message::CanceledReport(CanceledReport {
            response,
            pending_reports: self.reports.pending(),
            ven_id: Some(self.ven_id()),
        })
    }

    /// The VTN offers its own reports: acknowledge, request none.
    pub(super) fn on_vtn_register_report(&mut self, r: RegisterReport) -> Message {
        Message::RegisteredReport(RegisteredReport {
            response: EiResponse::ok(r.request_id),
            report_requests: Vec::new(),
            ven_id: Some(self.ven_id()),
        })
    }

    /// Report data from the VTN: hand it to the handlers, acknowledge.
    pub(super) fn on_vtn_update_report(&mut self, u: UpdateReport) -> Message {
        let answer = Message::UpdatedReport(UpdatedReport {
            response: EiResponse::ok(u.request_id.clone()),
            cancel_report: None,
            ven_id: Some(self.ven_id()),
        });
        self.notify(Notification::VtnReport(u));
        answer
    }

    /// oadrUpdatedReport may carry an oadrCancelReport.
    pub(super) fn on_updated_report(&mut self, reply: Message, now: DateTime<Utc>) {
        self.check_ack("oadrUpdateReport", &reply);
        if let Message::UpdatedReport(UpdatedReport {
            cancel_report: Some(c),
            ..
        }) = reply
        {
            let answer = self.on_cancel_report(c, now);
            self.send(Pending::CanceledReport, answer);
        }
    }
}

/// Pack readings into intervals: one interval per distinct instant, payloads in the order of
/// the requested rIDs, each interval `granularity` long when that is non-zero.
fn pack(
    r_ids: &[String],
    readings: Vec<Reading>,
    granularity: chrono::Duration,
) -> Vec<ReportInterval> {
    let mut by_time: BTreeMap<DateTime<Utc>, Vec<Reading>> = BTreeMap::new();
    for r in readings {
        if r_ids.contains(&r.r_id) {
            by_time.entry(r.at).or_default().push(r);
        }
    }
    let duration =
        crate::model::Duration::from_chrono(granularity).filter(|_| !granularity.is_zero());
    by_time
        .into_iter()
        .map(|(at, mut rs)| {
            rs.sort_by_key(|r| r_ids.iter().position(|x| *x == r.r_id));
            ReportInterval {
                dtstart: Some(at),
                duration,
                uid: None,
                report_payloads: rs
                    .into_iter()
                    .map(|r| ReportPayload {
                        r_id: r.r_id,
                        confidence: None,
                        accuracy: None,
                        value: r.value,
                        data_quality: None,
                    })
                    .collect(),
                green_button: Vec::new(),
            }
        })
        .collect()
}
