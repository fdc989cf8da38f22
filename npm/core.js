// What npm/index.js drives once the wasm is loaded: the checked options, the saved-flow store,
// signIn / resumeSignIn (npm/driver.js) and the nine api calls (npm/api.js) over the wasm's
// sans-IO engine. The session itself is index.js's (session.js); Core keeps none.

// The modules the ones below import, named here too so that an unbundled page fetches them all in
// one wave with this file rather than in two more (a bundle is the same either way).
import "./abort.js";
import "./eip1193.js";
import "./errors.js";
import "./http.js";
import "./prompts.js";
import "./values.js";
import { makeApi } from "./api.js";
import { checkOptions, engineConfig } from "./config.js";
import { loadPending, resumeSignIn, signIn } from "./driver.js";
import { FlowStore } from "./flowstore.js";

export class Core {
  #ctx;

  /**
   * Checks the options; throws a `config` RatioAuthError when they are wrong or unsafe. `calls`:
   * the api calls and how each takes a session JWT (index.js's table).
   */
  constructor(glue, options, calls) {
    const config = checkOptions(options);
    this.#ctx = {
      glue,
      config,
      // Snapshots are written by the engine only when they will be kept.
      engineConfig: JSON.stringify({ ...engineConfig(config), snapshots: config.flowStorage }),
      flows: new FlowStore(config.flowStorage, config.baseUrl),
    };
    this.api = makeApi(this.#ctx, calls);
  }

  /** Runs a whole sign-in; a new one replaces any saved sign-in at once. */
  signIn(options) {
    this.#ctx.flows.clear();
    return signIn(this.#ctx, options);
  }

  /** The saved sign-in resumeSignIn would continue, or null (an expired or unreadable one is cleared). */
  pendingSignIn() {
    try {
      return loadPending(this.#ctx).summary;
    } catch {
      return null;
    }
  }

  resumeSignIn(options) {
    return resumeSignIn(this.#ctx, options);
  }

  discardPendingSignIn() {
    this.#ctx.flows.clear();
  }

  /** What a session JWT says about itself (read, not verified); `{}` for anything unreadable. */
  sessionInfo(jwt) {
    if (typeof jwt !== "string") return {};
    try {
      return JSON.parse(this.#ctx.glue.sessionInfo(jwt, Date.now()));
    } catch {
      return {};
    }
  }
}
