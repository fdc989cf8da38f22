// npm/eip1193.js against fake EIP-1193 providers: the port of tests/web_wallet.rs, and the
// wallet-bridge half of tests/web_hostile.rs's hostile wallet results and accountsChanged events.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Wallet as EthersWallet, getBytes, verifyMessage, hexlify, toUtf8Bytes } from "ethers";
import {
  Wallet,
  WalletError,
  accountsChangeEndsFlow,
  codes,
  engineWalletError,
  mapProviderError,
  selectAccount,
  walletErrorToJs,
} from "../../npm/eip1193.js";
import { FlowAbort } from "../../npm/abort.js";
import { isRatioAuthError } from "../../npm/errors.js";
import { ALL, boom, hostileAccounts, hostileSignature, revoked, throwingGetter, throwingString, trapProxy } from "./hostile-values.mjs";

const KEY_A = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const ADDR_A = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
const ADDR_B = "0x14791697260E4c9A71f18484C9f997B308e59325";
const LOWER_A = ADDR_A.toLowerCase();
const LOWER_B = ADDR_B.toLowerCase();
const CHALLENGE = "Signing in with Ratio: q9JxWcH2v-Lr0e8bZp3FtA";

function scripted(script, withEvents) {
  const listeners = new Map();
  const calls = [];
  const provider = {
    calls,
    request(args) {
      calls.push({ method: args.method, params: args.params, hasParams: "params" in args });
      const step = script[args.method];
      if (step === undefined) return Promise.reject({ code: 4200, message: "unsupported method " + args.method });
      if (step === "never") return new Promise(() => {});
      if (typeof step === "function") return Promise.resolve().then(() => step(args.params));
      if ("throwSync" in step) throw step.throwSync;
      if ("error" in step) return Promise.reject(step.error);
      return Promise.resolve(step.result);
    },
    emit(event, value) {
      for (const fn of (listeners.get(event) || []).slice()) fn(value);
    },
    listenerCount(event) {
      return (listeners.get(event) || []).length;
    },
  };
  if (withEvents) {
    provider.on = (event, fn) => {
      listeners.set(event, [...(listeners.get(event) || []), fn]);
      return provider;
    };
    provider.removeListener = (event, fn) => {
      listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn));
      return provider;
    };
  }
  return provider;
}

/** A wallet whose personal_sign signs the hex-decoded message with KEY_A (ethers, not our code). */
function k256Wallet(accounts) {
  const key = new EthersWallet("0x" + KEY_A);
  const provider = scripted(
    {
      eth_requestAccounts: { result: accounts },
      eth_accounts: { result: accounts },
      personal_sign: (params) => key.signMessageSync(getBytes(params[0])),
    },
    true,
  );
  return { wallet: new Wallet(provider, 5_000), provider };
}

function errorInstanceProvider(code, message) {
  const error = new Error(message);
  error.code = code;
  return scripted({ personal_sign: { error } }, false);
}

function onOnlyProvider() {
  const provider = scripted({ eth_accounts: { result: [] } }, false);
  provider.on = (event, fn) => {
    provider.saved = fn;
  };
  return provider;
}

function callSaved(provider, value) {
  try {
    provider.saved(value);
    return "ok";
  } catch (e) {
    return "threw: " + e;
  }
}

/** The WalletError a promise rejects with (fails if it resolves or rejects with anything else). */
async function walletErrorOf(promise) {
  try {
    const value = await promise;
    assert.fail("resolved with " + String(value));
  } catch (error) {
    assert.ok(error instanceof WalletError, "a WalletError, not " + String(error?.stack ?? error));
    return error;
  }
}

function thrownBy(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("did not throw");
}

