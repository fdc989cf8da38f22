// The EIP-1193 bridge: any JS provider object with `request({method, params})` (`window.ethereum`,
// an EIP-6963 provider, wagmi's connector provider, a test double). A port of src/web/wallet.rs.
//
// Every request races the wallet timeout and the flow's AbortSignal: a wallet that never answers
// (a closed popup, a locked extension) ends in a typed error instead of a hung flow. Checking *who*
// signed is the engine's job, not this one's. Everything read from the provider is read inside a
// try (getters, Proxy traps and `then`s may throw): nothing it does throws out of this module.
//
// Addresses are kept as lowercase `0x` hex strings, the byte-for-byte identity the Rust's `Address`
// compares by. The EIP-55 checksum form (what results print) needs keccak: the wasm gives it.

import { race, TIMED_OUT, ABORTED, signalAborted } from "./abort.js";
import { detailedError, sanitizeExternalText } from "./errors.js";
import { property, rustTrim, wellFormed } from "./values.js";

/** EIP-1193 and JSON-RPC error codes this bridge tells apart. */
export const codes = Object.freeze({
  USER_REJECTED: 4001,
  UNAUTHORIZED: 4100,
  UNSUPPORTED_METHOD: 4200,
  DISCONNECTED: 4900,
  CHAIN_DISCONNECTED: 4901,
  INTERNAL_ERROR: -32603,
  METHOD_NOT_FOUND: -32601,
  REQUEST_PENDING: -32002,
});

// ---- reading the wallet's untyped values (on values.js's property) ----

function functionProperty(target, key) {
  const value = property(target, key);
  return typeof value === "function" ? value : null;
}

function stringProperty(target, key) {
  const value = property(target, key);
  return typeof value === "string" ? value : null;
}

