//! A flow as data: [`Flow::snapshot`] and [`Flow::restore`], so that a sign-in survives a page
//! reload (the user left for the SMS and the browser discarded the tab).
//!
//! What a snapshot holds, and what it never holds:
//! - a flow only while it waits for the user (a phone number, an email, a code, the link
//!   confirmation) or for a back-off before a start, a send or `addToUser`. A request in flight,
//!   a signature being made, or a wait before a retry that would carry a signature or a code is
//!   not savable ([`SnapshotError::NotSavable`]): restoring it would need the signature or the
//!   code, and neither is ever written out;
//! - never the client secret or any credential: [`Flow::restore`] takes the [`FlowConfig`] from
//!   the driver again;
//! - the flow's session JWTs (the ledger), the phone number and the email address the user
//!   typed: a driver keeps a snapshot only where it may keep the session itself.
//!
//! The format is versioned ([`SNAPSHOT_VERSION`]); anything else, an expired snapshot (older
//! than [`SNAPSHOT_TTL_MS`], the idle limit of a Ratio session) or one whose parts do not fit
//! together is refused with a typed [`SnapshotError`]. Storage is not trusted: every field is
//! checked again on the way in.

use crate::prelude::*;
use core::fmt;

use crate::api::UserMask;
use crate::backoff::Backoff;
use crate::eip191::Address;

use super::action::{InputProblem, PromptKind, WalletKind};
use super::event::FlowEvent;
use super::input::{mask_email, mask_phone};
use super::ledger::{Ledger, Purpose, SavedLedger};

mod wire;
use super::rng::SplitMix64;
use super::state::{Call, Channel, FlowPath, FlowState, OtpPhase, Phase, SentOtp, Step};
use super::{Flow, FlowConfig, MAX_SAFE_INTEGER};

/// The snapshot format this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// How long a snapshot stays usable: 10 minutes, the time after which an idle Ratio session
/// ends (`ratio-api.md`), so its JWTs are of no use beyond it.
pub const SNAPSHOT_TTL_MS: u64 = 10 * 60 * 1000;

/// Longest snapshot text read back (a real one is 2–6 KiB).
pub const MAX_SNAPSHOT_BYTES: usize = 64 * 1024;

/// Why a flow cannot be saved or restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    /// The flow is not waiting for the user or a back-off (it is mid-request, mid-signature,
    /// finished, or waiting to retry a call that carries a signature or a code).
    NotSavable(FlowState),
    /// Written by another version of the format.
    UnknownVersion(u32),
    /// Older than [`SNAPSHOT_TTL_MS`].
    Expired { expired_at_ms: u64 },
    /// Not a snapshot, or one whose parts contradict each other.
    Unreadable(&'static str),
}

impl Piece for SnapshotError {
    fn push_to(&self, out: &mut String) {
        match self {
            SnapshotError::NotSavable(state) => {
                out.push_str(&text!("a flow in state ", state, " cannot be saved"))
            }
            SnapshotError::UnknownVersion(version) => out.push_str(&text!(
                "the saved sign-in has format version ",
                version,
                ", this SDK reads ",
                SNAPSHOT_VERSION
            )),
            SnapshotError::Expired { .. } => out.push_str("the saved sign-in has expired"),
            SnapshotError::Unreadable(why) => {
                out.push_str(&text!("the saved sign-in is unreadable: ", why))
            }
        }
    }
}

crate::text::display_by_piece!(SnapshotError);

impl core::error::Error for SnapshotError {}

/// What a saved flow waits for, as a UI names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PendingStep {
    PhoneNumber,
    Email,
    Otp,
    ConfirmLink,
    Backoff,
}

impl PendingStep {
    pub fn as_str(self) -> &'static str {
        match self {
            PendingStep::PhoneNumber => "phoneNumber",
            PendingStep::Email => "email",
            PendingStep::Otp => "otp",
            PendingStep::ConfirmLink => "confirmLink",
            PendingStep::Backoff => "backoff",
        }
    }
}

