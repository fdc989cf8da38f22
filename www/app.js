// The ratio-auth demo page: plain ES modules, no build step. It drives the SDK exactly as a dapp
// would (`new RatioAuth`, `signIn` with prompts and events), and uses the sandbox's own
// `/sandbox/*` endpoints only to set up scenarios and to show the codes it "sent".

import init, { RatioAuth, discoverWallets } from "./pkg/ratio_auth.js";
import { createSandboxWallet, createSmartWallet, randomAddress, randomUsPhone } from "./sandbox-wallet.js";

const $ = (id) => document.getElementById(id);
const BASE_URL = location.origin;

// ---------------------------------------------------------------------------------------------
// Human words for the SDK's vocabulary

const ERROR_TEXT = {
  userRejected: ["You declined in your wallet", "The wallet says the request was rejected. Nothing was signed; start again when you are ready."],
  rateLimited: ["Too many attempts", "Ratio is limiting codes sent to this contact. Wait a moment, then try again."],
  conflict: ["Already in use", "That phone, email or wallet already belongs to another Ratio account."],
  invalidOtp: ["That code did not work", "The code was wrong or has expired, and no tries are left. Start again to get a new code."],
  mfaRequired: ["A second factor is needed", "Ratio needs a second verified factor in this session before it allows this."],
  signatureMismatch: ["The signature is from another account", "The wallet signed with a different account than the one it connected. Switch accounts in the wallet and try again."],
  contractWalletRefused: ["Smart-contract wallets are not accepted", "The server refused this smart-contract wallet's signature: it does not accept contract-wallet signatures. Sign in with a regular (EOA) wallet."],
  network: ["Can't reach the server", "The request never got an answer. Check your connection (is the sandbox running?) and try again."],
  timeout: ["This took too long", "The server or the wallet did not answer in time. Try again."],
  aborted: ["Stopped", "The sign-in was cancelled before it finished."],
  server: ["The server had a problem", "Ratio answered with an error on its side. Try again in a moment."],
  badResponse: ["Unexpected answer from the server", "The server sent something that is not Ratio's API (a proxy error page?)."],
  config: ["The app is misconfigured", "The SDK refused its settings. This is a bug in the page, not something you did."],
  wallet: ["The wallet could not do that", "The wallet refused or failed the request. Unlock it, check it is connected to this site, and try again."],
  resume: ["The saved sign-in can't be resumed", "It expired, could not be read, or belongs to another wallet account. Start a scenario again."],
};

const WALLET_REASON_TEXT = {
  notAProvider: "The chosen wallet is not an EIP-1193 provider.",
  unauthorized: "This site is not authorised in the wallet: connect it first.",
  unsupportedMethod: "The wallet does not support message signing (personal_sign).",
  disconnected: "The wallet is disconnected.",
  chainDisconnected: "The wallet is not connected to the chain.",
  requestPending: "The wallet already has a request waiting: open it and answer that first.",
  noAccounts: "The wallet gave no account: unlock it or add an account.",
  accountNotAvailable: "That account is not available in the wallet.",
  badResponse: "The wallet answered with something unexpected.",
  accountsChanged: "You switched accounts in the wallet during the sign-in, so it stopped. Start again.",
};

const PROBLEM_TEXT = {
  notE164Phone: "That is not a US phone number in international format, e.g. +14155550123.",
  notAnEmail: "That does not look like an email address.",
  notSixDigits: "The code has 6 digits.",
  rejectedByServer: "Ratio did not accept that. Check it and try again.",
  wrongCode: "That code is not right. Check the latest message in the inbox.",
  resendUnavailable: "A new code can't be sent yet.",
};

const PURPOSE_TEXT = {
  walletSignIn: "to sign in with your wallet",
  secondFactor: "as your second factor",
  linkFirstFactor: "to prove this is your existing account",
  linkSecondFactor: "as the second factor of your existing account",
  firstFactor: "to sign in",
  walletAfterFactor: "to add your wallet",
};

const PATH_TEXT = {
  returning: "Returning user",
  new: "New user",
  linked: "New wallet linked to an existing user",
  factorFirst: "Existing factor first",
};

const ENDPOINT_TEXT = {
  walletStart: "cryptoWallet:start",
  walletAuthenticate: "cryptoWallet:authenticate",
  walletAddToUser: "cryptoWallet:addToUser",
  smsSend: "otp/sms:send",
  smsAuthenticate: "otp/sms:authenticate",
  emailSend: "otp/email:send",
  emailAuthenticate: "otp/email:authenticate",
  createUser: "users (create)",
  getUser: "users (get)",
};

