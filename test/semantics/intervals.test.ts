/**
 * The binary64 ranges (src/semantics/intervals.ts) are sound: for random expression trees over
 * random ranges (with infinities, zeros, subnormals and the largest doubles among their ends), the
 * double JavaScript computes at any points inside the leaf ranges lies in the range the expression's
 * range arithmetic gives, or is NaN where the range says NaN may come. A division by 0, the square
 * root of a negative and the logarithm of a non-positive number stop an evaluation, so those points
 * are skipped, as the runtime raises there.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as R from "../../src/semantics/intervals.js";
import { roundDown, roundHalfEven, roundUp, decimalStep } from "../../src/semantics/numeric.js";

/** An expression over leaves 0..n-1. */
type Expr =
  | { op: "leaf"; i: number }
  | { op: "neg" | "abs" | "sqrt" | "exp" | "ln"; x: Expr }
  | { op: "+" | "-" | "*" | "/" | "min" | "max"; l: Expr; r: Expr }
  | { op: "round"; direction: "up" | "down" | "half_even"; step: number; x: Expr };

const LEAVES = 3;

const ends = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Infinity,
    -Infinity,
    0.1,
    1e300,
    -1e300,
    2 ** 53,
  ),
  fc.double({ noNaN: true }),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
);

const rangeArb = fc
  .tuple(ends, ends, fc.boolean())
  .map(([a, b, nan]): R.Range => ({ lo: Math.min(a, b), hi: Math.max(a, b), nan }));

const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ op: fc.constant("leaf" as const), i: fc.integer({ min: 0, max: LEAVES - 1 }) }),
    fc.record({ op: fc.constantFrom("neg", "abs", "sqrt", "exp", "ln" as const), x: tie("e") }),
    fc.record({ op: fc.constantFrom("+", "-", "*", "/", "min", "max" as const), l: tie("e"), r: tie("e") }),
    fc.record({
      op: fc.constant("round" as const),
      direction: fc.constantFrom("up", "down", "half_even" as const),
      step: fc.constantFrom(0.01, 0.05, 1, 0.001, 1 / 3),
      x: tie("e"),
    }),
  ),
})).e;

/** A point inside a range: an end, a neighbour of an end, 0, or a value between. */
function pointIn(r: R.Range, pick: number, t: number): number {
  if (r.nan && pick % 3 === 2) return NaN;
  const lo = r.lo;
  const hi = r.hi;
  const inside = (x: number): number => (x >= lo && x <= hi ? x : lo);
  switch ((pick >> 2) % 6) {
    case 0:
      return lo;
    case 1:
      return hi;
    case 2:
      return inside(R.nextUp(lo));
    case 3:
      return inside(R.nextDown(hi));
    case 4:
      return inside(0);
    default: {
      const a = Number.isFinite(lo) ? lo : -Number.MAX_VALUE;
      const b = Number.isFinite(hi) ? hi : Number.MAX_VALUE;
      return inside(a + (b - a) * t || a * (1 - t) + b * t);
    }
  }
}

class Stop extends Error {}

/** The double the runtime computes (throwing Stop where it raises). */
function evaluate(e: Expr, x: readonly number[]): number {
  switch (e.op) {
    case "leaf":
      return x[e.i]!;
    case "neg":
      return -evaluate(e.x, x);
    case "abs":
      return Math.abs(evaluate(e.x, x));
    case "sqrt": {
      const v = evaluate(e.x, x);
      if (v < 0) throw new Stop();
      return Math.sqrt(v);
    }
    case "ln": {
      const v = evaluate(e.x, x);
      if (v <= 0) throw new Stop();
      return Math.log(v);
    }
    case "exp":
      return Math.exp(evaluate(e.x, x));
    case "round": {
      const v = evaluate(e.x, x);
      const { units, scale } = decimalStep(e.step);
      const f = e.direction === "up" ? roundUp : e.direction === "down" ? roundDown : roundHalfEven;
      return f(v, e.step, units, scale);
    }
    default: {
      const l = evaluate(e.l, x);
      const r = evaluate(e.r, x);
      switch (e.op) {
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          if (r === 0) throw new Stop();
          return l / r;
        case "min":
          return Math.min(l, r);
        case "max":
          return Math.max(l, r);
      }
    }
  }
}

