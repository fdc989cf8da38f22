//! Golden JSON of every flow type the web layer hands to JS (events, prompts, the `failed`
//! event's error) and of the ledger's audit types: a representative value of every variant
//! against the literal JSON serde's derives wrote, so that the hand-written `ToJson` impls are
//! proven to write the same.

use serde_json::{Value, json};

use super::*;
use crate::api::{Endpoint, ErrorCode};
use crate::eip191::Address;
use crate::json::ToJson;
use crate::jwt::FactorKind;

/// The EIP-55 test vector, parsed from lowercase: written checksummed.
const ADDRESS: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

fn address() -> Address {
    match Address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") {
        Ok(address) => address,
        Err(e) => panic!("test address: {e}"),
    }
}

/// `value.to_json()` as written, read back by serde_json.
fn our_form<T: ToJson>(value: &T) -> Value {
    let text = value.to_json().to_json_string();
    match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(e) => panic!("ToJson wrote {text}: {e}"),
    }
}

/// Pins `value`'s JSON to `expected` (the literal the serde derives wrote, before they went).
fn pinned<T: ToJson + std::fmt::Debug>(value: &T, expected: Value) {
    assert_eq!(our_form(value), expected, "ToJson of {value:?}");
}

fn token(id: u32) -> TokenRef {
    TokenRef {
        id,
        factor: FactorKind::Sms,
        purpose: Purpose::SecondFactor,
    }
}

#[test]
fn unit_enums_are_their_camel_case_names() {
    for (state, name) in [
        (FlowState::WalletStart, "walletStart"),
        (FlowState::WalletSign, "walletSign"),
        (FlowState::WalletAuthenticate, "walletAuthenticate"),
        (FlowState::PhonePrompt, "phonePrompt"),
        (FlowState::SmsSend, "smsSend"),
        (FlowState::SmsOtpPrompt, "smsOtpPrompt"),
        (FlowState::SmsAuthenticate, "smsAuthenticate"),
        (FlowState::EmailPrompt, "emailPrompt"),
        (FlowState::EmailSend, "emailSend"),
        (FlowState::EmailOtpPrompt, "emailOtpPrompt"),
        (FlowState::EmailAuthenticate, "emailAuthenticate"),
        (FlowState::ConfirmLink, "confirmLink"),
        (FlowState::AddToUser, "addToUser"),
        (FlowState::BackingOff, "backingOff"),
        (FlowState::Done, "done"),
        (FlowState::Failed, "failed"),
    ] {
        pinned(&state, json!(name));
    }
    for (path, name) in [
        (FlowPath::Returning, "returning"),
        (FlowPath::New, "new"),
        (FlowPath::Linked, "linked"),
        (FlowPath::FactorFirst, "factorFirst"),
    ] {
        pinned(&path, json!(name));
    }
    for (channel, name) in [(Channel::Sms, "sms"), (Channel::Email, "email")] {
        pinned(&channel, json!(name));
    }
    for (purpose, name) in [
        (Purpose::WalletSignIn, "walletSignIn"),
        (Purpose::SecondFactor, "secondFactor"),
        (Purpose::LinkFirstFactor, "linkFirstFactor"),
        (Purpose::LinkSecondFactor, "linkSecondFactor"),
        (Purpose::FirstFactor, "firstFactor"),
        (Purpose::WalletAfterFactor, "walletAfterFactor"),
        (Purpose::AddToUser, "addToUser"),
        (Purpose::VerifyWallet, "verifyWallet"),
    ] {
        pinned(&purpose, json!(name));
    }
    for (problem, name) in [
        (InputProblem::NotE164Phone, "notE164Phone"),
        (InputProblem::NotAnEmail, "notAnEmail"),
        (InputProblem::NotSixDigits, "notSixDigits"),
        (InputProblem::RejectedByServer, "rejectedByServer"),
        (InputProblem::WrongCode, "wrongCode"),
        (InputProblem::ResendUnavailable, "resendUnavailable"),
    ] {
        pinned(&problem, json!(name));
    }
    for (kind, name) in [
        (PromptKind::PhoneNumber, "phoneNumber"),
        (PromptKind::Email, "email"),
        (PromptKind::Otp, "otp"),
        (PromptKind::ConfirmLink, "confirmLink"),
    ] {
        pinned(&kind, json!(name));
    }
    for (kind, name) in [(WalletKind::Eoa, "eoa"), (WalletKind::Contract, "contract")] {
        pinned(&kind, json!(name));
    }
    for (evidence, name) in [
        (ContractEvidence::Code, "code"),
        (ContractEvidence::Erc6492, "erc6492"),
    ] {
        pinned(&evidence, json!(name));
    }
    for (reason, name) in [
        (RetryReason::RateLimited, "rateLimited"),
        (RetryReason::ServerError, "serverError"),
        (RetryReason::Timeout, "timeout"),
        (RetryReason::Network, "network"),
    ] {
        pinned(&reason, json!(name));
    }
    for (input, name) in [
        (InputKind::Http, "http"),
        (InputKind::Signature, "signature"),
        (InputKind::Answer, "answer"),
        (InputKind::Timer, "timer"),
        (InputKind::Code, "code"),
    ] {
        pinned(&input, json!(name));
    }
    for (reason, name) in [
        (
            RevokeReason::PhoneBelongsToAnotherUser,
            "phoneBelongsToAnotherUser",
        ),
        (RevokeReason::RejectedByServer, "rejectedByServer"),
    ] {
        pinned(&reason, json!(name));
    }
    for (step, name) in [
        (PendingStep::PhoneNumber, "phoneNumber"),
        (PendingStep::Email, "email"),
        (PendingStep::Otp, "otp"),
        (PendingStep::ConfirmLink, "confirmLink"),
        (PendingStep::Backoff, "backoff"),
    ] {
        pinned(&step, json!(name));
    }
}

