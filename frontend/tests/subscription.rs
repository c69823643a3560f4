//! Browser tests of the page's query: which topics and prefixes it
//! follows, which names it sets aside, and the stream URL that asks the
//! hub for them, read with the browser's own URL parsing.

#![cfg(target_arch = "wasm32")]
use frontend::subscription::Subscription;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The followed patterns as text, in order.
fn followed(subscription: &Subscription) -> Vec<String> {
    subscription
        .patterns
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[wasm_bindgen_test]
fn the_stream_url_names_every_valid_topic_of_the_page_query() {
    let subscription = Subscription::from_query("?topic=a%2Fb&topic=c.d&topic=bad%20name");
    assert_eq!(followed(&subscription), ["a/b", "c.d"]);
    assert_eq!(subscription.rejected.len(), 1);
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=a/b&topic=c.d")
    );
}

#[wasm_bindgen_test]
fn a_topic_reads_the_same_with_its_slash_encoded_or_not() {
    let subscription = Subscription::from_query("?topic=a/b&topic=a%2Fb");
    assert_eq!(followed(&subscription), ["a/b"]);
    assert!(subscription.rejected.is_empty());
}

#[wasm_bindgen_test]
fn a_prefix_in_the_page_query_is_followed_and_a_bad_one_set_aside() {
    let subscription =
        Subscription::from_query("?topic=chat/*&topic=chat%2F%2A&topic=chat/*/typing");
    assert_eq!(followed(&subscription), ["chat/*"]);
    assert_eq!(subscription.rejected.len(), 1);
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=chat/*")
    );
}

#[wasm_bindgen_test]
fn an_empty_query_follows_the_default_topics() {
    let subscription = Subscription::from_query("");
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=system/metrics&topic=system/hub&topic=chat/lobby")
    );
}
