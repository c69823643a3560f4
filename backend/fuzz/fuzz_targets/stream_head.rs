//! Any first bytes of a plain HTTP/1.1 connection, as the hub reads them
//! to tell a stream request (written without hyper) from anything else.
//! Half the inputs start with the stream's request line, so the fuzzer
//! explores the head after it rather than guessing the path.
#![no_main]

libfuzzer_sys::fuzz_target!(|input: (bool, &[u8])| {
    let (prefixed, rest) = input;
    if prefixed {
        let mut head = format!("GET {}", herald_wire::protocol::EVENTS_PATH).into_bytes();
        head.extend_from_slice(rest);
        herald_hub::fuzzing::stream_head(&head);
    } else {
        herald_hub::fuzzing::stream_head(rest);
    }
});
