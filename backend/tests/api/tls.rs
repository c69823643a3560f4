//! HTTPS with `--tls-cert` and `--tls-key`: HTTP/2 negotiated by ALPN, so a
//! browser's streams and publishes share one connection, and HTTP/1.1 for
//! clients that ask for it. The certificate is made in the test; the client
//! trusts it alone and speaks hyper's HTTP/2 and HTTP/1.1 directly, so the
//! test sees which protocol carried each response.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use herald_dashboard_events::Payload;
use herald_wire::{Published, Topic};
use http_body_util::{BodyDataStream, BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use testkit::{Message, PATIENCE, TestApp, chat, decode, spawn_app, text_of};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A self-signed certificate for `localhost` and its key, as PEM files.
pub(crate) struct Certificate {
    dir: PathBuf,
    der: CertificateDer<'static>,
}

impl Certificate {
    pub(crate) fn new(name: &str) -> Self {
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let dir = std::env::temp_dir().join(format!("herald-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cert.pem"), generated.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), generated.signing_key.serialize_pem()).unwrap();
        Self {
            der: generated.cert.der().clone(),
            dir,
        }
    }

    pub(crate) fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    /// A hub serving HTTPS with this certificate.
    async fn spawn_app(&self) -> TestApp {
        self.spawn_app_with(&[]).await
    }

    /// A hub serving HTTPS with this certificate and `args`.
    pub(crate) async fn spawn_app_with(&self, args: &[&str]) -> TestApp {
        let (cert, key) = (self.path("cert.pem"), self.path("key.pem"));
        let mut all = vec!["--tls-cert", cert.as_str(), "--tls-key", key.as_str()];
        all.extend_from_slice(args);
        spawn_app(&all).await
    }

    /// A TLS connection to `app` as `localhost`, offering `alpn`.
    pub(crate) async fn connect(&self, app: &TestApp, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
        let tcp = TcpStream::connect(app.address).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .unwrap()
    }
}

impl Drop for Certificate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `https://localhost:PORT{path}`: the authority HTTP/2 sends instead of `Host`.
fn url(app: &TestApp, path: &str) -> String {
    format!("https://localhost:{}{path}", app.address.port())
}

/// A GET of `path` as a client sends it: over HTTP/1.1 in origin form
/// with `Host`, over HTTP/2 with the authority in the URI.
pub(crate) fn get(app: &TestApp, path: &str, version: Version) -> Request<Full<Bytes>> {
    let request = if version == Version::HTTP_11 {
        Request::get(path).header("host", format!("localhost:{}", app.address.port()))
    } else {
        Request::get(url(app, path))
    };
    request.version(version).body(Full::default()).unwrap()
}

/// A stream's events, decoded, from a response body.
async fn next_message(
    events: &mut (
             impl futures_util::Stream<
        Item = Result<
            eventsource_stream::Event,
            eventsource_stream::EventStreamError<hyper::Error>,
        >,
    > + Unpin
         ),
) -> Message {
    loop {
        let raw = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the stream stays open")
            .unwrap();
        // Where the stream starts: no message.
        if raw.event != herald_wire::protocol::POSITION_EVENT {
            return decode(&raw);
        }
    }
}

pub(crate) fn assert_stream(response: &Response<Incoming>, version: Version) {
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), version);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
}

