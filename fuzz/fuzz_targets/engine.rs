//! The sign-in engine (`ratio_auth::flow`) driven through whole flows by a fuzzed server, wallet,
//! user and clock.
//!
//! The input is a tape of bytes. The first four choose the settings (first factor, whether the
//! linked wallet is verified, credentials, retry policy, OTP limits, jitter seed); then each
//! action the engine asks for takes one byte (and sometimes a second) that picks one of the
//! plausible answers to it: for a request, a 200 with a well-formed body and a JWT minted here
//! (honest claims, claims without factors, one-factor claims, or an unreadable token; with or
//! without a `userMask` and a `ratio-authentication-refresh`), 429 with `Retry-After` in seconds,
//! as an HTTP-date or garbage, 5xx, 409/401/400/403 with the codes each endpoint can give, a lost
//! answer (timeout, dropped connection), broken 200s, odd statuses, or fuzz bytes as an error
//! body; for a signature, the right key (with or without `0x`, v as 27/28 or 0/1), another key,
//! the hex-text quirk, refusal, wallet timeout or failure, garbage; for a prompt, right, padded,
//! wrong or malformed answers, resend, cancel, answers of the wrong kind; for a wait, firing
//! early or late. Byte 0 is always the happy answer, so a tape of zeros is a new user's sign-in.
//! `0xFF` makes the application cancel, `0xFE` feeds an input the engine did not ask for. When
//! the tape runs out, every request is lost, every signature refused and every prompt cancelled.
//!
//! Invariants (checked on the requests as the server sees them and on what the flow emits):
//! - after the switch to the link path (409 on the new user's phone), no request carries any
//!   token issued before it, in particular the wallet JWT;
//! - the link path's SMS requests carry no `Authorization`, and no request carries a session JWT
//!   anywhere but in `Authorization`;
//! - every token sent was issued by this server to a request that carried one (never a refresh
//!   of a token-less request), and never after its refresh was accepted;
//! - every `cryptoWallet:authenticate` carries a signature by the flow's key over the latest
//!   challenge; `cryptoWallet:addToUser` is sent only on the link path, with a token whose
//!   factors (the claims', or the ledger's account of them when the claims list none) are SMS
//!   and email, issued by the link path's email step, for the flow's wallet after Ratio accepted
//!   its signature;
//! - the flow ends in `Done` or `Fail`, within a bounded number of steps once the tape is out;
//!   `next_action` is pure; an input the engine did not ask for changes nothing; a finished flow
//!   stays finished; `Done` holds a current two-factor token issued here (after `addToUser` on
//!   the link path); nothing panics;
//! - no event (`Debug` or JSON), action `Debug`, flow `Debug`, request path, error
//!   (`Display`, `Debug`, JSON) or outcome `Debug` contains a typed or issued code, the client
//!   secret or client session id, the phone number or email address, or a session JWT.
//!
//! `ENGINE_FUZZ_STATS=1` prints each path/ending and milestone the first time a run reaches it.
#![no_main]

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k256::ecdsa::SigningKey;
use libfuzzer_sys::fuzz_target;
use ratio_auth::api::{Endpoint, MAX_CHALLENGE_LEN};
use ratio_auth::eip191::{self, Address};
use ratio_auth::flow::{
    Action, Answer, Channel, ClientContext, Credentials, FirstFactor, Flow, FlowConfig, FlowEvent,
    FlowPath, FlowSnapshot, HttpRequest, HttpResponse, Prompt, RetryPolicy, Start, TransportError, WalletError,
};
use ratio_auth::secret::Secret;
use ratio_auth::json::ToJson;
use serde_json::{Value, json};

const T0: u64 = 1_700_000_000_000;
const PHONE: &str = "+14155550100";
const PHONE_BARE: &str = "4155550100";
const EMAIL: &str = "fuzz.user@example.com";
const CLIENT_ID: &str = "client-fuzz";
const CLIENT_SECRET: &str = "cs_fuzz_S3cr3tV4lueQ7";
const CLIENT_SESSION: &str = "csess_fuzz_Z9y8X7w6Lq";
/// Steps allowed once the tape is out: every request then fails, so the retry budget ends it.
const STEPS_AFTER_TAPE: usize = 100;
/// Shown nowhere but in the request that sends them (with [`PHONE_BARE`] as a run of digits).
const PERSONAL: [&str; 3] = [PHONE, EMAIL, "fuzz.user"];

const SMS: u8 = 1;
const EMAIL_F: u8 = 2;
const WALLET: u8 = 4;

const CHALLENGES: [&str; 5] = [
    "Signing in with Ratio: q3JtZ0xvN2pXa1VfYmV0YQ",
    "Signing in with Ratio: Zm9vLWJhcl9iYXotcXV4MQ",
    "Signing in with Ratio: c2lnbi1tZS1wbGVhc2UtMg",
    "Sign in to Ratio ✓ ünïcödé 🔑",
    "Signing in with Ratio:\nline two\r\n\ttabbed",
];

// ---------------------------------------------------------------------------------------------
// Keys and signatures: computed once (k256 signing dominates a run otherwise)
// ---------------------------------------------------------------------------------------------

