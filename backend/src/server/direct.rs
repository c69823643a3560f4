//! Streams served without hyper: an HTTP/1.1 connection, plain or inside
//! TLS, whose first request is `GET /api/events` gets its response written
//! here, straight from the body to the socket.
//!
//! An SSE stream is one request and then a response without end, so
//! almost nothing of an HTTP/1.1 server is used once its head is read:
//! hyper would still keep its 8 KiB read buffer and its 8 KiB head buffer
//! for the life of the stream, and run its connection state machine on
//! every delivery. Here an idle stream holds its socket (and its TLS
//! session), its body and nothing else, and a delivery is one poll of the
//! body and one write.
//!
//! The request still goes through the whole router, so every layer (the
//! Host guard, CORS, the security headers, the meters) and the stream
//! handler itself decide its response; only the bytes on the wire are
//! written here. Whatever is not a plain `GET` of the stream path as the
//! connection's first request (another route, a body, an upgrade, HTTP/1.0,
//! a malformed or oversized head) goes to hyper with the bytes read so far,
//! which answers exactly as it would have.
//!
//! The response says `connection: close`: it ends the connection, as an
//! SSE stream does anyway.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::SystemTime;

use axum::Router;
use axum::body::{Body, HttpBody as _};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri, Version, header};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio_util::sync::WaitForCancellationFutureOwned;
use tower::ServiceExt;

use super::Stop;
use crate::clients::Peer;

/// The most bytes of a request head read here; a longer head is hyper's
/// to refuse, with the same limit.
const MAX_HEAD: usize = super::READ_BUFFER;

/// How much is read at a time while the head is incomplete.
const READ_STEP: usize = 1024;

/// Headers a stream request may carry; more is hyper's to judge.
const MAX_HEADERS: usize = 64;

/// Bytes gathered for one write: ready deliveries are coalesced up to this,
/// so a burst costs one system call, not one per event.
const WRITE_BATCH: usize = 64 * 1024;

/// What the first bytes of a connection turned out to be.
pub(super) enum Opening<I> {
    /// A stream request, parsed; the socket is positioned after its head.
    Stream(I, Box<Request<Body>>),
    /// Anything else, for hyper, with the bytes already read in front.
    Other(Prefixed<I>),
}

/// Reads the connection's first request head far enough to tell whether it
/// is a stream request.
///
/// # Errors
/// A failed read. A client that closes early is `Other`, so hyper sees the
/// same end of file.
pub(super) async fn read_opening<I>(mut io: I) -> io::Result<Opening<I>>
where
    I: AsyncRead + Unpin,
{
    let mut head = Vec::new();
    loop {
        match classify(&head) {
            Classified::Stream(request) => return Ok(Opening::Stream(io, request)),
            Classified::Other => break,
            Classified::Incomplete if head.len() >= MAX_HEAD => break,
            Classified::Incomplete => {}
        }
        let step = READ_STEP.min(MAX_HEAD - head.len());
        head.reserve(step);
        let read = (&mut io).take(step as u64).read_buf(&mut head).await?;
        if read == 0 {
            break;
        }
    }
    Ok(Opening::Other(Prefixed {
        prefix: Bytes::from(head),
        io,
    }))
}

/// The request a connection's first bytes `head` make, when they are a
/// stream request served here; `None` for anything hyper serves, or a head
/// not complete yet.
#[cfg(feature = "fuzzing")]
pub(crate) fn stream_request(head: &[u8]) -> Option<Request<Body>> {
    match classify(head) {
        Classified::Stream(request) => Some(*request),
        Classified::Other | Classified::Incomplete => None,
    }
}

enum Classified {
    Stream(Box<Request<Body>>),
    Other,
    Incomplete,
}

/// Whether `head` is, or may still become, a stream request this module
/// serves: `GET` of the stream path in HTTP/1.1, with no body and no
/// upgrade.
fn classify(head: &[u8]) -> Classified {
    let path = herald_wire::protocol::EVENTS_PATH.as_bytes();
    let line = b"GET ".iter().chain(path).chain(std::iter::once(&b'?'));
    for (at, expected) in line.enumerate() {
        match head.get(at) {
            None => return Classified::Incomplete,
            Some(byte) if byte == expected => {}
            // The path ends at a space as well as at its query.
            Some(b' ') if at == 4 + path.len() => break,
            Some(_) => return Classified::Other,
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {
            request(&parsed).map_or(Classified::Other, Classified::Stream)
        }
        Ok(httparse::Status::Partial) => Classified::Incomplete,
        Err(_) => Classified::Other,
    }
}

/// The request `parsed` describes, if it is one this module serves.
fn request(parsed: &httparse::Request<'_, '_>) -> Option<Box<Request<Body>>> {
    if parsed.version != Some(1) || parsed.method != Some("GET") {
        return None;
    }
    let uri = Uri::try_from(parsed.path?).ok()?;
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    let headers = request.headers_mut();
    for field in parsed.headers.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(field.value).ok()?;
        let body_or_upgrade = name == header::TRANSFER_ENCODING
            || name == header::UPGRADE
            || name == header::EXPECT
            || (name == header::CONTENT_LENGTH && value.as_bytes() != b"0");
        if body_or_upgrade {
            return None;
        }
        headers.append(name, value);
    }
    Some(Box::new(request))
}

