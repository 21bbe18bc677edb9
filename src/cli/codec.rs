//! `oadr decode PATH` and `oadr encode PATH.json`.
//!
//! `decode` prints `{"message_type": "oadrDistributeEvent", "payload": {...}}`, the model's
//! JSON (OpenLEADR's dict form, see `oadr::model`). `encode` reads that JSON and prints the
//! XML message, schema-validated before it is printed. Errors use `oadr validate`'s plain
//! form on stderr (every schema error, one per line),
//! `PATH: invalid: <element path>: <message> [<response code>]`; exit status 1 for invalid
//! input, 2 for usage and I/O errors.

use crate::model::{self, Message};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
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

fn read_input(path: &Path) -> Result<Vec<u8>, ExitCode> {
    let result = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    };
    result.map_err(|e| {
        eprintln!("{}: {e}", path.display());
        ExitCode::from(super::EXIT_USAGE)
    })
}

/// Report `err` as `oadr validate` does: schema errors one per line, first error first.
fn invalid(path: &Path, err: &model::ModelError) -> ExitCode {
    match err {
        model::ModelError::Schema(errors) => {
            for e in errors.iter() {
                eprintln!("{}: invalid: {e}", path.display());
            }
        }
        other => eprintln!(
            "{}: invalid: {} [{}]",
            path.display(),
            other,
            other.response_code()
        ),
    }
    ExitCode::from(1)
}

fn emit(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stdout: {e}");
            ExitCode::from(super::EXIT_USAGE)
        }
    }
}

pub fn decode(args: DecodeArgs) -> ExitCode {
    let bytes = match read_input(&args.path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let message = match model::decode(&bytes) {
        Ok(m) => m,
        Err(e) => return invalid(&args.path, &e),
    };
    match serde_json::to_vec_pretty(&message) {
        Ok(mut json) => {
            json.push(b'\n');
            emit(&json)
        }
        Err(e) => {
            eprintln!("{}: cannot write JSON: {e}", args.path.display());
            ExitCode::from(1)
        }
    }
}

pub fn encode(args: EncodeArgs) -> ExitCode {
    let bytes = match read_input(&args.path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let message: Message = match serde_json::from_slice(&bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "{}: invalid: / (line {}, column {}): {e} [454]",
                args.path.display(),
                e.line(),
                e.column()
            );
            return ExitCode::from(1);
        }
    };
    let xml = match model::encode(&message) {
        Ok(x) => x,
        Err(e) => return invalid(&args.path, &e),
    };
    // Read the output back before printing it: what we print must decode to the same model.
    match model::decode(&xml) {
        Ok(back) if serde_json::to_value(&back).ok() == serde_json::to_value(&message).ok() => {}
        Ok(_) => {
            eprintln!(
                "{}: invalid: the encoded message does not read back as the input [454]",
                args.path.display()
            );
            return ExitCode::from(1);
        }
        Err(e) => return invalid(&args.path, &e),
    }
    let mut xml = xml;
    xml.push(b'\n');
    emit(&xml)
}
