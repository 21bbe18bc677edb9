//! Rules about ids and request/answer pairs: venID presence, rule 21, requestID echo,
//! answer types, rules 12/62, opt and registration consistency.

use super::path::Path;
use super::rules::*;
use super::{Context, Finding};
use crate::model::{
    CreateOpt, CreatePartyRegistration, CreatedEvent, DistributeEvent, EiResponse, Message,
    ResponseRequired, TransportName,
};

pub(crate) fn check_ven_id(ven_id: &str, ctx: &Context, root: &Path, out: &mut Vec<Finding>) {
    if let Some(expected) = &ctx.ven_id {
        if ven_id != expected {
            out.push(Finding::new(
                &RULE_21_IDS,
                root.child("venID").as_str(),
                format!("venID {ven_id:?} is not the expected {expected:?}"),
            ));
        }
    }
}

pub(crate) fn require_ven_id(
    ven_id: Option<&str>,
    ctx: &Context,
    root: &Path,
    out: &mut Vec<Finding>,
) {
    match ven_id {
        Some(v) if !v.is_empty() => check_ven_id(v, ctx, root, out),
        _ => out.push(Finding::new(
            &RESPONSE_VEN_ID,
            root.as_str(),
            "the venID is missing",
        )),
    }
}

pub(crate) fn check_create_opt(m: &CreateOpt, ctx: &Context, root: &Path, out: &mut Vec<Finding>) {
    check_ven_id(&m.ven_id, ctx, root, out);
    match (&m.vavailability, &m.event_id) {
        (Some(_), Some(_)) => out.push(Finding::new(
            &OPT_EVENT_OR_SCHEDULE,
            root.as_str(),
            "both a vavailability schedule and a qualifiedEventID",
        )),
        (None, None) => out.push(Finding::new(
            &OPT_EVENT_OR_SCHEDULE,
            root.as_str(),
            "neither a vavailability schedule nor a qualifiedEventID",
        )),
        _ => {}
    }
    if m.event_id.is_some() != m.modification_number.is_some() {
        out.push(Finding::new(
            &OPT_EVENT_OR_SCHEDULE,
            root.child("qualifiedEventID").as_str(),
            "eventID and modificationNumber must come together",
        ));
    }
}

pub(crate) fn check_create_registration(
    m: &CreatePartyRegistration,
    root: &Path,
    out: &mut Vec<Finding>,
) {
    let push = m.transport_name == TransportName::SimpleHttp && m.http_pull_model == Some(false);
    if push && m.transport_address.as_deref().is_none_or(str::is_empty) {
        out.push(Finding::new(
            &PUSH_TRANSPORT_ADDRESS,
            root.as_str(),
            "push mode (oadrHttpPullModel=false) without oadrTransportAddress",
        ));
    }
}

/// The requestID a request carries, for the requests that are answered with an eiResponse.
fn request_id(m: &Message) -> Option<&str> {
    Some(match m {
        Message::QueryRegistration(r) => &r.request_id,
        Message::CreatePartyRegistration(r) => &r.request_id,
        Message::CancelPartyRegistration(r) => &r.request_id,
        Message::RegisterReport(r) => &r.request_id,
        Message::CreateReport(r) => &r.request_id,
        Message::UpdateReport(r) => &r.request_id,
        Message::CancelReport(r) => &r.request_id,
        Message::CreateOpt(r) => &r.request_id,
        Message::CancelOpt(r) => &r.request_id,
        _ => return None,
    })
}

fn ei_response(m: &Message) -> Option<&EiResponse> {
    Some(match m {
        Message::CreatedPartyRegistration(r) => &r.response,
        Message::CanceledPartyRegistration(r) => &r.response,
        Message::RegisteredReport(r) => &r.response,
        Message::CreatedReport(r) => &r.response,
        Message::UpdatedReport(r) => &r.response,
        Message::CanceledReport(r) => &r.response,
        Message::CreatedOpt(r) => &r.response,
        Message::CanceledOpt(r) => &r.response,
        Message::Response(r) => &r.response,
        _ => return None,
    })
}

