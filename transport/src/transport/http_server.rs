//! The HTTP/1.1 server both VTN listeners run on (our own connection loop over tokio, module
//! `http1`: hyper's server cost a third of an oadrPoll's CPU): the OpenADR endpoints
//! (`/OpenADR2/Simple/2.0b/<Service>`, spec digest §1, §9.1) and the admin API. Plain TCP or
//! TLS; with TLS the client certificate's OpenADR fingerprint goes to the handler.
//!
//! Limits: request body size (413), requests per second per peer address (429), open
//! connections, head and body read time, idle time between requests. Handlers are synchronous
//! and must not panic; a panic is still caught and answered with 500 rather than killing the
//! connection task silently.

use bytes::Bytes;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use super::tls::Acceptor;
use super::Service;

/// What a handler sees of a request.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body (at most the configured limit).
    pub body: Bytes,
    /// The peer's address.
    pub peer: SocketAddr,
    /// OpenADR fingerprint of the TLS client certificate, if any.
    pub fingerprint: Option<String>,
}

/// A handler's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A plain-text answer.
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        HttpResponse {
            status,
            content_type: "text/plain; charset=utf-8",
            body: text.into().into_bytes(),
        }
    }
}

/// Answers requests.
pub trait HttpHandler: Send + Sync + 'static {
    /// Answer one request.
    fn handle(&self, request: HttpRequest) -> HttpResponse;
}

/// Answers OpenADR payloads posted to a service endpoint.
pub trait PayloadHandler: Send + Sync + 'static {
    /// Answer a payload received on `service` from the peer with this TLS fingerprint.
    /// Returns the content type and body.
    fn payload(
        &self,
        service: Service,
        fingerprint: Option<&str>,
        body: &[u8],
    ) -> (&'static str, Vec<u8>);
}

/// Routes `POST /OpenADR2/Simple/2.0b/<Service>` to a [`PayloadHandler`]: 404 for other
/// paths, 405 for other methods. Application errors travel inside the payload with HTTP 200
/// (§9.1.4).
#[derive(Debug)]
pub struct OpenAdrEndpoints<P>(pub P);

impl<P: PayloadHandler> HttpHandler for OpenAdrEndpoints<P> {
    fn handle(&self, r: HttpRequest) -> HttpResponse {
        let path = r.path.split('?').next().unwrap_or("");
        let Some(service) = Service::from_path(path) else {
            return HttpResponse::text(404, format!("no OpenADR 2.0b service at {path}"));
        };
        if r.method != "POST" {
            return HttpResponse::text(405, "OpenADR services take POST (§9.1.3)");
        }
        let (content_type, body) = self.0.payload(service, r.fingerprint.as_deref(), &r.body);
        HttpResponse {
            status: 200,
            content_type,
            body,
        }
    }
}

/// Server limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted request body, bytes.
    pub max_body: usize,
    /// Requests per second allowed per peer address (0: unlimited), with this burst.
    pub rate_per_second: u32,
    /// Burst allowance for the rate limit.
    pub burst: u32,
    /// Most connections open at once; more are closed on accept.
    pub max_connections: usize,
    /// Time allowed to read a request's head from its first byte, then its body, and a TLS
    /// handshake.
    pub header_timeout: Duration,
    /// A connection idle this long between requests is closed.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 1 << 20,
            rate_per_second: 0,
            burst: 0,
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
        }
    }
}

/// Token buckets per peer address.
#[derive(Debug)]
struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    fn allow(&self, ip: IpAddr) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if b.len() > 100_000 {
            // bounded memory: forget idle peers
            b.retain(|_, (_, t)| now.duration_since(*t) < Duration::from_secs(60));
        }
        let (tokens, last) = b.entry(ip).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A running listener's shutdown switch.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Sender<bool>);

impl Shutdown {
    /// A switch and the receiver servers watch.
    pub fn new() -> (Shutdown, watch::Receiver<bool>) {
        let (tx, rx) = watch::channel(false);
        (Shutdown(tx), rx)
    }

    /// Stop accepting; open connections finish their current request and close.
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }
}

/// Serve `handler` on `listener` until `shutdown` turns true. With `tls`, every connection
/// is a TLS handshake first; its client certificate's fingerprint goes with each request.
pub async fn serve(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    handler: Arc<dyn HttpHandler>,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
) {
    serve_with(
        listener,
        tls.map(Acceptor::Rustls),
        handler,
        limits,
        shutdown,
    )
    .await
}

/// [`serve`] with any TLS [`Acceptor`] (rustls, or OpenSSL with the `openssl` feature).
pub async fn serve_with(
    listener: TcpListener,
    tls: Option<Acceptor>,
    handler: Arc<dyn HttpHandler>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let limiter = Arc::new(RateLimiter {
        per_second: f64::from(limits.rate_per_second),
        burst: f64::from(limits.burst.max(limits.rate_per_second).max(1)),
        buckets: Mutex::new(HashMap::new()),
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let limits = Arc::new(limits);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => return,
        };
        if *shutdown.borrow() {
            return;
        }
        let (tcp, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!("connection from {peer} refused: too many open connections");
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let handler = handler.clone();
        let limiter = limiter.clone();
        let limits = limits.clone();
        let tls = tls.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => connection(tcp, peer, None, handler, limiter, limits, stop).await,
                Some(Acceptor::Rustls(acceptor)) => {
                    let hs = tokio::time::timeout(limits.header_timeout, acceptor.accept(tcp));
                    match hs.await {
                        Ok(Ok(stream)) => {
                            let fp = stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|c| c.first())
                                .map(|c| crate::sign::Fingerprint::of_der(c.as_ref()).to_string());
                            connection(stream, peer, fp, handler, limiter, limits, stop).await
                        }
                        Ok(Err(e)) => tracing::info!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::info!("TLS handshake with {peer} timed out"),
                    }
                }
                #[cfg(feature = "openssl")]
                Some(Acceptor::OpenSsl(acceptor)) => {
                    let hs =
                        tokio::time::timeout(limits.header_timeout, openssl_accept(&acceptor, tcp));
                    match hs.await {
                        Ok(Ok(stream)) => {
                            let fp = crate::transport::tls::openssl::peer_fingerprint(stream.ssl());
                            connection(stream, peer, fp, handler, limiter, limits, stop).await
                        }
                        Ok(Err(e)) => tracing::info!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::info!("TLS handshake with {peer} timed out"),
                    }
                }
            }
        });
    }
}

#[cfg(feature = "openssl")]
async fn openssl_accept(
    acceptor: &::openssl::ssl::SslAcceptor,
    tcp: tokio::net::TcpStream,
) -> Result<tokio_openssl::SslStream<tokio::net::TcpStream>, String> {
    let ssl = ::openssl::ssl::Ssl::new(acceptor.context()).map_err(|e| e.to_string())?;
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
    std::pin::Pin::new(&mut stream)
        .accept()
        .await
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    fingerprint: Option<String>,
    handler: Arc<dyn HttpHandler>,
    limiter: Arc<RateLimiter>,
    limits: Arc<Limits>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let stopped = async move {
        let _ = stop.changed().await;
    };
    let ip = peer.ip();
    let peer = super::http1::Peer {
        addr: peer,
        fingerprint,
    };
    super::http1::serve(
        stream,
        peer,
        &limits,
        stopped,
        || limiter.allow(ip),
        |request| handler.handle(request),
    )
    .await;
}
