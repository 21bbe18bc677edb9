//! Interop: OpenLEADR 0.5.36's OpenADRClient (tests/interop/openleadr_ven.py) against
//! `oadr vtn`: plain, signed over plain HTTP, and signed over mutual TLS. The VEN registers, receives an event created
//! with `oadr event create` and answers it, offers a report that the VTN requests and sends
//! readings, creates and cancels an opt, and cancels its registration. Bounded in time; both
//! processes are stopped.

mod support;

use support::process::{certs, fingerprint, free_port, wait_for, Proc};

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "interop-token";

fn admin_get(admin: SocketAddr, path: &str) -> Value {
    support::process::admin(admin, TOKEN, "GET", path)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Plain,
    /// XML signatures over plain HTTP (the signing certificate identifies the VEN).
    Signed,
    /// XML signatures over mutual TLS.
    Tls,
}

fn scenario(python: &Path, mode: Mode) {
    let signed = mode != Mode::Plain;
    let tls = mode == Mode::Tls;
    let dir = std::env::temp_dir().join(format!("oadr-interop-{}-{mode:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("vtn.db");
    let _ = std::fs::remove_file(&db);
    let port = free_port();
    let admin: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let c = certs();
    let p = |f: &str| c.join(f).to_string_lossy().into_owned();
    let mut vtn = Command::new(env!("CARGO_BIN_EXE_oadr"));
    vtn.args([
        "vtn",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--admin",
        &admin.to_string(),
    ])
    .arg("--db")
    .arg(&db)
    .args(["--poll-freq", "PT1S", "--sync", "normal"])
    .env("OADR_ADMIN_TOKEN", TOKEN)
    .stdout(Stdio::null())
    .stderr(Stdio::from(
        std::fs::File::create(dir.join("vtn.log")).unwrap(),
    ));
    if signed {
        vtn.args(["--cert", &p("vtn-rsa.crt"), "--key", &p("vtn-rsa.key")])
            .args(["--allow-fingerprint", &fingerprint("ven-rsa.crt")]);
    }
    if tls {
        // The TLS run also covers the single-threaded runtime `--threads 1` selects.
        vtn.args(["--threads", "1"]);
        vtn.args([
            "--tls-cert",
            &p("vtn-rsa.crt"),
            "--tls-key",
            &p("vtn-rsa.key"),
        ]);
    }
    if !signed {
        vtn.arg("--accept-any");
    }
    let _vtn = Proc(vtn.spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    wait_for("oadr vtn to listen", deadline, || {
        TcpStream::connect(admin).is_ok()
    });

    let scheme = if tls { "https" } else { "http" };
    let mut ven = Command::new(python);
    ven.arg(support::root().join("tests/interop/openleadr_ven.py"))
        .args([
            "--vtn-url",
            &format!("{scheme}://127.0.0.1:{port}/OpenADR2/Simple/2.0b"),
        ])
        .args([
            "--ven-name",
            "openleadr-ven",
            "--duration",
            "40",
            "--report-seconds",
            "2",
        ])
        .args(["--opt-schedule-after", "2", "--cancel-registration-at-end"])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("ven.log")).unwrap(),
        ));
    if signed {
        ven.args(["--cert", &p("ven-rsa.crt"), "--key", &p("ven-rsa.key")])
            .args(["--ca-file", &p("vtn-rsa.crt"), "--no-check-hostname"])
            .args(["--vtn-fingerprint", &fingerprint("vtn-rsa.crt")]);
    }
    let mut ven = Proc(ven.spawn().unwrap());
    let stdout = ven.0.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
            .collect::<Vec<Value>>()
    });

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ven_id = String::new();
    wait_for("the VEN to register", deadline, || {
        let v = admin_get(admin, "/vens");
        match v[0]["ven_id"].as_str() {
            Some(id) => {
                ven_id = id.to_owned();
                true
            }
            None => false,
        }
    });
    if signed {
        assert_eq!(
            admin_get(admin, "/vens")[0]["fingerprint"].as_str(),
            Some(fingerprint("ven-rsa.crt").as_str())
        );
    }
    // the operator creates an event with the CLI
    let out = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args(["event", "create", "--admin", &format!("http://{admin}")])
        .args([
            "--ven-name",
            "openleadr-ven",
            "--signal-name",
            "SIMPLE",
            "--signal-type",
            "level",
        ])
        .args([
            "--value",
            "1",
            "--start",
            "+PT1M",
            "--duration",
            "PT10M",
            "--event-id",
            "interop-ev",
        ])
        .env("OADR_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for("the VEN's optIn", deadline, || {
        admin_get(admin, "/events")[0]["vens"][0]["opt"].as_str() == Some("optIn")
    });
    wait_for("readings of the requested report", deadline, || {
        admin_get(admin, &format!("/readings?ven_id={ven_id}"))
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    wait_for("an opt created and cancelled", deadline, || {
        admin_get(admin, "/opts")
            .as_array()
            .is_some_and(|a| a.iter().any(|o| o["cancelled"] == true))
    });
    // stop the VEN: it cancels its registration on the way out
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-TERM", &ven.0.id().to_string()])
            .status();
    }
    wait_for("the registration to be cancelled", deadline, || {
        admin_get(admin, "/vens")
            .as_array()
            .is_some_and(Vec::is_empty)
    });
    let _ = ven.0.wait();
    let lines = lines.join().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "event" && l["event_id"] == "interop-ev"),
        "the VEN never logged the event: {lines:?}"
    );
    let readings = admin_get(admin, "/readings?limit=5");
    assert!(
        readings[0]["value"]["value"]
            .as_f64()
            .is_some_and(|v| v >= 1000.0),
        "{readings}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openleadr_ven_against_oadr_vtn_plain() {
    let Some(python) = support::python() else {
        return;
    };
    scenario(&python, Mode::Plain);
}

#[test]
fn openleadr_ven_against_oadr_vtn_signed_over_tls() {
    let Some(python) = support::python() else {
        return;
    };
    scenario(&python, Mode::Tls);
}

#[test]
fn openleadr_ven_against_oadr_vtn_signed_over_plain_http() {
    let Some(python) = support::python() else {
        return;
    };
    scenario(&python, Mode::Signed);
}
