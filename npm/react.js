// ratio-auth/react: the sign-in as React state. `useRatioSignIn(auth)` turns each prompt of
// `auth.signIn` into a `pendingPrompt` the component renders as a form and settles with
// `answer(value)`; `useRatioSession(auth)` follows the stored session. No dependency but React.
//
// Safe under StrictMode (its double effects start nothing: a sign-in starts only when the app
// calls `signIn`), an unmount aborts the running sign-in, and no state is set after it.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ratioAuthError } from "./errors.js";

const IDLE = Object.freeze({ status: "idle", pendingPrompt: null, events: Object.freeze([]), result: null, error: null });

const PROMPTS = ["phoneNumber", "email", "otp", "confirmLink"];

function cancelled(message) {
  // What a cancelled prompt rejects with, and the signal's reason: the flow ends as `aborted`.
  return typeof DOMException === "function" ? new DOMException(message, "AbortError") : Object.assign(new Error(message), { name: "AbortError" });
}

/**
 * Runs sign-ins with `auth` and exposes each as state. One sign-in at a time: a new `signIn`
 * cancels the one running.
 */
export function useRatioSignIn(auth) {
  const [state, setState] = useState(IDLE);
  // The running sign-in: { controller, pending: { kind, resolve, reject } | null }.
  const runRef = useRef(null);
  const mountedRef = useRef(false);
  // The committed `auth` (a render React discards must not change what `signIn` uses).
  const authRef = useRef(auth);

  const stop = useCallback((reason) => {
    const run = runRef.current;
    if (run === null) return;
    runRef.current = null;
    run.controller.abort(reason);
    const pending = run.pending;
    run.pending = null;
    pending?.reject(reason);
  }, []);

  useEffect(() => {
    mountedRef.current = true;
    return () => {
      mountedRef.current = false;
      stop(cancelled("the component running the sign-in unmounted"));
    };
  }, [stop]);

  // Another RatioAuth: a sign-in running with the previous one is abandoned.
  useEffect(() => {
    if (authRef.current === auth) return;
    authRef.current = auth;
    if (runRef.current !== null) {
      stop(cancelled("the RatioAuth instance changed"));
      setState(IDLE);
    }
  }, [auth, stop]);

  const start = useCallback(
    (method, options) => {
      const current = authRef.current;
      if (current === null || current === undefined || typeof current[method] !== "function") {
        return Promise.reject(ratioAuthError("config", `useRatioSignIn: ${method} needs a RatioAuth instance (got ${current === null ? "null" : typeof current})`));
      }
      if (typeof options !== "object" || options === null) {
        return Promise.reject(ratioAuthError("config", `useRatioSignIn: ${method}(options) needs { provider, ... }`));
      }
      let provider;
      let account;
      let firstFactor;
      try {
        ({ provider, account, firstFactor } = options);
      } catch (cause) {
        return Promise.reject(ratioAuthError("config", `useRatioSignIn: ${method}: the options could not be read`, { cause }));
      }
      stop(cancelled("a new sign-in was started"));
      const run = { controller: new AbortController(), pending: null };
      runRef.current = run;
      // Updates of a sign-in that is no longer this hook's (replaced, cancelled, unmounted) are dropped.
      const update = (change) => {
        if (mountedRef.current && runRef.current === run) setState(change);
      };
      const ask = (kind) => (ctx) =>
        new Promise((resolve, reject) => {
          if (runRef.current !== run) {
            reject(cancelled("the sign-in was cancelled"));
            return;
          }
          run.pending = { kind, resolve, reject };
          const pendingPrompt = Object.freeze({ ...(typeof ctx === "object" && ctx !== null ? ctx : {}), kind });
          update((s) => ({ ...s, status: "prompt", pendingPrompt }));
        });
      const prompts = Object.fromEntries(PROMPTS.map((kind) => [kind, ask(kind)]));
      const onEvent = (event) => update((s) => ({ ...s, events: [...s.events, event] }));
      update({ ...IDLE, status: "running", events: [] });
      const callOptions = { provider, prompts, onEvent, signal: run.controller.signal };
      if (method === "signIn") {
        if (account !== undefined) callOptions.account = account;
        if (firstFactor !== undefined) callOptions.firstFactor = firstFactor;
      }
      let call;
      try {
        call = Promise.resolve(current[method](callOptions));
      } catch (error) {
        call = Promise.reject(error);
      }
      const settle = (change) => {
        update(change);
        if (runRef.current === run) runRef.current = null;
      };
      return call.then(
        (result) => {
          settle((s) => ({ ...s, status: "done", pendingPrompt: null, result, error: null }));
          return result;
        },
        (error) => {
          settle((s) => ({ ...s, status: "failed", pendingPrompt: null, result: null, error }));
          throw error;
        },
      );
    },
    [stop],
  );

  const signIn = useCallback((options) => start("signIn", options), [start]);
  const resumeSignIn = useCallback((options) => start("resumeSignIn", options), [start]);

  const answer = useCallback((value) => {
    const run = runRef.current;
    const pending = run?.pending;
    if (!pending) return;
    run.pending = null;
    if (mountedRef.current) setState((s) => ({ ...s, status: "running", pendingPrompt: null }));
    pending.resolve(value);
  }, []);

  const resend = useCallback(() => {
    if (runRef.current?.pending?.kind === "otp") answer({ resend: true });
  }, [answer]);

  const cancel = useCallback(() => {
    // The sign-in's promise rejects (an `aborted` error), which sets `failed`.
    const run = runRef.current;
    if (run === null) return;
    const reason = cancelled("the sign-in was cancelled");
    run.controller.abort(reason);
    const pending = run.pending;
    run.pending = null;
    pending?.reject(reason);
  }, []);

  const reset = useCallback(() => {
    stop(cancelled("the sign-in was reset"));
    if (mountedRef.current) setState(IDLE);
  }, [stop]);

  return useMemo(
    () => ({ ...state, signIn, resumeSignIn, answer, resend, cancel, reset }),
    [state, signIn, resumeSignIn, answer, resend, cancel, reset],
  );
}

/**
 * The stored session of `auth`: `undefined` until it has been read, then the session or null,
 * kept current through `auth.onSessionChange`.
 */
export function useRatioSession(auth) {
  const [seen, setSeen] = useState({ auth: undefined, session: undefined });
  useEffect(() => {
    if (auth === null || auth === undefined) return undefined;
    let live = true;
    let changed = false;
    const off = auth.onSessionChange(({ session }) => {
      changed = true;
      if (live) setSeen({ auth, session });
    });
    auth.session().then(
      (session) => {
        if (live && !changed) setSeen({ auth, session });
      },
      () => {
        if (live && !changed) setSeen({ auth, session: null });
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [auth]);
  if (auth === null || auth === undefined) return null;
  return seen.auth === auth ? seen.session : undefined;
}
