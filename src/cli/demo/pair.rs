//! Builds the demo's VTN and VENs for a [`Transport`]: the one place that knows how the
//! parties reach each other (with [`super::xmpp`] for XMPP). A new transport adds a variant
//! and an arm in [`deploy`]; the scenario does not change.

use super::certs::Identities;
use super::console::Console;
use super::tap::Tap;
use crate::engine::vtn::{AllowListPolicy, Notification, VtnConfig};
use crate::model::Duration;
use crate::sign::{Signer, Trust, Verifier, VerifyOptions};
use crate::store::Sync as SyncMode;
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
    /// XMPP through a Prosody the demo starts on loopback (spec digest §3): VTN and VENs are
    /// clients of it (STARTTLS), the VENs never poll; payloads signed.
    #[value(name = "xmpp")]
    Xmpp,
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
            Transport::Xmpp => {
                "XMPP through a Prosody started for the demo (STARTTLS, one account per party), XML signatures on every payload"
            }
        }
    }
}

/// A running VTN and the VENs, built but not yet started.
pub(super) struct Deployment {
    pub vtn: Vtn,
    /// Where the VTN is, for the header line.
    pub url: String,
    pub vens: Vec<(String, Ven)>,
    pub shutdown: Shutdown,
    pub server: tokio::task::JoinHandle<()>,
    /// The XMPP server, killed when dropped.
    pub prosody: Option<crate::transport::xmpp::prosody::Prosody>,
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
    let store = crate::store::open_file(db, SyncMode::Normal)
        .map_err(|e| format!("{}: {e}", db.display()))?;
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
        accept_xmpp: transport == Transport::Xmpp,
        ..VtnConfig::default()
    };
    let mut xmpp = match transport {
        Transport::Xmpp => Some(super::xmpp::start(ids).await?),
        _ => None,
    };
    let on_vtn = hooks.on_vtn;
    let codec: Arc<dyn crate::vtn::codec::Codec> = match transport {
        // Signed in the form Prosody re-serialises payloads to, so signatures survive it.
        Transport::Xmpp => Arc::new(crate::vtn::xmpp::ServerFormCodec(Arc::new(
            crate::vtn::codec::XmlCodec::default(),
        ))),
        _ => Arc::new(crate::vtn::codec::XmlCodec::default()),
    };
    let vtn = Vtn::builder(store)
        .codec(codec)
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
    let tap = || Tap {
        vtn: vtn.clone(),
        console: console.clone(),
        parties: parties.clone(),
    };
    let (shutdown, rx) = Shutdown::new();
    let options = PushOptions {
        rescan: std::time::Duration::from_millis(250),
        ..PushOptions::default()
    };
    let (url, server) = match (transport, &xmpp) {
        (Transport::Xmpp, Some(x)) => {
            let (deliver, answering) =
                super::xmpp::serve_vtn(x.vtn.clone(), tap(), rx.clone()).await?;
            let pusher: Arc<dyn Deliver> = Arc::new(PushTap {
                push: Box::new(deliver),
                tap: tap(),
            });
            let vtn = vtn.clone();
            let server = tokio::spawn(async move {
                let (_, _) = tokio::join!(answering, vtn.push_loop(vec![pusher], options, rx));
            });
            let url = format!("xmpp://{} as {}", x.prosody.server(), super::xmpp::VTN_JID);
            (url, server)
        }
        _ => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("listening on 127.0.0.1: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let acceptor = crate::transport::tls::server::acceptor(
                &ids.vtn.cert,
                &ids.vtn.key,
                None,
                &fps,
                false,
            )
            .map_err(|e| format!("TLS: {e}"))?;
            let handler = Arc::new(OpenAdrEndpoints(tap()));
            let serve = http_server::serve(
                listener,
                Some(acceptor),
                handler,
                Limits::default(),
                rx.clone(),
            );
            let server = if transport == Transport::HttpsPush {
                // The VTN's push loop, through a tap that prints what it pushes and the answers.
                let certs = crate::transport::tls::load_certs(&ids.vtn.cert)
                    .map_err(|e| format!("TLS: {e}"))?;
                let key = crate::transport::tls::load_key(&ids.vtn.key)
                    .map_err(|e| format!("TLS: {e}"))?;
                let push = HttpPush::new(
                    Some(HttpPushTls {
                        identity: Some((certs, key)),
                        fallback: crate::transport::tls::PeerTrust::default(),
                    }),
                    std::time::Duration::from_secs(5),
                );
                let pusher: Arc<dyn Deliver> = Arc::new(PushTap {
                    push: Box::new(push),
                    tap: tap(),
                });
                let vtn = vtn.clone();
                tokio::spawn(async move {
                    tokio::join!(serve, vtn.push_loop(vec![pusher], options, rx));
                })
            } else {
                tokio::spawn(serve)
            };
            (format!("https://{addr}/OpenADR2/Simple/2.0b"), server)
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
            Transport::Xmpp => {
                let account = xmpp
                    .as_ref()
                    .and_then(|x| x.vens.get(i).cloned())
                    .ok_or("no XMPP account for a VEN")?;
                let vtn_jid = super::xmpp::VTN_JID.parse().map_err(|e| format!("{e}"))?;
                VenBuilder::new(&url, &id.name)
                    .cert_key(&id.cert, &id.key)
                    .vtn_fingerprint(ids.vtn.fingerprint)
                    .xmpp(account, vtn_jid)
            }
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
        prosody: xmpp.take().map(|x| x.prosody),
    })
}

/// Push (HTTP or XMPP) through the console: every payload the VTN pushes, and the VEN's
/// answer, is printed like the exchanges the VENs start.
#[derive(Debug)]
struct PushTap {
    push: Box<dyn Deliver>,
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
