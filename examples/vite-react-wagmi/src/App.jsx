import { useEffect, useMemo, useRef, useState } from "react";
import { useConnect, useConnection, useDisconnect } from "wagmi";
import { RatioAuth } from "ratio-auth";
import { useRatioSession, useRatioSignIn } from "ratio-auth/react";
import { PromptForm } from "./PromptForm.jsx";

export function App() {
  const { address, connector, status } = useConnection();
  const { connect, connectors, error: connectError } = useConnect();
  const { disconnect } = useDisconnect();

  return (
    <main>
      <h1>Sign in to Ratio</h1>
      <section className="card" data-testid="wallet">
        <h2>Wallet</h2>
        {status === "connected" ? (
          <p>
            Connected with {connector?.name}: <code data-testid="address">{address}</code>{" "}
            <button type="button" onClick={() => disconnect()}>Disconnect</button>
          </p>
        ) : (
          <p>
            {connectors.map((c) => (
              <button key={c.uid} type="button" data-connector={c.id} onClick={() => connect({ connector: c })}>
                Connect {c.name}
              </button>
            ))}
          </p>
        )}
        {connectError && <p className="bad">{connectError.shortMessage ?? connectError.message}</p>}
      </section>
      {status === "connected" && address && connector && <Ratio key={address} address={address} connector={connector} />}
    </main>
  );
}

/** A RatioAuth for `address`, with a client session minted by the backend (which keeps the secret). */
function useRatioAuth(address) {
  const [state, setState] = useState({ auth: null, error: null });
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const response = await fetch("/api/ratio/client-session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ walletAddress: address }),
        signal: abort.signal,
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || typeof body.clientSessionId !== "string") {
        throw new Error(`the backend gave no client session (${response.status} ${body.code ?? ""})`);
      }
      // Same origin: the backend forwards /ratio/* to Ratio. No secret in the page.
      const auth = new RatioAuth({
        baseUrl: new URL("/ratio", window.location.origin).href,
        clientSessionId: body.clientSessionId,
        storage: "sessionStorage",
      });
      setState({ auth, error: null });
    })().catch((error) => {
      if (!abort.signal.aborted) setState({ auth: null, error });
    });
    return () => abort.abort();
  }, [address]);
  return state;
}

function Ratio({ address, connector }) {
  const { auth, error: authError } = useRatioAuth(address);
  const flow = useRatioSignIn(auth);
  const session = useRatioSession(auth);
  const busy = flow.status === "running" || flow.status === "prompt";
  // Each prompt gets its own form (a second code prompt starts empty); `seq` numbers them.
  const promptCount = useRef(0);
  const seq = useMemo(() => (flow.pendingPrompt ? ++promptCount.current : promptCount.current), [flow.pendingPrompt]);

  async function start() {
    const provider = await connector.getProvider();
    // The hook keeps the outcome in `flow.result` / `flow.error`; the promise's rejection is that same error.
    flow.signIn({ provider, account: address }).catch(() => {});
  }

  return (
    <>
      <section className="card" data-testid="sign-in" data-status={flow.status}>
        <h2>Ratio</h2>
        {authError && <p className="bad" data-testid="auth-error">{authError.message}</p>}
        <p>
          <button type="button" data-testid="start" disabled={!auth || busy} onClick={start}>
            Sign in with Ratio
          </button>{" "}
          {busy && (
            <button type="button" data-testid="cancel" onClick={flow.cancel}>
              Cancel
            </button>
          )}
        </p>
        <p className="status">
          Status: <strong data-testid="status">{flow.status}</strong>
          {flow.status === "running" && <span> · {lastState(flow.events)}</span>}
        </p>
        {flow.pendingPrompt && <PromptForm key={seq} seq={seq} prompt={flow.pendingPrompt} onAnswer={flow.answer} onResend={flow.resend} onCancel={flow.cancel} />}
        {flow.status === "done" && flow.result && <Result result={flow.result} />}
        {flow.status === "failed" && flow.error && (
          <p className="bad" data-testid="error" data-kind={flow.error.kind}>
            {flow.error.kind}: {flow.error.shortMessage ?? flow.error.message}
          </p>
        )}
        {flow.events.length > 0 && (
          <details>
            <summary>{flow.events.length} events</summary>
            <ol className="events" data-testid="events">
              {flow.events.map((e, i) => (
                <li key={i}>{describe(e)}</li>
              ))}
            </ol>
          </details>
        )}
      </section>
      <section className="card" data-testid="session" data-signed-in={session ? "true" : "false"}>
        <h2>Session</h2>
        {session === undefined ? (
          <p>Reading…</p>
        ) : session === null ? (
          <p>Not signed in.</p>
        ) : (
          <>
            <p>
              Signed in with <strong data-testid="session-factors">{(session.factors ?? []).join(" + ")}</strong>
              {session.expiresAt && <> until {new Date(session.expiresAt).toLocaleTimeString()}</>}
            </p>
            <button type="button" onClick={() => auth?.signOut()}>Sign out</button>
          </>
        )}
      </section>
    </>
  );
}

function Result({ result }) {
  return (
    <dl className="result" data-testid="result" data-path={result.path} data-verified={String(result.walletVerified)}>
      <dt>Path</dt>
      <dd data-testid="result-path">{result.path}</dd>
      <dt>Wallet</dt>
      <dd data-testid="result-wallet">
        {result.walletAddress} ({result.walletVerified ? "verified" : "attached, verified at its next sign-in"})
      </dd>
      <dt>Factors</dt>
      <dd data-testid="result-factors">{result.factors.join(" + ")}</dd>
      {result.userMask?.id && (
        <>
          <dt>User</dt>
          <dd data-testid="result-user">{result.userMask.id}</dd>
        </>
      )}
    </dl>
  );
}

function lastState(events) {
  for (let i = events.length - 1; i >= 0; i -= 1) if (events[i].type === "stateChanged") return events[i].state;
  return "starting";
}

function describe(event) {
  switch (event.type) {
    case "stateChanged":
      return `state: ${event.state} (${event.purpose})`;
    case "requestSent":
      return `→ ${event.endpoint}${event.attempt > 1 ? ` (try ${event.attempt})` : ""}`;
    case "responseReceived":
      return `← ${event.endpoint} ${event.status}${event.code ? ` ${event.code}` : ""}`;
    case "otpSent":
      return `code sent by ${event.channel} to ${event.destinationMask}`;
    case "backingOff":
      return `waiting ${Math.max(0, Math.round((event.untilMs - Date.now()) / 1000))} s (${event.reason})`;
    case "pathChosen":
    case "finished":
      return `${event.type}: ${event.path}`;
    default:
      return event.type;
  }
}
