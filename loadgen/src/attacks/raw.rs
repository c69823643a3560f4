//! The attacks that need bytes an HTTP client would never send, over raw
//! TCP: connections that say nothing, and publishes whose body trickles.
//! What the hub does with each connection is read off the socket: the
//! status line of its answer, or the end of the connection.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Arena, Counter};

/// Silent connections held at once. Loopback is a `--proxy-ip` by default,
/// so these are not limited per address: what bounds them is
/// `--idle-timeout`.
pub(crate) const IDLE_SOCKETS: usize = 500;

/// Trickling publishes at once: well under a quarter of the hub's default
/// 1,024 publish slots, so the legitimate publisher keeps finding one
/// whatever the hub does with them.
pub(crate) const TRICKLERS: usize = 32;

/// The body length a trickling publish promises: the hub's default
/// `--max-body`, so only the rate can refuse it.
const TRICKLE_LENGTH: usize = 64 * 1024;

/// How often a trickling publish sends its next byte: 10 bytes a second,
/// far under the hub's default `--min-body-rate` of 4,096.
const TRICKLE_EVERY: Duration = Duration::from_millis(100);

/// The most bytes of an answer read for its status line.
const STATUS_LINE_MAX: usize = 256;

/// What the hub did with a raw connection.
#[derive(Debug, PartialEq, Eq)]
enum Ending {
    /// It answered with this status.
    Answered(u16),
    /// It closed the connection without a word.
    Closed,
    /// The connection failed, or the answer was not HTTP.
    Broken,
}

/// Holds [`IDLE_SOCKETS`] connections that never send a byte, opening a
/// new one as soon as the hub closes one, until the run stops.
pub(super) async fn idle(arena: Arc<Arena>, counter: Arc<Counter>) {
    let mut sockets = JoinSet::new();
    for _ in 0..IDLE_SOCKETS {
        sockets.spawn(silent(arena.clone(), counter.clone()));
    }
    while sockets.join_next().await.is_some() {}
}

/// Publishes [`TRICKLERS`] bodies at once a byte at a time, starting the
/// next as soon as the hub answers or closes one, until the run stops.
pub(super) async fn trickle(arena: Arc<Arena>, counter: Arc<Counter>) {
    let mut publishes = JoinSet::new();
    for _ in 0..TRICKLERS {
        publishes.spawn(trickler(arena.clone(), counter.clone()));
    }
    while publishes.join_next().await.is_some() {}
}

/// One silent connection after another.
async fn silent(arena: Arc<Arena>, counter: Arc<Counter>) {
    while let Some(connected) = arena.until_stopped(connect(&arena, &counter)).await {
        let Some(mut socket) = connected else {
            arena.pause().await;
            continue;
        };
        let opened = Instant::now();
        let Some(ending) = arena.until_stopped(ending(&mut socket)).await else {
            counter.open_at_end(opened.elapsed());
            return;
        };
        tally(&counter, ending, opened);
    }
}

/// One trickling publish after another.
async fn trickler(arena: Arc<Arena>, counter: Arc<Counter>) {
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {TRICKLE_LENGTH}\r\n\r\n",
        arena.trickle_path(),
        arena.authority
    );
    while let Some(connected) = arena.until_stopped(connect(&arena, &counter)).await {
        let Some(mut socket) = connected else {
            arena.pause().await;
            continue;
        };
        let opened = Instant::now();
        if socket.write_all(head.as_bytes()).await.is_err() {
            counter.failed();
            continue;
        }
        let (mut reader, mut writer) = socket.split();
        let mut answer = std::pin::pin!(ending(&mut reader));
        let mut ticker = tokio::time::interval(TRICKLE_EVERY);
        let mut sent = 0;
        let ending = loop {
            tokio::select! {
                biased;
                () = arena.stop.cancelled() => {
                    counter.open_at_end(opened.elapsed());
                    return;
                }
                ending = &mut answer => break ending,
                // Once the hub stops reading, only its answer is awaited.
                _ = ticker.tick(), if sent < TRICKLE_LENGTH => {
                    match writer.write_all(b" ").await {
                        Ok(()) => {
                            sent += 1;
                            counter.bytes(1);
                        }
                        Err(_) => sent = TRICKLE_LENGTH,
                    }
                }
            }
        };
        tally(&counter, ending, opened);
    }
}

/// Opens a connection to the hub, counted; `None`, counted as failed, when
/// it could not be opened in time.
async fn connect(arena: &Arena, counter: &Counter) -> Option<TcpStream> {
    counter.request();
    let connected = tokio::time::timeout(super::CONNECT_TIMEOUT, TcpStream::connect(arena.address));
    match connected.await {
        Ok(Ok(socket)) => Some(socket),
        _ => {
            counter.failed();
            None
        }
    }
}

/// Counts how a connection opened at `opened` ended.
fn tally(counter: &Counter, ending: Ending, opened: Instant) {
    match ending {
        Ending::Answered(status) => {
            counter.answered(status);
            counter.held(opened.elapsed());
        }
        Ending::Closed => {
            counter.closed();
            counter.held(opened.elapsed());
        }
        Ending::Broken => counter.failed(),
    }
}

/// Reads until the hub's status line or the end of the connection.
async fn ending(reader: &mut (impl AsyncRead + Unpin)) -> Ending {
    let mut head = Vec::with_capacity(STATUS_LINE_MAX);
    let mut buffer = [0; STATUS_LINE_MAX];
    loop {
        let read = match reader.read(&mut buffer).await {
            Ok(read) => read,
            // A reset is the hub dropping the connection with bytes unread.
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset && head.is_empty() => {
                return Ending::Closed;
            }
            Err(_) => return Ending::Broken,
        };
        if read == 0 && head.is_empty() {
            return Ending::Closed;
        }
        head.extend_from_slice(buffer.get(..read).unwrap_or_default());
        if read == 0 || head.contains(&b'\n') || head.len() >= STATUS_LINE_MAX {
            return status(&head).map_or(Ending::Broken, Ending::Answered);
        }
    }
}

/// The status of an HTTP/1.x answer that starts with `head`.
fn status(head: &[u8]) -> Option<u16> {
    let line = head.split(|&byte| byte == b'\n').next()?;
    let mut words = line.split(|&byte| byte == b' ');
    if !words.next()?.starts_with(b"HTTP/1.") {
        return None;
    }
    std::str::from_utf8(words.next()?)
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|status| (100..600).contains(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_read_off_an_http1_status_line() {
        assert_eq!(status(b"HTTP/1.1 408 Request Timeout\r\n"), Some(408));
        assert_eq!(status(b"HTTP/1.0 503 \r\ncontent-length: 0"), Some(503));
        assert_eq!(status(b"HTTP/1.1 200\r\n"), Some(200));
    }

    #[test]
    fn what_is_not_a_status_line_has_no_status() {
        for head in [
            &b""[..],
            b"garbage\r\n",
            b"HTTP/2 200\r\n",
            b"HTTP/1.1 abc OK\r\n",
            b"HTTP/1.1 999 Nope\r\n",
            b"HTTP/1.1",
        ] {
            assert_eq!(status(head), None, "{}", String::from_utf8_lossy(head));
        }
    }

    #[tokio::test]
    async fn a_connection_ends_answered_closed_or_broken() {
        let answered = &b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n"[..];
        assert_eq!(ending(&mut &*answered).await, Ending::Answered(408));
        assert_eq!(ending(&mut &b""[..]).await, Ending::Closed);
        assert_eq!(ending(&mut &b"SSH-2.0-x"[..]).await, Ending::Broken);
    }
}
