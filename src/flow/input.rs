//! What the driver feeds back besides HTTP responses: prompt answers, wallet results, and the
//! checks answers go through before anything is sent.
//!
//! Validation policy: an answer that cannot be right (a phone number that is not E.164, an
//! email without `@`, a code that is not 6 digits) is **not sent**; the same prompt is asked
//! again with an [`InputProblem`], and once more than `max_invalid_answers` such answers were
//! given at one prompt the flow fails with a `Config` error. A server refusal of a well-formed
//! phone/email (`INVALID_PHONE`/`INVALID_EMAIL`) counts the same way, until a code was sent.
//! Wrong codes are Ratio's call and count against `max_otp_attempts` instead.

use crate::prelude::*;

use crate::secret::Secret;

use super::action::InputProblem;

/// The user's answer to a [`Prompt`](super::Prompt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Phone number, email address or code. A [`Secret`] so that neither codes nor personal
    /// data show in `Debug`.
    Text(Secret),
    /// Answer to [`Prompt::ConfirmLink`](super::Prompt::ConfirmLink).
    Confirm(bool),
    /// At an OTP prompt: send a new code.
    ResendOtp,
    /// The user closed the prompt: the flow fails with `Aborted`.
    Cancel,
}

impl Answer {
    pub fn text(value: impl Into<String>) -> Answer {
        Answer::Text(Secret::new(value.into()))
    }
}

/// Why the wallet did not sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalletError {
    /// EIP-1193 4001 (or the `-32603` "User denied" quirk).
    UserRejected,
    /// The driver's wallet timeout fired.
    Timeout,
    /// Anything else; `code` is the EIP-1193 error code when there is one.
    Other { code: Option<i64>, message: String },
}

impl Piece for WalletError {
    fn push_to(&self, out: &mut String) {
        match self {
            WalletError::UserRejected => out.push_str("the user rejected the signature request"),
            WalletError::Timeout => out.push_str("the wallet did not answer in time"),
            WalletError::Other {
                code: Some(code),
                message,
            } => out.push_str(&text!("wallet error ", code, ": ", message)),
            WalletError::Other {
                code: None,
                message,
            } => out.push_str(&text!("wallet error: ", message)),
        }
    }
}

crate::text::display_by_piece!(WalletError);

impl core::error::Error for WalletError {}

/// E.164 after removing spaces, dashes, dots and parentheses: `+`, a non-zero digit, 6 to 14
/// more digits. Returns the normalised number.
pub fn normalize_phone(input: &str) -> Result<String, InputProblem> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact
        .strip_prefix('+')
        .ok_or(InputProblem::NotE164Phone)?;
    let well_formed = (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if well_formed {
        Ok(compact)
    } else {
        Err(InputProblem::NotE164Phone)
    }
}

/// Trimmed; exactly one `@` with something on both sides and no whitespace inside. Ratio is
/// the judge of anything finer (`INVALID_EMAIL`).
pub fn normalize_email(input: &str) -> Result<String, InputProblem> {
    let email = input.trim();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace) =>
        {
            Ok(email.to_owned())
        }
        _ => Err(InputProblem::NotAnEmail),
    }
}

/// Trimmed; exactly 6 ASCII digits.
pub fn normalize_otp(input: &str) -> Result<Secret, InputProblem> {
    let code = input.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Secret::new(code))
    } else {
        Err(InputProblem::NotSixDigits)
    }
}

/// The last 4 digits of a phone number (what Ratio's `phoneMask` holds).
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    digits.iter().skip(digits.len().saturating_sub(4)).collect()
}

/// `"rat…@example.com"`: up to 3 characters of the local part, then the domain.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let head: String = local.chars().take(3).collect();
            text!(head, "…@", domain)
        }
        None => "…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("+1 (555) 555-0100"),
            Ok("+15555550100".to_owned())
        );
        assert_eq!(
            normalize_phone(" +447700900123 "),
            Ok("+447700900123".to_owned())
        );
        for bad in [
            "5555550100",
            "+",
            "+0123456789",
            "+1555abc0100",
            "+12345",
            "+1234567890123456",
            "",
            "++15555550100",
        ] {
            assert_eq!(
                normalize_phone(bad),
                Err(InputProblem::NotE164Phone),
                "{bad}"
            );
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email("  ratio@example.com "),
            Ok("ratio@example.com".to_owned())
        );
        for bad in [
            "ratio",
            "@example.com",
            "ratio@",
            "a b@example.com",
            "a@b@c",
            "",
        ] {
            assert_eq!(normalize_email(bad), Err(InputProblem::NotAnEmail), "{bad}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(
            normalize_otp(" 123456\n").map(|s| s.expose().to_owned()),
            Ok("123456".to_owned())
        );
        for bad in ["12345", "1234567", "12a456", "", "12 456", "١٢٣٤٥٦"] {
            assert_eq!(
                normalize_otp(bad).map(|_| ()),
                Err(InputProblem::NotSixDigits),
                "{bad}"
            );
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("+15555550100"), "0100");
        assert_eq!(mask_phone("+12"), "12");
        assert_eq!(mask_email("ratio@example.com"), "rat…@example.com");
        assert_eq!(mask_email("é@x.io"), "é…@x.io");
        assert_eq!(mask_email("nope"), "…");
    }

    #[test]
    fn answers_hide_their_text() {
        let answer = Answer::text("123456");
        assert!(!format!("{answer:?}").contains("123456"));
    }
}
