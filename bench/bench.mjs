// The benchmark behind ./scripts/bench (which builds what this reads, then runs it). Every
// comparison runs side by side, in the same page or process, in interleaved rounds; the figures
// are medians with min/max and ratios. Rewrites the generated part of BENCHMARKS.md.
//
// Reads: pkg/ (scripts/build-pkg), target/bench-recover/ (the bench-only recovery wasm),
// target/release/ratio-sandbox and target/release/ratio-load.
// Usage: node bench/bench.mjs [--quick] [--out FILE] [--command "what ran this"] [--sections 1,2,3,4,5]
// BENCH_DEBUG=1 also prints the flows' per-URL request times and the profiles' heaviest functions.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { ROOT, launchBrowser, startSandbox } from "../tests/e2e/harness.mjs";

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const opt = (name, fallback) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
const OUT = path.resolve(ROOT, opt("--out", "BENCHMARKS.md"));
const COMMAND = opt("--command", "./scripts/bench");
// --sections 1,3: only those (for working on the bench; write such a run with --out elsewhere).
const SECTIONS = new Set(opt("--sections", "1,2,3,4,5").split(","));

const SITE = path.join(ROOT, "target/bench-site");
const ESBUILD = path.join(ROOT, "node_modules/.bin/esbuild");
const LOAD_BIN = path.join(ROOT, "target/release/ratio-load");
const STARTUP_LOADS = QUICK ? 5 : 25;
const FLOW_ROUNDS = QUICK ? 4 : 20;
const RECOVER_ROUNDS = QUICK ? 3 : 9;
const LOAD_ROUNDS = QUICK ? 1 : 3;

const log = (...a) => console.log("bench:", ...a);

// ---------------------------------------------------------------- statistics and formatting

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const summary = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length });
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const fmtStat = (s, digits = 1) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)} – ${s.max.toFixed(digits)})`;
const kb = (bytes) => (bytes / 1024).toFixed(1);
function shuffle(list) {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
function table(head, rows) {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

// ---------------------------------------------------------------- the site

function esbuild(entry, outfile) {
  execFileSync(ESBUILD, [entry, "--bundle", "--minify", "--format=esm", "--log-level=warning", `--outfile=${outfile}`], { cwd: ROOT });
}

function buildSite() {
  rmSync(SITE, { recursive: true, force: true });
  mkdirSync(path.join(SITE, "bundles"), { recursive: true });
  cpSync(path.join(ROOT, "pkg"), path.join(SITE, "pkg"), { recursive: true });
  cpSync(path.join(ROOT, "target/bench-recover"), path.join(SITE, "recover"), { recursive: true });
  for (const name of ["ethers", "viem", "noble", "signer"]) {
    esbuild(path.join(ROOT, `bench/entries/${name}.js`), path.join(SITE, `bundles/${name}.js`));
  }
  // The SDK's JS (shell + glue) bundled the same way, for a like-for-like JS weight (the .wasm
  // stays a separate asset: the glue fetches it with new URL(..., import.meta.url)).
  esbuild(path.join(ROOT, "pkg/index.js"), path.join(SITE, "bundles/sdk-js.js"));
  // The start-up page of the SDK as an app bundles it: the same esbuild bundle, with the .wasm
  // beside it (the glue looks for it with new URL(..., import.meta.url), the bundle's URL).
  esbuild(path.join(ROOT, "bench/entries/sdk-start.js"), path.join(SITE, "bundles/sdk-start.js"));
  cpSync(path.join(ROOT, "pkg/wasm/ratio_auth_bg.wasm"), path.join(SITE, "bundles/ratio_auth_bg.wasm"));
  writeFileSync(path.join(SITE, "index.html"), "<!doctype html><meta charset=utf-8><title>bench</title>");
}

// ---------------------------------------------------------------- 1. weight

function sizes(file) {
  const raw = readFileSync(file);
  const gzip = execFileSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 26 }).length;
  const brotli = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length;
  return { raw: raw.length, gzip, brotli };
}

function weight() {
  const shellFiles = readdirSync(path.join(ROOT, "pkg")).filter((f) => f.endsWith(".js") && f !== "react.js").sort();
  const rows = [];
  const add = (label, s) => { rows.push({ label, ...s }); return s; };
  const wasm = add("`pkg/wasm/ratio_auth_bg.wasm`", sizes(path.join(ROOT, "pkg/wasm/ratio_auth_bg.wasm")));
  const glue = add("`pkg/wasm/ratio_auth.js` (glue, `--target web`)", sizes(path.join(ROOT, "pkg/wasm/ratio_auth.js")));
  const shell = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of shellFiles) {
    const s = add(`\`pkg/${f}\` (shell)`, sizes(path.join(ROOT, "pkg", f)));
    for (const k of Object.keys(shell)) shell[k] += s[k];
  }
  if (existsSync(path.join(ROOT, "pkg/react.js"))) add("`pkg/react.js` (`ratio-auth/react`, only for apps that import it)", sizes(path.join(ROOT, "pkg/react.js")));
  const sdkJs = add("SDK JS, esbuild-bundled + minified (shell + glue)", sizes(path.join(SITE, "bundles/sdk-js.js")));
  const sdkTotal = { raw: wasm.raw + sdkJs.raw, gzip: wasm.gzip + sdkJs.gzip, brotli: wasm.brotli + sdkJs.brotli };
  rows.push({ label: "**SDK as an app ships it: .wasm + bundled JS**", ...sdkTotal, bold: true });
  const bundles = {};
  for (const [name, label] of [["ethers", "ethers `verifyMessage`"], ["viem", "viem `verifyMessage`"], ["noble", "`@noble/curves` secp256k1 + `@noble/hashes` keccak_256 (EIP-191 recover)"]]) {
    bundles[name] = add(`${label} (esbuild bundle)`, sizes(path.join(SITE, `bundles/${name}.js`)));
  }
  return { rows, sdkTotal, wasm, glue, shell, shellFiles, bundles };
}

