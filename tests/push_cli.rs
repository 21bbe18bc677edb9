//! The CLI over HTTP push (spec digest §2): `oadr vtn` (signed, mutual TLS) and
//! `oadr ven --transport push --listen 127.0.0.1:0` (signed, its certificate doubling as the
//! push endpoint's server certificate). The VEN registers for push; an event made with
//! `oadr event create` reaches it by push and is opted in; the VTN's re-registration request
//! (admin API) is pushed and the VEN registers again. Bounded in time; both processes are
//! stopped.

mod support;

use support::process::{certs, fingerprint, free_port, wait_for, Proc};

use serde_json::Value;
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "push-token";

fn admin(admin: SocketAddr, method: &str, path: &str) -> Value {
    support::process::admin(admin, TOKEN, method, path)
}

#[test]
fn oadr_ven_over_push_against_oadr_vtn_signed_over_tls() {
    let dir = std::env::temp_dir().join(format!("oadr-push-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("vtn.db");
    let _ = std::fs::remove_file(&db);
    let port = free_port();
    let admin_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let c = certs();
    let p = |f: &str| c.join(f).to_string_lossy().into_owned();
    let vtn = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args(["vtn", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin", &admin_addr.to_string()])
        .arg("--db")
        .arg(&db)
        .args(["--sync", "normal"])
        .args(["--cert", &p("vtn-rsa.crt"), "--key", &p("vtn-rsa.key")])
        .args([
            "--tls-cert",
            &p("vtn-rsa.crt"),
            "--tls-key",
            &p("vtn-rsa.key"),
        ])
        .args(["--allow-fingerprint", &fingerprint("ven-ecdsa.crt")])
        .env("OADR_ADMIN_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("vtn.log")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let _vtn = Proc(vtn);
    let deadline = Instant::now() + Duration::from_secs(30);
    wait_for("oadr vtn to listen", deadline, || {
        TcpStream::connect(admin_addr).is_ok()
    });
    let ven_log = dir.join("ven.log");
    let ven = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args(["ven", "--vtn-url", &format!("https://127.0.0.1:{port}")])
        .args(["--ven-name", "cli-push-ven"])
        .args(["--cert", &p("ven-ecdsa.crt"), "--key", &p("ven-ecdsa.key")])
        .args(["--vtn-fingerprint", &fingerprint("vtn-rsa.crt")])
        .args(["--transport", "push", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&ven_log).unwrap()))
        .spawn()
        .unwrap();
    let _ven = Proc(ven);

    let mut ven_id = String::new();
    wait_for("the VEN to register for push", deadline, || {
        let v = admin(admin_addr, "GET", "/vens");
        let Some(id) = v[0]["ven_id"].as_str() else {
            return false;
        };
        ven_id = id.to_owned();
        true
    });
    let vens = admin(admin_addr, "GET", "/vens");
    assert_eq!(vens[0]["http_pull_model"], false, "{vens}");
    assert!(
        vens[0]["transport_address"]
            .as_str()
            .is_some_and(|a| a.starts_with("https://127.0.0.1:")),
        "{vens}"
    );
    assert_eq!(
        vens[0]["fingerprint"].as_str(),
        Some(fingerprint("ven-ecdsa.crt").as_str())
    );

    let out = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args([
            "event",
            "create",
            "--admin",
            &format!("http://{admin_addr}"),
        ])
        .args(["--ven-name", "cli-push-ven", "--signal-name", "SIMPLE"])
        .args(["--signal-type", "level", "--value", "1"])
        .args(["--start", "+PT1M", "--duration", "PT10M"])
        .args(["--event-id", "push-ev"])
        .env("OADR_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for("the VEN's optIn", deadline, || {
        admin(admin_addr, "GET", "/events")[0]["vens"][0]["opt"].as_str() == Some("optIn")
    });

    admin(admin_addr, "POST", &format!("/vens/{ven_id}/reregister"));
    wait_for("the VEN to register again", deadline, || {
        let log = std::fs::read_to_string(&ven_log).unwrap_or_default();
        // One "registered ... registration_id=" line per registration.
        log.matches("registration_id=").count() >= 2
            && log.contains("payload=oadrRequestReregistration")
    });
    let log = std::fs::read_to_string(&ven_log).unwrap_or_default();
    assert!(log.contains("push endpoint at https://127.0.0.1:"), "{log}");
    assert!(!log.contains("oadrPoll"), "a push VEN never polls: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}
