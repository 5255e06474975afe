/**
 * The optimizer (src/optimize): each pass, and all of them together, differential-tested against
 * the IR as lowered, on the rulebooks in rules/ and bench/rules/ and on random rulebooks with the
 * shapes the passes rewrite (test/support/random-rulebooks.ts, `optimizerShapes`), each on random
 * valid inputs. The optimized IR must give the same outputs bit for bit (`Object.is`) or the same
 * runtime error (code and message), run by the interpreter and by the generated code; explanations
 * come from the unoptimized IR, so they cannot change, and a test pins that.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { printIr } from "../../src/compile/print-ir.js";
import type { IrExpr, IrRulebook } from "../../src/ir/ir.js";
import { forEachExpr } from "../../src/ir/ir.js";
import { optimizeIr, PASSES } from "../../src/optimize/index.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import { type Outcome, attempt } from "../support/outcomes.js";

/** The outcome as comparable text: every number by its exact bits (-0 apart from 0). */
function show(o: Outcome): string {
  if (!o.ok) return `${o.code} ${o.message}`;
  return Object.entries(o.outputs)
    .map(
      ([k, v]) =>
        `${k}=${Object.is(v, -0) ? "-0" : typeof v === "number" ? v.toString() : JSON.stringify(v)}`,
    )
    .join(" ");
}

function lower(source: string, file = "random.margin"): IrRulebook {
  const checked = checkRulebook(source, file, {
    readFile: (f) => {
      try {
        return readFileSync(f, "utf8");
      } catch {
        return undefined;
      }
    },
    resolve: (from, p) => join(dirname(from), p),
  });
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  expect(
    errors.map((d) => `${d.code} ${d.message}`),
    source,
  ).toEqual([]);
  return lowerRulebook(checked.checked, { source: () => source });
}

function inputsFor(ir: IrRulebook, seed: number, count: number): unknown[] {
  const edge = new InputGenerator(ir, seed, "edge");
  const typical = new InputGenerator(ir, seed + 1, "typical");
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? edge.next() : typical.next()));
}

/** Checks that `optimized` computes what `ir` computes, through both evaluators. */
function expectSameResults(ir: IrRulebook, optimized: IrRulebook, inputs: unknown[], what: string): void {
  const reference = inputs.map((input) => show(attempt(() => evaluate(ir, input).outputs)));
  const interpreted = inputs.map((input) => show(attempt(() => evaluate(optimized, input).outputs)));
  expect(interpreted, `${what}: the interpreter on the optimized IR`).toEqual(reference);
  const compiled = compileEvaluator(optimized, { optimize: false });
  const generated = inputs.map((input) => show(attempt(() => compiled.evaluate(input))));
  expect(generated, `${what}: the generated code of the optimized IR\n${printIr(optimized)}`).toEqual(
    reference,
  );
}

const ruleFiles = [
  ...readdirSync("rules")
    .filter((f) => f.endsWith(".margin"))
    .map((f) => `rules/${f}`),
  ...readdirSync("bench/rules")
    .filter((f) => f.endsWith(".margin"))
    .map((f) => `bench/rules/${f}`),
];

function hoistedLets(ir: IrRulebook): number {
  return ir.steps.filter((s) => s.kind === "let" && s.hoisted).length;
}

function countExprs(ir: IrRulebook, test: (e: IrExpr) => boolean): number {
  let n = 0;
  for (const step of ir.steps) {
    const exprs =
      step.kind === "rule"
        ? [...(step.condition ? [step.condition] : []), ...step.actions.map((a) => a.value)]
        : [step.kind === "assert" ? step.condition : step.value];
    for (const e of exprs) forEachExpr(e, (x) => void (test(x) && n++));
  }
  return n;
}

describe("every pass, alone and together, on the rulebooks in rules/ and bench/rules/", () => {
  for (const file of ruleFiles) {
    it(file, () => {
      const ir = lower(readFileSync(file, "utf8"), file);
      const inputs = inputsFor(ir, 17, 24);
      for (const pass of PASSES)
        expectSameResults(ir, optimizeIr(ir, {}, new Set([pass.name])), inputs, pass.name);
      expectSameResults(ir, optimizeIr(ir), inputs, "all passes");
    });
  }
});

