//! `oadr vtn`: run a VTN (OpenADR endpoints + admin API) until SIGINT/SIGTERM. VENs that
//! register for HTTP push (oadrHttpPullModel=false) get their payloads pushed: no flag needed.

use crate::engine::vtn::{AllowListPolicy, Notification, VtnConfig};
use crate::model::Duration;
use crate::sign::{Certificate, Fingerprint, Signer, Trust, Verifier, VerifyOptions};
use crate::store::Sync;
use crate::transport::http_server::{self, Limits, OpenAdrEndpoints, Shutdown};
use crate::vtn::admin::AdminApi;
use crate::vtn::deliver::{HttpPush, HttpPushTls};
use crate::vtn::push::PushOptions;
use crate::vtn::Vtn;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Run an OpenADR 2.0b VTN.
#[derive(Debug, Args)]
pub struct VtnArgs {
    /// Address for the OpenADR endpoints, e.g. 0.0.0.0:8080.
    #[arg(long)]
    pub listen: SocketAddr,
    /// SQLite database file (created if missing; needs the `sqlite` feature, on by default).
    #[arg(long)]
    pub db: PathBuf,
    /// Address of the admin API (JSON; keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub admin: SocketAddr,
    /// File holding the admin bearer token (else OADR_ADMIN_TOKEN; else one is generated and
    /// printed).
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// Certificate (PEM) to sign payloads with (XML signatures).
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// TLS server certificate (PEM); enables TLS with client certificates.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS server key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// CA certificates (PEM) that VEN certificates chain to; self-signed VEN certificates
    /// listed here are accepted as they are.
    #[arg(long)]
    pub tls_ca: Option<PathBuf>,
    /// TLS implementation of the listener (`openssl*` need `--features openssl`).
    #[arg(long, value_enum, default_value_t)]
    pub tls_backend: super::TlsBackendArg,
    /// A VEN certificate fingerprint allowed to connect and register (repeatable).
    #[arg(long = "allow-fingerprint")]
    pub allow_fingerprint: Vec<String>,
    /// Let any VEN register (tests and demos; logged as a warning).
    #[arg(long)]
    pub accept_any: bool,
    /// vtnID.
    #[arg(long, default_value = "oadr-vtn")]
    pub vtn_id: String,
    /// oadrRequestedOadrPollFreq given to VENs (ISO 8601).
    #[arg(long, default_value = "PT10S")]
    pub poll_freq: String,
    /// Requests per second per peer address (0: unlimited).
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body: usize,
    /// fsync every commit (survives power loss) or not (survives a crash of the process).
    #[arg(long, value_enum, default_value = "full")]
    pub sync: SyncArg,
    /// Payload encoding on the OpenADR endpoints.
    #[arg(long, value_enum, default_value = "xml")]
    pub codec: CodecArg,
    /// Worker threads serving requests (0: one per CPU core). With 1, everything runs on one
    /// single-threaded runtime (no work stealing, no cross-thread wake-ups).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Also serve VENs over XMPP (spec digest §3) as this account, e.g.
    /// `vtn@example.com/oadr`; VENs send to this full JID.
    #[arg(long, requires_all = ["password_file", "xmpp_ca"])]
    pub xmpp_jid: Option<String>,
    /// XMPP: file whose first line is the account's password.
    #[arg(long, requires = "xmpp_jid")]
    pub password_file: Option<PathBuf>,
    /// XMPP: the server as host:port (default: the JID's domain, port 5222).
    #[arg(long, requires = "xmpp_jid")]
    pub xmpp_server: Option<String>,
    /// XMPP: PEM file with the CA (or the certificate) of the XMPP server.
    #[arg(long, requires = "xmpp_jid")]
    pub xmpp_ca: Option<PathBuf>,
}

/// `--sync`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SyncArg {
    /// synchronous=FULL.
    Full,
    /// synchronous=NORMAL.
    Normal,
}

