//! EiReport conversions.

use super::common::{
    ei_response_from, ei_response_to, item_to, opt_item_from, schema_version, targets_from,
    targets_to,
};
use super::event::{properties_from, properties_to};
use super::{
    dprop_from_wire, dprop_to_wire, dtstart_from_wire, dtstart_to_wire, duration_from_wire,
    duration_to_wire, model_token, time_from_wire, time_to_wire, token_value, Path, Result,
};
use crate::model::{
    CancelReport, CanceledReport, CreateReport, CreatedReport, LoadControlState, LoadControlValue,
    PendingReport, RegisterReport, RegisteredReport, Report, ReportDescription, ReportInterval,
    ReportPayload, ReportRequest, ReportSpecifier, ReportValue, ResourceStatus, SamplingRate,
    SpecifierPayload, UpdateReport, UpdatedReport,
};
use crate::wire::generated::{ei, oadr, strm, xcal};

fn lcv_from(w: &Option<oadr::OadrLoadControlStateTypeType>) -> Option<LoadControlValue> {
    w.as_ref().map(|v| LoadControlValue {
        min: v.oadr_min,
        max: v.oadr_max,
        current: v.oadr_current,
        normal: v.oadr_normal,
    })
}

fn lcv_to(m: &Option<LoadControlValue>) -> Option<oadr::OadrLoadControlStateTypeType> {
    m.as_ref().map(|v| oadr::OadrLoadControlStateTypeType {
        oadr_min: v.min,
        oadr_max: v.max,
        oadr_current: v.current,
        oadr_normal: v.normal,
    })
}

fn payload_from(w: &oadr::OadrReportPayloadType, p: &Path) -> Result<ReportPayload> {
    let value = match &w.payload_base {
        ei::PayloadBase::PayloadFloat(f) => ReportValue::Float(f.value),
        ei::PayloadBase::OadrPayloadResourceStatus(s) => {
            ReportValue::ResourceStatus(ResourceStatus {
                online: s.oadr_online,
                manual_override: s.oadr_manual_override,
                load_control_state: s
                    .oadr_load_control_state
                    .as_ref()
                    .map(|l| LoadControlState {
                        capacity: lcv_from(&l.oadr_capacity),
                        level_offset: lcv_from(&l.oadr_level_offset),
                        percent_offset: lcv_from(&l.oadr_percent_offset),
                        set_point: lcv_from(&l.oadr_set_point),
                    }),
            })
        }
    };
    Ok(ReportPayload {
        r_id: w.r_id.clone(),
        confidence: w.confidence.as_ref().map(|c| c.0),
        accuracy: w.accuracy,
        value,
        data_quality: w
            .oadr_data_quality
            .as_ref()
            .map(|q| model_token(q, &p.at("oadrDataQuality")))
            .transpose()?,
    })
}

fn payload_to(m: &ReportPayload, p: &Path) -> Result<oadr::OadrReportPayloadType> {
    let payload_base = match &m.value {
        ReportValue::Float(v) => ei::PayloadBase::PayloadFloat(ei::PayloadFloatType { value: *v }),
        ReportValue::ResourceStatus(s) => {
            ei::PayloadBase::OadrPayloadResourceStatus(oadr::OadrPayloadResourceStatusType {
                oadr_online: s.online,
                oadr_manual_override: s.manual_override,
                oadr_load_control_state: s.load_control_state.as_ref().map(|l| {
                    oadr::OadrLoadControlStateType {
                        oadr_capacity: lcv_to(&l.capacity),
                        oadr_level_offset: lcv_to(&l.level_offset),
                        oadr_percent_offset: lcv_to(&l.percent_offset),
                        oadr_set_point: lcv_to(&l.set_point),
                    }
                }),
            })
        }
    };
    Ok(oadr::OadrReportPayloadType {
        r_id: m.r_id.clone(),
        confidence: m
            .confidence
            .map(|c| {
                ei::ConfidenceType::new(c).map_err(|e| p.at("confidence").err(format!("{e:?}")))
            })
            .transpose()?,
        accuracy: m.accuracy,
        payload_base,
        oadr_data_quality: m
            .data_quality
            .as_ref()
            .map(|q| token_value(q.as_str(), &p.at("oadrDataQuality")))
            .transpose()?,
    })
}