fn keys() -> &'static [SigningKey; 2] {
    static KEYS: OnceLock<[SigningKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [0x11u8, 0x22].map(|b| match SigningKey::from_bytes(&[b; 32].into()) {
            Ok(key) => key,
            // A constant non-zero scalar below the order: cannot fail.
            Err(e) => panic!("fixed test key: {e}"),
        })
    })
}

fn wallet_of(key: usize) -> Address {
    Address::from_verifying_key(keys()[key].verifying_key())
}

thread_local! {
    static SIGNATURES: RefCell<HashMap<(usize, Vec<u8>), String>> = RefCell::new(HashMap::new());
    static RECOVERED: RefCell<HashMap<(String, String), Option<Address>>> = RefCell::new(HashMap::new());
}

fn sign(key: usize, message: &[u8]) -> String {
    SIGNATURES.with(|cache| {
        cache
            .borrow_mut()
            .entry((key, message.to_vec()))
            .or_insert_with(|| eip191::sign_personal(&keys()[key], message))
            .clone()
    })
}

fn recover(message: &str, signature: &str) -> Option<Address> {
    RECOVERED.with(|cache| {
        *cache
            .borrow_mut()
            .entry((message.to_owned(), signature.to_owned()))
            .or_insert_with(|| eip191::recover_personal(message.as_bytes(), signature).ok())
    })
}

// ---------------------------------------------------------------------------------------------
// Coverage notes (only with ENGINE_FUZZ_STATS set)
// ---------------------------------------------------------------------------------------------

fn note(what: &str) {
    static ON: OnceLock<bool> = OnceLock::new();
    static SEEN: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    if !*ON.get_or_init(|| std::env::var_os("ENGINE_FUZZ_STATS").is_some()) {
        return;
    }
    let seen = SEEN.get_or_init(|| Mutex::new(BTreeSet::new()));
    if let Ok(mut seen) = seen.lock()
        && seen.insert(what.to_owned())
    {
        eprintln!("engine: reached {what} ({} so far)", seen.len());
    }
}

// ---------------------------------------------------------------------------------------------
// The tape
// ---------------------------------------------------------------------------------------------

struct Tape<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Tape<'_> {
    fn next(&mut self) -> Option<u8> {
        let byte = self.data.get(self.pos).copied();
        if byte.is_some() {
            self.pos += 1;
        }
        byte
    }

    /// A detail byte: 0 (the plain choice) once the tape is out.
    fn detail(&mut self) -> u8 {
        self.next().unwrap_or(0)
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let end = (self.pos + n).min(self.data.len());
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        bytes
    }
}

fn pick<T: Copy>(options: &[T], byte: u8) -> T {
    options[usize::from(byte) % options.len()]
}

// ---------------------------------------------------------------------------------------------
// The world: server, wallet, user, clock, and what they saw
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct Minted {
    /// The factors the engine must believe this token has: the claims' when they list any,
    /// else those of the token the request carried plus the step's (the ledger's rule).
    factors: u8,
    /// The authenticate endpoint whose 200 issued it (a refresh inherits it); `None` for a
    /// refresh that answered a token-less request.
    origin: Option<Endpoint>,
    /// Issued after the switch to the link path.
    link: bool,
    /// Issue order.
    seq: usize,
}

struct World<'a> {
    tape: Tape<'a>,
    flow: Flow,
    first_factor: FirstFactor,
    now: u64,
    wallet: Address,
    tokens: HashMap<String, Minted>,
    /// Replaced by an accepted refresh: never to be sent again.
    superseded: HashSet<String>,
    minted: usize,
    /// Substrings that nothing emitted may contain.
    secrets: Vec<String>,
    /// Digit strings that no run of digits in anything emitted may equal.
    codes: Vec<String>,
    ids: u32,
    /// Latest code sent per channel (SMS, email).
    issued: [Option<String>; 2],
    challenge: Option<String>,
    accepted_signers: Vec<Address>,
    /// Tokens with `seq` below this were issued before the switch to the link path.
    link_from: Option<usize>,
    add_to_user_ok: bool,
    steps: usize,
    tape_out_at: Option<usize>,
}

fn digit_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
}

fn channel_of(endpoint: Endpoint) -> Option<Channel> {
    match endpoint {
        Endpoint::SmsSend | Endpoint::SmsAuthenticate => Some(Channel::Sms),
        Endpoint::EmailSend | Endpoint::EmailAuthenticate => Some(Channel::Email),
        _ => None,
    }
}

