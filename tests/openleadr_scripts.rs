//! Smoke tests of the OpenLEADR-side scripts other tests and benchmarks build on, so that they
//! cannot rot unnoticed: `tests/interop/openleadr_vtn.py` and `openleadr_ven.py` run a full
//! scenario against each other (plain, and signed over mutual TLS with the ECDSA test certs),
//! and each `bench/py` baseline runs with the smallest work and prints its JSON line.
//! Everything binds 127.0.0.1, is bounded in time, and every process is killed on the way out.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// A child process whose stdout JSON lines arrive on a channel; killed when dropped.
struct Script {
    child: Child,
    lines: Receiver<serde_json::Value>,
}

impl Script {
    fn start(python: &Path, script: &str, args: &[String]) -> Script {
        let mut child = Command::new(python)
            .arg(support::root().join(script))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {script}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line: {line:?}: {e}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Script { child, lines }
    }

    /// Every line until one of `kind` (included), within `limit`.
    fn until(&self, kind: &str, limit: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    let done = v["kind"] == kind;
                    seen.push(v);
                    if done {
                        return seen;
                    }
                }
                Err(_) => panic!("no {kind:?} line within {limit:?}; got {seen:#?}"),
            }
        }
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kinds(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| match l["kind"].as_str() {
            Some("message") => format!(
                "{} {}",
                l["direction"].as_str().unwrap_or("?"),
                l["message_type"].as_str().unwrap_or("empty")
            ),
            Some(k) => k.to_owned(),
            None => panic!("line without kind: {l}"),
        })
        .collect()
}

fn certs(file: &str) -> String {
    support::root()
        .join("tests/fixtures/certs")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

fn fingerprint(cert: &str) -> String {
    std::fs::read_to_string(support::root().join("tests/fixtures/certs/FINGERPRINTS"))
        .expect("FINGERPRINTS")
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{cert} ")).map(str::to_owned))
        .unwrap_or_else(|| panic!("no fingerprint for {cert}"))
}

fn scenario(python: &Path, vtn_extra: &[String], ven_extra: &[String], scheme: &str) {
    let mut vtn_args: Vec<String> = [
        "--port",
        "0",
        "--duration",
        "40",
        "--event",
        "SIMPLE,level,1,2,30",
        "--cancel-registration-after",
        "6",
    ]
    .map(String::from)
    .to_vec();
    vtn_args.extend_from_slice(vtn_extra);
    let vtn = Script::start(python, "tests/interop/openleadr_vtn.py", &vtn_args);
    let listening = vtn.until("listening", Duration::from_secs(60));
    let port = listening[0]["port"].as_u64().expect("port");
    assert_eq!(listening[0]["tls"], scheme == "https");

    let mut ven_args: Vec<String> = vec![
        "--vtn-url".into(),
        format!("{scheme}://127.0.0.1:{port}/OpenADR2/Simple/2.0b"),
        "--duration".into(),
        "16".into(),
        "--opt-schedule-after".into(),
        "1".into(),
        "--report-seconds".into(),
        "2".into(),
    ];
    ven_args.extend_from_slice(ven_extra);
    let ven = Script::start(python, "tests/interop/openleadr_ven.py", &ven_args);
    let ven_lines = kinds(&ven.until("stopped", Duration::from_secs(90)));
    for expected in [
        "sent oadrQueryRegistration",
        "received oadrCreatedPartyRegistration",
        "registered",
        "sent oadrRegisterReport",
        "received oadrRegisteredReport",
        "received oadrDistributeEvent",
        "event",
        "sent oadrCreatedEvent",
        "opt_created",
        "received oadrCreatedOpt",
        "opt_cancelled",
        "received oadrCanceledOpt",
        "sent oadrUpdateReport",
        "received oadrCancelPartyRegistration",
        "sent oadrCanceledPartyRegistration",
    ] {
        assert!(
            ven_lines.iter().any(|k| k == expected),
            "VEN log has no {expected:?}: {ven_lines:?}"
        );
    }
    let vtn_lines = kinds(&vtn.until("registration_cancelled", Duration::from_secs(30)));
    for expected in [
        "registered",
        "event_created",
        "report_requested",
        "opt_response",
        "report_values",
        "received oadrCreateOpt",
        "received oadrCancelOpt",
        "cancel_registration_queued",
        "sent oadrCancelPartyRegistration",
    ] {
        assert!(
            vtn_lines.iter().any(|k| k == expected),
            "VTN log has no {expected:?}: {vtn_lines:?}"
        );
    }
}

#[test]
fn openleadr_ven_and_vtn_drivers_run_a_full_scenario_plain() {
    let Some(python) = support::python() else {
        return;
    };
    scenario(&python, &[], &[], "http");
}

#[test]
fn openleadr_ven_and_vtn_drivers_run_a_full_scenario_signed_over_mutual_tls() {
    let Some(python) = support::python() else {
        return;
    };
    let vtn = [
        "--cert".into(),
        certs("vtn-ecdsa.crt"),
        "--key".into(),
        certs("vtn-ecdsa.key"),
        "--tls-cert".into(),
        certs("vtn-ecdsa.crt"),
        "--tls-key".into(),
        certs("vtn-ecdsa.key"),
        "--tls-ca".into(),
        certs("ven-ecdsa.crt"),
        "--ven-fingerprint".into(),
        fingerprint("ven-ecdsa.crt"),
        "--log-xml".into(),
    ];
    let ven = [
        "--cert".into(),
        certs("ven-ecdsa.crt"),
        "--key".into(),
        certs("ven-ecdsa.key"),
        "--ca-file".into(),
        certs("vtn-ecdsa.crt"),
        "--vtn-fingerprint".into(),
        fingerprint("vtn-ecdsa.crt"),
        "--no-check-hostname".into(),
    ];
    scenario(&python, &vtn, &ven, "https");
}

fn bench_line(python: &Path, script: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(python)
        .arg(support::root().join("bench/py").join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {script}: {e}"));
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{script}: {l:?}: {e}")))
        .collect()
}

fn valid_dir() -> PathBuf {
    support::root().join("tests/fixtures/valid")
}

#[test]
fn bench_py_baselines_print_their_figures() {
    let Some(python) = support::python() else {
        return;
    };
    let dir = valid_dir();
    let dir = dir.to_str().expect("utf-8 path");
    for (script, args) in [
        ("openleadr_decode.py", vec![dir, "--rounds", "1"]),
        ("lxml_validate.py", vec![dir, "--rounds", "1"]),
        ("openleadr_encode.py", vec![dir, "--rounds", "1"]),
    ] {
        let lines = bench_line(&python, script, &args);
        assert_eq!(lines.len(), 1, "{script}");
        let l = &lines[0];
        assert!(l["msgs_per_s"].as_f64().is_some_and(|v| v > 0.0), "{l}");
        assert!(l["mb_per_s"].as_f64().is_some_and(|v| v > 0.0), "{l}");
        assert!(l["files"].as_u64().is_some_and(|n| n > 50), "{l}");
    }
    let sign = bench_line(
        &python,
        "openleadr_sign.py",
        &["--sign-count", "2", "--verify-rounds", "1"],
    );
    assert_eq!(sign.len(), 4, "two messages × two key types");
    for l in &sign {
        assert!(
            l["sign_msgs_per_s"].as_f64().is_some_and(|v| v > 0.0),
            "{l}"
        );
        assert!(
            l["verify_msgs_per_s"].as_f64().is_some_and(|v| v > 0.0),
            "{l}"
        );
    }
}
