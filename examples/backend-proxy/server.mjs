// A dapp's backend for ratio-auth, in plain Node (node:http, no dependencies):
//   POST /api/ratio/client-session {walletAddress} → mints a Ratio client session with the
//        client id and secret, which never leave this process, and answers {clientSessionId};
//   /ratio/v1/auth/*, /ratio/v1/users*  → forwarded to Ratio (same origin for the page: no CORS);
//   anything else (GET/HEAD)            → the built app's static files (STATIC_DIR).
// Configured by environment variables (see README.md). Prints "listening on http://HOST:PORT".

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

const env = process.env;
const RATIO_BASE_URL = (env.RATIO_BASE_URL ?? "").replace(/\/+$/, "");
const CLIENT_ID = env.RATIO_CLIENT_ID ?? "";
const CLIENT_SECRET = env.RATIO_CLIENT_SECRET ?? "";
const HOST = env.HOST ?? "127.0.0.1";
const PORT = Number(env.PORT ?? 8787);
const STATIC_DIR = env.STATIC_DIR ? path.resolve(env.STATIC_DIR) : null;
const UPSTREAM_TIMEOUT_MS = 30_000;
const MAX_BODY = 64 * 1024;

if (!/^https?:\/\//.test(RATIO_BASE_URL) || !CLIENT_ID || !CLIENT_SECRET) {
  console.error("set RATIO_BASE_URL (http(s)://...), RATIO_CLIENT_ID and RATIO_CLIENT_SECRET");
  process.exit(2);
}

/** Headers of the page's request that Ratio needs; everything else (cookies, Origin, any credential the page sent) stays here. */
const FORWARD_REQUEST_HEADERS = ["content-type", "accept", "authorization", "ratio-client-session-id", "ratio-device-fingerprint"];
/** Headers of Ratio's answer the SDK reads. */
const FORWARD_RESPONSE_HEADERS = ["content-type", "retry-after", "ratio-authentication-refresh"];
/** What the page may reach through /ratio: the sign-in and user endpoints, never client-session minting. */
const PROXIED = /^\/v1\/(auth\/[A-Za-z0-9/:]+|users(\/[A-Za-z0-9_-]+)?)$/;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

// The page needs 'wasm-unsafe-eval' to compile ratio-auth's WebAssembly; nothing else is loosened.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function error(res, status, code, message, headers) {
  send(res, status, { createTime: new Date().toISOString(), code, message }, headers);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error("body too large"), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A browser sends Origin on cross-origin requests and on same-origin POSTs: refuse other sites. */
function foreignOrigin(req) {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`;
}

async function clientSession(req, res) {
  if (req.method !== "POST") return error(res, 405, "METHOD_NOT_ALLOWED", "POST only");
  if (foreignOrigin(req)) return error(res, 403, "FORBIDDEN", "cross-origin request");
  // A JSON content type cannot be sent by a plain HTML form: no CSRF through a form post.
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return error(res, 415, "INVALID_BODY", "Content-Type must be application/json");
  let walletAddress;
  try {
    ({ walletAddress } = JSON.parse((await readBody(req)).toString("utf8")));
  } catch (e) {
    return error(res, e.status ?? 400, "INVALID_BODY", "the body must be JSON {walletAddress}");
  }
  if (typeof walletAddress !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(walletAddress)) {
    return error(res, 400, "INVALID_WALLET_ADDRESS", "walletAddress must be 0x + 40 hex digits");
  }
  // A real app would also check its own user here (a login cookie, a rate limit per IP).
  let upstream;
  try {
    upstream = await fetch(`${RATIO_BASE_URL}/v1/client/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "ratio-client-id": CLIENT_ID, "ratio-client-secret": CLIENT_SECRET },
      body: JSON.stringify({ signingAddress: walletAddress, signingType: "EVM" }),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch {
    return error(res, 502, "UPSTREAM_UNREACHABLE", "Ratio could not be reached");
  }
  const text = await upstream.text();
  if (!upstream.ok) {
    // Ratio's error body says nothing secret; pass its code and status on (and Retry-After on a 429).
    let code = "UPSTREAM_ERROR";
    try {
      code = JSON.parse(text).code ?? code;
    } catch {
      // not JSON
    }
    const retryAfter = upstream.headers.get("retry-after");
    return error(res, upstream.status >= 500 ? 502 : upstream.status, code, "Ratio refused to create a client session", retryAfter ? { "retry-after": retryAfter } : {});
  }
  let id;
  try {
    id = JSON.parse(text).id;
  } catch {
    // handled below
  }
  if (typeof id !== "string" || id === "") return error(res, 502, "BAD_UPSTREAM_RESPONSE", "Ratio's answer had no session id");
  send(res, 200, { clientSessionId: id });
}

