// Bundles the built CLI (dist/src, after `tsc`, the Chevrotain bundle and the grammar serialization)
// for bin/marginbook.js. Run by `npm run build`. Two outputs:
//
// 1. dist/cli/*.js: every command, as a few ES modules (esbuild's code splitting keeps each
//    command's `import()` lazy). Loading the CLI as some 60 small modules cost tens of milliseconds
//    of resolving and compiling at each start. The grammar (dist/grammar/*.js) stays outside: its
//    serialized self-analysis is guarded by a fingerprint of the parser's rule text
//    (grammar/grammar-cache.ts), which rewriting the parser changes. Packages stay external.
//
// 2. dist/cli/check.vm.js and dist/cli/check.vm.cache: `marginbook check` as ONE script (the CLI's
//    main module, the check command, the front end, the grammar, Chevrotain and decimal.js; the other
//    commands' modules left out) and V8's code cache for it. bin/marginbook.js runs it through
//    `vm.Script` with the cache, so V8 neither parses nor compiles what the cache holds (Node 20 has
//    no compile cache for ES modules). The cache is made here by checking a rulebook, so it holds
//    the functions a check runs; V8 rejects a cache made by another V8 version or flags, and the
//    script is then compiled as usual. The grammar is inside this script, so its serialized
//    self-analysis is made from the script's own parser: a first build with none, asked for it,
//    then the final build with it, checked to start from it.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { build } from "esbuild";

const root = process.cwd();
const grammar = path.join(root, "dist/grammar");
const cliDir = path.join(root, "dist/cli");

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
};

/** Resolves imports of dist/grammar/*.js to those files, as externals seen from dist/cli/. */
const grammarOutside = {
  name: "grammar-outside",
  setup(b) {
    b.onResolve({ filter: /grammar\/[\w-]+\.js$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (path.dirname(target) !== grammar) return undefined;
      return { path: `../grammar/${path.basename(target)}`, external: true };
    });
  },
};

// 1. Every command, split. The impact worker is an entry of its own: src/cli/impact.ts starts
// `./impact-worker.js` next to the module that calls it, which here is dist/cli/.
await build({
  ...common,
  entryPoints: { main: "dist/src/cli/main.js", "impact-worker": "dist/src/cli/impact-worker.js" },
  outdir: cliDir,
  splitting: true,
  format: "esm",
  packages: "external",
  plugins: [grammarOutside],
  banner: { js: "// marginbook's CLI, bundled by scripts/bundle-cli.mjs from dist/src. Do not edit." },
});

// 2. The check script.
const SCRIPT = path.join(cliDir, "check.vm.js");
const CACHE = path.join(cliDir, "check.vm.cache");
/** The parameters bin/marginbook.js passes to the script's function. */
const PARAMS = "exports, require, module, __filename, __dirname, __mbImportMetaUrl";

/**
 * The command modules main.js imports lazily, except check: left out of the script (as imports
 * that never run, since bin/marginbook.js runs the script for `check` only).
 */
const otherCommandsOut = {
  name: "other-commands-out",
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
      args.kind !== "dynamic-import" || args.path === "./check.js"
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** Supplies the serialized grammar: `data` (undefined in the first build). */
const serializedGrammar = (data) => ({
  name: "serialized-grammar",
  setup(b) {
    b.onResolve({ filter: /serialized-grammar\.js$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path),
      namespace: "serialized-grammar",
    }));
    b.onLoad({ filter: /.*/, namespace: "serialized-grammar" }, () => ({
      contents:
        data === undefined
          ? "export const serializedGrammar = undefined;"
          : `export const serializedGrammar = JSON.parse(${JSON.stringify(JSON.stringify(data))});`,
      loader: "js",
    }));
  },
});

async function buildScript(data) {
  const result = await build({
    ...common,
    stdin: {
      contents: [
        'export { main, runCli } from "./dist/src/cli/main.js";',
        'export { MarginbookParser, parser } from "./dist/grammar/parser.js";',
        'export { marginbookLexer } from "./dist/grammar/tokens.js";',
        'export { lexerFromCache } from "./dist/grammar/lexer-cache.js";',
      ].join("\n"),
      resolveDir: root,
      loader: "js",
    },
    format: "cjs",
    write: false,
    define: { "import.meta.url": "__mbImportMetaUrl" },
    plugins: [otherCommandsOut, serializedGrammar(data)],
  });
  const code = result.outputFiles[0].text;
  const text = [
    `(function (${PARAMS}) {`,
    '"use strict";',
    "// marginbook check, one script bundled by scripts/bundle-cli.mjs (run by bin/marginbook.js). Do not edit.",
    code,
    "})",
    "",
  ].join("\n");
  writeFileSync(SCRIPT, text);
  return text;
}

/** Runs the script as bin/marginbook.js does; returns its exports and the compiled script. */
function load(text) {
  const script = new vm.Script(text, { filename: SCRIPT });
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(SCRIPT),
    module,
    SCRIPT,
    cliDir,
    pathToFileURL(SCRIPT).href,
  );
  return { exports: module.exports, script };
}

const first = load(await buildScript(undefined));
const data = new first.exports.MarginbookParser({ serialized: null }).serialize();
const final = load(await buildScript(data));
if (!final.exports.parser.fromCache)
  throw new Error(
    "bundle-cli: the check script's parser does not start from its serialized grammar (fingerprint differs)",
  );
if (!final.exports.lexerFromCache(final.exports.marginbookLexer))
  throw new Error("bundle-cli: the check script's lexer does not start from its serialized analysis");
// Check a rulebook through the CLI, output discarded, so that the cache holds what a check compiles.
const io = { stdout() {}, stderr() {}, cwd: root, color: false };
const code = await final.exports.runCli(["check", "rules/binance-btcusdt-perp.margin"], io);
if (code !== 0) throw new Error(`bundle-cli: checking the sample rulebook with the script exited ${code}`);
writeFileSync(CACHE, final.script.createCachedData());
// Make sure the cache is accepted by this Node (it is made and read alike).
const again = new vm.Script(readFileSync(SCRIPT, "utf8"), {
  filename: SCRIPT,
  cachedData: readFileSync(CACHE),
});
if (again.cachedDataRejected) throw new Error("bundle-cli: V8 rejected the code cache it just made");
