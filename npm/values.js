// Reading untyped values from the app and the wallet, and strings as the wasm's Rust reads them:
// shared by config.js, prompts.js and eip1193.js. Nothing here throws on a hostile value (a
// Proxy whose traps throw, a throwing getter).

/** `target[key]` (inherited too), undefined when `target` is not an object or function, or the read threw. */
export function property(target, key) {
  if (!isObject(target) && typeof target !== "function") return undefined;
  try {
    return Reflect.get(target, key);
  } catch {
    return undefined;
  }
}

/** `JsValue::is_object`: typeof "object" and not null (a function is not one). */
export function isObject(value) {
  return typeof value === "object" && value !== null;
}

/** `Object.keys(value)` or null when its traps threw. */
export function ownKeys(value) {
  try {
    return Object.keys(value);
  } catch {
    return null;
  }
}

/** A JS string as Rust receives it: lone surrogates become U+FFFD. */
export function wellFormed(text) {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

// Rust's `str::trim`: Unicode White_Space, which is not JS's set (U+0085 is, U+FEFF is not).
const RUST_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
const RUST_TRIM = new RegExp(`^${RUST_SPACE}+|${RUST_SPACE}+$`, "g");

/** `str::trim` of the Rust. */
export function rustTrim(text) {
  return text.replace(RUST_TRIM, "");
}
