//! Browser tests: the parts that need a DOM or an `EventSource`, run in
//! headless Chromium by `wasm-bindgen-test-runner`.
//!
//! Each test renders into its own element and reads the DOM back through
//! the same selectors the end-to-end test uses. Rendering is awaited with
//! `yew::scheduler::flush`; only the stream tests, which wait on the
//! browser's network stack, poll with a bounded deadline.

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use frontend::components::connection_indicator::ConnectionIndicator;
use frontend::components::event_list::EventList;
use frontend::components::feed_provider::FeedProvider;
use frontend::decode::{DecodeError, Incoming, Message, decode};
use frontend::hooks::use_event_stream;
use frontend::state::{Action, FeedContext, Received};
use frontend::subscription::Subscription;
use gloo_timers::future::sleep;
use shared::{Chat, Event, EventId, Gap, Json, LatencyProbe, Notice, NoticeLevel, Payload, Topic};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How long the stream tests wait for the browser to open or drop a stream.
const STREAM_DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

fn topic(name: &str) -> Topic {
    Topic::parse(name).expect("test topics are valid")
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("wire types serialize")
}

fn event(id: u64, name: &str, payload: Payload) -> Event {
    Event {
        id: EventId::new(id),
        topic: topic(name),
        time_us: 1_764_066_000_000_000,
        event: payload,
    }
}

fn chat(id: u64, author: &str, text: &str) -> Event {
    event(
        id,
        "chat/lobby",
        Payload::Chat(Chat {
            author: author.into(),
            text: text.into(),
        }),
    )
}

/// A fresh element in the page body for one test to render into.
fn root() -> Element {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .expect("the test page has a document");
    let root = document
        .create_element("div")
        .expect("a div can be created");
    document
        .body()
        .and_then(|body| body.append_child(&root).ok())
        .expect("the test page has a body to append to");
    root
}

/// The elements under `root` matching `selector`, in document order.
fn select(root: &Element, selector: &str) -> Vec<Element> {
    let nodes = root
        .query_selector_all(selector)
        .expect("test selectors are valid");
    (0..nodes.length())
        .filter_map(|index| nodes.item(index))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect()
}

fn text(element: &Element) -> String {
    element.text_content().unwrap_or_default()
}

fn connection_state(root: &Element) -> Option<String> {
    root.query_selector("#connection")
        .expect("the selector is valid")
        .and_then(|element| element.get_attribute("data-state"))
}

/// Polls until `done` holds, failing the test after [`STREAM_DEADLINE`].
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let mut waited = Duration::ZERO;
    while !done() {
        assert!(waited < STREAM_DEADLINE, "timed out waiting for {what}");
        sleep(POLL).await;
        waited += POLL;
    }
}

#[wasm_bindgen_test]
fn decodes_a_chat_event_in_the_browser() {
    assert_eq!(
        decode("chat", &json(&chat(7, "ada", "hi"))),
        Ok(Message::Event(chat(7, "ada", "hi")))
    );
    assert!(matches!(
        decode("chat", "{oops"),
        Err(DecodeError::InvalidData { .. })
    ));
}

#[wasm_bindgen_test]
fn stream_url_percent_encodes_every_topic() {
    let subscription = Subscription::from_query("?topic=a%2Fb&topic=c.d&topic=bad%20name");
    let topics: Vec<&str> = subscription.topics.iter().map(Topic::as_str).collect();
    assert_eq!(topics, ["a/b", "c.d"]);
    assert_eq!(subscription.rejected.len(), 1);
    assert_eq!(
        subscription.stream_url(),
        "/api/events?topic=a%2Fb&topic=c.d"
    );
}

#[wasm_bindgen_test]
fn an_empty_query_follows_the_default_topics() {
    let subscription = Subscription::from_query("");
    assert_eq!(
        subscription.stream_url(),
        "/api/events?topic=system%2Fmetrics&topic=chat%2Flobby"
    );
}

/// Props of [`Injected`].
#[derive(Properties, PartialEq)]
struct InjectedProps {
    actions: Vec<Action>,
}

