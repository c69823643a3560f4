//! [`LatencyReading`]: a latency probe with its publish-to-receive latency.

use herald_dashboard_events::LatencyProbe;
use yew::prelude::*;

use crate::format;

/// Props of [`LatencyReading`].
#[derive(Properties, PartialEq)]
pub struct LatencyReadingProps {
    /// The probe.
    pub probe: LatencyProbe,
    /// The browser's clock when the probe arrived, in unix microseconds.
    pub received_us: u64,
}

/// Shows the probe's sequence number and `received - ts`. The two clocks
/// are on different machines, so a skewed clock can make it negative; it is
/// shown as it is rather than clamped, which would hide the skew.
#[component]
pub fn LatencyReading(props: &LatencyReadingProps) -> Html {
    let latency_us = i128::from(props.received_us) - i128::from(props.probe.ts);
    let latency = format::duration_us(i64::try_from(latency_us).unwrap_or(i64::MAX));
    let seq = format!("probe #{}", props.probe.seq);
    html! {
        <p class="latency">
            <span class="seq">{ seq }</span>{ " " }<strong>{ latency }</strong>
        </p>
    }
}
