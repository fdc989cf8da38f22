// The npm package outside a browser: the tarball's contents and manifest (what `npm publish`
// would upload), the installed package under plain Node (server-side rendering imports it), and
// its types: tsc --noEmit on tests/consumers/types/ against the INSTALLED index.d.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { CONSUMERS, ROOT, installTarball, run, tarballPath } from "./harness.mjs";

const tgz = () => tarballPath();
const listing = async () => (await run("tar", ["-tzf", tgz()])).stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
const fromTarball = async (file) => (await run("tar", ["-xzOf", tgz(), `package/${file}`], { maxBuffer: 64 * 1024 * 1024 })).stdout;

/** Every condition object of an exports map lists "types" first (TypeScript reads them in order). */
function checkTypesFirst(exportsMap, where = "exports") {
  for (const [key, value] of Object.entries(exportsMap)) {
    if (typeof value !== "object" || value === null) continue;
    const conditions = Object.keys(value);
    if (conditions.some((c) => c.startsWith("."))) {
      checkTypesFirst(value, `${where}["${key}"]`);
      continue;
    }
    assert.equal(conditions[0], "types", `${where}["${key}"] lists "types" first: ${conditions}`);
    for (const [condition, target] of Object.entries(value)) {
      if (typeof target === "object" && target !== null) checkTypesFirst({ [condition]: target }, `${where}["${key}"]`);
    }
  }
}

test("the tarball: manifest fields, licences, README and changelog, and no stray files", async () => {
  const manifest = JSON.parse(await fromTarball("package.json"));
  assert.equal(manifest.name, "ratio-auth");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.license, "MIT OR Apache-2.0");
  assert.equal(manifest.module, "./index.js");
  assert.equal(manifest.types, "./index.d.ts");
  assert.equal(manifest.sideEffects, false);
  assert.ok(Array.isArray(manifest.keywords) && manifest.keywords.length > 0 && manifest.keywords.every((k) => typeof k === "string"), "keywords");
  assert.match(manifest.homepage, /^https:\/\//, "homepage");
  assert.match(manifest.bugs?.url ?? "", /^https:\/\/.*\/issues$/, "bugs.url");
  assert.equal(manifest.repository?.type, "git");
  assert.match(manifest.repository?.url ?? "", /^git\+https:\/\/.*\.git$/, "repository.url");
  assert.deepEqual(manifest.exports["."], { types: "./index.d.ts", default: "./index.js" });
  checkTypesFirst(manifest.exports);
  assert.ok(Array.isArray(manifest.files), "files is a list");
  assert.equal(manifest.private, undefined, "not private (it is published)");
  assert.equal(manifest.scripts, undefined, "no install scripts run in the apps that install it");
  assert.equal(manifest.dependencies, undefined, "no runtime dependencies");

  const files = await listing();
  // Exactly what "files" names, plus the manifest: no sources, no glue types, no maps.
  assert.deepEqual([...files].sort(), ["package.json", ...manifest.files].sort());
  assert.deepEqual(files.filter((f) => f.startsWith("wasm/")).sort(), ["wasm/ratio_auth.js", "wasm/ratio_auth_bg.wasm"]);
  assert.deepEqual(files.filter((f) => /\.(ts|rs|map|toml|lock)$/.test(f) && !/^(index|react)\.d\.ts$/.test(f)), [], "no sources, maps or glue .d.ts");
  const targets = (value) => (typeof value === "string" ? [value] : Object.values(value).flatMap(targets));
  for (const target of targets(manifest.exports)) {
    assert.ok(files.includes(target.replace(/^\.\//, "")), `the exports map's ${target} is in the tarball`);
  }

  assert.match(await fromTarball("LICENSE-MIT"), /^MIT License/);
  assert.match(await fromTarball("LICENSE-APACHE"), /Apache License\s+Version 2\.0/);
  assert.match(await fromTarball("README.md"), /^# ratio-auth/);
  assert.match(await fromTarball("CHANGELOG.md"), /^# Changelog/);
  const types = await fromTarball("index.d.ts");
  assert.doesNotMatch(types, /InitOutput/, "the d.ts says nothing of the wasm glue's InitOutput");
  assert.doesNotMatch(types, /\bfree\(\)\s*:/, "nor of free()");
});

test("plain Node (server-side rendering): the installed package imports, constructs, and its calls reject as unsupportedEnvironment", async (t) => {
  const dir = path.join(CONSUMERS, "node");
  await installTarball(dir);
  const { stdout } = await run(process.execPath, ["check.mjs"], { cwd: dir });
  const report = JSON.parse(stdout);
  assert.deepEqual(report.exports, ["RatioAuth", "RatioAuthErrorKinds", "discoverWallets", "init", "isRatioAuthError", "watchWallets"]);
  assert.equal(report.constructed, true);
  assert.deepEqual(report.apiCalls, ["createUser", "emailAuthenticate", "emailSend", "getUser", "smsAuthenticate", "smsSend", "walletAddToUser", "walletAuthenticate", "walletStart"]);
  for (const call of ["signIn", "session", "init", "ready"]) {
    const { shortMessage, ...rest } = report[call];
    assert.deepEqual(rest, { isRatioAuthError: true, isError: true, name: "RatioAuthError", kind: "config", reason: "unsupportedEnvironment" }, `${call}() rejects: ${JSON.stringify(report[call])}`);
    assert.match(shortMessage, /browser/);
  }
  assert.deepEqual(report.discoverWallets, []);
  assert.deepEqual(report.watchWallets, { returnsFunction: true, calledBack: false });
  assert.equal(report.kinds.length, 15);

  await t.test("ratio-auth/react under plain Node", (sub) => {
    if (report.react === null) {
      sub.skip("the package has no react.js yet: nothing to import");
      return;
    }
    assert.equal(report.react.importFailed, undefined, "react.js is in the package, so ratio-auth/react must import");
    assert.ok(report.react.exports.length > 0, `ratio-auth/react exports something: ${report.react.exports}`);
  });
});

test("types: tsc --noEmit on tests/consumers/types against the installed index.d.ts (bundler and NodeNext resolution; viem, wagmi and ethers providers)", async () => {
  const dir = path.join(CONSUMERS, "types");
  const installed = await installTarball(dir);
  assert.doesNotMatch(readFileSync(path.join(installed, "index.d.ts"), "utf8"), /InitOutput/);
  const { stdout: version } = await run(path.join(ROOT, "node_modules/.bin/tsc"), ["--version"]);
  assert.match(version, /Version 7\./, `TypeScript 7 expected: ${version}`);
  for (const config of ["tsconfig.json", "tsconfig.nodenext.json", "tsconfig.wallets.json"]) {
    const text = readFileSync(path.join(dir, config), "utf8");
    assert.doesNotMatch(text, /"paths"|pkg\//, `${config} resolves ratio-auth from node_modules, as an app does`);
    try {
      await run(path.join(ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", config], { cwd: dir });
    } catch (error) {
      assert.fail(`tsc -p ${config} failed:\n${error.stdout}${error.stderr}`);
    }
  }
});

test("scripts/publish refuses to run without --dry-run (it never publishes)", async () => {
  for (const args of [[], ["--skip-build"]]) {
    const outcome = await run(path.join(ROOT, "scripts/publish"), args, { cwd: ROOT }).then(
      () => ({ code: 0 }),
      (error) => ({ code: error.code, stderr: error.stderr }),
    );
    assert.equal(outcome.code, 2, `scripts/publish ${args.join(" ")} exits 2`);
    assert.match(outcome.stderr, /pass --dry-run/);
  }
});
