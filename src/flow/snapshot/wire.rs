//! The snapshot's JSON, written and read by hand through [`crate::json::Value`] (see
//! [`super::FlowSnapshot`] for why not derives). Reading is strict: every field must be there
//! with its type, enums must be known names, and no unknown field is accepted.

use crate::json::{Map, Value, u64_text};
use crate::prelude::*;

use crate::api::{MfaMethod, UserMask};
use crate::jwt::FactorKind;
use crate::secret::Secret;

use super::super::action::{InputProblem, PromptKind, WalletKind};
use super::super::ledger::{Purpose, RevokeReason, SavedEntry, SavedLedger, TokenStatus};
use super::super::state::{Channel, FlowPath};
use super::{
    FlowSnapshot, SNAPSHOT_VERSION, SavedBackoff, SavedCall, SavedPhase, SavedSent, SavedStep,
    SnapshotError,
};

const PURPOSES: [Purpose; 8] = [
    Purpose::WalletSignIn,
    Purpose::SecondFactor,
    Purpose::LinkFirstFactor,
    Purpose::LinkSecondFactor,
    Purpose::FirstFactor,
    Purpose::WalletAfterFactor,
    Purpose::AddToUser,
    Purpose::VerifyWallet,
];
const PATHS: [FlowPath; 4] = [
    FlowPath::Returning,
    FlowPath::New,
    FlowPath::Linked,
    FlowPath::FactorFirst,
];
const CHANNELS: [Channel; 2] = [Channel::Sms, Channel::Email];
const WALLET_KINDS: [WalletKind; 2] = [WalletKind::Eoa, WalletKind::Contract];
const PROBLEMS: [InputProblem; 6] = [
    InputProblem::NotE164Phone,
    InputProblem::NotAnEmail,
    InputProblem::NotSixDigits,
    InputProblem::RejectedByServer,
    InputProblem::WrongCode,
    InputProblem::ResendUnavailable,
];
const PROMPTS: [PromptKind; 4] = [
    PromptKind::PhoneNumber,
    PromptKind::Email,
    PromptKind::Otp,
    PromptKind::ConfirmLink,
];
const FACTORS: [FactorKind; 4] = [
    FactorKind::Wallet,
    FactorKind::Sms,
    FactorKind::Email,
    FactorKind::Other,
];

fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, f)
}

fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

fn opt_text(value: &Option<String>) -> Value {
    opt(value.as_deref(), text)
}

fn opt_u64(value: Option<u64>) -> Value {
    opt(value, Value::from)
}

fn names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> Value {
    Value::Array(items.iter().map(|item| text(name(*item))).collect())
}

