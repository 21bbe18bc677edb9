//! `oadr ven`: a VEN that registers, opts in to every event unless the config says
//! otherwise, logs each event and report, and runs until SIGINT/SIGTERM. With no report
//! configured it offers one TELEMETRY_USAGE powerReal report fed by a simulated meter; the
//! config file (TOML or JSON) can feed reports from a command's output or a CSV file.
//!
//! Config keys (all optional):
//!
//! ```toml
//! opt = "optIn"                        # default answer to events: optIn | optOut
//! opt_out_signals = ["ELECTRICITY_PRICE"]  # opt out of events carrying these signals
//! default_poll_interval_s = 10         # when the VTN requests no poll frequency
//! ven_id = "preassigned-id"
//!
//! [[report]]
//! kind = "telemetry_usage"             # telemetry_usage | telemetry_status | history_usage
//! specifier_id = "meter-1"
//! r_id = "power"
//! min_period_s = 10
//! max_period_s = 60
//! source = { command = "cat /sys/class/power/now" }   # or { csv = "readings.csv" }
//!                                                      # or { simulated = 1500.0 }
//! ```
//!
//! A CSV has `RFC3339 timestamp,value` lines: telemetry reads the latest row not after
//! now, history the rows inside the requested window. A command prints one number.

use crate::model::{
    Duration, OptType, ReadingType, Report, ReportDescription, ReportName, ReportType, ReportValue,
    ResourceStatus, SignalName,
};
use crate::sign::Fingerprint;
use crate::ven::{DataSource, ReportOffer, VenBuilder};
use chrono::{DateTime, Utc};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `oadr ven` arguments (tools script against these flags: keep them).
#[derive(Debug, Args)]
pub struct VenArgs {
    /// The VTN's URL (root or `.../OpenADR2/Simple/2.0b`); required for pull and push, not
    /// taken with --transport xmpp (the VTN is reached by --vtn-jid).
    #[arg(long)]
    pub vtn_url: Option<String>,
    /// This VEN's name (oadrVenName).
    #[arg(long)]
    pub ven_name: String,
    /// PEM client certificate (TLS client auth and XML signatures).
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key of --cert.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// The VTN certificate's OpenADR fingerprint (pins TLS and signatures).
    #[arg(long)]
    pub vtn_fingerprint: Option<String>,
    /// PEM file of CA certificates (or the VTN's self-signed certificate) to trust.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Where to keep the registration between runs.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Configuration file (TOML, or JSON).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// TLS implementation for an https VTN URL (`openssl*` need `--features openssl`).
    #[arg(long, value_enum, default_value_t)]
    pub tls_backend: super::TlsBackendArg,
    /// How VTN-initiated payloads reach this VEN: `pull` (it polls) or `push` (the VTN POSTs
    /// them to the endpoint at --listen; spec digest §2).
    #[arg(long, value_enum, default_value_t = TransportArg::Pull)]
    pub transport: TransportArg,
    /// Push: where the endpoint listens (e.g. 127.0.0.1:8443; port 0 picks one). TLS with the
    /// --cert/--key certificate when --vtn-url is https.
    #[arg(long, required_if_eq("transport", "push"))]
    pub listen: Option<std::net::SocketAddr>,
    /// Push: the oadrTransportAddress to advertise (default: http(s):// + the listen address).
    #[arg(long)]
    pub transport_address: Option<String>,
    /// XMPP: this VEN's account, e.g. `ven1@example.com/oadr` (spec digest §3).
    #[arg(long, required_if_eq("transport", "xmpp"))]
    pub jid: Option<String>,
    /// XMPP: file whose first line is the account's password (SASL PLAIN, inside TLS).
    #[arg(long, required_if_eq("transport", "xmpp"))]
    pub password_file: Option<PathBuf>,
    /// XMPP: the server as host:port (default: the JID's domain, port 5222).
    #[arg(long)]
    pub xmpp_server: Option<String>,
    /// XMPP: PEM file with the CA (or the certificate) of the XMPP server.
    #[arg(long, required_if_eq("transport", "xmpp"))]
    pub xmpp_ca: Option<PathBuf>,
    /// XMPP: the VTN's JID (a full JID, e.g. `vtn@example.com/oadr`).
    #[arg(long, required_if_eq("transport", "xmpp"))]
    pub vtn_jid: Option<String>,
}

/// `oadr ven --transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TransportArg {
    /// Simple HTTP pull: the VEN polls OadrPoll.
    Pull,
    /// Simple HTTP push: the VTN POSTs to the VEN's endpoint.
    Push,
    /// XMPP: VEN and VTN are clients of an XMPP server (--jid, --vtn-jid; --vtn-url unused).
    Xmpp,
}

