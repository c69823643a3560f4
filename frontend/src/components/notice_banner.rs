//! [`NoticeBanner`]: a notice as a banner coloured by its level.

use shared::{Notice, NoticeLevel};
use yew::prelude::*;

/// Props of [`NoticeBanner`].
#[derive(Properties, PartialEq)]
pub struct NoticeBannerProps {
    /// The notice.
    pub notice: Notice,
}

/// A banner whose class and label follow the notice level.
#[component]
pub fn NoticeBanner(props: &NoticeBannerProps) -> Html {
    let (level, label) = match props.notice.level {
        NoticeLevel::Info => ("info", "Info"),
        NoticeLevel::Warning => ("warning", "Warning"),
        NoticeLevel::Error => ("error", "Error"),
    };
    let class = classes!("notice", level);
    html! {
        <p {class} data-level={level}>
            <strong>{ label }</strong>{ " " }{ &props.notice.text }
        </p>
    }
}
