//! Browser tests of what a hostile publisher can make the page draw: a
//! metrics event with 30,000 cores, a 60 KiB notice and chat message, a
//! `json` value far past what the page prints, and a flood the page
//! dropped. Each panel must draw a bounded summary that says how large the
//! whole was.

#![cfg(target_arch = "wasm32")]

pub mod common;
use frontend::components::chat_panel::ChatPanel;
use frontend::components::event_list::EventList;
use frontend::components::feed_provider::FeedProvider;
use frontend::components::metrics_panel::MetricsPanel;
use frontend::components::notice_panel::NoticePanel;
use frontend::excerpt::{BANNER_CHARS, JSON_BYTES, NAME_CHARS, TEXT_CHARS};
use frontend::series::CHARTED_CORES;
use frontend::state::{Action, Received};
use herald_dashboard_events::{Chat, Json, LoadAverage, Metrics, Notice, NoticeLevel, Payload};
use herald_wire::{Envelope, EventId, Topic};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::prelude::*;

use crate::common::{Injected, root, select, text};

wasm_bindgen_test_configure!(run_in_browser);

/// The cores the hostile metrics event reports.
const CORES: usize = 30_000;
/// The size of the hostile texts: 60 KiB.
const HUGE: usize = 60 * 1024;
/// Room for the label, the cut note and the markup around a cut text.
const SLACK: usize = 100;

fn one(root: &Element, selector: &str) -> Element {
    let found = select(root, selector);
    assert_eq!(found.len(), 1, "{selector}");
    found.into_iter().next().expect("one element")
}

fn received(id: u64, topic: &str, payload: Payload) -> Action {
    Action::Received(Received {
        event: Envelope {
            id: EventId::new(1, id),
            topic: Topic::parse(topic).expect("test topics are valid"),
            time_us: 1_764_066_000_000_000,
            event: payload,
        },
        received_us: 1_764_066_000_000_000,
    })
}

fn hostile_actions() -> Vec<Action> {
    let metrics = Payload::Metrics(Metrics {
        cpu_total: 50.0,
        cpu_per_core: (0..CORES).map(|core| (core % 100) as f32).collect(),
        memory_used: 1 << 30,
        memory_total: 4 << 30,
        load: LoadAverage {
            one: 0.1,
            five: 0.2,
            fifteen: 0.3,
        },
        net_rx_per_sec: 2048,
        net_tx_per_sec: 512,
    });
    let notice = Payload::Notice(Notice {
        level: NoticeLevel::Warning,
        text: "n".repeat(HUGE),
    });
    let chat = Payload::Chat(Chat {
        author: "a".repeat(HUGE),
        text: "c".repeat(HUGE),
    });
    let items: Vec<String> = (0..20_000).map(|n| format!("item {n}")).collect();
    let json = Json::from_value(&serde_json::json!({ "items": items })).expect("valid JSON");
    vec![
        Action::Dropped(29_000),
        received(1, "system/metrics", metrics),
        received(2, "ops", notice),
        received(3, "chat/lobby", chat),
        received(4, "shop/orders", Payload::Json(json)),
    ]
}

/// Props of [`Hostile`].
#[derive(Properties, PartialEq)]
struct HostileProps {
    actions: Vec<Action>,
}

/// Every panel a publisher reaches, fed the actions once.
#[component]
fn Hostile(props: &HostileProps) -> Html {
    html! {
        <FeedProvider>
            <Injected actions={props.actions.clone()} />
            <NoticePanel />
            <MetricsPanel />
            <ChatPanel />
            <EventList />
        </FeedProvider>
    }
}

#[wasm_bindgen_test]
async fn hostile_payloads_are_drawn_as_bounded_summaries() {
    let root = root();
    let app = yew::Renderer::<Hostile>::with_root_and_props(
        root.clone(),
        HostileProps {
            actions: hostile_actions(),
        },
    )
    .render();
    yew::scheduler::flush().await;

    // 30,000 cores: the chart draws the first ones and says how many.
    let cpu = one(&root, "section#metrics svg.chart[data-series=cpu]");
    assert_eq!(select(&cpu, "path.core").len(), CHARTED_CORES);
    let reading = text(&one(
        &root,
        "section#metrics .chart-box:first-child .reading",
    ));
    assert!(
        reading.contains(&format!("{CORES} cores, the first {CHARTED_CORES} charted")),
        "{reading}"
    );
    // Its legend: the total and each drawn core, then the rest counted.
    let legend = select(&root, "figure[data-series=cpu] ul.legend li");
    assert_eq!(legend.len(), CHARTED_CORES + 2);
    assert_eq!(
        legend.last().map(text),
        Some(format!("… and {} more not drawn", CORES - CHARTED_CORES))
    );
    let summary = text(&one(&root, "li.event[data-kind=metrics] dd.cpu"));
    assert_eq!(summary, format!("50.0% of {CORES} cores"));

    // A 60 KiB notice, in its banner and in the feed.
    for (selector, max_chars) in [
        (".notice-banner[data-level=warning]", BANNER_CHARS),
        ("li.event[data-kind=notice] .notice", TEXT_CHARS),
    ] {
        let notice = one(&root, selector);
        let shown = text(&notice);
        assert!(
            shown.len() < max_chars + SLACK,
            "{selector}: {}",
            shown.len()
        );
        assert!(shown.contains("… (60.0 KiB in all)"), "{selector}");
        let cut = one(&notice, ".cut");
        assert_eq!(
            cut.get_attribute("data-total-bytes"),
            Some(HUGE.to_string())
        );
    }

    // A chat message with a 60 KiB author and text, in both places.
    for selector in ["section#chat li.chat-message", "li.event[data-kind=chat]"] {
        let message = one(&root, selector);
        let author = text(&one(&message, ".author"));
        assert!(author.len() < NAME_CHARS + SLACK, "{selector}: {author}");
        let shown = text(&one(&message, ".text"));
        assert!(
            shown.len() < TEXT_CHARS + SLACK,
            "{selector}: {}",
            shown.len()
        );
        assert_eq!(select(&message, ".cut").len(), 2, "{selector}");
    }

    // A json value printed up to the bound, with its size as published.
    let json = one(&root, "li.event[data-kind=json] details.json");
    let pretty = text(&one(&json, "pre"));
    assert!(pretty.len() <= JSON_BYTES, "{}", pretty.len());
    assert!(pretty.starts_with("{\n  \"items\": [\n    \"item 0\","));
    let cut = one(&json, ".cut");
    let total: usize = cut
        .get_attribute("data-total-bytes")
        .and_then(|bytes| bytes.parse().ok())
        .expect("the cut says the size");
    assert!(total > 200_000, "{total}");
    assert!(
        json.get_attribute("open").is_none(),
        "a cut value starts closed"
    );

    // The flood the page dropped, counted in one line.
    let dropped = one(&root, "ol#events li.dropped");
    assert_eq!(
        dropped.get_attribute("data-count").as_deref(),
        Some("29000")
    );
    assert!(text(&dropped).contains("29000 events dropped by the page"));

    // Nothing a publisher sent is drawn whole: the page stays small.
    let html = root.inner_html().len();
    assert!(html < 64 * 1024, "the page's markup is {html} bytes");

    app.destroy();
    root.remove();
}
