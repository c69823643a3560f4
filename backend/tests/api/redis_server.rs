//! Test fixtures for the cluster: a `redis-server` of the test's own on a
//! free port, and a TCP proxy in front of it that can cut or stall the
//! connection, to test faults for real.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use testkit::PATIENCE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A `redis-server` this test owns; dropping it kills the server and
/// removes its directory.
pub(crate) struct RedisServer {
    port: u16,
    dir: PathBuf,
    /// Whether it writes an append-only file, so a restart keeps its data.
    persistent: bool,
    child: Option<Child>,
}

impl RedisServer {
    /// A server that keeps nothing on disk, as a cache would be run.
    pub(crate) async fn start() -> Self {
        Self::launch(false).await
    }

    /// A server with an append-only file, so it keeps its data over a
    /// restart, as a cluster's Redis should be run.
    pub(crate) async fn start_persistent() -> Self {
        Self::launch(true).await
    }

    /// A server that keeps nothing on disk, on `port`.
    pub(crate) async fn start_on(port: u16) -> Self {
        let mut server = Self::at(port, false);
        assert!(server.run().await, "redis-server did not start on {port}");
        server
    }

    fn at(port: u16, persistent: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("herald-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            port,
            dir,
            persistent,
            child: None,
        }
    }

    async fn launch(persistent: bool) -> Self {
        // A free port can be taken between asking and binding: try again.
        for _ in 0..5 {
            let mut server = Self::at(free_port(), persistent);
            if server.run().await {
                return server;
            }
        }
        panic!("redis-server did not start; is it installed?");
    }

    /// Starts the process on the server's port and waits until it answers;
    /// `false` if it exited first (the port was taken).
    async fn run(&mut self) -> bool {
        let appendonly = if self.persistent { "yes" } else { "no" };
        let port = self.port.to_string();
        let child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", appendonly, "--dir"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run redis-server; is it installed?");
        self.child = Some(child);
        let ready = tokio::time::timeout(PATIENCE, async {
            loop {
                if let Some(child) = &mut self.child
                    && child.try_wait().unwrap().is_some()
                {
                    return false;
                }
                if self.ping().await {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        ready.unwrap_or(false)
    }

    async fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else {
            return false;
        };
        let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
            return false;
        };
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .is_ok()
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Where it listens.
    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// A connection for the test's own commands.
    pub(crate) async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Stops the server the way an operator does (SIGTERM: a persistent one
    /// writes its file first), and waits for it to exit.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts the stopped server again on the same port and directory.
    pub(crate) async fn restart(&mut self) {
        assert!(self.run().await, "redis-server did not come back");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on right now.
pub(crate) fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What a [`Proxy`] does with its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Forwards bytes both ways.
    Pass,
    /// Closes every connection, and each new one at once.
    Cut,
    /// Holds connections open and forwards nothing.
    Stall,
}

/// A TCP proxy to `upstream` whose connections the test can cut or stall.
pub(crate) struct Proxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    task: JoinHandle<()>,
}

impl Proxy {
    pub(crate) async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = watch::Sender::new(Mode::Pass);
        let modes = mode.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *modes.borrow() == Mode::Cut {
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, modes.subscribe()));
                tokio::spawn(pump(server_read, client_write, modes.subscribe()));
            }
        });
        Self { addr, mode, task }
    }

    /// A Redis URL through the proxy.
    pub(crate) fn url(&self) -> String {
        format!("redis://{}/0", self.addr)
    }

    pub(crate) fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.set(Mode::Cut);
        self.task.abort();
    }
}

/// Copies `from` to `to` while the mode lets it; returns, closing both,
/// when the connection ends or is cut.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut mode: watch::Receiver<Mode>) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        match mode.wait_for(|mode| *mode != Mode::Stall).await {
            Ok(mode) if *mode == Mode::Pass => {}
            _ => return,
        }
        let read = tokio::select! {
            read = from.read(&mut buffer) => read,
            // Reading is cancel safe: look at the new mode, then read on.
            _ = mode.changed() => continue,
        };
        let Ok(count @ 1..) = read else { return };
        if *mode.borrow() == Mode::Cut || to.write_all(&buffer[..count]).await.is_err() {
            return;
        }
    }
}
