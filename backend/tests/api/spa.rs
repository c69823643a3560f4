//! The built single-page app is served at `/` with an `index.html` fallback.

use reqwest::StatusCode;
use shared::protocol::API_PREFIX;

use crate::helpers::spawn_app;

#[tokio::test]
async fn serves_the_app_and_falls_back_to_index_html() {
    let dir = std::env::temp_dir().join(format!("herald-spa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<title>Herald</title>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    let app = spawn_app(&["--static-dir", dir.to_str().unwrap()]).await;
    for (path, expected) in [
        ("/", "<title>Herald</title>"),
        ("/app.js", "console.log(1)"),
        ("/some/view", "<title>Herald</title>"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.text().await.unwrap(), expected, "{path}");
    }
    let response = app.get(&format!("{API_PREFIX}/missing")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    std::fs::remove_dir_all(&dir).unwrap();
}
