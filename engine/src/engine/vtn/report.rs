//! EiReport on the VTN side (spec digest §6): the VEN's METADATA (oadrRegisterReport), the
//! requests the policy makes in return (oadrCreateReport, queued), acknowledgements, data
//! (oadrUpdateReport) and cancellation both ways.

use super::registration::ok_response;
use super::{
    Handled, MetadataRecord, Notification, Reading, Reject, ReportRequestRecord,
    ReportRequestState, VtnEngine, Write,
};
use crate::model::{
    CancelReport, CanceledReport, CreateReport, CreatedReport, EiResponse, PendingReport,
    RegisterReport, RegisteredReport, Report, ReportRequest, ResponseCode, UpdateReport,
    UpdatedReport,
};

const PATH: &str = "/oadrPayload/oadrSignedObject";

impl VtnEngine {
    fn request_record(&self, ven_id: &str, id: &str) -> Option<&ReportRequestRecord> {
        self.report_requests
            .get(ven_id)?
            .iter()
            .find(|r| r.request.report_request_id == id)
    }

    fn set_request_state(&mut self, ven_id: &str, id: &str, state: ReportRequestState) {
        let mut changed = None;
        if let Some(rs) = self.report_requests.get_mut(ven_id) {
            if let Some(r) = rs.iter_mut().find(|r| r.request.report_request_id == id) {
                r.state = state;
                changed = Some(r.clone());
            }
        }
        if let Some(r) = changed {
            self.write(Write::PutReportRequest(r));
        }
    }

    /// Queue one oadrCreateReport with these requests and remember them as `Requested`.
    pub(super) fn queue_report_requests(&mut self, ven_id: &str, requests: Vec<ReportRequest>) {
        if requests.is_empty() {
            return;
        }
        let now = self.clock.now();
        for req in &requests {
            let name = self
                .metadata(ven_id)
                .iter()
                .find(|m| m.report_specifier_id == req.report_specifier.report_specifier_id)
                .and_then(|m| m.report_name.as_ref())
                .and_then(|n| n.data_name())
                .map(|n| n.as_str().to_owned());
            let rec = ReportRequestRecord {
                ven_id: ven_id.to_owned(),
                request: req.clone(),
                report_name: name,
                state: ReportRequestState::Requested,
                created_at: now,
                last_update: None,
            };
            self.write(Write::PutReportRequest(rec.clone()));
            self.report_requests
                .entry(ven_id.to_owned())
                .or_default()
                .push(rec);
        }
        let request_id = self.ids.next("req");
        self.enqueue(
            ven_id,
            CreateReport {
                request_id,
                report_requests: requests,
                ven_id: Some(ven_id.to_owned()),
            }
            .into(),
        );
    }

    /// oadrRegisterReport: keep the METADATA, answer oadrRegisteredReport, and queue an
    /// oadrCreateReport with what the policy wants.
    pub(super) fn register_report(
        &mut self,
        fingerprint: Option<&str>,
        r: &RegisterReport,
    ) -> Handled {
        let ven_id = self.authenticate(r.ven_id.as_deref(), fingerprint)?;
        for (i, rep) in r.reports.iter().enumerate() {
            let p = format!("{PATH}/oadrRegisterReport/oadrReport[{}]", i + 1);
            if rep.report_request_id != "0" {
                return Err(Reject::new(
                    ResponseCode::COMPLIANCE_ERROR,
                    format!(
                        "{p}/reportRequestID: a VEN's METADATA report carries 0, not {:?} (rule 311)",
                        rep.report_request_id
                    ),
                ));
            }
            if !rep.report_name.as_ref().is_some_and(|n| n.is_metadata()) {
                return Err(Reject::new(
                    ResponseCode::INVALID_DATA,
                    format!("{p}/reportName: oadrRegisterReport offers METADATA_ reports only"),
                ));
            }
        }
        // Offering again replaces the previous offer and the requests made for it.
        let superseded: Vec<String> = self
            .report_requests
            .get(&ven_id)
            .into_iter()
            .flatten()
            .filter(|q| {
                q.state != ReportRequestState::Cancelled
                    && r.reports.iter().any(|m| {
                        m.report_specifier_id == q.request.report_specifier.report_specifier_id
                    })
            })
            .map(|q| q.request.report_request_id.clone())
            .collect();
        for id in &superseded {
            self.set_request_state(&ven_id, id, ReportRequestState::Cancelled);
        }
        let mut resources: Vec<String> = Vec::new();
        for d in r.reports.iter().flat_map(|m| &m.report_descriptions) {
            if let Some(t) = &d.report_data_source {
                resources.extend(t.resource_id.iter().cloned());
            }
        }
        if let Some(v) = self.vens.get_mut(&ven_id) {
            let before = v.resource_ids.len();
            for res in resources {
                if !v.resource_ids.contains(&res) {
                    v.resource_ids.push(res);
                }
            }
            if v.resource_ids.len() != before {
                self.put_ven(&ven_id);
            }
        }
        self.metadata.insert(ven_id.clone(), r.reports.clone());
        self.write(Write::PutMetadata(MetadataRecord {
            ven_id: ven_id.clone(),
            reports: r.reports.clone(),
        }));
        let policy = self.policy.clone();
        let ids = &mut self.ids;
        let requests = policy.report_requests(&ven_id, &r.reports, &mut || ids.next("rr"));
        let requested = requests
            .iter()
            .map(|q| q.report_request_id.clone())
            .collect();
        self.queue_report_requests(&ven_id, requests);
        self.notify(Notification::ReportsRegistered {
            ven_id: ven_id.clone(),
            reports: r.reports.clone(),
            requested,
        });
        Ok(RegisteredReport {
            response: EiResponse::ok(&r.request_id),
            report_requests: Vec::new(),
            ven_id: Some(ven_id),
        }
        .into())
    }

