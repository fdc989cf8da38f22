//! Injected faults: `POST /sandbox/faults` makes the next N calls of a path answer with a chosen
//! status (and delay, raw body, or a dropped connection), for retry and latency tests.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, default_code};
use crate::state::AppState;

/// One fault rule, as posted (and as listed, with `count` = calls left).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultSpec {
    /// Exact request path, e.g. `/v1/auth/otp/sms:send`.
    pub path: String,
    /// Status to answer; 200 without `body` means "delay, then handle normally".
    pub status: u16,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// A raw body instead of a Ratio error body (malformed JSON, an HTML 502 page, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Content type of `body`; `application/json` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Ratio error code of the generated body; by default chosen from the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Close the connection without any response.
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop_connection: bool,
    /// Run the call first (it takes effect: a code is used, a challenge spent, a wallet
    /// added), then answer with the fault instead of the real answer: a lost response.
    #[serde(default, skip_serializing_if = "is_false")]
    pub after_handler: bool,
    /// A `Location` header (with a 3xx status: a redirect the SDK must not follow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Pads the answer with this many bytes of spaces after `body`, generated while sending
    /// (never stored): a huge answer for body-cap tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_bytes: Option<u64>,
}

fn one() -> u32 {
    1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Largest accepted `bodyBytes` (64 MiB).
const MAX_BODY_BYTES: u64 = 64 << 20;

/// Longest accepted `delayMs`: long enough for timeout tests, short enough not to wedge a run.
const MAX_DELAY_MS: u64 = 120_000;

impl FaultSpec {
    pub fn validate(&self) -> Result<(), ApiError> {
        let bad = |m: &str| Err(ApiError::invalid_body(m.to_string()));
        if !self.path.starts_with('/') {
            return bad("path must be a request path starting with /");
        }
        if self.path.starts_with("/sandbox/") {
            return bad("faults cannot be set on /sandbox/ paths");
        }
        if !(200..=599).contains(&self.status) {
            return bad("status must be between 200 and 599");
        }
        if self.body.is_none()
            && !self.drop_connection
            && self.location.is_none()
            && self.status != 200
            && self.status < 400
        {
            return bad("a status other than 200 or 4xx/5xx needs a body");
        }
        if self.count == 0 {
            return bad("count must be at least 1");
        }
        if self.after_handler && self.status == 200 && self.body.is_none() && !self.drop_connection
        {
            return bad("afterHandler needs a status other than 200, a body, or dropConnection");
        }
        if self.delay_ms.unwrap_or(0) > MAX_DELAY_MS {
            return bad("delayMs must be at most 120000");
        }
        if self.body_bytes.unwrap_or(0) > MAX_BODY_BYTES {
            return bad("bodyBytes must be at most 67108864");
        }
        if let Some(location) = &self.location {
            if HeaderValue::from_str(location).is_err() {
                return bad("location is not a valid header value");
            }
        }
        if let Some(ct) = &self.content_type {
            if HeaderValue::from_str(ct).is_err() {
                return bad("contentType is not a valid header value");
            }
        }
        Ok(())
    }
}

impl FaultSpec {
    /// Refuses a rule that would store more than `max` bytes of text (a generated body that
    /// is stored as a length is not text and does not count).
    pub fn check_size(&self, max: usize) -> Result<(), ApiError> {
        let stored = [
            &self.body,
            &self.content_type,
            &self.code,
            &self.message,
            &self.location,
        ]
        .iter()
        .filter_map(|t| t.as_ref().map(String::len))
        .sum::<usize>()
            + self.path.len();
        if stored > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::error::codes::PAYLOAD_TOO_LARGE,
                format!("a fault rule may store at most {max} bytes of text, this one {stored}"),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct Faults {
    by_path: HashMap<String, VecDeque<FaultSpec>>,
}

impl Faults {
    /// Queues a rule behind any already set for the same path.
    pub fn add(&mut self, spec: FaultSpec) {
        self.by_path
            .entry(spec.path.clone())
            .or_default()
            .push_back(spec);
    }

    /// Uses up one call of the first rule for `path`.
    pub fn take(&mut self, path: &str) -> Option<FaultSpec> {
        let queue = self.by_path.get_mut(path)?;
        let front = queue.front_mut()?;
        let taken = FaultSpec {
            count: 1,
            ..front.clone()
        };
        front.count -= 1;
        if front.count == 0 {
            queue.pop_front();
        }
        if queue.is_empty() {
            self.by_path.remove(path);
        }
        Some(taken)
    }

    /// Rules queued, over all paths.
    pub fn rule_count(&self) -> usize {
        self.by_path.values().map(VecDeque::len).sum()
    }

    /// Rules still pending, with `count` = calls left.
    pub fn list(&self) -> Vec<FaultSpec> {
        let mut all: Vec<FaultSpec> = self.by_path.values().flatten().cloned().collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    }

    pub fn clear(&mut self) {
        self.by_path.clear();
    }
}

/// The layer: applies the next fault for the request's path, if any.
pub async fn layer(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/sandbox/") {
        return next.run(request).await;
    }
    let Some(fault) = state.faults.lock().take(path) else {
        return next.run(request).await;
    };
    if let Some(ms) = fault.delay_ms.filter(|&ms| ms > 0) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.after_handler {
        // The call takes effect; only its answer is lost.
        drop(next.run(request).await);
    } else if fault.status == 200
        && fault.body.is_none()
        && fault.body_bytes.is_none()
        && !fault.drop_connection
    {
        return next.run(request).await;
    }
    if fault.drop_connection {
        return Response::new(Body::new(AbortBody));
    }
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match (&fault.body, fault.body_bytes) {
        (body, Some(padding)) => {
            let mut r = Response::new(Body::new(PaddedBody {
                head: Some(Bytes::from(body.clone().unwrap_or_default())),
                remaining: padding,
            }));
            *r.status_mut() = status;
            let ct = fault.content_type.as_deref().unwrap_or("application/json");
            if let Ok(v) = HeaderValue::from_str(ct) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r
        }
        (None, None) if fault.location.is_some() && status.is_redirection() => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = status;
            r
        }
        (Some(body), None) => {
            let mut r = (status, body.clone()).into_response();
            let ct = fault.content_type.as_deref().unwrap_or("application/json");
            if let Ok(v) = HeaderValue::from_str(ct) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            r
        }
        (None, None) => {
            let code = fault
                .code
                .clone()
                .unwrap_or_else(|| default_code(status).to_string());
            let message = fault
                .message
                .clone()
                .unwrap_or_else(|| format!("injected fault: {}", status.as_u16()));
            ApiError::new(status, code, message).into_response()
        }
    };
    if let Some(secs) = fault.retry_after_seconds {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(location) = fault.location.as_deref() {
        if let Ok(v) = HeaderValue::from_str(location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
    response
}

/// `head`, then `remaining` spaces in 64 KiB frames, made as they are sent.
struct PaddedBody {
    head: Option<Bytes>,
    remaining: u64,
}

impl http_body::Body for PaddedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(head) = self.head.take().filter(|head| !head.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let chunk = self.remaining.min(64 * 1024);
        self.remaining -= chunk;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![
            b' ';
            chunk as usize
        ])))))
    }
}

