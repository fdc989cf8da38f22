//! Property tests of the sign-in engine against a **model of Ratio**.
//!
//! The model server answers every request the engine makes with one of the outcomes that endpoint
//! can really give (200 with a correct body and real Stytch-shaped JWTs, 400, 401 `INVALID_OTP` /
//! `EXPIRED_JWT` / `INVALID_JWT`, 403 `MFA_REQUIRED`, 409, 429 with and without `Retry-After` in
//! seconds or as an HTTP-date, 5xx, 302, malformed bodies, timeouts, network errors), sometimes
//! with a `ratio-authentication-refresh` header. Which outcome comes next is a proptest tape per
//! endpoint (so failures shrink towards the happy path); prompts and wallet requests are
//! answered from tapes too. A virtual clock advances with latency, think time and `Wait`s.
//!
//! Everything below is checked on the wire (the requests the engine produced, as the server saw
//! them) and on the result, not on the engine's own bookkeeping:
//! - the flow ends (Done or Fail) within [`MAX_STEPS`] actions, every action is answerable, and
//!   `next_action` is pure; finished flows stay finished;
//! - tokens: only tokens the server issued are sent; never a token whose refresh already arrived,
//!   never one the server refused (`EXPIRED_JWT`/`INVALID_JWT`), never a refresh that answered a
//!   token-less request; after 409 `ALREADY_EXISTS_PHONE` no token issued before it is ever sent
//!   again; the link path's SMS carries no `Authorization`, its email carries the link SMS JWT;
//!   the second factor carries the wallet JWT, the wallet after a first factor carries that
//!   factor's JWT; `addToUser` carries a JWT whose claims list two distinct factor kinds, from
//!   the link path's email step, for the address whose signature Ratio accepted in this flow;
//! - signatures: only a signature by the flow's key over the latest challenge is ever sent;
//! - back-off: a retry is the same request (with the refreshed token if one arrived), is never
//!   sent before the `Retry-After` the server gave, tries per request never exceed
//!   `retry.max_attempts`, `Wait` is never in the past and only follows a retryable failure or
//!   a resend; a resend is never sent before the cool-down;
//! - codes: codes sent per OTP step never exceed `max_otp_attempts`, the prompt's attempt number
//!   is the number of refusals + 1, successful sends per step never exceed 1 + `max_otp_resends`;
//! - secrets: no JWT (nor its payload or signature part), OTP, client secret or client session id
//!   appears in any event (`Debug` and JSON), action `Debug`, the flow's `Debug`, the outcome's
//!   `Debug`, or the error's `Display`/`Debug`/JSON; neither do the phone number and email;
//! - results: `Done` only follows a 200 and its session JWT is current, issued by the server and
//!   two-factor with exactly the factors its path implies (Linked ⇒ `addToUser` 200 for the
//!   signing address; Returning ⇒ the wallet authenticate had a `userMask`; New ⇒ it had none);
//!   `Fail` has the kind (and status, code, endpoint) that the last input implies.

// Native only: these tests run servers and threads.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, UNIX_EPOCH};

use k256::ecdsa::SigningKey;
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{TestCaseError, TestRunner};
use ratio_auth::api::{Endpoint, Method};
use ratio_auth::eip191::{self, Address};
use ratio_auth::flow::{
    Action, Answer, Channel, ClientContext, Credentials, ErrorKind, FirstFactor, Flow, FlowConfig,
    FlowError, FlowEvent, FlowPath, FlowSnapshot, HttpRequest, HttpResponse, Outcome, Prompt,
    RetryPolicy, Start, TransportError, WalletError,
};
use ratio_auth::json::ToJson;
use ratio_auth::jwt::FactorKind;
use ratio_auth::secret::Secret;
use serde_json::{Value, json};
use support::{Kind, jwt_kinds, jwt_payload, kind_set};

const PHONE: &str = "+14155550100";
const PHONE_DIGITS: &str = "4155550100";
const EMAIL: &str = "ratio.user@example.com";
const CLIENT_ID: &str = "client-model";
const CLIENT_SECRET: &str = "cs_live_Q7vN2xK9mP4wTz";
const CLIENT_SESSION: &str = "csess_8Hq3Zt6Lr1VyWe";
/// No flow may take more actions than this.
const MAX_STEPS: usize = 3_000;

const AUTH: [Endpoint; 7] = [
    Endpoint::WalletStart,
    Endpoint::WalletAuthenticate,
    Endpoint::WalletAddToUser,
    Endpoint::SmsSend,
    Endpoint::SmsAuthenticate,
    Endpoint::EmailSend,
    Endpoint::EmailAuthenticate,
];

fn slot(endpoint: Endpoint) -> usize {
    AUTH.iter()
        .position(|e| *e == endpoint)
        .expect("an auth endpoint")
}

fn otp_channel(endpoint: Endpoint) -> Option<Channel> {
    match endpoint {
        Endpoint::SmsSend | Endpoint::SmsAuthenticate => Some(Channel::Sms),
        Endpoint::EmailSend | Endpoint::EmailAuthenticate => Some(Channel::Email),
        _ => None,
    }
}

fn is_authenticate(endpoint: Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::SmsAuthenticate | Endpoint::EmailAuthenticate
    )
}

fn authenticate_of(channel: Channel) -> Endpoint {
    match channel {
        Channel::Sms => Endpoint::SmsAuthenticate,
        Channel::Email => Endpoint::EmailAuthenticate,
    }
}

