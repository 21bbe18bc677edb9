//! `oadr event ...` and `oadr vens ...`: the operator's commands, as clients of the admin API
//! of a running `oadr vtn` (plain HTTP on loopback, bearer token from OADR_ADMIN_TOKEN).

use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

/// Where the admin API is.
#[derive(Debug, Args)]
pub struct AdminTarget {
    /// Admin API URL, e.g. http://127.0.0.1:8081.
    #[arg(long)]
    pub admin: String,
}

/// `oadr event`.
#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Create an event.
    Create(Box<CreateArgs>),
    /// List events and how each VEN answered.
    List(AdminTarget),
    /// Cancel an event.
    Cancel {
        #[command(flatten)]
        target: AdminTarget,
        /// The eventID.
        event_id: String,
    },
}

/// `oadr event create`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).multiple(true).args(["ven_id", "ven_name", "group"])))]
pub struct CreateArgs {
    #[command(flatten)]
    pub target: AdminTarget,
    /// Target venID (repeatable).
    #[arg(long)]
    pub ven_id: Vec<String>,
    /// Target VEN by oadrVenName (repeatable).
    #[arg(long)]
    pub ven_name: Vec<String>,
    /// Target groupID (repeatable).
    #[arg(long)]
    pub group: Vec<String>,
    /// signalName, e.g. SIMPLE.
    #[arg(long, default_value = "SIMPLE")]
    pub signal_name: String,
    /// signalType, e.g. level.
    #[arg(long, default_value = "level")]
    pub signal_type: String,
    /// The signal value.
    #[arg(long)]
    pub value: f32,
    /// now, +DURATION (e.g. +PT5M) or RFC 3339.
    #[arg(long, default_value = "now")]
    pub start: String,
    /// ISO 8601 duration, e.g. PT1H.
    #[arg(long)]
    pub duration: String,
    /// eventID (generated when absent).
    #[arg(long)]
    pub event_id: Option<String>,
    /// marketContext.
    #[arg(long)]
    pub market_context: Option<String>,
    /// always or never.
    #[arg(long)]
    pub response_required: Option<String>,
}

/// `oadr vens`.
#[derive(Debug, Subcommand)]
pub enum VensCommand {
    /// List registered VENs.
    List(AdminTarget),
}

/// A minimal HTTP/1.1 exchange with the admin API (plain HTTP; one request per connection).
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let rest = base.strip_prefix("http://").ok_or_else(|| {
        format!("--admin {base:?}: only http:// URLs (the admin API is plain HTTP on loopback)")
    })?;
    let (host, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_end_matches('/');
    let token =
        std::env::var("OADR_ADMIN_TOKEN").map_err(|_| "OADR_ADMIN_TOKEN is not set".to_owned())?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let full_path = if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("/{prefix}{path}")
    };
    let mut s = TcpStream::connect(host).map_err(|e| format!("{host}: {e}"))?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let req = format!(
        "{method} {full_path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        token.trim(),
        payload.len()
    );
    s.write_all(req.as_bytes())
        .map_err(|e| format!("{host}: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .map_err(|e| format!("{host}: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "malformed HTTP answer".to_owned())?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| "malformed HTTP status line".to_owned())?;
    let v = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()))
    };
    Ok((status, v))
}

fn print(r: Result<(u16, Value), String>) -> ExitCode {
    match r {
        Ok((status, v)) if (200..300).contains(&status) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok((status, v)) => {
            eprintln!(
                "admin API answered {status}: {}",
                serde_json::to_string(&v).unwrap_or_default()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("oadr: {e}");
            ExitCode::from(super::EXIT_USAGE)
        }
    }
}

/// Run `oadr event ...`.
pub fn event(cmd: EventCommand) -> ExitCode {
    match cmd {
        EventCommand::Create(a) => {
            let mut body = json!({
                "ven_id": a.ven_id, "ven_name": a.ven_name, "group_id": a.group,
                "signal_name": a.signal_name, "signal_type": a.signal_type,
                "value": a.value, "start": a.start, "duration": a.duration,
            });
            if let Some(e) = a.event_id {
                body["event_id"] = json!(e);
            }
            if let Some(m) = a.market_context {
                body["market_context"] = json!(m);
            }
            if let Some(r) = a.response_required {
                body["response_required"] = json!(r);
            }
            print(request(&a.target.admin, "POST", "/events", Some(&body)))
        }
        EventCommand::List(t) => print(request(&t.admin, "GET", "/events", None)),
        EventCommand::Cancel { target, event_id } => print(request(
            &target.admin,
            "DELETE",
            &format!("/events/{event_id}"),
            None,
        )),
    }
}

/// Run `oadr vens ...`.
pub fn vens(cmd: VensCommand) -> ExitCode {
    match cmd {
        VensCommand::List(t) => print(request(&t.admin, "GET", "/vens", None)),
    }
}
