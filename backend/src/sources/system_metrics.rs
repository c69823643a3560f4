//! This machine's metrics, published every interval to
//! [`herald_dashboard_events::METRICS_TOPIC`], so a fresh hub has live data to show.

use std::time::Duration;

use herald_dashboard_events::{LoadAverage, METRICS_TOPIC, Metrics, Payload};
use sysinfo::{Networks, System};
use tokio_util::sync::CancellationToken;

use crate::broker::Broker;
use crate::sources::publish_every;

/// Publishes a [`Metrics`] sample every `interval` until `shutdown`.
///
/// Reading `/proc` takes well under a millisecond, so sampling runs inline
/// on the runtime instead of on a blocking thread.
#[tracing::instrument(skip_all)]
pub(crate) async fn sample_every(broker: Broker, interval: Duration, shutdown: CancellationToken) {
    let Some(mut sampler) = Sampler::new() else {
        tracing::warn!("system metrics are not available on this platform");
        return;
    };
    // CPU usage is a difference between two readings: the first sample is
    // taken one interval after the sampler's.
    publish_every(&broker, METRICS_TOPIC, interval, &shutdown, || {
        Payload::Metrics(sampler.sample(interval))
    })
    .await;
}

/// Keeps the sysinfo handles between samples: CPU and network figures are
/// differences between two refreshes.
struct Sampler {
    system: System,
    networks: Networks,
}

impl Sampler {
    fn new() -> Option<Self> {
        let mut system = System::new().ok()?;
        system.refresh_cpu_usage();
        system.refresh_memory();
        let networks = Networks::new_with_refreshed_list().ok()?;
        Some(Self { system, networks })
    }

    fn sample(&mut self, elapsed: Duration) -> Metrics {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        self.networks.refresh(true);
        let (received, transmitted) = self
            .networks
            .iter()
            .fold((0u64, 0u64), |(rx, tx), (_, network)| {
                (rx + network.received(), tx + network.transmitted())
            });
        let per_second = |bytes: u64| {
            let millis = elapsed.as_millis().max(1) as u64;
            bytes.saturating_mul(1000) / millis
        };
        let load = System::load_average().unwrap_or(sysinfo::LoadAvg {
            one: 0.0,
            five: 0.0,
            fifteen: 0.0,
        });
        Metrics {
            cpu_total: finite(self.system.global_cpu_usage()),
            cpu_per_core: self
                .system
                .cpus()
                .iter()
                .map(|cpu| finite(cpu.usage()))
                .collect(),
            memory_used: self.system.used_memory(),
            memory_total: self.system.total_memory(),
            load: LoadAverage {
                one: load.one,
                five: load.five,
                fifteen: load.fifteen,
            },
            net_rx_per_sec: per_second(received),
            net_tx_per_sec: per_second(transmitted),
        }
    }
}

/// sysinfo reports NaN for a CPU it could not read yet; JSON has no NaN.
fn finite(value: f32) -> f32 {
    if value.is_finite() { value } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_real_metrics() {
        let mut sampler = Sampler::new().expect("sysinfo supports Linux");
        let sample = sampler.sample(Duration::from_secs(1));
        assert!(!sample.cpu_per_core.is_empty());
        assert!(sample.memory_total > 0);
        assert!(sample.memory_used > 0 && sample.memory_used <= sample.memory_total);
        assert!((0.0..=100.0).contains(&sample.cpu_total));
    }
}
