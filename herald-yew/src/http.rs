//! Requests to the hub over the browser's `fetch`: the ones the hook makes
//! (the history, and the check of a stream the browser gave up on), and
//! [`send`] and [`interpret`], which an app's own calls to the hub (publish,
//! list topics) share with them.
//!
//! Requests go to addresses built by [`herald_wire::protocol`], with the
//! reader's [`Token`] as `Authorization: Bearer` when one is set. What a
//! reply means is decided by [`interpret`] and [`refusal`], plain Rust with
//! native tests; only [`send`] and `stream_refusal` touch the browser.

use herald_wire::{ErrorBody, ErrorCode, EventId};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, Request, RequestInit, Response};

use crate::token::Token;

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request did not get a reply (the hub is down, the network is gone).
    #[error("network error: {0}")]
    Network(String),
    /// The hub refused the request and said why.
    #[error("{}", .0.message)]
    Api(ErrorBody),
    /// The reply is not what the API promises.
    #[error("unexpected reply: {0}")]
    Decode(String),
}

/// A history reply ([`herald_wire::EventList`]) with its events unread, so one
/// the app's type cannot read does not fail the list (see `Backlog`).
#[derive(Debug, Deserialize)]
pub(crate) struct HistoryReply {
    /// The events, oldest first, each as the hub sent it.
    pub(crate) events: Vec<Box<RawValue>>,
    /// Where to resume the stream after them.
    pub(crate) resume_after: EventId,
}

/// Loads the history at `path` (as built by
/// [`herald_wire::protocol::history_path`]): the newest events of each topic it
/// names, merged oldest first, read with `token` when one is set, each
/// event still JSON. The hook is given the address rather than the topics,
/// so it can be tested against any URL.
///
/// # Errors
/// As for [`send`] and [`interpret`]; a hub without the history route
/// answers with an error or a page that is not JSON, both errors here.
pub(crate) async fn history_at(
    path: &str,
    token: Option<&Token>,
) -> Result<HistoryReply, ApiError> {
    let (status, text) = send("GET", path, None, token).await?;
    interpret(status, &text)
}

/// Whether the hub refuses the stream at `url` for want of authorisation:
/// its error body when it answers 401 or 403, `None` for any other answer
/// or none at all.
///
/// An `EventSource` that gave up does not say which status it got, so the
/// stream hook asks again with `fetch`. It requests the stream URL itself
/// (with its token parameter), not a cheaper route such as the history:
/// only the same request is sure to meet the same decision. The hub decides
/// before it sends a byte of a stream, so the status is all there is to
/// wait for; an accepted stream is aborted as soon as its headers arrive,
/// which the hub sees as a reader that left.
pub(crate) async fn stream_refusal(url: &str) -> Option<ErrorBody> {
    let window = web_sys::window()?;
    let controller = AbortController::new().ok()?;
    let init = RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    let request = Request::new_with_str_and_init(url, &init).ok()?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let status = response.status();
    if !is_refusal(status) {
        controller.abort();
        return None;
    }
    let text = read_text(&response).await.unwrap_or_default();
    refusal(status, &text)
}

/// What a reply with `status` and `body` to a read says about
/// authorisation: for a 401 or 403, the hub's error body, or one naming the
/// status when the body is not one (a proxy in between may answer in its
/// own words); `None` for every other status.
///
/// # Examples
///
/// ```
/// use herald_wire::ErrorCode;
/// use herald_yew::http::refusal;
///
/// let body = r#"{"code":"forbidden","message":"the token may not read private/orders"}"#;
/// let refused = refusal(403, body);
/// assert_eq!(refused.map(|body| body.code), Some(ErrorCode::Forbidden));
///
/// // A proxy's own page still reads as the refusal it is.
/// let proxy = refusal(401, "<html>401</html>");
/// assert_eq!(proxy.map(|body| body.message).as_deref(), Some("the hub answered 401"));
///
/// // Any other status is not a matter of the token.
/// assert_eq!(refusal(503, body), None);
/// ```
pub fn refusal(status: u16, body: &str) -> Option<ErrorBody> {
    if !is_refusal(status) {
        return None;
    }
    let body = serde_json::from_str(body).unwrap_or_else(|_| ErrorBody {
        code: if status == 401 {
            ErrorCode::Unauthorized
        } else {
            ErrorCode::Forbidden
        },
        message: format!("the hub answered {status}"),
        field: None,
    });
    Some(body)
}

/// Whether `status` is one of the two that a new token can change.
fn is_refusal(status: u16) -> bool {
    matches!(status, 401 | 403)
}

