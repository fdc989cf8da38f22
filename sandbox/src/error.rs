//! The Ratio error body (`{createTime, message, code}`) and the codes the sandbox answers with.

use std::time::{Duration, SystemTime};

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Ratio error codes. Clients branch on these, so they are spelled once, here.
pub mod codes {
    pub const INVALID_BODY: &str = "INVALID_BODY";
    pub const INVALID_WALLET_ADDRESS: &str = "INVALID_WALLET_ADDRESS";
    pub const INVALID_WALLET_TYPE: &str = "INVALID_WALLET_TYPE";
    pub const INVALID_PHONE: &str = "INVALID_PHONE";
    pub const INVALID_EMAIL: &str = "INVALID_EMAIL";
    pub const INVALID_SIGNATURE: &str = "INVALID_SIGNATURE";
    pub const INVALID_COUNTRY: &str = "INVALID_COUNTRY";
    pub const INVALID_ACCEPTED_TERMS: &str = "INVALID_ACCEPTED_TERMS";
    pub const INVALID_OTP: &str = "INVALID_OTP";
    pub const INVALID_CLIENT_SECRET: &str = "INVALID_CLIENT_SECRET";
    pub const INVALID_JWT: &str = "INVALID_JWT";
    pub const EXPIRED_JWT: &str = "EXPIRED_JWT";
    pub const MFA_REQUIRED: &str = "MFA_REQUIRED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const USER_NOT_FOUND: &str = "USER_NOT_FOUND";
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    pub const GONE: &str = "GONE";
    pub const ALREADY_EXISTS_PHONE: &str = "ALREADY_EXISTS_PHONE";
    pub const ALREADY_EXISTS_EMAIL: &str = "ALREADY_EXISTS_EMAIL";
    pub const ALREADY_EXISTS_WALLET_ADDRESS: &str = "ALREADY_EXISTS_WALLET_ADDRESS";
    pub const ALREADY_EXISTS_USER: &str = "ALREADY_EXISTS_USER";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    pub const TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";
    pub const INTERNAL: &str = "INTERNAL";
}

/// An error answer: status, Ratio code, human message, and `Retry-After` for 429s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Whole seconds for the `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::bad_request(codes::INVALID_BODY, message)
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn invalid_jwt(message: impl Into<String>) -> Self {
        Self::unauthorized(codes::INVALID_JWT, message)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    pub fn mfa_required() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            codes::MFA_REQUIRED,
            "this call needs a two-factor session JWT",
        )
    }

    /// 429 with `Retry-After` = `wait` rounded up to whole seconds, at least 1.
    pub fn too_many_requests(wait: Duration, message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(retry_after_secs(wait)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::TOO_MANY_REQUESTS,
                message,
            )
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// `Retry-After` seconds: rounded up, never 0 (a 0 invites an instant retry storm).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// The wire shape of the error body (the OpenAPI `Error` schema).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    create_time: String,
    message: &'a str,
    code: &'a str,
}

/// RFC 3339 in UTC with milliseconds, e.g. `2023-06-01T12:00:00.000Z`.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Serialises an error body; `code` and `message` are plain strings, so this cannot fail in
/// practice, and a fixed body stands in if it ever did.
pub fn error_body(code: &str, message: &str) -> Vec<u8> {
    let body = ErrorBody {
        create_time: rfc3339(SystemTime::now()),
        message,
        code,
    };
    serde_json::to_vec(&body).unwrap_or_else(|_| {
        br#"{"createTime":"1970-01-01T00:00:00.000Z","message":"error","code":"INTERNAL"}"#.to_vec()
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, error_body(&self.code, &self.message)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The code an error of this status gets when nothing more specific is known (framework
/// rejections, injected faults).
pub fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 415 | 422 => codes::INVALID_BODY,
        401 => codes::INVALID_CLIENT_SECRET,
        403 => codes::FORBIDDEN,
        404 => codes::NOT_FOUND,
        405 => codes::METHOD_NOT_ALLOWED,
        409 => "CONFLICT",
        410 => codes::GONE,
        413 => codes::PAYLOAD_TOO_LARGE,
        429 => codes::TOO_MANY_REQUESTS,
        500..=599 => codes::INTERNAL,
        _ => "ERROR",
    }
}

/// Layer: any error response that is not already JSON (axum's 405, tower-http's 413, a static
/// file 404, ...) gets a Ratio error body, so clients meet one error shape everywhere.
pub async fn normalize_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (mut parts, _body) = response.into_parts();
    let message = status.canonical_reason().unwrap_or("error").to_string();
    let mut rebuilt = ApiError::new(status, default_code(status), message).into_response();
    // Keep informative headers (`Allow` on 405, CORS set by outer layers later anyway).
    for (name, value) in rebuilt.headers().iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    *rebuilt.headers_mut() = parts.headers;
    rebuilt
}

/// Answer for a panic caught by the outermost layer: a bug, never bad input, but still the
/// Ratio body so clients do not choke on it.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("internal error in the sandbox").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(300)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1000)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(59)), 59);
    }

    #[test]
    fn rfc3339_is_utc_with_millis() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_685_620_800_123);
        assert_eq!(rfc3339(t), "2023-06-01T12:00:00.123Z");
    }
}