impl crate::json::ToJson for PendingStep {
    fn to_json(&self) -> crate::json::Value {
        crate::json::Value::from(self.as_str())
    }
}

/// What a UI may show about a saved flow before resuming it: no JWT, destinations masked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSummary {
    /// `None` when the path is not known yet (the wallet has not been answered).
    pub path: Option<FlowPath>,
    pub step: PendingStep,
    pub wallet_address: Address,
    pub phone_mask: Option<String>,
    pub email_mask: Option<String>,
    /// Unix ms after which the snapshot is refused.
    pub expires_at_ms: u64,
}

/// A saved flow. [`to_json`](Self::to_json) / [`from_json`](Self::from_json) are its only
/// forms; `Debug` shows its shape, never its tokens or contact details.
///
/// The JSON is written and read by hand through [`crate::json::Value`] (a flat object of plain
/// fields, enums as their camelCase names) rather than with serde derives: the derived
/// deserializers of these tagged enums cost the wasm bundle ~40 KB gzip, reading a `Value` a
/// few.
#[derive(Clone)]
pub struct FlowSnapshot {
    version: u32,
    saved_at_ms: u64,
    expires_at_ms: u64,
    wallet: String,
    rng: u64,
    now_ms: u64,
    path: Option<FlowPath>,
    phase: SavedPhase,
    step: SavedStep,
    phone: Option<String>,
    email: Option<String>,
    user_mask: Option<UserMask>,
    invalid_answers: u32,
    restarted: Vec<Purpose>,
    wallet_verified: bool,
    retry_after_loss: bool,
    wallet_restarts: u32,
    wallet_kind: WalletKind,
    backoff: SavedBackoff,
    ledger: SavedLedger,
}

#[derive(Clone)]
enum SavedPhase {
    Wallet {
        purpose: Purpose,
    },
    Otp {
        purpose: Purpose,
        channel: Channel,
        sent: Option<SavedSent>,
        attempt: u32,
        sends: u32,
        resend_available_at: Option<u64>,
    },
    ConfirmLink,
    AddToUser,
}

#[derive(Clone)]
struct SavedSent {
    id: String,
    mask: String,
}

#[derive(Clone)]
enum SavedStep {
    /// The prompt is rebuilt from the phase, as the engine built it.
    Ask {
        prompt: PromptKind,
        problem: Option<InputProblem>,
    },
    Wait {
        until_ms: u64,
        call: SavedCall,
    },
}

/// The calls a wait may be saved before: none carries a signature or a code.
#[derive(Clone, Copy)]
enum SavedCall {
    WalletStart,
    OtpSend { channel: Channel },
    AddToUser,
}

#[derive(Clone, Copy)]
struct SavedBackoff {
    attempts: u32,
    first_failure_at: Option<u64>,
    retry_at: Option<u64>,
    exhausted: bool,
}

