//! Headless Chromium driven over WebDriver (fantoccini), through a
//! chromedriver this process starts on a free port and always stops.
//!
//! Chromium runs with the flags the machines need: no sandbox (tests run as
//! root), no GPU, and no background networking, component updates or sync:
//! without those it keeps trying to reach outside hosts, which this closed
//! network refuses. Each browser gets a fresh profile directory.

use std::{
    env,
    fs::{self, File},
    io::{Read, Write},
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, bail, ensure};
use fantoccini::{Client, ClientBuilder, wd::Capabilities};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::time;

/// Debian's chromedriver, from the `chromium-driver` package.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMIUM_FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Containers often have a tiny /dev/shm, where Chromium's renderers
    // would crash.
    "--disable-dev-shm-usage",
    // A fixed size, so that the screenshot looks the same on every machine.
    "--window-size=1280,800",
];
/// chromedriver answers `/status` within a second here; this only bounds a
/// broken start.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// chromedriver quits Chromium and exits within a second after `/shutdown`.
const DRIVER_EXIT_TIMEOUT: Duration = Duration::from_secs(5);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A WebDriver session in headless Chromium.
///
/// Call [`Browser::close`] at the end. If a test fails or panics before,
/// dropping the browser still stops chromedriver and Chromium.
pub struct Browser {
    client: Client,
    // Dropped after `client`: the driver must outlive the session.
    driver: Chromedriver,
}

impl Browser {
    /// Starts chromedriver and opens a session in a fresh Chromium.
    /// chromedriver's log goes to `target/e2e/{name}.chromedriver.log`, so
    /// that tests running at once keep separate logs.
    ///
    /// # Errors
    /// Fails, saying how to install it, when chromedriver is missing; or when
    /// chromedriver or Chromium do not start.
    pub async fn start(name: &str) -> anyhow::Result<Self> {
        let driver = Chromedriver::start(name).await?;
        let mut flags: Vec<String> = CHROMIUM_FLAGS.iter().map(|&flag| flag.to_owned()).collect();
        flags.push(format!("--user-data-dir={}", driver.profile.display()));
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".to_owned(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": CHROMIUM, "args": flags }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .with_context(|| {
                format!(
                    "chromedriver could not start {CHROMIUM}; see {}",
                    driver.log.display()
                )
            })?;
        Ok(Self { client, driver })
    }

    /// The WebDriver session.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Saves a PNG screenshot of the page to `path`.
    ///
    /// # Errors
    /// Fails when the browser cannot take it or the file cannot be written.
    pub async fn save_screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let png = self
            .client
            .screenshot()
            .await
            .context("Chromium did not take a screenshot")?;
        fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Ends the session, which quits Chromium, then stops chromedriver.
    ///
    /// # Errors
    /// Fails when chromedriver does not end the session.
    pub async fn close(self) -> anyhow::Result<()> {
        let Self { client, driver } = self;
        client
            .close()
            .await
            .context("chromedriver did not end the session")?;
        drop(driver);
        Ok(())
    }
}

/// A chromedriver process, stopped with its browsers when dropped, and the
/// Chromium profile directory, removed when dropped.
struct Chromedriver {
    process: Child,
    port: u16,
    url: String,
    profile: PathBuf,
    log: PathBuf,
}

impl Chromedriver {
    async fn start(name: &str) -> anyhow::Result<Self> {
        ensure!(
            fs::metadata(CHROMEDRIVER).is_ok(),
            "{CHROMEDRIVER} is missing: run `cargo xtask test` (or `cargo xtask setup`), \
             which installs Debian's chromium and chromium-driver"
        );
        let port = free_port()?;
        let log = crate::artifact(&format!("{name}.chromedriver.log"))?;
        let output =
            File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let errors = output
            .try_clone()
            .with_context(|| format!("cannot share {}", log.display()))?;
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .with_context(|| format!("cannot start {CHROMEDRIVER}"))?;
        // The guard exists from here on, so every early return below kills
        // the process.
        let mut driver = Self {
            process,
            port,
            url: format!("http://127.0.0.1:{port}"),
            profile: fresh_profile_dir(),
            log,
        };
        driver.wait_until_ready().await?;
        Ok(driver)
    }

    /// Polls `GET /status` until chromedriver says it is ready.
    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let status_url = format!("{}/status", self.url);
        let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
        loop {
            if let Some(status) = self
                .process
                .try_wait()
                .context("cannot watch chromedriver")?
            {
                bail!(
                    "chromedriver exited ({status}) before it was ready; see {}",
                    self.log.display()
                );
            }
            if is_ready(&http, &status_url).await {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "chromedriver did not answer {status_url} within {} s; see {}",
                    DRIVER_READY_TIMEOUT.as_secs(),
                    self.log.display()
                );
            }
            time::sleep(POLL_INTERVAL).await;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Killing chromedriver alone would orphan Chromium, its child, which
        // then keeps running; `/shutdown` makes chromedriver quit every
        // browser it started and exit. Kill it only if that fails.
        request_shutdown(self.port);
        let deadline = Instant::now() + DRIVER_EXIT_TIMEOUT;
        while matches!(self.process.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(POLL_INTERVAL);
        }
        // Errors are ignored: the process may have exited already, and a
        // leftover temp directory is harmless.
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = fs::remove_dir_all(&self.profile);
    }
}

/// `GET /shutdown` in plain blocking HTTP, since `Drop` cannot await.
fn request_shutdown(port: u16) {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return;
    };
    let request = format!("GET /shutdown HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let mut response = Vec::new();
    // The answer does not matter, only that chromedriver read the request.
    let _ = stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .and_then(|()| stream.read_to_end(&mut response));
}

/// Whether chromedriver's `/status` reports `"ready": true`.
async fn is_ready(http: &reqwest::Client, status_url: &str) -> bool {
    let Ok(response) = http
        .get(status_url)
        .timeout(Duration::from_secs(1))
        .send()
        .await
    else {
        return false;
    };
    let Ok(status) = response.json::<serde_json::Value>().await else {
        return false;
    };
    status["value"]["ready"] == json!(true)
}

/// A port nothing listens on right now. Another process could take it before
/// chromedriver binds it; chromedriver then exits and the test says so.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .context("cannot bind an ephemeral port for chromedriver")?;
    Ok(listener
        .local_addr()
        .context("ephemeral listener has no address")?
        .port())
}

/// A profile directory no other Chromium uses: named after this process and
/// the time, created by Chromium itself.
fn fresh_profile_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    env::temp_dir().join(format!(
        "herald-e2e-chromium-{}-{nanos}",
        std::process::id()
    ))
}
