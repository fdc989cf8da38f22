//! Small, panic-free readers for untyped JS values.
//!
//! Every read of a value from the app or a wallet goes through here (or another catching call):
//! a `Proxy` trap, a getter or a `then` that throws must become a typed error. An exception
//! thrown *through* wasm frames skips Rust's unwinding, leaving borrows, in-flight flags and the
//! futures executor's queue as they were mid-call: broken for the rest of the page.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    // js-sys declares these without `catch`, but a Proxy's traps (or a revoked Proxy) throw in them.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys_catching(target: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_catching(value: &JsValue) -> Result<bool, JsValue>;
}

/// `target[key]`, or `undefined` when `target` is not an object or a getter throws.
pub(crate) fn property(target: &JsValue, key: &str) -> JsValue {
    try_property(target, key).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key]` (inherited too), `undefined` when `target` is not an object, or what the read threw.
pub(crate) fn try_property(target: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    try_get(target, &JsValue::from_str(key))
}

fn try_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue> {
    if !target.is_object() && !target.is_function() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(target, key)
}

/// `Object.keys(target)`, or what its traps threw. The result is a fresh array of strings.
pub(crate) fn own_keys(target: &JsValue) -> Result<Vec<String>, JsValue> {
    let keys = object_keys_catching(target)?;
    Ok(keys.iter().filter_map(|key| key.as_string()).collect())
}

/// Why [`array_items`] refused a value.
#[derive(Debug)]
pub(crate) enum ArrayError {
    NotAnArray,
    /// More than the caller's bound (a `Proxy` can claim a length of 2^32 - 1).
    TooLong,
    /// A trap or getter threw.
    Threw,
}

/// The items of a JS array (or a `Proxy` of one), read one by one through catching calls.
pub(crate) fn array_items(value: &JsValue, max_len: u32) -> Result<Vec<JsValue>, ArrayError> {
    if !is_array_catching(value).map_err(|_| ArrayError::Threw)? {
        return Err(ArrayError::NotAnArray);
    }
    let length = try_property(value, "length").map_err(|_| ArrayError::Threw)?;
    let length = match length.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(max_len)).contains(&n) => n as u32,
        Some(_) => return Err(ArrayError::TooLong),
        None => return Err(ArrayError::NotAnArray),
    };
    (0..length)
        .map(|index| try_get(value, &JsValue::from(index)).map_err(|_| ArrayError::Threw))
        .collect()
}

/// A copy of `value` made of plain data only, read the way `JSON.stringify` reads it (own
/// enumerable string keys, array items) through catching calls, `depth` levels deep. Whatever
/// reads it next (`JSON.stringify`, then the engine's JSON reader) then meets no trap, no getter
/// and no `toJSON`. Symbols, functions, bigints and what lies too deep become a marker object
/// (kept by `JSON.stringify`, unlike a symbol), which no field accepts. `None` when a read threw or an array is longer than `max_len`.
pub(crate) fn plain_copy(value: &JsValue, depth: u8, max_len: u32) -> Option<JsValue> {
    if value.is_string()
        || value.as_f64().is_some()
        || value.as_bool().is_some()
        || value.is_null()
        || value.is_undefined()
    {
        return Some(value.clone());
    }
    if depth == 0 || !value.is_object() {
        let marker = js_sys::Object::new();
        Reflect::set(
            &marker,
            &JsValue::from_str("ratio-auth:unsupported"),
            &JsValue::TRUE,
        )
        .ok()?;
        return Some(marker.into());
    }
    match array_items(value, max_len) {
        Ok(items) => {
            let copy = Array::new();
            for item in &items {
                copy.push(&plain_copy(item, depth - 1, max_len)?);
            }
            return Some(copy.into());
        }
        Err(ArrayError::NotAnArray) => {}
        Err(ArrayError::TooLong | ArrayError::Threw) => return None,
    }
    let copy = js_sys::Object::new();
    for key in own_keys(value).ok()? {
        // Setting `__proto__` would change the copy's prototype instead of adding a field.
        if key == "__proto__" {
            continue;
        }
        let item = try_property(value, &key).ok()?;
        Reflect::set(
            &copy,
            &JsValue::from_str(&key),
            &plain_copy(&item, depth - 1, max_len)?,
        )
        .ok()?;
    }
    Some(copy.into())
}

/// A fresh promise that follows `value` (a promise, any thenable, or a plain value).
/// `Promise.resolve` is not enough: for a real promise it reads `constructor` and returns the
/// same object, whose own `then` the caller's `await` would then call; both may throw. Here the
/// promise's resolve function reads `then`, and a throw there rejects instead.
pub(crate) fn follow(value: &JsValue) -> Promise {
    Promise::new(&mut |resolve, _reject| {
        let _ = resolve.call1(&JsValue::UNDEFINED, value);
    })
}

pub(crate) fn string_property(target: &JsValue, key: &str) -> Option<String> {
    property(target, key).as_string()
}

pub(crate) fn function_property(target: &JsValue, key: &str) -> Option<Function> {
    property(target, key).dyn_into::<Function>().ok()
}

/// Sets `target[key]`; failures (a frozen object) are ignored because they only lose a detail.
pub(crate) fn set_property(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A readable message for anything JS may throw or reject with: an `Error`, a string, an
/// object with a `message`, or something else entirely.
pub(crate) fn thrown_message(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    if let Some(message) = string_property(value, "message") {
        return message;
    }
    if value.is_undefined() || value.is_null() {
        return "no error value".to_owned();
    }
    "non-Error value thrown".to_owned()
}

/// An integer-valued number property (also accepted as an integer string, which some wallets
/// send: `"4001"`). Strings are parsed as integers, not floats: a float parse would link core's
/// float parser and its 10 KB table into the bundle for this one line.
pub(crate) fn integer_property(target: &JsValue, key: &str) -> Option<i64> {
    // Beyond this an f64 no longer holds every integer exactly.
    const LIMIT: i64 = 9_000_000_000_000_000;
    let value = property(target, key);
    let number = match value.as_f64() {
        Some(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < LIMIT as f64 => n as i64,
        Some(_) => return None,
        None => value.as_string()?.trim().parse::<i64>().ok()?,
    };
    (number.abs() < LIMIT).then_some(number)
}

pub(crate) use crate::flow::MAX_SAFE_INTEGER;

/// `value` as a JS number, clamped to [`MAX_SAFE_INTEGER`] so it is always an exact integer.
pub(crate) fn safe_integer(value: u64) -> f64 {
    value.min(MAX_SAFE_INTEGER) as f64
}

/// Where `needle` first occurs in `haystack` (byte offset). By hand rather than with
/// `str::find(&str)`: core's two-way substring searcher costs ~3.5 KB of the wasm for the two
/// short searches the driver makes.
pub(crate) fn find_text(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
}
