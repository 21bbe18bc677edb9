//! The XMPP options shared by `oadr ven --transport xmpp` and `oadr vtn --xmpp-jid`.

use crate::transport::tls::{self, PeerTrust};
use crate::transport::xmpp::{Jid, XmppConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An XMPP account and how to reach its server.
#[derive(Debug, Clone)]
pub struct Account<'a> {
    /// `--jid` / `--xmpp-jid`.
    pub jid: &'a str,
    /// `--password-file`.
    pub password_file: Option<&'a PathBuf>,
    /// `--xmpp-server` (host:port).
    pub server: Option<&'a str>,
    /// `--xmpp-ca`: who issued the XMPP server's certificate.
    pub ca: Option<&'a Path>,
}

/// The client configuration: STARTTLS trusting `--xmpp-ca`, SASL PLAIN with the password in
/// `--password-file` (first line).
pub fn config(a: &Account<'_>) -> Result<XmppConfig, String> {
    let jid: Jid = a.jid.parse().map_err(|e| format!("{}: {e}", a.jid))?;
    let ca =
        a.ca.ok_or("XMPP needs --xmpp-ca (the CA or certificate of the XMPP server)")?;
    let trust = PeerTrust {
        fingerprints: Vec::new(),
        ca: tls::load_certs(ca).map_err(|e| format!("--xmpp-ca: {e}"))?,
    };
    let tls = tls::client::client_config(trust, None).map_err(|e| format!("--xmpp-ca: {e}"))?;
    let mut c = XmppConfig::new(jid, Arc::new(tls));
    let file = a.password_file.ok_or("XMPP needs --password-file")?;
    let password = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let password = password.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        return Err(format!("{}: empty password", file.display()));
    }
    c.password = Some(password);
    c.server = a.server.map(str::to_owned);
    Ok(c)
}