/// Serves the stream request `request` on `io`: the router's response,
/// written until its body ends, the client goes away, or the grace after
/// shutdown is over.
pub(super) async fn respond<I>(
    io: I,
    mut request: Request<Body>,
    peer: Peer,
    router: Router,
    stop: &Stop,
) where
    I: AsyncRead + AsyncWrite + Unpin,
{
    request.extensions_mut().insert(peer);
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let (head, framing) = head(parts.status, &parts.headers, &body);
    let mut response = Response {
        io,
        body,
        out: head,
        framing,
        done: false,
        force: Box::pin(stop.force.clone().cancelled_owned()),
    };
    match poll_fn(|cx| response.poll(cx)).await {
        Ok(()) => {}
        Err(End::Forced) => {}
        Err(End::Io(error)) if super::went_away(&error) => {
            tracing::trace!(%error, "client closed the connection");
        }
        Err(End::Io(error)) => tracing::debug!(%error, "connection ended with an error"),
    }
}

/// How a response body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Its length was known: the bytes as they are.
    Length,
    /// Chunked transfer coding, ended by a last chunk.
    Chunked,
    /// No body at all (204, 304).
    Empty,
}

/// The response head for `status` and `headers`, with the date, the
/// framing of `body` and `connection: close`.
fn head(status: StatusCode, headers: &axum::http::HeaderMap, body: &Body) -> (BytesMut, Framing) {
    let mut out = BytesMut::with_capacity(512);
    let reason = status.canonical_reason().unwrap_or_default();
    // Writing to a `BytesMut` cannot fail.
    let _ = write!(out, "HTTP/1.1 {} {reason}\r\n", status.as_str());
    for (name, value) in headers {
        if [
            header::CONNECTION,
            header::TRANSFER_ENCODING,
            header::CONTENT_LENGTH,
        ]
        .contains(name)
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let _ = write!(
        out,
        "date: {}\r\n",
        httpdate::fmt_http_date(SystemTime::now())
    );
    let framing = if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        Framing::Empty
    } else if let Some(length) = body.size_hint().exact() {
        let _ = write!(out, "content-length: {length}\r\n");
        Framing::Length
    } else {
        out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        Framing::Chunked
    };
    out.extend_from_slice(b"connection: close\r\n\r\n");
    (out, framing)
}

/// A response being written.
struct Response<I> {
    io: I,
    body: Body,
    /// Bytes framed and not yet written: the head, or what a write left
    /// over when the socket was full. Empty (and unallocated) otherwise, so
    /// an idle stream keeps no buffer.
    out: BytesMut,
    framing: Framing,
    /// Whether the body has ended and its end is framed.
    done: bool,
    /// The end of the grace after shutdown. Polled only while a write is
    /// blocked: a body ends by itself on shutdown, so only a client that
    /// stopped reading can keep a response past the grace.
    force: Pin<Box<WaitForCancellationFutureOwned>>,
}

