//! `oadr sign`, `oadr verify`, `oadr fingerprint`.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    #[arg(long)]
    pub cert: PathBuf,
    #[arg(long)]
    pub key: PathBuf,
    pub input: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    pub input: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct FingerprintArgs {
    pub cert: PathBuf,
}

pub fn sign(_args: SignArgs) -> ExitCode {
    super::unavailable("sign")
}

pub fn verify(_args: VerifyArgs) -> ExitCode {
    super::unavailable("verify")
}

pub fn fingerprint(_args: FingerprintArgs) -> ExitCode {
    super::unavailable("fingerprint")
}
