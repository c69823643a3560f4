//! [`LiveFeed`]: loads the recent history of a [`Subscription`] into the
//! feed, opens the stream after it, batches what arrives into one feed
//! update per [`FLUSH_MS`], and lays out the page. A new token replaces
//! the stream like new topics do: the stream and the history are read with
//! the token in force.
//!
//! At a thousand events a second, dispatching each one would render the
//! page a thousand times; messages wait in an [`Inbox`] instead, and an
//! interval (dropped on unmount) dispatches them as one
//! [`Action::Batch`]. The inbox is bounded: what a flood makes it drop
//! reaches the feed first, as one [`Action::Dropped`]. The same interval
//! counts events per second, dropped ones included, since that is the
//! rate the hub sends.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use herald_dashboard_events::Payload;
use herald_wire::TopicPattern;
use herald_wire::protocol::{REFERENCE_PATH, history_path};
use herald_yew::{StreamMessage, StreamOptions, StreamSource, Token, use_event_stream};
use web_sys::js_sys::Date;
use yew::prelude::*;

use crate::components::chat_panel::ChatPanel;
use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::event_list::EventList;
use crate::components::feed_controls::FeedControls;
use crate::components::hub_panel::HubPanel;
use crate::components::latency_figure::LatencyFigure;
use crate::components::metrics_panel::MetricsPanel;
use crate::components::notice_panel::NoticePanel;
use crate::components::publish_form::PublishForm;
use crate::components::token_field::TokenField;
use crate::components::topics_panel::TopicsPanel;
use crate::inbox::{FLUSH_MS, Inbox};
use crate::series::METRICS_WINDOW;
use crate::state::{Action, FeedContext};
use crate::subscription::Subscription;

/// How many events of each topic the page asks the history for: enough to
/// fill the metrics charts' five minutes.
const HISTORY_LIMIT: usize = METRICS_WINDOW;

/// Flushes per second, for the events/s counter.
const FLUSHES_PER_SECOND: u32 = 1000 / FLUSH_MS;

/// Props of [`LiveFeed`].
#[derive(Properties, PartialEq)]
pub struct LiveFeedProps {
    /// The topics to follow.
    pub subscription: Rc<Subscription>,
    /// Follow (`true`) or stop following a topic or prefix.
    pub on_follow: Callback<(TopicPattern, bool)>,
    /// The token sent with every request, if any.
    pub token: Option<Token>,
    /// Called with a new token, or `None` to clear it.
    pub on_token: Callback<Option<Token>>,
}

/// What changes once a second: the event rate and the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pulse {
    rate: usize,
    now_ms: f64,
}

/// Follows the subscription's topics and shows the dashboard.
#[component]
pub fn LiveFeed(props: &LiveFeedProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps LiveFeed");
    let source = use_memo(
        (Rc::clone(&props.subscription), props.token.clone()),
        |(subscription, token)| {
            subscription
                .stream_url(token.as_ref())
                .map(|url| StreamSource {
                    url: url.into(),
                    history: Some(history_path(&subscription.patterns, HISTORY_LIMIT).into()),
                    token: token.clone(),
                })
        },
    );
    let inbox = use_mut_ref(Inbox::default);
    let pulse = use_state_eq(|| Pulse {
        rate: 0,
        now_ms: Date::now(),
    });
    let on_message = {
        let inbox = Rc::clone(&inbox);
        let dispatcher = feed.dispatcher();
        Callback::from(move |message: StreamMessage<Payload>| match message {
            // History goes to the feed at once, as one batch, and not
            // through the inbox: it would count towards the events per
            // second. The hub bounds it (10,000 events at most).
            StreamMessage::History(batch) => dispatcher.dispatch(Action::Batch(batch)),
            StreamMessage::Live(incoming) => inbox.borrow_mut().push(incoming),
        })
    };
    let status =
        use_event_stream::<Payload>((*source).clone(), StreamOptions::default(), on_message);
    {
        let dispatcher = feed.dispatcher();
        let pulse = pulse.setter();
        use_effect_with((), move |()| {
            let mut flushes = 0;
            let mut count = 0;
            let interval = Interval::new(FLUSH_MS, move || {
                let contents = inbox.borrow_mut().take();
                count += contents.arrived();
                // The dropped messages are older than the kept ones, so
                // their line goes first (below them, newest first).
                if contents.dropped > 0 {
                    dispatcher.dispatch(Action::Dropped(contents.dropped));
                }
                if !contents.messages.is_empty() {
                    dispatcher.dispatch(Action::Batch(contents.messages));
                }
                flushes += 1;
                if flushes == FLUSHES_PER_SECOND {
                    pulse.set(Pulse {
                        rate: count,
                        now_ms: Date::now(),
                    });
                    flushes = 0;
                    count = 0;
                }
            });
            move || drop(interval)
        });
    }
    {
        // The tab title carries the state, for a page kept in a background tab.
        let name = status.state.name();
        use_effect_with(name, |name| {
            if let Some(document) = web_sys::window().and_then(|window| window.document()) {
                document.set_title(&format!("Herald · {name}"));
            }
        });
    }
    let subscription = Rc::clone(&props.subscription);
    let on_follow = props.on_follow.clone();
    let token = props.token.clone();
    let on_token = props.on_token.clone();
    let rate = format!("{} events/s", pulse.rate);

    html! {
        <>
            <header class="bar">
                <h1>{ "Herald" }</h1>
                // The hub's own API reference, beside the dashboard it serves.
                <a class="api-link" href={REFERENCE_PATH}>{ "API" }</a>
                <span id="rate" class="rate" aria-label="events per second">{ rate }</span>
                <ConnectionIndicator {status} now_ms={pulse.now_ms} />
            </header>
            <div class="layout">
                <main class="main">
                    <MetricsPanel />
                    <HubPanel />
                    <LatencyFigure />
                    <ChatPanel />
                    <section class="panel feed" aria-label="Events">
                        <h2>{ "Events" }</h2>
                        <FeedControls />
                        <EventList />
                    </section>
                </main>
                <aside class="side">
                    <NoticePanel />
                    <TokenField token={token.clone()} on_change={on_token} />
                    <PublishForm token={token.clone()} />
                    <TopicsPanel {subscription} {on_follow} {token} />
                </aside>
            </div>
        </>
    }
}
