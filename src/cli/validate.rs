//! `oadr validate [--json] PATH...`
//!
//! Contract (scripts depend on it): one line per file. Plain: `PATH: ok (TYPE)` or
//! `PATH: invalid: <first error>`. `--json`: one object per line,
//! `{"file": PATH, "valid": BOOL, "type": TYPE|null, "errors": [{"path", "line", "column",
//! "message"}]}`. Exit 0 when every file is valid, 1 when any is invalid, 2 on usage or
//! I/O errors (reported on stderr; 2 wins over 1).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::wire::{self, Limits};

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// One JSON object per line instead of plain text.
    #[arg(long)]
    pub json: bool,
    /// Files, directories (searched recursively for *.xml) or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Expand directories into their *.xml files (recursively, sorted).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for e in entries {
            if e.is_dir() {
                collect(&e, out)?;
            } else if e.extension().is_some_and(|x| x == "xml") {
                out.push(e);
            }
        }
        Ok(())
    } else {
        out.push(path.to_owned());
        Ok(())
    }
}

fn report(name: &str, bytes: &[u8], json: bool, out: &mut impl Write) -> std::io::Result<bool> {
    let result = wire::validate(bytes, &Limits::default());
    if json {
        let (valid, ty, errors) = match &result {
            Ok(v) => (true, Some(v.message_type), Vec::new()),
            Err(e) => (
                false,
                None,
                e.iter()
                    .map(|e| {
                        serde_json::json!({"path": e.path, "line": e.line, "column": e.column, "message": e.message()})
                    })
                    .collect(),
            ),
        };
        let obj = serde_json::json!({"file": name, "valid": valid, "type": ty, "errors": errors});
        writeln!(out, "{obj}")?;
    } else {
        match &result {
            Ok(v) => writeln!(out, "{name}: ok ({})", v.message_type)?,
            Err(e) => match e.first() {
                Some(first) => writeln!(out, "{name}: invalid: {first}")?,
                None => writeln!(out, "{name}: invalid")?,
            },
        }
    }
    Ok(result.is_ok())
}

pub fn run(args: ValidateArgs) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut invalid, mut io_error) = (false, false);
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let mut buf = Vec::new();
            match std::io::stdin().read_to_end(&mut buf) {
                Ok(_) => match report("-", &buf, args.json, &mut out) {
                    Ok(ok) => invalid |= !ok,
                    Err(_) => return ExitCode::from(super::EXIT_USAGE),
                },
                Err(e) => {
                    eprintln!("-: {e}");
                    io_error = true;
                }
            }
            continue;
        }
        let mut files = Vec::new();
        if let Err(e) = collect(p, &mut files) {
            eprintln!("{}: {e}", p.display());
            io_error = true;
            continue;
        }
        for f in files {
            match std::fs::read(&f) {
                Ok(bytes) => match report(&f.display().to_string(), &bytes, args.json, &mut out) {
                    Ok(ok) => invalid |= !ok,
                    Err(_) => return ExitCode::from(super::EXIT_USAGE),
                },
                Err(e) => {
                    eprintln!("{}: {e}", f.display());
                    io_error = true;
                }
            }
        }
    }
    if io_error {
        ExitCode::from(super::EXIT_USAGE)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
