//! The VEN runtime: [`VenBuilder`] → [`Ven`], which registers, polls, answers events,
//! reports and opts by itself over simple-HTTP pull, with TLS and XML signatures when
//! certificates are configured. The protocol decisions are the engine's
//! ([`crate::engine::ven`]); this module adds the transport, handlers, data sources and the
//! state file.
//!
//! ```no_run
//! use oadr::model::{Duration, OptType};
//! use oadr::ven::{DataSource, ReportOffer, VenBuilder};
//! # async fn demo(codec: std::sync::Arc<dyn oadr::ven::Codec>) -> Result<(), oadr::ven::VenRuntimeError> {
//! let ven = VenBuilder::new("http://127.0.0.1:8080/OpenADR2/Simple/2.0b", "my-ven")
//!     .codec(codec)
//!     .state_file("ven-state.json")
//!     .on_event(|event, _modified| async move {
//!         println!("event {}", event.event_descriptor.event_id);
//!         OptType::OptIn
//!     })
//!     .report(ReportOffer::telemetry_power(
//!         "meter", "power", Duration::seconds(10), Duration::minutes(5),
//!         DataSource::float(|| async { 1234.0 }),
//!     ))
//!     .build()?;
//! let handle = ven.handle();
//! tokio::spawn(async move { let _ = handle.shutdown().await; });
//! ven.run().await
//! # }
//! ```

pub mod codec;
mod driver;
pub mod push;
pub mod sources;
pub mod state;
pub mod xmpp;

pub use crate::engine::ven::{Notification, OptSpec, OptTarget, Registration, VenError};
pub use codec::{Codec, Envelope, PayloadError};
pub use sources::{BoxFuture, DataSource, ReportOffer};

use crate::engine::ven::{VenConfig, VenEngine};
use crate::engine::{Clock, SystemClock};
use crate::model::{Event, OptType};
use crate::sign::{Fingerprint, Signer, Trust, Verifier, VerifyOptions};
use crate::transport::http_client::{HttpClient, HttpError};
use crate::transport::tls::{self, client::ClientIdentity, PeerTrust, TlsError};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

/// Errors setting up or running the VEN.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VenRuntimeError {
    /// TLS files or configuration.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The VTN URL.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Signing key or certificate.
    #[error("signing: {0}")]
    Sign(#[from] crate::sign::Error),
    /// The state file.
    #[error("state file: {0}")]
    State(String),
    /// Inconsistent options.
    #[error("configuration: {0}")]
    Config(String),
    /// No payload codec was given and none is built in.
    #[error("no payload codec configured")]
    NoCodec,
}

pub(crate) enum Command {
    CreateOpt(Box<OptSpec>, oneshot::Sender<Result<String, VenError>>),
    CancelOpt(String, oneshot::Sender<Result<(), VenError>>),
    CancelRegistration(oneshot::Sender<Result<(), VenError>>),
    Shutdown,
}

/// Builds a [`Ven`].
pub struct VenBuilder {
    vtn_url: String,
    config: VenConfig,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    vtn_fingerprint: Option<Fingerprint>,
    ca_file: Option<PathBuf>,
    state_file: Option<PathBuf>,
    on_event: Option<sources::EventHandler>,
    on_notify: Option<sources::NotificationHandler>,
    offers: Vec<ReportOffer>,
    codec: Option<Arc<dyn Codec>>,
    clock: Arc<dyn Clock>,
    timeout: Option<std::time::Duration>,
    tls_backend: tls::Backend,
    push_listen: Option<std::net::SocketAddr>,
    transport_address: Option<String>,
    xmpp: Option<xmpp::XmppVenConfig>,
}

impl VenBuilder {
    /// A VEN named `ven_name` for the VTN at `vtn_url` (its root or the full
    /// `/OpenADR2/Simple/2.0b` prefix).
    pub fn new(vtn_url: impl Into<String>, ven_name: impl Into<String>) -> VenBuilder {
        let mut config = VenConfig::new(ven_name);
        config.seed = seed();
        VenBuilder {
            vtn_url: vtn_url.into(),
            config,
            cert: None,
            key: None,
            vtn_fingerprint: None,
            ca_file: None,
            state_file: None,
            on_event: None,
            on_notify: None,
            offers: Vec::new(),
            codec: None,
            clock: Arc::new(SystemClock),
            timeout: None,
            tls_backend: tls::Backend::default(),
            push_listen: None,
            transport_address: None,
            xmpp: None,
        }
    }

    /// The TLS implementation for `https` VTN URLs (and the push endpoint): rustls (default)
    /// or, with the `openssl` feature, OpenSSL offering the spec's TLS 1.2 CBC suites (spec
    /// digest §10).
    pub fn tls_backend(mut self, backend: tls::Backend) -> Self {
        self.tls_backend = backend;
        self
    }

