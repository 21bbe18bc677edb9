//! Builds the demo's VTN and VENs for a [`Transport`]: the one place that knows how the
//! parties reach each other. A new transport (HTTP push, XMPP) adds a variant and an arm in
//! [`deploy`]; the scenario does not change.

use super::certs::Identities;
use super::console::Console;
use super::tap::Tap;
use crate::engine::vtn::{AllowListPolicy, Notification, VtnConfig};
use crate::model::Duration;
use crate::sign::{Signer, Trust, Verifier, VerifyOptions};
use crate::store::{SqliteStore, Sync as SyncMode};
use crate::transport::http_server::{self, Limits, OpenAdrEndpoints, Shutdown};
use crate::ven::{Ven, VenBuilder};
use crate::vtn::deliver::{Deliver, DeliverFuture, Destination, HttpPush, HttpPushTls};
use crate::vtn::push::PushOptions;
use crate::vtn::Vtn;
use std::path::Path;
use std::sync::Arc;

/// How the demo's VENs talk to its VTN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[non_exhaustive]
pub enum Transport {
    /// Simple HTTP pull over mutual TLS (spec digest §9.1), payloads signed.
    #[default]
    #[value(name = "pull")]
    HttpsPull,
    /// Simple HTTP push over mutual TLS (spec digest §2): each VEN serves its own endpoint
    /// and the VTN POSTs what it initiates there; payloads signed.
    #[value(name = "push")]
    HttpsPush,
}

impl Transport {
    /// A few words for the demo's header line.
    pub fn describe(self) -> &'static str {
        match self {
            Transport::HttpsPull => {
                "simple HTTP pull over mutual TLS, XML signatures on every payload"
            }
            Transport::HttpsPush => {
                "simple HTTP push over mutual TLS (each VEN serves its own endpoint), XML signatures on every payload"
            }
        }
    }
}

/// A running VTN and the VENs, built but not yet started.
pub(super) struct Deployment {
    pub vtn: Vtn,
    pub url: String,
    pub vens: Vec<(String, Ven)>,
    pub shutdown: Shutdown,
    pub server: tokio::task::JoinHandle<()>,
}

