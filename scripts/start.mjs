#!/usr/bin/env node
/**
 * `npm start`: builds only what changed, with progress, then serves the studio.
 *
 * 1. TypeScript (src/, grammar/ -> dist/): skipped when no source is newer than the last build
 *    (`npm run build`, whose last step writes dist/cli/main.js, or this script's dist/.build-stamp);
 *    otherwise every step of `npm run build`: removing its last output, `tsc -p .`, the CommonJS and
 *    ESM bundles, the Chevrotain bundle, the serialized grammar and the bundled CLI.
 * 2. The editor (editor/ and the src/ it bundles -> dist/editor): skipped when no source is newer
 *    than dist/editor/index.html; otherwise `vite build`.
 * 3. `marginbook studio` on the folder given (default rules/), with the other arguments (`--open`,
 *    `--port N`): a stable port by default.
 */
import { spawnSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

/** The newest modification time under `paths` (files ending in one of `extensions`), and that file. */
function newest(paths, extensions) {
  let best = { time: 0, file: "" };
  const visit = (p) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(p))
        if (entry !== "node_modules" && !entry.startsWith(".")) visit(path.join(p, entry));
    } else if (extensions.some((e) => p.endsWith(e)) && stat.mtimeMs > best.time)
      best = { time: stat.mtimeMs, file: p };
  };
  for (const p of paths) visit(path.join(root, p));
  return best;
}

function timeOf(file) {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

function run(step, label, command, args) {
  const started = Date.now();
  process.stderr.write(`[${step}/3] ${label} ...\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`npm start: ${label} failed\n`);
    process.exit(result.status ?? 1);
  }
  process.stderr.write(`[${step}/3] ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const stamp = path.join(root, "dist", ".build-stamp");
const sources = newest(["src", "grammar", "tsconfig.json", "package.json"], [".ts", ".json"]);
const built = Math.max(timeOf(stamp), timeOf(path.join(root, "dist", "cli", "main.js")));
if (sources.time > built || !existsSync(path.join(root, "dist", "src", "cli", "main.js"))) {
  run(1, "removing the last build's files", process.execPath, ["scripts/clean-dist.mjs"]);
  run(1, `compiling TypeScript (newest change: ${path.relative(root, sources.file)})`, bin("tsc"), [
    "-p",
    ".",
  ]);
  // As `npm run build` does after tsc (see its steps in package.json).
  run(1, "bundling the runtime (CommonJS and ESM)", process.execPath, ["scripts/build-cjs.mjs"]);
  run(1, "bundling Chevrotain", process.execPath, ["scripts/bundle-chevrotain.mjs"]);
  run(1, "serializing the grammar", process.execPath, ["scripts/serialize-grammar.mjs"]);
  run(1, "bundling the CLI", process.execPath, ["scripts/bundle-cli.mjs"]);
  writeFileSync(stamp, new Date().toISOString() + "\n");
} else process.stderr.write("[1/3] TypeScript: up to date, skipped\n");

const editorIndex = path.join(root, "dist", "editor", "index.html");
const editorSources = newest(["editor", "src", "grammar", "package.json"], [".ts", ".css", ".html", ".json"]);
if (editorSources.time > timeOf(editorIndex)) {
  run(2, `building the editor (newest change: ${path.relative(root, editorSources.file)})`, bin("vite"), [
    "build",
    "--config",
    "editor/vite.config.ts",
    "--logLevel",
    "warn",
  ]);
} else process.stderr.write("[2/3] editor: up to date, skipped\n");

const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith("-") && args[i - 1] !== "--port");
const folder = positional.length > 0 ? [] : ["rules/"];
process.stderr.write("[3/3] starting the studio\n");
const child = spawn(
  process.execPath,
  [path.join(root, "bin", "marginbook.js"), "studio", ...folder, ...args],
  { cwd: process.cwd(), stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
