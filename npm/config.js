// The options of `new RatioAuth({...})`, read and checked before anything is sent: a port of
// src/web/config.rs (same checks, same order, same messages).
//
// Rules (issue 4, "Credentials and storage"):
// - `baseUrl` is an absolute http(s) URL, without credentials, query or fragment. A trailing `/`
//   or `/v1` is dropped (endpoint paths start with `/v1/`), so neither `/v1/v1/…` nor `//v1`.
// - Cleartext `http:` only to loopback (`localhost`, 127.0.0.0/8, `[::1]`), unless
//   `dangerouslyAllowInsecureHttp: true`: elsewhere credentials, JWTs and OTPs would cross the
//   network readable by anyone on the path.
// - `clientSecret` needs `clientId`, and is refused unless `baseUrl` is loopback or
//   `dangerouslyAllowClientSecretInBrowser: true`: a secret in a production bundle is public.
// - `clientSessionId` is the browser-safe alternative; neither means `baseUrl` is the
//   integrator's proxy, which adds the credentials.
// - `retry` and `timeoutMs` are bounded, so a typo cannot make a storm of SMS or a hang.
// - `storage` is "memory" (default), "sessionStorage" or "none"; never localStorage.
// - `flowStorage` is "none" (default) or "sessionStorage", the latter only with `storage`
//   "sessionStorage" or "none": a saved flow holds its steps' session JWTs, so it may only be in
//   sessionStorage where the session may be too.
// Unknown options are refused: a misspelt security option must not be silently ignored.
// Values are read one by one inside try and never echoed: one may be a credential.

import { ratioAuthError } from "./errors.js";
import { isObject, ownKeys, rustTrim, wellFormed } from "./values.js";

/** HTTP timeout when `timeoutMs` is not given. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;
/** Wallet prompt timeout when `timeoutMs` is not given: a person has to read and click. */
export const DEFAULT_WALLET_TIMEOUT_MS = 120_000;

const TIMEOUT_RANGE_MS = [100, 600_000];
// Retries of an SMS send must stay few.
const MAX_ATTEMPTS_RANGE = [1, 10];
const BASE_DELAY_RANGE_MS = [0, 60_000];
const MAX_DELAY_RANGE_MS = [0, 600_000];
const MAX_TOTAL_RANGE_MS = [0, 3_600_000];

/** The engine's RetryPolicy::default(). */
export const DEFAULT_RETRY = Object.freeze({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxTotalMs: 120_000 });

const OPTION_KEYS = [
  "baseUrl",
  "clientId",
  "clientSecret",
  "clientSessionId",
  "dangerouslyAllowClientSecretInBrowser",
  "dangerouslyAllowInsecureHttp",
  "deviceFingerprint",
  "retry",
  "timeoutMs",
  "storage",
  "flowStorage",
];
const RETRY_KEYS = ["maxAttempts", "baseDelayMs", "maxDelayMs", "maxTotalMs"];

// --- helpers shared with prompts.js: the Rust string semantics the messages depend on ---------

/**
 * A `config` RatioAuthError; its JWT-shaped tokens are masked by ratioAuthError, as the wasm's
 * errors did (a baseUrl or an option name may carry one).
 */
export function configError(message) {
  return ratioAuthError("config", message);
}

/** A string quoted as the engine's JSON writer quotes it (not JSON.stringify: \b and \f differ). */
export function quote(text) {
  let out = '"';
  for (const c of wellFormed(text)) {
    const code = c.codePointAt(0);
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20) out += "\\u00" + code.toString(16).padStart(2, "0");
    else out += c;
  }
  return out + '"';
}

// --- the options -----------------------------------------------------------------------------

function refuseUnknownKeys(object, prefix, known) {
  const keys = ownKeys(object);
  if (keys === null) {
    throw configError(`the ${prefix === "" ? "RatioAuth" : "retry"} options could not be read (listing their keys threw)`);
  }
  for (const key of keys) {
    if (!known.includes(key)) {
      throw configError(`unknown option ${prefix}${quote(key)}; known: ${known.join(", ")}`);
    }
  }
}

