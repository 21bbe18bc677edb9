//! `oadr decode PATH` and `oadr encode PATH.json`.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// XML file, or `-` for stdin.
    pub path: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct EncodeArgs {
    /// JSON file, or `-` for stdin.
    pub path: PathBuf,
}

pub fn decode(_args: DecodeArgs) -> ExitCode {
    super::unavailable("decode")
}

pub fn encode(_args: EncodeArgs) -> ExitCode {
    super::unavailable("encode")
}
