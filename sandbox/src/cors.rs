//! CORS: the demo page and browser tests run on `http://localhost:<any port>` or
//! `http://127.0.0.1:<any port>`, so those are always allowed; other origins by flag.

use std::time::Duration;

use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::auth::{CLIENT_ID, CLIENT_SECRET, CLIENT_SESSION_ID};
use crate::refresh::REFRESH_HEADER;

pub fn layer(extra_origins: &[String]) -> CorsLayer {
    let extra: Vec<String> = extra_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_string())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(
            move |origin: &HeaderValue, _: &Parts| {
                origin
                    .to_str()
                    .is_ok_and(|o| is_local(o) || extra.iter().any(|e| e == o))
            },
        ))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static(CLIENT_ID),
            HeaderName::from_static(CLIENT_SECRET),
            HeaderName::from_static(CLIENT_SESSION_ID),
            HeaderName::from_static("ratio-device-fingerprint"),
        ])
        .expose_headers([header::RETRY_AFTER, REFRESH_HEADER])
        .max_age(Duration::from_secs(600))
}

/// `http://localhost`, `http://127.0.0.1` or `http://[::1]`, with or without a port.
pub fn is_local(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|host| match rest.strip_prefix(host) {
            Some("") => true,
            Some(port) => port.strip_prefix(':').is_some_and(|p| {
                !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
            }),
            None => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_origins() {
        for ok in [
            "http://localhost",
            "http://localhost:5173",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
        ] {
            assert!(is_local(ok), "{ok}");
        }
        for bad in [
            "https://localhost:5173",
            "http://localhost.evil.com",
            "http://localhost:",
            "http://localhost:80/",
            "http://127.0.0.1.nip.io",
            "http://example.com",
            "null",
        ] {
            assert!(!is_local(bad), "{bad}");
        }
    }
}
