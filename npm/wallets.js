// EIP-6963 wallet discovery, in plain JS so that a wallet picker renders before the wasm is
// fetched. Every injected wallet announces itself (`eip6963:announceProvider`) when asked
// (`eip6963:requestProvider`) or when it loads late; announcements are deduplicated by
// `info.uuid` (the first wins), and ones without a string uuid/name/rdns or a
// `provider.request` function are skipped. `icon` is kept only as a `data:image/...` URI (what
// EIP-6963 requires), so an `<img src={icon}>` never loads a remote URL or runs a script.

import { ratioAuthError } from "./errors.js";

const ANNOUNCE = "eip6963:announceProvider";
const REQUEST = "eip6963:requestProvider";
const MAX_DISCOVERY_MS = 10_000;

/** The wallet an announcement describes, or null. Never throws (hostile details are skipped). */
function readAnnouncement(event) {
  try {
    const detail = event.detail;
    const info = detail.info;
    const provider = detail.provider;
    if (typeof provider?.request !== "function") return null;
    const { uuid, name, rdns, icon } = info;
    if (typeof uuid !== "string" || uuid === "" || typeof name !== "string" || typeof rdns !== "string") {
      return null;
    }
    const safeIcon = typeof icon === "string" && icon.startsWith("data:image/") ? icon : "";
    return Object.freeze({ info: Object.freeze({ uuid, name, icon: safeIcon, rdns }), provider });
  } catch {
    return null;
  }
}

function eventTarget() {
  return typeof globalThis.addEventListener === "function" &&
    typeof globalThis.dispatchEvent === "function"
    ? globalThis
    : null;
}

/**
 * Calls `callback(wallets)` with every wallet found so far, first for those already loaded and
 * then again each time another one announces itself (also long after). Returns the function
 * that stops watching. Outside a page or a worker (Node, server rendering) nothing is ever
 * announced: the callback is not called.
 */
export function watchWallets(callback) {
  if (typeof callback !== "function") {
    throw ratioAuthError("config", "watchWallets(callback): callback must be a function");
  }
  const target = eventTarget();
  if (!target) return () => {};
  const found = [];
  let active = true;
  const onAnnounce = (event) => {
    const wallet = readAnnouncement(event);
    if (!active || !wallet || found.some((known) => known.info.uuid === wallet.info.uuid)) return;
    found.push(wallet);
    const snapshot = Object.freeze(found.slice());
    try {
      callback(snapshot);
    } catch (error) {
      // The app's callback failing must not stop discovery (nor reach the wallet's dispatch).
      globalThis.reportError?.(error);
    }
  };
  target.addEventListener(ANNOUNCE, onAnnounce);
  // Wallets that are already loaded answer synchronously, inside this dispatch.
  target.dispatchEvent(new Event(REQUEST));
  return () => {
    active = false;
    target.removeEventListener(ANNOUNCE, onAnnounce);
  };
}

/**
 * The wallets that announce themselves within `timeoutMs` (default 300, at most 10 000).
 * Rejects with a `config` RatioAuthError for a bad `timeoutMs`; outside a page, resolves `[]`.
 */
export function discoverWallets(timeoutMs) {
  timeoutMs ??= 300;
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0 && timeoutMs <= MAX_DISCOVERY_MS)) {
    return Promise.reject(
      ratioAuthError("config", `discoverWallets(timeoutMs): timeoutMs must be a number from 0 to ${MAX_DISCOVERY_MS}`),
    );
  }
  return new Promise((resolve) => {
    let wallets = [];
    const stop = watchWallets((found) => {
      wallets = found;
    });
    setTimeout(() => {
      stop();
      resolve(wallets.slice());
    }, timeoutMs);
  });
}