function weightMd(w) {
  const rows = w.rows.map((r) => [r.label, String(r.raw), String(r.gzip), String(r.brotli), `${f2(r.gzip / w.bundles.noble.gzip)}×`]);
  return `## 1. Weight

The package ships one wasm build, \`--target web\` (pkg/wasm/; its glue finds the .wasm with
\`new URL(..., import.meta.url)\`): there is no second target to weigh. Bytes; gzip is \`gzip -9\`,
brotli is quality 11 (node's zlib). The JS bundles are \`esbuild --bundle --minify --format=esm\`
of the entries in \`bench/entries/\` (tree-shaken: only what the one function needs). The last
column is gzip relative to the noble bundle.

${table(["file", "raw", "gzip -9", "brotli", "gzip vs noble"], rows)}

The SDK as shipped (.wasm + bundled JS) is ${f2(w.sdkTotal.gzip / w.bundles.ethers.gzip)}× an ethers \`verifyMessage\` bundle,
${f2(w.sdkTotal.gzip / w.bundles.viem.gzip)}× viem's and ${f2(w.sdkTotal.gzip / w.bundles.noble.gzip)}× noble's, gzipped. (The SDK does a whole sign-in,
the others one signature check; this is what a dapp that weighs bundles sees.)
`;
}

// ---------------------------------------------------------------- 2. start-up

const SAMPLE = { message: "Signing in with Ratio: bench", signature: null, address: null };

function startupPages(api) {
  const pages = {
    empty: `window.__bench = { done: performance.now() };`,
    sdk: `import { init, RatioAuth } from "/pkg/index.js";
await init();
const initDone = performance.now();
const auth = new RatioAuth({ baseUrl: ${JSON.stringify(api)}, clientId: "sandbox", clientSecret: "sandbox-secret" });
await auth.ready();
window.__bench = { init: initDone, done: performance.now() };`,
    sdkBundled: `import { start } from "/bundles/sdk-start.js";
await start(${JSON.stringify(api)});
window.__bench = { done: performance.now() };`,
    noble: `import { recover } from "/bundles/noble.js";
const ok = recover(${JSON.stringify(SAMPLE.message)}, ${JSON.stringify(SAMPLE.signature)}) === ${JSON.stringify(SAMPLE.address)};
window.__bench = { done: performance.now(), ok };`,
    ethers: `import { recover } from "/bundles/ethers.js";
const ok = recover(${JSON.stringify(SAMPLE.message)}, ${JSON.stringify(SAMPLE.signature)}) === ${JSON.stringify(SAMPLE.address)};
window.__bench = { done: performance.now(), ok };`,
    viem: `import { verify } from "/bundles/viem.js";
const ok = await verify(${JSON.stringify(SAMPLE.address)}, ${JSON.stringify(SAMPLE.message)}, ${JSON.stringify(SAMPLE.signature)});
window.__bench = { done: performance.now(), ok };`,
  };
  for (const [name, script] of Object.entries(pages)) {
    writeFileSync(path.join(SITE, `start-${name}.html`), `<!doctype html><meta charset=utf-8><title>${name}</title><script type="module">\n${script}\n</script>`);
  }
  return Object.keys(pages);
}

async function signSample(browser, base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + "/index.html");
  const signed = await page.evaluate(async (message) => {
    const { createSandboxWallet } = await import("/bundles/signer.js");
    const wallet = createSandboxWallet();
    const hex = "0x" + Array.from(new TextEncoder().encode(message), (b) => b.toString(16).padStart(2, "0")).join("");
    const signature = await wallet.provider.request({ method: "personal_sign", params: [hex, wallet.address] });
    return { signature, address: wallet.address.toLowerCase() };
  }, SAMPLE.message);
  await context.close();
  Object.assign(SAMPLE, signed);
}

