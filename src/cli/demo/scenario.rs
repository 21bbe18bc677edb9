//! The demo's script: start the parties, then wait for each step's outcome in turn (each with
//! its own time limit), then stop everything and check the VTN's records.

use super::certs::{self, VEN_COUNT};
use super::console::{Console, Tally};
use super::pair::{self, Hooks, Transport};
use super::{summary, Failure};
use crate::engine::vtn::Notification as VtnNotification;
use crate::model::{Duration, Event, OptReason, OptType, Targets};
use crate::ven::{
    DataSource, Notification, OptSpec, OptTarget, ReportOffer, VenBuilder, VenHandle,
};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

/// The VEN (index) that opts out of the event.
pub(super) const OPT_OUT: usize = VEN_COUNT - 1;
/// oadrRequestedOadrPollFreq: short, so that the demo is quick.
const POLL_SECONDS: u32 = 1;
/// The telemetry report's sampling period (and so the reporting period).
const REPORT_SECONDS: u32 = 2;
/// Readings each VEN must deliver.
const UPDATES_PER_VEN: usize = 2;

/// A simulated meter: a base load, curtailed to 60 % while an opted-in event runs.
#[derive(Debug)]
struct Meter {
    base: f32,
    curtailed: AtomicBool,
    reads: AtomicU32,
}

impl Meter {
    fn read(&self) -> f32 {
        let n = self.reads.fetch_add(1, Ordering::Relaxed);
        let wiggle = (n.wrapping_mul(37) % 100) as f32 - 50.0;
        let factor = if self.curtailed.load(Ordering::Relaxed) {
            0.6
        } else {
            1.0
        };
        self.base * factor + wiggle
    }
}

/// The opt a VEN's event handler gives.
pub(super) fn opt_of(i: usize) -> OptType {
    if i == OPT_OUT {
        OptType::OptOut
    } else {
        OptType::OptIn
    }
}

/// Run the whole demo over `transport`, with its files in `dir`.
pub(super) async fn run(
    transport: Transport,
    console: Arc<Console>,
    dir: &Path,
) -> Result<(), Failure> {
    let ids = certs::write(dir).map_err(|e| Failure::new("setup", e))?;
    let names: Vec<String> = ids.vens.iter().map(|v| v.name.clone()).collect();
    let meters: Vec<Arc<Meter>> = (0..names.len())
        .map(|i| {
            Arc::new(Meter {
                base: 4000.0 + 750.0 * i as f32,
                curtailed: AtomicBool::new(false),
                reads: AtomicU32::new(0),
            })
        })
        .collect();
    let hooks = Hooks {
        on_vtn: Box::new({
            let c = console.clone();
            move |n| on_vtn(&mut c.tally(), n)
        }),
        ven: Box::new({
            let c = console.clone();
            let names = names.clone();
            let meters = meters.clone();
            move |i, b| ven_hooks(b, &c, &names[i], i, &meters[i])
        }),
    };
    let db = dir.join("vtn.sqlite");
    let deployment = pair::deploy(
        transport,
        &ids,
        &db,
        Duration::seconds(POLL_SECONDS),
        console.clone(),
        hooks,
    )
    .await
    .map_err(|e| Failure::new("setup", e))?;
    console.text(format!(
        "oadr demo: a VTN and {} VENs on {} ({}); VTN store {}",
        names.len(),
        deployment.url,
        transport.describe(),
        db.display()
    ));
    console.text("(idle polls are counted, not printed; --xml / --json print every payload)");
    let mut handles = Vec::new();
    let mut tasks = Vec::new();
    for (name, ven) in deployment.vens {
        handles.push((name, ven.handle()));
        tasks.push(tokio::spawn(ven.run()));
    }
    let result = steps(&console, &deployment.vtn, &handles).await;
    console.text("── stopping");
    for (_, h) in &handles {
        let _ = h.shutdown().await;
    }
    let mut stopped = Ok(());
    for ((name, _), task) in handles.iter().zip(tasks) {
        match tokio::time::timeout(StdDuration::from_secs(5), task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => stopped = Err(Failure::new("stop", format!("{name}: {e}"))),
            Ok(Err(e)) => stopped = Err(Failure::new("stop", format!("{name}: {e}"))),
            Err(_) => stopped = Err(Failure::new("stop", format!("{name} did not stop"))),
        }
    }
    deployment.shutdown.trigger();
    let _ = tokio::time::timeout(StdDuration::from_secs(5), deployment.server).await;
    // The XMPP server (if any) goes last: the parties have closed their sessions.
    drop(deployment.prosody);
    let event_id = result?;
    stopped?;
    summary::check_and_print(&console, &deployment.vtn, &event_id, &names)
}