#[test]
fn error_kinds_are_tagged_by_kind() {
    for (kind, expected) in [
        (ErrorKind::UserRejected, json!({"kind": "userRejected"})),
        (
            ErrorKind::RateLimited { retry_at_ms: None },
            json!({"kind": "rateLimited", "retryAt": null}),
        ),
        (
            ErrorKind::RateLimited {
                retry_at_ms: Some(1_700_000_000_123),
            },
            json!({"kind": "rateLimited", "retryAt": 1_700_000_000_123u64}),
        ),
        (ErrorKind::Conflict, json!({"kind": "conflict"})),
        (ErrorKind::InvalidOtp, json!({"kind": "invalidOtp"})),
        (ErrorKind::MfaRequired, json!({"kind": "mfaRequired"})),
        (
            ErrorKind::SignatureMismatch {
                signed_by: None,
                signed_hex_text: false,
            },
            json!({"kind": "signatureMismatch", "signedBy": null, "signedHexText": false}),
        ),
        (
            ErrorKind::SignatureMismatch {
                signed_by: Some(address()),
                signed_hex_text: true,
            },
            json!({"kind": "signatureMismatch", "signedBy": ADDRESS, "signedHexText": true}),
        ),
        (
            ErrorKind::ContractWalletRefused,
            json!({"kind": "contractWalletRefused"}),
        ),
        (ErrorKind::Network, json!({"kind": "network"})),
        (ErrorKind::Timeout, json!({"kind": "timeout"})),
        (ErrorKind::Aborted, json!({"kind": "aborted"})),
        (ErrorKind::Server, json!({"kind": "server"})),
        (ErrorKind::BadResponse, json!({"kind": "badResponse"})),
        (ErrorKind::Config, json!({"kind": "config"})),
        (
            ErrorKind::Wallet { wallet_code: None },
            json!({"kind": "wallet", "walletCode": null}),
        ),
        (
            ErrorKind::Wallet {
                wallet_code: Some(-32603),
            },
            json!({"kind": "wallet", "walletCode": -32603}),
        ),
    ] {
        pinned(&kind, expected);
    }
}

#[test]
fn flow_errors_are_flat_and_never_carry_the_server_message() {
    pinned(
        &FlowError::new(ErrorKind::Network, "no connection"),
        json!({
            "kind": "network", "code": null, "status": null, "message": "no connection",
            "endpoint": null, "state": "failed"
        }),
    );
    let mut error = FlowError::new(
        ErrorKind::SignatureMismatch {
            signed_by: Some(address()),
            signed_hex_text: false,
        },
        "signed by \"another\" account\n",
    )
    .with_code(Some(ErrorCode::InvalidSignature))
    .with_status(400)
    .with_endpoint(Endpoint::WalletAuthenticate)
    .with_server_message(Some("server text".into()));
    error.state = FlowState::WalletAuthenticate;
    pinned(
        &error,
        json!({
            "kind": "signatureMismatch", "signedBy": ADDRESS, "signedHexText": false,
            "code": "INVALID_SIGNATURE", "status": 400,
            "message": "signed by \"another\" account\n", "endpoint": "walletAuthenticate",
            "state": "walletAuthenticate"
        }),
    );
    pinned(
        &FlowError::new(
            ErrorKind::Wallet {
                wallet_code: Some(4900),
            },
            "disconnected",
        )
        .with_code(Some(ErrorCode::parse("SOMETHING_NEW"))),
        json!({
            "kind": "wallet", "walletCode": 4900, "code": "SOMETHING_NEW", "status": null,
            "message": "disconnected", "endpoint": null, "state": "failed"
        }),
    );
}

