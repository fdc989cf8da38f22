// auth.api: one call per Ratio endpoint, for apps that run their own flow. Each call is the
// engine's request model (built and read by the wasm) sent once through the same fetch as
// signIn (same baseUrl, credentials and timeoutMs; no retries: those are the flow's business). A
// 2xx resolves to the camelCase body, plus `refreshJwt` when Ratio sent
// `ratio-authentication-refresh`; anything else rejects with a RatioAuthError.
//
// Every call takes a last, optional `signal` (an AbortSignal, null or undefined; anything else is
// a `config` error). Its abort, before or during the request, rejects with kind `aborted`, the
// signal's `reason` as `cause`.

import { abortedError, callerSignal, signalReason } from "./abort.js";
import { endpoint, httpTimeoutMs } from "./config.js";
import { errorFromFields, orCause, ratioAuthError } from "./errors.js";
import { send, transportErrorToJs } from "./http.js";

/**
 * The calls of one Core; `calls` says how each takes a session JWT ("none", "optional",
 * "required": index.js's table). `walletStart(request, signal)`, the others `(request, jwt, signal)`.
 */
export function makeApi(ctx, calls) {
  const api = {};
  for (const [name, use] of Object.entries(calls)) {
    api[name] = use === "none" ? (request, signal) => call(ctx, name, use, request, undefined, signal) : (request, jwt, signal) => call(ctx, name, use, request, jwt, signal);
  }
  return Object.freeze(api);
}

function badArgument(name, expected) {
  // Never echo the argument: it may hold a code or personal data.
  return ratioAuthError("config", `api.${name} expects ${expected}`);
}

async function call(ctx, name, use, request, jwt, signal) {
  let checkedSignal;
  if (signal !== undefined && signal !== null) {
    checkedSignal = callerSignal(signal);
    if (checkedSignal === null) throw badArgument(name, "signal, when given, as an AbortSignal");
  }
  let bearer;
  if (typeof jwt === "string") {
    // An empty string sends none (Ratio answers 401, as for no JWT).
    bearer = jwt.trim() === "" ? undefined : jwt;
  } else if (!(use !== "required" && (jwt === undefined || jwt === null))) {
    throw badArgument(name, use === "required" ? "the session jwt as a string" : "the session jwt, when given, as a string");
  }
  // Plain data only, so stringifying cannot throw; an unreadable argument is `null`, which the
  // engine refuses with the call's own message.
  const argument = name === "getUser" ? (typeof request === "string" ? request : null) : plainCopy(request, 4, 64);
  const built = JSON.parse(ctx.glue.apiRequest(name, ctx.engineConfig, JSON.stringify(argument ?? null), bearer));
  if (built.error) throw errorFromFields(built.error);
  const { method, path, headers, body } = built.request;
  let response;
  try {
    response = await send({ method, url: endpoint(ctx.config, path), headers, body }, { timeoutMs: httpTimeoutMs(ctx.config), signal: checkedSignal });
  } catch (failure) {
    // The signal's own reason, as signIn gives it.
    if (failure?.error === "aborted" && checkedSignal) throw abortedError(signalReason(checkedSignal));
    throw orCause(transportErrorToJs(failure, `api.${name}: `), failure?.thrown);
  }
  const read = JSON.parse(ctx.glue.apiResponse(name, JSON.stringify({ status: response.status, retryAfter: response.retryAfter, body: response.body }), Date.now()));
  if (read.error) throw errorFromFields(read.error);
  if (typeof response.refreshJwt === "string") read.ok.refreshJwt = response.refreshJwt;
  return read.ok;
}

const UNSUPPORTED = Object.freeze({ "ratio-auth:unsupported": true });

/**
 * A copy of `value` made of plain data only, read the way JSON.stringify reads it (own
 * enumerable string keys, array items) inside try, `depth` levels deep: what reads it next meets
 * no trap, no getter and no toJSON. Symbols, functions, bigints and what lies too deep become a
 * marker object that no field accepts. `undefined` when a read threw or an array is longer than
 * `maxLength` (a Proxy can claim a length of 2^32 - 1).
 */
export function plainCopy(value, depth, maxLength) {
  if (value === null || value === undefined || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  // Symbols, functions, bigints, and anything past `depth`.
  if (depth === 0 || typeof value !== "object") return UNSUPPORTED;
  try {
    if (Array.isArray(value)) {
      const length = value.length;
      if (!Number.isInteger(length) || length < 0 || length > maxLength) return undefined;
      const copy = [];
      for (let i = 0; i < length; i += 1) {
        const item = plainCopy(value[i], depth - 1, maxLength);
        if (item === undefined && value[i] !== undefined) return undefined;
        copy.push(item);
      }
      return copy;
    }
    const copy = {};
    for (const key of Object.keys(value)) {
      // Setting __proto__ would change the copy's prototype instead of adding a field.
      if (key === "__proto__") continue;
      const field = value[key];
      const item = plainCopy(field, depth - 1, maxLength);
      if (item === undefined && field !== undefined) return undefined;
      copy[key] = item;
    }
    return copy;
  } catch {
    return undefined;
  }
}