test("accounts then personal_sign with a k256 key", async () => {
  const { wallet, provider } = k256Wallet([LOWER_A, ADDR_B]);
  const accounts = await wallet.requestAccounts();
  assert.deepEqual(accounts, [LOWER_A, LOWER_B]);
  const account = selectAccount(accounts, undefined);
  assert.equal(account, LOWER_A);

  const signature = await wallet.personalSign(CHALLENGE, account);
  assert.equal(verifyMessage(CHALLENGE, signature), ADDR_A);

  assert.equal(provider.calls.length, 2);
  assert.equal(provider.calls[0].method, "eth_requestAccounts");
  // No `params` for eth_requestAccounts: some wallets refuse even an empty array.
  assert.equal(provider.calls[0].hasParams, false);
  assert.equal(provider.calls[1].method, "personal_sign");
  assert.equal(provider.calls[1].params[0], hexlify(toUtf8Bytes(CHALLENGE)));
  assert.equal(provider.calls[1].params[1], LOWER_A);
});

test("falls back to eth_accounts", async () => {
  // A wallet without eth_requestAccounts (4200).
  let provider = scripted({ eth_accounts: { result: [ADDR_B] } }, false);
  let wallet = new Wallet(provider, 1_000);
  assert.deepEqual(await wallet.requestAccounts(), [LOWER_B]);
  assert.deepEqual(provider.calls.map((c) => c.method), ["eth_requestAccounts", "eth_accounts"]);

  // -32601 (method not found) is the JSON-RPC spelling of the same thing.
  provider = scripted(
    { eth_requestAccounts: { error: { code: -32601, message: "nope" } }, eth_accounts: { result: [ADDR_A] } },
    false,
  );
  wallet = new Wallet(provider, 1_000);
  assert.deepEqual(await wallet.requestAccounts(), [LOWER_A]);

  // An empty eth_requestAccounts answer is followed by eth_accounts, then NoAccounts.
  provider = scripted({ eth_requestAccounts: { result: [] }, eth_accounts: { result: [] } }, false);
  wallet = new Wallet(provider, 1_000);
  const error = await walletErrorOf(wallet.requestAccounts());
  assert.deepEqual(error.toJSON(), { walletError: "noAccounts", walletCode: null });
  assert.equal(provider.calls.length, 2);
});

test("malformed wallet answers are bad responses", async () => {
  for (const script of [
    { eth_requestAccounts: { result: "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23" } },
    { eth_requestAccounts: { result: ["not an address"] } },
    { eth_requestAccounts: { result: [42] } },
  ]) {
    const wallet = new Wallet(scripted(script, false), 1_000);
    const error = await walletErrorOf(wallet.requestAccounts());
    assert.equal(error.walletError, "badResponse", JSON.stringify(script));
  }
  const wallet = new Wallet(scripted({ personal_sign: { result: { sig: "0x" } } }, false), 1_000);
  const error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  assert.equal(error.walletError, "badResponse");
});

test("user rejection 4001", async () => {
  const provider = scripted({ personal_sign: { error: { code: 4001, message: "User rejected the request." } } }, false);
  const wallet = new Wallet(provider, 1_000);
  const error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  assert.deepEqual(error.toJSON(), {
    walletError: "userRejected",
    walletCode: 4001,
    walletMessage: "User rejected the request.",
  });
  const jsError = walletErrorToJs(error);
  assert.equal(jsError.kind, "userRejected");
  assert.equal(jsError.walletCode, 4001);
});

test("user rejection -32603 quirk", async () => {
  const provider = scripted(
    { personal_sign: { error: { code: -32603, message: "MetaMask Message Signature: User denied message signature." } } },
    false,
  );
  let wallet = new Wallet(provider, 1_000);
  const error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  assert.equal(error.walletError, "userRejected");
  assert.equal(error.walletCode, -32603);
  assert.equal(walletErrorToJs(error).kind, "userRejected");

  // The same quirk with the 4001 nested in `data`, thrown as a real Error with a numeric string code.
  const nested = JSON.parse(
    '{"code":-32603,"message":"Internal JSON-RPC error.","data":{"originalError":{"code":4001,"message":"rejected"}}}',
  );
  assert.equal(mapProviderError("personal_sign", nested).walletError, "userRejected");
  wallet = new Wallet(errorInstanceProvider(-32603, "Error: User denied message signature"), 1_000);
  assert.equal((await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A))).walletError, "userRejected");

  // A real internal error is not a rejection.
  const internal = JSON.parse('{"code":-32603,"message":"Internal JSON-RPC error."}');
  assert.deepEqual(mapProviderError("personal_sign", internal).toJSON(), {
    walletError: "other",
    walletCode: -32603,
    walletMessage: "Internal JSON-RPC error.",
  });
});