describe("every pass, alone and together, on random rulebooks", () => {
  const RULEBOOKS = 40;
  it(`${RULEBOOKS} rulebooks x 16 inputs`, () => {
    let rewritten = 0;
    for (let n = 0; n < RULEBOOKS; n++) {
      const ir = lower(randomRulebook(seededChooser(90_000 + n), { optimizerShapes: true }));
      const inputs = inputsFor(ir, n, 16);
      for (const pass of PASSES)
        expectSameResults(
          ir,
          optimizeIr(ir, {}, new Set([pass.name])),
          inputs,
          `${pass.name} (rulebook ${n})`,
        );
      const optimized = optimizeIr(ir);
      if (hoistedLets(optimized) > 0) rewritten++;
      expectSameResults(ir, optimized, inputs, `all passes (rulebook ${n})`);
    }
    // The generator's shapes do reach the passes (else this test could not fail).
    expect(rewritten).toBeGreaterThan(RULEBOOKS / 4);
  });
});

const PORTFOLIO = "bench/rules/natural-portfolio.margin";

const FILTERED = "test/fixtures/optimize/filtered-risk-arrays.margin";

describe("filter-to-group", () => {
  it("turns filters by key inside a scenario loop into one grouping pass", () => {
    const ir = lower(readFileSync(FILTERED, "utf8"), FILTERED);
    const filtered = (e: IrExpr): boolean =>
      e.k === "agg" && e.filter !== undefined && e.source.k === "input";
    expect(countExprs(ir, filtered)).toBe(3);
    const optimized = optimizeIr(ir);
    expect(countExprs(optimized, (e) => e.k === "agg" && e.op === "group")).toBe(1);
    expect(countExprs(optimized, filtered)).toBe(0);
    expect(hoistedLets(optimized)).toBe(1);
    const risk = (k: number) => Array.from({ length: k }, (_, i) => (i % 2 ? -1 : 1) * 1000 * (i + 1));
    const positions = ["es", "nq", "es", "ym", "nq"].map((u, i) => ({ u, quantity: i - 2, risk: risk(4) }));
    const short = [...positions, { u: "ym", quantity: 1, risk: risk(3) }];
    const inputs = [positions, short, []].map((p) => ({ account: { positions: p } }));
    expectSameResults(ir, optimized, inputs, "filtered risk arrays");
    // A risk array too short raises MB6009 at the same place either way.
    expect(show(attempt(() => compileEvaluator(ir).evaluate(inputs[1])))).toMatch(/^MB6009/);
  });

  it("leaves filters alone that the code generator computes ahead of the scenario loop", () => {
    const ir = lower(readFileSync(PORTFOLIO, "utf8"), PORTFOLIO);
    expect(countExprs(optimizeIr(ir), (e) => e.k === "agg" && e.op === "group")).toBe(0);
    expect(compileEvaluator(ir).source).toMatch(/X0\[i0\] = X0\[i0\] \+/);
  });

  it("leaves a single filter outside any loop alone (a grouping would cost more than it saves)", () => {
    const ir = lower(`rulebook "one" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
enum U { a, b }
record P { u: U, x: USD }
input book { items: List<P> }
output total: USD = sum(p.x for p in book.items where p.u == U.a)
`);
    expect(optimizeIr(ir)).toEqual(ir);
  });

  it("keeps the element order of each group: a sum per group adds what the filter kept, in list order", () => {
    const ir = lower(readFileSync(PORTFOLIO, "utf8"), PORTFOLIO);
    const positions = [0.1, 0.2, 0.3, 1e16, -1e16, 0.7].flatMap((q, i) =>
      ["btc", "eth"].map((u) => ({ u, quantity: q * (i + 1), price: 3e4 + i, vega: 17.3 * i })),
    );
    const input = { account: { positions } };
    expectSameResults(ir, optimizeIr(ir), [input, { account: { positions: [] } }], "ordered sums");
  });
});

