//! HTTP push (spec digest §2), oadr VEN ↔ oadr VTN on 127.0.0.1: the VEN registers with
//! oadrHttpPullModel=false and its oadrTransportAddress, never polls, and receives what the
//! VTN initiates on its own endpoint — the pull suite's scenarios (registration, events and
//! opt responses, report registration, requests, updates and cancellation, opt schedules,
//! event cancellation, re-registration request, registration cancellation), plain and signed
//! over mutual TLS. Fault: a push VEN that is down while an event is created and a
//! re-registration requested gets both once it is back, across a VTN restart (the VTN keeps
//! the undelivered payloads in its SQLite store and retries with backoff).
//!
//! Every wait is bounded; servers stop when dropped.

// Without the `sqlite` feature the restart test is left out, and what only it uses is unused.
#![cfg_attr(not(feature = "sqlite"), allow(unused))]

#[path = "support/scenario.rs"]
mod scenario;

use oadr::engine::vtn::VtnConfig;
use oadr::model::*;
use oadr::store::{MemoryStore, Store};
use oadr::transport::http_server::{self, Limits, OpenAdrEndpoints, PayloadHandler, Shutdown};
use oadr::transport::tls::{self, PeerTrust};
use oadr::transport::Service;
use oadr::ven::{Notification, VenBuilder, VenHandle};
use oadr::vtn::deliver::{HttpPush, HttpPushTls};
use oadr::vtn::push::{Backoff, PushOptions};
use oadr::vtn::Vtn;
use scenario::{certs, event_at_level, fingerprint, noted, stop, telemetry, until, Notes};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

/// Records the service of every payload a VEN sends to the VTN.
struct Recording {
    vtn: Vtn,
    services: Arc<Mutex<Vec<Service>>>,
}

impl PayloadHandler for Recording {
    fn payload(
        &self,
        service: Service,
        fingerprint: Option<&str>,
        body: &[u8],
    ) -> (&'static str, Vec<u8>) {
        self.services.lock().unwrap().push(service);
        self.vtn.payload(service, fingerprint, body)
    }
}

struct VtnServer {
    vtn: Vtn,
    url: String,
    addr: SocketAddr,
    services: Arc<Mutex<Vec<Service>>>,
    shutdown: Shutdown,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl VtnServer {
    async fn start(store: Arc<dyn Store>, tls: bool, listen: &str) -> VtnServer {
        let mut b = Vtn::builder(store)
            .config(VtnConfig {
                vtn_id: "push-vtn".into(),
                accept_push: true,
                // Unanswered events are pushed again quickly (tests the redelivery path).
                redeliver_after: chrono::Duration::seconds(30),
                ..VtnConfig::default()
            })
            .codec(Arc::new(oadr::vtn::codec::XmlCodec::default()));
        let ven_fp = fingerprint("ven-ecdsa.crt");
        b = scenario::vtn_security(b, tls);
        let vtn = b.build().unwrap();
        let acceptor = tls.then(|| {
            tls::server::acceptor(
                &certs("vtn-rsa.crt"),
                &certs("vtn-rsa.key"),
                None,
                &[ven_fp],
                false,
            )
            .unwrap()
        });
        let push_tls = tls.then(|| HttpPushTls {
            identity: Some((
                tls::load_certs(&certs("vtn-rsa.crt")).unwrap(),
                tls::load_key(&certs("vtn-rsa.key")).unwrap(),
            )),
            fallback: PeerTrust::default(),
        });
        let transport = Arc::new(HttpPush::new(push_tls, StdDuration::from_secs(5)));
        let listener = tokio::net::TcpListener::bind(listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, rx) = Shutdown::new();
        let services = Arc::new(Mutex::new(Vec::new()));
        let server = tokio::spawn(http_server::serve(
            listener,
            acceptor,
            Arc::new(OpenAdrEndpoints(Recording {
                vtn: vtn.clone(),
                services: services.clone(),
            })),
            Limits::default(),
            rx.clone(),
        ));
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
            tokio::spawn(async move { vtn.push_loop(vec![transport], options, rx).await })
        };
        let scheme = if tls { "https" } else { "http" };
        VtnServer {
            vtn,
            url: format!("{scheme}://{addr}"),
            addr,
            services,
            shutdown,
            tasks: vec![server, pusher],
        }
    }

