//! Everything a UI (or a test) can observe about a running flow. Events hold no secret: tokens
//! appear only as [`TokenRef`]s, destinations only masked.
//!
//! Serialised (for JS) as `{"type": "stateChanged", "state": "smsSend", …}`, camelCase.

use crate::api::{Endpoint, ErrorCode};
use crate::eip191::Address;
use crate::json::{ToJson, Value};
use crate::jwt::FactorKind;
use crate::prelude::*;

use super::action::{ContractEvidence, InputProblem, PromptKind, WalletKind};
use super::error::FlowError;
use super::ledger::{Purpose, RevokeReason, TokenRef};
use super::state::{Channel, FlowPath, FlowState};

/// Why the engine is waiting before trying a request again.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetryReason {
    /// 429.
    RateLimited,
    /// 5xx.
    ServerError,
    Timeout,
    Network,
}

impl RetryReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RetryReason::RateLimited => "rateLimited",
            RetryReason::ServerError => "serverError",
            RetryReason::Timeout => "timeout",
            RetryReason::Network => "network",
        }
    }
}

impl ToJson for RetryReason {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// Which input the driver fed.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputKind {
    Http,
    Signature,
    Answer,
    Timer,
    Code,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Http => "http",
            InputKind::Signature => "signature",
            InputKind::Answer => "answer",
            InputKind::Timer => "timer",
            InputKind::Code => "code",
        }
    }
}

impl ToJson for InputKind {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// One observable change. Drain them with [`Flow::drain_events`](super::Flow::drain_events).
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Debug, PartialEq)]
pub enum FlowEvent {
    /// The flow moved to `state`, working on `purpose`.
    StateChanged {
        state: FlowState,
        purpose: Purpose,
    },
    /// The path is known (or changed: `new` becomes `linked` after the phone conflict).
    PathChosen {
        path: FlowPath,
    },
    /// A request went out. `attempt` is 1-based for this call; `token` is the ledger entry its
    /// `Authorization` carries (`None`: no `Authorization` header).
    RequestSent {
        endpoint: Endpoint,
        purpose: Purpose,
        attempt: u32,
        token: Option<TokenRef>,
    },
    ResponseReceived {
        endpoint: Endpoint,
        status: u16,
        code: Option<ErrorCode>,
    },
    /// No response (the driver reported a timeout or network error).
    TransportFailed {
        endpoint: Endpoint,
        timeout: bool,
    },
    /// The wallet's signature recovered to the expected address (checked before sending it).
    SignatureChecked {
        address: Address,
    },
    /// The signature is a smart-contract wallet's (`wallet_kind` is always `contract`): the
    /// local check steps aside and Ratio checks it (EIP-1271 / ERC-6492).
    SignatureLeftToServer {
        address: Address,
        wallet_kind: WalletKind,
        evidence: ContractEvidence,
    },
    /// `eth_getCode` failed or is not supported: the account is taken to have no code, so the
    /// local signature check stands. `wallet_code` is the EIP-1193 code, if any.
    CodeCheckFailed {
        address: Address,
        timeout: bool,
        wallet_code: Option<i64>,
    },
    OtpSent {
        channel: Channel,
        destination_mask: String,
    },
    /// Ratio refused a code; `attempt` is the refused one, `attempts_left` how many remain.
    OtpRejected {
        channel: Channel,
        attempt: u32,
        attempts_left: u32,
    },
    /// An answer was not accepted (not sent, or refused by Ratio as malformed); asked again.
    AnswerRejected {
        prompt: PromptKind,
        problem: InputProblem,
    },
    /// Waiting before the next try of `endpoint`. `attempt` is the number of failed tries so far;
    /// `until_ms` is never earlier than `retry_after_ms` (Ratio's `Retry-After`, absolute).
    BackingOff {
        endpoint: Endpoint,
        reason: RetryReason,
        attempt: u32,
        until_ms: u64,
        retry_after_ms: Option<u64>,
    },
    /// The user asked for a new code; it is sent at `at_ms`.
    ResendScheduled {
        channel: Channel,
        at_ms: u64,
    },
    TokenIssued {
        token: TokenRef,
        factors: Vec<FactorKind>,
    },
    /// A `ratio-authentication-refresh` header replaced `old`.
    TokenRefreshed {
        old: TokenRef,
        new: TokenRef,
    },
    /// `ratio-authentication-refresh` on a response to a request that carried no token (or a
    /// token no longer current): nothing to replace.
    RefreshIgnored {
        endpoint: Endpoint,
    },
    /// The token is dead and will never be sent again.
    TokenRevoked {
        token: TokenRef,
        reason: RevokeReason,
    },
    /// The flow was restored from a snapshot (after a page reload) and waits in `state` again.
    Resumed {
        state: FlowState,
        purpose: Purpose,
    },
    /// The answer to `cryptoWallet:authenticate` was lost (5xx, timeout, dropped connection):
    /// the server may have used the challenge, so after the back-off the wallet step starts over
    /// with a new challenge, and the user is asked to sign again.
    SigningAgain {
        purpose: Purpose,
        reason: RetryReason,
    },
    /// A code check was retried after a lost answer and came back "wrong code": the first try
    /// most likely used the code, so a new one is sent (counted as a resend; no attempt lost).
    CodeResentAfterLostAnswer {
        channel: Channel,
    },
    /// Ratio refused the token of `purpose` (expired or invalid): that factor step runs again.
    StepRestarted {
        purpose: Purpose,
        code: ErrorCode,
    },
    /// `addToUser` succeeded (`verified: false`) or the linked wallet re-authenticated (`true`).
    WalletLinked {
        address: Address,
        verified: bool,
    },
    /// An input that the current state does not expect; nothing changed.
    InputIgnored {
        input: InputKind,
        state: FlowState,
    },
    Finished {
        path: FlowPath,
        wallet_verified: bool,
        wallet_kind: WalletKind,
    },
    Failed {
        error: FlowError,
    },
}

