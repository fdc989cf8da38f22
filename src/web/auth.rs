//! `RatioAuth`, the class dapps use: `new RatioAuth(options)`, `signIn(...)`, `session()`,
//! `signOut()` and `api` (the low-level calls, in [`super::api`]).
//!
//! `signIn` is the thin driver loop of the design notes: it resolves the account, then does
//! whatever the engine's [`Action`] says (fetch, `personal_sign`, ask the app, sleep) and feeds
//! the result back, handing the engine's events to `onEvent` after every step. Which path a
//! sign-in takes, retries, back-off and error kinds are all the engine's; the driver only ends
//! a flow itself when the outside world stops it (the caller's signal, the wallet switching
//! accounts, a prompt that rejects).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use super::abort::{FlowAbort, caller_signal};
use super::config::Config;
use super::errors::{ErrorKind, RatioAuthError};
use super::http::{self, TransportError, TransportFailure, fetch_traced};
use super::js::{find_text, function_property, own_keys, set_property, try_property};
use super::prompts::{OtpAnswer, PromptError, Prompts, emit_event};
use super::storage::{FlowStore, SessionStore};
use super::time::{now_ms, random_u64, sleep_until};
use super::wallet::{Wallet, WalletError, select_account};
use crate::api;
use crate::flow::{
    self, Action, Answer, FirstFactor, Flow, FlowConfig, FlowSnapshot, Outcome, PendingSummary,
    Prompt, SnapshotError, Start,
};
use crate::json::{ToJson, Value};
use crate::jwt;
use crate::secret::Secret;

/// What every call of one `RatioAuth` shares: the checked options and the session store.
pub(crate) struct Shared {
    pub(crate) config: Config,
    store: RefCell<SessionStore>,
    flows: FlowStore,
}

impl Shared {
    /// Sends one engine-built request to `baseUrl` + its path.
    pub(crate) async fn send(
        &self,
        request: &api::HttpRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<api::HttpResponse, TransportFailure> {
        let request = http::HttpRequest {
            method: request.method.as_str().to_owned(),
            url: self.config.endpoint(&request.path),
            headers: request.headers.clone(),
            body: request.body.clone(),
        };
        let response =
            fetch_traced(&request, Some(self.config.http_timeout_ms().into()), signal).await?;
        Ok(api::HttpResponse {
            status: response.status,
            retry_after: response.retry_after,
            refresh_jwt: response.refresh_jwt.map(Secret::new),
            body: response.body,
        })
    }
}

/// A JS value from an engine value: its JSON read by the browser's `JSON.parse` (so no float
/// code is compiled into the wasm), with `null` fields left out so they read as `undefined`,
/// as the `.d.ts` promises for absent optional fields.
pub(crate) fn to_js<T: ToJson + ?Sized>(value: &T) -> JsValue {
    json_to_js(value.to_json())
}

pub(crate) fn json_to_js(value: Value) -> JsValue {
    fn drop_nulls(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, drop_nulls(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(drop_nulls).collect()),
            other => other,
        }
    }
    js_sys::JSON::parse(&drop_nulls(value).to_json_string()).unwrap_or(JsValue::UNDEFINED)
}

/// The distinct factor names, as the `factors` arrays carry them.
fn factor_names(factors: &[jwt::FactorKind]) -> JsValue {
    json_to_js(Value::Array(
        factors.iter().map(|f| Value::from(f.as_str())).collect(),
    ))
}

/// Signs users in to Ratio. See the README and the `.d.ts` for the options.
#[wasm_bindgen]
pub struct RatioAuth {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl RatioAuth {
    /// Checks the options; throws a `config` `RatioAuthError` when they are wrong or unsafe.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "RatioAuthOptions")] options: JsValue,
    ) -> Result<RatioAuth, JsValue> {
        let config = Config::from_js(&options).map_err(RatioAuthError::from)?;
        let store = SessionStore::new(config.storage, &config.base_url);
        let flows = FlowStore::new(config.flow_storage, &config.base_url);
        Ok(RatioAuth {
            shared: Rc::new(Shared {
                config,
                store: RefCell::new(store),
                flows,
            }),
        })
    }