async function startup(browser, base) {
  const names = startupPages(base);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const sdkInit = [];
  for (let round = 0; round < STARTUP_LOADS; round += 1) {
    for (const name of shuffle(names)) {
      // A fresh context per load: empty HTTP cache, no compiled-code cache, a new renderer.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/start-${name}.html`);
      const got = await (await page.waitForFunction(() => window.__bench, null, { timeout: 30_000 })).jsonValue();
      if (got.ok === false) throw new Error(`start-${name}: the verify gave a wrong answer`);
      times[name].push(got.done);
      if (got.init !== undefined) sdkInit.push(got.init);
      await context.close();
    }
  }
  return { times, sdkInit, names };
}

function startupMd(s) {
  const empty = median(s.times.empty);
  const over = (name) => summary(s.times[name].map((t) => t - empty));
  const noble = over("noble").median;
  const label = { sdk: "ratio-auth: `init()` + `new RatioAuth` + `ready()`", sdkBundled: "the same, esbuild-bundled as an app ships it (one JS file + the .wasm)", noble: "noble bundle + one recover", ethers: "ethers bundle + one verifyMessage", viem: "viem bundle + one verifyMessage", empty: "empty page" };
  const rows = ["sdk", "sdkBundled", "noble", "ethers", "viem"].map((n) => [label[n], fmtStat(summary(s.times[n])), fmtStat(over(n)), `${f2(over(n).median / noble)}×`]);
  rows.push([label.empty, fmtStat(summary(s.times.empty)), "0", "—"]);
  return `## 2. Start-up

${STARTUP_LOADS} rounds; each round loads every page once, in a shuffled order, each in a fresh
browser context (empty cache). Time is \`performance.now()\` when the page's module script is done,
i.e. from navigation start. "Over empty" subtracts the empty page's median. Milliseconds, median
(min – max).

${table(["page", "navigation → done", "over the empty page", "vs noble (over empty)"], rows)}

ratio-auth's \`init()\` alone (wasm fetched, compiled, instantiated): ${fmtStat(summary(s.sdkInit))} ms from navigation.
Issue #12's target, ready before the noble page: ${over("sdk").median < noble ? "met" : "not met"} (${f1(over("sdk").median)} against ${f1(noble)} ms over the empty page); bundled as an app ships it: ${over("sdkBundled").median < noble ? "met" : "not met"} (${f1(over("sdkBundled").median)} ms).
`;
}

// ---------------------------------------------------------------- 3. flow overhead

const FLOW_PAGE = `
import { RatioAuth } from "/pkg/index.js";
import { createSandboxWallet, randomAddress, randomUsPhone } from "/bundles/signer.js";

const API = new URLSearchParams(location.search).get("api");
const OTP = "000000";
const auth = new RatioAuth({ baseUrl: API, clientId: "sandbox", clientSecret: "sandbox-secret" });
await auth.ready();

// Not timed: a user the sandbox knows (another wallet, a phone, an email) and a fresh wallet.
window.setupLink = async () => {
  const wallet = createSandboxWallet();
  const phone = randomUsPhone();
  const email = "bench-" + crypto.randomUUID() + "@example.com";
  const r = await fetch("/sandbox/users", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ phoneNumber: phone, emailAddress: email, walletAddress: randomAddress() }) });
  if (!r.ok) throw new Error("POST /sandbox/users: " + r.status);
  window.__next = { wallet, phone, email };
};

window.sdkFlow = async () => {
  const { wallet, phone, email } = window.__next;
  const t0 = performance.now();
  performance.mark("sdk-start");
  const result = await auth.signIn({ provider: wallet.provider, prompts: {
    phoneNumber: async () => phone, email: async () => email, otp: async () => OTP, confirmLink: async () => true } });
  performance.mark("sdk-end");
  const ms = performance.now() - t0;
  if (result.path !== "linked") throw new Error("signIn ended on path " + result.path);
  return ms;
};

// The same calls by hand: default-cache fetch, the same headers, the same signer.
const BASE_HEADERS = { "content-type": "application/json", "ratio-client-id": "sandbox", "ratio-client-secret": "sandbox-secret" };
async function call(path, body, jwt, expect = 200) {
  const headers = jwt ? { ...BASE_HEADERS, authorization: "Bearer " + jwt } : BASE_HEADERS;
  const r = await fetch(API + path, { method: "POST", headers, body: JSON.stringify(body) });
  const json = await r.json();
  if (r.status !== expect) throw new Error(path + ": " + r.status + " " + JSON.stringify(json));
  return json;
}
const hex = (text) => "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");

window.handFlow = async () => {
  const { wallet, phone, email } = window.__next;
  const t0 = performance.now();
  const [address] = await wallet.provider.request({ method: "eth_requestAccounts" });
  const wallet_ = { walletAddress: address, walletType: "EVM" };
  const { challenge } = await call("/v1/auth/cryptoWallet:start", wallet_);
  const signature = await wallet.provider.request({ method: "personal_sign", params: [hex(challenge), address] });
  const w = await call("/v1/auth/cryptoWallet:authenticate", { ...wallet_, signature });
  if (w.userMask) throw new Error("a fresh wallet has no user");
  const conflict = await call("/v1/auth/otp/sms:send", { phoneNumber: phone }, w.sessionJwt, 409);
  if (conflict.code !== "ALREADY_EXISTS_PHONE") throw new Error("expected ALREADY_EXISTS_PHONE, got " + conflict.code);
  const { phoneId } = await call("/v1/auth/otp/sms:send", { phoneNumber: phone });
  const a = await call("/v1/auth/otp/sms:authenticate", { phoneId, otp: OTP });
  const { emailId } = await call("/v1/auth/otp/email:send", { emailAddress: email }, a.sessionJwt);
  const b = await call("/v1/auth/otp/email:authenticate", { emailId, otp: OTP }, a.sessionJwt);
  await call("/v1/auth/cryptoWallet:addToUser", wallet_, b.sessionJwt);
  return performance.now() - t0;
};
window.__flowReady = true;
`;

