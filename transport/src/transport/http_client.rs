//! The HTTP/1.1 client of simple-HTTP pull mode (spec digest §1, §9.1): POSTs a payload to
//! `<VTN URL>/OpenADR2/Simple/2.0b/<Service>` with `Content-Type: application/xml`, over
//! plain TCP or TLS, keeping one connection alive. Network errors, timeouts and 5xx answers
//! are retried with exponential backoff (§9.1.6–7 leave the values to local policy); other
//! HTTP statuses are returned as errors at once.

use super::tls::Connector;
use super::{Service, CONTENT_TYPE, PATH_PREFIX};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Largest response body accepted.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why an exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The VTN URL is not `http://` or `https://` with a host.
    #[error("invalid VTN URL {0:?}")]
    InvalidUrl(String),
    /// TCP connection failed.
    #[error("connecting to {addr}: {source}")]
    Connect {
        /// host:port.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TLS handshake failed (certificate refused, no shared suite...).
    #[error("TLS handshake with {addr}: {reason}")]
    Tls {
        /// host:port.
        addr: String,
        /// rustls' reason.
        reason: String,
    },
    /// No answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// HTTP protocol error (connection closed mid-exchange...).
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    /// The VTN answered with a non-200 status (transport-level refusal, §9.1.4).
    #[error("HTTP status {status} from the VTN: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the body, for logs.
        body: String,
    },
    /// The response body exceeds [`MAX_BODY`].
    #[error("response body larger than {MAX_BODY} bytes")]
    BodyTooLarge,
}

impl HttpError {
    /// Whether another attempt may succeed (network errors, timeouts, 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Connect { .. } | HttpError::Timeout(_) | HttpError::Http(_) => true,
            HttpError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// How failed exchanges are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total attempts (at least 1).
    pub attempts: u32,
    /// Delay before the second attempt; doubled for each further one.
    pub first_delay: Duration,
    /// Longest delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

#[derive(Debug, Clone)]
struct Target {
    tls: bool,
    host: String,
    port: u16,
    /// Path prefix to which the service name is appended.
    prefix: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, HttpError> {
        let bad = || HttpError::InvalidUrl(url.to_owned());
        let uri: hyper::Uri = url.parse().map_err(|_| bad())?;
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad()),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(bad)?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let path = uri.path().trim_end_matches('/');
        // Accept both the VTN root and the full 2.0b prefix (OpenLEADR's vtn_url style).
        let full = PATH_PREFIX.trim_end_matches('/');
        let prefix = if path.ends_with(full) {
            format!("{path}/")
        } else {
            format!("{path}{PATH_PREFIX}")
        };
        Ok(Target {
            tls,
            host,
            port,
            prefix,
        })
    }

    fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// A simple-HTTP client for one VTN.
pub struct HttpClient {
    target: Target,
    tls: Option<Connector>,
    conn: tokio::sync::Mutex<Option<SendRequest<Full<Bytes>>>>,
    /// Time allowed for one attempt (connect + exchange).
    pub timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("target", &self.target)
            .field("tls", &self.tls.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HttpClient {
    /// A client for `vtn_url` (`http://host:port[/prefix]` or `https://...`; for https a
    /// TLS configuration is required).
    pub fn new(vtn_url: &str, tls: Option<rustls::ClientConfig>) -> Result<HttpClient, HttpError> {
        let connector =
            tls.map(|c| Connector::Rustls(tokio_rustls::TlsConnector::from(Arc::new(c))));
        HttpClient::with_connector(vtn_url, connector)
    }

    /// [`HttpClient::new`] with any TLS [`Connector`] (rustls, or OpenSSL with the `openssl`
    /// feature).
    pub fn with_connector(vtn_url: &str, tls: Option<Connector>) -> Result<HttpClient, HttpError> {
        let target = Target::parse(vtn_url)?;
        if target.tls && tls.is_none() {
            return Err(HttpError::InvalidUrl(format!(
                "{vtn_url} (https needs a TLS configuration)"
            )));
        }
        Ok(HttpClient {
            tls: tls.filter(|_| target.tls),
            target,
            conn: tokio::sync::Mutex::new(None),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        })
    }

    /// The URL a service is reached at.
    pub fn url(&self, service: Service) -> String {
        let scheme = if self.target.tls { "https" } else { "http" };
        format!(
            "{scheme}://{}{}{}",
            self.target.addr(),
            self.target.prefix,
            service.name()
        )
    }

    /// POST `body` to `service` and return the response body, retrying per
    /// [`HttpClient::retry`].
    pub async fn post(&self, service: Service, body: Bytes) -> Result<Bytes, HttpError> {
        let mut delay = self.retry.first_delay;
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(service, body.clone()).await {
                Ok(b) => return Ok(b),
                Err(e) if e.is_retryable() && attempt < attempts => {
                    tracing::debug!(attempt, error = %e, "retrying {service}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.retry.max_delay);
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn attempt(&self, service: Service, body: Bytes) -> Result<Bytes, HttpError> {
        match tokio::time::timeout(self.timeout, self.exchange(service, body)).await {
            Ok(r) => r,
            Err(_) => {
                *self.conn.lock().await = None;
                Err(HttpError::Timeout(self.timeout))
            }
        }
    }

    async fn exchange(&self, service: Service, body: Bytes) -> Result<Bytes, HttpError> {
        let mut guard = self.conn.lock().await;
        let mut sender = match guard.take() {
            Some(s) if !s.is_closed() => s,
            _ => self.connect().await?,
        };
        let result = async {
            sender.ready().await?;
            let req = hyper::Request::post(format!("{}{}", self.target.prefix, service.name()))
                .header(hyper::header::HOST, self.target.addr())
                .header(hyper::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(Full::new(body))
                .map_err(|_| HttpError::InvalidUrl(self.url(service)))?;
            let resp = sender.send_request(req).await?;
            let status = resp.status().as_u16();
            let body = Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| match e.downcast::<hyper::Error>() {
                    Ok(h) => HttpError::Http(*h),
                    Err(_) => HttpError::BodyTooLarge,
                })?
                .to_bytes();
            if status != 200 {
                let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                return Err(HttpError::Status { status, body: text });
            }
            Ok(body)
        }
        .await;
        // Keep the connection for the next exchange unless it broke.
        if !matches!(result, Err(HttpError::Http(_))) {
            *guard = Some(sender);
        }
        result
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, HttpError> {
        let addr = self.target.addr();
        let tcp = TcpStream::connect((self.target.host.as_str(), self.target.port))
            .await
            .map_err(|source| HttpError::Connect {
                addr: addr.clone(),
                source,
            })?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            Some(Connector::Rustls(connector)) => {
                let name = rustls::pki_types::ServerName::try_from(self.target.host.clone())
                    .map_err(|e| HttpError::Tls {
                        addr: addr.clone(),
                        reason: e.to_string(),
                    })?;
                let stream = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| HttpError::Tls {
                        addr,
                        reason: e.to_string(),
                    })?;
                handshake(TokioIo::new(stream)).await
            }
            #[cfg(feature = "openssl")]
            Some(Connector::OpenSsl(connector)) => {
                let tls_err = |reason: String| HttpError::Tls {
                    addr: addr.clone(),
                    reason,
                };
                let ssl = connector
                    .configure()
                    .and_then(|c| c.into_ssl(&self.target.host))
                    .map_err(|e| tls_err(e.to_string()))?;
                let mut stream =
                    tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| tls_err(e.to_string()))?;
                std::pin::Pin::new(&mut stream)
                    .connect()
                    .await
                    .map_err(|e| tls_err(e.to_string()))?;
                handshake(TokioIo::new(stream)).await
            }
            None => handshake(TokioIo::new(tcp)).await,
        }
    }
}

async fn handshake<T>(io: T) -> Result<SendRequest<Full<Bytes>>, HttpError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "VTN connection closed");
        }
    });
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_accept_root_or_full_prefix() {
        let c = HttpClient::new("http://127.0.0.1:8080", None).unwrap();
        assert_eq!(
            c.url(Service::EiEvent),
            "http://127.0.0.1:8080/OpenADR2/Simple/2.0b/EiEvent"
        );
        let c = HttpClient::new("http://vtn:80/OpenADR2/Simple/2.0b/", None).unwrap();
        assert_eq!(
            c.url(Service::OadrPoll),
            "http://vtn:80/OpenADR2/Simple/2.0b/OadrPoll"
        );
        let c = HttpClient::new("http://vtn/base", None).unwrap();
        assert_eq!(
            c.url(Service::EiOpt),
            "http://vtn:80/base/OpenADR2/Simple/2.0b/EiOpt"
        );
        assert!(matches!(
            HttpClient::new("ftp://vtn", None),
            Err(HttpError::InvalidUrl(_))
        ));
        assert!(matches!(
            HttpClient::new("https://vtn", None),
            Err(HttpError::InvalidUrl(_))
        ));
        assert!(HttpClient::new("not a url", None).is_err());
    }

    #[test]
    fn retry_classes() {
        assert!(HttpError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(HttpError::Status {
            status: 503,
            body: String::new()
        }
        .is_retryable());
        assert!(!HttpError::Status {
            status: 403,
            body: String::new()
        }
        .is_retryable());
    }
}
