// Shared by the e2e tests: the sandbox process, Chromium through playwright-core, and the steps a
// person takes on the demo page (click a scenario, read the form, type, read the inbox).

import { execFile, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SITE = path.join(ROOT, "target/demo-site");
export const SANDBOX_BIN = path.join(ROOT, "target/release/ratio-sandbox");
export const SCREENSHOTS = path.join(ROOT, "tests/artifacts/screenshots");
export const CONSUMERS = path.join(ROOT, "tests/consumers");

export const run = promisify(execFile);

/** The packed package, target/ratio-auth-<version>.tgz (scripts/build-pkg writes exactly one). */
export function tarballPath() {
  const found = readdirSync(path.join(ROOT, "target")).filter((f) => /^ratio-auth-.+\.tgz$/.test(f));
  assert.equal(found.length, 1, `exactly one target/ratio-auth-*.tgz expected (run scripts/build-pkg), found ${JSON.stringify(found)}`);
  return path.join(ROOT, "target", found[0]);
}

/**
 * Installs the tarball into `dir` as an app would (`npm install <tgz>`, nothing saved, no lock
 * file), after removing what an earlier run installed there. Returns the installed package's
 * folder, a real directory unpacked from the tarball (never a link to pkg/).
 */
export async function installTarball(dir) {
  assert.ok(existsSync(path.join(dir, "package.json")), `${dir} needs its own package.json, or npm installs into a parent`);
  rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
  await run("npm", ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", tarballPath()], { cwd: dir });
  const installed = path.join(dir, "node_modules/ratio-auth");
  assert.ok(lstatSync(installed).isDirectory() && !lstatSync(installed).isSymbolicLink(), `${installed} is an unpacked directory`);
  return installed;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Starts `ratio-sandbox --addr 127.0.0.1:0 --static DIR`; resolves once it prints its URL. */
export function startSandbox({ staticDir = SITE, extraArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(SANDBOX_BIN, ["--addr", "127.0.0.1:0", "--static", staticDir, ...extraArgs], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`the sandbox did not print its address in 30 s\n${out}\n${err}`));
    }, 30_000);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => { err += chunk; });
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/[^\s]+)/);
      if (match) {
        clearTimeout(timer);
        const url = match[1].replace(/\/$/, "");
        resolve({
          url,
          child,
          stderr: () => err,
          async stop() {
            if (child.exitCode !== null) return;
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    child.once("error", (e) => { clearTimeout(timer); reject(e); });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${code}) before listening\n${out}\n${err}`));
    });
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** JSON from the sandbox (Node side: the test's own view of the server). */
export async function sandboxJson(base, method, urlPath, body) {
  const response = await fetch(base + urlPath, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A new page on the demo, with console errors and page errors collected. */
export async function openDemo(browser, base, { viewport = { width: 1280, height: 900 }, initScripts = [], expose = {} } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // Chromium logs every 4xx/5xx response as a console error; the flows expect some (409, 429, 401).
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of \d{3}/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  for (const [name, fn] of Object.entries(expose)) await page.exposeFunction(name, fn);
  for (const [script, arg] of initScripts) await page.addInitScript(script, arg);
  await page.goto(base + "/");
  await page.waitForFunction(() => document.body.dataset.ready === "true" || document.querySelector("#boot-status.bad"), null, { timeout: 30_000 });
  const boot = await page.locator("#boot-status").textContent();
  assert.ok(!(await page.locator("#boot-status.bad").count()), `the page did not boot: ${boot}`);
  return { page, context, problems };
}

/** The step the page shows now (after prompt number `afterSeq`): a prompt, the confirmation, the result or an error. */
export async function nextStep(page, afterSeq = 0, timeout = 45_000) {
  const handle = await page.waitForFunction((after) => {
    const visible = (id) => { const el = document.getElementById(id); return el && !el.hidden; };
    const seq = (id) => Number(document.getElementById(id).dataset.seq ?? 0);
    if (visible("error")) return { kind: "error", title: document.getElementById("error-title").textContent, meta: document.getElementById("error-meta").textContent, text: document.getElementById("error-text").textContent };
    if (visible("prompt-form") && seq("prompt-form") > after) {
      return { kind: "prompt", seq: seq("prompt-form"), title: document.getElementById("prompt-title").textContent, detail: document.getElementById("prompt-detail").textContent, problem: document.getElementById("prompt-problem").hidden ? null : document.getElementById("prompt-problem").textContent, focused: document.activeElement?.id ?? null };
    }
    if (visible("confirm-form") && seq("confirm-form") > after) {
      return { kind: "confirm", seq: seq("confirm-form"), detail: document.getElementById("confirm-detail").textContent, focused: document.activeElement?.id ?? null };
    }
    if (document.body.dataset.flow === "done") return { kind: "result" };
    return null;
  }, afterSeq, { timeout, polling: 50 });
  return handle.jsonValue();
}

/** Types into the focused field like a person and presses Enter. Asserts focus moved to the form. */
export async function answer(page, step, text) {
  assert.equal(step.focused, "prompt-input", `focus should be in the form's field when "${step.title}" opens`);
  await page.keyboard.type(text, { delay: 15 });
  await page.keyboard.press("Enter");
}

/** The newest code in the page's inbox panel for `to` (waits for one newer than `notCode`). */
export async function otpFromInbox(page, to, { notCode } = {}) {
  const handle = await page.waitForFunction(([dest, old]) => {
    const item = [...document.querySelectorAll("#inbox li.message")].find((li) => li.dataset.to === dest);
    const code = item?.querySelector(".otp")?.textContent;
    return code && code !== old ? code : null;
  }, [to, notCode ?? null], { timeout: 20_000, polling: 100 });
  return handle.jsonValue();
}

export async function identity(page) {
  await page.locator("#identity").waitFor({ state: "visible" });
  await page.waitForFunction(() => document.getElementById("identity-phone").textContent.startsWith("+1"));
  return page.evaluate(() => ({
    phone: document.getElementById("identity-phone").textContent,
    email: document.getElementById("identity-email").textContent,
    userId: document.getElementById("identity-user").textContent || null,
  }));
}

export async function startScenario(page, name, walletName) {
  if (walletName) await page.getByRole("radio", { name: new RegExp(walletName) }).check();
  await page.locator(`button.scenario[data-scenario="${name}"]`).click();
  return identity(page);
}

export async function readResult(page) {
  await page.locator("#result").waitFor({ state: "visible" });
  return page.evaluate(() => ({
    path: document.getElementById("result-path").dataset.path,
    pathText: document.getElementById("result-path").textContent,
    factors: document.getElementById("result-factors").textContent.split(" + "),
    wallet: document.getElementById("result-wallet").textContent,
    verified: document.getElementById("result-verified").dataset.verified === "true",
    verifiedText: document.getElementById("result-verified").textContent,
    user: document.getElementById("result-user").textContent,
  }));
}

export async function timeline(page) {
  return page.$$eval("#timeline li", (items) => items.map((li) => ({ kind: li.dataset.kind, text: li.querySelector(".t-text").textContent })));
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Runs one scenario through the page as a person would, answering every form from the identity
 * card and the inbox. Returns what the page showed and the steps seen.
 */
export async function runScenarioLikeAPerson(page, name, { walletName, wrongOtpFirst = false } = {}) {
  const who = await startScenario(page, name, walletName);
  const seen = [];
  let seq = 0;
  let wrongDone = !wrongOtpFirst;
  for (let guard = 0; guard < 12; guard += 1) {
    const step = await nextStep(page, seq);
    seen.push(step);
    if (step.kind === "result") return { who, steps: seen, result: await readResult(page) };
    if (step.kind === "error") throw new Error(`the page shows an error: ${step.title}: ${step.text} (${step.meta})`);
    seq = step.seq;
    if (step.kind === "confirm") {
      assert.equal(step.focused, "confirm-yes", "focus should be on the confirmation's Yes button");
      await page.keyboard.press("Enter");
    } else if (/phone/i.test(step.title)) {
      await answer(page, step, who.phone);
    } else if (/^your email/i.test(step.title)) {
      await answer(page, step, who.email);
    } else if (/code/i.test(step.title)) {
      const to = /SMS/.test(step.title) ? who.phone : who.email;
      const code = await otpFromInbox(page, to);
      if (!wrongDone) {
        wrongDone = true;
        const wrong = code === "000000" ? "111111" : "000000";
        await answer(page, step, wrong);
      } else {
        await answer(page, step, code);
      }
    } else {
      throw new Error(`unexpected form: ${JSON.stringify(step)}`);
    }
  }
  throw new Error(`too many steps: ${JSON.stringify(seen)}`);
}