impl fmt::Debug for FlowSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowSnapshot")
            .field("version", &self.version)
            .field("saved_at_ms", &self.saved_at_ms)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FlowSnapshot {
    /// The snapshot as JSON text, for storage.
    pub fn to_json(&self) -> String {
        wire::encode(self).to_json_string()
    }

    /// Reads a snapshot written by [`to_json`](Self::to_json). The version is checked first,
    /// so a snapshot of another format is [`SnapshotError::UnknownVersion`], not unreadable.
    pub fn from_json(text: &str) -> Result<FlowSnapshot, SnapshotError> {
        if text.len() > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::Unreadable("too long"));
        }
        let value = crate::json::parse(text)
            .map_err(|_| SnapshotError::Unreadable("not a saved sign-in"))?;
        wire::decode(&value)
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }

    /// What a UI may show before resuming; refused like [`Flow::restore`] would refuse it.
    pub fn summary(&self, now_ms: u64) -> Result<PendingSummary, SnapshotError> {
        self.check_fresh(now_ms)?;
        let wallet_address =
            Address::parse(&self.wallet).map_err(|_| SnapshotError::Unreadable("the wallet"))?;
        let step = match &self.step {
            SavedStep::Ask { prompt, .. } => match prompt {
                PromptKind::PhoneNumber => PendingStep::PhoneNumber,
                PromptKind::Email => PendingStep::Email,
                PromptKind::Otp => PendingStep::Otp,
                PromptKind::ConfirmLink => PendingStep::ConfirmLink,
            },
            SavedStep::Wait { .. } => PendingStep::Backoff,
        };
        Ok(PendingSummary {
            path: self.path,
            step,
            wallet_address,
            phone_mask: self.phone.as_deref().map(mask_phone),
            email_mask: self.email.as_deref().map(mask_email),
            expires_at_ms: self.expires_at_ms,
        })
    }

    fn check_fresh(&self, now_ms: u64) -> Result<(), SnapshotError> {
        if self.version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnknownVersion(self.version));
        }
        if self.expires_at_ms > self.saved_at_ms.saturating_add(SNAPSHOT_TTL_MS)
            || self.expires_at_ms > MAX_SAFE_INTEGER
        {
            return Err(SnapshotError::Unreadable(
                "its lifetime is longer than allowed",
            ));
        }
        if now_ms >= self.expires_at_ms {
            return Err(SnapshotError::Expired {
                expired_at_ms: self.expires_at_ms,
            });
        }
        Ok(())
    }
}

impl Flow {
    /// The flow as data, if it is waiting for the user or for a back-off (see the
    /// [module docs](self)). `now_ms` starts the snapshot's lifetime. The flow itself is not
    /// changed.
    pub fn snapshot(&self, now_ms: u64) -> Result<FlowSnapshot, SnapshotError> {
        let not_savable = || SnapshotError::NotSavable(self.state());
        let step = match &self.step {
            Step::Ask(prompt) => SavedStep::Ask {
                prompt: prompt.kind(),
                problem: prompt_problem(prompt),
            },
            Step::Wait { until_ms, call } => SavedStep::Wait {
                until_ms: *until_ms,
                call: match call {
                    Call::WalletStart => SavedCall::WalletStart,
                    Call::OtpSend { channel } => SavedCall::OtpSend { channel: *channel },
                    Call::AddToUser => SavedCall::AddToUser,
                    Call::WalletAuthenticate { .. } | Call::OtpAuthenticate { .. } => {
                        return Err(not_savable());
                    }
                },
            },
            Step::Send { .. }
            | Step::Sign { .. }
            | Step::CheckCode { .. }
            | Step::Done(_)
            | Step::Failed(_) => {
                return Err(not_savable());
            }
        };
        let phase = match &self.phase {
            Phase::Wallet { purpose } => SavedPhase::Wallet { purpose: *purpose },
            Phase::Otp(otp) => SavedPhase::Otp {
                purpose: otp.purpose,
                channel: otp.channel,
                sent: otp.sent.as_ref().map(|sent| SavedSent {
                    id: sent.id.clone(),
                    mask: sent.mask.clone(),
                }),
                attempt: otp.attempt,
                sends: otp.sends,
                resend_available_at: otp.resend_available_at,
            },
            Phase::ConfirmLink => SavedPhase::ConfirmLink,
            Phase::AddToUser => SavedPhase::AddToUser,
        };
        let saved_at_ms = now_ms.max(self.now_ms).min(MAX_SAFE_INTEGER);
        Ok(FlowSnapshot {
            version: SNAPSHOT_VERSION,
            saved_at_ms,
            expires_at_ms: saved_at_ms
                .saturating_add(SNAPSHOT_TTL_MS)
                .min(MAX_SAFE_INTEGER),
            wallet: self.wallet.to_checksum(),
            rng: self.rng.state(),
            now_ms: self.now_ms,
            path: self.path,
            phase,
            step,
            phone: self.phone.clone(),
            email: self.email.clone(),
            user_mask: self.user_mask.clone(),
            invalid_answers: self.invalid_answers,
            restarted: self.restarted.clone(),
            wallet_verified: self.wallet_verified,
            retry_after_loss: self.retry_after_loss,
            wallet_restarts: self.wallet_restarts,
            wallet_kind: self.wallet_kind,
            backoff: SavedBackoff {
                attempts: self.backoff.attempts(),
                first_failure_at: self.backoff.first_failure_at(),
                retry_at: self.backoff.retry_at(),
                exhausted: self.backoff.is_exhausted(),
            },
            ledger: self.ledger.save(),
        })
    }

