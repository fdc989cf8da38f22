// ratio-auth: the package's entry. It loads the wasm engine (wasm/ratio_auth.js) on first use and
// drives it (core.js and the modules it imports), keeps the session between sign-ins
// (session.js), finds wallets (wallets.js) and guards errors (errors.js) without the wasm. Every
// decision of a sign-in — which path, which token, when to retry — is made in the wasm's engine;
// the JS only does what the engine asks (fetch, sign, prompt, sleep) and reports back.
//
// Importing it touches no browser API, so it is safe under Node and server-side rendering;
// calls made there reject with a `config` error whose reason is "unsupportedEnvironment".

import { isRatioAuthError, RatioAuthErrorKinds, ratioAuthError } from "./errors.js";
import { createSessionStore, openSessionChannel } from "./session.js";

export { isRatioAuthError, RatioAuthErrorKinds };
export { discoverWallets, watchWallets } from "./wallets.js";

let wasmSource;
let loading = null;

function environmentProblem() {
  if (typeof WebAssembly !== "object") return "WebAssembly is not available here";
  if (typeof fetch !== "function") return "fetch is not available here";
  if (typeof document === "undefined" && typeof WorkerGlobalScope === "undefined") {
    return "ratio-auth runs in a browser page or worker, not on a server: call it from client-side code";
  }
  return null;
}

/** Throws the `config` error of a call made outside a browser page or worker. */
function checkEnvironment() {
  const problem = environmentProblem();
  if (problem) throw ratioAuthError("config", problem, { reason: "unsupportedEnvironment" });
}