const STATE_TEXT = {
  walletStart: "Asking Ratio for a challenge",
  walletSign: "Waiting for the wallet's signature",
  walletAuthenticate: "Checking the signature with Ratio",
  phonePrompt: "Waiting for your phone number",
  smsSend: "Sending the SMS code",
  smsOtpPrompt: "Waiting for the SMS code",
  smsAuthenticate: "Checking the SMS code",
  emailPrompt: "Waiting for your email",
  emailSend: "Sending the email code",
  emailOtpPrompt: "Waiting for the email code",
  emailAuthenticate: "Checking the email code",
  confirmLink: "Waiting for you to confirm the account",
  addToUser: "Adding the wallet to your account",
  backingOff: "Waiting before trying again",
  done: "Done",
  failed: "Failed",
};

// ---------------------------------------------------------------------------------------------
// Page state

const state = {
  auth: null,
  wallets: [], // { id, name, detail, icon, provider, sandbox? }
  sandboxWallet: null,
  running: false,
  controller: null,
  identity: null, // { phone, email, userId }
  flowStart: 0,
  countdownTimer: null,
  inboxTimer: null,
  pendingPrompt: null, // { reject, form }
  lastSignedChallenge: null,
};

// ---------------------------------------------------------------------------------------------
// Sandbox helpers (the demo's set-up, not part of the SDK)

async function sandbox(method, path, body) {
  const response = await fetch(new URL(path, BASE_URL), {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(`sandbox ${method} ${path}: ${response.status} ${data?.code ?? ""} ${data?.message ?? ""}`);
  }
  return data;
}

function randomEmail() {
  const tag = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `demo-${tag}@example.com`;
}

// ---------------------------------------------------------------------------------------------
// Wallets

function renderWallets() {
  const list = $("wallet-list");
  list.querySelectorAll(".wallet").forEach((el) => el.remove());
  state.wallets.forEach((wallet, index) => {
    const label = document.createElement("label");
    label.className = "wallet" + (wallet.sandbox ? " burner" : "");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "wallet";
    input.value = wallet.id;
    input.checked = index === 0;
    const icon = document.createElement("span");
    icon.className = "wallet-icon";
    if (wallet.icon) {
      const img = document.createElement("img");
      img.src = wallet.icon;
      img.alt = "";
      icon.append(img);
    } else {
      icon.classList.add("glyph");
      icon.textContent = wallet.sandbox ? "SB" : wallet.name.slice(0, 1).toUpperCase();
    }
    const text = document.createElement("span");
    text.className = "wallet-text";
    const name = document.createElement("strong");
    name.textContent = wallet.name;
    const detail = document.createElement("span");
    detail.className = "wallet-detail";
    detail.textContent = wallet.detail;
    if (wallet.sandbox) detail.id = "burner-detail";
    text.append(name, detail);
    label.append(input, icon, text);
    if (wallet.sandbox) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "Burner · sandbox only";
      label.append(badge);
    }
    list.append(label);
  });
  updateBurnerDetail();
}

function updateBurnerDetail() {
  const el = $("burner-detail");
  if (el && state.sandboxWallet) {
    el.textContent = `A throw-away key made in this page, new for each scenario. Now ${state.sandboxWallet.address}`;
  }
}

function selectedWallet() {
  const checked = document.querySelector('input[name="wallet"]:checked');
  return state.wallets.find((w) => w.id === checked?.value) ?? state.wallets[0];
}

async function findWallets() {
  state.sandboxWallet = createSandboxWallet({
    onSign: (message) => { state.lastSignedChallenge = message; },
    storageKey: "ratio-demo:burnerKey",
  });
  state.wallets = [
    {
      id: "sandbox",
      name: "Sandbox wallet",
      detail: "",
      provider: state.sandboxWallet.provider,
      sandbox: true,
    },
  ];
  let found = [];
  try {
    found = await discoverWallets(400);
  } catch (error) {
    console.warn("EIP-6963 discovery failed", error);
  }
  for (const detail of found) {
    state.wallets.push({
      id: `eip6963:${detail.info.uuid}`,
      name: detail.info.name,
      detail: `EIP-6963 · ${detail.info.rdns}`,
      icon: detail.info.icon,
      provider: detail.provider,
    });
  }
  const injected = window.ethereum;
  if (injected && !found.some((d) => d.provider === injected)) {
    state.wallets.push({
      id: "window.ethereum",
      name: injected.isMetaMask ? "Browser wallet (MetaMask)" : "Browser wallet",
      detail: "window.ethereum",
      provider: injected,
    });
  }
  $("wallet-hint").textContent = found.length || injected
    ? `Found ${found.length} EIP-6963 wallet${found.length === 1 ? "" : "s"}${injected ? " and window.ethereum" : ""}.`
    : "No browser wallet found: the sandbox wallet works without one.";
  renderWallets();
}

