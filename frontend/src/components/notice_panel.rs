//! [`NoticePanel`]: the newest notices as coloured banners.

use yew::prelude::*;

use herald_dashboard_events::{NoticeLevel, Payload};

use crate::components::clipped::clipped;
use crate::excerpt::BANNER_CHARS;
use crate::state::FeedContext;

/// The `data-level` name and the label of a notice level.
pub fn level_names(level: NoticeLevel) -> (&'static str, &'static str) {
    match level {
        NoticeLevel::Info => ("info", "Info"),
        NoticeLevel::Warning => ("warning", "Warning"),
        NoticeLevel::Error => ("error", "Error"),
    }
}

/// `section#notices` with a `.notice-banner` per recent notice, newest
/// first; each text is cut at [`BANNER_CHARS`] with its full size shown.
#[component]
pub fn NoticePanel() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps NoticePanel");
    let banners = feed.notices().filter_map(|received| {
        let Payload::Notice(notice) = &received.event.event else {
            return None;
        };
        let (level, label) = level_names(notice.level);
        let id = received.event.id.to_string();
        let text = clipped(&notice.text, BANNER_CHARS);
        let role = if notice.level == NoticeLevel::Info {
            "status"
        } else {
            "alert"
        };
        Some(html! {
            <li class="notice-banner" key={id} data-level={level} {role}>
                <strong>{ label }</strong>
                <span class="text">{ text }</span>
                <span class="topic">{ received.event.topic.as_str() }</span>
            </li>
        })
    });
    html! {
        <section id="notices" class="notices" aria-label="Notices">
            <ul>{ for banners }</ul>
        </section>
    }
}
