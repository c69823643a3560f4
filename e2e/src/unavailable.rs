//! A stand-in for a stopped hub: its address answering every request 503,
//! as a hub that is starting, or a proxy in front of one that is down,
//! would. A browser's `EventSource` gives up for good on such an answer
//! (where it retries by itself after a refused connection), so a client
//! must then reconnect on its own.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use anyhow::Context;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// The 503's body: the hub's own refusal while it stops.
const BODY: &str = r#"{"code":"shutting_down","message":"the hub is restarting"}"#;

/// The listener and the count of the requests it answered; stop it with
/// [`Unavailable::stop`] before the hub serves again.
pub struct Unavailable {
    task: JoinHandle<()>,
    answered: Arc<AtomicUsize>,
}

impl Unavailable {
    /// Listens on `address`, which the stopped hub has freed.
    ///
    /// # Errors
    /// Fails when the address cannot be bound.
    pub async fn bind(address: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot bind the stopped hub's {address}"))?;
        let answered = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&answered);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer(socket, Arc::clone(&counter)));
            }
        });
        Ok(Self { task, answered })
    }

    /// Stops listening, freeing the address; how many requests it answered.
    pub async fn stop(self) -> usize {
        self.task.abort();
        // Once the task is cancelled its listener is dropped.
        let _ = self.task.await;
        self.answered.load(Ordering::SeqCst)
    }
}

/// Answers one connection's request 503 and closes it.
async fn answer(mut socket: TcpStream, answered: Arc<AtomicUsize>) {
    // The request's head, read to its blank line (or until the client
    // goes): only then is the answer its own.
    let mut head = Vec::new();
    let mut buffer = [0; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(buffer.get(..read).unwrap_or_default()),
        }
    }
    let reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    answered.fetch_add(1, Ordering::SeqCst);
    // The client may have gone meanwhile; nothing is owed to it then.
    let _ = socket.write_all(reply.as_bytes()).await;
    let _ = socket.shutdown().await;
}
