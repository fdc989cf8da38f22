//! JSON for the shipped code: a [`Value`] tree, a strict parser and a compact writer.
//!
//! Why not `serde_json` + derives: in the wasm, serde's generic code is instantiated once per
//! type and per format and was the largest single share of the bundle (serde_json, serde's
//! visitors, float formatting). Every body this crate reads or writes is a small object of
//! strings, integers, booleans and nested objects, so a tree read by hand is enough, and much
//! smaller. The API mirrors `serde_json::Value` where it can, so readers look the same.
//!
//! Numbers are kept as the literal that was parsed (checked against the JSON grammar), never as
//! floats: no float parsing or printing is compiled in, and nothing is rounded on the way
//! through. [`Number::as_u64`]/[`Number::as_i64`] read integer literals;
//! [`Number::floor_i64`] also reads decimals and exponents (JWT NumericDates may be floats).
//!
//! Objects are [`Map`], a list of fields in their order (a `BTreeMap`'s code cost more than
//! the whole reader): a repeated key reads as its last value, as with `JSON.parse`, and is
//! written back as it came, so `JSON.parse` of the text reads the same. Parsing refuses nesting deeper than [`MAX_DEPTH`], lone
//! surrogates and raw control characters; its errors never quote the input.

use crate::prelude::*;

/// How deep arrays and objects may nest before parsing refuses (hostile bodies must not
/// exhaust the wasm stack).
pub const MAX_DEPTH: usize = 64;

/// An object's fields in order. Lookups scan from the end, so a repeated key reads as its
/// last value; objects here are small (bodies are size-capped before they are parsed).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    pub fn new() -> Map {
        Map(Vec::new())
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key` (replacing its value if it is there), returning the old value.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.0.iter_mut().rev().find(|(k, _)| *k == key) {
            Some((_, old)) => Some(core::mem::replace(old, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }
    /// Takes `key`'s value out (every field of that name goes).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let mut last = None;
        let mut i = 0;
        while i < self.0.len() {
            if self.0[i].0 == key {
                last = Some(self.0.remove(i).1);
            } else {
                i += 1;
            }
        }
        last
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        Map(iter.into_iter().collect())
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = alloc::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON number as written (always a valid JSON number literal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// The literal, e.g. `"42"` or `"1.5e3"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An integer literal (no fraction, no exponent) that fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        digits_u64(&self.0)
    }

    /// An integer literal (no fraction, no exponent) that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0.strip_prefix('-') {
            Some(rest) => {
                let n = digits_u64(rest)?;
                if n == 1 << 63 {
                    Some(i64::MIN)
                } else {
                    i64::try_from(n).ok().map(|n| -n)
                }
            }
            None => self.as_u64().and_then(|n| i64::try_from(n).ok()),
        }
    }

    /// Any number rounded down to an integer (`1.9` → 1, `-0.5` → -1, `1.5e3` → 1500), or
    /// `None` beyond `i64`. Done on the digits, without floats.
    pub fn floor_i64(&self) -> Option<i64> {
        // On bytes: the literal is ASCII, and str slicing would link its panic code.
        let (negative, rest) = match self.0.as_bytes() {
            [b'-', rest @ ..] => (true, rest),
            all => (false, all),
        };
        let (mantissa, exponent) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
            Some(at) => (&rest[..at], exponent_value(&rest[at + 1..])?),
            None => (rest, 0),
        };
        let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, &[][..]),
        };
        // The decimal point moves by the exponent; digits left of it are the integer.
        let digits: Vec<u8> = int_part.iter().chain(frac_part).copied().collect();
        let point = i64::try_from(int_part.len()).ok()? + i64::from(exponent);
        let mut whole: i128 = 0;
        let mut fraction = false;
        for (i, d) in digits.iter().enumerate() {
            if (i as i64) < point {
                whole = whole.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
                if whole > i128::from(u64::MAX) {
                    return None;
                }
            } else if *d != b'0' {
                fraction = true;
            }
        }
        let len = digits.len() as i64;
        if point > len {
            for _ in 0..(point - len) {
                whole = whole.checked_mul(10)?;
                if whole > i128::from(u64::MAX) {
                    return None;
                }
            }
        }
        let value = if negative {
            -whole - i128::from(fraction)
        } else {
            whole
        };
        i64::try_from(value).ok()
    }
}

/// A run of ASCII digits as a `u64` (`None` for anything else, or beyond `u64`).
fn digits_u64(text: &str) -> Option<u64> {
    let digits = text.as_bytes();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

impl From<u64> for Number {
    fn from(n: u64) -> Number {
        let mut s = String::new();
        push_u64(&mut s, n);
        Number(s)
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        let mut s = String::new();
        if n < 0 {
            s.push('-');
        }
        push_u64(&mut s, n.unsigned_abs());
        Number(s)
    }
}

/// Appends `n` in decimal (without `core::fmt`, which would pull its machinery in).
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[at..] {
        out.push(char::from(*d));
    }
}