fn on_vtn(t: &mut Tally, n: &VtnNotification) {
    match n {
        VtnNotification::VenRegistered {
            ven_id, ven_name, ..
        } => {
            let name = ven_name.clone().unwrap_or_else(|| ven_id.clone());
            t.names.insert(ven_id.clone(), name.clone());
            t.registered.insert(name);
        }
        VtnNotification::ReportsRegistered { ven_id, .. } => {
            let name = t.name_of(ven_id);
            t.reports_offered.insert(name);
        }
        VtnNotification::ReportsPending { ven_id, .. } => {
            let name = t.name_of(ven_id);
            t.reports_pending.insert(name);
        }
        VtnNotification::EventResponse {
            ven_id, opt_type, ..
        } => {
            let name = t.name_of(ven_id);
            t.event_responses.insert(name, *opt_type);
        }
        VtnNotification::ReportData { ven_id, .. } => {
            let name = t.name_of(ven_id);
            if t.started.contains_key(&name) {
                *t.updates_after_start.entry(name.clone()).or_insert(0) += 1;
            }
            *t.updates.entry(name).or_insert(0) += 1;
        }
        VtnNotification::OptCreated(o) => {
            let name = t.name_of(&o.ven_id);
            t.opts.push((name, o.opt_id.clone(), o.opt_type));
        }
        _ => {}
    }
}

fn ven_hooks(
    b: VenBuilder,
    console: &Arc<Console>,
    name: &str,
    i: usize,
    meter: &Arc<Meter>,
) -> VenBuilder {
    let opt = opt_of(i);
    let source = {
        let meter = meter.clone();
        DataSource::float(move || {
            let meter = meter.clone();
            async move { meter.read() }
        })
    };
    let (console, name, meter) = (console.clone(), name.to_owned(), meter.clone());
    b.on_event(move |_event, _modified| async move { opt })
        .on_notification(move |n| {
            on_ven(&console, &name, &meter, i, n);
            async {}
        })
        .report(ReportOffer::telemetry_power(
            "meter",
            "power",
            Duration::seconds(REPORT_SECONDS),
            Duration::seconds(REPORT_SECONDS),
            source,
        ))
}

fn on_ven(console: &Console, name: &str, meter: &Meter, i: usize, n: Notification) {
    match n {
        Notification::RegistrationFailed {
            code, description, ..
        } => console.line(
            name,
            format!(
                "registration failed ({}): {description}; retrying",
                code.map_or_else(|| "no answer".to_owned(), |c| c.to_string())
            ),
        ),
        Notification::EventStarted {
            event_id, offset, ..
        } => {
            console.tally().started.insert(name.to_owned(), offset);
            let opted_in = opt_of(i) == OptType::OptIn;
            meter.curtailed.store(opted_in, Ordering::Relaxed);
            console.line(
                name,
                format!(
                    "event {event_id} active here {:.1} s after its dtstart (random startafter offset){}",
                    offset.num_milliseconds() as f64 / 1000.0,
                    if opted_in { "; load curtailed to 60 %" } else { "; opted out, load unchanged" }
                ),
            );
        }
        Notification::IntervalStarted {
            event_id,
            uid,
            values,
            ..
        } => console.line(
            name,
            format!("event {event_id} interval {uid}: SIMPLE level {values:?}"),
        ),
        Notification::EventEnded { event_id } => {
            meter.curtailed.store(false, Ordering::Relaxed);
            console.line(name, format!("event {event_id} ended"));
        }
        _ => {}
    }
}

