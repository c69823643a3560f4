//! The ledger of keys: a retry finds its first publish's ids, another
//! publish under a used key is told so, and the keys are bounded.

use super::*;

fn once(key: &str, body: &str) -> Once {
    let topic = Topic::parse("t").unwrap();
    Once {
        key: IdempotencyKey(Arc::from(key)),
        fingerprint: Fingerprint::of(&topic, body.as_bytes()),
    }
}

fn ids(n: u64) -> Vec<EventId> {
    vec![EventId::new(1, n)]
}

#[test]
fn a_retry_gets_the_first_ids_and_another_publish_is_refused() {
    let ledger = Arc::new(Ledger::new(Duration::from_secs(60), 10));
    let Begin::Fresh(claim) = ledger.begin(&once("k", "a")) else {
        panic!("a new key is fresh");
    };
    assert!(matches!(ledger.begin(&once("k", "a")), Begin::InFlight));
    claim.finish(&ids(7));
    assert!(matches!(ledger.begin(&once("k", "a")), Begin::Stored(stored) if stored == ids(7)));
    assert!(matches!(ledger.begin(&once("k", "b")), Begin::Reused));
}

#[test]
fn a_failed_publish_frees_its_key() {
    let ledger = Arc::new(Ledger::new(Duration::from_secs(60), 10));
    let Begin::Fresh(claim) = ledger.begin(&once("k", "a")) else {
        panic!("a new key is fresh");
    };
    drop(claim);
    assert!(matches!(ledger.begin(&once("k", "a")), Begin::Fresh(_)));
}

#[test]
fn a_flood_of_keys_keeps_only_the_newest() {
    let ledger = Arc::new(Ledger::new(Duration::from_secs(60), 100));
    for n in 0..10_000 {
        match ledger.begin(&once(&format!("key-{n}"), "a")) {
            Begin::Fresh(claim) if n % 2 == 0 => claim.finish(&ids(n)),
            // Half of them fail, leaving stale places behind.
            Begin::Fresh(claim) => drop(claim),
            _ => panic!("every key is new"),
        }
        assert!(ledger.len() <= 100);
        assert!(ledger.lock().order.len() <= 200);
    }
    assert!(matches!(
        ledger.begin(&once("key-9998", "a")),
        Begin::Stored(_)
    ));
    assert!(matches!(ledger.begin(&once("key-0", "a")), Begin::Fresh(_)));
}

#[test]
fn keys_are_forgotten_after_the_window() {
    let window = Duration::from_millis(20);
    let ledger = Arc::new(Ledger::new(window, 10));
    let first = Instant::now();
    if let Begin::Fresh(claim) = ledger.begin(&once("k", "a")) {
        claim.finish(&ids(1));
    }
    // Another publish under the key is refused until the window passed.
    loop {
        let asked = Instant::now();
        match ledger.begin(&once("k", "b")) {
            Begin::Reused => {
                assert!(asked.duration_since(first) <= window + Duration::from_secs(5))
            }
            Begin::Fresh(_) => {
                assert!(Instant::now().duration_since(first) >= window);
                break;
            }
            _ => panic!("the key is stored or forgotten"),
        }
        std::thread::yield_now();
    }
}

#[test]
fn a_key_is_one_value_of_visible_ascii() {
    let key = |values: &[&[u8]]| {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                IDEMPOTENCY_KEY_HEADER,
                axum::http::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        IdempotencyKey::of(&headers)
    };
    assert_eq!(key(&[]), Ok(None));
    assert_eq!(key(&[b"4b2a-9c1e"]).unwrap().unwrap().as_str(), "4b2a-9c1e");
    let long = vec![b'a'; MAX_KEY_BYTES + 1];
    for refused in [
        &[&b""[..]][..],
        &[b"a b"],
        &[b"\xc3\xa9"],
        &[&long[..]],
        &[b"a", b"a"],
    ] {
        assert_eq!(key(refused), Err(InvalidKey), "{refused:?}");
    }
}
