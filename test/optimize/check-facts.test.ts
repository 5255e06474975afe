/**
 * Check elimination (src/optimize/check-facts.ts): the columnar loop leaves out the checks the
 * range analysis proves cannot fire, keeps every check that can, and so raises exactly what the
 * interpreter raises (code and message) and returns exactly its outputs (`Object.is`): on rulebooks
 * where a check must stay and fire, and on the bundled, bench and random rulebooks with inputs on
 * the boundaries of their schema domains (the ends, the doubles next to them, 0, the largest and
 * smallest doubles), per record and in columns.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { IrRulebook, IrType } from "../../src/ir/ir.js";
import { optimizeIr } from "../../src/optimize/index.js";
import { checkFacts } from "../../src/optimize/check-facts.js";
import { compileEvaluator, elidedChecks } from "../../src/runtime/codegen.js";
import { columnarSource } from "../../src/runtime/codegen-columns.js";
import { columnLayout, ColumnsError, toColumns, type Columns } from "../../src/runtime/column-layout.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { nextDown, nextUp } from "../../src/semantics/intervals.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { InputGenerator } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import { attempt, lowerSource, type Outcome } from "../support/outcomes.js";
import { compileBinary64Ir } from "../support/rulebooks.js";

/** Random rulebooks (`FUZZ_RUNS=<n>` for more; CI runs more than a developer's `npm test`). */
const RULEBOOKS = fuzzRuns(40, 120);

const HEADER = `rulebook "Checks"
  version 1.0.0
  effective 2026-01-01T00:00:00Z
  currency USD
`;

const lower = (body: string): IrRulebook => lowerSource(`${HEADER}\n${body}`, "checks.margin");

const show = (o: Outcome): string =>
  o.ok
    ? Object.entries(o.outputs)
        .map(([k, v]) => `${k}=${Object.is(v, -0) ? "-0" : (JSON.stringify(v) ?? String(v))}`)
        .join(" ")
    : `${o.code} ${o.message}`;

/**
 * The columnar loop's code with a column for every input, from the optimized IR as
 * `evaluateColumns` makes it: only the columnar loop leaves out proven checks.
 */
function columnarCode(ir: IrRulebook): string {
  const optimized = optimizeIr(ir);
  const layout = columnLayout(optimized);
  const present = new Set([...layout.fields, ...layout.lists].map((f) => f.path));
  return columnarSource(optimized, layout, present)!.source;
}

/** The compiled evaluator's outcome equals the interpreter's (outputs by `Object.is`, or code and message). */
function agree(ir: IrRulebook, input: unknown, context = ""): Outcome {
  const reference = attempt(() => evaluate(ir, input).outputs);
  const compiled = attempt(() => compileEvaluator(ir).evaluate(input));
  expect(show(compiled), `${context} ${JSON.stringify(input)}`).toBe(show(reference));
  return reference;
}

