//! Error answers: each refused payload gets its service's response payload (or oadrResponse)
//! carrying the response code (spec digest §10).

use crate::model::{
    CanceledOpt, CanceledPartyRegistration, CanceledReport, CreatedOpt, CreatedPartyRegistration,
    CreatedReport, DistributeEvent, EiResponse, Message, RegisteredReport, Response, ResponseCode,
    UpdatedReport,
};

/// The requestID a payload carries (empty when it has none).
pub fn request_id_of(m: &Message) -> String {
    match m {
        Message::QueryRegistration(x) => x.request_id.clone(),
        Message::CreatePartyRegistration(x) => x.request_id.clone(),
        Message::CancelPartyRegistration(x) => x.request_id.clone(),
        Message::RequestEvent(x) => x.request_id.clone(),
        Message::CreatedEvent(x) => x.response.request_id.clone(),
        Message::RegisterReport(x) => x.request_id.clone(),
        Message::CreateReport(x) => x.request_id.clone(),
        Message::UpdateReport(x) => x.request_id.clone(),
        Message::CancelReport(x) => x.request_id.clone(),
        Message::CreateOpt(x) => x.request_id.clone(),
        Message::CancelOpt(x) => x.request_id.clone(),
        Message::Response(x) => x.response.request_id.clone(),
        Message::CanceledPartyRegistration(x) => x.response.request_id.clone(),
        Message::RegisteredReport(x) => x.response.request_id.clone(),
        Message::CreatedReport(x) => x.response.request_id.clone(),
        Message::CanceledReport(x) => x.response.request_id.clone(),
        Message::UpdatedReport(x) => x.response.request_id.clone(),
        Message::DistributeEvent(x) => x.request_id.clone(),
        _ => String::new(),
    }
}

/// The venID a payload names, if any.
pub fn ven_id_of(m: &Message) -> Option<String> {
    let v = match m {
        Message::CreatePartyRegistration(x) => x.ven_id.clone(),
        Message::CancelPartyRegistration(x) => x.ven_id.clone(),
        Message::CanceledPartyRegistration(x) => x.ven_id.clone(),
        Message::RequestEvent(x) => Some(x.ven_id.clone()),
        Message::CreatedEvent(x) => Some(x.ven_id.clone()),
        Message::RegisterReport(x) => x.ven_id.clone(),
        Message::RegisteredReport(x) => x.ven_id.clone(),
        Message::CreateReport(x) => x.ven_id.clone(),
        Message::CreatedReport(x) => x.ven_id.clone(),
        Message::UpdateReport(x) => x.ven_id.clone(),
        Message::UpdatedReport(x) => x.ven_id.clone(),
        Message::CancelReport(x) => x.ven_id.clone(),
        Message::CanceledReport(x) => x.ven_id.clone(),
        Message::CreateOpt(x) => Some(x.ven_id.clone()),
        Message::CancelOpt(x) => Some(x.ven_id.clone()),
        Message::Response(x) => x.ven_id.clone(),
        Message::Poll(x) => Some(x.ven_id.clone()),
        _ => None,
    };
    v.filter(|v| !v.is_empty())
}

/// The answer to a refused `request` (or to bytes that never became a payload, `None`): the
/// request's own response payload where the service defines one, else oadrResponse. Both
/// carry `code`, `description`, the request's requestID and, when known, the venID (which
/// oadrResponse must carry, spec digest §1).
pub fn error_response(
    request: Option<&Message>,
    code: ResponseCode,
    description: impl Into<String>,
    ven_id: Option<String>,
    vtn_id: &str,
) -> Message {
    let request_id = request.map(request_id_of).unwrap_or_default();
    let response = EiResponse {
        response_code: code,
        response_description: Some(description.into()),
        request_id,
    };
    match request {
        Some(Message::QueryRegistration(_)) | Some(Message::CreatePartyRegistration(_)) => {
            CreatedPartyRegistration {
                response,
                registration_id: None,
                ven_id,
                vtn_id: vtn_id.to_owned(),
                profiles: Vec::new(),
                requested_oadr_poll_freq: None,
                service_specific_info: None,
                extensions: None,
            }
            .into()
        }
        Some(Message::CancelPartyRegistration(c)) => CanceledPartyRegistration {
            response,
            registration_id: Some(c.registration_id.clone()),
            ven_id,
        }
        .into(),
        Some(Message::RequestEvent(_)) => DistributeEvent {
            response: Some(response.clone()),
            request_id: response.request_id,
            vtn_id: vtn_id.to_owned(),
            events: Vec::new(),
        }
        .into(),
        Some(Message::RegisterReport(_)) => RegisteredReport {
            response,
            report_requests: Vec::new(),
            ven_id,
        }
        .into(),
        Some(Message::CreateReport(_)) => CreatedReport {
            response,
            pending_reports: Vec::new(),
            ven_id,
        }
        .into(),
        Some(Message::UpdateReport(_)) => UpdatedReport {
            response,
            cancel_report: None,
            ven_id,
        }
        .into(),
        Some(Message::CancelReport(_)) => CanceledReport {
            response,
            pending_reports: Vec::new(),
            ven_id,
        }
        .into(),
        Some(Message::CreateOpt(c)) => CreatedOpt {
            response,
            opt_id: c.opt_id.clone(),
        }
        .into(),
        Some(Message::CancelOpt(c)) => CanceledOpt {
            response,
            opt_id: Some(c.opt_id.clone()),
        }
        .into(),
        _ => Response { response, ven_id }.into(),
    }
}
