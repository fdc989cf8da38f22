// The error guard and the error kinds, in plain JS: usable in a `catch` before (or without)
// the wasm loading. Errors thrown by the wasm and by this shell have the same shape: a real
// `Error` with `name === "RatioAuthError"` and a `kind` from the list below.

/** Every `kind` a RatioAuthError can have (the same list as the Rust `ErrorKind::ALL`). */
export const RatioAuthErrorKinds = Object.freeze([
  "userRejected",
  "rateLimited",
  "conflict",
  "invalidOtp",
  "mfaRequired",
  "signatureMismatch",
  "contractWalletRefused",
  "network",
  "timeout",
  "aborted",
  "server",
  "badResponse",
  "config",
  "wallet",
  "resume",
]);

const KINDS = new Set(RatioAuthErrorKinds);

/**
 * True for the errors this package throws. Reads through a try: a hostile value (a Proxy whose
 * getters throw) is simply not one of ours. `instanceof Error` is not required, so an error
 * from another realm (an iframe's copy of the package) still narrows.
 */
export function isRatioAuthError(value) {
  try {
    return (
      typeof value === "object" &&
      value !== null &&
      value.name === "RatioAuthError" &&
      typeof value.kind === "string" &&
      KINDS.has(value.kind)
    );
  } catch {
    return false;
  }
}

/**
 * An error of this shell (the wasm makes its own, with the same fields). `extra` holds the
 * kind's fields (`reason`, `cause`, ...); `message` is written here, never taken from outside.
 */
export function ratioAuthError(kind, shortMessage, extra = {}) {
  const { details, cause, ...fields } = extra;
  // A message is never the place for a JWT (an app's option or argument may hold one).
  shortMessage = maskTokens(String(shortMessage), false);
  const message = details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage;
  const error = cause === undefined ? new Error(message) : new Error(message, { cause });
  error.name = "RatioAuthError";
  error.kind = kind;
  error.code = undefined;
  error.status = undefined;
  error.shortMessage = shortMessage;
  error.details = details;
  Object.assign(error, fields);
  return error;
}

/**
 * Text from outside (a server's or a wallet's error message) made safe to show: JWT-shaped tokens
 * and standalone runs of 6 to 8 digits (one-time codes) masked, capped at 200 characters so a
 * whole HTML page never becomes a message. The same rule as the wasm's `sanitize_external_text`.
 */
export function sanitizeExternalText(text) {
  const masked = maskTokens(String(text), true);
  const chars = Array.from(masked);
  return chars.length > 200 ? chars.slice(0, 200).join("") + "…" : masked;
}

function maskTokens(text, digits) {
  return text.replace(/[A-Za-z0-9_.-]+/g, (token) => {
    const trimmed = token.replace(/\.+$/, "");
    const jwt = trimmed.startsWith("eyJ") && (trimmed.match(/\./g) || []).length >= 2;
    const code = digits && /^[0-9]{6,8}$/.test(trimmed);
    return jwt || code ? "***" + token.slice(trimmed.length) : token;
  });
}

/**
 * An error whose text has a part from outside: `shortMessage` is ours, `details` the outside
 * text, sanitised; `message` is `short: detail`, or `short (Ratio: detail)` with `ratio`. An
 * empty detail is none.
 */
export function detailedError(kind, shortMessage, detail, { ratio = false, ...extra } = {}) {
  const clean = sanitizeExternalText(detail ?? "");
  if (clean.trim() === "") return ratioAuthError(kind, shortMessage, extra);
  const error = ratioAuthError(kind, maskTokens(shortMessage, false), { ...extra, details: clean });
  error.message = maskTokens(ratio ? `${shortMessage} (Ratio: ${clean})` : `${shortMessage}: ${clean}`, false);
  return error;
}

/**
 * The RatioAuthError of fields the wasm engine wrote (`{ kind, message, shortMessage, details?,
 * code?, status?, retryAt?, signedBy?, walletCode?, reason? }`), with `cause` when given.
 * `kind`, `shortMessage`, `details`, `code` and `status` are always own properties, as on every
 * error of this package; the kind's fields only when present.
 */
export function errorFromFields(fields, cause) {
  const error = cause === undefined ? new Error(fields.message) : new Error(fields.message, { cause });
  error.name = "RatioAuthError";
  error.kind = fields.kind;
  error.shortMessage = fields.shortMessage ?? fields.message;
  error.details = fields.details;
  error.code = fields.code;
  error.status = fields.status;
  for (const key of ["retryAt", "signedBy", "walletCode", "reason"]) {
    if (fields[key] !== undefined) error[key] = fields[key];
  }
  return error;
}

/** The fields of a RatioAuthError, for the engine (the driver ends a flow with it). */
export function errorFields(error) {
  const fields = { kind: error.kind, message: error.message };
  for (const key of ["retryAt", "walletCode", "reason"]) {
    if (error[key] !== undefined) fields[key] = error[key];
  }
  return fields;
}

/** `error` with `cause` when it has none yet. */
export function orCause(error, cause) {
  if (cause !== undefined && error.cause === undefined) {
    Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  }
  return error;
}
