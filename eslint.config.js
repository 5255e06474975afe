// The linter: the layering of src/ as rules, plus a few type-aware checks that tsc does not make.
//
// Layers (a folder may import only the folders listed; grammar/ is the Chevrotain grammar):
//   ir                       nothing
//   diagnostics              semantics (the one catalog of codes lives there)
//   node                     service (the Node I/O the CLI and the studio server share: file
//                            helpers and the language service's Node host)
//   semantics                ir (operations, builtins, verbs, numerics, the catalog of codes)
//   syntax                   grammar, diagnostics, semantics
//   check                    syntax, diagnostics, ir, semantics
//   compile                  check, syntax, diagnostics, ir, semantics, runtime
//   runtime                  ir, semantics (an engine that loads artifacts never ships the compiler)
//   sql                      ir, semantics, diagnostics (it compiles the IR, never the source)
//   everything else          anything but the CLI (only the CLI is a host of hosts)
import tseslint from "typescript-eslint";

const FOLDERS = [
  "grammar",
  "ir",
  "semantics",
  "diagnostics",
  "syntax",
  "check",
  "compile",
  "runtime",
  "verify",
  "review",
  "service",
  "studio",
  "cli",
  "node",
  "serve",
  "sql",
];

/** What each layer may import; a folder not listed may import anything but `cli`. */
const ALLOWED = {
  ir: [],
  node: ["service"],
  diagnostics: ["semantics"],
  semantics: ["ir"],
  syntax: ["grammar", "diagnostics", "semantics"],
  check: ["syntax", "diagnostics", "ir", "semantics"],
  compile: ["check", "syntax", "diagnostics", "ir", "semantics", "runtime"],
  runtime: ["ir", "semantics"],
  sql: ["ir", "semantics", "diagnostics"],
};

/** A `no-restricted-imports` pattern for relative imports of the given folders of src/ (or grammar/). */
function forbid(folders, why) {
  return { regex: `^(\\.\\./)+(src/)?(${folders.join("|")})/`, message: why };
}

const layerRules = Object.entries(ALLOWED).map(([layer, allowed]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          forbid(
            FOLDERS.filter((f) => f !== layer && !allowed.includes(f)),
            `src/${layer} may import only ${allowed.length ? allowed.join(", ") : "nothing else in src"} (see eslint.config.js)`,
          ),
          ...(layer === "runtime" || layer === "semantics" || layer === "ir"
            ? [{ regex: "^chevrotain", message: "the runtime never loads the parser" }]
            : []),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "src/runtime/generated/**",
      "src/service/generated/**",
      "editor/dist/**",
      "grammar/cst.d.ts",
      "**/*.js",
      "**/*.mjs",
      "**/*.cjs",
    ],
  },
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true },
      ],
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [forbid(["cli"], "only the CLI imports the CLI: shared Node helpers belong in src/node")],
        },
      ],
    },
  },
  {
    files: ["grammar/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [forbid(["src"], "the grammar stands alone")] }],
    },
  },
  ...layerRules,
);
