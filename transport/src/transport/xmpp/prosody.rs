//! A throwaway Prosody XMPP server on loopback, for the tests, the latency benchmark
//! (`examples/push_latency.rs --transport xmpp`) and `oadr demo --transport xmpp` (spec
//! digest §3). Not for production: the accounts' passwords are stored in plain text.
//!
//! [`Prosody::start`] makes a temporary directory with a test CA and a `localhost`
//! certificate (openssl CLI), writes a config that listens on one free 127.0.0.1 port for
//! client-to-server connections only (STARTTLS required, no s2s, no HTTP, no rate limits:
//! `mod_limits` is not loaded), and runs `prosody -F` in the foreground. Accounts are
//! created by writing Prosody's `internal_plain` account files directly
//! ([`Prosody::register_many`]: a thousand accounts take milliseconds, where `prosodyctl
//! register` starts Lua once per account). The server is killed and the directory removed
//! on drop; [`Prosody::restart`] kills it and starts it again on the same port and data.
//!
//! Prosody cannot listen on port 0, so a port is picked by binding port 0 and closing it, and
//! the whole start is retried with a new port if Prosody does not come up. Prosody 0.12
//! uses epoll (no 1 024-descriptor `select` limit) and inherits this process's descriptor
//! limit; the listen backlog is raised to 1 024 for fleets that connect at once.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The XMPP domain served.
pub const DOMAIN: &str = "localhost";

/// Why the server could not be started or an account created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProsodyError {
    /// A program is not on `PATH`.
    #[error("`{program}` not found on PATH: install the Debian package `{package}`")]
    Missing {
        /// The program looked for.
        program: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// A helper command (openssl) failed.
    #[error("{command} failed: {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// Its standard error.
        stderr: String,
    },
    /// Prosody exited or did not accept connections in time.
    #[error("prosody did not start; its log:\n{log}")]
    NotStarted {
        /// Prosody's log file and output.
        log: String,
    },
    /// An account name Prosody would store under another name (not lower-case
    /// `[a-z0-9._-]`), or an empty password.
    #[error("account {0:?}: use a lower-case name of [a-z0-9._-] and a non-empty password")]
    Account(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProsodyError {
    let what = what.into();
    move |source| ProsodyError::Io { what, source }
}

/// A running Prosody.
#[derive(Debug)]
pub struct Prosody {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
    prosody: PathBuf,
}

/// The path of `program` on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn require(program: &'static str, package: &'static str) -> Result<PathBuf, ProsodyError> {
    which(program).ok_or(ProsodyError::Missing { program, package })
}

