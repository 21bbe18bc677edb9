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
use crate::vtn::Vtn;
use std::path::Path;
use std::sync::Arc;

/// How the demo's VENs talk to its VTN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Transport {
    /// Simple HTTP pull over mutual TLS (spec digest §9.1), payloads signed.
    #[default]
    HttpsPull,
}

impl Transport {
    /// A few words for the demo's header line.
    pub fn describe(self) -> &'static str {
        match self {
            Transport::HttpsPull => {
                "simple HTTP pull over mutual TLS, XML signatures on every payload"
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
        Transport::HttpsPull => {
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
    let handler = Arc::new(OpenAdrEndpoints(Tap {
        vtn: vtn.clone(),
        console,
        parties: ids
            .vens
            .iter()
            .map(|v| {
                (
                    v.fingerprint.to_string().to_ascii_uppercase(),
                    v.name.clone(),
                )
            })
            .collect(),
    }));
    let server = tokio::spawn(http_server::serve(
        listener,
        tls,
        handler,
        Limits::default(),
        rx,
    ));
    let mut vens = Vec::new();
    for (i, id) in ids.vens.iter().enumerate() {
        let builder = match transport {
            Transport::HttpsPull => VenBuilder::new(&url, &id.name)
                .cert_key(&id.cert, &id.key)
                .vtn_fingerprint(ids.vtn.fingerprint),
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