    async fn stop(mut self) {
        self.shutdown.trigger();
        for t in self.tasks.drain(..) {
            tokio::time::timeout(StdDuration::from_secs(10), t)
                .await
                .expect("VTN task stops")
                .unwrap();
        }
    }
}

impl Drop for VtnServer {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// A push VEN for `vtn`: opts in to new events, out of modified ones.
fn ven(vtn_url: &str, tls: bool, notes: &Notes, listen: &str) -> VenBuilder {
    let notes = notes.clone();
    let mut b = VenBuilder::new(vtn_url, "push-ven")
        .codec(Arc::new(oadr::ven::codec::XmlCodec::default()))
        .timeout(StdDuration::from_secs(5))
        .push(listen.parse().unwrap())
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
    if tls {
        b = b
            .cert_key(certs("ven-ecdsa.crt"), certs("ven-ecdsa.key"))
            .vtn_fingerprint(fingerprint("vtn-rsa.crt"));
    }
    b
}

fn spawn(b: VenBuilder) -> (VenHandle, tokio::task::JoinHandle<()>, String) {
    let ven = b.build().expect("build");
    let address = ven.transport_address().expect("push address").to_owned();
    let h = ven.handle();
    let task = tokio::spawn(async move {
        ven.run().await.expect("run");
    });
    (h, task, address)
}

const MARKET: &str = "http://market.example/push";

fn event(ven_id: &str) -> Event {
    event_at_level(MARKET, ven_id, 2.0)
}

async fn every_scenario(tls: bool) {
    let vtn = VtnServer::start(Arc::new(MemoryStore::new()), tls, "127.0.0.1:0").await;
    let notes: Notes = Default::default();
    let (h, task, address) = spawn(ven(&vtn.url, tls, &notes, "127.0.0.1:0").report(telemetry()));
    assert!(
        address.starts_with(if tls {
            "https://127.0.0.1:"
        } else {
            "http://127.0.0.1:"
        }),
        "{address}"
    );

    // Registration: push, with the endpoint's address (spec digest §2, §4).
    let reg = tokio::time::timeout(StdDuration::from_secs(15), h.registered())
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
    assert!(!record.http_pull_model && record.is_push());
    assert_eq!(record.transport_address.as_deref(), Some(address.as_str()));
    if tls {
        assert_eq!(
            record.fingerprint.as_deref(),
            Some(fingerprint("ven-ecdsa.crt").to_string().as_str())
        );
    }

    // Report registration → the VTN's oadrCreateReport is pushed → oadrCreatedReport in the
    // HTTP answer → the request is active, updates arrive as the VEN's own requests.
    scenario::report_is_requested_and_delivered(&vtn.vtn, &notes, &ven_id, 15).await;
    // Events, opts and cancellations: every VTN-initiated payload pushed to the endpoint.
    scenario::events_and_opts(&vtn.vtn, &h, &notes, &ven_id, MARKET, 15).await;
    scenario::report_is_cancelled(&vtn.vtn, &notes, &ven_id, 15).await;
    assert_eq!(vtn.vtn.queued(&ven_id), 0);
    // Re-registration request: acknowledged in the HTTP answer, then the VEN registers again.
    scenario::reregistration(&vtn.vtn, &notes, &ven_id, 15).await;

    // The VEN never polled: every VTN-initiated payload came by push.
    let services = vtn.services.lock().unwrap().clone();
    assert!(!services.contains(&Service::OadrPoll), "{services:?}");
    assert!(services.contains(&Service::EiEvent) && services.contains(&Service::EiReport));

    scenario::registration_is_cancelled_by_the_vtn(&vtn.vtn, &notes, &ven_id, 15).await;

    stop(h, task).await;
    vtn.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_plain_every_scenario() {
    every_scenario(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_signed_over_mutual_tls_every_scenario() {
    every_scenario(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_and_push_vens_side_by_side() {
    let vtn = VtnServer::start(Arc::new(MemoryStore::new()), false, "127.0.0.1:0").await;
    let push_notes: Notes = Default::default();
    let (ph, ptask, _) = spawn(ven(&vtn.url, false, &push_notes, "127.0.0.1:0"));
    let pull_notes: Notes = Default::default();
    let pull = {
        let notes = pull_notes.clone();
        VenBuilder::new(vtn.url.clone(), "pull-ven")
            .codec(Arc::new(oadr::ven::codec::XmlCodec::default()))
            .default_poll_interval(chrono::Duration::milliseconds(300))
            .poll_jitter(chrono::Duration::milliseconds(50))
            .on_notification(move |n| {
                notes.lock().unwrap().push(n);
                async {}
            })
            .build()
            .unwrap()
    };
    let qh = pull.handle();
    let qtask = tokio::spawn(async move { pull.run().await.unwrap() });
    let push_id = ph.registered().await.unwrap().ven_id;
    let pull_id = qh.registered().await.unwrap().ven_id;
    // Both start-up oadrRequestEvent exchanges are over: the event can only come later.
    until("start-up exchanges", 15, || {
        let s = vtn.services.lock().unwrap();
        s.iter().filter(|s| **s == Service::EiEvent).count() >= 2
    })
    .await;
    let mut both = event(&push_id);
    both.targets = Targets::vens([push_id.clone(), pull_id.clone()]);
    let id = vtn.vtn.create_event(both).unwrap().id().to_owned();
    until("both VENs answered", 20, || {
        let d = vtn.vtn.deliveries(&id);
        [&push_id, &pull_id]
            .iter()
            .all(|v| d.iter().any(|d| &&d.ven_id == v && d.answered == Some(0)))
    })
    .await;
    let vens = vtn.vtn.vens();
    assert!(vens.iter().any(|v| v.ven_id == push_id && v.is_push()));
    assert!(vens.iter().any(|v| v.ven_id == pull_id && !v.is_push()));
    // Only the pull VEN polls.
    assert!(vtn.services.lock().unwrap().contains(&Service::OadrPoll));
    stop(ph, ptask).await;
    stop(qh, qtask).await;
    vtn.stop().await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_ven_that_was_down_gets_what_it_missed_even_across_a_vtn_restart() {
    let dir = std::env::temp_dir().join(format!("oadr-push-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("vtn.db");
    let state = dir.join("ven-state.json");
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(&state);
    let open = || Arc::new(oadr::store::SqliteStore::open(&db, oadr::store::Sync::Normal).unwrap());

    let vtn = VtnServer::start(open(), false, "127.0.0.1:0").await;
    let vtn_addr = vtn.addr.to_string();
    let notes: Notes = Default::default();
    let (h, task, address) = spawn(ven(&vtn.url, false, &notes, "127.0.0.1:0").state_file(&state));
    let ven_id = h.registered().await.unwrap().ven_id;
    let ven_listen = address.trim_start_matches("http://").to_owned();
    stop(h, task).await;

    // The VEN is down: an event and a re-registration request wait in the VTN's store while
    // the push loop retries.
    let event_id = vtn
        .vtn
        .create_event(event(&ven_id))
        .unwrap()
        .id()
        .to_owned();
    vtn.vtn.request_reregistration(&ven_id).unwrap();
    tokio::time::sleep(StdDuration::from_millis(800)).await;
    assert_eq!(
        vtn.vtn.queued(&ven_id),
        1,
        "the re-registration request is still queued"
    );
    assert!(
        vtn.vtn
            .deliveries(&event_id)
            .iter()
            .all(|d| d.delivered.is_none()),
        "nothing counts as delivered while the VEN is down"
    );

    // The VTN restarts from its store, on the same address.
    vtn.stop().await;
    let vtn = VtnServer::start(open(), false, &vtn_addr).await;
    assert_eq!(vtn.vtn.queued(&ven_id), 1, "kept across the restart");

    // The VEN comes back on its registered address, with its stored registration.
    let notes: Notes = Default::default();
    let (h, task, again) = spawn(ven(&vtn.url, false, &notes, &ven_listen).state_file(&state));
    assert_eq!(again, address);
    until("re-registration request delivered", 20, || {
        noted(&notes, |n| matches!(n, Notification::Registered(_))) > 0
    })
    .await;
    until("event answered", 20, || {
        vtn.vtn
            .deliveries(&event_id)
            .iter()
            .any(|d| d.ven_id == ven_id && d.answered == Some(0) && d.opt == Some(OptType::OptIn))
    })
    .await;
    until("queue drained", 20, || vtn.vtn.queued(&ven_id) == 0).await;
    stop(h, task).await;
    vtn.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
