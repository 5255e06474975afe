#!/usr/bin/env node
// The `marginbook` executable: a shim over the built CLI in dist/cli/ (`npm ci` builds it through
// `prepare`; scripts/bundle-cli.mjs says what is there).
//
// `marginbook check` runs dist/cli/check.vm.js, one script holding all that `check` needs, through
// `vm.Script` with V8's code cache made at build time (dist/cli/check.vm.cache): Node 20 has no
// compile cache for ES modules, and compiling the front end was a third of the command's start-up.
// A missing or rejected cache only costs the compilation. Every other command loads dist/cli/main.js.
// After a bare `tsc` (dist/src newer than dist/cli), the CLI runs from dist/src/cli/main.js instead.
import { existsSync, readFileSync, statSync } from "node:fs";

const cliDir = new URL("../dist/cli/", import.meta.url);
const unbundled = new URL("../dist/src/cli/main.js", import.meta.url);

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
    return compiled > statSync(new URL("main.js", cliDir)).mtimeMs;
  } catch {
    return true;
  }
}

/** Runs the check script; undefined when it is not built (the ES modules then run `check`). */
async function checkScript() {
  const file = new URL("check.vm.js", cliDir);
  if (!existsSync(file)) return undefined;
  const [{ createRequire }, { fileURLToPath }, vm] = await Promise.all([
    import("node:module"),
    import("node:url"),
    import("node:vm"),
  ]);
  const filename = fileURLToPath(file);
  let cachedData;
  try {
    cachedData = readFileSync(new URL("check.vm.cache", cliDir));
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(readFileSync(file, "utf8"), { filename, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(filename),
    module,
    filename,
    fileURLToPath(cliDir),
    file.href,
  );
  return module.exports;
}

let cli;
try {
  if (useUnbundled()) cli = await import(unbundled.href);
  else cli = (process.argv[2] === "check" && (await checkScript())) || (await import("../dist/cli/main.js"));
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && /dist[\\/]cli[\\/]main\.js/.test(String(error.message))) {
    console.error("marginbook: the CLI is not built yet: run `npm run build` (or `npm ci`) first");
    process.exit(2);
  }
  throw error;
}
await cli.main();
