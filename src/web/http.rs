//! The HTTP transport: one `fetch` per request, with a timeout and the flow's `AbortSignal`.
//!
//! The request is built with gloo-net's `RequestBuilder` and the answer read through its
//! `Response`. Three parts of gloo-net are not used, because each would let a hostile page or
//! server break the module (a panic or a JS exception thrown through wasm frames kills it for
//! the whole page):
//! - `send()`: it panics when `fetch` rejects with something that is not an `Error` or resolves
//!   to something that is not a `Response`, which a page's own `fetch` wrapper may well do. We
//!   call the global `fetch` through a catching binding instead and check what comes back.
//! - `RequestBuilder::header`: it `unwrap_throw`s on a header value the browser refuses. The
//!   headers are built on a raw `Headers` whose `append` returns the error instead.
//! - the text/JSON readers: the body is read as a capped stream (below), as **text**, because an
//!   error page from a proxy (an HTML 502) must reach the engine as a response, not as a
//!   transport failure. Parsing is the engine's job.
//!
//! Any status is a response; only "no response at all" is a [`TransportError`], and so are
//! two answers the SDK refuses to read:
//! - a **redirect**: `redirect: "manual"`, so the browser never follows one (credentials,
//!   session ids, JWTs and OTP bodies must not reach another origin) and we see it as an
//!   `opaqueredirect` answer, reported as [`TransportError::Redirected`];
//! - a body over [`MAX_BODY_BYTES`], counted chunk by chunk while reading the stream, which
//!   is then cancelled: [`TransportError::BodyTooLarge`], without ever holding the rest.
//!
//! `Retry-After` and `ratio-authentication-refresh` are not CORS-safelisted: a cross-origin
//! server must list them in `Access-Control-Expose-Headers` or the browser hides them.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder, Response};
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStream, ReadableStreamDefaultReader,
    RequestCache, RequestRedirect, ResponseType,
};

use super::abort::AbortListener;
use super::errors::{ErrorKind, RatioAuthError};
use super::js::{property, thrown_message};
use super::time::Timer;

/// The header with which Ratio hands the client a JWT to use from then on.
pub const REFRESH_HEADER: &str = "ratio-authentication-refresh";

/// Largest response body read (256 KiB): Ratio's answers are a few KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Header names whose values are credentials: never printed.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "ratio-client-secret",
    "ratio-client-session-id",
    "ratio-device-fingerprint",
];

#[wasm_bindgen]
extern "C" {
    // The global `fetch` rather than `window.fetch`: workers have it too.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;
}

/// A request as the engine describes it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// A response, whatever its status.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// The raw `Retry-After` value; [`crate::backoff::parse_retry_after`] reads it.
    pub retry_after: Option<String>,
    /// The `ratio-authentication-refresh` header: a JWT to switch to.
    pub refresh_jwt: Option<String>,
    pub body: String,
}

/// No response came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The timeout elapsed before the whole body arrived.
    Timeout,
    /// Connection refused or dropped, DNS, offline, CORS refusal, a request the browser refused
    /// to build; the browser's message.
    Network(String),
    /// The caller's signal fired.
    Aborted,
    /// The server answered with a redirect, which is never followed.
    Redirected,
    /// The body was longer than [`MAX_BODY_BYTES`]; reading stopped there.
    BodyTooLarge,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Timeout => f.write_str("the server did not answer in time"),
            TransportError::Network(message) => write!(f, "network error: {message}"),
            TransportError::Aborted => f.write_str("the request was aborted"),
            TransportError::Redirected => {
                f.write_str("the server answered with a redirect, which is never followed")
            }
            TransportError::BodyTooLarge => write!(
                f,
                "the server's answer is longer than {MAX_BODY_BYTES} bytes"
            ),
        }
    }
}

impl std::error::Error for TransportError {}

impl From<TransportError> for RatioAuthError {
    fn from(error: TransportError) -> RatioAuthError {
        error.to_js_error("")
    }
}

impl TransportError {
    /// The JS error, its message starting with `prefix` (e.g. `"api.smsSend: "`). A network
    /// error's browser text is its `details`.
    pub fn to_js_error(&self, prefix: &str) -> RatioAuthError {
        let kind = match self {
            TransportError::Timeout => ErrorKind::Timeout,
            TransportError::Network(detail) => {
                return RatioAuthError::detailed(
                    ErrorKind::Network,
                    format!("{prefix}network error"),
                    detail,
                    false,
                );
            }
            TransportError::Aborted => ErrorKind::Aborted,
            TransportError::Redirected | TransportError::BodyTooLarge => ErrorKind::BadResponse,
        };
        RatioAuthError::new(kind, format!("{prefix}{self}"))
    }
}

/// A [`TransportError`] with the JS value behind it: what `fetch` (or reading the body) threw
/// or rejected with, for a [`TransportError::Network`] (a `RatioAuthError`'s `cause`).
#[derive(Debug)]
pub struct TransportFailure {
    pub error: TransportError,
    pub thrown: Option<JsValue>,
}

/// Sends `request`. `timeout_ms` covers everything up to the last byte of the body; `signal`
/// (the flow's) cancels the request for real, through the request's own `AbortController`.
/// Dropping the returned future also cancels it.
pub async fn fetch(
    request: &HttpRequest,
    timeout_ms: Option<u64>,
    signal: Option<&AbortSignal>,
) -> Result<HttpResponse, TransportError> {
    fetch_traced(request, timeout_ms, signal)
        .await
        .map_err(|failure| failure.error)
}

