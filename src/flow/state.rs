//! Where a flow is: the public [`FlowState`] names and the engine's internal phase/step data.

use crate::prelude::*;

use crate::api::{Endpoint, HttpRequest};
use crate::json::{ToJson, Value};
use crate::jwt::FactorKind;
use crate::secret::Secret;

use super::action::{Outcome, Prompt};
use super::error::FlowError;
use super::ledger::{Purpose, TokenRef};

/// The observable state of a flow: what it is doing or waiting for right now.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowState {
    /// `cryptoWallet:start` in flight.
    WalletStart,
    /// Waiting for the wallet's `personal_sign` (or, for a signature that is not an EOA's, for
    /// its `eth_getCode`).
    WalletSign,
    /// `cryptoWallet:authenticate` in flight.
    WalletAuthenticate,
    /// Waiting for the phone number.
    PhonePrompt,
    /// `otp/sms:send` in flight.
    SmsSend,
    /// Waiting for the SMS code.
    SmsOtpPrompt,
    /// `otp/sms:authenticate` in flight.
    SmsAuthenticate,
    /// Waiting for the email address.
    EmailPrompt,
    /// `otp/email:send` in flight.
    EmailSend,
    /// Waiting for the email code.
    EmailOtpPrompt,
    /// `otp/email:authenticate` in flight.
    EmailAuthenticate,
    /// Waiting for the user to confirm that the phone's account is theirs.
    ConfirmLink,
    /// `cryptoWallet:addToUser` in flight.
    AddToUser,
    /// Waiting before a retry (back-off) or a resend (cool-down).
    BackingOff,
    Done,
    Failed,
}

impl FlowState {
    /// camelCase name, the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::WalletStart => "walletStart",
            FlowState::WalletSign => "walletSign",
            FlowState::WalletAuthenticate => "walletAuthenticate",
            FlowState::PhonePrompt => "phonePrompt",
            FlowState::SmsSend => "smsSend",
            FlowState::SmsOtpPrompt => "smsOtpPrompt",
            FlowState::SmsAuthenticate => "smsAuthenticate",
            FlowState::EmailPrompt => "emailPrompt",
            FlowState::EmailSend => "emailSend",
            FlowState::EmailOtpPrompt => "emailOtpPrompt",
            FlowState::EmailAuthenticate => "emailAuthenticate",
            FlowState::ConfirmLink => "confirmLink",
            FlowState::AddToUser => "addToUser",
            FlowState::BackingOff => "backingOff",
            FlowState::Done => "done",
            FlowState::Failed => "failed",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, FlowState::Done | FlowState::Failed)
    }
}

impl ToJson for FlowState {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl Piece for FlowState {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(FlowState);

/// Which of the four flows of `ratio-api.md` the sign-in took.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowPath {
    /// 1. The wallet's user is known (`userMask`): wallet, then SMS (or email) with its JWT.
    Returning,
    /// 2. The wallet is new and so is the phone: wallet, then SMS with its JWT.
    New,
    /// 3. New wallet, existing user: the phone belonged to another user (409), so SMS first,
    ///    email second, then `addToUser`.
    Linked,
    /// 4. SMS or email first, then the wallet with that JWT (Ratio links it).
    FactorFirst,
}

impl FlowPath {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowPath::Returning => "returning",
            FlowPath::New => "new",
            FlowPath::Linked => "linked",
            FlowPath::FactorFirst => "factorFirst",
        }
    }
}

impl ToJson for FlowPath {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl Piece for FlowPath {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(FlowPath);

/// An OTP delivery channel.
// drop the derive once src/web calls `ToJson::to_json` instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn factor(self) -> FactorKind {
        match self {
            Channel::Sms => FactorKind::Sms,
            Channel::Email => FactorKind::Email,
        }
    }

    pub(crate) fn send_endpoint(self) -> Endpoint {
        match self {
            Channel::Sms => Endpoint::SmsSend,
            Channel::Email => Endpoint::EmailSend,
        }
    }

    pub(crate) fn authenticate_endpoint(self) -> Endpoint {
        match self {
            Channel::Sms => Endpoint::SmsAuthenticate,
            Channel::Email => Endpoint::EmailAuthenticate,
        }
    }
}

