//! A `text/event-stream` parser written from the WHATWG HTML standard,
//! "Event stream interpretation"
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>):
//! what a browser's `EventSource` makes of the bytes, the oracle the
//! `sse_frame` target holds the hub's SSE encoder to.
//!
//! It shares no code with the hub nor with `eventsource-stream` (which the
//! hub's unit tests use), so a misreading of the spec in either is not
//! repeated here. It takes the whole stream at once: the `sse_frame`
//! target checks what the encoder writes, and the hub's own tests already
//! cut frames at every byte.

/// One event as the browser dispatches it to its listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatched {
    /// The event's type: the `event` field's value, or `message`.
    pub event: String,
    /// The `data` fields' values joined by LF.
    pub data: String,
    /// The event's `lastEventId`: the last valid `id` field so far in the
    /// stream, this event's or an earlier one's.
    pub last_event_id: String,
}

/// What a whole stream tells the browser.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The events dispatched, in order.
    pub events: Vec<Dispatched>,
    /// The reconnection time the last valid `retry` field set, in
    /// milliseconds. The spec bounds no integer; one beyond `u64` is
    /// ignored here (the hub writes `u64`s).
    pub retry: Option<u64>,
    /// The last event ID buffer when the stream ended: what the browser
    /// sends as `Last-Event-ID` when it reconnects.
    pub last_event_id: String,
}

/// Interprets `bytes` as a complete event stream.
///
/// The stream is decoded as UTF-8 (a malformed sequence becomes U+FFFD)
/// with one leading BOM dropped. A line ends at CRLF, LF or CR; a final
/// line without one, and an event without the blank line that dispatches
/// it, are discarded as the spec's end of file discards pending data.
pub fn parse(bytes: &[u8]) -> Stream {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut parser = Parser::default();
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        parser.line(&rest[..end]);
        let terminator = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + terminator..];
    }
    parser.stream.last_event_id = parser.last_event_id;
    parser.stream
}

#[derive(Default)]
struct Parser {
    stream: Stream,
    data: String,
    event_type: String,
    last_event_id: String,
}

impl Parser {
    fn line(&mut self, line: &str) {
        if line.is_empty() {
            self.dispatch();
        } else if line.starts_with(':') {
            // A comment.
        } else if let Some((field, value)) = line.split_once(':') {
            self.field(field, value.strip_prefix(' ').unwrap_or(value));
        } else {
            self.field(line, "");
        }
    }

    fn field(&mut self, field: &str, value: &str) {
        match field {
            "event" => value.clone_into(&mut self.event_type),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => value.clone_into(&mut self.last_event_id),
            "retry" if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) => {
                if let Ok(millis) = value.parse() {
                    self.stream.retry = Some(millis);
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self) {
        let data = std::mem::take(&mut self.data);
        let event_type = std::mem::take(&mut self.event_type);
        let Some(data) = data.strip_suffix('\n') else {
            // The data buffer is empty: no event.
            return;
        };
        self.stream.events.push(Dispatched {
            event: if event_type.is_empty() {
                "message".to_owned()
            } else {
                event_type
            },
            data: data.to_owned(),
            last_event_id: self.last_event_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event: &str, data: &str, last_event_id: &str) -> Dispatched {
        Dispatched {
            event: event.into(),
            data: data.into(),
            last_event_id: last_event_id.into(),
        }
    }

    #[test]
    fn the_specs_examples_parse_as_it_says() {
        // "data: YHOO\ndata: +2\ndata: 10\n\n": one message of three lines.
        let stream = parse(b"data: YHOO\ndata: +2\ndata: 10\n\n");
        assert_eq!(stream.events, [event("message", "YHOO\n+2\n10", "")]);

        // The comment, the id that persists, and the final event that is
        // never dispatched for want of a blank line.
        let stream = parse(b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n");
        assert_eq!(
            stream.events,
            [
                event("message", "first event", "1"),
                event("message", "second event", ""),
            ]
        );

        // An empty data field dispatches an empty event; a bare `data`
        // twice gives one LF.
        let stream = parse(b"data\n\ndata\ndata\n\ndata:\n");
        assert_eq!(
            stream.events,
            [event("message", "", ""), event("message", "\n", "")]
        );

        // Only the one space after the colon is removed.
        let stream = parse(b"data:test\n\ndata: test\n\n");
        assert_eq!(
            stream.events,
            [event("message", "test", ""), event("message", "test", "")]
        );
    }

    #[test]
    fn lines_end_at_crlf_lf_or_cr() {
        let stream = parse(b"data: a\r\ndata: b\rdata: c\n\r\nevent: x\rdata: d\r\r");
        assert_eq!(
            stream.events,
            [event("message", "a\nb\nc", ""), event("x", "d", "")]
        );
        // A CR at the very end ends the line; what no terminator ends is dropped.
        assert_eq!(parse(b"data: a\n\r").events, [event("message", "a", "")]);
        assert_eq!(parse(b"data: a\n").events, []);
        assert_eq!(parse(b"id: 7").last_event_id, "");
    }

    #[test]
    fn only_cr_and_lf_end_lines() {
        let stream = parse("data: a\u{2028}b\u{85}c\u{b}\u{c}\n\n".as_bytes());
        assert_eq!(
            stream.events,
            [event("message", "a\u{2028}b\u{85}c\u{b}\u{c}", "")]
        );
    }

    #[test]
    fn a_leading_bom_is_dropped_once() {
        let stream = parse(b"\xef\xbb\xbfdata: a\n\n\xef\xbb\xbfdata: b\n\n");
        assert_eq!(stream.events, [event("message", "a", "")]);
    }

    #[test]
    fn malformed_utf8_becomes_replacement_characters() {
        let stream = parse(b"data: \xff\xc3\n\n");
        assert_eq!(stream.events, [event("message", "\u{fffd}\u{fffd}", "")]);
    }

    #[test]
    fn the_event_type_resets_and_the_id_persists() {
        let stream = parse(b"event: a\nid: 1\n\nevent: b\n\ndata: x\n\nid\ndata: y\n\n");
        assert_eq!(
            stream.events,
            [event("message", "x", "1"), event("message", "y", "")]
        );
    }

    #[test]
    fn an_id_with_nul_is_ignored() {
        let stream = parse(b"id: 1\nid: 2\0\ndata: x\n\n");
        assert_eq!(stream.events, [event("message", "x", "1")]);
        assert_eq!(stream.last_event_id, "1");
    }

    #[test]
    fn retry_takes_digits_only() {
        assert_eq!(parse(b"retry: 1500\n").retry, Some(1500));
        for refused in [
            &b"retry: 15s\n"[..],
            b"retry: -1\n",
            b"retry:  15\n",
            b"retry:\n",
            b"retry: 1.5\n",
        ] {
            assert_eq!(parse(refused).retry, None, "{refused:?}");
        }
        assert_eq!(parse(b"retry: 10\nretry: x\n").retry, Some(10));
    }

    #[test]
    fn fields_split_at_the_first_colon_and_unknown_ones_are_ignored() {
        let stream = parse(b"data: a: b\nevent:c:d\nDATA: x\nfoo: y\n: data: z\n\n");
        assert_eq!(stream.events, [event("c:d", "a: b", "")]);
    }
}
