//! Any text as topics and patterns: `Topic::parse` and
//! `TopicPattern::parse` never panic, accept exactly what docs/api.md's
//! syntax allows (`fuzz_oracles::topic_syntax`, written apart from
//! `herald-wire`), refuse naming a rule the text really breaks, and print what
//! they accept back as the same text; a pattern matches as its segments
//! say, and `covers`, `overlap` and `prefix` agree with matching on every
//! topic the patterns make interesting.
#![no_main]

use fuzz_oracles::topic_syntax::{self, Named};
use herald_wire::{Topic, TopicError, TopicPattern, TopicPatternError};

libfuzzer_sys::fuzz_target!(|texts: (&str, &str, &str)| {
    let (first, second, name) = texts;
    let given = check_topic(name);
    let patterns: Vec<TopicPattern> = [first, second]
        .into_iter()
        .filter_map(check_pattern)
        .collect();
    let topics = witnesses(&patterns, given);
    for pattern in &patterns {
        check_matching(pattern, &topics);
        for other in &patterns {
            check_pair(pattern, other, &topics);
        }
    }
});

/// Parses `text` as a topic and checks the answer against the syntax.
fn check_topic(text: &str) -> Option<Topic> {
    let parsed = Topic::parse(text);
    let segments = topic_syntax::topic(text);
    match parsed {
        Ok(topic) => {
            assert!(segments.is_some(), "accepted {text:?}");
            assert_eq!(topic.as_str(), text);
            assert_eq!(topic.to_string(), text);
            let json = serde_json::to_string(&topic).expect("a topic serializes");
            assert_eq!(
                serde_json::from_str::<Topic>(&json).ok().as_ref(),
                Some(&topic)
            );
            assert_eq!(
                TopicPattern::parse(text),
                Ok(TopicPattern::Exact(topic.clone()))
            );
            Some(topic)
        }
        Err(error) => {
            assert!(segments.is_none(), "refused {text:?}: {error}");
            assert!(breaks(text, &error), "{text:?} does not break {error:?}");
            None
        }
    }
}

/// Parses `text` as a pattern and checks the answer against the syntax.
fn check_pattern(text: &str) -> Option<TopicPattern> {
    let parsed = TopicPattern::parse(text);
    let named = topic_syntax::pattern(text);
    let (pattern, named) = match (parsed, named) {
        (Ok(pattern), Some(named)) => (pattern, named),
        (Err(error), None) => {
            let misplaced = match text.rsplit_once('/') {
                Some((init, last)) => init.contains('*') || (last.contains('*') && last != "*"),
                None => text.contains('*') && text != "*",
            };
            match &error {
                TopicPatternError::MisplacedWildcard => assert!(misplaced, "{text:?}"),
                TopicPatternError::Topic(cause) => {
                    assert!(!misplaced, "{text:?}: {error}");
                    let topic = text.strip_suffix("/*").unwrap_or(text);
                    assert!(breaks(topic, cause), "{text:?} does not break {cause:?}");
                }
            }
            return None;
        }
        (parsed, named) => panic!("{text:?} parses as {parsed:?}, reads as {named:?}"),
    };
    let same = match (&pattern, &named) {
        (TopicPattern::Exact(topic), Named::Topic(expected))
        | (TopicPattern::Under(topic), Named::Under(expected)) => {
            topic.as_str().split('/').eq(expected.iter().copied())
        }
        (TopicPattern::All, Named::All) => true,
        _ => false,
    };
    assert!(same, "{text:?} parses as {pattern:?}, reads as {named:?}");
    assert_eq!(pattern.to_string(), text);
    let json = serde_json::to_string(&pattern).expect("a pattern serializes");
    assert_eq!(
        serde_json::from_str::<TopicPattern>(&json).ok().as_ref(),
        Some(&pattern)
    );
    Some(pattern)
}

/// Whether `text` really breaks the rule `error` names.
fn breaks(text: &str, error: &TopicError) -> bool {
    match error {
        TopicError::Empty => text.is_empty(),
        TopicError::TooLong { len } => *len == text.len() && *len > topic_syntax::MAX_LEN,
        TopicError::EmptySegment => text.split('/').any(str::is_empty),
        TopicError::DotSegment(segment) => {
            matches!(segment.as_str(), "." | "..") && text.split('/').any(|s| s == segment)
        }
        TopicError::InvalidChar(character) => {
            text.contains(*character)
                && !(character.is_ascii_alphanumeric()
                    || matches!(character, '_' | '-' | '.' | '/'))
        }
    }
}

/// The topics that tell patterns apart: each pattern's own topic, its
/// parents, and children of it, the `given` one, and two one-segment names.
fn witnesses(patterns: &[TopicPattern], given: Option<Topic>) -> Vec<Topic> {
    let mut names = vec!["x".to_owned(), "y".to_owned()];
    for pattern in patterns {
        if let TopicPattern::Exact(topic) | TopicPattern::Under(topic) = pattern {
            let name = topic.as_str();
            names.extend(
                name.match_indices('/')
                    .map(|(end, _)| name[..end].to_owned()),
            );
            names.extend([name.to_owned(), format!("{name}/x"), format!("{name}/y")]);
        }
    }
    let mut topics: Vec<Topic> = names.iter().filter_map(|name| check_topic(name)).collect();
    topics.extend(given);
    topics
}

/// `matches` agrees with the syntax's reading, and `prefix` begins every
/// match.
fn check_matching(pattern: &TopicPattern, topics: &[Topic]) {
    let text = pattern.to_string();
    let named = topic_syntax::pattern(&text).expect("checked in check_pattern");
    let prefix = pattern.prefix();
    for topic in topics {
        let segments: Vec<&str> = topic.as_str().split('/').collect();
        let matches = pattern.matches(topic);
        assert_eq!(
            matches,
            topic_syntax::matches(&named, &segments),
            "{text} on {topic}"
        );
        if let (true, Some(prefix)) = (matches, &prefix) {
            assert!(
                topic.as_str().starts_with(prefix.as_str()),
                "{text} on {topic}"
            );
        }
    }
    assert_eq!(prefix.is_none(), matches!(pattern, TopicPattern::Exact(_)));
}

/// `wide.covers(narrow)` and their overlap agree with matching on `topics`.
fn check_pair(wide: &TopicPattern, narrow: &TopicPattern, topics: &[Topic]) {
    let covers = wide.covers(narrow);
    let overlap = wide.overlap(narrow);
    for topic in topics {
        let (in_wide, in_narrow) = (wide.matches(topic), narrow.matches(topic));
        if covers {
            assert!(
                !in_narrow || in_wide,
                "{wide} covers {narrow} but not {topic}"
            );
        }
        let in_overlap = overlap.as_ref().is_some_and(|both| both.matches(topic));
        assert_eq!(
            in_overlap,
            in_wide && in_narrow,
            "overlap of {wide} and {narrow} ({overlap:?}) on {topic}"
        );
    }
    // A pattern that is not covered has a topic to show it, whenever it
    // matches any: its own, a child of its prefix, or `x` or `y`.
    if !covers && topics.iter().any(|topic| narrow.matches(topic)) {
        assert!(
            topics
                .iter()
                .any(|topic| narrow.matches(topic) && !wide.matches(topic)),
            "{wide} does not cover {narrow}, yet matches all of it"
        );
    }
}
