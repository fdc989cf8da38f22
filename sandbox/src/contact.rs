//! Phone numbers and email addresses: what is accepted, how they are keyed and masked.

use crate::error::{ApiError, codes};

/// The two OTP channels. Most rules are the same for both, so code is written once over this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// What a user-facing message calls the destination.
    pub fn noun(self) -> &'static str {
        match self {
            Channel::Sms => "phone number",
            Channel::Email => "email address",
        }
    }

    pub fn invalid_code(self) -> &'static str {
        match self {
            Channel::Sms => codes::INVALID_PHONE,
            Channel::Email => codes::INVALID_EMAIL,
        }
    }

    pub fn conflict_code(self) -> &'static str {
        match self {
            Channel::Sms => codes::ALREADY_EXISTS_PHONE,
            Channel::Email => codes::ALREADY_EXISTS_EMAIL,
        }
    }

    /// Prefix of the `phoneId` / `emailId` handed out for a destination.
    pub fn id_prefix(self) -> &'static str {
        match self {
            Channel::Sms => "phone-number-",
            Channel::Email => "email-",
        }
    }

    /// Checks a destination and returns its key (the form it is stored and compared in).
    pub fn parse(self, raw: &str) -> Result<String, ApiError> {
        match self {
            Channel::Sms => parse_us_phone(raw),
            Channel::Email => parse_email(raw),
        }
    }

    pub fn mask(self, key: &str) -> String {
        match self {
            Channel::Sms => phone_mask(key),
            Channel::Email => email_mask(key),
        }
    }
}

/// E.164, US (NANP) numbers only: `+1`, then a 10-digit number whose area code and exchange
/// both start with 2-9.
pub fn parse_us_phone(raw: &str) -> Result<String, ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(
            codes::INVALID_PHONE,
            format!("phoneNumber must be a US number in E.164 form like +12025550123: {why}"),
        )
    };
    let Some(national) = raw.strip_prefix("+1") else {
        return Err(bad(if raw.starts_with('+') {
            "only US (+1) numbers are supported"
        } else {
            "missing +1"
        }));
    };
    let digits = national.as_bytes();
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad("expected exactly 10 digits after +1"));
    }
    if digits[0] < b'2' || digits[3] < b'2' {
        return Err(bad("area code and exchange cannot start with 0 or 1"));
    }
    Ok(raw.to_string())
}

/// A plain `local@domain.tld` address; keyed in lower case so case never splits one person in two.
pub fn parse_email(raw: &str) -> Result<String, ApiError> {
    let bad = |why: &str| {
        ApiError::bad_request(
            codes::INVALID_EMAIL,
            format!("emailAddress is not a valid email address: {why}"),
        )
    };
    if raw.len() > 254 {
        return Err(bad("too long"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains whitespace"));
    }
    let Some((local, domain)) = raw.split_once('@') else {
        return Err(bad("missing @"));
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return Err(bad("bad local part"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(bad("bad domain"));
    }
    Ok(raw.to_lowercase())
}

/// The last 4 digits.
pub fn phone_mask(phone: &str) -> String {
    let n = phone.len();
    phone
        .get(n.saturating_sub(4)..)
        .unwrap_or_default()
        .to_string()
}

/// `rat…@example.com`: up to three leading characters of the local part, always hiding at
/// least one.
pub fn email_mask(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let count = local.chars().count();
    let shown = count.saturating_sub(1).clamp(1, 3).min(count);
    let head: String = local.chars().take(shown).collect();
    format!("{head}…@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(parse_us_phone("+12025550123").is_ok());
        assert!(parse_us_phone("+15555550100").is_ok());
        for bad in [
            "12025550123",
            "+442071234567",
            "+1202555012",
            "+120255501234",
            "+11025550123",
            "+12021550123",
            "+1202555012a",
            "",
            "+1 2025550123",
        ] {
            let err = parse_us_phone(bad).unwrap_err();
            assert_eq!(err.code, codes::INVALID_PHONE, "{bad}");
        }
        assert_eq!(phone_mask("+12025550123"), "0123");
    }

    #[test]
    fn emails() {
        assert_eq!(
            parse_email("Ratty@Example.com").unwrap(),
            "ratty@example.com"
        );
        for bad in [
            "",
            "ratty",
            "ratty@",
            "@example.com",
            "ratty@example",
            "a b@example.com",
            "a@b@example.com",
            "a@-x.com",
        ] {
            assert_eq!(
                parse_email(bad).unwrap_err().code,
                codes::INVALID_EMAIL,
                "{bad}"
            );
        }
        assert_eq!(email_mask("ratty@example.com"), "rat…@example.com");
        assert_eq!(email_mask("ab@example.com"), "a…@example.com");
        assert_eq!(email_mask("a@example.com"), "a…@example.com");
    }
}
