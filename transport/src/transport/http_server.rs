//! The HTTP/1.1 server both VTN listeners run on (hyper 1): the OpenADR endpoints
//! (`/OpenADR2/Simple/2.0b/<Service>`, spec digest §1, §9.1) and the admin API. Plain TCP or
//! TLS; with TLS the client certificate's OpenADR fingerprint goes to the handler.
//!
//! Limits: request body size (413), requests per second per peer address (429), open
//! connections, header read time. Handlers are synchronous and must not panic; a panic is
//! still caught and answered with 500 rather than killing the connection task silently.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
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
    /// Time allowed to read a request's headers, and a TLS handshake.
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 1 << 20,
            rate_per_second: 0,
            burst: 0,
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
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
    let header_timeout = limits.header_timeout;
    let svc = service_fn(move |req: Request<Incoming>| {
        let handler = handler.clone();
        let limiter = limiter.clone();
        let limits = limits.clone();
        let fingerprint = fingerprint.clone();
        async move {
            Ok::<_, std::convert::Infallible>(
                answer(req, peer, fingerprint, &*handler, &limiter, &limits).await,
            )
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!("connection with {peer}: {e}");
            }
        }
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

fn reply(r: HttpResponse) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(r.body)));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    if let Ok(v) = hyper::header::HeaderValue::from_str(r.content_type) {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

async fn answer(
    req: Request<Incoming>,
    peer: SocketAddr,
    fingerprint: Option<String>,
    handler: &dyn HttpHandler,
    limiter: &RateLimiter,
    limits: &Limits,
) -> Response<Full<Bytes>> {
    if !limiter.allow(peer.ip()) {
        let mut r = reply(HttpResponse::text(429, "rate limit exceeded"));
        r.headers_mut().insert(
            hyper::header::RETRY_AFTER,
            hyper::header::HeaderValue::from_static("1"),
        );
        return r;
    }
    let (parts, body) = req.into_parts();
    if parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limits.max_body as u64)
    {
        return reply(HttpResponse::text(413, "request body too large"));
    }
    let body = match Limited::new(body, limits.max_body).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_big = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return reply(if too_big {
                HttpResponse::text(413, "request body too large")
            } else {
                HttpResponse::text(400, format!("reading the request body: {e}"))
            });
        }
    };
    let header = |name: hyper::header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into()),
        authorization: header(hyper::header::AUTHORIZATION),
        content_type: header(hyper::header::CONTENT_TYPE),
        body,
        peer,
        fingerprint,
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler.handle(request)));
    reply(r.unwrap_or_else(|_| HttpResponse::text(500, "internal error")))
}