impl FlowEvent {
    /// The `type` tag: `"stateChanged"`, `"requestSent"`, ….
    pub fn type_name(&self) -> &'static str {
        match self {
            FlowEvent::StateChanged { .. } => "stateChanged",
            FlowEvent::PathChosen { .. } => "pathChosen",
            FlowEvent::RequestSent { .. } => "requestSent",
            FlowEvent::ResponseReceived { .. } => "responseReceived",
            FlowEvent::TransportFailed { .. } => "transportFailed",
            FlowEvent::SignatureChecked { .. } => "signatureChecked",
            FlowEvent::SignatureLeftToServer { .. } => "signatureLeftToServer",
            FlowEvent::CodeCheckFailed { .. } => "codeCheckFailed",
            FlowEvent::OtpSent { .. } => "otpSent",
            FlowEvent::OtpRejected { .. } => "otpRejected",
            FlowEvent::AnswerRejected { .. } => "answerRejected",
            FlowEvent::BackingOff { .. } => "backingOff",
            FlowEvent::ResendScheduled { .. } => "resendScheduled",
            FlowEvent::TokenIssued { .. } => "tokenIssued",
            FlowEvent::TokenRefreshed { .. } => "tokenRefreshed",
            FlowEvent::RefreshIgnored { .. } => "refreshIgnored",
            FlowEvent::TokenRevoked { .. } => "tokenRevoked",
            FlowEvent::Resumed { .. } => "resumed",
            FlowEvent::SigningAgain { .. } => "signingAgain",
            FlowEvent::CodeResentAfterLostAnswer { .. } => "codeResentAfterLostAnswer",
            FlowEvent::StepRestarted { .. } => "stepRestarted",
            FlowEvent::WalletLinked { .. } => "walletLinked",
            FlowEvent::InputIgnored { .. } => "inputIgnored",
            FlowEvent::Finished { .. } => "finished",
            FlowEvent::Failed { .. } => "failed",
        }
    }
}

fn name(text: &'static str) -> Value {
    Value::from(text)
}

fn address(address: &Address) -> Value {
    Value::from(address.to_checksum())
}

fn opt_token(token: &Option<TokenRef>) -> Value {
    token.as_ref().map_or(Value::Null, ToJson::to_json)
}

fn factors(kinds: &[FactorKind]) -> Value {
    Value::Array(kinds.iter().map(|kind| name(kind.as_str())).collect())
}

