//! The options of `new RatioAuth({...})`, parsed and checked before anything is sent.
//!
//! Rules (issue 4, "Credentials and storage"):
//! - `baseUrl` is an absolute `http(s)` URL, without credentials, query or fragment. A trailing
//!   `/` or `/v1` is dropped (endpoint paths start with `/v1/`), so neither `/v1/v1/…` nor `//v1`.
//! - Cleartext `http:` only to loopback (`localhost`, `127.0.0.0/8`, `[::1]`), unless
//!   `dangerouslyAllowInsecureHttp: true`: on any other host, credentials, JWTs and OTPs would
//!   cross the network readable by anyone on the path.
//! - `clientSecret` needs `clientId`, and is refused unless `baseUrl`'s host is loopback
//!   (`localhost`, `127.0.0.0/8`, `[::1]`) or `dangerouslyAllowClientSecretInBrowser: true`:
//!   a secret in a production bundle is public.
//! - `clientSessionId` is the browser-safe alternative (a session minted by the integrator's
//!   backend); neither means `baseUrl` is the integrator's proxy, which adds the credentials.
//! - `retry` and `timeoutMs` are bounded, so a typo cannot make a storm of SMS or a hang.
//! - `storage` is `"memory"` (default), `"sessionStorage"` or `"none"` (the session is not kept:
//!   the caller keeps `signIn`'s `sessionJwt` where it wants); never `localStorage`.
//! - `flowStorage` is `"none"` (default) or `"sessionStorage"`, and only with `storage`
//!   `"sessionStorage"` or `"none"`: a saved flow holds its steps' session JWTs, so it may only
//!   be in `sessionStorage` when the session may be there too. With `"memory"` the app chose
//!   to keep no token in web storage; with `"none"` where the final JWT lives is the caller's
//!   decision, and the caller asked for the saved flow.
//!
//! Unknown options are refused: a misspelt security option must not be silently ignored.

use std::fmt;

use wasm_bindgen::JsValue;

use super::errors::RatioAuthError;
use super::js::{own_keys, try_property};
use super::storage::StorageKind;
use crate::api::{self, ClientContext};
use crate::backoff::RetryPolicy;
use crate::secret::Secret;

/// HTTP timeout when `timeoutMs` is not given.
pub const DEFAULT_HTTP_TIMEOUT_MS: u32 = 15_000;
/// Wallet prompt timeout when `timeoutMs` is not given: a person has to read and click.
pub const DEFAULT_WALLET_TIMEOUT_MS: u32 = 120_000;

/// Accepted `timeoutMs`.
pub const TIMEOUT_RANGE_MS: (u32, u32) = (100, 600_000);
/// Accepted `retry.maxAttempts`: retries of an SMS send must stay few.
pub const MAX_ATTEMPTS_RANGE: (u32, u32) = (1, 10);
/// Accepted `retry.baseDelayMs`.
pub const BASE_DELAY_RANGE_MS: (u64, u64) = (0, 60_000);
/// Accepted `retry.maxDelayMs`.
pub const MAX_DELAY_RANGE_MS: (u64, u64) = (0, 600_000);
/// Accepted `retry.maxTotalMs`.
pub const MAX_TOTAL_RANGE_MS: (u64, u64) = (0, 3_600_000);

/// The options object as JS writes it.
#[derive(Default)]
pub struct RatioAuthOptions {
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub client_session_id: Option<Secret>,
    pub dangerously_allow_client_secret_in_browser: Option<bool>,
    pub dangerously_allow_insecure_http: Option<bool>,
    pub device_fingerprint: Option<String>,
    pub retry: Option<RetryOptions>,
    pub timeout_ms: Option<f64>,
    pub storage: Option<String>,
    pub flow_storage: Option<String>,
}

/// `retry` as JS writes it; numbers are checked to be integers in range.
#[derive(Default, Debug, Clone, Copy)]
pub struct RetryOptions {
    pub max_attempts: Option<f64>,
    pub base_delay_ms: Option<f64>,
    pub max_delay_ms: Option<f64>,
    pub max_total_ms: Option<f64>,
}

