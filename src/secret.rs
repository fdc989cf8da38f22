//! [`Secret`]: a string that must not leak (session JWTs, OTP codes, client secrets).
//!
//! `Debug` and `Display` print `Secret(***)`, so a secret inside an error, an event or a
//! `{:?}` of a larger struct never shows. There is deliberately **no `ToJson`**: a secret cannot
//! end up in a JSON body or a JS event by accident; code that must send it calls
//! [`Secret::expose`] at the one place where it is written out. `FromJson` is provided (reading
//! a `sessionJwt` straight into a `Secret` leaks nothing).
//!
//! On drop the bytes are overwritten with zeros, best effort: safe Rust cannot reach copies left
//! behind by earlier reallocations, and the optimiser is only asked (not forced) to keep the writes.

use crate::prelude::*;
use core::fmt;

use crate::json::{FromJson, ShapeError, Value};

/// A secret string. See the [module docs](self).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call it only where the value is really sent or compared.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// A JSON string. The error names no value.
impl FromJson for Secret {
    fn from_json(value: &Value) -> Result<Self, ShapeError> {
        value
            .as_str()
            .map(Secret::new)
            .ok_or(ShapeError::WrongType("secret"))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = core::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        // Zero the spare capacity too: `resize` writes into it without reallocating.
        let capacity = bytes.capacity();
        bytes.resize(capacity, 0);
        // Keeps the zeroing from being optimised away as a dead store (best effort, no unsafe).
        core::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("123456");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(Secret(***))");
        assert!(!format!("{s:#?}").contains("123456"));
    }

    #[test]
    fn expose_clone_eq() {
        let s = Secret::new(String::from("eyJ.a.b"));
        assert_eq!(s.expose(), "eyJ.a.b");
        let c = s.clone();
        assert_eq!(s, c);
        assert_ne!(s, Secret::from("other".to_owned()));
        drop(s);
        assert_eq!(c.expose(), "eyJ.a.b");
    }

    #[test]
    fn reads_from_a_json_string() {
        let reply = match crate::json::parse(r#"{"sessionJwt":"tok.en.x","n":7}"#) {
            Ok(r) => r,
            Err(e) => panic!("{e:?}"),
        };
        let jwt = reply.get("sessionJwt").map(Secret::from_json);
        let jwt = match jwt {
            Some(Ok(s)) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(jwt.expose(), "tok.en.x");
        assert!(!format!("{jwt:?}").contains("tok.en.x"));
        let wrong = reply.get("n").map(Secret::from_json);
        assert_eq!(wrong, Some(Err(ShapeError::WrongType("secret"))));
    }

    #[test]
    fn empty_and_reallocated_secrets_drop_cleanly() {
        drop(Secret::new(""));
        let mut grown = String::with_capacity(2);
        grown.push_str("a longer secret than the first capacity");
        drop(Secret::new(grown));
    }
}