async function proxy(req, res, url) {
  const upstreamPath = url.pathname.slice("/ratio".length);
  if (!PROXIED.test(upstreamPath)) return error(res, 404, "NOT_FOUND", "not a proxied Ratio endpoint");
  if (req.method !== "GET" && req.method !== "POST") return error(res, 405, "METHOD_NOT_ALLOWED", "GET or POST only");
  if (foreignOrigin(req)) return error(res, 403, "FORBIDDEN", "cross-origin request");
  const headers = {};
  for (const name of FORWARD_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  let body;
  try {
    body = req.method === "POST" ? await readBody(req) : undefined;
  } catch (e) {
    return error(res, e.status ?? 400, "INVALID_BODY", "the body could not be read");
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), UPSTREAM_TIMEOUT_MS);
  // The page went away: stop waiting for Ratio.
  res.on("close", () => abort.abort());
  let upstream;
  try {
    upstream = await fetch(RATIO_BASE_URL + upstreamPath + url.search, { method: req.method, headers, body, signal: abort.signal, redirect: "manual" });
    const out = { "cache-control": "no-store" };
    for (const name of FORWARD_RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) out[name] = value;
    }
    const bytes = Buffer.from(await upstream.arrayBuffer());
    out["content-length"] = bytes.length;
    res.writeHead(upstream.status, out);
    res.end(bytes);
  } catch {
    if (!res.headersSent) error(res, 502, "UPSTREAM_UNREACHABLE", "Ratio could not be reached");
    else res.destroy();
  } finally {
    clearTimeout(timer);
  }
}

async function serveStatic(req, res, url) {
  if (STATIC_DIR === null) return error(res, 404, "NOT_FOUND", "no STATIC_DIR");
  if (req.method !== "GET" && req.method !== "HEAD") return error(res, 405, "METHOD_NOT_ALLOWED", "GET only");
  let rel;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return error(res, 400, "INVALID_PATH", "bad path");
  }
  let file = path.join(STATIC_DIR, path.normalize(rel));
  if (file !== STATIC_DIR && !file.startsWith(STATIC_DIR + path.sep)) return error(res, 404, "NOT_FOUND", "not found");
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = path.join(file, "index.html");
    info = await stat(file).catch(() => null);
  }
  // An app route without a file: the app's page (a single-page app).
  if (info === null && !path.extname(rel)) {
    file = path.join(STATIC_DIR, "index.html");
    info = await stat(file).catch(() => null);
  }
  if (info === null || !info.isFile()) return error(res, 404, "NOT_FOUND", "not found");
  const bytes = await readFile(file);
  const ext = path.extname(file);
  res.writeHead(200, {
    "content-type": TYPES[ext] ?? "application/octet-stream",
    "content-length": bytes.length,
    // Vite's hashed assets never change; the page itself is always checked.
    "cache-control": rel.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
    ...(ext === ".html" ? { "content-security-policy": CSP, "referrer-policy": "no-referrer" } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

const server = createServer(async (req, res) => {
  let url;
  try {
    url = new URL(req.url ?? "/", "http://localhost");
  } catch {
    return error(res, 400, "INVALID_PATH", "bad request target");
  }
  try {
    if (url.pathname === "/api/ratio/client-session") return await clientSession(req, res);
    if (url.pathname === "/ratio" || url.pathname.startsWith("/ratio/")) return await proxy(req, res, url);
    return await serveStatic(req, res, url);
  } catch {
    if (!res.headersSent) error(res, 500, "INTERNAL", "internal error");
    else res.destroy();
  }
});

server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address.includes(":") ? `[${address}]` : address}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
