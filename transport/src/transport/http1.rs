//! The server side of an HTTP/1.1 connection (RFC 9112) for the VTN's listeners: keep-alive,
//! pipelined requests answered in order, bodies framed by `Content-Length` or `chunked`,
//! `Expect: 100-continue`, HTTP/1.0 peers.
//!
//! Why not hyper's server: an oadrPoll answer cost about 26k instructions of user-space work
//! on the VTN, a third of it hyper's per-request machinery (header maps, body channels, task
//! wake-ups). The VTN needs none of that — it reads whole small bodies and answers each with
//! one write — and at concurrency 64 the poll latency (issue 6, p99 ≤ 2 ms) is set by how much
//! CPU each poll costs the server's core. The client side stays on hyper.
//!
//! Strict where framing could be read two ways (request smuggling, RFC 9112 §6.1, §6.3): a
//! request with both `Transfer-Encoding` and `Content-Length`, several different lengths, a
//! length that is not all digits, a transfer coding other than `chunked`, or
//! `Transfer-Encoding` in an HTTP/1.0 request is refused (400, or 501 for an unknown coding)
//! and the connection is closed. Heads larger than [`MAX_HEAD`] get 431.
//!
//! Timeouts: a request's head must arrive within [`Limits::header_timeout`] of its first byte,
//! and its body within the same time after the head; a connection idle between requests is
//! closed after [`Limits::idle_timeout`]. The timer is armed only when a read has to wait, and
//! re-armed at most about once a second per connection, so a busy connection does not touch
//! the timer wheel per request.

use bytes::Bytes;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::http_server::{HttpRequest, HttpResponse, Limits};

/// Largest request head (request line and header fields), bytes.
pub const MAX_HEAD: usize = 16 * 1024;

/// Most header fields in one request head.
const MAX_HEADERS: usize = 64;

/// How far a connection's armed timer may run ahead of its real deadline (it then fires
/// early and is re-armed) before it is reset.
const TIMER_SLACK: Duration = Duration::from_secs(1);

/// Why a connection ends without another request: the peer closed or reset it, a deadline
/// passed, or the server is stopping while the connection was between requests.
#[derive(Debug)]
struct End;

/// A refusal answered before the request reaches the handler; the connection closes after.
#[derive(Debug, PartialEq, Eq)]
struct Refusal(u16, &'static str);

/// What the request head says.
#[derive(Debug)]
struct Head {
    method: String,
    path: String,
    authorization: Option<String>,
    content_type: Option<String>,
    /// `Content-Length`.
    length: Option<usize>,
    chunked: bool,
    expect_continue: bool,
    keep_alive: bool,
    /// Bytes of the head, including its empty line.
    size: usize,
}

/// Who is on the other end, for [`HttpRequest`].
#[derive(Debug)]
pub(crate) struct Peer {
    pub addr: SocketAddr,
    pub fingerprint: Option<String>,
}

/// Serve one connection until the peer closes it, a deadline passes, a refusal closes it, or
/// `stop` completes while it is between requests (a request in progress is answered first).
/// `admit` is asked once per request head (the rate limit: `false` is answered 429).
pub(crate) async fn serve<S>(
    io: S,
    peer: Peer,
    limits: &Limits,
    stop: impl Future<Output = ()> + Send,
    admit: impl Fn() -> bool,
    handle: impl Fn(HttpRequest) -> HttpResponse,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut c = Conn {
        io,
        buf: vec![0; 4096],
        lo: 0,
        hi: 0,
        out: Vec::with_capacity(2048),
        limits,
        timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
        armed: None,
        stop: Box::pin(stop),
        stopping: false,
    };
    loop {
        let head = match c.read_head().await {
            Ok(Ok(h)) => h,
            Ok(Err(refusal)) => return c.refuse(refusal).await,
            Err(End) => return,
        };
        c.lo += head.size;
        if !admit() {
            // The body, if any, stays unread: the connection cannot carry another request.
            let r = HttpResponse::text(429, "rate limit exceeded");
            let _ = c
                .respond(head.method == "HEAD", &r, false, "retry-after: 1\r\n")
                .await;
            return c.close().await;
        }
        if head.length.is_some_and(|n| n > limits.max_body) {
            return c.refuse(Refusal(413, "request body too large")).await;
        }
        let body = match c.read_body(&head).await {
            Ok(Ok(b)) => b,
            Ok(Err(refusal)) => return c.refuse(refusal).await,
            Err(End) => return,
        };
        let head_only = head.method == "HEAD";
        let request = HttpRequest {
            method: head.method,
            path: head.path,
            authorization: head.authorization,
            content_type: head.content_type,
            body,
            peer: peer.addr,
            fingerprint: peer.fingerprint.clone(),
        };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(request)))
            .unwrap_or_else(|_| HttpResponse::text(500, "internal error"));
        if c.respond(head_only, &r, head.keep_alive, "").await.is_err() {
            return;
        }
        if !head.keep_alive {
            return c.close().await;
        }
    }
}

