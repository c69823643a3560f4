//! [`EventItem`]: one published event, rendered as what it is.

use std::rc::Rc;

use herald_dashboard_events::Payload;
use herald_wire::Event as _;
use web_sys::js_sys::Date;
use yew::prelude::*;

use crate::components::chat_message::ChatMessage;
use crate::components::hub_summary::{HubSummary, HubSummaryProps};
use crate::components::json_view::JsonView;
use crate::components::latency_reading::LatencyReading;
use crate::components::metrics_summary::MetricsSummary;
use crate::components::notice_banner::NoticeBanner;
use crate::series::Sample;
use crate::state::Received;

/// Props of [`EventItem`].
#[derive(Properties)]
pub struct EventItemProps {
    /// The event and when it arrived.
    pub received: Rc<Received>,
}

/// Props are equal when they share the event: the feed never changes an
/// entry it holds, so the same `Rc` is the same event, and the list
/// re-renders without comparing payloads (a `json` event or 30,000 cores)
/// item by item.
impl PartialEq for EventItemProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.received, &other.received)
    }
}

/// `<li class="event">` with the event's kind and id as data attributes, its
/// time and topic, and a body chosen by kind.
#[component]
pub fn EventItem(props: &EventItemProps) -> Html {
    let event = &props.received.event;
    let kind = event.event.kind().to_string();
    let id = event.id.to_string();
    let time = clock(event.time_us);
    let topic = event.topic.as_str();
    let body = match &event.event {
        Payload::Chat(chat) => html! { <ChatMessage chat={chat.clone()} /> },
        Payload::Notice(notice) => html! { <NoticeBanner notice={notice.clone()} /> },
        Payload::Metrics(metrics) => {
            html! { <MetricsSummary sample={Rc::new(Sample::new(metrics, event.time_us))} /> }
        }
        Payload::LatencyProbe(probe) => {
            html! { <LatencyReading probe={*probe} received_us={props.received.received_us} /> }
        }
        Payload::HubStats(stats) => html! { <HubSummary ..HubSummaryProps::of(stats) /> },
        Payload::Json(json) => html! { <JsonView text={json.text().to_owned()} /> },
        Payload::Untyped(untyped) => html! { <JsonView text={untyped.text().to_owned()} /> },
    };
    html! {
        <li class="event" data-kind={kind} data-id={id}>
            <span class="meta">
                <time>{ time }</time>
                <span class="topic">{ topic }</span>
            </span>
            { body }
        </li>
    }
}

/// The local time of day of a unix-microsecond timestamp, `HH:MM:SS`.
pub fn clock(time_us: u64) -> String {
    let date = Date::new(&((time_us / 1000) as f64).into());
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}