/** The requests (preflights included) Chromium sends to `apiOrigin`, by CDP's Network domain. */
async function countRequests(context, page, apiOrigin) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const seen = [];
  const byId = new Map();
  cdp.on("Network.requestWillBeSent", (e) => {
    if (!e.request.url.startsWith(apiOrigin)) return;
    const entry = { method: e.request.method, preflight: e.request.method === "OPTIONS", url: e.request.url.slice(apiOrigin.length), start: e.timestamp, end: null };
    seen.push(entry);
    byId.set(e.requestId + e.request.method, entry);
  });
  const finish = (e) => {
    for (const method of ["OPTIONS", "POST", "GET"]) {
      const entry = byId.get(e.requestId + method);
      if (entry) entry.end = Math.max(entry.end ?? 0, e.timestamp);
    }
  };
  cdp.on("Network.responseReceived", finish);
  cdp.on("Network.loadingFinished", finish);
  return { cdp, take: () => { byId.clear(); return seen.splice(0); } };
}

async function flows(browser, sandbox) {
  // The page on http://localhost:P, the API on http://127.0.0.1:P: cross-origin, so CORS and
  // preflights apply as for a dapp calling Ratio.
  const api = sandbox.url;
  const pageBase = api.replace("127.0.0.1", "localhost");
  writeFileSync(path.join(SITE, "flow.html"), `<!doctype html><meta charset=utf-8><title>flows</title><script type="module">${FLOW_PAGE}</script>`);
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  const net = await countRequests(context, page, api);
  await page.goto(`${pageBase}/flow.html?api=${encodeURIComponent(api)}`);
  await page.waitForFunction(() => window.__flowReady, null, { timeout: 30_000 });
  net.take();
  const run = async (fn) => {
    await page.evaluate(() => window.setupLink());
    net.take();
    const ms = await page.evaluate((f) => window[f](), fn);
    await new Promise((r) => setTimeout(r, 20)); // CDP events trail the page by a little
    const requests = net.take();
    return { ms, requests };
  };
  // First flows (cold preflight cache) are reported apart; then interleaved rounds.
  const first = { sdk: await run("sdkFlow") };
  first.hand = await run("handFlow");
  const ms = { sdk: [], hand: [] };
  const counts = { sdk: [], hand: [] };
  const diffs = [];
  for (let round = 0; round < FLOW_ROUNDS; round += 1) {
    const order = round % 2 ? ["hand", "sdk"] : ["sdk", "hand"];
    const got = {};
    for (const who of order) {
      got[who] = await run(who === "sdk" ? "sdkFlow" : "handFlow");
      ms[who].push(got[who].ms);
      counts[who].push(got[who].requests);
    }
    diffs.push(got.sdk.ms - got.hand.ms);
  }
  if (process.env.BENCH_DEBUG) {
    for (const who of ["sdk", "hand"]) {
      const per = {};
      for (const flow of counts[who]) for (const r of flow) (per[r.method + " " + r.url] ??= []).push((r.end - r.start) * 1000);
      console.log(who, Object.entries(per).map(([k, v]) => `${k}: ${f2(median(v))}`).join("\n  "));
    }
  }
  // Where the SDK's time goes: Chromium's sampling CPU profile of a batch of each.
  const profiles = {};
  await net.cdp.send("Profiler.enable");
  await net.cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  const PROFILED = QUICK ? 3 : 10;
  for (const who of ["sdk", "hand"]) {
    await net.cdp.send("Profiler.start");
    let wall = 0;
    for (let i = 0; i < PROFILED; i += 1) wall += (await run(who === "sdk" ? "sdkFlow" : "handFlow")).ms;
    const { profile } = await net.cdp.send("Profiler.stop");
    profiles[who] = { ...digestProfile(profile, PROFILED), wallPerFlow: wall / PROFILED };
    if (process.env.BENCH_DEBUG) console.log(who, profiles[who].top.map(([k, v]) => `${k}: ${f2(v)}`).join("\n  "));
  }
  await context.close();
  if (problems.length) throw new Error(`the flow page failed: ${problems.join("; ")}`);
  return { first, ms, counts, diffs, profiles, profiled: PROFILED };
}