    /// Runs a whole sign-in. Rejects with a `RatioAuthError`.
    #[wasm_bindgen(js_name = signIn, unchecked_return_type = "Promise<RatioAuthSignInResult>")]
    pub fn sign_in(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RatioAuthSignInOptions")] options: JsValue,
    ) -> Promise {
        let shared = self.shared.clone();
        // A new sign-in forgets the last one's session at once (if it fails, `session()` must
        // not still hand out the previous user's JWT) and replaces any saved one.
        if let Ok(mut store) = shared.store.try_borrow_mut() {
            store.clear();
        }
        shared.flows.clear();
        future_to_promise(async move {
            let result = sign_in(&shared, &options).await;
            settle(&shared, result)
        })
    }

    /// The sign-in saved by `flowStorage: "sessionStorage"` that `resumeSignIn` would continue,
    /// or `null`. An expired or unreadable saved sign-in is cleared and reads as `null`.
    #[wasm_bindgen(js_name = pendingSignIn, unchecked_return_type = "RatioAuthPendingSignIn | null")]
    pub fn pending_sign_in(&self) -> JsValue {
        match load_pending(&self.shared) {
            Ok((_, summary)) => summary_to_js(&summary),
            Err(_) => JsValue::NULL,
        }
    }

    /// Continues the saved sign-in from the step it waited for, and settles exactly as
    /// `signIn` would. Rejects with a `resume` error when there is none, when it expired or
    /// cannot be read (it is then cleared), or when the provider's account is not the saved
    /// wallet (nothing is changed then).
    #[wasm_bindgen(js_name = resumeSignIn, unchecked_return_type = "Promise<RatioAuthSignInResult>")]
    pub fn resume_sign_in(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RatioAuthResumeOptions")] options: JsValue,
    ) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let result = resume_sign_in(&shared, &options).await;
            settle(&shared, result)
        })
    }

    /// Forgets the saved sign-in, if any.
    #[wasm_bindgen(js_name = discardPendingSignIn)]
    pub fn discard_pending_sign_in(&self) {
        self.shared.flows.clear();
    }

    /// The session JWT of the last successful `signIn` (per `storage`), with what it says about
    /// itself (read, not verified); `undefined` when there is none.
    #[wasm_bindgen(unchecked_return_type = "RatioAuthSession | undefined")]
    pub fn session(&self) -> JsValue {
        let Some(jwt) = self
            .shared
            .store
            .try_borrow()
            .ok()
            .and_then(|store| store.load())
        else {
            return JsValue::UNDEFINED;
        };
        let session = Object::new();
        set_property(&session, "sessionJwt", &JsValue::from_str(jwt.expose()));
        set_session_info(&session, jwt.expose());
        session.into()
    }

    /// Forgets the stored session JWT (memory and `sessionStorage`). Ratio has no sign-out
    /// endpoint: the JWT itself stays valid until it expires.
    #[wasm_bindgen(js_name = signOut)]
    pub fn sign_out(&self) {
        if let Ok(mut store) = self.shared.store.try_borrow_mut() {
            store.clear();
        }
    }

    /// The low-level typed calls, one per endpoint.
    #[wasm_bindgen(getter)]
    pub fn api(&self) -> super::calls::RatioApi {
        super::calls::RatioApi::new(self.shared.clone())
    }
}

/// The `signIn` options, checked.
struct SignInOptions {
    provider: JsValue,
    account: Option<String>,
    first_factor: FirstFactor,
    prompts: Prompts,
    on_event: Option<Function>,
    signal: Option<AbortSignal>,
}

const SIGN_IN_KEYS: &[&str] = &[
    "provider",
    "account",
    "firstFactor",
    "prompts",
    "onEvent",
    "signal",
];

/// `resumeSignIn` takes the account and the first factor from the saved flow.
const RESUME_KEYS: &[&str] = &["provider", "prompts", "onEvent", "signal"];