    /// HTTP push (spec digest §2): register with `oadrHttpPullModel=false` and receive the
    /// VTN's payloads on an endpoint listening at `listen` (port 0: any free port), over TLS
    /// with client certificates when the VTN URL is `https` (the VEN's certificate is then
    /// its server certificate too). No oadrPoll is sent.
    pub fn push(mut self, listen: std::net::SocketAddr) -> Self {
        self.push_listen = Some(listen);
        self
    }

    /// The `oadrTransportAddress` to advertise in push mode (default: `http(s)://` + the
    /// bound listen address; required when listening on an unspecified address).
    pub fn transport_address(mut self, url: impl Into<String>) -> Self {
        self.transport_address = Some(url.into());
        self
    }

    /// Client certificate and key (PEM): used for TLS client authentication and to sign
    /// every payload (`oadrXmlSignature` true).
    pub fn cert_key(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.cert = Some(cert.into());
        self.key = Some(key.into());
        self
    }

    /// Trust the VTN whose certificate has this OpenADR fingerprint (TLS and signatures).
    pub fn vtn_fingerprint(mut self, fp: Fingerprint) -> Self {
        self.vtn_fingerprint = Some(fp);
        self
    }

    /// Trust VTN certificates issued by (or equal to) the certificates in this PEM file.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Persist the registration here, and reuse it at the next start.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// A preassigned venID.
    pub fn ven_id(mut self, id: impl Into<String>) -> Self {
        self.config.ven_id = Some(id.into());
        self
    }

    /// The poll interval used when the VTN requests none (default 10 s).
    pub fn default_poll_interval(mut self, d: chrono::Duration) -> Self {
        self.config.default_poll_interval = d;
        self
    }

    /// The maximum random delay added to each poll interval (default 1 s).
    pub fn poll_jitter(mut self, d: chrono::Duration) -> Self {
        self.config.poll_jitter = d;
        self
    }

