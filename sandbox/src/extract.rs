//! Extractors whose rejections are Ratio error bodies.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, codes};

/// Like `axum::Json`, but every rejection is a Ratio error: a missing required field is 400
/// `MISSING_<FIELD>`, anything else malformed is 400 `INVALID_BODY`, too large is 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::invalid_body(
                "the body must be JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::invalid_body(format!(
                    "could not read the body: {}",
                    rejection.body_text()
                ))
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        codes::PAYLOAD_TOO_LARGE,
        "the body is larger than 64 KiB",
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde would also read a struct from a JSON array (`["+1..."]`); Ratio's bodies are objects.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_body("the body must be a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        match missing_field(&text) {
            Some(field) => ApiError::bad_request(
                &format!("MISSING_{}", screaming_snake(field)),
                format!("the body lacks the required field {field}"),
            ),
            None => ApiError::invalid_body(format!("the body is not valid: {text}")),
        }
    })
}

/// `missing field `walletAddress` at line 1 column 2` → `walletAddress`.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

/// `walletAddress` → `WALLET_ADDRESS`.
fn screaming_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        wallet_address: String,
        wallet_type: String,
    }

    #[test]
    fn missing_fields_are_named() {
        let e = parse_json::<Body>(br#"{"walletType":"EVM"}"#).unwrap_err();
        assert_eq!(e.code, "MISSING_WALLET_ADDRESS");
        let e = parse_json::<Body>(br#"{"walletAddress":1,"walletType":"EVM"}"#).unwrap_err();
        assert_eq!(e.code, codes::INVALID_BODY);
        let e = parse_json::<Body>(br#"{"walletAddress":"#).unwrap_err();
        assert_eq!(e.code, codes::INVALID_BODY);
        let e = parse_json::<Body>(br#"["0x1", "EVM"]"#).unwrap_err();
        assert_eq!(e.code, codes::INVALID_BODY);
        assert!(
            parse_json::<Body>(br#"{"walletAddress":"x","walletType":"EVM","extra":[1]}"#).is_ok()
        );
    }
}
