//! The VTN behind its HTTP server: routing, limits, every bad input answered with a payload
//! and a response code (never a 500), the admin API, store failures (469), TLS with
//! self-signed client certificates.

mod support;

use oadr::engine::vtn::{AllowListPolicy, VtnConfig};
use oadr::store::{MemoryStore, Store};
use oadr::transport::http_server::{self, Limits, OpenAdrEndpoints, Shutdown};
use oadr::vtn::admin::AdminApi;
use oadr::vtn::Vtn;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "test-token";

struct Server {
    _rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    admin: SocketAddr,
    shutdown: Shutdown,
    vtn: Vtn,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

fn start(store: Arc<dyn Store>, limits: Limits, tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let vtn = Vtn::builder(store)
        .config(VtnConfig {
            vtn_id: "test-vtn".into(),
            ..VtnConfig::default()
        })
        .policy(Arc::new(AllowListPolicy::accept_any()))
        .codec(Arc::new(oadr::vtn::codec::JsonCodec))
        .build()
        .unwrap();
    let (shutdown, rx) = Shutdown::new();
    let (addr, admin) = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = (l.local_addr().unwrap(), a.local_addr().unwrap());
        tokio::spawn(http_server::serve(
            l,
            tls,
            Arc::new(OpenAdrEndpoints(vtn.clone())),
            limits,
            rx.clone(),
        ));
        tokio::spawn(http_server::serve(
            a,
            None,
            Arc::new(AdminApi::new(vtn.clone(), TOKEN)),
            Limits::default(),
            rx,
        ));
        addrs
    });
    Server {
        _rt: rt,
        addr,
        admin,
        shutdown,
        vtn,
    }
}

/// One HTTP/1.1 request on a fresh connection: (status, body).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let auth = auth
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let status = String::from_utf8_lossy(&raw[..split])
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    (status, raw[split + 4..].to_vec())
}

