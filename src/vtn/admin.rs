//! The operator's JSON API, independent of HTTP: [`AdminApi::handle`] takes a method, a path
//! (with query), the `Authorization` header and a body, and returns a status and a JSON body.
//! `oadr vtn --admin ADDR` serves it over HTTP on loopback.
//!
//! | method, path | what |
//! |---|---|
//! | `GET /vens` | registered VENs |
//! | `POST /vens/{venID}/groups` `["g1", ...]` | set a VEN's groups |
//! | `POST /vens/{venID}/reregister` | queue oadrRequestReregistration |
//! | `POST /vens/{venID}/cancel` | queue oadrCancelPartyRegistration |
//! | `GET /vens/{venID}/reports` | the METADATA reports it offered |
//! | `POST /vens/{venID}/reports` [`NewReportRequest`] | queue oadrCreateReport |
//! | `DELETE /vens/{venID}/reports/{reportRequestID}` | queue oadrCancelReport |
//! | `GET /events` | events, with each VEN's answer |
//! | `POST /events` [`NewEvent`] | create an event |
//! | `PUT /events/{eventID}` [`NewEvent`] | modify it (modificationNumber + 1) |
//! | `DELETE /events/{eventID}` | cancel it |
//! | `GET /reports` | report requests |
//! | `GET /readings?ven_id=&report_request_id=&limit=` | stored readings, newest first |
//! | `GET /opts` | opts |
//!
//! Errors are `{"error": "...", "response_code": 452}` with HTTP 400/401/404/409/500.

use super::{Vtn, VtnError};
use crate::engine::vtn::AdminError;
use crate::model::{
    self, Duration, Event, ReadingType, ReportRequest, ResponseRequired, SignalName, SignalType,
    Targets,
};
use crate::store::ReadingFilter;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// One interval of a new event's signal.
#[derive(Debug, Clone, Deserialize)]
pub struct NewInterval {
    /// ISO 8601 duration, e.g. `PT30M`.
    pub duration: String,
    /// The signal value.
    pub value: f32,
}

/// An event as the operator describes it (`POST /events`).
#[derive(Debug, Clone, Deserialize)]
pub struct NewEvent {
    /// eventID (generated when absent).
    #[serde(default)]
    pub event_id: Option<String>,
    /// marketContext (default `http://oadr.local/market`).
    #[serde(default)]
    pub market_context: Option<String>,
    /// Target venIDs.
    #[serde(default)]
    pub ven_id: Vec<String>,
    /// Target VENs by oadrVenName (resolved to venIDs now).
    #[serde(default)]
    pub ven_name: Vec<String>,
    /// Target groupIDs.
    #[serde(default)]
    pub group_id: Vec<String>,
    /// Target resourceIDs.
    #[serde(default)]
    pub resource_id: Vec<String>,
    /// Target partyIDs.
    #[serde(default)]
    pub party_id: Vec<String>,
    /// signalName, e.g. `SIMPLE`.
    pub signal_name: String,
    /// signalType (default `level`).
    #[serde(default)]
    pub signal_type: Option<String>,
    /// One value over the whole duration (or give `intervals`).
    #[serde(default)]
    pub value: Option<f32>,
    /// Intervals, in order.
    #[serde(default)]
    pub intervals: Vec<NewInterval>,
    /// `now`, `+DURATION` (from now, e.g. `+PT5M`) or RFC 3339.
    pub start: String,
    /// ISO 8601 duration of the event (required with `value`).
    #[serde(default)]
    pub duration: Option<String>,
    /// `always` (default) or `never`.
    #[serde(default)]
    pub response_required: Option<String>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<u32>,
    /// Mark as a test event.
    #[serde(default)]
    pub test_event: Option<bool>,
    /// vtnComment.
    #[serde(default)]
    pub vtn_comment: Option<String>,
    /// Ramp-up period (events are `near` inside it).
    #[serde(default)]
    pub ramp_up: Option<String>,
    /// startafter randomisation.
    #[serde(default)]
    pub start_after: Option<String>,
}

