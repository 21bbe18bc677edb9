//! The throwaway Prosody of the XMPP tests: [`oadr::transport::xmpp::prosody`] (shared with
//! the latency benchmark and `oadr demo --transport xmpp`), with the tests' oracle rule:
//! under `OADR_REQUIRE_ORACLES=1` (scripts/test.sh, CI) a missing `prosody` or `openssl`
//! fails the test; otherwise the test is skipped. Failures panic with Prosody's log.

use oadr::transport::xmpp::prosody::Prosody as Server;
use std::ops::{Deref, DerefMut};

/// A running Prosody (killed and its directory removed on drop).
pub struct Prosody(Server);

impl Prosody {
    /// Start a server, or `None` (skip) when prosody or openssl is missing and oracles are
    /// optional.
    pub fn start() -> Option<Prosody> {
        super::tool("prosody")?;
        super::tool("openssl")?;
        Some(Prosody(Server::start().unwrap_or_else(|e| panic!("{e}"))))
    }

    /// Create an account.
    pub fn register(&self, user: &str, password: &str) {
        self.0
            .register(user, password)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Kill the server and start it again on the same port and data.
    pub fn restart(&mut self) {
        self.0.restart().unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Deref for Prosody {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.0
    }
}

impl DerefMut for Prosody {
    fn deref_mut(&mut self) -> &mut Server {
        &mut self.0
    }
}
