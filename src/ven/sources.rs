//! What the user plugs in: the event handler, a notification handler, and report data
//! sources. All see model types only, never XML; the library packs readings into intervals.

use crate::engine::ven::{Notification, OfferedReport, ReadKind, ReadRequest, Reading};
use crate::model::{
    Duration, Event, ItemBase, OptType, PowerAttributes, ReadingType, Report, ReportDescription,
    ReportName, ReportType, ReportValue, SiScaleCode,
};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Decides opt-in/opt-out for a new (`false`) or modified (`true`) event.
pub type EventHandler = Arc<dyn Fn(Event, bool) -> BoxFuture<OptType> + Send + Sync>;

/// Receives every [`Notification`] (event start/interval/end, cancellations, reports...).
pub type NotificationHandler = Arc<dyn Fn(Notification) -> BoxFuture<()> + Send + Sync>;

type CurrentFn = dyn Fn() -> BoxFuture<Option<ReportValue>> + Send + Sync;
type HistoryFn = dyn Fn(
        DateTime<Utc>,
        DateTime<Utc>,
        chrono::Duration,
    ) -> BoxFuture<Vec<(DateTime<Utc>, ReportValue)>>
    + Send
    + Sync;

/// Where one data point's values come from.
#[derive(Clone)]
pub enum DataSource {
    /// The current value (telemetry reports); `None` when unavailable.
    Current(Arc<CurrentFn>),
    /// Stored values over `[start, end)` at a granularity (HISTORY_USAGE).
    History(Arc<HistoryFn>),
}

impl std::fmt::Debug for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DataSource::Current(_) => "DataSource::Current",
            DataSource::History(_) => "DataSource::History",
        })
    }
}

impl DataSource {
    /// A telemetry source from an async closure returning the current value.
    pub fn current<F, Fut>(f: F) -> DataSource
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<ReportValue>> + Send + 'static,
    {
        DataSource::Current(Arc::new(move || Box::pin(f())))
    }

    /// A telemetry source of floats (`payloadFloat`).
    pub fn float<F, Fut>(f: F) -> DataSource
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = f32> + Send + 'static,
    {
        let f = Arc::new(f);
        DataSource::current(move || {
            let f = f.clone();
            async move { Some(ReportValue::Float(f().await)) }
        })
    }

    /// A history source from an async closure `(start, end, granularity) → [(at, value)]`.
    pub fn history<F, Fut>(f: F) -> DataSource
    where
        F: Fn(DateTime<Utc>, DateTime<Utc>, chrono::Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<(DateTime<Utc>, ReportValue)>> + Send + 'static,
    {
        DataSource::History(Arc::new(move |s, e, g| Box::pin(f(s, e, g))))
    }
}

/// An offered report: METADATA plus one data source per `rID`.
#[derive(Debug, Clone)]
pub struct ReportOffer {
    /// The METADATA report (name, specifier id, descriptions, buffered duration).
    pub metadata: Report,
    /// Data sources by `rID`.
    pub sources: Vec<(String, DataSource)>,
}

impl ReportOffer {
    /// An offer for `metadata`; add sources with [`ReportOffer::source`].
    pub fn new(metadata: Report) -> ReportOffer {
        ReportOffer {
            metadata,
            sources: Vec::new(),
        }
    }

    /// Feed data point `r_id` from `source`.
    pub fn source(mut self, r_id: impl Into<String>, source: DataSource) -> ReportOffer {
        self.sources.push((r_id.into(), source));
        self
    }

    /// A METADATA_TELEMETRY_USAGE report with one real-power data point (W, direct read)
    /// sampled between `min` and `max`.
    pub fn telemetry_power(
        specifier_id: impl Into<String>,
        r_id: impl Into<String>,
        min: Duration,
        max: Duration,
        source: DataSource,
    ) -> ReportOffer {
        let r_id = r_id.into();
        let power = ItemBase::power_real(
            SiScaleCode::None,
            PowerAttributes {
                hertz: 50.0,
                voltage: 230.0,
                ac: true,
            },
        );
        let metadata =
            Report::metadata(specifier_id, ReportName::MetadataTelemetryUsage, Utc::now())
                .with_duration(Duration::hours(1))
                .with_description(
                    ReportDescription::new(
                        r_id.clone(),
                        ReportType::Usage,
                        ReadingType::DirectRead,
                    )
                    .with_measurement(power)
                    .with_sampling(min, max, false),
                );
        ReportOffer::new(metadata).source(r_id, source)
    }

    pub(crate) fn offered(&self) -> OfferedReport {
        OfferedReport::new(self.metadata.clone())
    }
}

/// Answer a [`ReadRequest`] from the offers' data sources.
pub(crate) async fn read(offers: &[ReportOffer], req: &ReadRequest) -> Vec<Reading> {
    let Some(offer) = offers
        .iter()
        .find(|o| o.metadata.report_specifier_id == req.report_specifier_id)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r_id in &req.r_ids {
        let Some((_, source)) = offer.sources.iter().find(|(r, _)| r == r_id) else {
            continue;
        };
        match (&req.kind, source) {
            (ReadKind::Sample { at }, DataSource::Current(f)) => {
                if let Some(value) = f().await {
                    out.push(Reading {
                        r_id: r_id.clone(),
                        at: *at,
                        value,
                    });
                }
            }
            (
                ReadKind::History {
                    start,
                    end,
                    granularity,
                },
                DataSource::History(f),
            ) => {
                for (at, value) in f(*start, *end, *granularity).await {
                    out.push(Reading {
                        r_id: r_id.clone(),
                        at,
                        value,
                    });
                }
            }
            (kind, source) => {
                tracing::warn!(r_id, ?kind, ?source, "data source cannot answer this read");
            }
        }
    }
    out
}
