//! [`NoticeBanner`]: a notice in the feed, coloured by its level.

use herald_dashboard_events::Notice;
use yew::prelude::*;

use crate::components::clipped::clipped;
use crate::components::notice_panel::level_names;
use crate::excerpt::TEXT_CHARS;

/// Props of [`NoticeBanner`].
#[derive(Properties, PartialEq)]
pub struct NoticeBannerProps {
    /// The notice.
    pub notice: Notice,
}

/// A line whose class and label follow the notice level; the text is cut
/// at [`TEXT_CHARS`] with its full size shown.
#[component]
pub fn NoticeBanner(props: &NoticeBannerProps) -> Html {
    let (level, label) = level_names(props.notice.level);
    let class = classes!("notice", level);
    let text = clipped(&props.notice.text, TEXT_CHARS);
    html! {
        <p {class} data-level={level}>
            <strong>{ label }</strong>{ " " }{ text }
        </p>
    }
}
