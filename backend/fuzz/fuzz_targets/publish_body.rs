//! Any bytes as a publish body: the decoder never panics, and what it
//! accepts is published as one line of JSON that decodes to the same event.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| herald_hub::fuzzing::publish_body(body));