fn post(s: &Server, service: &str, m: Value) -> Value {
    let (status, body) = http(
        s.addr,
        "POST",
        &format!("/OpenADR2/Simple/2.0b/{service}"),
        None,
        m.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn admin(s: &Server, method: &str, path: &str, body: Value) -> (u16, Value) {
    let (st, b) = http(
        s.admin,
        method,
        path,
        Some(TOKEN),
        body.to_string().as_bytes(),
    );
    (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

fn code(v: &Value) -> u64 {
    let p = &v["payload"];
    p["response"]["response_code"].as_u64().unwrap_or(0)
}

fn register(s: &Server, name: &str) -> String {
    let r = post(
        s,
        "EiRegisterParty",
        json!({"message_type": "oadrCreatePartyRegistration", "payload": {
            "request_id": "r1", "profile_name": "2.0b", "transport_name": "simpleHttp",
            "report_only": false, "xml_signature": false, "ven_name": name, "http_pull_model": true}}),
    );
    assert_eq!(code(&r), 200, "{r}");
    r["payload"]["ven_id"].as_str().unwrap().to_owned()
}

#[test]
fn bad_input_is_answered_never_with_a_500() {
    let s = start(
        Arc::new(MemoryStore::new()),
        Limits {
            max_body: 4096,
            ..Limits::default()
        },
        None,
    );
    assert_eq!(
        http(s.addr, "GET", "/OpenADR2/Simple/2.0b/OadrPoll", None, b"").0,
        405
    );
    assert_eq!(
        http(s.addr, "POST", "/OpenADR2/Simple/2.0b/EiNope", None, b"{}").0,
        404
    );
    assert_eq!(http(s.addr, "POST", "/", None, b"{}").0, 404);
    assert_eq!(
        http(
            s.addr,
            "POST",
            "/OpenADR2/Simple/2.0b/OadrPoll",
            None,
            &vec![b' '; 5000]
        )
        .0,
        413
    );
    // not a payload at all: 454 inside an oadrResponse, HTTP 200 (§9.1.4)
    let (st, b) = http(
        s.addr,
        "POST",
        "/OpenADR2/Simple/2.0b/OadrPoll",
        None,
        b"\x00\xffgarbage",
    );
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["message_type"], "oadrResponse");
    assert_eq!(code(&v), 454);
    // an unknown payload type: 453
    let v = post(
        &s,
        "OadrPoll",
        json!({"message_type": "oadrTeleport", "payload": {}}),
    );
    assert_eq!(code(&v), 453);
    // a poll from nobody: 463
    let v = post(
        &s,
        "OadrPoll",
        json!({"message_type": "oadrPoll", "payload": {"ven_id": "x"}}),
    );
    assert_eq!(code(&v), 463);
    assert_eq!(v["payload"]["ven_id"], "x");
}

#[test]
fn event_through_the_admin_api_reaches_the_ven_and_its_answer_comes_back() {
    let s = start(Arc::new(MemoryStore::new()), Limits::default(), None);
    let ven = register(&s, "ven-one");
    // the admin API wants its token
    assert_eq!(http(s.admin, "GET", "/vens", None, b"").0, 401);
    assert_eq!(
        http(s.admin, "GET", "/vens", Some("wrong-token"), b"").0,
        401
    );
    let (st, vens) = admin(&s, "GET", "/vens", Value::Null);
    assert_eq!(st, 200);
    assert_eq!(vens[0]["ven_id"], ven.as_str());
    let (st, ev) = admin(
        &s,
        "POST",
        "/events",
        json!({"ven_name": ["ven-one"], "signal_name": "SIMPLE", "signal_type": "level",
               "value": 1.0, "start": "+PT1M", "duration": "PT30M", "event_id": "ev1"}),
    );
    assert_eq!(st, 201, "{ev}");
    // an unknown VEN name is refused by the admin API
    let (st, e) = admin(
        &s,
        "POST",
        "/events",
        json!({"ven_name": ["nobody"], "signal_name": "SIMPLE", "value": 1.0, "start": "now", "duration": "PT5M"}),
    );
    assert_eq!((st, e["response_code"].as_u64()), (404, Some(452)));
    let d = post(
        &s,
        "OadrPoll",
        json!({"message_type": "oadrPoll", "payload": {"ven_id": ven}}),
    );
    assert_eq!(d["message_type"], "oadrDistributeEvent", "{d}");
    assert_eq!(
        d["payload"]["events"][0]["event_descriptor"]["event_id"],
        "ev1"
    );
    let created = json!({"message_type": "oadrCreatedEvent", "payload": {
        "response": {"response_code": 200, "request_id": d["payload"]["request_id"]},
        "event_responses": [{"response_code": 200, "request_id": d["payload"]["request_id"],
            "event_id": "ev1", "modification_number": 0, "opt_type": "optIn"}],
        "ven_id": ven}});
    assert_eq!(code(&post(&s, "EiEvent", created)), 200);
    let (_, events) = admin(&s, "GET", "/events", Value::Null);
    assert_eq!(events[0]["vens"][0]["opt"], "optIn", "{events}");
    let (st, c) = admin(&s, "DELETE", "/events/ev1", Value::Null);
    assert_eq!(st, 200);
    assert_eq!(c["event"]["event_descriptor"]["modification_number"], 1);
    assert_eq!(admin(&s, "DELETE", "/events/ev1", Value::Null).0, 409);
    assert_eq!(admin(&s, "DELETE", "/events/nope", Value::Null).0, 404);
    assert_eq!(s.vtn.events().len(), 1);
}

#[test]
fn a_store_failure_is_answered_469_and_changes_nothing() {
    let store = Arc::new(MemoryStore::new());
    let s = start(store.clone(), Limits::default(), None);
    store.fail_commits(true);
    let r = post(
        &s,
        "EiRegisterParty",
        json!({"message_type": "oadrCreatePartyRegistration", "payload": {
            "request_id": "r1", "profile_name": "2.0b", "transport_name": "simpleHttp",
            "report_only": false, "xml_signature": false, "ven_name": "v"}}),
    );
    assert_eq!(code(&r), 469, "{r}");
    assert!(
        s.vtn.vens().is_empty(),
        "memory must not run ahead of the store"
    );
    store.fail_commits(false);
    register(&s, "v");
    assert_eq!(s.vtn.vens().len(), 1);
}

#[test]
fn requests_beyond_the_rate_limit_get_429() {
    let s = start(
        Arc::new(MemoryStore::new()),
        Limits {
            rate_per_second: 2,
            burst: 3,
            ..Limits::default()
        },
        None,
    );
    let statuses: Vec<u16> = (0..8)
        .map(|_| {
            http(
                s.addr,
                "POST",
                "/OpenADR2/Simple/2.0b/OadrPoll",
                None,
                b"{}",
            )
            .0
        })
        .collect();
    assert!(statuses[..3].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

fn curl(args: &[&str]) -> Option<(bool, String)> {
    let curl = support::tool("curl")?;
    let out = std::process::Command::new(curl)
        .args(["-sS", "--max-time", "10", "-k"])
        .args(args)
        .output()
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    ))
}

#[test]
fn tls_accepts_a_pinned_self_signed_client_certificate_and_binds_it() {
    let certs = support::root().join("tests/fixtures/certs");
    let fp = |name: &str| -> oadr::sign::Fingerprint {
        let f = std::fs::read_to_string(certs.join("FINGERPRINTS")).unwrap();
        f.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .parse()
            .unwrap()
    };
    let acceptor = oadr::transport::tls::server::acceptor(
        &certs.join("vtn-rsa.crt"),
        &certs.join("vtn-rsa.key"),
        None,
        &[fp("ven-rsa.crt")],
        false,
    )
    .unwrap();
    let s = start(
        Arc::new(MemoryStore::new()),
        Limits::default(),
        Some(acceptor),
    );
    let url = format!(
        "https://127.0.0.1:{}/OpenADR2/Simple/2.0b/EiRegisterParty",
        s.addr.port()
    );
    let body = json!({"message_type": "oadrCreatePartyRegistration", "payload": {
        "request_id": "r1", "profile_name": "2.0b", "transport_name": "simpleHttp",
        "report_only": false, "xml_signature": false, "ven_name": "tls-ven"}})
    .to_string();
    let ven_cert = certs.join("ven-rsa.crt");
    let ven_key = certs.join("ven-rsa.key");
    let Some((ok, out)) = curl(&[
        "--cert",
        ven_cert.to_str().unwrap(),
        "--key",
        ven_key.to_str().unwrap(),
        "--data-binary",
        &body,
        &url,
    ]) else {
        return;
    };
    assert!(ok, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code(&v), 200, "{v}");
    let vens = s.vtn.vens();
    assert_eq!(vens[0].fingerprint, Some(fp("ven-rsa.crt").to_string()));
    // no client certificate, or one that is not allowed: the handshake fails
    let (ok, out) = curl(&["--data-binary", &body, &url]).unwrap();
    assert!(!ok || out.is_empty(), "{out}");
    let (ok, _) = curl(&[
        "--cert",
        certs.join("ven-ecdsa.crt").to_str().unwrap(),
        "--key",
        certs.join("ven-ecdsa.key").to_str().unwrap(),
        "--data-binary",
        &body,
        &url,
    ])
    .unwrap();
    assert!(!ok);
    assert_eq!(s.vtn.vens().len(), 1);
}

/// A VTN that signs its answers and requires signed payloads (XML codec) answers an unsigned
/// registration with a signed oadrResponse carrying the refusal code, never an empty body,
/// although that answer has no venID to name (rule 21 is only logged for what we send).
#[test]
fn an_unsigned_payload_to_a_signing_vtn_gets_a_signed_refusal() {
    use oadr::model::Message;
    use oadr::sign::{Signer, Trust, Verifier, VerifyOptions};
    let certs = support::root().join("tests/fixtures/certs");
    let read = |f: &str| std::fs::read(certs.join(f)).unwrap();
    let vtn = Vtn::builder(Arc::new(MemoryStore::new()))
        .policy(Arc::new(AllowListPolicy::accept_any()))
        .signer(Signer::from_pem(&read("vtn-rsa.crt"), &read("vtn-rsa.key")).unwrap())
        .verifier(Verifier::new(VerifyOptions::new(Trust::AnyCertificate)))
        .build()
        .unwrap();
    let unsigned = std::fs::read(support::root().join(
        "tests/fixtures/valid/oadrCreatePartyRegistration--hand-push-simplehttp-minimal.xml",
    ))
    .unwrap();
    let answer = vtn.handle_payload(oadr::transport::Service::EiRegisterParty, None, &unsigned);
    assert!(!answer.body.is_empty(), "an answer, not an empty body");
    let text = String::from_utf8_lossy(&answer.body);
    assert!(text.contains("Signature"), "signed: {text}");
    match oadr::model::decode(&answer.body).expect("a valid payload") {
        Message::Response(r) => assert!(r.response.response_code.0 >= 400, "{r:?}"),
        other => panic!("expected oadrResponse, got {other:?}"),
    }
}