/// Wait until `cond` holds, printing progress; fail on timeout or on any recorded problem.
async fn wait(
    console: &Console,
    step: &'static str,
    limit_seconds: u64,
    cond: impl Fn(&Tally) -> (bool, String),
) -> Result<(), Failure> {
    console.text(format!("── {step}"));
    console.tally().step = step;
    let begin = Instant::now();
    loop {
        let (done, status, exchanges, idle) = {
            let t = console.tally();
            if !t.problems.is_empty() {
                return Err(Failure::new(step, t.problems.join("; ")));
            }
            let (done, status) = cond(&t);
            (done, status, t.exchanges, t.idle_polls)
        };
        if done {
            return Ok(());
        }
        let waited = begin.elapsed();
        if waited > StdDuration::from_secs(limit_seconds) {
            return Err(Failure::new(
                step,
                format!("nothing after {limit_seconds} s: {status}"),
            ));
        }
        console.progress(&format!(
            "{step}: {status} · waiting {:.1} s · {exchanges} exchanges, {idle} idle polls",
            waited.as_secs_f64()
        ));
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

fn count(what: &str, n: usize, of: usize) -> String {
    format!("{n}/{of} {what}")
}

/// The steps after start-up; returns the event's id.
async fn steps(
    console: &Console,
    vtn: &crate::vtn::Vtn,
    vens: &[(String, VenHandle)],
) -> Result<String, Failure> {
    let n = vens.len();
    wait(console, "registration", 10, |t| {
        (
            t.registered.len() == n,
            count("VENs registered", t.registered.len(), n),
        )
    })
    .await?;
    wait(console, "report registration", 10, |t| {
        (
            t.reports_offered.len() == n && t.reports_pending.len() == n,
            format!(
                "{}, {}",
                count("VENs offered reports", t.reports_offered.len(), n),
                count("acknowledged the requests", t.reports_pending.len(), n)
            ),
        )
    })
    .await?;

    let start = chrono::Utc::now() + chrono::Duration::seconds(2);
    let event = Event::builder("", "http://oadr.example/demo-market")
        .start(start)
        .start_after(Duration::seconds(3))
        .simple_signal([(Duration::seconds(4), 1.0), (Duration::seconds(4), 2.0)])
        .targets(Targets::vens(vtn.vens().into_iter().map(|v| v.ven_id)))
        .comment("oadr demo")
        .build();
    let record = vtn
        .create_event(event)
        .map_err(|e| Failure::new("event", format!("the VTN refused the event: {e}")))?;
    let event_id = record.id().to_owned();
    console.line(
        "vtn",
        format!(
            "created event {event_id} for every VEN: SIMPLE level 1 then 2 (4 s each) from {} + a random 0–3 s per VEN (startafter PT3S)",
            start.format("%H:%M:%S")
        ),
    );
    wait(console, "event responses", 10, |t| {
        (
            t.event_responses.len() == n,
            count("VENs answered the event", t.event_responses.len(), n),
        )
    })
    .await?;

    let (name, handle) = &vens[OPT_OUT.min(n.saturating_sub(1))];
    console.line(
        name,
        format!("sends an oadrCreateOpt: optOut of event {event_id}"),
    );
    let spec = OptSpec {
        opt_type: OptType::OptOut,
        opt_reason: OptReason::NotParticipating,
        target: OptTarget::Event {
            event_id: event_id.clone(),
            modification_number: record.modification_number(),
        },
        targets: Targets::default(),
        market_context: None,
        opt_id: None,
    };
    match handle.create_opt(spec).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(Failure::new("opt", format!("{name}: {e}"))),
        Err(e) => return Err(Failure::new("opt", format!("{name}: {e}"))),
    }
    wait(console, "opt", 8, |t| {
        (t.opts.len() == 1, count("opts received", t.opts.len(), 1))
    })
    .await?;

    let opted_in: Vec<String> = vens
        .iter()
        .enumerate()
        .filter(|(i, _)| opt_of(*i) == OptType::OptIn)
        .map(|(_, (name, _))| name.clone())
        .collect();
    wait(console, "event start", 12, |t| {
        let started = opted_in
            .iter()
            .filter(|v| t.started.contains_key(*v))
            .count();
        (
            started == opted_in.len(),
            count("opted-in VENs started the event", started, opted_in.len()),
        )
    })
    .await?;
    wait(console, "readings", 12, |t| {
        let ok = vens
            .iter()
            .filter(|(name, _)| {
                let after = t.updates_after_start.get(name).copied().unwrap_or(0);
                t.updates.get(name).copied().unwrap_or(0) >= UPDATES_PER_VEN
                    && (!opted_in.contains(name) || after >= UPDATES_PER_VEN)
            })
            .count();
        (
            ok == n,
            count(
                &format!(
                    "VENs sent {UPDATES_PER_VEN} reports (opted-in ones {UPDATES_PER_VEN} since the event started)"
                ),
                ok,
                n,
            ),
        )
    })
    .await?;
    Ok(event_id)
}
