//! The XMPP transport (spec digest §3, the 2.0b profile's §9.3): VEN and VTN are both
//! clients of an XMPP server and exchange `oadrPayload`s in IQ stanzas.
//!
//! # What it does
//! - [`XmppClient`] opens a client session (`connect.rs`): TCP, STARTTLS (or direct TLS),
//!   SASL EXTERNAL with the TLS client certificate when asked for (XEP-0178, §9.3.5) and
//!   otherwise PLAIN inside TLS, resource binding, and the legacy session request when the
//!   server still demands it. TLS is never optional.
//! - Requests are `<iq type='set'>` with the `oadrPayload` as only child, answered by the
//!   matching `<iq type='result'>` holding the answer payload (§9.3 "Stanzas"). Every
//!   request stays queued until that result arrives: after a lost connection the client
//!   reconnects with doubling backoff and sends unanswered requests again (same id).
//! - Service discovery (XEP-0030, §9.3.2, [`disco`]): the client answers `disco#info` and
//!   `disco#items` from its [`Disco`] (the VTN lists the OpenADR feature and one item per
//!   service), and asks them ([`XmppClient::disco_features`], [`XmppClient::disco_items`]).
//! - Keepalive: XEP-0199 pings to the server after a quiet period; an unanswered ping drops
//!   the session and triggers a reconnect. Pings from peers are answered.
//! - [`prosody`] starts a throwaway Prosody on loopback (tests, the latency benchmark and
//!   `oadr demo --transport xmpp`).
//! - Payload bytes are never re-serialised by this client ([`xml`]): the stream is framed by
//!   scanning, and the namespace declarations a payload borrows from the stream header or
//!   the `<iq>` are added to its start tag. The *server* does re-serialise (Prosody rewrites
//!   every prefix), which breaks XML signatures made over prefixed payloads; [`stable`]
//!   signs over the form the server writes and restores the `ds:` prefixes on receipt, so
//!   signatures verify end to end (tests/xmpp_client.rs shows both).
//!
//! # Why no XMPP crate
//! `tokio-xmpp` 6 + `xmpp-parsers` 0.23 (the maintained Rust stack) add 103 crates to this
//! crate's normal dependency tree (measured with `cargo tree`: 121 crates now), among them
//! `aws-lc-sys` (a C/CMake build, a second TLS crypto provider beside ring),
//! `hickory-resolver`, `minidom`/`rxml`, `icu_*` and `moka`; that alone would blow the 90 s
//! clean-build budget. Their element tree also re-serialises payloads, where XML signatures
//! need the bytes. OpenADR uses a small corner of XMPP (one server, IQs, disco, ping), so
//! this module is an own client (about 1 600 lines without tests) over what the crate already
//! depends on: tokio, tokio-rustls and quick-xml, with base64 for SASL.
//! No dependency was added.
//!
//! # Limits
//! - No DNS SRV lookup: the server is `XmppConfig::server` (host:port) or the JID's domain
//!   on port 5222.
//! - SASL: PLAIN and EXTERNAL only (no SCRAM); PLAIN is only ever sent inside TLS. EXTERNAL
//!   (client certificate, XEP-0178) is implemented but untested: Debian's Prosody needs the
//!   community module `mod_client_certs`/`mod_auth_ccert` for it, which the tests do not
//!   install; the tests log in with PLAIN.
//! - The VTN keeps VTN-initiated payloads in its store until the VEN's IQ result
//!   acknowledges them (the push loop, `vtn::push`); the VEN keeps its own requests in this
//!   client's memory queue, so a VEN restart (not a server restart) loses the unsent ones.
//! - A request re-sent after a reconnect may reach the peer twice; OpenADR payloads carry
//!   request IDs, and the engines treat repeats like any other payload.

pub mod client;
mod connect;
pub mod disco;
pub mod jid;
pub mod prosody;
pub mod stable;
pub mod xml;

pub use client::{IncomingIq, IqReply, Status, XmppClient};
pub use disco::{Disco, DiscoItem};
pub use jid::Jid;

use std::sync::Arc;
use std::time::Duration;

