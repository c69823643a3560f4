//! Any text as an event id: an id it parses prints as text that parses
//! back to the same id.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| herald_hub::fuzzing::event_id(text));
