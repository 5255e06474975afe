/**
 * Every bundled rulebook's `<name>.test.yaml`, run through the test runner with both evaluators
 * (they must agree bit for bit, and match the published worked examples); and the test runner's
 * own behaviour on wrong expectations, broken files and disagreeing evaluators.
 */
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  describeMismatches,
  evaluatorsOf,
  offBy,
  parseTestFile,
  runTestFile,
  type TestFile,
} from "../src/service/test-runner.js";
import { EXACT, type Tolerance } from "../src/service/test-file.js";
import { ROOT, compileIr, readRepoFile } from "./support/rulebooks.js";

const absolute = (bound: number): Tolerance => ({ default: { absolute: bound, relative: 0 }, outputs: {} });

const testFiles = readdirSync(resolve(ROOT, "rules"))
  .filter((f) => f.endsWith(".test.yaml"))
  .sort();

describe("bundled rulebook tests (interpreter and compiled evaluator)", () => {
  it("every rulebook in rules/ has a test file", () => {
    const rulebooks = readdirSync(resolve(ROOT, "rules")).filter((f) => f.endsWith(".margin"));
    for (const rulebook of rulebooks)
      expect(testFiles, rulebook).toContain(rulebook.replace(/\.margin$/, ".test.yaml"));
  });

  for (const name of testFiles) {
    it(name, () => {
      const parsed = parseTestFile(readRepoFile(`rules/${name}`)!);
      expect(parsed.problems).toEqual([]);
      const file = parsed.file!;
      expect(file.rulebook).toBe(name.replace(/\.test\.yaml$/, ".margin"));
      const ir = compileIr(`rules/${file.rulebook}`);
      const failures = runTestFile(file, ir)
        .filter((r) => !r.passed)
        .map((r) => `${r.name} (line ${r.line})\n  ${describeMismatches(r).join("\n  ")}`);
      expect(failures).toEqual([]);
    });
  }
});

const binance = compileIr("rules/binance-btcusdt-perp.margin");
const exampleInput = {
  position: { size: 109.488, mark: 31967.27, side: "long" },
  market: { vol_30d: 0.5, adv: 2e9 },
};

function file(cases: TestFile["cases"]): TestFile {
  return { rulebook: "binance-btcusdt-perp.margin", cases };
}