    /// The flow `snapshot` saved, waiting for the same thing it waited for, under `config`
    /// (the driver's: credentials are never in a snapshot). Refuses an unknown version, an
    /// expired snapshot and one whose parts do not fit together. The first event is
    /// [`FlowEvent::Resumed`].
    pub fn restore(
        config: FlowConfig,
        snapshot: &FlowSnapshot,
        now_ms: u64,
    ) -> Result<Flow, SnapshotError> {
        snapshot.check_fresh(now_ms)?;
        if config.problem().is_some() {
            return Err(SnapshotError::Unreadable("the settings cannot run a flow"));
        }
        let wallet = Address::parse(&snapshot.wallet)
            .map_err(|_| SnapshotError::Unreadable("the wallet is not an address"))?;
        let ledger =
            Ledger::load(wallet, snapshot.ledger.clone()).map_err(SnapshotError::Unreadable)?;
        let phase = load_phase(&snapshot.phase)?;
        let bad_phone = snapshot
            .phone
            .as_deref()
            .is_some_and(|phone| super::input::normalize_phone(phone).is_err());
        let bad_email = snapshot
            .email
            .as_deref()
            .is_some_and(|email| super::input::normalize_email(email).is_err());
        if bad_phone || bad_email {
            return Err(SnapshotError::Unreadable("a saved phone number or email"));
        }
        let saved = &snapshot.backoff;
        let backoff = Backoff::resume(
            config.retry,
            saved.attempts,
            saved.first_failure_at,
            saved.retry_at,
            saved.exhausted,
        );
        let mut flow = Flow {
            wallet,
            rng: SplitMix64::new(snapshot.rng),
            now_ms: snapshot.now_ms.max(now_ms),
            ledger,
            backoff,
            path: snapshot.path,
            phase,
            step: Step::unstarted(),
            events: Vec::new(),
            phone: snapshot.phone.clone(),
            email: snapshot.email.clone(),
            user_mask: snapshot.user_mask.clone(),
            invalid_answers: snapshot.invalid_answers,
            restarted: snapshot.restarted.clone(),
            wallet_verified: snapshot.wallet_verified,
            retry_after_loss: snapshot.retry_after_loss,
            wallet_restarts: snapshot.wallet_restarts,
            wallet_kind: snapshot.wallet_kind,
            config,
        };
        let step = flow.load_step(&snapshot.step)?;
        flow.step = step;
        flow.events.push(FlowEvent::Resumed {
            state: flow.state(),
            purpose: flow.phase.purpose(),
        });
        Ok(flow)
    }

