//! Any query string and `Last-Event-ID` header on the read routes.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: (&str, &[u8])| {
    let (query, last_event_id) = input;
    herald_hub::fuzzing::read_request(query, last_event_id);
});
