//! `oadr validate [--json] PATH...`

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// One JSON object per line instead of plain text.
    #[arg(long)]
    pub json: bool,
    /// Files, directories (searched for *.xml) or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: ValidateArgs) -> ExitCode {
    super::unavailable("validate")
}