// A `code` sent as an integer string reads as that integer; anything else in a string is no
// code at all (the error is then mapped as one without a code).
test("string codes are read as integers", () => {
  const withCode = (code) => mapProviderError("personal_sign", { code, message: "m" }).toJSON();
  for (const [text, number] of [
    ["4001", 4001],
    [" -32000\n", -32000],
    ["+4100", 4100],
    ["-0", 0],
  ]) {
    assert.deepEqual(withCode(text), withCode(number), JSON.stringify(text));
  }
  const rejected = withCode("4001");
  assert.equal(rejected.walletError, "userRejected");
  assert.equal(rejected.walletCode, 4001);
  for (const text of ["4001.0", "4.001e3", "1.5", "0x10", "", "NaN", "Infinity", "1_000", "9000000000000000"]) {
    assert.deepEqual(withCode(text), withCode(undefined), JSON.stringify(text));
  }
});

test("EIP-1193 error codes are mapped", () => {
  const kase = (json) => mapProviderError("personal_sign", JSON.parse(json));
  assert.equal(kase('{"code":4100,"message":"m"}').walletError, "unauthorized");
  assert.equal(kase('{"code":4200,"message":"m"}').walletError, "unsupportedMethod");
  const disconnected = kase('{"code":4900,"message":"m"}');
  assert.equal(disconnected.walletError, "disconnected");
  assert.equal(disconnected.chainOnly, false);
  const chain = kase('{"code":4901,"message":"m"}');
  assert.equal(chain.walletError, "disconnected");
  assert.equal(chain.chainOnly, true);
  assert.equal(kase('{"code":-32002,"message":"m"}').walletError, "requestPending");
  assert.equal(kase('{"code":"4001","message":"m"}').walletError, "userRejected");
  assert.deepEqual(kase('{"code":-32000,"message":"m"}').toJSON(), {
    walletError: "other",
    walletCode: -32000,
    walletMessage: "m",
  });
  assert.deepEqual(kase('"just a string"').toJSON(), {
    walletError: "other",
    walletCode: null,
    walletMessage: "just a string",
  });
  assert.deepEqual(mapProviderError("x", undefined).toJSON(), {
    walletError: "other",
    walletCode: null,
    walletMessage: "no error value",
  });

  // Each becomes a `wallet` error with its reason and code.
  const pending = walletErrorToJs(kase('{"code":-32002,"message":"m"}'));
  assert.deepEqual([pending.kind, pending.reason, pending.walletCode], ["wallet", "requestPending", codes.REQUEST_PENDING]);
  const disconnectedJs = walletErrorToJs(kase('{"code":4900,"message":"m"}'));
  assert.deepEqual([disconnectedJs.kind, disconnectedJs.reason], ["wallet", "disconnected"]);
  const unauthorized = walletErrorToJs(kase('{"code":4100,"message":"m"}'));
  assert.deepEqual([unauthorized.kind, unauthorized.walletCode], ["wallet", 4100]);

  // A one-time code or a JWT in a wallet's message never reaches ours.
  const leaky = kase('{"code":-32000,"message":"code 123456 for eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}');
  const text = leaky.message; // the Rust's Display
  assert.ok(!text.includes("123456") && !text.includes("eyJ"), text);
});

test("synchronous throw is mapped too", async () => {
  const provider = scripted({ personal_sign: { throwSync: { code: 4001, message: "no" } } }, false);
  const wallet = new Wallet(provider, 1_000);
  assert.equal((await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A))).walletError, "userRejected");
});

