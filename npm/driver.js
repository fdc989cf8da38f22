// signIn and resumeSignIn: the thin driver loop around the wasm's sans-IO engine. It resolves
// the account, then does whatever the engine's action says (fetch, personal_sign, eth_getCode,
// ask the app, sleep) and feeds the result back, handing the engine's events to `onEvent` after
// every step. Which path a sign-in takes, retries, back-off and error kinds are the engine's; the
// driver only ends a flow itself when the outside world stops it (the caller's signal, the
// wallet switching accounts, a prompt that rejects).

import { FlowAbort, randomSeed, sleepUntil } from "./abort.js";
import { endpoint, httpTimeoutMs, walletTimeoutMs } from "./config.js";
import { Wallet, WalletError, accountsChangeEndsFlow, engineWalletError, selectAccount, walletErrorToJs } from "./eip1193.js";
import { errorFields, errorFromFields, orCause, ratioAuthError } from "./errors.js";
import { send, transportErrorToJs } from "./http.js";
import { RESUME_KEYS, SIGN_IN_KEYS, askOtp, askString, askYesNo, checkSignInOptions, emitEvent, promptErrorToJs } from "./prompts.js";

// `ctx` is what one Core shares with its flows: { glue (the wasm's exports), config (the checked
// options), engineConfig (the engine's settings as JSON text), flows (the FlowStore) }.

function readError(text) {
  try {
    const parsed = JSON.parse(text);
    if (parsed && parsed.error) return errorFromFields(parsed.error);
  } catch {
    // not the engine's text
  }
  return ratioAuthError("config", "the sign-in engine refused to start");
}

/** The RatioAuthError of what the wallet bridge threw (walletErrorToJs keeps the wallet's own error as `cause`). */
function walletJsError(error) {
  return error instanceof WalletError ? walletErrorToJs(error) : error;
}

/** The wallet of `options`, its accounts asked for, and the abort that watches the flow. */
async function connect(ctx, options) {
  const abort = new FlowAbort(options.signal);
  let wallet;
  try {
    wallet = new Wallet(options.provider, walletTimeoutMs(ctx.config));
  } catch (error) {
    abort.dispose();
    throw walletJsError(error);
  }
  try {
    const accounts = await wallet.requestAccounts(abort.signal);
    return { options, abort, wallet, accounts, stopWatching: () => {} };
  } catch (error) {
    abort.dispose();
    if (isAborted(error)) throw abort.error();
    throw walletJsError(error);
  }
}

function pick(connected, wanted) {
  try {
    return selectAccount(connected.accounts, wanted);
  } catch (error) {
    connected.abort.dispose();
    throw walletJsError(error);
  }
}

/**
 * Aborts the flow when the wallet's accounts change away from `account`: when it was the
 * wallet's selected (first) account and no longer is, or when it leaves the list.
 */
function watchAccounts(connected, account) {
  // selectAccount gives back one of the listed accounts, so identity is enough.
  const wasSelected = connected.accounts[0] === account;
  connected.stopWatching = connected.wallet.watchAccounts((accounts) => {
    if (accountsChangeEndsFlow(account, wasSelected, accounts)) connected.abort.accountsChanged();
  });
}

export async function signIn(ctx, rawOptions) {
  const options = checkSignInOptions(rawOptions, SIGN_IN_KEYS);
  const connected = await connect(ctx, options);
  const account = pick(connected, options.account);
  watchAccounts(connected, account);
  let engine;
  try {
    engine = ctx.glue.Engine.start(ctx.engineConfig, JSON.stringify({ wallet: account, firstFactor: options.firstFactor }), randomSeed(), Date.now());
  } catch (text) {
    finish(connected);
    throw readError(text);
  }
  return drive(ctx, connected, engine);
}

/** The saved sign-in's text and what may be shown of it; an expired or unreadable one is cleared. */
export function loadPending(ctx) {
  const text = ctx.flows.load();
  if (text === null) {
    throw ratioAuthError(
      "resume",
      ctx.flows.enabled() ? "there is no saved sign-in to resume" : 'there is no saved sign-in to resume: flowStorage is "none"',
      { reason: "noPendingSignIn" },
    );
  }
  const read = JSON.parse(ctx.glue.pendingSignIn(text, Date.now()));
  if (read.error) {
    ctx.flows.clear();
    throw errorFromFields(read.error);
  }
  return { text, summary: read.pending };
}

export async function resumeSignIn(ctx, rawOptions) {
  const options = checkSignInOptions(rawOptions, RESUME_KEYS);
  const { text } = loadPending(ctx);
  const connected = await connect(ctx, options);
  const account = pick(connected, null);
  let engine;
  try {
    engine = ctx.glue.Engine.resume(ctx.engineConfig, text, account, Date.now());
  } catch (errorText) {
    connected.abort.dispose();
    const error = readError(errorText);
    // Another account: the saved flow stays (switching back and resuming still works).
    if (error.reason !== "otherWallet") ctx.flows.clear();
    throw error;
  }
  watchAccounts(connected, account);
  return drive(ctx, connected, engine);
}