    /// oadrRegisteredReport: this VTN offers no reports of its own, so none is awaited.
    pub(super) fn registered_report(
        &mut self,
        fingerprint: Option<&str>,
        r: &RegisteredReport,
    ) -> Handled {
        let ven_id = self.authenticate(r.ven_id.as_deref(), fingerprint)?;
        Err(Reject::new(
            ResponseCode::OUT_OF_SEQUENCE,
            format!("{PATH}/oadrRegisteredReport: this VTN sent {ven_id} no oadrRegisterReport"),
        ))
    }

    /// oadrCreateReport from a VEN: this VTN offers no reports (461).
    pub(super) fn create_report(&mut self, fingerprint: Option<&str>, c: &CreateReport) -> Handled {
        self.authenticate(c.ven_id.as_deref(), fingerprint)?;
        let spec = c
            .report_requests
            .first()
            .map(|r| r.report_specifier.report_specifier_id.as_str())
            .unwrap_or("");
        Err(Reject::new(
            ResponseCode::REPORT_NOT_SUPPORTED,
            format!("{PATH}/oadrCreateReport/oadrReportRequest[1]/reportSpecifier/reportSpecifierID: this VTN offers no report {spec:?}"),
        ))
    }

    /// oadrCreatedReport: the VEN acknowledges requests; those it lists become active.
    pub(super) fn created_report(
        &mut self,
        fingerprint: Option<&str>,
        c: &CreatedReport,
    ) -> Handled {
        let ven_id = self.authenticate(c.ven_id.as_deref(), fingerprint)?;
        for (i, p) in c.pending_reports.iter().enumerate() {
            if self.request_record(&ven_id, &p.report_request_id).is_none() {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!(
                        "{PATH}/oadrCreatedReport/oadrPendingReports/reportRequestID[{}]: {:?} was not requested from {ven_id}",
                        i + 1,
                        p.report_request_id
                    ),
                ));
            }
        }
        let mut pending = Vec::new();
        for p in &c.pending_reports {
            let id = &p.report_request_id;
            if self
                .request_record(&ven_id, id)
                .is_some_and(|r| r.state == ReportRequestState::Requested)
            {
                self.set_request_state(&ven_id, id, ReportRequestState::Active);
            }
            pending.push(id.clone());
        }
        self.notify(Notification::ReportsPending {
            ven_id: ven_id.clone(),
            pending,
        });
        Ok(ok_response(&c.response.request_id, ven_id))
    }

    /// oadrUpdateReport: data for a request of ours, stored and passed on as native values.
    pub(super) fn update_report(&mut self, fingerprint: Option<&str>, u: &UpdateReport) -> Handled {
        let ven_id = self.authenticate(u.ven_id.as_deref(), fingerprint)?;
        let now = self.clock.now();
        let mut readings = Vec::new();
        let mut ended = Vec::new();
        for (i, rep) in u.reports.iter().enumerate() {
            let p = format!("{PATH}/oadrUpdateReport/oadrReport[{}]", i + 1);
            let Some(req) = self.request_record(&ven_id, &rep.report_request_id) else {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!(
                        "{p}/reportRequestID: {:?} was not requested from {ven_id}",
                        rep.report_request_id
                    ),
                ));
            };
            if rep.report_name.as_ref().is_some_and(|n| n.is_metadata()) {
                return Err(Reject::new(
                    ResponseCode::INVALID_DATA,
                    format!("{p}/reportName: a data report is not a METADATA_ report"),
                ));
            }
            let wanted = &req.request.report_specifier.specifier_payloads;
            for (j, iv) in rep.intervals.iter().flatten().enumerate() {
                for (k, pl) in iv.report_payloads.iter().enumerate() {
                    if !wanted.is_empty() && !wanted.iter().any(|w| w.r_id == pl.r_id) {
                        return Err(Reject::new(
                            ResponseCode::INVALID_DATA,
                            format!(
                                "{p}/intervals/interval[{}]/oadrReportPayload[{}]/rID: {:?} was not requested",
                                j + 1,
                                k + 1,
                                pl.r_id
                            ),
                        ));
                    }
                    readings.push(Reading {
                        ven_id: ven_id.clone(),
                        report_request_id: rep.report_request_id.clone(),
                        report_specifier_id: rep.report_specifier_id.clone(),
                        report_name: rep.report_name.as_ref().map(|n| n.as_str().to_owned()),
                        r_id: pl.r_id.clone(),
                        dtstart: iv.dtstart.or(rep.dtstart),
                        duration: iv.duration,
                        value: pl.value.clone(),
                        received_at: now,
                    });
                }
            }
            if matches!(
                req.state,
                ReportRequestState::Cancelled | ReportRequestState::Cancelling
            ) {
                ended.push(rep.report_request_id.clone());
            }
        }
        for rep in &u.reports {
            let mut changed = None;
            if let Some(r) = self
                .report_requests
                .get_mut(&ven_id)
                .and_then(|rs| rs.iter_mut().find(|r| r.id() == rep.report_request_id))
            {
                r.last_update = Some(now);
                if r.state == ReportRequestState::Requested {
                    // Data is the surest acknowledgement.
                    r.state = ReportRequestState::Active;
                    changed = Some(r.clone());
                }
            }
            if let Some(r) = changed {
                self.write(Write::PutReportRequest(r));
            }
            self.notify(Notification::ReportData {
                ven_id: ven_id.clone(),
                report_request_id: rep.report_request_id.clone(),
                report: Box::new(rep.clone()),
            });
        }
        if !readings.is_empty() {
            self.write(Write::AddReadings(readings));
        }
        let cancel_report = (!ended.is_empty()).then(|| CancelReport {
            request_id: self.ids.next("req"),
            report_request_id: ended,
            report_to_follow: false,
            ven_id: Some(ven_id.clone()),
        });
        Ok(UpdatedReport {
            response: EiResponse::ok(&u.request_id),
            cancel_report,
            ven_id: Some(ven_id),
        }
        .into())
    }

    fn active_request_ids(&self, ven_id: &str) -> Vec<PendingReport> {
        self.report_requests
            .get(ven_id)
            .into_iter()
            .flatten()
            .filter(|r| {
                matches!(
                    r.state,
                    ReportRequestState::Requested | ReportRequestState::Active
                )
            })
            .map(|r| PendingReport {
                report_request_id: r.id().to_owned(),
            })
            .collect()
    }

    /// oadrCancelReport from the VEN: it stops reports the VTN requested.
    pub(super) fn cancel_report(&mut self, fingerprint: Option<&str>, c: &CancelReport) -> Handled {
        let ven_id = self.authenticate(c.ven_id.as_deref(), fingerprint)?;
        for (i, id) in c.report_request_id.iter().enumerate() {
            if self.request_record(&ven_id, id).is_none() {
                return Err(Reject::new(
                    ResponseCode::INVALID_ID,
                    format!(
                        "{PATH}/oadrCancelReport/reportRequestID[{}]: {id:?} is not a report of {ven_id}",
                        i + 1
                    ),
                ));
            }
        }
        for id in &c.report_request_id {
            self.set_request_state(&ven_id, id, ReportRequestState::Cancelled);
            self.notify(Notification::ReportCanceled {
                ven_id: ven_id.clone(),
                report_request_id: id.clone(),
            });
        }
        Ok(CanceledReport {
            response: EiResponse::ok(&c.request_id),
            pending_reports: self.active_request_ids(&ven_id),
            ven_id: Some(ven_id),
        }
        .into())
    }

    /// oadrCanceledReport: the VEN acknowledges the VTN's oadrCancelReport.
    pub(super) fn canceled_report(
        &mut self,
        fingerprint: Option<&str>,
        c: &CanceledReport,
    ) -> Handled {
        let ven_id = self.authenticate(c.ven_id.as_deref(), fingerprint)?;
        let cancelling: Vec<String> = self
            .report_requests
            .get(&ven_id)
            .into_iter()
            .flatten()
            .filter(|r| r.state == ReportRequestState::Cancelling)
            .map(|r| r.id().to_owned())
            .collect();
        if cancelling.is_empty() {
            return Err(Reject::new(
                ResponseCode::OUT_OF_SEQUENCE,
                format!("{PATH}/oadrCanceledReport: no cancellation sent to {ven_id} is pending"),
            ));
        }
        let still: Vec<&str> = c
            .pending_reports
            .iter()
            .map(|p| p.report_request_id.as_str())
            .collect();
        for id in cancelling {
            if !still.contains(&id.as_str()) {
                self.set_request_state(&ven_id, &id, ReportRequestState::Cancelled);
                self.notify(Notification::ReportCanceled {
                    ven_id: ven_id.clone(),
                    report_request_id: id,
                });
            }
        }
        Ok(ok_response(&c.response.request_id, ven_id))
    }

    /// The data report names this VEN offered (for the admin API).
    pub fn offered(&self, ven_id: &str) -> Vec<&Report> {
        self.metadata(ven_id).iter().collect()
    }
}
