//! `oadr-codegen --xsd DIR --out DIR`: write the generated sources where people can read and
//! diff them (the build writes the same files into OUT_DIR).

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: oadr-codegen --xsd DIR --out DIR";

fn main() -> ExitCode {
    let mut xsd = None;
    let mut out = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--xsd") => xsd = args.next().map(PathBuf::from),
            Some("--out") => out = args.next().map(PathBuf::from),
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("unexpected argument {arg:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(xsd), Some(out)) = (xsd, out) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match oadr_codegen::generate(&xsd, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oadr-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