/// Dispatches its actions to the feed once, as a stream would.
#[component]
fn Injected(props: &InjectedProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps Injected");
    let actions = props.actions.clone();
    use_effect_with((), move |()| {
        for action in actions {
            feed.dispatch(action);
        }
    });
    html! {}
}

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
    let received = |event: Event| {
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
            Payload::Json(Json {
                data: serde_json::json!({ "order": 17 }),
            }),
        )),
        Action::Gap(Gap {
            topic: topic("chat/lobby"),
            after: EventId::new(4),
            through: EventId::new(9),
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
        ["decode-error", "gap", "event", "event", "event", "event"]
    );
    assert!(text(&items[0]).contains("mystery"));
    assert!(text(&items[1]).contains("#4") && text(&items[1]).contains("#9"));

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
            ("json".into(), "4".into()),
            ("latency_probe".into(), "3".into()),
            ("notice".into(), "2".into()),
            ("chat".into(), "1".into()),
        ]
    );
    assert!(text(&events[0]).contains("\"order\": 17"));
    assert!(text(&events[1]).contains("1.5 ms"));
    assert_eq!(select(&events[2], ".notice.warning").len(), 1);
    assert!(text(&events[3]).contains("ada: hello"));

    app.destroy();
    root.remove();
}

/// Props of [`StreamProbe`].
#[derive(Properties, PartialEq)]
struct StreamProbeProps {
    url: AttrValue,
}

/// The hook wired to a feed, as the app wires it, for one URL.
#[component]
fn StreamProbe(props: &StreamProbeProps) -> Html {
    html! {
        <FeedProvider>
            <StreamView url={props.url.clone()} />
        </FeedProvider>
    }
}

#[component]
fn StreamView(props: &StreamProbeProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps StreamView");
    let dispatcher = feed.dispatcher();
    let on_message =
        Callback::from(move |incoming: Incoming| dispatcher.dispatch(Action::from(incoming)));
    let state = use_event_stream(props.url.clone(), on_message);
    html! {
        <>
            <ConnectionIndicator {state} />
            <EventList />
        </>
    }
}

/// A `data:` URL serving `body` as an event stream.
fn stream_url(body: &str) -> AttrValue {
    let encoded: String = body
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("data:text/event-stream;charset=utf-8,{encoded}").into()
}

#[wasm_bindgen_test]
async fn the_hook_decodes_named_events_and_reports_a_dropped_stream() {
    let chat_json = json(&chat(11, "grace", "hi there"));
    let gap_json = json(&Gap {
        topic: topic("chat/lobby"),
        after: EventId::new(2),
        through: EventId::new(10),
    });
    // A long retry keeps the browser from replaying the stream during the test.
    let body = format!(
        "retry: 60000\n\n\
         event: gap\ndata: {gap_json}\n\n\
         id: 11\nevent: chat\ndata: {chat_json}\n\n\
         event: chat\ndata: {{not json\n\n"
    );
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: stream_url(&body),
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));

    wait_until("three entries", || {
        select(&root, "ol#events > li").len() == 3
    })
    .await;
    // The stream ends after its last event, so the browser plans a retry.
    wait_until("the reconnecting state", || {
        connection_state(&root).as_deref() == Some("reconnecting")
    })
    .await;

    let classes: Vec<String> = select(&root, "ol#events > li")
        .iter()
        .map(Element::class_name)
        .collect();
    assert_eq!(classes, ["decode-error", "event", "gap"]);
    let event = &select(&root, "ol#events > li.event")[0];
    assert_eq!(event.get_attribute("data-kind").as_deref(), Some("chat"));
    assert_eq!(event.get_attribute("data-id").as_deref(), Some("11"));
    assert!(text(event).contains("grace: hi there"));

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_hook_reports_stopped_when_the_stream_is_refused() {
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: "/no-such-stream".into(),
        },
    )
    .render();
    wait_until("the stopped state", || {
        connection_state(&root).as_deref() == Some("stopped")
    })
    .await;
    app.destroy();
    root.remove();
}