impl SignInOptions {
    fn from_js(options: &JsValue, known: &[&str]) -> Result<SignInOptions, RatioAuthError> {
        if !options.is_object() {
            return Err(RatioAuthError::config(
                "signIn needs an options object: { provider, prompts, ... }",
            ));
        }
        let keys = own_keys(options).map_err(|_| {
            RatioAuthError::config(
                "signIn: the options could not be read (listing their keys threw)",
            )
        })?;
        for key in keys {
            if !known.contains(&key.as_str()) {
                return Err(RatioAuthError::config(format!(
                    "unknown option {}; known: {}",
                    crate::json::Value::from(key).to_json_string(),
                    known.join(", ")
                )));
            }
        }
        // A getter that throws is an error, not an absent option: a `signal` or `onEvent` the
        // app meant to give must not be silently dropped.
        let read = |key: &str| {
            try_property(options, key)
                .map_err(|_| RatioAuthError::config(format!("signIn: reading {key} threw")))
        };
        let absent = |value: &JsValue| value.is_undefined() || value.is_null();
        let account = read("account")?;
        let account = match account.as_string() {
            Some(account) => Some(account),
            None if absent(&account) => None,
            None => return Err(RatioAuthError::config("signIn: account must be a string")),
        };
        let first_factor = read("firstFactor")?;
        let first_factor = match first_factor.as_string().as_deref() {
            Some("wallet") => FirstFactor::Wallet,
            Some("sms") => FirstFactor::Sms,
            Some("email") => FirstFactor::Email,
            None if absent(&first_factor) => FirstFactor::Wallet,
            _ => {
                return Err(RatioAuthError::config(
                    "signIn: firstFactor must be \"wallet\", \"sms\" or \"email\"",
                ));
            }
        };
        let on_event = read("onEvent")?;
        let on_event = match on_event.dyn_ref::<Function>() {
            Some(function) => Some(function.clone()),
            None if absent(&on_event) => None,
            None => return Err(RatioAuthError::config("signIn: onEvent must be a function")),
        };
        let signal = read("signal")?;
        let signal =
            if absent(&signal) {
                None
            } else {
                Some(caller_signal(&signal).ok_or_else(|| {
                    RatioAuthError::config("signIn: signal must be an AbortSignal")
                })?)
            };
        let provider = read("provider")?;
        if function_property(&provider, "request").is_none() {
            return Err(RatioAuthError::config(
                "signIn: provider must be an EIP-1193 provider (an object with request())",
            ));
        }
        let prompts = Prompts::from_js(&read("prompts")?)?;
        Ok(SignInOptions {
            provider,
            account,
            first_factor,
            prompts,
            on_event,
            signal,
        })
    }
}

/// Stores the session of a finished sign-in; the JS result or error.
fn settle(shared: &Shared, result: Result<Outcome, RatioAuthError>) -> Result<JsValue, JsValue> {
    match result {
        Ok(outcome) => {
            if let Ok(mut store) = shared.store.try_borrow_mut() {
                store.save(&outcome.session_jwt);
            }
            Ok(outcome_to_js(&outcome))
        }
        Err(error) => Err(error.into_js()),
    }
}

fn flow_config(shared: &Shared) -> FlowConfig {
    let mut config = FlowConfig::new(shared.config.client());
    config.retry = shared.config.retry;
    config
}

/// The wallet of `options`, its accounts asked for, and the abort that watches it.
struct Connected {
    options: SignInOptions,
    abort: FlowAbort,
    signal: AbortSignal,
    wallet: Wallet,
    accounts: Vec<crate::eip191::Address>,
}

async fn connect(shared: &Shared, options: SignInOptions) -> Result<Connected, RatioAuthError> {
    let abort = FlowAbort::new(options.signal.as_ref())?;
    let signal = abort.signal();
    let wallet = Wallet::new(
        options.provider.clone(),
        Some(shared.config.wallet_timeout_ms().into()),
    )?;
    let accounts = match wallet.request_accounts(Some(&signal)).await {
        Ok(accounts) => accounts,
        Err(WalletError::Aborted) => return Err(abort.error()),
        Err(error) => return Err(RatioAuthError::from(error).or_cause(wallet.take_thrown())),
    };
    Ok(Connected {
        options,
        abort,
        signal,
        wallet,
        accounts,
    })
}