describe("checks the analysis cannot prove stay, and fire as the interpreter's", () => {
  const cases: { name: string; body: string; input: unknown; code: string; kept: RegExp }[] = [
    {
      name: "a let that overflows",
      body: "input p { x: Number >= 0 }\nlet y: Number = p.x * p.x\noutput out: Number = y",
      input: { p: { x: 1e200 } },
      code: "MB6011",
      kept: /F_value\(s0/,
    },
    {
      name: "a division by an input that may be 0",
      body: "input p { x: Number >= 0 }\noutput out: Number = 1 / p.x",
      input: { p: { x: 0 } },
      code: "MB6002",
      kept: /R_divisionByZero\(/,
    },
    {
      name: "the square root of a value that may be negative",
      body: "input p { x: Number >= 0 }\noutput out: Number = sqrt(p.x - 1)",
      input: { p: { x: 0.5 } },
      code: "MB6003",
      kept: /R_sqrtOfNegative\(/,
    },
    {
      name: "a tier key below the first tier",
      body:
        "input p { x: Number >= 0 }\ntiers t by x: Number, flat {\n  columns r: Rate\n  [10, inf) 1%\n}\n" +
        "output out: Number = t(p.x).r",
      input: { p: { x: 5 } },
      code: "MB6006",
      kept: /if \(!\(k >= 10\)\)/,
    },
    {
      name: "an assertion that may fail",
      body: 'input p { x: Number >= 0 }\noutput out: Number = p.x\nassert out <= 100 "at most 100"',
      input: { p: { x: 200 } },
      code: "MB6008",
      kept: /R_assertionFailed\(/,
    },
    {
      name: "an output that rounds past the largest double",
      body: "input p { x: Number >= 0 }\noutput out: Number = p.x round up to 0.01",
      input: { p: { x: Number.MAX_VALUE } },
      code: "MB6007",
      kept: /F_output\(s0/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const ir = lower(c.body);
      expect(columnarCode(ir)).toMatch(c.kept);
      const outcome = agree(ir, c.input, c.name);
      expect(outcome.ok ? "ok" : outcome.code).toBe(c.code);
    });
});

describe("checks the analysis proves are left out", () => {
  it("on the natural bracket book: the tier floor, two finiteness checks, the sqrt and division guards", () => {
    const ir = compileBinary64Ir("bench/rules/natural-brackets.margin");
    const source = columnarCode(ir);
    expect(source).not.toMatch(/R_sqrtOfNegative\(|R_divisionByZero\(|k >= 0/);
    // The notional, the liquidity add-on and both outputs can overflow: their checks stay.
    // The loop body is there twice (\`run\` and \`runChecked\`) with the notional's and the add-on's;
    // the outputs' are in the tail loop, three times (\`tail\`, and written out in each loop).
    expect(source.match(/if \(!isFinite\(s/g)).toHaveLength(2 * 2 + 3 * 2);
    expect(elidedChecks(ir)).toEqual({ elided: 5, of: 10 });
  });

  it("where a condition narrows what it guards", () => {
    const ir = lower(
      "input p { x: Number, y: Number }\n" +
        "output a: Number = if p.x > 0 then 1 / p.x else 0\n" +
        "output b: Number = if p.y >= 1 and p.x >= 4 then sqrt(p.x - 4) + ln(p.y) else 0",
    );
    expect(columnarCode(ir)).not.toMatch(/R_divisionByZero\(|R_sqrtOfNegative\(|R_lnOfNonPositive\(/);
    for (const [x, y] of [
      [Number.MIN_VALUE, 1],
      [4, 1],
      [0, 0],
      [-1, 5],
      [Number.MAX_VALUE, Number.MAX_VALUE],
    ])
      agree(ir, { p: { x, y } });
  });

  it("not from a narrowing of a slot that a rule has changed since", () => {
    const ir = lower(
      "input p { x: Number }\n" +
        "rule r { set q: Number = p.x }\n" +
        "rule s when q > 5 {\n  set q = q - 10 when q > 6\n  add 1 / q to q\n}\n" +
        "output out: Number = q",
    );
    expect(columnarCode(ir)).toMatch(/R_divisionByZero\(/);
    expect(show(agree(ir, { p: { x: 10 } }))).toMatch(/^MB6002/);
  });

  it("a min or max over a scenario set needs no empty case", () => {
    const ir = compileBinary64Ir("bench/rules/natural-portfolio.margin");
    expect(columnarCode(ir)).not.toMatch(/R_emptyAggregate\(/);
    expect(checkFacts(optimizeIr(ir))).toBeDefined();
  });
});

/** Inputs with each top-level numeric field at a boundary of its domain, the rest from `base`. */
function boundaryInputs(
  ir: IrRulebook,
  base: Record<string, unknown>,
  count: number,
  seed: number,
): unknown[] {
  const fields: { path: string[]; lo: number; hi: number; integer: boolean }[] = [];
  const visit = (path: string[], type: IrType, domain?: { lo: number; hi: number }): void => {
    if (type.kind === "record")
      for (const f of ir.schema.records[type.name]?.fields ?? [])
        visit([...path, f.name], f.type, {
          lo:
            f.domain?.min === undefined
              ? -Number.MAX_VALUE
              : f.domain.minInclusive
                ? f.domain.min
                : nextUp(f.domain.min),
          hi:
            f.domain?.max === undefined
              ? Number.MAX_VALUE
              : f.domain.maxInclusive
                ? f.domain.max
                : nextDown(f.domain.max),
        });
    else if (type.kind === "number" && domain)
      fields.push({ path, ...domain, integer: type.integer === true });
  };
  for (const input of ir.schema.inputs) visit([input.name], input.type);
  let state = seed;
  const random = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const inputs: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const input = structuredClone(base);
    for (const f of fields) {
      if (random(3) === 0) continue;
      const candidates = [f.lo, f.hi, nextUp(f.lo), nextDown(f.hi), 0, 1, -1, Number.MIN_VALUE, 1e-300, 1e300]
        .filter((v) => v >= f.lo && v <= f.hi && (!f.integer || Number.isInteger(v)))
        .filter((v) => !f.integer || Math.abs(v) <= Number.MAX_SAFE_INTEGER);
      if (candidates.length === 0) continue;
      let node = input as Record<string, unknown>;
      for (const name of f.path.slice(0, -1)) node = (node[name] ?? {}) as Record<string, unknown>;
      node[f.path[f.path.length - 1]!] = candidates[random(candidates.length)];
    }
    inputs.push(input);
  }
  return inputs;
}

describe("inputs on the boundaries of the schema: the generated code agrees with the interpreter", () => {
  const books = [
    ...readdirSync("rules")
      .filter((f) => f.endsWith(".margin"))
      .map((f) => `rules/${f}`),
    "bench/rules/natural-brackets.margin",
    "bench/rules/natural-portfolio.margin",
  ];
  it(`${books.length} bundled and bench rulebooks, per record and in columns`, () => {
    let failures = 0;
    let inColumns = 0;
    for (const file of books) {
      const ir = compileBinary64Ir(file);
      const book = rulebookFromIr(ir);
      const generator = new InputGenerator(ir, 7, "edge");
      const inputs = Array.from({ length: 6 }, (_, i) =>
        boundaryInputs(ir, generator.next(), 5, 1 + i),
      ).flat();
      const valid = inputs.filter((input) => book.validate(input).valid);
      const outcomes = valid.map((input) => agree(ir, input, file));
      failures += outcomes.filter((o) => !o.ok).length;
      // Each input as a batch of one row (optional fields may be left out of some inputs only,
      // or of some list items only, which columns cannot hold).
      valid.forEach((input, row) => {
        let given: Columns;
        try {
          given = toColumns(columnLayout(ir), [input]);
        } catch (error) {
          if (error instanceof ColumnsError) return;
          throw error;
        }
        inColumns++;
        const columns = book.evaluateColumns(given, 1);
        const expected = outcomes[row]!;
        if (!expected.ok) expect(columns.errors[0]?.code, `${file} row ${row}`).toBe(expected.code);
        else
          for (const [name, value] of Object.entries(expected.outputs))
            if (typeof value === "number")
              expect(Object.is(columns.outputs[name]![0], value), `${file} row ${row} ${name}`).toBe(true);
      });
    }
    // The boundaries reach the runtime errors (overflows above all), not only valid results.
    expect(failures).toBeGreaterThan(10);
    expect(inColumns).toBeGreaterThan(300);
  });

  it(`${RULEBOOKS} random rulebooks (test/support/random-rulebooks.ts)`, () => {
    for (let n = 0; n < RULEBOOKS; n++) {
      const source = randomRulebook(seededChooser(71_000 + n));
      const ir = lowerSource(source, "random.margin");
      const generator = new InputGenerator(ir, 71_000 + n, "edge");
      for (const input of boundaryInputs(ir, generator.next(), 8, n))
        agree(ir, input, `rulebook ${n}\n${source}`);
    }
  });
});
