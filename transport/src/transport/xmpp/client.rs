//! The running client: one task owns the session, reconnects with backoff, keeps every
//! request queued until its IQ result arrives (re-sending it after a reconnect), answers
//! disco and ping itself, keeps the connection alive with XEP-0199 pings and hands every
//! other IQ get/set to the application as an [`IncomingIq`].

use super::connect::{self, Session};
use super::disco::{self, NS_PING};
use super::xml::{embeddable, escape, Element, Frame};
use super::{Jid, StanzaError, XmppConfig, XmppError};
use std::collections::BTreeMap;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Where the client stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Opening a session.
    Connecting,
    /// Bound to this full JID.
    Online(Jid),
    /// The last attempt failed (why); the next one follows after a backoff.
    Disconnected(String),
    /// Stopped for good.
    Stopped,
}

/// An IQ result.
#[derive(Debug, Clone)]
pub struct IqReply {
    /// The sender.
    pub from: Option<Jid>,
    /// The whole `<iq type='result'>`.
    pub stanza: Element,
}

impl IqReply {
    /// The result's child element, if any.
    pub fn payload(&self) -> Option<&Element> {
        self.stanza.children.first()
    }

    /// The child's exact bytes as a standalone document (see [`Element::payload_bytes`]).
    pub fn payload_bytes(&self) -> Option<Vec<u8>> {
        self.payload().map(|c| self.stanza.payload_bytes(c))
    }
}

/// An IQ get or set from a peer, for the application to answer.
#[derive(Debug)]
pub struct IncomingIq {
    /// The sender's full JID (as stamped by the server).
    pub from: Jid,
    /// `true` for `type='set'`, `false` for `get`.
    pub set: bool,
    /// The whole `<iq>`.
    pub stanza: Element,
    id: String,
    answers: mpsc::UnboundedSender<Answer>,
    answered: bool,
}

impl IncomingIq {
    /// The request's child element.
    pub fn payload(&self) -> Option<&Element> {
        self.stanza.children.first()
    }

    /// The child's exact bytes as a standalone document (see [`Element::payload_bytes`]).
    pub fn payload_bytes(&self) -> Vec<u8> {
        self.payload()
            .map(|c| self.stanza.payload_bytes(c))
            .unwrap_or_default()
    }

    /// Answer with `<iq type='result'>` holding `payload` (an XML document; its declaration
    /// is dropped). A payload that cannot be embedded becomes an internal-server-error.
    pub fn reply(mut self, payload: Option<&[u8]>) {
        let body = match payload.map(embeddable).transpose() {
            Ok(b) => Ok(b.unwrap_or("").to_owned()),
            Err(e) => Err(StanzaError {
                text: Some(e.to_string()),
                ..StanzaError::new("wait", "internal-server-error")
            }),
        };
        self.send(body);
    }

    /// Answer with `<iq type='error'>`.
    pub fn reply_error(mut self, e: StanzaError) {
        self.send(Err(e));
    }

    fn send(&mut self, body: Result<String, StanzaError>) {
        self.answered = true;
        let _ = self.answers.send(Answer {
            to: self.from.clone(),
            id: self.id.clone(),
            body,
        });
    }
}

impl Drop for IncomingIq {
    fn drop(&mut self) {
        if !self.answered {
            // RFC 6120 §8.2.3: every get/set gets a result or an error.
            self.send(Err(StanzaError::new("wait", "internal-server-error")));
        }
    }
}

struct Answer {
    to: Jid,
    id: String,
    body: Result<String, StanzaError>,
}

enum Cmd {
    Iq {
        to: Jid,
        set: bool,
        body: String,
        reply: oneshot::Sender<Result<IqReply, XmppError>>,
    },
    Stop,
}

struct Pending {
    to: Jid,
    set: bool,
    body: String,
    /// `None` for our own keepalive pings.
    reply: Option<oneshot::Sender<Result<IqReply, XmppError>>>,
    /// When it went out on the current session (`None`: not yet).
    sent: Option<Instant>,
}

/// A handle to the client task. Clones share it; the task stops with [`XmppClient::stop`]
/// or when every handle and the incoming receiver are gone.
#[derive(Debug, Clone)]
pub struct XmppClient {
    cmd: mpsc::Sender<Cmd>,
    status: watch::Receiver<Status>,
}