impl ToJson for FlowEvent {
    /// `{"type": "stateChanged", "state": "smsSend", …}`: the JS `onEvent` form.
    fn to_json(&self) -> Value {
        let tag = ("type", name(self.type_name()));
        match self {
            FlowEvent::StateChanged { state, purpose } | FlowEvent::Resumed { state, purpose } => {
                Value::object([
                    tag,
                    ("state", name(state.as_str())),
                    ("purpose", name(purpose.as_str())),
                ])
            }
            FlowEvent::PathChosen { path } => Value::object([tag, ("path", name(path.as_str()))]),
            FlowEvent::RequestSent {
                endpoint,
                purpose,
                attempt,
                token,
            } => Value::object([
                tag,
                ("endpoint", name(endpoint.as_str())),
                ("purpose", name(purpose.as_str())),
                ("attempt", Value::from(*attempt)),
                ("token", opt_token(token)),
            ]),
            FlowEvent::ResponseReceived {
                endpoint,
                status,
                code,
            } => Value::object([
                tag,
                ("endpoint", name(endpoint.as_str())),
                ("status", Value::from(*status)),
                ("code", Value::from(code.as_ref().map(ErrorCode::as_str))),
            ]),
            FlowEvent::TransportFailed { endpoint, timeout } => Value::object([
                tag,
                ("endpoint", name(endpoint.as_str())),
                ("timeout", Value::from(*timeout)),
            ]),
            FlowEvent::SignatureChecked { address: wallet } => {
                Value::object([tag, ("address", address(wallet))])
            }
            FlowEvent::SignatureLeftToServer {
                address: wallet,
                wallet_kind,
                evidence,
            } => Value::object([
                tag,
                ("address", address(wallet)),
                ("walletKind", name(wallet_kind.as_str())),
                ("evidence", name(evidence.as_str())),
            ]),
            FlowEvent::CodeCheckFailed {
                address: wallet,
                timeout,
                wallet_code,
            } => Value::object([
                tag,
                ("address", address(wallet)),
                ("timeout", Value::from(*timeout)),
                ("walletCode", Value::from(*wallet_code)),
            ]),
            FlowEvent::OtpSent {
                channel,
                destination_mask,
            } => Value::object([
                tag,
                ("channel", name(channel.as_str())),
                ("destinationMask", Value::from(destination_mask)),
            ]),
            FlowEvent::OtpRejected {
                channel,
                attempt,
                attempts_left,
            } => Value::object([
                tag,
                ("channel", name(channel.as_str())),
                ("attempt", Value::from(*attempt)),
                ("attemptsLeft", Value::from(*attempts_left)),
            ]),
            FlowEvent::AnswerRejected { prompt, problem } => Value::object([
                tag,
                ("prompt", name(prompt.as_str())),
                ("problem", name(problem.as_str())),
            ]),
            FlowEvent::BackingOff {
                endpoint,
                reason,
                attempt,
                until_ms,
                retry_after_ms,
            } => Value::object([
                tag,
                ("endpoint", name(endpoint.as_str())),
                ("reason", name(reason.as_str())),
                ("attempt", Value::from(*attempt)),
                ("untilMs", Value::from(*until_ms)),
                ("retryAfterMs", Value::from(*retry_after_ms)),
            ]),
            FlowEvent::ResendScheduled { channel, at_ms } => Value::object([
                tag,
                ("channel", name(channel.as_str())),
                ("atMs", Value::from(*at_ms)),
            ]),
            FlowEvent::TokenIssued {
                token,
                factors: kinds,
            } => Value::object([tag, ("token", token.to_json()), ("factors", factors(kinds))]),
            FlowEvent::TokenRefreshed { old, new } => {
                Value::object([tag, ("old", old.to_json()), ("new", new.to_json())])
            }
            FlowEvent::RefreshIgnored { endpoint } => {
                Value::object([tag, ("endpoint", name(endpoint.as_str()))])
            }
            FlowEvent::TokenRevoked { token, reason } => Value::object([
                tag,
                ("token", token.to_json()),
                ("reason", name(reason.as_str())),
            ]),
            FlowEvent::SigningAgain { purpose, reason } => Value::object([
                tag,
                ("purpose", name(purpose.as_str())),
                ("reason", name(reason.as_str())),
            ]),
            FlowEvent::CodeResentAfterLostAnswer { channel } => {
                Value::object([tag, ("channel", name(channel.as_str()))])
            }
            FlowEvent::StepRestarted { purpose, code } => Value::object([
                tag,
                ("purpose", name(purpose.as_str())),
                ("code", Value::from(code.as_str())),
            ]),
            FlowEvent::WalletLinked {
                address: wallet,
                verified,
            } => Value::object([
                tag,
                ("address", address(wallet)),
                ("verified", Value::from(*verified)),
            ]),
            FlowEvent::InputIgnored { input, state } => Value::object([
                tag,
                ("input", name(input.as_str())),
                ("state", name(state.as_str())),
            ]),
            FlowEvent::Finished {
                path,
                wallet_verified,
                wallet_kind,
            } => Value::object([
                tag,
                ("path", name(path.as_str())),
                ("walletVerified", Value::from(*wallet_verified)),
                ("walletKind", name(wallet_kind.as_str())),
            ]),
            FlowEvent::Failed { error } => Value::object([tag, ("error", error.to_json())]),
        }
    }
}
