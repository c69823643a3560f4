//! Native tests of [`Subscription`]: the patterns a page follows by name
//! and through prefixes, the names set aside, the stream URL with its
//! token, and the page query that keeps them.

use herald_wire::TopicError;

use super::*;

fn names(patterns: &[TopicPattern]) -> Vec<String> {
    patterns.iter().map(ToString::to_string).collect()
}

fn pattern(text: &str) -> TopicPattern {
    TopicPattern::parse(text).unwrap()
}

fn topic(name: &str) -> Topic {
    Topic::parse(name).unwrap()
}

#[test]
fn no_names_follow_the_defaults() {
    let subscription = Subscription::from_names([]);
    assert_eq!(names(&subscription.patterns), DEFAULT_TOPICS);
    assert!(subscription.rejected.is_empty());
}

#[test]
fn named_topics_replace_the_defaults_once_each() {
    let subscription = Subscription::from_names(["b/x", "a", "b/x"].map(String::from));
    assert_eq!(names(&subscription.patterns), ["b/x", "a"]);
}

#[test]
fn invalid_names_are_set_aside() {
    let subscription = Subscription::from_names(["ok", "no way", ""].map(String::from));
    assert_eq!(names(&subscription.patterns), ["ok"]);
    assert_eq!(
        subscription.rejected,
        [
            (
                "no way".to_owned(),
                TopicPatternError::Topic(TopicError::InvalidChar(' '))
            ),
            (String::new(), TopicPatternError::Topic(TopicError::Empty)),
        ]
    );
}

#[test]
fn only_invalid_names_fall_back_to_the_defaults() {
    let subscription = Subscription::from_names(["a b".to_owned()]);
    assert_eq!(names(&subscription.patterns), DEFAULT_TOPICS);
    assert_eq!(subscription.rejected.len(), 1);
}

#[test]
fn the_stream_url_names_every_topic_encoded() {
    let subscription = Subscription::from_names(["a/b", "c.d"].map(String::from));
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=a/b&topic=c.d")
    );
}

#[test]
fn the_token_rides_in_the_stream_url_encoded() {
    let subscription = Subscription::from_names(["private/a".to_owned()]);
    let token = Token::parse("a.b+c=").unwrap();
    assert_eq!(
        subscription.stream_url(Some(&token)).as_deref(),
        Some("/api/events?topic=private/a&token=a.b%2Bc%3D")
    );
}

#[test]
fn toggling_follows_and_unfollows() {
    let subscription = Subscription::from_names(["a".to_owned()]);
    let b = pattern("b");
    let both = subscription.toggled(&b, true);
    assert_eq!(names(&both.patterns), ["a", "b"]);
    assert_eq!(names(&both.toggled(&b, true).patterns), ["a", "b"]);
    let none = both.toggled(&b, false).toggled(&pattern("a"), false);
    assert!(none.patterns.is_empty());
    assert_eq!(none.stream_url(None), None);
}

#[test]
fn the_page_query_keeps_topics_and_a_non_default_limit() {
    let subscription = Subscription::from_names(["a/b".to_owned()]);
    assert_eq!(subscription.page_query(DEFAULT_CAPACITY), "?topic=a/b");
    assert_eq!(subscription.page_query(50), "?topic=a/b&limit=50");
}

#[test]
fn prefixes_and_everything_are_followed_as_named() {
    let subscription = Subscription::from_names(["chat/*", "*", "chat/*", "ops"].map(String::from));
    assert_eq!(names(&subscription.patterns), ["chat/*", "*", "ops"]);
    assert_eq!(
        subscription.stream_url(None).as_deref(),
        Some("/api/events?topic=chat/*&topic=*&topic=ops")
    );
    assert_eq!(
        subscription.page_query(DEFAULT_CAPACITY),
        "?topic=chat/*&topic=*&topic=ops"
    );
}

#[test]
fn an_invalid_pattern_is_set_aside_like_an_invalid_topic() {
    let subscription = Subscription::from_names(["chat/*/typing", "chat*"].map(String::from));
    assert_eq!(names(&subscription.patterns), DEFAULT_TOPICS);
    assert_eq!(
        subscription.rejected,
        [
            (
                "chat/*/typing".to_owned(),
                TopicPatternError::MisplacedWildcard
            ),
            ("chat*".to_owned(), TopicPatternError::MisplacedWildcard),
        ]
    );
}

#[test]
fn a_topic_is_followed_by_name_before_through_a_prefix() {
    let subscription = Subscription::from_names(["chat/*", "chat/lobby"].map(String::from));
    assert_eq!(
        subscription.follows(&topic("chat/lobby")),
        Some(&pattern("chat/lobby"))
    );
    assert_eq!(
        subscription.follows(&topic("chat/eu/lobby")),
        Some(&pattern("chat/*"))
    );
    for name in ["chat", "chatter/x", "ops"] {
        assert_eq!(subscription.follows(&topic(name)), None, "{name}");
    }
    let everything = Subscription::from_names(["*".to_owned()]);
    assert_eq!(everything.follows(&topic("ops")), Some(&pattern("*")));
}
