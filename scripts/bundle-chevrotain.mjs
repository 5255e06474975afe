// Replaces dist/grammar/chevrotain.js (a re-export of the "chevrotain" package) with one esbuild
// bundle of the same exports: the package's entry is hundreds of small ES modules whose loading
// dominated the CLI's start-up. Run by `npm run build` after `tsc`; see grammar/chevrotain.ts.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

/** The values grammar/chevrotain.ts re-exports from "chevrotain" (its first `export { ... }`). */
function exportedNames() {
  const source = readFileSync("grammar/chevrotain.ts", "utf8");
  const list = /export \{([^}]*)\} from "chevrotain"/.exec(source);
  if (!list) throw new Error('grammar/chevrotain.ts has no `export { ... } from "chevrotain"`');
  return list[1]
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

await build({
  stdin: {
    // The same names as grammar/chevrotain.ts exports (its export list, read from the file).
    contents: `export { ${exportedNames().join(", ")} } from "chevrotain";\n`,
    resolveDir: process.cwd(),
    loader: "js",
  },
  outfile: "dist/grammar/chevrotain.js",
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  legalComments: "eof",
  banner: { js: "// Chevrotain (Apache-2.0), bundled by scripts/bundle-chevrotain.mjs. Do not edit." },
});