fn slot(channel: Channel) -> usize {
    match channel {
        Channel::Sms => 0,
        Channel::Email => 1,
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn error_body(code: &str) -> String {
    json!({"createTime": "2024-05-01T12:00:00Z", "message": "refused by the fuzz server", "code": code})
        .to_string()
}

impl<'a> World<'a> {
    fn new(data: &'a [u8]) -> Self {
        let mut tape = Tape { data, pos: 0 };
        let (b0, b1, b2, b3) = (tape.detail(), tape.detail(), tape.detail(), tape.detail());
        let first_factor = pick(
            &[FirstFactor::Wallet, FirstFactor::Sms, FirstFactor::Email],
            b0 & 3,
        );
        let credentials = match (b0 >> 3) % 3 {
            0 => Credentials::ClientSecret {
                client_id: CLIENT_ID.to_owned(),
                client_secret: Secret::new(CLIENT_SECRET),
            },
            1 => Credentials::ClientSession {
                session_id: Secret::new(CLIENT_SESSION),
            },
            _ => Credentials::Proxy,
        };
        let base_delay_ms = pick(&[200u64, 0, 1_000, 50], (b1 >> 2) & 3);
        let retry = RetryPolicy {
            max_attempts: pick(&[3u32, 1, 0, 5], b1 & 3),
            base_delay_ms,
            max_delay_ms: base_delay_ms * pick(&[10u64, 1, 40, 2], (b1 >> 4) & 3),
            max_total_ms: pick(&[120_000u64, 2_000, 10_000, 600_000], (b1 >> 6) & 3),
        };
        let config = FlowConfig {
            client: ClientContext::new(credentials),
            retry,
            max_otp_attempts: pick(&[3u32, 1, 2, 4], b2 & 3),
            max_invalid_answers: pick(&[3u32, 0, 1, 2], (b2 >> 2) & 3),
            max_otp_resends: pick(&[3u32, 0, 1, 2], (b2 >> 4) & 3),
            resend_cooldown_ms: pick(&[30_000u64, 0, 1_000, 5_000], (b2 >> 6) & 3),
            verify_linked_wallet: (b0 >> 2) & 1 == 1,
        };
        let wallet = wallet_of(0);
        let start = Start {
            wallet,
            first_factor,
        };
        let seed = u64::from(b3).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        World {
            tape,
            flow: Flow::new(config, start, seed, T0),
            first_factor,
            now: T0,
            wallet,
            tokens: HashMap::new(),
            superseded: HashSet::new(),
            minted: 0,
            secrets: vec![
                CLIENT_SECRET.to_owned(),
                CLIENT_SESSION.to_owned(),
                "12x456".to_owned(),
            ],
            codes: vec!["12345".to_owned(), "1234567".to_owned()],
            ids: 0,
            issued: [None, None],
            challenge: None,
            accepted_signers: Vec::new(),
            link_from: None,
            add_to_user_ok: false,
            steps: 0,
            tape_out_at: None,
        }
    }

    // --- checks ------------------------------------------------------------------------------

    /// `personal`: the phone number and email address count too (they may show only in the
    /// `Debug` of the request that sends them).
    fn leak(&self, text: &str, personal: bool) -> Option<String> {
        if let Some(secret) = self.secrets.iter().find(|s| text.contains(s.as_str())) {
            return Some(format!("a secret ({} chars)", secret.len()));
        }
        if personal && let Some(data) = PERSONAL.iter().find(|p| text.contains(*p)) {
            return Some(format!("personal data ({data})"));
        }
        digit_runs(text)
            .find(|run| self.codes.iter().any(|c| c == run) || (personal && *run == PHONE_BARE))
            .map(|run| format!("a code or phone ({run})"))
    }

    fn assert_clean(&self, what: &str, text: &str) {
        self.assert_clean_of(what, text, true);
    }

    fn assert_clean_of(&self, what: &str, text: &str, personal: bool) {
        if let Some(leak) = self.leak(text, personal) {
            panic!("{what} contains {leak}: {text}");
        }
    }

    fn drain(&mut self) {
        for event in self.flow.drain_events() {
            self.assert_clean("an event", &format!("{event:?}"));
            self.assert_clean("an event's JSON", &event.to_json().to_json_string());
            match &event {
                FlowEvent::PathChosen { path } => {
                    note(&format!("path {path:?} from {:?}", self.first_factor));
                    if *path == FlowPath::Linked {
                        assert!(self.link_from.is_none(), "the link path was chosen twice");
                        self.link_from = Some(self.minted);
                    }
                }
                FlowEvent::StepRestarted { purpose, .. } => note(&format!("restart {purpose:?}")),
                FlowEvent::SigningAgain { purpose, .. } => {
                    note(&format!("signing again {purpose:?}"))
                }
                FlowEvent::CodeResentAfterLostAnswer { .. } => note("code resent after loss"),
                FlowEvent::TokenRefreshed { .. } => note("token refreshed"),
                FlowEvent::RefreshIgnored { .. } => note("refresh ignored"),
                FlowEvent::WalletLinked { verified, .. } => {
                    note(&format!("wallet linked, verified {verified}"))
                }
                FlowEvent::ResendScheduled { .. } => note("resend"),
                FlowEvent::OtpRejected { .. } => note("code rejected"),
                FlowEvent::AnswerRejected { problem, .. } => {
                    note(&format!("answer rejected {problem:?}"))
                }
                FlowEvent::BackingOff { reason, .. } => note(&format!("backing off {reason:?}")),
                _ => {}
            }
        }
        self.assert_clean("the flow's Debug", &format!("{:?}", self.flow));
    }

    fn check_request(&self, req: &HttpRequest) {
        let e = req.endpoint;
        self.assert_clean("a request path", &req.path);
        let bearer = req.bearer();
        // A session JWT goes in `Authorization` and nowhere else.
        for jwt in self.tokens.keys() {
            let elsewhere = req.headers.iter().any(|(name, value)| {
                !name.eq_ignore_ascii_case("authorization") && value.contains(jwt.as_str())
            }) || req
                .body
                .as_deref()
                .is_some_and(|b| b.contains(jwt.as_str()));
            assert!(
                !elsewhere,
                "{e:?} carries a session JWT outside Authorization"
            );
        }
        if let Some(jwt) = bearer {
            let Some(token) = self.tokens.get(jwt) else {
                panic!("{e:?} carries a token this server never issued");
            };
            assert!(
                token.origin.is_some(),
                "{e:?} carries the refresh of a token-less request"
            );
            assert!(
                !self.superseded.contains(jwt),
                "{e:?} carries a token whose refresh was accepted"
            );
            if let Some(link_from) = self.link_from {
                assert!(
                    token.seq >= link_from,
                    "{e:?} carries a token issued before the phone conflict (origin {:?})",
                    token.origin
                );
            }
        }
        if self.link_from.is_some() && matches!(e, Endpoint::SmsSend | Endpoint::SmsAuthenticate) {
            assert!(bearer.is_none(), "the link path's {e:?} carries a JWT");
        }
        let body = body_json(req);
        let address = body["walletAddress"]
            .as_str()
            .and_then(|a| Address::parse(a).ok());
        match e {
            Endpoint::WalletAuthenticate => {
                assert_eq!(
                    address,
                    Some(self.wallet),
                    "authenticate for another wallet"
                );
                let Some(challenge) = &self.challenge else {
                    panic!("a wallet authenticate before any challenge");
                };
                let signature = body["signature"].as_str().unwrap_or_default();
                assert_eq!(
                    recover(challenge, signature),
                    Some(self.wallet),
                    "the signature sent is not the wallet's over the latest challenge"
                );
            }
            Endpoint::WalletAddToUser => {
                note("addToUser sent");
                assert!(self.link_from.is_some(), "addToUser off the link path");
                let Some(token) = bearer.and_then(|jwt| self.tokens.get(jwt)) else {
                    panic!("addToUser without a token");
                };
                assert_eq!(
                    token.factors & (SMS | EMAIL_F),
                    SMS | EMAIL_F,
                    "addToUser with a token that is not SMS + email (factors {:#b})",
                    token.factors
                );
                assert!(
                    token.link && token.origin == Some(Endpoint::EmailAuthenticate),
                    "addToUser with a token not from the link path's email step ({:?})",
                    token.origin
                );
                assert_eq!(address, Some(self.wallet), "addToUser for another wallet");
                assert!(
                    self.accepted_signers.contains(&self.wallet),
                    "addToUser before Ratio accepted the wallet's signature"
                );
            }
            _ => {}
        }
    }

    // --- the server --------------------------------------------------------------------------

    /// A JWT for an authenticate of `kind` answered to a request that carried `carried`.
    /// `claims`: 0 honest, 1 no factors listed, 2 only this step's factor.
    fn mint(
        &mut self,
        kind: u8,
        carried: Option<Minted>,
        claims: u8,
        origin: Option<Endpoint>,
    ) -> String {
        let known = carried.map_or(0, |t| t.factors) | kind;
        let listed = match claims {
            0 => known,
            1 => 0,
            _ => kind,
        };
        let factors = if listed == 0 { known } else { listed };
        let token = Minted {
            factors,
            origin,
            link: self.link_from.is_some(),
            seq: self.minted,
        };
        self.mint_token(listed, token)
    }

    fn mint_token(&mut self, listed: u8, token: Minted) -> String {
        self.minted += 1;
        let n = self.minted;
        let mut factors = Vec::new();
        if listed & WALLET != 0 {
            factors.push(json!({"type": "crypto", "delivery_method": "crypto_wallet",
                "crypto_wallet_factor": {"crypto_wallet_id": format!("cw-{n}"),
                    "crypto_wallet_address": self.wallet.to_lower_hex(), "crypto_wallet_type": "ethereum"}}));
        }
        if listed & SMS != 0 {
            factors.push(json!({"type": "otp", "delivery_method": "sms",
                "phone_number_factor": {"phone_id": format!("phone-{n}"), "phone_number": PHONE}}));
        }
        if listed & EMAIL_F != 0 {
            factors.push(json!({"type": "otp", "delivery_method": "email",
                "email_factor": {"email_id": format!("email-{n}"), "email_address": EMAIL}}));
        }
        let iat = self.now / 1000;
        let payload = json!({
            "sub": "user-fuzz", "iat": iat, "exp": iat + 300, "iss": "ratio-fuzz",
            "https://stytch.com/session": {"session_id": format!("session-{n}"), "authentication_factors": factors},
        });
        let payload_part = b64(payload.to_string().as_bytes());
        let sig_part = b64(&eip191::keccak256(format!("jwt-{n}").as_bytes()));
        let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
        let jwt = format!("{header}.{payload_part}.{sig_part}");
        self.secrets.push(payload_part);
        self.secrets.push(sig_part);
        self.tokens.insert(jwt.clone(), token);
        jwt
    }

    fn new_code(&mut self, channel: Channel) -> String {
        self.ids += 1;
        let n = u64::from(self.ids);
        let code = format!("{:06}", (n * 7_919 + 271_828) % 1_000_000);
        self.codes.push(code.clone());
        self.issued[slot(channel)] = Some(code);
        let prefix = if channel == Channel::Sms {
            "phone"
        } else {
            "email"
        };
        format!("{prefix}-fuzz-{n}")
    }

    fn user_mask(mask: u8) -> Option<Value> {
        match mask & 7 {
            1 => Some(Value::Null),
            2 => {
                Some(json!({"id": "user-1", "phoneMask": "0100", "emailMask": "fuz…@example.com"}))
            }
            3 => Some(json!({"id": "user-1", "emailMask": "fuz…@example.com"})),
            4 => Some(json!({"id": "user-1", "phoneMask": "0100"})),
            5 => {
                Some(json!({"id": "user-1", "phoneMask": "0100", "preferredMfaMethod": "OTP_SMS"}))
            }
            6 => Some(json!({"id": "user-1", "preferredMfaMethod": "TOTP"})),
            _ => None,
        }
    }

    /// A 200 with a well-formed body for `req`.
    fn ok(&mut self, req: &HttpRequest, carried: Option<Minted>, sub: u8) -> HttpResponse {
        let e = req.endpoint;
        let body = body_json(req);
        let claims = (sub >> 3) & 3;
        let auth_body = |jwt: String, mask: u8| {
            let mut v = json!({"sessionJwt": jwt, "requestId": "req-fuzz"});
            if let Some(mask) = Self::user_mask(mask) {
                v["userMask"] = mask;
            }
            v.to_string()
        };
        let text = match e {
            Endpoint::WalletStart => {
                let challenge = match sub & 7 {
                    5 => "x".repeat(MAX_CHALLENGE_LEN + 1),
                    6 => String::new(),
                    n => CHALLENGES[usize::from(n) % CHALLENGES.len()].to_owned(),
                };
                json!({"challenge": challenge, "requestId": "req-fuzz"}).to_string()
            }
            Endpoint::WalletAuthenticate
            | Endpoint::SmsAuthenticate
            | Endpoint::EmailAuthenticate => {
                let kind = match e {
                    Endpoint::WalletAuthenticate => WALLET,
                    Endpoint::SmsAuthenticate => SMS,
                    _ => EMAIL_F,
                };
                if e == Endpoint::WalletAuthenticate
                    && let Some(address) = body["walletAddress"]
                        .as_str()
                        .and_then(|a| Address::parse(a).ok())
                {
                    self.accepted_signers.push(address);
                }
                let jwt = if claims == 3 {
                    "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln".to_owned()
                } else {
                    self.mint(kind, carried, claims, Some(e))
                };
                auth_body(jwt, sub)
            }
            Endpoint::SmsSend | Endpoint::EmailSend => {
                let channel = channel_of(e).unwrap_or(Channel::Sms);
                let id = self.new_code(channel);
                let field = if channel == Channel::Sms {
                    "phoneId"
                } else {
                    "emailId"
                };
                let mut v = json!({ field: id, "requestId": "req-fuzz" });
                if sub & 1 == 1 {
                    match channel {
                        Channel::Sms => v["phoneMask"] = json!("0100"),
                        Channel::Email => v["emailMask"] = json!("fuz…@example.com"),
                    }
                }
                v.to_string()
            }
            _ => {
                if sub & 1 == 1 {
                    String::new()
                } else {
                    "{}".to_owned()
                }
            }
        };
        HttpResponse::new(200, text)
    }

    fn respond(&mut self, req: &HttpRequest, choice: u8) -> Result<HttpResponse, TransportError> {
        let e = req.endpoint;
        let bearer = req.bearer().map(str::to_owned);
        let carried = bearer.as_ref().and_then(|b| self.tokens.get(b).copied());
        let sub = self.tape.detail();
        let mut response = match choice % 16 {
            0..=3 | 15 => self.ok(req, carried, sub),
            4 => {
                let body = if sub & 8 == 0 {
                    error_body("TOO_MANY_REQUESTS")
                } else {
                    String::new()
                };
                let response = HttpResponse::new(429, body);
                match sub & 7 {
                    0 => response,
                    1 => response.with_retry_after("0"),
                    2 => response.with_retry_after("1"),
                    3 => response.with_retry_after("3"),
                    4 => response.with_retry_after("120"),
                    // T0 + 5 s and long past, as HTTP-dates.
                    5 => response.with_retry_after("Tue, 14 Nov 2023 22:13:25 GMT"),
                    6 => response.with_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
                    _ => response.with_retry_after(pick(
                        &["soon", "-1", "1.5", " 2 ", "99999999999999999999"],
                        sub >> 4,
                    )),
                }
            }
            5 => {
                let status = pick(&[500u16, 502, 503, 504], sub);
                let body = if sub & 4 == 0 {
                    "<html><body>Bad Gateway</body></html>".to_owned()
                } else {
                    error_body("INTERNAL")
                };
                let response = HttpResponse::new(status, body);
                if sub & 8 == 0 {
                    response
                } else {
                    response.with_retry_after("1")
                }
            }
            6 => {
                let code = pick(
                    &[
                        "ALREADY_EXISTS_PHONE",
                        "ALREADY_EXISTS_EMAIL",
                        "ALREADY_EXISTS_WALLET_ADDRESS",
                        "",
                    ],
                    sub,
                );
                HttpResponse::new(
                    409,
                    if code.is_empty() {
                        String::new()
                    } else {
                        error_body(code)
                    },
                )
            }
            7 => {
                let code = pick(
                    &[
                        "INVALID_OTP",
                        "EXPIRED_JWT",
                        "INVALID_JWT",
                        "INVALID_CLIENT_SECRET",
                        "",
                    ],
                    sub,
                );
                HttpResponse::new(
                    401,
                    if code.is_empty() {
                        String::new()
                    } else {
                        error_body(code)
                    },
                )
            }
            8 => {
                let code = pick(
                    &[
                        "INVALID_BODY",
                        "INVALID_PHONE",
                        "INVALID_EMAIL",
                        "INVALID_SIGNATURE",
                        "INVALID_WALLET_ADDRESS",
                        "MISSING_WALLET_ADDRESS",
                    ],
                    sub,
                );
                HttpResponse::new(400, error_body(code))
            }
            9 => HttpResponse::new(403, error_body(pick(&["MFA_REQUIRED", "FORBIDDEN"], sub))),
            10 => return Err(TransportError::Timeout),
            11 => return Err(TransportError::Network("connection reset by peer".into())),
            12 => {
                let wrong = match e {
                    Endpoint::WalletStart => json!({"challenge": 42}),
                    Endpoint::SmsSend => json!({"phoneId": 7}),
                    Endpoint::EmailSend => json!({"emailId": ["x"]}),
                    _ => json!({"sessionJwt": 42}),
                };
                let body = match sub & 7 {
                    0 => "<html>not json</html>".to_owned(),
                    1 => "{".to_owned(),
                    2 => wrong.to_string(),
                    3 => json!({"requestId": "req-fuzz"}).to_string(),
                    4 => json!({"sessionJwt": "", "challenge": "", "phoneId": "", "emailId": ""})
                        .to_string(),
                    5 => "null".to_owned(),
                    6 => json!({"sessionJwt": "not-a-jwt"}).to_string(),
                    _ => String::new(),
                };
                HttpResponse::new(200, body)
            }
            13 => {
                let status = pick(&[302u16, 404, 100, 204, 418, 0, 999, 304], sub);
                HttpResponse::new(
                    status,
                    if status == 204 {
                        String::new()
                    } else {
                        error_body("NOT_FOUND")
                    },
                )
            }
            _ => {
                // Fuzz bytes as an error body (never a 2xx: a 2xx body would be a token this
                // server did not issue). Text that looks like a secret of this run is dropped.
                let status = pick(&[400u16, 401, 403, 409, 429, 500, 503], sub);
                let len = usize::from(sub >> 3) * 4;
                let raw = String::from_utf8_lossy(self.tape.take(len)).into_owned();
                let body = if self.leak(&raw, true).is_some() {
                    String::new()
                } else {
                    raw
                };
                HttpResponse::new(status, body)
            }
        };
        // Whatever 2xx went out (well-formed or not, the engine may take it): what the flow
        // may rely on from now on.
        if (200..300).contains(&response.status) {
            match e {
                Endpoint::WalletAddToUser => self.add_to_user_ok = true,
                Endpoint::WalletStart => {
                    if let Some(challenge) = serde_json::from_str::<Value>(&response.body)
                        .ok()
                        .and_then(|v| v["challenge"].as_str().map(str::to_owned))
                    {
                        self.challenge = Some(challenge);
                    }
                }
                _ => {}
            }
        }
        // `ratio-authentication-refresh`: 0 none, 1 honest, 2 garbage, 3 no factors listed.
        match (sub >> 5) & 3 {
            0 => {}
            2 => response = response.with_refresh_jwt("not-a-jwt"),
            mode => {
                let token = match carried {
                    Some(old) => Minted {
                        seq: self.minted,
                        ..old
                    },
                    None => Minted {
                        factors: WALLET,
                        origin: None,
                        link: self.link_from.is_some(),
                        seq: self.minted,
                    },
                };
                let listed = if mode == 1 { token.factors } else { 0 };
                let jwt = self.mint_token(listed, token);
                if let Some(old) = &bearer {
                    self.superseded.insert(old.clone());
                }
                response = response.with_refresh_jwt(jwt);
            }
        }
        Ok(response)
    }

    // --- the wallet and the user -------------------------------------------------------------

    fn signature(&mut self, message: &str, choice: Option<u8>) -> Result<String, WalletError> {
        let Some(choice) = choice else {
            return Err(WalletError::UserRejected);
        };
        match choice % 10 {
            0..=2 => Ok(sign(0, message.as_bytes())),
            3 => {
                // No `0x`, v as 0/1.
                let full = sign(0, message.as_bytes());
                let digits = full.trim_start_matches("0x");
                let (rs, v) = digits.split_at(digits.len().saturating_sub(2));
                let v = if v == "1c" { "01" } else { "00" };
                Ok(format!("{rs}{v}"))
            }
            4 => Ok(sign(1, message.as_bytes())),
            5 => Ok(sign(0, eip191::challenge_hex(message).as_bytes())),
            6 => Err(WalletError::UserRejected),
            7 => Err(WalletError::Timeout),
            8 => Err(WalletError::Other {
                code: Some(-32603),
                message: "the wallet crashed".into(),
            }),
            _ => Ok(pick(&["0x1234abcd", "", "0x", "zz"], choice >> 4).to_owned()),
        }
    }

    fn answer(&mut self, prompt: &Prompt, choice: Option<u8>) -> Answer {
        let Some(choice) = choice else {
            return Answer::Cancel;
        };
        match prompt {
            Prompt::PhoneNumber { .. } => match choice % 8 {
                0..=2 => Answer::text(PHONE),
                3 => Answer::text("+1 (415) 555-0100"),
                4 => Answer::text(PHONE_BARE),
                5 => Answer::text("+0123"),
                6 => Answer::Cancel,
                _ => Answer::Confirm(true),
            },
            Prompt::Email { .. } => match choice % 8 {
                0..=2 => Answer::text(EMAIL),
                3 => Answer::text(format!("  {EMAIL}\n")),
                4 => Answer::text("fuzz.user"),
                5 => Answer::text("fuzz user@example.com"),
                6 => Answer::Cancel,
                _ => Answer::ResendOtp,
            },
            Prompt::Otp { channel, .. } => {
                let right = self.issued[slot(*channel)]
                    .clone()
                    .unwrap_or_else(|| "000000".to_owned());
                match choice % 10 {
                    0..=2 => Answer::text(right),
                    3 => Answer::text(format!(" {right}\n")),
                    4 => {
                        let mut wrong = right.into_bytes();
                        if let Some(last) = wrong.last_mut() {
                            *last = if *last == b'9' { b'0' } else { *last + 1 };
                        }
                        let wrong = String::from_utf8(wrong).unwrap_or_default();
                        self.codes.push(wrong.clone());
                        Answer::text(wrong)
                    }
                    5 => Answer::text(pick(&["12345", "12x456", "1234567", ""], choice >> 4)),
                    6 | 7 => Answer::ResendOtp,
                    8 => Answer::Cancel,
                    _ => Answer::Confirm(false),
                }
            }
            Prompt::ConfirmLink { .. } => match choice % 5 {
                0 | 1 => Answer::Confirm(true),
                2 => Answer::Confirm(false),
                3 => Answer::Cancel,
                _ => Answer::text("yes"),
            },
        }
    }

    // --- the run -----------------------------------------------------------------------------

    /// A page reload: the flow saved (when it can be), its JSON read back and restored. The
    /// JSON never holds a credential or a code, and the restored flow asks for the same thing.
    fn reload(&mut self) {
        let Ok(snapshot) = self.flow.snapshot(self.now) else {
            return;
        };
        let json = snapshot.to_json();
        for credential in [CLIENT_SECRET, CLIENT_SESSION] {
            assert!(!json.contains(credential), "a snapshot holds a credential");
        }
        if let Some(code) = digit_runs(&json).find(|run| self.codes.iter().any(|c| c == run)) {
            panic!("a snapshot holds the code {code}");
        }
        let read = match FlowSnapshot::from_json(&json) {
            Ok(read) => read,
            Err(e) => panic!("a snapshot does not read back: {e}"),
        };
        let restored = match Flow::restore(self.flow.config().clone(), &read, self.now) {
            Ok(flow) => flow,
            Err(e) => panic!("a snapshot does not restore: {e}"),
        };
        assert_eq!(
            restored.next_action(),
            self.flow.next_action(),
            "restored, the flow asks for something else"
        );
        self.flow = restored;
        note("reloaded");
    }

    /// An input of a kind the engine did not ask for: nothing may change.
    fn stray(&mut self, action: &Action) {
        let asked = match action {
            Action::Http(_) => 0,
            Action::Sign { .. } => 1,
            Action::Ask(_) => 2,
            _ => 3,
        };
        let mut kind = self.tape.detail() % 4;
        if kind == asked {
            kind = (kind + 1) % 4;
        }
        let before = self.flow.next_action();
        match kind {
            0 => self
                .flow
                .on_http(self.now, Ok(HttpResponse::new(200, "{}"))),
            1 => self.flow.on_signature(self.now, Ok(sign(0, b"stray"))),
            2 => self.flow.on_answer(self.now, Answer::Confirm(true)),
            _ => self.flow.on_timer(self.now),
        }
        assert_eq!(
            self.flow.next_action(),
            before,
            "an input the engine did not ask for changed the flow"
        );
    }

    fn run(&mut self) {
        loop {
            self.drain();
            let action = self.flow.next_action();
            assert_eq!(action, self.flow.next_action(), "next_action is not pure");
            self.assert_clean_of("an action's Debug", &format!("{action:?}"), false);
            let choice = self.tape.next();
            if choice.is_none() && self.tape_out_at.is_none() {
                self.tape_out_at = Some(self.steps);
            }
            if let Some(out_at) = self.tape_out_at {
                assert!(
                    self.steps - out_at <= STEPS_AFTER_TAPE,
                    "no end {STEPS_AFTER_TAPE} steps after the tape ran out: {action:?}"
                );
            }
            self.steps += 1;
            if !matches!(action, Action::Done(_) | Action::Fail(_)) {
                match choice {
                    Some(0xFF) => {
                        self.flow.cancel();
                        continue;
                    }
                    Some(0xFE) => {
                        self.stray(&action);
                        continue;
                    }
                    Some(0xFD) => {
                        self.reload();
                        continue;
                    }
                    _ => {}
                }
            }
            let byte = choice.unwrap_or(0);
            match action {
                Action::Http(req) => {
                    self.check_request(&req);
                    self.now += 20 + u64::from(byte >> 4) * 97;
                    let outcome = match choice {
                        Some(c) => self.respond(&req, c),
                        None => Err(TransportError::Network("the tape ran out".into())),
                    };
                    self.flow.on_http(self.now, outcome);
                }
                Action::Sign { address, message } => {
                    assert_eq!(address, self.wallet, "asked to sign with another account");
                    self.now += 300 + u64::from(byte >> 4) * 250;
                    let result = self.signature(&message, choice);
                    self.flow.on_signature(self.now, result);
                }
                Action::GetCode { address } => {
                    // The fuzzed wallet is a key: it has no contract code to report.
                    assert_eq!(address, self.wallet, "asked for another account's code");
                    self.now += 50;
                    let result = match byte % 4 {
                        1 => Err(WalletError::Timeout),
                        2 => Err(WalletError::Other {
                            code: Some(-32601),
                            message: "eth_getCode is not supported".into(),
                        }),
                        _ => Ok(false),
                    };
                    self.flow.on_code(self.now, result);
                }
                Action::Ask(prompt) => {
                    self.now += 500 + u64::from(byte >> 4) * 1_000;
                    let answer = self.answer(&prompt, choice);
                    self.flow.on_answer(self.now, answer);
                }
                Action::Wait { until_ms } => {
                    assert!(until_ms >= self.now, "a wait in the past");
                    if choice.is_some_and(|c| c & 1 == 1) && until_ms > self.now {
                        self.flow.on_timer(until_ms - 1);
                        self.now = self.now.max(until_ms - 1);
                        assert_eq!(
                            self.flow.next_action(),
                            Action::Wait { until_ms },
                            "an early timer moved the flow on"
                        );
                    } else {
                        self.now = self.now.max(until_ms) + u64::from(byte >> 1) * 13;
                        self.flow.on_timer(self.now);
                    }
                }
                Action::Done(outcome) => {
                    self.assert_clean("the outcome's Debug", &format!("{outcome:?}"));
                    let jwt = outcome.session_jwt.expose();
                    let Some(token) = self.tokens.get(jwt) else {
                        panic!("Done with a token this server never issued");
                    };
                    assert!(
                        !self.superseded.contains(jwt),
                        "Done with a refreshed-away token"
                    );
                    assert!(
                        token.factors.count_ones() >= 2,
                        "Done with a one-factor token"
                    );
                    assert_eq!(outcome.wallet_address, self.wallet);
                    if outcome.path == FlowPath::Linked {
                        assert!(
                            self.add_to_user_ok,
                            "Done on the link path without addToUser"
                        );
                    }
                    note(&format!(
                        "done {:?} from {:?} verified {}",
                        outcome.path, self.first_factor, outcome.wallet_verified
                    ));
                    return self.finished(Action::Done(outcome));
                }
                Action::Fail(error) => {
                    self.assert_clean("the error's Display", &error.to_string());
                    self.assert_clean("the error's Debug", &format!("{error:?}"));
                    self.assert_clean("the error's JSON", &error.to_json().to_json_string());
                    note(&format!(
                        "fail {} path {:?} from {:?}",
                        error.kind,
                        self.flow.path(),
                        self.first_factor
                    ));
                    return self.finished(Action::Fail(error));
                }
            }
        }
    }

    fn finished(&mut self, end: Action) {
        self.flow
            .on_http(self.now, Ok(HttpResponse::new(200, "{}")));
        self.flow.on_signature(self.now, Err(WalletError::Timeout));
        self.flow.on_answer(self.now, Answer::Confirm(true));
        self.flow.on_timer(self.now + 1);
        self.flow.cancel();
        assert_eq!(self.flow.next_action(), end, "a finished flow moved");
        self.drain();
    }
}

fuzz_target!(|data: &[u8]| {
    World::new(data).run();
});

/// The request's JSON body (`Null` when it has none or it is not JSON).
fn body_json(req: &HttpRequest) -> Value {
    req.body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}
