//! [`TopicRows`]: the topics panel's list: a row per followed prefix and per
//! topic, each with its follow checkbox, and a button for the next page.
//!
//! It draws the list it is given and fetches nothing, so a browser test can
//! hand it any list; [`rows`], which decides what each row says, is plain
//! Rust.

use std::rc::Rc;

use herald_wire::{Topic, TopicList, TopicPattern};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::subscription::Subscription;

/// Props of [`TopicRows`].
#[derive(Properties, PartialEq)]
pub struct TopicRowsProps {
    /// The followed topics and prefixes.
    pub subscription: Rc<Subscription>,
    /// The hub's topics as far as they have been read (empty before the
    /// first reply).
    pub list: Rc<TopicList>,
    /// Follow (`true`) or stop following a topic or prefix.
    pub on_follow: Callback<(TopicPattern, bool)>,
    /// Read the page of topics after [`TopicList::next_after`].
    pub on_more: Callback<()>,
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The topic, or the prefix, the line is about.
    pub pattern: TopicPattern,
    /// The hub's subscriber count, for a topic it listed.
    pub subscribers: Option<u64>,
    /// The followed pattern that brings this line's events, if any: the
    /// line's own pattern, or a prefix a topic falls under.
    pub followed_by: Option<TopicPattern>,
}

/// The lines of the list: first every prefix followed during this visit
/// (`visited`, in the order followed), so what the page follows beyond
/// single topics stays in sight however long the list; then the hub's
/// topics in its order; then topics followed during this visit that the
/// list does not hold (unknown to the hub, or on a page not read yet).
///
/// Followed patterns stay listed after being unfollowed, so a checkbox never
/// vanishes under the pointer.
pub fn rows(list: &TopicList, subscription: &Subscription, visited: &[TopicPattern]) -> Vec<Row> {
    let topic_row = |topic: &Topic, subscribers: Option<u64>| Row {
        pattern: TopicPattern::Exact(topic.clone()),
        subscribers,
        followed_by: subscription.follows(topic).cloned(),
    };
    let prefixes = visited.iter().filter_map(|pattern| match pattern {
        TopicPattern::Exact(_) => None,
        TopicPattern::Under(_) | TopicPattern::All => Some(Row {
            pattern: pattern.clone(),
            subscribers: None,
            followed_by: subscription
                .patterns
                .contains(pattern)
                .then(|| pattern.clone()),
        }),
    });
    let listed = list
        .topics
        .iter()
        .map(|info| topic_row(&info.topic, Some(info.subscribers)));
    let unlisted = visited.iter().filter_map(|pattern| match pattern {
        TopicPattern::Exact(topic) if !list.topics.iter().any(|info| info.topic == *topic) => {
            Some(topic_row(topic, None))
        }
        _ => None,
    });
    prefixes.chain(listed).chain(unlisted).collect()
}

/// `ul#topics` with one `li[data-topic]` per row (`data-subscribers` when
/// the hub counted them, `class="pattern"` for a prefix, `data-via` naming
/// the prefix that follows a topic), then `button#more-topics` while the
/// hub has more.
///
/// A topic followed through a prefix shows checked and cannot be unchecked:
/// only unfollowing the prefix stops its events.
#[component]
pub fn TopicRows(props: &TopicRowsProps) -> Html {
    let visited = use_mut_ref(Vec::<TopicPattern>::new);
    for pattern in &props.subscription.patterns {
        if !visited.borrow().contains(pattern) {
            visited.borrow_mut().push(pattern.clone());
        }
    }
    let rows = rows(&props.list, &props.subscription, &visited.borrow());
    let items = rows.into_iter().map(|row| {
        let name = row.pattern.to_string();
        let prefix = !matches!(row.pattern, TopicPattern::Exact(_));
        let via = row
            .followed_by
            .as_ref()
            .filter(|followed_by| **followed_by != row.pattern)
            .map(ToString::to_string);
        let title = via.as_ref().map(|via| format!("followed through {via}"));
        let checked = row.followed_by.is_some();
        let disabled = via.is_some();
        let on_change = {
            let on_follow = props.on_follow.clone();
            let pattern = row.pattern.clone();
            Callback::from(move |event: Event| {
                let follow = event.target_unchecked_into::<HtmlInputElement>().checked();
                on_follow.emit((pattern.clone(), follow));
            })
        };
        let subscribers = row.subscribers.map(|count| count.to_string());
        html! {
            <li key={name.clone()} class={classes!(prefix.then_some("pattern"))}
                data-topic={name.clone()} data-subscribers={subscribers.clone()}
                data-via={via}>
                <label {title}>
                    <input type="checkbox" name="follow" {checked} {disabled} onchange={on_change} />
                    <span class="topic-name">{ name }</span>
                    if let Some(subscribers) = subscribers {
                        <span class="count" title="subscribers">{ subscribers }</span>
                    }
                </label>
            </li>
        }
    });
    let more = props.list.next_after.is_some().then(|| {
        let on_more = props.on_more.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_more.emit(()));
        html! {
            <button id="more-topics" type="button" class="more" {onclick}>{ "More topics" }</button>
        }
    });
    html! {
        <>
            <ul id="topics">{ for items }</ul>
            { for more }
        </>
    }
}

#[cfg(test)]
mod tests {
    use herald_wire::TopicInfo;

    use super::*;

    fn pattern(text: &str) -> TopicPattern {
        TopicPattern::parse(text).unwrap()
    }

    fn listed(names: &[&str]) -> TopicList {
        TopicList {
            topics: names
                .iter()
                .map(|name| TopicInfo {
                    topic: Topic::parse(*name).unwrap(),
                    subscribers: 2,
                    last_id: None,
                })
                .collect(),
            next_after: None,
        }
    }

    fn lines(rows: &[Row]) -> Vec<(String, Option<u64>, Option<String>)> {
        rows.iter()
            .map(|row| {
                (
                    row.pattern.to_string(),
                    row.subscribers,
                    row.followed_by.as_ref().map(ToString::to_string),
                )
            })
            .collect()
    }

    fn line(
        name: &str,
        subscribers: Option<u64>,
        by: Option<&str>,
    ) -> (String, Option<u64>, Option<String>) {
        (name.to_owned(), subscribers, by.map(str::to_owned))
    }

    #[test]
    fn prefixes_come_first_and_the_topics_under_them_read_as_followed() {
        let subscription = Subscription::from_names(["chat/*", "ops"].map(String::from));
        let rows = rows(
            &listed(&["chat/eu", "chat/lobby", "metrics"]),
            &subscription,
            &subscription.patterns,
        );
        assert_eq!(
            lines(&rows),
            [
                line("chat/*", None, Some("chat/*")),
                line("chat/eu", Some(2), Some("chat/*")),
                line("chat/lobby", Some(2), Some("chat/*")),
                line("metrics", Some(2), None),
                line("ops", None, Some("ops")),
            ]
        );
    }

    #[test]
    fn unfollowed_patterns_stay_listed_unchecked() {
        let visited = [pattern("chat/*"), pattern("ops"), pattern("*")];
        let subscription = Subscription::from_names(["*".to_owned()]);
        let rows = rows(&listed(&["chat/eu"]), &subscription, &visited);
        assert_eq!(
            lines(&rows),
            [
                line("chat/*", None, None),
                line("*", None, Some("*")),
                line("chat/eu", Some(2), Some("*")),
                line("ops", None, Some("*")),
            ]
        );
    }
}
