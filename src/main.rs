use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = oadr::cli::Cli::parse();
    oadr::cli::run(cli)
}