function category(frame) {
  const url = frame.url || "";
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native / builtins)";
  if (url.startsWith("wasm://") || url.includes(".wasm")) return "ratio-auth wasm";
  if (url.includes("/pkg/wasm/")) return "ratio-auth glue (wasm-bindgen)";
  if (url.includes("/pkg/")) return "ratio-auth JS shell";
  if (url.includes("/bundles/signer.js")) return "signer (burner wallet, noble)";
  if (url.includes("flow.html")) return "the bench page (fetch calls, JSON)";
  return "other: " + url.replace(/^.*\//, "");
}

function digestProfile(profile, flowsRun) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const fnSelf = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000; // the time until the next sample, ms
    const cat = category(node.callFrame);
    self.set(cat, (self.get(cat) ?? 0) + dt);
    if (cat !== "(idle)" && cat !== "(program)") {
      const key = `${node.callFrame.functionName || "(anonymous)"} — ${cat}`;
      fnSelf.set(key, (fnSelf.get(key) ?? 0) + dt);
    }
  }
  const perFlow = (m) => [...m.entries()].map(([k, v]) => [k, v / flowsRun]).sort((a, b) => b[1] - a[1]);
  const cats = perFlow(self);
  const busy = cats.filter(([k]) => k !== "(idle)").reduce((s, [, v]) => s + v, 0);
  return { cats, top: perFlow(fnSelf).slice(0, 8), busy };
}

