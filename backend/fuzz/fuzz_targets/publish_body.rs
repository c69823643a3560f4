//! Any bytes as a publish body, one event or a batch: the decoder never
//! panics, and what it accepts is published all at once, each event as one
//! line of JSON that decodes to it, in order, under consecutive ids.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| herald_hub::fuzzing::publish_body(body));