// ---------------------------------------------------------------------------------------------
// Prompts: each opens a form and resolves on submit; Cancel rejects.

class PromptCancelled extends Error {
  constructor() {
    super("cancelled in the page");
    this.name = "PromptCancelled";
  }
}

function closePrompts() {
  for (const id of ["prompt-form", "confirm-form"]) $(id).hidden = true;
  if (state.pendingPrompt) {
    const { reject } = state.pendingPrompt;
    state.pendingPrompt = null;
    reject(new PromptCancelled());
  }
}

function setWorking(text) {
  $("working").hidden = !state.running;
  $("working-text").textContent = text ?? "Working…";
}

function askText({ title, detail, label, type, inputMode, autocomplete, placeholder, problem, value, normalise, resend }) {
  closePrompts();
  const form = $("prompt-form");
  const input = $("prompt-input");
  $("prompt-title").textContent = title;
  $("prompt-detail").textContent = detail ?? "";
  $("prompt-label").textContent = label;
  const problemEl = $("prompt-problem");
  problemEl.hidden = !problem;
  problemEl.textContent = problem ? (PROBLEM_TEXT[problem] ?? "Please check and try again.") : "";
  input.type = type ?? "text";
  input.inputMode = inputMode ?? "";
  input.autocomplete = autocomplete ?? "off";
  input.placeholder = placeholder ?? "";
  input.value = value ?? "";
  input.setAttribute("aria-invalid", problem ? "true" : "false");
  $("flow-idle").hidden = true;
  form.dataset.seq = String((state.promptSeq = (state.promptSeq ?? 0) + 1));
  form.hidden = false;
  $("working").hidden = true;
  input.focus();
  return new Promise((resolve, reject) => {
    state.pendingPrompt = { reject };
    form.onsubmit = (event) => {
      event.preventDefault();
      const answer = normalise ? normalise(input.value) : input.value.trim();
      if (!answer) {
        problemEl.hidden = false;
        problemEl.textContent = "This field is required.";
        input.focus();
        return;
      }
      state.pendingPrompt = null;
      form.hidden = true;
      setWorking("Working…");
      resolve(answer);
    };
    const resendButton = $("prompt-resend");
    resendButton.hidden = !resend;
    resendButton.onclick = () => {
      state.pendingPrompt = null;
      form.hidden = true;
      setWorking("Asking for a new code…");
      resolve({ resend: true });
    };
    $("prompt-cancel").onclick = () => {
      form.hidden = true;
      state.pendingPrompt = null;
      reject(new PromptCancelled());
    };
  });
}

