//! Browser tests of the metrics charts' axes, readout and legend: known
//! samples drawn, then pointed at and stepped through with the keyboard.

#![cfg(target_arch = "wasm32")]

pub mod common;
use frontend::components::feed_provider::FeedProvider;
use frontend::components::metrics_panel::MetricsPanel;
use frontend::state::{Action, Received};
use herald_wire::{Envelope, EventId, Topic};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, KeyboardEvent, KeyboardEventInit, PointerEvent, PointerEventInit};
use yew::prelude::*;

use crate::common::{Injected, metrics, root, select};

wasm_bindgen_test_configure!(run_in_browser);

/// The hub's time of the first sample; the others follow a second apart.
const START_US: u64 = 1_764_066_000_000_000;

fn one(root: &Element, selector: &str) -> Element {
    let found = select(root, selector);
    assert_eq!(found.len(), 1, "{selector}");
    found.into_iter().next().expect("one element")
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    select(root, selector)
        .iter()
        .map(|element| element.text_content().unwrap_or_default())
        .collect()
}

/// Sample `n` (from 0): [`metrics`] at `10 (n + 1)`% CPU.
fn sample(n: u64) -> Action {
    let cpu = (n + 1) as f32 * 10.0;
    Action::Received(Received {
        event: Envelope {
            id: EventId::new(1, n + 1),
            topic: Topic::parse("system/metrics").expect("a valid topic"),
            time_us: START_US + n * 1_000_000,
            event: metrics(cpu),
        },
        received_us: START_US,
    })
}

/// Props of [`Charts`].
#[derive(Properties, PartialEq)]
struct ChartsProps {
    actions: Vec<Action>,
}

#[component]
fn Charts(props: &ChartsProps) -> Html {
    html! {
        <FeedProvider>
            <Injected actions={props.actions.clone()} />
            <MetricsPanel />
        </FeedProvider>
    }
}

/// The panel with three samples, rendered into a new element.
async fn three_samples() -> (Element, yew::AppHandle<Charts>) {
    let root = root();
    let actions = (0..3).map(sample).collect();
    let app = yew::Renderer::<Charts>::with_root_and_props(root.clone(), ChartsProps { actions })
        .render();
    yew::scheduler::flush().await;
    (root, app)
}

fn point(chart: &Element, kind: &str, client_x: f64) {
    let init = PointerEventInit::new();
    init.set_bubbles(true);
    init.set_client_x(client_x as i32);
    let event = PointerEvent::new_with_event_init_dict(kind, &init).expect("a pointer event");
    chart
        .dispatch_event(&event)
        .expect("the event is dispatched");
}

fn press(chart: &Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_bubbles(true);
    init.set_key(key);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
        .expect("a keyboard event");
    chart
        .dispatch_event(&event)
        .expect("the event is dispatched");
}

#[wasm_bindgen_test]
async fn axes_are_labelled_with_units_and_the_legend_names_the_cores() {
    let (root, app) = three_samples().await;
    let labels = |series: &str, axis: &str| {
        texts(
            &root,
            &format!("figure[data-series={series}] svg.{axis} text"),
        )
    };
    assert_eq!(
        labels("cpu", "y-axis"),
        ["0%", "20%", "40%", "60%", "80%", "100%"]
    );
    assert_eq!(
        labels("memory", "y-axis"),
        ["0 GiB", "1 GiB", "2 GiB", "3 GiB", "4 GiB"]
    );
    // An idle link: the axis keeps its 16 KiB/s floor, with headroom.
    assert_eq!(
        labels("network", "y-axis"),
        ["0 KiB/s", "5 KiB/s", "10 KiB/s", "15 KiB/s", "20 KiB/s"]
    );
    // Three seconds of a five-minute chart: a tick a minute, so far "now".
    for series in ["cpu", "memory", "network"] {
        assert_eq!(labels(series, "time-axis"), ["now"], "{series}");
    }
    assert_eq!(
        texts(&root, "figure[data-series=cpu] ul.legend .legend-name"),
        ["total", "core 0", "core 1"]
    );
    let swatch = one(
        &root,
        "figure[data-series=cpu] ul.legend li:nth-child(2) rect",
    );
    let core = &select(&root, "svg.chart[data-series=cpu] path.core")[0];
    assert_eq!(swatch.get_attribute("fill"), core.get_attribute("stroke"));
    assert!(swatch.get_attribute("fill").is_some());
    assert!(select(&root, "figure[data-series=memory] ul.legend").is_empty());
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn pointing_at_a_chart_reads_the_sample_under_it() {
    let (root, app) = three_samples().await;
    let chart = one(&root, "svg.chart[data-series=cpu]");
    let readout = || one(&root, "figure[data-series=cpu] p.chart-readout");
    assert_eq!(
        readout().get_attribute("aria-live").as_deref(),
        Some("polite")
    );
    assert_eq!(readout().text_content().unwrap_or_default(), "");

    // The samples sit at the right; the left edge is nearest the oldest.
    let left = chart.get_bounding_client_rect().x();
    point(&chart, "pointermove", left + 1.0);
    yew::scheduler::flush().await;
    let text = readout().text_content().unwrap_or_default();
    assert!(text.starts_with("-2s ("), "{text}");
    assert!(
        text.contains("total 10.0%") && text.contains("highest core 0 10.0%"),
        "{text}"
    );
    assert_eq!(select(&chart, "line.marker").len(), 1);
    assert_eq!(
        texts(&root, "figure[data-series=cpu] .legend-value"),
        ["10.0%", "10.0%", "5.0%"]
    );
    let memory = one(&root, "svg.chart[data-series=memory]");
    point(&memory, "pointermove", left + 1.0);
    yew::scheduler::flush().await;
    let text = texts(&root, "figure[data-series=memory] p.chart-readout").concat();
    assert!(text.contains("used 1.0 GiB"), "{text}");

    press(&chart, "ArrowRight");
    yew::scheduler::flush().await;
    let text = readout().text_content().unwrap_or_default();
    assert!(
        text.starts_with("-1s (") && text.contains("total 20.0%"),
        "{text}"
    );
    press(&chart, "End");
    yew::scheduler::flush().await;
    let text = readout().text_content().unwrap_or_default();
    assert!(
        text.starts_with("now (") && text.contains("total 30.0%"),
        "{text}"
    );

    point(&chart, "pointerleave", left + 1.0);
    yew::scheduler::flush().await;
    assert_eq!(readout().text_content().unwrap_or_default(), "");
    assert!(select(&chart, "line.marker").is_empty());
    app.destroy();
    root.remove();
}
