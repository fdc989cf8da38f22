// Shared by the browser tests that drive flows (see web_leaks.rs).
// Watches a flow for leaks: every console line, and every JWT and code the page receives
// (response bodies and headers of every fetch, the SDK's and the outbox's alike).
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const BODY_CAP = 1 << 20;
// Everything in `value` as text: own properties (enumerable or not, so `message`, `stack` and
// `cause` too), nested objects a few levels deep; never throws.
export function dump(value, depth = 4) {
  try {
    if (value === null || value === undefined) return String(value);
    if (typeof value !== "object" && typeof value !== "function") return String(value);
    if (depth === 0) return "…";
    const parts = [];
    for (const key of Object.getOwnPropertyNames(value)) {
      let item;
      try { item = value[key]; } catch (_) { item = "(getter threw)"; }
      parts.push(key + "=" + dump(item, depth - 1));
    }
    return "{" + parts.join(", ") + "}";
  } catch (_) {
    return "(unreadable)";
  }
}
export function watchStart() {
  const watch = { console: [], jwts: new Set(), otps: new Set(), reads: [], saved: {}, fetch: window.fetch };
  for (const name of ["log", "info", "warn", "error", "debug", "trace"]) {
    const original = console[name];
    watch.saved[name] = original;
    console[name] = function (...args) {
      watch.console.push(name + ": " + args.map((arg) => dump(arg)).join(" "));
      return original.apply(this, args);
    };
  }
  const readBody = async (response) => {
    for (const [, value] of response.headers) for (const jwt of value.match(JWT_PATTERN) || []) watch.jwts.add(jwt);
    if (!response.body) return;
    const reader = response.body.getReader();
    const chunks = [];
    let size = 0;
    try {
      while (size < BODY_CAP) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    const text = new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
    for (const jwt of text.match(JWT_PATTERN) || []) watch.jwts.add(jwt);
    try {
      const json = JSON.parse(text);
      for (const sent of Array.isArray(json) ? json : []) if (sent && typeof sent.otp === "string") watch.otps.add(sent.otp);
    } catch (_) {}
  };
  window.fetch = function (...args) {
    return watch.fetch.apply(this, args).then((response) => {
      watch.reads.push(readBody(response.clone()).catch(() => {}));
      return response;
    });
  };
  return watch;
}
// Restores the console and fetch; resolves to what was seen, as JSON.
export async function watchStop(watch, error) {
  Object.assign(console, watch.saved);
  window.fetch = watch.fetch;
  await Promise.allSettled(watch.reads);
  return JSON.stringify({ console: watch.console, jwts: [...watch.jwts], otps: [...watch.otps], error: error === undefined ? "" : dump(error) });
}
