//! The sans-IO sign-in engine (in the manner of quinn-proto and rustls): a state machine that
//! is told what happened and says what to do next. It never reads a clock, an RNG or a socket,
//! so it runs the same under the browser driver, a native test driver or a scripted test.
//!
//! ```no_run
//! # use ratio_auth::flow::*;
//! # fn drive(mut flow: Flow, now: impl Fn() -> u64) -> Result<Outcome, FlowError> {
//! loop {
//!     match flow.next_action() {               // the same until an input is fed
//!         Action::Http(request) => {
//!             let outcome: Result<HttpResponse, TransportError> = todo!("send {request:?}");
//!             flow.on_http(now(), outcome);
//!         }
//!         Action::Sign { address, message } => flow.on_signature(now(), todo!("personal_sign")),
//!         Action::GetCode { address } => flow.on_code(now(), todo!("eth_getCode: has code?")),
//!         Action::Ask(prompt) => flow.on_answer(now(), todo!("ask the user")),
//!         Action::Wait { until_ms } => flow.on_timer(now() /* once it is >= until_ms */),
//!         Action::Done(outcome) => return Ok(outcome),
//!         Action::Fail(error) => return Err(error),
//!     }
//!     for event in flow.drain_events() { /* render */ }
//! }
//! # }
//! ```
//!
//! The four flows of `ratio-api.md`, and how the engine chooses among them:
//! - [`FirstFactor::Wallet`]: wallet start → sign → authenticate. With a `userMask` the user is
//!   **returning** ([`FlowPath::Returning`]): the second factor is SMS when the mask has a
//!   `phoneMask`, email when it has only an `emailMask`, SMS otherwise (a `preferredMfaMethod`
//!   of `TOTP` cannot be served by this API, so SMS is tried). Without a `userMask` the user is
//!   **new** ([`FlowPath::New`]): SMS with the wallet JWT. If that `sms:send` answers 409
//!   `ALREADY_EXISTS_PHONE` the path becomes **linked** ([`FlowPath::Linked`]): the wallet JWT
//!   is revoked, the user confirms, SMS runs again as a first factor without any JWT (429s are
//!   backed off), then email with the SMS JWT, then `addToUser` with the two-factor JWT for the
//!   wallet that signed; with [`FlowConfig::verify_linked_wallet`] the wallet signs in once more
//!   with that JWT so that it is verified at once.
//! - [`FirstFactor::Sms`] / [`FirstFactor::Email`] (**factor first**, [`FlowPath::FactorFirst`]):
//!   the OTP without a JWT, then the wallet with that JWT (Ratio links the wallet to that user).
//!
//! Which JWT each request carries is decided by the [`ledger`] only.
//!
//! Failure handling: 429, 5xx and transport errors are retried with the [`RetryPolicy`]'s
//! back-off (full jitter, never before `Retry-After`, bounded attempts and total time), then the
//! flow fails. A wrong code re-prompts up to `max_otp_attempts`. `EXPIRED_JWT`/`INVALID_JWT`
//! on a request that carried a token re-runs the factor step that produced that token, once per
//! step; the next time the flow fails. Malformed inputs are handled as [`input`] describes.
//! Inputs that do not fit the current state are ignored (with an [`FlowEvent::InputIgnored`]).
//! Every state has exactly one pending action, and every action's input moves the flow on or
//! ends it, so a flow always ends in `Done` or `Fail`.

use crate::prelude::*;

mod action;
mod error;
mod event;
pub mod input;
pub mod ledger;
mod rng;
mod snapshot;
mod state;

#[cfg(test)]
mod golden;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use core::fmt;

pub use self::action::{
    Action, ContractEvidence, InputProblem, Outcome, Prompt, PromptKind, WalletKind,
};
pub use self::error::{ErrorKind, FlowError, kind_for_status};
pub use self::event::{FlowEvent, InputKind, RetryReason};
pub use self::input::{Answer, WalletError};
pub use self::ledger::{Ledger, Purpose, RevokeReason, TokenInfo, TokenRef, TokenStatus};
pub use self::snapshot::{
    FlowSnapshot, MAX_SNAPSHOT_BYTES, PendingStep, PendingSummary, SNAPSHOT_TTL_MS,
    SNAPSHOT_VERSION, SnapshotError,
};
pub use self::state::{Channel, FlowPath, FlowState};
pub use crate::api::{ClientContext, Credentials, HttpRequest, HttpResponse, TransportError};
pub use crate::backoff::RetryPolicy;

use crate::api::{
    AddToUserRequest, ApiCall, EmailAuthenticateRequest, EmailSendRequest, Endpoint, ErrorBody,
    ErrorCode, MAX_CHALLENGE_LEN, SmsAuthenticateRequest, SmsSendRequest, UserMask,
    WalletAuthenticateRequest, WalletStartRequest,
};
use crate::backoff::{self, Backoff, RetryAfter};
use crate::eip191::{self, Address, SignatureError};
use crate::jwt::FactorKind;
use crate::secret::Secret;

use self::input::{mask_email, mask_phone, normalize_email, normalize_otp, normalize_phone};
use self::ledger::LedgerError;
use self::rng::SplitMix64;
use self::state::{Call, OtpPhase, Phase, SentOtp, Step};

/// Settings of one flow. `FlowConfig::default()` talks to a backend proxy (no credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowConfig {
    /// Credentials and device fingerprint headers.
    pub client: ClientContext,
    /// Back-off for 429, 5xx and transport errors, per request.
    pub retry: RetryPolicy,
    /// Codes the user may enter per OTP step (Ratio burns a code after 5). Default 3; at least 1.
    pub max_otp_attempts: u32,
    /// Unusable answers (malformed, or a phone/email Ratio refused as invalid) allowed per
    /// prompt; one more fails the flow with `Config`. Default 3.
    pub max_invalid_answers: u32,
    /// Resends the user may ask for per OTP step. Default 3.
    pub max_otp_resends: u32,
    /// Minimum time between a successful send and a resend. Default 30 s.
    pub resend_cooldown_ms: u64,
    /// After `addToUser`, sign in with the wallet again (with the two-factor JWT) so that Ratio
    /// verifies it at once. Default `false`: the outcome then says `wallet_verified: false`.
    pub verify_linked_wallet: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            client: ClientContext::default(),
            retry: RetryPolicy::default(),
            max_otp_attempts: 3,
            max_invalid_answers: 3,
            max_otp_resends: 3,
            resend_cooldown_ms: 30_000,
            verify_linked_wallet: false,
        }
    }
}

