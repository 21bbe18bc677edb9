//! `oadr demo`: an oadr VTN and three oadr VENs in one process, talking over loopback.
//!
//! The real runtimes ([`crate::vtn::Vtn`], [`crate::ven::Ven`]) over real HTTP on
//! `127.0.0.1` (ephemeral port, mutual TLS), with every payload XML-signed and the VTN's state
//! in a SQLite file in a private temporary directory (removed at the end). The VENs register,
//! offer a telemetry report, the VTN requests it, publishes an event with a randomized start
//! window (`startafter`), two VENs opt in and one opts out (and confirms with an
//! oadrCreateOpt), readings flow back. Each exchange prints one line as it happens; the demo
//! ends with a table and exits 0, or names the step that failed and exits 1.
//!
//! The certificates are embedded demo certificates whose private keys are public
//! ([`certs`](self) module): **for the demo only**.

mod certs;
mod console;
mod pair;
mod scenario;
mod summary;
mod tap;
mod xmpp;

pub use pair::Transport;

use clap::Args;
use console::{Console, Show};
use std::process::ExitCode;
use std::sync::Arc;

/// Run the end-to-end demo.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Also print every payload as it travels (the signed XML).
    #[arg(long)]
    pub xml: bool,
    /// Also print every payload's model as JSON (OpenLEADR's dict form, as `oadr decode`).
    #[arg(long)]
    pub json: bool,
    /// Give up (exit 1) after this many seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// How the VENs and the VTN reach each other: `pull` (the VENs poll) or `push` (the VTN
    /// POSTs to each VEN's own endpoint).
    #[arg(long, value_enum, default_value_t = Transport::HttpsPull)]
    pub transport: Transport,
}

/// A step that did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    step: &'static str,
    why: String,
}

impl Failure {
    fn new(step: &'static str, why: impl Into<String>) -> Failure {
        Failure {
            step,
            why: why.into(),
        }
    }
}

/// Run `oadr demo`: 0 when every step passed, 1 otherwise.
pub fn run(args: DemoArgs) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oadr demo: step 'setup' failed: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let console = Arc::new(Console::new(Show {
        xml: args.xml,
        json: args.json,
    }));
    let limit = std::time::Duration::from_secs(args.timeout.max(1));
    let result = rt.block_on(async {
        let dir = certs::TempDir::new().map_err(|e| Failure::new("setup", e))?;
        match tokio::time::timeout(
            limit,
            scenario::run(args.transport, console.clone(), dir.path()),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => {
                let step = console.tally().step;
                Err(Failure::new(
                    if step.is_empty() { "setup" } else { step },
                    format!(
                        "the demo did not finish within {} s (--timeout)",
                        limit.as_secs()
                    ),
                ))
            }
        }
    });
    // The VENs' tasks may still hold the runtime; do not wait for them.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    console.done();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("oadr demo: step '{}' failed: {}", f.step, f.why);
            ExitCode::FAILURE
        }
    }
}