/// A body that fails before its first byte: hyper then closes the connection without having
/// flushed the response head, which the client sees as a dropped connection.
struct AbortBody;

impl http_body::Body for AbortBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault: drop connection",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(path: &str, count: u32) -> FaultSpec {
        FaultSpec {
            path: path.into(),
            status: 503,
            count,
            retry_after_seconds: None,
            delay_ms: None,
            body: None,
            content_type: None,
            code: None,
            message: None,
            drop_connection: false,
            after_handler: false,
            location: None,
            body_bytes: None,
        }
    }

    #[test]
    fn counts_down_then_queues_next() {
        let mut f = Faults::default();
        f.add(spec("/a", 2));
        f.add(FaultSpec {
            status: 429,
            ..spec("/a", 1)
        });
        assert_eq!(f.take("/a").map(|s| s.status), Some(503));
        assert_eq!(f.list()[0].count, 1);
        assert_eq!(f.take("/a").map(|s| s.status), Some(503));
        assert_eq!(f.take("/a").map(|s| s.status), Some(429));
        assert_eq!(f.take("/a"), None);
        assert!(f.list().is_empty());
    }

    #[test]
    fn after_handler_needs_something_to_lose() {
        let after = |status, drop_connection| FaultSpec {
            status,
            drop_connection,
            after_handler: true,
            ..spec("/v1/x", 1)
        };
        assert!(after(200, false).validate().is_err());
        assert!(after(200, true).validate().is_ok());
        assert!(after(503, false).validate().is_ok());
    }

    #[test]
    fn validation() {
        assert!(spec("/v1/x", 1).validate().is_ok());
        assert!(spec("v1/x", 1).validate().is_err());
        assert!(spec("/sandbox/reset", 1).validate().is_err());
        assert!(spec("/v1/x", 0).validate().is_err());
        assert!(
            FaultSpec {
                status: 302,
                ..spec("/v1/x", 1)
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultSpec {
                status: 200,
                delay_ms: Some(10),
                ..spec("/v1/x", 1)
            }
            .validate()
            .is_ok()
        );
    }
}