describe("the test runner", () => {
  it("reports a wrong expectation with expected, actual and the difference", () => {
    const [result] = runTestFile(
      file([
        {
          name: "wrong",
          line: 3,
          input: exampleInput,
          expect: { maintenance_margin: 71200.83, max_leverage: 20 },
          tolerance: absolute(1e-6),
        },
      ]),
      binance,
    );
    expect(result!.passed).toBe(false);
    expect(result!.mismatches).toEqual([
      {
        kind: "output",
        name: "maintenance_margin",
        expected: 71200.83,
        actual: 71200.82,
        tolerance: { absolute: 1e-6, relative: 0 },
      },
    ]);
    expect(describeMismatches(result!)).toEqual([
      "output maintenance_margin:",
      "  expected  71200.83",
      "  actual    71200.82   (off by -0.01, tolerance 0.000001)",
    ]);
  });

  it("honours the tolerance, expected errors, error paths and unknown outputs", () => {
    const bad = { ...exampleInput, position: { ...exampleInput.position, size: -1 } };
    const results = runTestFile(
      file([
        {
          name: "close enough",
          line: 1,
          input: exampleInput,
          expect: { maintenance_margin_exact: 71200.81144 },
          tolerance: absolute(1e-5),
        },
        {
          name: "too far",
          line: 2,
          input: exampleInput,
          expect: { maintenance_margin_exact: 71200.81144 },
          tolerance: EXACT,
        },
        {
          name: "error with path",
          line: 3,
          input: bad,
          expectError: { code: "MB6001", path: "/position/size" },
          tolerance: EXACT,
        },
        {
          name: "error at another path",
          line: 4,
          input: bad,
          expectError: { code: "MB6001", path: "/position/mark" },
          tolerance: EXACT,
        },
        {
          name: "expected an error",
          line: 5,
          input: exampleInput,
          expectError: { code: "MB6002" },
          tolerance: EXACT,
        },
        { name: "no such output", line: 6, input: exampleInput, expect: { margin: 1 }, tolerance: EXACT },
        {
          name: "unexpected error",
          line: 7,
          input: bad,
          expect: { maintenance_margin: 1 },
          tolerance: EXACT,
        },
      ]),
      binance,
    );
    expect(results.map((r) => [r.name, r.passed, r.mismatches[0]?.kind])).toEqual([
      ["close enough", true, undefined],
      ["too far", false, "output"],
      ["error with path", true, undefined],
      ["error at another path", false, "wrong-error"],
      ["expected an error", false, "expected-error"],
      ["no such output", false, "unknown-output"],
      ["unexpected error", false, "unexpected-error"],
    ]);
    expect(describeMismatches(results[4]!)[0]).toBe("expected error MB6002, but the evaluation succeeded:");
    expect(describeMismatches(results[6]!)[1]).toMatch(/^ {2}MB6001 \/position\/size must be > 0, not -1$/);
  });

  it("fails a case when the two evaluators disagree, even if one matches the expectation", () => {
    const honest = evaluatorsOf(binance);
    const broken = {
      interpreter: honest.interpreter,
      compiled: (input: unknown) => ({ ...honest.compiled(input), maintenance_margin: 71200.83 }),
    };
    const [result] = runTestFile(
      file([
        {
          name: "x",
          line: 1,
          input: exampleInput,
          expect: { maintenance_margin: 71200.82 },
          tolerance: EXACT,
        },
      ]),
      binance,
      broken,
    );
    expect(result!.mismatches.map((m) => m.kind)).toEqual(["disagreement"]);
    expect(describeMismatches(result!).join("\n")).toMatch(
      /interpreter {2}.*maintenance_margin = 71200.82.*\n {2}compiled {5}.*maintenance_margin = 71200.83/,
    );
  });

  it("compares each output within its own tolerance, absolute or relative", () => {
    const parsed = parseTestFile(
      [
        "rulebook: x.margin",
        "tolerance: { relative: 1e-3 }",
        "cases:",
        "  - name: per output",
        "    input: {}",
        "    expect: { maintenance_margin: 71200.83, initial_margin: 175001.5 }",
        "    tolerance: { maintenance_margin: 0.01, default: { relative: 1e-7 } }",
        "  - name: the file's",
        "    input: {}",
        "    expect: { maintenance_margin: 71200 }",
      ].join("\n"),
    );
    expect(parsed.problems).toEqual([]);
    const [own, inherited] = parsed.file!.cases;
    expect(own!.tolerance).toEqual({
      default: { absolute: 0, relative: 1e-7 },
      outputs: { maintenance_margin: { absolute: 0.01, relative: 0 } },
    });
    expect(inherited!.tolerance.default).toEqual({ absolute: 0, relative: 1e-3 });
    const results = runTestFile(
      { ...parsed.file!, cases: parsed.file!.cases.map((c) => ({ ...c, input: exampleInput })) },
      binance,
    );
    // 71200.82 is within 0.01 of 71200.83 (the difference is 0.010000000001; equal to the bound
    // up to the subtraction's noise); initial margin 175,001.63 is 0.13 from 175,001.5, more than
    // 1e-7 of it (0.0175).
    expect(results[0]!.mismatches).toEqual([
      {
        kind: "output",
        name: "initial_margin",
        expected: 175001.5,
        actual: 175001.63,
        tolerance: { absolute: 0, relative: 1e-7 },
      },
    ]);
    expect(describeMismatches(results[0]!).join("\n")).toContain(
      "(off by +0.13, relative tolerance 1e-7 (0.0175001))",
    );
    expect(results[1]!.passed).toBe(true);
  });

  it("prints as many digits as it takes to show that a difference exceeds its tolerance", () => {
    expect(offBy(100, 100.0100000000002, { absolute: 0.01, relative: 0 })).toBe(
      "off by +0.0100000000002, tolerance 0.01",
    );
    expect(offBy(92.5, 92.49, { absolute: 0.001, relative: 0 })).toBe("off by -0.01, tolerance 0.001");
  });

  it("reports broken test files with their lines instead of throwing", () => {
    expect(parseTestFile("rulebook: x.margin\ncases:\n  - name: a\n    input: {}\n").problems).toEqual([
      { line: 3, column: 5, message: 'case "a" needs exactly one of `expect` and `expect_error`' },
    ]);
    expect(
      parseTestFile("rulebook: x.margin\ncases:\n  - name: a\n    input: {}\n    expcet: {}\n").problems,
    ).toContainEqual({
      line: 5,
      column: 5,
      endColumn: 11,
      message:
        'unknown key `expcet` in case "a": the keys are name, input, expect, expect_error, tolerance, decimal_tolerance',
    });
    expect(parseTestFile("rulebook: x.margin\ncases: [\n").problems[0]!.line).toBeGreaterThan(0);
    expect(parseTestFile("- 1\n- 2\n").problems[0]!.message).toMatch(
      /must be a map with `rulebook`, `cases`/,
    );
    expect(
      parseTestFile("rulebook: x\ncases:\n  - { name: a, input: {}, expect_error: oops }\n").problems[0]!
        .message,
    ).toMatch(/expect_error/);
    const ok = parseTestFile(
      "rulebook: x.margin\ncases:\n  - name: a\n    input: { p: 1 }\n    expect_error: { code: MB6001, path: /p }\n",
    );
    expect(ok.file!.cases[0]).toEqual({
      name: "a",
      line: 3,
      input: { p: 1 },
      expectError: { code: "MB6001", path: "/p" },
      tolerance: EXACT,
    });
  });
});