/** Milliseconds during which at least one API request was in flight (CDP timestamps). */
function inFlightMs(requests) {
  const spans = requests.filter((r) => r.end !== null).map((r) => [r.start, r.end]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = spans[0] ?? [0, 0];
  for (const [a, b] of spans.slice(1)) {
    if (a > to) { total += to - from; [from, to] = [a, b]; } else to = Math.max(to, b);
  }
  return (total + to - from) * 1000;
}

function countsLine(list) {
  const totals = list.map((r) => r.length);
  const pre = list.map((r) => r.filter((x) => x.preflight).length);
  const t = summary(totals);
  const p = summary(pre);
  return { text: `${t.median} (${t.min} – ${t.max}), of which preflights ${p.median} (${p.min} – ${p.max})`, total: t.median, preflights: p.median };
}

function flowsMd(f) {
  const sdk = summary(f.ms.sdk);
  const hand = summary(f.ms.hand);
  const diff = summary(f.diffs);
  const cSdk = countsLine(f.counts.sdk);
  const cHand = countsLine(f.counts.hand);
  const firstLine = (who) => `${f.first[who].requests.length} (preflights ${f.first[who].requests.filter((x) => x.preflight).length})`;
  const p = f.profiles;
  const cats = [...new Set([...p.sdk.cats.map(([k]) => k), ...p.hand.cats.map(([k]) => k)])];
  const get = (who, k) => p[who].cats.find(([c]) => c === k)?.[1] ?? 0;
  const catRows = cats.map((k) => [k, f2(get("sdk", k)), f2(get("hand", k)), f2(get("sdk", k) - get("hand", k))]);
  catRows.push(["**busy (all but idle)**", f2(p.sdk.busy), f2(p.hand.busy), f2(p.sdk.busy - p.hand.busy)]);
  catRows.push(["wall time per flow (profiled run)", f2(p.sdk.wallPerFlow), f2(p.hand.wallPerFlow), f2(p.sdk.wallPerFlow - p.hand.wallPerFlow)]);
  const net = { sdk: summary(f.counts.sdk.map(inFlightMs)), hand: summary(f.counts.hand.map(inFlightMs)) };
  const page = { sdk: summary(f.counts.sdk.map((r, i) => f.ms.sdk[i] - inFlightMs(r))), hand: summary(f.counts.hand.map((r, i) => f.ms.hand[i] - inFlightMs(r))) };
  const sdkPaths = f.counts.sdk.at(-1).filter((r) => !r.preflight).map((r) => r.url.replace(/^\/v1/, "")).join(", ");
  return `## 3. Flow overhead (the link path)

A fresh wallet whose user exists (the sandbox holds the user's phone, email and another wallet,
created before each flow and not timed): wallet start → sign → authenticate (no userMask) →
\`sms:send\` with the wallet JWT → 409 \`ALREADY_EXISTS_PHONE\` → confirm → \`sms:send\` without JWT →
\`sms:authenticate\` → \`email:send\` → \`email:authenticate\` → \`addToUser\`. Run by \`auth.signIn\` and by
a hand-written sequence of default-cache \`fetch\` calls making the same calls (bench/bench.mjs,
\`FLOW_PAGE\`), in the same page with the same burner wallet, ${FLOW_ROUNDS} rounds alternating which goes
first. The page is on \`http://localhost:P\`, the API on \`http://127.0.0.1:P\` (the sandbox, loopback,
\`--fixed-otp\` and \`--conflict-cooldown-ms 0\` so that no prompt waits and no 429 back-off sleeps):
cross-origin, so CORS preflights happen as for a dapp calling Ratio. Requests are counted through a
CDP session's Network domain (\`page.on("request")\` does not see preflights; CDP does).

| | signIn | hand-written | SDK − hand |
|---|---|---|---|
| ms per flow, median (min – max) | ${fmtStat(sdk, 2)} | ${fmtStat(hand, 2)} | ${fmtStat(diff, 2)} (paired, per round) |
| ratio of medians | ${f2(sdk.median / hand.median)}× | 1× | |
| requests per flow, warm (median (min – max)) | ${cSdk.text} | ${cHand.text} | ${cSdk.total - cHand.total} |
| requests in the page's first flow (cold preflight cache) | ${firstLine("sdk")} | ${firstLine("hand")} | |
| ms per flow with an API request open (CDP: from sent to its answer read in the page) | ${fmtStat(net.sdk, 2)} | ${fmtStat(net.hand, 2)} | ${f2(net.sdk.median - net.hand.median)} |
| ms per flow with none open (wallet, prompts, code between calls) | ${fmtStat(page.sdk, 2)} | ${fmtStat(page.hand, 2)} | ${f2(page.sdk.median - page.hand.median)} |

The SDK's calls in a warm flow: ${sdkPaths}.
Issue #12's target, under 1 ms added per flow and not one request beyond the hand-written sequence:
${diff.median < 1 ? "met" : "not met"} for the time (${f2(diff.median)} ms), ${cSdk.total <= cHand.total ? "met" : "not met"} for the requests (${cSdk.total} against ${cHand.total}).

**Preflights.** The SDK used to send every request with \`cache: "no-store"\`; Chromium then skips
its CORS preflight cache too (the sandbox answers preflights with \`Access-Control-Max-Age: 600\`),
so each of the 8 calls had its own OPTIONS: 16 requests per flow. Measured in Chromium with plain
\`fetch\` (3 identical cross-origin POSTs): \`no-store\`, \`reload\` and \`no-cache\` each preflight all
three; \`default\` and \`force-cache\` preflight once. The SDK now sends POSTs with \`default\`: a POST is
never answered from the HTTP cache whatever the server says (RFC 9111 §4: a stored POST response is
reused for no later POST), which is a request-side guarantee, not one that rests on Ratio's
\`Cache-Control\` (the sandbox sends none); GETs (\`getUser\`) stay \`no-store\`. The first flow in a page
still preflights once per distinct URL. tests/e2e/preflight.test.mjs asserts the counts.

**Where the SDK's extra time goes** (Chromium's sampling CPU profiler, 100 µs, over ${f.profiled} flows of
each after the rounds above; ms of self time per flow, by where the code lives):

${table(["self time per flow (ms)", "signIn", "hand-written", "difference"], catRows)}

Heaviest functions (self ms per flow, idle and "(program)" left out):
- signIn: ${p.sdk.top.map(([k, v]) => `${k}: ${f2(v)}`).join("; ")}.
- hand-written: ${p.hand.top.map(([k, v]) => `${k}: ${f2(v)}`).join("; ")}.

A request counts as open until the page has read its answer (CDP's \`loadingFinished\`), so main-thread
work that delays reading an answer lands in the first of the two time rows; the profile says what
that work is. The sampling profiler itself slows the profiled flows (compare the wall-time row with
the table above).
`;
}

// ---------------------------------------------------------------- 4. signature recovery

const RECOVER_PAGE = `
import initRecover, { recover as wasmRecover } from "/recover/ratio_bench_recover.js";
import { recover as nobleRecover } from "/bundles/noble.js";
import { recover as ethersRecover } from "/bundles/ethers.js";
import { createSandboxWallet } from "/bundles/signer.js";
await initRecover();
const hex = (text) => "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
const signed = [];
for (let w = 0; w < 16; w += 1) {
  const wallet = createSandboxWallet();
  for (let c = 0; c < 4; c += 1) {
    const token = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24)))).replace(/[+/=]/g, "x");
    const message = "Signing in with Ratio: " + token;
    const signature = await wallet.provider.request({ method: "personal_sign", params: [hex(message), wallet.address] });
    signed.push({ message, signature, address: wallet.address.toLowerCase() });
  }
}
const libs = { "ratio-auth wasm": wasmRecover, "@noble/curves": nobleRecover, ethers: ethersRecover };
for (const [name, fn] of Object.entries(libs)) {
  for (const s of signed) if (fn(s.message, s.signature) !== s.address) throw new Error(name + " recovered a wrong address");
}
window.recoverRound = (name, budgetMs) => {
  const fn = libs[name];
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < budgetMs) {
    for (const s of signed) fn(s.message, s.signature);
    ops += signed.length;
    t = performance.now();
  }
  return ops / ((t - t0) / 1000);
};
window.__recoverReady = Object.keys(libs);
`;

async function recovery(browser, base) {
  writeFileSync(path.join(SITE, "recover.html"), `<!doctype html><meta charset=utf-8><title>recover</title><script type="module">${RECOVER_PAGE}</script>`);
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${base}/recover.html`);
  const ready = await page.waitForFunction(() => window.__recoverReady, null, { timeout: 60_000 }).catch((e) => {
    throw new Error(`the recovery page did not get ready: ${e.message} ${problems.join("; ")}`);
  });
  const libs = await ready.jsonValue();
  const ops = Object.fromEntries(libs.map((l) => [l, []]));
  for (const l of libs) await page.evaluate(([n]) => window.recoverRound(n, 200), [l]); // warm-up
  for (let round = 0; round < RECOVER_ROUNDS; round += 1) {
    for (const l of shuffle(libs)) ops[l].push(await page.evaluate(([n]) => window.recoverRound(n, 300), [l]));
  }
  await context.close();
  return ops;
}

function recoveryMd(ops) {
  const noble = median(ops["@noble/curves"]);
  const rows = Object.entries(ops).map(([l, v]) => [l, fmtStat(summary(v), 0), `${f2(median(v) / noble)}×`]);
  return `## 4. Signature recovery

EIP-191 \`personal_sign\` recovery (hash, recover the key, derive the address) of the same 64
signed challenges (16 burner wallets × 4 \`Signing in with Ratio: …\` challenges), each library in
the same page, ${RECOVER_ROUNDS} rounds of 300 ms per library in a shuffled order after a warm-up; every library
first recovers every challenge to its signer. "ratio-auth wasm" is \`ratio_auth::eip191::recover_personal\`,
the code the shipped wasm runs, exported by the bench-only crate bench/recover (built with the
release profile and \`wasm-opt -Oz\` like the package): the package itself exports no recovery
function.

${table(["library", "recoveries/s, median (min – max)", "vs noble"], rows)}
`;
}

// ---------------------------------------------------------------- 5. sandbox throughput

function loadRun(concurrency, flowsCount) {
  const out = execFileSync(LOAD_BIN, ["--only", "link", "--cooldown-ms", "0", "--json", "--flows", String(flowsCount), "--concurrency", String(concurrency)], { encoding: "utf8", maxBuffer: 1 << 24 });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  const figures = JSON.parse(line);
  if (figures.complete !== figures.flows || !/^ok: /m.test(out)) throw new Error(`ratio-load at ${concurrency}: not every flow completed\n${out}`);
  return figures;
}

function throughput() {
  // The same number of flows at every concurrency: the sandbox's tables grow with the flows run.
  const FLOWS = QUICK ? 512 : 2048;
  const plan = [[1, FLOWS], [16, FLOWS], [256, FLOWS]];
  const got = Object.fromEntries(plan.map(([c]) => [c, []]));
  for (let round = 0; round < LOAD_ROUNDS; round += 1) {
    for (const [c, n] of plan) got[c].push(loadRun(c, n));
  }
  return { plan, got };
}

function throughputMd(t) {
  const base = median(t.got[1].map((g) => g.flowsPerSecond));
  const rows = t.plan.map(([c, n]) => {
    const g = t.got[c];
    return [String(c), String(n), fmtStat(summary(g.map((x) => x.flowsPerSecond)), 0), `${f2(median(g.map((x) => x.flowsPerSecond)) / base)}×`, fmtStat(summary(g.map((x) => x.p50Ms)), 2), fmtStat(summary(g.map((x) => x.p99Ms)), 2)];
  });
  return `## 5. Sandbox throughput

\`target/release/ratio-load --only link --cooldown-ms 0 --json --flows N --concurrency C\`: complete
link-path flows driven by the SDK's own sans-IO engine (\`ratio_auth::flow::Flow\`, native, reqwest)
against an in-process sandbox; each flow is 8 API calls plus 2 outbox reads for the codes, and
every flow must complete with every wallet on the right user (zero errors, checked by the driver).
${LOAD_ROUNDS} rounds, each running the three concurrencies in turn. **How the 2 cores were shared:** driver and
sandbox run in one process on one tokio multi-thread runtime (\`#[tokio::main]\`, one worker per core,
so 2): the driver's flows, its HTTP client and the server's connections are tasks on the same two
threads, scheduled together; nothing is pinned. The machine's other load (see above) takes its share.

${table(["concurrent", "flows per run", "flows/s, median (min – max)", "vs 1", "p50 ms per flow", "p99 ms per flow"], rows)}
`;
}

// ---------------------------------------------------------------- the report

function machine(browserVersion) {
  const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? os.cpus()[0]?.model ?? "?";
  const sh = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: "utf8" }).trim(); } catch { return "?"; } };
  const pkgVersion = (name) => JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ram: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    load: os.loadavg().map((x) => x.toFixed(2)).join(", "),
    rustc: sh("rustc", ["-V"]),
    wasmBindgen: sh("wasm-bindgen", ["--version"]),
    chromium: browserVersion,
    node: process.version,
    packages: ["ethers", "viem", "@noble/curves", "@noble/hashes", "esbuild", "binaryen", "playwright-core"].map((n) => `${n} ${pkgVersion(n)}`).join(", "),
    sdk: JSON.parse(readFileSync(path.join(ROOT, "pkg/package.json"), "utf8")).version,
    commit: sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]) + (sh("git", ["-C", ROOT, "status", "--porcelain"]) ? " (with uncommitted changes)" : ""),
  };
}

