//! Issue #9: faults that must not stick, bounded tables, connection limits, and admin
//! endpoints a web page cannot reach.

mod support;

use std::time::{Duration, Instant};

use ratio_sandbox::{Caps, Config, Sandbox};
use serde_json::json;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn with_caps(caps: Caps) -> Config {
    Config {
        conflict_cooldown: Duration::from_millis(300),
        caps,
        ..Config::default()
    }
}

#[tokio::test]
async fn a_huge_clock_advance_is_refused_and_nothing_breaks() {
    let t = start().await;
    for body in [
        json!({"advanceSeconds": 300_000_000_000u64}),
        json!({"advanceMs": 18_000_000_000_000_000_000u64}),
        json!({"advanceMs": u64::MAX, "advanceSeconds": u64::MAX}),
    ] {
        t.sandbox_post("/sandbox/clock", body)
            .await
            .error(400, "INVALID_BODY");
    }
    let clock = t.sandbox_get("/sandbox/clock").await;
    clock.ok();
    assert_eq!(clock.body["offsetMs"], json!(0));
    // JWT minting and dates still work.
    let wallet = Wallet::new("clock");
    t.wallet_login(&wallet, None).await.ok();
    // A legal move still works.
    t.sandbox_post("/sandbox/clock", json!({"advanceSeconds": 600}))
        .await
        .ok();
}

#[tokio::test]
async fn bad_signatures_burn_the_challenge() {
    let t = start().await;
    let wallet = Wallet::new("burn");
    let other = Wallet::new("someone else");
    let challenge = t.challenge(&wallet, None).await;
    for _ in 0..3 {
        t.wallet_authenticate(&wallet, &other.sign(&challenge), None)
            .await
            .error(400, "INVALID_SIGNATURE");
    }
    // The right signature over the burnt challenge is refused too.
    t.wallet_authenticate(&wallet, &wallet.sign(&challenge), None)
        .await
        .error(400, "INVALID_SIGNATURE");
    t.wallet_login(&wallet, None).await.ok();
}

#[tokio::test]
async fn repeating_the_conflict_does_not_extend_the_cool_down() {
    let t = start().await;
    let p = phone(901);
    t.create_user(&p, "cool@example.com", None).await;
    let newcomer = Wallet::new("cool newcomer");
    let jwt = t.wallet_login(&newcomer, None).await.jwt();
    t.post(SMS_SEND, json!({"phoneNumber": p}), Some(&jwt))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    t.post(SMS_SEND, json!({"phoneNumber": p}), None)
        .await
        .error(429, "TOO_MANY_REQUESTS");
    // Repeat the conflict just before the 300 ms end, then step past the first deadline.
    t.advance(Duration::from_millis(250));
    t.post(SMS_SEND, json!({"phoneNumber": p}), Some(&jwt))
        .await
        .error(409, "ALREADY_EXISTS_PHONE");
    t.advance(Duration::from_millis(100));
    t.post(SMS_SEND, json!({"phoneNumber": p}), None).await.ok();
}

#[tokio::test]
async fn full_challenge_table_answers_503_then_sweeps_expired() {
    let t = start_with(with_caps(Caps {
        challenge_wallets: 5,
        ..Caps::default()
    }))
    .await;
    for n in 0..5 {
        t.challenge(&Wallet::new(&format!("cap {n}")), None).await;
    }
    let extra = Wallet::new("cap extra");
    let body = json!({"walletAddress": extra.checksum(), "walletType": "EVM"});
    let full = t.post(WALLET_START, body.clone(), None).await;
    full.error(503, "SANDBOX_FULL");
    // A wallet that already has challenges may still get another.
    t.challenge(&Wallet::new("cap 0"), None).await;
    t.advance(Duration::from_secs(5 * 60));
    t.post(WALLET_START, body, None).await.ok();
}