    /// Time allowed for one HTTP attempt (default 10 s).
    pub fn timeout(mut self, d: std::time::Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// The event handler: opt in or out of a new (`false`) or modified (`true`) event.
    /// Without one, every event is opted in.
    pub fn on_event<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Event, bool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = OptType> + Send + 'static,
    {
        self.on_event = Some(Arc::new(move |e, m| Box::pin(f(e, m))));
        self
    }

    /// Receive every notification (event start/interval/end, cancellations, reports...).
    pub fn on_notification<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Notification) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_notify = Some(Arc::new(move |n| Box::pin(f(n))));
        self
    }

    /// Offer a report.
    pub fn report(mut self, offer: ReportOffer) -> Self {
        self.offers.push(offer);
        self
    }

    /// The payload codec.
    pub fn codec(mut self, codec: Arc<dyn Codec>) -> Self {
        self.codec = Some(codec);
        self
    }

    /// The clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// XMPP (spec digest §3): reach the VTN at `vtn` through the XMPP server `client`
    /// logs in to, instead of HTTP (the VTN URL is then unused). The VEN registers with
    /// `oadrTransportName` xmpp and its full JID, never polls, and signs (with
    /// [`VenBuilder::cert_key`]) in the form the server passes on intact. See
    /// [the module](mod@xmpp).
    pub fn xmpp(
        mut self,
        client: crate::transport::xmpp::XmppConfig,
        vtn: crate::transport::xmpp::Jid,
    ) -> Self {
        self.xmpp = Some(xmpp::XmppVenConfig { client, vtn });
        self
    }

    fn push_acceptor(&self, trust: &PeerTrust) -> Result<tls::Acceptor, VenRuntimeError> {
        let (Some(cert), Some(key)) = (&self.cert, &self.key) else {
            return Err(VenRuntimeError::Config(
                "push over https needs the VEN's certificate and key (its server certificate)"
                    .into(),
            ));
        };
        if trust.is_empty() {
            return Err(VenRuntimeError::Config(
                "push over https needs the VTN's fingerprint or a CA file to authenticate the VTN's client certificate".into(),
            ));
        }
        Ok(tls::Acceptor::new(
            self.tls_backend,
            cert,
            key,
            self.ca_file.as_deref(),
            &trust.fingerprints,
            false,
        )?)
    }

    /// Bind the push endpoint and set the advertised `oadrTransportAddress`.
    fn bind_push(
        &mut self,
        addr: std::net::SocketAddr,
        tls: bool,
    ) -> Result<std::net::TcpListener, VenRuntimeError> {
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| VenRuntimeError::Config(format!("push endpoint {addr}: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| VenRuntimeError::Config(format!("push endpoint {addr}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| VenRuntimeError::Config(format!("push endpoint {addr}: {e}")))?;
        let address = match self.transport_address.take() {
            Some(a) => a,
            None if bound.ip().is_unspecified() => {
                return Err(VenRuntimeError::Config(format!(
                    "listening on {bound}: give the address the VTN should use (transport address)"
                )))
            }
            None => format!("{}://{bound}", if tls { "https" } else { "http" }),
        };
        self.config.http_pull_model = false;
        self.config.transport_address = Some(address);
        Ok(listener)
    }

    /// Check the options, load certificates and the state file.
    pub fn build(mut self) -> Result<Ven, VenRuntimeError> {
        let mut codec = self.codec.take().ok_or(VenRuntimeError::NoCodec)?;
        let xmpp = self.xmpp.take();
        if let Some(x) = &xmpp {
            if self.push_listen.is_some() {
                return Err(VenRuntimeError::Config(
                    "push and xmpp exclude each other".into(),
                ));
            }
            self.config.transport_name = crate::model::TransportName::Xmpp;
            self.config.http_pull_model = false;
            self.config.transport_address = Some(x.full_jid().to_string());
            codec = Arc::new(xmpp::ServerFormCodec(codec));
        }
        let ca = match &self.ca_file {
            Some(p) => tls::load_certs(p)?,
            None => Vec::new(),
        };
        let trust = PeerTrust {
            fingerprints: self.vtn_fingerprint.into_iter().collect(),
            ca: ca.clone(),
        };
        let (identity, signer) = match (&self.cert, &self.key) {
            (Some(c), Some(k)) => {
                let certs = tls::load_certs(c)?;
                let key = tls::load_key(k)?;
                let read = |p: &PathBuf| {
                    std::fs::read(p)
                        .map_err(|e| VenRuntimeError::Config(format!("{}: {e}", p.display())))
                };
                let signer = Signer::from_pem(&read(c)?, &read(k)?)?;
                (Some(ClientIdentity { certs, key }), Some(Arc::new(signer)))
            }
            (None, None) => (None, None),
            _ => {
                return Err(VenRuntimeError::Config(
                    "--cert and --key go together".into(),
                ))
            }
        };
        self.config.xml_signature = signer.is_some();
        let verifier = if let Some(fp) = self.vtn_fingerprint {
            Some(Trust::Fingerprints(vec![fp]))
        } else if !ca.is_empty() {
            let certs = ca
                .iter()
                .map(|c| crate::sign::Certificate::from_der(c.to_vec()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(VenRuntimeError::Config)?;
            Some(Trust::Ca(certs))
        } else {
            None
        }
        .map(|trust| {
            let mut opts = VerifyOptions::new(trust);
            opts.require_signature = signer.is_some();
            Arc::new(Verifier::new(opts))
        });
        let https = self.vtn_url.starts_with("https:");
        let push_tls = match (&self.push_listen, https) {
            (Some(_), true) => Some(self.push_acceptor(&trust)?),
            _ => None,
        };
        let connector = if https {
            Some(tls::Connector::new(self.tls_backend, trust, identity)?)
        } else {
            None
        };
        let push_listener = match self.push_listen {
            Some(addr) => Some(self.bind_push(addr, push_tls.is_some())?),
            None => None,
        };
        let client = if xmpp.is_some() {
            driver::Outbound::XmppPending
        } else {
            let mut client = HttpClient::with_connector(&self.vtn_url, connector)?;
            if let Some(t) = self.timeout {
                client.timeout = t;
            }
            driver::Outbound::Http(client)
        };
        let persisted = match &self.state_file {
            Some(p) => state::load(p).map_err(VenRuntimeError::State)?,
            None => None,
        };
        self.config.offered_reports = self.offers.iter().map(ReportOffer::offered).collect();
        let transport_address = self.config.transport_address.clone();
        let engine = Arc::new(std::sync::Mutex::new(VenEngine::new(
            self.config,
            persisted.clone(),
        )));
        let wake = Arc::new(tokio::sync::Notify::new());
        let envelope = Envelope {
            codec,
            signer,
            verifier,
        };
        let push = push_listener.map(|listener| push::Endpoint {
            listener,
            tls: push_tls,
            inbound: push::Inbound {
                engine: engine.clone(),
                envelope: envelope.clone(),
                clock: self.clock.clone(),
                wake: wake.clone(),
            },
        });
        let xmpp = xmpp.map(|cfg| {
            let inbound = push::Inbound {
                engine: engine.clone(),
                envelope: envelope.clone(),
                clock: self.clock.clone(),
                wake: wake.clone(),
            };
            (cfg, inbound)
        });
        let (tx, rx) = mpsc::channel(16);
        let (reg_tx, reg_rx) = watch::channel(persisted);
        Ok(Ven {
            push,
            xmpp,
            transport_address,
            driver: driver::Driver {
                engine,
                wake,
                client,
                envelope,
                clock: self.clock,
                on_event: self.on_event,
                on_notify: self.on_notify,
                offers: self.offers,
                state_file: self.state_file,
                commands: rx,
                registration: reg_tx,
                stop_requested: false,
            },
            handle: VenHandle {
                tx,
                registration: reg_rx,
            },
        })
    }
}

/// A configured VEN; [`Ven::run`] drives it.
pub struct Ven {
    driver: driver::Driver,
    handle: VenHandle,
    push: Option<push::Endpoint>,
    xmpp: Option<(xmpp::XmppVenConfig, push::Inbound)>,
    transport_address: Option<String>,
}

impl std::fmt::Debug for Ven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ven")
            .field("client", &self.driver.client)
            .finish()
    }
}

