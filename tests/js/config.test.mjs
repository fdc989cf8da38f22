// npm/config.js: the `new RatioAuth(options)` rules, ported from the config tests of
// tests/web_units.rs and hostile_constructor_options_give_config_errors of tests/web_hostile.rs.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_RETRY,
  DEFAULT_WALLET_TIMEOUT_MS,
  checkOptions,
  endpoint,
  engineConfig,
  httpTimeoutMs,
  walletTimeoutMs,
} from "../../npm/config.js";
import { isRatioAuthError } from "../../npm/errors.js";
import { CLIENT_SECRET, hostileOptions, revoked, throwingGetter, trapProxy } from "./hostile-values.mjs";

const config = (json) => checkOptions(JSON.parse(json));

/** The config error `thunk` throws (a real RatioAuthError of kind config). */
function configErrorOf(thunk, label) {
  let thrown;
  try {
    thunk();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown !== undefined, `${label}: accepted`);
  assert.ok(thrown instanceof Error, `${label}: not an Error: ${thrown}`);
  assert.ok(isRatioAuthError(thrown), `${label}: not a RatioAuthError: ${thrown}`);
  assert.equal(thrown.kind, "config", `${label}: ${thrown.message}`);
  return thrown;
}

function refused(json, fragment) {
  const error = configErrorOf(() => config(json), json);
  assert.ok(error.message.includes(fragment), `${json}: message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
  return error.message;
}

test("client_secret_is_refused_for_a_non_loopback_base_url", () => {
  for (const base of ["https://api.ratio.me", "https://api.sandbox.ratio.me/", "http://192.168.1.20:8080", "http://localhost.evil.com"]) {
    const message = refused(`{"baseUrl":"${base}","clientId":"id","clientSecret":"hunter2-secret"}`, "clientSecret is refused");
    assert.ok(!message.includes("hunter2-secret"), `the secret is never echoed: ${message}`);
  }
});

test("client_secret_is_accepted_for_loopback_or_with_the_dangerous_flag", () => {
  for (const base of ["http://localhost:8080", "http://127.0.0.1:3000/", "http://[::1]:9000", "https://localhost"]) {
    const checked = config(`{"baseUrl":"${base}","clientId":"id","clientSecret":"s3cret"}`);
    assert.equal(checked.baseUrlIsLoopback, true, base);
    assert.deepEqual(checked.credentials, { kind: "clientSecret", clientId: "id", clientSecret: "s3cret" });
  }
  const checked = config(
    '{"baseUrl":"https://api.sandbox.ratio.me","clientId":"id","clientSecret":"s3cret","dangerouslyAllowClientSecretInBrowser":true}',
  );
  assert.equal(checked.baseUrlIsLoopback, false);
  // The Rust checks client_headers(); here the engine's input they are built from.
  assert.deepEqual(engineConfig(checked).credentials, { kind: "clientSecret", clientId: "id", clientSecret: "s3cret" });
  refused(
    '{"baseUrl":"https://api.ratio.me","clientId":"id","clientSecret":"s","dangerouslyAllowClientSecretInBrowser":false}',
    "clientSecret is refused",
  );
});

test("credential_combinations", () => {
  refused('{"baseUrl":"http://localhost","clientSecret":"s"}', "clientSecret needs clientId");
  refused('{"baseUrl":"http://localhost","clientId":"id","clientSecret":"s","clientSessionId":"cs"}', "not both");
  refused('{"baseUrl":"https://api.ratio.me","clientId":"id"}', "clientId alone");
  refused('{"baseUrl":"https://api.ratio.me","clientSessionId":""}', "must not be empty");
  refused('{"baseUrl":"https://api.ratio.me","clientSessionId":"line\\nbreak"}', "printable ASCII");

  const session = config('{"baseUrl":"https://api.ratio.me","clientSessionId":"cs_123","deviceFingerprint":"eyJpcCI6IjEuMi4zLjQifQ=="}');
  assert.deepEqual(session.credentials, { kind: "clientSession", sessionId: "cs_123" });
  assert.deepEqual(engineConfig(session), {
    credentials: { kind: "clientSession", sessionId: "cs_123" },
    deviceFingerprint: "eyJpcCI6IjEuMi4zLjQifQ==",
    retry: { ...DEFAULT_RETRY },
  });
  // A clientId beside the session id is checked and kept, but not sent.
  const both = config('{"baseUrl":"https://api.ratio.me","clientSessionId":"cs_123","clientId":"id"}');
  assert.deepEqual(both.credentials, { kind: "clientSession", sessionId: "cs_123", clientId: "id" });
  assert.deepEqual(engineConfig(both).credentials, { kind: "clientSession", sessionId: "cs_123" });

  const proxy = config('{"baseUrl":"https://dapp.example/api/ratio/"}');
  assert.deepEqual(proxy.credentials, { kind: "proxy" });
  assert.deepEqual(engineConfig(proxy), { credentials: { kind: "proxy" }, deviceFingerprint: null, retry: { ...DEFAULT_RETRY } });
  assert.equal(proxy.baseUrl, "https://dapp.example/api/ratio");
  assert.equal(endpoint(proxy, "/v1/auth/cryptoWallet:start"), "https://dapp.example/api/ratio/v1/auth/cryptoWallet:start");
  // JSON-able: no functions, nothing lost in a round trip.
  assert.deepEqual(JSON.parse(JSON.stringify(engineConfig(session))), engineConfig(session));
});

test("base_url_rules", () => {
  refused("{}", "baseUrl is required");
  refused('{"baseUrl":"api.ratio.me"}', "absolute http(s) URL");
  refused('{"baseUrl":"/v1"}', "absolute http(s) URL");
  refused('{"baseUrl":"ftp://api.ratio.me"}', "absolute http(s) URL");
  refused('{"baseUrl":"javascript:alert(1)"}', "absolute http(s) URL");
  refused('{"baseUrl":"https://api.ratio.me?x=1"}', "query or fragment");
  refused('{"baseUrl":"https://api.ratio.me/#top"}', "query or fragment");
  const message = refused('{"baseUrl":"https://user:pw@api.ratio.me"}', "user name or password");
  assert.ok(!message.includes("pw@"), message);
  refused('{"baseUrl":42}', "invalid RatioAuth options");
  assert.equal(config('{"baseUrl":"https://api.ratio.me"}').baseUrl, "https://api.ratio.me");
  assert.equal(config('{"baseUrl":"HTTPS://API.Ratio.me:443/"}').baseUrl, "https://api.ratio.me");
  // The echo is quoted as the engine's JSON writer quotes (exact message of check_base_url).
  assert.equal(refused('{"baseUrl":"api.ratio.me"}', ""), 'baseUrl must be an absolute http(s) URL, got "api.ratio.me"');
  // Not echoed when it may hold a credential.
  assert.equal(refused('{"baseUrl":"nope:pw@x"}', ""), "baseUrl must be an absolute http(s) URL, got a URL with credentials");
});

test("cleartext_http_only_to_loopback", () => {
  for (const base of ["http://localhost:8080", "http://127.0.0.1", "http://127.8.9.10:3000", "http://127.1", "http://[::1]:9000"]) {
    const checked = config(`{"baseUrl":"${base}"}`);
    assert.equal(checked.baseUrlIsLoopback, true, base);
  }
  for (const base of [
    "http://api.ratio.me",
    "http://192.168.1.20:8080",
    "http://localhost.evil.com",
    "http://127.0.0.1.evil.com",
    // A domain name to the URL parser (a `+` is no IPv4 digit), so not loopback.
    "http://127.0.0.+1",
    "http://127.+0.+0.+1",
    "http://128.0.0.1",
    "http://[::2]",
    "http://0.0.0.0",
  ]) {
    refused(`{"baseUrl":"${base}"}`, "cleartext http");
    refused(`{"baseUrl":"${base}","dangerouslyAllowInsecureHttp":false}`, "cleartext http");
    const checked = config(`{"baseUrl":"${base}","dangerouslyAllowInsecureHttp":true}`);
    assert.equal(checked.baseUrlIsLoopback, false, base);
  }
  assert.ok(config('{"baseUrl":"https://api.ratio.me"}'));
});

test("base_url_ending_in_slash_or_v1_gives_one_v1", () => {
  for (const [base, prefix] of [
    ["https://api.ratio.me", "https://api.ratio.me"],
    ["https://api.ratio.me/", "https://api.ratio.me"],
    ["https://api.ratio.me//", "https://api.ratio.me"],
    ["https://api.ratio.me/v1", "https://api.ratio.me"],
    ["https://api.ratio.me/v1/", "https://api.ratio.me"],
    ["https://api.ratio.me//v1//", "https://api.ratio.me"],
    ["https://proxy.example/ratio/v1/", "https://proxy.example/ratio"],
    ["https://proxy.example/ratio/", "https://proxy.example/ratio"],
    ["https://proxy.example/v10", "https://proxy.example/v10"],
  ]) {
    const checked = config(`{"baseUrl":"${base}"}`);
    assert.equal(checked.baseUrl, prefix, base);
    const url = endpoint(checked, "/v1/auth/cryptoWallet:start");
    assert.equal(url, `${prefix}/v1/auth/cryptoWallet:start`, base);
    assert.ok(!url.includes("/v1/v1") && !url.slice("https://".length).includes("//"), url);
  }
});

test("retry_timeout_and_storage_ranges", () => {
  const defaults = config('{"baseUrl":"https://api.ratio.me"}');
  assert.deepEqual(defaults.retry, { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30000, maxTotalMs: 120000 });
  assert.equal(httpTimeoutMs(defaults), DEFAULT_HTTP_TIMEOUT_MS);
  assert.equal(walletTimeoutMs(defaults), DEFAULT_WALLET_TIMEOUT_MS);
  assert.equal(DEFAULT_HTTP_TIMEOUT_MS, 15000);
  assert.equal(DEFAULT_WALLET_TIMEOUT_MS, 120000);
  assert.equal(defaults.timeoutMs, null);
  assert.equal(defaults.storage, "memory");

  const custom = config(
    '{"baseUrl":"https://api.ratio.me","retry":{"maxAttempts":3,"baseDelayMs":100,"maxDelayMs":1000,"maxTotalMs":5000},"timeoutMs":2500,"storage":"sessionStorage"}',
  );
  assert.deepEqual(custom.retry, { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxTotalMs: 5000 });
  assert.deepEqual(engineConfig(custom).retry, custom.retry);
  assert.deepEqual([httpTimeoutMs(custom), walletTimeoutMs(custom)], [2500, 2500]);
  assert.equal(custom.storage, "sessionStorage");

  for (const [json, fragment] of [
    ['"retry":{"maxAttempts":0}', "retry.maxAttempts"],
    ['"retry":{"maxAttempts":11}', "retry.maxAttempts"],
    ['"retry":{"maxAttempts":2.5}', "retry.maxAttempts"],
    ['"retry":{"baseDelayMs":-1}', "retry.baseDelayMs"],
    ['"retry":{"maxDelayMs":700000}', "retry.maxDelayMs"],
    ['"retry":{"maxTotalMs":1e12}', "retry.maxTotalMs"],
    ['"retry":{"baseDelayMs":5000,"maxDelayMs":1000}', "at least retry.baseDelayMs"],
    ['"retry":{"maxAttempt":3}', 'unknown option retry."maxAttempt"'],
    ['"timeoutMs":50', "timeoutMs"],
    ['"timeoutMs":600001', "timeoutMs"],
    ['"storage":"localStorage"', "not supported"],
    ['"storage":"cookies"', '"memory", "sessionStorage" or "none"'],
    ['"clientsecret":"typo"', 'unknown option "clientsecret"'],
  ]) {
    refused(`{"baseUrl":"https://api.ratio.me",${json}}`, fragment);
  }
  // The exact texts of the Rust.
  assert.equal(
    refused('{"baseUrl":"https://api.ratio.me","retry":{"baseDelayMs":5000,"maxDelayMs":1000}}', ""),
    "retry.maxDelayMs (1000) must be at least retry.baseDelayMs (5000)",
  );
  assert.equal(refused('{"baseUrl":"https://api.ratio.me","timeoutMs":50}', ""), "timeoutMs must be an integer from 100 to 600000");
  assert.equal(
    refused('{"baseUrl":"https://api.ratio.me","retry":{"maxAttempt":3}}', ""),
    'unknown option retry."maxAttempt"; known: maxAttempts, baseDelayMs, maxDelayMs, maxTotalMs',
  );
  // A non-finite number is no integer.
  configErrorOf(() => checkOptions({ baseUrl: "https://api.ratio.me", timeoutMs: NaN }), "NaN");
  configErrorOf(() => checkOptions({ baseUrl: "https://api.ratio.me", retry: { maxTotalMs: Infinity } }), "Infinity");
});

test("option_errors_never_echo_credentials", () => {
  const message = refused('{"baseUrl":"http://localhost","clientId":"id","clientSecret":"TopSecret99","retry":"TopSecret99"}', "retry must be an object");
  assert.ok(!message.includes("TopSecret99"), message);
  assert.equal(configErrorOf(() => checkOptions(undefined), "undefined").message, "RatioAuth options must be an object with at least baseUrl");
  configErrorOf(() => checkOptions("https://api.ratio.me"), "a string");
  // Neither a wrong type nor a refused value echoes what was given.
  for (const options of [
    { baseUrl: "https://api.ratio.me", clientSessionId: "TopSecret99\u0001" },
    { baseUrl: "https://api.ratio.me", clientId: "id", clientSecret: "TopSecret99" },
    { baseUrl: "https://api.ratio.me", clientSecret: "TopSecret99" },
    { baseUrl: "https://api.ratio.me", clientSecret: "TopSecret99", clientSessionId: "TopSecret99" },
  ]) {
    const error = configErrorOf(() => checkOptions(options), JSON.stringify(options));
    assert.ok(!error.message.includes("TopSecret99"), error.message);
  }
});

test("storage_none_is_accepted_and_allows_flow_storage", () => {
  const none = config('{"baseUrl":"https://api.ratio.me","storage":"none"}');
  assert.equal(none.storage, "none");
  assert.equal(none.flowStorage, false);
  // The caller keeps the final JWT: the saved flow may be in sessionStorage.
  const withFlow = config('{"baseUrl":"https://api.ratio.me","storage":"none","flowStorage":"sessionStorage"}');
  assert.deepEqual([withFlow.storage, withFlow.flowStorage], ["none", true]);
  const session = config('{"baseUrl":"https://api.ratio.me","storage":"sessionStorage","flowStorage":"sessionStorage"}');
  assert.equal(session.flowStorage, true);
  // "memory" still refuses it (explicitly or by default), and unknown values stay errors.
  for (const storage of ['"storage":"memory",', ""]) {
    refused(`{"baseUrl":"https://api.ratio.me",${storage}"flowStorage":"sessionStorage"}`, 'needs storage "sessionStorage" or "none"');
  }
  refused('{"baseUrl":"https://api.ratio.me","storage":"None"}', "storage must be");
  refused('{"baseUrl":"https://api.ratio.me","storage":"none","flowStorage":"localStorage"}', "flowStorage must be");
});

test("what index.js passes on (storage none) is checked like the wasm checks it", () => {
  // index.js strips `storage` and passes "none": every other rule still applies.
  const checked = checkOptions({ baseUrl: "https://api.ratio.me/v1/", flowStorage: "sessionStorage", storage: "none", timeoutMs: 1000 });
  assert.deepEqual(checked, {
    baseUrl: "https://api.ratio.me",
    baseUrlIsLoopback: false,
    credentials: { kind: "proxy" },
    deviceFingerprint: null,
    retry: { ...DEFAULT_RETRY },
    timeoutMs: 1000,
    storage: "none",
    flowStorage: true,
  });
  refused('{"baseUrl":"https://api.ratio.me","storage":"none","flowStorage":"cookies"}', 'flowStorage must be "none" or "sessionStorage"');
});

test("order of the checks and Rust string semantics", () => {
  // Unknown keys first, before any value is read.
  refused('{"baseUrl":42,"bogus":1}', 'unknown option "bogus"');
  // retry is read before the other values.
  refused('{"baseUrl":42,"retry":1}', "retry must be an object");
  // A function is not an object, for the options and for retry.
  configErrorOf(() => checkOptions(() => {}), "function options");
  refused2({ baseUrl: "https://api.ratio.me", retry: () => {} }, "invalid RatioAuth options: retry must be an object");
  // A String object is not a string; a Boolean object is not a boolean.
  refused2({ baseUrl: new String("https://api.ratio.me") }, "invalid RatioAuth options: baseUrl must be a string");
  refused2({ baseUrl: "https://api.ratio.me", dangerouslyAllowInsecureHttp: new Boolean(true) }, "dangerouslyAllowInsecureHttp must be a boolean");
  // null is absent.
  assert.equal(checkOptions({ baseUrl: "https://api.ratio.me", retry: null, timeoutMs: null, storage: null }).storage, "memory");
  // Rust's trim: U+FEFF is not white space there (so not "empty" but not ASCII), U+0085 is.
  refused2({ baseUrl: "https://api.ratio.me", clientSessionId: "\uFEFF" }, "clientSessionId must be printable ASCII");
  refused2({ baseUrl: "https://api.ratio.me", clientSessionId: "\u0085" }, "clientSessionId must not be empty");
  assert.equal(checkOptions({ baseUrl: "\u0085https://api.ratio.me " }).baseUrl, "https://api.ratio.me");
  // Keys are quoted as the engine's JSON writer does (\b as \u0008, not JSON.stringify's \b).
  assert.equal(
    refused2({ baseUrl: "https://api.ratio.me", "a\bb": 1 }, "unknown option"),
    `unknown option "a\\u0008b"; known: baseUrl, clientId, clientSecret, clientSessionId, dangerouslyAllowClientSecretInBrowser, dangerouslyAllowInsecureHttp, deviceFingerprint, retry, timeoutMs, storage, flowStorage`,
  );
  // -0 is the integer 0.
  assert.equal(Object.is(checkOptions({ baseUrl: "https://api.ratio.me", retry: { baseDelayMs: -0 } }).retry.baseDelayMs, 0), true);
  // A JWT-shaped text in a message is masked, as RatioAuthError::new does.
  const jwtPath = "http://api.example/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  const masked = refused2({ baseUrl: jwtPath }, "cleartext http");
  assert.ok(!masked.includes("eyJzdWIiOiJ4In0") && masked.includes("http://api.example/***"), masked);
});

function refused2(options, fragment) {
  const error = configErrorOf(() => checkOptions(options), fragment);
  assert.ok(error.message.includes(fragment), `${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
  return error.message;
}

// --- hostile values (tests/web_hostile.rs: hostile_constructor_options_give_config_errors) -------

test("hostile_constructor_options_give_config_errors", () => {
  const cases = hostileOptions("http://127.0.0.1:8787");
  assert.ok(cases.length > 60);
  for (const [label, options, expected] of cases) {
    if (expected === "ok") {
      assert.equal(checkOptions(options).credentials.kind, "clientSecret", label);
      continue;
    }
    const error = configErrorOf(() => checkOptions(options), label);
    assert.equal(error.kind, expected, label);
    assert.ok(!error.message.includes(CLIENT_SECRET), `${label}: the secret in ${error.message}`);
  }
  // The messages say which read failed.
  assert.equal(
    configErrorOf(() => checkOptions(hostileOptions("http://127.0.0.1")[0][1]), "get").message,
    "invalid RatioAuth options: reading retry threw",
  );
  assert.equal(
    configErrorOf(() => checkOptions(trapProxy({ baseUrl: "x" }, ["ownKeys"])), "ownKeys").message,
    "the RatioAuth options could not be read (listing their keys threw)",
  );
  assert.equal(
    configErrorOf(() => checkOptions({ baseUrl: "x", retry: revoked() }), "retry revoked").message,
    "the retry options could not be read (listing their keys threw)",
  );
  assert.equal(
    configErrorOf(() => checkOptions(Object.assign(Object.create(throwingGetter({}, "timeoutMs")), { baseUrl: "x" })), "inherited").message,
    "invalid RatioAuth options: reading timeoutMs threw",
  );
  // Afterwards the module still works.
  assert.equal(checkOptions({ baseUrl: "http://127.0.0.1:8787", clientId: "sandbox", clientSecret: CLIENT_SECRET }).baseUrlIsLoopback, true);
});
