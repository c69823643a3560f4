//! Starting Herald: the broker the configuration asks for ([`connect`]),
//! the server and its background tasks over it ([`serve`]), or both
//! ([`run`]), each ending when its shutdown token is cancelled.

use std::sync::Arc;

use herald_dashboard_events::Payload;
use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;

use crate::allowed_host::AllowedHosts;
use crate::app::app;
use crate::broker::Broker;
use crate::config::Config;
use crate::herald::{Herald, connect};
use crate::{open_files, prometheus, routes, server, static_files};

/// Whether this build carries the web app (built with `HERALD_EMBED_DIR`,
/// see `backend/build.rs`), which the hub serves when no `--static-dir` is
/// given; without it the hub serves `dist` from the working directory.
///
/// # Examples
///
/// ```
/// use herald_hub::config::Config;
///
/// let config = Config::from_flags(["--static-dir", "web/dist"])?;
/// let page = match &config.static_dir {
///     Some(dir) => dir.display().to_string(),
///     None if herald_hub::embeds_page() => "built in".to_owned(),
///     None => "dist".to_owned(),
/// };
/// assert_eq!(page, "web/dist", "a directory given wins");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn embeds_page() -> bool {
    static_files::embedded()
}

/// Connections the kernel queues for the hub before it accepts them.
/// Tokio's `bind` asks for 128, which a burst of clients (a deploy that
/// reconnects every browser at once) overflows: the kernel then drops
/// their handshakes, and each waits for its SYN to be sent again, up to
/// half a minute. The kernel caps it at `net.core.somaxconn`.
const BACKLOG: u32 = 4_096;

/// A listener on `addr` with a backlog of 4,096 connections, and the address
/// reused so a restarted hub binds at once.
///
/// # Errors
/// Why the socket cannot listen there.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let listener = herald_hub::listen("127.0.0.1:0".parse()?)?;
/// assert_ne!(listener.local_addr()?.port(), 0, "the system chose a port");
/// # Ok(())
/// # }
/// ```
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves Herald on `listener` with the broker `config` asks for until
/// `shutdown` is cancelled; see [`connect`] and [`serve`].
///
/// # Errors
/// Returns why the cluster could not be joined, or the I/O error that
/// stopped the server.
///
/// # Examples
///
/// What the binary does, less its flags' environment and signals:
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_hub::config::Config;
/// use tokio_util::sync::CancellationToken;
///
/// let config = Config::from_flags(["--addr", "0.0.0.0:3000", "--allowed-host", "push.example.com"])?;
/// let listener = herald_hub::listen(config.addr)?;
/// let shutdown = CancellationToken::new();
/// tokio::spawn(herald_hub::shutdown::Signals::install()?.run(shutdown.clone()));
/// herald_hub::run(listener, config, shutdown).await?;
/// # Ok(())
/// # }
/// ```
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let broker = connect(&config, shutdown.clone())
        .await
        .map_err(std::io::Error::other)?;
    serve(listener, broker, config, shutdown).await
}