pub(super) fn encode(s: &FlowSnapshot) -> Value {
    let phase = match &s.phase {
        SavedPhase::Wallet { purpose } => Value::object([
            ("kind", text("wallet")),
            ("purpose", text(purpose.as_str())),
        ]),
        SavedPhase::Otp {
            purpose,
            channel,
            sent,
            attempt,
            sends,
            resend_available_at,
        } => Value::object([
            ("kind", text("otp")),
            ("purpose", text(purpose.as_str())),
            ("channel", text(channel.as_str())),
            (
                "sent",
                opt(sent.as_ref(), |sent| {
                    Value::object([("id", text(&sent.id)), ("mask", text(&sent.mask))])
                }),
            ),
            ("attempt", Value::from(*attempt)),
            ("sends", Value::from(*sends)),
            ("resendAvailableAt", opt_u64(*resend_available_at)),
        ]),
        SavedPhase::ConfirmLink => Value::object([("kind", text("confirmLink"))]),
        SavedPhase::AddToUser => Value::object([("kind", text("addToUser"))]),
    };
    let step = match &s.step {
        SavedStep::Ask { prompt, problem } => Value::object([
            ("kind", text("ask")),
            ("prompt", text(prompt.as_str())),
            ("problem", opt(*problem, |p| text(p.as_str()))),
        ]),
        SavedStep::Wait { until_ms, call } => {
            let call = match call {
                SavedCall::WalletStart => Value::object([("kind", text("walletStart"))]),
                SavedCall::OtpSend { channel } => Value::object([
                    ("kind", text("otpSend")),
                    ("channel", text(channel.as_str())),
                ]),
                SavedCall::AddToUser => Value::object([("kind", text("addToUser"))]),
            };
            Value::object([
                ("kind", text("wait")),
                ("untilMs", Value::from(*until_ms)),
                ("call", call),
            ])
        }
    };
    let user_mask = opt(s.user_mask.as_ref(), |m| {
        Value::object([
            ("id", opt_text(&m.id)),
            ("createTime", opt_text(&m.create_time)),
            ("updateTime", opt_text(&m.update_time)),
            ("phoneMask", opt_text(&m.phone_mask)),
            ("emailMask", opt_text(&m.email_mask)),
            (
                "preferredMfaMethod",
                opt(m.preferred_mfa_method.as_ref(), |m| text(m.as_str())),
            ),
        ])
    });
    let entries: Vec<Value> = s
        .ledger
        .entries
        .iter()
        .map(|e| {
            let status = match e.status {
                TokenStatus::Current => Value::object([("status", text("current"))]),
                TokenStatus::Superseded { by } => {
                    Value::object([("status", text("superseded")), ("by", Value::from(by))])
                }
                TokenStatus::Revoked { reason } => Value::object([
                    ("status", text("revoked")),
                    ("reason", text(reason.as_str())),
                ]),
            };
            Value::object([
                ("id", Value::from(e.id)),
                ("factor", text(e.factor.as_str())),
                ("purpose", text(e.purpose.as_str())),
                ("jwt", text(e.jwt.expose())),
                ("factors", names(&e.factors, FactorKind::as_str)),
                ("status", status),
                ("refreshedFrom", opt(e.refreshed_from, Value::from)),
            ])
        })
        .collect();
    Value::object([
        ("version", Value::from(s.version)),
        ("savedAtMs", Value::from(s.saved_at_ms)),
        ("expiresAtMs", Value::from(s.expires_at_ms)),
        ("wallet", text(&s.wallet)),
        // As text: a u64 beyond 2^53 would not survive a JS round trip as a number.
        ("rng", Value::String(u64_text(s.rng))),
        ("nowMs", Value::from(s.now_ms)),
        ("path", opt(s.path, |p| text(p.as_str()))),
        ("phase", phase),
        ("step", step),
        ("phone", opt_text(&s.phone)),
        ("email", opt_text(&s.email)),
        ("userMask", user_mask),
        ("invalidAnswers", Value::from(s.invalid_answers)),
        ("restarted", names(&s.restarted, Purpose::as_str)),
        ("walletVerified", Value::Bool(s.wallet_verified)),
        ("retryAfterLoss", Value::Bool(s.retry_after_loss)),
        ("walletRestarts", Value::from(s.wallet_restarts)),
        ("walletKind", text(s.wallet_kind.as_str())),
        (
            "backoff",
            Value::object([
                ("attempts", Value::from(s.backoff.attempts)),
                ("firstFailureAt", opt_u64(s.backoff.first_failure_at)),
                ("retryAt", opt_u64(s.backoff.retry_at)),
                ("exhausted", Value::Bool(s.backoff.exhausted)),
            ]),
        ),
        (
            "ledger",
            Value::object([
                ("nextId", Value::from(s.ledger.next_id)),
                ("signedWallet", opt_text(&s.ledger.signed_wallet)),
                ("phoneConflict", Value::Bool(s.ledger.phone_conflict)),
                ("entries", Value::Array(entries)),
            ]),
        ),
    ])
}

const UNREADABLE: SnapshotError = SnapshotError::Unreadable("not a saved sign-in");

/// A JSON object whose keys are exactly `keys` (each present, possibly `null`).
struct Obj<'a>(&'a Map);

impl<'a> Obj<'a> {
    fn new(value: &'a Value, keys: &[&str]) -> Result<Obj<'a>, SnapshotError> {
        let map = value.as_object().ok_or(UNREADABLE)?;
        if map.len() != keys.len() || !keys.iter().all(|key| map.contains_key(key)) {
            return Err(UNREADABLE);
        }
        Ok(Obj(map))
    }

    fn get(&self, key: &str) -> &'a Value {
        self.0.get(key).unwrap_or(&Value::Null)
    }

    fn u64(&self, key: &str) -> Result<u64, SnapshotError> {
        self.get(key).as_u64().ok_or(UNREADABLE)
    }

    fn u32(&self, key: &str) -> Result<u32, SnapshotError> {
        u32::try_from(self.u64(key)?).map_err(|_| UNREADABLE)
    }

    fn opt_u64(&self, key: &str) -> Result<Option<u64>, SnapshotError> {
        match self.get(key) {
            Value::Null => Ok(None),
            value => value.as_u64().map(Some).ok_or(UNREADABLE),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, SnapshotError> {
        self.get(key).as_bool().ok_or(UNREADABLE)
    }

    fn str(&self, key: &str) -> Result<&'a str, SnapshotError> {
        self.get(key).as_str().ok_or(UNREADABLE)
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>, SnapshotError> {
        match self.get(key) {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text.clone())),
            _ => Err(UNREADABLE),
        }
    }