/// How requests prove which Ratio client they come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// `ratio-client-id` + `ratio-client-secret` (loopback or explicitly allowed only).
    ClientSecret {
        client_id: String,
        client_secret: Secret,
    },
    /// `ratio-client-session-id` (+ `ratio-client-id` when given).
    ClientSession {
        session_id: Secret,
        client_id: Option<String>,
    },
    /// Nothing: `baseUrl` is the integrator's backend proxy.
    Proxy,
}

/// Checked options.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Origin + path prefix, without a trailing `/`: endpoint paths (`/v1/…`) are appended.
    pub base_url: String,
    /// Whether `base_url`'s host is `localhost`, in `127.0.0.0/8` or `[::1]`.
    pub base_url_is_loopback: bool,
    pub credentials: Credentials,
    pub device_fingerprint: Option<String>,
    pub retry: RetryPolicy,
    /// `timeoutMs` as given.
    pub timeout_ms: Option<u32>,
    pub storage: StorageKind,
    /// Whether an unfinished sign-in is saved to `sessionStorage` (`flowStorage`).
    pub flow_storage: bool,
}

/// Why options were refused; becomes a `config` [`RatioAuthError`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for RatioAuthError {
    fn from(error: ConfigError) -> RatioAuthError {
        RatioAuthError::config(error.0)
    }
}

const OPTION_KEYS: &[&str] = &[
    "baseUrl",
    "clientId",
    "clientSecret",
    "clientSessionId",
    "dangerouslyAllowClientSecretInBrowser",
    "dangerouslyAllowInsecureHttp",
    "deviceFingerprint",
    "retry",
    "timeoutMs",
    "storage",
    "flowStorage",
];
const RETRY_KEYS: &[&str] = &["maxAttempts", "baseDelayMs", "maxDelayMs", "maxTotalMs"];

fn refuse_unknown_keys(object: &JsValue, prefix: &str, known: &[&str]) -> Result<(), ConfigError> {
    let keys = own_keys(object).map_err(|_| {
        ConfigError(format!(
            "the {} options could not be read (listing their keys threw)",
            if prefix.is_empty() {
                "RatioAuth"
            } else {
                "retry"
            }
        ))
    })?;
    for key in keys {
        if !known.contains(&key.as_str()) {
            return refuse(format!(
                "unknown option {prefix}{}; known: {}",
                crate::json::Value::from(key).to_json_string(),
                known.join(", ")
            ));
        }
    }
    Ok(())
}

fn refuse<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

/// Reads option values one by one through catching calls, checking their JS types. Values are
/// never echoed in messages: one may be a credential.
struct OptionReader<'a> {
    object: &'a JsValue,
    prefix: &'static str,
}