/// The message types that may answer `request` (spec digest §1 services table, §2 poll).
pub fn allowed_answers(request: &Message) -> &'static [&'static str] {
    match request {
        Message::QueryRegistration(_) | Message::CreatePartyRegistration(_) => {
            &["oadrCreatedPartyRegistration"]
        }
        Message::CancelPartyRegistration(_) => &["oadrCanceledPartyRegistration"],
        Message::RequestReregistration(_) | Message::CreatedEvent(_) => &["oadrResponse"],
        Message::RequestEvent(_) => &["oadrDistributeEvent"],
        Message::DistributeEvent(_) => &["oadrCreatedEvent", "oadrResponse"],
        Message::RegisterReport(_) => &["oadrRegisteredReport"],
        Message::CreateReport(_) => &["oadrCreatedReport"],
        Message::UpdateReport(_) => &["oadrUpdatedReport"],
        Message::CancelReport(_) => &["oadrCanceledReport"],
        Message::CreateOpt(_) => &["oadrCreatedOpt"],
        Message::CancelOpt(_) => &["oadrCanceledOpt"],
        Message::Poll(_) => &[
            "oadrResponse",
            "oadrDistributeEvent",
            "oadrCreateReport",
            "oadrRegisterReport",
            "oadrCancelReport",
            "oadrUpdateReport",
            "oadrCancelPartyRegistration",
            "oadrRequestReregistration",
        ],
        _ => &[],
    }
}

/// Check that `answer` is the right payload for `request` (`answer-type`) and carries
/// its requestID forward (`request-id-echo`).
pub fn check_answer(request: &Message, answer: &Message) -> Vec<Finding> {
    let mut out = Vec::new();
    let root = Path::message(answer.message_type());
    let allowed = allowed_answers(request);
    if !allowed.contains(&answer.message_type()) {
        out.push(Finding::new(
            &ANSWER_TYPE,
            root.as_str(),
            format!(
                "{} does not answer {} (expected {})",
                answer.message_type(),
                request.message_type(),
                if allowed.is_empty() {
                    "no answer".to_owned()
                } else {
                    allowed.join(" or ")
                }
            ),
        ));
        return out;
    }
    if let (Some(want), Some(resp)) = (request_id(request), ei_response(answer)) {
        if resp.request_id != want {
            out.push(Finding::new(
                &REQUEST_ID_ECHO,
                root.at(&["eiResponse", "requestID"]).as_str(),
                format!(
                    "requestID {:?} does not echo the request's {want:?}",
                    resp.request_id
                ),
            ));
        }
    }
    if let (Message::DistributeEvent(d), Message::CreatedEvent(c)) = (request, answer) {
        out.extend(check_created_event(d, c));
    }
    out
}

/// Rules 12/62 and the echo of ids in `oadrCreatedEvent`: every event with
/// `oadrResponseRequired=always` gets an eventResponse, none with `never` does, and each
/// eventResponse echoes the distribute's requestID and an (eventID, modificationNumber)
/// it contained.
pub fn check_created_event(distribute: &DistributeEvent, created: &CreatedEvent) -> Vec<Finding> {
    let mut out = Vec::new();
    let root = Path::message("oadrCreatedEvent").at(&["eiCreatedEvent", "eventResponses"]);
    let responses = created.event_responses.as_deref().unwrap_or_default();
    for (i, r) in responses.iter().enumerate() {
        let p = root.nth("eventResponse", i);
        if r.request_id != distribute.request_id {
            out.push(Finding::new(
                &REQUEST_ID_ECHO,
                p.child("requestID").as_str(),
                format!(
                    "requestID {:?} does not echo the oadrDistributeEvent's {:?}",
                    r.request_id, distribute.request_id
                ),
            ));
        }
        let event = distribute
            .events
            .iter()
            .find(|e| e.event_descriptor.event_id == r.event_id);
        match event {
            None => out.push(Finding::new(
                &RULE_21_IDS,
                p.at(&["qualifiedEventID", "eventID"]).as_str(),
                format!("eventID {:?} was not distributed", r.event_id),
            )),
            Some(e) if e.event_descriptor.modification_number != r.modification_number => {
                out.push(Finding::new(
                    &RULE_21_IDS,
                    p.at(&["qualifiedEventID", "modificationNumber"]).as_str(),
                    format!(
                        "event {:?}: modificationNumber {} answered, {} distributed",
                        r.event_id, r.modification_number, e.event_descriptor.modification_number
                    ),
                ))
            }
            Some(e) if e.response_required == ResponseRequired::Never => out.push(Finding::new(
                &RULE_12_62_RESPONSE_REQUIRED,
                p.as_str(),
                format!(
                    "event {:?} has oadrResponseRequired=never but was answered",
                    r.event_id
                ),
            )),
            Some(_) => {}
        }
    }
    for e in &distribute.events {
        let id = &e.event_descriptor.event_id;
        if e.response_required == ResponseRequired::Always
            && !responses.iter().any(|r| &r.event_id == id)
        {
            out.push(Finding::new(
                &RULE_12_62_RESPONSE_REQUIRED,
                root.as_str(),
                format!("event {id:?} has oadrResponseRequired=always but no eventResponse"),
            ));
        }
    }
    out
}
