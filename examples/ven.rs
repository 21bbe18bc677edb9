//! A minimal VEN, in the shape of OpenLEADR's README client example: an event handler that
//! opts in, and a report data source (a simulated power meter) that the VTN can request.
//!
//! ```sh
//! cargo run --example vtn                     # a VTN on 127.0.0.1:8080, in one shell
//! cargo run --example ven                     # this VEN, until Ctrl-C
//! cargo run --example ven -- --for 20         # stop by itself after 20 s
//! cargo run --example ven -- --vtn-url http://127.0.0.1:8080/OpenADR2/Simple/2.0b
//! ```
//!
//! Plain HTTP, no signatures: add `.cert_key(cert, key)` and `.vtn_fingerprint(fp)` (and an
//! `https://` URL) for TLS and XML signatures, as `oadr ven --help` describes.

use oadr::model::{Duration, Event, OptType};
use oadr::ven::codec::XmlCodec;
use oadr::ven::{DataSource, Notification, ReportOffer, VenBuilder};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Decide on an event: here, always opt in.
async fn handle_event(event: Event, modified: bool) -> OptType {
    println!(
        "ven: {} event {} (starts {}), opting in",
        if modified { "modified" } else { "new" },
        event.id(),
        event.active_period.dtstart
    );
    OptType::OptIn
}

/// The current power, W (a simulated meter).
async fn collect_report_value(reads: Arc<AtomicU32>) -> f32 {
    let n = reads.fetch_add(1, Ordering::Relaxed);
    1000.0 + (n % 10) as f32 * 10.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (vtn_url, stop_after) = args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(run(vtn_url, stop_after))
}

async fn run(
    vtn_url: String,
    stop_after: Option<std::time::Duration>,
) -> Result<(), Box<dyn std::error::Error>> {
    let reads = Arc::new(AtomicU32::new(0));
    let ven = VenBuilder::new(vtn_url, "ven123")
        .codec(Arc::<XmlCodec>::default())
        .on_event(handle_event)
        .on_notification(|n| async move {
            match n {
                Notification::Registered(r) => {
                    println!("ven: registered as {} with {}", r.ven_id, r.vtn_id)
                }
                Notification::ReportRequested {
                    report_request_id, ..
                } => println!("ven: the VTN requested report {report_request_id}"),
                Notification::ReportSent {
                    report_request_id,
                    intervals,
                } => println!("ven: sent {intervals} intervals for {report_request_id}"),
                Notification::EventStarted { event_id, .. } => {
                    println!("ven: event {event_id} started")
                }
                _ => {}
            }
        })
        // A METADATA_TELEMETRY_USAGE report "device001" with one real-power point, sampled
        // every 2 to 10 seconds.
        .report(ReportOffer::telemetry_power(
            "device001",
            "power",
            Duration::seconds(2),
            Duration::seconds(10),
            DataSource::float(move || collect_report_value(reads.clone())),
        ))
        .build()?;
    let stop = async move {
        match stop_after {
            Some(d) => tokio::time::sleep(d).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        println!("ven: stopping");
    };
    ven.run_until(stop).await?;
    Ok(())
}

/// `[--vtn-url URL] [--for SECONDS]`.
fn args() -> Result<(String, Option<std::time::Duration>), String> {
    let mut url = "http://127.0.0.1:8080/OpenADR2/Simple/2.0b".to_owned();
    let mut stop_after = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--vtn-url" => url = it.next().ok_or("--vtn-url URL")?,
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
                    "unknown argument {a:?}; usage: ven [--vtn-url URL] [--for SECONDS]"
                ))
            }
        }
    }
    Ok((url, stop_after))
}
