//! [`NoticeBanner`]: a notice in the feed, coloured by its level.

use shared::Notice;
use yew::prelude::*;

use crate::components::notice_panel::level_names;

/// Props of [`NoticeBanner`].
#[derive(Properties, PartialEq)]
pub struct NoticeBannerProps {
    /// The notice.
    pub notice: Notice,
}

/// A line whose class and label follow the notice level.
#[component]
pub fn NoticeBanner(props: &NoticeBannerProps) -> Html {
    let (level, label) = level_names(props.notice.level);
    let class = classes!("notice", level);
    html! {
        <p {class} data-level={level}>
            <strong>{ label }</strong>{ " " }{ &props.notice.text }
        </p>
    }
}
