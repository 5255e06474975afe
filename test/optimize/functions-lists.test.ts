/**
 * The optimizer on user functions, `let` expressions and list values: what each pass does there,
 * what it must leave alone (whatever may raise; an indexed comprehension), and the real rulebooks
 * that use them (SPAN, SIMM, EWMA, the Binance cross account), optimized and giving the same results.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { printIr } from "../../src/compile/print-ir.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { optimizeIr } from "../../src/optimize/index.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";

const HEADER = `rulebook "t" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD\n`;

function lower(source: string, file = "t.margin"): IrRulebook {
  const checked = checkRulebook(source, file, {
    readFile: (f) => readFileSync(f, "utf8"),
    resolve: (_from, p) => p,
  });
  expect(checked.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  return lowerRulebook(checked.checked, { source: () => source });
}

function outcome(run: () => Record<string, unknown>): string {
  try {
    return JSON.stringify(run(), (_k, v: unknown) => (Object.is(v, -0) ? "-0" : v));
  } catch (error) {
    if (error instanceof RuntimeError) return `${error.code} ${error.message}`;
    throw error;
  }
}

/** The optimized IR gives what the lowered one gives, interpreted and compiled. */
function expectSame(ir: IrRulebook, inputs: unknown[]): void {
  const optimized = optimizeIr(ir);
  const compiled = compileEvaluator(ir);
  for (const input of inputs) {
    const reference = outcome(() => evaluate(ir, input).outputs);
    expect(outcome(() => evaluate(optimized, input).outputs)).toBe(reference);
    expect(outcome(() => compiled.evaluate(input))).toBe(reference);
  }
}