/// `n` in decimal.
pub fn u64_text(n: u64) -> String {
    let mut s = String::new();
    push_u64(&mut s, n);
    s
}

impl Value {
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => map.get(key),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An object from its fields.
    pub fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
        // Per N only the move into a Vec: the loop below is one function for every size (a
        // collect per array size was a copy of the loop each: −4.4 KB raw, −1.3 KB gzip).
        Value::object_of(Vec::from(fields))
    }

    fn object_of(fields: Vec<(&str, Value)>) -> Value {
        let mut map = Vec::with_capacity(fields.len());
        for (key, value) in fields {
            map.push((key.to_owned(), value));
        }
        Value::Object(Map(map))
    }

    /// An object from its fields, leaving out those that are `None` (what
    /// `skip_serializing_if = "Option::is_none"` did).
    pub fn object_without_none<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
        Value::object_without_none_of(Vec::from(fields))
    }

    fn object_without_none_of(fields: Vec<(&str, Option<Value>)>) -> Value {
        let mut map = Vec::with_capacity(fields.len());
        for (key, value) in fields {
            if let Some(value) = value {
                map.push((key.to_owned(), value));
            }
        }
        Value::Object(Map(map))
    }

    /// Compact JSON text (fields in their order).
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(&n.0),
            Value::String(s) => write_string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (key, value)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Number(u64::from(n).into())
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Value {
        Value::Number(u64::from(n).into())
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.into())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Why a text is not JSON. Carries the byte offset, never the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// Byte offset in the text where parsing stopped.
    pub offset: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text ended inside a value.
    Eof,
    /// A character that cannot be there.
    Syntax,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A string with a raw control character, a bad escape or a lone surrogate.
    BadString,
    /// Something after the value.
    Trailing,
}

impl ParseError {
    pub fn message(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::Eof => "ends inside a value",
            ParseErrorKind::Syntax => "not valid JSON",
            ParseErrorKind::TooDeep => "nested too deeply",
            ParseErrorKind::BadString => "a string is not valid JSON",
            ParseErrorKind::Trailing => "text after the JSON value",
        }
    }
}

/// Parses one JSON value (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
    };
    let value = p.value(0)?;
    p.skip_ws();
    if p.at < p.s.len() {
        return Err(p.error(ParseErrorKind::Trailing));
    }
    Ok(value)
}

/// An exponent's digits with an optional sign, as `str::parse::<i32>` reads them.
fn exponent_value(text: &[u8]) -> Option<i32> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let d = i32::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(d)?
        } else {
            value.checked_add(d)?
        };
    }
    Some(value)
}

