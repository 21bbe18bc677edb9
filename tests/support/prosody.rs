//! A throwaway Prosody XMPP server on loopback for the XMPP tests (spec digest §3).
//!
//! [`Prosody::start`] makes a temporary directory with a test CA and a `localhost`
//! certificate (openssl CLI), writes a config that listens on one free 127.0.0.1 port for
//! client-to-server connections only (STARTTLS required, no s2s, no HTTP), and runs
//! `prosody -F` in the foreground. Accounts are created with `prosodyctl register` against
//! that config. The server is killed and the directory removed on drop; [`Prosody::restart`]
//! kills it and starts it again on the same port and data (the reconnect tests).
//!
//! Prosody cannot listen on port 0, so a port is picked by binding port 0 and closing it, and
//! the whole start is retried with a new port if Prosody does not come up.
//! Under `OADR_REQUIRE_ORACLES=1` (scripts/test.sh, CI) a missing `prosody` or `openssl`
//! fails the test; otherwise the test is skipped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Prosody.
pub struct Prosody {
    child: Option<Child>,
    /// The temporary directory (config, certificates, data, log).
    pub dir: PathBuf,
    /// The c2s port on 127.0.0.1.
    pub port: u16,
    prosody: PathBuf,
    prosodyctl: PathBuf,
}

/// The XMPP domain served.
pub const DOMAIN: &str = "localhost";

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

impl Prosody {
    /// Start a server, or `None` (skip) when prosody or openssl is missing and oracles are
    /// optional.
    pub fn start() -> Option<Prosody> {
        let prosody = super::tool("prosody")?;
        let prosodyctl = super::tool("prosodyctl")?;
        super::tool("openssl")?;
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("oadr-prosody-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).expect("temp dir");
        std::fs::create_dir_all(dir.join("certs")).expect("temp dir");
        make_certs(&dir);
        let mut p = Prosody {
            child: None,
            dir,
            port: 0,
            prosody,
            prosodyctl,
        };
        for _ in 0..5 {
            p.port = free_port();
            p.write_config();
            if p.launch() {
                return Some(p);
            }
        }
        panic!("prosody did not start; log:\n{}", p.log());
    }

    /// `127.0.0.1:port`.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The test CA certificate (PEM) that issued the server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// Create an account.
    pub fn register(&self, user: &str, password: &str) {
        run(Command::new(&self.prosodyctl)
            .arg("--config")
            .arg(self.config_path())
            .args(["register", user, DOMAIN, password]));
    }

    /// Kill the server (as a crash would) and start it again on the same port and data.
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.launch() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("prosody did not come back; log:\n{}", self.log());
    }

    /// Kill the server now (the process we started, and the one its pidfile names should it
    /// differ).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let pid = c.id();
            let _ = c.kill();
            let _ = c.wait();
            let pidfile = self.dir.join("prosody.pid");
            if let Ok(s) = std::fs::read_to_string(&pidfile) {
                if let Ok(other) = s.trim().parse::<u32>() {
                    if other != pid {
                        let _ = Command::new("kill")
                            .arg("-9")
                            .arg(other.to_string())
                            .status();
                    }
                }
            }
            let _ = std::fs::remove_file(pidfile);
        }
    }

    /// The server log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prosody.log")).unwrap_or_default()
    }

    fn config_path(&self) -> PathBuf {
        self.dir.join("prosody.cfg.lua")
    }

    fn write_config(&self) {
        let d = self.dir.display();
        let cfg = format!(
            r#"-- written by tests/support/prosody.rs
pidfile = "{d}/prosody.pid"
data_path = "{d}/data"
certificates = "{d}/certs"
run_as_root = true
log = {{ {{ levels = {{ min = "info" }}, to = "file", filename = "{d}/prosody.log" }} }}
c2s_ports = {{ {port} }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_direct_tls_ports = {{ }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
s2s_interfaces = {{ }}
modules_enabled = {{ "roster", "saslauth", "tls", "disco", "ping", "posix" }}
modules_disabled = {{ "s2s", "http", "bosh", "websocket", "admin_telnet", "admin_shell", "offline", "c2s_csi", "carbons", "pep", "vcard_legacy", "blocklist" }}
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
storage = "internal"
limits = {{ c2s = {{ rate = "100mb/s" }} }}
VirtualHost "{DOMAIN}"
  ssl = {{ key = "{d}/localhost.key", certificate = "{d}/localhost.crt" }}
"#,
            port = self.port
        );
        std::fs::write(self.config_path(), cfg).expect("write prosody config");
    }

    /// Start prosody and wait until its port accepts connections.
    fn launch(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("prosody.out"))
            .expect("prosody.out");
        let child = Command::new(&self.prosody)
            .arg("-F")
            .arg("--config")
            .arg(self.config_path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .expect("spawn prosody");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(_)) = c.try_wait() {
                    self.child = None;
                    return false; // exited (port taken?)
                }
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        self.kill();
        if std::env::var_os("OADR_KEEP_PROSODY").is_some() {
            eprintln!("prosody directory kept: {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A CA and a `localhost` server certificate issued by it (P-256).
fn make_certs(dir: &Path) {
    let ossl = || {
        let mut c = Command::new("openssl");
        c.current_dir(dir);
        c
    };
    run(ossl().args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=oadr test XMPP CA",
    ]));
    run(ossl().args([
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "localhost.key",
        "-out",
        "localhost.csr",
        "-subj",
        "/CN=localhost",
    ]));
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext.cnf");
    run(ossl().args([
        "x509",
        "-req",
        "-in",
        "localhost.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "localhost.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]));
}
