//! oadr's VEN against OpenLEADR 0.5.36's OpenADRServer (tests/interop/openleadr_vtn.py in
//! the project venv), plain, signed, and signed over mutual TLS with self-signed (CA:TRUE)
//! certificates: registration, an event received, answered and run (start/end callbacks),
//! telemetry requested and delivered with the right values, an opt created and cancelled,
//! the registration cancelled. Each run is bounded; the Python VTN is killed at the end.

mod support;

use oadr::model::*;
use oadr::ven::codec::XmlCodec;
use oadr::ven::{DataSource, Notification, OptSpec, OptTarget, ReportOffer, VenBuilder};
use serde_json::Value;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

const VTN_FP: &str = "E1:88:78:A2:50:89:A8:08:9D:6E";
const VEN_FP: &str = "FF:B3:02:4F:4D:6B:9E:E3:2A:38";
const METER: f32 = 1234.5;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    Signed,
    Tls,
}

struct Vtn {
    child: tokio::process::Child,
    lines: Arc<Mutex<Vec<Value>>>,
    url: String,
}

impl Vtn {
    async fn start(mode: Mode) -> Option<Vtn> {
        let python = support::python()?;
        let root = support::root();
        let certs = root.join("tests/fixtures/certs");
        let c = |f: &str| certs.join(f).display().to_string();
        let mut cmd = tokio::process::Command::new(python);
        cmd.arg(root.join("tests/interop/openleadr_vtn.py"))
            .args(["--port", "0", "--duration", "60", "--poll-freq", "1"])
            .args(["--event", "SIMPLE,level,2,3,2"])
            .current_dir(root.join("tests/interop"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        if mode != Mode::Plain {
            cmd.args(["--cert", &c("vtn-rsa.crt"), "--key", &c("vtn-rsa.key")]);
        }
        if mode == Mode::Tls {
            cmd.args([
                "--tls-cert",
                &c("vtn-rsa.crt"),
                "--tls-key",
                &c("vtn-rsa.key"),
            ])
            .args(["--tls-ca", &c("ven-rsa.crt"), "--ven-fingerprint", VEN_FP]);
        }
        let mut child = cmd.spawn().expect("start the OpenLEADR VTN");
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l2 = lines.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut tx = Some(tx);
            let mut r = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = r.next_line().await {
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if v["kind"] == "listening" {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(v["url"].as_str().unwrap_or_default().to_string());
                    }
                }
                l2.lock().unwrap().push(v);
            }
        });
        let url = tokio::time::timeout(StdDuration::from_secs(30), rx)
            .await
            .expect("VTN listening within 30 s")
            .expect("VTN output");
        Some(Vtn { child, lines, url })
    }

    async fn wait(&self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + StdDuration::from_secs(30);
        loop {
            if let Some(v) = self.lines.lock().unwrap().iter().find(|v| f(v)) {
                return v.clone();
            }
            assert!(
                Instant::now() < deadline,
                "VTN never logged {what}: {:#?}",
                self.lines.lock().unwrap()
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    }

    fn received(&self, ty: &str) -> impl Fn(&Value) -> bool + '_ {
        let ty = ty.to_string();
        move |v| {
            v["kind"] == "message"
                && v["direction"] == "received"
                && v["message_type"] == ty.as_str()
        }
    }
}

type Notes = Arc<Mutex<Vec<Notification>>>;

