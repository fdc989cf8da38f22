// The HTTP transport: one `fetch` per request, with a timeout and the flow's AbortSignal.
//
// Any status is a response; only "no response at all" is a TransportFailure, and so are two
// answers the SDK refuses to read:
// - a redirect: `redirect: "manual"`, so the browser never follows one (credentials, session
//   ids, JWTs and OTP bodies must not reach another origin) and we see it as an `opaqueredirect`
//   answer, reported as "redirected";
// - a body over MAX_BODY_BYTES, counted chunk by chunk while reading the stream, which is then
//   cancelled: "bodyTooLarge", without ever holding the rest.
//
// The body is read as text, never parsed here: an error page from a proxy (an HTML 502) must
// reach the engine as a response, not as a transport failure. Parsing is the engine's job.
//
// Everything that comes from the page (its `fetch`, which an app's wrapper may replace) or the
// network is read inside try: a wrapper that throws, rejects with a non-Error or resolves to a
// fake is a "network" failure, never an exception out of this module.
//
// `Retry-After` and `ratio-authentication-refresh` are not CORS-safelisted: a cross-origin
// server must list them in `Access-Control-Expose-Headers` or the browser hides them.

import { onAbort, signalAborted } from "./abort.js";
import { detailedError, ratioAuthError } from "./errors.js";

/** The header with which Ratio hands the client a JWT to use from then on. */
export const REFRESH_HEADER = "ratio-authentication-refresh";

/** Largest response body read (256 KiB): Ratio's answers are a few KiB. */
export const MAX_BODY_BYTES = 256 * 1024;

// setTimeout's delay is a 32-bit signed integer: browsers treat a longer one as 0.
const MAX_TIMER_MS = 2 ** 31 - 1;

// An HTTP method is a token (RFC 9110 §9.1); anything else is refused before fetch sees it.
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function describe(error, detail) {
  switch (error) {
    case "timeout":
      return "the server did not answer in time";
    case "network":
      return `network error: ${detail}`;
    case "aborted":
      return "the request was aborted";
    case "redirected":
      return "the server answered with a redirect, which is never followed";
    case "bodyTooLarge":
      return `the server's answer is longer than ${MAX_BODY_BYTES} bytes`;
    default:
      return String(error);
  }
}

/**
 * No response came back (or one the SDK refuses to read). `error` is one of "timeout",
 * "network", "aborted", "redirected", "bodyTooLarge"; `detail` the browser's text for
 * "network" ("" otherwise); `thrown` what fetch (or reading the body) threw or rejected with,
 * when that is what failed. The message names the request (method and URL), never its headers
 * or body.
 */
export class TransportFailure extends Error {
  constructor(error, detail = "", thrown = undefined) {
    super(describe(error, detail));
    this.name = "TransportFailure";
    this.error = error;
    this.detail = error === "network" ? detail : "";
    this.thrown = thrown;
  }
}

/** A failure decided here (not something JS threw): passed through as it is. */
class Refused {
  constructor(failure) {
    this.failure = failure;
  }
}

/** What JS threw, wrapped so that a thrown `undefined` is still told apart from a refusal. */
class Thrown {
  constructor(value) {
    this.value = value;
  }
}

/** `value instanceof Class`, false when a Proxy's `getPrototypeOf` trap throws. */
function isInstance(value, Class) {
  try {
    return value instanceof Class;
  } catch {
    return false;
  }
}

/** A readable message for anything JS may throw or reject with. */
function thrownMessage(value) {
  if (typeof value === "string") return value;
  if ((typeof value === "object" && value !== null) || typeof value === "function") {
    try {
      const message = value.message;
      if (typeof message === "string") return message;
    } catch {
      // a getter or a Proxy trap that throws: no message
    }
  }
  if (value === undefined || value === null) return "no error value";
  return "non-Error value thrown";
}

/** `error.toString()` of what the Request constructor threw (a TypeError), read safely. */
function errorText(value) {
  try {
    if (isInstance(value, Error)) {
      const text = Error.prototype.toString.call(value);
      if (typeof text === "string") return text;
    }
  } catch {
    // fall through
  }
  return thrownMessage(value);
}

/**
 * Sends `request` ({ method, url, headers: [[name, value], ...], body }). `timeoutMs` covers
 * everything up to the last byte of the body; `signal` (the flow's) cancels the request for
 * real, through the request's own AbortController. Resolves
 * { status, retryAfter, refreshJwt, body } whatever the status; rejects with a TransportFailure.
 */