test("a wallet that never answers times out", async () => {
  const wallet = new Wallet(scripted({ personal_sign: "never" }, false), 200);
  const started = Date.now();
  const error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  const elapsed = Date.now() - started;
  assert.deepEqual(error.toJSON(), { walletError: "timeout", walletCode: null });
  assert.ok(elapsed >= 150 && elapsed < 2_000, `timed out after ${elapsed} ms`);
  assert.equal(walletErrorToJs(error).kind, "timeout");
});

test("the caller signal aborts a wallet prompt", async () => {
  const provider = scripted({ personal_sign: "never" }, false);
  const wallet = new Wallet(provider, 10_000);
  const controller = new AbortController();
  setTimeout(() => controller.abort("user left"), 50);
  const started = Date.now();
  let error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A, controller.signal));
  assert.equal(error.walletError, "aborted");
  assert.ok(Date.now() - started < 2_000);

  // Already aborted: the wallet is not even asked.
  const before = provider.calls.length;
  error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A, controller.signal));
  assert.equal(error.walletError, "aborted");
  assert.equal(provider.calls.length, before);
});

/** FlowAbort::watch_accounts of the Rust: aborts `flow` when the accounts change away from `account`. */
function watchFlowAccounts(flow, wallet, account, accountsNow) {
  const wasSelected = accountsNow[0] === account;
  return wallet.watchAccounts((newAccounts) => {
    if (accountsChangeEndsFlow(account, wasSelected, newAccounts)) flow.accountsChanged();
  });
}

test("accountsChanged mid-flow aborts it with a typed error", async () => {
  const provider = scripted({ eth_requestAccounts: { result: [ADDR_A, ADDR_B] }, personal_sign: "never" }, true);
  const wallet = new Wallet(provider, 10_000);
  const accounts = await wallet.requestAccounts();
  const flow = new FlowAbort(null);
  const stop = watchFlowAccounts(flow, wallet, accounts[0], accounts);
  assert.equal(provider.listenerCount("accountsChanged"), 1);

  // Same selected account (re-emitted, or another account added): the flow goes on.
  provider.emit("accountsChanged", [ADDR_A]);
  provider.emit("accountsChanged", "garbage");
  assert.equal(flow.isAborted(), false);

  setTimeout(() => provider.emit("accountsChanged", [ADDR_B, ADDR_A]), 50);
  const error = await walletErrorOf(wallet.personalSign(CHALLENGE, accounts[0], flow.signal));
  assert.equal(error.walletError, "aborted");
  const flowError = flow.error();
  assert.equal(flowError.kind, "wallet");
  assert.equal(flowError.reason, "accountsChanged");

  stop();
  flow.dispose();
  assert.equal(provider.listenerCount("accountsChanged"), 0, "the listener is removed with the flow");
});

test("caller abort through the flow signal keeps the reason", async () => {
  const wallet = new Wallet(scripted({ personal_sign: "never" }, true), 10_000);
  const caller = new AbortController();
  const flow = new FlowAbort(caller.signal);
  setTimeout(() => caller.abort("navigated away"), 30);
  const error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A, flow.signal));
  assert.equal(error.walletError, "aborted");
  const js = flow.error();
  assert.equal(js.kind, "aborted");
  assert.equal(js.cause, "navigated away");
});

test("providers without events are tolerated", () => {
  let provider = scripted({}, false);
  let wallet = new Wallet(provider, null);
  let stop = wallet.watchAccounts(() => assert.fail("never called"));
  assert.equal(stop.isListening, false);
  stop();

  // `on` without `removeListener`: after the watch is stopped the provider may still call the
  // listener; it must neither throw inside the provider nor reach the stopped flow.
  provider = onOnlyProvider();
  wallet = new Wallet(provider, null);
  let reached = false;
  stop = wallet.watchAccounts(() => {
    reached = true;
  });
  assert.equal(stop.isListening, true);
  stop();
  assert.equal(callSaved(provider, [ADDR_B]), "ok");
  assert.equal(reached, false, "not after stop");
});

