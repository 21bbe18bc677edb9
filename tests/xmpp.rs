//! XMPP (spec digest §3), oadr VEN ↔ oadr VTN through a real Prosody on loopback
//! (tests/support/prosody.rs): both are clients of the server; the VEN discovers the VTN's
//! services (XEP-0030), sends its requests as IQ sets and never polls; the VTN pushes what it
//! initiates to the VEN's full JID. The push suite's scenarios (registration, events with opt
//! responses, report registration, requests, updates and cancellation, opt schedules, event
//! cancellation, re-registration request, registration cancellation), plain and signed.
//! venID binding: another account using the VEN's venID gets 463. Fault: Prosody is killed
//! and restarted mid-run; an event created and an opt made while it is down arrive after the
//! reconnect, and nothing acknowledged is lost.
//!
//! Every wait is bounded; Prosody is killed when the test ends.

#[path = "support/scenario.rs"]
mod scenario;
mod support;

use oadr::engine::vtn::VtnConfig;
use oadr::model::*;
use oadr::store::MemoryStore;
use oadr::transport::tls::{self, PeerTrust};
use oadr::transport::xmpp::{Disco, Jid, XmppClient, XmppConfig};
use oadr::ven::{Notification, VenBuilder, VenHandle};
use oadr::vtn::push::{Backoff, PushOptions};
use oadr::vtn::xmpp::{ServerFormCodec, XmppDeliver};
use oadr::vtn::Vtn;
use scenario::{certs, event_at_level, fingerprint, noted, stop, telemetry, until, Notes};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};
use support::prosody::Prosody;
use tokio::sync::watch;

const MARKET: &str = "http://market.example/xmpp";

const VTN_JID: &str = "vtn@localhost/oadr";

fn xmpp_config(p: &Prosody, jid: &str, password: &str) -> XmppConfig {
    let tls = tls::client::client_config(
        PeerTrust {
            fingerprints: vec![],
            ca: tls::load_certs(&p.ca()).unwrap(),
        },
        None,
    )
    .unwrap();
    let mut c = XmppConfig::new(jid.parse().unwrap(), Arc::new(tls));
    c.password = Some(password.into());
    c.server = Some(p.server());
    c.iq_timeout = StdDuration::from_secs(10);
    c.reconnect = (StdDuration::from_millis(100), StdDuration::from_millis(400));
    c
}

