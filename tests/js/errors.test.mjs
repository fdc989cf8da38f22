// npm/errors.js: the RatioAuthError builders the JS driver shares, and the masking rule it
// applies to outside text (the same rule as src/wire.rs's, which the engine's errors get).
import { test } from "node:test";
import assert from "node:assert/strict";
import { detailedError, errorFields, errorFromFields, isRatioAuthError, orCause, ratioAuthError, sanitizeExternalText } from "../../npm/errors.js";

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";

test("outside text: JWTs and one-time codes masked, 200 characters at most", () => {
  assert.equal(sanitizeExternalText(`bad token ${JWT}.`), "bad token ***.");
  assert.equal(sanitizeExternalText("code 123456 sent to 5551234"), "code *** sent to ***");
  assert.equal(sanitizeExternalText("order 12345 and 123456789"), "order 12345 and 123456789");
  const capped = sanitizeExternalText("x ".repeat(300));
  assert.equal(Array.from(capped).length, 201);
  assert.ok(capped.endsWith("…"));
  assert.equal(sanitizeExternalText("é".repeat(200)), "é".repeat(200), "exactly 200 is not cut");
});

test("our own messages never carry a JWT either", () => {
  const error = ratioAuthError("config", `baseUrl ${JWT} is odd`);
  assert.equal(error.message, "baseUrl *** is odd");
  assert.equal(error.shortMessage, "baseUrl *** is odd");
  assert.ok(isRatioAuthError(error));
});

test("detailedError: short message ours, details sanitised, message both; an empty detail is none", () => {
  const error = detailedError("wallet", "the wallet refused", `nope 654321 ${JWT}`);
  assert.equal(error.shortMessage, "the wallet refused");
  assert.equal(error.details, "nope *** ***");
  assert.equal(error.message, "the wallet refused: nope *** ***");
  const ratio = detailedError("server", "Ratio failed", "down", { ratio: true, status: 503 });
  assert.equal(ratio.message, "Ratio failed (Ratio: down)");
  assert.equal(ratio.status, 503);
  const bare = detailedError("network", "no answer", "   ");
  assert.equal(bare.message, "no answer");
  assert.equal(bare.details, undefined);
});

test("errorFromFields: the engine's fields become a real RatioAuthError of the same shape", () => {
  const cause = new Error("the wallet's own");
  const error = errorFromFields({ kind: "rateLimited", message: "slow down (Ratio: later)", shortMessage: "slow down", details: "later", code: "TOO_MANY_REQUESTS", status: 429, retryAt: 9_007_199_254_740_991 }, cause);
  assert.ok(error instanceof Error);
  assert.ok(isRatioAuthError(error));
  assert.deepEqual(
    { name: error.name, kind: error.kind, message: error.message, short: error.shortMessage, details: error.details, code: error.code, status: error.status, retryAt: error.retryAt, cause: error.cause },
    { name: "RatioAuthError", kind: "rateLimited", message: "slow down (Ratio: later)", short: "slow down", details: "later", code: "TOO_MANY_REQUESTS", status: 429, retryAt: 9_007_199_254_740_991, cause },
  );
  // The always-present fields are own properties even when absent; the kind's fields only when given.
  const plain = errorFromFields({ kind: "config", message: "bad" });
  for (const key of ["kind", "shortMessage", "details", "code", "status"]) assert.ok(Object.hasOwn(plain, key), key);
  for (const key of ["retryAt", "signedBy", "walletCode", "reason", "cause"]) assert.ok(!Object.hasOwn(plain, key), key);
  assert.equal(plain.shortMessage, "bad");
});

test("errorFields and orCause: what the engine is told, and a cause only when there is none", () => {
  const error = ratioAuthError("wallet", "switched", { reason: "accountsChanged", walletCode: 4100 });
  assert.deepEqual(errorFields(error), { kind: "wallet", message: "switched", walletCode: 4100, reason: "accountsChanged" });
  const first = new Error("first");
  orCause(error, first);
  orCause(error, new Error("second"));
  assert.equal(error.cause, first);
  assert.equal(orCause(ratioAuthError("config", "x"), undefined).cause, undefined);
});