test("not a provider", () => {
  for (const value of [null, undefined, {}, "ethereum"]) {
    const error = thrownBy(() => new Wallet(value, null));
    assert.ok(error instanceof WalletError);
    assert.deepEqual(error.toJSON(), { walletError: "notAProvider", walletCode: null });
  }
  const error = walletErrorToJs(new WalletError("notAProvider"));
  assert.deepEqual([error.kind, error.reason], ["wallet", "notAProvider"]);
});

test("account selection and the accountsChanged rule", () => {
  const [a, b] = [LOWER_A, LOWER_B];
  assert.equal(selectAccount([a, b], undefined), a);
  assert.equal(selectAccount([a, b], ADDR_B.toUpperCase().replace("0X", "0x")), b);
  assert.deepEqual(thrownBy(() => selectAccount([a], ADDR_B)).toJSON(), {
    walletError: "accountNotAvailable",
    walletCode: null,
    requested: ADDR_B,
  });
  assert.ok(thrownBy(() => selectAccount([a], "0xnope")) instanceof WalletError);
  assert.deepEqual(thrownBy(() => selectAccount([], undefined)).toJSON(), { walletError: "noAccounts", walletCode: null });

  assert.equal(accountsChangeEndsFlow(a, true, [a, b]), false);
  assert.equal(accountsChangeEndsFlow(a, true, [b, a]), true);
  assert.equal(accountsChangeEndsFlow(a, true, []), true);
  assert.equal(accountsChangeEndsFlow(b, false, [a, b]), false);
  assert.equal(accountsChangeEndsFlow(b, false, [a]), true);
});

test("eth_getCode reads code and its absence", async () => {
  for (const [answer, hasCode] of [
    ["0x6080604052", true],
    ["0x", false],
    ["0x0", false],
    ["", false],
    ["0x000", false],
  ]) {
    const provider = scripted({ eth_getCode: { result: answer } }, false);
    const wallet = new Wallet(provider, 1_000);
    assert.equal(await wallet.hasCode(ADDR_A), hasCode, JSON.stringify(answer));
    const call = provider.calls[0];
    assert.equal(call.method, "eth_getCode");
    assert.deepEqual(JSON.parse(JSON.stringify(call.params)), [LOWER_A, "latest"]);
  }
});

test("eth_getCode failures are typed", async () => {
  for (const script of [
    { eth_getCode: { result: { code: "0x60" } } },
    { eth_getCode: { result: 96 } },
    { eth_getCode: { result: "0xnothex" } },
  ]) {
    const wallet = new Wallet(scripted(script, false), 1_000);
    const error = await walletErrorOf(wallet.hasCode(ADDR_A));
    assert.equal(error.walletError, "badResponse", JSON.stringify(script));
  }
  let wallet = new Wallet(scripted({}, false), 1_000);
  assert.equal((await walletErrorOf(wallet.hasCode(ADDR_A))).walletError, "unsupportedMethod");
  wallet = new Wallet(scripted({ eth_getCode: { throwSync: { message: "boom" } } }, false), 1_000);
  await walletErrorOf(wallet.hasCode(ADDR_A));
  wallet = new Wallet(scripted({ eth_getCode: "never" }, false), 50);
  assert.equal((await walletErrorOf(wallet.hasCode(ADDR_A))).walletError, "timeout");
});