/// `--codec`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CodecArg {
    /// OpenADR 2.0b XML (what VENs speak).
    Xml,
    /// The JSON envelope of `oadr decode` (tools, tests).
    Json,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("oadr vtn: {msg}");
    ExitCode::from(super::EXIT_USAGE)
}

fn admin_token(args: &VtnArgs) -> Result<String, String> {
    if let Some(f) = &args.admin_token_file {
        let t = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let t = t.trim().to_owned();
        if t.is_empty() {
            return Err(format!("{}: empty token", f.display()));
        }
        return Ok(t);
    }
    if let Ok(t) = std::env::var("OADR_ADMIN_TOKEN") {
        if !t.trim().is_empty() {
            return Ok(t.trim().to_owned());
        }
    }
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .map_err(|_| "no randomness for the admin token".to_owned())?;
    let t: String = b.iter().map(|x| format!("{x:02x}")).collect();
    eprintln!("oadr vtn: admin token (set OADR_ADMIN_TOKEN to choose one): {t}");
    Ok(t)
}

fn read(p: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// Run `oadr vtn`.
pub fn run(args: VtnArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn run_inner(args: VtnArgs) -> Result<(), String> {
    let poll: Duration = args
        .poll_freq
        .parse()
        .map_err(|e| format!("--poll-freq: {e}"))?;
    let fingerprints: Vec<Fingerprint> = args
        .allow_fingerprint
        .iter()
        .map(|f| f.parse::<Fingerprint>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--allow-fingerprint: {e}"))?;
    let policy = if args.accept_any {
        tracing::warn!("--accept-any: every VEN may register, whatever its certificate");
        AllowListPolicy::accept_any()
    } else {
        if fingerprints.is_empty() {
            tracing::warn!("no --allow-fingerprint and no --accept-any: no VEN can register");
        }
        AllowListPolicy::new(fingerprints.iter().map(ToString::to_string))
    };
    let token = admin_token(&args)?;
    let store = crate::store::open_file(
        &args.db,
        match args.sync {
            SyncArg::Full => Sync::Full,
            SyncArg::Normal => Sync::Normal,
        },
    )
    .map_err(|e| format!("{}: {e}", args.db.display()))?;
    let seed = {
        let mut b = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
            .map_err(|_| "no randomness".to_owned())?;
        u64::from_le_bytes(b)
    };
    let config = VtnConfig {
        vtn_id: args.vtn_id.clone(),
        poll_frequency: poll,
        id_seed: seed,
        // Push VENs are served by the push loop below (spec digest §2).
        accept_push: true,
        // XMPP VENs are served by the XMPP client below (spec digest §3).
        accept_xmpp: args.xmpp_jid.is_some(),
        ..VtnConfig::default()
    };
    let xmpp = match &args.xmpp_jid {
        Some(jid) => {
            let mut cfg = super::xmpp::config(&super::xmpp::Account {
                jid,
                password_file: args.password_file.as_ref(),
                server: args.xmpp_server.as_deref(),
                ca: args.xmpp_ca.as_deref(),
            })?;
            if !cfg.jid.is_full() {
                cfg.jid = cfg.jid.with_resource("oadr").map_err(|e| e.to_string())?;
            }
            cfg.disco = crate::transport::xmpp::Disco::vtn(&cfg.jid);
            Some(cfg)
        }
        None => None,
    };
    let mut payload_codec = codec(args.codec)?;
    if xmpp.is_some() && matches!(args.codec, CodecArg::Xml) {
        // Signatures must survive the XMPP server's re-serialisation (transport::xmpp::stable).
        payload_codec = Arc::new(crate::vtn::xmpp::ServerFormCodec(payload_codec));
    }
    let mut builder = Vtn::builder(store)
        .config(config)
        .policy(Arc::new(policy))
        .codec(payload_codec)
        .on_notification(log_notification);
    if let (Some(c), Some(k)) = (&args.cert, &args.key) {
        let signer =
            Signer::from_pem(&read(c)?, &read(k)?).map_err(|e| format!("--cert/--key: {e}"))?;
        builder = builder.signer(signer);
        let trust = if !fingerprints.is_empty() {
            Some(Trust::Fingerprints(fingerprints.clone()))
        } else if let Some(ca) = &args.tls_ca {
            let certs =
                Certificate::all_from_pem(&read(ca)?).map_err(|e| format!("--tls-ca: {e}"))?;
            Some(Trust::Ca(certs))
        } else if args.accept_any {
            // Any signer may register, but what it signs must still verify, and its
            // fingerprint is bound to its venID from then on. Unsigned payloads are
            // accepted too (see below): this mode is for tests and demos.
            Some(Trust::AnyCertificate)
        } else {
            None
        };
        match trust {
            Some(t) => {
                let mut options = VerifyOptions::new(t);
                options.require_signature = !args.accept_any;
                builder = builder.verifier(Verifier::new(options));
            }
            None => tracing::warn!(
                "signing answers, but VEN signatures are not verified (no --allow-fingerprint, --tls-ca or --accept-any)"
            ),
        }
    }
    let vtn = builder
        .build()
        .map_err(|e| format!("{}: {e}", args.db.display()))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some(
            crate::transport::tls::Acceptor::new(
                args.tls_backend.into(),
                c,
                k,
                args.tls_ca.as_deref(),
                &fingerprints,
                args.accept_any,
            )
            .map_err(|e| format!("TLS: {e}"))?,
        ),
        _ => None,
    };
    let push_transport = push_transport(&args, &fingerprints)?;
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    };
    let rt = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .map_err(|e| format!("runtime: {e}"))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("--listen {}: {e}", args.listen))?;
        let admin = tokio::net::TcpListener::bind(args.admin)
            .await
            .map_err(|e| format!("--admin {}: {e}", args.admin))?;
        if !args.admin.ip().is_loopback() {
            tracing::warn!("the admin API listens on {} (not loopback)", args.admin);
        }
        let (shutdown, rx) = Shutdown::new();
        let limits = Limits {
            max_body: args.max_body,
            rate_per_second: args.rate_limit,
            burst: args.rate_limit.saturating_mul(2),
            ..Limits::default()
        };
        tracing::info!(
            "VTN {} on {}{} (admin API on {})",
            args.vtn_id,
            if tls.is_some() { "https://" } else { "http://" },
            listener.local_addr().map_err(|e| e.to_string())?,
            admin.local_addr().map_err(|e| e.to_string())?
        );
        let endpoints = tokio::spawn(http_server::serve_with(
            listener,
            tls,
            Arc::new(OpenAdrEndpoints(vtn.clone())),
            limits.clone(),
            rx.clone(),
        ));
        let rx_push = rx.clone();
        let admin_task = tokio::spawn(http_server::serve(
            admin,
            None,
            Arc::new(AdminApi::new(vtn.clone(), token)),
            Limits::default(),
            rx,
        ));
        let mut transports: Vec<Arc<dyn crate::vtn::deliver::Deliver>> = vec![push_transport];
        let xmpp_client = xmpp.map(|cfg| {
            tracing::info!("serving XMPP VENs as {}", cfg.jid);
            let (client, incoming) = crate::transport::xmpp::XmppClient::start(cfg);
            transports.push(Arc::new(crate::vtn::xmpp::XmppDeliver::new(client.clone())));
            let (vtn, stop) = (vtn.clone(), rx_push.clone());
            let task = tokio::spawn(async move { vtn.serve_xmpp(incoming, stop).await });
            (client, task)
        });
        let pusher = {
            let vtn = vtn.clone();
            let stop = rx_push;
            tokio::spawn(async move {
                vtn.push_loop(transports, PushOptions::default(), stop)
                    .await
            })
        };
        let purger = {
            let vtn = vtn.clone();
            tokio::spawn(async move {
                let mut t = tokio::time::interval(std::time::Duration::from_secs(3600));
                loop {
                    t.tick().await;
                    if let Err(e) = vtn.purge() {
                        tracing::warn!("purging old events: {e}");
                    }
                }
            })
        };
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.trigger();
        purger.abort();
        if let Some((client, task)) = xmpp_client {
            client.stop().await;
            let _ = task.await;
        }
        let _ = endpoints.await;
        let _ = admin_task.await;
        let _ = pusher.await;
        Ok::<(), String>(())
    })
}