/** The range of an expression. */
function rangeOf(e: Expr, leaves: readonly R.Range[]): R.Range {
  switch (e.op) {
    case "leaf":
      return leaves[e.i]!;
    case "neg":
      return R.negate(rangeOf(e.x, leaves));
    case "abs":
      return R.magnitude(rangeOf(e.x, leaves));
    case "sqrt":
      return R.squareRoot(rangeOf(e.x, leaves));
    case "ln":
      return R.logarithm(rangeOf(e.x, leaves));
    case "exp":
      return R.exponential(rangeOf(e.x, leaves));
    case "round":
      return R.roundedToStep(rangeOf(e.x, leaves), e.direction, e.step);
    default: {
      const [l, r] = [rangeOf(e.l, leaves), rangeOf(e.r, leaves)];
      const f = { "+": R.plus, "-": R.minus, "*": R.times, "/": R.divide, min: R.least, max: R.greatest }[
        e.op
      ];
      return f(l, r);
    }
  }
}

describe("binary64 ranges", () => {
  it("hold the double computed at any points inside the operand ranges", () => {
    fc.assert(
      fc.property(
        exprArb,
        fc.array(rangeArb, { minLength: LEAVES, maxLength: LEAVES }),
        fc.array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: LEAVES,
          maxLength: LEAVES,
        }),
        (e, leaves, picks) => {
          const points = leaves.map((r, i) => pointIn(r, picks[i]![0], picks[i]![1]));
          let value: number;
          try {
            value = evaluate(e, points);
          } catch (error) {
            if (error instanceof Stop) return;
            throw error;
          }
          const r = rangeOf(e, leaves);
          if (Number.isNaN(value)) expect(r.nan, `NaN outside ${JSON.stringify(r)}`).toBe(true);
          else expect(value >= r.lo && value <= r.hi, `${value} outside [${r.lo}, ${r.hi}]`).toBe(true);
        },
      ),
      { numRuns: 4000, seed: 15 },
    );
  });

  it("round products and sums to nearest at the ends: exact, not widened", () => {
    expect(R.times(R.range(0.1, 0.2), R.range(3))).toEqual(R.range(0.1 * 3, 0.2 * 3));
    expect(R.plus(R.range(Number.MAX_VALUE), R.range(1e6))).toEqual(R.range(Number.MAX_VALUE));
    expect(R.plus(R.range(Number.MAX_VALUE), R.range(Number.MAX_VALUE))).toEqual(R.range(Infinity));
  });

  it("say where NaN may come from: inf - inf, 0 x inf, inf / inf", () => {
    expect(R.minus(R.range(0, Infinity), R.range(0, Infinity)).nan).toBe(true);
    expect(R.times(R.range(0, 1), R.range(1, Infinity)).nan).toBe(true);
    expect(R.divide(R.range(1, Infinity), R.range(1, Infinity)).nan).toBe(true);
    expect(R.times(R.range(1, 2), R.range(1, Number.MAX_VALUE)).nan).toBe(false);
  });

  it("compare ranges: a comparison with a possible NaN may be false", () => {
    expect(R.compare(">=", R.range(1, 2), R.range(0, 1))).toEqual([true, false]);
    expect(R.compare(">=", { ...R.range(1, 2), nan: true }, R.range(0, 1))).toEqual([true, true]);
    expect(R.compare("<", R.range(1, 2), R.range(3, 4))).toEqual([true, false]);
    expect(R.compare("==", R.range(1), R.range(1))).toEqual([true, false]);
  });
});
