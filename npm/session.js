// Where the session JWT of a `RatioAuth` lives between sign-ins, and who hears that it changed.
//
// - "memory" (default): a field, gone with the page.
// - "sessionStorage": survives reloads of this tab only.
// - an adapter `{ get(key), set(key, value), remove(key), shared? }`, sync or async: the app's
//   own storage (an in-memory store of a framework, IndexedDB, a cookie set by its backend...).
//   `shared: true` says other tabs of the app see the same storage: sign-in and sign-out then
//   reach them through a BroadcastChannel, which carries the event name only, never the JWT.
//
// A storage that fails (sessionStorage blocked, an adapter that throws) keeps the JWT in memory
// instead, and the failure goes to `reportError`: a failure never widens where a token lives,
// and never loses the sign-in the user just completed. Never localStorage by default: it
// outlives the tab and is shared by every tab of the origin.

import { ratioAuthError } from "./errors.js";

const report = (error) => globalThis.reportError?.(error);

function storageError(what, cause) {
  return ratioAuthError("config", `the session storage failed to ${what}; the session is kept in memory instead`, {
    reason: "storage",
    cause,
  });
}

function browserSessionStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    // A SecurityError when storage is blocked for this document.
    return null;
  }
}

/** Checks `storage` (the option) and returns the store it names. Throws a `config` error. */
export function createSessionStore(storage, key) {
  if (storage === undefined || storage === "memory") return new SessionStore(null, key, false);
  if (storage === "sessionStorage") return new SessionStore("sessionStorage", key, false);
  if (typeof storage === "object" && storage !== null) {
    let adapter;
    try {
      const { get, set, remove, shared = false } = storage;
      if (typeof get === "function" && typeof set === "function" && typeof remove === "function" && typeof shared === "boolean") {
        adapter = { get: get.bind(storage), set: set.bind(storage), remove: remove.bind(storage), shared };
      }
    } catch {
      // A Proxy that throws: refused below like any other wrong value.
    }
    if (adapter) return new SessionStore(adapter, key, adapter.shared);
  }
  throw ratioAuthError(
    "config",
    'options.storage must be "memory", "sessionStorage" or an adapter { get(key), set(key, value), remove(key), shared?: boolean }',
  );
}

class SessionStore {
  #backend;
  #key;
  #memory = null;
  /** Whether other tabs see the same storage. */
  shared;

  constructor(backend, key, shared) {
    this.#backend = backend;
    this.#key = key;
    this.shared = shared;
  }

  get kind() {
    return this.#backend === null ? "memory" : this.#backend === "sessionStorage" ? "sessionStorage" : "adapter";
  }

  async get() {
    if (this.#memory !== null || this.#backend === null) return this.#memory;
    try {
      const value = this.#backend === "sessionStorage" ? browserSessionStorage()?.getItem(this.#key) : await this.#backend.get(this.#key);
      return typeof value === "string" && value !== "" ? value : null;
    } catch (cause) {
      report(storageError("read", cause));
      return null;
    }
  }

  async set(jwt) {
    if (this.#backend !== null) {
      try {
        if (this.#backend === "sessionStorage") {
          const storage = browserSessionStorage();
          if (!storage) throw new Error("sessionStorage is not available");
          storage.setItem(this.#key, jwt);
        } else {
          await this.#backend.set(this.#key, jwt);
        }
        this.#memory = null;
        return;
      } catch (cause) {
        report(storageError("write", cause));
      }
    }
    this.#memory = jwt;
  }

  async remove() {
    this.#memory = null;
    if (this.#backend === null) return;
    try {
      if (this.#backend === "sessionStorage") browserSessionStorage()?.removeItem(this.#key);
      else await this.#backend.remove(this.#key);
    } catch (cause) {
      report(storageError("remove the session", cause));
    }
  }
}

/**
 * A BroadcastChannel for the sessions of one storage key, or null where there is none (Node,
 * old browsers). Messages carry `{ event }` only.
 */
export function openSessionChannel(key, onEvent) {
  if (typeof globalThis.BroadcastChannel !== "function") return null;
  try {
    const channel = new globalThis.BroadcastChannel(`ratio-auth:${key}`);
    channel.onmessage = (message) => {
      const event = message?.data?.event;
      if (event === "signedIn" || event === "signedOut" || event === "refreshed" || event === "expired") onEvent(event);
    };
    return channel;
  } catch {
    return null;
  }
}