#[tokio::test]
async fn fault_rules_are_capped_in_count_and_size() {
    let t = start_with(with_caps(Caps {
        fault_rules: 3,
        fault_rule_bytes: 1024,
        ..Caps::default()
    }))
    .await;
    let rule = json!({"path": "/v1/x", "status": 503});
    for _ in 0..3 {
        let r = t.sandbox_post("/sandbox/faults", rule.clone()).await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    }
    t.sandbox_post("/sandbox/faults", rule.clone())
        .await
        .error(503, "SANDBOX_FULL");
    t.sandbox_post("/sandbox/reset", json!({})).await.ok();
    let big = json!({"path": "/v1/x", "status": 502, "body": "x".repeat(2000)});
    t.sandbox_post("/sandbox/faults", big)
        .await
        .error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn users_are_capped() {
    let t = start_with(with_caps(Caps {
        users: 2,
        ..Caps::default()
    }))
    .await;
    t.create_user(&phone(1), "u1@example.com", None).await;
    t.create_user(&phone(2), "u2@example.com", None).await;
    t.sandbox_post(
        "/sandbox/users",
        json!({"phoneNumber": phone(3), "emailAddress": "u3@example.com"}),
    )
    .await
    .error(503, "SANDBOX_FULL");
}

#[tokio::test]
async fn contacts_and_send_limits_are_capped_and_swept() {
    let t = start_with(with_caps(Caps {
        contacts: 3,
        rate_limit_keys: 3,
        ..Caps::default()
    }))
    .await;
    for n in 0..3 {
        t.post(SMS_SEND, json!({"phoneNumber": phone(n)}), None)
            .await
            .ok();
    }
    t.post(SMS_SEND, json!({"phoneNumber": phone(3)}), None)
        .await
        .error(503, "SANDBOX_FULL");
    // Once codes and send windows are over, the entries are swept and room is back.
    t.advance(Duration::from_secs(3 * 60));
    t.post(SMS_SEND, json!({"phoneNumber": phone(3)}), None)
        .await
        .ok();
}

#[tokio::test]
async fn an_expired_client_session_is_no_credential() {
    let t = start_with(with_caps(Caps {
        client_session_ttl: Duration::from_secs(60),
        ..Caps::default()
    }))
    .await;
    let wallet = Wallet::new("client session");
    let created = t
        .post(
            "/v1/client/sessions",
            json!({"signingAddress": wallet.checksum(), "signingType": "EVM"}),
            None,
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let id = created.body["id"].as_str().expect("id").to_string();
    let start = |t: &T| {
        t.http
            .post(t.url(WALLET_START))
            .header("ratio-client-session-id", id.clone())
            .json(&json!({"walletAddress": wallet.checksum(), "walletType": "EVM"}))
            .send()
    };
    reply(start(&t).await.expect("sends")).await.ok();
    t.advance(Duration::from_secs(61));
    reply(start(&t).await.expect("sends"))
        .await
        .error(401, "INVALID_CLIENT_SECRET");
    t.get(&format!("/v1/client/sessions/{id}"), None)
        .await
        .error(410, "GONE");
}

async fn raw(t: &T, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(t.sandbox.addr())
        .await
        .expect("connects");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out).await;
    out
}

#[tokio::test]
async fn foreign_host_names_are_refused_on_every_route() {
    let t = start_with(Config {
        allowed_hosts: vec!["sandbox.test".into()],
        ..Config::default()
    })
    .await;
    for path in ["/sandbox/outbox", "/v1/auth/cryptoWallet:start", "/"] {
        let evil = raw(
            &t,
            &format!("GET {path} HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(evil.starts_with("HTTP/1.1 421"), "{path}: {evil}");
        assert!(evil.contains("INVALID_HOST"), "{evil}");
    }
    for host in ["localhost:1", "127.0.0.1", "[::1]:9", "sandbox.test:80"] {
        let ok = raw(
            &t,
            &format!("GET /sandbox/clock HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{host}: {ok}");
    }
}

#[tokio::test]
async fn sandbox_posts_need_json() {
    let t = start().await;
    t.create_user(&phone(5), "form@example.com", None).await;
    let form = t
        .http
        .post(t.url("/sandbox/reset"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .expect("sends");
    reply(form).await.error(415, "INVALID_BODY");
    let plain = t
        .http
        .post(t.url("/sandbox/reset"))
        .header("content-type", "text/plain")
        .send()
        .await
        .expect("sends");
    reply(plain).await.error(415, "INVALID_BODY");
    // The user survived: the reset never ran.
    t.sandbox_post(
        "/sandbox/users",
        json!({"phoneNumber": phone(5), "emailAddress": "form@example.com"}),
    )
    .await
    .error(409, "ALREADY_EXISTS_PHONE");
}

#[tokio::test]
async fn the_outbox_is_readable_only_from_its_own_or_allowed_origins() {
    let t = start_with(Config {
        allowed_origins: vec!["http://127.0.0.1:*".into(), "https://ok.example".into()],
        ..Config::default()
    })
    .await;
    let t2 = start().await;
    let get = |t: &T, origin: Option<String>| {
        let mut r = t.http.get(t.url("/sandbox/outbox"));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    let own = t.base.clone();
    for origin in [
        None,
        Some(own),
        Some("https://ok.example".into()),
        Some("http://127.0.0.1:5173".into()),
    ] {
        reply(get(&t, origin.clone()).await.expect("sends"))
            .await
            .ok();
    }
    for origin in ["https://evil.example", "http://localhost:5173", "null"] {
        reply(get(&t, Some(origin.into())).await.expect("sends"))
            .await
            .error(403, "FORBIDDEN");
    }
    // Without --allow-origin another local port is another site.
    reply(
        get(&t2, Some("http://127.0.0.1:5173".into()))
            .await
            .expect("sends"),
    )
    .await
    .error(403, "FORBIDDEN");
}

#[tokio::test]
async fn off_loopback_needs_an_admin_token() {
    let open = Sandbox::start(Config {
        addr: "0.0.0.0:0".parse().expect("addr"),
        ..Config::default()
    })
    .await;
    assert!(open.is_err(), "started on 0.0.0.0 without an admin token");
    let t = start_with(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    t.sandbox_get("/sandbox/outbox")
        .await
        .error(401, "INVALID_ADMIN_TOKEN");
    let r = t
        .http
        .get(t.url("/sandbox/outbox"))
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("sends");
    reply(r).await.ok();
    // The API itself is not behind the admin token.
    t.challenge(&Wallet::new("admin"), None).await;
}

#[tokio::test]
async fn static_serves_no_dotfiles_and_no_symlinks_out() {
    let base = std::env::temp_dir().join(format!("ratio-static-{}", std::process::id()));
    let dir = base.join("site");
    std::fs::create_dir_all(dir.join(".git")).expect("mkdir");
    std::fs::write(dir.join("index.html"), "hello").expect("write");
    std::fs::write(dir.join(".env"), "SECRET=1").expect("write");
    std::fs::write(dir.join(".git/config"), "secret").expect("write");
    std::fs::write(base.join("outside.txt"), "outside").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(base.join("outside.txt"), dir.join("link.txt")).expect("symlink");
    let t = start_with(Config {
        static_dir: Some(dir.clone()),
        ..Config::default()
    })
    .await;
    let index = t.sandbox_get("/index.html").await;
    assert_eq!((index.status.as_u16(), index.text.as_str()), (200, "hello"));
    for path in [
        "/.env",
        "/.git/config",
        "/%2eenv",
        "/link.txt",
        "/sub/../.env",
    ] {
        let r = t.sandbox_get(path).await;
        assert_eq!(r.status.as_u16(), 404, "{path}: {}", r.text);
        assert!(
            !r.text.contains("SECRET") && !r.text.contains("outside") && !r.text.contains("secret")
        );
    }
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test]
async fn slowloris_connections_are_closed_and_others_still_served() {
    let timeout = Duration::from_secs(2);
    let t = start_with(with_caps(Caps {
        header_read_timeout: timeout,
        ..Caps::default()
    }))
    .await;
    let began = Instant::now();
    let mut attackers = Vec::new();
    for _ in 0..300 {
        let mut s = tokio::net::TcpStream::connect(t.sandbox.addr())
            .await
            .expect("connects");
        s.write_all(b"GET /sandbox/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .expect("writes");
        attackers.push(tokio::spawn(async move {
            // Trickle a header byte every 200 ms until the server hangs up.
            let mut buf = [0u8; 512];
            loop {
                if s.write_all(b"X").await.is_err() {
                    return Instant::now();
                }
                match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return Instant::now(),
                    _ => {}
                }
            }
        }));
    }
    // The bound: a normal request during the attack answers in under a second.
    let asked = Instant::now();
    t.sandbox_get("/sandbox/clock").await.ok();
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "took {:?}",
        asked.elapsed()
    );
    let mut last = began;
    for a in attackers {
        last = last.max(a.await.expect("attacker task"));
    }
    // Stated bound: closed by the header-read timeout plus 2 s of scheduling slack.
    let took = last - began;
    assert!(
        took < timeout + Duration::from_secs(2),
        "closed after {took:?}"
    );
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let timeout = Duration::from_secs(1);
    let t = start_with(with_caps(Caps {
        header_read_timeout: timeout,
        ..Caps::default()
    }))
    .await;
    let mut s = tokio::net::TcpStream::connect(t.sandbox.addr())
        .await
        .expect("connects");
    s.write_all(b"GET /sandbox/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("writes");
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.expect("reads");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let idle = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "idle keep-alive connection still open after 5 s"
    );
    assert!(idle.elapsed() < timeout + Duration::from_secs(2));
}