/// What a reply with `status` and `body` means.
///
/// # Errors
/// [`ApiError::Api`] for a non-2xx reply carrying an [`ErrorBody`];
/// [`ApiError::Decode`] when the body is not the expected JSON.
///
/// # Examples
///
/// ```
/// use herald_wire::{ErrorCode, EventId, Published};
/// use herald_yew::http::{ApiError, interpret};
///
/// let published: Published = interpret(202, r#"{"id":"1-17","topic":"chat/lobby"}"#)?;
/// assert_eq!(published.id, EventId::new(1, 17));
///
/// let body = r#"{"code":"invalid_event","message":"missing field `text`","field":"text"}"#;
/// let refused = interpret::<Published>(422, body);
/// assert!(matches!(refused, Err(ApiError::Api(error)) if error.code == ErrorCode::InvalidEvent));
///
/// let proxy = interpret::<Published>(502, "<html>bad gateway</html>");
/// assert!(matches!(proxy, Err(ApiError::Decode(_))));
/// # Ok::<(), ApiError>(())
/// ```
pub fn interpret<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    let decode_error =
        |error: serde_json::Error| ApiError::Decode(format!("status {status}: {error}"));
    if (200..300).contains(&status) {
        serde_json::from_str(body).map_err(decode_error)
    } else {
        Err(ApiError::Api(
            serde_json::from_str(body).map_err(decode_error)?,
        ))
    }
}

/// Sends one request to `path` with `method`, `json` as its body when
/// given, and `token` as `Authorization: Bearer` when set, and reads the
/// whole reply: its status and its text, for [`interpret`].
///
/// # Errors
/// [`ApiError::Network`] when the request gets no reply.
///
/// # Examples
///
/// A page's own publish, with the reader's token (this runs only in a
/// browser):
///
/// ```no_run
/// use herald_wire::Published;
/// use herald_wire::protocol::publish_path;
/// use herald_yew::Token;
/// use herald_yew::http::{ApiError, interpret, send};
///
/// async fn say(token: &Token, text: &str) -> Result<Published, ApiError> {
///     let chat = serde_json::json!({ "type": "chat", "author": "ada", "text": text });
///     let body = chat.to_string();
///     let (status, reply) = send("POST", &publish_path("chat/lobby"), Some(&body), Some(token)).await?;
///     interpret(status, &reply)
/// }
/// ```
pub async fn send(
    method: &str,
    path: &str,
    json: Option<&str>,
    token: Option<&Token>,
) -> Result<(u16, String), ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(network)?;
    if let Some(token) = token {
        headers
            .set("Authorization", &token.bearer())
            .map_err(network)?;
    }
    if let Some(json) = json {
        headers
            .set("Content-Type", "application/json")
            .map_err(network)?;
        init.set_body(&JsValue::from_str(json));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(path, &init).map_err(network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let text = read_text(&response).await?;
    Ok((response.status(), text))
}

/// The whole body of `response` as text.
async fn read_text(response: &Response) -> Result<String, ApiError> {
    Ok(JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default())
}

fn network(error: JsValue) -> ApiError {
    let text = error.dyn_ref::<web_sys::js_sys::Error>().map_or_else(
        || format!("{error:?}"),
        |error| String::from(error.message()),
    );
    ApiError::Network(text)
}

#[cfg(test)]
mod tests {
    use herald_wire::{ErrorCode, EventId, Published, TopicList};

    use super::*;

    #[test]
    fn an_accepted_publish_decodes_the_reply() {
        let published: Published = interpret(202, r#"{"id":"1-17","topic":"chat/lobby"}"#).unwrap();
        assert_eq!(published.id, EventId::new(1, 17));
    }

    #[test]
    fn a_refusal_carries_the_hubs_error_body() {
        let body = r#"{"code":"invalid_event","message":"missing field `text`","field":"text"}"#;
        let Err(ApiError::Api(error)) = interpret::<Published>(422, body) else {
            panic!("a 422 was not an API error");
        };
        assert_eq!(error.code, ErrorCode::InvalidEvent);
        assert_eq!(error.field.as_deref(), Some("text"));
        assert_eq!(ApiError::Api(error).to_string(), "missing field `text`");
    }

    #[test]
    fn an_unexpected_body_is_a_decode_error() {
        assert!(matches!(
            interpret::<Published>(502, "<html>bad gateway</html>"),
            Err(ApiError::Decode(_))
        ));
        assert!(matches!(
            interpret::<TopicList>(200, "{}"),
            Err(ApiError::Decode(_))
        ));
    }

    #[test]
    fn only_401_and_403_are_refusals_and_keep_the_hubs_reason() {
        let body = r#"{"code":"forbidden","message":"the token may not read private/a"}"#;
        let refused = refusal(403, body).unwrap();
        assert_eq!(refused.code, ErrorCode::Forbidden);
        assert_eq!(refused.message, "the token may not read private/a");
        let unnamed = refusal(401, "<html>no</html>").unwrap();
        assert_eq!(unnamed.code, ErrorCode::Unauthorized);
        assert_eq!(unnamed.message, "the hub answered 401");
        for status in [200, 400, 404, 429, 500, 503] {
            assert_eq!(refusal(status, body), None, "status {status}");
        }
    }

    #[test]
    fn a_history_reply_decodes_and_a_missing_route_is_an_error() {
        let list: HistoryReply = interpret(200, r#"{"events":[],"resume_after":"1-3"}"#).unwrap();
        assert!(list.events.is_empty());
        assert!(interpret::<HistoryReply>(200, "<!doctype html><html></html>").is_err());
        let body = r#"{"code":"not_found","message":"no such route"}"#;
        assert!(interpret::<HistoryReply>(404, body).is_err());
    }
}