/// Parses UTF-8 bytes (a decoded JWT part, say) as JSON.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, ParseError> {
    match core::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => Err(ParseError {
            kind: ParseErrorKind::BadString,
            offset: e.valid_up_to(),
        }),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, kind: ParseErrorKind) -> ParseError {
        let kind = if self.at >= self.s.len() && kind != ParseErrorKind::TooDeep {
            ParseErrorKind::Eof
        } else {
            kind
        };
        ParseError {
            kind,
            offset: self.at,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn expect_word(&mut self, word: &[u8], value: Value) -> Result<Value, ParseError> {
        if self.s[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error(ParseErrorKind::Syntax))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some(b'n') => self.expect_word(b"null", Value::Null),
            Some(b't') => self.expect_word(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_word(b"false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(ParseErrorKind::TooDeep));
                }
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err(self.error(ParseErrorKind::Syntax)),
                    }
                }
            }
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.error(ParseErrorKind::TooDeep));
                }
                self.at += 1;
                let mut map = Map::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Value::Object(map));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.error(ParseErrorKind::Syntax));
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if self.peek() != Some(b':') {
                        return Err(self.error(ParseErrorKind::Syntax));
                    }
                    self.at += 1;
                    let value = self.value(depth + 1)?;
                    // Kept in order, repeats too (no quadratic de-duplication on hostile input).
                    map.0.push((key, value));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Value::Object(map));
                        }
                        _ => return Err(self.error(ParseErrorKind::Syntax)),
                    }
                }
            }
            _ => Err(self.error(ParseErrorKind::Syntax)),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error(ParseErrorKind::Syntax)),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error(ParseErrorKind::Syntax));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error(ParseErrorKind::Syntax));
            }
        }
        // Only ASCII digits, signs, '.', 'e' were consumed: each byte is its char (and no
        // `from_utf8_lossy`, whose decoder would be linked for this alone).
        let literal = self.s[start..self.at]
            .iter()
            .map(|&b| char::from(b))
            .collect();
        Ok(Value::Number(Number(literal)))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut n = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.error(ParseErrorKind::BadString)),
            };
            n = n * 16 + u32::from(d);
            self.at += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1; // the opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error(ParseErrorKind::Eof));
            };
            match b {
                b'"' => {
                    self.at += 1;
                    // The input was a &str and escapes push whole chars: still UTF-8.
                    return String::from_utf8(out)
                        .map_err(|_| self.error(ParseErrorKind::BadString));
                }
                b'\\' => {
                    self.at += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if !self.s[self.at..].starts_with(b"\\u") {
                                    return Err(self.error(ParseErrorKind::BadString));
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error(ParseErrorKind::BadString));
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            let c = char::from_u32(code)
                                .ok_or_else(|| self.error(ParseErrorKind::BadString))?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return Err(self.error(ParseErrorKind::BadString)),
                    };
                    self.at += 1;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0x00..=0x1F => return Err(self.error(ParseErrorKind::BadString)),
                _ => {
                    out.push(b);
                    self.at += 1;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading typed values
// ---------------------------------------------------------------------------------------------

/// Why a JSON value is not the shape a type wants. Names the field, never quotes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeError {
    /// Not an object where one was wanted.
    NotAnObject,
    Missing(&'static str),
    WrongType(&'static str),
}

impl ShapeError {
    /// Appends a description ("missing field `x`") to `out`.
    pub fn describe(&self, out: &mut String) {
        match self {
            ShapeError::NotAnObject => out.push_str("JSON of the wrong shape"),
            ShapeError::Missing(field) => {
                out.push_str("missing field `");
                out.push_str(field);
                out.push('`');
            }
            ShapeError::WrongType(field) => {
                out.push_str("field `");
                out.push_str(field);
                out.push_str("` has the wrong type");
            }
        }
    }
}

/// A type read from JSON, by hand.
pub trait FromJson: Sized {
    fn from_json(value: &Value) -> Result<Self, ShapeError>;
}

/// A type written as JSON, by hand.
pub trait ToJson {
    fn to_json(&self) -> Value;
}

/// The fields of an object being read: missing or `null` optional fields read as `None`,
/// unknown fields are ignored (what serde's `default` did).
pub struct Fields<'a>(&'a Map);

impl<'a> Fields<'a> {
    pub fn of(value: &'a Value) -> Result<Fields<'a>, ShapeError> {
        value.as_object().map(Fields).ok_or(ShapeError::NotAnObject)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, key: &'static str) -> Result<Option<&'a str>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or(ShapeError::WrongType(key)),
        }
    }

    pub fn str(&self, key: &'static str) -> Result<&'a str, ShapeError> {
        self.opt_str(key)?.ok_or(ShapeError::Missing(key))
    }

    pub fn opt_string(&self, key: &'static str) -> Result<Option<String>, ShapeError> {
        Ok(self.opt_str(key)?.map(str::to_owned))
    }

    pub fn string(&self, key: &'static str) -> Result<String, ShapeError> {
        self.str(key).map(str::to_owned)
    }

    pub fn opt_bool(&self, key: &'static str) -> Result<Option<bool>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or(ShapeError::WrongType(key)),
        }
    }

    pub fn opt_u64(&self, key: &'static str) -> Result<Option<u64>, ShapeError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or(ShapeError::WrongType(key)),
        }
    }

    /// An optional nested value read with `T`'s reader.
    pub fn opt<T: FromJson>(&self, key: &'static str) -> Result<Option<T>, ShapeError> {
        self.get(key).map(T::from_json).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_back() {
        let text = r#" {"b":[1,-2.5e3,true,false,null],"a":"x\"\\\/\n\u00e9\ud83d\ude00","c":{}} "#;
        let v = parse(text).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_str), Some("x\"\\/\né😀"));
        assert_eq!(
            v.to_json_string(),
            r#"{"b":[1,-2.5e3,true,false,null],"a":"x\"\\/\né😀","c":{}}"#
        );
        // What we write, serde_json reads the same.
        let theirs: serde_json::Value = serde_json::from_str(&v.to_json_string()).unwrap();
        let direct: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(theirs, direct);
    }

    #[test]
    fn control_characters_are_escaped() {
        let v = Value::from("a\u{1}b\tc");
        assert_eq!(v.to_json_string(), r#""a\u0001b\tc""#);
        assert_eq!(parse(&v.to_json_string()).unwrap(), v);
    }

    #[test]
    fn refuses_what_json_refuses() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            ".5",
            "1e",
            "+1",
            "nul",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "[1] 2",
            "{a:1}",
            "'a'",
            "\"abc",
            "NaN",
            "Infinity",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn depth_is_limited() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err().kind, ParseErrorKind::TooDeep);
        let hostile = "[".repeat(1_000_000);
        assert_eq!(parse(&hostile).unwrap_err().kind, ParseErrorKind::TooDeep);
    }

    #[test]
    fn last_repeated_key_wins() {
        let v = parse(r#"{"a":1,"b":0,"a":2}"#).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_u64), Some(2));
        // Written back as it came: `JSON.parse` of it reads `a` as 2 too.
        assert_eq!(v.to_json_string(), r#"{"a":1,"b":0,"a":2}"#);
        let mut map = v.as_object().unwrap().clone();
        assert_eq!(
            map.insert("a".into(), Value::from(3u64)),
            Some(Value::from(2u64))
        );
        assert_eq!(map.get("a"), Some(&Value::from(3u64)));
        assert_eq!(map.remove("a"), Some(Value::from(3u64)));
        assert!(!map.contains_key("a") && map.len() == 1);
    }

    #[test]
    fn integers() {
        let n = |s: &str| match parse(s).unwrap() {
            Value::Number(n) => n,
            _ => panic!("not a number"),
        };
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("1.0").as_u64(), None);
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1700000000.9").floor_i64(), Some(1_700_000_000));
        assert_eq!(n("1.7e9").floor_i64(), Some(1_700_000_000));
        assert_eq!(n("17E-1").floor_i64(), Some(1));
        assert_eq!(n("-0.5").floor_i64(), Some(-1));
        assert_eq!(n("-2").floor_i64(), Some(-2));
        assert_eq!(n("1e400").floor_i64(), None);
        assert_eq!(n("1e-400").floor_i64(), Some(0));
        assert_eq!(n("9223372036854775807").floor_i64(), Some(i64::MAX));
        assert_eq!(n("9223372036854775808").floor_i64(), None);
        assert_eq!(n("1e+2").floor_i64(), Some(100));
        assert_eq!(n("25e-1").floor_i64(), Some(2));
        assert_eq!(n("1e2147483648").floor_i64(), None);
        for text in [
            "0", "+5", "-0", "", "+", "-", "12", "2147483647", "2147483648", "-2147483648",
            "-2147483649", "1a", "+-1", "007",
        ] {
            assert_eq!(exponent_value(text.as_bytes()), text.parse::<i32>().ok(), "{text}");
        }
        for k in [0u64, 7, 10, 99, 1_000_000, u64::MAX] {
            assert_eq!(Number::from(k).as_u64(), Some(k));
            assert_eq!(u64_text(k), k.to_string());
        }
        assert_eq!(Number::from(-42i64).as_i64(), Some(-42));
    }

    #[test]
    fn fields_read_like_serde_defaults() {
        let v = parse(r#"{"a":"x","n":null,"k":5,"b":true,"w":1}"#).unwrap();
        let f = Fields::of(&v).unwrap();
        assert_eq!(f.str("a"), Ok("x"));
        assert_eq!(f.opt_str("n"), Ok(None));
        assert_eq!(f.opt_str("missing"), Ok(None));
        assert_eq!(f.str("missing"), Err(ShapeError::Missing("missing")));
        assert_eq!(f.opt_str("w"), Err(ShapeError::WrongType("w")));
        assert_eq!(f.opt_u64("k"), Ok(Some(5)));
        assert_eq!(f.opt_bool("b"), Ok(Some(true)));
        assert!(Fields::of(&Value::Null).is_err());
        assert_eq!(
            Value::object_without_none([("a", Some(Value::from("x"))), ("b", None)])
                .to_json_string(),
            r#"{"a":"x"}"#
        );
    }

    // proptest is a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn never_panics_and_agrees_with_serde_json(text in "\\PC{0,64}") {
            let ours = parse(&text);
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            // serde_json's recursion limit is 128; ours is lower, so only compare shallow texts.
            // serde_json also refuses numbers beyond f64, which ours keeps as text.
            let out_of_range = theirs.as_ref().is_err_and(|e| e.to_string().starts_with("number out of range"));
            if text.matches(['[', '{']).count() < MAX_DEPTH && !out_of_range {
                proptest::prop_assert_eq!(ours.is_ok(), theirs.is_ok());
            }
            if let (Ok(ours), Ok(_)) = (ours, theirs) {
                let again: serde_json::Value = serde_json::from_str(&ours.to_json_string()).unwrap();
                let direct: serde_json::Value = serde_json::from_str(&text).unwrap();
                proptest::prop_assert_eq!(again, direct);
            }
        }
    }
}
