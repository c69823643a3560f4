//! `cargo xtask run`: build the page and the hub in release, start the hub,
//! say where to point a browser, and keep serving until Ctrl-C.
//!
//! The last step replaces this process with `cargo run`, which in turn
//! replaces itself with the hub, rather than spawning the hub and waiting for
//! it. std cannot catch signals, so a waiting parent would die on Ctrl-C or
//! SIGTERM before its child; on SIGTERM, which reaches only the parent, the
//! hub would be left holding the port. After the exec, the process the user
//! started *is* the hub: it gets every signal and shuts down gracefully, and
//! its exit status is the command's. Waiting for `/healthz` is left to a
//! small helper process, this binary again under [`ANNOUNCE`]. Linux only, like
//! Herald's machines: the helper watches the hub through `/proc`.

use std::{
    env,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::Path,
    process::{self, Command},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{
    setup,
    step::{self, Step},
};

/// The hidden subcommand of the helper that waits for the hub to answer.
pub(crate) const ANNOUNCE: &str = "__announce-when-healthy";

/// Where the hub listens unless `HERALD_ADDR` says otherwise.
const DEFAULT_ADDRESS: &str = "127.0.0.1:3000";
/// The hub is already built when it starts, so it should answer at once;
/// this only bounds the wait when something is wrong.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Runs `cargo xtask run`; returns only on failure.
///
/// # Errors
/// Names the step that failed, or says the port is taken.
pub(crate) fn run() -> anyhow::Result<()> {
    setup::run()?;
    // The hub reads `HERALD_ADDR` too, so the port check and the announced
    // URL follow it.
    let address = env::var("HERALD_ADDR").unwrap_or_else(|_| DEFAULT_ADDRESS.to_owned());
    // Checked before building: with the port taken, the helper would find
    // the other server's `/healthz` and announce the wrong program.
    if let Err(error) = TcpListener::bind(&address) {
        bail!("cannot listen on {address} ({error}): is Herald already running? Stop it first");
    }
    step::run_all(vec![
        Step::build_page()?,
        Step::cargo("build the hub", ["build", "--release", "-p", "backend"])?,
    ])?;

    let this = env::current_exe().context("cannot find the xtask binary")?;
    // `sh` starts the helper in the background and exits at once, so the
    // helper is not our child: the hub, which this process becomes, never
    // reaps children, and the helper would linger as a zombie. The exec keeps
    // this process id, so the helper watches it to learn that the hub exited.
    let started = Command::new("sh")
        .args(["-c", r#""$0" "$1" "$2" "$3" &"#])
        .arg(this)
        .args([ANNOUNCE, &address, &process::id().to_string()])
        .status()
        .context("cannot start the helper that waits for the hub")?;
    if !started.success() {
        bail!("cannot start the helper that waits for the hub ({started})");
    }
    // Already built above, so cargo starts the hub at once.
    Err(Step::cargo(
        "run the hub",
        ["run", "--release", "-p", "backend", "--", "serve"],
    )?
    .exec())
}

/// The helper: polls `GET /healthz` on `address` until it answers 200, then
/// prints the URL to open.
///
/// It gives up quietly when the hub (process `hub`) exits, since the hub then
/// says why itself, and with an error after [`READY_TIMEOUT`].
///
/// # Errors
/// `address` or `hub` do not parse, or the hub never answered.
pub(crate) fn announce(address: &str, hub: &str) -> anyhow::Result<()> {
    let address: SocketAddr = address
        .parse()
        .with_context(|| format!("{address:?} is not an address"))?;
    let hub: u32 = hub
        .parse()
        .with_context(|| format!("{hub:?} is not a process id"))?;
    let hub_alive = || Path::new(&format!("/proc/{hub}")).exists();
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if is_healthy(address) {
            eprintln!("\nHerald is up: open http://{address}/ (Ctrl-C stops it)\n");
            return Ok(());
        }
        if !hub_alive() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "the hub did not answer GET http://{address}/healthz within {} s",
                READY_TIMEOUT.as_secs()
            );
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// One plain HTTP/1.1 request, enough for a status line without pulling an
/// HTTP client into the xtask.
fn is_healthy(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let mut response = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .and_then(|()| stream.read_to_end(&mut response))
        .is_ok_and(|_| response.starts_with(b"HTTP/1.1 200"))
}
