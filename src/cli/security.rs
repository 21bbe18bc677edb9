//! `oadr sign`, `oadr verify`, `oadr fingerprint`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::sign::c14n::Algorithm;
use crate::sign::{
    AlgorithmPolicy, Certificate, Fingerprint, Replay, ReplayWindow, Signer, Trust, Verifier,
    VerifyOptions,
};

/// Canonicalization choice for `oadr sign`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum C14nChoice {
    /// Exclusive XML Canonicalization 1.0 (default).
    Exclusive,
    /// Canonical XML 1.0 (what OpenLEADR emits).
    Inclusive,
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Signer's certificate (PEM).
    #[arg(long)]
    pub cert: PathBuf,
    /// Signer's private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC P-256; unencrypted).
    #[arg(long)]
    pub key: PathBuf,
    /// Canonicalization of SignedInfo and the references.
    #[arg(long, value_enum, default_value = "exclusive")]
    pub c14n: C14nChoice,
    /// Unsigned oadrPayload.
    pub input: PathBuf,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("trust").required(true).args(["cert", "fingerprint", "ca"])))]
#[command(group(clap::ArgGroup::new("replay").args(["max_age", "ignore_replay"])))]
pub struct VerifyArgs {
    /// Trust exactly this certificate (PEM).
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Trust the certificate with this OpenADR fingerprint (as `oadr fingerprint` prints).
    #[arg(long)]
    pub fingerprint: Option<String>,
    /// Trust certificates that chain to this CA (PEM, may hold several).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Oldest accepted ReplayProtect timestamp, e.g. 60s, 5m, 2h, 3d (default 60s).
    #[arg(long, value_parser = parse_duration)]
    pub max_age: Option<chrono::Duration>,
    /// Do not check ReplayProtect freshness (archived messages).
    #[arg(long)]
    pub ignore_replay: bool,
    /// Accept SHA-1 digests and signature methods.
    #[arg(long)]
    pub allow_sha1: bool,
    /// Signed oadrPayload.
    pub input: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct FingerprintArgs {
    /// Certificate (PEM).
    pub cert: PathBuf,
}

fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| usage(&format!("{}: {e}", path.display())))
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    ExitCode::from(super::EXIT_USAGE)
}

pub fn sign(args: SignArgs) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let cert = read(&args.cert)?;
        let key = read(&args.key)?;
        let input = read(&args.input)?;
        let signer =
            Signer::from_pem(&cert, &key).map_err(|e| usage(&format!("oadr sign: {e}")))?;
        let signer = signer.with_canonicalization(match args.c14n {
            C14nChoice::Exclusive => Algorithm::Exclusive,
            C14nChoice::Inclusive => Algorithm::Inclusive,
        });
        match signer.sign(&input) {
            Ok(signed) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&signed)
                    .and_then(|_| out.flush())
                    .map_err(|e| usage(&format!("oadr sign: stdout: {e}")))?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("oadr sign: {}: {e}", args.input.display());
                Ok(ExitCode::FAILURE)
            }
        }
    };
    run().unwrap_or_else(|code| code)
}

pub fn verify(args: VerifyArgs) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let trust = if let Some(path) = &args.cert {
            let cert = Certificate::from_pem(&read(path)?)
                .map_err(|e| usage(&format!("{}: {e}", path.display())))?;
            Trust::Certificates(vec![cert])
        } else if let Some(path) = &args.ca {
            let certs = Certificate::all_from_pem(&read(path)?)
                .map_err(|e| usage(&format!("{}: {e}", path.display())))?;
            Trust::Ca(certs)
        } else {
            let text = args.fingerprint.as_deref().unwrap_or("");
            let fp: Fingerprint = text.parse().map_err(|e: String| usage(&e))?;
            Trust::Fingerprints(vec![fp])
        };
        let input = read(&args.input)?;
        let mut options = VerifyOptions::new(trust);
        options.algorithms = AlgorithmPolicy::default();
        options.algorithms.allow_sha1 = args.allow_sha1;
        if args.ignore_replay {
            options.replay = Replay::Ignore;
        } else if let Some(max_age) = args.max_age {
            options.replay = Replay::Check(ReplayWindow {
                max_age,
                ..ReplayWindow::default()
            });
        }
        match Verifier::new(options).verify(&input, chrono::Utc::now()) {
            Ok(Some(v)) => {
                println!("{}", v.fingerprint);
                Ok(ExitCode::SUCCESS)
            }
            Ok(None) => Ok(ExitCode::FAILURE), // unreachable: signatures are required
            Err(e) => {
                println!("invalid: {e}");
                Ok(ExitCode::FAILURE)
            }
        }
    };
    run().unwrap_or_else(|code| code)
}

pub fn fingerprint(args: FingerprintArgs) -> ExitCode {
    let pem = match read(&args.cert) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match Certificate::from_pem(&pem) {
        Ok(cert) => {
            println!("{}", cert.fingerprint());
            ExitCode::SUCCESS
        }
        Err(e) => usage(&format!("{}: {e}", args.cert.display())),
    }
}

/// `60s`, `5m`, `2h`, `3d`, `500ms`, or bare seconds.
fn parse_duration(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (e.g. 60s, 5m, 2h)"))?;
    let d = match unit {
        "" | "s" => chrono::Duration::try_seconds(n),
        "ms" => chrono::Duration::try_milliseconds(n),
        "m" => chrono::Duration::try_minutes(n),
        "h" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        _ => None,
    };
    d.ok_or_else(|| format!("not a duration: {s:?} (units: ms, s, m, h, d)"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap().num_seconds(), 90);
        assert_eq!(parse_duration("5m").unwrap().num_seconds(), 300);
        assert_eq!(parse_duration("250ms").unwrap().num_milliseconds(), 250);
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }
}