/// Serves `broker` on `listener` until `shutdown` is cancelled, then waits
/// for open streams to end and background tasks to stop.
///
/// Passing a hub in lets an embedding program publish in-process (with
/// [`Hub::publish`](crate::hub::Hub::publish), or [`Broker::publish`] for a cluster) to the same
/// streams that browsers read over HTTP.
///
/// # Errors
/// Returns the I/O error that stopped the server, or what made a cluster
/// node leave its cluster.
///
/// # Examples
///
/// An event published in process is read over HTTP, then the server
/// stops:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::config::Config;
/// use herald_hub::hub::Hub;
/// use herald_wire::{EventList, Topic};
/// use tokio_util::sync::CancellationToken;
///
/// let config = Config::from_flags(["--no-metrics", "--no-hub-stats"])?;
/// let hub = Hub::new(config.limits());
/// let listener = herald_hub::listen("127.0.0.1:0".parse()?)?;
/// let base = format!("http://{}", listener.local_addr()?);
/// let shutdown = CancellationToken::new();
/// let server = tokio::spawn(herald_hub::serve(listener, hub.clone(), config, shutdown.clone()));
///
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// let id = hub.publish(Topic::parse("chat/lobby")?, &chat)?.id();
/// let history: EventList<Payload> = reqwest::get(format!("{base}/api/history?topic=chat/lobby"))
///     .await?
///     .json()
///     .await?;
/// assert_eq!(history.events[0].id, id);
///
/// shutdown.cancel();
/// server.await??;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    broker: impl Into<Broker>,
    config: Config,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let broker = broker.into();
    #[cfg(feature = "tls")]
    let (tls, certificate) = match config.tls() {
        Some(tls) => {
            let (acceptor, current) = tls.acceptor().map_err(std::io::Error::other)?;
            // Before the first connection is accepted: from then on a
            // SIGHUP reloads the certificate instead of ending the process.
            let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
            (Some(acceptor), Some((current, hangups)))
        }
        None => (None, None),
    };
    #[cfg(not(feature = "tls"))]
    let tls = None;
    let addr = listener.local_addr()?;
    let allowed = AllowedHosts::new(addr, &config.allowed_hosts);
    if allowed.only_local(addr) {
        tracing::warn!(
            %addr,
            "listening on every interface, but answering only requests for this machine's own names; \
             pass --allowed-host NAME for each name clients use (or '*')"
        );
    }
    if !config.addr.ip().is_loopback() && !config.verifies_tokens() {
        tracing::warn!(
            %addr,
            "serving the network with no token key: anyone who reaches the hub may publish \
             and read every topic; pass --jwt-secret or --jwt-public-key"
        );
    }
    let metrics_listener = match config.metrics_addr {
        Some(addr) => Some(listen(addr).map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot listen on --metrics-addr {addr}: {error}"),
            )
        })?),
        None => None,
    };
    let limits = server::ConnectionLimits {
        max_connections: max_connections(&config),
        write_timeout: config.write_timeout(),
        idle_timeout: config.idle_timeout(),
        grace: config.shutdown_grace(),
        nodelay: !config.no_tcp_nodelay,
        send_buffer: config.send_buffer(),
    };
    // The API's timeouts, with the metrics listener's own cap.
    let metrics_limits = server::ConnectionLimits {
        max_connections: METRICS_CONNECTIONS,
        nodelay: true,
        send_buffer: None,
        ..limits
    };
    // The binary's hub reads any kind: its events are `Payload`s.
    let herald = Herald::<Payload>::start(broker, config, shutdown.clone());
    let state = herald.state();
    #[cfg(feature = "tls")]
    if let Some((current, hangups)) = certificate {
        tokio::spawn(crate::tls::reload::on_hangup(
            current,
            hangups,
            shutdown.clone(),
            Arc::clone(&state.meters),
        ));
    }
    let metrics = metrics_listener.map(|listener| {
        tracing::info!(addr = ?listener.local_addr().ok(), "serving /metrics to any host");
        let router =
            prometheus::router(&state.meters, state.broker.clone()).fallback(routes::not_found);
        tokio::spawn(server::accept(
            listener,
            router,
            shutdown.clone(),
            metrics_limits,
            None,
            Arc::clone(&state.clients),
            // Its own count of connections: the cap is this listener's, and
            // `herald_connections_open` stays the API's.
            Arc::new(prometheus::Meters::new()),
        ))
    });
    server::accept(
        listener,
        app(state.clone(), allowed),
        shutdown.clone(),
        limits,
        tls,
        Arc::clone(&state.clients),
        Arc::clone(&state.meters),
    )
    .await;
    if let Some(metrics) = metrics {
        // It ends with the same shutdown; a panic in it is not this
        // server's error.
        let _ = metrics.await;
    }
    // Whatever stopped the server, stop the background tasks with it.
    herald.close().await;
    Ok(())
}

/// Connections the `--metrics-addr` listener serves at once: scrapers
/// are few, and anyone who reaches the port gets no more than these.
const METRICS_CONNECTIONS: usize = 16;

/// The connection cap: `--max-connections`, but never more than the
/// open-files limit leaves room for, which is also the default.
fn max_connections(config: &Config) -> usize {
    let room = open_files::connection_room();
    match config.max_connections {
        None => room,
        Some(asked) => {
            let asked = usize::try_from(asked).unwrap_or(usize::MAX);
            if asked > room {
                tracing::warn!(
                    asked,
                    allowed = room,
                    "--max-connections is above what the open files limit leaves room for"
                );
            }
            asked.min(room)
        }
    }
}