/// What the scenario plugs into the parties.
pub(super) struct Hooks {
    /// Called with every VTN notification (after its writes are committed).
    pub on_vtn: Box<dyn Fn(&Notification) + Send + Sync>,
    /// Adds handlers and report offers to VEN `i` (named `ids.vens[i].name`).
    pub ven: Box<dyn Fn(usize, VenBuilder) -> VenBuilder>,
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// Start the VTN (SQLite store at `db`, signing and verifying, only the demo VENs' certificate
/// fingerprints allowed) on an ephemeral loopback port, and build one VEN per identity.
pub(super) async fn deploy(
    transport: Transport,
    ids: &Identities,
    db: &Path,
    poll: Duration,
    console: Arc<Console>,
    hooks: Hooks,
) -> Result<Deployment, String> {
    let fps: Vec<_> = ids.vens.iter().map(|v| v.fingerprint).collect();
    let store =
        SqliteStore::open(db, SyncMode::Normal).map_err(|e| format!("{}: {e}", db.display()))?;
    let signer = Signer::from_pem(&read(&ids.vtn.cert)?, &read(&ids.vtn.key)?)
        .map_err(|e| format!("VTN certificate: {e}"))?;
    let mut seed = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed)
        .map_err(|_| "no randomness".to_owned())?;
    let config = VtnConfig {
        vtn_id: "oadr-demo-vtn".into(),
        poll_frequency: poll,
        id_seed: u64::from_le_bytes(seed),
        accept_push: transport == Transport::HttpsPush,
        ..VtnConfig::default()
    };
    let on_vtn = hooks.on_vtn;
    let vtn = Vtn::builder(Arc::new(store))
        .config(config)
        .policy(Arc::new(AllowListPolicy::new(
            fps.iter().map(ToString::to_string),
        )))
        .signer(signer)
        .verifier(Verifier::new(VerifyOptions::new(Trust::Fingerprints(
            fps.clone(),
        ))))
        .on_notification(move |n| on_vtn(n))
        .build()
        .map_err(|e| format!("{}: {e}", db.display()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("listening on 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (shutdown, rx) = Shutdown::new();
    let (url, tls) = match transport {
        Transport::HttpsPull | Transport::HttpsPush => {
            let acceptor = crate::transport::tls::server::acceptor(
                &ids.vtn.cert,
                &ids.vtn.key,
                None,
                &fps,
                false,
            )
            .map_err(|e| format!("TLS: {e}"))?;
            (
                format!("https://{addr}/OpenADR2/Simple/2.0b"),
                Some(acceptor),
            )
        }
    };
    let parties: std::collections::HashMap<String, String> = ids
        .vens
        .iter()
        .map(|v| {
            (
                v.fingerprint.to_string().to_ascii_uppercase(),
                v.name.clone(),
            )
        })
        .collect();
    let tap = Tap {
        vtn: vtn.clone(),
        console: console.clone(),
        parties: parties.clone(),
    };
    let handler = Arc::new(OpenAdrEndpoints(tap));
    let serve = http_server::serve(listener, tls, handler, Limits::default(), rx.clone());
    let server = match transport {
        Transport::HttpsPull => tokio::spawn(serve),
        Transport::HttpsPush => {
            // The VTN's push loop, through a tap that prints what it pushes and the answers.
            let certs = crate::transport::tls::load_certs(&ids.vtn.cert)
                .map_err(|e| format!("TLS: {e}"))?;
            let key =
                crate::transport::tls::load_key(&ids.vtn.key).map_err(|e| format!("TLS: {e}"))?;
            let push = HttpPush::new(
                Some(HttpPushTls {
                    identity: Some((certs, key)),
                    fallback: crate::transport::tls::PeerTrust::default(),
                }),
                std::time::Duration::from_secs(5),
            );
            let tap = Tap {
                vtn: vtn.clone(),
                console,
                parties,
            };
            let pusher: Arc<dyn Deliver> = Arc::new(PushTap { push, tap });
            let vtn = vtn.clone();
            tokio::spawn(async move {
                let options = PushOptions {
                    rescan: std::time::Duration::from_millis(250),
                    ..PushOptions::default()
                };
                tokio::join!(serve, vtn.push_loop(vec![pusher], options, rx));
            })
        }
    };
    let mut vens = Vec::new();
    for (i, id) in ids.vens.iter().enumerate() {
        let builder = match transport {
            Transport::HttpsPull => VenBuilder::new(&url, &id.name)
                .cert_key(&id.cert, &id.key)
                .vtn_fingerprint(ids.vtn.fingerprint),
            Transport::HttpsPush => VenBuilder::new(&url, &id.name)
                .cert_key(&id.cert, &id.key)
                .vtn_fingerprint(ids.vtn.fingerprint)
                .push(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        }
        .codec(Arc::<crate::ven::codec::XmlCodec>::default())
        .default_poll_interval(poll.to_chrono().unwrap_or(chrono::Duration::seconds(1)))
        .poll_jitter(chrono::Duration::milliseconds(200))
        .timeout(std::time::Duration::from_secs(5));
        let ven = (hooks.ven)(i, builder)
            .build()
            .map_err(|e| format!("{}: {e}", id.name))?;
        vens.push((id.name.clone(), ven));
    }
    Ok(Deployment {
        vtn,
        url,
        vens,
        shutdown,
        server,
    })
}

/// HTTP push through the console: every payload the VTN pushes, and the VEN's answer, is
/// printed like the exchanges the VENs start.
#[derive(Debug)]
struct PushTap {
    push: HttpPush,
    tap: Tap,
}

impl Deliver for PushTap {
    fn serves(&self, dest: &Destination) -> bool {
        self.push.serves(dest)
    }

    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        service: crate::transport::Service,
        body: bytes::Bytes,
    ) -> DeliverFuture<'a> {
        Box::pin(async move {
            let r = self.push.deliver(dest, service, body.clone()).await;
            let who = dest
                .fingerprint
                .as_ref()
                .and_then(|f| self.tap.parties.get(&f.to_ascii_uppercase()))
                .cloned();
            match &r {
                Ok(d) => self.tap.pushed(service, who, &body, &d.body),
                Err(e) => self.tap.console.line(
                    who.as_deref().unwrap_or("?"),
                    format!("{:<16} push failed (retried): {e}", service.name()),
                ),
            }
            r
        })
    }
}