async fn sign_in(shared: &Shared, options: &JsValue) -> Result<Outcome, RatioAuthError> {
    let options = SignInOptions::from_js(options, SIGN_IN_KEYS)?;
    let mut connected = connect(shared, options).await?;
    let account = select_account(&connected.accounts, connected.options.account.as_deref())?;
    connected
        .abort
        .watch_accounts(&connected.wallet, account, &connected.accounts);
    let start = Start {
        wallet: account,
        first_factor: connected.options.first_factor,
    };
    let mut flow = Flow::new(flow_config(shared), start, random_u64(), now_ms());
    connected.drive(shared, &mut flow).await
}

async fn resume_sign_in(shared: &Shared, options: &JsValue) -> Result<Outcome, RatioAuthError> {
    let options = SignInOptions::from_js(options, RESUME_KEYS)?;
    let (snapshot, summary) = load_pending(shared)?;
    let mut connected = connect(shared, options).await?;
    let account = select_account(&connected.accounts, None)?;
    if account != summary.wallet_address {
        // The saved flow stays: switching back to the saved account and resuming still works.
        return Err(RatioAuthError::resume(
            "otherWallet",
            format!(
                "the saved sign-in is for {}, but the wallet's account is {}",
                summary.wallet_address, account
            ),
        ));
    }
    let mut flow = match Flow::restore(flow_config(shared), &snapshot, now_ms()) {
        Ok(flow) => flow,
        Err(error) => {
            shared.flows.clear();
            return Err(snapshot_error(&error));
        }
    };
    if let Ok(mut store) = shared.store.try_borrow_mut() {
        store.clear();
    }
    connected
        .abort
        .watch_accounts(&connected.wallet, account, &connected.accounts);
    connected.drive(shared, &mut flow).await
}

impl Connected {
    async fn drive(&self, shared: &Shared, flow: &mut Flow) -> Result<Outcome, RatioAuthError> {
        let mut driver = Driver {
            shared,
            wallet: &self.wallet,
            prompts: &self.options.prompts,
            on_event: self.options.on_event.as_ref(),
            abort: &self.abort,
            signal: &self.signal,
            causes: Causes::default(),
        };
        driver.run(flow).await
    }
}

/// The saved sign-in and what may be shown of it; an expired or unreadable one is cleared.
fn load_pending(shared: &Shared) -> Result<(FlowSnapshot, PendingSummary), RatioAuthError> {
    let Some(text) = shared.flows.load() else {
        return Err(RatioAuthError::resume(
            "noPendingSignIn",
            if shared.flows.enabled() {
                "there is no saved sign-in to resume"
            } else {
                "there is no saved sign-in to resume: flowStorage is \"none\""
            },
        ));
    };
    let read = FlowSnapshot::from_json(&text).and_then(|snapshot| {
        let summary = snapshot.summary(now_ms())?;
        Ok((snapshot, summary))
    });
    read.map_err(|error| {
        shared.flows.clear();
        snapshot_error(&error)
    })
}

fn snapshot_error(error: &SnapshotError) -> RatioAuthError {
    let reason = match error {
        SnapshotError::Expired { .. } => "expired",
        SnapshotError::NotSavable(_)
        | SnapshotError::UnknownVersion(_)
        | SnapshotError::Unreadable(_) => "unreadable",
    };
    RatioAuthError::resume(reason, error.to_string())
}

/// `RatioAuthPendingSignIn`.
fn summary_to_js(summary: &PendingSummary) -> JsValue {
    let pending = Object::new();
    set_property(
        &pending,
        "path",
        &summary
            .path
            .map_or(JsValue::NULL, |path| JsValue::from_str(path.as_str())),
    );
    set_property(&pending, "step", &JsValue::from_str(summary.step.as_str()));
    set_property(
        &pending,
        "walletAddress",
        &JsValue::from_str(&summary.wallet_address.to_checksum()),
    );
    if let Some(mask) = &summary.phone_mask {
        set_property(&pending, "phoneMask", &JsValue::from_str(mask));
    }
    if let Some(mask) = &summary.email_mask {
        set_property(&pending, "emailMask", &JsValue::from_str(mask));
    }
    set_property(
        &pending,
        "expiresAt",
        &JsValue::from_f64(super::js::safe_integer(summary.expires_at_ms)),
    );
    pending.into()
}