fn run(cmd: &mut Command) -> Result<(), ProsodyError> {
    let command = format!("{cmd:?}");
    let out = cmd.output().map_err(io(command.clone()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ProsodyError::Command {
            command,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

fn free_port() -> Result<u16, ProsodyError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(io("bind 127.0.0.1:0"))?;
    Ok(l.local_addr().map_err(io("local address"))?.port())
}

impl Prosody {
    /// Start a server in a new temporary directory.
    pub fn start() -> Result<Prosody, ProsodyError> {
        let prosody = require("prosody", "prosody")?;
        require("openssl", "openssl")?;
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("oadr-prosody-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut p = Prosody {
            child: None,
            dir,
            port: 0,
            prosody,
        };
        for sub in ["certs", "data/localhost/accounts"] {
            let d = p.dir.join(sub);
            std::fs::create_dir_all(&d).map_err(io(d.display().to_string()))?;
        }
        make_certs(&p.dir)?;
        for _ in 0..5 {
            p.port = free_port()?;
            p.write_config()?;
            if p.launch()? {
                return Ok(p);
            }
        }
        Err(ProsodyError::NotStarted { log: p.log() })
    }

    /// The temporary directory (config, certificates, data, log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The c2s port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The test CA certificate (PEM) that issued the server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// Create (or overwrite) an account `user@localhost`.
    pub fn register(&self, user: &str, password: &str) -> Result<(), ProsodyError> {
        self.register_many([(user, password)])
    }

    /// Create many accounts at once: one `internal_plain` account file each, which Prosody
    /// reads at login (also while it runs).
    pub fn register_many<'a>(
        &self,
        accounts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), ProsodyError> {
        let dir = self.dir.join("data/localhost/accounts");
        for (user, password) in accounts {
            let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
            if user.is_empty()
                || password.is_empty()
                || !user.chars().all(|c| plain(c) || "._-".contains(c))
            {
                return Err(ProsodyError::Account(user.to_owned()));
            }
            // Prosody's datamanager file name: every non-alphanumeric byte as %xx.
            let file: String = user
                .chars()
                .map(|c| {
                    if plain(c) {
                        c.to_string()
                    } else {
                        format!("%{:02x}", c as u32)
                    }
                })
                .collect();
            let path = dir.join(format!("{file}.dat"));
            let body = format!(
                "return {{\n\t[\"password\"] = \"{}\";\n}};\n",
                lua_escape(password)
            );
            std::fs::write(&path, body).map_err(io(path.display().to_string()))?;
        }
        Ok(())
    }

    /// Kill the server (as a crash would) and start it again on the same port and data.
    pub fn restart(&mut self) -> Result<(), ProsodyError> {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.launch()? {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(ProsodyError::NotStarted { log: self.log() })
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

    /// The server log and what it printed.
    pub fn log(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        format!("{}{}", read("prosody.log"), read("prosody.out"))
    }

    fn config_path(&self) -> PathBuf {
        self.dir.join("prosody.cfg.lua")
    }

    fn write_config(&self) -> Result<(), ProsodyError> {
        let d = self.dir.display();
        let cfg = format!(
            r#"-- written by oadr::transport::xmpp::prosody
pidfile = "{d}/prosody.pid"
data_path = "{d}/data"
certificates = "{d}/certs"
run_as_root = true
log = {{ {{ levels = {{ min = "info" }}, to = "file", filename = "{d}/prosody.log" }} }}
network_backend = "epoll"
network_settings = {{ tcp_backlog = 1024 }}
c2s_ports = {{ {port} }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_direct_tls_ports = {{ }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
s2s_interfaces = {{ }}
modules_enabled = {{ "roster", "saslauth", "tls", "disco", "ping", "posix" }}
modules_disabled = {{ "s2s", "http", "bosh", "websocket", "admin_telnet", "admin_shell", "offline", "c2s_csi", "carbons", "pep", "vcard_legacy", "blocklist", "limits" }}
c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_plain"
storage = "internal"
VirtualHost "{DOMAIN}"
  ssl = {{ key = "{d}/localhost.key", certificate = "{d}/localhost.crt" }}
"#,
            port = self.port
        );
        let path = self.config_path();
        std::fs::write(&path, cfg).map_err(io(path.display().to_string()))
    }

    /// Start prosody and wait until its port accepts connections: `false` when it exited
    /// (port taken?) or did not listen within 15 s.
    fn launch(&mut self) -> Result<bool, ProsodyError> {
        let out = self.dir.join("prosody.out");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&out)
            .map_err(io(out.display().to_string()))?;
        let child = Command::new(&self.prosody)
            .arg("-F")
            .arg("--config")
            .arg(self.config_path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io("prosody.out"))?)
            .stderr(log)
            .spawn()
            .map_err(io(format!("{}", self.prosody.display())))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(_)) = c.try_wait() {
                    self.child = None;
                    return Ok(false);
                }
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        Ok(false)
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

/// A Lua string body: printable ASCII except `"` and `\` as is, every other byte as `\ddd`.
fn lua_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
                char::from(b).to_string()
            } else {
                format!("\\{b:03}")
            }
        })
        .collect()
}

/// A CA and a `localhost` server certificate issued by it (P-256, valid 2 days).
fn make_certs(dir: &Path) -> Result<(), ProsodyError> {
    let ossl = |args: &[&str]| {
        let mut c = Command::new("openssl");
        c.current_dir(dir).args(args);
        run(&mut c)
    };
    let new_key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ca = [
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=oadr test XMPP CA",
    ];
    ossl(&[&ca[..], &new_key, &["-keyout", "ca.key", "-out", "ca.crt"]].concat())?;
    let csr = ["req", "-subj", "/CN=localhost", "-keyout", "localhost.key"];
    ossl(&[&csr[..], &new_key, &["-out", "localhost.csr"]].concat())?;
    let ext = dir.join("ext.cnf");
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(io(ext.display().to_string()))?;
    ossl(&[
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
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_strings_escape_quotes_backslashes_and_non_ascii() {
        assert_eq!(lua_escape("a\"b\\cé"), "a\\034b\\092c\\195\\169");
    }
}
