//! What keeps web pages the developer visits away from the sandbox: a `Host` check against
//! DNS rebinding, JSON-only `/sandbox/*` POSTs (an HTML form cannot send them), an outbox
//! readable only from the sandbox's own origin, an optional admin token, and a static folder
//! without dotfiles or symlinks out of it.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::error::{ApiError, codes};
use crate::state::AppState;

pub const INVALID_HOST: &str = "INVALID_HOST";
pub const INVALID_ADMIN_TOKEN: &str = "INVALID_ADMIN_TOKEN";

/// The host part of a `Host` value (`[::1]:8080` → `[::1]`, `a.test:80` → `a.test`).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, _port)) => name,
        None => host,
    }
}

fn is_loopback_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn host_allowed(state: &AppState, host: &str) -> bool {
    let name = host_name(host);
    if is_loopback_name(name) {
        return true;
    }
    let bound = match state.config.addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let bound_ok = !state.config.addr.ip().is_unspecified() && name.eq_ignore_ascii_case(&bound);
    bound_ok
        || state
            .config
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name) || h.eq_ignore_ascii_case(host))
}

/// `http://127.0.0.1:*` matches any port of that scheme and host; anything else is exact.
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix(":*") {
        Some(prefix) => origin
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())),
        None => pattern.eq_ignore_ascii_case(origin),
    }
}

fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The outermost layer: every route, API and `/sandbox/*` alike.
pub async fn layer(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !host_allowed(&state, host) {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            INVALID_HOST,
            "this Host is not the sandbox's; start it with --allow-host NAME to accept it",
        )
        .into_response();
    }
    let path = request.uri().path();
    if path.starts_with("/sandbox/") {
        if let Err(e) = check_admin(&state, &request, host) {
            return e.into_response();
        }
    }
    next.run(request).await
}

fn check_admin(state: &AppState, request: &Request, host: &str) -> Result<(), ApiError> {
    let headers = request.headers();
    let method = request.method();
    // A CORS preflight carries no credentials; the real request that follows does.
    if method == Method::OPTIONS {
        return Ok(());
    }
    if let Some(token) = &state.config.admin_token {
        let expected = format!("Bearer {token}");
        let given = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !same_bytes(given, expected.as_bytes()) {
            return Err(ApiError::unauthorized(
                INVALID_ADMIN_TOKEN,
                "/sandbox/* needs Authorization: Bearer <the --admin-token value>",
            ));
        }
    }
    if method == Method::POST {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::INVALID_BODY,
                "/sandbox/* POSTs need Content-Type: application/json",
            ));
        }
    }
    if request.uri().path() == "/sandbox/outbox" {
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            let own = format!("http://{host}");
            let allowed = origin.eq_ignore_ascii_case(&own)
                || state
                    .config
                    .allowed_origins
                    .iter()
                    .any(|p| origin_matches(p, origin));
            if !allowed {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    codes::FORBIDDEN,
                    "the outbox is readable only from the sandbox's own origin or an --allow-origin one",
                ));
            }
        }
    }
    Ok(())
}

/// The static folder's real path, for [`static_files`].
#[derive(Debug, Clone)]
pub struct StaticRoot(pub Arc<PathBuf>);

impl StaticRoot {
    pub fn new(dir: &Path) -> StaticRoot {
        StaticRoot(Arc::new(
            dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
        ))
    }
}

/// Layer around the static folder: no dotfiles (`.env`, `.git/`), and nothing whose real path
/// (after symlinks) is outside the folder.
pub async fn static_files(
    State(root): State<StaticRoot>,
    request: Request,
    next: Next,
) -> Response {
    let decoded = percent_decode_str(request.uri().path()).decode_utf8_lossy();
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments
        .iter()
        .any(|s| s.starts_with('.') || s.contains('\\'))
    {
        return ApiError::not_found("no such file").into_response();
    }
    let target = segments.iter().fold(root.0.to_path_buf(), |p, s| p.join(s));
    if let Ok(real) = target.canonicalize() {
        if !real.starts_with(root.0.as_path()) {
            return ApiError::not_found("no such file").into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert_eq!(host_name("a.test:80"), "a.test");
        assert_eq!(host_name("a.test"), "a.test");
        assert!(is_loopback_name("localhost"));
        assert!(is_loopback_name("app.localhost"));
        assert!(is_loopback_name("127.0.0.1"));
        assert!(is_loopback_name("[::1]"));
        assert!(!is_loopback_name("evil.example"));
        assert!(!is_loopback_name("127.0.0.1.evil.example"));
    }

    #[test]
    fn origin_patterns() {
        assert!(origin_matches(
            "http://127.0.0.1:*",
            "http://127.0.0.1:5173"
        ));
        assert!(!origin_matches(
            "http://127.0.0.1:*",
            "http://127.0.0.1.evil:80"
        ));
        assert!(!origin_matches("http://127.0.0.1:*", "http://127.0.0.1:"));
        assert!(origin_matches("https://a.example", "https://a.example"));
        assert!(!origin_matches("https://a.example", "https://b.example"));
    }
}