impl Ven {
    /// A handle to command the running VEN.
    pub fn handle(&self) -> VenHandle {
        self.handle.clone()
    }

    /// The `oadrTransportAddress` advertised in push mode.
    pub fn transport_address(&self) -> Option<&str> {
        self.transport_address.as_deref()
    }

    /// Run until [`VenHandle::shutdown`].
    pub async fn run(self) -> Result<(), VenRuntimeError> {
        self.run_until(std::future::pending()).await
    }

    /// Run until `shutdown` completes (e.g. SIGINT/SIGTERM) or [`VenHandle::shutdown`].
    pub async fn run_until(
        mut self,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), VenRuntimeError> {
        if let Some((cfg, inbound)) = self.xmpp.take() {
            let (out, incoming) = xmpp::start(&cfg, inbound);
            let client = out.client.clone();
            self.driver.client = driver::Outbound::Xmpp(out);
            let result = self.driver.run(shutdown).await;
            client.stop().await;
            let _ = incoming.await;
            return result;
        }
        let Some(endpoint) = self.push else {
            return self.driver.run(shutdown).await;
        };
        let (stop, stopped) = crate::transport::http_server::Shutdown::new();
        if let Some(a) = &self.transport_address {
            tracing::info!("push endpoint at {a}");
        }
        let server = tokio::spawn(endpoint.serve(stopped));
        let result = self.driver.run(shutdown).await;
        stop.trigger();
        let _ = server.await;
        result
    }
}

/// Commands for a running [`Ven`].
#[derive(Clone, Debug)]
pub struct VenHandle {
    tx: mpsc::Sender<Command>,
    registration: watch::Receiver<Option<Registration>>,
}

/// The VEN is no longer running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the VEN is not running")]
pub struct Stopped;

impl VenHandle {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, Stopped> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(make(tx)).await.map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }

    /// Send an oadrCreateOpt; returns its optID (the VTN's answer arrives as a
    /// [`Notification::OptCreated`]).
    pub async fn create_opt(&self, spec: OptSpec) -> Result<Result<String, VenError>, Stopped> {
        self.ask(|tx| Command::CreateOpt(Box::new(spec), tx)).await
    }

    /// Send an oadrCancelOpt.
    pub async fn cancel_opt(
        &self,
        opt_id: impl Into<String>,
    ) -> Result<Result<(), VenError>, Stopped> {
        let id = opt_id.into();
        self.ask(|tx| Command::CancelOpt(id, tx)).await
    }

    /// Send an oadrCancelPartyRegistration ([`Notification::RegistrationCancelled`] follows).
    pub async fn cancel_registration(&self) -> Result<Result<(), VenError>, Stopped> {
        self.ask(Command::CancelRegistration).await
    }

    /// Stop the VEN after the current exchange.
    pub async fn shutdown(&self) -> Result<(), Stopped> {
        self.tx.send(Command::Shutdown).await.map_err(|_| Stopped)
    }

    /// The current registration (`None` until registered).
    pub fn registration(&self) -> Option<Registration> {
        self.registration.borrow().clone()
    }

    /// Wait until registered (or the VEN stops).
    pub async fn registered(&self) -> Result<Registration, Stopped> {
        let mut rx = self.registration.clone();
        loop {
            if let Some(r) = rx.borrow_and_update().clone() {
                return Ok(r);
            }
            rx.changed().await.map_err(|_| Stopped)?;
        }
    }
}

/// A per-process seed for request ids, jitter and startafter randomisation.
fn seed() -> u64 {
    let mut b = [0u8; 8];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_ok() {
        u64::from_le_bytes(b)
    } else {
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as u64
    }
}
