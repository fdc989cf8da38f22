// The unfinished sign-in of one RatioAuth instance (`flowStorage: "sessionStorage"`): the
// engine's snapshot JSON, in this tab's sessionStorage only. A port of `FlowStore` in
// src/web/storage.rs.
//
// Where sessionStorage is unavailable (a sandboxed iframe, storage disabled, a full quota)
// nothing is saved and nothing throws out: a reload then starts over. A failure never moves the
// snapshot (it holds its steps' session JWTs) anywhere else, and there is no code path to
// localStorage.

/**
 * The page's sessionStorage, or null where it is missing, is not a real Storage, or its getter
 * throws (a SecurityError when storage is blocked).
 */
export function pageSessionStorage() {
  try {
    const storage = globalThis.sessionStorage;
    return typeof Storage === "function" && storage instanceof Storage ? storage : null;
  } catch {
    return null;
  }
}

export class FlowStore {
  #enabled;
  #key;
  #storage;

  /**
   * Keyed by `baseUrl` (the checked one), like the session. `storage`: a function returning the
   * Storage to use (for tests); by default the page's sessionStorage, looked up at each use as
   * the wasm does.
   */
  constructor(enabled, baseUrl, storage = pageSessionStorage) {
    this.#enabled = enabled === true;
    this.#key = `ratio-auth:pendingSignIn:${baseUrl}`;
    this.#storage = storage;
  }

  /** The sessionStorage key used. */
  get key() {
    return this.#key;
  }

  enabled() {
    return this.#enabled;
  }

  save(text) {
    if (!this.#enabled) return;
    try {
      // A full quota loses the save, not the flow: the sign-in goes on.
      this.#session()?.setItem(this.#key, text);
    } catch {
      // nothing saved
    }
  }

  /** The saved snapshot JSON, or null (an empty value reads as nothing). */
  load() {
    if (!this.#enabled) return null;
    try {
      const text = this.#session()?.getItem(this.#key);
      return typeof text === "string" && text !== "" ? text : null;
    } catch {
      return null;
    }
  }

  clear() {
    if (!this.#enabled) return;
    try {
      this.#session()?.removeItem(this.#key);
    } catch {
      // nothing to clear
    }
  }

  #session() {
    try {
      return this.#storage() ?? null;
    } catch {
      return null;
    }
  }
}