    /// The step a snapshot names, rebuilt the way the engine builds it; refused when it does
    /// not fit the phase.
    fn load_step(&mut self, saved: &SavedStep) -> Result<Step, SnapshotError> {
        let misfit = SnapshotError::Unreadable("the step does not fit the phase");
        match (saved, &self.phase) {
            (
                SavedStep::Ask {
                    prompt: PromptKind::Otp,
                    problem,
                },
                Phase::Otp(otp),
            ) if otp.sent.is_some() => {
                self.ask_otp(*problem);
            }
            (
                SavedStep::Ask {
                    prompt: PromptKind::PhoneNumber,
                    problem,
                },
                Phase::Otp(otp),
            ) if otp.channel == Channel::Sms => {
                self.ask_destination(Channel::Sms, *problem);
            }
            (
                SavedStep::Ask {
                    prompt: PromptKind::Email,
                    problem,
                },
                Phase::Otp(otp),
            ) if otp.channel == Channel::Email => {
                self.ask_destination(Channel::Email, *problem);
            }
            (
                SavedStep::Ask {
                    prompt: PromptKind::ConfirmLink,
                    problem: None,
                },
                Phase::ConfirmLink,
            ) => {
                self.confirm_link();
            }
            (
                SavedStep::Wait {
                    until_ms,
                    call: SavedCall::WalletStart,
                },
                Phase::Wallet { .. },
            ) => {
                return Ok(Step::Wait {
                    until_ms: *until_ms,
                    call: Call::WalletStart,
                });
            }
            (
                SavedStep::Wait {
                    until_ms,
                    call: SavedCall::OtpSend { channel },
                },
                Phase::Otp(otp),
            ) if otp.channel == *channel && self.destination(*channel).is_some() => {
                return Ok(Step::Wait {
                    until_ms: *until_ms,
                    call: Call::OtpSend { channel: *channel },
                });
            }
            (
                SavedStep::Wait {
                    until_ms,
                    call: SavedCall::AddToUser,
                },
                Phase::AddToUser,
            ) => {
                return Ok(Step::Wait {
                    until_ms: *until_ms,
                    call: Call::AddToUser,
                });
            }
            _ => return Err(misfit),
        }
        // The builders above set the step (and queued a StateChanged event, dropped here: the
        // Resumed event says the same).
        self.events.clear();
        match core::mem::replace(&mut self.step, Step::unstarted()) {
            step @ Step::Ask(_) => Ok(step),
            _ => Err(misfit),
        }
    }
}

fn load_phase(saved: &SavedPhase) -> Result<Phase, SnapshotError> {
    // Which purposes each phase kind can have, as the engine enters them.
    Ok(match saved {
        SavedPhase::Wallet { purpose } => {
            if !matches!(
                purpose,
                Purpose::WalletSignIn | Purpose::WalletAfterFactor | Purpose::VerifyWallet
            ) {
                return Err(SnapshotError::Unreadable(
                    "a wallet step with another purpose",
                ));
            }
            Phase::Wallet { purpose: *purpose }
        }
        SavedPhase::Otp {
            purpose,
            channel,
            sent,
            attempt,
            sends,
            resend_available_at,
        } => {
            let fits = match channel {
                Channel::Sms => matches!(
                    purpose,
                    Purpose::SecondFactor | Purpose::LinkFirstFactor | Purpose::FirstFactor
                ),
                Channel::Email => matches!(
                    purpose,
                    Purpose::SecondFactor | Purpose::LinkSecondFactor | Purpose::FirstFactor
                ),
            };
            if !fits || *attempt == 0 {
                return Err(SnapshotError::Unreadable(
                    "a code step with another purpose",
                ));
            }
            let mut otp = OtpPhase::new(*purpose, *channel);
            otp.sent = sent.as_ref().map(|sent| SentOtp {
                id: sent.id.clone(),
                mask: sent.mask.clone(),
            });
            otp.attempt = *attempt;
            otp.sends = *sends;
            otp.resend_available_at = *resend_available_at;
            Phase::Otp(otp)
        }
        SavedPhase::ConfirmLink => Phase::ConfirmLink,
        SavedPhase::AddToUser => Phase::AddToUser,
    })
}

fn prompt_problem(prompt: &super::Prompt) -> Option<InputProblem> {
    match prompt {
        super::Prompt::PhoneNumber { problem, .. }
        | super::Prompt::Email { problem, .. }
        | super::Prompt::Otp { problem, .. } => *problem,
        super::Prompt::ConfirmLink { .. } => None,
    }
}
