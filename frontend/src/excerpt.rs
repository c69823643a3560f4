//! How much of a publisher's text the page shows: the start of it, cut to
//! a bound, and the size of the whole, so a reader sees that a text was cut
//! and by how much.
//!
//! A publisher controls every string of an event (a chat message's author
//! and text, a notice, a `json` value), up to the hub's `--max-body`
//! (64 KiB by default). Drawn whole, a few such events make the list slow to
//! lay out and the panels unreadable; the page shows an [`Excerpt`] of each
//! instead, and its filter searches what it shows. The rules are plain Rust
//! with native tests; [`crate::components::clipped`] draws them.

use std::io;

use crate::format;

/// The most characters of a chat message's or a notice's text the page
/// shows. A human-written line is far shorter; a thousand characters fill
/// about a dozen lines of the feed's width, enough to recognise a
/// machine-written one, and keep 200 of them a cheap list to lay out.
pub const TEXT_CHARS: usize = 1_000;

/// The most characters of a notice's text its banner shows. Banners stack
/// in the narrow side column, where a thousand characters stand taller than
/// the screen; a banner is a headline, and the feed line below shows up to
/// [`TEXT_CHARS`] of the same notice.
pub const BANNER_CHARS: usize = 200;

/// The most lines of any text the page shows: chat messages keep their
/// line breaks, so a thousand characters could otherwise be a thousand
/// empty lines, a feed item taller than the screen.
pub const TEXT_LINES: usize = 20;

/// The most characters of a name (a chat message's author) the page shows:
/// names sit beside the text on one line, and no person's is this long.
pub const NAME_CHARS: usize = 64;

/// The most bytes of a `json` value, pretty-printed, the page shows: about
/// 250 short lines, more than anyone reads in a feed line, and small enough
/// that printing stops early for a large value instead of printing it all.
pub const JSON_BYTES: usize = 8 * 1024;

/// The start of a text, at most a number of characters long, and the size
/// of the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excerpt<'a> {
    shown: &'a str,
    total_bytes: usize,
}

impl<'a> Excerpt<'a> {
    /// The first `max_chars` characters of `text`, and no more than
    /// [`TEXT_LINES`] lines (all of it when shorter). Finding the cut reads
    /// at most `max_chars` characters, whatever the length of `text`.
    pub fn new(text: &'a str, max_chars: usize) -> Self {
        let mut end = text.len();
        let mut breaks = 0;
        for (count, (index, character)) in text.char_indices().enumerate() {
            if character == '\n' {
                breaks += 1;
            }
            if count == max_chars || breaks == TEXT_LINES {
                end = index;
                break;
            }
        }
        Self {
            // `end` is a character boundary of `text`, so `get` never fails.
            shown: text.get(..end).unwrap_or(text),
            total_bytes: text.len(),
        }
    }

    /// What is shown.
    pub fn shown(&self) -> &'a str {
        self.shown
    }

    /// Whether the text was cut.
    pub fn is_cut(&self) -> bool {
        self.shown.len() < self.total_bytes
    }

    /// The size of the whole text, in UTF-8 bytes.
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// What follows a cut text: `… (60.0 KiB in all)`; `None` when whole.
    pub fn note(&self) -> Option<String> {
        self.is_cut()
            .then(|| format!("… ({} in all)", format::bytes(self.total_bytes as u64)))
    }
}

/// `value` pretty-printed, stopping after `max_bytes` bytes (at a character
/// boundary), and whether it stopped early.
///
/// Printing stops at the bound rather than printing everything and cutting
/// after, so a large value costs only what is shown.
pub fn pretty_json(value: &serde_json::Value, max_bytes: usize) -> (String, bool) {
    let mut writer = BoundedWriter {
        bytes: Vec::new(),
        max_bytes,
        full: false,
    };
    // The only error is the writer's own, when it is full.
    let _ = serde_json::to_writer_pretty(&mut writer, value);
    let BoundedWriter { bytes, full, .. } = writer;
    let text = String::from_utf8(bytes).unwrap_or_else(|error| {
        // The bound fell inside a character: keep what precedes it.
        let valid = error.utf8_error().valid_up_to();
        let mut bytes = error.into_bytes();
        bytes.truncate(valid);
        String::from_utf8(bytes).unwrap_or_default()
    });
    (text, full)
}

/// A writer that takes up to `max_bytes` and then refuses, which stops
/// serde's printing.
struct BoundedWriter {
    bytes: Vec<u8>,
    max_bytes: usize,
    full: bool,
}

impl io::Write for BoundedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.max_bytes.saturating_sub(self.bytes.len());
        if room == 0 && !buf.is_empty() {
            self.full = true;
            return Err(io::Error::other("the excerpt is full"));
        }
        let taken = buf.len().min(room);
        self.bytes
            .extend_from_slice(buf.get(..taken).unwrap_or_default());
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_short_text_is_shown_whole() {
        let excerpt = Excerpt::new("hello", 5);
        assert_eq!(excerpt.shown(), "hello");
        assert!(!excerpt.is_cut());
        assert_eq!(excerpt.note(), None);
    }

    #[test]
    fn a_long_text_is_cut_at_a_character_with_its_full_size() {
        let text = "é".repeat(30 * 1024);
        let excerpt = Excerpt::new(&text, 3);
        assert_eq!(excerpt.shown(), "ééé");
        assert!(excerpt.is_cut());
        assert_eq!(excerpt.total_bytes(), 60 * 1024);
        assert_eq!(excerpt.note().as_deref(), Some("… (60.0 KiB in all)"));
        assert_eq!(Excerpt::new("", 0).shown(), "");
        assert!(Excerpt::new("a", 0).is_cut());
    }

    #[test]
    fn a_text_of_many_lines_is_cut_after_the_last_line_shown() {
        let text = "line\n".repeat(1_000);
        let excerpt = Excerpt::new(&text, TEXT_CHARS);
        assert_eq!(excerpt.shown(), "line\n".repeat(TEXT_LINES).trim_end());
        assert!(excerpt.is_cut());
        let few = "a\nb\nc";
        assert_eq!(Excerpt::new(few, TEXT_CHARS).shown(), few);
    }

    #[test]
    fn a_small_value_prints_whole() {
        let (text, cut) = pretty_json(&json!({ "order": 17 }), JSON_BYTES);
        assert_eq!(text, "{\n  \"order\": 17\n}");
        assert!(!cut);
    }

    #[test]
    fn a_large_value_stops_printing_at_the_bound() {
        let value = json!({ "items": vec!["é"; 100_000] });
        let (text, cut) = pretty_json(&value, 1001);
        assert!(cut);
        assert!(text.len() <= 1001 && text.len() >= 999, "{}", text.len());
        assert!(text.starts_with("{\n  \"items\": [\n    \"é\","));
        let (text, cut) = pretty_json(&json!("x".repeat(5000)), 100);
        assert!(cut);
        assert_eq!(text.len(), 100);
    }
}