/// HTTP push to VENs registered with oadrHttpPullModel=false: the VTN's TLS certificate as
/// client certificate; VENs without a bound certificate trusted like VEN clients are.
fn push_transport(
    args: &VtnArgs,
    fingerprints: &[Fingerprint],
) -> Result<Arc<dyn crate::vtn::deliver::Deliver>, String> {
    use crate::transport::tls;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => {
            let certs = tls::load_certs(c).map_err(|e| format!("TLS: {e}"))?;
            let key = tls::load_key(k).map_err(|e| format!("TLS: {e}"))?;
            let ca = match &args.tls_ca {
                Some(p) => tls::load_certs(p).map_err(|e| format!("TLS: {e}"))?,
                None => Vec::new(),
            };
            Some(HttpPushTls {
                identity: Some((certs, key)),
                fallback: tls::PeerTrust {
                    fingerprints: fingerprints.to_vec(),
                    ca,
                },
            })
        }
        _ => None,
    };
    Ok(Arc::new(HttpPush::new(
        tls,
        std::time::Duration::from_secs(10),
    )))
}

fn codec(c: CodecArg) -> Result<Arc<dyn crate::vtn::codec::Codec>, String> {
    match c {
        CodecArg::Json => Ok(Arc::new(crate::vtn::codec::JsonCodec)),
        CodecArg::Xml => Ok(Arc::new(crate::vtn::codec::XmlCodec::default())),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn log_notification(n: &Notification) {
    match n {
        Notification::VenRegistered {
            ven_id,
            ven_name,
            fingerprint,
            reregistration,
        } => tracing::info!(
            "VEN {ven_id} ({}) {} (certificate {})",
            ven_name.as_deref().unwrap_or("no name"),
            if *reregistration { "registered again" } else { "registered" },
            fingerprint.as_deref().unwrap_or("none")
        ),
        Notification::VenCanceled { ven_id, by_ven } => tracing::info!(
            "VEN {ven_id}: registration cancelled by the {}",
            if *by_ven { "VEN" } else { "VTN" }
        ),
        Notification::EventResponse {
            ven_id,
            event_id,
            modification_number,
            opt_type,
            response_code,
        } => tracing::info!(
            "VEN {ven_id}: {} event {event_id} (modification {modification_number}, code {response_code})",
            opt_type.as_str()
        ),
        Notification::ReportsRegistered { ven_id, reports, requested } => tracing::info!(
            "VEN {ven_id}: offered {} reports, {} requested",
            reports.len(),
            requested.len()
        ),
        Notification::ReportsPending { ven_id, pending } => {
            tracing::info!("VEN {ven_id}: reports pending {pending:?}")
        }
        Notification::ReportData {
            ven_id,
            report_request_id,
            report,
        } => tracing::info!(
            "VEN {ven_id}: report {report_request_id}: {} intervals",
            report.intervals.as_ref().map_or(0, Vec::len)
        ),
        Notification::ReportCanceled {
            ven_id,
            report_request_id,
        } => tracing::info!("VEN {ven_id}: report {report_request_id} cancelled"),
        Notification::OptCreated(o) => tracing::info!(
            "VEN {}: opt {} {} ({})",
            o.ven_id,
            o.opt_id,
            o.opt_type.as_str(),
            o.event_id.as_deref().unwrap_or("availability schedule")
        ),
        Notification::OptCanceled { ven_id, opt_id } => {
            tracing::info!("VEN {ven_id}: opt {opt_id} cancelled")
        }
        // `Notification` is `#[non_exhaustive]` (crate oadr-engine).
        other => tracing::info!("{other:?}"),
    }
}