const BEGIN = "<!-- bench:begin (written by ./scripts/bench; edit outside these markers) -->";
const END = "<!-- bench:end -->";

function writeReport(sections, m, startedAt, seconds) {
  const body = `${BEGIN}
Measured ${startedAt} by \`${COMMAND}\` (${Math.round(seconds)} s), ratio-auth ${m.sdk} at ${m.commit}.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.ram} RAM; load average at the start ${m.load} (the machine is shared: absolute times move, the side-by-side ratios are what to read).
- Versions: ${m.rustc}; ${m.wasmBindgen}; Chromium ${m.chromium} (headless, playwright-core, \`/usr/bin/chromium --no-sandbox\`); node ${m.node}; ${m.packages}.

${sections.join("\n")}
${END}`;
  let text;
  if (existsSync(OUT)) {
    const old = readFileSync(OUT, "utf8");
    const a = old.indexOf(BEGIN.slice(0, 18));
    const b = old.indexOf(END);
    text = a >= 0 && b > a ? old.slice(0, a) + body + old.slice(b + END.length) : `${old.trimEnd()}\n\n${body}\n`;
  } else {
    text = `# Benchmarks\n\nWhat the package weighs and costs, side by side with what a dapp would otherwise use. Regenerate with\n\`./scripts/bench\` (a few minutes; \`--quick\` for a smoke run). Everything between the markers below\nis rewritten by it.\n\n${body}\n`;
  }
  writeFileSync(OUT, text);
}