impl ToJson for Channel {
    fn to_json(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl Piece for Channel {
    fn push_to(&self, out: &mut String) {
        out.push_str(self.as_str())
    }
}

crate::text::display_by_piece!(Channel);

// ---------------------------------------------------------------------------------------------
// Internal: a flow is a sequence of phases (one per factor step); within a phase, the step says
// what the flow waits for.
// ---------------------------------------------------------------------------------------------

/// One factor step of a flow. Its [`Purpose`] decides, through the ledger, which JWT it carries.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    /// start → sign → authenticate.
    Wallet { purpose: Purpose },
    /// (ask destination) → send → ask code → authenticate.
    Otp(OtpPhase),
    /// Ask whether the phone's existing account is the user's.
    ConfirmLink,
    /// `cryptoWallet:addToUser`.
    AddToUser,
}

impl Phase {
    pub(crate) fn purpose(&self) -> Purpose {
        match self {
            Phase::Wallet { purpose } => *purpose,
            Phase::Otp(otp) => otp.purpose,
            // Confirming belongs to the link path's first factor.
            Phase::ConfirmLink => Purpose::LinkFirstFactor,
            Phase::AddToUser => Purpose::AddToUser,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct OtpPhase {
    pub purpose: Purpose,
    pub channel: Channel,
    /// The last successful send: the id to authenticate against and the masked destination.
    pub sent: Option<SentOtp>,
    /// 1-based number of the next code entry; counts across resends.
    pub attempt: u32,
    /// Sends made in this phase (the first one included).
    pub sends: u32,
    pub resend_available_at: Option<u64>,
}

impl OtpPhase {
    pub(crate) fn new(purpose: Purpose, channel: Channel) -> Self {
        OtpPhase {
            purpose,
            channel,
            sent: None,
            attempt: 1,
            sends: 0,
            resend_available_at: None,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SentOtp {
    pub id: String,
    pub mask: String,
}

/// An HTTP call the flow can (re)issue; the request is rebuilt from it at each try so that a
/// refreshed JWT is picked up.
#[derive(Clone, Debug)]
pub(crate) enum Call {
    WalletStart,
    WalletAuthenticate { signature: String },
    OtpSend { channel: Channel },
    OtpAuthenticate { channel: Channel, otp: Secret },
    AddToUser,
}

impl Call {
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            Call::WalletStart => Endpoint::WalletStart,
            Call::WalletAuthenticate { .. } => Endpoint::WalletAuthenticate,
            Call::OtpSend { channel } => channel.send_endpoint(),
            Call::OtpAuthenticate { channel, .. } => channel.authenticate_endpoint(),
            Call::AddToUser => Endpoint::WalletAddToUser,
        }
    }

    pub(crate) fn state(&self) -> FlowState {
        match self {
            Call::WalletStart => FlowState::WalletStart,
            Call::WalletAuthenticate { .. } => FlowState::WalletAuthenticate,
            Call::OtpSend {
                channel: Channel::Sms,
            } => FlowState::SmsSend,
            Call::OtpSend {
                channel: Channel::Email,
            } => FlowState::EmailSend,
            Call::OtpAuthenticate {
                channel: Channel::Sms,
                ..
            } => FlowState::SmsAuthenticate,
            Call::OtpAuthenticate {
                channel: Channel::Email,
                ..
            } => FlowState::EmailAuthenticate,
            Call::AddToUser => FlowState::AddToUser,
        }
    }
}

/// What the flow waits for; [`super::Flow::next_action`] is a pure function of it.
#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// A request is out; `token` is the ledger entry its `Authorization` carries.
    Send {
        call: Call,
        request: HttpRequest,
        token: Option<TokenRef>,
    },
    /// Back-off or resend cool-down before `call` is (re)issued.
    Wait {
        until_ms: u64,
        call: Call,
    },
    Sign {
        challenge: String,
    },
    /// The signature is not an EOA signature of the account: is the account a contract?
    /// `local` is the local check's verdict, which stands when it is not.
    CheckCode {
        signature: String,
        local: Box<FlowError>,
    },
    Ask(Prompt),
    Done(Box<Outcome>),
    Failed(Box<FlowError>),
}

impl Step {
    /// A placeholder replaced before anyone can observe it.
    pub(crate) fn unstarted() -> Step {
        Step::Failed(Box::new(FlowError::new(
            super::error::ErrorKind::Config,
            "the flow did not start",
        )))
    }

    pub(crate) fn state(&self) -> FlowState {
        match self {
            Step::Send { call, .. } => call.state(),
            Step::Wait { .. } => FlowState::BackingOff,
            // eth_getCode goes to the same wallet provider, right after the signature.
            Step::Sign { .. } | Step::CheckCode { .. } => FlowState::WalletSign,
            Step::Ask(prompt) => prompt.state(),
            Step::Done(_) => FlowState::Done,
            Step::Failed(_) => FlowState::Failed,
        }
    }
}
