//! Everything a UI (or a test) can observe about a running flow. Events hold no secret: tokens
//! appear only as [`TokenRef`]s, destinations only masked.
//!
//! Serialised (for JS) as `{"type": "stateChanged", "state": "smsSend", …}`, camelCase.

use serde::Serialize;

use crate::api::{Endpoint, ErrorCode};
use crate::eip191::Address;
use crate::jwt::FactorKind;

use super::action::{ContractEvidence, InputProblem, PromptKind, WalletKind};
use super::error::FlowError;
use super::ledger::{Purpose, RevokeReason, TokenRef};
use super::state::{Channel, FlowPath, FlowState};

/// Why the engine is waiting before trying a request again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RetryReason {
    /// 429.
    RateLimited,
    /// 5xx.
    ServerError,
    Timeout,
    Network,
}

/// Which input the driver fed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum InputKind {
    Http,
    Signature,
    Answer,
    Timer,
    Code,
}

/// One observable change. Drain them with [`Flow::drain_events`](super::Flow::drain_events).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
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