test("the wallet's own error is kept for cause and its message for details", async () => {
  // A rejection: the very object the provider rejected with.
  let wallet = new Wallet(errorInstanceProvider(4001, "User rejected the request."), 1_000);
  let error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  let thrown = wallet.takeThrown();
  assert.ok(thrown instanceof Error, "the rejection is kept");
  assert.equal(thrown.message, "User rejected the request.");
  assert.equal(wallet.takeThrown(), undefined, "taken once");
  let js = walletErrorToJs(error);
  assert.equal(js.message, "the user rejected the request in the wallet: User rejected the request.");
  assert.equal(js.shortMessage, "the user rejected the request in the wallet");
  assert.equal(js.details, "User rejected the request.");
  // What the Rust's callers add (`or_cause(take_thrown())`, the driver's `with_cause`).
  assert.equal(js.cause, thrown);

  // A synchronous throw, and a wallet error with a code in its message: sanitised details.
  wallet = new Wallet(
    scripted({ personal_sign: { throwSync: { code: 4900, message: "disconnected, retry code 123456" } } }, false),
    1_000,
  );
  error = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  thrown = wallet.takeThrown();
  assert.equal(thrown.code, 4900, "the throw is kept");
  js = walletErrorToJs(error);
  assert.equal(js.shortMessage, "the wallet is disconnected");
  assert.equal(js.details, "disconnected, retry code ***");

  // A request that succeeds, times out or is answered badly leaves nothing behind.
  wallet = new Wallet(
    scripted(
      {
        eth_requestAccounts: { error: { code: 4200, message: "no" } },
        eth_accounts: { result: ["0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"] },
        personal_sign: { result: 42 },
      },
      false,
    ),
    1_000,
  );
  await wallet.requestAccounts();
  assert.equal(wallet.takeThrown(), undefined, "the fallback succeeded");
  const bad = await walletErrorOf(wallet.personalSign(CHALLENGE, ADDR_A));
  assert.equal(bad.walletError, "badResponse");
  assert.equal(wallet.takeThrown(), undefined);
  js = walletErrorToJs(bad);
  assert.equal(js.shortMessage, js.message);
  assert.equal(js.details, undefined);
  assert.equal("cause" in js, false);
});

test("the engine's view of wallet errors", () => {
  const kase = (json) => mapProviderError("personal_sign", JSON.parse(json));
  assert.deepEqual(engineWalletError(kase('{"code":4001,"message":"no"}')), { kind: "userRejected", code: null, message: "" });
  assert.deepEqual(engineWalletError(new WalletError("timeout")), { kind: "timeout", code: null, message: "" });
  assert.deepEqual(engineWalletError(kase('{"code":4100,"message":"m"}')), {
    kind: "other",
    code: 4100,
    message: "the wallet has not authorised this account or method: m",
  });
  assert.deepEqual(engineWalletError(kase('{"code":-32000,"message":""}')), {
    kind: "other",
    code: -32000,
    message: "wallet error -32000: ",
  });
  assert.deepEqual(engineWalletError(new WalletError("badResponse", { method: "personal_sign", detail: "x" })), {
    kind: "other",
    code: null,
    message: "the wallet answered personal_sign with x",
  });
});

// ---- tests/web_hostile.rs, at the module level ----

/** The web_hostile provider: KEY_A's, with the one hostile value `hostile` names. */
function hostileProvider(hostile) {
  const key = new EthersWallet("0x" + KEY_A);
  const listeners = [];
  const provider = {
    request(args) {
      switch (args.method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return Promise.resolve().then(() => hostileAccounts(hostile.accounts, [ADDR_A]));
        case "personal_sign":
          return hostileSignature(hostile.signature, key.signMessageSync(getBytes(args.params[0])));
        default:
          return Promise.reject({ code: 4200, message: "unsupported " + args.method });
      }
    },
    on(event, fn) {
      if (event === "accountsChanged") listeners.push(fn);
    },
    removeListener(event, fn) {
      const i = listeners.indexOf(fn);
      if (i >= 0) listeners.splice(i, 1);
    },
  };
  return { provider, listeners };
}

/** Settles (either way) within `ms`, or "hung": a broken module fails instead of hanging the run. */
function settles(promise, ms) {
  return Promise.race([
    Promise.resolve(promise).then(() => "settled", () => "settled"),
    new Promise((resolve) => setTimeout(() => resolve("hung"), ms)),
  ]);
}

/** The same wallet still connects and signs (tests/web_hostile.rs `still_works`, for the bridge). */
async function stillWorks(wallet) {
  const accounts = await wallet.requestAccounts();
  assert.deepEqual(accounts, [LOWER_A]);
  assert.equal(verifyMessage(CHALLENGE, await wallet.personalSign(CHALLENGE, accounts[0])), ADDR_A);
}

