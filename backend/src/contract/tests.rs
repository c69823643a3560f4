//! The committed contract is what the code generates.

use std::path::PathBuf;

use herald_dashboard_events::Payload;

use super::*;
use crate::config::Config;

/// Set to rewrite the committed files instead of comparing
/// (`cargo xtask contract`).
const WRITE: &str = "HERALD_WRITE_CONTRACT";

fn committed(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/api")
        .join(name)
}

/// The `herald` binary's contract with its default flags.
fn generated() -> [(&'static str, String); 2] {
    let config = Config::from_flags::<&str>([]).unwrap();
    [
        (
            "openapi.json",
            to_text(&openapi::<Payload>(Bounds::of(&config), Mount::Server)),
        ),
        ("events.schema.json", to_text(&event_schema::<Payload>())),
    ]
}

#[test]
fn the_committed_contract_is_what_the_code_generates() {
    for (name, text) in generated() {
        let path = committed(name);
        if std::env::var_os(WRITE).is_some() {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == text,
            "{} is not what the code generates: run `cargo xtask contract` and review the change",
            path.display()
        );
    }
}

#[test]
fn a_description_is_the_prose_of_a_doc_comment_without_its_links() {
    assert_eq!(
        plain("One [`Event`](crate::Event) per [`Topic`].\n\n# Examples\n\n```\ncode\n```"),
        "One `Event` per `Topic`."
    );
    assert_eq!(plain("No links, no sections."), "No links, no sections.");
    assert_eq!(plain("An unclosed [`link"), "An unclosed [`link");
}

/// The largest `f32` as serde writes it is within the bound the document
/// states, so a hub's own reply never breaks its own schema.
#[test]
fn a_float_fields_bound_holds_the_largest_float_as_written() {
    let written: f64 = serde_json::to_string(&f32::MAX).unwrap().parse().unwrap();
    let mut schema = schemars::json_schema!({ "type": "number", "format": "float" });
    numeric_bounds(&mut schema);
    assert_eq!(schema.get("maximum").and_then(Value::as_f64), Some(written));
    assert_eq!(
        schema.get("minimum").and_then(Value::as_f64),
        Some(-written)
    );
}