/// The configuration file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Default answer to events.
    #[serde(default)]
    pub opt: Option<String>,
    /// Opt out of events carrying any of these signal names.
    #[serde(default)]
    pub opt_out_signals: Vec<String>,
    /// Poll interval when the VTN requests none.
    #[serde(default)]
    pub default_poll_interval_s: Option<u32>,
    /// A preassigned venID.
    #[serde(default)]
    pub ven_id: Option<String>,
    /// Offered reports (default: one simulated TELEMETRY_USAGE powerReal report).
    #[serde(default)]
    pub report: Vec<ReportConfig>,
}

/// One offered report.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// `telemetry_usage`, `telemetry_status` or `history_usage`.
    pub kind: String,
    /// reportSpecifierID.
    pub specifier_id: String,
    /// rID of its single data point.
    pub r_id: String,
    /// Minimum sampling period (s).
    #[serde(default)]
    pub min_period_s: Option<u32>,
    /// Maximum sampling period (s).
    #[serde(default)]
    pub max_period_s: Option<u32>,
    /// Where values come from.
    pub source: SourceConfig,
}

/// A data source in the config.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// `sh -c COMMAND`, stdout parsed as one number.
    Command(String),
    /// A CSV of `timestamp,value` rows.
    Csv(PathBuf),
    /// A simulated meter around this value.
    Simulated(f32),
}

/// Read a TOML or JSON config file.
pub fn load_config(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json = path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if json {
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    } else {
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// A simulated meter: a slow sine around `base` (±10 %), deterministic in time.
fn simulated(base: f32) -> DataSource {
    DataSource::float(move || async move {
        let t = Utc::now().timestamp() as f32;
        base * (1.0 + 0.1 * (t / 60.0).sin())
    })
}

fn command_source(cmd: String) -> DataSource {
    let cmd = Arc::new(cmd);
    DataSource::current(move || {
        let cmd = cmd.clone();
        async move {
            let out = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(cmd.as_str())
                .output()
                .await;
            match out {
                Ok(o) if o.status.success() => {
                    let text = String::from_utf8_lossy(&o.stdout);
                    match text.trim().parse::<f32>() {
                        Ok(v) => Some(ReportValue::Float(v)),
                        Err(_) => {
                            tracing::warn!(command = %cmd, output = %text.trim(), "not a number");
                            None
                        }
                    }
                }
                other => {
                    tracing::warn!(command = %cmd, ?other, "report command failed");
                    None
                }
            }
        }
    })
}

/// Parse `timestamp,value` rows (blank lines, `#` comments and a non-numeric header skipped).
pub fn read_csv(path: &Path) -> Result<Vec<(DateTime<Utc>, f32)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(2, ',');
        let (Some(ts), Some(v)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "{}:{}: expected timestamp,value",
                path.display(),
                n + 1
            ));
        };
        let (Ok(ts), Ok(v)) = (
            DateTime::parse_from_rfc3339(ts.trim()),
            v.trim().parse::<f32>(),
        ) else {
            if rows.is_empty() && n == 0 {
                continue; // header
            }
            return Err(format!(
                "{}:{}: expected RFC3339 timestamp,number",
                path.display(),
                n + 1
            ));
        };
        rows.push((ts.with_timezone(&Utc), v));
    }
    rows.sort_by_key(|r| r.0);
    Ok(rows)
}

fn csv_source(path: PathBuf, history: bool) -> Result<DataSource, String> {
    read_csv(&path)?; // fail early on a bad file
    let path = Arc::new(path);
    Ok(if history {
        DataSource::history(move |start, end, _g| {
            let path = path.clone();
            async move {
                read_csv(&path)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(t, _)| *t >= start && *t < end)
                    .map(|(t, v)| (t, ReportValue::Float(v)))
                    .collect()
            }
        })
    } else {
        DataSource::current(move || {
            let path = path.clone();
            async move {
                let now = Utc::now();
                read_csv(&path)
                    .ok()?
                    .into_iter()
                    .rev()
                    .find(|(t, _)| *t <= now)
                    .map(|(_, v)| ReportValue::Float(v))
            }
        })
    })
}

