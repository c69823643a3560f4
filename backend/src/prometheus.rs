//! What an operator scrapes: `GET /metrics` in the Prometheus text format.
//!
//! The hub's own figures (streams, events, deliveries, gaps, history,
//! topics) are its [`Counts`](crate::hub::Counts), read when scraped, so
//! nothing is counted twice. Only what the HTTP side alone sees is counted
//! here, in [`Meters`]: responses by status class, refusals by reason, the
//! publish latency, and open connections.
//!
//! Beside them, what every Prometheus client exports: `herald_build_info`
//! (the version and commit, so mixed builds in a cluster show) and the
//! process's own figures ([`process`]).
//!
//! Labels are bounded: a status class, an [`ErrorCode`], a fixed bucket.
//! Topic names never become labels, since anyone who may publish could
//! otherwise grow the scrape without bound.

mod process;

use std::fmt::{self, Debug};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use herald_wire::ErrorCode;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::broker::Broker;
use crate::{build_info, error};

/// The content type of the Prometheus text format, version 0.0.4, which
/// every Prometheus-compatible scraper reads.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the publish latency buckets, in seconds: from a
/// hundred microseconds (an in-memory publish) to ten seconds (the default
/// `--publish-timeout-ms`).
const PUBLISH_BUCKETS: [f64; 14] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0,
];

/// What the HTTP side counts; shared by the routes, the middleware and the
/// connection loop.
pub(crate) struct Meters {
    /// Responses by status class, `1xx` at index 0.
    responses: [AtomicU64; 5],
    /// Refusals by [`ErrorCode`], in [`ErrorCode::ALL`] order.
    refusals: [AtomicU64; ErrorCode::ALL.len()],
    /// Seconds from a publish request's arrival to its answer.
    publish_seconds: Histogram,
    /// Connections served now; the connection loop counts its slots here.
    pub(crate) connections: Arc<AtomicUsize>,
    /// HTTP/2 connections closed for going `--idle-timeout` without a
    /// request.
    pub(crate) closed_idle: Arc<AtomicU64>,
    /// Streams ended by their token's expiry or `--max-stream-age`.
    pub(crate) streams_expired: Arc<AtomicU64>,
    /// SIGHUP reloads of the TLS certificate, by outcome.
    pub(crate) certificate_reloads: Reloads,
}

/// Reloads of the TLS certificate that took, and that were refused (the old
/// pair kept).
#[derive(Default)]
pub(crate) struct Reloads {
    pub(crate) ok: AtomicU64,
    pub(crate) failed: AtomicU64,
}

impl Meters {
    /// Meters at zero.
    pub(crate) fn new() -> Self {
        Self {
            responses: Default::default(),
            refusals: Default::default(),
            publish_seconds: Histogram::new(PUBLISH_BUCKETS),
            connections: Arc::new(AtomicUsize::new(0)),
            closed_idle: Arc::default(),
            streams_expired: Arc::default(),
            certificate_reloads: Reloads::default(),
        }
    }

    /// Counts a response: its status class and, for a refusal, its reason.
    pub(crate) fn count(&self, response: &Response) {
        let class = usize::from(response.status().as_u16() / 100);
        if let Some(total) = class
            .checked_sub(1)
            .and_then(|index| self.responses.get(index))
        {
            total.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(code) = error::refusal(response)
            && let Some(index) = ErrorCode::ALL.iter().position(|known| *known == code)
        {
            self.refusals[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records how long a publish took to answer.
    pub(crate) fn publish_took(&self, elapsed: Duration) {
        self.publish_seconds.observe(elapsed.as_secs_f64());
    }

    /// Times a publish from now until the timer is dropped, so every way
    /// out of the handler is recorded.
    pub(crate) fn time_publish(self: &Arc<Self>) -> PublishTimer {
        PublishTimer {
            meters: Arc::clone(self),
            started: Instant::now(),
        }
    }

    /// The registry a scrape encodes: the hub's figures read from `broker`
    /// when scraped, and these meters.
    pub(crate) fn registry(self: &Arc<Self>, broker: Broker) -> Registry {
        let mut registry = Registry::default();
        registry.register(
            "herald_publish_duration_seconds",
            // The registry adds the full stop to a registered metric's help.
            "Time from a publish request's arrival to its answer (202 or refusal)",
            self.publish_seconds.clone(),
        );
        registry.register_collector(Box::new(Figures {
            broker,
            meters: Arc::clone(self),
        }));
        registry
    }
}

/// `GET /metrics` over `meters` and the figures of `broker`, for the app's
/// router and for the `--metrics-addr` listener alike.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(
    meters: &Arc<Meters>,
    broker: Broker,
) -> Router<S> {
    let registry = Arc::new(meters.registry(broker));
    Router::new().route(
        herald_wire::protocol::METRICS_PATH,
        axum::routing::get(scrape).with_state(registry),
    )
}

/// Records a publish's duration when dropped; see [`Meters::time_publish`].
pub(crate) struct PublishTimer {
    meters: Arc<Meters>,
    started: Instant,
}

impl Drop for PublishTimer {
    fn drop(&mut self) {
        self.meters.publish_took(self.started.elapsed());
    }
}

/// `GET /metrics`: every figure, in the Prometheus text format.
pub(crate) async fn scrape(State(registry): State<Arc<Registry>>) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        Ok(()) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            text,
        )
            .into_response(),
        Err(fmt::Error) => {
            error::ApiError::Middleware("metrics failed to encode".to_owned()).into_response()
        }
    }
}

