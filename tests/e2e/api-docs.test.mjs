// npm/API.md, the API reference, against the types it is generated from: the committed file is
// what `scripts/api-docs` writes now, and every export of npm/index.d.ts (and npm/react.d.ts
// when present) and of the JS entries has its section, with its doc comment. The exports are
// found here with a regular expression of their own, not with the generator's scanner, so a
// declaration the generator skips shows up as missing. No browser, no sandbox, no wasm:
// `node --test tests/e2e/api-docs.test.mjs`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const API_MD = path.join(ROOT, "npm/API.md");
const MODULES = [
  { dts: "npm/index.d.ts", js: "npm/index.js", module: "ratio-auth" },
  { dts: "npm/react.d.ts", js: "npm/react.js", module: "ratio-auth/react" },
].filter((m) => existsSync(path.join(ROOT, m.dts)));

/** Exported names of a .d.ts, each with the doc comment right above it (or null). */
function exportsOf(source) {
  const found = [];
  const declaration =
    /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?^export\s+(?:declare\s+)?(?:abstract\s+)?(?:type|interface|class|function|const|let|var|enum|namespace)\s+([A-Za-z_$][\w$]*)/gm;
  for (const match of source.matchAll(declaration)) {
    if (!found.some((f) => f.name === match[2])) found.push({ name: match[2], doc: match[1] ?? null });
  }
  for (const match of source.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from/gm)) {
    for (const part of match[1].split(",")) {
      const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop().trim();
      if (name) found.push({ name, doc: null });
    }
  }
  return found;
}

/** The section of `name` in `module`'s part of API.md, or null. */
function sectionOf(markdown, module, name) {
  const moduleStart = markdown.indexOf(`\n## \`${module}\`\n`);
  if (moduleStart === -1) return null;
  const moduleEnd = markdown.indexOf("\n## ", moduleStart + 1);
  const part = markdown.slice(moduleStart, moduleEnd === -1 ? undefined : moduleEnd);
  const start = part.indexOf(`\n### \`${name}\`\n`);
  if (start === -1) return null;
  const end = part.indexOf("\n### ", start + 1);
  return part.slice(start, end === -1 ? undefined : end);
}

/** The doc comment's words, without the comment's markup and Markdown's backticks. */
const words = (doc) =>
  doc
    .trim()
    .replace(/^\/\*\*|\*\/$/g, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, ""))
    .join(" ")
    .replace(/[`\s]+/g, " ")
    .trim();

const markdownWords = (section) => section.replace(/\[(`[^`]*`)\]\([^)]*\)/g, "$1").replace(/[`\s]+/g, " ");

test("npm/API.md is what scripts/api-docs generates from the .d.ts files now", async () => {
  assert.ok(existsSync(API_MD), "npm/API.md is committed");
  const { stdout } = await run(process.execPath, [path.join(ROOT, "scripts/api-docs"), "--stdout"], { cwd: ROOT, maxBuffer: 16 << 20 });
  const committed = readFileSync(API_MD, "utf8");
  if (stdout !== committed) {
    const a = stdout.split("\n");
    const b = committed.split("\n");
    const line = a.findIndex((text, n) => text !== b[n]);
    assert.fail(
      `npm/API.md is out of date (run scripts/api-docs); first difference at line ${line + 1}:\n` +
        `  generated: ${a[line]}\n  committed: ${b[line]}`,
    );
  }
  // And --check agrees.
  await run(process.execPath, [path.join(ROOT, "scripts/api-docs"), "--check"], { cwd: ROOT });
});

test("every export of the .d.ts files has its section in npm/API.md, with its doc comment", () => {
  const markdown = readFileSync(API_MD, "utf8");
  assert.ok(MODULES.length >= 1);
  for (const { dts, module } of MODULES) {
    const exported = exportsOf(readFileSync(path.join(ROOT, dts), "utf8"));
    assert.ok(exported.length > 10 || module !== "ratio-auth", `${dts}: the exports were found (${exported.length})`);
    for (const { name, doc } of exported) {
      const section = sectionOf(markdown, module, name);
      assert.ok(section, `${module}: ${name} (exported by ${dts}) has no section in npm/API.md`);
      if (doc) {
        assert.ok(
          markdownWords(section).includes(words(doc)),
          `${module}: the section of ${name} lacks its doc comment: ${words(doc).slice(0, 80)}`,
        );
      }
    }
  }
});

test("every runtime export of the JS entries is declared and documented", async () => {
  const markdown = readFileSync(API_MD, "utf8");
  for (const { js, module } of MODULES) {
    if (!existsSync(path.join(ROOT, js))) continue;
    // Importing the entries is safe under Node (the wasm loads on first use, in a browser).
    let namespace;
    try {
      namespace = await import(path.join(ROOT, js));
    } catch (error) {
      // react.js needs react, which an app brings; the root's devDependencies have it.
      assert.fail(`${js} could not be imported under Node: ${error}`);
    }
    const names = Object.keys(namespace).filter((name) => name !== "default");
    assert.ok(names.length > 0, `${js} exports something`);
    for (const name of names) {
      assert.ok(sectionOf(markdown, module, name), `${module}: the runtime export ${name} of ${js} is not in npm/API.md`);
    }
  }
});

test("the members of interfaces and classes are listed, each with its doc comment", () => {
  const markdown = readFileSync(API_MD, "utf8");
  const source = readFileSync(path.join(ROOT, "npm/index.d.ts"), "utf8");
  // A few members the reference must show, taken from different declarations.
  for (const [owner, member] of [
    ["RatioAuthOptions", "clientSessionId?: string"],
    ["RatioAuthOptions", 'flowStorage?: "none" | "sessionStorage"'],
    ["RatioAuth", "onSessionChange(callback: (change: RatioAuthSessionChange) => void): () => void"],
    ["RatioApi", "getUser(userId: string, options?: RatioApiCallOptions): Promise<RatioApiUser>"],
    ["RatioAuthStorageAdapter", "shared?: boolean"],
  ]) {
    assert.ok(source.includes(member), `index.d.ts still declares ${owner}.${member} (update this test otherwise)`);
    const section = sectionOf(markdown, "ratio-auth", owner);
    assert.ok(section?.includes(`- \`${member}\``), `${owner} lists ${member}`);
  }
  // Each member doc comment of an interface reaches the reference.
  const docs = [...source.matchAll(/^ {2}\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*(?:readonly\s+)?[A-Za-z_$]/gm)].map((m) => words(`/**${m[1]}*/`));
  assert.ok(docs.length > 40, `member doc comments found: ${docs.length}`);
  const all = markdownWords(markdown);
  for (const doc of docs) assert.ok(all.includes(doc), `a member doc comment is missing from npm/API.md: ${doc.slice(0, 80)}`);
});