describe("hoisting (loop-invariant code motion, common subexpressions)", () => {
  const source = `rulebook "hoist" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
record P { x: USD, w: Number }
input book {
  items: List<P>
  factor: Number
  d: Number
}
output a: USD = sum(p.x * (book.factor * book.factor + 1) for p in book.items)
output b: USD = sum(p.x / book.d for p in book.items)
output c: Number = book.factor * book.factor + 1
`;
  it("hoists an invariant out of a loop, and not a fallible one (a loop may run zero times)", () => {
    const ir = lower(source);
    const optimized = optimizeIr(ir);
    const text = printIr(optimized);
    expect(text).toMatch(/let %1 = \(\(in\.book\.factor \* in\.book\.factor\) \+ 1\)/);
    // `p.x / book.d` stays in its loop: with no items, book.d = 0 must raise nothing.
    expect(text).toMatch(/sum\(\(p#\d+\.x \/ in\.book\.d\)/);
    const empty = { book: { items: [], factor: 2, d: 0 } };
    const full = { book: { items: [{ x: 1, w: 1 }], factor: 2, d: 0 } };
    expectSameResults(
      ir,
      optimized,
      [empty, full, { book: { items: [{ x: 3, w: 1 }], factor: 1e200, d: 3 } }],
      "hoist",
    );
    expect(evaluate(optimized, empty).outputs["b"]).toBe(0);
  });

  it("a hoisted value that overflows raises nothing: it was an intermediate", () => {
    const ir = lower(source);
    const input = { book: { items: [], factor: 1e200, d: 1 } };
    expect(() => evaluate(ir, input)).toThrow(/MB6007|output `c`/);
    expectSameResults(ir, optimizeIr(ir), [input], "overflow");
  });
});

describe("constant folding across lets and parameters", () => {
  it("folds a let of parameters into its readers, picks the branch of a constant condition, and keeps what raises", () => {
    const ir = lower(`rulebook "fold" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
param rate: Rate = 2%
param zero = 0
input position { size: USD > 0 }
let doubled: Rate = rate * 2
output margin: USD = position.size * (if doubled > 3% then doubled else rate)
output broken: Number = 1 / zero
`);
    const optimized = optimizeIr(ir);
    const text = printIr(optimized);
    expect(text).toContain("output margin = (in.position.size * 0.04)");
    expect(text).toContain("(1 / 0)");
    expectSameResults(ir, optimized, [{ position: { size: 10 } }], "fold");
  });
});

describe("dead-output elimination", () => {
  const source = `rulebook "dead" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input position { size: USD > 0, d: Number }
let big: USD = position.size * 2
output wanted: USD = big + 1 USD
output unwanted: Number = 1 / position.d
output checked: USD = position.size
assert checked > 0 "positive"
`;
  it("computes only the requested outputs and what the assertions read", () => {
    const ir = lower(source);
    const optimized = optimizeIr(ir, { outputs: ["wanted"] });
    const outputs = optimized.steps
      .filter((s) => s.kind === "output")
      .map((s) => optimized.slots[s.slot]!.name);
    expect(outputs).toEqual(["wanted", "checked"]);
    const book = compileEvaluator(ir, { outputs: ["wanted"] });
    expect(book.evaluate({ position: { size: 2, d: 0 } })).toEqual({ wanted: 5 });
    expect(() => compileEvaluator(ir).evaluate({ position: { size: 2, d: 0 } })).toThrow(/division by zero/);
  });

  it("keeps a rule without actions whose condition may raise (found by the fuzz at 1,100 books)", () => {
    const ir = lower(`rulebook "r" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input position { d: Number }
rule check when 1 / position.d > 0 {
}
output o: Number = 1
`);
    expect(() => evaluate(ir, { position: { d: 0 } })).toThrow(/division by zero/);
    expect(() => compileEvaluator(ir).evaluate({ position: { d: 0 } })).toThrow(/division by zero/);
    expect(compileEvaluator(ir, { outputs: ["o"] }).evaluate({ position: { d: 0 } })).toEqual({ o: 1 });
  });

  it("through the runtime API: evaluate(input, { outputs }) gives the full evaluation's values", () => {
    const ir = lower(source);
    const book = rulebookFromIr(ir);
    const input = { position: { size: 2.5, d: 4 } };
    const full = book.evaluate(input).outputs;
    expect(book.evaluate(input, { outputs: ["checked", "wanted"] }).outputs).toEqual({
      wanted: full["wanted"],
      checked: full["checked"],
    });
    expect(() => book.evaluate(input, { outputs: ["nope"] })).toThrow(/no output `nope`/);
  });
});

describe("explanations", () => {
  it("come from the IR as lowered: the same with the optimizer on", () => {
    const ir = lower(readFileSync(PORTFOLIO, "utf8"), PORTFOLIO);
    const input = inputsFor(ir, 3, 1)[0];
    const explained = rulebookFromIr(ir).evaluate(input, { explain: true, validate: false });
    expect(explained.explanation).toEqual(evaluate(ir, input, { explain: true }).explanation);
  });
});
