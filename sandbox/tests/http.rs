//! The HTTP surface: error bodies everywhere, body parsing and limits, routing, faults, CORS,
//! static files, response bodies against Ratio's OpenAPI schemas, and the binary itself.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratio_sandbox::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

fn send_sms(
    t: &T,
    body: impl Into<reqwest::Body>,
    content_type: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut r = t.with_creds(t.http.post(t.url(SMS_SEND))).body(body);
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    r
}

// ---------------------------------------------------------------- bodies and routing

#[tokio::test]
async fn malformed_bodies_are_invalid_body() {
    let t = start().await;
    let cases: [(&str, Option<&str>); 9] = [
        (
            r#"{"phoneNumber": "+14155550001""#,
            Some("application/json"),
        ),
        ("not json", Some("application/json")),
        (r#"{"phoneNumber": 14155550001}"#, Some("application/json")),
        (r#"{"phoneNumber": null}"#, Some("application/json")),
        (r#"["+14155550001"]"#, Some("application/json")),
        ("", Some("application/json")),
        (r#"{"phoneNumber": "+14155550001"}"#, None),
        (r#"{"phoneNumber": "+14155550001"}"#, Some("text/plain")),
        (
            r#"{"phoneNumber": "+14155550001"}"#,
            Some("application/x-www-form-urlencoded"),
        ),
    ];
    for (body, ct) in cases {
        let r = reply(send_sms(&t, body, ct).send().await.unwrap()).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{body:?} as {ct:?}: {}",
            r.text
        );
        r.error(400, "INVALID_BODY");
    }
    // A charset parameter is fine.
    let r = reply(
        send_sms(
            &t,
            r#"{"phoneNumber": "+14155550001"}"#,
            Some("application/json; charset=utf-8"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    r.ok();
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let t = start().await;
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1), "locale": "en", "nested": {"a": [1, 2]}, "walletNetwork": "ETHEREUM"}), None)
        .await;
    r.ok();
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let t = start().await;
    // Exactly 64 KiB of valid JSON (padding in an unknown field) is accepted.
    let skeleton = json!({"phoneNumber": phone(1), "pad": ""}).to_string();
    let pad = "x".repeat(64 * 1024 - skeleton.len());
    let exact = json!({"phoneNumber": phone(1), "pad": pad}).to_string();
    assert_eq!(exact.len(), 64 * 1024);
    reply(
        send_sms(&t, exact, Some("application/json"))
            .send()
            .await
            .unwrap(),
    )
    .await
    .ok();
    // One byte more is not.
    let over = json!({"phoneNumber": phone(1), "pad": format!("{pad}x")}).to_string();
    let r = reply(
        send_sms(&t, over, Some("application/json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.error(413, "PAYLOAD_TOO_LARGE");
    // Also on a route that does not read its body, and on sandbox routes.
    let big = "x".repeat(100 * 1024);
    let r = reply(
        t.http
            .post(t.url("/sandbox/reset"))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.error(413, "PAYLOAD_TOO_LARGE");
    let r = reply(
        t.http
            .post(t.url("/sandbox/users"))
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn chunked_bodies_over_64_kib_are_413_too() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = start().await;
    // No Content-Length, so the limit can only trip while reading.
    let chunk = format!(
        r#"{{"phoneNumber": "{}", "pad": "{}"}}"#,
        phone(1),
        "x".repeat(70 * 1024)
    );
    let request = format!(
        "POST {SMS_SEND} HTTP/1.1\r\nHost: 127.0.0.1\r\nratio-client-id: sandbox\r\n\
         ratio-client-secret: sandbox-secret\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let mut stream = tokio::net::TcpStream::connect(t.sandbox.addr())
        .await
        .unwrap();
    // The server may answer and close before it has read everything; that is fine.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text:.200}");
    assert!(text.contains("PAYLOAD_TOO_LARGE"), "{text:.400}");
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let t = start().await;
    t.get("/v1/nope", None).await.error(404, "NOT_FOUND");
    t.post("/v1/auth/otp/carrierPigeon:send", json!({}), None)
        .await
        .error(404, "NOT_FOUND");
    t.sandbox_get("/nope").await.error(404, "NOT_FOUND");
    t.sandbox_get("/sandbox/nope").await.error(404, "NOT_FOUND");
    let r = t.get(SMS_SEND, None).await;
    r.error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.header("allow"), Some("POST"));
    let r = reply(
        t.with_creds(t.http.put(t.url("/v1/users")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn hostile_input_never_gets_a_500() {
    let t = start().await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_obj = format!(
        r#"{{"phoneNumber": {}"x"{}}}"#,
        "[".repeat(3000),
        "]".repeat(3000)
    );
    let bodies = [
        deep.as_str(),
        deep_obj.as_str(),
        r#"{"phoneNumber": "\u0000\u0000"}"#,
        r#"{"phoneNumber": "+1٢٠٢٥٥٥٠١٢٣"}"#,
        r#"{"emailAddress": "🐀@🧀.com", "phoneNumber": "+1"}"#,
        r#"{"walletAddress": "0x𝟘𝟘𝟘", "walletType": "EVM", "signature": "0x🐀"}"#,
        r#"{"phoneId": "", "otp": "", "emailId": "", "walletAddress": "", "walletType": "", "signature": ""}"#,
        r#"{"otp": 1e400, "phoneId": 18446744073709551616}"#,
        "\u{feff}{}",
        "\"just a string\"",
        "null",
    ];
    let paths = [
        WALLET_START,
        WALLET_AUTH,
        ADD_TO_USER,
        SMS_SEND,
        SMS_AUTH,
        EMAIL_SEND,
        EMAIL_AUTH,
        "/v1/users",
        "/v1/client/sessions",
        "/sandbox/users",
        "/sandbox/faults",
        "/sandbox/clock",
    ];
    for path in paths {
        for body in bodies {
            let r = t
                .with_creds(t.http.post(t.url(path)))
                .header("content-type", "application/json")
                .header("authorization", "Bearer e30.e30.")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let r = reply(r).await;
            // Mostly 4xx; a body whose only oddity is in ignored fields may even succeed.
            assert!(
                !r.status.is_server_error(),
                "{path} {body:.40}: {} {}",
                r.status,
                r.text
            );
            if !r.status.is_success() {
                assert_error_shape(&r);
            }
        }
    }
    // Odd path segments.
    for path in [
        "/v1/users/%FF%FE",
        "/v1/client/sessions/%00",
        "/sandbox/users/..%2F..%2Fetc",
    ] {
        let r = t.get(path, None).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
        assert_error_shape(&r);
    }
}

// ---------------------------------------------------------------- faults

#[tokio::test]
async fn faults_answer_with_the_given_status_then_stop() {
    let t = start().await;
    let r = t
        .sandbox_post(
            "/sandbox/faults",
            json!({"path": SMS_SEND, "status": 429, "count": 2, "retryAfterSeconds": 3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let listed = t.sandbox_get("/sandbox/faults").await;
    assert_eq!(listed.body[0]["count"], json!(2));
    for left in [1, 0] {
        let r = t
            .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
            .await;
        r.error(429, "TOO_MANY_REQUESTS");
        assert_eq!(r.header("retry-after"), Some("3"));
        assert_eq!(
            t.sandbox_get("/sandbox/faults")
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            left
        );
    }
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .ok();
    // Nothing was sent while faulted.
    assert_eq!(t.outbox(&phone(1)).await.len(), 1);

    // Code chosen by status, or given.
    t.sandbox_post("/sandbox/faults", json!({"path": SMS_SEND, "status": 503}))
        .await;
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .error(503, "INTERNAL");
    t.sandbox_post("/sandbox/faults", json!({"path": SMS_SEND, "status": 409, "code": "ALREADY_EXISTS_PHONE", "message": "taken"}))
        .await;
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    r.error(409, "ALREADY_EXISTS_PHONE");
    assert_eq!(r.body["message"], json!("taken"));
    // Other paths are untouched; faults queue per path in order.
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": EMAIL_SEND, "status": 500}),
    )
    .await;
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": EMAIL_SEND, "status": 502}),
    )
    .await;
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), None)
        .await
        .ok();
    t.post(EMAIL_SEND, json!({"emailAddress": "a@example.com"}), None)
        .await
        .error(500, "INTERNAL");
    t.post(EMAIL_SEND, json!({"emailAddress": "a@example.com"}), None)
        .await
        .error(502, "INTERNAL");
    t.post(EMAIL_SEND, json!({"emailAddress": "a@example.com"}), None)
        .await
        .ok();
}

#[tokio::test]
async fn faults_can_delay_return_raw_bodies_or_drop_the_connection() {
    let t = start().await;
    // Delay, then handle normally.
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": SMS_SEND, "status": 200, "delayMs": 150}),
    )
    .await
    .error_free();
    let started = Instant::now();
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    r.ok();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert!(r.body["phoneId"].is_string());
    // An HTML gateway page.
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": SMS_SEND, "status": 502, "body": "<html>Bad Gateway</html>", "contentType": "text/html"}),
    )
    .await
    .error_free();
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(r.text, "<html>Bad Gateway</html>");
    assert_eq!(r.header("content-type"), Some("text/html"));
    // Malformed JSON with a 200.
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": SMS_SEND, "status": 200, "body": "{\"phoneId\": "}),
    )
    .await
    .error_free();
    let r = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text, "{\"phoneId\": ");
    assert_eq!(r.header("content-type"), Some("application/json"));
    // A dropped connection: no response at all.
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": SMS_SEND, "status": 500, "dropConnection": true}),
    )
    .await
    .error_free();
    let dropped = t
        .with_creds(t.http.post(t.url(SMS_SEND)))
        .json(&json!({"phoneNumber": phone(1)}))
        .send()
        .await;
    let err = dropped.expect_err("the connection is dropped without a response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .ok();
}

#[tokio::test]
async fn bad_fault_specs_are_refused() {
    let t = start().await;
    let post = |body: Value| t.sandbox_post("/sandbox/faults", body);
    post(json!({"status": 500}))
        .await
        .error(400, "MISSING_PATH");
    post(json!({"path": SMS_SEND}))
        .await
        .error(400, "MISSING_STATUS");
    post(json!({"path": "v1/x", "status": 500}))
        .await
        .error(400, "INVALID_BODY");
    post(json!({"path": "/sandbox/reset", "status": 500}))
        .await
        .error(400, "INVALID_BODY");
    post(json!({"path": SMS_SEND, "status": 700}))
        .await
        .error(400, "INVALID_BODY");
    post(json!({"path": SMS_SEND, "status": 500, "count": 0}))
        .await
        .error(400, "INVALID_BODY");
    post(json!({"path": SMS_SEND, "status": 500, "delayMs": 10_000_000}))
        .await
        .error(400, "INVALID_BODY");
    assert_eq!(t.sandbox_get("/sandbox/faults").await.body, json!([]));
}

trait ErrorFree {
    fn error_free(&self);
}

impl ErrorFree for Reply {
    #[track_caller]
    fn error_free(&self) {
        assert!(self.status.is_success(), "{} {}", self.status, self.text);
    }
}

// ---------------------------------------------------------------- CORS

async fn preflight(t: &T, origin: &str) -> Reply {
    let r = t
        .http
        .request(reqwest::Method::OPTIONS, t.url(SMS_SEND))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization,ratio-client-id,ratio-client-secret,ratio-client-session-id,ratio-device-fingerprint",
        )
        .send()
        .await
        .unwrap();
    reply(r).await
}

fn list(reply: &Reply, header: &str) -> Vec<String> {
    reply
        .header(header)
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn cors_allows_local_origins_and_configured_ones() {
    let t = start_with(Config {
        allowed_origins: vec!["https://demo.example".into()],
        ..Config::default()
    })
    .await;
    for origin in [
        "http://localhost:5173",
        "http://127.0.0.1:8000",
        "http://[::1]:3000",
        "http://localhost",
        "https://demo.example",
    ] {
        let r = preflight(&t, origin).await;
        assert!(r.status.is_success(), "{origin}: {}", r.status);
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        let methods = list(&r, "access-control-allow-methods");
        for m in ["get", "post", "options"] {
            assert!(methods.contains(&m.to_string()), "{methods:?}");
        }
        let headers = list(&r, "access-control-allow-headers");
        for h in [
            "content-type",
            "authorization",
            "ratio-client-id",
            "ratio-client-secret",
            "ratio-client-session-id",
            "ratio-device-fingerprint",
        ] {
            assert!(headers.contains(&h.to_string()), "{h} not in {headers:?}");
        }
    }
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "https://localhost:5173",
        "null",
    ] {
        let r = preflight(&t, origin).await;
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "{origin} allowed"
        );
    }
    // Actual responses (errors included) carry the origin and expose the two headers.
    t.sandbox_post(
        "/sandbox/faults",
        json!({"path": SMS_SEND, "status": 429, "retryAfterSeconds": 2}),
    )
    .await
    .error_free();
    for expect in [429, 200] {
        let r = t
            .with_creds(t.http.post(t.url(SMS_SEND)))
            .header("origin", "http://localhost:5173")
            .json(&json!({"phoneNumber": phone(1)}))
            .send()
            .await
            .unwrap();
        let r = reply(r).await;
        assert_eq!(r.status.as_u16(), expect);
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://localhost:5173")
        );
        let exposed = list(&r, "access-control-expose-headers");
        assert!(exposed.contains(&"retry-after".to_string()), "{exposed:?}");
        assert!(
            exposed.contains(&"ratio-authentication-refresh".to_string()),
            "{exposed:?}"
        );
    }
    // No Origin at all is fine.
    t.post(SMS_SEND, json!({"phoneNumber": phone(2)}), None)
        .await
        .ok();
}

// ---------------------------------------------------------------- static files

#[tokio::test]
async fn static_dir_is_served_at_root_without_hiding_api_404s() {
    let dir = std::env::temp_dir().join(format!("ratio-sandbox-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>demo</h1>").unwrap();
    let t = start_with(Config {
        static_dir: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    let index = t.sandbox_get("/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.text, "<h1>demo</h1>");
    assert_eq!(t.sandbox_get("/index.html").await.text, "<h1>demo</h1>");
    t.sandbox_get("/missing.js").await.error(404, "NOT_FOUND");
    t.get("/v1/nope", None).await.error(404, "NOT_FOUND");
    t.post(SMS_SEND, json!({"phoneNumber": phone(1)}), None)
        .await
        .ok();
    let _ = std::fs::remove_dir_all(&dir);
    let missing = ratio_sandbox::Sandbox::start(Config {
        static_dir: Some(dir),
        ..Config::default()
    })
    .await;
    assert!(missing.is_err(), "a missing static dir is a start error");
}

// ---------------------------------------------------------------- OpenAPI schemas

#[derive(Clone, Copy)]
enum Ty {
    Str,
    Enum(&'static [&'static str]),
    Obj(&'static Schema),
    AnyObj,
    ArrOf(&'static Ty),
    Arr,
}

struct Schema {
    name: &'static str,
    required: &'static [&'static str],
    props: &'static [(&'static str, Ty)],
}

// Transcribed from ratio-openapi-2023-06.yaml (components/schemas).
const USER_MASK: Schema = Schema {
    name: "UserMask",
    required: &[],
    props: &[
        ("id", Ty::Str),
        ("createTime", Ty::Str),
        ("updateTime", Ty::Str),
        ("phoneMask", Ty::Str),
        ("emailMask", Ty::Str),
    ],
};
const USER: Schema = Schema {
    name: "User",
    required: &[],
    props: &[
        ("id", Ty::Str),
        ("createTime", Ty::Str),
        ("updateTime", Ty::Str),
        ("firstName", Ty::Str),
        ("middleName", Ty::Str),
        ("lastName", Ty::Str),
        ("email", Ty::Str),
        ("country", Ty::Str),
        ("phone", Ty::Str),
        ("nationality", Ty::Str),
        ("occupation", Ty::Str),
        ("kyc", Ty::AnyObj),
        ("connectedBankAccounts", Ty::Arr),
        ("flags", Ty::ArrOf(&Ty::Str)),
    ],
};
const AUTH_RESPONSE: Schema = Schema {
    name: "AuthResponse",
    required: &["sessionJwt"],
    props: &[
        ("sessionJwt", Ty::Str),
        ("userMask", Ty::Obj(&USER_MASK)),
        ("user", Ty::Obj(&USER)),
    ],
};
const START_RESPONSE: Schema = Schema {
    name: "AuthenticateCryptoWalletStartResponse",
    required: &["challenge"],
    props: &[("challenge", Ty::Str)],
};
const SMS_RESPONSE: Schema = Schema {
    name: "SendSmsOtpResponse",
    required: &["phoneId"],
    props: &[("phoneId", Ty::Str), ("phoneMask", Ty::Str)],
};
const EMAIL_RESPONSE: Schema = Schema {
    name: "SendEmailOtpResponse",
    required: &["emailId", "emailMask"],
    props: &[("emailId", Ty::Str), ("emailMask", Ty::Str)],
};
const CLIENT_SESSION: Schema = Schema {
    name: "ClientSession",
    required: &[],
    props: &[
        ("id", Ty::Str),
        ("createTime", Ty::Str),
        ("updateTime", Ty::Str),
        ("signingAddress", Ty::Str),
        ("signingType", Ty::Enum(&["EVM"])),
        ("depositAddress", Ty::Str),
        ("depositType", Ty::Enum(&["EVM"])),
        ("userMask", Ty::Obj(&USER_MASK)),
        ("sessionJwt", Ty::Str),
    ],
};
const ERROR: Schema = Schema {
    name: "Error",
    required: &[],
    props: &[
        ("message", Ty::Str),
        ("createTime", Ty::Str),
        ("code", Ty::Str),
        ("data", Ty::AnyObj),
    ],
};

#[track_caller]
fn conforms(value: &Value, schema: &Schema) {
    let obj = value
        .as_object()
        .unwrap_or_else(|| panic!("{} is not an object: {value}", schema.name));
    for key in schema.required {
        assert!(
            obj.contains_key(*key),
            "{} lacks required {key}: {value}",
            schema.name
        );
    }
    for (key, v) in obj {
        let ty = schema
            .props
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, t)| *t)
            .unwrap_or_else(|| panic!("{} has undeclared property {key}", schema.name));
        check_type(v, ty, &format!("{}.{key}", schema.name));
    }
}

#[track_caller]
fn check_type(v: &Value, ty: Ty, at: &str) {
    match ty {
        Ty::Str => assert!(v.is_string(), "{at} is not a string: {v}"),
        Ty::Enum(allowed) => assert!(
            v.as_str().is_some_and(|s| allowed.contains(&s)),
            "{at} = {v} not in {allowed:?}"
        ),
        Ty::Obj(schema) => conforms(v, schema),
        Ty::AnyObj => assert!(v.is_object(), "{at} is not an object"),
        Ty::Arr => assert!(v.is_array(), "{at} is not an array"),
        Ty::ArrOf(item) => {
            let items = v
                .as_array()
                .unwrap_or_else(|| panic!("{at} is not an array"));
            for i in items {
                check_type(i, *item, at);
            }
        }
    }
}

#[tokio::test]
async fn bodies_match_the_openapi_schemas() {
    let t = start().await;
    let w = Wallet::new("schema");
    t.create_user(&phone(1), "schema@example.com", Some(&w))
        .await;

    let start = t
        .post(
            WALLET_START,
            json!({"walletAddress": w.checksum(), "walletType": "EVM"}),
            None,
        )
        .await;
    conforms(&start.body, &START_RESPONSE);
    let sig = w.sign(start.body["challenge"].as_str().unwrap());
    let one = t.wallet_authenticate(&w, &sig, None).await;
    conforms(&one.body, &AUTH_RESPONSE);
    assert!(one.body["userMask"].is_object());
    let sent = t
        .post(SMS_SEND, json!({"phoneNumber": phone(1)}), Some(&one.jwt()))
        .await;
    conforms(&sent.body, &SMS_RESPONSE);
    let otp = t.latest_otp(&phone(1)).await;
    let two = t
        .post(
            SMS_AUTH,
            json!({"phoneId": sent.body["phoneId"], "otp": otp}),
            Some(&one.jwt()),
        )
        .await;
    conforms(&two.body, &AUTH_RESPONSE);
    assert!(two.body["user"].is_object(), "two factors carry the User");
    let sent = t
        .post(
            EMAIL_SEND,
            json!({"emailAddress": "schema@example.com"}),
            Some(&two.jwt()),
        )
        .await;
    conforms(&sent.body, &EMAIL_RESPONSE);

    // A new user through POST /v1/users.
    let n = Wallet::new("schema-new");
    let jwt = t.wallet_login(&n, None).await.jwt();
    let jwt = t.sms_login(&phone(2), Some(&jwt)).await.jwt();
    let user = t
        .post(
            "/v1/users",
            json!({"firstName": "A", "middleName": "B", "lastName": "C", "email": "n@example.com", "country": "us", "phone": phone(2), "acceptedTerms": true}),
            Some(&jwt),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED);
    conforms(&user.body, &USER);
    assert_eq!(user.body["country"], json!("US"));
    let me = t
        .get(
            &format!("/v1/users/{}", user.body["id"].as_str().unwrap()),
            user.header("ratio-authentication-refresh"),
        )
        .await;
    conforms(&me.body, &USER);

    let cs = t
        .post(
            "/v1/client/sessions",
            json!({"signingAddress": w.checksum(), "signingType": "EVM"}),
            None,
        )
        .await;
    conforms(&cs.body, &CLIENT_SESSION);
    let got = t
        .sandbox_get(&format!(
            "/v1/client/sessions/{}",
            cs.body["id"].as_str().unwrap()
        ))
        .await;
    conforms(&got.body, &CLIENT_SESSION);

    for err in [
        t.post(SMS_SEND, json!({"phoneNumber": "x"}), None).await,
        t.get("/v1/nope", None).await,
        t.get(SMS_SEND, None).await,
    ] {
        conforms(&err.body, &ERROR);
    }
}

// ---------------------------------------------------------------- the binary

/// The first line the binary prints; the rest is drained in the background so it never
/// blocks on a full pipe.
fn first_line(stdout: std::process::ChildStdout) -> String {
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line");
    std::thread::spawn(move || {
        let mut rest = String::new();
        while reader.read_line(&mut rest).is_ok_and(|n| n > 0) {
            rest.clear();
        }
    });
    line
}

#[tokio::test]
async fn binary_prints_its_real_address_seeds_users_and_stops_on_sigterm() {
    let seed = std::env::temp_dir().join(format!("ratio-sandbox-seed-{}.json", std::process::id()));
    let wallet = Wallet::new("seeded-by-file");
    std::fs::write(
        &seed,
        json!([{"phoneNumber": phone(42), "emailAddress": "seed@example.com", "walletAddress": wallet.checksum()}]).to_string(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ratio-sandbox"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--fixed-otp",
            "000000",
            "--client-secret",
            "bin-secret",
            "--seed",
        ])
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || first_line(stdout))
        .await
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    let port: u16 = base.rsplit(':').next().unwrap().parse().expect("a port");
    assert_ne!(port, 0, "the real bound port, not 0");

    let http = reqwest::Client::new();
    let sent: Value = http
        .post(format!("{base}{SMS_SEND}"))
        .header("ratio-client-id", "sandbox")
        .header("ratio-client-secret", "bin-secret")
        .json(&json!({"phoneNumber": phone(42)}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auth: Value = http
        .post(format!("{base}{SMS_AUTH}"))
        .header("ratio-client-id", "sandbox")
        .header("ratio-client-secret", "bin-secret")
        .json(&json!({"phoneId": sent["phoneId"], "otp": "000000"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(auth["userMask"]["phoneMask"], json!("0042"), "{auth}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let _ = std::fs::remove_file(&seed);
}

#[test]
fn binary_help_and_bad_flags() {
    let help = Command::new(env!("CARGO_BIN_EXE_ratio-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--addr",
        "--client-id",
        "--client-secret",
        "--static",
        "--fixed-otp",
        "--seed",
        "--conflict-cooldown-ms",
        "--allow-origin",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_ratio-sandbox"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let bad_otp = Command::new(env!("CARGO_BIN_EXE_ratio-sandbox"))
        .args(["--addr", "127.0.0.1:0", "--fixed-otp", "abc"])
        .output()
        .unwrap();
    assert!(!bad_otp.status.success());
}