function finish(connected) {
  connected.stopWatching();
  connected.abort.dispose();
}

async function drive(ctx, connected, engine) {
  const { abort, wallet, options } = connected;
  const signal = abort.signal;
  // The JS values behind the flow's last wallet and transport failures (the engine keeps none):
  // the final error of the kind they produced gets them as `cause`.
  const causes = { wallet: undefined, transport: null };
  const step = (input) => JSON.parse(engine.step(JSON.stringify({ now: Date.now(), ...input })));

  const emit = (out) => {
    persist(ctx, abort, out);
    for (const event of out.events) emitEvent(options.onEvent, event);
  };
  const stop = (error) => {
    emit(step({ stop: errorFields(error) }));
    return error;
  };
  const withCause = (error) => {
    if (error.kind === "wallet" || error.kind === "userRejected") return orCause(error, causes.wallet);
    if (error.kind === "network") return orCause(error, causes.transport?.thrown);
    return error;
  };

  try {
    let out = step({});
    for (;;) {
      emit(out);
      const action = out.action;
      const finished = action.done !== undefined || action.fail !== undefined;
      if (abort.isAborted() && !finished) throw stop(abort.error());
      if (action.http) {
        const { method, path, headers, body } = action.http;
        let input;
        try {
          const response = await send({ method, url: endpoint(ctx.config, path), headers, body }, { timeoutMs: httpTimeoutMs(ctx.config), signal });
          causes.transport = null;
          input = { response };
        } catch (failure) {
          // send() rejects with a TransportFailure only.
          if (failure.error === "aborted") throw stop(abort.error());
          if (failure.error === "timeout") input = { transport: "timeout" };
          else if (failure.error === "network") input = { transport: { network: failure.detail } };
          // Refused answers (a redirect, an oversized body): asking again would get the same,
          // so the flow ends with a typed `badResponse`.
          else throw stop(transportErrorToJs(failure, ""));
          causes.transport = failure;
        }
        out = step(input);
      } else if (action.sign) {
        try {
          const signature = await wallet.personalSign(action.sign.message, action.sign.address, signal);
          causes.wallet = undefined;
          out = step({ signature });
        } catch (error) {
          if (isAborted(error)) throw stop(abort.error());
          causes.wallet = wallet.takeThrown();
          const jsError = walletJsError(error);
          out = step({ signError: engineWalletError(error) });
          if (out.action.fail) {
            // The bridge's error keeps the wallet's detail (reason, walletCode, details, cause);
            // the engine chose to end the flow.
            emit(out);
            throw withCause(jsError);
          }
        }
      } else if (action.getCode) {
        try {
          out = step({ hasCode: await wallet.hasCode(action.getCode.address, signal) });
        } catch (error) {
          if (isAborted(error)) throw stop(abort.error());
          // A failed eth_getCode counts as no code in the engine (the local check stands).
          out = step({ codeError: engineWalletError(error) });
        }
      } else if (action.ask) {
        let answer;
        try {
          answer = await ask(options.prompts, action.ask, signal);
        } catch (error) {
          // The ask functions reject with a PromptError only.
          throw stop(error.promptError === "aborted" ? abort.error() : promptErrorToJs(error));
        }
        out = step({ answer });
      } else if (action.wait) {
        try {
          await sleepUntil(action.wait.untilMs, signal);
        } catch {
          throw stop(abort.error());
        }
        out = step({ timer: true });
      } else if (action.done) {
        return action.done.result;
      } else {
        if (abort.isAborted()) throw abort.error();
        throw withCause(errorFromFields(action.fail.error));
      }
    }
  } finally {
    finish(connected);
    engine.free();
  }
}

function isAborted(error) {
  return error instanceof WalletError && error.walletError === "aborted";
}

async function ask(prompts, { name, prompt }, signal) {
  switch (name) {
    case "phoneNumber":
    case "email":
      return { text: await askString(prompts, name, prompt, signal) };
    case "otp": {
      const answer = await askOtp(prompts, prompt, signal);
      return answer.resend ? "resend" : { text: answer.code };
    }
    default:
      return { confirm: await askYesNo(prompts, "confirmLink", prompt, signal, true) };
  }
}

/**
 * With `flowStorage`, a flow waiting for the user or a back-off is saved, and a finished one
 * forgotten; in between (a request, a signature) the last save stands, so a reload there resumes
 * at the step before. The caller's signal stops this page's work the way a reload does: the saved
 * flow stays, for resumeSignIn or discardPendingSignIn.
 */
function persist(ctx, abort, out) {
  if (!ctx.flows.enabled()) return;
  if (out.action.done !== undefined || out.action.fail !== undefined) {
    if (out.action.done !== undefined || !abort.abortedByCaller()) ctx.flows.clear();
  } else if (typeof out.snapshot === "string") {
    ctx.flows.save(out.snapshot);
  }
}
