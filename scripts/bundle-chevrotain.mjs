// Replaces dist/grammar/chevrotain.js (a re-export of the "chevrotain" package) with one esbuild
// bundle of the same exports: the package's entry is hundreds of small ES modules whose loading
// dominated the CLI's start-up. Run by `npm run build` after `tsc`; see grammar/chevrotain.ts.
import { build } from "esbuild";

await build({
  stdin: {
    contents: 'export { CstParser, EOF, Lexer, createToken, tokenMatcher } from "chevrotain";\n',
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
