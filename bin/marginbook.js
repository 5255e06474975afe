#!/usr/bin/env node
// The `marginbook` executable: a shim over the built CLI in dist/cli/ (`npm ci` builds it through
// `prepare`; scripts/bundle-cli.mjs says what is there).
//
// `marginbook check` runs dist/cli/check.vm.js, one script holding all that `check` needs, through
// `vm.Script` with V8's code cache made at build time (dist/cli/check.vm.cache): Node 20 has no
// compile cache for ES modules, and compiling the front end was a third of the command's start-up.
// A missing or rejected cache only costs the compilation. Every other command loads dist/cli/main.js.
// After a bare `tsc` (dist/src newer than dist/cli), the CLI runs from dist/src/cli/main.js instead.
//
// This file is CommonJS (bin/package.json says so): an ES module entry makes Node set up its ES
// module loader before anything runs, a few milliseconds of every command that `check`, which loads
// no ES module, does not need. The other commands load theirs with `import()`.
"use strict";
const { existsSync, readFileSync, statSync } = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const cliDir = path.join(__dirname, "..", "dist", "cli");
const unbundled = path.join(__dirname, "..", "dist", "src", "cli", "main.js");

/**
 * Whether to run the CLI from dist/src/ as `tsc` compiled it rather than from the bundle: when
 * dist/cli/ is missing or older than dist/src/ (`tsc` ran after the last `npm run build`, and the
 * bundle would run the code from before).
 */
function useUnbundled() {
  let compiled;
  try {
    compiled = statSync(unbundled).mtimeMs;
  } catch {
    return false;
  }
  try {
    return compiled > statSync(path.join(cliDir, "main.js")).mtimeMs;
  } catch {
    return true;
  }
}

/** Runs the check script; undefined when it is not built (the ES modules then run `check`). */
function checkScript() {
  const filename = path.join(cliDir, "check.vm.js");
  if (!existsSync(filename)) return undefined;
  const vm = require("node:vm");
  const { createRequire } = require("node:module");
  let cachedData;
  try {
    cachedData = readFileSync(path.join(cliDir, "check.vm.cache"));
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(readFileSync(filename, "utf8"), { filename, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(filename),
    module,
    filename,
    cliDir,
    pathToFileURL(filename).href,
  );
  return module.exports;
}

async function run() {
  let cli;
  try {
    if (useUnbundled()) cli = await import(pathToFileURL(unbundled).href);
    else
      cli =
        (process.argv[2] === "check" && checkScript()) ||
        (await import(pathToFileURL(path.join(cliDir, "main.js")).href));
  } catch (error) {
    if (error?.code === "ERR_MODULE_NOT_FOUND" && /dist[\\/]cli[\\/]main\.js/.test(String(error.message))) {
      console.error("marginbook: the CLI is not built yet: run `npm run build` (or `npm ci`) first");
      process.exit(2);
    }
    throw error;
  }
  await cli.main();
}

run().catch((error) => {
  // What an ES module entry did with a rejected top-level await: print it, exit 1.
  console.error(error);
  process.exitCode = 1;
});