/// XMPP transport errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmppError {
    /// The TCP connection failed.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    /// TLS setup or handshake.
    #[error("TLS: {0}")]
    Tls(String),
    /// The peer sent XML that is not well-formed (or that XMPP forbids).
    #[error("{path}: {message}")]
    Xml {
        /// Element path, e.g. `/iq/query/item`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A stanza larger than the configured limit.
    #[error("stanza larger than {0} bytes")]
    TooLarge(usize),
    /// The server sent `<stream:error>`.
    #[error("stream error: {condition}{}", text.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
    Stream {
        /// The defined condition, e.g. `system-shutdown`.
        condition: String,
        /// Its text.
        text: Option<String>,
    },
    /// The server closed the stream or the connection.
    #[error("the stream was closed")]
    Closed,
    /// SASL authentication failed.
    #[error("authentication: {0}")]
    Auth(String),
    /// The server does not behave as RFC 6120 says.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The peer answered with `<iq type='error'>`.
    #[error("{0}")]
    Stanza(StanzaError),
    /// No answer in time.
    #[error("timeout: {0}")]
    Timeout(String),
    /// Too many requests wait for an answer.
    #[error("more than {0} requests queued")]
    QueueFull(usize),
    /// An invalid JID.
    #[error("JID: {0}")]
    Jid(String),
    /// The client task has stopped.
    #[error("the XMPP client has stopped")]
    Stopped,
}

/// An IQ error (RFC 6120 §8.3): its type and defined condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stanza error {kind}/{condition}{}", text.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
pub struct StanzaError {
    /// `cancel`, `continue`, `modify`, `auth` or `wait`.
    pub kind: String,
    /// The condition element's name, e.g. `service-unavailable`.
    pub condition: String,
    /// Optional text.
    pub text: Option<String>,
}

const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";

impl StanzaError {
    /// An error without text.
    pub fn new(kind: &str, condition: &str) -> StanzaError {
        StanzaError {
            kind: kind.into(),
            condition: condition.into(),
            text: None,
        }
    }

    /// The recipient is not online (or does not exist): the request can be tried later.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self.condition.as_str(),
            "service-unavailable"
                | "recipient-unavailable"
                | "item-not-found"
                | "remote-server-timeout"
        )
    }

    fn parse(iq: &xml::Element) -> StanzaError {
        let Some(e) = iq.children.iter().find(|c| c.name == "error") else {
            return StanzaError::new("cancel", "undefined-condition");
        };
        let condition = e
            .children
            .iter()
            .find(|c| c.ns == NS_STANZAS && c.name != "text")
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "undefined-condition".into());
        StanzaError {
            kind: e.attr("type").unwrap_or("cancel").to_owned(),
            condition,
            text: e
                .children
                .iter()
                .find(|c| c.name == "text")
                .map(|c| c.text.clone()),
        }
    }

    fn to_xml(&self) -> String {
        let text = self
            .text
            .as_deref()
            .map(|t| format!("<text xmlns='{NS_STANZAS}'>{}</text>", xml::escape(t)))
            .unwrap_or_default();
        format!(
            "<error type='{}'><{} xmlns='{NS_STANZAS}'/>{text}</error>",
            xml::escape(&self.kind),
            xml::escape(&self.condition)
        )
    }
}

/// How to reach and log in to the XMPP server.
#[derive(Debug, Clone)]
pub struct XmppConfig {
    /// The account; its resource (default `oadr`) is requested at binding.
    pub jid: Jid,
    /// Password for SASL PLAIN.
    pub password: Option<String>,
    /// Use SASL EXTERNAL (the TLS client certificate in `tls` names the account).
    pub sasl_external: bool,
    /// `host:port` of the server (default: the JID's domain, port 5222).
    pub server: Option<String>,
    /// TLS client configuration (server trust, optional client certificate).
    pub tls: Arc<rustls::ClientConfig>,
    /// TLS from the first byte (XEP-0368) instead of STARTTLS.
    pub direct_tls: bool,
    /// Limit for TCP connect and the TLS handshake.
    pub connect_timeout: Duration,
    /// How long a sent request waits for its answer.
    pub iq_timeout: Duration,
    /// Ping the server after this long without traffic.
    pub ping_interval: Duration,
    /// First and last delay between reconnection attempts (doubling in between).
    pub reconnect: (Duration, Duration),
    /// Largest stanza accepted.
    pub max_stanza: usize,
    /// Most requests waiting for an answer.
    pub max_queued: usize,
    /// What disco queries are answered with.
    pub disco: Disco,
}

impl XmppConfig {
    /// Defaults: STARTTLS on the JID's domain port 5222, 10 s connect, 30 s IQ timeout,
    /// pings after 60 s of silence, reconnect from 0.5 s up to 30 s, 4 MiB stanzas.
    pub fn new(jid: Jid, tls: Arc<rustls::ClientConfig>) -> XmppConfig {
        XmppConfig {
            jid,
            password: None,
            sasl_external: false,
            server: None,
            tls,
            direct_tls: false,
            connect_timeout: Duration::from_secs(10),
            iq_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(60),
            reconnect: (Duration::from_millis(500), Duration::from_secs(30)),
            max_stanza: 4 << 20,
            max_queued: 10_000,
            disco: Disco::default(),
        }
    }
}
