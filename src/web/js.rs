//! Small, panic-free readers for untyped JS values.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `target[key]`, or `undefined` when `target` is not an object or a getter throws.
pub(crate) fn property(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
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