struct Driver<'a> {
    shared: &'a Shared,
    wallet: &'a Wallet,
    prompts: &'a Prompts,
    on_event: Option<&'a Function>,
    abort: &'a FlowAbort,
    signal: &'a AbortSignal,
    causes: Causes,
}

/// The JS values behind the flow's last wallet and transport failures. The engine is sans-IO and
/// keeps none; the driver keeps the last of each and gives it as `cause` to a final error of
/// the kind it produced (see [`Driver::with_cause`]).
#[derive(Default)]
struct Causes {
    /// What the last `personal_sign` that failed threw or rejected with; cleared by a
    /// signature. (A failed `eth_getCode` is only the event's: it never ends a flow.)
    wallet: Option<JsValue>,
    /// The last request's failure (cleared by a response): its error and what `fetch` rejected
    /// with.
    transport: Option<TransportFailure>,
}

impl Driver<'_> {
    async fn run(&mut self, flow: &mut Flow) -> Result<Outcome, RatioAuthError> {
        loop {
            self.emit(flow);
            if self.abort.is_aborted() && !flow.is_finished() {
                return self.stop(flow, self.abort.error());
            }
            match flow.next_action() {
                Action::Http(request) => {
                    let outcome = match self.shared.send(&request, Some(self.signal)).await {
                        Ok(response) => {
                            self.causes.transport = None;
                            Ok(response)
                        }
                        Err(failure) => {
                            let engine = match &failure.error {
                                TransportError::Timeout => api::TransportError::Timeout,
                                TransportError::Network(detail) => {
                                    api::TransportError::Network(detail.clone())
                                }
                                TransportError::Aborted => {
                                    return self.stop(flow, self.abort.error());
                                }
                                // Refused answers (a redirect, an oversized body): asking again
                                // would get the same, so the flow ends with a typed `badResponse`.
                                refused @ (TransportError::Redirected
                                | TransportError::BodyTooLarge) => {
                                    return self.stop(flow, RatioAuthError::from(refused.clone()));
                                }
                            };
                            self.causes.transport = Some(failure);
                            Err(engine)
                        }
                    };
                    flow.on_http(now_ms(), outcome);
                }
                Action::Sign { address, message } => {
                    let signed = self
                        .wallet
                        .personal_sign(&message, &address, Some(self.signal))
                        .await;
                    match signed {
                        Ok(signature) => {
                            self.causes.wallet = None;
                            flow.on_signature(now_ms(), Ok(signature));
                        }
                        Err(WalletError::Aborted) => return self.stop(flow, self.abort.error()),
                        Err(error) => {
                            self.causes.wallet = self.wallet.take_thrown();
                            let js_error = RatioAuthError::from(error.clone());
                            flow.on_signature(
                                now_ms(),
                                Err(engine_wallet_error(&error, &js_error)),
                            );
                            if matches!(flow.next_action(), Action::Fail(_)) {
                                // The bridge's error keeps the wallet's detail (`reason`,
                                // `walletCode`, `details`, `cause`); the engine chose to end
                                // the flow.
                                self.emit(flow);
                                return Err(self.with_cause(js_error));
                            }
                        }
                    }
                }
                Action::GetCode { address } => {
                    match self.wallet.has_code(&address, Some(self.signal)).await {
                        Ok(has_code) => flow.on_code(now_ms(), Ok(has_code)),
                        Err(WalletError::Aborted) => return self.stop(flow, self.abort.error()),
                        // A failed eth_getCode counts as no code in the engine (the local check
                        // stands), so its detail is only the event's.
                        Err(error) => {
                            let js_error = RatioAuthError::from(error.clone());
                            flow.on_code(now_ms(), Err(engine_wallet_error(&error, &js_error)));
                        }
                    }
                }
                Action::Ask(prompt) => match self.ask(&prompt).await {
                    Ok(answer) => flow.on_answer(now_ms(), answer),
                    Err(PromptError::Aborted) => return self.stop(flow, self.abort.error()),
                    Err(error) => return self.stop(flow, error.into()),
                },
                Action::Wait { until_ms } => {
                    if sleep_until(until_ms, Some(self.signal)).await.is_err() {
                        return self.stop(flow, self.abort.error());
                    }
                    flow.on_timer(now_ms());
                }
                Action::Done(outcome) => return Ok(outcome),
                Action::Fail(error) => {
                    if self.abort.is_aborted() {
                        return Err(self.abort.error());
                    }
                    return Err(self.final_error(&error));
                }
            }
        }
    }

    /// The JS error of the engine's `Fail`. A `network` failure gets the browser's text of the
    /// last failed request as `details` (the engine's message quotes it: `shortMessage` is that
    /// message without it) and what `fetch` rejected with as `cause`.
    fn final_error(&self, error: &flow::FlowError) -> RatioAuthError {
        let out = RatioAuthError::from(error);
        if let (
            flow::ErrorKind::Network,
            Some(TransportFailure {
                error: TransportError::Network(detail),
                ..
            }),
        ) = (&error.kind, &self.causes.transport)
        {
            // Should the engine ever stop quoting the detail, the error keeps its message and
            // cause, without details.
            let quoted = format!(": {detail}");
            if let Some(at) = find_text(&error.message, &quoted) {
                let (before, after) = (&error.message[..at], &error.message[at + quoted.len()..]);
                return self.with_cause(out.with_details([before, after].concat(), detail));
            }
        }
        self.with_cause(out)
    }

    /// `error` with the kept JS value of the failure that produced its kind as `cause`: the
    /// wallet's error for `wallet` and `userRejected`, `fetch`'s rejection for `network`. A
    /// `timeout` gets none (the wallet gave no value; a request's timeout is the SDK's own
    /// abort), nor does any other kind (their failures come from answers, not JS errors).
    fn with_cause(&self, error: RatioAuthError) -> RatioAuthError {
        let cause = match error.kind() {
            ErrorKind::Wallet | ErrorKind::UserRejected => self.causes.wallet.clone(),
            ErrorKind::Network => self
                .causes
                .transport
                .as_ref()
                .and_then(|failure| failure.thrown.clone()),
            _ => None,
        };
        error.or_cause(cause)
    }

    async fn ask(&self, prompt: &Prompt) -> Result<Answer, PromptError> {
        let context = to_js(prompt);
        let signal = Some(self.signal);
        match prompt {
            Prompt::PhoneNumber { .. } => self
                .prompts
                .ask_string("phoneNumber", &context, signal)
                .await
                .map(Answer::text),
            Prompt::Email { .. } => self
                .prompts
                .ask_string("email", &context, signal)
                .await
                .map(Answer::text),
            Prompt::Otp { .. } => {
                self.prompts
                    .ask_otp(&context, signal)
                    .await
                    .map(|answer| match answer {
                        OtpAnswer::Code(code) => Answer::text(code),
                        OtpAnswer::Resend => Answer::ResendOtp,
                    })
            }
            Prompt::ConfirmLink { .. } => self
                .prompts
                .ask_yes_no("confirmLink", &context, signal, true)
                .await
                .map(Answer::Confirm),
        }
    }

    /// Ends the flow for a reason from outside the engine; the engine still reports `failed`.
    fn stop(&self, flow: &mut Flow, error: RatioAuthError) -> Result<Outcome, RatioAuthError> {
        flow.cancel_with(error.to_flow_error());
        self.emit(flow);
        Err(error)
    }

    /// With `flowStorage`, a flow waiting for the user or a back-off is saved, and a finished
    /// one forgotten; in between (a request, a signature) the last save stands, so a reload
    /// there resumes at the step before. The caller's `signal` stops this page's work the way
    /// a reload does (an app aborts on unmount or navigation): the saved flow stays, for
    /// `resumeSignIn` or `discardPendingSignIn`.
    fn persist(&self, flow: &Flow) {
        let flows = &self.shared.flows;
        if !flows.enabled() {
            return;
        }
        if flow.is_finished() {
            let done = matches!(flow.next_action(), Action::Done(_));
            if done || !self.abort.aborted_by_caller() {
                flows.clear();
            }
        } else if let Ok(snapshot) = flow.snapshot(now_ms()) {
            flows.save(&snapshot.to_json());
        }
    }

    fn emit(&self, flow: &mut Flow) {
        self.persist(flow);
        for event in flow.drain_events() {
            // The engine keeps every number JS-safe; an event that still cannot be converted is
            // dropped rather than handed to the app as `undefined`.
            let value = to_js(&event);
            if !value.is_undefined() {
                emit_event(self.on_event, &value);
            }
        }
    }
}

