//! The hub's refusals as tests read them: the status and the JSON error
//! body (`herald_wire::ErrorBody`) that every refusal carries, whichever route
//! or layer refused.

use herald_wire::ErrorBody;
use reqwest::StatusCode;

/// Checks that `response` has `status` and decodes its error body.
///
/// # Panics
/// When the status differs, or the body is not a JSON error body.
pub async fn error_body(response: reqwest::Response, status: StatusCode) -> ErrorBody {
    assert_eq!(response.status(), status);
    decode(response).await
}

/// The status and error body of `response`, which the hub was expected to
/// refuse.
///
/// # Panics
/// When the hub answered with success, or the body is not a JSON error
/// body.
pub(crate) async fn refusal(response: reqwest::Response) -> (StatusCode, ErrorBody) {
    let status = response.status();
    assert!(
        !status.is_success(),
        "{} answered {status}, expected the hub to refuse it",
        response.url()
    );
    (status, decode(response).await)
}

/// `response`'s body as an error body, which the hub sends as JSON.
async fn decode(response: reqwest::Response) -> ErrorBody {
    let (url, status) = (response.url().clone(), response.status());
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{url}: the {status} reply is of type {content_type:?}, expected JSON"
    );
    response
        .json()
        .await
        .unwrap_or_else(|error| panic!("{url}: the {status} reply is not an error body: {error}"))
}