impl FlowConfig {
    pub fn new(client: ClientContext) -> Self {
        FlowConfig {
            client,
            ..FlowConfig::default()
        }
    }

    /// Why these settings cannot run a flow, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if let Some(problem) = self.client.problem() {
            return Some(problem);
        }
        if self.max_otp_attempts == 0 {
            return Some("max_otp_attempts must be at least 1");
        }
        None
    }
}

/// Which factor authenticates first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FirstFactor {
    /// Flows 1–3.
    #[default]
    Wallet,
    /// Flow 4 with SMS.
    Sms,
    /// Flow 4 with email.
    Email,
}

/// What to sign in with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Start {
    /// The account that will sign (and, on the link path, be added to the user).
    pub wallet: Address,
    pub first_factor: FirstFactor,
}

/// One sign-in. See the [module docs](self).
pub struct Flow {
    config: FlowConfig,
    wallet: Address,
    rng: SplitMix64,
    /// Latest time the driver reported (kept monotonic).
    now_ms: u64,
    ledger: Ledger,
    backoff: Backoff,
    path: Option<FlowPath>,
    phase: Phase,
    step: Step,
    events: Vec<FlowEvent>,
    /// Remembered so that a restarted step does not ask again.
    phone: Option<String>,
    email: Option<String>,
    user_mask: Option<UserMask>,
    invalid_answers: u32,
    /// Purposes whose token was refused and whose step already ran again.
    restarted: Vec<Purpose>,
    wallet_verified: bool,
    /// The pending call is a retry after an answer that may have been lost after the server
    /// acted (5xx, timeout, dropped connection): its refusal may be our own first attempt's doing.
    retry_after_loss: bool,
    /// Wallet steps started over in this phase because an authenticate answer was lost.
    wallet_restarts: u32,
    /// How the last signature sent was made (decides how a refusal of it reads).
    wallet_kind: WalletKind,
}

impl fmt::Debug for Flow {
    // Phone and email are personal data: only the shape of the flow is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flow")
            .field("state", &self.state())
            .field("purpose", &self.phase.purpose())
            .field("path", &self.path)
            .field("wallet", &self.wallet)
            .field("tokens", &self.ledger.tokens())
            .finish_non_exhaustive()
    }
}

impl Flow {
    /// A flow that starts at once: the first action is ready. `rng_seed` seeds the back-off
    /// jitter; `now_ms` is the current unix time in milliseconds.
    pub fn new(config: FlowConfig, start: Start, rng_seed: u64, now_ms: u64) -> Flow {
        let backoff = Backoff::new(config.retry);
        let mut flow = Flow {
            wallet: start.wallet,
            rng: SplitMix64::new(rng_seed),
            now_ms,
            ledger: Ledger::new(start.wallet),
            backoff,
            path: None,
            phase: Phase::Wallet {
                purpose: Purpose::WalletSignIn,
            },
            // Replaced below before anyone can observe it.
            step: Step::unstarted(),
            events: Vec::new(),
            phone: None,
            email: None,
            user_mask: None,
            invalid_answers: 0,
            restarted: Vec::new(),
            wallet_verified: false,
            retry_after_loss: false,
            wallet_restarts: 0,
            wallet_kind: WalletKind::Eoa,
            config,
        };
        if let Some(problem) = flow.config.problem() {
            flow.fail(FlowError::new(ErrorKind::Config, problem));
            return flow;
        }
        match start.first_factor {
            FirstFactor::Wallet => flow.enter(Phase::Wallet {
                purpose: Purpose::WalletSignIn,
            }),
            FirstFactor::Sms | FirstFactor::Email => {
                let channel = if start.first_factor == FirstFactor::Sms {
                    Channel::Sms
                } else {
                    Channel::Email
                };
                flow.choose_path(FlowPath::FactorFirst);
                flow.enter(Phase::Otp(OtpPhase::new(Purpose::FirstFactor, channel)));
            }
        }
        flow
    }

    /// What the driver must do now. Pure: the same answer until an input is fed.
    pub fn next_action(&self) -> Action {
        match &self.step {
            Step::Send { request, .. } => Action::Http(request.clone()),
            Step::Wait { until_ms, .. } => Action::Wait {
                until_ms: *until_ms,
            },
            Step::Sign { challenge } => Action::Sign {
                address: self.wallet,
                message: challenge.clone(),
            },
            Step::CheckCode { .. } => Action::GetCode {
                address: self.wallet,
            },
            Step::Ask(prompt) => Action::Ask(prompt.clone()),
            Step::Done(outcome) => Action::Done((**outcome).clone()),
            Step::Failed(error) => Action::Fail((**error).clone()),
        }
    }

    /// The events since the last call, oldest first.
    pub fn drain_events(&mut self) -> Vec<FlowEvent> {
        core::mem::take(&mut self.events)
    }

    pub fn state(&self) -> FlowState {
        self.step.state()
    }

    pub fn is_finished(&self) -> bool {
        self.state().is_terminal()
    }

    /// The purpose of the current factor step.
    pub fn purpose(&self) -> Purpose {
        self.phase.purpose()
    }

    pub fn path(&self) -> Option<FlowPath> {
        self.path
    }

    pub fn wallet(&self) -> Address {
        self.wallet
    }

    /// The token ledger, for audits and tests.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// Aborts the flow (e.g. an `AbortSignal`): the next action is `Fail` with `Aborted`.
    /// Nothing happens once the flow has ended.
    pub fn cancel(&mut self) {
        if !self.is_finished() {
            self.fail(FlowError::new(
                ErrorKind::Aborted,
                "the sign-in was cancelled",
            ));
        }
    }

