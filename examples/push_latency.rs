//! Latency from event creation to the VEN's event handler, for N oadr VENs on loopback, per
//! transport (issue 8; `bench/push_latency.sh` runs it).
//!
//!     push_latency --transport pull|push|xmpp [--vens 1000] [--poll-freq-s 10] [--timeout-s 60]
//!
//! One process: an oadr VTN (memory store, XML codec, push loop) and N oadr VENs (the real
//! `oadr::ven` runtime, XML codec, no TLS), started evenly over one poll period. All VENs
//! register first; then one event targeting all of them is created and each VEN's event
//! handler records when it is called. Pull VENs
//! poll at the VTN's oadrRequestedOadrPollFreq (`--poll-freq-s`, the VTN default 10 s) with
//! the VEN's default 1 s jitter; push VENs get the event POSTed to their own endpoint; XMPP
//! VENs get it in an IQ from the VTN through a Prosody started on loopback for the run
//! ([`oadr::transport::xmpp::prosody`], the tests' harness; one account per VEN), all
//! clients with STARTTLS and SASL PLAIN.
//! Prints one JSON line: transport, VENs reached, p50/p90/p99/max/mean latency in ms, the CPU
//! seconds this process (VTN and VENs) and Prosody used while the event travelled, and the
//! 1-minute load average (the machine may be shared: compare CPU with wall time).
//!
//! Another transport is one more arm in `ven_builder` and `Transport` (and a line in the
//! script); everything else is shared. Bounded: `--timeout-s` caps each phase.

use oadr::engine::vtn::{AllowListPolicy, VtnConfig};
use oadr::model::{Duration, Event, OptType, Targets};
use oadr::store::MemoryStore;
use oadr::transport::http_server::{self, Limits, OpenAdrEndpoints, Shutdown};
use oadr::transport::tls::{self, PeerTrust};
use oadr::transport::xmpp::prosody::Prosody;
use oadr::transport::xmpp::{Disco, Jid, XmppClient, XmppConfig};
use oadr::ven::{VenBuilder, VenHandle};
use oadr::vtn::deliver::Deliver;
use oadr::vtn::deliver::HttpPush;
use oadr::vtn::push::PushOptions;
use oadr::vtn::xmpp::XmppDeliver;
use oadr::vtn::Vtn;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Pull,
    Push,
    Xmpp,
}

struct Args {
    transport: Transport,
    vens: usize,
    poll_freq_s: u32,
    timeout: StdDuration,
}

fn args() -> Args {
    let mut a = Args {
        transport: Transport::Pull,
        vens: 1000,
        poll_freq_s: 10,
        timeout: StdDuration::from_secs(60),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    let usage = || -> ! {
        eprintln!("usage: push_latency --transport pull|push|xmpp [--vens N] [--poll-freq-s S] [--timeout-s S]");
        std::process::exit(2)
    };
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--transport" => {
                a.transport = match value.as_str() {
                    "pull" => Transport::Pull,
                    "push" => Transport::Push,
                    "xmpp" => Transport::Xmpp,
                    _ => usage(),
                }
            }
            "--vens" => a.vens = value.parse().unwrap_or_else(|_| usage()),
            "--poll-freq-s" => a.poll_freq_s = value.parse().unwrap_or_else(|_| usage()),
            "--timeout-s" => {
                a.timeout = StdDuration::from_secs(value.parse().unwrap_or_else(|_| usage()))
            }
            _ => usage(),
        }
    }
    a
}

type Seen = Arc<Mutex<Vec<Instant>>>;

const VTN_JID: &str = "vtn@localhost/oadr";

/// An XMPP client configuration for an account of `p` (password: the user name).
fn xmpp_config(p: &Prosody, jid: &str) -> XmppConfig {
    let ca = tls::load_certs(&p.ca()).expect("Prosody's CA");
    let trust = PeerTrust {
        fingerprints: vec![],
        ca,
    };
    let tls = tls::client::client_config(trust, None).expect("TLS client config");
    let mut c = XmppConfig::new(jid.parse().expect("JID"), Arc::new(tls));
    c.password = jid.split('@').next().map(str::to_owned);
    c.server = Some(p.server());
    c
}