#[test]
fn prompts_are_tagged_by_kind() {
    pinned(
        &Prompt::PhoneNumber {
            purpose: Purpose::SecondFactor,
            phone_mask: None,
            problem: None,
        },
        json!({"kind": "phoneNumber", "purpose": "secondFactor", "phoneMask": null, "problem": null}),
    );
    pinned(
        &Prompt::PhoneNumber {
            purpose: Purpose::LinkFirstFactor,
            phone_mask: Some("0100".into()),
            problem: Some(InputProblem::NotE164Phone),
        },
        json!({
            "kind": "phoneNumber", "purpose": "linkFirstFactor", "phoneMask": "0100",
            "problem": "notE164Phone"
        }),
    );
    pinned(
        &Prompt::Email {
            purpose: Purpose::FirstFactor,
            email_mask: Some("rat…@example.com".into()),
            problem: Some(InputProblem::RejectedByServer),
        },
        json!({
            "kind": "email", "purpose": "firstFactor", "emailMask": "rat…@example.com",
            "problem": "rejectedByServer"
        }),
    );
    pinned(
        &Prompt::Email {
            purpose: Purpose::LinkSecondFactor,
            email_mask: None,
            problem: None,
        },
        json!({"kind": "email", "purpose": "linkSecondFactor", "emailMask": null, "problem": null}),
    );
    pinned(
        &Prompt::Otp {
            channel: Channel::Sms,
            destination_mask: "…0100".into(),
            attempt: 2,
            max_attempts: 3,
            resend_available_at: Some(1_700_000_030_000),
            problem: Some(InputProblem::WrongCode),
        },
        json!({
            "kind": "otp", "channel": "sms", "destinationMask": "…0100", "attempt": 2,
            "maxAttempts": 3, "resendAvailableAt": 1_700_000_030_000u64, "problem": "wrongCode"
        }),
    );
    pinned(
        &Prompt::Otp {
            channel: Channel::Email,
            destination_mask: "r…@example.com".into(),
            attempt: 1,
            max_attempts: 5,
            resend_available_at: None,
            problem: None,
        },
        json!({
            "kind": "otp", "channel": "email", "destinationMask": "r…@example.com",
            "attempt": 1, "maxAttempts": 5, "resendAvailableAt": null, "problem": null
        }),
    );
    pinned(
        &Prompt::ConfirmLink {
            wallet_address: address(),
            phone_mask: Some("0100".into()),
        },
        json!({"kind": "confirmLink", "walletAddress": ADDRESS, "phoneMask": "0100"}),
    );
    pinned(
        &Prompt::ConfirmLink {
            wallet_address: address(),
            phone_mask: None,
        },
        json!({"kind": "confirmLink", "walletAddress": ADDRESS, "phoneMask": null}),
    );
}

