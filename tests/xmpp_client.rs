//! The XMPP client (oadr::transport::xmpp) against a real Prosody on loopback
//! (tests/support/prosody.rs): STARTTLS + SASL PLAIN + binding, IQ request/answer between
//! two accounts with a signed oadrPayload passed on byte for byte, XEP-0030 service
//! discovery of a VTN (spec digest §3, §9.3.2), XEP-0199 ping, errors for a wrong password
//! and an offline peer, and a request queued across a server restart.

mod support;

use oadr::transport::tls::{self, PeerTrust};
use oadr::transport::xmpp::{disco, stable, Disco, Jid, Status, XmppClient, XmppConfig, XmppError};
use oadr::transport::Service;
use std::sync::Arc;
use std::time::Duration;
use support::prosody::Prosody;

const PAYLOAD: &str = "tests/fixtures/valid/\
    oadrDistributeEvent--hand-three-events-every-target-kind-as-jaxb-prefixes.xml";
const VEN_FP: &str = "48:73:C9:C3:6A:4A:4F:16:55:F9";

fn signer() -> oadr::sign::Signer {
    let c = support::root().join("tests/fixtures/certs");
    oadr::sign::Signer::from_pem(
        &std::fs::read(c.join("ven-ecdsa.crt")).unwrap(),
        &std::fs::read(c.join("ven-ecdsa.key")).unwrap(),
    )
    .unwrap()
}