/** Reads option values one by one through catching reads, checking their JS types. */
function optionReader(object, prefix) {
  const value = (key) => {
    let read;
    try {
      read = object[key];
    } catch {
      throw configError(`invalid RatioAuth options: reading ${prefix}${key} threw`);
    }
    return read === undefined || read === null ? undefined : read;
  };
  const wrongType = (key, expected) => configError(`invalid RatioAuth options: ${prefix}${key} must be ${expected}`);
  const typed = (type, expected) => (key) => {
    const read = value(key);
    if (read === undefined) return undefined;
    if (typeof read !== type) throw wrongType(key, expected);
    return type === "string" ? wellFormed(read) : read;
  };
  return {
    value,
    wrongType,
    string: typed("string", "a string"),
    boolean: typed("boolean", "a boolean"),
    number: typed("number", "a number"),
  };
}

function readOptions(options) {
  refuseUnknownKeys(options, "", OPTION_KEYS);
  const read = optionReader(options, "");
  let retry;
  const retryValue = read.value("retry");
  if (retryValue !== undefined) {
    if (!isObject(retryValue)) throw read.wrongType("retry", "an object");
    retry = readRetry(retryValue);
  }
  return {
    baseUrl: read.string("baseUrl"),
    clientId: read.string("clientId"),
    clientSecret: read.string("clientSecret"),
    clientSessionId: read.string("clientSessionId"),
    dangerouslyAllowClientSecretInBrowser: read.boolean("dangerouslyAllowClientSecretInBrowser"),
    dangerouslyAllowInsecureHttp: read.boolean("dangerouslyAllowInsecureHttp"),
    deviceFingerprint: read.string("deviceFingerprint"),
    retry,
    timeoutMs: read.number("timeoutMs"),
    storage: read.string("storage"),
    flowStorage: read.string("flowStorage"),
  };
}

function readRetry(retry) {
  refuseUnknownKeys(retry, "retry.", RETRY_KEYS);
  const read = optionReader(retry, "retry.");
  return {
    maxAttempts: read.number("maxAttempts"),
    baseDelayMs: read.number("baseDelayMs"),
    maxDelayMs: read.number("maxDelayMs"),
    maxTotalMs: read.number("maxTotalMs"),
  };
}

/**
 * Reads and checks the options of `new RatioAuth(options)` (Config::from_js). Throws a `config`
 * RatioAuthError; returns the checked config.
 */
export function checkOptions(options) {
  if (!isObject(options)) throw configError("RatioAuth options must be an object with at least baseUrl");
  return validate(readOptions(options));
}

