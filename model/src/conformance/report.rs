//! EiReport rules: 311, metadata duration and names, data report contents, sampling rates,
//! requests against metadata, updates against requests.

use super::path::Path;
use super::rules::*;
use super::{Context, Finding, Role};
use crate::model::{RegisterReport, Report, ReportRequest, UpdateReport};
use std::collections::BTreeSet;

pub(crate) fn check_register(
    m: &RegisterReport,
    ctx: &Context,
    root: &Path,
    out: &mut Vec<Finding>,
) {
    for (i, r) in m.reports.iter().enumerate() {
        let p = root.nth("oadrReport", i);
        if ctx.sender != Some(Role::Vtn) && r.report_request_id != "0" {
            out.push(Finding::new(
                &RULE_311_METADATA_REQUEST_ID,
                p.child("reportRequestID").as_str(),
                format!(
                    "metadata report has reportRequestID {:?}, expected 0",
                    r.report_request_id
                ),
            ));
        }
        if r.duration.is_none() {
            out.push(Finding::new(
                &METADATA_DURATION,
                p.as_str(),
                format!(
                    "metadata report {:?} has no duration",
                    r.report_specifier_id
                ),
            ));
        }
        match &r.report_name {
            Some(n) if n.is_metadata() || n.as_str().starts_with("x-") => {}
            Some(n) => out.push(Finding::new(
                &METADATA_NAME,
                p.child("reportName").as_str(),
                format!("registered report is named {n}, expected METADATA_{n}"),
            )),
            None => out.push(Finding::new(
                &METADATA_NAME,
                p.as_str(),
                "registered report has no reportName",
            )),
        }
        for (j, d) in r.report_descriptions.iter().enumerate() {
            let Some(rate) = &d.sampling_rate else {
                continue;
            };
            if let (Some(min), Some(max)) =
                (rate.min_period.to_chrono(), rate.max_period.to_chrono())
            {
                if min > max {
                    out.push(Finding::new(
                        &SAMPLING_RATE_ORDER,
                        p.nth("oadrReportDescription", j)
                            .child("oadrSamplingRate")
                            .as_str(),
                        format!(
                            "rID {:?}: oadrMinPeriod {} is longer than oadrMaxPeriod {}",
                            d.r_id, rate.min_period, rate.max_period
                        ),
                    ));
                }
            }
        }
    }
}

pub(crate) fn check_update(m: &UpdateReport, root: &Path, out: &mut Vec<Finding>) {
    for (i, r) in m.reports.iter().enumerate() {
        check_data_report(r, &root.nth("oadrReport", i), out);
    }
}

fn check_data_report(r: &Report, p: &Path, out: &mut Vec<Finding>) {
    let id = &r.report_specifier_id;
    if r.dtstart.is_none() {
        out.push(Finding::new(
            &DATA_REPORT_CONTENTS,
            p.as_str(),
            format!("data report {id:?} has no dtstart"),
        ));
    }
    if r.intervals.is_none() {
        out.push(Finding::new(
            &DATA_REPORT_CONTENTS,
            p.as_str(),
            format!("data report {id:?} has no intervals"),
        ));
    }
    match &r.report_name {
        None => out.push(Finding::new(
            &DATA_REPORT_CONTENTS,
            p.as_str(),
            format!("data report {id:?} has no reportName"),
        )),
        Some(n) if n.is_metadata() => out.push(Finding::new(
            &DATA_REPORT_CONTENTS,
            p.child("reportName").as_str(),
            format!("data report is named {n}; a data report drops the METADATA_ prefix"),
        )),
        Some(_) => {}
    }
    let first = r
        .intervals
        .as_ref()
        .and_then(|v| v.first())
        .and_then(|i| i.dtstart);
    if let (Some(a), Some(b)) = (r.dtstart, first) {
        if a != b {
            out.push(Finding::new(
                &DATA_REPORT_DTSTART,
                p.child("dtstart").as_str(),
                format!("report dtstart {a} differs from the first interval's dtstart {b}"),
            ));
        }
    }
}

/// Check a report request against the metadata reports registered by the producer: the
/// specifier names a registered report, every requested rID belongs to it (rule
/// `report-request-rids`), and the granularity lies in each data point's sampling rate
/// (`granularity-sampling-rate`).
pub fn check_report_request(metadata: &[Report], request: &ReportRequest) -> Vec<Finding> {
    let mut out = Vec::new();
    let spec = &request.report_specifier;
    let p = Path::message("oadrCreateReport")
        .child("oadrReportRequest")
        .child("reportSpecifier");
    let Some(meta) = metadata
        .iter()
        .find(|r| r.report_specifier_id == spec.report_specifier_id)
    else {
        out.push(Finding::new(
            &REQUESTED_RIDS_KNOWN,
            p.child("reportSpecifierID").as_str(),
            format!(
                "no registered report has reportSpecifierID {:?}",
                spec.report_specifier_id
            ),
        ));
        return out;
    };
    let granularity = spec.granularity.to_chrono();
    for (i, sp) in spec.specifier_payloads.iter().enumerate() {
        let path = p.nth("specifierPayload", i).child("rID");
        let Some(desc) = meta.report_descriptions.iter().find(|d| d.r_id == sp.r_id) else {
            out.push(Finding::new(
                &REQUESTED_RIDS_KNOWN,
                path.as_str(),
                format!(
                    "rID {:?} is not in report {:?}",
                    sp.r_id, meta.report_specifier_id
                ),
            ));
            continue;
        };
        let Some(rate) = &desc.sampling_rate else {
            continue;
        };
        let (Some(g), Some(min), Some(max)) = (
            granularity,
            rate.min_period.to_chrono(),
            rate.max_period.to_chrono(),
        ) else {
            continue;
        };
        // A zero granularity asks for a one-shot report (digest §6), always acceptable.
        if !g.is_zero() && (g < min || g > max) {
            out.push(Finding::new(
                &GRANULARITY_IN_SAMPLING_RATE,
                p.child("granularity").as_str(),
                format!(
                    "granularity {} is outside rID {:?}'s sampling rate {}..{}",
                    spec.granularity, sp.r_id, rate.min_period, rate.max_period
                ),
            ));
        }
    }
    out
}

/// Check a data report against the request it answers: same reportRequestID and the same
/// set of rIDs (`update-report-rids`).
pub fn check_update_report(request: &ReportRequest, report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    let p = Path::message("oadrUpdateReport").child("oadrReport");
    if report.report_request_id != request.report_request_id {
        out.push(Finding::new(
            &REQUEST_ID_ECHO,
            p.child("reportRequestID").as_str(),
            format!(
                "report answers reportRequestID {:?}, expected {:?}",
                report.report_request_id, request.report_request_id
            ),
        ));
    }
    let requested: BTreeSet<&str> = request
        .report_specifier
        .specifier_payloads
        .iter()
        .map(|s| s.r_id.as_str())
        .collect();
    let sent: BTreeSet<&str> = report
        .intervals
        .iter()
        .flatten()
        .flat_map(|i| i.report_payloads.iter().map(|p| p.r_id.as_str()))
        .collect();
    if !sent.is_empty() && sent != requested {
        let missing: Vec<_> = requested.difference(&sent).collect();
        let extra: Vec<_> = sent.difference(&requested).collect();
        out.push(Finding::new(
            &UPDATE_RIDS_MATCH,
            p.child("intervals").as_str(),
            format!("rIDs differ from the request: missing {missing:?}, not requested {extra:?}"),
        ));
    }
    out
}
