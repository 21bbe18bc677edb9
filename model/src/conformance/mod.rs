//! The OpenADR 2.0b conformance rules that the XSD cannot express, checked over
//! [`crate::model`] values (and, for rule 1, over the XML text).
//!
//! Every rule is a [`Rule`] constant with its number (or a descriptive id where the spec
//! digest knows no number) and its source; every check returns [`Finding`]s naming the
//! rule, the element path (`/oadrPayload/oadrSignedObject/...`, 1-based `[n]` on repeated
//! siblings after the first, as the wire validator writes them) and the OpenADR response
//! code a peer should get. Rules marked **(unconfirmed)** in the spec digest produce
//! [`Severity::Warning`] findings; the others [`Severity::Error`].
//!
//! The runtime applies the same checks before sending and on receipt through
//! [`check_with`] and a [`Strictness`].

mod event;
mod exchange;
mod path;
mod report;
mod rules;
mod utc;

pub use event::{check_event_update, check_new_event};
pub use exchange::{check_answer, check_created_event};
pub use report::{check_report_request, check_update_report};
pub use rules::*;
pub use utc::check_utc_times;

use crate::model::{Message, ResponseCode};
use chrono::{DateTime, Utc};
use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule's text is unconfirmed, or the rule is advisory.
    Warning,
    /// A violation of a confirmed rule.
    Error,
}

/// A conformance rule: its number, a one-line statement and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The spec's conformance rule number (`"8"`, `"311"`), or a descriptive id
    /// (`"metadata-duration"`) for rules the spec digest lists without a number.
    pub id: &'static str,
    /// What the rule requires.
    pub title: &'static str,
    /// Where it comes from (spec section and spec digest section).
    pub source: &'static str,
    /// Error for confirmed rules, Warning for unconfirmed or advisory ones.
    pub severity: Severity,
    /// The `ei:responseCode` a peer should get when the rule is broken.
    pub code: ResponseCode,
}

/// One rule broken at one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// The element path.
    pub path: String,
    /// What was found.
    pub message: String,
}

impl Finding {
    pub(crate) fn new(
        rule: &'static Rule,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The response code a peer should get.
    pub fn response_code(&self) -> ResponseCode {
        self.rule.code
    }

    /// The severity of the rule.
    pub fn severity(&self) -> Severity {
        self.rule.severity
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: rule {}: {} [{}]",
            self.path, self.rule.id, self.message, self.rule.code
        )
    }
}

/// Which side sent a message (some rules apply to one side only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Virtual End Node.
    Ven,
    /// A Virtual Top Node.
    Vtn,
}

/// What the checker knows beyond the message itself.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The current time, for checks of event status against the active period.
    pub now: Option<DateTime<Utc>>,
    /// Who sent the message.
    pub sender: Option<Role>,
    /// The venID the message must carry (rule 21).
    pub ven_id: Option<String>,
    /// The vtnID the message must carry (rule 21).
    pub vtn_id: Option<String>,
}

/// How strictly the runtime enforces conformance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Every finding, warnings included, rejects the message.
    Strict,
    /// Errors reject the message; warnings are reported only.
    #[default]
    Lenient,
    /// No checks.
    Off,
}

impl Strictness {
    /// Whether `finding` makes the message unacceptable at this strictness.
    pub fn rejects(self, finding: &Finding) -> bool {
        match self {
            Strictness::Strict => true,
            Strictness::Lenient => finding.severity() == Severity::Error,
            Strictness::Off => false,
        }
    }
}

/// A message rejected by the conformance checks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConformanceError {
    /// At least one finding rejects the message; all findings are listed.
    #[error("{} conformance finding(s), first: {}", .0.len(), .0.first().map(|f| f.to_string()).unwrap_or_default())]
    Rejected(Vec<Finding>),
}

impl ConformanceError {
    /// The response code a peer should get: the first rejecting finding's code.
    pub fn response_code(&self) -> ResponseCode {
        match self {
            ConformanceError::Rejected(f) => f
                .first()
                .map(Finding::response_code)
                .unwrap_or(ResponseCode::INVALID_DATA),
        }
    }
}

/// Every rule that can be checked on the message alone (plus `ctx`).
pub fn check(message: &Message, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let root = path::Path::message(message.message_type());
    match message {
        Message::DistributeEvent(m) => event::check_distribute(m, ctx, &root, &mut out),
        Message::CreatedEvent(m) => exchange::check_ven_id(&m.ven_id, ctx, &root, &mut out),
        Message::RegisterReport(m) => report::check_register(m, ctx, &root, &mut out),
        Message::UpdateReport(m) => report::check_update(m, &root, &mut out),
        Message::CreateOpt(m) => exchange::check_create_opt(m, ctx, &root, &mut out),
        Message::CreatePartyRegistration(m) => {
            exchange::check_create_registration(m, &root, &mut out)
        }
        Message::Response(m) => exchange::require_ven_id(m.ven_id.as_deref(), ctx, &root, &mut out),
        Message::CanceledPartyRegistration(m) => {
            exchange::require_ven_id(m.ven_id.as_deref(), ctx, &root, &mut out)
        }
        Message::Poll(m) => exchange::check_ven_id(&m.ven_id, ctx, &root, &mut out),
        Message::RequestEvent(m) => exchange::check_ven_id(&m.ven_id, ctx, &root, &mut out),
        _ => {}
    }
    out
}

/// Run [`check`] at a strictness: `Ok` with the findings that do not reject the message
/// (to log), or `Err` with every finding when at least one rejects it.
pub fn check_with(
    message: &Message,
    ctx: &Context,
    strictness: Strictness,
) -> Result<Vec<Finding>, ConformanceError> {
    if strictness == Strictness::Off {
        return Ok(Vec::new());
    }
    let findings = check(message, ctx);
    if findings.iter().any(|f| strictness.rejects(f)) {
        let mut sorted = findings;
        sorted.sort_by_key(|f| std::cmp::Reverse(f.severity()));
        Err(ConformanceError::Rejected(sorted))
    } else {
        Ok(findings)
    }
}

/// The stateless rules on a message received from `sender`: findings that do not reject it
/// are logged; `Err` when one rejects it at `strictness` (the peer gets
/// [`ConformanceError::response_code`]).
pub fn check_received(
    message: &Message,
    sender: Role,
    strictness: Strictness,
) -> Result<(), ConformanceError> {
    let ctx = Context {
        sender: Some(sender),
        ..Context::default()
    };
    for finding in check_with(message, &ctx, strictness)? {
        tracing::warn!(%finding, "conformance");
    }
    Ok(())
}

/// The stateless rules on a message we are about to send as `sender`: every finding is
/// logged; only [`Strictness::Strict`] refuses to send. (An answer to a peer we cannot
/// identify, such as an error oadrResponse without the venID rule 21 asks for, must still go
/// out with its response code.)
pub fn check_outgoing(
    message: &Message,
    sender: Role,
    strictness: Strictness,
) -> Result<(), ConformanceError> {
    match strictness {
        Strictness::Strict => check_received(message, sender, strictness),
        Strictness::Off => Ok(()),
        Strictness::Lenient => {
            let ctx = Context {
                sender: Some(sender),
                ..Context::default()
            };
            for finding in check(message, &ctx) {
                tracing::warn!(%finding, "conformance of an outgoing message");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests;