describe("inside user functions (function-bodies)", () => {
  it("binds an expression of the parameters written more than once, once per call", () => {
    const ir = lower(`${HEADER}fn gamma(b: Number, c: Number): Number =
  if min(b, c) == 1 and max(b, c) == 2 then 0.16 else if min(b, c) == 1 and max(b, c) == 3 then 0.2 else 0.3
input x { b: Number, c: Number }
output g: Number = gamma(x.b, x.c)
`);
    const text = printIr(optimizeIr(ir));
    expect(text).toMatch(
      /fn gamma\(b#0, c#1\) = \(let %gamma#\d+ = \(min\(b#0, c#1\) == 1\) in \(let %gamma#\d+ = max/,
    );
    expect(text.match(/min\(b#0, c#1\)/g)).toHaveLength(1);
    expect(text.match(/max\(b#0, c#1\)/g)).toHaveLength(1);
    expectSame(ir, [{ x: { b: 2, c: 1 } }, { x: { b: 3, c: 1 } }, { x: { b: 5, c: 5 } }]);
  });

  it("moves an invariant out of a loop over a list parameter, and not one that may raise", () => {
    const ir = lower(`${HEADER}fn scaled(xs: List<Number>, a: Number, d: Number): Number =
  sum(x * (a * a + 1) for x in xs) + sum(x / d for x in xs)
input x { xs: List<Number>, a: Number, d: Number }
output s: Number = scaled(x.xs, x.a, x.d)
`);
    const text = printIr(optimizeIr(ir));
    expect(text).toMatch(/let %scaled#\d+ = \(\(a#\d+ \* a#\d+\) \+ 1\) in/);
    // `x / d` stays in its loop: with no elements, d = 0 raises nothing.
    expect(text).toMatch(/sum\(\(x#\d+ \/ d#\d+\) for/);
    expectSame(ir, [
      { x: { xs: [], a: 2, d: 0 } },
      { x: { xs: [1, 2.5], a: 1e200, d: 3 } },
      { x: { xs: [1], a: 2, d: 0 } },
    ]);
  });

  it("folds constants in a body, through a let of a constant", () => {
    const ir = lower(`${HEADER}param rate: Rate = 2%
fn f(a: USD): USD = let k = rate * 2 in a * k
input x { a: USD }
output o: USD = f(x.a)
`);
    expect(printIr(optimizeIr(ir))).toContain("fn f(a#0) = (a#0 * 0.04)");
    expectSame(ir, [{ x: { a: 3 } }]);
  });
});

describe("calls, lets and lists in the rulebook's steps", () => {
  it("keeps each call's value when a later call of the same function rebinds its locals", () => {
    // Found by test/optimize/check-facts.test.ts: a body whose value is a bare local (`let b = ...
    // in b`, or a parameter) was returned as that variable, which the next call overwrote.
    const ir = lower(`${HEADER}fn f(a: Number): Number = let b = a * 2 in b
fn g(a: Number): Number = a
input x { a: Number }
output o: Number = f(x.a) + f(x.a + 1) * 10
output p: Number = g(x.a) - g(1)
`);
    expectSame(ir, [{ x: { a: 1 } }, { x: { a: -3.5 } }]);
    expect(compileEvaluator(ir).evaluate({ x: { a: 1 } })).toEqual({ o: 42, p: 0 });
  });

  it("moves a call with closed arguments out of a loop when the function cannot raise, not otherwise", () => {
    const ir = lower(`${HEADER}fn safe(a: Number): Number = a * a + 1
fn risky(a: Number): Number = 1 / a
input x { xs: List<Number>, a: Number }
output s: Number = sum(v * safe(x.a) for v in x.xs)
output r: Number = sum(v * risky(x.a) for v in x.xs)
`);
    const text = printIr(optimizeIr(ir));
    expect(text).toMatch(/let %1 = safe\(in\.x\.a\)/);
    expect(text).toMatch(/sum\(\(v#\d+ \* risky\(in\.x\.a\)\) for/);
    expectSame(ir, [{ x: { xs: [], a: 0 } }, { x: { xs: [2], a: 0 } }, { x: { xs: [1, 3], a: 1.5 } }]);
  });

  it("computes a closed expression over a list value once, not once per element", () => {
    const ir = lower(`${HEADER}input x { xs: List<Number> }
output a: Number = sum(v * max(w for w in [y * 2 for y in x.xs] default 0) for v in x.xs)
`);
    const optimized = optimizeIr(ir);
    expect(printIr(optimized)).toMatch(
      /let %1 = max\(w#\d+ for w#\d+ in list\(\(y#\d+ \* 2\) for y#\d+ in in\.x\.xs\) default 0\)/,
    );
    expectSame(ir, [{ x: { xs: [] } }, { x: { xs: [1, -0, 3] } }]);
  });

  it("computes a comprehension written alike twice, with different variables, once", () => {
    const ir = lower(`${HEADER}input x { xs: List<Number> }
output a: Number = sum(v for v in [y * 2 for y in x.xs])
output b: Number = max(w for w in [z * 2 for z in x.xs] default 0)
output c: Number = sum(v for v in [y * 3 for y in x.xs])
`);
    const text = printIr(optimizeIr(ir));
    expect(text).toMatch(/let %1 = list\(\(y#\d+ \* 2\) for y#\d+ in in\.x\.xs\)/);
    expect(text).toMatch(/output b = max\(w#\d+ for w#\d+ in %1 default 0\)/);
    // `y * 3` is another comprehension: not shared.
    expect(text).toMatch(/output c = sum\(v#\d+ for v#\d+ in list\(\(y#\d+ \* 3\)/);
    expectSame(ir, [{ x: { xs: [] } }, { x: { xs: [1, -0, 3] } }]);
  });

  it("leaves an indexed comprehension to its list (in a group, the index would count the group)", () => {
    const ir = lower(`${HEADER}enum K { a, b }
record P { k: K, x: Number }
input book { items: List<P> }
scenarios s4(move: Number) { grid move [1, 2, 3, 4] }
output o: Number = max(sum(p.x * i / (1 + s.move) for p, i in book.items where p.k == K.a) for s in s4)
output q: Number = max(sum(p.x / (1 + s.move) for p in book.items where p.k == K.a) for s in s4)
`);
    const text = printIr(optimizeIr(ir));
    // `q` scans the one group with key `a`; `o` still filters the list.
    expect(text).toMatch(/let %1 = group\(p#\d+ for p#\d+ in in\.book\.items by p#\d+\.k\)/);
    expect(text).toMatch(/output o = max\(sum\(.* for p#\d+, i#\d+ in in\.book\.items where/);
    expect(text).toMatch(/output q = max\(sum\(sum\(.* in %1 where/);
    const items = [
      { k: "b", x: 1 },
      { k: "a", x: 2 },
      { k: "a", x: 3 },
    ];
    expectSame(ir, [{ book: { items } }, { book: { items: [] } }]);
  });
});

describe("dead-output elimination", () => {
  it("keeps an earlier action of a rule that a kept action reads (found by the differential test)", () => {
    const ir = lower(`${HEADER}input x { a: Number }
rule r {
  set t: Number = x.a * 2
  set size: Number = 7
  cap size at t
}
output other: Number = t
output wanted: Number = size
`);
    const book = compileEvaluator(ir, { outputs: ["wanted"] });
    expect(book.evaluate({ x: { a: 1 } })).toEqual({ wanted: 2 });
    expect(printIr(optimizeIr(ir, { outputs: ["wanted"] }))).toContain("set t");
  });
});

describe("the real rulebooks with functions and lists are optimized, with the same results", () => {
  const books = {
    "rules/simm-style-delta.margin": /%gamma#\d+ = min\(b#\d+, c#\d+\)/,
    "rules/ewma-volatility-margin.margin": /let %\d+ = \(length\(returns\) - 3\)/,
    "rules/binance-usdm-cross.margin": /let %1 = \(maintenance > 0\)/,
    "rules/span-sp500.margin": /fn loss/,
  };
  for (const [file, shows] of Object.entries(books))
    it(file, () => {
      const ir = lower(readFileSync(file, "utf8"), file);
      expect(printIr(optimizeIr(ir))).toMatch(shows);
      const edge = new InputGenerator(ir, 5, "edge");
      const typical = new InputGenerator(ir, 6, "typical");
      expectSame(
        ir,
        Array.from({ length: 16 }, (_, i) => (i % 2 ? edge.next() : typical.next())),
      );
    });
});
