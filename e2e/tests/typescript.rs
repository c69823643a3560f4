//! Herald's contract for TypeScript pages: the committed
//! `backend/client/events.d.ts` is what json-schema-to-typescript makes of
//! `docs/api/events.schema.json` today, and a page's use of herald.js
//! (`e2e/typescript/usage.ts`) compiles with `tsc --strict` against
//! herald.d.ts, events.d.ts and the client openapi-typescript generates
//! from `docs/api/openapi.json`, so the hand-written types agree with the
//! generated ones.

use std::{env, fs};

use anyhow::{Context, ensure};
use e2e::typescript::{self, Generated};

/// Set to rewrite the committed `events.d.ts` instead of comparing, as it
/// rewrites `docs/api` in the hub's contract test.
const WRITE: &str = "HERALD_WRITE_CONTRACT";

#[test]
fn the_committed_events_d_ts_is_what_the_generator_writes() -> anyhow::Result<()> {
    let version = typescript::installed(Generated::Events.package())?;
    let fresh = fs::read_to_string(typescript::generate(Generated::Events)?)
        .context("the generated events.d.ts")?;
    let committed = typescript::committed_events();
    if env::var_os(WRITE).is_some() {
        return fs::write(&committed, fresh)
            .with_context(|| format!("cannot write {}", committed.display()));
    }
    let on_disk = fs::read_to_string(&committed).unwrap_or_default();
    ensure!(
        on_disk == fresh,
        "{} is not what json-schema-to-typescript {version} writes from \
         docs/api/events.schema.json (see {}): run `npm run events --prefix e2e/typescript` \
         (or this test with {WRITE}=1) and review the change",
        committed.display(),
        Generated::Events.path()?.display()
    );
    Ok(())
}

#[test]
fn herald_d_ts_and_the_generated_openapi_client_compile_strictly() -> anyhow::Result<()> {
    let version = typescript::installed(Generated::OpenApi.package())?;
    typescript::generate(Generated::OpenApi)
        .with_context(|| format!("openapi-typescript {version}"))?;
    typescript::check()
}