/// Middleware counting every response in `meters`.
pub(crate) async fn count(
    State(meters): State<Arc<Meters>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    meters.count(&response);
    response
}

/// The figures read when scraped.
struct Figures {
    broker: Broker,
    meters: Arc<Meters>,
}

impl Debug for Figures {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("Figures").finish_non_exhaustive()
    }
}

impl Collector for Figures {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let counts = self.broker.hub().counts();
        let gauges = [
            (
                "herald_streams_open",
                "Streams (and in-process subscriptions) open now.",
                counts.subscriptions,
            ),
            (
                "herald_history_bytes",
                "Bytes of event history the hub keeps.",
                counts.history_bytes,
            ),
            (
                "herald_topics",
                "Topics with history or subscribers.",
                counts.topics,
            ),
            (
                "herald_connections_open",
                "HTTP connections served now.",
                self.meters.connections.load(Ordering::Relaxed) as u64,
            ),
        ];
        for (name, help, value) in gauges {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(value as i64).encode(metric)?;
        }
        let mut counters = vec![
            (
                "herald_streams_opened",
                "Streams (and in-process subscriptions) opened.",
                counts.subscriptions_opened,
            ),
            (
                "herald_events_published",
                "Events the hub took in (in a cluster, each node takes in every event).",
                counts.events,
            ),
            (
                "herald_events_delivered",
                "Events delivered to streams.",
                counts.deliveries,
            ),
            (
                "herald_gaps",
                "Gaps reported to streams: events a stream could no longer get.",
                counts.gaps,
            ),
        ];
        counters.push((
            "herald_connections_closed_idle",
            "HTTP/2 connections closed for going --idle-timeout without a request.",
            self.meters.closed_idle.load(Ordering::Relaxed),
        ));
        counters.push((
            "herald_streams_expired",
            "Streams ended by their token's expiry or --max-stream-age; clients resume.",
            self.meters.streams_expired.load(Ordering::Relaxed),
        ));
        #[cfg(feature = "cluster")]
        if let Broker::Cluster(cluster) = &self.broker {
            let redis = cluster.redis_counts();
            counters.push((
                "herald_redis_errors",
                "Redis calls that failed or timed out.",
                redis.errors,
            ));
            counters.push((
                "herald_redis_reconnects",
                "Times the cluster stream reader set out to reconnect to Redis.",
                redis.reconnects,
            ));
        }
        for (name, help, value) in counters {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            ConstCounter::new(value).encode(metric)?;
        }
        let mut responses = encoder.encode_descriptor(
            "herald_http_responses",
            "HTTP responses by status class.",
            None,
            MetricType::Counter,
        )?;
        for (index, total) in self.meters.responses.iter().enumerate() {
            let class = ["1xx", "2xx", "3xx", "4xx", "5xx"][index];
            let labels = [("class", class)];
            ConstCounter::new(total.load(Ordering::Relaxed))
                .encode(responses.encode_family(&labels)?)?;
        }
        let mut refusals = encoder.encode_descriptor(
            "herald_refusals",
            "Requests refused, by the error code of the answer (limits, auth, bad input).",
            None,
            MetricType::Counter,
        )?;
        for (code, total) in ErrorCode::ALL.iter().zip(&self.meters.refusals) {
            let labels = [("reason", code.as_str())];
            ConstCounter::new(total.load(Ordering::Relaxed))
                .encode(refusals.encode_family(&labels)?)?;
        }
        let mut reloads = encoder.encode_descriptor(
            "herald_certificate_reloads",
            "SIGHUP reloads of the TLS certificate, by result (failed: the old one kept).",
            None,
            MetricType::Counter,
        )?;
        let outcomes = [
            ("ok", &self.meters.certificate_reloads.ok),
            ("failed", &self.meters.certificate_reloads.failed),
        ];
        for (result, total) in outcomes {
            ConstCounter::new(total.load(Ordering::Relaxed))
                .encode(reloads.encode_family(&[("result", result)])?)?;
        }
        let mut build = encoder.encode_descriptor(
            "herald_build_info",
            "The version and commit the running hub was built from; always 1.",
            None,
            MetricType::Gauge,
        )?;
        let labels = [
            ("version", build_info::VERSION),
            ("commit", build_info::COMMIT),
        ];
        ConstGauge::new(1).encode(build.encode_family(&labels)?)?;
        if let Some(process) = process::Process::read() {
            process.encode(&mut encoder)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::error::ApiError;
    use crate::hub::{Hub, Limits};

    fn limits() -> Limits {
        Limits {
            history: 10,
            topic_bytes: 1 << 20,
            total_bytes: 1 << 20,
            max_topics: 10,
            max_subscribers: 10,
        }
    }

    fn scrape_text(meters: &Arc<Meters>, hub: &Hub) -> String {
        let registry = meters.registry(hub.clone().into());
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        text
    }

    #[test]
    fn responses_are_counted_by_class_and_refusals_by_code() {
        let meters = Arc::new(Meters::new());
        meters.count(&StatusCode::ACCEPTED.into_response());
        meters.count(&ApiError::Overloaded.into_response());
        meters.count(&ApiError::Overloaded.into_response());
        meters.count(&ApiError::NotFound.into_response());
        // A 404 that is not an API refusal is a response, not a refusal.
        meters.count(&StatusCode::NOT_FOUND.into_response());
        let text = scrape_text(&meters, &Hub::new(limits()));
        for line in [
            "herald_http_responses_total{class=\"2xx\"} 1",
            "herald_http_responses_total{class=\"4xx\"} 2",
            "herald_http_responses_total{class=\"5xx\"} 2",
            "herald_refusals_total{reason=\"overloaded\"} 2",
            "herald_refusals_total{reason=\"not_found\"} 1",
            "herald_refusals_total{reason=\"unauthorized\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }

    #[test]
    fn the_hubs_figures_are_read_when_scraped() {
        let meters = Arc::new(Meters::new());
        let hub = Hub::new(limits());
        let topic = herald_wire::Topic::parse("a/b").unwrap();
        let pattern = herald_wire::TopicPattern::parse("a/b").unwrap();
        let mut subscription = hub.subscribe([pattern].into(), None).unwrap();
        for _ in 0..3 {
            hub.publish(
                topic.clone(),
                &herald_dashboard_events::Payload::Notice(notice()),
            )
            .unwrap();
        }
        while subscription.try_next().is_some() {}
        meters.publish_took(Duration::from_millis(3));
        let text = scrape_text(&meters, &hub);
        for line in [
            "herald_streams_open 1",
            "herald_streams_opened_total 1",
            "herald_events_published_total 3",
            "herald_events_delivered_total 3",
            "herald_gaps_total 0",
            "herald_topics 1",
            "herald_publish_duration_seconds_count 1",
            "herald_publish_duration_seconds_bucket{le=\"0.005\"} 1",
            "herald_publish_duration_seconds_bucket{le=\"0.0025\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(!text.contains("redis"), "{text}");
        assert!(!text.contains("a/b"), "no topic becomes a label: {text}");
    }

    fn notice() -> herald_dashboard_events::Notice {
        herald_dashboard_events::Notice {
            text: "hello".to_owned(),
            level: herald_dashboard_events::NoticeLevel::Info,
        }
    }
}