/// Build the report offer a config entry describes.
pub fn offer(r: ReportConfig) -> Result<ReportOffer, String> {
    let min = Duration::seconds(r.min_period_s.unwrap_or(10));
    let max = Duration::seconds(r.max_period_s.unwrap_or(3600));
    let history = r.kind == "history_usage";
    let source = match r.source {
        SourceConfig::Simulated(base) if history => {
            DataSource::history(move |start, end, g| async move {
                let step = if g > chrono::Duration::zero() {
                    g
                } else {
                    chrono::Duration::minutes(15)
                };
                let mut out = Vec::new();
                let mut t = start;
                while t < end && out.len() < 10_000 {
                    out.push((t, ReportValue::Float(base)));
                    t += step;
                }
                out
            })
        }
        SourceConfig::Simulated(base) => simulated(base),
        SourceConfig::Command(_) if history => {
            return Err(format!(
                "report {}: history_usage needs a csv source",
                r.specifier_id
            ))
        }
        SourceConfig::Command(c) => command_source(c),
        SourceConfig::Csv(p) => csv_source(p, history)?,
    };
    match r.kind.as_str() {
        "telemetry_usage" => Ok(ReportOffer::telemetry_power(
            r.specifier_id,
            r.r_id,
            min,
            max,
            source,
        )),
        "telemetry_status" => {
            // A status report: online unless the source says 0.
            let status = match source {
                DataSource::Current(f) => DataSource::current(move || {
                    let f = f.clone();
                    async move {
                        let online = !matches!(f().await, Some(ReportValue::Float(v)) if v == 0.0);
                        Some(ReportValue::ResourceStatus(ResourceStatus {
                            online,
                            manual_override: false,
                            load_control_state: None,
                        }))
                    }
                }),
                h => h,
            };
            let meta = Report::metadata(
                r.specifier_id,
                ReportName::MetadataTelemetryStatus,
                Utc::now(),
            )
            .with_duration(Duration::hours(1))
            .with_description(
                ReportDescription::new(
                    r.r_id.clone(),
                    ReportType::ResourceStatus,
                    ReadingType::NotApplicable,
                )
                .with_sampling(min, max, false),
            );
            Ok(ReportOffer::new(meta).source(r.r_id, status))
        }
        "history_usage" => {
            let meta =
                Report::metadata(r.specifier_id, ReportName::MetadataHistoryUsage, Utc::now())
                    .with_duration(Duration::days(7))
                    .with_description(
                        ReportDescription::new(
                            r.r_id.clone(),
                            ReportType::Usage,
                            ReadingType::DirectRead,
                        )
                        .with_sampling(min, max, false),
                    );
            Ok(ReportOffer::new(meta).source(r.r_id, source))
        }
        other => Err(format!(
            "unknown report kind {other:?} (telemetry_usage, telemetry_status, history_usage)"
        )),
    }
}

/// Apply arguments and config to a builder.
pub fn builder(args: &VenArgs, config: Config) -> Result<VenBuilder, String> {
    let url = match (args.transport, &args.vtn_url) {
        (TransportArg::Xmpp, Some(_)) => {
            return Err(
                "--vtn-url goes with --transport pull|push (over XMPP the VTN is --vtn-jid)".into(),
            )
        }
        // Never dialled: the XMPP VEN sends everything to the VTN's JID.
        (TransportArg::Xmpp, None) => format!("xmpp:{}", args.vtn_jid.as_deref().unwrap_or("")),
        (_, Some(url)) => url.clone(),
        (_, None) => return Err("--vtn-url is required (except with --transport xmpp)".into()),
    };
    let mut b = VenBuilder::new(url, args.ven_name.clone())
        .codec(Arc::new(crate::ven::codec::XmlCodec::default()))
        .tls_backend(args.tls_backend.into());
    if let (Some(c), Some(k)) = (&args.cert, &args.key) {
        b = b.cert_key(c, k);
    }
    if let Some(fp) = &args.vtn_fingerprint {
        b = b.vtn_fingerprint(fp.parse::<Fingerprint>()?);
    }
    if let Some(ca) = &args.ca_file {
        b = b.ca_file(ca);
    }
    if let Some(s) = &args.state {
        b = b.state_file(s);
    }
    match args.transport {
        TransportArg::Pull => {
            if args.listen.is_some() || args.transport_address.is_some() {
                return Err("--listen and --transport-address go with --transport push".into());
            }
        }
        TransportArg::Push => {
            let listen = args.listen.ok_or("--transport push needs --listen")?;
            b = b.push(listen);
            if let Some(a) = &args.transport_address {
                b = b.transport_address(a.clone());
            }
        }
        TransportArg::Xmpp => {
            let jid = args.jid.as_deref().ok_or("--transport xmpp needs --jid")?;
            let vtn = args
                .vtn_jid
                .as_deref()
                .ok_or("--transport xmpp needs --vtn-jid")?;
            let cfg = super::xmpp::config(&super::xmpp::Account {
                jid,
                password_file: args.password_file.as_ref(),
                server: args.xmpp_server.as_deref(),
                ca: args.xmpp_ca.as_deref(),
            })?;
            let vtn = vtn.parse().map_err(|e| format!("--vtn-jid: {e}"))?;
            b = b.xmpp(cfg, vtn);
        }
    }
    if args.transport != TransportArg::Xmpp
        && (args.jid.is_some() || args.vtn_jid.is_some() || args.xmpp_server.is_some())
    {
        return Err("--jid, --vtn-jid and --xmpp-server go with --transport xmpp".into());
    }
    if let Some(id) = config.ven_id.clone() {
        b = b.ven_id(id);
    }
    if let Some(s) = config.default_poll_interval_s {
        b = b.default_poll_interval(chrono::Duration::seconds(i64::from(s)));
    }
    let default_opt = match config.opt.as_deref() {
        None | Some("optIn") => OptType::OptIn,
        Some("optOut") => OptType::OptOut,
        Some(other) => return Err(format!("opt must be optIn or optOut, not {other:?}")),
    };
    let opt_out: Vec<SignalName> = config
        .opt_out_signals
        .iter()
        .map(|s| s.parse().map_err(|e| format!("opt_out_signals: {e}")))
        .collect::<Result<_, String>>()?;
    b = b.on_event(move |event, modified| {
        let opt = if event
            .event_signals
            .iter()
            .any(|s| opt_out.contains(&s.signal_name))
        {
            OptType::OptOut
        } else {
            default_opt
        };
        let _ = modified;
        async move { opt }
    });
    let reports = if config.report.is_empty() {
        vec![ReportConfig {
            kind: "telemetry_usage".into(),
            specifier_id: "simulated-meter".into(),
            r_id: "power".into(),
            min_period_s: Some(1),
            max_period_s: Some(3600),
            source: SourceConfig::Simulated(1500.0),
        }]
    } else {
        config.report
    };
    for r in reports {
        b = b.report(offer(r)?);
    }
    Ok(b)
}

