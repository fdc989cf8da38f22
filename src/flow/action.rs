//! What the engine asks its driver to do ([`Action`]), the prompts it shows ([`Prompt`]) and
//! what a successful flow yields ([`Outcome`]).

use crate::api::{HttpRequest, UserMask};
use crate::eip191::Address;
use crate::json::{ToJson, Value};
use crate::jwt::FactorKind;
use crate::prelude::*;
use crate::secret::Secret;

use super::error::FlowError;
use super::ledger::Purpose;
use super::state::{Channel, FlowPath, FlowState};

/// The one thing the driver must do next. See [`super::Flow::next_action`].
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Send this request (prefix the base URL to `path`), then call
    /// [`on_http`](super::Flow::on_http).
    Http(HttpRequest),
    /// Ask the wallet to `personal_sign` `message` (its UTF-8 bytes, usually passed as `0x`-hex)
    /// with `address`, then call [`on_signature`](super::Flow::on_signature).
    Sign { address: Address, message: String },
    /// Ask the wallet's provider whether `address` holds contract code (`eth_getCode(address,
    /// "latest")`), then call [`on_code`](super::Flow::on_code). Asked only when the signature
    /// is not an EOA signature of `address`: a smart-contract wallet (EIP-1271) signs that way.
    GetCode { address: Address },
    /// Ask the user, then call [`on_answer`](super::Flow::on_answer).
    Ask(Prompt),
    /// Sleep until this unix-ms time, then call [`on_timer`](super::Flow::on_timer).
    Wait { until_ms: u64 },
    /// Finished: signed in.
    Done(Outcome),
    /// Finished: failed.
    Fail(FlowError),
}

/// Why an answer was not accepted; set on the prompt that asks again.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputProblem {
    /// The phone number is not `+` followed by 7 to 15 digits (E.164) once spaces, dashes, dots
    /// and parentheses are removed.
    NotE164Phone,
    /// The email address has no `@`, an empty side, or whitespace.
    NotAnEmail,
    /// The code is not exactly 6 digits.
    NotSixDigits,
    /// Ratio refused the phone number or email address (`INVALID_PHONE` / `INVALID_EMAIL`).
    RejectedByServer,
    /// Ratio said the code is wrong (`INVALID_OTP`).
    WrongCode,
    /// A resend was asked for but no more resends are allowed: enter the last code.
    ResendUnavailable,
}

impl InputProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            InputProblem::NotE164Phone => "notE164Phone",
            InputProblem::NotAnEmail => "notAnEmail",
            InputProblem::NotSixDigits => "notSixDigits",
            InputProblem::RejectedByServer => "rejectedByServer",
            InputProblem::WrongCode => "wrongCode",
            InputProblem::ResendUnavailable => "resendUnavailable",
        }
    }
}

impl ToJson for InputProblem {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// Kinds of prompt, for events and for matching answers.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PromptKind {
    PhoneNumber,
    Email,
    Otp,
    ConfirmLink,
}

impl PromptKind {
    /// camelCase name, the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            PromptKind::PhoneNumber => "phoneNumber",
            PromptKind::Email => "email",
            PromptKind::Otp => "otp",
            PromptKind::ConfirmLink => "confirmLink",
        }
    }
}

impl ToJson for PromptKind {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// A question for the user. Serialises as `{"kind": "otp", "channel": "sms", …}` (camelCase).
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Answer with [`Answer::Text`](super::Answer::Text): an E.164 phone number.
    PhoneNumber {
        purpose: Purpose,
        /// Last 4 digits of the number Ratio knows for this user, as a hint.
        phone_mask: Option<String>,
        /// Set when asking again.
        problem: Option<InputProblem>,
    },
    /// Answer with [`Answer::Text`](super::Answer::Text): an email address.
    Email {
        purpose: Purpose,
        /// The masked address Ratio knows for this user, as a hint.
        email_mask: Option<String>,
        problem: Option<InputProblem>,
    },
    /// Answer with [`Answer::Text`](super::Answer::Text) (the 6-digit code) or
    /// [`Answer::ResendOtp`](super::Answer::ResendOtp).
    Otp {
        channel: Channel,
        /// Where the code went: `"…0100"`-style phone mask or `"rat…@example.com"`.
        destination_mask: String,
        /// 1-based; counts across resends.
        attempt: u32,
        max_attempts: u32,
        /// Unix ms from which a resend is sent at once (earlier, the engine waits until then);
        /// `None` when no more resends are allowed.
        resend_available_at: Option<u64>,
        problem: Option<InputProblem>,
    },
    /// Answer with [`Answer::Confirm`](super::Answer::Confirm): is the account that owns this
    /// phone the user's? `false` ends the flow with a `Conflict` error.
    ConfirmLink {
        /// The wallet to add to that account (EIP-55 when serialised).
        wallet_address: Address,
        phone_mask: Option<String>,
    },
}

