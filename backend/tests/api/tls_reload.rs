//! The certificate read again on SIGHUP: new handshakes present the renewed
//! pair, a stream opened before goes on over the old one, and a renewal gone
//! wrong (a key that is not the certificate's) keeps the old pair serving.
//! Each attempt is counted in `/metrics`.
//!
//! The signal goes to this test process, where the hub runs: its handler is
//! installed before the hub accepts its first connection, so once a
//! handshake succeeded a SIGHUP reloads instead of ending the process.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use herald_wire::Topic;
use herald_wire::protocol::METRICS_PATH;
use rustls::pki_types::{CertificateDer, ServerName};
use testkit::{PATIENCE, TestApp, chat, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A certificate for `localhost` and its key, made for the test.
struct Pair {
    cert: String,
    key: String,
    der: CertificateDer<'static>,
}

fn pair() -> Pair {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    Pair {
        cert: made.cert.pem(),
        key: made.signing_key.serialize_pem(),
        der: made.cert.der().clone(),
    }
}

/// Writes `cert` and `key` where the hub reads them, as a renewal does.
fn install(dir: &Path, cert: &str, key: &str) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

/// A TLS connection to `app` trusting `roots`, and the certificate the hub
/// presented on it.
async fn connect(
    app: &TestApp,
    roots: &[&CertificateDer<'static>],
) -> (TlsStream<TcpStream>, CertificateDer<'static>) {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add((*root).clone()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    let tcp = TcpStream::connect(app.address).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let presented = stream.get_ref().1.peer_certificates().unwrap()[0].clone();
    (stream, presented)
}

/// `GET path` over `stream` in HTTP/1.1; what came back until `wanted`
/// shows in it.
async fn get_until(stream: &mut TlsStream<TcpStream>, path: &str, wanted: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_until(stream, wanted).await
}

/// What `stream` brings until `wanted` shows in it.
async fn read_until(stream: &mut TlsStream<TcpStream>, wanted: &str) -> String {
    let mut seen = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        let mut buffer = [0; 4096];
        while !String::from_utf8_lossy(&seen).contains(wanted) {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(
                read > 0,
                "the stream ended: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buffer[..read]);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {wanted:?} in {}", String::from_utf8_lossy(&seen)));
    String::from_utf8_lossy(&seen).into_owned()
}

fn hang_up() {
    use rustix::process::{Signal, getpid, kill_process};
    kill_process(getpid(), Signal::HUP).unwrap();
}

/// The count of reloads with `result` in a scrape over `stream`.
async fn reloads(app: &TestApp, roots: &[&CertificateDer<'static>], result: &str) -> f64 {
    let (mut stream, _) = connect(app, roots).await;
    let metric = format!("herald_certificate_reloads_total{{result=\"{result}\"}} ");
    let text = get_until(&mut stream, METRICS_PATH, "herald_build_info").await;
    text.lines()
        .find_map(|line| line.strip_prefix(&metric)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {metric} in {text}"))
}

#[tokio::test]
async fn sighup_serves_the_renewed_certificate_and_keeps_open_streams() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("herald-tls-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old, new, stranger) = (pair(), pair(), pair());
    install(&dir, &old.cert, &old.key);
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let app = spawn_app(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ])
    .await;
    let roots = [&old.der, &new.der];
    // A stream opened over the old certificate.
    let (mut stream, presented) = connect(&app, &roots).await;
    assert_eq!(presented, old.der);
    let topic = Topic::parse("room/reload").unwrap();
    get_until(
        &mut stream,
        "/api/events?topic=room/reload",
        "event: position",
    )
    .await;

    install(&dir, &new.cert, &new.key);
    let before = reloads(&app, &roots, "ok").await;
    hang_up();
    testkit::eventually("new handshakes present the renewed certificate", || async {
        connect(&app, &roots).await.1 == new.der
    })
    .await;
    assert_eq!(reloads(&app, &roots, "ok").await, before + 1.0);
    // The stream opened before goes on.
    app.publish_in_process(&topic, chat("after the renewal"));
    read_until(&mut stream, "after the renewal").await;

    // A renewal gone wrong: a key that is not the certificate's.
    install(&dir, &new.cert, &stranger.key);
    let failed = reloads(&app, &roots, "failed").await;
    hang_up();
    testkit::eventually("the refused renewal is counted", || async {
        reloads(&app, &roots, "failed").await == failed + 1.0
    })
    .await;
    assert_eq!(
        connect(&app, &roots).await.1,
        new.der,
        "the last good pair serves on"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