impl XmppClient {
    /// Start the client task (it connects in the background). Returns the handle and the
    /// stream of IQ requests from peers.
    pub fn start(cfg: XmppConfig) -> (XmppClient, mpsc::Receiver<IncomingIq>) {
        let (cmd_tx, cmd_rx) = mpsc::channel(256);
        let (in_tx, in_rx) = mpsc::channel(256);
        let (st_tx, st_rx) = watch::channel(Status::Connecting);
        tokio::spawn(run(cfg, cmd_rx, in_tx, st_tx));
        (
            XmppClient {
                cmd: cmd_tx,
                status: st_rx,
            },
            in_rx,
        )
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Wait until a session is up; returns the bound full JID.
    pub async fn online(&self) -> Result<Jid, XmppError> {
        let mut rx = self.status.clone();
        loop {
            match rx.borrow_and_update().clone() {
                Status::Online(j) => return Ok(j),
                Status::Stopped => return Err(XmppError::Stopped),
                _ => {}
            }
            rx.changed().await.map_err(|_| XmppError::Stopped)?;
        }
    }

    /// Watch status changes.
    pub fn watch(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// Send `<iq type='set'>` with `payload` (an XML document, e.g. an `oadrPayload`) to `to`
    /// and wait for its result. While disconnected the request waits in the queue; after a
    /// reconnect it is sent again, so a peer may see it twice (same id) but an acknowledged
    /// request is never lost. Fails with [`XmppError::Timeout`] when no answer comes within
    /// the configured IQ timeout of its (last) transmission.
    pub async fn iq_set(&self, to: &Jid, payload: &[u8]) -> Result<IqReply, XmppError> {
        let body = embeddable(payload)?.to_owned();
        self.iq(to, true, body).await
    }

    /// Send `<iq type='get'>` with an XML child.
    pub async fn iq_get(&self, to: &Jid, child: &str) -> Result<IqReply, XmppError> {
        self.iq(to, false, child.to_owned()).await
    }

    async fn iq(&self, to: &Jid, set: bool, body: String) -> Result<IqReply, XmppError> {
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(Cmd::Iq {
                to: to.clone(),
                set,
                body,
                reply: tx,
            })
            .await
            .map_err(|_| XmppError::Stopped)?;
        rx.await.map_err(|_| XmppError::Stopped)?
    }

    /// XEP-0030 `disco#info`: the features `to` advertises.
    pub async fn disco_features(
        &self,
        to: &Jid,
        node: Option<&str>,
    ) -> Result<Vec<String>, XmppError> {
        let r = self.iq_get(to, &disco::info_query(node)).await?;
        Ok(r.payload().map(disco::features).unwrap_or_default())
    }

    /// XEP-0030 `disco#items`.
    pub async fn disco_items(
        &self,
        to: &Jid,
        node: Option<&str>,
    ) -> Result<Vec<disco::DiscoItem>, XmppError> {
        let r = self.iq_get(to, &disco::items_query(node)).await?;
        match r.payload() {
            Some(q) => disco::items(q),
            None => Ok(Vec::new()),
        }
    }

    /// XEP-0199 ping.
    pub async fn ping(&self, to: &Jid) -> Result<(), XmppError> {
        self.iq_get(to, &format!("<ping xmlns='{NS_PING}'/>"))
            .await
            .map(|_| ())
    }

    /// Close the session and stop the task (queued requests fail with
    /// [`XmppError::Stopped`]).
    pub async fn stop(&self) {
        let _ = self.cmd.send(Cmd::Stop).await;
        let mut rx = self.status.clone();
        while *rx.borrow_and_update() != Status::Stopped {
            if rx.changed().await.is_err() {
                break;
            }
        }
    }
}

struct Task {
    cfg: XmppConfig,
    cmds: mpsc::Receiver<Cmd>,
    incoming: mpsc::Sender<IncomingIq>,
    answers_tx: mpsc::UnboundedSender<Answer>,
    answers: mpsc::UnboundedReceiver<Answer>,
    status: watch::Sender<Status>,
    pending: BTreeMap<u64, Pending>,
    next_id: u64,
    stop: bool,
}

/// Why a session ended.
enum End {
    Stop,
    Lost(XmppError),
}

async fn run(
    cfg: XmppConfig,
    cmds: mpsc::Receiver<Cmd>,
    incoming: mpsc::Sender<IncomingIq>,
    status: watch::Sender<Status>,
) {
    let (answers_tx, answers) = mpsc::unbounded_channel();
    let mut t = Task {
        cfg,
        cmds,
        incoming,
        answers_tx,
        answers,
        status,
        pending: BTreeMap::new(),
        next_id: 1,
        stop: false,
    };
    let mut backoff = t.cfg.reconnect.0;
    while !t.stop {
        let _ = t.status.send(Status::Connecting);
        let session = {
            let cfg = t.cfg.clone();
            let connecting = connect::connect(&cfg);
            tokio::pin!(connecting);
            loop {
                tokio::select! {
                    r = &mut connecting => break Some(r),
                    c = t.cmds.recv() => if !t.command(c) { break None },
                }
            }
        };
        let Some(session) = session else { break };
        match session {
            Ok(mut s) => {
                backoff = t.cfg.reconnect.0;
                tracing::info!(jid = %s.jid, sasl = s.mechanism, "XMPP session open");
                let _ = t.status.send(Status::Online(s.jid.clone()));
                match t.serve(&mut s).await {
                    End::Stop => {
                        s.close().await;
                        break;
                    }
                    End::Lost(e) => {
                        tracing::warn!(error = %e, "XMPP session lost; reconnecting");
                        let _ = t.status.send(Status::Disconnected(e.to_string()));
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "XMPP connection failed");
                let _ = t.status.send(Status::Disconnected(e.to_string()));
            }
        }
        // Every request goes out again on the next session.
        for p in t.pending.values_mut() {
            p.sent = None;
        }
        t.pending.retain(|_, p| p.reply.is_some());
        let wake = tokio::time::sleep(backoff);
        tokio::pin!(wake);
        loop {
            tokio::select! {
                _ = &mut wake => break,
                c = t.cmds.recv() => if !t.command(c) { break },
            }
        }
        backoff = (backoff * 2).min(t.cfg.reconnect.1);
    }
    for (_, p) in std::mem::take(&mut t.pending) {
        if let Some(r) = p.reply {
            let _ = r.send(Err(XmppError::Stopped));
        }
    }
    let _ = t.status.send(Status::Stopped);
}

impl Task {
    /// Queue a command; `false` when the client must stop.
    fn command(&mut self, c: Option<Cmd>) -> bool {
        match c {
            Some(Cmd::Iq {
                to,
                set,
                body,
                reply,
            }) => {
                if self.pending.len() >= self.cfg.max_queued {
                    let _ = reply.send(Err(XmppError::QueueFull(self.cfg.max_queued)));
                } else {
                    let id = self.next_id;
                    self.next_id += 1;
                    self.pending.insert(
                        id,
                        Pending {
                            to,
                            set,
                            body,
                            reply: Some(reply),
                            sent: None,
                        },
                    );
                }
                true
            }
            Some(Cmd::Stop) | None => {
                self.stop = true;
                false
            }
        }
    }

    async fn serve(&mut self, s: &mut Session) -> End {
        let mut last_rx = Instant::now();
        let tick = (self.cfg.ping_interval / 4).clamp(
            std::time::Duration::from_millis(50),
            std::time::Duration::from_secs(1),
        );
        let mut ticker = tokio::time::interval(tick);
        loop {
            if let Err(e) = self.flush(s).await {
                return End::Lost(e);
            }
            tokio::select! {
                f = s.read() => match f {
                    Ok(Frame::Stanza(el)) => {
                        last_rx = Instant::now();
                        if let Err(e) = self.stanza(s, el).await {
                            return End::Lost(e);
                        }
                    }
                    Ok(Frame::End) => return End::Lost(XmppError::Closed),
                    Ok(Frame::Header(_)) => {
                        return End::Lost(XmppError::Protocol("a second stream header".into()))
                    }
                    Err(e) => return End::Lost(e),
                },
                c = self.cmds.recv() => if !self.command(c) { return End::Stop },
                a = self.answers.recv() => if let Some(a) = a {
                    if let Err(e) = s.write(answer_xml(&a).as_bytes()).await {
                        return End::Lost(e);
                    }
                },
                _ = ticker.tick() => {
                    if let Err(e) = self.expire(&s.jid) {
                        return End::Lost(e);
                    }
                    let pinging = self.pending.values().any(|p| p.reply.is_none());
                    if !pinging && last_rx.elapsed() >= self.cfg.ping_interval {
                        let id = self.next_id;
                        self.next_id += 1;
                        self.pending.insert(id, Pending {
                            to: s.jid.domain_jid(),
                            set: false,
                            body: format!("<ping xmlns='{NS_PING}'/>"),
                            reply: None,
                            sent: None,
                        });
                    }
                }
            }
        }
    }

    /// Send every request not yet sent on this session.
    async fn flush(&mut self, s: &mut Session) -> Result<(), XmppError> {
        let mut out = String::new();
        let now = Instant::now();
        for (id, p) in self.pending.iter_mut().filter(|(_, p)| p.sent.is_none()) {
            out.push_str(&format!(
                "<iq type='{}' id='oadr-{id}' to='{}'>{}</iq>",
                if p.set { "set" } else { "get" },
                escape(&p.to.to_string()),
                p.body
            ));
            p.sent = Some(now);
        }
        if !out.is_empty() {
            s.write(out.as_bytes()).await?;
        }
        Ok(())
    }

    /// Fail requests unanswered for the IQ timeout; an unanswered keepalive ping means the
    /// connection is dead.
    fn expire(&mut self, _me: &Jid) -> Result<(), XmppError> {
        let timeout = self.cfg.iq_timeout;
        let late: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.sent.is_some_and(|t| t.elapsed() >= timeout))
            .map(|(id, _)| *id)
            .collect();
        for id in late {
            if let Some(p) = self.pending.remove(&id) {
                match p.reply {
                    Some(r) => {
                        let _ = r.send(Err(XmppError::Timeout(format!("IQ to {}", p.to))));
                    }
                    None => return Err(XmppError::Timeout("keepalive ping".into())),
                }
            }
        }
        Ok(())
    }

    async fn stanza(&mut self, s: &mut Session, el: Element) -> Result<(), XmppError> {
        if el.name == "error" && el.ns == super::xml::NS_STREAM {
            return Err(connect::stream_error(&el));
        }
        if el.name != "iq" || el.ns != super::xml::NS_CLIENT {
            return Ok(()); // message, presence: OpenADR uses IQs only (§9.3)
        }
        let from: Option<Jid> = el.attr("from").and_then(|f| f.parse().ok());
        let id = el.attr("id").unwrap_or("").to_owned();
        match el.attr("type") {
            Some("result") | Some("error") => {
                self.response(&s.jid, from, &id, el);
                Ok(())
            }
            Some(t @ ("get" | "set")) => {
                let set = t == "set";
                let Some(from) = from else {
                    return Ok(()); // from the server itself without address: nothing to do
                };
                if el.children.len() != 1 {
                    let a = Answer {
                        to: from,
                        id,
                        body: Err(StanzaError::new("modify", "bad-request")),
                    };
                    return s.write(answer_xml(&a).as_bytes()).await;
                }
                let child = &el.children[0];
                let own = if !set && child.name == "ping" && child.ns == NS_PING {
                    Some(Ok(String::new()))
                } else if !set {
                    self.cfg.disco.answer(child)
                } else {
                    None
                };
                if let Some(body) = own {
                    let a = Answer { to: from, id, body };
                    return s.write(answer_xml(&a).as_bytes()).await;
                }
                let iq = IncomingIq {
                    from,
                    set,
                    stanza: el,
                    id,
                    answers: self.answers_tx.clone(),
                    answered: false,
                };
                if let Err(e) = self.incoming.try_send(iq) {
                    let mut iq = match e {
                        mpsc::error::TrySendError::Full(iq)
                        | mpsc::error::TrySendError::Closed(iq) => iq,
                    };
                    iq.send(Err(StanzaError::new("wait", "resource-constraint")));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn response(&mut self, me: &Jid, from: Option<Jid>, id: &str, el: Element) {
        let Some(n) = id.strip_prefix("oadr-").and_then(|n| n.parse::<u64>().ok()) else {
            return;
        };
        let Some(p) = self.pending.get(&n) else {
            return;
        };
        // RFC 6120 §8.1.2.1: the answer comes from whom we asked (or, for our own account or
        // server, may carry no from).
        let ok_from = match &from {
            Some(f) => *f == p.to || (p.to == me.bare() && *f == me.bare()),
            None => p.to == me.bare() || p.to == me.domain_jid(),
        };
        if !ok_from {
            tracing::warn!(id, ?from, to = %p.to, "IQ answer from the wrong sender ignored");
            return;
        }
        let Some(p) = self.pending.remove(&n) else {
            return;
        };
        let result = if el.attr("type") == Some("error") {
            Err(XmppError::Stanza(StanzaError::parse(&el)))
        } else {
            Ok(IqReply { from, stanza: el })
        };
        if let Some(r) = p.reply {
            let _ = r.send(result);
        }
    }
}

fn answer_xml(a: &Answer) -> String {
    let to = escape(&a.to.to_string());
    let id = escape(&a.id);
    match &a.body {
        Ok(body) => format!("<iq type='result' id='{id}' to='{to}'>{body}</iq>"),
        Err(e) => format!("<iq type='error' id='{id}' to='{to}'>{}</iq>", e.to_xml()),
    }
}
