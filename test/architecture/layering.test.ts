/**
 * The layering of src/ is a linter rule (eslint.config.js), not a sentence in the README: an import
 * that runs the wrong way fails `npm run lint`, which CI runs. These cases lint small texts as if
 * they were files of each layer.
 */
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/rulebooks.js";

// Type-aware rules need the file on disk; the import rules do not, so they are the only ones run here.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": "off",
      "@typescript-eslint/consistent-type-imports": "off",
      "@typescript-eslint/no-floating-promises": "off",
    },
  },
});

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layering", () => {
  it.each([
    ["src/check/new-rule.ts", 'import { hashIr } from "../runtime/hash.js";'],
    ["src/studio/new-panel.ts", 'import { readText } from "../cli/files.js";'],
    ["src/runtime/new-loader.ts", 'import { lowerRulebook } from "../compile/lower.js";'],
    ["src/runtime/new-loader.ts", 'import { createToken } from "chevrotain";'],
    ["src/semantics/new-op.ts", 'import { runtimeErrors } from "../runtime/errors.js";'],
    ["src/diagnostics/new-render.ts", 'import type { Expr } from "../syntax/ast.js";'],
    ["src/syntax/new-pass.ts", 'import { checkRulebook } from "../check/checker.js";'],
    ["src/service/new-feature.ts", 'import { main } from "../cli/main.js";'],
    ["src/sql/new-dialect.ts", 'import { checkRulebook } from "../check/checker.js";'],
    ["src/sql/new-dialect.ts", 'import { evaluate } from "../runtime/interpreter.js";'],
  ])("refuses an import in %s: %s", async (file, code) => {
    expect(await importErrors(file, code)).toHaveLength(1);
  });

  it.each([
    ["src/check/new-rule.ts", 'import { BUILTINS } from "../semantics/builtins.js";'],
    ["src/runtime/new-loader.ts", 'import { binaryOp } from "../semantics/operations.js";'],
    ["src/compile/new-pass.ts", 'import type { CheckedRulebook } from "../check/checker.js";'],
    ["src/studio/new-panel.ts", 'import { readText } from "../node/files.js";'],
    ["src/cli/new-command.ts", 'import { startStudio } from "../studio/server.js";'],
    ["src/sql/new-dialect.ts", 'import { decimalStep } from "../semantics/numeric.js";'],
  ])("allows an import in %s: %s", async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});