/// A report request as the operator describes it (`POST /vens/{venID}/reports`).
#[derive(Debug, Clone, Deserialize)]
pub struct NewReportRequest {
    /// The reportSpecifierID the VEN offered.
    pub report_specifier_id: String,
    /// Sampling interval (ISO 8601, default `PT1M`).
    #[serde(default)]
    pub granularity: Option<String>,
    /// How often to report (default = granularity).
    #[serde(default)]
    pub report_back_duration: Option<String>,
    /// Data points (default: every rID the VEN offered in that report).
    #[serde(default)]
    pub r_ids: Vec<String>,
    /// reportRequestID (generated when absent).
    #[serde(default)]
    pub report_request_id: Option<String>,
}

/// The admin API over a [`Vtn`], guarded by a bearer token.
#[derive(Debug, Clone)]
pub struct AdminApi {
    vtn: Vtn,
    token: String,
}

/// A status and a JSON body.
pub type AdminReply = (u16, Value);

fn err(status: u16, code: Option<model::ResponseCode>, msg: impl Into<String>) -> AdminReply {
    let mut v = json!({"error": msg.into()});
    if let Some(c) = code {
        v["response_code"] = json!(c.0);
    }
    (status, v)
}

fn vtn_err(e: VtnError) -> AdminReply {
    let code = Some(e.response_code());
    let status = match &e {
        VtnError::Admin(AdminError::UnknownVen(_))
        | VtnError::Admin(AdminError::UnknownEvent(_))
        | VtnError::Admin(AdminError::UnknownReportRequest(..)) => 404,
        VtnError::Admin(AdminError::DuplicateEvent(_))
        | VtnError::Admin(AdminError::NotAllowed(_)) => 409,
        VtnError::Admin(_) => 400,
        _ => 500,
    };
    err(status, code, e.to_string())
}

fn duration(field: &str, s: &str) -> Result<Duration, AdminReply> {
    s.parse::<Duration>().map_err(|e| {
        err(
            400,
            None,
            format!("{field}: {s:?} is not an ISO 8601 duration: {e}"),
        )
    })
}

/// `now`, `+DURATION` or RFC 3339.
pub fn parse_start(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s == "now" {
        return Ok(now);
    }
    if let Some(rest) = s.strip_prefix('+') {
        let d: Duration = rest
            .parse()
            .map_err(|e| format!("start: {s:?}: bad duration: {e}"))?;
        let c = d
            .to_chrono()
            .ok_or_else(|| format!("start: {s:?}: not an exact duration"))?;
        return Ok(now + c);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("start: {s:?} is not now, +DURATION or RFC 3339: {e}"))
}

fn body<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, AdminReply> {
    serde_json::from_slice(b).map_err(|e| err(400, None, format!("request body: {e}")))
}

impl AdminApi {
    /// The API over `vtn`, answering only requests bearing `token`.
    pub fn new(vtn: Vtn, token: impl Into<String>) -> Self {
        AdminApi {
            vtn,
            token: token.into(),
        }
    }

    fn authorized(&self, header: Option<&str>) -> bool {
        let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return false;
        };
        let (a, b) = (given.trim().as_bytes(), self.token.as_bytes());
        // constant time in the token's length
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Answer one request.
    pub fn handle(
        &self,
        method: &str,
        path_and_query: &str,
        authorization: Option<&str>,
        body: &[u8],
    ) -> AdminReply {
        if self.token.is_empty() || !self.authorized(authorization) {
            return err(401, None, "missing or wrong bearer token");
        }
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let r = match (method, parts.as_slice()) {
            ("GET", ["vens"]) => Ok((200, json!(self.vtn.vens()))),
            ("POST", ["vens", v, "groups"]) => self.groups(v, body),
            ("POST", ["vens", v, "reregister"]) => self
                .vtn
                .request_reregistration(v)
                .map(|_| (202, json!({"queued": "oadrRequestReregistration"})))
                .map_err(vtn_err),
            ("POST", ["vens", v, "cancel"]) => self
                .vtn
                .cancel_registration(v)
                .map(|_| (202, json!({"queued": "oadrCancelPartyRegistration"})))
                .map_err(vtn_err),
            ("GET", ["vens", v, "reports"]) => Ok((200, json!(self.vtn.offered_reports(v)))),
            ("POST", ["vens", v, "reports"]) => self.request_report(v, body),
            ("DELETE", ["vens", v, "reports", rr]) => self
                .vtn
                .cancel_report(v, rr)
                .map(|_| (202, json!({"queued": "oadrCancelReport"})))
                .map_err(vtn_err),
            ("GET", ["events"]) => Ok((200, self.events())),
            ("POST", ["events"]) => self.create_event(body),
            ("PUT", ["events", id]) => self.modify_event(id, body),
            ("DELETE", ["events", id]) => self
                .vtn
                .cancel_event(id)
                .map(|e| (200, json!(e)))
                .map_err(vtn_err),
            ("GET", ["reports"]) => Ok((200, json!(self.vtn.report_requests()))),
            ("GET", ["readings"]) => self.readings(query),
            ("GET", ["opts"]) => Ok((200, json!(self.vtn.opts()))),
            (_, ["vens" | "events" | "reports" | "readings" | "opts", ..]) => {
                Err(err(405, None, format!("{method} {path} is not supported")))
            }
            _ => Err(err(404, None, format!("no resource {path}"))),
        };
        r.unwrap_or_else(|e| e)
    }