/// [`fetch`], keeping the JS value behind a network error.
pub async fn fetch_traced(
    request: &HttpRequest,
    timeout_ms: Option<u64>,
    signal: Option<&AbortSignal>,
) -> Result<HttpResponse, TransportFailure> {
    let only = |error| TransportFailure {
        error,
        thrown: None,
    };
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(only(TransportError::Aborted));
    }
    let controller = AbortController::new().map_err(|error| TransportFailure {
        error: TransportError::Network(format!("no AbortController: {}", thrown_message(&error))),
        thrown: Some(error),
    })?;
    let timed_out = Rc::new(Cell::new(false));
    let _timer = timeout_ms.map(|ms| {
        let controller = controller.clone();
        let timed_out = timed_out.clone();
        Timer::new(ms, move || {
            timed_out.set(true);
            controller.abort();
        })
    });
    let _caller_link = signal.map(|signal| {
        let controller = controller.clone();
        AbortListener::new(signal, move || controller.abort())
    });
    let cancel_on_drop = CancelOnDrop(Some(controller.clone()));

    let result = send(request, &controller.signal()).await;
    cancel_on_drop.disarm();
    result.map_err(|failure| {
        let thrown = match failure {
            SendFailure::Refused(error) => return only(error),
            SendFailure::Thrown(thrown) => thrown,
        };
        // A timeout's and an abort's rejection is the AbortError of this request's own
        // controller: nothing to keep.
        if timed_out.get() {
            only(TransportError::Timeout)
        } else if signal.is_some_and(AbortSignal::aborted) {
            only(TransportError::Aborted)
        } else {
            TransportFailure {
                error: TransportError::Network(format!(
                    "{} {}: {}",
                    request.method,
                    request.url,
                    thrown_message(&thrown)
                )),
                thrown: Some(thrown),
            }
        }
    })
}

/// Why [`send`] produced no response: JS threw (sorted out by the caller), or we refused.
enum SendFailure {
    Thrown(JsValue),
    Refused(TransportError),
}

impl From<JsValue> for SendFailure {
    fn from(thrown: JsValue) -> SendFailure {
        SendFailure::Thrown(thrown)
    }
}

async fn send(request: &HttpRequest, signal: &AbortSignal) -> Result<HttpResponse, SendFailure> {
    let headers = Headers::new()?;
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    if request.body.is_some() && !headers.has("content-type")? {
        headers.set("content-type", "application/json")?;
    }
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        SendFailure::Refused(TransportError::Network("not an HTTP method".to_owned()))
    })?;
    let cache = if method == Method::GET {
        RequestCache::NoStore
    } else {
        RequestCache::Default
    };
    let builder = RequestBuilder::new(&request.url)
        .method(method)
        .headers(gloo_net::http::Headers::from_raw(headers))
        // Auth answers are one-off: never from or into the HTTP cache. A POST is never answered
        // from the cache whatever the server sends (RFC 9111 §4: a stored POST answer serves no
        // later POST), so POSTs keep the `default` mode: `no-store`, `reload` and `no-cache` all
        // make Chromium skip its CORS preflight cache too, doubling every flow's requests. GETs
        // (getUser) could be cached on the server's word, so they stay `no-store`.
        .cache(cache)
        .redirect(RequestRedirect::Manual)
        .abort_signal(Some(signal));
    let built = match &request.body {
        Some(body) => builder.body(JsValue::from_str(body)),
        None => builder.build(),
    };
    let fetch_request: web_sys::Request = built
        .map_err(|error| SendFailure::Refused(TransportError::Network(error.to_string())))?
        .into();
    let answer = JsFuture::from(global_fetch(&fetch_request)?).await?;
    let Ok(raw) = answer.dyn_into::<web_sys::Response>() else {
        return Err(SendFailure::Refused(TransportError::Network(
            "fetch resolved to something that is not a Response".to_owned(),
        )));
    };
    let response = Response::from(raw);
    if response.type_() == ResponseType::Opaqueredirect || (300..400).contains(&response.status()) {
        return Err(SendFailure::Refused(TransportError::Redirected));
    }
    // Both names are valid header names, so `get` cannot throw.
    let response_headers = response.headers();
    let retry_after = response_headers.get("retry-after");
    let refresh_jwt = response_headers
        .get(REFRESH_HEADER)
        .filter(|jwt| !jwt.is_empty());
    let body = read_capped_body(response.body()).await?;
    Ok(HttpResponse {
        status: response.status(),
        retry_after,
        refresh_jwt,
        body,
    })
}

/// The body as UTF-8 text (invalid sequences replaced, as `Response.text()` does), read from
/// its stream chunk by chunk; past [`MAX_BODY_BYTES`] the stream is cancelled.
async fn read_capped_body(stream: Option<ReadableStream>) -> Result<String, SendFailure> {
    let Some(stream) = stream else {
        return Ok(String::new());
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if property(&chunk, "done").as_bool() == Some(true) {
            break;
        }
        let Ok(data) = property(&chunk, "value").dyn_into::<Uint8Array>() else {
            return Err(SendFailure::Thrown(JsValue::from_str(
                "the response stream gave a chunk that is not bytes",
            )));
        };
        let length = data.length() as usize;
        if bytes.len() + length > MAX_BODY_BYTES {
            // Stops the download; the promise's outcome no longer matters.
            let _ = reader.cancel();
            return Err(SendFailure::Refused(TransportError::BodyTooLarge));
        }
        let start = bytes.len();
        bytes.resize(start + length, 0);
        data.copy_to(&mut bytes[start..]);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Aborts the request if the `fetch` future is dropped before it finished.
struct CancelOnDrop(Option<AbortController>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies carry OTPs and headers carry JWTs and credentials: show shapes, not values.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str(),
                    if is_secret_header(name) {
                        "***"
                    } else {
                        value.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(String::len))
            .finish()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("refresh_jwt", &self.refresh_jwt.as_ref().map(|_| "***"))
            .field("body_bytes", &self.body.len())
            .finish()
    }
}