impl Prompt {
    pub fn kind(&self) -> PromptKind {
        match self {
            Prompt::PhoneNumber { .. } => PromptKind::PhoneNumber,
            Prompt::Email { .. } => PromptKind::Email,
            Prompt::Otp { .. } => PromptKind::Otp,
            Prompt::ConfirmLink { .. } => PromptKind::ConfirmLink,
        }
    }

    pub fn state(&self) -> FlowState {
        match self {
            Prompt::PhoneNumber { .. } => FlowState::PhonePrompt,
            Prompt::Email { .. } => FlowState::EmailPrompt,
            Prompt::Otp {
                channel: Channel::Sms,
                ..
            } => FlowState::SmsOtpPrompt,
            Prompt::Otp {
                channel: Channel::Email,
                ..
            } => FlowState::EmailOtpPrompt,
            Prompt::ConfirmLink { .. } => FlowState::ConfirmLink,
        }
    }
}

impl ToJson for Prompt {
    /// `{"kind": "otp", "channel": "sms", …}`: the form the JS `onPrompt` context documents.
    fn to_json(&self) -> Value {
        let kind = Value::from(self.kind().as_str());
        match self {
            Prompt::PhoneNumber {
                purpose,
                phone_mask,
                problem,
            } => Value::object([
                ("kind", kind),
                ("purpose", Value::from(purpose.as_str())),
                ("phoneMask", Value::from(phone_mask.as_deref())),
                ("problem", Value::from(problem.map(InputProblem::as_str))),
            ]),
            Prompt::Email {
                purpose,
                email_mask,
                problem,
            } => Value::object([
                ("kind", kind),
                ("purpose", Value::from(purpose.as_str())),
                ("emailMask", Value::from(email_mask.as_deref())),
                ("problem", Value::from(problem.map(InputProblem::as_str))),
            ]),
            Prompt::Otp {
                channel,
                destination_mask,
                attempt,
                max_attempts,
                resend_available_at,
                problem,
            } => Value::object([
                ("kind", kind),
                ("channel", Value::from(channel.as_str())),
                ("destinationMask", Value::from(destination_mask)),
                ("attempt", Value::from(*attempt)),
                ("maxAttempts", Value::from(*max_attempts)),
                ("resendAvailableAt", Value::from(*resend_available_at)),
                ("problem", Value::from(problem.map(InputProblem::as_str))),
            ]),
            Prompt::ConfirmLink {
                wallet_address,
                phone_mask,
            } => Value::object([
                ("kind", kind),
                ("walletAddress", Value::from(wallet_address.to_checksum())),
                ("phoneMask", Value::from(phone_mask.as_deref())),
            ]),
        }
    }
}

/// What kind of account signed: a key (EOA, checked locally) or a smart-contract wallet
/// (EIP-1271 / ERC-6492: only the server can check its signature).
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WalletKind {
    #[default]
    Eoa,
    Contract,
}

impl WalletKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WalletKind::Eoa => "eoa",
            WalletKind::Contract => "contract",
        }
    }
}

impl ToJson for WalletKind {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// Why a signature was left to the server to check.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContractEvidence {
    /// The account has contract code (`eth_getCode`).
    Code,
    /// The signature is an ERC-6492 wrapper (a wallet not deployed yet: no code to ask for).
    Erc6492,
}

impl ContractEvidence {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractEvidence::Code => "code",
            ContractEvidence::Erc6492 => "erc6492",
        }
    }
}

impl ToJson for ContractEvidence {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

/// A signed-in session. No `Serialize` (it holds the JWT): a driver writes it out on purpose.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The latest two-factor session JWT of the flow.
    pub session_jwt: Secret,
    pub path: FlowPath,
    /// The wallet that signed in this flow (`Display` is EIP-55).
    pub wallet_address: Address,
    /// `false` after `addToUser` without re-signing: the wallet stays unverified on Ratio's side
    /// until it next authenticates.
    pub wallet_verified: bool,
    /// How the wallet's last signature in this flow was made.
    pub wallet_kind: WalletKind,
    /// Distinct factor kinds of `session_jwt`, in token order (read, not verified).
    pub factors: Vec<FactorKind>,
    /// The latest `userMask` Ratio sent in this flow; `None` for a brand-new user.
    pub user_mask: Option<UserMask>,
    /// `exp` of `session_jwt`, unix seconds.
    pub expires_at: Option<i64>,
}
