//! A minimal VTN, in the shape of OpenLEADR's README server example: a registration handler
//! that accepts one VEN by name (or by certificate fingerprint), an event created for each
//! VEN as it registers, and a handler that prints the report values VENs send.
//!
//! ```sh
//! cargo run --example vtn                     # listens on 127.0.0.1:8080 until Ctrl-C
//! cargo run --example ven                     # in another shell
//! cargo run --example vtn -- --for 20         # stop by itself after 20 s
//! ```
//!
//! Plain HTTP, no signatures, state in memory: see `oadr vtn --help` (or the VTN builder's
//! `signer`/`verifier` and `oadr::transport::tls`) for TLS, XML signatures and SQLite.

use oadr::engine::vtn::{
    Acceptance, Notification, Policy, RegistrationDecision, RegistrationRequest, VtnConfig,
};
use oadr::model::{Duration, Event, ResponseCode, Targets};
use oadr::store::MemoryStore;
use oadr::transport::http_server::{self, Limits, OpenAdrEndpoints, Shutdown};
use oadr::vtn::Vtn;
use std::sync::Arc;

/// Accept the VEN named `ven123` (OpenLEADR's README name), or any VEN whose certificate
/// fingerprint is listed.
#[derive(Debug)]
struct Registrations {
    fingerprints: Vec<String>,
}

impl Policy for Registrations {
    fn registration(&self, r: &RegistrationRequest<'_>) -> RegistrationDecision {
        let by_name = r.message.ven_name.as_deref() == Some("ven123");
        let by_fingerprint = r
            .fingerprint
            .is_some_and(|f| self.fingerprints.iter().any(|a| a.eq_ignore_ascii_case(f)));
        if by_name || by_fingerprint {
            // `ven_id: None`: the VTN assigns one (or keeps the one it gave before).
            RegistrationDecision::Accept(Acceptance::default())
        } else {
            RegistrationDecision::Reject(
                ResponseCode::NOT_REGISTERED_OR_AUTHORIZED,
                "unknown VEN".into(),
            )
        }
    }
}

/// What the VTN's handler passes on to the task that acts on it.
enum Todo {
    EventFor(String),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (listen, stop_after) = args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(listen, stop_after))
}

async fn run(
    listen: String,
    stop_after: Option<std::time::Duration>,
) -> Result<(), Box<dyn std::error::Error>> {
    let (todo_tx, mut todo) = tokio::sync::mpsc::unbounded_channel();
    let vtn = Vtn::builder(Arc::new(MemoryStore::default()))
        .config(VtnConfig {
            vtn_id: "myvtn".into(),
            // Short, so that the example shows something quickly (OpenADR deployments use
            // minutes).
            poll_frequency: Duration::seconds(2),
            ..VtnConfig::default()
        })
        .policy(Arc::new(Registrations {
            fingerprints: Vec::new(),
        }))
        .on_notification(move |n| match n {
            Notification::VenRegistered {
                ven_id, ven_name, ..
            } => {
                println!(
                    "vtn: {} registered as {ven_id}",
                    ven_name.as_deref().unwrap_or("?")
                );
                let _ = todo_tx.send(Todo::EventFor(ven_id.clone()));
            }
            Notification::EventResponse {
                ven_id,
                event_id,
                opt_type,
                ..
            } => println!(
                "vtn: {ven_id} answered event {event_id}: {}",
                opt_type.as_str()
            ),
            Notification::ReportsRegistered {
                ven_id, requested, ..
            } => println!("vtn: {ven_id} offered reports; requested {requested:?}"),
            Notification::ReportData { ven_id, report, .. } => {
                for i in report.intervals.iter().flatten() {
                    for p in &i.report_payloads {
                        println!("vtn: {ven_id} reports {} = {:?}", p.r_id, p.value);
                    }
                }
            }
            _ => {}
        })
        .build()?;

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "vtn: listening on http://{}/OpenADR2/Simple/2.0b",
        listener.local_addr()?
    );
    let (shutdown, rx) = Shutdown::new();
    let server = tokio::spawn(http_server::serve(
        listener,
        None,
        Arc::new(OpenAdrEndpoints(vtn.clone())),
        Limits::default(),
        rx,
    ));

    // An event for every VEN that registers: SIMPLE level 1 for 5 minutes, starting in 10 s.
    let events = {
        let vtn = vtn.clone();
        tokio::spawn(async move {
            while let Some(Todo::EventFor(ven_id)) = todo.recv().await {
                let event = Event::builder("", "http://myvtn.example/market")
                    .start(chrono::Utc::now() + chrono::Duration::seconds(10))
                    .simple_signal([(Duration::minutes(5), 1.0)])
                    .targets(Targets::new().ven(&ven_id))
                    .build();
                match vtn.create_event(event) {
                    Ok(e) => println!("vtn: created event {} for {ven_id}", e.id()),
                    Err(e) => eprintln!("vtn: could not create an event: {e}"),
                }
            }
        })
    };

    match stop_after {
        Some(d) => tokio::time::sleep(d).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    println!("vtn: stopping");
    shutdown.trigger();
    events.abort();
    let _ = server.await;
    Ok(())
}

/// `[--listen ADDR] [--for SECONDS]`.
fn args() -> Result<(String, Option<std::time::Duration>), String> {
    let mut listen = "127.0.0.1:8080".to_owned();
    let mut stop_after = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--listen" => listen = it.next().ok_or("--listen ADDR")?,
            "--for" => {
                let s = it.next().ok_or("--for SECONDS")?;
                let secs: u64 = s
                    .trim_end_matches('s')
                    .parse()
                    .map_err(|_| "--for SECONDS")?;
                stop_after = Some(std::time::Duration::from_secs(secs));
            }
            _ => {
                return Err(format!(
                    "unknown argument {a:?}; usage: vtn [--listen ADDR] [--for SECONDS]"
                ))
            }
        }
    }
    Ok((listen, stop_after))
}
