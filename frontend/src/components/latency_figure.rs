//! [`LatencyFigure`]: the publish-to-receive latency of the last probes.

use yew::prelude::*;

use crate::format;
use crate::state::FeedContext;

/// `#latency` with `data-count`, `data-median-ms` and `data-p99-ms`.
#[component]
pub fn LatencyFigure() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps LatencyFigure");
    let summary = feed.latency.summary();
    let (count, median_us, p99_us) =
        summary.map_or((0, 0.0, 0.0), |s| (s.count, s.median_us, s.p99_us));
    let ms = |us: f64| format!("{:.3}", us / 1000.0);
    let body = if count == 0 {
        html! { <span class="muted">{ "No latency probes yet" }</span> }
    } else {
        let median = format::duration_us(median_us as i64);
        let p99 = format::duration_us(p99_us as i64);
        html! {
            <>
                <span>{ "median " }<strong>{ median }</strong></span>
                <span>{ "p99 " }<strong>{ p99 }</strong></span>
                <span class="muted">{ format!("last {count} probes") }</span>
            </>
        }
    };
    html! {
        <section id="latency" class="panel latency-figure" aria-label="Latency"
            data-count={count.to_string()} data-median-ms={ms(median_us)}
            data-p99-ms={ms(p99_us)}>
            <h2>{ "Latency" }</h2>
            { body }
        </section>
    }
}