async fn wait_note(notes: &Notes, what: &str, f: impl Fn(&Notification) -> bool) {
    let deadline = Instant::now() + StdDuration::from_secs(30);
    while !notes.lock().unwrap().iter().any(&f) {
        assert!(
            Instant::now() < deadline,
            "VEN never notified {what}: {:#?}",
            notes.lock().unwrap()
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

async fn scenario(mode: Mode) {
    let Some(mut vtn) = Vtn::start(mode).await else {
        return;
    };
    let certs = support::root().join("tests/fixtures/certs");
    let notes: Notes = Default::default();
    let n2 = notes.clone();
    let mut b = VenBuilder::new(vtn.url.clone(), format!("oadr-ven-{}", mode as u8))
        .codec(Arc::new(XmlCodec::default()))
        .poll_jitter(chrono::Duration::milliseconds(100))
        .on_event(|_e, _m| async { OptType::OptIn })
        .on_notification(move |n| {
            n2.lock().unwrap().push(n);
            async {}
        })
        .report(ReportOffer::telemetry_power(
            "meter",
            "power",
            Duration::seconds(1),
            Duration::minutes(1),
            DataSource::float(|| async { METER }),
        ));
    if mode != Mode::Plain {
        b = b
            .cert_key(certs.join("ven-rsa.crt"), certs.join("ven-rsa.key"))
            .vtn_fingerprint(VTN_FP.parse().unwrap());
    }
    if mode == Mode::Tls {
        b = b.ca_file(certs.join("vtn-rsa.crt"));
    }
    let ven = b.build().expect("build the VEN");
    let h = ven.handle();
    let task = tokio::spawn(async move { ven.run().await.expect("VEN run") });

    let reg = vtn
        .wait("registration", |v| v["kind"] == "registered")
        .await;
    let ours = h.registered().await.unwrap();
    assert_eq!(reg["ven_id"].as_str(), Some(ours.ven_id.as_str()));
    assert_eq!(
        reg["registration_id"].as_str(),
        Some(ours.registration_id.as_str())
    );
    if mode == Mode::Tls {
        assert_eq!(reg["fingerprint"].as_str(), Some(VEN_FP));
    }
    // The event: answered optIn, then run by the scheduler.
    let opt = vtn
        .wait("the event answer", |v| v["kind"] == "opt_response")
        .await;
    assert_eq!(opt["opt_type"], "optIn");
    wait_note(&notes, "event start", |n| {
        matches!(n, Notification::EventStarted { .. })
    })
    .await;
    wait_note(
        &notes,
        "interval value 2",
        |n| matches!(n, Notification::IntervalStarted { values, .. } if values == &[2.0]),
    )
    .await;
    wait_note(&notes, "event end", |n| {
        matches!(n, Notification::EventEnded { .. })
    })
    .await;
    // Telemetry: requested and delivered with the meter's value.
    let rv = vtn
        .wait("report values", |v| v["kind"] == "report_values")
        .await;
    let values = rv["values"].as_array().expect("values");
    assert!(!values.is_empty());
    for pair in values {
        assert_eq!(pair[1].as_f64(), Some(f64::from(METER)), "{rv}");
    }
    // Opt: an availability schedule, created then cancelled.
    let spec = OptSpec {
        opt_type: OptType::OptOut,
        opt_reason: OptReason::Schedule,
        target: OptTarget::Availability(Vavailability {
            components: vec![ActivePeriod::new(
                chrono::Utc::now() + chrono::Duration::hours(1),
                Duration::hours(2),
            )],
        }),
        targets: Targets::vens([ours.ven_id.clone()]),
        market_context: None,
        opt_id: None,
    };
    let opt_id = h.create_opt(spec).await.unwrap().unwrap();
    wait_note(
        &notes,
        "opt created",
        |n| matches!(n, Notification::OptCreated { code, .. } if *code == ResponseCode::OK),
    )
    .await;
    let created = vtn
        .wait("oadrCreateOpt", vtn.received("oadrCreateOpt"))
        .await;
    assert_eq!(created["payload"]["opt_id"].as_str(), Some(opt_id.as_str()));
    h.cancel_opt(&opt_id).await.unwrap().unwrap();
    wait_note(
        &notes,
        "opt cancelled",
        |n| matches!(n, Notification::OptCancelled { code, .. } if *code == ResponseCode::OK),
    )
    .await;
    // Registration cancelled by the VEN.
    h.cancel_registration().await.unwrap().unwrap();
    vtn.wait("cancellation", |v| {
        v["kind"] == "registration_cancelled" && v["by"] == "ven"
    })
    .await;
    wait_note(&notes, "cancelled", |n| {
        matches!(n, Notification::RegistrationCancelled { by_vtn: false })
    })
    .await;
    assert!(
        !notes.lock().unwrap().iter().any(|n| matches!(
            n,
            Notification::ExchangeFailed { .. } | Notification::Unexpected { .. }
        )),
        "{:#?}",
        notes.lock().unwrap()
    );
    let _ = h.shutdown().await;
    tokio::time::timeout(StdDuration::from_secs(10), task)
        .await
        .expect("VEN stops")
        .unwrap();
    let _ = vtn.child.kill().await;
}

#[tokio::test]
async fn plain() {
    scenario(Mode::Plain).await;
}

#[tokio::test]
async fn signed() {
    scenario(Mode::Signed).await;
}

#[tokio::test]
async fn signed_over_mutual_tls() {
    scenario(Mode::Tls).await;
}

/// `oadr ven` with its defaults: registers, offers the simulated meter, opts in, and stops
/// cleanly (exit 0, state file kept) on SIGTERM.
#[tokio::test]
async fn cli_runs_until_sigterm() {
    let Some(mut vtn) = Vtn::start(Mode::Plain).await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("oadr-ven-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let mut ven = tokio::process::Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args([
            "ven",
            "--vtn-url",
            &vtn.url,
            "--ven-name",
            "oadr-cli",
            "--state",
        ])
        .arg(&state)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start oadr ven");
    let reg = vtn
        .wait("registration", |v| {
            v["kind"] == "registered" && v["ven_name"] == "oadr-cli"
        })
        .await;
    vtn.wait("opt-in", |v| {
        v["kind"] == "opt_response" && v["opt_type"] == "optIn"
    })
    .await;
    let rv = vtn
        .wait("simulated meter values", |v| v["kind"] == "report_values")
        .await;
    let value = rv["values"][0][1].as_f64().expect("a number");
    assert!(
        (1350.0..=1650.0).contains(&value),
        "simulated meter around 1500 W: {value}"
    );
    let pid = ven.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(StdDuration::from_secs(10), ven.wait())
        .await
        .expect("stops on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let saved: oadr::ven::Registration =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(reg["ven_id"].as_str(), Some(saved.ven_id.as_str()));
    let _ = vtn.child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
}