async function main() {
  const started = Date.now();
  const startedAt = new Date(started).toISOString().replace(/\.\d+Z$/, " UTC").replace("T", " ");
  for (const need of ["pkg/wasm/ratio_auth_bg.wasm", "target/bench-recover/ratio_bench_recover.js", "target/release/ratio-sandbox", ...(SECTIONS.has("5") ? ["target/release/ratio-load"] : [])]) {
    if (!existsSync(path.join(ROOT, need))) throw new Error(`${need} missing: run ./scripts/bench, which builds it`);
  }
  buildSite();
  const m0 = os.loadavg();
  const sections = [];
  if (SECTIONS.has("1")) {
    log("1/5 weight");
    sections.push(weightMd(weight()));
  }
  const sandbox = await startSandbox({ staticDir: SITE, extraArgs: ["--fixed-otp", "000000", "--conflict-cooldown-ms", "0"] });
  const browser = await launchBrowser();
  let m;
  try {
    m = machine(browser.version());
    m.load = m0.map((x) => x.toFixed(2)).join(", ");
    await signSample(browser, sandbox.url);
    if (SECTIONS.has("2")) {
      log("2/5 start-up");
      sections.push(startupMd(await startup(browser, sandbox.url)));
    }
    if (SECTIONS.has("3")) {
      log("3/5 flows");
      sections.push(flowsMd(await flows(browser, sandbox)));
    }
    if (SECTIONS.has("4")) {
      log("4/5 recovery");
      sections.push(recoveryMd(await recovery(browser, sandbox.url)));
    }
  } finally {
    await browser.close();
    await sandbox.stop();
  }
  if (SECTIONS.has("5")) {
    log("5/5 sandbox throughput");
    sections.push(throughputMd(throughput()));
  }
  writeReport(sections, m, startedAt, (Date.now() - started) / 1000);
  log(`wrote ${path.relative(ROOT, OUT)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