#[test]
fn events_are_tagged_by_type() {
    let failed = FlowError::new(
        ErrorKind::RateLimited {
            retry_at_ms: Some(9),
        },
        "slow down",
    )
    .with_code(Some(ErrorCode::TooManyRequests))
    .with_status(429)
    .with_endpoint(Endpoint::SmsSend)
    .with_server_message(Some("server text".into()));
    let cases = [
        (
            FlowEvent::StateChanged {
                state: FlowState::SmsSend,
                purpose: Purpose::SecondFactor,
            },
            json!({"type": "stateChanged", "state": "smsSend", "purpose": "secondFactor"}),
        ),
        (
            FlowEvent::PathChosen {
                path: FlowPath::FactorFirst,
            },
            json!({"type": "pathChosen", "path": "factorFirst"}),
        ),
        (
            FlowEvent::RequestSent {
                endpoint: Endpoint::WalletStart,
                purpose: Purpose::WalletSignIn,
                attempt: 1,
                token: None,
            },
            json!({
                "type": "requestSent", "endpoint": "walletStart", "purpose": "walletSignIn",
                "attempt": 1, "token": null
            }),
        ),
        (
            FlowEvent::RequestSent {
                endpoint: Endpoint::EmailSend,
                purpose: Purpose::SecondFactor,
                attempt: 3,
                token: Some(token(2)),
            },
            json!({
                "type": "requestSent", "endpoint": "emailSend", "purpose": "secondFactor",
                "attempt": 3, "token": {"id": 2, "factor": "sms", "purpose": "secondFactor"}
            }),
        ),
        (
            FlowEvent::ResponseReceived {
                endpoint: Endpoint::SmsAuthenticate,
                status: 200,
                code: None,
            },
            json!({
                "type": "responseReceived", "endpoint": "smsAuthenticate", "status": 200,
                "code": null
            }),
        ),
        (
            FlowEvent::ResponseReceived {
                endpoint: Endpoint::SmsAuthenticate,
                status: 401,
                code: Some(ErrorCode::InvalidOtp),
            },
            json!({
                "type": "responseReceived", "endpoint": "smsAuthenticate", "status": 401,
                "code": "INVALID_OTP"
            }),
        ),
        (
            FlowEvent::TransportFailed {
                endpoint: Endpoint::WalletAddToUser,
                timeout: true,
            },
            json!({"type": "transportFailed", "endpoint": "walletAddToUser", "timeout": true}),
        ),
        (
            FlowEvent::SignatureChecked { address: address() },
            json!({"type": "signatureChecked", "address": ADDRESS}),
        ),
        (
            FlowEvent::SignatureLeftToServer {
                address: address(),
                wallet_kind: WalletKind::Contract,
                evidence: ContractEvidence::Erc6492,
            },
            json!({
                "type": "signatureLeftToServer", "address": ADDRESS, "walletKind": "contract",
                "evidence": "erc6492"
            }),
        ),
        (
            FlowEvent::CodeCheckFailed {
                address: address(),
                timeout: false,
                wallet_code: Some(-32601),
            },
            json!({
                "type": "codeCheckFailed", "address": ADDRESS, "timeout": false,
                "walletCode": -32601
            }),
        ),
        (
            FlowEvent::CodeCheckFailed {
                address: address(),
                timeout: true,
                wallet_code: None,
            },
            json!({
                "type": "codeCheckFailed", "address": ADDRESS, "timeout": true,
                "walletCode": null
            }),
        ),
        (
            FlowEvent::OtpSent {
                channel: Channel::Email,
                destination_mask: "r…@example.com".into(),
            },
            json!({"type": "otpSent", "channel": "email", "destinationMask": "r…@example.com"}),
        ),
        (
            FlowEvent::OtpRejected {
                channel: Channel::Sms,
                attempt: 2,
                attempts_left: 1,
            },
            json!({"type": "otpRejected", "channel": "sms", "attempt": 2, "attemptsLeft": 1}),
        ),
        (
            FlowEvent::AnswerRejected {
                prompt: PromptKind::Otp,
                problem: InputProblem::NotSixDigits,
            },
            json!({"type": "answerRejected", "prompt": "otp", "problem": "notSixDigits"}),
        ),
        (
            FlowEvent::BackingOff {
                endpoint: Endpoint::SmsSend,
                reason: RetryReason::RateLimited,
                attempt: 2,
                until_ms: 1_700_000_005_000,
                retry_after_ms: Some(1_700_000_004_000),
            },
            json!({
                "type": "backingOff", "endpoint": "smsSend", "reason": "rateLimited",
                "attempt": 2, "untilMs": 1_700_000_005_000u64,
                "retryAfterMs": 1_700_000_004_000u64
            }),
        ),
        (
            FlowEvent::BackingOff {
                endpoint: Endpoint::WalletStart,
                reason: RetryReason::ServerError,
                attempt: 1,
                until_ms: 0,
                retry_after_ms: None,
            },
            json!({
                "type": "backingOff", "endpoint": "walletStart", "reason": "serverError",
                "attempt": 1, "untilMs": 0, "retryAfterMs": null
            }),
        ),
        (
            FlowEvent::ResendScheduled {
                channel: Channel::Sms,
                at_ms: u64::MAX,
            },
            json!({"type": "resendScheduled", "channel": "sms", "atMs": u64::MAX}),
        ),
        (
            FlowEvent::TokenIssued {
                token: token(1),
                factors: vec![FactorKind::Wallet, FactorKind::Sms, FactorKind::Other],
            },
            json!({
                "type": "tokenIssued", "token": {"id": 1, "factor": "sms", "purpose": "secondFactor"},
                "factors": ["wallet", "sms", "other"]
            }),
        ),
        (
            FlowEvent::TokenIssued {
                token: token(0),
                factors: vec![],
            },
            json!({
                "type": "tokenIssued", "token": {"id": 0, "factor": "sms", "purpose": "secondFactor"},
                "factors": []
            }),
        ),
        (
            FlowEvent::TokenRefreshed {
                old: token(1),
                new: TokenRef {
                    id: 2,
                    factor: FactorKind::Email,
                    purpose: Purpose::LinkSecondFactor,
                },
            },
            json!({
                "type": "tokenRefreshed",
                "old": {"id": 1, "factor": "sms", "purpose": "secondFactor"},
                "new": {"id": 2, "factor": "email", "purpose": "linkSecondFactor"}
            }),
        ),
        (
            FlowEvent::RefreshIgnored {
                endpoint: Endpoint::GetUser,
            },
            json!({"type": "refreshIgnored", "endpoint": "getUser"}),
        ),
        (
            FlowEvent::TokenRevoked {
                token: TokenRef {
                    id: 4294967295,
                    factor: FactorKind::Wallet,
                    purpose: Purpose::WalletSignIn,
                },
                reason: RevokeReason::PhoneBelongsToAnotherUser,
            },
            json!({
                "type": "tokenRevoked",
                "token": {"id": 4294967295u32, "factor": "wallet", "purpose": "walletSignIn"},
                "reason": "phoneBelongsToAnotherUser"
            }),
        ),
        (
            FlowEvent::Resumed {
                state: FlowState::EmailOtpPrompt,
                purpose: Purpose::FirstFactor,
            },
            json!({"type": "resumed", "state": "emailOtpPrompt", "purpose": "firstFactor"}),
        ),
        (
            FlowEvent::SigningAgain {
                purpose: Purpose::VerifyWallet,
                reason: RetryReason::Network,
            },
            json!({"type": "signingAgain", "purpose": "verifyWallet", "reason": "network"}),
        ),
        (
            FlowEvent::CodeResentAfterLostAnswer {
                channel: Channel::Email,
            },
            json!({"type": "codeResentAfterLostAnswer", "channel": "email"}),
        ),
        (
            FlowEvent::StepRestarted {
                purpose: Purpose::SecondFactor,
                code: ErrorCode::ExpiredJwt,
            },
            json!({"type": "stepRestarted", "purpose": "secondFactor", "code": "EXPIRED_JWT"}),
        ),
        (
            FlowEvent::WalletLinked {
                address: address(),
                verified: false,
            },
            json!({"type": "walletLinked", "address": ADDRESS, "verified": false}),
        ),
        (
            FlowEvent::InputIgnored {
                input: InputKind::Timer,
                state: FlowState::PhonePrompt,
            },
            json!({"type": "inputIgnored", "input": "timer", "state": "phonePrompt"}),
        ),
        (
            FlowEvent::Finished {
                path: FlowPath::Linked,
                wallet_verified: true,
                wallet_kind: WalletKind::Eoa,
            },
            json!({
                "type": "finished", "path": "linked", "walletVerified": true,
                "walletKind": "eoa"
            }),
        ),
        (
            FlowEvent::Failed { error: failed },
            json!({
                "type": "failed",
                "error": {
                    "kind": "rateLimited", "retryAt": 9, "code": "TOO_MANY_REQUESTS",
                    "status": 429, "message": "slow down", "endpoint": "smsSend",
                    "state": "failed"
                }
            }),
        ),
    ];
    for (event, expected) in cases {
        pinned(&event, expected);
    }
}