function validate(options) {
  if (options.baseUrl === undefined) {
    throw configError("baseUrl is required: Ratio's API, your backend proxy, or the sandbox");
  }
  const { baseUrl, isLoopback } = checkBaseUrl(options.baseUrl);

  const clientId = nonEmpty("clientId", options.clientId);
  const clientSecret = nonEmpty("clientSecret", options.clientSecret);
  const sessionId = nonEmpty("clientSessionId", options.clientSessionId);
  const allowSecret = options.dangerouslyAllowClientSecretInBrowser ?? false;
  let credentials;
  if (clientSecret !== undefined && sessionId !== undefined) {
    throw configError("give clientSecret or clientSessionId, not both");
  } else if (clientSecret !== undefined && clientId === undefined) {
    throw configError("clientSecret needs clientId");
  } else if (clientSecret !== undefined) {
    if (!isLoopback && !allowSecret) {
      throw configError(
        `clientSecret is refused in the browser for ${baseUrl}: anyone can read it from the page. Use a backend proxy or a clientSessionId, or (local development only) a loopback baseUrl or dangerouslyAllowClientSecretInBrowser: true`,
      );
    }
    credentials = { kind: "clientSecret", clientId, clientSecret };
  } else if (sessionId !== undefined) {
    credentials = clientId === undefined ? { kind: "clientSession", sessionId } : { kind: "clientSession", sessionId, clientId };
  } else if (clientId !== undefined) {
    throw configError("clientId alone is not a credential: add clientSessionId, or use a backend proxy");
  } else {
    credentials = { kind: "proxy" };
  }
  if (baseUrl.startsWith("http:") && !isLoopback && options.dangerouslyAllowInsecureHttp !== true) {
    throw configError(
      `baseUrl ${baseUrl} is cleartext http to a host other than loopback: credentials, JWTs and codes would cross the network unencrypted. Use https, or (local networks only) dangerouslyAllowInsecureHttp: true`,
    );
  }
  checkCredentialHeaders(credentials);

  const deviceFingerprint = nonEmpty("deviceFingerprint", options.deviceFingerprint) ?? null;
  if (deviceFingerprint !== null) checkHeaderValue("deviceFingerprint", deviceFingerprint);

  const retry = checkRetry(options.retry ?? {});
  const timeoutMs = options.timeoutMs === undefined ? null : integerIn("timeoutMs", options.timeoutMs, ...TIMEOUT_RANGE_MS);

  let storage;
  switch (options.storage) {
    case undefined:
    case "memory":
      storage = "memory";
      break;
    case "sessionStorage":
      storage = "sessionStorage";
      break;
    case "none":
      storage = "none";
      break;
    case "localStorage":
      throw configError(
        'storage "localStorage" is not supported: a session JWT there outlives the tab and any script of the origin can read it. Use "memory", "sessionStorage" or "none"',
      );
    default:
      throw configError('storage must be "memory", "sessionStorage" or "none"');
  }
  let flowStorage;
  if (options.flowStorage === undefined || options.flowStorage === "none") {
    flowStorage = false;
  } else if (options.flowStorage === "sessionStorage") {
    // A saved flow holds the session JWTs of its steps: it may only live where the session
    // itself may. With "none" the caller keeps the session, wherever it likes.
    if (storage === "memory") {
      throw configError(
        'flowStorage "sessionStorage" needs storage "sessionStorage" or "none": a saved sign-in holds the session JWTs of its steps, which may only be kept where the session is',
      );
    }
    flowStorage = true;
  } else {
    throw configError('flowStorage must be "none" or "sessionStorage"');
  }

  return { baseUrl, baseUrlIsLoopback: isLoopback, credentials, deviceFingerprint, retry, timeoutMs, storage, flowStorage };
}

function checkCredentialHeaders(credentials) {
  if (credentials.kind === "clientSecret") {
    checkHeaderValue("clientId", credentials.clientId);
    checkHeaderValue("clientSecret", credentials.clientSecret);
  } else if (credentials.kind === "clientSession") {
    if (credentials.clientId !== undefined) checkHeaderValue("clientId", credentials.clientId);
    checkHeaderValue("clientSessionId", credentials.sessionId);
  }
}