    fn groups(&self, ven: &str, b: &[u8]) -> Result<AdminReply, AdminReply> {
        let groups: Vec<String> = body(b)?;
        self.vtn
            .set_groups(ven, groups)
            .map(|_| (200, json!({"ok": true})))
            .map_err(vtn_err)
    }

    fn events(&self) -> Value {
        let list: Vec<Value> = self
            .vtn
            .events()
            .into_iter()
            .map(|e| {
                let answers = self.vtn.deliveries(e.id());
                json!({"event": e.event, "created_at": e.created_at, "vens": answers})
            })
            .collect();
        Value::Array(list)
    }

    /// Turn a [`NewEvent`] into an event.
    pub fn build_event(&self, n: &NewEvent, now: DateTime<Utc>) -> Result<Event, AdminReply> {
        let start = parse_start(&n.start, now).map_err(|e| err(400, None, e))?;
        let name: SignalName = n.signal_name.parse().map_err(|e| {
            err(
                400,
                Some(model::ResponseCode::SIGNAL_NOT_SUPPORTED),
                format!("signal_name: {e}"),
            )
        })?;
        let ty: SignalType = n
            .signal_type
            .as_deref()
            .unwrap_or("level")
            .parse()
            .map_err(|e| {
                err(
                    400,
                    Some(model::ResponseCode::SIGNAL_NOT_SUPPORTED),
                    format!("signal_type: {e}"),
                )
            })?;
        let intervals: Vec<(Duration, f32)> = if n.intervals.is_empty() {
            let (Some(v), Some(d)) = (n.value, n.duration.as_deref()) else {
                return Err(err(400, None, "give value and duration, or intervals"));
            };
            vec![(duration("duration", d)?, v)]
        } else {
            n.intervals
                .iter()
                .map(|i| Ok((duration("intervals.duration", &i.duration)?, i.value)))
                .collect::<Result<_, AdminReply>>()?
        };
        let mut targets = Targets::new();
        targets.ven_id = n.ven_id.clone();
        for name in &n.ven_name {
            match self.vtn.ven_id_by_name(name) {
                Some(v) => targets.ven_id.push(v),
                None => {
                    return Err(err(
                        404,
                        Some(model::ResponseCode::INVALID_ID),
                        format!("ven_name: no single registered VEN is named {name:?}"),
                    ))
                }
            }
        }
        targets.group_id = n.group_id.clone();
        targets.resource_id = n.resource_id.clone();
        targets.party_id = n.party_id.clone();
        let rr = match n.response_required.as_deref() {
            None | Some("always") => ResponseRequired::Always,
            Some("never") => ResponseRequired::Never,
            Some(o) => return Err(err(400, None, format!("response_required: {o:?}"))),
        };
        let mut b = Event::builder(
            n.event_id.clone().unwrap_or_default(),
            n.market_context
                .clone()
                .unwrap_or_else(|| "http://oadr.local/market".into()),
        )
        .start(start)
        .created(now)
        .targets(targets)
        .response_required(rr)
        .signal(name, ty, None, intervals);
        if let Some(d) = &n.duration {
            b = b.duration(duration("duration", d)?);
        }
        if let Some(p) = n.priority {
            b = b.priority(p);
        }
        if let Some(t) = n.test_event {
            b = b.test_event(t);
        }
        if let Some(c) = &n.vtn_comment {
            b = b.comment(c);
        }
        if let Some(s) = &n.start_after {
            b = b.start_after(duration("start_after", s)?);
        }
        if let Some(r) = &n.ramp_up {
            b = b.notice(None, Some(duration("ramp_up", r)?), None);
        }
        let mut e = b.build();
        for s in &mut e.event_signals {
            if s.signal_name.is_simple() {
                s.current_value = Some(0.0);
            }
        }
        Ok(e)
    }

