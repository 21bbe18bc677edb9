//! The `oadr` command-line tool. Each subcommand lives in its own module and is a thin
//! layer over the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub mod admin;
pub mod codec;
pub mod demo;
pub mod security;
pub mod validate;
pub mod ven;
pub mod vtn;
pub mod xmpp;

/// Exit code for usage and I/O errors (the `oadr validate` contract).
pub const EXIT_USAGE: u8 = 2;

/// `--tls-backend` of `oadr ven` and `oadr vtn`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsBackendArg {
    /// rustls: TLS 1.2 and 1.3, AEAD suites.
    #[default]
    Rustls,
    /// OpenSSL (build with `--features openssl`): also the spec's TLS 1.2 CBC suites.
    Openssl,
    /// OpenSSL, TLS 1.2 with only the spec's two suites.
    OpensslSpec,
}

impl From<TlsBackendArg> for crate::transport::tls::Backend {
    fn from(a: TlsBackendArg) -> Self {
        use crate::transport::tls::Backend;
        match a {
            TlsBackendArg::Rustls => Backend::Rustls,
            TlsBackendArg::Openssl => Backend::OpenSsl,
            TlsBackendArg::OpensslSpec => Backend::OpenSslSpecSuites,
        }
    }
}

/// oadr: OpenADR 2.0b toolkit.
#[derive(Debug, Parser)]
#[command(name = "oadr", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate OpenADR 2.0b messages against the official schema.
    Validate(validate::ValidateArgs),
    /// Decode an XML message and print its JSON model.
    Decode(codec::DecodeArgs),
    /// Encode a JSON model into a validated XML message.
    Encode(codec::EncodeArgs),
    /// Sign a message (XML-DSig with ReplayProtect).
    Sign(security::SignArgs),
    /// Verify a signed message.
    Verify(security::VerifyArgs),
    /// Print a certificate's OpenADR fingerprint (OpenLEADR's format).
    Fingerprint(security::FingerprintArgs),
    /// Run a VEN: register, poll, answer events, report, until SIGINT/SIGTERM.
    Ven(ven::VenArgs),
    /// Run a VTN: OpenADR endpoints and an admin API.
    Vtn(vtn::VtnArgs),
    /// Create, list or cancel events on a running VTN (admin API).
    #[command(subcommand)]
    Event(admin::EventCommand),
    /// List the VENs of a running VTN (admin API).
    #[command(subcommand)]
    Vens(admin::VensCommand),
    /// Run a VTN and three VENs on loopback (TLS, signed) and show what they exchange.
    Demo(demo::DemoArgs),
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Decode(a) => codec::decode(a),
        Command::Encode(a) => codec::encode(a),
        Command::Sign(a) => security::sign(a),
        Command::Verify(a) => security::verify(a),
        Command::Fingerprint(a) => security::fingerprint(a),
        Command::Ven(a) => ven::run(a),
        Command::Vtn(a) => vtn::run(a),
        Command::Event(c) => admin::event(c),
        Command::Vens(c) => admin::vens(c),
        Command::Demo(a) => demo::run(a),
    }
}
