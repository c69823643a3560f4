//! Herald's repository chores, run as `cargo xtask <command>` (the alias lives
//! in `.cargo/config.toml`), so a newcomer needs nothing but cargo and npm.
//!
//! Layout:
//! - [`setup`]: installs the tools (wasm target, wasm-bindgen, wasm-opt;
//!   for the tests also Chromium, the npm packages and the Python tools
//!   they run; for CI trunk, cargo-deny and the fuzzing tools), each only
//!   when missing, beside each other.
//! - [`tools`]: where the installed tools live, and the `PATH` that finds
//!   them.
//! - [`step`]: runs one named command from the repository root with the
//!   installed tools first on `PATH`, and names it when it fails.
//! - [`serve`]: `cargo xtask run`, the page and the hub in release, the
//!   page built into the hub.
//! - [`dist`]: `cargo xtask dist`, the release binary (static with
//!   `--target x86_64-unknown-linux-musl`) and its SHA-256.
//! - [`image`]: `cargo xtask image`, the OCI image of the static binary,
//!   unpacked and run to check it.
//! - [`page`]: `cargo xtask page`, a page's `index.html` built as trunk
//!   builds it, with wasm-bindgen and wasm-opt and without trunk.
//! - [`check`]: `cargo xtask test` and `cargo xtask ci`, every test and lint.
//! - [`contract`]: `cargo xtask contract`, which writes `docs/api` from the
//!   code, and the TypeScript of its events (`backend/client/events.d.ts`).
//! - [`cycles`]: `cargo xtask cycles`, which fails on modules of a crate
//!   that depend on each other.
//! - [`fuzz`]: `cargo xtask fuzz`, a bounded run of every fuzz target.
//! - [`tally`]: counts the tests those ran, for one closing line.
//! - [`bench`](mod@bench): `cargo xtask bench`, Herald against three
//!   baselines under the load tool, into `docs/bench.*`.
//!
//! The crate uses std and anyhow only: it is the first thing a fresh clone
//! compiles, so it must build in seconds.

mod bench;
mod check;
mod contract;
mod cycles;
mod dist;
mod fuzz;
mod image;
mod page;
mod serve;
mod setup;
mod step;
mod tally;
mod tools;

use std::{env, process::ExitCode};

use anyhow::bail;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run     install what running needs (wasm target, wasm-bindgen, wasm-opt)
          when missing, build the page and the hub in release, and
          start the hub on http://127.0.0.1:3000 ($HERALD_ADDR) until Ctrl-C;
          it logs the URL to open once it listens; the page is built into
          the binary
  shop    install what the page needs, build the example shop's page
          (examples/shop) and run its server on http://127.0.0.1:3001
          ($SHOP_ADDR) until Ctrl-C: an app's own events, typed from its
          axum backend to its yew page
  dist [--target TRIPLE]
          install what building needs when missing, build the page and the
          hub with whole-program LTO, the page inside, for the host or TRIPLE
          (x86_64-unknown-linux-musl: a static binary for any x86-64 Linux),
          copy it to target/artifacts/herald-VERSION-TRIPLE with its SHA-256
          beside it, and print its path and size: one file to copy to a
          server
  page [shop]
          install what building the page needs (wasm target, wasm-bindgen,
          wasm-opt) when missing and build it from index.html into dist/ (the
          example shop's: examples/shop/dist), as trunk would, without trunk
  image   build the static binary (as `dist --target
          x86_64-unknown-linux-musl`) and the OCI image around it, FROM
          scratch, run as user 65532, with buildah (installed when missing),
          into target/artifacts/herald-VERSION-oci.tar; then unpack it as a
          runtime would (umoci) and run it from there: it must print its
          version, answer /healthz and serve the page
  test    install what is missing, build the pages, and run every test: the
          host tests (with the browser end to end) and the wasm tests in
          headless Chromium
  setup   only install what is missing (wasm target, wasm-bindgen, wasm-opt,
          Chromium and chromedriver, the npm packages of e2e/node,
          e2e/typescript and the Node example, the Python tools of
          e2e/python, and for CI trunk, cargo-deny, the fuzzing nightly and
          cargo-fuzz) and fetch the crates
  ci      what `test` runs, with the formatting check and `cycles` first,
          then the dependency checks (cargo-deny: bans, licenses, sources),
          clippy (host and wasm), rustdoc (warnings denied), a dry run of
          publishing each crate people depend on, and the page built by trunk
          before the tests, and every fuzz target for 20 s after them
  contract
          write the `herald` binary's OpenAPI document and event schema
          (docs/api) as the code generates them, and the TypeScript of its
          events (backend/client/events.d.ts) from that schema, for review;
          a test fails while the committed files differ
  cycles  read every crate's module tree and the paths its modules write
          (use trees, super::, crate::) and print each cycle among sibling
          modules as `crate: a -> b -> a`, with the paths behind it; fails
          if there is any. Also lists modules that use an ancestor's private
          names while that ancestor uses them (does not fail on those)
  fuzz [--seconds N]
          install the fuzzing nightly and cargo-fuzz when missing, test the
          fuzz oracles, then run every fuzz target in backend/fuzz for N
          seconds each (default 20); fails naming the target that crashed
  bench [--rates 200,500] [--streams 1000] [--seconds 20] [--rounds 1]
        [--idle-streams 10000] [--servers herald,bench-raw,bench-naive,nchan]
          install nginx-light and libnginx-mod-nchan when missing, build in
          release, then start each server in turn on a free loopback port and
          run the load tool against it (`herald-load fanout` at each rate,
          each round, then `idle`); writes docs/bench.json (the results),
          docs/bench.md (the table) and docs/bench.svg (latency against
          delivery rate)";

/// Prints a failure as one line of causes, without the backtrace anyhow
/// would add under `RUST_BACKTRACE=1`: the step name says where to look.
fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What `main` runs, returning the failure for it to print: hands the
/// command to its module's entry point.
fn try_main() -> anyhow::Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["run"] => serve::run(),
        ["dist", options @ ..] => dist::run(options),
        ["image", options @ ..] => image::run(options),
        ["page", page @ ..] => {
            let page = page::Page::named(page)?;
            setup::install(setup::Scope::Run)?;
            page::build(page)
        }
        ["shop"] => serve::shop(),
        ["test"] => check::test(),
        ["setup"] => setup::install(setup::Scope::Ci),
        ["ci"] => check::ci(),
        ["cycles"] => cycles::run(),
        ["contract"] => contract::write(),
        ["fuzz", options @ ..] => fuzz::run(options),
        ["bench", options @ ..] => bench::run(options),
        ["help" | "-h" | "--help"] => {
            eprintln!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown arguments {args:?}\n\n{USAGE}"),
    }
}
