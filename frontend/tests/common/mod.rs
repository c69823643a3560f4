//! What the browser tests share: events to feed the page, and a fresh
//! element to render into and read back.
//!
//! Each test renders into its own element and reads the DOM back through
//! the same selectors the end-to-end test uses. Rendering is awaited with
//! `yew::scheduler::flush`; only the tests that open a stream, which wait
//! on the browser's network stack, poll with a bounded deadline
//! ([`stream`]).
//!
//! A test file that uses these declares the module `pub mod common;`: its
//! items are then public from the test crate's root, so a helper that one
//! file does not use is not dead code there (with a private `mod`, each
//! file would warn about the helpers only the others use).

pub mod stream;

use frontend::state::{Action, FeedContext};
use herald_dashboard_events::{Chat, LoadAverage, Metrics, Payload};
use herald_wire::{Envelope, EventId, Topic, TopicPattern};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

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
pub fn event(id: u64, name: &str, payload: Payload) -> Envelope<Payload> {
    Envelope {
        id: EventId::new(1, id),
        topic: topic(name),
        time_us: 1_764_066_000_000_000,
        event: payload,
    }
}

/// A chat event `1-{id}` on `chat/lobby`.
pub fn chat(id: u64, author: &str, text: &str) -> Envelope<Payload> {
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

/// The text `element` shows, empty if it has none.
pub fn text(element: &Element) -> String {
    element.text_content().unwrap_or_default()
}

/// Clicks `element` as a user would, firing its handlers.
pub fn click(element: &Element) {
    element
        .dyn_ref::<HtmlElement>()
        .expect("the clicked element is an HTML element")
        .click();
}

/// A metrics sample: `cpu`% in total, its two cores at that and half,
/// 1 GiB of 4 GiB, 2 KiB/s in and 512 B/s out.
pub fn metrics(cpu: f32) -> Payload {
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

/// Props of [`Injected`].
#[derive(Properties, PartialEq)]
pub struct InjectedProps {
    /// What the feed is sent, in order.
    pub actions: Vec<Action>,
}

/// Dispatches its actions to the feed once, as a stream would.
#[component]
pub fn Injected(props: &InjectedProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps Injected");
    let actions = props.actions.clone();
    use_effect_with((), move |()| {
        for action in actions {
            feed.dispatch(action);
        }
    });
    html! {}
}
