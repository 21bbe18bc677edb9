//! `oadr demo --transport xmpp` (spec digest §3): the demo starts its own Prosody on loopback
//! ([`crate::transport::xmpp::prosody`], the harness the tests use; Debian package
//! `prosody`), creates one account per party with a random password, and runs the VTN and
//! the VENs as clients of it. The VENs' requests reach the VTN in IQs and are printed by the
//! same [`Tap`] as over HTTP; what the VTN initiates goes to each VEN's full JID through the
//! push loop, printed by the push tap. Payloads stay signed end to end.

use super::certs::Identities;
use super::tap::Tap;
use crate::transport::http_server::PayloadHandler;
use crate::transport::tls::{self, PeerTrust};
use crate::transport::xmpp::prosody::Prosody;
use crate::transport::xmpp::{Disco, Jid, XmppClient, XmppConfig};
use crate::vtn::xmpp::{answer_iq_with, XmppDeliver};
use std::sync::Arc;

/// The VTN's JID (its session's resource is `oadr`).
pub(super) const VTN_JID: &str = "vtn@localhost/oadr";

/// The running server and every party's client configuration.
pub(super) struct Server {
    pub prosody: Prosody,
    pub vtn: XmppConfig,
    /// Per VEN, in the order of `Identities::vens`.
    pub vens: Vec<XmppConfig>,
}

/// Start Prosody and create the accounts (`vtn`, and one per VEN named like it).
pub(super) async fn start(ids: &Identities) -> Result<Server, String> {
    let prosody = tokio::task::spawn_blocking(Prosody::start)
        .await
        .map_err(|e| format!("starting Prosody: {e}"))?
        .map_err(|e| e.to_string())?;
    let ca = tls::load_certs(&prosody.ca()).map_err(|e| format!("Prosody's CA: {e}"))?;
    let tls = Arc::new(
        tls::client::client_config(
            PeerTrust {
                fingerprints: Vec::new(),
                ca,
            },
            None,
        )
        .map_err(|e| format!("TLS: {e}"))?,
    );
    let mut accounts = Vec::new();
    for name in std::iter::once("vtn").chain(ids.vens.iter().map(|v| v.name.as_str())) {
        accounts.push((name.to_owned(), password()?));
    }
    prosody
        .register_many(accounts.iter().map(|(u, p)| (u.as_str(), p.as_str())))
        .map_err(|e| e.to_string())?;
    let config = |(user, password): &(String, String)| -> Result<XmppConfig, String> {
        let jid: Jid = format!("{user}@localhost/oadr")
            .parse()
            .map_err(|e| format!("{user}: {e}"))?;
        let mut c = XmppConfig::new(jid, tls.clone());
        c.password = Some(password.clone());
        c.server = Some(prosody.server());
        Ok(c)
    };
    let mut vtn = config(&accounts[0])?;
    vtn.disco = Disco::vtn(&vtn.jid);
    let vens = accounts[1..].iter().map(config).collect::<Result<_, _>>()?;
    Ok(Server { prosody, vtn, vens })
}

/// 16 random bytes in hex.
fn password() -> Result<String, String> {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .map_err(|_| "no randomness".to_owned())?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The VTN's session: its client (for [`XmppDeliver`]) and the task answering the VENs'
/// requests through `tap` until `shutdown` turns true, then closing the session.
pub(super) async fn serve_vtn(
    config: XmppConfig,
    tap: Tap,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<(XmppDeliver, tokio::task::JoinHandle<()>), String> {
    let (client, mut incoming) = XmppClient::start(config);
    client
        .online()
        .await
        .map_err(|e| format!("the VTN's XMPP session: {e}"))?;
    let task = {
        let client = client.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    iq = incoming.recv() => match iq {
                        Some(iq) => answer_iq_with(iq, |service, id, body| {
                            tap.payload(service, id, body).1
                        }),
                        None => break,
                    },
                    _ = shutdown.changed() => if *shutdown.borrow() { break },
                }
            }
            client.stop().await;
        })
    };
    Ok((XmppDeliver::new(client), task))
}