export async function send(request, { timeoutMs, signal } = {}) {
  if (signal && signalAborted(signal)) throw new TransportFailure("aborted");
  let controller;
  try {
    controller = new AbortController();
  } catch (error) {
    throw new TransportFailure("network", `no AbortController: ${thrownMessage(error)}`, error);
  }
  // Our own abort, told apart from the caller's: a timeout is not an abort.
  let timedOut = false;
  let timer = null;
  if (timeoutMs !== undefined && timeoutMs !== null) {
    const fire = () => {
      timedOut = true;
      controller.abort();
    };
    try {
      timer = setTimeout(fire, Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
    } catch {
      // No timer in this environment: firing now beats waiting forever.
      fire();
    }
  }
  const unlink = signal ? onAbort(signal, () => controller.abort()) : () => {};
  try {
    return await exchange(request, controller.signal);
  } catch (failure) {
    if (isInstance(failure, Refused)) throw failure.failure;
    const thrown = isInstance(failure, Thrown) ? failure.value : failure;
    // A timeout's and an abort's rejection is the AbortError of this request's own
    // controller: nothing to keep.
    if (timedOut) throw new TransportFailure("timeout");
    if (signal && signalAborted(signal)) throw new TransportFailure("aborted");
    const { method, url } = request;
    throw new TransportFailure("network", `${method} ${url}: ${thrownMessage(thrown)}`, thrown);
  } finally {
    if (timer !== null) {
      try {
        clearTimeout(timer);
      } catch {
        // the timer is only a timer: nothing to undo
      }
    }
    unlink();
  }
}

/** The request on the wire and the answer read; throws Refused or what JS threw. */
async function exchange(request, signal) {
  const method = String(request.method);
  const body = request.body === undefined || request.body === null ? undefined : String(request.body);
  const headers = new Headers();
  // `append` throws on a header value the browser refuses (a line break in a JWT from a
  // hostile server): that is a network failure, caught by the caller.
  for (const [name, value] of request.headers ?? []) headers.append(name, value);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  if (!METHOD_TOKEN.test(method)) throw new Refused(new TransportFailure("network", "not an HTTP method"));
  let fetchRequest;
  try {
    fetchRequest = new Request(String(request.url), {
      method,
      headers,
      body,
      // Auth answers are one-off: never from or into the HTTP cache. A POST is never answered
      // from the cache whatever the server sends (RFC 9111 §4: a stored POST answer serves no
      // later POST), so POSTs keep the `default` mode: `no-store`, `reload` and `no-cache` all
      // make Chromium skip its CORS preflight cache too, doubling every flow's requests. GETs
      // (getUser) could be cached on the server's word, so they stay `no-store`.
      cache: method === "GET" ? "no-store" : "default",
      redirect: "manual",
      // The fetch default, left as it is: cookies go only to the page's own origin.
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    // A URL or a request the browser refuses to build (a body on a GET, a forbidden method).
    throw new Refused(new TransportFailure("network", errorText(error)));
  }
  // The global `fetch` rather than `window.fetch`: workers have it too. It may be a page's
  // wrapper: a synchronous throw or a thenable's throw lands in the caller's catch.
  const answer = await fetch(fetchRequest);
  if (!isInstance(answer, Response)) {
    throw new Refused(new TransportFailure("network", "fetch resolved to something that is not a Response"));
  }
  // Read through Response.prototype's own getters: a Proxy or a subclass instance from a
  // wrapper passes `instanceof` but fails their brand check (a network failure) instead of
  // answering what it likes.
  const status = intrinsic(Response.prototype, "status", answer);
  if (intrinsic(Response.prototype, "type", answer) === "opaqueredirect" || (status >= 300 && status < 400)) {
    throw new Refused(new TransportFailure("redirected"));
  }
  const responseHeaders = intrinsic(Response.prototype, "headers", answer);
  const retryAfter = Headers.prototype.get.call(responseHeaders, "retry-after");
  const refresh = Headers.prototype.get.call(responseHeaders, REFRESH_HEADER);
  const text = await readCappedBody(intrinsic(Response.prototype, "body", answer));
  return { status, retryAfter, refreshJwt: refresh === null || refresh === "" ? null : refresh, body: text };
}

function intrinsic(prototype, name, target) {
  return Reflect.apply(Object.getOwnPropertyDescriptor(prototype, name).get, target, []);
}

/**
 * The body as UTF-8 text, read from its stream chunk by chunk; past MAX_BODY_BYTES the stream is
 * cancelled. Invalid sequences are replaced (U+FFFD) and a leading byte-order mark is kept, as
 * the Rust driver's `String::from_utf8_lossy` does.
 */
async function readCappedBody(stream) {
  if (stream === null || stream === undefined) return "";
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done === true) break;
    const data = chunk.value;
    if (!isInstance(data, Uint8Array)) throw new Thrown("the response stream gave a chunk that is not bytes");
    if (total + data.length > MAX_BODY_BYTES) {
      // Stops the download; the promise's outcome no longer matters.
      try {
        reader.cancel().then(undefined, () => {});
      } catch {
        // already released: nothing more to stop
      }
      throw new Refused(new TransportFailure("bodyTooLarge"));
    }
    chunks.push(data);
    total += data.length;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/**
 * The RatioAuthError of a transport failure, its message starting with `prefix` (e.g.
 * `"api.smsSend: "`). A network failure's browser text is its `details`; what fetch threw is
 * its `cause` (a timeout, an abort and a refused answer have none).
 */
export function transportErrorToJs(failure, prefix = "") {
  const error = failure?.error;
  const extra = failure?.thrown === undefined ? {} : { cause: failure.thrown };
  switch (error) {
    case "network":
      return detailedError("network", `${prefix}network error`, failure.detail ?? "", extra);
    case "timeout":
      return ratioAuthError("timeout", `${prefix}${describe(error)}`, extra);
    case "aborted":
      return ratioAuthError("aborted", `${prefix}${describe(error)}`, extra);
    default:
      // "redirected", "bodyTooLarge": an answer the SDK refuses to read.
      return ratioAuthError("badResponse", `${prefix}${describe(error)}`, extra);
  }
}
