//! Graceful shutdown ends open streams so the server can stop.

use crate::helpers::{PATIENCE, query, spawn_app};

#[tokio::test]
async fn shutdown_closes_open_streams() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["s"]), None).await;
    app.shutdown.cancel();
    assert!(stream.next_raw().await.is_none(), "the stream ends");
    let result = tokio::time::timeout(PATIENCE, app.server)
        .await
        .expect("server stops in time")
        .unwrap();
    assert!(result.is_ok());
}