/// A connection's state between reads.
struct Conn<'a, S> {
    io: S,
    /// Received bytes; `buf[lo..hi]` are not consumed yet.
    buf: Vec<u8>,
    lo: usize,
    hi: usize,
    /// The answer being written.
    out: Vec<u8>,
    limits: &'a Limits,
    timer: Pin<Box<Sleep>>,
    /// The instant the timer is armed for, if it is.
    armed: Option<Instant>,
    stop: Pin<Box<dyn Future<Output = ()> + Send + 'a>>,
    stopping: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<'_, S> {
    /// The next request head; `Err` when the connection ends quietly.
    async fn read_head(&mut self) -> Result<Result<Head, Refusal>, End> {
        if self.lo == self.hi {
            // Between requests: idle time, and the moment to give way to a shutdown.
            self.lo = 0;
            self.hi = 0;
            if self.buf.len() > 64 * 1024 {
                // A large body came before: give the memory back.
                self.buf = vec![0; 4096];
            }
            let deadline = Instant::now() + self.limits.idle_timeout;
            self.fill(deadline, true).await?;
        }
        let deadline = Instant::now() + self.limits.header_timeout;
        loop {
            match parse_head(&self.buf[self.lo..self.hi]) {
                Ok(Some(head)) => return Ok(Ok(head)),
                Ok(None) if self.hi - self.lo >= MAX_HEAD => {
                    return Ok(Err(Refusal(431, "request head too large")))
                }
                Ok(None) => self.fill(deadline, false).await?,
                Err(refusal) => return Ok(Err(refusal)),
            }
        }
    }

    /// The body `head` announces, read whole.
    async fn read_body(&mut self, head: &Head) -> Result<Result<Bytes, Refusal>, End> {
        let deadline = Instant::now() + self.limits.header_timeout;
        if head.expect_continue && self.lo == self.hi && (head.chunked || head.length > Some(0)) {
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        }
        if head.chunked {
            return self.read_chunked(deadline).await;
        }
        let n = head.length.unwrap_or(0);
        while self.hi - self.lo < n {
            self.fill(deadline, false).await?;
        }
        let body = Bytes::copy_from_slice(&self.buf[self.lo..self.lo + n]);
        self.lo += n;
        Ok(Ok(body))
    }

    /// A `chunked` body (RFC 9112 §7.1): chunks until the last (size 0), then trailer fields,
    /// which are read and dropped.
    async fn read_chunked(&mut self, deadline: Instant) -> Result<Result<Bytes, Refusal>, End> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(deadline).await?;
            let size = match line.map(|l| chunk_size(&self.buf[l.0..l.1])) {
                Ok(Some(n)) => n,
                Ok(None) => return Ok(Err(Refusal(400, "malformed chunk size"))),
                Err(refusal) => return Ok(Err(refusal)),
            };
            if size == 0 {
                break;
            }
            if body.len().saturating_add(size) > self.limits.max_body {
                return Ok(Err(Refusal(413, "request body too large")));
            }
            while self.hi - self.lo < size + 2 {
                self.fill(deadline, false).await?;
            }
            body.extend_from_slice(&self.buf[self.lo..self.lo + size]);
            if &self.buf[self.lo + size..self.lo + size + 2] != b"\r\n" {
                return Ok(Err(Refusal(400, "chunk data not followed by CRLF")));
            }
            self.lo += size + 2;
        }
        // Trailer fields, up to the empty line.
        let mut trailer = 0;
        loop {
            match self.read_line(deadline).await? {
                Ok((a, b)) if a == b => return Ok(Ok(body.into())),
                Ok((a, b)) => {
                    trailer += b - a;
                    if trailer > MAX_HEAD {
                        return Ok(Err(Refusal(431, "trailer fields too large")));
                    }
                }
                Err(refusal) => return Ok(Err(refusal)),
            }
        }
    }

    /// One CRLF-terminated line: the range of its content in `buf`, consumed with its CRLF.
    async fn read_line(
        &mut self,
        deadline: Instant,
    ) -> Result<Result<(usize, usize), Refusal>, End> {
        loop {
            let pending = &self.buf[self.lo..self.hi];
            if let Some(i) = memchr::memchr(b'\n', pending) {
                if i == 0 || pending[i - 1] != b'\r' {
                    return Ok(Err(Refusal(400, "line not ended by CRLF")));
                }
                let line = (self.lo, self.lo + i - 1);
                self.lo += i + 1;
                return Ok(Ok(line));
            }
            if pending.len() > 1024 {
                return Ok(Err(Refusal(400, "chunk line too long")));
            }
            self.fill(deadline, false).await?;
        }
    }

    /// Read more bytes into `buf[hi..]` (room is made first), waiting until `deadline`.
    /// `idle`: between requests, where a shutdown ends the connection.
    async fn fill(&mut self, deadline: Instant, idle: bool) -> Result<(), End> {
        if self.hi == self.buf.len() {
            if self.lo > 0 {
                self.buf.copy_within(self.lo..self.hi, 0);
                self.hi -= self.lo;
                self.lo = 0;
            } else {
                // Bounded: heads by MAX_HEAD, bodies by max_body (checked by the callers).
                let grown = (self.buf.len() * 2).max(4096);
                self.buf.resize(grown, 0);
            }
        }
        let Conn {
            io,
            buf,
            hi,
            timer,
            armed,
            stop,
            stopping,
            ..
        } = self;
        poll_fn(|cx| {
            if idle {
                if !*stopping && stop.as_mut().poll(cx).is_ready() {
                    *stopping = true;
                }
                if *stopping {
                    return Poll::Ready(Err(End));
                }
            }
            let mut rb = ReadBuf::new(&mut buf[*hi..]);
            match Pin::new(&mut *io).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) if rb.filled().is_empty() => return Poll::Ready(Err(End)),
                Poll::Ready(Ok(())) => {
                    *hi += rb.filled().len();
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Err(_)) => return Poll::Ready(Err(End)),
                Poll::Pending => {}
            }
            loop {
                // Armed later than the deadline, or far earlier: reset it.
                if armed.is_none_or(|at| at > deadline || at + TIMER_SLACK < deadline) {
                    timer.as_mut().reset(deadline);
                    *armed = Some(deadline);
                }
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *armed = None;
                if Instant::now() >= deadline {
                    return Poll::Ready(Err(End));
                }
            }
        })
        .await
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), End> {
        self.io.write_all(bytes).await.map_err(|_| End)
    }

    /// Write an answer (without its body when `head_only`: the answer to a HEAD request);
    /// `extra` are more header lines (CRLF-ended).
    async fn respond(
        &mut self,
        head_only: bool,
        r: &HttpResponse,
        keep_alive: bool,
        extra: &str,
    ) -> Result<(), End> {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let reason = hyper::StatusCode::from_u16(r.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        out.extend_from_slice(b"HTTP/1.1 ");
        decimal_to(&mut out, usize::from(r.status));
        for part in [
            " ",
            reason,
            "\r\ncontent-type: ",
            r.content_type,
            "\r\ncontent-length: ",
        ] {
            out.extend_from_slice(part.as_bytes());
        }
        decimal_to(&mut out, r.body.len());
        out.extend_from_slice(b"\r\ndate: ");
        date::now(&mut out);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(extra.as_bytes());
        if !keep_alive {
            out.extend_from_slice(b"connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if !head_only {
            out.extend_from_slice(&r.body);
        }
        let written = self.write(&out).await;
        self.out = out;
        written
    }

    /// Answer a refusal and close.
    async fn refuse(&mut self, Refusal(status, why): Refusal) {
        let r = HttpResponse::text(status, why);
        if self.respond(false, &r, false, "").await.is_ok() {
            self.close().await;
        }
    }

    async fn close(&mut self) {
        let _ = self.io.shutdown().await;
    }
}

/// Append `n` in decimal.
fn decimal_to(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Parse a complete head at the start of `bytes`; `Ok(None)` when more bytes are needed.
fn parse_head(bytes: &[u8]) -> Result<Option<Head>, Refusal> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    let size = match req.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Refusal(431, "too many header fields")),
        Err(_) => return Err(Refusal(400, "malformed request head")),
    };
    let version = req.version.unwrap_or(1);
    let mut head = Head {
        method: req.method.unwrap_or("").to_owned(),
        path: target_path(req.path.unwrap_or("/")),
        authorization: None,
        content_type: None,
        length: None,
        chunked: false,
        expect_continue: false,
        keep_alive: version == 1,
        size,
    };
    let mut transfer_encoding = false;
    for f in req.headers.iter() {
        let name = f.name;
        if name.eq_ignore_ascii_case("content-length") {
            let n = decimal(f.value).ok_or(Refusal(400, "malformed Content-Length"))?;
            if head.length.is_some_and(|m| m != n) {
                return Err(Refusal(400, "conflicting Content-Length fields"));
            }
            head.length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_encoding = true;
            for coding in f.value.split(|&b| b == b',') {
                if !coding.trim_ascii().eq_ignore_ascii_case(b"chunked") || head.chunked {
                    return Err(Refusal(
                        501,
                        "only the chunked transfer coding is supported",
                    ));
                }
                head.chunked = true;
            }
        } else if name.eq_ignore_ascii_case("connection") {
            for option in f.value.split(|&b| b == b',') {
                let option = option.trim_ascii();
                if option.eq_ignore_ascii_case(b"close") {
                    head.keep_alive = false;
                } else if option.eq_ignore_ascii_case(b"keep-alive") && version == 0 {
                    head.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") {
            if !f.value.trim_ascii().eq_ignore_ascii_case(b"100-continue") {
                return Err(Refusal(417, "only Expect: 100-continue is supported"));
            }
            // HTTP/1.0 peers get no interim answers (RFC 9110 §10.1.1).
            head.expect_continue = version == 1;
        } else if name.eq_ignore_ascii_case("authorization") {
            head.authorization = text(f.value);
        } else if name.eq_ignore_ascii_case("content-type") {
            head.content_type = text(f.value);
        }
    }
    if transfer_encoding && (version == 0 || head.length.is_some()) {
        return Err(Refusal(
            400,
            "Transfer-Encoding with Content-Length or in HTTP/1.0",
        ));
    }
    if transfer_encoding && !head.chunked {
        return Err(Refusal(400, "empty Transfer-Encoding"));
    }
    Ok(Some(head))
}

/// The path and query of a request target: origin form as it is, absolute form without
/// its scheme and authority (RFC 9112 §3.2).
fn target_path(target: &str) -> String {
    let lower = target
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return target.to_owned();
    };
    match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => rest[i..].to_owned(),
        Some(i) => format!("/{}", &rest[i..]),
        None => "/".to_owned(),
    }
}