#[tokio::test]
async fn streams_and_publishes_share_one_http2_connection() {
    let certificate = Certificate::new("h2");
    let app = certificate.spawn_app().await;
    let tls = certificate.connect(&app, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);

    // Two streams, then a publish, all on the one connection.
    let mut streams = Vec::new();
    for topic in ["tls/a", "tls/b"] {
        let path = format!("/api/events?topic={topic}");
        let response = sender
            .send_request(get(&app, &path, Version::HTTP_2))
            .await
            .unwrap();
        assert_stream(&response, Version::HTTP_2);
        let body = BodyDataStream::new(response.into_body());
        streams.push(body.eventsource());
    }
    let publish = Request::builder()
        .method(Method::POST)
        .uri(url(&app, "/api/topics/tls/a"))
        .version(Version::HTTP_2)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::to_vec(&chat("over h2")).unwrap(),
        )))
        .unwrap();
    let response = sender.send_request(publish).await.unwrap();
    assert_eq!(response.status(), 202);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let published: Published = serde_json::from_slice(&body).unwrap();
    let in_process = app
        .hub
        .publish(Topic::parse("tls/b").unwrap(), &chat("in process"))
        .unwrap()
        .id();

    let [a, b] = &mut streams[..] else {
        unreachable!("two streams were opened")
    };
    match next_message(a).await {
        Message::Event(event) => {
            assert_eq!(event.id, published.id);
            assert_eq!(text_of(&event), "over h2");
        }
        other => panic!("expected the event, got {other:?}"),
    }
    match next_message(b).await {
        Message::Event(event) => {
            assert_eq!(event.id, in_process);
            assert_eq!(text_of(&event), "in process");
        }
        other => panic!("expected the event, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_that_asks_for_http11_gets_it_over_tls() {
    let certificate = Certificate::new("h1");
    let app = certificate.spawn_app().await;
    let tls = certificate.connect(&app, &[b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(connection);

    let response = sender
        .send_request(get(&app, "/api/events?topic=tls/one", Version::HTTP_11))
        .await
        .unwrap();
    assert_stream(&response, Version::HTTP_11);
    // The connection's first request was the stream: written without
    // hyper, as the connection's last response.
    assert_eq!(response.headers()["connection"], "close");
    let mut events = BodyDataStream::new(response.into_body()).eventsource();
    let payload = Payload::Chat(herald_dashboard_events::Chat {
        author: "ada".to_owned(),
        text: "over TLS".to_owned(),
    });
    let id = app
        .hub
        .publish(Topic::parse("tls/one").unwrap(), &payload)
        .unwrap()
        .id();
    match next_message(&mut events).await {
        Message::Event(event) => assert_eq!(event.id, id),
        other => panic!("expected the event, got {other:?}"),
    }
}

#[tokio::test]
async fn over_tls_http11_other_requests_keep_the_connection_and_a_stream_may_follow() {
    let certificate = Certificate::new("h1-keep");
    let app = certificate.spawn_app().await;
    let tls = certificate.connect(&app, &[b"http/1.1"]).await;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(connection);
    for _ in 0..2 {
        let response = sender
            .send_request(get(&app, "/healthz", Version::HTTP_11))
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("connection").is_none());
        response.into_body().collect().await.unwrap();
    }
    // On the same connection, so served by hyper.
    let response = sender
        .send_request(get(&app, "/api/events?topic=tls/two", Version::HTTP_11))
        .await
        .unwrap();
    assert_stream(&response, Version::HTTP_11);
    let mut events = BodyDataStream::new(response.into_body()).eventsource();
    let id = app
        .hub
        .publish(Topic::parse("tls/two").unwrap(), &chat("kept alive"))
        .unwrap()
        .id();
    match next_message(&mut events).await {
        Message::Event(event) => assert_eq!(event.id, id),
        other => panic!("expected the event, got {other:?}"),
    }
}

#[tokio::test]
async fn past_the_connection_cap_an_http2_client_is_answered_and_healthz_passes() {
    let certificate = Certificate::new("cap");
    let app = certificate
        .spawn_app_with(&["--max-connections", "1"])
        .await;
    let _held = h2_stream(&certificate, &app, "/api/events?topic=tls/held").await;

    for (path, status) in [("/api/topics", 503), ("/healthz", 200)] {
        let (mut sender, connection) = h2(&certificate, &app).await;
        tokio::spawn(connection);
        let response = sender
            .send_request(get(&app, path, Version::HTTP_2))
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
    }
}

/// A stream of `path` open on its own HTTP/2 connection to `app`, which is
/// driven in the background while the returned sender is kept.
pub(crate) async fn h2_stream(
    certificate: &Certificate,
    app: &TestApp,
    path: &str,
) -> (
    hyper::client::conn::http2::SendRequest<Full<Bytes>>,
    Response<Incoming>,
) {
    let (mut sender, connection) = h2(certificate, app).await;
    tokio::spawn(connection);
    let stream = sender
        .send_request(get(app, path, Version::HTTP_2))
        .await
        .unwrap();
    assert_stream(&stream, Version::HTTP_2);
    (sender, stream)
}

/// An HTTP/2 connection to `app`.
pub(crate) async fn h2(
    certificate: &Certificate,
    app: &TestApp,
) -> (
    hyper::client::conn::http2::SendRequest<Full<Bytes>>,
    impl Future<Output = hyper::Result<()>> + use<>,
) {
    let tls = certificate.connect(app, &[b"h2"]).await;
    hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
        .await
        .unwrap()
}

#[tokio::test]
async fn plain_http_is_not_answered_on_the_https_port() {
    let certificate = Certificate::new("plain");
    let app = certificate.spawn_app().await;
    let refused = app.client.get(app.url("/healthz")).send().await;
    assert!(refused.is_err(), "{refused:?}");
}