struct VtnXmpp {
    vtn: Vtn,
    client: XmppClient,
    /// Message element names of every payload the VTN received over XMPP.
    received: Arc<Mutex<Vec<String>>>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl VtnXmpp {
    async fn start(p: &Prosody, signed: bool) -> VtnXmpp {
        let mut b = Vtn::builder(Arc::new(MemoryStore::new()))
            .config(VtnConfig {
                vtn_id: "xmpp-vtn".into(),
                accept_xmpp: true,
                ..VtnConfig::default()
            })
            .codec(Arc::new(ServerFormCodec(Arc::new(
                oadr::vtn::codec::XmlCodec::default(),
            ))));
        b = scenario::vtn_security(b, signed);
        let vtn = b.build().unwrap();
        let mut cfg = xmpp_config(p, VTN_JID, "vtn-secret");
        cfg.disco = Disco::vtn(&VTN_JID.parse().unwrap());
        let (client, mut incoming) = XmppClient::start(cfg);
        client.online().await.unwrap();
        let (stop, rx) = watch::channel(false);
        let received = Arc::new(Mutex::new(Vec::new()));
        let server = {
            let (vtn, received) = (vtn.clone(), received.clone());
            tokio::spawn(async move {
                while let Some(iq) = incoming.recv().await {
                    if let Some(m) = iq
                        .payload()
                        .and_then(|p| p.children.iter().find(|c| c.name == "oadrSignedObject"))
                        .and_then(|o| o.children.first())
                    {
                        received.lock().unwrap().push(m.name.clone());
                    }
                    vtn.answer_iq(iq);
                }
            })
        };
        let options = PushOptions {
            backoff: Backoff {
                first: chrono::Duration::milliseconds(100),
                max: chrono::Duration::milliseconds(400),
            },
            rescan: StdDuration::from_millis(200),
            concurrency: 8,
        };
        let pusher = {
            let vtn = vtn.clone();
            let deliver = Arc::new(XmppDeliver::new(client.clone()));
            tokio::spawn(async move { vtn.push_loop(vec![deliver], options, rx).await })
        };
        VtnXmpp {
            vtn,
            client,
            received,
            stop,
            tasks: vec![server, pusher],
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.send(true);
        self.client.stop().await;
        for t in self.tasks.drain(..) {
            tokio::time::timeout(StdDuration::from_secs(10), t)
                .await
                .expect("VTN task stops")
                .unwrap();
        }
    }
}

/// An XMPP VEN: opts in to new events, out of modified ones.
fn ven(p: &Prosody, signed: bool, notes: &Notes) -> VenBuilder {
    let notes = notes.clone();
    let mut b = VenBuilder::new("http://unused.invalid", "xmpp-ven")
        .codec(Arc::new(oadr::ven::codec::XmlCodec::default()))
        .xmpp(
            xmpp_config(p, "ven1@localhost/oadr", "ven1-secret"),
            VTN_JID.parse().unwrap(),
        )
        .on_notification(move |n| {
            notes.lock().unwrap().push(n);
            async {}
        })
        .on_event(|_e, modified| async move {
            if modified {
                OptType::OptOut
            } else {
                OptType::OptIn
            }
        });
    if signed {
        b = b
            .cert_key(certs("ven-ecdsa.crt"), certs("ven-ecdsa.key"))
            .vtn_fingerprint(fingerprint("vtn-rsa.crt"));
    }
    b
}

fn spawn(b: VenBuilder) -> (VenHandle, tokio::task::JoinHandle<()>) {
    let ven = b.build().expect("build");
    let h = ven.handle();
    let task = tokio::spawn(async move {
        ven.run().await.expect("run");
    });
    (h, task)
}

fn prosody() -> Option<Prosody> {
    let p = Prosody::start()?;
    p.register("vtn", "vtn-secret");
    p.register("ven1", "ven1-secret");
    p.register("ven2", "ven2-secret");
    Some(p)
}

async fn every_scenario(signed: bool) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Some(p) = prosody() else { return };
    let vtn = VtnXmpp::start(&p, signed).await;
    let notes: Notes = Default::default();
    let (h, task) = spawn(ven(&p, signed, &notes).report(telemetry()));

    // Registration over XMPP with the VEN's full JID (spec digest §2, §3).
    let reg = tokio::time::timeout(StdDuration::from_secs(20), h.registered())
        .await
        .expect("registered")
        .unwrap();
    let ven_id = reg.ven_id.clone();
    let record = vtn
        .vtn
        .vens()
        .into_iter()
        .find(|v| v.ven_id == ven_id)
        .unwrap();
    assert_eq!(record.transport_name, TransportName::Xmpp);
    assert!(record.is_push());
    assert_eq!(
        record.transport_address.as_deref(),
        Some("ven1@localhost/oadr")
    );
    let identity = if signed {
        fingerprint("ven-ecdsa.crt").to_string()
    } else {
        "xmpp:ven1@localhost".to_owned()
    };
    assert_eq!(record.fingerprint.as_deref(), Some(identity.as_str()));

    // Report registration → oadrCreateReport sent to the VEN's JID → active → readings.
    scenario::report_is_requested_and_delivered(&vtn.vtn, &notes, &ven_id, 20).await;
    // Events, opts and cancellations over IQs to and from the VEN's full JID.
    scenario::events_and_opts(&vtn.vtn, &h, &notes, &ven_id, MARKET, 20).await;
    scenario::report_is_cancelled(&vtn.vtn, &notes, &ven_id, 20).await;

    // venID binding: another account that sends ven1's venID is refused with 463.
    if !signed {
        let (other, _in) = XmppClient::start(xmpp_config(&p, "ven2@localhost/x", "ven2-secret"));
        other.online().await.unwrap();
        let poll = Message::RequestEvent(RequestEvent {
            request_id: "r1".into(),
            ven_id: ven_id.clone(),
            reply_limit: None,
        });
        let body = oadr::model::encode(&poll).unwrap();
        let vtn_jid: Jid = VTN_JID.parse().unwrap();
        let r = other.iq_set(&vtn_jid, &body).await.unwrap();
        let answer = oadr::model::decode(&r.payload_bytes().unwrap()).unwrap();
        // oadrRequestEvent is answered with oadrDistributeEvent carrying the error code.
        let Message::DistributeEvent(d) = answer else {
            panic!("{answer:?}")
        };
        assert!(d.events.is_empty());
        assert_eq!(
            d.response.map(|r| r.response_code),
            Some(ResponseCode::NOT_REGISTERED_OR_AUTHORIZED)
        );
        other.stop().await;
    }

    // Re-registration request, then the VEN registers again.
    scenario::reregistration(&vtn.vtn, &notes, &ven_id, 20).await;

    // The VEN never polled (§9.3.1).
    let received = vtn.received.lock().unwrap().clone();
    assert!(!received.iter().any(|m| m == "oadrPoll"), "{received:?}");
    assert!(
        received.iter().any(|m| m == "oadrCreatedEvent"),
        "{received:?}"
    );

    // Registration cancelled by the VTN: oadrCancelPartyRegistration to the VEN's JID.
    scenario::registration_is_cancelled_by_the_vtn(&vtn.vtn, &notes, &ven_id, 20).await;

    stop(h, task).await;
    vtn.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xmpp_plain_every_scenario() {
    every_scenario(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xmpp_signed_every_scenario() {
    every_scenario(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prosody_restart_mid_run_loses_nothing() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Some(mut p) = prosody() else { return };
    let vtn = VtnXmpp::start(&p, false).await;
    let notes: Notes = Default::default();
    let (h, task) = spawn(ven(&p, false, &notes));
    let ven_id = tokio::time::timeout(StdDuration::from_secs(20), h.registered())
        .await
        .expect("registered")
        .unwrap()
        .ven_id;

    // The server dies; meanwhile an event is created (VTN → VEN) and an opt is made
    // (VEN → VTN). Both wait in the clients' queues and the VTN's store.
    p.kill();
    let event_id = vtn
        .vtn
        .create_event(event_at_level(MARKET, &ven_id, 1.0))
        .unwrap()
        .id()
        .to_owned();
    let opt_id = h
        .create_opt(scenario::opt_out_for_the_next_hour())
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert!(vtn
        .vtn
        .deliveries(&event_id)
        .iter()
        .all(|d| d.answered.is_none()));
    assert!(vtn.vtn.opts().is_empty());

    // The server comes back: both clients reconnect and everything arrives.
    let p = tokio::task::spawn_blocking(move || {
        p.restart();
        p
    })
    .await
    .unwrap();
    until("event answered after the restart", 30, || {
        vtn.vtn
            .deliveries(&event_id)
            .iter()
            .any(|d| d.ven_id == ven_id && d.answered == Some(0) && d.opt == Some(OptType::OptIn))
    })
    .await;
    until("opt stored after the restart", 30, || {
        vtn.vtn.opts().iter().any(|o| o.opt.opt_id == opt_id)
    })
    .await;
    assert_eq!(vtn.vtn.queued(&ven_id), 0);
    assert_eq!(
        noted(&notes, |n| matches!(n, Notification::ExchangeFailed { .. })),
        0,
        "no exchange was given up"
    );
    stop(h, task).await;
    vtn.stop().await;
    drop(p);
}

/// `oadr vtn --xmpp-jid ...` and `oadr ven --transport xmpp ...` (issue 8's CLI, without
/// `--vtn-url`) register through Prosody; the VTN logs the registration with the VEN's XMPP
/// identity.
#[test]
fn cli_vtn_and_ven_over_xmpp() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let Some(p) = prosody() else { return };
    let dir = p.dir().join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vtn.pw"), "vtn-secret\n").unwrap();
    std::fs::write(dir.join("ven.pw"), "ven1-secret\n").unwrap();
    let ca = p.ca().display().to_string();
    let server = p.server();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut vtn = Kill(
        Command::new(env!("CARGO_BIN_EXE_oadr"))
            .args(["vtn", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"])
            .arg("--db")
            .arg(dir.join("vtn.db"))
            .args(["--accept-any", "--xmpp-jid", VTN_JID, "--password-file"])
            .arg(dir.join("vtn.pw"))
            .args(["--xmpp-server", &server, "--xmpp-ca", &ca])
            .env("OADR_ADMIN_TOKEN", "t")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr = vtn.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let _ven = Kill(
        Command::new(env!("CARGO_BIN_EXE_oadr"))
            // No --vtn-url: over XMPP the VTN is reached by its JID.
            .args(["ven", "--ven-name", "cli-ven"])
            .args([
                "--transport",
                "xmpp",
                "--jid",
                "ven1@localhost/oadr",
                "--password-file",
            ])
            .arg(dir.join("ven.pw"))
            .args([
                "--xmpp-server",
                &server,
                "--xmpp-ca",
                &ca,
                "--vtn-jid",
                VTN_JID,
            ])
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + StdDuration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "no registration logged; VTN said:\n{}",
            seen.join("\n")
        );
        if let Ok(line) = rx.recv_timeout(left.min(StdDuration::from_millis(200))) {
            if line.contains("(cli-ven) registered (certificate xmpp:ven1@localhost)") {
                break;
            }
            seen.push(line);
        }
    }
}

/// `--vtn-url` is what pull and push VENs dial, and is refused over XMPP (the VTN is
/// `--vtn-jid`); both usage errors exit 2 before anything connects.
#[test]
fn cli_ven_vtn_url_only_for_http() {
    use std::process::Command;
    let xmpp = [
        "--transport",
        "xmpp",
        "--jid",
        "ven1@localhost/oadr",
        "--password-file",
        "/nonexistent",
        "--xmpp-ca",
        "/nonexistent",
        "--vtn-jid",
        VTN_JID,
    ];
    let cases: [(&[&str], &str); 2] = [
        (
            &["--vtn-url", "http://127.0.0.1:9"],
            "--vtn-url goes with --transport pull|push",
        ),
        (&[], "--vtn-url is required (except with --transport xmpp)"),
    ];
    for (i, (extra, expected)) in cases.iter().enumerate() {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oadr"));
        cmd.args(["ven", "--ven-name", "v"]).args(*extra);
        if i == 0 {
            cmd.args(xmpp);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}
