//! Browser tests: the parts that need a DOM or an `EventSource`, run in
//! headless Chromium by `wasm-bindgen-test-runner`.
//!
//! Each test renders into its own element and reads the DOM back through
//! the same selectors the end-to-end test uses. Rendering is awaited with
//! `yew::scheduler::flush`; only the stream tests, which wait on the
//! browser's network stack, poll with a bounded deadline.

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use frontend::backoff::Backoff;
use frontend::components::chat_panel::ChatPanel;
use frontend::components::connection_indicator::{ConnectionIndicator, ConnectionIndicatorProps};
use frontend::components::event_list::EventList;
use frontend::components::feed_provider::FeedProvider;
use frontend::components::follow_topic::{FollowTopic, FollowTopicProps};
use frontend::components::latency_figure::LatencyFigure;
use frontend::components::metrics_panel::MetricsPanel;
use frontend::components::notice_panel::NoticePanel;
use frontend::components::token_field::{TokenField, TokenFieldProps};
use frontend::components::topic_rows::{TopicRows, TopicRowsProps};
use frontend::connection::{ConnectionState, StopReason, StreamOptions};
use frontend::decode::{DecodeError, Message, decode};
use frontend::hooks::{StreamMessage, StreamSource, StreamStatus, use_event_stream};
use frontend::state::{Action, FeedContext, Received};
use frontend::subscription::Subscription;
use frontend::token::{self, Token};
use gloo_timers::future::sleep;
use shared::{
    Chat, ErrorBody, ErrorCode, Event, EventId, Gap, Json, LatencyProbe, LoadAverage, Metrics,
    Notice, NoticeLevel, Payload, Topic, TopicInfo, TopicList, TopicPattern,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How long the stream tests wait for the browser to open or drop a stream.
const STREAM_DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

fn topic(name: &str) -> Topic {
    Topic::parse(name).expect("test topics are valid")
}

fn pattern(text: &str) -> TopicPattern {
    TopicPattern::parse(text).expect("test patterns are valid")
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("wire types serialize")
}

fn event(id: u64, name: &str, payload: Payload) -> Event {
    Event {
        id: EventId::new(1, id),
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

/// The followed patterns as text, in order.
fn followed(subscription: &Subscription) -> Vec<String> {
    subscription
        .patterns
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[wasm_bindgen_test]
fn the_stream_url_names_every_valid_topic_of_the_page_query() {
    let subscription = Subscription::from_query("?topic=a%2Fb&topic=c.d&topic=bad%20name");
    assert_eq!(followed(&subscription), ["a/b", "c.d"]);
    assert_eq!(subscription.rejected.len(), 1);
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=a/b&topic=c.d")
    );
}

#[wasm_bindgen_test]
fn a_topic_reads_the_same_with_its_slash_encoded_or_not() {
    let subscription = Subscription::from_query("?topic=a/b&topic=a%2Fb");
    assert_eq!(followed(&subscription), ["a/b"]);
    assert!(subscription.rejected.is_empty());
}

#[wasm_bindgen_test]
fn a_prefix_in_the_page_query_is_followed_and_a_bad_one_set_aside() {
    let subscription =
        Subscription::from_query("?topic=chat/*&topic=chat%2F%2A&topic=chat/*/typing");
    assert_eq!(followed(&subscription), ["chat/*"]);
    assert_eq!(subscription.rejected.len(), 1);
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=chat/*")
    );
}

#[wasm_bindgen_test]
fn an_empty_query_follows_the_default_topics() {
    let subscription = Subscription::from_query("");
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=system/metrics&topic=system/hub&topic=chat/lobby")
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
            Payload::Json(Json::from_text(r#"{ "order": 17 }"#).expect("valid JSON")),
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
        ["decode-error", "gap", "event", "event", "event", "event"]
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
            ("json".into(), "1-4".into()),
            ("latency_probe".into(), "1-3".into()),
            ("notice".into(), "1-2".into()),
            ("chat".into(), "1-1".into()),
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
    /// The history to load before the stream opens, if any.
    #[prop_or_default]
    history: Option<AttrValue>,
    #[prop_or_default]
    options: StreamOptions,
    /// Counts every live message the hook delivers.
    #[prop_or_default]
    delivered: Rc<Cell<u32>>,
}

/// The hook wired to a feed, as the app wires it, for one URL.
#[component]
fn StreamProbe(props: &StreamProbeProps) -> Html {
    html! {
        <FeedProvider>
            <StreamView url={props.url.clone()} history={props.history.clone()}
                options={props.options} delivered={props.delivered.clone()} />
        </FeedProvider>
    }
}

#[component]
fn StreamView(props: &StreamProbeProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps StreamView");
    let dispatcher = feed.dispatcher();
    let delivered = props.delivered.clone();
    let on_message = Callback::from(move |message: StreamMessage| match message {
        StreamMessage::History(batch) => dispatcher.dispatch(Action::Batch(batch)),
        StreamMessage::Live(incoming) => {
            delivered.set(delivered.get() + 1);
            dispatcher.dispatch(Action::from(incoming));
        }
    });
    let source = StreamSource {
        url: props.url.clone(),
        history: props.history.clone(),
        token: None,
    };
    let status = use_event_stream(Some(source), props.options, on_message);
    html! {
        <>
            <ConnectionIndicator {status} now_ms={0.0} />
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
        topic: pattern("chat/lobby"),
        after: EventId::new(1, 2),
        through: EventId::new(1, 10),
    });
    // A long retry keeps the browser from replaying the stream during the test.
    let body = format!(
        "retry: 60000\n\n\
         event: gap\ndata: {gap_json}\n\n\
         id: 1-11\nevent: chat\ndata: {chat_json}\n\n\
         event: chat\ndata: {{not json\n\n"
    );
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: stream_url(&body),
            history: None,
            options: StreamOptions::default(),
            delivered: Rc::default(),
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
    assert_eq!(event.get_attribute("data-id").as_deref(), Some("1-11"));
    assert!(text(event).contains("grace: hi there"));

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_refused_stream_is_retried_then_stopped() {
    let root = root();
    // The browser gives up on a 404 for good (ready state CLOSED), so the
    // hook retries after a backoff, then stops at its maximum.
    let options = StreamOptions {
        backoff: Backoff {
            base_ms: 300,
            max_ms: 300,
        },
        max_attempts: Some(1),
    };
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: "/no-such-stream".into(),
            history: None,
            options,
            delivered: Rc::default(),
        },
    )
    .render();
    wait_until("the reconnecting state with its attempt", || {
        select(
            &root,
            "#connection[data-state=reconnecting][data-attempt='1']",
        )
        .len()
            == 1
    })
    .await;
    wait_until("the stopped state", || {
        connection_state(&root).as_deref() == Some("stopped")
    })
    .await;
    let indicator = &select(&root, "#connection")[0];
    assert!(text(indicator).contains("gave up after 1 failed attempts"));
    app.destroy();
    root.remove();
}

/// Replaces `window.EventSource` by a subclass that records every instance
/// in `window.__heraldSources`, emptied on each call.
fn record_event_sources() {
    web_sys::js_sys::eval(
        "window.__heraldSources = [];
         if (!window.__heraldPatched) {
             const Original = window.EventSource;
             window.EventSource = class extends Original {
                 constructor(url, init) { super(url, init); window.__heraldSources.push(this); }
             };
             window.__heraldPatched = true;
         }",
    )
    .expect("the patch evaluates");
}

/// The ready state of every `EventSource` created since [`record_event_sources`].
fn ready_states() -> Vec<u32> {
    let states = web_sys::js_sys::eval("window.__heraldSources.map(source => source.readyState)")
        .expect("the sources are readable");
    web_sys::js_sys::Array::from(&states)
        .iter()
        .filter_map(|state| state.as_f64())
        .map(|state| state as u32)
        .collect()
}

#[wasm_bindgen_test]
async fn a_new_url_and_unmount_close_the_event_source() {
    record_event_sources();
    let chat_json = json(&chat(5, "ada", "again"));
    // A short retry makes the browser replay the stream over and over while
    // it is open, so a source left open would keep delivering.
    let body = format!("retry: 20\n\nid: 1-5\nevent: chat\ndata: {chat_json}\n\n");
    let delivered = Rc::new(Cell::new(0));
    let props = |url| StreamProbeProps {
        url,
        history: None,
        options: StreamOptions::default(),
        delivered: Rc::clone(&delivered),
    };
    let root = root();
    let mut app =
        yew::Renderer::<StreamProbe>::with_root_and_props(root.clone(), props(stream_url(&body)))
            .render();
    wait_until("a delivered message", || delivered.get() >= 1).await;

    app.update(props(stream_url(&body.replace("again", "other"))));
    yew::scheduler::flush().await;
    let states = ready_states();
    assert_eq!(states.len(), 2, "one new source for the new URL");
    assert_eq!(states[0], 2, "the first source is CLOSED");
    assert_ne!(states[1], 2, "the second source is open");

    app.destroy();
    yew::scheduler::flush().await;
    assert!(ready_states().iter().all(|state| *state == 2), "all CLOSED");
    let after_unmount = delivered.get();
    sleep(Duration::from_millis(300)).await;
    assert_eq!(delivered.get(), after_unmount, "no callback after unmount");
    root.remove();
}

/// A `data:` URL serving `events` as a history reply.
fn history_url(events: Vec<Event>) -> AttrValue {
    // As the hub does: resume after everything it had when it answered.
    let resume_after = events
        .iter()
        .map(|event| event.id)
        .max()
        .unwrap_or(EventId::start(1));
    let body = json(&shared::EventList {
        events,
        resume_after,
    });
    let encoded: String = body
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("data:application/json,{encoded}").into()
}

/// The URL of every `EventSource` created since [`record_event_sources`].
fn source_urls() -> Vec<String> {
    let urls = web_sys::js_sys::eval("window.__heraldSources.map(source => source.url)")
        .expect("the sources are readable");
    web_sys::js_sys::Array::from(&urls)
        .iter()
        .filter_map(|url| url.as_string())
        .collect()
}

fn event_ids(root: &Element) -> Vec<String> {
    select(root, "ol#events > li.event")
        .iter()
        .filter_map(|item| item.get_attribute("data-id"))
        .collect()
}

/// A stream that sends one live chat event with id `id`.
fn live_chat_stream(id: u64) -> AttrValue {
    let data = json(&chat(id, "ada", "live"));
    stream_url(&format!(
        "retry: 60000\n\nid: 1-{id}\nevent: chat\ndata: {data}\n\n"
    ))
}

/// A [`StreamProbe`] that loads `history` before it opens `url`.
fn history_probe(url: AttrValue, history: AttrValue) -> StreamProbeProps {
    StreamProbeProps {
        url,
        history: Some(history),
        options: StreamOptions::default(),
        delivered: Rc::default(),
    }
}

#[wasm_bindgen_test]
async fn history_is_shown_and_the_stream_resumes_after_it() {
    record_event_sources();
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        history_probe(
            live_chat_stream(5),
            history_url(vec![chat(3, "ada", "old"), chat(4, "ada", "older")]),
        ),
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));
    wait_until("history and the live event", || event_ids(&root).len() == 3).await;
    assert_eq!(event_ids(&root), ["1-5", "1-4", "1-3"]);
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "one stream: {urls:?}");
    assert!(urls[0].ends_with("lastEventId=1-4"), "{}", urls[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn failed_history_opens_the_stream_from_now() {
    record_event_sources();
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        history_probe(live_chat_stream(5), "/no-such-history".into()),
    )
    .render();
    wait_until("the live event", || event_ids(&root).len() == 1).await;
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "one stream: {urls:?}");
    assert!(!urls[0].contains("lastEventId"), "{}", urls[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn history_loaded_for_old_topics_is_ignored() {
    record_event_sources();
    let props = |id, events| history_probe(live_chat_stream(id), history_url(events));
    let root = root();
    let mut app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        props(2, vec![chat(1, "ada", "stale")]),
    )
    .render();
    yew::scheduler::flush().await;
    app.update(props(8, vec![chat(7, "ada", "current")]));
    wait_until("the new history and stream", || event_ids(&root).len() == 2).await;
    sleep(Duration::from_millis(300)).await;
    assert_eq!(event_ids(&root), ["1-8", "1-7"]);
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "only the current stream opened: {urls:?}");
    app.destroy();
    root.remove();
}

fn metrics(cpu: f32) -> Payload {
    Payload::Metrics(Metrics {
        cpu_total: cpu,
        cpu_per_core: vec![cpu, cpu / 2.0],
        memory_used: 1 << 30,
        memory_total: 4 << 30,
        load: LoadAverage {
            one: 0.1,
            five: 0.2,
            fifteen: 0.3,
        },
        net_rx_per_sec: 2048,
        net_tx_per_sec: 512,
    })
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

/// What a test's `on_follow` was called with, in order.
type Follows = Rc<RefCell<Vec<(TopicPattern, bool)>>>;

fn recording(follows: &Follows) -> Callback<(TopicPattern, bool)> {
    let follows = Rc::clone(follows);
    Callback::from(move |follow| follows.borrow_mut().push(follow))
}

fn listed(names: &[&str], next_after: Option<&str>) -> Rc<TopicList> {
    Rc::new(TopicList {
        topics: names
            .iter()
            .map(|name| TopicInfo {
                topic: topic(name),
                subscribers: 3,
                last_id: None,
            })
            .collect(),
        next_after: next_after.map(topic),
    })
}

fn click(element: &Element) {
    element
        .dyn_ref::<HtmlElement>()
        .expect("the clicked element is an HTML element")
        .click();
}

#[wasm_bindgen_test]
async fn topic_rows_show_prefixes_the_topics_under_them_and_more() {
    let follows = Follows::default();
    let mores = Rc::new(Cell::new(0));
    let on_more = {
        let mores = Rc::clone(&mores);
        Callback::from(move |()| mores.set(mores.get() + 1))
    };
    let props = TopicRowsProps {
        subscription: Rc::new(Subscription::from_query("?topic=chat/*&topic=ops")),
        list: listed(&["chat/eu", "metrics"], Some("metrics")),
        on_follow: recording(&follows),
        on_more,
    };
    let root = root();
    let app = yew::Renderer::<TopicRows>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let rows = select(&root, "ul#topics > li");
    let names: Vec<String> = rows
        .iter()
        .filter_map(|row| row.get_attribute("data-topic"))
        .collect();
    assert_eq!(names, ["chat/*", "chat/eu", "metrics", "ops"]);
    assert_eq!(rows[0].class_name(), "pattern");
    assert_eq!(rows[1].get_attribute("data-via").as_deref(), Some("chat/*"));
    assert_eq!(
        rows[1].get_attribute("data-subscribers").as_deref(),
        Some("3")
    );
    assert_eq!(rows[3].get_attribute("data-subscribers"), None);
    let boxes: Vec<HtmlInputElement> = select(&root, "ul#topics input[name=follow]")
        .into_iter()
        .filter_map(|input| input.dyn_into().ok())
        .collect();
    let states: Vec<(bool, bool)> = boxes
        .iter()
        .map(|input| (input.checked(), input.disabled()))
        .collect();
    assert_eq!(
        states,
        [(true, false), (true, true), (false, false), (true, false)]
    );

    click(&boxes[0]);
    click(&boxes[2]);
    assert_eq!(
        *follows.borrow(),
        [(pattern("chat/*"), false), (pattern("metrics"), true)]
    );
    click(&select(&root, "button#more-topics")[0]);
    assert_eq!(mores.get(), 1);

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_last_page_has_no_more_button() {
    let props = TopicRowsProps {
        subscription: Rc::new(Subscription::from_query("?topic=ops")),
        list: listed(&["ops"], None),
        on_follow: Callback::noop(),
        on_more: Callback::noop(),
    };
    let root = root();
    let app = yew::Renderer::<TopicRows>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    assert_eq!(select(&root, "ul#topics > li").len(), 1);
    assert!(select(&root, "button#more-topics").is_empty());

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn following_by_name_takes_a_prefix_and_explains_a_bad_pattern() {
    let follows = Follows::default();
    let props = FollowTopicProps {
        on_follow: recording(&follows),
    };
    let root = root();
    let app = yew::Renderer::<FollowTopic>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let field: HtmlInputElement = select(&root, "input#follow-topic")[0]
        .clone()
        .dyn_into()
        .expect("the field is an input");
    let submit = &select(&root, "button[type=submit]")[0];
    field.set_value(" chat/* ");
    click(submit);
    yew::scheduler::flush().await;
    assert_eq!(*follows.borrow(), [(pattern("chat/*"), true)]);
    assert_eq!(field.value(), "");
    assert!(select(&root, ".error").is_empty());

    field.set_value("chat/*/typing");
    click(submit);
    yew::scheduler::flush().await;
    assert_eq!(follows.borrow().len(), 1);
    let error = &select(&root, ".error")[0];
    assert!(text(error).contains("last segment"), "{}", text(error));

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_refusal_shows_not_authorised_with_the_hubs_reason() {
    let status = StreamStatus {
        state: ConnectionState::Stopped {
            reason: StopReason::NotAuthorised(ErrorBody {
                code: ErrorCode::Forbidden,
                message: "the token may not read private/a".to_owned(),
                field: None,
            }),
        },
        last_event_ms: Some(0.0),
    };
    let root = root();
    let app = yew::Renderer::<ConnectionIndicator>::with_root_and_props(
        root.clone(),
        ConnectionIndicatorProps {
            status,
            now_ms: 5_000.0,
        },
    )
    .render();
    yew::scheduler::flush().await;
    let indicator = &select(&root, "#connection[data-state=stopped]")[0];
    assert_eq!(
        indicator.get_attribute("data-reason").as_deref(),
        Some("not-authorised")
    );
    assert_eq!(
        text(indicator),
        "Not authorised: the token may not read private/a"
    );
    app.destroy();
    root.remove();
}

type Tokens = Rc<RefCell<Vec<Option<Token>>>>;

#[wasm_bindgen_test]
async fn the_token_field_takes_a_token_shows_none_and_clears_it() {
    let tokens = Tokens::default();
    let on_change = {
        let tokens = Rc::clone(&tokens);
        Callback::from(move |token| tokens.borrow_mut().push(token))
    };
    let root = root();
    let props = TokenFieldProps {
        token: None,
        on_change: on_change.clone(),
    };
    let mut app = yew::Renderer::<TokenField>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let field: HtmlInputElement = select(&root, "form#token input[name=token]")[0]
        .clone()
        .dyn_into()
        .expect("the field is an input");
    assert_eq!(field.type_(), "password");
    assert!(select(&root, "button#clear-token[disabled]").len() == 1);
    let submit = &select(&root, "form#token button[type=submit]")[0];
    field.set_value("two words");
    click(submit);
    yew::scheduler::flush().await;
    assert!(tokens.borrow().is_empty());
    assert!(text(&select(&root, ".error")[0]).contains("no spaces"));

    field.set_value(" eyJ.payload.signature ");
    click(submit);
    yew::scheduler::flush().await;
    let expected = Token::parse("eyJ.payload.signature").expect("a valid token");
    assert_eq!(*tokens.borrow(), [Some(expected.clone())]);
    assert_eq!(field.value(), "", "the token is not left on screen");
    assert!(select(&root, ".error").is_empty());

    app.update(TokenFieldProps {
        token: Some(expected),
        on_change,
    });
    yew::scheduler::flush().await;
    assert_eq!(select(&root, "form#token[data-set=true]").len(), 1);
    click(&select(&root, "button#clear-token")[0]);
    yew::scheduler::flush().await;
    assert_eq!(tokens.borrow().last(), Some(&None));

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
fn the_token_is_kept_in_session_storage_until_cleared() {
    let token = Token::parse("eyJ.kept.here").expect("a valid token");
    token::save(Some(&token));
    assert_eq!(token::load(), Some(token));
    let stored = web_sys::window()
        .and_then(|window| window.session_storage().ok().flatten())
        .and_then(|storage| storage.get_item(token::STORAGE_KEY).ok().flatten());
    assert_eq!(stored.as_deref(), Some("eyJ.kept.here"));
    token::save(None);
    assert_eq!(token::load(), None);
}
