//! Child processes, ports and the VTN admin API for tests that run `oadr` binaries.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

/// A child process that is killed and reaped when dropped, so that a failing test leaves no
/// server behind.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One admin API call (`method path`, bearer `token`, empty body); the JSON answer, or
/// `Value::Null` when the answer is not JSON.
pub fn admin(admin: SocketAddr, token: &str, method: &str, path: &str) -> Value {
    let mut s = TcpStream::connect(admin).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    let body = raw.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// Polls `f` every 200 ms until it holds; panics naming `what` at `deadline`.
pub fn wait_for(what: &str, deadline: Instant, mut f: impl FnMut() -> bool) {
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// tests/fixtures/certs: the test CA, VTN and VEN certificates and their FINGERPRINTS.
pub fn certs() -> PathBuf {
    super::root().join("tests/fixtures/certs")
}

/// The fingerprint of certificate `name` as listed in tests/fixtures/certs/FINGERPRINTS.
pub fn fingerprint(name: &str) -> String {
    let f = std::fs::read_to_string(certs().join("FINGERPRINTS")).unwrap();
    f.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .to_owned()
}
