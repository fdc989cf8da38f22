//! Every API response parser: `decode_response` for each response type, `ErrorBody::read`,
//! `ErrorCode::parse`, and the header reading of `HttpResponse::from_parts` (`Retry-After`,
//! `ratio-authentication-refresh`).
//!
//! Invariants: no panic; error codes round-trip; a non-2xx is always `Status` and a 2xx never
//! is; `Malformed` details never quote the body; `Debug` of a response or a decoded body never
//! shows a session JWT or the refresh JWT.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratio_auth::api::{
    ApiError, AuthResponse, ClientSession, EmailSendResponse, EmptyResponse, ErrorBody, ErrorCode,
    HttpResponse, SmsSendResponse, User, WalletStartResponse, decode_response,
};
use ratio_auth::json::FromJson;

/// The input is a response as text, so that the seeds are real answers of the sandbox:
/// the status on the first line, then `name: value` header lines, a blank line, the body.
fn parse_input(data: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(200);
    let headers = lines
        .map(|l| match l.split_once(':') {
            Some((n, v)) => (n.to_owned(), v.to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect();
    (status, headers, body.to_owned())
}

fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = parse_input(data);
    let response = HttpResponse::from_parts(status, headers.iter().cloned(), body.as_str());
    check_headers(&headers, &response);

    decode::<WalletStartResponse>(&response);
    decode::<EmptyResponse>(&response);
    decode::<SmsSendResponse>(&response);
    decode::<EmailSendResponse>(&response);
    decode::<User>(&response);
    if let Some(auth) = decode::<AuthResponse>(&response) {
        assert_hidden(auth.session_jwt.expose(), &format!("{auth:?}"), &body);
    }
    if let Some(session) = decode::<ClientSession>(&response)
        && let Some(jwt) = &session.session_jwt
    {
        assert_hidden(jwt.expose(), &format!("{session:?}"), &body);
    }

    if let Some(error) = ErrorBody::read(&body) {
        if let Some(code) = error.code.as_ref().filter(|c| **c != ErrorCode::Unknown) {
            assert_eq!(ErrorCode::parse(code.as_str()), *code);
        }
    }
    // A code-shaped text keeps its text; anything else reads as UNKNOWN, never verbatim.
    let code = ErrorCode::parse(&body);
    let code_shaped = (1..=64).contains(&body.len())
        && body
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if code_shaped {
        assert_eq!(code.as_str(), body, "a code must keep its text");
    } else {
        assert_eq!(code, ErrorCode::Unknown, "server text passed on as a code");
    }
    assert_eq!(body.parse::<ErrorCode>(), Ok(code));
});

fn decode<T: FromJson>(response: &HttpResponse) -> Option<T> {
    let result = decode_response::<T>(response);
    match &result {
        Ok(_) => assert!(response.is_success()),
        Err(ApiError::Status { status, .. }) => {
            assert!(!response.is_success());
            assert_eq!(*status, response.status);
        }
        Err(ApiError::Malformed { status, detail }) => {
            assert!(response.is_success());
            assert_eq!(*status, response.status);
            // Only the category, the position and a field name of our own types.
            assert!(
                detail
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " `(),_".contains(c)),
                "detail quotes the body: {detail:?}"
            );
        }
        Err(ApiError::Encode { .. }) => panic!("decoding never reports an encode error"),
    }
    if let Err(e) = &result {
        let _ = (e.to_string(), e.code(), e.status());
    }
    result.ok()
}

/// `from_parts` keeps the first non-empty `Retry-After` / refresh header (any case), trimmed.
fn check_headers(headers: &[(String, String)], response: &HttpResponse) {
    let first = |name: &str| {
        headers
            .iter()
            .filter(|(n, v)| n.eq_ignore_ascii_case(name) && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .next()
    };
    assert_eq!(response.retry_after, first("retry-after"));
    let refresh = first("ratio-authentication-refresh");
    assert_eq!(
        response.refresh_jwt.as_ref().map(|s| s.expose().to_owned()),
        refresh
    );
    if let Some(jwt) = &refresh {
        let shown = format!("{response:?}");
        let elsewhere = response
            .retry_after
            .as_deref()
            .unwrap_or("")
            .contains(jwt.as_str())
            || response.body.contains(jwt.as_str());
        if looks_like_a_token(jwt) && !elsewhere {
            assert!(!shown.contains(jwt.as_str()), "refresh JWT shown: {shown}");
        }
    }
}

/// A JWT read from a body must not show in `Debug` (unless the body holds the same text in
/// another field, where it is not a JWT).
fn assert_hidden(jwt: &str, shown: &str, body: &str) {
    if !looks_like_a_token(jwt) || body.matches(jwt).count() > 1 {
        return;
    }
    assert!(!shown.contains(jwt), "session JWT shown: {shown}");
}

/// Long enough and with a digit or a dot: `Debug`'s own text (type and field names) cannot
/// contain it, so finding it there means the value leaked.
fn looks_like_a_token(text: &str) -> bool {
    text.len() >= 8 && text.bytes().any(|b| b.is_ascii_digit() || b == b'.')
}
