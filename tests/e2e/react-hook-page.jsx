// Bundled by tests/e2e/react-hook.test.mjs (esbuild) into a page that drives ratio-auth/react's
// hooks against a scripted stand-in for RatioAuth (no wasm, no server): the test reads
// `window.t` to mount, act and look.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { flushSync } from "react-dom";
import { useRatioSession, useRatioSignIn } from "../../npm/react.js";

function abortable(signal, promise) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error("aborted"), { name: "RatioAuthError", kind: "aborted", cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject);
  });
}

/** A stand-in for RatioAuth: signIn asks phone, then a code (a resend asks again), then resolves. */
function fakeAuth() {
  const log = [];
  const listeners = new Set();
  let stored = null;
  const auth = {
    log,
    listeners,
    runs: 0,
    async signIn(options) {
      auth.runs += 1;
      const run = auth.runs;
      const { prompts, onEvent, signal } = options;
      auth.lastSignal = signal;
      log.push({ run, call: "signIn", account: options.account, firstFactor: options.firstFactor, keys: Object.keys(options).sort() });
      try {
        onEvent({ type: "stateChanged", state: "walletStart", purpose: "walletSignIn" });
        const phone = await abortable(signal, prompts.phoneNumber({ purpose: "secondFactor", phoneMask: "1234" }));
        log.push({ run, phone });
        onEvent({ type: "otpSent", channel: "sms", destinationMask: "...1234" });
        let attempt = 1;
        let code = await abortable(signal, prompts.otp({ channel: "sms", destinationMask: "...1234", attempt, maxAttempts: 5, resendAvailableAt: 0 }));
        while (typeof code === "object" && code?.resend === true) {
          log.push({ run, resend: true });
          attempt += 1;
          code = await abortable(signal, prompts.otp({ channel: "sms", destinationMask: "...1234", attempt, maxAttempts: 5 }));
        }
        log.push({ run, code });
        stored = { sessionJwt: "jwt-" + run, factors: ["wallet", "sms"] };
        for (const l of [...listeners]) l({ event: "signedIn", session: stored, fromOtherTab: false });
        return { sessionJwt: stored.sessionJwt, path: "returning", walletAddress: "0xabc", walletVerified: true, walletKind: "eoa", factors: ["wallet", "sms"] };
      } catch (error) {
        log.push({ run, rejected: error?.kind ?? error?.name, cause: error?.cause?.name ?? null });
        throw error;
      }
    },
    resumeSignIn(options) {
      return auth.signIn(options);
    },
    async session() {
      log.push({ call: "session" });
      return stored;
    },
    onSessionChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    setStored(s) {
      stored = s;
    },
  };
  return auth;
}

let root = null;
let renders = 0;
let flow = null;
let session;
const problems = [];
const originalError = console.error;
console.error = (...args) => {
  problems.push(args.map(String).join(" "));
  originalError(...args);
};

function Probe({ auth }) {
  renders += 1;
  flow = useRatioSignIn(auth);
  session = useRatioSession(auth);
  return <p id="status">{flow.status}</p>;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

window.t = {
  fakeAuth,
  async mount(auth, { strict = true } = {}) {
    const el = document.createElement("div");
    document.body.append(el);
    root = createRoot(el);
    flushSync(() => root.render(strict ? <StrictMode><Probe auth={auth} /></StrictMode> : <Probe auth={auth} />));
    await tick();
  },
  /** Renders with another `auth`; returns what `useRatioSession` gave in that render. */
  rerender(auth) {
    flushSync(() => root.render(<StrictMode><Probe auth={auth} /></StrictMode>));
    return session;
  },
  async unmount() {
    flushSync(() => root.unmount());
    await tick();
  },
  get flow() {
    return flow;
  },
  get session() {
    return session;
  },
  get renders() {
    return renders;
  },
  problems,
  /** A plain view of the hook's state (what the test compares). */
  view() {
    return {
      status: flow.status,
      prompt: flow.pendingPrompt,
      events: flow.events.map((e) => e.type),
      path: flow.result?.path ?? null,
      error: flow.error ? { kind: flow.error.kind, cause: flow.error.cause?.name ?? null } : null,
    };
  },
  tick,
  async settle() {
    for (let i = 0; i < 5; i += 1) await tick();
  },
};
document.body.dataset.ready = "true";