/// Verify as a VTN would, after giving the signature its prefixes back.
fn verify(received: &[u8]) -> Result<(), String> {
    let v = oadr::sign::Verifier::new(oadr::sign::VerifyOptions::new(
        oadr::sign::Trust::Fingerprints(vec![VEN_FP.parse().unwrap()]),
    ));
    let bytes = stable::restore_signature(received).map_err(|e| e.to_string())?;
    match v.verify(&bytes, chrono::Utc::now()) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("unsigned".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn config(p: &Prosody, jid: &str, password: &str) -> XmppConfig {
    let ca = tls::load_certs(&p.ca()).unwrap();
    let tls = tls::client::client_config(
        PeerTrust {
            fingerprints: vec![],
            ca,
        },
        None,
    )
    .unwrap();
    let mut c = XmppConfig::new(jid.parse().unwrap(), Arc::new(tls));
    c.password = Some(password.into());
    c.server = Some(p.server());
    c.iq_timeout = Duration::from_secs(10);
    c.reconnect = (Duration::from_millis(100), Duration::from_millis(500));
    c
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iq_disco_ping_errors_and_restart() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Some(mut p) = Prosody::start() else {
        return;
    };
    p.register("vtn", "vtn-secret");
    p.register("ven1", "ven1-secret");

    let vtn_jid: Jid = "vtn@localhost/oadr".parse().unwrap();
    let mut vtn_cfg = config(&p, "vtn@localhost/oadr", "vtn-secret");
    vtn_cfg.disco = Disco::vtn(&vtn_jid);
    let (vtn, mut vtn_in) = XmppClient::start(vtn_cfg);
    let (ven, _ven_in) = XmppClient::start(config(&p, "ven1@localhost/client", "ven1-secret"));
    assert_eq!(within("vtn online", vtn.online()).await.unwrap(), vtn_jid);
    let ven_jid = within("ven online", ven.online()).await.unwrap();
    assert_eq!(ven_jid.to_string(), "ven1@localhost/client");

    // A peer that echoes every set back as its answer, keeping what it got.
    let echo = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(iq) = vtn_in.recv().await {
            let bytes = iq.payload_bytes();
            seen.push((iq.from.to_string(), bytes.clone()));
            iq.reply(Some(&bytes));
        }
        seen
    });

    // Service discovery (§9.3.2).
    let features = within("disco#info", ven.disco_features(&vtn_jid, None))
        .await
        .unwrap();
    assert!(
        features.iter().any(|f| f == disco::FEATURE_OPENADR),
        "{features:?}"
    );
    let items = within(
        "disco#items",
        ven.disco_items(&vtn_jid, Some(disco::NODE_SERVICES)),
    )
    .await
    .unwrap();
    let services = disco::services(&items).unwrap();
    assert_eq!(services[&Service::EiEvent], vtn_jid);

    // A payload with prefixes arrives with the same meaning both ways: Prosody rewrites
    // the prefixes (so bytes differ), the decoded message does not.
    let payload = std::fs::read(support::root().join(PAYLOAD)).unwrap();
    let sent = oadr::model::decode(&payload).unwrap();
    let reply = within("iq set", ven.iq_set(&vtn_jid, &payload))
        .await
        .unwrap();
    assert_eq!(reply.from.as_ref(), Some(&vtn_jid));
    let back = reply.payload_bytes().unwrap();
    assert_ne!(back, payload, "Prosody re-serialises stanzas");
    assert_eq!(oadr::model::decode(&back).unwrap(), sent);

    // Signatures: made over the prefixed form they break in transit; made over the
    // server form (stable::server_form) they verify on the other side, both ways.
    let naive = signer().sign(&payload).unwrap();
    let r = within("naive", ven.iq_set(&vtn_jid, &naive)).await.unwrap();
    assert!(verify(&r.payload_bytes().unwrap()).is_err());
    let signed = signer()
        .sign(&stable::server_form(&payload).unwrap())
        .unwrap();
    let r = within("signed", ven.iq_set(&vtn_jid, &signed))
        .await
        .unwrap();
    let back = r.payload_bytes().unwrap();
    verify(&back).unwrap();
    assert_eq!(oadr::model::decode(&back).unwrap(), sent);

    // Ping the server and the peer (XEP-0199).
    within("ping server", ven.ping(&"localhost".parse().unwrap()))
        .await
        .unwrap();
    within("ping peer", ven.ping(&vtn_jid)).await.unwrap();

    // An offline full JID: the server answers with a stanza error.
    let gone: Jid = "ven2@localhost/oadr".parse().unwrap();
    match within("offline", vtn.iq_set(&gone, b"<x xmlns='urn:x'/>")).await {
        Err(XmppError::Stanza(e)) => assert!(e.is_unavailable(), "{e}"),
        other => panic!("expected a stanza error, got {other:?}"),
    }

    // A wrong password never comes online.
    let (bad, _bad_in) = XmppClient::start(config(&p, "ven1@localhost/x", "wrong"));
    let mut w = bad.watch();
    let status = within("auth failure", async {
        loop {
            w.changed().await.unwrap();
            let s = w.borrow().clone();
            if let Status::Disconnected(why) = s {
                return why;
            }
        }
    })
    .await;
    assert!(status.contains("authentication"), "{status}");
    bad.stop().await;

    // The server restarts: a request made while it is down is sent after the reconnect.
    p.kill();
    let mut w = ven.watch();
    within("ven notices", async {
        while matches!(*w.borrow_and_update(), Status::Online(_)) {
            w.changed().await.unwrap();
        }
    })
    .await;
    let queued = {
        let ven = ven.clone();
        let to = vtn_jid.clone();
        let payload = payload.clone();
        tokio::spawn(async move { ven.iq_set(&to, &payload).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Restart off the async workers; the server stays alive (and is killed on drop) to the end.
    let _p = tokio::task::spawn_blocking(move || {
        p.restart();
        p
    })
    .await
    .unwrap();
    let reply = within("queued request", queued).await.unwrap().unwrap();
    assert_eq!(
        oadr::model::decode(&reply.payload_bytes().unwrap()).unwrap(),
        sent
    );

    ven.stop().await;
    vtn.stop().await;
    assert_eq!(ven.status(), Status::Stopped);
    let seen = within("echo ends", echo).await.unwrap();
    assert_eq!(
        seen.len(),
        4,
        "three requests before and one after the restart"
    );
    assert!(seen.iter().all(|(from, _)| from == "ven1@localhost/client"));
}