const prompts = {
  phoneNumber(ctx) {
    const hint = ctx.phoneMask ? ` Ratio knows a number ending in ${ctx.phoneMask.replace(/^\D+/, "")}.` : "";
    return askText({
      title: "Your phone number",
      detail: `Ratio will text you a code ${PURPOSE_TEXT[ctx.purpose] ?? ""}.${hint}`,
      label: "Phone number (US, with +1)",
      type: "tel",
      inputMode: "tel",
      autocomplete: "tel",
      placeholder: "+14155550123",
      problem: ctx.problem,
      normalise: (v) => v.replace(/[\s\-().]/g, ""),
    });
  },
  email(ctx) {
    const hint = ctx.emailMask ? ` Ratio knows ${ctx.emailMask}.` : "";
    return askText({
      title: "Your email",
      detail: `Ratio will email you a code ${PURPOSE_TEXT[ctx.purpose] ?? ""}.${hint}`,
      label: "Email address",
      type: "email",
      inputMode: "email",
      autocomplete: "email",
      placeholder: "you@example.com",
      problem: ctx.problem,
    });
  },
  otp(ctx) {
    const how = ctx.channel === "sms" ? "by SMS" : "by email";
    const tries = ctx.attempt > 1 ? ` Try ${ctx.attempt} of ${ctx.maxAttempts ?? "?"}.` : "";
    return askText({
      title: ctx.channel === "sms" ? "Enter the SMS code" : "Enter the email code",
      detail: `We sent a 6-digit code ${how} to ${ctx.destinationMask}. Find it in the sandbox inbox.${tries}`,
      label: "6-digit code",
      type: "text",
      inputMode: "numeric",
      autocomplete: "one-time-code",
      placeholder: "123456",
      problem: ctx.problem,
      normalise: (v) => v.replace(/\s/g, ""),
      resend: ctx.resendAvailableAt !== undefined && ctx.resendAvailableAt !== null,
    });
  },
  confirmLink(ctx) {
    closePrompts();
    const form = $("confirm-form");
    const phone = ctx.phoneMask ? ` (phone ending in ${ctx.phoneMask.replace(/^\D+/, "")})` : "";
    $("confirm-detail").textContent =
      `That phone number belongs to an existing Ratio account${phone}. Link the wallet ${ctx.walletAddress} to it? ` +
      "You will confirm with an SMS code and an email code.";
    $("flow-idle").hidden = true;
    form.dataset.seq = String((state.promptSeq = (state.promptSeq ?? 0) + 1));
    form.hidden = false;
    $("working").hidden = true;
    $("confirm-yes").focus();
    return new Promise((resolve, reject) => {
      state.pendingPrompt = { reject };
      form.onsubmit = async (event) => {
        event.preventDefault();
        state.pendingPrompt = null;
        form.hidden = true;
        setWorking("Working…");
        if (state.scenario === "storm") {
          // The storm: the SMS retry without a JWT gets three 429s with Retry-After: 1.
          try {
            await sandbox("POST", "/sandbox/faults", {
              path: "/v1/auth/otp/sms:send", status: 429, count: 3, retryAfterSeconds: 1,
            });
            addTimeline("setup", "Sandbox: the next 3 SMS sends answer 429 (Retry-After: 1 s)");
          } catch (error) {
            addTimeline("setup", `Could not set the fault: ${error.message}`);
          }
        }
        resolve(true);
      };
      $("confirm-no").onclick = () => {
        form.hidden = true;
        state.pendingPrompt = null;
        resolve(false);
      };
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Timeline and countdown

function elapsed() {
  return `+${((performance.now() - state.flowStart) / 1000).toFixed(2)} s`;
}

function addTimeline(kind, text) {
  const list = $("timeline");
  const item = document.createElement("li");
  item.className = `t-${kind}`;
  const time = document.createElement("span");
  time.className = "t-time";
  time.textContent = elapsed();
  const body = document.createElement("span");
  body.className = "t-text";
  body.textContent = text;
  item.dataset.kind = kind;
  item.append(time, body);
  list.append(item);
  item.scrollIntoView?.({ block: "nearest" });
}

function endpointName(e) {
  return ENDPOINT_TEXT[e] ?? e;
}

function describeEvent(event) {
  switch (event.type) {
    case "stateChanged":
      return STATE_TEXT[event.state] ?? event.state;
    case "pathChosen":
      return `Path: ${PATH_TEXT[event.path] ?? event.path}`;
    case "requestSent":
      return `→ ${endpointName(event.endpoint)}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}${event.token ? " with the session JWT" : ""}`;
    case "responseReceived":
      return `← ${endpointName(event.endpoint)}: ${event.status}${event.code ? ` ${event.code}` : ""}`;
    case "transportFailed":
      return `✕ ${endpointName(event.endpoint)}: ${event.timeout ? "timed out" : "no answer"}`;
    case "signatureChecked":
      return `Signature checked locally: ${event.address}`;
    case "signatureLeftToServer":
      return `Smart-contract wallet (${event.evidence === "erc6492" ? "ERC-6492 signature" : "has code"}): Ratio checks the signature`;
    case "codeCheckFailed":
      return "eth_getCode failed: taken as no code, the local check stands";
    case "otpSent":
      return `Code sent by ${event.channel === "sms" ? "SMS" : "email"} to ${event.destinationMask}`;
    case "otpRejected":
      return `Code refused (${event.attemptsLeft} tr${event.attemptsLeft === 1 ? "y" : "ies"} left)`;
    case "answerRejected":
      return `Answer not accepted: ${PROBLEM_TEXT[event.problem] ?? event.problem}`;
    case "backingOff": {
      const why = event.reason === "rateLimited" ? "rate limited (429)" : event.reason;
      return `Back-off on ${endpointName(event.endpoint)}: ${why}, attempt ${event.attempt} failed`;
    }
    case "resendScheduled":
      return `New ${event.channel} code scheduled`;
    case "tokenIssued":
      return `Session JWT issued: ${(event.factors ?? []).join(" + ") || "factors unknown"}`;
    case "tokenRefreshed":
      return "Session JWT refreshed by the server";
    case "tokenRevoked":
      return `Session JWT dropped (${event.reason ?? "revoked"})`;
    case "stepRestarted":
      return `Step restarted (${event.code})`;
    case "resumed":
      return `Resumed the saved sign-in: ${STATE_TEXT[event.state] ?? event.state}`;
    case "walletLinked":
      return `Wallet ${event.address} added to the account (${event.verified ? "verified" : "not verified yet"})`;
    case "finished":
      return `Finished: ${PATH_TEXT[event.path] ?? event.path ?? ""}${event.walletKind === "contract" ? " (smart-contract wallet)" : ""}`;
    case "failed":
      return `Stopped: ${event.error?.kind ?? "error"}${event.error?.code ? ` (${event.error.code})` : ""}`;
    default: {
      const { type, at, ...rest } = event;
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
      return `${type}${extra}`;
    }
  }
}

function onEvent(event) {
  if (!event || typeof event !== "object") return;
  if (event.type === "inputIgnored" || event.type === "refreshIgnored") return;
  addTimeline(event.type, describeEvent(event));
  if (event.type === "stateChanged" && STATE_TEXT[event.state] && state.running) {
    $("working-text").textContent = `${STATE_TEXT[event.state]}…`;
  }
  const until = event.untilMs ?? event.retryAt;
  if (event.type === "backingOff" && typeof until === "number") {
    startCountdown(until, endpointName(event.endpoint), event.attempt);
  } else if (event.type === "requestSent" || event.type === "finished" || event.type === "failed") {
    stopCountdown();
  }
}

function startCountdown(until, endpoint, attempt) {
  stopCountdown();
  const el = $("countdown");
  el.hidden = false;
  const tick = () => {
    const left = Math.max(0, until - Date.now());
    el.textContent = `Rate limited: retrying ${endpoint} in ${(left / 1000).toFixed(1)} s (after ${attempt} failed attempt${attempt === 1 ? "" : "s"})`;
    if (left === 0) stopCountdown(true);
  };
  tick();
  state.countdownTimer = setInterval(tick, 100);
}

function stopCountdown(keepText) {
  clearInterval(state.countdownTimer);
  state.countdownTimer = null;
  if (!keepText) $("countdown").hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Sandbox inbox

async function refreshInbox() {
  const identity = state.identity;
  if (!identity) return;
  const destinations = [identity.phone, identity.email];
  const lists = await Promise.all(destinations.map((to) =>
    sandbox("GET", `/sandbox/outbox?to=${encodeURIComponent(to)}`).catch(() => [])));
  const messages = lists.flat().sort((a, b) => String(b.sentAt).localeCompare(String(a.sentAt)));
  const inbox = $("inbox");
  const key = JSON.stringify(messages.map((m) => [m.to, m.otp, m.sentAt]));
  if (inbox.dataset.key === key) return;
  inbox.dataset.key = key;
  inbox.replaceChildren();
  if (!messages.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = `No messages yet for ${identity.phone} or ${identity.email}.`;
    inbox.append(empty);
    return;
  }
  messages.forEach((m, index) => {
    const item = document.createElement("li");
    item.className = "message" + (index === 0 ? " newest" : "");
    item.dataset.channel = m.channel;
    item.dataset.to = m.to;
    const head = document.createElement("span");
    head.className = "message-head";
    head.textContent = `${m.channel === "sms" ? "SMS" : "Email"} to ${m.to}`;
    const when = document.createElement("time");
    when.dateTime = m.sentAt;
    when.textContent = new Date(m.sentAt).toLocaleTimeString();
    const body = document.createElement("span");
    body.className = "message-body";
    body.append("Your Ratio code is ");
    const code = document.createElement("code");
    code.className = "otp";
    code.dataset.testid = "otp";
    code.textContent = m.otp;
    body.append(code);
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "link-button";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", `Copy code ${m.otp}`);
    copy.onclick = async () => {
      const input = $("prompt-input");
      try {
        await navigator.clipboard.writeText(m.otp);
        copy.textContent = "Copied";
      } catch {
        copy.textContent = "Copy failed";
      }
      if (!$("prompt-form").hidden && input.inputMode === "numeric") input.focus();
    };
    item.append(head, when, body, copy);
    inbox.append(item);
  });
}

function startInbox() {
  clearInterval(state.inboxTimer);
  refreshInbox();
  state.inboxTimer = setInterval(refreshInbox, 700);
}

// ---------------------------------------------------------------------------------------------
// Result and errors

function showResult(result) {
  const shortJwt = `${result.sessionJwt.slice(0, 12)}… (${result.factors.length}-factor, kept for this tab)`;
  $("result-title").textContent = result.walletVerified ? "Signed in" : "Signed in, wallet linked";
  $("result-path").textContent = PATH_TEXT[result.path] ?? result.path;
  $("result-path").dataset.path = result.path;
  $("result-factors").textContent = result.factors.join(" + ");
  $("result-wallet").textContent = result.walletKind === "contract"
    ? `${result.walletAddress} (smart-contract wallet)`
    : result.walletAddress;
  $("result-verified").textContent = result.walletVerified
    ? "Yes"
    : "Not yet: it is attached, and verifies at its next sign-in";
  $("result-verified").dataset.verified = String(result.walletVerified);
  const mask = result.userMask;
  $("result-user").textContent = mask
    ? `${mask.id}${mask.phoneMask ? ` · phone …${mask.phoneMask.replace(/^\D+/, "")}` : ""}${mask.emailMask ? ` · ${mask.emailMask}` : ""}`
    : "New to Ratio (no account yet)";
  $("result-session").textContent = shortJwt;
  $("result-note").textContent = result.path === "linked"
    ? "The wallet was added to the existing account with a two-factor session."
    : "";
  $("result").hidden = false;
  $("result").focus();
}

function showError(error) {
  const kind = error?.kind;
  const [title, text] = ERROR_TEXT[kind] ?? ["Something went wrong", String(error?.message ?? error)];
  let detail = text;
  if (kind === "wallet" && WALLET_REASON_TEXT[error.reason]) detail = WALLET_REASON_TEXT[error.reason];
  if (kind === "rateLimited" && typeof error.retryAt === "number") {
    detail += ` You can try again at ${new Date(error.retryAt).toLocaleTimeString()}.`;
  }
  if (kind === "signatureMismatch" && error.signedBy) detail += ` It was signed by ${error.signedBy}.`;
  if (kind === "aborted" && error.cause instanceof PromptCancelled) detail = "You cancelled a form, so the sign-in stopped.";
  $("error-title").textContent = title;
  $("error-text").textContent = detail;
  const meta = [kind && `kind: ${kind}`, error?.code && `code: ${error.code}`, error?.status && `HTTP ${error.status}`]
    .filter(Boolean).join(" · ");
  $("error-meta").textContent = meta || String(error?.message ?? "");
  $("error").dataset.kind = kind ?? "unknown";
  $("error").hidden = false;
  $("error").focus();
}

async function showSandboxUser(userId) {
  if (!userId) return;
  const box = $("sandbox-check");
  const list = $("sandbox-wallets");
  try {
    const user = await sandbox("GET", `/sandbox/users/${encodeURIComponent(userId)}`);
    list.replaceChildren();
    const head = document.createElement("li");
    head.textContent = `User ${user.id}: ${user.phoneNumber}, ${user.emailAddress}`;
    list.append(head);
    for (const w of user.wallets) {
      const item = document.createElement("li");
      item.className = "mono";
      item.dataset.address = w.address;
      item.dataset.verified = String(w.verified);
      item.textContent = `${w.address} · ${w.verified ? "verified" : "attached, unverified"}`;
      list.append(item);
    }
    if (!user.wallets.length) {
      const none = document.createElement("li");
      none.textContent = "No wallets.";
      list.append(none);
    }
    box.dataset.userId = user.id;
    box.hidden = false;
  } catch (error) {
    list.replaceChildren(Object.assign(document.createElement("li"), { textContent: error.message }));
    box.hidden = false;
  }
}

function offerCreateUser(result) {
  const form = $("create-user-form");
  $("cu-email").value = state.identity?.email ?? "";
  $("cu-terms").checked = false;
  form.hidden = false;
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (!$("cu-terms").checked) {
      $("cu-terms").focus();
      showCreateError("Accept the terms to create the account.");
      return;
    }
    $("cu-submit").disabled = true;
    try {
      // The SDK's own low-level call: POST /v1/users with the two-factor session JWT.
      const user = await state.auth.api.createUser({
        firstName: $("cu-first").value.trim(),
        lastName: $("cu-last").value.trim(),
        email: $("cu-email").value.trim(),
        country: "US",
        phone: state.identity?.phone,
        acceptedTerms: true,
      }, result.sessionJwt);
      form.hidden = true;
      state.identity.userId = user.id;
      $("identity-user").textContent = user.id;
      $("identity-user-row").hidden = false;
      $("result-user").textContent = `${user.id} (created just now)`;
      addTimeline("setup", `Account created: ${user.id}`);
      await showSandboxUser(user.id);
    } catch (error) {
      const [title] = ERROR_TEXT[error?.kind] ?? ["Error"];
      showCreateError(`Could not create the account: ${title}${error?.code ? ` (${error.code})` : ""}.`);
    } finally {
      $("cu-submit").disabled = false;
    }
  };
}

function showCreateError(text) {
  let el = $("cu-error");
  if (!el) {
    el = Object.assign(document.createElement("p"), { id: "cu-error", className: "problem" });
    el.setAttribute("role", "alert");
    $("create-user-form").append(el);
  }
  el.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const SCENARIOS = {
  new: { title: "New user", note: "A new wallet and a phone number nobody has: type this phone when asked." },
  returning: { title: "Returning user", note: "An account with this wallet, this phone and this email was just created in the sandbox." },
  link: { title: "New wallet, existing user", note: "An account with this phone and email (and another wallet) was just created. Sign in with the new wallet, then prove the account is yours." },
  factorFirst: { title: "Existing factor first", note: "An account with this phone and email (no wallet) was just created. Sign in by SMS first; the wallet then joins the account." },
  storm: { title: "Link path under a 429 storm", note: "As the link path; when you confirm the account, the sandbox answers the next three SMS sends with 429." },
  smart: { title: "Smart wallet", note: "A smart-contract wallet (EIP-1271) owned by the burner key, registered in the sandbox: its signature is not the account's own, so the SDK asks for its code and lets Ratio check it." },
};

function resetFlowUi() {
  closePrompts();
  stopCountdown();
  $("timeline").replaceChildren();
  $("result").hidden = true;
  $("error").hidden = true;
  $("create-user-form").hidden = true;
  $("sandbox-check").hidden = true;
  $("cu-error")?.remove();
  $("flow-idle").hidden = true;
}

function setRunning(running) {
  state.running = running;
  document.querySelectorAll(".scenario, input[name=wallet]").forEach((el) => { el.disabled = running; });
  $("working").hidden = !running;
  document.body.classList.toggle("running", running);
}

async function runScenario(name) {
  if (state.running || !state.auth) return;
  // A smart wallet needs the sandbox to know its owner: it is always the burner's.
  let wallet = name === "smart"
    ? { name: "a smart-contract wallet owned by the burner key", smart: true }
    : selectedWallet();
  state.scenario = name;
  state.flowStart = performance.now();
  resetFlowUi();
  document.body.dataset.flow = "running";
  setRunning(true);
  setWorking("Setting up the sandbox…");
  addTimeline("setup", `Scenario: ${SCENARIOS[name].title}, with ${wallet.name}`);
  let userId;
  try {
    if (wallet.sandbox || wallet.smart) {
      state.sandboxWallet.regenerate();
      updateBurnerDetail();
    }
    if (wallet.smart) {
      const smart = createSmartWallet(state.sandboxWallet);
      await sandbox("POST", "/sandbox/contract-wallets", { address: smart.address, owner: state.sandboxWallet.address });
      addTimeline("setup", `Sandbox: contract wallet ${smart.address} registered, owned by ${state.sandboxWallet.address}`);
      wallet = { ...wallet, provider: smart.provider };
    }
    const accounts = await wallet.provider.request({ method: "eth_requestAccounts" });
    const address = Array.isArray(accounts) ? accounts[0] : undefined;
    if (typeof address !== "string") throw Object.assign(new Error("the wallet gave no account"), { kind: "wallet", reason: "noAccounts" });
    addTimeline("setup", `Wallet account ${address}`);

    const identity = { phone: randomUsPhone(), email: randomEmail(), userId: null };
    const body = { phoneNumber: identity.phone, emailAddress: identity.email, firstName: "Ada", lastName: "Lovelace", country: "US" };
    if (name === "returning") body.walletAddress = address;
    if (name === "link" || name === "storm") body.walletAddress = randomAddress();
    // A smart wallet signs in as a new user too: no account is made for it beforehand.
    if (name !== "new" && name !== "smart") {
      const created = await sandbox("POST", "/sandbox/users", body);
      identity.userId = created.id;
      userId = created.id;
      addTimeline("setup", `Sandbox: user ${created.id} created${body.walletAddress ? ` with wallet ${body.walletAddress}` : ""}`);
    }
    state.identity = identity;
    sessionStorage.setItem(DEMO_IDENTITY_KEY, JSON.stringify({ identity, scenario: name, userId: userId ?? null }));
    showIdentity(identity, SCENARIOS[name].note);
    startInbox();

    state.controller = new AbortController();
    setWorking("Starting…");
    const result = await state.auth.signIn({
      provider: wallet.provider,
      account: address,
      firstFactor: name === "factorFirst" ? "sms" : "wallet",
      prompts,
      onEvent,
      signal: state.controller.signal,
    });
    await finishRun(result, userId);
  } catch (error) {
    failRun(error);
  } finally {
    endRun();
  }
}

function showIdentity(identity, note) {
  $("identity-phone").textContent = identity.phone;
  $("identity-email").textContent = identity.email;
  $("identity-user").textContent = identity.userId ?? "";
  $("identity-user-row").hidden = !identity.userId;
  $("identity-note").textContent = note;
  $("identity").hidden = false;
}

async function finishRun(result, userId) {
  setRunning(false);
  sessionStorage.removeItem(DEMO_IDENTITY_KEY);
  addTimeline("done", `Signed in: ${PATH_TEXT[result.path] ?? result.path}`);
  showResult(result);
  if (result.path === "new") offerCreateUser(result);
  else await showSandboxUser(userId ?? result.userMask?.id);
  document.body.dataset.flow = "done";
}

function failRun(error) {
  setRunning(false);
  closePrompts();
  addTimeline("error", `Error: ${error?.kind ?? "unknown"}${error?.code ? ` (${error.code})` : ""}`);
  showError(error);
  document.body.dataset.flow = "failed";
  console.warn("sign-in failed:", error?.kind, error?.message);
}

function endRun() {
  setRunning(false);
  state.controller = null;
  stopCountdown();
  refreshInbox();
  showPending();
}

// ---------------------------------------------------------------------------------------------
// A sign-in interrupted by a reload (flowStorage: "sessionStorage")

const DEMO_IDENTITY_KEY = "ratio-demo:identity";
const PENDING_STEP_TEXT = {
  phoneNumber: "your phone number",
  email: "your email",
  otp: "a code",
  confirmLink: "your confirmation",
  backoff: "a back-off to end",
};

/** Shows the "Resume" card when the SDK has a saved sign-in, hides it otherwise. */
function showPending() {
  const pending = state.auth?.pendingSignIn();
  const card = $("pending");
  if (!card) return;
  card.hidden = !pending || state.running;
  if (!pending) return;
  const until = new Date(pending.expiresAt).toLocaleTimeString();
  const path = pending.path ? ` on the ${PATH_TEXT[pending.path] ?? pending.path} path` : "";
  $("pending-text").textContent = `A sign-in${path} was interrupted while it waited for ${PENDING_STEP_TEXT[pending.step] ?? pending.step}, for wallet ${pending.walletAddress}. It can be resumed until ${until}.`;
}

async function resumeRun() {
  if (state.running || !state.auth) return;
  const pending = state.auth.pendingSignIn();
  if (!pending) return showPending();
  const wallet = selectedWallet();
  state.flowStart = performance.now();
  resetFlowUi();
  $("pending").hidden = true;
  document.body.dataset.flow = "running";
  setRunning(true);
  addTimeline("setup", `Resuming the saved sign-in: it waited for ${PENDING_STEP_TEXT[pending.step] ?? pending.step}`);
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(DEMO_IDENTITY_KEY) ?? "null"); } catch { saved = null; }
  if (saved?.identity) {
    state.identity = saved.identity;
    state.scenario = saved.scenario;
    showIdentity(saved.identity, "The identity of the interrupted scenario.");
    startInbox();
  }
  try {
    state.controller = new AbortController();
    const result = await state.auth.resumeSignIn({ provider: wallet.provider, prompts, onEvent, signal: state.controller.signal });
    await finishRun(result, saved?.userId ?? undefined);
  } catch (error) {
    failRun(error);
  } finally {
    endRun();
  }
}

// ---------------------------------------------------------------------------------------------
// Boot

async function boot() {
  const status = $("boot-status");
  try {
    await init();
    state.auth = new RatioAuth({
      baseUrl: BASE_URL,
      clientId: "sandbox",
      clientSecret: "sandbox-secret",
      // A reload mid-flow (the user went to read the SMS) can be resumed.
      storage: "sessionStorage",
      flowStorage: "sessionStorage",
    });
  } catch (error) {
    status.textContent = `The SDK did not load: ${error?.message ?? error}. Is the page served by scripts/demo?`;
    status.classList.add("bad");
    return;
  }
  await findWallets();
  document.querySelectorAll(".scenario").forEach((button) => {
    button.addEventListener("click", () => runScenario(button.dataset.scenario));
  });
  $("abort-flow").addEventListener("click", () => {
    // The page's Stop means "give up": unlike a reload, nothing is kept to resume.
    state.controller?.abort(new Error("aborted in the page"));
    state.auth.discardPendingSignIn();
  });
  $("pending-resume").addEventListener("click", () => resumeRun());
  $("pending-discard").addEventListener("click", () => { state.auth.discardPendingSignIn(); sessionStorage.removeItem(DEMO_IDENTITY_KEY); showPending(); });
  showPending();
  status.textContent = `Ready · sandbox at ${BASE_URL}`;
  status.classList.add("ok");
  document.body.dataset.ready = "true";
}

boot();
