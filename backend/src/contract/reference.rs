//! The API reference as a page (`GET /api/reference`): the hub's own OpenAPI
//! document written out as HTML, one section per route, with no script and
//! nothing fetched from elsewhere, so it reads offline and behind any
//! firewall exactly as the document says.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The page's only style, allowed by its hash and nothing else.
const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}\
h2{margin-top:2.5rem;border-top:1px solid #d8dce4;padding-top:1rem}\
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f4f6f9;padding:.75rem;overflow:auto}\
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #e6e9ef}";

/// The page's `Content-Security-Policy`: its style by hash, nothing else.
pub(crate) fn policy() -> String {
    let digest = STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!("default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")
}

/// `document` (an OpenAPI 3.1 document) as an HTML page.
pub(crate) fn page(document: &Value) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let info = &document["info"];
    let title = text(&info["title"]);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} API</title><style>{STYLE}</style></head><body>\
         <h1>{} API <small>{}</small></h1><p>{}</p>\
         <p>This page is the hub's <a href=\"openapi.json\">OpenAPI 3.1 document</a>; the data a stream carries is described by <a href=\"schema/events.json\">its JSON Schema</a>.</p>",
        escape(title),
        escape(title),
        escape(text(&info["version"])),
        escape(text(&info["summary"])),
    );
    for (path, item) in entries(&document["paths"]) {
        for (method, operation) in entries(item) {
            operation_section(&mut html, method, path, operation);
        }
    }
    html.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in entries(&document["components"]["schemas"]) {
        let _ = write!(html, "<h3 id=\"schema-{0}\">{0}</h3>", escape(name));
        json_block(&mut html, schema);
    }
    html.push_str("</body></html>");
    html
}

fn operation_section(html: &mut String, method: &str, path: &str, operation: &Value) {
    let _ = write!(
        html,
        "<h2 id=\"{}\"><span class=\"method\">{}</span> <code>{}</code></h2><p><strong>{}</strong></p><p>{}</p>",
        escape(text(&operation["operationId"])),
        escape(method),
        escape(path),
        escape(text(&operation["summary"])),
        escape(text(&operation["description"])),
    );
    if let Some(parameters) = operation["parameters"].as_array() {
        html.push_str(
            "<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Meaning</th></tr>",
        );
        for parameter in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(text(&parameter["name"])),
                escape(text(&parameter["in"])),
                if parameter["required"] == Value::Bool(true) {
                    "yes"
                } else {
                    "no"
                },
                escape(text(&parameter["description"])),
            );
        }
        html.push_str("</table>");
    }
    let body = &operation["requestBody"];
    if !body.is_null() {
        let _ = write!(
            html,
            "<h4>Body</h4><p>{}</p>",
            escape(text(&body["description"]))
        );
        json_block(html, &body["content"]);
    }
    html.push_str("<h4>Replies</h4><table><tr><th>Status</th><th>Meaning</th></tr>");
    for (status, reply) in entries(&operation["responses"]) {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}",
            escape(status),
            escape(text(&reply["description"]))
        );
        if !reply["content"].is_null() {
            json_block(html, &reply["content"]);
        }
        html.push_str("</td></tr>");
    }
    html.push_str("</table>");
}

/// A JSON value shown as it is, folded.
fn json_block(html: &mut String, value: &Value) {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let _ = write!(
        html,
        "<details><summary>schema</summary><pre>{}</pre></details>",
        escape(&pretty)
    );
}

fn entries(value: &Value) -> impl Iterator<Item = (&str, &Value)> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| (key.as_str(), value))
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// `text` safe inside an element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_route_and_schema_has_its_section_and_nothing_is_unescaped() {
        let document = json!({
            "info": { "title": "Herald", "version": "1", "summary": "<b>bold</b>" },
            "paths": { "/api/events": { "get": {
                "operationId": "stream", "summary": "Follow", "description": "a & b",
                "parameters": [{ "name": "topic", "in": "query", "required": true, "description": "which" }],
                "responses": { "200": { "description": "the stream", "content": { "text/event-stream": {} } } },
            } } },
            "components": { "schemas": { "Gap": { "type": "object" } } },
        });
        let page = page(&document);
        assert!(page.contains("<code>/api/events</code>"));
        assert!(page.contains("id=\"stream\""));
        assert!(page.contains("<code>topic</code></td><td>query</td><td>yes</td>"));
        assert!(page.contains("id=\"schema-Gap\""));
        assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;") && !page.contains("<b>bold"));
        assert!(page.contains("a &amp; b"));
        assert!(!page.contains("<script"), "the page runs nothing");
    }

    #[test]
    fn the_policy_allows_the_pages_style_by_its_hash_and_nothing_else() {
        let policy = policy();
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!policy.contains("unsafe"));
    }
}