fn ven_builder(
    url: &str,
    name: &str,
    transport: Transport,
    seen: &Seen,
    xmpp: Option<&Prosody>,
) -> VenBuilder {
    let seen = seen.clone();
    let b = VenBuilder::new(url, name)
        .codec(Arc::new(oadr::ven::codec::XmlCodec::default()))
        .on_event(move |_event, _modified| {
            seen.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Instant::now());
            async { OptType::OptIn }
        });
    match transport {
        Transport::Pull => b,
        Transport::Push => b.push("127.0.0.1:0".parse().expect("address")),
        Transport::Xmpp => {
            let p = xmpp.expect("Prosody runs for --transport xmpp");
            let jid = format!("{name}@localhost/oadr");
            b.xmpp(xmpp_config(p, &jid), VTN_JID.parse().expect("JID"))
        }
    }
}

/// User + system CPU seconds of process `pid` (`self` for this one) from /proc (Linux; the
/// usual 100 ticks per second), or `None` elsewhere.
fn cpu_s(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th
    // and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn wait(what: &str, timeout: StdDuration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        if Instant::now() >= deadline {
            eprintln!("push_latency: timed out waiting for {what}");
            std::process::exit(1);
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// Prosody with the VTN's and every VEN's account (`--transport xmpp`).
fn start_prosody(vens: usize) -> Prosody {
    let p = Prosody::start().unwrap_or_else(|e| {
        eprintln!("push_latency: {e}");
        std::process::exit(1)
    });
    let names: Vec<String> = (0..vens).map(ven_name).chain(["vtn".into()]).collect();
    p.register_many(names.iter().map(|n| (n.as_str(), n.as_str())))
        .expect("accounts");
    p
}

fn ven_name(i: usize) -> String {
    format!("bench-ven-{i}")
}

/// The VTN's XMPP session: requests answered by `vtn`, VTN-initiated payloads delivered by
/// the returned [`XmppDeliver`].
async fn vtn_over_xmpp(
    p: &Prosody,
    vtn: &Vtn,
    rx: tokio::sync::watch::Receiver<bool>,
) -> (XmppClient, Arc<dyn Deliver>) {
    let mut cfg = xmpp_config(p, VTN_JID);
    let jid: Jid = VTN_JID.parse().expect("JID");
    cfg.disco = Disco::vtn(&jid);
    let (client, incoming) = XmppClient::start(cfg);
    client.online().await.expect("the VTN's XMPP session");
    let vtn = vtn.clone();
    tokio::spawn(async move { vtn.serve_xmpp(incoming, rx).await });
    (client.clone(), Arc::new(XmppDeliver::new(client)))
}

async fn run(a: Args) {
    let prosody = (a.transport == Transport::Xmpp).then(|| start_prosody(a.vens));
    let vtn = Vtn::builder(Arc::new(MemoryStore::new()))
        .config(VtnConfig {
            vtn_id: "bench-vtn".into(),
            poll_frequency: Duration::seconds(a.poll_freq_s),
            accept_push: true,
            accept_xmpp: true,
            ..VtnConfig::default()
        })
        .policy(Arc::new(AllowListPolicy::accept_any()))
        .codec(Arc::new(oadr::vtn::codec::XmlCodec::default()))
        .build()
        .expect("VTN");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (shutdown, rx) = Shutdown::new();
    let server = tokio::spawn(http_server::serve(
        listener,
        None,
        Arc::new(OpenAdrEndpoints(vtn.clone())),
        Limits::default(),
        rx.clone(),
    ));
    let mut deliver: Vec<Arc<dyn Deliver>> =
        vec![Arc::new(HttpPush::new(None, StdDuration::from_secs(10)))];
    let vtn_xmpp = match &prosody {
        Some(p) => {
            let (client, d) = vtn_over_xmpp(p, &vtn, rx.clone()).await;
            deliver.push(d);
            Some(client)
        }
        None => None,
    };
    let pusher = {
        let vtn = vtn.clone();
        let rx = rx.clone();
        tokio::spawn(async move { vtn.push_loop(deliver, PushOptions::default(), rx).await })
    };

    let seen: Seen = Default::default();
    let mut handles: Vec<(VenHandle, tokio::task::JoinHandle<()>)> = Vec::new();
    // VEN starts are spread over one poll period, so that pull VENs poll with uniformly
    // spread phases as a real fleet would (all in phase, the pull figure would depend on when
    // the event happens to be created); push VENs are started the same way.
    let spacing = StdDuration::from_secs(u64::from(a.poll_freq_s)) / (a.vens.max(1) as u32);
    for i in 0..a.vens {
        tokio::time::sleep(spacing).await;
        let ven = ven_builder(&url, &ven_name(i), a.transport, &seen, prosody.as_ref())
            .build()
            .expect("VEN");
        let h = ven.handle();
        let task = tokio::spawn(async move {
            let _ = ven.run().await;
        });
        handles.push((h, task));
    }
    let started = Instant::now();
    let vens = a.vens;
    wait("registrations", a.timeout, || {
        handles
            .iter()
            .filter(|(h, _)| h.registration().is_some())
            .count()
            == vens
    })
    .await;
    let registered_in = started.elapsed();
    // Let every VEN finish its start-up exchanges (oadrRequestEvent) and settle.
    tokio::time::sleep(StdDuration::from_secs(2)).await;
    let ids: Vec<String> = handles
        .iter()
        .filter_map(|(h, _)| h.registration().map(|r| r.ven_id))
        .collect();
    // Target them by group: a list of N venIDs would make every payload O(N) long.
    for id in &ids {
        vtn.set_groups(id, vec!["bench".into()]).expect("groups");
    }
    let mut targets = Targets::new();
    targets.group_id.push("bench".into());
    let event = Event::builder("", "http://market.example/bench")
        .start(chrono::Utc::now() + chrono::Duration::hours(1))
        .simple_signal([(Duration::minutes(30), 1.0)])
        .targets(targets)
        .build();
    seen.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let prosody_pid = prosody.as_ref().and_then(|p| {
        let pid = std::fs::read_to_string(p.dir().join("prosody.pid")).ok()?;
        Some(pid.trim().to_owned())
    });
    let cpu_before = (cpu_s("self"), prosody_pid.as_deref().and_then(cpu_s));
    let created = Instant::now();
    vtn.create_event(event).expect("event");
    wait("every VEN's handler", a.timeout, || {
        seen.lock().unwrap_or_else(|e| e.into_inner()).len() >= vens
    })
    .await;
    // CPU used while the event travelled: this process (VTN and VENs), and Prosody.
    let cpu = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(b), Some(a)) => format!("{:.2}", a - b),
        _ => "null".to_owned(),
    };
    let cpu_process = cpu(cpu_before.0, cpu_s("self"));
    let cpu_prosody = cpu(cpu_before.1, prosody_pid.as_deref().and_then(cpu_s));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load1 = load.split_whitespace().next().unwrap_or("null").to_owned();
    let mut ms: Vec<f64> = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|t| t.duration_since(created).as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(|x, y| x.total_cmp(y));
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    println!(
        "{{\"transport\":\"{}\",\"vens\":{},\"reached\":{},\"poll_freq_s\":{},\"registered_s\":{:.2},\"p50_ms\":{:.1},\"p90_ms\":{:.1},\"p99_ms\":{:.1},\"max_ms\":{:.1},\"mean_ms\":{:.1},\"cpu_s\":{},\"prosody_cpu_s\":{},\"load1\":{}}}",
        format!("{:?}", a.transport).to_lowercase(),
        vens,
        ms.len(),
        a.poll_freq_s,
        registered_in.as_secs_f64(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.9),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN),
        mean,
        cpu_process,
        cpu_prosody,
        load1
    );
    for (h, _) in &handles {
        let _ = h.shutdown().await;
    }
    for (_, t) in handles {
        let _ = tokio::time::timeout(StdDuration::from_secs(10), t).await;
    }
    shutdown.trigger();
    let _ = server.await;
    let _ = pusher.await;
    if let Some(c) = vtn_xmpp {
        c.stop().await;
    }
    drop(prosody);
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
}
