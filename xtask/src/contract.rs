//! `cargo xtask contract`: writes the `herald` binary's contract as the code
//! generates it (`docs/api/openapi.json`, `docs/api/events.schema.json`), so
//! a change to a route, a parameter, a refusal or an event type shows in
//! review as a change to those files; then the TypeScript types of its
//! events that pages use (`backend/client/events.d.ts`), generated from the
//! new schema.
//!
//! The hub's own test writes them when asked: it is the one place that
//! generates the contract and compares it with the committed copy, so the
//! two cannot disagree on what "generated" means. `events.d.ts` is written
//! by the npm script the e2e test compares it with (`e2e/typescript`), its
//! packages installed first if they are missing.

use crate::setup;
use crate::step::Step;

/// What the hub's test reads to write the files instead of comparing.
const WRITE: &str = "HERALD_WRITE_CONTRACT";

/// Regenerates the committed contract.
///
/// # Errors
/// Names the step that failed.
pub(crate) fn write() -> anyhow::Result<()> {
    Step::cargo(
        "write docs/api from the code",
        [
            "test",
            "-p",
            "herald-hub",
            "--lib",
            "--",
            "contract::tests::the_committed_contract_is_what_the_code_generates",
            "--exact",
        ],
    )?
    .env(WRITE, "1")
    .run()?;
    setup::npm_projects()?;
    Step::new(
        "write backend/client/events.d.ts from docs/api",
        "npm",
        ["run", "events", "--prefix", "e2e/typescript"],
    )?
    .run()?;
    eprintln!(
        "docs/api and backend/client/events.d.ts are what the code generates; review and \
         commit the change"
    );
    Ok(())
}