    fn create_event(&self, b: &[u8]) -> Result<AdminReply, AdminReply> {
        let n: NewEvent = body(b)?;
        let e = self.build_event(&n, Utc::now())?;
        self.vtn
            .create_event(e)
            .map(|r| (201, json!(r)))
            .map_err(vtn_err)
    }

    fn modify_event(&self, id: &str, b: &[u8]) -> Result<AdminReply, AdminReply> {
        let n: NewEvent = body(b)?;
        let e = self.build_event(&n, Utc::now())?;
        self.vtn
            .modify_event(id, e)
            .map(|r| (200, json!(r)))
            .map_err(vtn_err)
    }

    fn request_report(&self, ven: &str, b: &[u8]) -> Result<AdminReply, AdminReply> {
        let n: NewReportRequest = body(b)?;
        let g = duration("granularity", n.granularity.as_deref().unwrap_or("PT1M"))?;
        let back = match &n.report_back_duration {
            Some(s) => duration("report_back_duration", s)?,
            None => g,
        };
        let offered = self.vtn.offered_reports(ven);
        let report = offered
            .iter()
            .find(|r| r.report_specifier_id == n.report_specifier_id);
        let mut req = ReportRequest::new(
            n.report_request_id.clone().unwrap_or_default(),
            &n.report_specifier_id,
            g,
            back,
        );
        let points: Vec<(String, ReadingType)> = match report {
            Some(r) => r
                .report_descriptions
                .iter()
                .filter(|d| n.r_ids.is_empty() || n.r_ids.contains(&d.r_id))
                .map(|d| (d.r_id.clone(), d.reading_type.clone()))
                .collect(),
            None => n
                .r_ids
                .iter()
                .map(|r| (r.clone(), ReadingType::DirectRead))
                .collect(),
        };
        for (r, t) in points {
            req = req.with_point(r, t);
        }
        self.vtn
            .request_report(ven, req)
            .map(|id| (202, json!({"report_request_id": id})))
            .map_err(vtn_err)
    }

    fn readings(&self, query: &str) -> Result<AdminReply, AdminReply> {
        let mut f = ReadingFilter {
            limit: 1000,
            ..ReadingFilter::default()
        };
        for kv in query.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let v = percent_decode(v);
            match k {
                "ven_id" => f.ven_id = Some(v),
                "report_request_id" => f.report_request_id = Some(v),
                "limit" => {
                    f.limit = v
                        .parse()
                        .map_err(|_| err(400, None, format!("limit: {v:?}")))?
                }
                other => return Err(err(400, None, format!("unknown parameter {other:?}"))),
            }
        }
        self.vtn
            .readings(&f)
            .map(|r| (200, json!(r)))
            .map_err(vtn_err)
    }
}

/// Decode `%XX` escapes and `+` (query strings).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(x) => {
                        out.push(x);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl crate::transport::http_server::HttpHandler for AdminApi {
    fn handle(
        &self,
        r: crate::transport::http_server::HttpRequest,
    ) -> crate::transport::http_server::HttpResponse {
        let (status, v) = AdminApi::handle(
            self,
            &r.method,
            &r.path,
            r.authorization.as_deref(),
            &r.body,
        );
        crate::transport::http_server::HttpResponse {
            status,
            content_type: "application/json",
            body: serde_json::to_vec_pretty(&v).unwrap_or_default(),
        }
    }
}