/// The engine's view of a wallet failure: rejections and timeouts as such, the rest as `Other`.
fn engine_wallet_error(error: &WalletError, js_error: &RatioAuthError) -> flow::WalletError {
    match error {
        WalletError::UserRejected { .. } => flow::WalletError::UserRejected,
        WalletError::Timeout => flow::WalletError::Timeout,
        other => flow::WalletError::Other {
            code: js_error.wallet_code(),
            message: other.to_string(),
        },
    }
}

/// What a session JWT says about itself (read, not verified): `{ factors?, expiresAt?, expired? }`,
/// the fields `session()` adds beside `sessionJwt`. Never throws: a value that is not a string,
/// or a string that is not a readable JWT, gives `{}`.
#[wasm_bindgen(js_name = sessionInfo, unchecked_return_type = "RatioAuthSessionInfo")]
pub fn session_info(#[wasm_bindgen(unchecked_param_type = "unknown")] jwt: JsValue) -> JsValue {
    let info = Object::new();
    if let Some(jwt) = jwt.as_string() {
        set_session_info(&info, &jwt);
    }
    info.into()
}

/// Sets `factors` (distinct, in token order), `expiresAt` (unix ms) and `expired` (against
/// now) from `jwt`'s claims on `target`; nothing when the JWT cannot be read, and no `expiresAt`
/// / `expired` without `exp`. The one reading behind `session()` and `sessionInfo()`.
fn set_session_info(target: &Object, jwt: &str) {
    let Ok(claims) = jwt::read_claims(jwt) else {
        return;
    };
    let mut factors: Vec<jwt::FactorKind> = Vec::new();
    for factor in &claims.factors {
        if !factors.contains(&factor.kind) {
            factors.push(factor.kind);
        }
    }
    set_property(target, "factors", &factor_names(&factors));
    if let Some(exp) = claims.expires_at {
        set_property(target, "expiresAt", &unix_seconds_to_js_ms(exp));
        set_property(
            target,
            "expired",
            &JsValue::from_bool(claims.is_expired(now_ms())),
        );
    }
}