impl OptionReader<'_> {
    /// The value, `None` for `undefined` and `null` (as absent).
    fn value(&self, key: &str) -> Result<Option<JsValue>, ConfigError> {
        let value = try_property(self.object, key).map_err(|_| {
            ConfigError(format!(
                "invalid RatioAuth options: reading {}{key} threw",
                self.prefix
            ))
        })?;
        Ok((!value.is_undefined() && !value.is_null()).then_some(value))
    }

    fn wrong_type<T>(&self, key: &str, expected: &str) -> Result<T, ConfigError> {
        refuse(format!(
            "invalid RatioAuth options: {}{key} must be {expected}",
            self.prefix
        ))
    }

    fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        match self.value(key)? {
            None => Ok(None),
            Some(value) => match value.as_string() {
                Some(text) => Ok(Some(text)),
                None => self.wrong_type(key, "a string"),
            },
        }
    }

    fn secret(&self, key: &str) -> Result<Option<Secret>, ConfigError> {
        Ok(self.string(key)?.map(Secret::from))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.value(key)? {
            None => Ok(None),
            Some(value) => match value.as_bool() {
                Some(flag) => Ok(Some(flag)),
                None => self.wrong_type(key, "a boolean"),
            },
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, ConfigError> {
        match self.value(key)? {
            None => Ok(None),
            Some(value) => match value.as_f64() {
                Some(number) => Ok(Some(number)),
                None => self.wrong_type(key, "a number"),
            },
        }
    }
}

impl RatioAuthOptions {
    /// Reads the JS options object; unknown keys are refused first.
    fn from_js(options: &JsValue) -> Result<RatioAuthOptions, ConfigError> {
        refuse_unknown_keys(options, "", OPTION_KEYS)?;
        let read = OptionReader {
            object: options,
            prefix: "",
        };
        let retry = match read.value("retry")? {
            None => None,
            Some(retry) if retry.is_object() => Some(RetryOptions::from_js(&retry)?),
            Some(_) => return read.wrong_type("retry", "an object"),
        };
        Ok(RatioAuthOptions {
            base_url: read.string("baseUrl")?,
            client_id: read.string("clientId")?,
            client_secret: read.secret("clientSecret")?,
            client_session_id: read.secret("clientSessionId")?,
            dangerously_allow_client_secret_in_browser: read
                .boolean("dangerouslyAllowClientSecretInBrowser")?,
            dangerously_allow_insecure_http: read.boolean("dangerouslyAllowInsecureHttp")?,
            device_fingerprint: read.string("deviceFingerprint")?,
            retry,
            timeout_ms: read.number("timeoutMs")?,
            storage: read.string("storage")?,
            flow_storage: read.string("flowStorage")?,
        })
    }
}

impl RetryOptions {
    fn from_js(retry: &JsValue) -> Result<RetryOptions, ConfigError> {
        refuse_unknown_keys(retry, "retry.", RETRY_KEYS)?;
        let read = OptionReader {
            object: retry,
            prefix: "retry.",
        };
        Ok(RetryOptions {
            max_attempts: read.number("maxAttempts")?,
            base_delay_ms: read.number("baseDelayMs")?,
            max_delay_ms: read.number("maxDelayMs")?,
            max_total_ms: read.number("maxTotalMs")?,
        })
    }
}

impl Config {
    /// Parses and checks the JS options object.
    pub fn from_js(options: &JsValue) -> Result<Config, ConfigError> {
        if !options.is_object() {
            return refuse("RatioAuth options must be an object with at least baseUrl");
        }
        Config::validate(RatioAuthOptions::from_js(options)?)
    }

    /// Checks parsed options (the rules of the [module docs](self)).
    pub fn validate(options: RatioAuthOptions) -> Result<Config, ConfigError> {
        let Some(base_url) = options.base_url else {
            return refuse("baseUrl is required: Ratio's API, your backend proxy, or the sandbox");
        };
        let (base_url, base_url_is_loopback) = check_base_url(&base_url)?;

        let client_id = non_empty("clientId", options.client_id)?;
        let client_secret = non_empty_secret("clientSecret", options.client_secret)?;
        let session_id = non_empty_secret("clientSessionId", options.client_session_id)?;
        let allow_secret = options
            .dangerously_allow_client_secret_in_browser
            .unwrap_or(false);
        let credentials = match (client_id, client_secret, session_id) {
            (_, Some(_), Some(_)) => {
                return refuse("give clientSecret or clientSessionId, not both");
            }
            (None, Some(_), None) => return refuse("clientSecret needs clientId"),
            (Some(client_id), Some(client_secret), None) => {
                if !base_url_is_loopback && !allow_secret {
                    return refuse(format!(
                        "clientSecret is refused in the browser for {base_url}: anyone can read it from the \
                         page. Use a backend proxy or a clientSessionId, or (local development only) a \
                         loopback baseUrl or dangerouslyAllowClientSecretInBrowser: true"
                    ));
                }
                Credentials::ClientSecret {
                    client_id,
                    client_secret,
                }
            }
            (client_id, None, Some(session_id)) => Credentials::ClientSession {
                session_id,
                client_id,
            },
            (Some(_), None, None) => {
                return refuse(
                    "clientId alone is not a credential: add clientSessionId, or use a backend proxy",
                );
            }
            (None, None, None) => Credentials::Proxy,
        };
        if base_url.starts_with("http:")
            && !base_url_is_loopback
            && options.dangerously_allow_insecure_http != Some(true)
        {
            return refuse(format!(
                "baseUrl {base_url} is cleartext http to a host other than loopback: credentials, JWTs \
                 and codes would cross the network unencrypted. Use https, or (local networks only) \
                 dangerouslyAllowInsecureHttp: true"
            ));
        }
        check_credential_headers(&credentials)?;

        let device_fingerprint = non_empty("deviceFingerprint", options.device_fingerprint)?;
        if let Some(fingerprint) = &device_fingerprint {
            check_header_value("deviceFingerprint", fingerprint)?;
        }

        let retry = check_retry(options.retry.unwrap_or_default())?;
        let timeout_ms = options
            .timeout_ms
            .map(|ms| {
                integer_in(
                    "timeoutMs",
                    ms,
                    TIMEOUT_RANGE_MS.0.into(),
                    TIMEOUT_RANGE_MS.1.into(),
                )
            })
            .transpose()?
            .map(|ms| ms as u32);

        let storage = match options.storage.as_deref() {
            None | Some("memory") => StorageKind::Memory,
            Some("sessionStorage") => StorageKind::SessionStorage,
            Some("none") => StorageKind::None,
            Some("localStorage") => {
                return refuse(
                    "storage \"localStorage\" is not supported: a session JWT there outlives the tab and any \
                     script of the origin can read it. Use \"memory\", \"sessionStorage\" or \"none\"",
                );
            }
            Some(_) => {
                return refuse("storage must be \"memory\", \"sessionStorage\" or \"none\"");
            }
        };
        let flow_storage = match options.flow_storage.as_deref() {
            None | Some("none") => false,
            // A saved flow holds the session JWTs of its steps: it may only live where the
            // session itself may. With "none" the caller keeps the session, wherever it likes.
            Some("sessionStorage") if storage != StorageKind::Memory => true,
            Some("sessionStorage") => {
                return refuse(
                    "flowStorage \"sessionStorage\" needs storage \"sessionStorage\" or \"none\": a saved \
                     sign-in holds the session JWTs of its steps, which may only be kept where the session is",
                );
            }
            Some(_) => return refuse("flowStorage must be \"none\" or \"sessionStorage\""),
        };

        Ok(Config {
            base_url,
            base_url_is_loopback,
            credentials,
            device_fingerprint,
            retry,
            timeout_ms,
            storage,
            flow_storage,
        })
    }

    /// The URL of an API path such as `/v1/auth/cryptoWallet:start`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }

    /// What the engine and `auth.api` send with every request. A `clientId` given beside a
    /// `clientSessionId` is not sent: the session id alone identifies the client to Ratio.
    pub fn client(&self) -> ClientContext {
        let credentials = match &self.credentials {
            Credentials::ClientSecret {
                client_id,
                client_secret,
            } => api::Credentials::ClientSecret {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            Credentials::ClientSession { session_id, .. } => api::Credentials::ClientSession {
                session_id: session_id.clone(),
            },
            Credentials::Proxy => api::Credentials::Proxy,
        };
        ClientContext {
            credentials,
            device_fingerprint: self.device_fingerprint.clone(),
        }
    }

    /// The headers that identify the client (credentials and device fingerprint).
    pub fn client_headers(&self) -> Vec<(String, String)> {
        self.client().identity_headers()
    }

    pub fn http_timeout_ms(&self) -> u32 {
        self.timeout_ms.unwrap_or(DEFAULT_HTTP_TIMEOUT_MS)
    }

    pub fn wallet_timeout_ms(&self) -> u32 {
        self.timeout_ms.unwrap_or(DEFAULT_WALLET_TIMEOUT_MS)
    }
}

fn check_credential_headers(credentials: &Credentials) -> Result<(), ConfigError> {
    match credentials {
        Credentials::ClientSecret {
            client_id,
            client_secret,
        } => {
            check_header_value("clientId", client_id)?;
            check_header_value("clientSecret", client_secret.expose())
        }
        Credentials::ClientSession {
            session_id,
            client_id,
        } => {
            if let Some(client_id) = client_id {
                check_header_value("clientId", client_id)?;
            }
            check_header_value("clientSessionId", session_id.expose())
        }
        Credentials::Proxy => Ok(()),
    }
}

/// Returns the normalised base URL and whether its host is loopback.
fn check_base_url(text: &str) -> Result<(String, bool), ConfigError> {
    let bad = || {
        // Echoed to help debugging, unless it may hold a credential (`user:pass@`).
        let shown = if text.contains('@') {
            "a URL with credentials".to_owned()
        } else {
            // Quoted as JSON: `{:?}` would pull core's Unicode escaping tables into the wasm.
            crate::json::Value::from(text).to_json_string()
        };
        ConfigError(format!(
            "baseUrl must be an absolute http(s) URL, got {shown}"
        ))
    };
    let url = web_sys::Url::new(text.trim()).map_err(|_| bad())?;
    let protocol = url.protocol();
    if protocol != "https:" && protocol != "http:" {
        return Err(bad());
    }
    if !url.username().is_empty() || !url.password().is_empty() {
        // Not echoed: the point is that it holds a credential.
        return refuse("baseUrl must not contain a user name or password");
    }
    if !url.search().is_empty() || !url.hash().is_empty() {
        return refuse("baseUrl must not have a query or fragment");
    }
    let is_loopback = is_loopback_host(&url.hostname());
    let base = format!("{}{}", url.origin(), api_prefix(&url.pathname()));
    Ok((base, is_loopback))
}

/// `localhost`, `127.0.0.0/8` or `[::1]`, as the URL parser normalises them (`127.1` has
/// already become `127.0.0.1`, `[0:0::1]` `[::1]`).
fn is_loopback_host(hostname: &str) -> bool {
    if hostname == "localhost" || hostname == "[::1]" {
        return true;
    }
    let mut octets = hostname.split('.');
    octets.next() == Some("127")
        && octets.clone().count() == 3
        && octets.all(|octet| octet.parse::<u8>().is_ok())
}

/// The path prefix before the endpoints' `/v1/…`: without trailing `/`s and without a final
/// `/v1` segment (a base URL written as `https://api.ratio.me/v1/` means the same API).
pub(crate) fn api_prefix(pathname: &str) -> &str {
    let path = pathname.trim_end_matches('/');
    let path = path.strip_suffix("/v1").unwrap_or(path);
    path.trim_end_matches('/')
}

fn non_empty(name: &str, value: Option<String>) -> Result<Option<String>, ConfigError> {
    match value {
        Some(value) if value.trim().is_empty() => refuse(format!("{name} must not be empty")),
        other => Ok(other),
    }
}

fn non_empty_secret(name: &str, value: Option<Secret>) -> Result<Option<Secret>, ConfigError> {
    match value {
        Some(value) if value.expose().trim().is_empty() => {
            refuse(format!("{name} must not be empty"))
        }
        other => Ok(other),
    }
}

/// Header values must be visible ASCII, or the browser throws when the request is built.
fn check_header_value(name: &str, value: &str) -> Result<(), ConfigError> {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        refuse(format!(
            "{name} must be printable ASCII (it is sent as an HTTP header)"
        ))
    }
}

fn integer_in(name: &str, value: f64, min: u64, max: u64) -> Result<u64, ConfigError> {
    if value.is_finite() && value.fract() == 0.0 && value >= min as f64 && value <= max as f64 {
        Ok(value as u64)
    } else {
        refuse(format!("{name} must be an integer from {min} to {max}"))
    }
}

fn check_retry(options: RetryOptions) -> Result<RetryPolicy, ConfigError> {
    let defaults = RetryPolicy::default();
    let field = |name: &str, value: Option<f64>, range: (u64, u64), default: u64| match value {
        Some(value) => integer_in(name, value, range.0, range.1),
        None => Ok(default),
    };
    let policy = RetryPolicy {
        max_attempts: field(
            "retry.maxAttempts",
            options.max_attempts,
            (MAX_ATTEMPTS_RANGE.0.into(), MAX_ATTEMPTS_RANGE.1.into()),
            defaults.max_attempts.into(),
        )? as u32,
        base_delay_ms: field(
            "retry.baseDelayMs",
            options.base_delay_ms,
            BASE_DELAY_RANGE_MS,
            defaults.base_delay_ms,
        )?,
        max_delay_ms: field(
            "retry.maxDelayMs",
            options.max_delay_ms,
            MAX_DELAY_RANGE_MS,
            defaults.max_delay_ms,
        )?,
        max_total_ms: field(
            "retry.maxTotalMs",
            options.max_total_ms,
            MAX_TOTAL_RANGE_MS,
            defaults.max_total_ms,
        )?,
    };
    if policy.max_delay_ms < policy.base_delay_ms {
        return refuse(format!(
            "retry.maxDelayMs ({}) must be at least retry.baseDelayMs ({})",
            policy.max_delay_ms, policy.base_delay_ms
        ));
    }
    Ok(policy)
}
