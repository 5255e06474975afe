#!/usr/bin/env node
// The `marginbook` executable: a shim over the built CLI in dist/ (`npm ci` builds it through `prepare`).
let cli;
try {
  cli = await import("../dist/src/cli/main.js");
} catch (error) {
  if (
    error?.code === "ERR_MODULE_NOT_FOUND" &&
    /dist[\\/]src[\\/]cli[\\/]main\.js/.test(String(error.message))
  ) {
    console.error("marginbook: the CLI is not built yet: run `npm run build` (or `npm ci`) first");
    process.exit(2);
  }
  throw error;
}
await cli.main();