/// `RatioAuthSignInResult`.
fn outcome_to_js(outcome: &Outcome) -> JsValue {
    let result = Object::new();
    set_property(
        &result,
        "sessionJwt",
        &JsValue::from_str(outcome.session_jwt.expose()),
    );
    set_property(&result, "path", &JsValue::from_str(outcome.path.as_str()));
    set_property(
        &result,
        "walletAddress",
        &JsValue::from_str(&outcome.wallet_address.to_checksum()),
    );
    set_property(
        &result,
        "walletVerified",
        &JsValue::from_bool(outcome.wallet_verified),
    );
    set_property(
        &result,
        "walletKind",
        &JsValue::from_str(outcome.wallet_kind.as_str()),
    );
    set_property(&result, "factors", &factor_names(&outcome.factors));
    if let Some(mask) = &outcome.user_mask {
        set_property(&result, "userMask", &to_js(mask));
    }
    if let Some(exp) = outcome.expires_at {
        set_property(&result, "expiresAt", &unix_seconds_to_js_ms(exp));
    }
    result.into()
}

/// A JWT `exp` (unix seconds) as JS milliseconds, clamped to ±`Number.MAX_SAFE_INTEGER` so an
/// absurd `exp` still reads as an exact integer (far future) rather than a rounded float.
fn unix_seconds_to_js_ms(seconds: i64) -> JsValue {
    let limit = super::js::MAX_SAFE_INTEGER as i64;
    JsValue::from_f64(seconds.saturating_mul(1000).clamp(-limit, limit) as f64)
}
