//! The built single-page app is served at `/` with an `index.html` fallback.

use herald_wire::protocol::API_PREFIX;
use reqwest::StatusCode;
use testkit::spawn_app;

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
    // Under the API prefix nothing is the app, the prefix itself included
    // (what `/api/topics/..` becomes in any client).
    for path in ["missing", "", "topics/.."] {
        let (status, body) = app.get_refused(&format!("{API_PREFIX}/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body.code, herald_wire::ErrorCode::NotFound, "{path}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn nothing_outside_the_static_root_is_served_through_links_or_dots() {
    let base = std::env::temp_dir().join(format!("herald-confine-{}", std::process::id()));
    let (root, outside) = (base.join("dist"), base.join("outside"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("index.html"), "<title>Herald</title>").unwrap();
    std::fs::write(root.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(outside.join("secret.txt"), "the hub's secret").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("docs")).unwrap();
    std::os::unix::fs::symlink(root.join("app.js"), root.join("alias.js")).unwrap();
    let app = spawn_app(&["--static-dir", root.to_str().unwrap()]).await;
    for path in [
        "/leak.txt",
        "/docs/secret.txt",
        "/../outside/secret.txt",
        "/%2e%2e/outside/secret.txt",
        "/docs/%2e%2e/outside/secret.txt",
    ] {
        let response = app.get(path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(!body.contains("secret"), "{path} served {body:?}");
        assert!(
            status == StatusCode::NOT_FOUND || body == "<title>Herald</title>",
            "{path}: {status} {body:?}"
        );
    }
    // A link that stays inside the root is served.
    let alias = app.get("/alias.js").await;
    assert_eq!(alias.text().await.unwrap(), "console.log(1)");
    std::fs::remove_dir_all(&base).unwrap();
}

#[tokio::test]
async fn pages_get_a_policy_allowing_their_own_inline_code_only() {
    let dir = std::env::temp_dir().join(format!("herald-csp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page =
        "<html><head><style>p{}</style><script type=\"module\">start()</script></head></html>";
    std::fs::write(dir.join("index.html"), page).unwrap();
    std::fs::write(dir.join("app.js"), "start()").unwrap();
    let app = spawn_app(&["--static-dir", dir.to_str().unwrap()]).await;
    let policy = |response: &reqwest::Response| {
        response
            .headers()
            .get("content-security-policy")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    for path in ["/", "/index.html", "/some/view?topic=a"] {
        let response = app.get(path).await;
        let policy = policy(&response);
        assert!(
            policy.starts_with("default-src 'none';"),
            "{path}: {policy}"
        );
        assert!(policy.contains("'wasm-unsafe-eval'"), "{path}: {policy}");
        // The SHA-256 of `start()` and of `p{}`, in base64.
        assert!(policy.contains("'sha256-"), "{path}: {policy}");
        assert_eq!(policy.matches("'sha256-").count(), 2, "{path}: {policy}");
    }
    // Other files, and the API, are not pages: they may not be framed, and that is all.
    for path in ["/app.js", "/api/topics"] {
        assert_eq!(
            policy(&app.get(path).await),
            "frame-ancestors 'none'",
            "{path}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
