/**
 * docs/testing.md is runnable: its ```margin block is `example.margin`; each ```yaml block is a test
 * file for it whose first line says what it shows: `# expect: pass` (it parses and every case
 * passes, through both evaluators) or `# expect problem: <message>` (the file is broken with that
 * problem). Every key of the test-file schema is described in the page, and the committed
 * `docs/test-file.schema.json` and precompiled validator are the schema's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testFileSchemaJson, testFileValidatorSource } from "../../scripts/test-file-validator.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { testFileJsonSchema } from "../../src/service/test-file-schema.js";
import { describeMismatches, parseTestFile, runTestFile } from "../../src/service/test-runner.js";
import { ROOT } from "../support/rulebooks.js";

const page = readFileSync(join(ROOT, "docs/testing.md"), "utf8");

function blocks(tag: string): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  const pattern = new RegExp("^```" + tag + "\\n([\\s\\S]*?)^```$", "gm");
  for (const m of page.matchAll(pattern))
    found.push({ line: page.slice(0, m.index).split("\n").length, text: m[1]! });
  return found;
}

/** Every property name of a schema, recursively. */
function keysOf(schema: unknown, into = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== "object") return into;
  for (const [k, v] of Object.entries(schema)) {
    if (k === "properties") for (const name of Object.keys(v as object)) into.add(name);
    keysOf(v, into);
  }
  return into;
}

describe("docs/testing.md", () => {
  const [rulebook] = blocks("margin");
  const checked = checkRulebook(rulebook!.text, "example.margin", {
    readFile: () => undefined,
    resolve: (_f, p) => p,
  });

  it("has one example rulebook, which checks", () => {
    expect(blocks("margin")).toHaveLength(1);
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  const yamls = blocks("yaml");
  it("has test files that pass and broken ones", () => {
    expect(yamls.filter((b) => b.text.startsWith("# expect: pass")).length).toBeGreaterThanOrEqual(2);
    expect(yamls.filter((b) => b.text.startsWith("# expect problem:")).length).toBeGreaterThanOrEqual(3);
  });

  for (const block of yamls) {
    it(`the yaml block at line ${block.line} does what its first line says`, () => {
      const parsed = parseTestFile(block.text);
      const problem = /^# expect problem: (.*)$/m.exec(block.text.split("\n")[0]!)?.[1];
      if (problem !== undefined) {
        expect(parsed.file).toBeUndefined();
        expect(parsed.problems.map((p) => p.message)).toContain(problem);
        return;
      }
      expect(block.text.split("\n")[0]).toBe("# expect: pass");
      expect(parsed.problems).toEqual([]);
      expect(parsed.file!.rulebook).toBe("example.margin");
      const results = runTestFile(parsed.file!, lowerRulebook(checked.checked));
      expect(results.filter((r) => !r.passed).flatMap((r) => [r.name, ...describeMismatches(r)])).toEqual([]);
    });
  }

  it("describes every key of the schema", () => {
    for (const key of keysOf(testFileJsonSchema)) expect(page, key).toContain(`\`${key}\``);
    expect(page).toContain("`default`");
  });

  it("links the committed schema, and the precompiled validator is up to date (npm run generate:validator)", () => {
    expect(readFileSync(join(ROOT, "docs/test-file.schema.json"), "utf8")).toBe(testFileSchemaJson());
    expect(readFileSync(join(ROOT, "src/service/generated/test-file-validator.ts"), "utf8")).toBe(
      testFileValidatorSource(),
    );
  });
});