function asciiLower(text) {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

// Beyond this an f64 no longer holds every integer exactly.
const INTEGER_LIMIT = 9_000_000_000_000_000;
const I64_MAX = 2n ** 63n - 1n;

/**
 * An integer-valued number property, also accepted as an integer string (`"4001"`, some wallets
 * send that): optional sign, ASCII digits, nothing else (no `4001.0`, no `0x10`, no `1e3`).
 */
function integerProperty(target, key) {
  const value = property(target, key);
  if (typeof value === "number") {
    if (!Number.isInteger(value) || Math.abs(value) >= INTEGER_LIMIT) return null;
    return value === 0 ? 0 : value; // -0 reads as 0, as `n as i64` does
  }
  if (typeof value !== "string") return null;
  const text = rustTrim(value);
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const number = BigInt(text);
  // The Rust also refuses what overflows an i64 (`parse::<i64>`); see the report about i64::MIN.
  if (number > I64_MAX || number < -I64_MAX - 1n) return null;
  if (number >= BigInt(INTEGER_LIMIT) || number <= -BigInt(INTEGER_LIMIT)) return null;
  return Number(number);
}

/** A readable message for anything JS may throw or reject with. */
function thrownMessage(value) {
  if (typeof value === "string") return wellFormed(value);
  const message = stringProperty(value, "message");
  if (message !== null) return wellFormed(message);
  if (value === undefined || value === null) return "no error value";
  return "non-Error value thrown";
}

// More accounts than any wallet has; a bound for Proxy arrays that claim a huge length.
const MAX_ACCOUNTS = 1_000;

/** The items of a JS array (or a Proxy of one) read one by one: { items } or { error }. */
function arrayItems(value, maxLength) {
  let isArray;
  try {
    isArray = Array.isArray(value); // throws for a revoked Proxy
  } catch {
    return { error: "threw" };
  }
  if (!isArray) return { error: "notAnArray" };
  let length;
  try {
    length = Reflect.get(value, "length");
  } catch {
    return { error: "threw" };
  }
  if (typeof length !== "number") return { error: "notAnArray" };
  if (!Number.isInteger(length) || length < 0 || length > maxLength) return { error: "tooLong" };
  const items = [];
  for (let index = 0; index < length; index += 1) {
    try {
      items.push(Reflect.get(value, index));
    } catch {
      return { error: "threw" };
    }
  }
  return { items };
}

// ---- addresses ----

/**
 * An address a wallet gave (or an app asked for), as lowercase `0x` hex; null when it is not one.
 * Wallets disagree on case (lowercase, EIP-55, sometimes upper): their spelling is trusted as
 * bytes, so a checksum mismatch in it is not an error.
 */
export function parseWalletAddress(text) {
  if (typeof text !== "string") return null;
  const lower = asciiLower(rustTrim(text));
  return /^0x[0-9a-f]{40}$/.test(lower) ? lower : null;
}

/** The address as the Rust's `Address` compares it (bytes: any case); the raw value if it is none. */
function addressKey(address) {
  return parseWalletAddress(address) ?? address;
}

/** `0x`-hex of the UTF-8 bytes of `text`: what personal_sign is given as its message. */
function challengeHex(text) {
  let out = "0x";
  for (const byte of new TextEncoder().encode(text)) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** The lowercase hex of an address our own code passes in (the engine's); throws if it is none. */
function lowerHex(address) {
  const lower = parseWalletAddress(address);
  if (lower === null) throw new TypeError("eip1193: not an address: " + typeof address);
  return lower;
}

// ---- errors ----

// tag → [RatioAuthError kind, reason]; the tags are the Rust enum's variants.
const KINDS = {
  notAProvider: ["wallet", "notAProvider"],
  userRejected: ["userRejected", undefined],
  unauthorized: ["wallet", "unauthorized"],
  unsupportedMethod: ["wallet", "unsupportedMethod"],
  disconnected: ["wallet", "disconnected"], // "chainDisconnected" when chainOnly
  requestPending: ["wallet", "requestPending"],
  noAccounts: ["wallet", "noAccounts"],
  accountNotAvailable: ["wallet", "accountNotAvailable"],
  badResponse: ["wallet", "badResponse"],
  accountsChanged: ["wallet", "accountsChanged"],
  timeout: ["timeout", undefined],
  aborted: ["aborted", undefined],
  other: ["wallet", "other"],
};

// The variants that carry the wallet's own (sanitised) message.
const WITH_MESSAGE = new Set(["userRejected", "unauthorized", "unsupportedMethod", "disconnected", "requestPending", "other"]);

function summaryOf(tag, fields) {
  switch (tag) {
    case "notAProvider":
      return "the provider has no request() function (not an EIP-1193 provider)";
    case "userRejected":
      return "the user rejected the request in the wallet";
    case "unauthorized":
      return "the wallet has not authorised this account or method";
    case "unsupportedMethod":
      return `the wallet does not support ${fields.method}`;
    case "disconnected":
      return fields.chainOnly ? "the wallet is not connected to the chain" : "the wallet is disconnected";
    case "requestPending":
      return "a request is already pending in the wallet; open the wallet to finish it";
    case "noAccounts":
      return "the wallet returned no account";
    case "accountNotAvailable":
      return `account ${fields.requested} is not among the wallet's accounts`;
    case "badResponse":
      return `the wallet answered ${fields.method} with ${fields.detail}`;
    case "accountsChanged":
      return "the wallet switched accounts during sign-in";
    case "timeout":
      return "the wallet did not answer in time";
    case "aborted":
      return "the wallet request was aborted";
    default:
      return fields.walletCode === null ? "wallet error" : `wallet error ${fields.walletCode}`;
  }
}

/** The EIP-1193 / JSON-RPC code the RatioAuthError of a variant carries (`walletCode`), or null. */
function walletCodeOf(tag, fields) {
  switch (tag) {
    case "userRejected":
    case "other":
      return fields.walletCode ?? null;
    case "unauthorized":
      return codes.UNAUTHORIZED;
    case "unsupportedMethod":
      return codes.UNSUPPORTED_METHOD;
    case "disconnected":
      return fields.chainOnly ? codes.CHAIN_DISCONNECTED : codes.DISCONNECTED;
    case "requestPending":
      return codes.REQUEST_PENDING;
    default:
      return null;
  }
}

/**
 * What a wallet request can end in, besides its result (the Rust `WalletError`).
 * - `walletError`: the variant, one of the keys of KINDS;
 * - `walletCode`: for `userRejected` and `other` the variant's code (4001 or -32603; the code or
 *   null), for the others the fixed code their RatioAuthError carries, else null;
 * - `walletMessage` (the wallet's message, sanitised) for the variants that carry one, `method`
 *   (`unsupportedMethod`, `badResponse`), `detail` (`badResponse`), `chainOnly` (`disconnected`),
 *   `requested` (`accountNotAvailable`);
 * - `thrown`: what the provider threw or rejected with, when it did (`hasThrown`).
 * `message` is the Rust's Display: the summary, then `: ` and the wallet's message.
 */
export class WalletError extends Error {
  constructor(tag, fields = {}) {
    const data = { ...fields };
    if (!(tag in KINDS)) throw new TypeError("eip1193: unknown wallet error " + tag);
    if (WITH_MESSAGE.has(tag)) data.walletMessage = String(data.walletMessage ?? "");
    data.walletCode = walletCodeOf(tag, data);
    const summary = summaryOf(tag, data);
    super(WITH_MESSAGE.has(tag) ? `${summary}: ${data.walletMessage}` : summary);
    this.name = "WalletError";
    this.walletError = tag;
    this.summary = summary;
    Object.assign(this, data);
    this.hasThrown = false;
    this.thrown = undefined;
  }

  /** The variant and its fields, without `thrown` (for logs and comparisons). */
  toJSON() {
    const out = { walletError: this.walletError, walletCode: this.walletCode };
    for (const key of ["walletMessage", "method", "detail", "chainOnly", "requested"]) {
      if (key in this) out[key] = this[key];
    }
    return out;
  }
}

function badResponse(method, detail) {
  return new WalletError("badResponse", { method, detail });
}

/** Maps whatever a provider threw or rejected with to a WalletError (keeping it as `thrown`). */
export function mapProviderError(method, thrown) {
  const code = integerProperty(thrown, "code");
  const walletMessage = sanitizeExternalText(thrownMessage(thrown));
  let error;
  switch (code) {
    case codes.USER_REJECTED:
      error = new WalletError("userRejected", { walletCode: codes.USER_REJECTED, walletMessage });
      break;
    case codes.INTERNAL_ERROR:
      error = isUserDenialQuirk(thrown)
        ? new WalletError("userRejected", { walletCode: codes.INTERNAL_ERROR, walletMessage })
        : new WalletError("other", { walletCode: code, walletMessage });
      break;
    case codes.UNAUTHORIZED:
      error = new WalletError("unauthorized", { walletMessage });
      break;
    case codes.UNSUPPORTED_METHOD:
    case codes.METHOD_NOT_FOUND:
      error = new WalletError("unsupportedMethod", { method, walletMessage });
      break;
    case codes.DISCONNECTED:
      error = new WalletError("disconnected", { chainOnly: false, walletMessage });
      break;
    case codes.CHAIN_DISCONNECTED:
      error = new WalletError("disconnected", { chainOnly: true, walletMessage });
      break;
    case codes.REQUEST_PENDING:
      error = new WalletError("requestPending", { walletMessage });
      break;
    default:
      error = new WalletError("other", { walletCode: code, walletMessage });
  }
  error.hasThrown = true;
  error.thrown = thrown;
  return error;
}

/**
 * Some wallets report a rejection as `-32603 Internal JSON-RPC error`, with "User denied …" in the
 * message or a 4001 nested in `data` (`data.code`, `data.originalError.code`).
 */
function isUserDenialQuirk(thrown) {
  const saysDenied = (value) => {
    const message = stringProperty(value, "message");
    if (message === null) return false;
    const lower = asciiLower(message);
    return lower.includes("user denied") || lower.includes("user rejected");
  };
  const data = property(thrown, "data");
  const original = property(data, "originalError");
  return (
    saysDenied(thrown) ||
    saysDenied(data) ||
    saysDenied(original) ||
    integerProperty(data, "code") === codes.USER_REJECTED ||
    integerProperty(original, "code") === codes.USER_REJECTED
  );
}

/**
 * The RatioAuthError of a WalletError (`From<WalletError> for RatioAuthError`): its kind and
 * reason, the summary as `shortMessage`, the wallet's message as `details`, `walletCode`; and as
 * `cause` what the provider threw, which is what the Rust's callers add (`or_cause(take_thrown())`).
 */
export function walletErrorToJs(error) {
  const tag = error.walletError;
  const [kind, baseReason] = KINDS[tag];
  const reason = tag === "disconnected" && error.chainOnly ? "chainDisconnected" : baseReason;
  const extra = {};
  if (reason !== undefined) extra.reason = reason;
  if (error.walletCode !== null && error.walletCode !== undefined) extra.walletCode = error.walletCode;
  if (error.hasThrown && error.thrown !== undefined) extra.cause = error.thrown;
  return detailedError(kind, error.summary, WITH_MESSAGE.has(tag) ? error.walletMessage : "", extra);
}

/**
 * The engine's view of a wallet failure (engine_wallet_error): rejections and timeouts as such
 * (they carry nothing: code null, message ""), the rest as `other` with the RatioAuthError's
 * `walletCode` and the Rust's Display of the error.
 */
export function engineWalletError(error) {
  switch (error.walletError) {
    case "userRejected":
      return { kind: "userRejected", code: null, message: "" };
    case "timeout":
      return { kind: "timeout", code: null, message: "" };
    default:
      return { kind: "other", code: error.walletCode ?? null, message: error.message };
  }
}

// ---- the wallet ----

/** An EIP-1193 provider, checked to have a `request` function. */
export class Wallet {
  #provider;
  #request;
  #timeoutMs;
  #thrown = null; // { value } of the last failed request, or null

  /** `timeoutMs` bounds every request (a human answers these: give it tens of seconds); null: none. */
  constructor(provider, timeoutMs) {
    const request = functionProperty(provider, "request");
    if (request === null) throw new WalletError("notAProvider");
    this.#provider = provider;
    this.#request = request;
    this.#timeoutMs = timeoutMs ?? null;
  }

  get provider() {
    return this.#provider;
  }

  /**
   * What the last failed request threw or rejected with (the wallet's own error object, kept as a
   * RatioAuthError's `cause`), taken; undefined when the last request did not fail that way (it
   * succeeded, timed out, was aborted, or answered badly).
   */
  takeThrown() {
    const kept = this.#thrown;
    this.#thrown = null;
    return kept === null ? undefined : kept.value;
  }

  /**
   * `provider.request({method, params})`, raced against the timeout and `signal`; `params` is left
   * out when undefined (some wallets refuse `[]` for eth_accounts). Rejects with a WalletError.
   */
  async request(method, params, signal) {
    this.#thrown = null;
    // Checked first: an aborted flow must not open a wallet popup.
    if (signal && signalAborted(signal)) throw new WalletError("aborted");
    const args = { method };
    if (params !== undefined) args.params = params;
    const failed = (thrown) => {
      const error = mapProviderError(method, thrown);
      this.#thrown = { value: thrown };
      return error;
    };
    let returned;
    try {
      // The provider as `this`: providers are classes that use their own state.
      returned = Reflect.apply(this.#request, this.#provider, [args]);
    } catch (thrown) {
      throw failed(thrown);
    }
    // A fresh promise that follows any thenable or plain value: its resolve reads `then`, and a
    // throw there rejects. Settled into an outcome so that the race rejects only with its own.
    const outcome = new Promise((resolve) => resolve(returned)).then(
      (value) => ({ value }),
      (thrown) => ({ thrown }),
    );
    let settled;
    try {
      settled = await race(outcome, { timeoutMs: this.#timeoutMs, signal: signal ?? undefined });
    } catch (interrupted) {
      if (interrupted === TIMED_OUT) throw new WalletError("timeout");
      throw new WalletError("aborted");
    }
    if ("thrown" in settled) throw failed(settled.thrown);
    return settled.value;
  }

  /**
   * The wallet's accounts (lowercase), asking the user to connect if needed: eth_requestAccounts,
   * and eth_accounts when the wallet does not implement it (older and embedded wallets) or returns
   * no account. The order is the wallet's: the first is the selected account.
   */
  async requestAccounts(signal) {
    let requested;
    try {
      requested = parseAccounts("eth_requestAccounts", await this.request("eth_requestAccounts", undefined, signal));
    } catch (error) {
      if (!(error instanceof WalletError) || error.walletError !== "unsupportedMethod") throw error;
      requested = [];
    }
    if (requested.length > 0) return requested;
    const accounts = parseAccounts("eth_accounts", await this.request("eth_accounts", undefined, signal));
    if (accounts.length === 0) throw new WalletError("noAccounts");
    return accounts;
  }

  /**
   * personal_sign of `message` by `address`: params [0x-hex of the UTF-8 message, the lowercase
   * address] (the order MetaMask and EIP-1474 wallets use). The signature as the wallet gave it.
   */
  async personalSign(message, address, signal) {
    const params = [challengeHex(message), lowerHex(address)];
    const value = await this.request("personal_sign", params, signal);
    if (typeof value === "string" && value !== "") return value;
    throw badResponse("personal_sign", "something that is not a signature string");
  }

  /** Whether `address` holds contract code: eth_getCode(address, "latest"), see codeIsPresent. */
  async hasCode(address, signal) {
    const params = [lowerHex(address), "latest"];
    const value = await this.request("eth_getCode", params, signal);
    const present = typeof value === "string" ? codeIsPresent(value) : null;
    if (present === null) throw badResponse("eth_getCode", "something that is not a hex string");
    return present;
  }

  /**
   * Calls `onChange(accounts)` on every `accountsChanged` event whose accounts can be read, until
   * the returned function is called. A provider without a working `on` gives a watch that never
   * fires; the returned function's `isListening` says which.
   */
  watchAccounts(onChange) {
    return watch(this.#provider, onChange);
  }
}

/**
 * Whether eth_getCode's answer holds code: not empty, not `0x`, not all zero digits (some nodes
 * answer `0x0` for an EOA). null when it is not hex.
 */
export function codeIsPresent(code) {
  const trimmed = rustTrim(code);
  const digits = trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]*$/.test(digits)) return null;
  return /[^0]/.test(digits);
}

function parseAccounts(method, value) {
  const read = arrayItems(value, MAX_ACCOUNTS);
  if (read.error === "notAnArray") throw badResponse(method, "something that is not an array of accounts");
  if (read.error === "tooLong") throw badResponse(method, "an array longer than any list of accounts");
  if (read.error === "threw") throw badResponse(method, "an array that threw when read");
  const accounts = read.items.map(parseWalletAddress);
  if (accounts.includes(null)) throw badResponse(method, "an entry that is not an account address");
  return accounts;
}

/**
 * The accounts of an accountsChanged event (those that are addresses); null when the event
 * carries no readable array (a broken emitter), which is ignored rather than read as a disconnect.
 */
function parseEventAccounts(value) {
  const read = arrayItems(value, MAX_ACCOUNTS);
  if (read.error) return null;
  return read.items.map(parseWalletAddress).filter((account) => account !== null);
}

/**
 * The account to sign in with (lowercase): `wanted` when given (compared as addresses, so case
 * does not matter) and the wallet has it, else the wallet's first account. Throws a WalletError
 * (`noAccounts`, `accountNotAvailable`); walletErrorToJs gives the RatioAuthError the Rust throws.
 * `wanted` is a string or null/undefined (signIn's `account`, checked to be a string).
 */
export function selectAccount(accounts, wanted) {
  if (wanted === undefined || wanted === null) {
    if (accounts.length === 0) throw new WalletError("noAccounts");
    return accounts[0];
  }
  const notAvailable = () => new WalletError("accountNotAvailable", { requested: typeof wanted === "string" ? wanted : "" });
  const key = parseWalletAddress(wanted);
  if (key === null) throw notAvailable();
  const found = accounts.find((account) => addressKey(account) === key);
  if (found === undefined) throw notAvailable();
  return found;
}

/**
 * Whether an accountsChanged to `newAccounts` ends a flow signing as `account`: it was the
 * selected account and is not anymore, or it is gone from the list (a disconnect gives []).
 */
export function accountsChangeEndsFlow(account, wasSelected, newAccounts) {
  const key = addressKey(account);
  if (wasSelected) return newAccounts.length === 0 || addressKey(newAccounts[0]) !== key;
  return !newAccounts.some((other) => addressKey(other) === key);
}

function watch(provider, onChange) {
  let active = true;
  let listener = null;
  const on = functionProperty(provider, "on");
  if (on !== null) {
    const candidate = (accounts) => {
      if (!active) return;
      const parsed = parseEventAccounts(accounts);
      if (parsed === null) return;
      try {
        onChange(parsed);
      } catch {
        // Never thrown into the provider's event loop (the Rust callback cannot throw either).
      }
    };
    try {
      Reflect.apply(on, provider, ["accountsChanged", candidate]);
      listener = candidate;
    } catch {
      // Not registered. Were it kept anyway, the Rust's dropped closure would throw; here it
      // simply stays inert.
      active = false;
    }
  }
  const stop = () => {
    active = false;
    if (listener === null) return;
    const registered = listener;
    listener = null;
    // The first of removeListener / off that works; if none does the provider keeps calling an
    // inert listener.
    for (const name of ["removeListener", "off"]) {
      const remove = functionProperty(provider, name);
      if (remove === null) continue;
      try {
        Reflect.apply(remove, provider, ["accountsChanged", registered]);
        return;
      } catch {
        // try the next one
      }
    }
  };
  stop.isListening = listener !== null;
  return stop;
}
