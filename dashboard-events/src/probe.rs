//! [`LatencyProbe`]: what a publisher sends to measure publish-to-receive
//! latency.

use serde::{Deserialize, Serialize};

/// A latency probe: subtract `ts` from the receiver's clock to get the
/// publish-to-receive latency (both clocks in unix microseconds).
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{LatencyProbe, Payload};
///
/// let Payload::LatencyProbe(probe) =
///     Payload::from_json(r#"{"type":"latency_probe","seq":41,"ts":1764066000000000}"#)?
/// else {
///     unreachable!("a latency probe");
/// };
/// let received_us = 1_764_066_000_001_500;
/// assert_eq!(received_us - probe.ts, 1_500);
/// assert_eq!(probe, LatencyProbe { seq: 41, ts: 1_764_066_000_000_000 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyProbe {
    /// The publisher's sequence number, to spot loss and reordering.
    pub seq: u64,
    /// The publisher's clock at send time, in unix microseconds.
    pub ts: u64,
}
