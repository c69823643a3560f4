//! The stream tests' probe: [`StreamProbe`] runs `use_event_stream` inside
//! a feed, as the app does, on a `data:` URL the test writes
//! ([`stream_url`]). The hook's own behaviour (retries, history, closing
//! its source) is tested in `herald-yew`; these tests check what the
//! dashboard makes of what it delivers.
//!
//! These tests wait on the browser's network stack, which
//! `yew::scheduler::flush` does not cover, so they poll ([`wait_until`])
//! with a bounded deadline.

use std::time::Duration;

use frontend::components::connection_indicator::ConnectionIndicator;
use frontend::components::event_list::EventList;
use frontend::components::feed_provider::FeedProvider;
use frontend::state::{Action, FeedContext};
use gloo_timers::future::sleep;
use herald_dashboard_events::Payload;
use herald_yew::{StreamMessage, StreamOptions, StreamSource, use_event_stream};
use web_sys::Element;
use yew::prelude::*;

/// How long the stream tests wait for the browser to open or drop a stream.
const STREAM_DEADLINE: Duration = Duration::from_secs(10);
/// How often the stream tests look again while they wait.
const POLL: Duration = Duration::from_millis(20);

/// The `data-state` of the connection indicator under `root`, if one is drawn.
pub fn connection_state(root: &Element) -> Option<String> {
    root.query_selector("#connection")
        .expect("the selector is valid")
        .and_then(|element| element.get_attribute("data-state"))
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

/// Props of [`StreamProbe`].
#[derive(Properties, PartialEq)]
pub struct StreamProbeProps {
    /// The stream to open.
    pub url: AttrValue,
    /// The history to load before the stream opens, if any.
    #[prop_or_default]
    pub history: Option<AttrValue>,
}

/// The hook wired to a feed, as the app wires it, for one URL.
#[component]
pub fn StreamProbe(props: &StreamProbeProps) -> Html {
    html! {
        <FeedProvider>
            <StreamView url={props.url.clone()} history={props.history.clone()} />
        </FeedProvider>
    }
}

/// A `data:` URL serving `body` as an event stream.
pub fn stream_url(body: &str) -> AttrValue {
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

/// The inside of [`StreamProbe`]: the hook, its connection indicator and
/// the event list it feeds.
#[component]
fn StreamView(props: &StreamProbeProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps StreamView");
    let dispatcher = feed.dispatcher();
    let on_message = Callback::from(move |message: StreamMessage<Payload>| match message {
        StreamMessage::History(batch) => dispatcher.dispatch(Action::Batch(batch)),
        StreamMessage::Live(incoming) => {
            dispatcher.dispatch(Action::from(incoming));
        }
    });
    let source = StreamSource {
        url: props.url.clone(),
        history: props.history.clone(),
        token: None,
    };
    let status = use_event_stream::<Payload>(Some(source), StreamOptions::default(), on_message);
    html! {
        <>
            <ConnectionIndicator {status} now_ms={0.0} />
            <EventList />
        </>
    }
}