test("hostile wallet results give wallet errors", async () => {
  const expected = {
    accountsLength: "badResponse",
    accountsIndex: "badResponse",
    // The provider's promise resolves with these: reading their `then` throws, a rejection.
    accountsEveryTrap: "other",
    accountsRevoked: "other",
    accountsHugeLength: "badResponse",
    accountsEntryProxy: "badResponse",
    accountsEntryToString: "badResponse",
    accountsThenGetter: "other", // the provider's promise rejects with the getter's throw
    signatureProxy: "other", // reading its `then` throws: a rejection
    signatureFunctionProxy: "other",
    signatureToString: "badResponse",
    signatureThenGetter: "other",
    signatureRejectsWithProxy: "other",
    signatureThrowsProxy: "other",
    signaturePromiseThenOwn: "other",
    signaturePromiseConstructor: "other",
  };
  for (const [mode, tag] of Object.entries(expected)) {
    const hostile = mode.startsWith("accounts") ? { accounts: mode } : { signature: mode };
    const { provider } = hostileProvider(hostile);
    const wallet = new Wallet(provider, 5_000);
    const call = mode.startsWith("accounts") ? wallet.requestAccounts() : wallet.personalSign(CHALLENGE, ADDR_A);
    assert.equal(await settles(call, 2_000), "settled", mode);
    const error = await walletErrorOf(call);
    assert.equal(error.walletError, tag, mode);
    const js = walletErrorToJs(error);
    assert.ok(isRatioAuthError(js), mode);
    assert.equal(js.kind, "wallet", mode);
    assert.equal(typeof js.message, "string", mode);
    assert.equal(engineWalletError(error).kind, "other", mode);
    // The hostile value stays the wallet's: `cause` is what it threw, or none for a bad answer.
    if (tag === "badResponse") assert.equal("cause" in js, false, mode);
    else assert.ok("cause" in js, mode);
  }
  await stillWorks(new Wallet(hostileProvider({}).provider, 5_000));
  // A rejection with a Proxy whose every trap throws: read as an error without code or message.
  const rejected = await walletErrorOf(new Wallet(hostileProvider({ signature: "signatureRejectsWithProxy" }).provider, 5_000).personalSign(CHALLENGE, ADDR_A));
  assert.deepEqual(rejected.toJSON(), { walletError: "other", walletCode: null, walletMessage: "non-Error value thrown" });
});

test("a hostile accountsChanged event is ignored", async () => {
  for (const mode of ["accountsLength", "accountsIndex", "accountsEveryTrap", "accountsRevoked", "accountsHugeLength"]) {
    const { provider, listeners } = hostileProvider({});
    const wallet = new Wallet(provider, 5_000);
    const accounts = await wallet.requestAccounts();
    const flow = new FlowAbort(null);
    const seen = [];
    const stop = wallet.watchAccounts((newAccounts) => {
      seen.push(newAccounts);
      if (accountsChangeEndsFlow(accounts[0], true, newAccounts)) flow.accountsChanged();
    });
    assert.equal(listeners.length, 1, mode);
    let emitThrew = false;
    try {
      for (const fn of listeners.slice()) fn(hostileAccounts(mode, [ADDR_A]));
    } catch {
      emitThrew = true;
    }
    assert.equal(emitThrew, false, `${mode}: the listener threw`);
    assert.deepEqual(seen, [], mode);
    assert.equal(flow.isAborted(), false, mode);
    // The flow goes on: it still signs, and a readable event is still heard.
    assert.equal(verifyMessage(CHALLENGE, await wallet.personalSign(CHALLENGE, accounts[0], flow.signal)), ADDR_A);
    for (const fn of listeners.slice()) fn([ADDR_B]);
    assert.deepEqual(seen, [[LOWER_B]], mode);
    assert.equal(flow.isAborted(), true, mode);
    stop();
    flow.dispose();
    assert.equal(listeners.length, 0, mode);
  }
});

