//! A cluster on a Redis that speaks TLS only (`rediss://`), as managed Redis
//! services require: nodes that trust its certificate through `--redis-ca`
//! serve one sequence of events over it, and a node that does not trust it
//! refuses to join rather than talk to a server it cannot verify.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use testkit::{TestApp, chat, query, spawn_node, text_of};

use crate::redis_server::free_port;

/// A `redis-server` listening for TLS alone on a free port, with a
/// certificate for 127.0.0.1 that no public authority signed.
struct TlsRedis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl TlsRedis {
    async fn start() -> Self {
        let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
        let dir = std::env::temp_dir().join(format!("herald-rediss-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), made.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).unwrap();
        // A free port can be taken between asking and binding: try again.
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("redis-server")
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .arg("--tls-cert-file")
                .arg(dir.join("ca.pem"))
                .arg("--tls-key-file")
                .arg(dir.join("key.pem"))
                .args(["--tls-auth-clients", "no", "--dir"])
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("cannot run redis-server; is it installed?");
            let mut listening = false;
            testkit::eventually("redis-server listens or exits", || {
                let exited = child.try_wait().unwrap().is_some();
                listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
                async move { exited || listening }
            })
            .await;
            if listening {
                return Self { child, port, dir };
            }
        }
        panic!("redis-server did not start with TLS; is it built with TLS?");
    }

    fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}/0", self.port)
    }

    fn ca(&self) -> String {
        self.dir.join("ca.pem").to_string_lossy().into_owned()
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn nodes_that_trust_a_tls_redis_serve_one_cluster_over_it() {
    let redis = TlsRedis::start().await;
    let ca = redis.ca();
    let first = spawn_node(&redis.url(), &["--redis-ca", &ca]).await;
    let second = spawn_node(&redis.url(), &["--redis-ca", &ca]).await;
    let mut stream = second.open_stream(&query(&["room/tls"]), None).await;
    let published = first.publish(&"room/tls", &chat("over TLS")).await;
    let event = stream.next_event().await;
    assert_eq!((event.id, text_of(&event)), (published.id, "over TLS"));
}

#[tokio::test]
async fn a_node_that_cannot_verify_the_redis_certificate_refuses_to_join() {
    let redis = TlsRedis::start().await;
    // Mozilla's roots, built in, know nothing of this certificate.
    let config = TestApp::builder().redis(&redis.url()).config();
    let Err(error) = herald_hub::connect(&config, tokio_util::sync::CancellationToken::new()).await
    else {
        panic!("joined a Redis whose certificate nobody vouches for");
    };
    let message = error.to_string();
    assert!(message.contains(&redis.url()), "{message}");
    assert!(message.to_lowercase().contains("certificate"), "{message}");
}

#[test]
fn a_redis_ca_that_is_missing_or_not_pem_is_refused_by_the_command_line() {
    let flags = |ca: &str| {
        herald_hub::config::Config::from_flags([
            "--redis-url",
            "rediss://127.0.0.1:6380/0",
            "--redis-ca",
            ca,
        ])
    };
    let missing = flags("/nonexistent/ca.pem").unwrap_err().to_string();
    assert!(
        missing.contains("--redis-ca") && missing.contains("/nonexistent/ca.pem"),
        "{missing}"
    );
    let empty = std::env::temp_dir().join(format!("herald-empty-ca-{}.pem", std::process::id()));
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let refused = flags(empty.to_str().unwrap()).unwrap_err().to_string();
    assert!(refused.contains("holds no PEM certificate"), "{refused}");
    std::fs::remove_file(empty).unwrap();
    let without_url = herald_hub::config::Config::from_flags(["--redis-ca", "/etc/hostname"]);
    assert!(without_url.is_err(), "--redis-ca needs --redis-url");
}
