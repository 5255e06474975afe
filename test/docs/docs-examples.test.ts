/**
 * Keeps the language reference and the real rulebooks honest.
 *
 * - Every ```margin block of docs/language.md is a complete rulebook that checks without errors;
 *   its `// eval: <input> => output: number, ...` lines give those numbers (worked examples).
 * - Every ```margin-error block starts with `// expect: MB1234[, MB5678]` and checks with exactly
 *   those error codes (each listed code present, no other error code).
 * - Every rulebook in rules/ checks without errors and has a `<name>.test.yaml` next to it that
 *   parses and names the rulebook.
 *
 * Nothing is written to disk: blocks are checked from memory, and `extends` paths are read through a
 * host rooted at the file that contains them (docs/ for the blocks of docs/language.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { checkRulebook, type SourceHost } from "../../src/service/language-service.js";
import { parseTestFile } from "../../src/service/test-runner.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { parse as parseYaml } from "yaml";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const docsFile = join(repoRoot, "docs", "language.md");
const rulesDir = join(repoRoot, "rules");

/** Reads files with node:fs; resolves a path against the folder of the file (or doc block) that names it. */
const host: SourceHost = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
  resolve(fromFile, path) {
    if (isAbsolute(path)) return path;
    const file = fromFile.replace(/#.*$/, ""); // "docs/language.md#7" is a block of docs/language.md
    const absolute = isAbsolute(file) ? file : resolve(repoRoot, file);
    return resolve(dirname(absolute), path);
  },
};

interface Block {
  /** 1-based number among the margin and margin-error blocks. */
  n: number;
  kind: "margin" | "margin-error";
  /** 1-based line of the opening fence in docs/language.md. */
  line: number;
  source: string;
}

/** Extracts the fenced blocks tagged `margin` or `margin-error`, in order. */
function extractBlocks(markdown: string): { blocks: Block[]; otherMarginTags: string[] } {
  const blocks: Block[] = [];
  const otherMarginTags: string[] = [];
  const lines = markdown.split("\n");
  let open: { info: string; line: number; body: string[] } | undefined;
  lines.forEach((text, i) => {
    if (open === undefined) {
      const fence = /^```(\S*)\s*$/.exec(text);
      if (fence) open = { info: fence[1]!, line: i + 1, body: [] };
      return;
    }
    if (/^```\s*$/.test(text)) {
      const { info, line, body } = open;
      if (info === "margin" || info === "margin-error") {
        blocks.push({ n: blocks.length + 1, kind: info, line, source: body.join("\n") + "\n" });
      } else if (info.startsWith("margin")) {
        otherMarginTags.push(`${info} (line ${line})`);
      }
      open = undefined;
      return;
    }
    open.body.push(text);
  });
  if (open !== undefined)
    throw new Error(`docs/language.md: the fence opened on line ${open.line} is never closed`);
  return { blocks, otherMarginTags };
}

const EXPECT_LINE = /^\/\/ expect: (MB\d{4}(?:\s*,\s*MB\d{4})*)\s*$/;

function errorCodes(diagnostics: readonly Diagnostic[]): string[] {
  return [...new Set(diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
}

/** One line per diagnostic, with the block-relative line, for readable failures. */
function describeDiagnostics(source: string, diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const line = source.slice(0, d.span.start).split("\n").length;
      return `  line ${line}: ${d.severity} ${d.code}: ${d.message}`;
    })
    .join("\n");
}

const { blocks, otherMarginTags } = extractBlocks(readFileSync(docsFile, "utf8"));

/**
 * The `// eval: <input as YAML> => name: 1234.56, other: 7` lines of a block: each output must equal
 * the number written to its last digit (within half a unit of it).
 */
function evalLines(
  source: string,
): { input: unknown; expected: Record<string, { value: number; digits: number }> }[] {
  return source
    .split("\n")
    .flatMap((line) => {
      const m = /^\/\/ eval: (.*) => (.*)$/.exec(line);
      return m ? [m] : [];
    })
    .map((m) => ({
      input: parseYaml(m[1]!) as unknown,
      expected: Object.fromEntries(
        m[2]!.split(/,\s*/).map((pair) => {
          const [name, text] = pair.split(/:\s*/) as [string, string];
          return [name, { value: Number(text), digits: text.split(".")[1]?.length ?? 0 }];
        }),
      ),
    }));
}

