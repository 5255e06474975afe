// Replaces dist/grammar/chevrotain.js (a re-export of the "chevrotain" package) with one esbuild
// bundle of the same exports: the package's entry is hundreds of small ES modules whose loading
// dominated the CLI's start-up. Run by `npm run build` after `tsc`; see grammar/chevrotain.ts.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

/**
 * One change to Chevrotain's code, at its own suggestion ("TODO: Perhaps it should be lazy
 * initialized", lib/src/scan/lexer.js): the lexer's first-character buckets come from a table of
 * all 65,536 UTF-16 code units, `i > 255 ? 255 + ~~(i / 255) : i`, filled at every start (about 3 ms,
 * a third of building our lexer). The bundle computes that value when it is asked for instead: the
 * same number for every code unit, and rulebooks are almost all ASCII (below 256 the index is the
 * code itself, as before). The build fails if the code changed.
 */
const lazyCharCodeIndex = {
  name: "lazy-char-code-index",
  setup(b) {
    b.onLoad({ filter: /chevrotain[\\/]lib[\\/]src[\\/]scan[\\/]lexer\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const lookup = "        : charCodeToOptimizedIdxMap[charCode];";
      const fill = "    if (isEmpty(charCodeToOptimizedIdxMap)) {";
      if (!source.includes(lookup) || !source.includes(fill))
        throw new Error("bundle-chevrotain: Chevrotain's lexer changed; review lazyCharCodeIndex");
      return {
        contents: source
          .replace(lookup, "        : 255 + ~~(charCode / 255);")
          .replace(fill, "    if (false) {"),
        loader: "js",
      };
    });
  },
};

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
  plugins: [lazyCharCodeIndex],
  banner: { js: "// Chevrotain (Apache-2.0), bundled by scripts/bundle-chevrotain.mjs. Do not edit." },
});
