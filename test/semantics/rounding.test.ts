/**
 * Directed rounding never crosses its argument: `round up` returns a double >= x and `round down`
 * one <= x, for every double (any bit pattern, 5e-324 included), in the semantics layer, the
 * reference interpreter and the generated code (an output's `round ... to` clause and the
 * `round_up` / `round_down` functions with a step chosen at run time).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { decimalStep, roundDown, roundUp } from "../../src/semantics/numeric.js";
import { checkRulebook } from "../../src/service/language-service.js";

const STEPS = [0.01, 0.5, 1, 0.1, 1e-8, 0.25, 1 / 3, 100, 1e-300];

function compile(): IrRulebook {
  const source = [
    'rulebook "rounding" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD',
    "input a { x: Number, step: Number > 0 }",
    ...STEPS.flatMap((s, i) => [
      `output up${i}: Number = a.x round up to ${s === 1 / 3 ? "1 / 3" : String(s)}`,
      `output down${i}: Number = a.x round down to ${s === 1 / 3 ? "1 / 3" : String(s)}`,
    ]),
    "output up_dynamic: Number = round_up(a.x, a.step)",
    "output down_dynamic: Number = round_down(a.x, a.step)",
  ].join("\n");
  const result = checkRulebook(source, "rounding.margin", {
    readFile: () => undefined,
    resolve: (_f, p) => p,
  });
  expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  return lowerRulebook(result.checked);
}

/** Any finite double, drawn from its bit pattern (so subnormals and huge values are as likely as 1.5). */
const anyDouble = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([hi, lo]) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, hi);
    view.setUint32(4, lo);
    return view.getFloat64(0);
  })
  .filter(Number.isFinite);

const doubles = fc.oneof(
  anyDouble,
  fc.double({ min: -1e7, max: 1e7, noNaN: true }),
  fc.integer({ min: -100_000, max: 100_000 }).map((n) => (n / 100) * 3),
  fc.constantFrom(
    5e-324,
    -5e-324,
    1e-320,
    0.07 * 3,
    1.1,
    92.50000000000001,
    2 ** 53 + 2,
    1.7976931348623157e308,
  ),
);

describe("directed rounding never crosses its argument", () => {
  it("in the semantics layer, for every step, including the smallest subnormal", () => {
    for (const step of STEPS) {
      const { units, scale } = decimalStep(step);
      expect(roundUp(5e-324, step, units, scale)).toBeGreaterThanOrEqual(5e-324);
      expect(roundDown(-5e-324, step, units, scale)).toBeLessThanOrEqual(-5e-324);
    }
    const { units, scale } = decimalStep(0.01);
    expect(roundUp(5e-324, 0.01, units, scale)).toBe(0.01);
    // The snap still undoes the division's noise: 1.1 / 0.1 is 11.000000000000002.
    expect(roundUp(1.1, 0.1, 1, 10)).toBe(1.1);
    expect(roundUp(0.3, 0.01, units, scale)).toBe(0.3);
    expect(roundDown(0.57, 0.01, units, scale)).toBe(0.57);
    // Noise in the argument itself is above the double 0.21, so it rounds up a step.
    expect(roundUp(0.07 * 3, 0.01, units, scale)).toBe(0.22);
  });

  it("in the interpreter and the generated code, on random doubles", () => {
    const ir = compile();
    const compiled = compileEvaluator(ir);
    fc.assert(
      fc.property(
        doubles,
        fc.oneof(fc.constantFrom(...STEPS), fc.double({ min: 1e-6, max: 1e6, noNaN: true })),
        (x, step) => {
          const input = { a: { x, step } };
          let interpreted: Record<string, unknown>;
          try {
            interpreted = evaluate(ir, input).outputs;
          } catch {
            // A rounding whose result overflows (x near the largest double) is refused as an output
            // (MB6007); nothing to compare then.
            return;
          }
          expect(compiled.evaluate(input)).toEqual(interpreted);
          for (const [name, value] of Object.entries(interpreted)) {
            if (name.startsWith("up")) expect(value as number).toBeGreaterThanOrEqual(x);
            else expect(value as number).toBeLessThanOrEqual(x);
          }
        },
      ),
      { numRuns: 3000, seed: 14 },
    );
  });
});
