// Server-side rendering's view of the package: plain Node imports the installed tarball by its
// name (through the exports map) and calls it as a component rendered on the server would.
// Prints one JSON report; tests/e2e/package.test.mjs asserts on it.
import { existsSync } from "node:fs";

const report = {};

function describeError(error) {
  return {
    isRatioAuthError: ratio.isRatioAuthError(error),
    isError: error instanceof Error,
    name: error?.name,
    kind: error?.kind,
    reason: error?.reason,
    shortMessage: error?.shortMessage,
  };
}

async function rejection(promiseOrThrow) {
  try {
    await promiseOrThrow();
  } catch (error) {
    return describeError(error);
  }
  return { resolved: true };
}

const ratio = await import("ratio-auth");
report.exports = Object.keys(ratio).sort();

const auth = new ratio.RatioAuth({ baseUrl: "https://api.example.test", clientSessionId: "cs_ssr" });
report.constructed = auth instanceof ratio.RatioAuth;
report.apiCalls = Object.keys(auth.api).sort();
const prompts = { phoneNumber: async () => "+14155550123", email: async () => "a@example.com", otp: async () => "123456" };
const provider = { request: async () => { throw new Error("no wallet on a server"); } };
report.signIn = await rejection(() => auth.signIn({ provider, prompts }));
report.session = await rejection(() => auth.session());
report.init = await rejection(() => ratio.init());
report.ready = await rejection(() => auth.ready());
report.discoverWallets = await ratio.discoverWallets();
let called = false;
const stop = ratio.watchWallets(() => {
  called = true;
});
report.watchWallets = { returnsFunction: typeof stop === "function", calledBack: called };
stop();
report.kinds = ratio.RatioAuthErrorKinds;

// The React entry, once the package has one: imported by its name, as a server component would.
if (existsSync(new URL("./node_modules/ratio-auth/react.js", import.meta.url))) {
  try {
    const react = await import("ratio-auth/react");
    report.react = { exports: Object.keys(react).sort() };
  } catch (error) {
    report.react = { importFailed: String(error?.message ?? error) };
  }
} else {
  report.react = null;
}

console.log(JSON.stringify(report));
