//! Browser tests of the topic list: followed prefixes with the topics
//! under them, the next page of topics, and following a topic or prefix
//! by name.

#![cfg(target_arch = "wasm32")]

pub mod common;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use frontend::components::follow_topic::{FollowTopic, FollowTopicProps};
use frontend::components::topic_rows::{TopicRows, TopicRowsProps};
use frontend::subscription::Subscription;
use herald_wire::{TopicInfo, TopicList, TopicPattern};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::common::{click, pattern, root, select, text, topic};

wasm_bindgen_test_configure!(run_in_browser);

/// What a test's `on_follow` was called with, in order.
type Follows = Rc<RefCell<Vec<(TopicPattern, bool)>>>;

fn recording(follows: &Follows) -> Callback<(TopicPattern, bool)> {
    let follows = Rc::clone(follows);
    Callback::from(move |follow| follows.borrow_mut().push(follow))
}

fn listed(names: &[&str], next_after: Option<&str>) -> Rc<TopicList> {
    Rc::new(TopicList {
        topics: names
            .iter()
            .map(|name| TopicInfo {
                topic: topic(name),
                subscribers: 3,
                last_id: None,
            })
            .collect(),
        next_after: next_after.map(topic),
    })
}

#[wasm_bindgen_test]
async fn topic_rows_show_prefixes_the_topics_under_them_and_more() {
    let follows = Follows::default();
    let mores = Rc::new(Cell::new(0));
    let on_more = {
        let mores = Rc::clone(&mores);
        Callback::from(move |()| mores.set(mores.get() + 1))
    };
    let props = TopicRowsProps {
        subscription: Rc::new(Subscription::from_query("?topic=chat/*&topic=ops")),
        list: listed(&["chat/eu", "metrics"], Some("metrics")),
        on_follow: recording(&follows),
        on_more,
    };
    let root = root();
    let app = yew::Renderer::<TopicRows>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let rows = select(&root, "ul#topics > li");
    let names: Vec<String> = rows
        .iter()
        .filter_map(|row| row.get_attribute("data-topic"))
        .collect();
    assert_eq!(names, ["chat/*", "chat/eu", "metrics", "ops"]);
    assert_eq!(rows[0].class_name(), "pattern");
    assert_eq!(rows[1].get_attribute("data-via").as_deref(), Some("chat/*"));
    assert_eq!(
        rows[1].get_attribute("data-subscribers").as_deref(),
        Some("3")
    );
    assert_eq!(rows[3].get_attribute("data-subscribers"), None);
    let boxes: Vec<HtmlInputElement> = select(&root, "ul#topics input[name=follow]")
        .into_iter()
        .filter_map(|input| input.dyn_into().ok())
        .collect();
    let states: Vec<(bool, bool)> = boxes
        .iter()
        .map(|input| (input.checked(), input.disabled()))
        .collect();
    assert_eq!(
        states,
        [(true, false), (true, true), (false, false), (true, false)]
    );

    click(&boxes[0]);
    click(&boxes[2]);
    assert_eq!(
        *follows.borrow(),
        [(pattern("chat/*"), false), (pattern("metrics"), true)]
    );
    click(&select(&root, "button#more-topics")[0]);
    assert_eq!(mores.get(), 1);

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_last_page_has_no_more_button() {
    let props = TopicRowsProps {
        subscription: Rc::new(Subscription::from_query("?topic=ops")),
        list: listed(&["ops"], None),
        on_follow: Callback::noop(),
        on_more: Callback::noop(),
    };
    let root = root();
    let app = yew::Renderer::<TopicRows>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    assert_eq!(select(&root, "ul#topics > li").len(), 1);
    assert!(select(&root, "button#more-topics").is_empty());

    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn following_by_name_takes_a_prefix_and_explains_a_bad_pattern() {
    let follows = Follows::default();
    let props = FollowTopicProps {
        on_follow: recording(&follows),
    };
    let root = root();
    let app = yew::Renderer::<FollowTopic>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let field: HtmlInputElement = select(&root, "input#follow-topic")[0]
        .clone()
        .dyn_into()
        .expect("the field is an input");
    let submit = &select(&root, "button[type=submit]")[0];
    field.set_value(" chat/* ");
    click(submit);
    yew::scheduler::flush().await;
    assert_eq!(*follows.borrow(), [(pattern("chat/*"), true)]);
    assert_eq!(field.value(), "");
    assert!(select(&root, ".error").is_empty());

    field.set_value("chat/*/typing");
    click(submit);
    yew::scheduler::flush().await;
    assert_eq!(follows.borrow().len(), 1);
    let error = &select(&root, ".error")[0];
    assert!(text(error).contains("last segment"), "{}", text(error));

    app.destroy();
    root.remove();
}