fn interval_from(w: &ei::IntervalType, p: &Path) -> Result<ReportInterval> {
    let mut payloads = Vec::with_capacity(w.stream_payload_base.len());
    let mut green_button = Vec::new();
    for (i, s) in w.stream_payload_base.iter().enumerate() {
        match s {
            strm::StreamPayloadBase::OadrReportPayload(r) => {
                payloads.push(payload_from(r, &p.nth("oadrReportPayload", i))?)
            }
            // Green Button feeds have no native model; kept as wire values.
            strm::StreamPayloadBase::OadrGbPayload(g) => green_button.push(g.clone()),
            strm::StreamPayloadBase::SignalPayload(_) => {
                return Err(p
                    .nth("signalPayload", i)
                    .err("a report interval holds oadr:oadrReportPayload, not ei:signalPayload"))
            }
        }
    }
    Ok(ReportInterval {
        dtstart: w
            .dtstart
            .as_ref()
            .map(|d| dtstart_from_wire(d, &p.at("dtstart")))
            .transpose()?,
        duration: w
            .duration
            .as_ref()
            .map(|d| dprop_from_wire(d, &p.at("duration")))
            .transpose()?,
        uid: w
            .uid
            .as_ref()
            .map(|u| {
                u.text
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| p.at("uid").err(format!("uid {:?} is not a number", u.text)))
            })
            .transpose()?,
        report_payloads: payloads,
        green_button,
    })
}

fn interval_to(m: &ReportInterval, p: &Path) -> Result<ei::IntervalType> {
    Ok(ei::IntervalType {
        dtstart: m
            .dtstart
            .as_ref()
            .map(|d| dtstart_to_wire(d, &p.at("dtstart")))
            .transpose()?,
        duration: m
            .duration
            .as_ref()
            .map(|d| dprop_to_wire(d, &p.at("duration")))
            .transpose()?,
        uid: m.uid.map(|n| xcal::UidElementType {
            text: n.to_string(),
        }),
        stream_payload_base: m
            .report_payloads
            .iter()
            .enumerate()
            .map(|(i, x)| {
                payload_to(x, &p.nth("oadrReportPayload", i))
                    .map(strm::StreamPayloadBase::OadrReportPayload)
            })
            .chain(
                m.green_button
                    .iter()
                    .map(|g| Ok(strm::StreamPayloadBase::OadrGbPayload(g.clone()))),
            )
            .collect::<Result<_>>()?,
    })
}

fn description_from(w: &oadr::OadrReportDescriptionType, p: &Path) -> Result<ReportDescription> {
    Ok(ReportDescription {
        r_id: w.r_id.clone(),
        report_subject: w.report_subject.as_ref().map(targets_from),
        report_data_source: w.report_data_source.as_ref().map(targets_from),
        report_type: model_token(&w.report_type, &p.at("reportType"))?,
        measurement: opt_item_from(&w.item_base, p)?,
        reading_type: model_token(&w.reading_type, &p.at("readingType"))?,
        market_context: w.market_context.clone(),
        sampling_rate: match &w.oadr_sampling_rate {
            Some(s) => {
                let q = p.at("oadrSamplingRate");
                Some(SamplingRate {
                    min_period: duration_from_wire(&s.oadr_min_period, &q.at("oadrMinPeriod"))?,
                    max_period: duration_from_wire(&s.oadr_max_period, &q.at("oadrMaxPeriod"))?,
                    on_change: s.oadr_on_change,
                })
            }
            None => None,
        },
    })
}