function load() {
  if (loading === null) {
    loading = (async () => {
      checkEnvironment();
      try {
        // The driver (core.js and what it imports) comes with the wasm, on first use: importing
        // the package loads only this shell (a bundler that splits code makes it a chunk of its
        // own). The glue is asked for first: the wasm download waits for it.
        const gluePromise = import("./wasm/ratio_auth.js");
        const driver = import("./core.js");
        driver.catch(() => {}); // awaited below; a wasm failure must not leave it unhandled
        const glue = await gluePromise;
        await glue.default(wasmSource === undefined ? undefined : { module_or_path: wasmSource });
        const { Core } = await driver;
        return { glue, Core };
      } catch (cause) {
        throw ratioAuthError("network", "the ratio-auth WebAssembly module could not be loaded", { reason: "wasmLoad", cause });
      }
    })();
    // A failed load (offline, a CSP without 'wasm-unsafe-eval') may be retried by the next call.
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/**
 * Loads the WebAssembly module now rather than on first use (every call loads it itself; this
 * only moves the fetch earlier). `wasmUrl` serves the `.wasm` from elsewhere (a CDN); by default
 * it is the file beside the glue, which bundlers emit as an asset.
 */
export async function init({ wasmUrl } = {}) {
  if (wasmUrl !== undefined && loading === null) wasmSource = wasmUrl;
  await load();
}

const SESSION_EVENTS = new Set(["signedIn", "signedOut", "refreshed", "expired"]);

/** The nine low-level calls: whether each takes a session JWT, and whether it needs one (api.js builds them from this). */
const API_CALLS = {
  walletStart: "none",
  walletAuthenticate: "optional",
  walletAddToUser: "required",
  smsSend: "optional",
  smsAuthenticate: "optional",
  emailSend: "optional",
  emailAuthenticate: "optional",
  createUser: "required",
  getUser: "required",
};

// setTimeout's delay is a 32-bit signed integer: a longer one fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Signs users in to Ratio. See the README and `index.d.ts`. */
export class RatioAuth {
  #wasmOptions;
  #store;
  #key;
  #core = null;
  #listeners = new Set();
  #channel = null;
  #expiryTimer = null;
  #queue = Promise.resolve();

  /** Low-level calls, one per endpoint (see `RatioApi` in `index.d.ts`). */
  api;

  /**
   * Checks what it can without the wasm (the options' shape, `storage`); the wasm checks the
   * rest on first use, or at `ready()`. Throws a `config` RatioAuthError.
   */
  constructor(options) {
    if (typeof options !== "object" || options === null) {
      throw ratioAuthError("config", "new RatioAuth(options): options must be an object { baseUrl, ... }");
    }
    let rest;
    let storage;
    try {
      ({ storage, ...rest } = options);
    } catch (cause) {
      throw ratioAuthError("config", "new RatioAuth(options): the options could not be read", { cause });
    }
    const baseUrl = typeof rest.baseUrl === "string" ? rest.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "") : "";
    this.#key = `ratio-auth:session:${baseUrl}`;
    this.#store = createSessionStore(storage, this.#key);
    if (rest.flowStorage === "sessionStorage" && this.#store.kind === "memory") {
      throw ratioAuthError(
        "config",
        'flowStorage: "sessionStorage" needs storage: "sessionStorage" (or a storage adapter): a saved sign-in holds its steps\' session JWTs, which would outlive a session kept in memory',
      );
    }
    // Core keeps no session of its own: this shell does.
    this.#wasmOptions = { ...rest, storage: "none" };
    this.api = Object.freeze(
      Object.fromEntries(Object.entries(API_CALLS).map(([name, jwtUse]) => [name, (request, callOptions) => this.#call(name, jwtUse, request, callOptions)])),
    );
  }

  /** Loads the wasm and checks every option; rejects with the `config` error `new` would give. */
  async ready() {
    await this.#wasm();
  }

  #wasm() {
    if (this.#core === null) {
      this.#core = load().then(({ glue, Core }) => {
        const core = new Core(glue, this.#wasmOptions, API_CALLS);
        return { core, api: core.api };
      });
      this.#core.catch(() => {
        this.#core = null;
      });
    }
    return this.#core;
  }

  /** Runs a whole sign-in; resolves as `RatioAuthSignInResult`, rejects with a RatioAuthError. */
  async signIn(options) {
    // A new sign-in forgets the previous session at once: if it fails, `session()` must not
    // still hand out the previous user's JWT.
    await this.#setSession(null, "signedOut");
    const { core } = await this.#wasm();
    const result = await core.signIn(options);
    await this.#setSession(result.sessionJwt, "signedIn");
    return result;
  }

  /** The sign-in saved by `flowStorage: "sessionStorage"`, or null. */
  async pendingSignIn() {
    const { core } = await this.#wasm();
    return core.pendingSignIn();
  }

  /** Continues the saved sign-in; settles as `signIn` would. */
  async resumeSignIn(options) {
    const { core } = await this.#wasm();
    const result = await core.resumeSignIn(options);
    await this.#setSession(result.sessionJwt, "signedIn");
    return result;
  }

  /** Forgets the saved sign-in, if any. */
  async discardPendingSignIn() {
    const { core } = await this.#wasm();
    core.discardPendingSignIn();
  }

  /**
   * The stored session and what its JWT says about itself (read, not verified), or null. An
   * expired session is forgot here (an `expired` change is sent) and reads as null.
   */
  async session() {
    // On a server there is no session to read (and none could be checked): the same rejection
    // as every other call, rather than a null that looks like "signed out".
    checkEnvironment();
    const jwt = await this.#store.get();
    if (jwt === null) return null;
    const session = await this.#describe(jwt);
    if (session.expired) {
      await this.#setSession(null, "expired", jwt);
      return null;
    }
    return session;
  }

  /** Forgets the stored session. Ratio has no sign-out endpoint: the JWT stays valid until `exp`. */
  async signOut() {
    await this.#setSession(null, "signedOut");
  }

  /**
   * Calls `callback({ event, session, fromOtherTab })` on every change of the stored session:
   * `signedIn`, `signedOut`, `refreshed` (an `api` call's JWT was replaced), `expired`. With a
   * `shared` storage adapter, changes made in the app's other tabs arrive too. Returns the
   * function that stops it.
   */
  onSessionChange(callback) {
    if (typeof callback !== "function") {
      throw ratioAuthError("config", "onSessionChange(callback): callback must be a function");
    }
    this.#listeners.add(callback);
    if (this.#store.shared && this.#channel === null) {
      // In order, after this tab's own changes: a quick sign-out must not overtake the sign-in
      // before it.
      this.#channel = openSessionChannel(this.#key, (event) => {
        this.#serial(() => this.#fromOtherTab(event)).catch(() => {});
      });
    }
    return () => {
      this.#listeners.delete(callback);
      if (this.#listeners.size === 0 && this.#channel !== null) {
        this.#channel.close();
        this.#channel = null;
      }
    };
  }

  async #describe(jwt) {
    const { core } = await this.#wasm();
    return { sessionJwt: jwt, ...core.sessionInfo(jwt) };
  }

  /** The session of a stored JWT for listeners, or null; a wasm that fails to load leaves the bare JWT. */
  async #sessionOf(jwt) {
    return jwt === null ? null : this.#describe(jwt).catch(() => ({ sessionJwt: jwt }));
  }

  /** Serialised, so that a sign-out and a refresh finishing together end in a known order. */
  #serial(task) {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Stores `jwt` (or forgets the session for null) and tells the listeners. `onlyIf` forgets
   * only when the stored JWT is still that one (an expiry that raced a new sign-in).
   */
  #setSession(jwt, event, onlyIf) {
    return this.#serial(async () => {
      const before = await this.#store.get();
      if (onlyIf !== undefined && before !== onlyIf) return;
      if (jwt === null && before === null) return;
      if (jwt === null) await this.#store.remove();
      else await this.#store.set(jwt);
      this.#scheduleExpiry(null);
      const session = await this.#sessionOf(jwt);
      if (session !== null) this.#scheduleExpiry(session);
      this.#emit(event, session, false);
      if (this.#store.shared && this.#channel !== null) {
        try {
          this.#channel.postMessage({ event });
        } catch {
          // A closed channel: the other tabs learn at their next read.
        }
      }
    });
  }

  #scheduleExpiry(session) {
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    if (session === null || typeof session.expiresAt !== "number") return;
    const delay = Math.max(0, Math.min(session.expiresAt - Date.now(), MAX_TIMER_MS));
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = null;
      if (Date.now() < session.expiresAt) this.#scheduleExpiry(session);
      else this.#setSession(null, "expired", session.sessionJwt).catch(() => {});
    }, delay);
  }

  async #fromOtherTab(event) {
    if (!SESSION_EVENTS.has(event)) return;
    // The announcement may outrun the storage it is about (Chromium propagates localStorage
    // between tabs' processes asynchronously): after a sign-out there is nothing to read, and
    // after a sign-in the new JWT is read again for a moment until it shows.
    let jwt = null;
    if (event === "signedIn" || event === "refreshed") {
      for (let tries = 0; tries < 20 && jwt === null; tries += 1) {
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 25));
        jwt = await this.#store.get();
      }
    }
    const session = await this.#sessionOf(jwt);
    this.#scheduleExpiry(session);
    this.#emit(event, session, true);
  }

  #emit(event, session, fromOtherTab) {
    for (const listener of [...this.#listeners]) {
      try {
        listener({ event, session, fromOtherTab });
      } catch (error) {
        // An app's listener failing must not break the sign-in that triggered it.
        globalThis.reportError?.(error);
      }
    }
  }

  async #call(name, jwtUse, request, callOptions) {
    let jwt;
    let signal;
    if (callOptions !== undefined && callOptions !== null) {
      if (typeof callOptions !== "object") {
        throw ratioAuthError("config", `api.${name}(request, options): options must be { jwt?, signal? }`);
      }
      try {
        ({ jwt, signal } = callOptions);
      } catch (cause) {
        throw ratioAuthError("config", `api.${name}: the options could not be read`, { cause });
      }
    }
    const { api } = await this.#wasm();
    if (jwtUse === "none") return api[name](request, signal);
    if (jwt === undefined && jwtUse === "required") {
      jwt = await this.#store.get();
      if (jwt === null) {
        throw ratioAuthError("config", `api.${name} needs a session: sign in first, or pass { jwt }`, { reason: "noSession" });
      }
    }
    const response = await api[name](request, jwt ?? null, signal);
    // Ratio replaced the JWT this call used: when that was the stored session, store the new one.
    if (typeof response?.refreshJwt === "string" && typeof jwt === "string" && (await this.#store.get()) === jwt) {
      await this.#setSession(response.refreshJwt, "refreshed", jwt);
    }
    return response;
  }
}