    fn named<T: Copy>(
        &self,
        key: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Result<T, SnapshotError> {
        by_name(self.get(key), all, name)
    }

    fn opt_named<T: Copy>(
        &self,
        key: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Result<Option<T>, SnapshotError> {
        match self.get(key) {
            Value::Null => Ok(None),
            value => by_name(value, all, name).map(Some),
        }
    }
}

fn by_name<T: Copy>(
    value: &Value,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, SnapshotError> {
    let text = value.as_str().ok_or(UNREADABLE)?;
    all.iter()
        .copied()
        .find(|item| name(*item) == text)
        .ok_or(UNREADABLE)
}

pub(super) fn decode(value: &Value) -> Result<FlowSnapshot, SnapshotError> {
    // The version first: another format's snapshot says so rather than "unreadable".
    let version = value
        .get("version")
        .and_then(Value::as_u64)
        .ok_or(UNREADABLE)?;
    if version != u64::from(SNAPSHOT_VERSION) {
        return Err(SnapshotError::UnknownVersion(
            u32::try_from(version).unwrap_or(u32::MAX),
        ));
    }
    let top = Obj::new(
        value,
        &[
            "version",
            "savedAtMs",
            "expiresAtMs",
            "wallet",
            "rng",
            "nowMs",
            "path",
            "phase",
            "step",
            "phone",
            "email",
            "userMask",
            "invalidAnswers",
            "restarted",
            "walletVerified",
            "retryAfterLoss",
            "walletRestarts",
            "walletKind",
            "backoff",
            "ledger",
        ],
    )?;
    let restarted = top
        .get("restarted")
        .as_array()
        .ok_or(UNREADABLE)?
        .iter()
        .map(|p| by_name(p, &PURPOSES, Purpose::as_str))
        .collect::<Result<Vec<_>, _>>()?;
    let backoff = Obj::new(
        top.get("backoff"),
        &["attempts", "firstFailureAt", "retryAt", "exhausted"],
    )?;
    Ok(FlowSnapshot {
        version: SNAPSHOT_VERSION,
        saved_at_ms: top.u64("savedAtMs")?,
        expires_at_ms: top.u64("expiresAtMs")?,
        wallet: top.str("wallet")?.to_owned(),
        rng: top.str("rng")?.parse().map_err(|_| UNREADABLE)?,
        now_ms: top.u64("nowMs")?,
        path: top.opt_named("path", &PATHS, FlowPath::as_str)?,
        phase: decode_phase(top.get("phase"))?,
        step: decode_step(top.get("step"))?,
        phone: top.opt_str("phone")?,
        email: top.opt_str("email")?,
        user_mask: decode_user_mask(top.get("userMask"))?,
        invalid_answers: top.u32("invalidAnswers")?,
        restarted,
        wallet_verified: top.bool("walletVerified")?,
        retry_after_loss: top.bool("retryAfterLoss")?,
        wallet_restarts: top.u32("walletRestarts")?,
        wallet_kind: top.named("walletKind", &WALLET_KINDS, WalletKind::as_str)?,
        backoff: SavedBackoff {
            attempts: backoff.u32("attempts")?,
            first_failure_at: backoff.opt_u64("firstFailureAt")?,
            retry_at: backoff.opt_u64("retryAt")?,
            exhausted: backoff.bool("exhausted")?,
        },
        ledger: decode_ledger(top.get("ledger"))?,
    })
}

fn kind(value: &Value) -> Result<&str, SnapshotError> {
    value.get("kind").and_then(Value::as_str).ok_or(UNREADABLE)
}

fn decode_phase(value: &Value) -> Result<SavedPhase, SnapshotError> {
    Ok(match kind(value)? {
        "wallet" => {
            let o = Obj::new(value, &["kind", "purpose"])?;
            SavedPhase::Wallet {
                purpose: o.named("purpose", &PURPOSES, Purpose::as_str)?,
            }
        }
        "otp" => {
            let o = Obj::new(
                value,
                &[
                    "kind",
                    "purpose",
                    "channel",
                    "sent",
                    "attempt",
                    "sends",
                    "resendAvailableAt",
                ],
            )?;
            let sent = match o.get("sent") {
                Value::Null => None,
                sent => {
                    let sent = Obj::new(sent, &["id", "mask"])?;
                    Some(SavedSent {
                        id: sent.str("id")?.to_owned(),
                        mask: sent.str("mask")?.to_owned(),
                    })
                }
            };
            SavedPhase::Otp {
                purpose: o.named("purpose", &PURPOSES, Purpose::as_str)?,
                channel: o.named("channel", &CHANNELS, Channel::as_str)?,
                sent,
                attempt: o.u32("attempt")?,
                sends: o.u32("sends")?,
                resend_available_at: o.opt_u64("resendAvailableAt")?,
            }
        }
        "confirmLink" => {
            Obj::new(value, &["kind"])?;
            SavedPhase::ConfirmLink
        }
        "addToUser" => {
            Obj::new(value, &["kind"])?;
            SavedPhase::AddToUser
        }
        _ => return Err(UNREADABLE),
    })
}

fn decode_step(value: &Value) -> Result<SavedStep, SnapshotError> {
    Ok(match kind(value)? {
        "ask" => {
            let o = Obj::new(value, &["kind", "prompt", "problem"])?;
            SavedStep::Ask {
                prompt: o.named("prompt", &PROMPTS, PromptKind::as_str)?,
                problem: o.opt_named("problem", &PROBLEMS, InputProblem::as_str)?,
            }
        }
        "wait" => {
            let o = Obj::new(value, &["kind", "untilMs", "call"])?;
            let call_value = o.get("call");
            let call = match kind(call_value)? {
                "walletStart" => {
                    Obj::new(call_value, &["kind"])?;
                    SavedCall::WalletStart
                }
                "otpSend" => {
                    let call = Obj::new(call_value, &["kind", "channel"])?;
                    SavedCall::OtpSend {
                        channel: call.named("channel", &CHANNELS, Channel::as_str)?,
                    }
                }
                "addToUser" => {
                    Obj::new(call_value, &["kind"])?;
                    SavedCall::AddToUser
                }
                _ => return Err(UNREADABLE),
            };
            SavedStep::Wait {
                until_ms: o.u64("untilMs")?,
                call,
            }
        }
        _ => return Err(UNREADABLE),
    })
}

fn decode_user_mask(value: &Value) -> Result<Option<UserMask>, SnapshotError> {
    if value.is_null() {
        return Ok(None);
    }
    let o = Obj::new(
        value,
        &[
            "id",
            "createTime",
            "updateTime",
            "phoneMask",
            "emailMask",
            "preferredMfaMethod",
        ],
    )?;
    let preferred_mfa_method = o.opt_str("preferredMfaMethod")?.map(|m| match m.as_str() {
        "OTP_SMS" => MfaMethod::OtpSms,
        "TOTP" => MfaMethod::Totp,
        _ => MfaMethod::Other(m),
    });
    Ok(Some(UserMask {
        id: o.opt_str("id")?,
        create_time: o.opt_str("createTime")?,
        update_time: o.opt_str("updateTime")?,
        phone_mask: o.opt_str("phoneMask")?,
        email_mask: o.opt_str("emailMask")?,
        preferred_mfa_method,
    }))
}

fn decode_ledger(value: &Value) -> Result<SavedLedger, SnapshotError> {
    let o = Obj::new(
        value,
        &["nextId", "signedWallet", "phoneConflict", "entries"],
    )?;
    let entries = o
        .get("entries")
        .as_array()
        .ok_or(UNREADABLE)?
        .iter()
        .map(decode_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SavedLedger {
        next_id: o.u32("nextId")?,
        signed_wallet: o.opt_str("signedWallet")?,
        phone_conflict: o.bool("phoneConflict")?,
        entries,
    })
}

fn decode_entry(value: &Value) -> Result<SavedEntry, SnapshotError> {
    let o = Obj::new(
        value,
        &[
            "id",
            "factor",
            "purpose",
            "jwt",
            "factors",
            "status",
            "refreshedFrom",
        ],
    )?;
    let factors = o
        .get("factors")
        .as_array()
        .ok_or(UNREADABLE)?
        .iter()
        .map(|f| by_name(f, &FACTORS, FactorKind::as_str))
        .collect::<Result<Vec<_>, _>>()?;
    let status_value = o.get("status");
    let status = match status_value.get("status").and_then(Value::as_str) {
        Some("current") => {
            Obj::new(status_value, &["status"])?;
            TokenStatus::Current
        }
        Some("superseded") => {
            let s = Obj::new(status_value, &["status", "by"])?;
            TokenStatus::Superseded { by: s.u32("by")? }
        }
        Some("revoked") => {
            let s = Obj::new(status_value, &["status", "reason"])?;
            let reason = match s.str("reason")? {
                "phoneBelongsToAnotherUser" => RevokeReason::PhoneBelongsToAnotherUser,
                "rejectedByServer" => RevokeReason::RejectedByServer,
                _ => return Err(UNREADABLE),
            };
            TokenStatus::Revoked { reason }
        }
        _ => return Err(UNREADABLE),
    };
    let refreshed_from = match o.opt_u64("refreshedFrom")? {
        None => None,
        Some(id) => Some(u32::try_from(id).map_err(|_| UNREADABLE)?),
    };
    Ok(SavedEntry {
        id: o.u32("id")?,
        factor: o.named("factor", &FACTORS, FactorKind::as_str)?,
        purpose: o.named("purpose", &PURPOSES, Purpose::as_str)?,
        jwt: Secret::new(o.str("jwt")?),
        factors,
        status,
        refreshed_from,
    })
}