fn description_to(m: &ReportDescription, p: &Path) -> Result<oadr::OadrReportDescriptionType> {
    Ok(oadr::OadrReportDescriptionType {
        r_id: m.r_id.clone(),
        report_subject: m.report_subject.as_ref().map(targets_to),
        report_data_source: m.report_data_source.as_ref().map(targets_to),
        report_type: token_value(m.report_type.as_str(), &p.at("reportType"))?,
        item_base: m.measurement.as_ref().map(|i| item_to(i, p)).transpose()?,
        reading_type: token_value(m.reading_type.as_str(), &p.at("readingType"))?,
        market_context: m.market_context.clone(),
        oadr_sampling_rate: match &m.sampling_rate {
            Some(s) => {
                let q = p.at("oadrSamplingRate");
                Some(oadr::OadrSamplingRateType {
                    oadr_min_period: duration_to_wire(&s.min_period, &q.at("oadrMinPeriod"))?,
                    oadr_max_period: duration_to_wire(&s.max_period, &q.at("oadrMaxPeriod"))?,
                    oadr_on_change: s.on_change,
                })
            }
            None => None,
        },
    })
}

fn report_from(w: &oadr::OadrReportType, p: &Path) -> Result<Report> {
    let ip = p.at("intervals");
    Ok(Report {
        dtstart: w
            .dtstart
            .as_ref()
            .map(|d| dtstart_from_wire(d, &p.at("dtstart")))
            .transpose()?,
        duration: w
            .duration
            .as_ref()
            .map(|d| dprop_from_wire(d, &p.at("duration")))
            .transpose()?,
        intervals: w
            .intervals
            .as_ref()
            .map(|iv| {
                iv.interval
                    .iter()
                    .enumerate()
                    .map(|(i, x)| interval_from(x, &ip.nth("interval", i)))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?,
        report_id: w.ei_report_id.clone(),
        report_descriptions: w
            .oadr_report_description
            .iter()
            .enumerate()
            .map(|(i, d)| description_from(d, &p.nth("oadrReportDescription", i)))
            .collect::<Result<_>>()?,
        report_request_id: w.report_request_id.clone(),
        report_specifier_id: w.report_specifier_id.clone(),
        report_name: w
            .report_name
            .as_ref()
            .map(|n| model_token(n, &p.at("reportName")))
            .transpose()?,
        created_date_time: time_from_wire(&w.created_date_time, &p.at("createdDateTime"))?,
    })
}

fn report_to(m: &Report, p: &Path) -> Result<oadr::OadrReportType> {
    let ip = p.at("intervals");
    Ok(oadr::OadrReportType {
        dtstart: m
            .dtstart
            .as_ref()
            .map(|d| dtstart_to_wire(d, &p.at("dtstart")))
            .transpose()?,
        duration: m
            .duration
            .as_ref()
            .map(|d| dprop_to_wire(d, &p.at("duration")))
            .transpose()?,
        intervals: m
            .intervals
            .as_ref()
            .map(|iv| {
                Ok::<_, super::ModelError>(strm::IntervalsElementType {
                    interval: iv
                        .iter()
                        .enumerate()
                        .map(|(i, x)| interval_to(x, &ip.nth("interval", i)))
                        .collect::<Result<_>>()?,
                })
            })
            .transpose()?,
        ei_report_id: m.report_id.clone(),
        oadr_report_description: m
            .report_descriptions
            .iter()
            .enumerate()
            .map(|(i, d)| description_to(d, &p.nth("oadrReportDescription", i)))
            .collect::<Result<_>>()?,
        report_request_id: m.report_request_id.clone(),
        report_specifier_id: m.report_specifier_id.clone(),
        report_name: m
            .report_name
            .as_ref()
            .map(|n| token_value(n.as_str(), &p.at("reportName")))
            .transpose()?,
        created_date_time: time_to_wire(&m.created_date_time, &p.at("createdDateTime"))?,
    })
}

fn reports_from(w: &[oadr::OadrReportType], p: &Path) -> Result<Vec<Report>> {
    w.iter()
        .enumerate()
        .map(|(i, r)| report_from(r, &p.nth("oadrReport", i)))
        .collect()
}

fn reports_to(m: &[Report], p: &Path) -> Result<Vec<oadr::OadrReportType>> {
    m.iter()
        .enumerate()
        .map(|(i, r)| report_to(r, &p.nth("oadrReport", i)))
        .collect()
}

fn request_from(w: &oadr::OadrReportRequestType, p: &Path) -> Result<ReportRequest> {
    let s = &w.report_specifier;
    let q = p.at("reportSpecifier");
    Ok(ReportRequest {
        report_request_id: w.report_request_id.clone(),
        report_specifier: ReportSpecifier {
            report_specifier_id: s.report_specifier_id.clone(),
            granularity: dprop_from_wire(&s.granularity, &q.at("granularity"))?,
            report_back_duration: dprop_from_wire(
                &s.report_back_duration,
                &q.at("reportBackDuration"),
            )?,
            report_interval: s
                .report_interval
                .as_ref()
                .map(|i| properties_from(&i.properties, &q.at("reportInterval").at("properties")))
                .transpose()?,
            specifier_payloads: s
                .specifier_payload
                .iter()
                .enumerate()
                .map(|(i, sp)| {
                    let pp = q.nth("specifierPayload", i);
                    Ok(SpecifierPayload {
                        r_id: sp.r_id.clone(),
                        measurement: opt_item_from(&sp.item_base, &pp)?,
                        reading_type: model_token(&sp.reading_type, &pp.at("readingType"))?,
                    })
                })
                .collect::<Result<_>>()?,
        },
    })
}

fn request_to(m: &ReportRequest, p: &Path) -> Result<oadr::OadrReportRequestType> {
    let s = &m.report_specifier;
    let q = p.at("reportSpecifier");
    Ok(oadr::OadrReportRequestType {
        report_request_id: m.report_request_id.clone(),
        report_specifier: ei::ReportSpecifierType {
            report_specifier_id: s.report_specifier_id.clone(),
            granularity: dprop_to_wire(&s.granularity, &q.at("granularity"))?,
            report_back_duration: dprop_to_wire(
                &s.report_back_duration,
                &q.at("reportBackDuration"),
            )?,
            report_interval: s
                .report_interval
                .as_ref()
                .map(|i| {
                    Ok::<_, super::ModelError>(xcal::WsCalendarIntervalType {
                        properties: properties_to(i, &q.at("reportInterval").at("properties"))?,
                    })
                })
                .transpose()?,
            specifier_payload: s
                .specifier_payloads
                .iter()
                .enumerate()
                .map(|(i, sp)| {
                    let pp = q.nth("specifierPayload", i);
                    Ok(ei::SpecifierPayloadType {
                        r_id: sp.r_id.clone(),
                        item_base: sp
                            .measurement
                            .as_ref()
                            .map(|x| item_to(x, &pp))
                            .transpose()?,
                        reading_type: token_value(sp.reading_type.as_str(), &pp.at("readingType"))?,
                    })
                })
                .collect::<Result<_>>()?,
        },
    })
}

fn requests_from(w: &[oadr::OadrReportRequestType], p: &Path) -> Result<Vec<ReportRequest>> {
    w.iter()
        .enumerate()
        .map(|(i, r)| request_from(r, &p.nth("oadrReportRequest", i)))
        .collect()
}

fn requests_to(m: &[ReportRequest], p: &Path) -> Result<Vec<oadr::OadrReportRequestType>> {
    m.iter()
        .enumerate()
        .map(|(i, r)| request_to(r, &p.nth("oadrReportRequest", i)))
        .collect()
}

fn pending_from(w: &oadr::OadrPendingReportsType) -> Vec<PendingReport> {
    w.report_request_id
        .iter()
        .map(|id| PendingReport {
            report_request_id: id.clone(),
        })
        .collect()
}

fn pending_to(m: &[PendingReport]) -> oadr::OadrPendingReportsType {
    oadr::OadrPendingReportsType {
        report_request_id: m.iter().map(|p| p.report_request_id.clone()).collect(),
    }
}

pub(crate) fn register_from(w: &oadr::OadrRegisterReportType, p: &Path) -> Result<RegisterReport> {
    Ok(RegisterReport {
        request_id: w.request_id.clone(),
        reports: reports_from(&w.oadr_report, p)?,
        ven_id: w.ven_id.clone(),
        report_request_id: w.report_request_id.clone(),
    })
}

pub(crate) fn register_to(m: &RegisterReport, p: &Path) -> Result<oadr::OadrRegisterReportType> {
    Ok(oadr::OadrRegisterReportType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
        oadr_report: reports_to(&m.reports, p)?,
        ven_id: m.ven_id.clone(),
        report_request_id: m.report_request_id.clone(),
    })
}

pub(crate) fn registered_from(
    w: &oadr::OadrRegisteredReportType,
    p: &Path,
) -> Result<RegisteredReport> {
    Ok(RegisteredReport {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        report_requests: requests_from(&w.oadr_report_request, p)?,
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn registered_to(
    m: &RegisteredReport,
    p: &Path,
) -> Result<oadr::OadrRegisteredReportType> {
    Ok(oadr::OadrRegisteredReportType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        oadr_report_request: requests_to(&m.report_requests, p)?,
        ven_id: m.ven_id.clone(),
    })
}

pub(crate) fn create_from(w: &oadr::OadrCreateReportType, p: &Path) -> Result<CreateReport> {
    Ok(CreateReport {
        request_id: w.request_id.clone(),
        report_requests: requests_from(&w.oadr_report_request, p)?,
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn create_to(m: &CreateReport, p: &Path) -> Result<oadr::OadrCreateReportType> {
    Ok(oadr::OadrCreateReportType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
        oadr_report_request: requests_to(&m.report_requests, p)?,
        ven_id: m.ven_id.clone(),
    })
}

pub(crate) fn created_from(w: &oadr::OadrCreatedReportType, p: &Path) -> Result<CreatedReport> {
    Ok(CreatedReport {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        pending_reports: pending_from(&w.oadr_pending_reports),
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn created_to(m: &CreatedReport, p: &Path) -> Result<oadr::OadrCreatedReportType> {
    Ok(oadr::OadrCreatedReportType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        oadr_pending_reports: pending_to(&m.pending_reports),
        ven_id: m.ven_id.clone(),
    })
}

pub(crate) fn update_from(w: &oadr::OadrUpdateReportType, p: &Path) -> Result<UpdateReport> {
    Ok(UpdateReport {
        request_id: w.request_id.clone(),
        reports: reports_from(&w.oadr_report, p)?,
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn update_to(m: &UpdateReport, p: &Path) -> Result<oadr::OadrUpdateReportType> {
    Ok(oadr::OadrUpdateReportType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
        oadr_report: reports_to(&m.reports, p)?,
        ven_id: m.ven_id.clone(),
    })
}

pub(crate) fn cancel_from(w: &oadr::OadrCancelReportType) -> CancelReport {
    CancelReport {
        request_id: w.request_id.clone(),
        report_request_id: w.report_request_id.clone(),
        report_to_follow: w.report_to_follow,
        ven_id: w.ven_id.clone(),
    }
}

fn cancel_with(m: &CancelReport, schema: bool) -> oadr::OadrCancelReportType {
    oadr::OadrCancelReportType {
        schema_version: schema.then(schema_version),
        request_id: m.request_id.clone(),
        report_request_id: m.report_request_id.clone(),
        report_to_follow: m.report_to_follow,
        ven_id: m.ven_id.clone(),
    }
}

pub(crate) fn cancel_to(m: &CancelReport) -> oadr::OadrCancelReportType {
    cancel_with(m, true)
}

pub(crate) fn updated_from(w: &oadr::OadrUpdatedReportType, p: &Path) -> Result<UpdatedReport> {
    Ok(UpdatedReport {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        cancel_report: w.oadr_cancel_report.as_ref().map(cancel_from),
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn updated_to(m: &UpdatedReport, p: &Path) -> Result<oadr::OadrUpdatedReportType> {
    Ok(oadr::OadrUpdatedReportType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        oadr_cancel_report: m.cancel_report.as_ref().map(|c| cancel_with(c, false)),
        ven_id: m.ven_id.clone(),
    })
}

pub(crate) fn canceled_from(w: &oadr::OadrCanceledReportType, p: &Path) -> Result<CanceledReport> {
    Ok(CanceledReport {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        pending_reports: pending_from(&w.oadr_pending_reports),
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn canceled_to(m: &CanceledReport, p: &Path) -> Result<oadr::OadrCanceledReportType> {
    Ok(oadr::OadrCanceledReportType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        oadr_pending_reports: pending_to(&m.pending_reports),
        ven_id: m.ven_id.clone(),
    })
}