thread_local! {
    /// Where ready deliveries are framed for one write. One per thread, not
    /// per stream: what a write leaves over moves to the stream's `out`,
    /// so a delivery that goes out whole allocates nothing.
    static BATCH: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

enum End {
    Io(io::Error),
    Forced,
}

impl From<io::Error> for End {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl<I> Response<I>
where
    I: AsyncRead + AsyncWrite + Unpin,
{
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), End>> {
        loop {
            while self.out.has_remaining() {
                match Pin::new(&mut self.io).poll_write(cx, &self.out) {
                    Poll::Ready(written) => self.out.advance(written_or_error(written)?),
                    Poll::Pending => {
                        ready!(self.force.as_mut().poll(cx));
                        return Poll::Ready(Err(End::Forced));
                    }
                }
            }
            // Written out: let the buffer go, so a stream between events
            // holds none.
            self.out = BytesMut::new();
            if self.done {
                ready!(Pin::new(&mut self.io).poll_flush(cx))?;
                return Pin::new(&mut self.io).poll_shutdown(cx).map_err(End::from);
            }
            if !BATCH.with_borrow_mut(|batch| self.send(cx, batch))? {
                // Idle. TLS may still hold a record the socket did not
                // take (a TCP socket holds nothing: this is a no-op).
                if Pin::new(&mut self.io).poll_flush(cx)?.is_pending() {
                    ready!(self.force.as_mut().poll(cx));
                    return Poll::Ready(Err(End::Forced));
                }
                // The client's leaving is the one thing left to see.
                self.poll_client(cx)?;
                return Poll::Pending;
            }
        }
    }

    /// Frames what the body has ready in `batch` and writes it; what the
    /// socket does not take now is kept in `out`. `false` when the body
    /// had nothing and has not ended: the stream is idle.
    fn send(&mut self, cx: &mut Context<'_>, batch: &mut BytesMut) -> Result<bool, End> {
        batch.clear();
        self.gather(cx, batch)?;
        if batch.is_empty() {
            return Ok(self.done);
        }
        let mut at = 0;
        while at < batch.len() {
            match Pin::new(&mut self.io).poll_write(cx, &batch[at..]) {
                Poll::Ready(written) => at += written_or_error(written)?,
                Poll::Pending => {
                    self.out.extend_from_slice(&batch[at..]);
                    break;
                }
            }
        }
        Ok(true)
    }

    /// Frames what the body has ready into `batch`, up to [`WRITE_BATCH`].
    fn gather(&mut self, cx: &mut Context<'_>, batch: &mut BytesMut) -> Result<(), End> {
        while batch.len() < WRITE_BATCH {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.framing.frame(&data, batch);
                    }
                }
                Poll::Ready(Some(Err(error))) => return Err(End::Io(io::Error::other(error))),
                Poll::Ready(None) => {
                    if self.framing == Framing::Chunked {
                        batch.extend_from_slice(b"0\r\n\r\n");
                    }
                    self.done = true;
                    break;
                }
            }
        }
        Ok(())
    }

    /// Reads and drops whatever the client sends after its request, so its
    /// leaving is seen at once rather than at the next write.
    fn poll_client(&mut self, cx: &mut Context<'_>) -> Result<(), End> {
        let mut scratch = [0u8; 64];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
                Poll::Pending => return Ok(()),
                Poll::Ready(Ok(())) if buf.filled().is_empty() => {
                    return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
                }
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => return Err(error.into()),
            }
        }
    }
}

/// The count a write returned, or the error it is.
fn written_or_error(written: io::Result<usize>) -> Result<usize, End> {
    match written {
        Ok(0) => Err(io::Error::from(io::ErrorKind::WriteZero).into()),
        Ok(count) => Ok(count),
        Err(error) => Err(error.into()),
    }
}

impl Framing {
    /// Appends `data` to `out` as framed on the wire.
    fn frame(self, data: &Bytes, out: &mut BytesMut) {
        match self {
            Self::Empty => {}
            Self::Length => out.extend_from_slice(data),
            Self::Chunked if data.is_empty() => {}
            Self::Chunked => {
                put_chunk_size(data.len(), out);
                out.extend_from_slice(data);
                out.extend_from_slice(b"\r\n");
            }
        }
    }
}

/// Appends the size line of a chunk of `len` bytes: lowercase hex, then
/// CRLF. By hand, since `write!` goes through the formatting machinery for
/// every delivery.
fn put_chunk_size(len: usize, out: &mut BytesMut) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = (usize::BITS - len.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        out.put_u8(DIGITS[(len >> (shift * 4)) & 0xf]);
    }
    out.extend_from_slice(b"\r\n");
}

/// A socket with bytes already read from it in front: hyper reads those
/// first, as if nothing had been taken.
pub(super) struct Prefixed<I> {
    prefix: Bytes,
    io: I,
}

impl<I: AsyncRead + Unpin> AsyncRead for Prefixed<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.has_remaining() {
            let count = this.prefix.len().min(buf.remaining());
            buf.put_slice(&this.prefix.split_to(count));
            if !this.prefix.has_remaining() {
                // Let the head's buffer go with its last byte.
                this.prefix = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Prefixed<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_lines_are_lowercase_hex() {
        for (len, line) in [
            (0, "0\r\n"),
            (1, "1\r\n"),
            (15, "f\r\n"),
            (16, "10\r\n"),
            (255, "ff\r\n"),
            (4096, "1000\r\n"),
            (0xab_cdef, "abcdef\r\n"),
            (usize::MAX, "ffffffffffffffff\r\n"),
        ] {
            let mut out = BytesMut::new();
            put_chunk_size(len, &mut out);
            assert_eq!(out, line.as_bytes(), "{len}");
        }
    }
}
