// npm/flowstore.js: saved unfinished sign-ins, the FlowStore half of the storage tests of
// tests/web_units.rs (session_storage_survives_a_new_instance_and_never_uses_local_storage,
// storage_none_keeps_nothing_anywhere), against fake web storages.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FlowStore, pageSessionStorage } from "../../npm/flowstore.js";

/** A Storage-like fake that records every call. */
class FakeStorage {
  map = new Map();
  calls = [];
  getItem(key) {
    this.calls.push(["getItem", key]);
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.calls.push(["setItem", key]);
    this.map.set(key, String(value));
  }
  removeItem(key) {
    this.calls.push(["removeItem", key]);
    this.map.delete(key);
  }
  get length() {
    return this.map.size;
  }
  dump() {
    return [...this.map].map(([k, v]) => `${k}=${v}`).join("\n");
  }
}

/** A storage every method of which throws (blocked storage, a full quota). */
const failing = () => ({
  getItem() {
    throw new Error("SecurityError");
  },
  setItem() {
    throw new Error("QuotaExceededError");
  },
  removeItem() {
    throw new Error("SecurityError");
  },
});

// A snapshot holds the session JWTs of its steps.
const SNAPSHOT = '{"v":1,"jwt":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdG9yZWQifQ.c2ln"}';

/** Runs `body` with fake page storages installed as globals (and localStorage watched). */
function withPage(body) {
  const session = new FakeStorage();
  const local = new FakeStorage();
  const saved = {};
  for (const name of ["sessionStorage", "localStorage", "Storage"]) saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
  globalThis.Storage = FakeStorage;
  Object.defineProperty(globalThis, "sessionStorage", { configurable: true, get: () => session });
  Object.defineProperty(globalThis, "localStorage", { configurable: true, get: () => local });
  try {
    body({ session, local });
  } finally {
    for (const [name, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete globalThis[name];
    }
  }
}

test("session_storage_survives_a_new_instance_and_never_uses_local_storage", () => {
  withPage(({ session, local }) => {
    const base = "http://127.0.0.1:9/storage-test";
    const store = new FlowStore(true, base);
    assert.equal(store.enabled(), true);
    assert.equal(store.key, "ratio-auth:pendingSignIn:http://127.0.0.1:9/storage-test");
    assert.equal(store.load(), null);
    store.save(SNAPSHOT);
    assert.equal(session.map.get(store.key), SNAPSHOT);
    // A reload of the tab: a new store for the same server finds it.
    const reloaded = new FlowStore(true, base);
    assert.equal(reloaded.load(), SNAPSHOT);
    // Another server's instance does not.
    assert.equal(new FlowStore(true, "http://127.0.0.1:9/other").load(), null);
    assert.equal(local.dump(), "", "localStorage is never written");
    assert.deepEqual(local.calls, [], "nor read");

    store.clear();
    assert.equal(session.map.has(store.key), false);
    assert.equal(reloaded.load(), null);
    // An empty value left by someone else reads as nothing.
    session.setItem(store.key, "");
    assert.equal(store.load(), null);
    store.clear();
    assert.equal(session.length, 0);
    assert.deepEqual(local.calls, []);
  });
});

test("a disabled flow store keeps nothing anywhere (storage_none_keeps_nothing_anywhere)", () => {
  withPage(({ session, local }) => {
    const store = new FlowStore(false, "http://127.0.0.1:9/none-test");
    assert.equal(store.enabled(), false);
    store.save(SNAPSHOT);
    assert.equal(store.load(), null);
    assert.equal(session.length, 0);
    // Someone else's value under the key is not read either, nor cleared: not ours.
    session.setItem(store.key, SNAPSHOT);
    session.calls.length = 0;
    assert.equal(store.load(), null);
    store.clear();
    assert.equal(session.map.get(store.key), SNAPSHOT, "not ours to clear");
    assert.deepEqual(session.calls, [], "sessionStorage is not even touched");
    assert.deepEqual(local.calls, []);
    new FlowStore(true, "http://127.0.0.1:9/none-test").clear();
    assert.equal(session.length, 0);
  });
});

test("a failing sessionStorage never throws out and never moves the snapshot elsewhere", () => {
  withPage(({ local }) => {
    // Methods that throw (a quota, a SecurityError).
    const store = new FlowStore(true, "https://api.ratio.me", failing);
    store.save(SNAPSHOT);
    assert.equal(store.load(), null);
    store.clear();
    // A getter that throws, and none at all.
    for (const storage of [
      () => {
        throw new Error("SecurityError");
      },
      () => null,
      () => undefined,
    ]) {
      const other = new FlowStore(true, "https://api.ratio.me", storage);
      other.save(SNAPSHOT);
      assert.equal(other.load(), null);
      other.clear();
    }
    // Nothing was kept in memory instead: a working storage afterwards finds nothing.
    const fresh = new FakeStorage();
    assert.equal(new FlowStore(true, "https://api.ratio.me", () => fresh).load(), null);
    assert.deepEqual(local.calls, []);
  });
  // A non-string getItem result reads as nothing.
  const odd = { getItem: () => 42, setItem() {}, removeItem() {} };
  assert.equal(new FlowStore(true, "https://api.ratio.me", () => odd).load(), null);
});

test("the page's sessionStorage is read safely", () => {
  // Node has no sessionStorage: nothing, no throw.
  assert.equal(pageSessionStorage(), null);
  const store = new FlowStore(true, "https://api.ratio.me");
  store.save(SNAPSHOT);
  assert.equal(store.load(), null);
  store.clear();
  // Blocked storage: its getter throws a SecurityError.
  const saved = Object.getOwnPropertyDescriptor(globalThis, "sessionStorage");
  const savedStorage = Object.getOwnPropertyDescriptor(globalThis, "Storage");
  globalThis.Storage = FakeStorage;
  try {
    Object.defineProperty(globalThis, "sessionStorage", {
      configurable: true,
      get() {
        throw new Error("SecurityError");
      },
    });
    assert.equal(pageSessionStorage(), null);
    store.save(SNAPSHOT);
    assert.equal(store.load(), null);
    // Something that is not a Storage (as the wasm's dyn_into::<Storage> refuses).
    Object.defineProperty(globalThis, "sessionStorage", { configurable: true, value: { getItem: () => SNAPSHOT } });
    assert.equal(pageSessionStorage(), null);
    assert.equal(store.load(), null);
    // A real one (here: the fake class as Storage) is used, and looked up at each call.
    const page = new FakeStorage();
    Object.defineProperty(globalThis, "sessionStorage", { configurable: true, get: () => page });
    store.save(SNAPSHOT);
    assert.equal(page.map.get(store.key), SNAPSHOT);
    assert.equal(store.load(), SNAPSHOT);
  } finally {
    if (saved) Object.defineProperty(globalThis, "sessionStorage", saved);
    else delete globalThis.sessionStorage;
    if (savedStorage) Object.defineProperty(globalThis, "Storage", savedStorage);
    else delete globalThis.Storage;
  }
});