/// Run `oadr ven`.
pub fn run(args: VenArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let config = match &args.config {
        Some(p) => match load_config(p) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("oadr ven: {e}");
                return ExitCode::from(super::EXIT_USAGE);
            }
        },
        None => Config::default(),
    };
    let ven = match builder(&args, config).and_then(|b| b.build().map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("oadr ven: {e}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oadr ven: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(ven.run_until(shutdown_signal()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oadr ven: {e}");
            ExitCode::FAILURE
        }
    }
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        tracing::info!("signal received, stopping");
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_toml_and_json() {
        let dir = std::env::temp_dir().join(format!("oadr-ven-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let t = dir.join("c.toml");
        std::fs::write(&t, "opt = \"optOut\"\n[[report]]\nkind = \"telemetry_usage\"\nspecifier_id = \"m\"\nr_id = \"p\"\nsource = { command = \"echo 4.5\" }\n").unwrap();
        let c = load_config(&t).unwrap();
        assert_eq!(c.opt.as_deref(), Some("optOut"));
        assert!(matches!(c.report[0].source, SourceConfig::Command(ref s) if s == "echo 4.5"));
        let j = dir.join("c.json");
        std::fs::write(&j, r#"{"opt_out_signals": ["ELECTRICITY_PRICE"], "report": [{"kind": "history_usage", "specifier_id": "h", "r_id": "e", "source": {"simulated": 2.0}}]}"#).unwrap();
        let c = load_config(&j).unwrap();
        assert_eq!(c.opt_out_signals, ["ELECTRICITY_PRICE"]);
        assert!(offer(c.report.into_iter().next().unwrap()).is_ok());
        std::fs::write(&t, "nonsense = 1\n").unwrap();
        assert!(load_config(&t).is_err(), "unknown keys are refused");
        let bad = ReportConfig {
            kind: "history_usage".into(),
            specifier_id: "h".into(),
            r_id: "e".into(),
            min_period_s: None,
            max_period_s: None,
            source: SourceConfig::Command("x".into()),
        };
        assert!(offer(bad).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn csv_rows() {
        let dir = std::env::temp_dir().join(format!("oadr-ven-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("r.csv");
        std::fs::write(
            &p,
            "timestamp,value\n2026-01-01T00:15:00Z,2\n# note\n2026-01-01T00:00:00Z,1.5\n",
        )
        .unwrap();
        let rows = read_csv(&p).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1, 1.5, "sorted by time");
        std::fs::write(&p, "2026-01-01T00:00:00Z,1\nbroken\n").unwrap();
        assert!(read_csv(&p).unwrap_err().contains(":2:"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