describe("docs/language.md examples", () => {
  it("has examples, and every margin fence is tagged `margin` or `margin-error`", () => {
    expect(blocks.filter((b) => b.kind === "margin").length).toBeGreaterThanOrEqual(20);
    expect(blocks.filter((b) => b.kind === "margin-error").length).toBeGreaterThanOrEqual(20);
    expect(otherMarginTags).toEqual([]);
  });

  const label = (b: Block): string => `#${b.n} (${b.kind}, line ${b.line})`;

  describe.each(blocks.filter((b) => b.kind === "margin").map((b) => [label(b), b] as const))(
    "%s",
    (_, block) => {
      it("is a complete rulebook that checks without errors", () => {
        const result = checkRulebook(block.source, `docs/language.md#${block.n}`, host);
        expect(result.ast.header, "a `margin` block must start with a `rulebook` header").toBeDefined();
        const errors = result.diagnostics.filter((d) => d.severity === "error");
        expect(errors, `errors:\n${describeDiagnostics(block.source, errors)}`).toEqual([]);
      });
      const evals = evalLines(block.source);
      if (evals.length > 0)
        it("gives the numbers its `// eval:` lines state (to the digits written)", () => {
          const checked = checkRulebook(block.source, `docs/language.md#${block.n}`, host);
          const ir = lowerRulebook(checked.checked!, { source: () => block.source });
          for (const { input, expected } of evals) {
            const { outputs } = evaluate(ir, input);
            for (const [name, { value, digits }] of Object.entries(expected)) {
              const actual = outputs[name];
              expect(typeof actual, `${name} for ${JSON.stringify(input)}`).toBe("number");
              expect(
                Math.abs((actual as number) - value),
                `${name} for ${JSON.stringify(input)}: ${String(actual)}`,
              ).toBeLessThanOrEqual(0.5 * 10 ** -digits);
            }
          }
        });
    },
  );

  describe.each(blocks.filter((b) => b.kind === "margin-error").map((b) => [label(b), b] as const))(
    "%s",
    (_, block) => {
      it("reports exactly the codes on its `// expect:` line", () => {
        const firstLine = block.source.split("\n")[0] ?? "";
        const expectLine = EXPECT_LINE.exec(firstLine);
        expect(
          expectLine,
          "a `margin-error` block must start with `// expect: MB1234[, MB5678]`",
        ).not.toBeNull();
        const expected = [...new Set(expectLine![1]!.split(",").map((code) => code.trim()))].sort();

        const result = checkRulebook(block.source, `docs/language.md#${block.n}`, host);
        expect(result.ast.header, "a `margin-error` block must have a `rulebook` header").toBeDefined();
        const actual = errorCodes(result.diagnostics);
        expect(actual, `diagnostics:\n${describeDiagnostics(block.source, result.diagnostics)}`).toEqual(
          expected,
        );
      });
    },
  );
});

const rulebookFiles = readdirSync(rulesDir)
  .filter((name) => name.endsWith(".margin"))
  .sort();

describe("rules/", () => {
  it("has rulebooks", () => {
    expect(rulebookFiles.length).toBeGreaterThanOrEqual(3);
  });

  describe.each(rulebookFiles)("%s", (name) => {
    const source = readFileSync(join(rulesDir, name), "utf8");

    it("checks without errors", () => {
      const result = checkRulebook(source, `rules/${name}`, host);
      expect(result.ast.header).toBeDefined();
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      expect(errors, `errors:\n${describeDiagnostics(source, errors)}`).toEqual([]);
    });

    it("starts with a comment citing the published method it follows", () => {
      expect(source.startsWith("//")).toBe(true);
      expect(source.slice(0, source.indexOf("\nrulebook "))).toMatch(/Method followed:/);
    });

    it("has a .test.yaml next to it that parses and names it", () => {
      const testName = name.replace(/\.margin$/, ".test.yaml");
      let text: string;
      try {
        text = readFileSync(join(rulesDir, testName), "utf8");
      } catch {
        throw new Error(`rules/${testName} is missing`);
      }
      // The test file's JSON Schema and the runner's own checks (docs/testing.md).
      const parsed = parseTestFile(text);
      expect(parsed.problems).toEqual([]);
      expect(parsed.file!.rulebook).toBe(name);
      expect(parsed.file!.cases.length, "`cases` must be a non-empty list").toBeGreaterThan(0);
    });
  });

  it("has no .test.yaml without its rulebook", () => {
    const orphans = readdirSync(rulesDir)
      .filter((name) => name.endsWith(".test.yaml"))
      .filter((name) => !rulebookFiles.includes(name.replace(/\.test\.yaml$/, ".margin")));
    expect(orphans).toEqual([]);
  });
});