// Beyond the Rust's cases: hostile providers and error objects never throw out of the module.
test("hostile providers and error objects never throw out of the module", async () => {
  for (const provider of [
    throwingGetter({}, "request"),
    trapProxy(function () {}, ALL),
    trapProxy({ request() {} }, ALL),
    revoked(),
    { request: "not a function" },
    Symbol("x"),
    42,
  ]) {
    assert.equal(thrownBy(() => new Wallet(provider, null)).walletError, "notAProvider");
  }

  // A synchronous answer, a thenable, a `request` whose call traps throw.
  assert.deepEqual(await new Wallet({ request: () => [ADDR_A] }, 1_000).requestAccounts(), [LOWER_A]);
  assert.deepEqual(await new Wallet({ request: () => ({ then: (resolve) => resolve([ADDR_B]) }) }, 1_000).requestAccounts(), [LOWER_B]);
  const trapped = new Wallet({ request: trapProxy(function () {}, ["apply"]) }, 1_000);
  const error = await walletErrorOf(trapped.requestAccounts());
  assert.deepEqual(error.toJSON(), { walletError: "other", walletCode: null, walletMessage: "hostile apply" });
  assert.ok(trapped.takeThrown() instanceof Error);

  // Error objects whose every read throws or lies.
  for (const thrown of [
    throwingGetter(throwingGetter({}, "code"), "message"),
    revoked(),
    trapProxy(function () {}, ALL),
    { code: Symbol("4001"), message: Symbol("m") },
    { code: 4001n, message: "m" },
    { code: throwingString(), message: throwingString() },
    { code: -32603, message: "Internal", data: revoked() },
    { code: -32603, message: "Internal", data: trapProxy({}, ALL) },
    { code: -32603, message: "Internal", data: { originalError: throwingGetter({}, "code") } },
    Object.assign(() => {}, { code: 4100 }),
  ]) {
    const mapped = mapProviderError("personal_sign", thrown);
    assert.ok(mapped instanceof WalletError);
    const js = walletErrorToJs(mapped);
    assert.ok(isRatioAuthError(js));
    assert.equal(typeof js.message, "string");
  }
  assert.equal(mapProviderError("m", Object.assign(() => {}, { code: 4100 })).walletError, "unauthorized");
  assert.equal(mapProviderError("m", { code: -32603, message: "x", data: { code: "4001" } }).walletError, "userRejected");
  assert.equal(mapProviderError("m", { code: -32603, message: "x", data: { message: "USER REJECTED it" } }).walletError, "userRejected");

  // `on` that throws, an `on` getter that throws, and removeListener that throws (then `off`).
  assert.equal(new Wallet({ request() {}, get on() { boom("on"); } }, null).watchAccounts(() => {}).isListening, false);
  let saved = null;
  const throwingOn = new Wallet({ request() {}, on(event, fn) { saved = fn; boom("on"); } }, null);
  let heard = false;
  const stopThrowing = throwingOn.watchAccounts(() => {
    heard = true;
  });
  assert.equal(stopThrowing.isListening, false);
  saved([ADDR_A]);
  assert.equal(heard, false, "a listener the provider refused is inert");
  stopThrowing();

  const offed = [];
  const provider = {
    request() {},
    listeners: [],
    on(event, fn) { this.listeners.push(fn); },
    removeListener() { boom("removeListener"); },
    off(event, fn) { offed.push(event); this.listeners = this.listeners.filter((f) => f !== fn); },
  };
  const seen = [];
  const stop = new Wallet(provider, null).watchAccounts((accounts) => {
    seen.push(accounts);
    boom("onChange"); // never thrown into the provider
  });
  assert.equal(stop.isListening, true);
  provider.listeners[0]([ADDR_A, "not an address", 42, ADDR_B.toUpperCase().replace("0X", "0x")]);
  assert.deepEqual(seen, [[LOWER_A, LOWER_B]], "unreadable entries of an event are skipped");
  stop();
  stop();
  assert.deepEqual(offed, ["accountsChanged"]);
  assert.equal(provider.listeners.length, 0);
});
