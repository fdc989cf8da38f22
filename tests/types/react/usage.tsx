// Type-checks ratio-auth/react's declarations (pkg/react.d.ts) the way a React app uses them:
// `tsc --noEmit -p tests/types/react` (run by tests/e2e/examples.test.mjs). The @ts-expect-error
// lines must stay errors.
import { RatioAuth, type RatioAuthSession, type RatioAuthSignInResult, type EIP1193Provider } from "ratio-auth";
import { useRatioSession, useRatioSignIn, type RatioPendingPrompt, type RatioSignInStatus } from "ratio-auth/react";

declare const provider: EIP1193Provider;
const auth = new RatioAuth({ baseUrl: "https://example.test/ratio", clientSessionId: "cs" });

function describe(prompt: RatioPendingPrompt): string {
  switch (prompt.kind) {
    case "phoneNumber":
      return prompt.phoneMask ?? "";
    case "email":
      return prompt.emailMask ?? "";
    case "otp":
      return `${prompt.channel} ${prompt.destinationMask} ${prompt.attempt}/${prompt.maxAttempts}`;
    case "confirmLink":
      return prompt.walletAddress;
  }
}

export function SignIn({ maybeAuth }: { maybeAuth: RatioAuth | null }) {
  const flow = useRatioSignIn(auth);
  const other = useRatioSignIn(maybeAuth);
  const session: RatioAuthSession | null | undefined = useRatioSession(auth);
  const status: RatioSignInStatus = flow.status;
  const started: Promise<RatioAuthSignInResult> = flow.signIn({ provider, account: "0xabc", firstFactor: "sms" });
  void started;
  void other.resumeSignIn({ provider });
  flow.answer("+12025550123");
  flow.answer({ resend: true });
  flow.answer(true);
  flow.resend();
  flow.cancel();
  flow.reset();
  // @ts-expect-error the hook passes its own prompts
  void flow.signIn({ provider, prompts: {} });
  // @ts-expect-error a provider is required
  void flow.signIn({});
  const kinds: string[] = flow.events.map((e) => e.type);
  const errorKind = flow.error?.kind;
  const path = flow.result?.path;
  return (
    <div data-status={status}>
      {flow.pendingPrompt && describe(flow.pendingPrompt)}
      {session?.sessionJwt ? "signed in" : "no session"}
      {kinds.length} {errorKind} {path}
    </div>
  );
}