    /// Ends the flow with the driver's own error (e.g. the wallet's account changed mid-flow).
    /// Nothing happens once the flow has ended.
    pub fn cancel_with(&mut self, error: FlowError) {
        if !self.is_finished() {
            self.fail(error);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Inputs
    // -----------------------------------------------------------------------------------------

    /// The answer to [`Action::Http`]. `now_ms` is when it arrived.
    pub fn on_http(&mut self, now_ms: u64, outcome: Result<HttpResponse, TransportError>) {
        self.tick(now_ms);
        let Step::Send { call, token, .. } = &self.step else {
            return self.ignored(InputKind::Http);
        };
        let (call, token) = (call.clone(), *token);
        let endpoint = call.endpoint();
        let response = match outcome {
            Ok(response) => response,
            Err(transport) => {
                let timeout = transport == TransportError::Timeout;
                self.events
                    .push(FlowEvent::TransportFailed { endpoint, timeout });
                let (reason, error) = match transport {
                    TransportError::Timeout => (
                        RetryReason::Timeout,
                        FlowError::new(ErrorKind::Timeout, text!(endpoint.path(), " timed out")),
                    ),
                    TransportError::Network(detail) => (
                        RetryReason::Network,
                        FlowError::new(
                            ErrorKind::Network,
                            text!(endpoint.path(), " could not be reached: ", detail),
                        ),
                    ),
                };
                return self.retry_or_fail(call, reason, None, error.with_endpoint(endpoint));
            }
        };
        let error_body = if response.is_success() {
            None
        } else {
            ErrorBody::read(&response.body)
        };
        let code = error_body.as_ref().and_then(|b| b.code.clone());
        self.events.push(FlowEvent::ResponseReceived {
            endpoint,
            status: response.status,
            code,
        });
        if let Some(jwt) = response.refresh_jwt.clone() {
            if !self.apply_refresh(endpoint, token, jwt) {
                return;
            }
        }
        // Honoured on a 5xx too (RFC 9110 §10.2.3: a 503 says how long the outage lasts).
        let retry_after = response
            .retry_after
            .as_deref()
            .and_then(backoff::parse_retry_after);
        match response.status {
            200..=299 => self.on_success(call, &response),
            429 => {
                let error = status_error(endpoint, 429, error_body);
                self.retry_or_fail(call, RetryReason::RateLimited, retry_after, error);
            }
            500..=599 => {
                let error = status_error(endpoint, response.status, error_body);
                self.retry_or_fail(call, RetryReason::ServerError, retry_after, error);
            }
            status => self.on_refused(call, token, status, error_body),
        }
    }

    /// The answer to [`Action::Sign`]: the `personal_sign` result. It is checked locally
    /// before anything is sent.
    pub fn on_signature(&mut self, now_ms: u64, result: Result<String, WalletError>) {
        self.tick(now_ms);
        let Step::Sign { challenge } = &self.step else {
            return self.ignored(InputKind::Signature);
        };
        let challenge = challenge.clone();
        let signature = match result {
            Ok(signature) => signature,
            Err(WalletError::UserRejected) => {
                return self.fail(FlowError::new(
                    ErrorKind::UserRejected,
                    "the user rejected the signature request",
                ));
            }
            Err(WalletError::Timeout) => {
                return self.fail(FlowError::new(
                    ErrorKind::Timeout,
                    "the wallet did not answer in time",
                ));
            }
            Err(WalletError::Other { code, message }) => {
                return self.fail(FlowError::new(
                    ErrorKind::Wallet { wallet_code: code },
                    text!("the wallet failed to sign: ", message),
                ));
            }
        };
        // A counterfactual (not yet deployed) wallet has no code to ask for: its wrapper is
        // the only evidence, so it is looked for first.
        if is_erc6492(&signature) {
            return self.send_contract_signature(&signature, ContractEvidence::Erc6492);
        }
        let local = match eip191::check_signer(&challenge, &signature, &self.wallet) {
            Ok(()) => {
                self.events.push(FlowEvent::SignatureChecked {
                    address: self.wallet,
                });
                self.wallet_kind = WalletKind::Eoa;
                return self.send_new(Call::WalletAuthenticate {
                    signature: normalize_signature(&signature),
                });
            }
            Err(SignatureError::WrongSigner {
                signed_by,
                signed_hex_text,
            }) => {
                let message = if signed_hex_text {
                    "the wallet signed the hex text of the challenge instead of the challenge itself".to_owned()
                } else {
                    text!(
                        "the signature was made by ",
                        signed_by,
                        ", not by ",
                        self.wallet
                    )
                };
                FlowError::new(
                    ErrorKind::SignatureMismatch {
                        signed_by: Some(signed_by),
                        signed_hex_text,
                    },
                    message,
                )
            }
            Err(malformed) => FlowError::new(
                ErrorKind::Wallet { wallet_code: None },
                text!("the wallet returned an unusable signature: ", malformed),
            ),
        };
        // Not hex, or empty: no contract signs like that, so no need to ask.
        let could_be_contract = !matches!(
            eip191::decode_signature(&signature),
            Err(SignatureError::NotHex | SignatureError::BadLength { bytes: 0 })
        );
        if could_be_contract {
            self.set_step(Step::CheckCode {
                signature,
                local: Box::new(local),
            });
        } else {
            self.fail(local);
        }
    }

    /// The answer to [`Action::GetCode`]: `Ok(true)` when the account has contract code. An
    /// error counts as no code (the local check stands), with a [`FlowEvent::CodeCheckFailed`].
    pub fn on_code(&mut self, now_ms: u64, result: Result<bool, WalletError>) {
        self.tick(now_ms);
        let Step::CheckCode { signature, local } = &self.step else {
            return self.ignored(InputKind::Code);
        };
        let (signature, local) = (signature.clone(), (**local).clone());
        match result {
            Ok(true) => self.send_contract_signature(&signature, ContractEvidence::Code),
            Ok(false) => self.fail(local),
            Err(error) => {
                let (timeout, wallet_code) = match error {
                    WalletError::Timeout => (true, None),
                    WalletError::UserRejected => (false, Some(4001)),
                    WalletError::Other { code, .. } => (false, code),
                };
                self.events.push(FlowEvent::CodeCheckFailed {
                    address: self.wallet,
                    timeout,
                    wallet_code,
                });
                self.fail(local);
            }
        }
    }

    /// A smart-contract wallet's signature goes to Ratio as the wallet made it.
    fn send_contract_signature(&mut self, signature: &str, evidence: ContractEvidence) {
        self.wallet_kind = WalletKind::Contract;
        self.events.push(FlowEvent::SignatureLeftToServer {
            address: self.wallet,
            wallet_kind: WalletKind::Contract,
            evidence,
        });
        self.send_new(Call::WalletAuthenticate {
            signature: normalize_signature(signature),
        });
    }

    /// The answer to [`Action::Ask`].
    pub fn on_answer(&mut self, now_ms: u64, answer: Answer) {
        self.tick(now_ms);
        let Step::Ask(prompt) = &self.step else {
            return self.ignored(InputKind::Answer);
        };
        let kind = prompt.kind();
        let otp_channel = match prompt {
            Prompt::Otp { channel, .. } => Some(*channel),
            _ => None,
        };
        match (kind, answer) {
            (_, Answer::Cancel) => self.fail(FlowError::new(
                ErrorKind::Aborted,
                text!("the user cancelled at the ", prompt_name(kind), " prompt"),
            )),
            (PromptKind::PhoneNumber, Answer::Text(text)) => match normalize_phone(text.expose()) {
                Ok(phone) => {
                    self.phone = Some(phone);
                    self.send_new(Call::OtpSend {
                        channel: Channel::Sms,
                    });
                }
                Err(problem) => self.reject_answer(kind, problem, None),
            },
            (PromptKind::Email, Answer::Text(text)) => match normalize_email(text.expose()) {
                Ok(email) => {
                    self.email = Some(email);
                    self.send_new(Call::OtpSend {
                        channel: Channel::Email,
                    });
                }
                Err(problem) => self.reject_answer(kind, problem, None),
            },
            (PromptKind::Otp, Answer::Text(text)) => {
                match (normalize_otp(text.expose()), otp_channel) {
                    (Ok(otp), Some(channel)) => {
                        self.send_new(Call::OtpAuthenticate { channel, otp })
                    }
                    (Err(problem), _) => self.reject_answer(kind, problem, None),
                    (Ok(_), None) => self.ignored(InputKind::Answer),
                }
            }
            (PromptKind::Otp, Answer::ResendOtp) => self.resend(),
            (PromptKind::ConfirmLink, Answer::Confirm(true)) => {
                self.enter(Phase::Otp(OtpPhase::new(
                    Purpose::LinkFirstFactor,
                    Channel::Sms,
                )));
            }
            (PromptKind::ConfirmLink, Answer::Confirm(false)) => self.fail(
                FlowError::new(
                    ErrorKind::Conflict,
                    "this phone number belongs to another Ratio user and linking was declined",
                )
                .with_code(Some(ErrorCode::AlreadyExistsPhone))
                .with_status(409)
                .with_endpoint(Endpoint::SmsSend),
            ),
            _ => self.ignored(InputKind::Answer),
        }
    }

    /// The answer to [`Action::Wait`]: call it at or after `until_ms`. An early call changes
    /// nothing (the action stays `Wait`).
    pub fn on_timer(&mut self, now_ms: u64) {
        self.tick(now_ms);
        match &self.step {
            Step::Wait { until_ms, call, .. } => {
                if self.now_ms >= *until_ms {
                    let call = call.clone();
                    self.issue(call);
                }
            }
            _ => self.ignored(InputKind::Timer),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Transitions
    // -----------------------------------------------------------------------------------------

    fn tick(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    fn set_step(&mut self, step: Step) {
        self.step = step;
        self.events.push(FlowEvent::StateChanged {
            state: self.step.state(),
            purpose: self.phase.purpose(),
        });
    }

    fn fail(&mut self, mut error: FlowError) {
        error.state = self.step.state();
        self.set_step(Step::Failed(Box::new(error.clone())));
        self.events.push(FlowEvent::Failed { error });
    }

    /// Unreachable by construction; a typed failure rather than a panic all the same.
    fn internal(&mut self, what: &str) {
        self.fail(FlowError::new(
            ErrorKind::Config,
            text!("internal error: ", what),
        ));
    }

    fn ignored(&mut self, input: InputKind) {
        self.events.push(FlowEvent::InputIgnored {
            input,
            state: self.state(),
        });
    }

    fn choose_path(&mut self, path: FlowPath) {
        if self.path != Some(path) {
            self.path = Some(path);
            self.events.push(FlowEvent::PathChosen { path });
        }
    }

    /// Starts a factor step.
    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.invalid_answers = 0;
        self.wallet_restarts = 0;
        match &self.phase {
            Phase::Wallet { .. } => self.send_new(Call::WalletStart),
            Phase::Otp(otp) => {
                let channel = otp.channel;
                if self.destination(channel).is_some() {
                    self.send_new(Call::OtpSend { channel });
                } else {
                    self.ask_destination(channel, None);
                }
            }
            Phase::ConfirmLink => self.confirm_link(),
            Phase::AddToUser => self.send_new(Call::AddToUser),
        }
    }

    fn confirm_link(&mut self) {
        let prompt = Prompt::ConfirmLink {
            wallet_address: self.wallet,
            phone_mask: self.phone.as_deref().map(mask_phone),
        };
        self.set_step(Step::Ask(prompt));
    }

    fn destination(&self, channel: Channel) -> Option<&str> {
        match channel {
            Channel::Sms => self.phone.as_deref(),
            Channel::Email => self.email.as_deref(),
        }
    }

    fn ask_destination(&mut self, channel: Channel, problem: Option<InputProblem>) {
        let purpose = self.phase.purpose();
        let mask = self.user_mask.as_ref();
        let prompt = match channel {
            Channel::Sms => Prompt::PhoneNumber {
                purpose,
                phone_mask: mask.and_then(|m| m.phone_mask.clone()),
                problem,
            },
            Channel::Email => Prompt::Email {
                purpose,
                email_mask: mask.and_then(|m| m.email_mask.clone()),
                problem,
            },
        };
        self.set_step(Step::Ask(prompt));
    }

    fn ask_otp(&mut self, problem: Option<InputProblem>) {
        let Phase::Otp(otp) = &self.phase else {
            return self.internal("a code prompt outside an OTP step");
        };
        let Some(sent) = &otp.sent else {
            return self.internal("a code prompt before any code was sent");
        };
        let resend_available_at = (otp.sends <= self.config.max_otp_resends)
            .then(|| js_safe(otp.resend_available_at.unwrap_or(self.now_ms)));
        let prompt = Prompt::Otp {
            channel: otp.channel,
            destination_mask: sent.mask.clone(),
            attempt: otp.attempt,
            max_attempts: self.config.max_otp_attempts,
            resend_available_at,
            problem,
        };
        self.set_step(Step::Ask(prompt));
    }

    /// An answer that is not sent (or a destination Ratio refused): ask again, within limits.
    fn reject_answer(
        &mut self,
        prompt: PromptKind,
        problem: InputProblem,
        refusal: Option<FlowError>,
    ) {
        self.invalid_answers = self.invalid_answers.saturating_add(1);
        self.events
            .push(FlowEvent::AnswerRejected { prompt, problem });
        if self.invalid_answers > self.config.max_invalid_answers {
            let base = FlowError::new(
                ErrorKind::Config,
                text!(
                    "too many unusable answers at the ",
                    prompt_name(prompt),
                    " prompt (",
                    problem.as_str(),
                    ")"
                ),
            );
            let error = match refusal {
                Some(refusal) => FlowError {
                    kind: ErrorKind::Config,
                    message: base.message,
                    ..refusal
                },
                None => base,
            };
            return self.fail(error);
        }
        match prompt {
            PromptKind::PhoneNumber => self.ask_destination(Channel::Sms, Some(problem)),
            PromptKind::Email => self.ask_destination(Channel::Email, Some(problem)),
            PromptKind::Otp => self.ask_otp(Some(problem)),
            PromptKind::ConfirmLink => self.internal("a confirmation cannot be malformed"),
        }
    }

    fn resend(&mut self) {
        let max_resends = self.config.max_otp_resends;
        let now = self.now_ms;
        let Phase::Otp(otp) = &mut self.phase else {
            return self.internal("a resend outside an OTP step");
        };
        if otp.sends > max_resends {
            return self.reject_answer(PromptKind::Otp, InputProblem::ResendUnavailable, None);
        }
        let channel = otp.channel;
        let available_at = otp.resend_available_at;
        self.backoff.reset();
        match available_at {
            Some(at) if at > now => {
                self.set_step(Step::Wait {
                    until_ms: at,
                    call: Call::OtpSend { channel },
                });
                self.events.push(FlowEvent::ResendScheduled {
                    channel,
                    at_ms: js_safe(at),
                });
            }
            _ => self.issue(Call::OtpSend { channel }),
        }
    }

    /// Issues a call with a fresh back-off.
    fn send_new(&mut self, call: Call) {
        self.backoff.reset();
        self.retry_after_loss = false;
        self.issue(call);
    }

    /// Builds the request (the ledger picks its token) and makes it the pending action.
    fn issue(&mut self, call: Call) {
        let endpoint = call.endpoint();
        let purpose = self.phase.purpose();
        match self.build(&call) {
            Ok((request, token)) => {
                let attempt = self.backoff.attempts().saturating_add(1);
                self.set_step(Step::Send {
                    call,
                    request,
                    token,
                });
                self.events.push(FlowEvent::RequestSent {
                    endpoint,
                    purpose,
                    attempt,
                    token,
                });
            }
            Err(error) => self.fail(error.with_endpoint(endpoint)),
        }
    }

    fn build(&self, call: &Call) -> Result<(HttpRequest, Option<TokenRef>), FlowError> {
        let endpoint = call.endpoint();
        let bearer = self
            .ledger
            .authorize(endpoint, self.phase.purpose(), &self.wallet)
            .map_err(ledger_error)?;
        let (token, jwt) = match bearer {
            Some(bearer) => (Some(bearer.token), Some(bearer.jwt)),
            None => (None, None),
        };
        let client = &self.config.client;
        let missing = |what: &str| {
            FlowError::new(
                ErrorKind::Config,
                text!("internal error: no ", what, " to send"),
            )
        };
        let request = match call {
            Call::WalletStart => WalletStartRequest::new(self.wallet).to_http(client, jwt),
            Call::WalletAuthenticate { signature } => {
                WalletAuthenticateRequest::new(self.wallet, signature.clone()).to_http(client, jwt)
            }
            Call::OtpSend {
                channel: Channel::Sms,
            } => {
                let phone_number = self.phone.clone().ok_or_else(|| missing("phone number"))?;
                SmsSendRequest { phone_number }.to_http(client, jwt)
            }
            Call::OtpSend {
                channel: Channel::Email,
            } => {
                let email_address = self.email.clone().ok_or_else(|| missing("email address"))?;
                EmailSendRequest { email_address }.to_http(client, jwt)
            }
            Call::OtpAuthenticate {
                channel: Channel::Sms,
                otp,
            } => {
                let phone_id = self.sent_id().ok_or_else(|| missing("phone id"))?;
                SmsAuthenticateRequest {
                    phone_id,
                    otp: otp.clone(),
                }
                .to_http(client, jwt)
            }
            Call::OtpAuthenticate {
                channel: Channel::Email,
                otp,
            } => {
                let email_id = self.sent_id().ok_or_else(|| missing("email id"))?;
                EmailAuthenticateRequest {
                    email_id,
                    otp: otp.clone(),
                }
                .to_http(client, jwt)
            }
            Call::AddToUser => AddToUserRequest::new(self.wallet).to_http(client, jwt),
        }
        .map_err(|e| {
            FlowError::new(
                ErrorKind::Config,
                text!("the request could not be built: ", e),
            )
        })?;
        Ok((request, token))
    }

    fn sent_id(&self) -> Option<String> {
        match &self.phase {
            Phase::Otp(OtpPhase {
                sent: Some(sent), ..
            }) => Some(sent.id.clone()),
            _ => None,
        }
    }

    /// `ratio-authentication-refresh`: the refreshed JWT replaces the one that was sent.
    /// `false` when the flow failed.
    fn apply_refresh(&mut self, endpoint: Endpoint, sent: Option<TokenRef>, jwt: Secret) -> bool {
        let Some(sent) = sent else {
            self.events.push(FlowEvent::RefreshIgnored { endpoint });
            return true;
        };
        match self.ledger.refresh(sent, jwt) {
            Ok(Some(new)) => {
                self.events
                    .push(FlowEvent::TokenRefreshed { old: sent, new });
                true
            }
            Ok(None) => {
                self.events.push(FlowEvent::RefreshIgnored { endpoint });
                true
            }
            Err(e) => {
                self.fail(
                    FlowError::new(
                        ErrorKind::BadResponse,
                        text!("the refreshed session token is unusable: ", e),
                    )
                    .with_endpoint(endpoint),
                );
                false
            }
        }
    }

    /// 429, 5xx, transport errors: wait and try again, or give up with `error`.
    fn retry_or_fail(
        &mut self,
        call: Call,
        reason: RetryReason,
        retry_after: Option<RetryAfter>,
        mut error: FlowError,
    ) {
        let now = self.now_ms;
        let endpoint = call.endpoint();
        let fraction = backoff::unit_fraction(self.rng.next_u64());
        let retry_after_ms = retry_after.map(|r| js_safe(r.until(now)));
        let answer_lost = reason != RetryReason::RateLimited;
        // A lost authenticate answer may have used the challenge: sending the same signature
        // again would meet "no pending challenge". The wallet step starts over instead, a
        // bounded number of times (each round resets the back-off of the calls in it).
        let resign = answer_lost && matches!(call, Call::WalletAuthenticate { .. });
        if resign && self.wallet_restarts >= self.config.retry.max_attempts {
            error.message = text!(
                error.message,
                " (gave up after signing ",
                self.wallet_restarts.saturating_add(1),
                " times)"
            );
            return self.fail(error);
        }
        match self.backoff.next_retry_at(now, retry_after, fraction) {
            Some(until_ms) => {
                self.retry_after_loss |= answer_lost;
                let call = if resign {
                    self.wallet_restarts = self.wallet_restarts.saturating_add(1);
                    self.events.push(FlowEvent::SigningAgain {
                        purpose: self.phase.purpose(),
                        reason,
                    });
                    Call::WalletStart
                } else {
                    call
                };
                self.set_step(Step::Wait { until_ms, call });
                self.events.push(FlowEvent::BackingOff {
                    endpoint,
                    reason,
                    attempt: self.backoff.attempts(),
                    until_ms: js_safe(until_ms),
                    retry_after_ms,
                });
            }
            None => {
                if let ErrorKind::RateLimited { retry_at_ms } = &mut error.kind {
                    *retry_at_ms = retry_after_ms;
                }
                error.message = text!(
                    error.message,
                    " (gave up after ",
                    self.backoff.attempts(),
                    " attempts)"
                );
                self.fail(error);
            }
        }
    }

    /// A 4xx (other than 429) or a 1xx/3xx.
    fn on_refused(
        &mut self,
        call: Call,
        token: Option<TokenRef>,
        status: u16,
        body: Option<ErrorBody>,
    ) {
        let endpoint = call.endpoint();
        let code = body.as_ref().and_then(|b| b.code.clone());
        let token_error = matches!(code, Some(ErrorCode::ExpiredJwt | ErrorCode::InvalidJwt));
        // The one other 401 Ratio documents: the credentials, not the code.
        let not_about_the_code = token_error || code == Some(ErrorCode::InvalidClientSecret);
        // The new user's SMS step, with the wallet JWT: a 409 there means the phone is another
        // user's, whatever the body says (Ratio documents the status, not every spelling).
        let new_user_sms = self.phase.purpose() == Purpose::SecondFactor
            && self.path == Some(FlowPath::New)
            && matches!(
                call,
                Call::OtpSend {
                    channel: Channel::Sms
                } | Call::OtpAuthenticate {
                    channel: Channel::Sms,
                    ..
                }
            );
        match (status, &call, token) {
            (401, _, Some(token)) if token_error => self.restart(endpoint, token, status, body),
            (400 | 401, Call::WalletAuthenticate { .. }, _)
                if self.wallet_kind == WalletKind::Contract && !not_about_the_code =>
            {
                let error = status_error(endpoint, status, body);
                self.fail(FlowError {
                    kind: ErrorKind::ContractWalletRefused,
                    message: "Ratio refused the smart-contract wallet's signature: the server does \
                        not accept contract-wallet signatures (EIP-1271 / ERC-6492), or not this one"
                        .to_owned(),
                    ..error
                });
            }
            // A 401 on a code check is about the code unless it names the token.
            (401, Call::OtpAuthenticate { channel, .. }, _) if !not_about_the_code => {
                if self.retry_after_loss {
                    self.resend_after_lost_answer(*channel, status, body);
                } else {
                    self.wrong_otp(status, body);
                }
            }
            (409, _, _) if new_user_sms => self.link(),
            (
                400,
                Call::OtpSend {
                    channel: Channel::Sms,
                },
                _,
            ) if code == Some(ErrorCode::InvalidPhone) => {
                self.phone = None;
                let refusal = status_error(endpoint, status, body);
                self.reject_answer(
                    PromptKind::PhoneNumber,
                    InputProblem::RejectedByServer,
                    Some(refusal),
                );
            }
            (
                400,
                Call::OtpSend {
                    channel: Channel::Email,
                },
                _,
            ) if code == Some(ErrorCode::InvalidEmail) => {
                self.email = None;
                let refusal = status_error(endpoint, status, body);
                self.reject_answer(
                    PromptKind::Email,
                    InputProblem::RejectedByServer,
                    Some(refusal),
                );
            }
            _ => self.fail(status_error(endpoint, status, body)),
        }
    }

    /// The retry of a code check whose first answer was lost came back "wrong code": the first
    /// attempt most likely used the code. A new code is sent (counted as a resend) rather than
    /// charging the user an attempt; with no resend left it is an ordinary wrong code.
    fn resend_after_lost_answer(&mut self, channel: Channel, status: u16, body: Option<ErrorBody>) {
        let max_resends = self.config.max_otp_resends;
        let can_resend = matches!(&self.phase, Phase::Otp(otp) if otp.sends <= max_resends);
        if !can_resend {
            return self.wrong_otp(status, body);
        }
        self.events
            .push(FlowEvent::CodeResentAfterLostAnswer { channel });
        self.send_new(Call::OtpSend { channel });
    }

    fn on_success(&mut self, call: Call, response: &HttpResponse) {
        let endpoint = call.endpoint();
        let status = response.status;
        match call {
            Call::WalletStart => match WalletStartRequest::decode(response) {
                Ok(start) if start.challenge.is_empty() => {
                    self.bad_response(endpoint, status, "the challenge is empty".to_owned())
                }
                Ok(start) if start.challenge.len() > MAX_CHALLENGE_LEN => self.bad_response(
                    endpoint,
                    status,
                    text!("the challenge is longer than ", MAX_CHALLENGE_LEN, " bytes"),
                ),
                Ok(start) => self.set_step(Step::Sign {
                    challenge: start.challenge,
                }),
                Err(e) => self.bad_response(endpoint, status, text!(e)),
            },
            Call::WalletAuthenticate { .. } => match WalletAuthenticateRequest::decode(response) {
                Ok(auth) => {
                    self.authenticated(status, FactorKind::Wallet, auth.session_jwt, auth.user_mask)
                }
                Err(e) => self.bad_response(endpoint, status, text!(e)),
            },
            Call::OtpSend { channel } => {
                let sent = match channel {
                    Channel::Sms => SmsSendRequest::decode(response).map(|r| {
                        let mask = r
                            .phone_mask
                            .unwrap_or_else(|| mask_phone(self.phone.as_deref().unwrap_or("")));
                        (r.phone_id, mask)
                    }),
                    Channel::Email => EmailSendRequest::decode(response).map(|r| {
                        let mask = r
                            .email_mask
                            .unwrap_or_else(|| mask_email(self.email.as_deref().unwrap_or("")));
                        (r.email_id, mask)
                    }),
                };
                match sent {
                    Ok((id, _)) if id.is_empty() => {
                        self.bad_response(endpoint, status, "the code id is empty".to_owned())
                    }
                    Ok((id, mask)) => self.otp_sent(channel, id, mask),
                    Err(e) => self.bad_response(endpoint, status, text!(e)),
                }
            }
            // Both authenticate endpoints answer an `AuthResponse`.
            Call::OtpAuthenticate { channel, .. } => match SmsAuthenticateRequest::decode(response)
            {
                Ok(auth) => {
                    self.authenticated(status, channel.factor(), auth.session_jwt, auth.user_mask)
                }
                Err(e) => self.bad_response(endpoint, status, text!(e)),
            },
            // The spec defines no 200 body for addToUser: the status alone says it worked.
            Call::AddToUser => {
                self.wallet_verified = false;
                self.events.push(FlowEvent::WalletLinked {
                    address: self.wallet,
                    verified: false,
                });
                if self.config.verify_linked_wallet {
                    self.enter(Phase::Wallet {
                        purpose: Purpose::VerifyWallet,
                    });
                } else {
                    self.finish();
                }
            }
        }
    }

    /// A 2xx whose body cannot be used: `status` is that response's.
    fn bad_response(&mut self, endpoint: Endpoint, status: u16, detail: String) {
        self.fail(
            FlowError::new(
                ErrorKind::BadResponse,
                text!("unexpected answer from ", endpoint.path(), ": ", detail),
            )
            .with_endpoint(endpoint)
            .with_status(status),
        );
    }

    fn otp_sent(&mut self, channel: Channel, id: String, mask: String) {
        let available_at = self.now_ms.saturating_add(self.config.resend_cooldown_ms);
        let Phase::Otp(otp) = &mut self.phase else {
            return self.internal("a code was sent outside an OTP step");
        };
        otp.sent = Some(SentOtp {
            id,
            mask: mask.clone(),
        });
        // Unusable answers are counted per prompt: the destination's are behind us.
        self.invalid_answers = 0;
        otp.sends = otp.sends.saturating_add(1);
        otp.resend_available_at = Some(available_at);
        self.events.push(FlowEvent::OtpSent {
            channel,
            destination_mask: mask,
        });
        self.ask_otp(None);
    }

    /// An authenticate step succeeded: record its token, then move to the next step.
    fn authenticated(
        &mut self,
        status: u16,
        factor: FactorKind,
        jwt: Secret,
        user_mask: Option<UserMask>,
    ) {
        let purpose = self.phase.purpose();
        let (endpoint, carried) = match &self.step {
            Step::Send { call, token, .. } => (call.endpoint(), *token),
            _ => (Endpoint::WalletAuthenticate, None),
        };
        let info = match self.ledger.record(factor, purpose, jwt, carried) {
            Ok(info) => info,
            Err(e) => {
                return self.bad_response(
                    endpoint,
                    status,
                    text!("the session token is unusable: ", e),
                );
            }
        };
        self.events.push(FlowEvent::TokenIssued {
            token: info.token,
            factors: info.factors,
        });
        if factor == FactorKind::Wallet {
            self.ledger.record_signer(self.wallet);
            self.wallet_verified = true;
        }
        // The wallet sign-in's mask (or its absence) decides the path; later masks only add.
        if purpose == Purpose::WalletSignIn || user_mask.is_some() {
            self.user_mask = user_mask;
        }
        match purpose {
            Purpose::WalletSignIn => {
                let (path, channel) = match &self.user_mask {
                    Some(mask) if mask.phone_mask.is_none() && mask.email_mask.is_some() => {
                        (FlowPath::Returning, Channel::Email)
                    }
                    Some(_) => (FlowPath::Returning, Channel::Sms),
                    None => (FlowPath::New, Channel::Sms),
                };
                self.choose_path(path);
                self.enter(Phase::Otp(OtpPhase::new(Purpose::SecondFactor, channel)));
            }
            Purpose::SecondFactor | Purpose::WalletAfterFactor => self.finish(),
            Purpose::LinkFirstFactor => {
                self.enter(Phase::Otp(OtpPhase::new(
                    Purpose::LinkSecondFactor,
                    Channel::Email,
                )));
            }
            Purpose::LinkSecondFactor => self.enter(Phase::AddToUser),
            Purpose::FirstFactor => self.enter(Phase::Wallet {
                purpose: Purpose::WalletAfterFactor,
            }),
            Purpose::VerifyWallet => {
                self.events.push(FlowEvent::WalletLinked {
                    address: self.wallet,
                    verified: true,
                });
                self.finish();
            }
            Purpose::AddToUser => self.internal("addToUser does not authenticate"),
        }
    }

    /// 409 `ALREADY_EXISTS_PHONE` on the new user's SMS: the link path.
    fn link(&mut self) {
        for token in self.ledger.phone_conflict() {
            self.events.push(FlowEvent::TokenRevoked {
                token,
                reason: RevokeReason::PhoneBelongsToAnotherUser,
            });
        }
        self.choose_path(FlowPath::Linked);
        self.enter(Phase::ConfirmLink);
    }

    fn wrong_otp(&mut self, status: u16, body: Option<ErrorBody>) {
        let max = self.config.max_otp_attempts;
        let Phase::Otp(otp) = &mut self.phase else {
            return self.internal("a code was refused outside an OTP step");
        };
        let (channel, refused) = (otp.channel, otp.attempt);
        if refused >= max {
            let error = FlowError::new(
                ErrorKind::InvalidOtp,
                text!(
                    "the ",
                    channel.as_str(),
                    " code was refused ",
                    refused,
                    " times"
                ),
            )
            .with_code(body.as_ref().and_then(|b| b.code.clone()))
            .with_status(status)
            .with_endpoint(channel.authenticate_endpoint())
            .with_server_message(body.map(|b| b.message));
            return self.fail(error);
        }
        otp.attempt = refused.saturating_add(1);
        self.events.push(FlowEvent::OtpRejected {
            channel,
            attempt: refused,
            attempts_left: max.saturating_sub(refused),
        });
        self.ask_otp(Some(InputProblem::WrongCode));
    }

    /// Ratio refused the token the request carried: re-run the step that produced it, once.
    fn restart(
        &mut self,
        endpoint: Endpoint,
        token: TokenRef,
        status: u16,
        body: Option<ErrorBody>,
    ) {
        let code = body.as_ref().and_then(|b| b.code.clone());
        if self.restarted.contains(&token.purpose) {
            let mut error = status_error(endpoint, status, body);
            error.message = text!(
                "the session was refused again after signing in anew (",
                error.message,
                ")"
            );
            return self.fail(error);
        }
        self.restarted.push(token.purpose);
        if self.ledger.revoke(token, RevokeReason::RejectedByServer) {
            self.events.push(FlowEvent::TokenRevoked {
                token,
                reason: RevokeReason::RejectedByServer,
            });
        }
        self.events.push(FlowEvent::StepRestarted {
            purpose: token.purpose,
            code: code.unwrap_or(ErrorCode::ExpiredJwt),
        });
        let phase = match token.factor {
            FactorKind::Wallet => Phase::Wallet {
                purpose: token.purpose,
            },
            FactorKind::Sms => Phase::Otp(OtpPhase::new(token.purpose, Channel::Sms)),
            FactorKind::Email => Phase::Otp(OtpPhase::new(token.purpose, Channel::Email)),
            FactorKind::Other => return self.internal("a token from an unknown factor"),
        };
        self.enter(phase);
    }

    fn finish(&mut self) {
        let Some(session) = self.ledger.final_session() else {
            return self.fail(FlowError::new(
                ErrorKind::MfaRequired,
                "the sign-in ended without a two-factor session token",
            ));
        };
        let path = self.path.unwrap_or(FlowPath::New);
        let outcome = Outcome {
            session_jwt: session.jwt.clone(),
            path,
            wallet_address: self.wallet,
            wallet_verified: self.wallet_verified,
            wallet_kind: self.wallet_kind,
            factors: session.factors.to_vec(),
            user_mask: self.user_mask.clone(),
            expires_at: session.claims.expires_at,
        };
        self.set_step(Step::Done(Box::new(outcome)));
        self.events.push(FlowEvent::Finished {
            path,
            wallet_verified: self.wallet_verified,
            wallet_kind: self.wallet_kind,
        });
    }
}

fn ledger_error(error: LedgerError) -> FlowError {
    let kind = match error {
        LedgerError::NotTwoFactor { .. } => ErrorKind::MfaRequired,
        LedgerError::Unreadable(_) => ErrorKind::BadResponse,
        _ => ErrorKind::Config,
    };
    FlowError::new(kind, text!("the token ledger refused the request: ", error))
}

/// The error for a response the engine does not handle otherwise.
fn status_error(endpoint: Endpoint, status: u16, body: Option<ErrorBody>) -> FlowError {
    let code = body.as_ref().and_then(|b| b.code.clone());
    let kind = kind_for_status(status, code.as_ref());
    let path = endpoint.path();
    let message = match (&kind, &code) {
        (ErrorKind::Conflict, Some(ErrorCode::AlreadyExistsPhone)) => {
            "this phone number belongs to another Ratio user".to_owned()
        }
        (ErrorKind::Conflict, Some(ErrorCode::AlreadyExistsEmail)) => {
            "this email address belongs to another Ratio user".to_owned()
        }
        (ErrorKind::Conflict, Some(ErrorCode::AlreadyExistsWalletAddress)) => {
            "this wallet is already verified by another Ratio user".to_owned()
        }
        (ErrorKind::Conflict, _) => text!("Ratio reported a conflict on ", path),
        (ErrorKind::RateLimited { .. }, _) => text!("Ratio kept rate limiting ", path),
        (ErrorKind::MfaRequired, _) => text!("Ratio requires a two-factor session for ", path),
        (ErrorKind::InvalidOtp, _) => "the code was refused".to_owned(),
        (ErrorKind::SignatureMismatch { .. }, _) => "Ratio refused the wallet signature".to_owned(),
        (ErrorKind::Config, _) => text!(
            "Ratio refused the request to ",
            path,
            " (HTTP ",
            status,
            ")"
        ),
        (ErrorKind::Server, _) => text!("Ratio answered ", path, " with HTTP ", status),
        _ => text!("unexpected HTTP ", status, " from ", path),
    };
    FlowError::new(kind, message)
        .with_code(code)
        .with_status(status)
        .with_endpoint(endpoint)
        .with_server_message(body.map(|b| b.message))
}

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A time for JS: beyond 2^53 ms (year 287396) a number would round, so it is capped there.
fn js_safe(ms: u64) -> u64 {
    ms.min(MAX_SAFE_INTEGER)
}

/// The last 32 bytes of an ERC-6492 signature of a not-yet-deployed contract wallet.
pub const ERC6492_MAGIC_SUFFIX: [u8; 32] = [
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
    0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92, 0x64, 0x92,
];

/// Hex (any `0x` prefix) longer than the suffix whose last 32 bytes are the ERC-6492 magic.
pub fn is_erc6492(signature: &str) -> bool {
    let trimmed = signature.trim();
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let suffix_digits = ERC6492_MAGIC_SUFFIX.len() * 2;
    if digits.len() <= suffix_digits
        || digits.len() % 2 != 0
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return false;
    }
    // Checked above: every byte is an ASCII hex digit, so the split is on a char boundary.
    let tail = &digits.as_bytes()[digits.len() - suffix_digits..];
    tail.eq_ignore_ascii_case(hex::encode(ERC6492_MAGIC_SUFFIX).as_bytes())
}

/// `0x` + the hex digits, whatever prefix the wallet used.
fn normalize_signature(signature: &str) -> String {
    let trimmed = signature.trim();
    let digits = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    text!("0x", digits)
}

fn prompt_name(kind: PromptKind) -> &'static str {
    match kind {
        PromptKind::PhoneNumber => "phone number",
        PromptKind::Email => "email",
        PromptKind::Otp => "code",
        PromptKind::ConfirmLink => "link confirmation",
    }
}
