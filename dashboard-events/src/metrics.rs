//! [`Metrics`]: a sample of the host's system figures, which the hub's
//! `system-metrics` source publishes to [`METRICS_TOPIC`](crate::METRICS_TOPIC).

use serde::{Deserialize, Serialize};

/// One sample of the host's system metrics.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{LoadAverage, Metrics, Payload};
///
/// let sample = Metrics {
///     cpu_total: 12.5,
///     cpu_per_core: vec![20.0, 5.0],
///     memory_used: 3 << 30,
///     memory_total: 8 << 30,
///     load: LoadAverage { one: 0.5, five: 0.25, fifteen: 0.125 },
///     net_rx_per_sec: 1_000,
///     net_tx_per_sec: 250,
/// };
/// let json = serde_json::to_value(Payload::Metrics(sample.clone()))?;
/// assert_eq!(json["type"], "metrics");
/// assert_eq!(json["load"]["five"], 0.25);
///
/// // Floats read back exactly.
/// let read = Payload::from_json(json.to_string())?;
/// assert_eq!(read, Payload::Metrics(sample));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Busy share of all cores together, in percent (0–100).
    pub cpu_total: f32,
    /// Busy share of each core, in percent (0–100), in the order the OS lists them.
    pub cpu_per_core: Vec<f32>,
    /// Memory in use, in bytes.
    pub memory_used: u64,
    /// Installed memory, in bytes.
    pub memory_total: u64,
    /// The run-queue load averages.
    pub load: LoadAverage,
    /// Bytes received per second over all network interfaces since the previous sample.
    pub net_rx_per_sec: u64,
    /// Bytes sent per second over all network interfaces since the previous sample.
    pub net_tx_per_sec: u64,
}

/// A [`Metrics`] value that JSON cannot carry: NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` must be a finite number")]
pub struct NotFinite {
    /// The offending field, as a JSON path.
    pub field: &'static str,
}

/// Load averages over one, five and fifteen minutes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoadAverage {
    /// Over the last minute.
    pub one: f64,
    /// Over the last five minutes.
    pub five: f64,
    /// Over the last fifteen minutes.
    pub fifteen: f64,
}

impl Metrics {
    /// Checks that every float is finite: serde_json writes NaN and the
    /// infinities as `null`, which no subscriber could decode back.
    ///
    /// # Errors
    /// [`NotFinite`] naming the first field that is not.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_dashboard_events::{LoadAverage, Metrics, NotFinite, Payload};
    ///
    /// let mut sample = Metrics {
    ///     cpu_total: 12.5,
    ///     cpu_per_core: vec![20.0, 5.0],
    ///     memory_used: 0,
    ///     memory_total: 0,
    ///     load: LoadAverage { one: 0.5, five: 0.25, fifteen: 0.125 },
    ///     net_rx_per_sec: 0,
    ///     net_tx_per_sec: 0,
    /// };
    /// assert_eq!(sample.check_finite(), Ok(()));
    ///
    /// // A load computed from no samples at all, say.
    /// sample.load.five = f64::NAN;
    /// assert_eq!(sample.check_finite(), Err(NotFinite { field: "load.five" }));
    /// // Serializing refuses it, rather than sending `null`.
    /// assert!(serde_json::to_string(&Payload::Metrics(sample)).is_err());
    /// ```
    pub fn check_finite(&self) -> Result<(), NotFinite> {
        let floats = [
            ("cpu_total", f64::from(self.cpu_total)),
            ("load.one", self.load.one),
            ("load.five", self.load.five),
            ("load.fifteen", self.load.fifteen),
        ];
        if let Some((field, _)) = floats.iter().find(|(_, value)| !value.is_finite()) {
            return Err(NotFinite { field });
        }
        if self.cpu_per_core.iter().any(|value| !value.is_finite()) {
            return Err(NotFinite {
                field: "cpu_per_core",
            });
        }
        Ok(())
    }
}