#[test]
fn ledger_audit_types() {
    pinned(
        &token(7),
        json!({"id": 7, "factor": "sms", "purpose": "secondFactor"}),
    );
    pinned(&TokenStatus::Current, json!({"status": "current"}));
    pinned(
        &TokenStatus::Superseded { by: 3 },
        json!({"status": "superseded", "by": 3}),
    );
    pinned(
        &TokenStatus::Revoked {
            reason: RevokeReason::RejectedByServer,
        },
        json!({"status": "revoked", "reason": "rejectedByServer"}),
    );
    pinned(
        &TokenInfo {
            token: token(2),
            status: TokenStatus::Superseded { by: 3 },
            factors: vec![FactorKind::Wallet, FactorKind::Sms],
            subject: Some("user-1".into()),
            expires_at: Some(-5),
            refreshed_from: Some(1),
        },
        json!({
            "token": {"id": 2, "factor": "sms", "purpose": "secondFactor"},
            "status": {"status": "superseded", "by": 3},
            "factors": ["wallet", "sms"], "subject": "user-1", "expiresAt": -5,
            "refreshedFrom": 1
        }),
    );
    pinned(
        &TokenInfo {
            token: token(1),
            status: TokenStatus::Current,
            factors: vec![],
            subject: None,
            expires_at: None,
            refreshed_from: None,
        },
        json!({
            "token": {"id": 1, "factor": "sms", "purpose": "secondFactor"},
            "status": {"status": "current"}, "factors": [], "subject": null,
            "expiresAt": null, "refreshedFrom": null
        }),
    );
}
