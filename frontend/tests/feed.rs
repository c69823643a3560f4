//! Browser tests of what the feed draws: the event list with each entry
//! as itself, newest first, and the panels (charts, latency, chat,
//! notices) from events dispatched to the feed as a stream would.

#![cfg(target_arch = "wasm32")]

pub mod common;
use frontend::components::chat_panel::ChatPanel;
use frontend::components::event_list::EventList;
use frontend::components::feed_provider::FeedProvider;
use frontend::components::latency_figure::LatencyFigure;
use frontend::components::metrics_panel::MetricsPanel;
use frontend::components::notice_panel::NoticePanel;
use frontend::state::{Action, Received};
use herald_dashboard_events::{Json, LatencyProbe, Notice, NoticeLevel, Payload};
use herald_wire::{Envelope, EventId, Gap};
use herald_yew::DecodeError;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::prelude::*;

use crate::common::{Injected, chat, event, metrics, pattern, root, select, text};

wasm_bindgen_test_configure!(run_in_browser);

/// Props of [`InjectedFeed`].
#[derive(Properties, PartialEq)]
struct InjectedFeedProps {
    actions: Vec<Action>,
}

#[component]
fn InjectedFeed(props: &InjectedFeedProps) -> Html {
    html! {
        <FeedProvider>
            <Injected actions={props.actions.clone()} />
            <EventList />
        </FeedProvider>
    }
}

#[wasm_bindgen_test]
async fn event_list_renders_each_entry_as_itself_newest_first() {
    let received = |event: Envelope<Payload>| {
        Action::Received(Received {
            event,
            received_us: 1_764_066_000_002_500,
        })
    };
    let actions = vec![
        received(chat(1, "ada", "hello")),
        received(event(
            2,
            "ops",
            Payload::Notice(Notice {
                level: NoticeLevel::Warning,
                text: "disk 91% full".into(),
            }),
        )),
        received(event(
            3,
            "probe",
            Payload::LatencyProbe(LatencyProbe {
                seq: 42,
                ts: 1_764_066_000_001_000,
            }),
        )),
        received(event(
            4,
            "shop/orders",
            Payload::Json(Json::from_text(r#"{ "order": 17 }"#).expect("valid JSON")),
        )),
        // An app's own kind, which the page does not type: shown whole.
        received(event(
            5,
            "shop/orders",
            Payload::from_json(r#"{"type":"order_created","order":18}"#).expect("a kind name"),
        )),
        Action::Gap(Gap {
            topic: pattern("chat/*"),
            after: EventId::new(1, 4),
            through: EventId::new(1, 9),
        }),
        Action::DecodeFailed(DecodeError::UnknownName {
            name: "mystery".into(),
        }),
        // A replayed duplicate renders nothing new.
        received(chat(1, "ada", "hello")),
    ];
    let root = root();
    let app = yew::Renderer::<InjectedFeed>::with_root_and_props(
        root.clone(),
        InjectedFeedProps { actions },
    )
    .render();
    yew::scheduler::flush().await;

    let items = select(&root, "ol#events > li");
    let classes: Vec<String> = items.iter().map(Element::class_name).collect();
    assert_eq!(
        classes,
        [
            "decode-error",
            "gap",
            "event",
            "event",
            "event",
            "event",
            "event"
        ]
    );
    assert!(text(&items[0]).contains("mystery"));
    assert!(text(&items[1]).contains("#1-4") && text(&items[1]).contains("#1-9"));
    assert!(text(&items[1]).contains("chat/*"));

    let events = select(&root, "ol#events > li.event");
    let kinds: Vec<(String, String)> = events
        .iter()
        .map(|item| {
            (
                item.get_attribute("data-kind").unwrap_or_default(),
                item.get_attribute("data-id").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("order_created".into(), "1-5".into()),
            ("json".into(), "1-4".into()),
            ("latency_probe".into(), "1-3".into()),
            ("notice".into(), "1-2".into()),
            ("chat".into(), "1-1".into()),
        ]
    );
    assert!(text(&events[0]).contains("\"order\": 18"));
    assert!(text(&events[1]).contains("\"order\": 17"));
    assert!(text(&events[2]).contains("1.5 ms"));
    assert_eq!(select(&events[3], ".notice.warning").len(), 1);
    assert!(text(&events[4]).contains("ada: hello"));

    app.destroy();
    root.remove();
}

/// Props of [`Panels`].
#[derive(Properties, PartialEq)]
struct PanelsProps {
    actions: Vec<Action>,
}

#[component]
fn Panels(props: &PanelsProps) -> Html {
    html! {
        <FeedProvider>
            <Injected actions={props.actions.clone()} />
            <NoticePanel />
            <MetricsPanel />
            <LatencyFigure />
            <ChatPanel />
        </FeedProvider>
    }
}

#[wasm_bindgen_test]
async fn panels_render_charts_latency_chat_and_notices() {
    let at = |id, payload, received_us| {
        Action::Received(Received {
            event: event(id, "system/metrics", payload),
            received_us,
        })
    };
    let mut actions: Vec<Action> = (1..=3)
        .map(|id| at(id, metrics(id as f32 * 10.0), 0))
        .collect();
    for seq in 1..=4 {
        let probe = Payload::LatencyProbe(LatencyProbe { seq, ts: 1_000_000 });
        actions.push(at(10 + seq, probe, 1_000_000 + seq * 2_000));
    }
    actions.push(Action::Received(Received {
        event: chat(20, "ada", "hello"),
        received_us: 0,
    }));
    actions.push(at(
        21,
        Payload::Notice(Notice {
            level: NoticeLevel::Error,
            text: "disk full".into(),
        }),
        0,
    ));
    let root = root();
    let app = yew::Renderer::<Panels>::with_root_and_props(root.clone(), PanelsProps { actions })
        .render();
    yew::scheduler::flush().await;

    for series in ["cpu", "memory", "network"] {
        let charts = select(
            &root,
            &format!("section#metrics svg.chart[data-series={series}]"),
        );
        assert_eq!(charts.len(), 1, "{series} chart");
        assert_eq!(
            charts[0].get_attribute("data-samples").as_deref(),
            Some("3")
        );
        assert!(!select(&charts[0], "path").is_empty());
    }
    let latency = &select(&root, "#latency")[0];
    assert_eq!(latency.get_attribute("data-count").as_deref(), Some("4"));
    assert_eq!(
        latency.get_attribute("data-median-ms").as_deref(),
        Some("5.000")
    );
    assert_eq!(
        latency.get_attribute("data-p99-ms").as_deref(),
        Some("8.000")
    );
    let message = &select(&root, "section#chat li.chat-message[data-id='1-20']")[0];
    assert!(text(message).contains("ada") && text(message).contains("hello"));
    let banner = &select(&root, ".notice-banner[data-level=error]")[0];
    assert!(text(banner).contains("disk full"));

    app.destroy();
    root.remove();
}
