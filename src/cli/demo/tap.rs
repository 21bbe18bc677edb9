//! A listening post on the VTN's endpoints: every payload a VEN posts and the VTN's answer go
//! through [`Tap`], which hands them to the real [`Vtn`] and prints the exchange. In pull
//! mode every message of the protocol crosses this point, in one direction or the other.

use super::console::Console;
use crate::model::{self, Message, ResponseCode};
use crate::transport::http_server::PayloadHandler;
use crate::transport::Service;
use crate::vtn::Vtn;
use std::collections::HashMap;
use std::sync::Arc;

/// The VTN's payload handler, with a console.
pub(super) struct Tap {
    pub vtn: Vtn,
    pub console: Arc<Console>,
    /// Certificate fingerprint → party name (TLS tells who is posting).
    pub parties: HashMap<String, String>,
}

impl PayloadHandler for Tap {
    fn payload(
        &self,
        service: Service,
        fingerprint: Option<&str>,
        body: &[u8],
    ) -> (&'static str, Vec<u8>) {
        let answer = self.vtn.handle_payload(service, fingerprint, body);
        let who = fingerprint.and_then(|f| self.parties.get(&f.to_ascii_uppercase()));
        self.exchange(service, who.cloned(), body, &answer.body);
        (answer.content_type, answer.body)
    }
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap").finish_non_exhaustive()
    }
}

impl Tap {
    /// A payload the VTN pushed to a VEN (HTTP push) and the VEN's answer.
    pub(super) fn pushed(
        &self,
        service: Service,
        who: Option<String>,
        request: &[u8],
        response: &[u8],
    ) {
        self.exchange(service, who, request, response);
    }

    fn exchange(&self, service: Service, who: Option<String>, request: &[u8], response: &[u8]) {
        let req = model::decode(request);
        let resp = model::decode(response);
        let req_type = req.as_ref().map_or("(undecodable)", Message::message_type);
        let resp_type = resp.as_ref().map_or("(undecodable)", Message::message_type);
        let code = resp.as_ref().ok().and_then(response_code);
        let idle = matches!(
            (&req, &resp),
            (Ok(Message::Poll(_)), Ok(Message::Response(_)))
        ) && code.is_none_or(ResponseCode::is_success);
        let who = {
            let mut t = self.console.tally();
            t.exchanges += 1;
            for ty in [req_type, resp_type] {
                *t.messages.entry(ty).or_insert(0) += 1;
            }
            if idle {
                t.idle_polls += 1;
            }
            let who = who
                .or_else(|| req.as_ref().ok().and_then(ven_of).map(|v| t.name_of(&v)))
                .unwrap_or_else(|| "?".to_owned());
            if let Err(e) = &req {
                t.problems
                    .push(format!("{who} sent an undecodable payload: {e}"));
            }
            if let Err(e) = &resp {
                t.problems
                    .push(format!("the VTN answered {who} undecodably: {e}"));
            }
            if let Some(c) = code.filter(|c| !c.is_success()) {
                t.problems.push(format!(
                    "the VTN answered {who}'s {req_type} on {} with {c} ({})",
                    service.name(),
                    c.meaning().unwrap_or("unknown code")
                ));
            }
            who
        };
        if idle && !self.console.show.xml && !self.console.show.json {
            return;
        }
        let code = code.map(|c| format!(" {c}")).unwrap_or_default();
        let detail = [req.as_ref().ok(), resp.as_ref().ok()]
            .into_iter()
            .flatten()
            .filter_map(detail)
            .collect::<Vec<_>>()
            .join("; ");
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!("  ({detail})")
        };
        self.console.line(
            &who,
            format!(
                "{:<16} {req_type} → {resp_type}{code}{detail}",
                service.name()
            ),
        );
        self.console.payload("→", request, req.as_ref().ok());
        self.console.payload("←", response, resp.as_ref().ok());
    }
}

/// The venID (or, for a first registration, the oadrVenName) a VEN's payload carries.
fn ven_of(m: &Message) -> Option<String> {
    if let Message::CreatePartyRegistration(r) = m {
        return r.ven_name.clone().or_else(|| r.ven_id.clone());
    }
    let v = serde_json::to_value(m).ok()?;
    v["payload"]["ven_id"].as_str().map(str::to_owned)
}

/// The eiResponse code of an answer, if it has one.
fn response_code(m: &Message) -> Option<ResponseCode> {
    let v = serde_json::to_value(m).ok()?;
    match &v["payload"]["response"]["response_code"] {
        serde_json::Value::String(s) => ResponseCode::parse(s),
        serde_json::Value::Number(n) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .map(ResponseCode),
        _ => None,
    }
}

/// A few words on what a payload says.
fn detail(m: &Message) -> Option<String> {
    Some(match m {
        Message::CreatedPartyRegistration(r) => format!(
            "venID {}, poll every {}",
            r.ven_id.as_deref().unwrap_or("-"),
            r.requested_oadr_poll_freq
                .map_or_else(|| "-".to_owned(), |d| d.to_string())
        ),
        Message::RegisterReport(r) => format!(
            "offers {}",
            r.reports
                .iter()
                .map(|r| r.report_name.as_ref().map_or("-", |n| n.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Message::CreateReport(r) => format!(
            "requests {}",
            r.report_requests
                .iter()
                .map(|q| q.report_specifier.report_specifier_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Message::DistributeEvent(d) => d
            .events
            .iter()
            .map(|e| {
                format!(
                    "event {} #{} {} from {}{}",
                    e.id(),
                    e.event_descriptor.modification_number,
                    e.event_descriptor.event_status.as_str(),
                    e.active_period.dtstart.format("%H:%M:%S"),
                    e.active_period
                        .start_after()
                        .map(|d| format!(" + random ≤ {d}"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        Message::CreatedEvent(c) => c
            .event_responses
            .iter()
            .flatten()
            .map(|r| format!("{} event {}", r.opt_type.as_str(), r.event_id))
            .collect::<Vec<_>>()
            .join(", "),
        Message::UpdateReport(u) => {
            let n: usize = u
                .reports
                .iter()
                .map(|r| r.intervals.as_ref().map_or(0, Vec::len))
                .sum();
            let values: Vec<String> = u
                .reports
                .iter()
                .flat_map(|r| r.intervals.iter().flatten())
                .flat_map(|i| i.report_payloads.iter())
                .filter_map(|p| match p.value {
                    model::ReportValue::Float(f) => Some(format!("{f:.0}")),
                    _ => None,
                })
                .collect();
            format!("{n} intervals: {} W", values.join(", "))
        }
        Message::CreateOpt(o) => format!(
            "{} ({}) event {}",
            o.opt_type.as_str(),
            o.opt_reason.as_str(),
            o.event_id.as_deref().unwrap_or("-")
        ),
        _ => return None,
    })
}
