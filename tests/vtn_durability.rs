//! SIGKILL durability: drive load against `oadr vtn` as a child process, kill it with
//! SIGKILL mid-load, restart it on the same database, and check that everything the VTN
//! acknowledged (registrations, events, opts) is still there and still works.

mod support;

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::process::free_port;

const TOKEN: &str = "durability-token";

struct Vtn {
    child: Child,
    addr: SocketAddr,
    admin: SocketAddr,
}

impl Drop for Vtn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(db: &Path) -> Vtn {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let admin: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_oadr"))
        .args(["vtn", "--codec", "json", "--accept-any", "--db"])
        .arg(db)
        .args(["--listen", &addr.to_string(), "--admin", &admin.to_string()])
        .env("OADR_ADMIN_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(admin).is_err() {
        assert!(Instant::now() < deadline, "oadr vtn did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Vtn { child, addr, admin }
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: bool,
    body: &str,
) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let auth = if auth {
        format!("Authorization: Bearer {TOKEN}\r\n")
    } else {
        String::new()
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).ok()?))
}

fn payload(addr: SocketAddr, service: &str, m: Value) -> Option<Value> {
    let (st, v) = http(
        addr,
        "POST",
        &format!("/OpenADR2/Simple/2.0b/{service}"),
        false,
        &m.to_string(),
    )?;
    (st == 200).then_some(v)
}

fn ok(v: &Value) -> bool {
    v["payload"]["response"]["response_code"].as_u64() == Some(200)
}

#[derive(Default)]
struct Acked {
    vens: Vec<String>,
    events: Vec<(String, String)>,
    opts: Vec<(String, String)>,
}

/// One VEN's worth of load: register, then opt out of nothing in particular (an
/// availability schedule), repeatedly; the operator creates events meanwhile.
fn load(
    addr: SocketAddr,
    admin: SocketAddr,
    worker: usize,
    stop: &AtomicBool,
    acked: &Mutex<Acked>,
) {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let name = format!("w{worker}-{n}");
        let Some(r) = payload(
            addr,
            "EiRegisterParty",
            json!({"message_type": "oadrCreatePartyRegistration", "payload": {
                "request_id": "r", "profile_name": "2.0b", "transport_name": "simpleHttp",
                "report_only": false, "xml_signature": false, "ven_name": name}}),
        ) else {
            return;
        };
        if !ok(&r) {
            continue;
        }
        let ven = r["payload"]["ven_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        acked.lock().unwrap().vens.push(ven.clone());
        let opt_id = format!("opt-{name}");
        let Some(o) = payload(
            addr,
            "EiOpt",
            json!({"message_type": "oadrCreateOpt", "payload": {
                "opt_id": opt_id, "opt_type": "optOut", "opt_reason": "participating",
                "ven_id": ven, "created_date_time": "2026-01-01T00:00:00Z", "request_id": "o",
                "vavailability": {"components": [{"dtstart": "2026-01-01T00:00:00Z", "duration": "PT1H"}]}}}),
        ) else {
            return;
        };
        if ok(&o) {
            acked.lock().unwrap().opts.push((ven.clone(), opt_id));
        }
        let event_id = format!("ev-{name}");
        let Some((st, _)) = http(
            admin,
            "POST",
            "/events",
            true,
            &json!({"ven_id": [ven.clone()], "signal_name": "SIMPLE", "value": 1.0, "start": "+PT1H",
                    "duration": "PT1H", "event_id": event_id})
            .to_string(),
        ) else {
            return;
        };
        if st == 201 {
            acked.lock().unwrap().events.push((ven.clone(), event_id));
        }
    }
}

#[test]
fn nothing_acknowledged_is_lost_to_sigkill() {
    let dir = std::env::temp_dir().join(format!("oadr-durability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("vtn.db");
    let vtn = spawn(&db);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acked::default()));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (stop, acked) = (stop.clone(), acked.clone());
            let (addr, admin) = (vtn.addr, vtn.admin);
            std::thread::spawn(move || load(addr, admin, w, &stop, &acked))
        })
        .collect();
    // let the load run, then kill -9 while requests are in flight
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().events.len() < 40 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut vtn = vtn;
    vtn.child.kill().unwrap(); // SIGKILL on Unix
    let _ = vtn.child.wait();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    drop(vtn);
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.events.len() >= 10,
        "too little load got through: {}",
        acked.events.len()
    );

    let vtn = spawn(&db);
    let (_, vens) = http(vtn.admin, "GET", "/vens", true, "").unwrap();
    let have: Vec<&str> = vens
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["ven_id"].as_str())
        .collect();
    for v in &acked.vens {
        assert!(
            have.contains(&v.as_str()),
            "registration of {v} was acknowledged, then lost"
        );
    }
    let (_, events) = http(vtn.admin, "GET", "/events", true, "").unwrap();
    let have: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"]["event_descriptor"]["event_id"].as_str())
        .collect();
    for (_, e) in &acked.events {
        assert!(
            have.contains(&e.as_str()),
            "event {e} was acknowledged, then lost"
        );
    }
    let (_, opts) = http(vtn.admin, "GET", "/opts", true, "").unwrap();
    let have: Vec<(String, String)> = opts
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["opt"]["ven_id"].as_str().unwrap_or_default().to_owned(),
                o["opt"]["opt_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for o in &acked.opts {
        assert!(have.contains(o), "opt {o:?} was acknowledged, then lost");
    }
    // and the restarted VTN still knows what to deliver: the last VEN's event on its poll
    let (ven, _) = acked.events.last().unwrap().clone();
    let d = payload(
        vtn.addr,
        "OadrPoll",
        json!({"message_type": "oadrPoll", "payload": {"ven_id": ven}}),
    )
    .unwrap();
    assert!(
        matches!(d["message_type"].as_str(), Some("oadrDistributeEvent")),
        "{d}"
    );
    drop(vtn);
    let _ = std::fs::remove_dir_all(&dir);
}
