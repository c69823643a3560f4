//! What the browser tests share: [`Probe`], which runs `use_event_stream`
//! for any event type and records what it delivers; streams and histories
//! served from `data:` URLs the tests write ([`stream_url`],
//! [`history_url`]); and [`record_event_sources`], which keeps every
//! `EventSource` the page opens so a test can read their URLs and ready
//! states.
//!
//! These tests wait on the browser's network stack, which
//! `yew::scheduler::flush` does not cover, so they poll ([`wait_until`])
//! with a bounded deadline.
//!
//! A test file that uses these declares the module `pub mod common;`: its
//! items are then public from the test crate's root, so a helper that one
//! file does not use is not dead code there.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::future::sleep;
use herald_wire::{Envelope, EventId, EventList, Topic, TopicPattern};
use herald_yew::{Incoming, StreamMessage, StreamOptions, StreamSource, use_event_stream};
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

/// How long the stream tests wait for the browser to open or drop a stream.
const STREAM_DEADLINE: Duration = Duration::from_secs(10);
/// How often the stream tests look again while they wait.
const POLL: Duration = Duration::from_millis(20);

/// The topic `name`, which the test knows is valid.
pub fn topic(name: &str) -> Topic {
    Topic::parse(name).expect("test topics are valid")
}

/// The pattern `text`, which the test knows is valid.
pub fn pattern(text: &str) -> TopicPattern {
    TopicPattern::parse(text).expect("test patterns are valid")
}

/// `value` as the JSON the hub sends.
pub fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("wire types serialize")
}

/// An event `1-{id}` on topic `name`, published at a fixed hub time.
pub fn envelope<E>(id: u64, name: &str, event: E) -> Envelope<E> {
    Envelope {
        id: EventId::new(1, id),
        topic: topic(name),
        time_us: 1_764_066_000_000_000,
        event,
    }
}

/// A fresh element in the page body for one test to render into.
pub fn root() -> Element {
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

/// The `data-state` of the probe's status under `root`, if one is drawn.
pub fn connection_state(root: &Element) -> Option<String> {
    status_attribute(root, "data-state")
}

/// The attribute `name` of the probe's status under `root`, if set.
pub fn status_attribute(root: &Element, name: &str) -> Option<String> {
    root.query_selector("#connection")
        .expect("the selector is valid")
        .and_then(|element| element.get_attribute(name))
}

/// Polls until `done` holds, failing the test after [`STREAM_DEADLINE`].
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let mut waited = Duration::ZERO;
    while !done() {
        assert!(waited < STREAM_DEADLINE, "timed out waiting for {what}");
        sleep(POLL).await;
        waited += POLL;
    }
}

/// A `data:` URL serving `body` as an event stream.
pub fn stream_url(body: &str) -> AttrValue {
    data_url("text/event-stream;charset=utf-8", body)
}

/// A `data:` URL serving `events` as a history reply, resuming after the
/// newest of them, as the hub does.
pub fn history_url<E: serde::Serialize>(events: Vec<Envelope<E>>) -> AttrValue {
    let resume_after = events
        .iter()
        .map(|event| event.id)
        .max()
        .unwrap_or(EventId::start(1));
    let body = json(&EventList {
        events,
        resume_after,
    });
    data_url("application/json", &body)
}

/// A `data:` URL serving `body` as `mime`, percent-encoded.
pub fn data_url(mime: &str, body: &str) -> AttrValue {
    let encoded: String = body
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("data:{mime},{encoded}").into()
}

/// Replaces `window.EventSource` by a subclass that records every instance
/// in `window.__heraldSources`, emptied on each call.
pub fn record_event_sources() {
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
pub fn ready_states() -> Vec<u32> {
    let states = web_sys::js_sys::eval("window.__heraldSources.map(source => source.readyState)")
        .expect("the sources are readable");
    web_sys::js_sys::Array::from(&states)
        .iter()
        .filter_map(|state| state.as_f64())
        .map(|state| state as u32)
        .collect()
}

/// The URL of every `EventSource` created since [`record_event_sources`].
pub fn source_urls() -> Vec<String> {
    let urls = web_sys::js_sys::eval("window.__heraldSources.map(source => source.url)")
        .expect("the sources are readable");
    web_sys::js_sys::Array::from(&urls)
        .iter()
        .filter_map(|url| url.as_string())
        .collect()
}

/// Every message a [`Probe`] was handed, in order, history batches
/// flattened, and how many of them came live.
pub struct Log<E> {
    /// The messages, history first.
    pub messages: Vec<Incoming<E>>,
    /// How many of them arrived on the stream.
    pub live: usize,
}

/// A [`Log`] a test shares with its probe.
pub type SharedLog<E> = Rc<RefCell<Log<E>>>;

/// An empty [`SharedLog`].
pub fn log<E>() -> SharedLog<E> {
    Rc::new(RefCell::new(Log {
        messages: Vec::new(),
        live: 0,
    }))
}

/// Props of [`Probe`].
#[derive(Properties)]
pub struct ProbeProps<E: 'static> {
    /// The stream to open.
    pub url: AttrValue,
    /// The history to load before the stream opens, if any.
    #[prop_or_default]
    pub history: Option<AttrValue>,
    /// The retries.
    #[prop_or_default]
    pub options: StreamOptions,
    /// Where the probe writes what it is handed.
    pub log: SharedLog<E>,
}

impl<E> PartialEq for ProbeProps<E> {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url
            && self.history == other.history
            && self.options == other.options
            && Rc::ptr_eq(&self.log, &other.log)
    }
}

/// The hook for events of type `E`, on one URL: it writes what it is
/// handed to its log and draws the status as `<p id="connection">` with
/// `data-state`, `data-attempt` while reconnecting, and the reason it
/// stopped as its text.
#[component]
pub fn Probe<E>(props: &ProbeProps<E>) -> Html
where
    E: herald_wire::Event + 'static,
{
    let log = Rc::clone(&props.log);
    let on_message = Callback::from(move |message: StreamMessage<E>| {
        let mut log = log.borrow_mut();
        match message {
            StreamMessage::History(batch) => log.messages.extend(batch),
            StreamMessage::Live(incoming) => {
                log.live += 1;
                log.messages.push(incoming);
            }
        }
    });
    let source = StreamSource {
        url: props.url.clone(),
        history: props.history.clone(),
        token: None,
    };
    let status = use_event_stream::<E>(Some(source), props.options, on_message);
    let attempt = match status.state {
        herald_yew::ConnectionState::Reconnecting { attempt } => Some(attempt.to_string()),
        _ => None,
    };
    let reason = match &status.state {
        herald_yew::ConnectionState::Stopped { reason } => reason.to_string(),
        _ => String::new(),
    };
    html! {
        <p id="connection" data-state={status.state.name()} data-attempt={attempt}>{ reason }</p>
    }
}

/// The elements under `root` matching `selector`, in document order.
pub fn select(root: &Element, selector: &str) -> Vec<Element> {
    let nodes = root
        .query_selector_all(selector)
        .expect("test selectors are valid");
    (0..nodes.length())
        .filter_map(|index| nodes.item(index))
        .filter_map(|node| node.dyn_into::<Element>().ok())
        .collect()
}
