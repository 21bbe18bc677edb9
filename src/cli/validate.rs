//! `oadr validate [--json] PATH...`
//!
//! Contract (scripts depend on it): one line per file. Plain: `PATH: ok (TYPE)` or
//! `PATH: invalid: <first error>`. `--json`: one object per line,
//! `{"file": PATH, "valid": BOOL, "type": TYPE|null, "errors": [{"path", "line", "column",
//! "message"}]}`. Exit 0 when every file is valid, 1 when any is invalid, 2 on usage or
//! I/O errors (reported on stderr; 2 wins over 1).
//!
//! `--conformance` adds the 2.0b conformance rules beyond the XSD ([`crate::conformance`])
//! for schema-valid `oadrPayload` messages: each finding is one more entry in `errors`, same
//! shape plus `"rule"` (the rule id) and `"severity"` (`error` | `warning`); line and column
//! locate the element the path names. Error findings make the file invalid; warnings
//! (rules the spec digest marks unconfirmed) are listed but keep it valid (`--strict` makes
//! them count too). `--now TIME` also checks event status against the active period.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::conformance::{self, Context, Severity, Strictness};
use crate::wire::{self, Limits};

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// One JSON object per line instead of plain text.
    #[arg(long)]
    pub json: bool,
    /// Also check the 2.0b conformance rules beyond the XSD (`rule` field in the errors).
    #[arg(long)]
    pub conformance: bool,
    /// With --conformance: warnings (unconfirmed rules) make a file invalid too.
    #[arg(long, requires = "conformance")]
    pub strict: bool,
    /// With --conformance: the time to check event status against (RFC 3339, e.g.
    /// 2026-11-27T10:00:00Z); without it, time-dependent rules are skipped.
    #[arg(long, requires = "conformance")]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Files, directories (searched recursively for *.xml) or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// What `--conformance` adds to a check.
#[derive(Debug, Clone, Copy)]
struct Rules {
    strictness: Strictness,
    now: Option<chrono::DateTime<chrono::Utc>>,
}

/// One line of output: a schema error or a conformance finding.
struct Problem {
    path: String,
    line: u32,
    column: u32,
    message: String,
    rule: Option<(&'static str, Severity)>,
    /// The plain-text form.
    text: String,
}

/// Conformance findings for a schema-valid message, located in `bytes`.
fn conformance(bytes: &[u8], rules: Rules) -> Vec<(Problem, bool)> {
    let message = match crate::model::decode(bytes) {
        Ok(m) => m,
        Err(e) => {
            let text = format!("{e} [{}]", e.response_code());
            return vec![(
                Problem {
                    path: e.path().to_owned(),
                    line: 0,
                    column: 0,
                    message: e.to_string(),
                    rule: None,
                    text,
                },
                true,
            )];
        }
    };
    let ctx = Context {
        now: rules.now,
        ..Context::default()
    };
    let mut findings = conformance::check(&message, &ctx);
    findings.extend(conformance::check_utc_times(bytes));
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity()));
    let doc = std::str::from_utf8(bytes)
        .ok()
        .and_then(|t| roxmltree::Document::parse(t).ok());
    findings
        .into_iter()
        .map(|f| {
            let (line, column) = doc.as_ref().map_or((0, 0), |d| locate(d, &f.path));
            let rejects = rules.strictness.rejects(&f);
            let problem = Problem {
                text: format!(
                    "{} (line {line}, column {column}): rule {}: {} [{}]",
                    f.path, f.rule.id, f.message, f.rule.code
                ),
                path: f.path,
                line,
                column,
                message: f.message,
                rule: Some((f.rule.id, f.rule.severity)),
            };
            (problem, rejects)
        })
        .collect()
}

/// Line and column of the element an error path names (`/a/b[2]/c`: `[n]` is the n-th
/// sibling of that name, 1-based); the deepest element found when the rest is missing.
fn locate(doc: &roxmltree::Document<'_>, path: &str) -> (u32, u32) {
    let mut node = doc.root();
    for step in path.split('/').filter(|s| !s.is_empty()) {
        let (name, nth) = match step.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().unwrap_or(1)),
            None => (step, 1),
        };
        let next = node
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == name)
            .nth(nth.saturating_sub(1));
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    let pos = doc.text_pos_at(node.range().start);
    (pos.row, pos.col)
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

fn report(
    name: &str,
    bytes: &[u8],
    json: bool,
    rules: Option<Rules>,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let result = wire::validate(bytes, &Limits::default());
    let (mut valid, ty, mut problems) = match &result {
        Ok(v) => (true, Some(v.message_type), Vec::new()),
        Err(e) => (
            false,
            None,
            e.iter()
                .map(|e| Problem {
                    path: e.path.clone(),
                    line: e.line,
                    column: e.column,
                    message: e.message(),
                    rule: None,
                    text: e.to_string(),
                })
                .collect(),
        ),
    };
    if let (Some(rules), Ok(v)) = (rules, &result) {
        if v.root == "oadrPayload" {
            for (problem, rejects) in conformance(bytes, rules) {
                valid &= !rejects;
                problems.push(problem);
            }
        }
    }
    if json {
        let errors: Vec<_> = problems
            .iter()
            .map(|p| {
                let mut o = serde_json::json!({"path": p.path, "line": p.line, "column": p.column, "message": p.message});
                if let Some((rule, severity)) = p.rule {
                    o["rule"] = rule.into();
                    o["severity"] = serde_json::to_value(severity).unwrap_or_default();
                }
                o
            })
            .collect();
        let obj = serde_json::json!({"file": name, "valid": valid, "type": ty, "errors": errors});
        writeln!(out, "{obj}")?;
    } else if valid {
        match problems.first() {
            Some(p) => writeln!(
                out,
                "{name}: ok ({}), warning: {}",
                ty.unwrap_or("?"),
                p.text
            )?,
            None => writeln!(out, "{name}: ok ({})", ty.unwrap_or("?"))?,
        }
    } else {
        match problems.first() {
            Some(p) => writeln!(out, "{name}: invalid: {}", p.text)?,
            None => writeln!(out, "{name}: invalid")?,
        }
    }
    Ok(valid)
}

pub fn run(args: ValidateArgs) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut invalid, mut io_error) = (false, false);
    let rules = args.conformance.then_some(Rules {
        strictness: if args.strict {
            Strictness::Strict
        } else {
            Strictness::Lenient
        },
        now: args.now,
    });
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let mut buf = Vec::new();
            match std::io::stdin().read_to_end(&mut buf) {
                Ok(_) => match report("-", &buf, args.json, rules, &mut out) {
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
                Ok(bytes) => {
                    match report(&f.display().to_string(), &bytes, args.json, rules, &mut out) {
                        Ok(ok) => invalid |= !ok,
                        Err(_) => return ExitCode::from(super::EXIT_USAGE),
                    }
                }
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