/// A field value as text when it is visible ASCII, spaces and tabs (what `HeaderValue::to_str`
/// accepted).
fn text(value: &[u8]) -> Option<String> {
    value
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
        .then(|| String::from_utf8_lossy(value).into_owned())
}

/// 1*DIGIT, at most 18 digits (no overflow), surrounding spaces allowed.
fn decimal(value: &[u8]) -> Option<usize> {
    let v = value.trim_ascii();
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0usize, |n, &d| {
        n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    })
}

/// The size of a chunk from its size line (hex digits, then optional `;extensions`).
fn chunk_size(line: &[u8]) -> Option<usize> {
    let hex = line
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii_end();
    if hex.is_empty() || hex.len() > 15 {
        return None;
    }
    hex.iter().try_fold(0usize, |n, &d| {
        n.checked_mul(16)?
            .checked_add((d as char).to_digit(16)? as usize)
    })
}

/// The `Date` field (RFC 9110 §6.6.1), formatted once a second per thread.
mod date {
    use std::cell::RefCell;
    use std::time::{SystemTime, UNIX_EPOCH};

    thread_local! {
        static NOW: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }

    pub(super) fn now(out: &mut Vec<u8>) {
        let t = SystemTime::now();
        let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        NOW.with_borrow_mut(|(at, text)| {
            if *at != secs {
                *at = secs;
                *text = httpdate::fmt_http_date(t);
            }
            out.extend_from_slice(text.as_bytes());
        });
    }
}

#[cfg(test)]
mod tests;