/** The normalised base URL (origin + path prefix) and whether its host is loopback. */
function checkBaseUrl(text) {
  const bad = () => {
    // Echoed to help debugging, unless it may hold a credential (`user:pass@`).
    const shown = text.includes("@") ? "a URL with credentials" : quote(text);
    return configError(`baseUrl must be an absolute http(s) URL, got ${shown}`);
  };
  let url;
  try {
    url = new URL(rustTrim(text));
  } catch {
    throw bad();
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw bad();
  if (url.username !== "" || url.password !== "") {
    // Not echoed: the point is that it holds a credential.
    throw configError("baseUrl must not contain a user name or password");
  }
  if (url.search !== "" || url.hash !== "") throw configError("baseUrl must not have a query or fragment");
  return { baseUrl: url.origin + apiPrefix(url.pathname), isLoopback: isLoopbackHost(url.hostname) };
}

/**
 * `localhost`, 127.0.0.0/8 or `[::1]`, as the URL parser normalises them (`127.1` has already
 * become `127.0.0.1`). Digits only: the URL parser keeps `127.0.0.+1` as a domain name (which DNS
 * may resolve anywhere), so it is not loopback — the wasm's `u8` parse, which allows a `+`, let
 * it through.
 */
export function isLoopbackHost(hostname) {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  const octets = hostname.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.slice(1).every((octet) => /^[0-9]{1,3}$/.test(octet) && Number(octet) <= 255);
}

/** The path prefix before the endpoints' `/v1/…`: no trailing `/`s, no final `/v1` segment. */
export function apiPrefix(pathname) {
  let path = pathname.replace(/\/+$/, "");
  if (path.endsWith("/v1")) path = path.slice(0, -3);
  return path.replace(/\/+$/, "");
}

function nonEmpty(name, value) {
  if (value !== undefined && rustTrim(value) === "") throw configError(`${name} must not be empty`);
  return value;
}

/** Header values must be visible ASCII, or the browser throws when the request is built. */
function checkHeaderValue(name, value) {
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw configError(`${name} must be printable ASCII (it is sent as an HTTP header)`);
  }
}

function integerIn(name, value, min, max) {
  if (Number.isFinite(value) && Number.isInteger(value) && value >= min && value <= max) return value + 0; // -0 → 0, as `as u64`
  throw configError(`${name} must be an integer from ${min} to ${max}`);
}

function checkRetry(options) {
  const field = (name, value, [min, max], fallback) => (value === undefined ? fallback : integerIn(name, value, min, max));
  const policy = {
    maxAttempts: field("retry.maxAttempts", options.maxAttempts, MAX_ATTEMPTS_RANGE, DEFAULT_RETRY.maxAttempts),
    baseDelayMs: field("retry.baseDelayMs", options.baseDelayMs, BASE_DELAY_RANGE_MS, DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: field("retry.maxDelayMs", options.maxDelayMs, MAX_DELAY_RANGE_MS, DEFAULT_RETRY.maxDelayMs),
    maxTotalMs: field("retry.maxTotalMs", options.maxTotalMs, MAX_TOTAL_RANGE_MS, DEFAULT_RETRY.maxTotalMs),
  };
  if (policy.maxDelayMs < policy.baseDelayMs) {
    throw configError(`retry.maxDelayMs (${policy.maxDelayMs}) must be at least retry.baseDelayMs (${policy.baseDelayMs})`);
  }
  return policy;
}

// --- what the rest of the driver reads -------------------------------------------------------

/** The URL of an API path such as `/v1/auth/cryptoWallet:start` (Config::endpoint). */
export function endpoint(config, path) {
  return `${config.baseUrl}/${path.replace(/^\/+/, "")}`;
}

export function httpTimeoutMs(config) {
  return config.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
}

export function walletTimeoutMs(config) {
  return config.timeoutMs ?? DEFAULT_WALLET_TIMEOUT_MS;
}

/**
 * What the engine sends with every request (Config::client), as plain JSON-able data, plus the
 * retry policy (FlowConfig.retry). A `clientId` given beside a `clientSessionId` is not sent: the
 * session id alone identifies the client to Ratio.
 */
export function engineConfig(config) {
  const { credentials } = config;
  let engine;
  if (credentials.kind === "clientSecret") {
    engine = { kind: "clientSecret", clientId: credentials.clientId, clientSecret: credentials.clientSecret };
  } else if (credentials.kind === "clientSession") {
    engine = { kind: "clientSession", sessionId: credentials.sessionId };
  } else {
    engine = { kind: "proxy" };
  }
  return { credentials: engine, deviceFingerprint: config.deviceFingerprint, retry: { ...config.retry } };
}