fn first_channel(first: FirstFactor) -> Option<Channel> {
    match first {
        FirstFactor::Wallet => None,
        FirstFactor::Sms => Some(Channel::Sms),
        FirstFactor::Email => Some(Channel::Email),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures (cached: debug-build k256 is slow, and challenges come from a small pool)
// ---------------------------------------------------------------------------------------------

fn signing_key(byte: u8) -> SigningKey {
    SigningKey::from_bytes(&[byte; 32].into()).expect("a valid scalar")
}

fn wallet() -> Address {
    Address::from_verifying_key(signing_key(0x11).verifying_key())
}

fn other_wallet() -> Address {
    Address::from_verifying_key(signing_key(0x22).verifying_key())
}

thread_local! {
    static SIGNATURES: RefCell<HashMap<(u8, Vec<u8>), String>> = RefCell::new(HashMap::new());
}

fn signature(key: u8, message: &[u8]) -> String {
    SIGNATURES.with(|cache| {
        cache
            .borrow_mut()
            .entry((key, message.to_vec()))
            .or_insert_with(|| eip191::sign_personal(&signing_key(key), message))
            .clone()
    })
}

const CHALLENGE_TOKENS: [&str; 5] = [
    "q3JtZ0xvN2pXa1VfYmV0YQ",
    "Zm9vLWJhcl9iYXotcXV4MQ",
    "c2lnbi1tZS1wbGVhc2UtMg",
    "dGhpcmQtY2hhbGxlbmdlLTM",
    "bGFzdC1vbmUtb2YtZml2ZQ",
];

// ---------------------------------------------------------------------------------------------
// What the tapes hold
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RetryAfterSpec {
    Absent,
    Seconds(u8),
    /// An HTTP-date this many seconds after the response (may be in the past).
    DateIn(i8),
    Garbage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mask {
    Absent,
    Null,
    Full,
    EmailOnly,
    PhoneOnly,
    PreferredSms,
    PreferredTotp,
}

impl Mask {
    fn present(self) -> bool {
        !matches!(self, Mask::Absent | Mask::Null)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Broken {
    NotJson,
    Html,
    WrongTypes,
    MissingField,
    EmptyValue,
    Redirect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    Ok(Mask),
    Refused(u16, &'static str),
    /// 401 `EXPIRED_JWT`/`INVALID_JWT` (only when a token was sent).
    JwtRefused(&'static str),
    Conflict(&'static str),
    RateLimited(RetryAfterSpec),
    ServerError {
        status: u16,
        html: bool,
        retry_after: RetryAfterSpec,
    },
    Broken(Broken),
    Timeout,
    Network,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refresh {
    No,
    Fresh,
    Garbage,
}

#[derive(Clone, Copy, Debug)]
struct Scripted {
    reply: Reply,
    refresh: Refresh,
    latency_ms: u16,
}

const HAPPY: Scripted = Scripted {
    reply: Reply::Ok(Mask::Absent),
    refresh: Refresh::No,
    latency_ms: 40,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PhoneAns {
    Valid,
    Formatted,
    Invalid(u8),
    Cancel,
    Stray,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EmailAns {
    Valid,
    Padded,
    Invalid(u8),
    Cancel,
    Stray,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OtpAns {
    Right,
    Padded,
    Wrong,
    Malformed,
    Resend,
    Cancel,
    Stray,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConfirmAns {
    Yes,
    No,
    Cancel,
    Stray,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SignAns {
    Right,
    /// Right key, no `0x`, v in {0, 1}.
    Bare,
    WrongKey,
    HexQuirk,
    Rejected,
    WalletTimeout,
    WalletOther,
    Garbage,
}

#[derive(Clone, Debug)]
struct Case {
    first_factor: FirstFactor,
    verify: bool,
    retry: RetryPolicy,
    max_otp_attempts: u32,
    max_invalid_answers: u32,
    max_otp_resends: u32,
    resend_cooldown_ms: u64,
    /// 0 proxy, 1 client id + secret, 2 client session.
    credentials: u8,
    seed: u64,
    t0: u64,
    cancel_at: Option<u16>,
    /// One tape per endpoint of [`AUTH`]; an empty tape answers [`HAPPY`].
    replies: Vec<Vec<Scripted>>,
    phone: Vec<(PhoneAns, u16)>,
    email: Vec<(EmailAns, u16)>,
    otp: Vec<(OtpAns, u16)>,
    confirm: Vec<(ConfirmAns, u16)>,
    sign: Vec<(SignAns, u16)>,
    /// (fire the timer early once, fire late by this many ms).
    waits: Vec<(bool, u16)>,
}

impl Case {
    fn config(&self) -> FlowConfig {
        let credentials = match self.credentials {
            1 => Credentials::ClientSecret {
                client_id: CLIENT_ID.to_owned(),
                client_secret: Secret::new(CLIENT_SECRET),
            },
            2 => Credentials::ClientSession {
                session_id: Secret::new(CLIENT_SESSION),
            },
            _ => Credentials::Proxy,
        };
        FlowConfig {
            client: ClientContext::new(credentials),
            retry: self.retry,
            max_otp_attempts: self.max_otp_attempts,
            max_invalid_answers: self.max_invalid_answers,
            max_otp_resends: self.max_otp_resends,
            resend_cooldown_ms: self.resend_cooldown_ms,
            verify_linked_wallet: self.verify,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

fn retry_after_429() -> impl Strategy<Value = RetryAfterSpec> {
    prop_oneof![
        3 => Just(RetryAfterSpec::Absent),
        4 => (0u8..=5).prop_map(RetryAfterSpec::Seconds),
        1 => (6u8..=255).prop_map(RetryAfterSpec::Seconds),
        3 => (-3i8..=8).prop_map(RetryAfterSpec::DateIn),
        1 => Just(RetryAfterSpec::Garbage),
    ]
}

fn retry_after_5xx() -> impl Strategy<Value = RetryAfterSpec> {
    prop_oneof![
        8 => Just(RetryAfterSpec::Absent),
        1 => (0u8..=5).prop_map(RetryAfterSpec::Seconds),
        1 => (-3i8..=8).prop_map(RetryAfterSpec::DateIn),
    ]
}

fn mask() -> impl Strategy<Value = Mask> {
    prop_oneof![
        4 => Just(Mask::Absent),
        1 => Just(Mask::Null),
        3 => Just(Mask::Full),
        1 => Just(Mask::EmailOnly),
        1 => Just(Mask::PhoneOnly),
        1 => Just(Mask::PreferredSms),
        1 => Just(Mask::PreferredTotp),
    ]
}

fn broken() -> impl Strategy<Value = Broken> {
    prop_oneof![
        Just(Broken::NotJson),
        Just(Broken::Html),
        Just(Broken::WrongTypes),
        Just(Broken::MissingField),
        Just(Broken::EmptyValue),
        Just(Broken::Redirect),
    ]
}

/// The outcomes `endpoint` can really give, weighted towards success.
fn reply(endpoint: Endpoint) -> BoxedStrategy<Reply> {
    let mut arms: Vec<(u32, BoxedStrategy<Reply>)> = vec![
        (60, mask().prop_map(Reply::Ok).boxed()),
        (6, retry_after_429().prop_map(Reply::RateLimited).boxed()),
        (
            3,
            (
                prop_oneof![Just(500u16), Just(502), Just(503), Just(504)],
                any::<bool>(),
                retry_after_5xx(),
            )
                .prop_map(|(status, html, retry_after)| Reply::ServerError {
                    status,
                    html,
                    retry_after,
                })
                .boxed(),
        ),
        (2, broken().prop_map(Reply::Broken).boxed()),
        (2, Just(Reply::Timeout).boxed()),
        (2, Just(Reply::Network).boxed()),
        (1, Just(Reply::Refused(400, "INVALID_BODY")).boxed()),
        (
            1,
            Just(Reply::Refused(401, "INVALID_CLIENT_SECRET")).boxed(),
        ),
        (1, Just(Reply::Refused(404, "NOT_FOUND")).boxed()),
        (
            3,
            prop_oneof![Just("EXPIRED_JWT"), Just("INVALID_JWT")]
                .prop_map(Reply::JwtRefused)
                .boxed(),
        ),
    ];
    let specific: Vec<(u32, Reply)> = match endpoint {
        Endpoint::WalletStart => vec![
            (1, Reply::Refused(400, "INVALID_WALLET_ADDRESS")),
            (1, Reply::Refused(400, "MISSING_WALLET_ADDRESS")),
        ],
        Endpoint::WalletAuthenticate => vec![
            (3, Reply::Refused(400, "INVALID_SIGNATURE")),
            (1, Reply::Conflict("ALREADY_EXISTS_WALLET_ADDRESS")),
        ],
        Endpoint::SmsSend => vec![
            (3, Reply::Refused(400, "INVALID_PHONE")),
            (10, Reply::Conflict("ALREADY_EXISTS_PHONE")),
        ],
        Endpoint::EmailSend => vec![
            (3, Reply::Refused(400, "INVALID_EMAIL")),
            (1, Reply::Conflict("ALREADY_EXISTS_EMAIL")),
        ],
        Endpoint::SmsAuthenticate | Endpoint::EmailAuthenticate => {
            vec![(5, Reply::Refused(401, "INVALID_OTP"))]
        }
        _ => vec![
            (4, Reply::Refused(403, "MFA_REQUIRED")),
            (1, Reply::Conflict("ALREADY_EXISTS_WALLET_ADDRESS")),
            (1, Reply::Refused(404, "USER_NOT_FOUND")),
        ],
    };
    arms.extend(specific.into_iter().map(|(w, r)| (w, Just(r).boxed())));
    Union::new_weighted(arms).boxed()
}

fn scripted(endpoint: Endpoint) -> impl Strategy<Value = Scripted> {
    (
        reply(endpoint),
        prop_oneof![12 => Just(Refresh::No), 3 => Just(Refresh::Fresh), 1 => Just(Refresh::Garbage)],
        prop_oneof![4 => 0u16..200, 1 => 200u16..5_000],
    )
        .prop_map(|(reply, refresh, latency_ms)| Scripted {
            reply,
            refresh,
            latency_ms,
        })
}

fn think() -> impl Strategy<Value = u16> {
    prop_oneof![3 => 0u16..500, 1 => 500u16..40_000]
}

fn tape<T: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = T>,
    max: usize,
) -> impl Strategy<Value = Vec<(T, u16)>> {
    prop::collection::vec((item, think()), 0..max)
}

fn settings() -> impl Strategy<
    Value = (
        FirstFactor,
        bool,
        RetryPolicy,
        (u32, u32, u32, u64),
        u8,
        u64,
        u64,
        Option<u16>,
    ),
> {
    (
        prop_oneof![3 => Just(FirstFactor::Wallet), 1 => Just(FirstFactor::Sms), 1 => Just(FirstFactor::Email)],
        any::<bool>(),
        (
            0u32..=6,
            0u64..=1_000,
            0u64..=8_000,
            prop_oneof![Just(2_000u64), Just(10_000), Just(120_000)],
        )
            .prop_map(|(max_attempts, base, max, total)| RetryPolicy {
                max_attempts,
                base_delay_ms: base,
                max_delay_ms: max.max(base),
                max_total_ms: total,
            }),
        (
            1u32..=5,
            0u32..=3,
            0u32..=3,
            prop_oneof![Just(0u64), 1u64..5_000, Just(30_000)],
        ),
        0u8..=2,
        any::<u64>(),
        1_600_000_000_000u64..1_900_000_000_000,
        prop::option::weighted(0.08, 0u16..30),
    )
}

fn case() -> impl Strategy<Value = Case> {
    let replies: Vec<_> = AUTH
        .iter()
        .map(|e| prop::collection::vec(scripted(*e), 0..6).boxed())
        .collect();
    let answers = (
        tape(
            prop_oneof![
                8 => Just(PhoneAns::Valid),
                2 => Just(PhoneAns::Formatted),
                2 => any::<u8>().prop_map(PhoneAns::Invalid),
                1 => Just(PhoneAns::Cancel),
                1 => Just(PhoneAns::Stray),
            ],
            4,
        ),
        tape(
            prop_oneof![
                8 => Just(EmailAns::Valid),
                2 => Just(EmailAns::Padded),
                2 => any::<u8>().prop_map(EmailAns::Invalid),
                1 => Just(EmailAns::Cancel),
                1 => Just(EmailAns::Stray),
            ],
            4,
        ),
        tape(
            prop_oneof![
                8 => Just(OtpAns::Right),
                1 => Just(OtpAns::Padded),
                4 => Just(OtpAns::Wrong),
                2 => Just(OtpAns::Malformed),
                3 => Just(OtpAns::Resend),
                1 => Just(OtpAns::Cancel),
                1 => Just(OtpAns::Stray),
            ],
            8,
        ),
        tape(
            prop_oneof![
                8 => Just(ConfirmAns::Yes),
                2 => Just(ConfirmAns::No),
                1 => Just(ConfirmAns::Cancel),
                1 => Just(ConfirmAns::Stray),
            ],
            3,
        ),
        tape(
            prop_oneof![
                12 => Just(SignAns::Right),
                2 => Just(SignAns::Bare),
                1 => Just(SignAns::WrongKey),
                1 => Just(SignAns::HexQuirk),
                1 => Just(SignAns::Rejected),
                1 => Just(SignAns::WalletTimeout),
                1 => Just(SignAns::WalletOther),
                1 => Just(SignAns::Garbage),
            ],
            3,
        ),
        prop::collection::vec((prop::bool::weighted(0.2), 0u16..2_000), 0..6),
    );
    (settings(), replies, answers).prop_map(
        |(
            (
                first_factor,
                verify,
                retry,
                (otp_attempts, invalid, resends, cooldown),
                credentials,
                seed,
                t0,
                cancel_at,
            ),
            replies,
            (phone, email, otp, confirm, sign, waits),
        )| Case {
            first_factor,
            verify,
            retry,
            max_otp_attempts: otp_attempts,
            max_invalid_answers: invalid,
            max_otp_resends: resends,
            resend_cooldown_ms: cooldown,
            credentials,
            seed,
            t0,
            cancel_at,
            replies,
            phone,
            email,
            otp,
            confirm,
            sign,
            waits,
        },
    )
}

/// Cases forced onto the link path: a new-user wallet, 409 on the phone, confirmation, then the
/// token-less SMS under a burst of 429s, the rest random.
fn link_case() -> impl Strategy<Value = Case> {
    (
        case(),
        prop::collection::vec(
            (retry_after_429(), 0u16..300).prop_map(|(ra, latency_ms)| Scripted {
                reply: Reply::RateLimited(ra),
                refresh: Refresh::No,
                latency_ms,
            }),
            0..5,
        ),
        prop::bool::weighted(0.7),
    )
        .prop_map(|(mut case, limits, generous)| {
            if generous {
                // Enough tries and time for the burst, so that most runs reach `addToUser`.
                let needed = u32::try_from(limits.len()).unwrap_or(4) + 2;
                case.retry.max_attempts = case.retry.max_attempts.max(needed);
                case.retry.max_total_ms = 600_000;
            }
            case.first_factor = FirstFactor::Wallet;
            case.cancel_at = None;
            // Short tapes elsewhere, so that most runs get to the end of the path.
            for tape in &mut case.replies {
                tape.truncate(2);
            }
            case.replies[slot(Endpoint::WalletAuthenticate)].insert(0, HAPPY);
            let sms = &mut case.replies[slot(Endpoint::SmsSend)];
            let mut forced = vec![Scripted {
                reply: Reply::Conflict("ALREADY_EXISTS_PHONE"),
                ..HAPPY
            }];
            forced.extend(limits);
            sms.splice(0..0, forced);
            case.sign.insert(0, (SignAns::Right, 10));
            case.phone.insert(0, (PhoneAns::Valid, 10));
            case.confirm.insert(0, (ConfirmAns::Yes, 10));
            case
        })
}

// ---------------------------------------------------------------------------------------------
// The model server and its checks
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Origin {
    /// The authenticate endpoint whose 200 issued the token (a refresh inherits it).
    endpoint: Endpoint,
    /// Issued after the phone conflict.
    link: bool,
}

#[derive(Clone, Debug)]
struct Token {
    session: u32,
    /// `None`: a refresh sent on a request that carried no token; nothing it may replace.
    origin: Option<Origin>,
    via_refresh: bool,
}

#[derive(Clone, Debug)]
struct Sent {
    endpoint: Endpoint,
    done_at: u64,
    bearer: Option<String>,
    body: Value,
    retryable: bool,
    /// A 5xx or transport failure: the server may have acted, the answer was lost.
    lost: bool,
    retry_floor: Option<u64>,
    /// A valid refresh that answered this request's token.
    refresh: Option<String>,
}

#[derive(Clone, Debug)]
struct OtpStep {
    channel: Channel,
    link: bool,
    codes_sent: u32,
    refused: u32,
    ok_sends: u32,
    last_ok_send_at: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Note {
    /// The answer is sent as is.
    Usable,
    /// Cannot be right; asked again (or too many: `Config`).
    Unusable,
    Cancel,
    Decline,
    Resend,
    /// Does not fit the prompt: ignored.
    Stray,
}

#[derive(Clone, Debug)]
enum Heard {
    Transport {
        timeout: bool,
    },
    Response {
        status: u16,
        code: Option<&'static str>,
        /// 2xx the engine must accept.
        ok: bool,
        garbage_refresh: bool,
        retry_floor: Option<u64>,
    },
}

#[derive(Clone, Debug)]
enum Last {
    Start,
    Cancelled,
    Timer,
    Sign(SignAns),
    Answer(Note),
    Http(Endpoint, Heard),
}

/// What a case exercised, for the coverage test.
#[derive(Clone, Debug, Default)]
struct CaseStats {
    outcome: String,
    steps: usize,
    honoured_retry_after: u32,
    refreshed_sent: u32,
    reprompts: u32,
    resends: u32,
    links: u32,
    orphan_refreshes: u32,
    cancels: u32,
    early_timers: u32,
    stray_answers: u32,
    /// Steps at which the reloading run saved and restored the flow.
    reloads: u32,
}

struct Model<'c> {
    case: &'c Case,
    config: FlowConfig,
    wallet: Address,
    cursor: [usize; 7],
    cursor_answers: [usize; 6],
    tokens: HashMap<String, Token>,
    session_kinds: HashMap<u32, Vec<Kind>>,
    replaced: HashSet<String>,
    rejected: HashSet<String>,
    banned: HashSet<String>,
    sessions: u32,
    minted: u64,
    link: bool,
    log: Vec<Sent>,
    run_len: u32,
    /// The current call has been retried after a lost answer.
    after_loss: bool,
    /// The engine owes a resend because a used code came back after a lost answer.
    auto_resend: bool,
    /// The last answer was a phone number or an email: the send it makes is a first send to
    /// that destination (e.g. after Ratio refused the previous one), not a resend.
    destination_given: bool,
    codes: HashMap<String, String>,
    latest_id: [Option<String>; 2],
    ids: u32,
    challenge: Option<String>,
    challenges: usize,
    signature: Option<(String, SignAns, String)>,
    signer_ok: Option<Address>,
    wallet_masks: Vec<bool>,
    added: bool,
    verified_after_add: bool,
    step: Option<OtpStep>,
    secrets: Vec<String>,
    otps: Vec<String>,
    last: Last,
    stats: CaseStats,
}

fn fail(message: impl Into<String>) -> TestCaseError {
    TestCaseError::fail(message.into())
}

fn channel_slot(channel: Channel) -> usize {
    match channel {
        Channel::Sms => 0,
        Channel::Email => 1,
    }
}

fn hex_digits(signature: &str) -> String {
    let s = signature.trim();
    s.strip_prefix("0x").unwrap_or(s).to_ascii_lowercase()
}

/// Maximal runs of ASCII digits.
fn digit_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl<'c> Model<'c> {
    fn new(case: &'c Case) -> Self {
        let mut secrets = Vec::new();
        if case.credentials == 1 {
            secrets.push(CLIENT_SECRET.to_owned());
        }
        if case.credentials == 2 {
            secrets.push(CLIENT_SESSION.to_owned());
        }
        Model {
            case,
            config: case.config(),
            wallet: wallet(),
            cursor: [0; 7],
            cursor_answers: [0; 6],
            tokens: HashMap::new(),
            session_kinds: HashMap::new(),
            replaced: HashSet::new(),
            rejected: HashSet::new(),
            banned: HashSet::new(),
            sessions: 0,
            minted: 0,
            link: false,
            log: Vec::new(),
            run_len: 0,
            after_loss: false,
            auto_resend: false,
            destination_given: false,
            codes: HashMap::new(),
            latest_id: [None, None],
            ids: 0,
            challenge: None,
            challenges: 0,
            signature: None,
            signer_ok: None,
            wallet_masks: Vec::new(),
            added: false,
            verified_after_add: false,
            step: None,
            secrets,
            otps: Vec::new(),
            last: Last::Start,
            stats: CaseStats::default(),
        }
    }

    fn next_reply(&mut self, endpoint: Endpoint) -> Scripted {
        let i = slot(endpoint);
        let tape = &self.case.replies[i];
        let item = tape.get(self.cursor[i]).copied().unwrap_or(HAPPY);
        self.cursor[i] += 1;
        item
    }

    fn next_answer<T: Copy>(&mut self, which: usize, tape: &[(T, u16)], default: T) -> (T, u64) {
        let item = tape.get(self.cursor_answers[which]).copied();
        self.cursor_answers[which] += 1;
        item.map_or((default, 300), |(t, think)| (t, u64::from(think)))
    }

    // --- tokens ------------------------------------------------------------------------------

    fn mint(
        &mut self,
        session: u32,
        kinds: &[Kind],
        now: u64,
        origin: Option<Origin>,
        via_refresh: bool,
    ) -> String {
        self.minted += 1;
        let iat = now / 1000;
        let factors: Vec<Value> = kinds
            .iter()
            .map(|k| match k {
                Kind::Wallet => json!({
                    "type": "crypto", "delivery_method": "crypto_wallet",
                    "last_authenticated_at": "2024-05-01T12:00:00Z",
                    "crypto_wallet_factor": {
                        "crypto_wallet_id": format!("crypto-wallet-test-{session}"),
                        "crypto_wallet_address": self.wallet.to_lower_hex(),
                        "crypto_wallet_type": "ethereum"
                    }
                }),
                Kind::Sms => json!({
                    "type": "otp", "delivery_method": "sms",
                    "last_authenticated_at": "2024-05-01T12:00:00Z",
                    "phone_number_factor": {"phone_id": format!("phone-number-test-{session}"), "phone_number": PHONE}
                }),
                Kind::Email => json!({
                    "type": "otp", "delivery_method": "email",
                    "last_authenticated_at": "2024-05-01T12:00:00Z",
                    "email_factor": {"email_id": format!("email-test-{session}"), "email_address": EMAIL}
                }),
            })
            .collect();
        let payload = json!({
            "sub": format!("user-test-{session}"),
            "iat": iat,
            "exp": iat + 300,
            "iss": "ratio-sandbox",
            "https://stytch.com/session": {
                "session_id": format!("session-test-{session}"),
                "started_at": "2024-05-01T12:00:00Z",
                "last_accessed_at": "2024-05-01T12:00:00Z",
                "expires_at": "2024-05-01T12:10:00Z",
                "authentication_factors": factors,
            },
        });
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let sig =
            eip191::keccak256(format!("{}-{}-{}", self.case.seed, self.minted, session).as_bytes());
        let payload_part = b64(payload.to_string().as_bytes());
        let sig_part = b64(&sig);
        let jwt = format!(
            "{}.{payload_part}.{sig_part}",
            b64(header.to_string().as_bytes())
        );
        self.secrets.push(jwt.clone());
        self.secrets.push(payload_part);
        self.secrets.push(sig_part);
        self.tokens.insert(
            jwt.clone(),
            Token {
                session,
                origin,
                via_refresh,
            },
        );
        jwt
    }

    /// A session token after an authenticate of `kind`: the presented token's session gains the
    /// factor (that is what sending the JWT does); without a token, a new session.
    fn mint_after(
        &mut self,
        presented: Option<&Token>,
        kind: Kind,
        now: u64,
        endpoint: Endpoint,
    ) -> String {
        let session = match presented {
            Some(token) => token.session,
            None => {
                self.sessions += 1;
                self.sessions
            }
        };
        let kinds = self.session_kinds.entry(session).or_default();
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
        let kinds = kinds.clone();
        let origin = Origin {
            endpoint,
            link: self.link,
        };
        self.mint(session, &kinds, now, Some(origin), false)
    }

    fn new_code(&mut self) -> String {
        let n = self.ids as u64;
        let mixed = (self.case.seed ^ 0x9E37_79B9_7F4A_7C15)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(n.wrapping_mul(1_442_695_040_888_963_407));
        let code = format!("{:06}", (mixed >> 33) % 1_000_000);
        self.otps.push(code.clone());
        code
    }

    // --- leak checks -------------------------------------------------------------------------

    fn check_text(&self, what: &str, text: &str, personal: bool) -> Result<(), TestCaseError> {
        for secret in &self.secrets {
            prop_assert!(
                !text.contains(secret.as_str()),
                "{} shows a secret ({}…): {}",
                what,
                &secret[..secret.len().min(12)],
                text
            );
        }
        let runs = digit_runs(text);
        for otp in &self.otps {
            prop_assert!(
                !runs.contains(&otp.as_str()),
                "{} shows the code {}: {}",
                what,
                otp,
                text
            );
        }
        if personal {
            for data in [PHONE, PHONE_DIGITS, EMAIL] {
                prop_assert!(!text.contains(data), "{} shows {}: {}", what, data, text);
            }
        }
        Ok(())
    }

    fn check_events(&mut self, events: &[FlowEvent]) -> Result<(), TestCaseError> {
        for event in events {
            let json = event.to_json().to_json_string();
            self.check_text("an event", &format!("{event:?} {json}"), true)?;
            if let FlowEvent::BackingOff {
                until_ms,
                retry_after_ms,
                ..
            } = event
            {
                prop_assert!(
                    *until_ms >= retry_after_ms.unwrap_or(0),
                    "BackingOff earlier than Retry-After"
                );
            }
        }
        Ok(())
    }

    // --- requests ----------------------------------------------------------------------------

    /// The wire checks for one request; returns whether it is a retry.
    fn check_request(&mut self, req: &HttpRequest, now: u64) -> Result<bool, TestCaseError> {
        let e = req.endpoint;
        prop_assert!(AUTH.contains(&e), "the engine asked for {:?}", e);
        prop_assert_eq!(req.method, Method::Post);
        prop_assert_eq!(req.path.as_str(), e.path());
        prop_assert_eq!(req.header("Content-Type"), Some("application/json"));
        prop_assert_eq!(req.header("Accept"), Some("application/json"));
        let (id, secret, session) = match self.case.credentials {
            1 => (Some(CLIENT_ID), Some(CLIENT_SECRET), None),
            2 => (None, None, Some(CLIENT_SESSION)),
            _ => (None, None, None),
        };
        prop_assert_eq!(req.header("ratio-client-id"), id);
        prop_assert_eq!(req.header("ratio-client-secret"), secret);
        prop_assert_eq!(req.header("ratio-client-session-id"), session);
        if let Some(auth) = req.header("Authorization") {
            prop_assert!(auth.starts_with("Bearer "), "Authorization: {}", auth);
        }
        let body = body_json(req);
        prop_assert!(body.is_object(), "body {:?}", req.body);
        let bearer = req.bearer().map(str::to_owned);

        // Retries: the same request, the current token, never before Retry-After, bounded.
        let retry = match self.log.last() {
            Some(prev) if prev.retryable => {
                // A lost authenticate answer may have spent the challenge: the wallet step
                // starts over with a new one instead of resending the signature.
                let resign = prev.lost && prev.endpoint == Endpoint::WalletAuthenticate;
                let expected_endpoint = if resign {
                    Endpoint::WalletStart
                } else {
                    prev.endpoint
                };
                prop_assert_eq!(expected_endpoint, e, "moved on after a retryable failure");
                if !resign {
                    prop_assert_eq!(&prev.body, &body, "a retry changed the body");
                }
                let expected = match (&prev.bearer, &prev.refresh) {
                    (Some(_), Some(refreshed)) => Some(refreshed.clone()),
                    (sent, _) => sent.clone(),
                };
                prop_assert_eq!(
                    &bearer,
                    &expected,
                    "a retry must carry the token that is current"
                );
                prop_assert!(now >= prev.done_at, "a retry before the failure");
                if let Some(floor) = prev.retry_floor {
                    prop_assert!(
                        now >= floor,
                        "retry of {:?} at {} is {} ms before Retry-After",
                        e,
                        now,
                        floor - now
                    );
                    if floor > prev.done_at {
                        self.stats.honoured_retry_after += 1;
                    }
                }
                true
            }
            _ => false,
        };
        self.run_len = if retry { self.run_len + 1 } else { 1 };
        if !retry {
            self.after_loss = false;
        }
        prop_assert!(
            self.run_len <= self.case.retry.max_attempts.max(1),
            "{} tries of {:?} with max_attempts {}",
            self.run_len,
            e,
            self.case.retry.max_attempts
        );

        // Only tokens the server issued, and only while they are good.
        let mut origin = None;
        let mut kinds = None;
        if let Some(t) = &bearer {
            let token = self
                .tokens
                .get(t)
                .ok_or_else(|| fail(format!("{e:?} carried a token the server never issued")))?;
            prop_assert!(
                token.origin.is_some(),
                "sent a refresh that answered a token-less request"
            );
            prop_assert!(
                !self.replaced.contains(t),
                "sent a token after its refresh arrived"
            );
            prop_assert!(
                !self.rejected.contains(t),
                "sent a token the server refused"
            );
            prop_assert!(
                !self.banned.contains(t),
                "sent a pre-conflict token after 409 ALREADY_EXISTS_PHONE"
            );
            if token.via_refresh {
                self.stats.refreshed_sent += 1;
            }
            origin = token.origin;
            kinds = Some(jwt_kinds(t).map_err(fail)?);
        }
        let origin_is = |endpoint: Endpoint, link: bool| origin == Some(Origin { endpoint, link });
        let wallet_first = self.case.first_factor == FirstFactor::Wallet;
        let checksum = json!(self.wallet.to_checksum());

        match e {
            Endpoint::WalletStart | Endpoint::WalletAuthenticate => {
                prop_assert_eq!(&body["walletAddress"], &checksum);
                prop_assert_eq!(&body["walletType"], &json!("EVM"));
                if self.link {
                    prop_assert!(
                        self.added,
                        "a wallet request on the link path before addToUser"
                    );
                    prop_assert!(
                        origin_is(Endpoint::EmailAuthenticate, true),
                        "the re-sign must carry the link path's two-factor JWT"
                    );
                } else if let Some(first) = first_channel(self.case.first_factor) {
                    prop_assert!(
                        origin_is(authenticate_of(first), false),
                        "the wallet after a first factor must carry that factor's JWT"
                    );
                } else {
                    prop_assert!(bearer.is_none(), "the wallet sign-in carried a JWT");
                }
                if e == Endpoint::WalletAuthenticate {
                    let sent = body["signature"].as_str().unwrap_or_default();
                    prop_assert!(
                        sent.starts_with("0x") && sent.len() == 132,
                        "signature {}",
                        sent
                    );
                    let (challenge, answer, given) = self
                        .signature
                        .clone()
                        .ok_or_else(|| fail("a wallet authenticate without any signature"))?;
                    prop_assert_eq!(
                        Some(&challenge),
                        self.challenge.as_ref(),
                        "signed an old challenge"
                    );
                    prop_assert!(
                        matches!(answer, SignAns::Right | SignAns::Bare),
                        "sent a signature the wallet got wrong ({:?})",
                        answer
                    );
                    prop_assert_eq!(hex_digits(sent), hex_digits(&given));
                }
                self.step = None;
            }
            Endpoint::WalletAddToUser => {
                prop_assert!(self.link, "addToUser outside the link path");
                let kinds = kinds.ok_or_else(|| fail("addToUser without a JWT"))?;
                prop_assert!(
                    kinds.len() >= 2,
                    "addToUser with a JWT of factors {:?}",
                    kinds
                );
                prop_assert!(
                    origin_is(Endpoint::EmailAuthenticate, true),
                    "addToUser must carry the link path's email JWT"
                );
                prop_assert_eq!(&body["walletAddress"], &checksum);
                prop_assert_eq!(&body["walletType"], &json!("EVM"));
                prop_assert_eq!(
                    self.signer_ok,
                    Some(self.wallet),
                    "addToUser for a wallet that did not sign in this flow"
                );
                self.step = None;
            }
            _ => {
                let channel = otp_channel(e).ok_or_else(|| fail("not an OTP endpoint"))?;
                if self.link {
                    match channel {
                        Channel::Sms => {
                            prop_assert!(bearer.is_none(), "the link path's {:?} carried a JWT", e)
                        }
                        Channel::Email => prop_assert!(
                            origin_is(Endpoint::SmsAuthenticate, true),
                            "the link path's email must carry the link SMS JWT"
                        ),
                    }
                } else if wallet_first {
                    prop_assert!(
                        origin_is(Endpoint::WalletAuthenticate, false),
                        "the second factor must carry the wallet JWT"
                    );
                } else {
                    prop_assert!(bearer.is_none(), "a first factor carried a JWT");
                    prop_assert_eq!(Some(channel), first_channel(self.case.first_factor));
                }
                match e {
                    Endpoint::SmsSend => prop_assert_eq!(&body["phoneNumber"], &json!(PHONE)),
                    Endpoint::EmailSend => prop_assert_eq!(&body["emailAddress"], &json!(EMAIL)),
                    _ => {
                        let field = if channel == Channel::Sms {
                            "phoneId"
                        } else {
                            "emailId"
                        };
                        prop_assert_eq!(
                            body[field].as_str(),
                            self.latest_id[channel_slot(channel)].as_deref(),
                            "authenticate against another send than the latest"
                        );
                        let otp = body["otp"].as_str().unwrap_or_default();
                        prop_assert!(
                            otp.len() == 6 && otp.bytes().all(|b| b.is_ascii_digit()),
                            "otp {}",
                            otp
                        );
                    }
                }
                let same_step =
                    matches!(&self.step, Some(s) if s.channel == channel && s.link == self.link);
                if !same_step {
                    self.step = Some(OtpStep {
                        channel,
                        link: self.link,
                        codes_sent: 0,
                        refused: 0,
                        ok_sends: 0,
                        last_ok_send_at: 0,
                    });
                }
                let cooldown = self.case.resend_cooldown_ms;
                let max_codes = self.case.max_otp_attempts;
                let auto_resend = std::mem::take(&mut self.auto_resend);
                let first_to_destination = !is_authenticate(e)
                    && matches!(self.last, Last::Answer(Note::Usable))
                    && self.destination_given;
                if let Some(step) = self.step.as_mut() {
                    if !retry
                        && !is_authenticate(e)
                        && step.ok_sends > 0
                        && !auto_resend
                        && !first_to_destination
                    {
                        prop_assert!(
                            now >= step.last_ok_send_at + cooldown,
                            "resend {} ms before the cool-down ended",
                            step.last_ok_send_at + cooldown - now
                        );
                        self.stats.resends += 1;
                    }
                    if !retry && is_authenticate(e) {
                        step.codes_sent += 1;
                        prop_assert!(
                            step.codes_sent <= max_codes,
                            "code {} sent with max_otp_attempts {}",
                            step.codes_sent,
                            max_codes
                        );
                    }
                }
            }
        }
        Ok(retry)
    }

    // --- responses ---------------------------------------------------------------------------

    fn respond(
        &mut self,
        req: &HttpRequest,
        now: u64,
    ) -> (Result<HttpResponse, TransportError>, u64) {
        let e = req.endpoint;
        let body = body_json(req);
        let bearer = req.bearer().map(str::to_owned);
        let presented = bearer.as_ref().and_then(|t| self.tokens.get(t).cloned());
        let scripted = self.next_reply(e);
        let done_at = now + u64::from(scripted.latency_ms);
        // Only what this endpoint can answer in this situation.
        let mut reply = match scripted.reply {
            Reply::JwtRefused(_) if bearer.is_none() => {
                if e == Endpoint::WalletAddToUser {
                    Reply::JwtRefused("INVALID_JWT")
                } else {
                    Reply::Ok(Mask::Absent)
                }
            }
            Reply::Conflict("ALREADY_EXISTS_PHONE") if bearer.is_none() => Reply::Ok(Mask::Absent),
            other => other,
        };
        // A wrong code is refused.
        if is_authenticate(e) && matches!(reply, Reply::Ok(_)) {
            let field = if e == Endpoint::SmsAuthenticate {
                "phoneId"
            } else {
                "emailId"
            };
            let right = body[field].as_str().and_then(|id| self.codes.get(id));
            if right.map(String::as_str) != body["otp"].as_str() {
                reply = Reply::Refused(401, "INVALID_OTP");
            }
        }
        let mut sent = Sent {
            endpoint: e,
            done_at,
            bearer: bearer.clone(),
            body: body.clone(),
            retryable: false,
            lost: false,
            retry_floor: None,
            refresh: None,
        };
        if matches!(reply, Reply::Timeout | Reply::Network) {
            sent.retryable = true;
            sent.lost = true;
            self.after_loss = true;
            self.log.push(sent);
            let timeout = reply == Reply::Timeout;
            self.last = Last::Http(e, Heard::Transport { timeout });
            let error = if timeout {
                TransportError::Timeout
            } else {
                TransportError::Network("connection reset by peer".into())
            };
            return (Err(error), done_at);
        }

        let error_body = |code: &str| {
            json!({"createTime": "2024-05-01T12:00:00Z", "message": "refused by the model", "code": code}).to_string()
        };
        let mut headers: Vec<(String, String)> =
            vec![("content-type".into(), "application/json".into())];
        let retry_after =
            |spec: RetryAfterSpec, headers: &mut Vec<(String, String)>| -> Option<u64> {
                match spec {
                    RetryAfterSpec::Absent => None,
                    RetryAfterSpec::Garbage => {
                        headers.push(("retry-after".into(), "soon".into()));
                        None
                    }
                    RetryAfterSpec::Seconds(s) => {
                        headers.push(("retry-after".into(), s.to_string()));
                        Some(done_at + u64::from(s) * 1000)
                    }
                    RetryAfterSpec::DateIn(d) => {
                        let target = done_at as i64 + i64::from(d) * 1000;
                        let secs = target.div_euclid(1000) as u64;
                        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
                        headers.push(("Retry-After".into(), date));
                        Some(secs * 1000)
                    }
                }
            };
        let mut code: Option<&'static str> = None;
        let mut ok = false;
        let (status, text) = match reply {
            Reply::Ok(mask) => {
                ok = true;
                let mask_json = match mask {
                    Mask::Full => {
                        json!({"id": "user-1", "createTime": "2024-01-01T00:00:00Z", "updateTime": "2024-01-01T00:00:00Z", "phoneMask": "0100", "emailMask": "rat…@example.com"})
                    }
                    Mask::EmailOnly => json!({"id": "user-1", "emailMask": "rat…@example.com"}),
                    Mask::PhoneOnly => json!({"id": "user-1", "phoneMask": "0100"}),
                    Mask::PreferredSms => {
                        json!({"id": "user-1", "phoneMask": "0100", "preferredMfaMethod": "OTP_SMS"})
                    }
                    Mask::PreferredTotp => json!({"id": "user-1", "preferredMfaMethod": "TOTP"}),
                    Mask::Absent | Mask::Null => Value::Null,
                };
                let with_mask = |mut v: Value| {
                    match mask {
                        Mask::Absent => {}
                        _ => v["userMask"] = mask_json.clone(),
                    }
                    v["requestId"] = json!("req-model");
                    v
                };
                match e {
                    Endpoint::WalletStart => {
                        let challenge = format!(
                            "Signing in with Ratio: {}",
                            CHALLENGE_TOKENS[self.challenges % CHALLENGE_TOKENS.len()]
                        );
                        self.challenges += 1;
                        self.challenge = Some(challenge.clone());
                        (
                            200,
                            json!({"challenge": challenge, "requestId": "req-model"}).to_string(),
                        )
                    }
                    Endpoint::WalletAuthenticate => {
                        let jwt = self.mint_after(presented.as_ref(), Kind::Wallet, done_at, e);
                        self.signer_ok = body["walletAddress"]
                            .as_str()
                            .and_then(|a| Address::parse(a).ok());
                        self.wallet_masks.push(mask.present());
                        if self.added {
                            self.verified_after_add = true;
                        }
                        (200, with_mask(json!({"sessionJwt": jwt})).to_string())
                    }
                    Endpoint::SmsSend | Endpoint::EmailSend => {
                        self.ids += 1;
                        let channel = otp_channel(e).unwrap_or(Channel::Sms);
                        let id = format!(
                            "{}-model-{}",
                            if channel == Channel::Sms {
                                "phone"
                            } else {
                                "email"
                            },
                            self.ids
                        );
                        let code = self.new_code();
                        self.codes.insert(id.clone(), code);
                        self.latest_id[channel_slot(channel)] = Some(id.clone());
                        if let Some(step) = self.step.as_mut() {
                            step.ok_sends += 1;
                            step.last_ok_send_at = done_at;
                        }
                        let send = match (channel, mask.present()) {
                            (Channel::Sms, true) => json!({"phoneId": id, "phoneMask": "0100"}),
                            (Channel::Sms, false) => json!({"phoneId": id}),
                            (Channel::Email, true) => {
                                json!({"emailId": id, "emailMask": "rat…@example.com"})
                            }
                            (Channel::Email, false) => json!({"emailId": id}),
                        };
                        (200, send.to_string())
                    }
                    Endpoint::SmsAuthenticate | Endpoint::EmailAuthenticate => {
                        let channel = otp_channel(e).unwrap_or(Channel::Sms);
                        let field = if channel == Channel::Sms {
                            "phoneId"
                        } else {
                            "emailId"
                        };
                        if let Some(id) = body[field].as_str() {
                            self.codes.remove(id);
                        }
                        let jwt =
                            self.mint_after(presented.as_ref(), Kind::of(channel), done_at, e);
                        (200, with_mask(json!({"sessionJwt": jwt})).to_string())
                    }
                    _ => {
                        self.added = true;
                        (
                            200,
                            if mask.present() {
                                "{}".to_owned()
                            } else {
                                String::new()
                            },
                        )
                    }
                }
            }
            Reply::Refused(status, c) => {
                code = Some(c);
                (status, error_body(c))
            }
            Reply::JwtRefused(c) => {
                code = Some(c);
                (401, error_body(c))
            }
            Reply::Conflict(c) => {
                code = Some(c);
                (409, error_body(c))
            }
            Reply::RateLimited(spec) => {
                code = Some("TOO_MANY_REQUESTS");
                sent.retryable = true;
                sent.retry_floor = retry_after(spec, &mut headers);
                (429, error_body("TOO_MANY_REQUESTS"))
            }
            Reply::ServerError {
                status,
                html,
                retry_after: spec,
            } => {
                sent.retryable = true;
                sent.lost = true;
                sent.retry_floor = retry_after(spec, &mut headers);
                if html {
                    headers[0].1 = "text/html".into();
                    (
                        status,
                        "<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned(),
                    )
                } else {
                    code = Some("INTERNAL");
                    (status, error_body("INTERNAL"))
                }
            }
            Reply::Broken(kind) => {
                // addToUser's 200 has no body to read: the engine accepts any.
                ok = e == Endpoint::WalletAddToUser && kind != Broken::Redirect;
                if ok {
                    self.added = true;
                }
                let (field, wrong) = match e {
                    Endpoint::WalletStart => ("challenge", json!(42)),
                    Endpoint::SmsSend => ("phoneId", json!(7)),
                    Endpoint::EmailSend => ("emailId", json!(["x"])),
                    Endpoint::WalletAddToUser => ("x", json!(1)),
                    _ => ("sessionJwt", json!(42)),
                };
                match kind {
                    Broken::NotJson => (200, format!("{{\"{field}\": ")),
                    Broken::Html => {
                        headers[0].1 = "text/html".into();
                        (
                            200,
                            "<!doctype html><html><body>OK</body></html>".to_owned(),
                        )
                    }
                    Broken::WrongTypes => (200, json!({ field: wrong }).to_string()),
                    Broken::MissingField => (200, json!({"requestId": "req-model"}).to_string()),
                    Broken::EmptyValue => {
                        let empty = if field == "sessionJwt" {
                            json!("not-a-jwt")
                        } else {
                            json!("")
                        };
                        (200, json!({ field: empty }).to_string())
                    }
                    Broken::Redirect => {
                        headers.push(("location".into(), "https://example.com/".into()));
                        (302, String::new())
                    }
                }
            }
            Reply::Timeout | Reply::Network => (599, String::new()),
        };

        // The refresh header, minted from the session as this request left it.
        let mut garbage_refresh = false;
        match scripted.refresh {
            Refresh::No => {}
            Refresh::Garbage => {
                headers.push((
                    "Ratio-Authentication-Refresh".into(),
                    "garbage-token".into(),
                ));
                garbage_refresh = bearer.is_some();
            }
            Refresh::Fresh => match (&bearer, &presented) {
                (Some(old), Some(token)) => {
                    let kinds = self
                        .session_kinds
                        .get(&token.session)
                        .cloned()
                        .unwrap_or_default();
                    let fresh = self.mint(token.session, &kinds, done_at, token.origin, true);
                    self.replaced.insert(old.clone());
                    sent.refresh = Some(fresh.clone());
                    headers.push(("Ratio-Authentication-Refresh".into(), fresh));
                }
                _ => {
                    self.sessions += 1;
                    let session = self.sessions;
                    self.session_kinds.insert(session, vec![Kind::Wallet]);
                    let orphan = self.mint(session, &[Kind::Wallet], done_at, None, true);
                    self.stats.orphan_refreshes += 1;
                    headers.push(("Ratio-Authentication-Refresh".into(), orphan));
                }
            },
        }
        if let (Reply::JwtRefused(_), Some(t)) = (reply, &bearer) {
            self.rejected.insert(t.clone());
        }
        if reply == Reply::Conflict("ALREADY_EXISTS_PHONE") && bearer.is_some() {
            self.link = true;
            self.stats.links += 1;
            self.banned.extend(self.tokens.keys().cloned());
        }
        if reply == Reply::Refused(401, "INVALID_OTP") {
            let max_resends = self.case.max_otp_resends;
            if let Some(step) = self.step.as_mut() {
                if self.after_loss && step.ok_sends <= max_resends {
                    // The retry of a code check whose answer was lost: the engine sends a new
                    // code rather than charging the user an attempt.
                    self.auto_resend = true;
                    step.codes_sent = step.codes_sent.saturating_sub(1);
                } else {
                    step.refused += 1;
                }
            }
        }
        if sent.lost {
            self.after_loss = true;
        }
        let retry_floor = sent.retry_floor;
        self.log.push(sent);
        self.last = Last::Http(
            e,
            Heard::Response {
                status,
                code,
                ok,
                garbage_refresh,
                retry_floor,
            },
        );
        (Ok(HttpResponse::from_parts(status, headers, text)), done_at)
    }

    // --- wallet and user ---------------------------------------------------------------------

    fn sign(&mut self, message: &str) -> (Result<String, WalletError>, u64) {
        let tape = self.case.sign.clone();
        let (answer, think) = self.next_answer(0, &tape, SignAns::Right);
        let result = match answer {
            SignAns::Right => Ok(signature(0x11, message.as_bytes())),
            SignAns::Bare => {
                let full = signature(0x11, message.as_bytes());
                let mut bytes = hex::decode(hex_digits(&full)).unwrap_or_default();
                if let Some(v) = bytes.last_mut() {
                    *v -= 27;
                }
                Ok(hex::encode(bytes))
            }
            SignAns::WrongKey => Ok(signature(0x22, message.as_bytes())),
            SignAns::HexQuirk => Ok(signature(0x11, eip191::challenge_hex(message).as_bytes())),
            SignAns::Rejected => Err(WalletError::UserRejected),
            SignAns::WalletTimeout => Err(WalletError::Timeout),
            SignAns::WalletOther => Err(WalletError::Other {
                code: Some(-32000),
                message: "the wallet crashed".into(),
            }),
            SignAns::Garbage => Ok("0x1234abcd".into()),
        };
        self.signature = result
            .as_ref()
            .ok()
            .map(|s| (message.to_owned(), answer, s.clone()));
        self.last = Last::Sign(answer);
        (result, think)
    }

    fn check_prompt(&mut self, prompt: &Prompt) -> Result<(), TestCaseError> {
        match prompt {
            Prompt::Otp {
                channel,
                destination_mask,
                attempt,
                max_attempts,
                resend_available_at,
                ..
            } => {
                let step = self
                    .step
                    .as_ref()
                    .ok_or_else(|| fail("a code prompt outside an OTP step"))?;
                prop_assert_eq!(step.channel, *channel);
                prop_assert!(step.ok_sends >= 1, "a code prompt before any code was sent");
                prop_assert_eq!(*max_attempts, self.case.max_otp_attempts);
                prop_assert_eq!(
                    *attempt,
                    step.refused + 1,
                    "the attempt number is refusals + 1"
                );
                prop_assert!(*attempt <= *max_attempts);
                let expected_mask = if *channel == Channel::Sms {
                    "0100"
                } else {
                    "rat…@example.com"
                };
                prop_assert_eq!(destination_mask.as_str(), expected_mask);
                match resend_available_at {
                    Some(at) => {
                        prop_assert!(
                            step.ok_sends <= self.case.max_otp_resends,
                            "a resend offered past max_otp_resends"
                        );
                        prop_assert!(*at >= step.last_ok_send_at + self.case.resend_cooldown_ms);
                    }
                    None => prop_assert!(step.ok_sends > self.case.max_otp_resends),
                }
                if *attempt > 1 {
                    self.stats.reprompts += 1;
                }
            }
            Prompt::ConfirmLink { wallet_address, .. } => {
                prop_assert!(self.link, "a link confirmation without a phone conflict");
                prop_assert_eq!(*wallet_address, self.wallet);
            }
            Prompt::PhoneNumber { .. } | Prompt::Email { .. } => {}
        }
        Ok(())
    }

    fn answer(&mut self, prompt: &Prompt) -> (Answer, Note, u64) {
        let case = self.case;
        self.destination_given =
            matches!(prompt, Prompt::PhoneNumber { .. } | Prompt::Email { .. });
        match prompt {
            Prompt::PhoneNumber { .. } => {
                let (a, think) = self.next_answer(1, &case.phone, PhoneAns::Valid);
                let (answer, note) = match a {
                    PhoneAns::Valid => (Answer::text(PHONE), Note::Usable),
                    PhoneAns::Formatted => (Answer::text("+1 (415) 555-0100"), Note::Usable),
                    PhoneAns::Invalid(i) => {
                        let bad = ["555-0100", "+0123456789", "phone", "+14155550100123456"];
                        (
                            Answer::text(bad[usize::from(i) % bad.len()]),
                            Note::Unusable,
                        )
                    }
                    PhoneAns::Cancel => (Answer::Cancel, Note::Cancel),
                    PhoneAns::Stray => (Answer::ResendOtp, Note::Stray),
                };
                (answer, note, think)
            }
            Prompt::Email { .. } => {
                let (a, think) = self.next_answer(2, &case.email, EmailAns::Valid);
                let (answer, note) = match a {
                    EmailAns::Valid => (Answer::text(EMAIL), Note::Usable),
                    EmailAns::Padded => (Answer::text(format!("  {EMAIL} ")), Note::Usable),
                    EmailAns::Invalid(i) => {
                        let bad = ["nope", "a b@example.com", "@example.com", "ratio@"];
                        (
                            Answer::text(bad[usize::from(i) % bad.len()]),
                            Note::Unusable,
                        )
                    }
                    EmailAns::Cancel => (Answer::Cancel, Note::Cancel),
                    EmailAns::Stray => (Answer::Confirm(false), Note::Stray),
                };
                (answer, note, think)
            }
            Prompt::Otp { channel, .. } => {
                let (a, think) = self.next_answer(3, &case.otp, OtpAns::Right);
                let right = self.latest_id[channel_slot(*channel)]
                    .as_ref()
                    .and_then(|id| self.codes.get(id))
                    .cloned()
                    .unwrap_or_else(|| "000000".to_owned());
                let (answer, note) = match a {
                    OtpAns::Right => (Answer::text(right), Note::Usable),
                    OtpAns::Padded => (Answer::text(format!(" {right}\n")), Note::Usable),
                    OtpAns::Wrong => {
                        let wrong: String = right
                            .chars()
                            .map(|c| {
                                char::from_digit((c.to_digit(10).unwrap_or(0) + 1) % 10, 10)
                                    .unwrap_or('0')
                            })
                            .collect();
                        self.otps.push(wrong.clone());
                        (Answer::text(wrong), Note::Usable)
                    }
                    OtpAns::Malformed => (Answer::text("12a45"), Note::Unusable),
                    OtpAns::Resend => (Answer::ResendOtp, Note::Resend),
                    OtpAns::Cancel => (Answer::Cancel, Note::Cancel),
                    OtpAns::Stray => (Answer::Confirm(true), Note::Stray),
                };
                (answer, note, think)
            }
            Prompt::ConfirmLink { .. } => {
                let (a, think) = self.next_answer(4, &case.confirm, ConfirmAns::Yes);
                let (answer, note) = match a {
                    ConfirmAns::Yes => (Answer::Confirm(true), Note::Usable),
                    ConfirmAns::No => (Answer::Confirm(false), Note::Decline),
                    ConfirmAns::Cancel => (Answer::Cancel, Note::Cancel),
                    ConfirmAns::Stray => (Answer::text("yes"), Note::Stray),
                };
                (answer, note, think)
            }
        }
    }

    fn next_wait(&mut self) -> (bool, u64) {
        let tape = self.case.waits.clone();
        let i = self.cursor_answers[5];
        self.cursor_answers[5] += 1;
        tape.get(i)
            .map_or((false, 0), |(early, late)| (*early, u64::from(*late)))
    }

    // --- the end -----------------------------------------------------------------------------

    fn check_done(&self, outcome: &Outcome) -> Result<(), TestCaseError> {
        prop_assert!(
            matches!(
                self.last,
                Last::Http(
                    _,
                    Heard::Response {
                        ok: true,
                        garbage_refresh: false,
                        ..
                    }
                )
            ),
            "Done after {:?}",
            self.last
        );
        self.check_text("the outcome", &format!("{outcome:?}"), true)?;
        let jwt = outcome.session_jwt.expose();
        let token = self
            .tokens
            .get(jwt)
            .ok_or_else(|| fail("the outcome's JWT was never issued"))?;
        prop_assert!(token.origin.is_some(), "the outcome is an orphan refresh");
        prop_assert!(
            !self.replaced.contains(jwt),
            "the outcome's JWT was already refreshed"
        );
        prop_assert!(!self.rejected.contains(jwt) && !self.banned.contains(jwt));
        let kinds = jwt_kinds(jwt).map_err(fail)?;
        prop_assert!(kinds.len() >= 2, "a one-factor outcome: {:?}", kinds);
        let reported: Vec<Kind> = outcome
            .factors
            .iter()
            .map(|f| match f {
                FactorKind::Wallet => Kind::Wallet,
                FactorKind::Sms => Kind::Sms,
                FactorKind::Email => Kind::Email,
                FactorKind::Other => Kind::Wallet, // never issued by the model: fails below
            })
            .collect();
        prop_assert_eq!(&reported, &kinds);
        prop_assert_eq!(outcome.wallet_address, self.wallet);
        let exp = jwt_payload(jwt).map_err(fail)?["exp"].as_i64();
        prop_assert_eq!(outcome.expires_at, exp);
        let set = kind_set(&kinds);
        let wallet_first = self.case.first_factor == FirstFactor::Wallet;
        let two = |a: Kind, b: Kind| kind_set(&[a, b]);
        match outcome.path {
            FlowPath::Returning | FlowPath::New => {
                prop_assert!(
                    wallet_first && !self.link,
                    "{:?} on the wire of another path",
                    outcome.path
                );
                let had_mask = self.wallet_masks.last().copied();
                if outcome.path == FlowPath::Returning {
                    prop_assert_eq!(had_mask, Some(true), "Returning without a userMask");
                    prop_assert!(outcome.user_mask.is_some());
                    prop_assert!(
                        set == two(Kind::Wallet, Kind::Sms)
                            || set == two(Kind::Wallet, Kind::Email)
                    );
                } else {
                    prop_assert_eq!(had_mask, Some(false), "New with a userMask");
                    prop_assert_eq!(&set, &two(Kind::Wallet, Kind::Sms));
                }
                prop_assert!(outcome.wallet_verified);
            }
            FlowPath::Linked => {
                prop_assert!(
                    wallet_first && self.link,
                    "Linked without the phone conflict"
                );
                prop_assert!(self.added, "Linked without an addToUser 200");
                prop_assert_eq!(self.signer_ok, Some(self.wallet));
                prop_assert_eq!(outcome.wallet_verified, self.case.verify);
                if self.case.verify {
                    prop_assert!(self.verified_after_add, "verified without signing again");
                    prop_assert_eq!(set, kind_set(&[Kind::Wallet, Kind::Sms, Kind::Email]));
                } else {
                    prop_assert_eq!(set, two(Kind::Sms, Kind::Email));
                }
            }
            FlowPath::FactorFirst => {
                let first = first_channel(self.case.first_factor)
                    .ok_or_else(|| fail("FactorFirst from a wallet start"))?;
                prop_assert_eq!(set, two(Kind::of(first), Kind::Wallet));
                prop_assert!(outcome.wallet_verified);
                prop_assert_eq!(self.signer_ok, Some(self.wallet));
            }
        }
        Ok(())
    }

    fn check_fail(&self, error: &FlowError) -> Result<(), TestCaseError> {
        let json = error.to_json().to_json_string();
        self.check_text("the error", &format!("{error} {error:?} {json}"), true)?;
        let expected = match &self.last {
            Last::Start | Last::Timer => {
                return Err(fail(format!("failed without a cause: {error:?}")));
            }
            Last::Cancelled => ErrorKind::Aborted,
            Last::Sign(answer) => match answer {
                SignAns::Right | SignAns::Bare => {
                    return Err(fail(format!("a good signature failed the flow: {error:?}")));
                }
                SignAns::WrongKey => ErrorKind::SignatureMismatch {
                    signed_by: Some(other_wallet()),
                    signed_hex_text: false,
                },
                SignAns::HexQuirk => ErrorKind::SignatureMismatch {
                    signed_by: Some(self.wallet),
                    signed_hex_text: true,
                },
                SignAns::Rejected => ErrorKind::UserRejected,
                SignAns::WalletTimeout => ErrorKind::Timeout,
                SignAns::WalletOther => ErrorKind::Wallet {
                    wallet_code: Some(-32000),
                },
                SignAns::Garbage => ErrorKind::Wallet { wallet_code: None },
            },
            Last::Answer(note) => match note {
                Note::Cancel => ErrorKind::Aborted,
                Note::Decline => ErrorKind::Conflict,
                Note::Unusable | Note::Resend => ErrorKind::Config,
                Note::Usable | Note::Stray => {
                    return Err(fail(format!("a usable answer failed the flow: {error:?}")));
                }
            },
            Last::Http(endpoint, heard) => {
                prop_assert_eq!(
                    error.endpoint,
                    Some(*endpoint),
                    "the error names another endpoint"
                );
                match heard {
                    Heard::Transport { timeout: true } => ErrorKind::Timeout,
                    Heard::Transport { timeout: false } => ErrorKind::Network,
                    Heard::Response {
                        garbage_refresh: true,
                        ..
                    } => ErrorKind::BadResponse,
                    Heard::Response { ok: true, .. } => {
                        return Err(fail(format!("a good 200 failed the flow: {error:?}")));
                    }
                    Heard::Response {
                        status,
                        code,
                        retry_floor,
                        ..
                    } => {
                        // A 200 with an unreadable body is reported without a status.
                        if *status != 200 {
                            prop_assert_eq!(error.status, Some(*status));
                        }
                        prop_assert_eq!(
                            error.code.as_ref().map(|c| c.as_str().to_owned()),
                            code.map(str::to_owned)
                        );
                        match (*status, code.unwrap_or_default()) {
                            (200 | 302, _) => ErrorKind::BadResponse,
                            (429, _) => ErrorKind::RateLimited {
                                retry_at_ms: *retry_floor,
                            },
                            (500..=599, _) => ErrorKind::Server,
                            (400, "INVALID_SIGNATURE") => ErrorKind::SignatureMismatch {
                                signed_by: None,
                                signed_hex_text: false,
                            },
                            (400, _) => ErrorKind::Config,
                            (401, "INVALID_OTP") => ErrorKind::InvalidOtp,
                            (401, "INVALID_CLIENT_SECRET") => ErrorKind::Config,
                            (401, _) => ErrorKind::Server,
                            (403, _) => ErrorKind::MfaRequired,
                            (409, _) => ErrorKind::Conflict,
                            _ => ErrorKind::Server,
                        }
                    }
                }
            }
        };
        prop_assert_eq!(
            &error.kind,
            &expected,
            "error {:?} after {:?}",
            error,
            self.last
        );
        Ok(())
    }

    /// `Wait` only after a retryable failure or a resend.
    fn check_wait_reason(&self) -> Result<(), TestCaseError> {
        let after_failure =
            matches!(self.last, Last::Http(..)) && self.log.last().is_some_and(|s| s.retryable);
        let after_resend = matches!(self.last, Last::Answer(Note::Resend));
        prop_assert!(
            after_failure || after_resend,
            "a Wait after {:?}",
            self.last
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/// Runs `case` twice: straight through, and with the flow saved and restored (through the
/// snapshot's JSON) at every step where it can be saved, as if the page reloaded there. Both
/// runs must send exactly the same requests and end exactly the same way.
fn run_case(case: &Case) -> Result<CaseStats, TestCaseError> {
    let straight = run_case_with(case, false)?;
    let reloaded = run_case_with(case, true)?;
    prop_assert_eq!(
        &straight.requests,
        &reloaded.requests,
        "restoring changed the requests"
    );
    prop_assert_eq!(&straight.end, &reloaded.end, "restoring changed the end");
    let mut stats = straight.stats;
    stats.reloads = reloaded.stats.reloads;
    Ok(stats)
}

struct Run {
    stats: CaseStats,
    requests: Vec<HttpRequest>,
    end: Action,
}

/// The snapshot at this step, read back from its JSON into a new flow; `None` where the flow
/// cannot be saved. The JSON never holds a credential, a code or a signature.
fn reload(flow: &Flow, m: &Model<'_>, now: u64) -> Result<Option<Flow>, TestCaseError> {
    let Ok(snapshot) = flow.snapshot(now) else {
        return Ok(None);
    };
    let json = snapshot.to_json();
    for secret in [CLIENT_SECRET, CLIENT_SESSION] {
        prop_assert!(
            !json.contains(secret),
            "a snapshot holds a credential: {}",
            json
        );
    }
    let runs = digit_runs(&json);
    for otp in &m.otps {
        prop_assert!(
            !runs.contains(&otp.as_str()),
            "a snapshot holds the code {}",
            otp
        );
    }
    if let Some((signature, _, _)) = m
        .signature
        .as_ref()
        .filter(|(s, _, _)| hex_digits(s).len() >= 64)
    {
        prop_assert!(
            !json.contains(hex_digits(signature).as_str()),
            "a snapshot holds the signature"
        );
    }
    let read = FlowSnapshot::from_json(&json)
        .map_err(|e| fail(format!("a snapshot does not read back: {e}")))?;
    let restored = Flow::restore(m.config.clone(), &read, now)
        .map_err(|e| fail(format!("a snapshot does not restore: {e}")))?;
    prop_assert_eq!(
        restored.next_action(),
        flow.next_action(),
        "restored, the flow asks for something else"
    );
    prop_assert_eq!(restored.state(), flow.state());
    Ok(Some(restored))
}

fn run_case_with(case: &Case, reloading: bool) -> Result<Run, TestCaseError> {
    let mut m = Model::new(case);
    let start = Start {
        wallet: m.wallet,
        first_factor: case.first_factor,
    };
    let mut flow = Flow::new(m.config.clone(), start, case.seed, case.t0);
    let mut now = case.t0;
    let mut requests: Vec<HttpRequest> = Vec::new();
    for step in 0..MAX_STEPS {
        m.stats.steps = step;
        let events = flow.drain_events();
        m.check_events(&events)?;
        m.check_text("the flow's Debug", &format!("{flow:?}"), true)?;
        if reloading {
            if let Some(restored) = reload(&flow, &m, now)? {
                flow = restored;
                m.stats.reloads += 1;
                let events = flow.drain_events();
                prop_assert!(
                    matches!(events.as_slice(), [FlowEvent::Resumed { .. }]),
                    "a restored flow's events: {:?}",
                    events
                );
                m.check_events(&events)?;
            }
        }
        if case.cancel_at == Some(step as u16) && !flow.is_finished() {
            flow.cancel();
            m.last = Last::Cancelled;
            m.stats.cancels += 1;
            continue;
        }
        let action = flow.next_action();
        prop_assert_eq!(&flow.next_action(), &action, "next_action is not pure");
        m.check_text("an action's Debug", &format!("{action:?}"), false)?;
        match action {
            Action::Http(request) => {
                m.check_request(&request, now)?;
                requests.push(request.clone());
                let (outcome, done_at) = m.respond(&request, now);
                now = done_at;
                flow.on_http(now, outcome);
            }
            Action::Sign { address, message } => {
                prop_assert_eq!(address, m.wallet, "asked to sign with another account");
                prop_assert_eq!(
                    Some(&message),
                    m.challenge.as_ref(),
                    "asked to sign something else than the latest challenge"
                );
                let (result, think) = m.sign(&message);
                now += think;
                flow.on_signature(now, result);
            }
            // The model's wallet is a key: any signature that is not its own meets no code, so
            // the local check's verdict stands (what the model expects of a bad signature).
            Action::GetCode { address } => {
                prop_assert_eq!(address, m.wallet, "asked for another account's code");
                flow.on_code(now, Ok(false));
            }
            Action::Ask(prompt) => {
                m.check_prompt(&prompt)?;
                let (answer, note, think) = m.answer(&prompt);
                now += think;
                flow.on_answer(now, answer);
                m.last = Last::Answer(note);
                if note == Note::Stray {
                    m.stats.stray_answers += 1;
                    prop_assert_eq!(
                        flow.next_action(),
                        Action::Ask(prompt),
                        "a stray answer changed the flow"
                    );
                }
            }
            Action::Wait { until_ms } => {
                prop_assert!(until_ms >= now, "a Wait {} ms in the past", now - until_ms);
                m.check_wait_reason()?;
                let (early, late) = m.next_wait();
                if early && until_ms > now + 1 {
                    let mid = now + (until_ms - now) / 2;
                    flow.on_timer(mid);
                    prop_assert_eq!(
                        flow.next_action(),
                        Action::Wait { until_ms },
                        "an early timer fired the request"
                    );
                    m.stats.early_timers += 1;
                }
                now = until_ms + late;
                flow.on_timer(now);
                m.last = Last::Timer;
            }
            Action::Done(outcome) => {
                m.check_done(&outcome)?;
                m.stats.outcome = format!(
                    "done:{}{}",
                    outcome.path,
                    if outcome.wallet_verified && outcome.path == FlowPath::Linked {
                        "+verified"
                    } else {
                        ""
                    }
                );
                finished_stays_finished(&mut flow, &mut m, Action::Done(outcome.clone()), now)?;
                return Ok(Run {
                    stats: m.stats,
                    requests,
                    end: Action::Done(outcome),
                });
            }
            Action::Fail(error) => {
                m.check_fail(&error)?;
                m.stats.outcome = format!("fail:{}", error.kind);
                finished_stays_finished(&mut flow, &mut m, Action::Fail(error.clone()), now)?;
                return Ok(Run {
                    stats: m.stats,
                    requests,
                    end: Action::Fail(error),
                });
            }
        }
    }
    Err(fail(format!(
        "the flow did not end within {MAX_STEPS} actions"
    )))
}

fn finished_stays_finished(
    flow: &mut Flow,
    m: &mut Model<'_>,
    end: Action,
    now: u64,
) -> Result<(), TestCaseError> {
    m.check_events(&flow.drain_events())?;
    flow.on_timer(now + 1);
    flow.on_answer(now + 1, Answer::Confirm(true));
    flow.on_signature(now + 1, Ok("0x00".into()));
    flow.on_http(now + 1, Ok(HttpResponse::new(200, "{}")));
    flow.cancel();
    prop_assert_eq!(flow.next_action(), end, "a finished flow changed");
    m.check_events(&flow.drain_events())?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // No regression files in the tree: a failure prints the minimal case to copy.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2_000))]

    /// Every flow, against every answer the model server can give.
    #[test]
    fn the_engine_keeps_its_promises_against_the_model_server(case in case()) {
        run_case(&case)?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// The link path under 409, confirmation and bursts of 429 on the token-less SMS.
    #[test]
    fn the_link_path_keeps_its_promises_under_rate_limits(case in link_case()) {
        run_case(&case)?;
    }
}

/// The generators are not degenerate: a fixed sample reaches every path and exercises every
/// property that could otherwise hold vacuously.
#[test]
fn the_model_runs_reach_every_path_and_rule() {
    let mut runner = TestRunner::deterministic();
    let mut totals = CaseStats::default();
    let mut outcomes: BTreeMap<String, u32> = BTreeMap::new();
    for (strategy, n) in [(case().boxed(), 600), (link_case().boxed(), 200)] {
        for _ in 0..n {
            let case = strategy.new_tree(&mut runner).expect("a case").current();
            let stats = match run_case(&case) {
                Ok(stats) => stats,
                Err(e) => panic!("{e}\n{case:#?}"),
            };
            *outcomes.entry(stats.outcome.clone()).or_default() += 1;
            totals.steps = totals.steps.max(stats.steps);
            totals.honoured_retry_after += stats.honoured_retry_after;
            totals.refreshed_sent += stats.refreshed_sent;
            totals.reprompts += stats.reprompts;
            totals.resends += stats.resends;
            totals.links += stats.links;
            totals.orphan_refreshes += stats.orphan_refreshes;
            totals.cancels += stats.cancels;
            totals.early_timers += stats.early_timers;
            totals.stray_answers += stats.stray_answers;
            totals.reloads += stats.reloads;
        }
    }
    eprintln!("outcomes: {outcomes:#?}\ntotals: {totals:#?}");
    for path in [
        "done:returning",
        "done:new",
        "done:linked",
        "done:linked+verified",
        "done:factorFirst",
    ] {
        assert!(
            outcomes.get(path).copied().unwrap_or(0) >= 3,
            "{path} reached fewer than 3 times"
        );
    }
    for kind in [
        "fail:rateLimited",
        "fail:server",
        "fail:network",
        "fail:timeout",
        "fail:badResponse",
        "fail:conflict",
        "fail:invalidOtp",
        "fail:mfaRequired",
        "fail:signatureMismatch",
        "fail:aborted",
        "fail:config",
        "fail:userRejected",
        "fail:wallet",
    ] {
        assert!(outcomes.contains_key(kind), "no run ended {kind}");
    }
    assert!(
        totals.honoured_retry_after >= 20,
        "Retry-After rarely constrained a retry"
    );
    assert!(
        totals.refreshed_sent >= 10,
        "refreshed tokens were rarely sent"
    );
    assert!(totals.reprompts >= 10 && totals.resends >= 10 && totals.links >= 100);
    assert!(
        totals.reloads >= 1_000,
        "flows were rarely saved and restored"
    );
    assert!(
        totals.orphan_refreshes > 0
            && totals.cancels > 0
            && totals.early_timers > 0
            && totals.stray_answers > 0
    );
}

/// A request's body as JSON (`Null` when there is none or it is not JSON).
fn body_json(req: &HttpRequest) -> Value {
    req.body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null)
}
