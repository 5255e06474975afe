/**
 * The decimal fast path (src/runtime/decimal-fast.ts): its readings of numbers and text give the
 * exact path's decimal, its exact operations are exact, its intervals contain the exact path's
 * result of `/` and `sqrt`, and its decisions (comparisons, rounding to a step) are the exact
 * ones or none. Property tests against the exact semantics (decimal.ts), with doubles turned into
 * decimals exactly (not through their shortest spelling) to check containment.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FAST_BAIL, fastKernel, readNumber, readText, scaledText } from "../../src/runtime/decimal-fast.js";
import { Dec, decDivide, decRoundToStep, decSqrt, decText, toDec } from "../../src/semantics/decimal.js";
import type { IrArithmetic } from "../../src/ir/ir.js";
import { exactDec } from "../support/exact-double.js";

const CONTEXT: IrArithmetic = { mode: "decimal", scale: 18, rounding: "half_even" };
const raise = (): never => {
  throw new Error("raised");
};

/** The next double above `x` (finite, positive or negative). */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x >= 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

function nextDown(x: number): number {
  return -nextUp(-x);
}

/** The decimal a register holds exactly, or its interval as exact decimals. */
function held(R: Float64Array, r: number): { exact: Dec } | { lo: Dec; hi: Dec } {
  const s = R[3 * r + 2]!;
  if (s >= 0) return { exact: new Dec(`${R[3 * r]!}e-${s}`) };
  return { lo: exactDec(R[3 * r]!), hi: exactDec(R[3 * r + 1]!) };
}

function expectHolds(R: Float64Array, r: number, value: Dec): void {
  const h = held(R, r);
  if ("exact" in h) expect(decText(h.exact)).toBe(decText(value));
  else {
    expect(h.lo.lte(value), `${h.lo.toFixed()} <= ${value.toFixed()}`).toBe(true);
    expect(value.lte(h.hi), `${value.toFixed()} <= ${h.hi.toFixed()}`).toBe(true);
  }
}

/** Runs `body`; true when it completed, false when the fast path gave up. */
function decided(body: () => void): boolean {
  try {
    body();
    return true;
  } catch (error) {
    if (error === FAST_BAIL) return false;
    throw error;
  }
}

const doubles = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e9, max: 1e9 }).chain((m) => fc.integer({ min: 0, max: 9 }).map((s) => m / 10 ** s)),
  fc.integer({ min: 1, max: 99_999 }).map((m) => (m / 100) * 100), // binary noise: 63079.99999999999
  fc.double({ min: 1e7, max: 1e10, noNaN: true }),
  fc.constantFrom(
    0.1,
    0.3,
    1e-7,
    5e-324,
    2 ** 53,
    2 ** 53 - 1,
    9007199254740.993,
    1e21,
    -0,
    123456789.12345679,
  ),
);

/** Exact registers: a safe mantissa and a scale. */
const exacts = fc.tuple(
  fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -(2 ** 52), max: 2 ** 52 })),
  fc.integer({ min: 0, max: 12 }),
);

describe("reading inputs", () => {
  it("a JSON number reads as the decimal of its shortest spelling (or an interval around it)", () => {
    const R = new Float64Array(3);
    let exact = 0;
    fc.assert(
      fc.property(doubles, (v) => {
        readNumber(R, 0, v);
        if (R[2]! >= 0) exact++;
        expectHolds(R, 0, toDec(v));
      }),
      { numRuns: 3000, seed: 19 },
    );
    expect(exact).toBeGreaterThan(1000);
  });

  it("reads a JSON number at the fewest places that round-trip, as a reference trying every place does", () => {
    // Every place in turn below 2^51 (one candidate at most), then the 16-digit zone up to 2^53.
    const reference = (v: number): [number, number, number] => {
      if (Number.isSafeInteger(v)) return [v + 0, 0, 0];
      const a = Math.abs(v);
      for (let s = 1; s <= 22; s++) {
        const p = 10 ** s;
        const t = a * p;
        if (t < 2 ** 51) {
          const r = Math.floor(t + 0.5);
          if (Math.abs(t - r) <= t * 2 ** -48 && r / p === a) return [v < 0 ? -r : r, 0, s];
          continue;
        }
        if (t >= 2 ** 53) break;
        const r = Math.round(t);
        const hits = [r - 1, r, r + 1].filter((c) => c <= Number.MAX_SAFE_INTEGER && c / p === a);
        if (hits.length === 1) return [v < 0 ? -hits[0]! : hits[0]!, 0, s];
        if (hits.length > 1) break;
      }
      return [Number.NaN, Number.NaN, -1];
    };
    const R = new Float64Array(3);
    const bits = fc
      .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }))
      .map(([hi, lo]) => {
        const view = new DataView(new ArrayBuffer(8));
        view.setUint32(0, hi);
        view.setUint32(4, lo);
        return view.getFloat64(0);
      })
      .filter((v) => Number.isFinite(v));
    const places = fc
      .tuple(fc.integer({ min: 1, max: 2 ** 50 }), fc.integer({ min: 0, max: 22 }))
      .map(([m, s]) => m / 10 ** s);
    const adversarial = fc.constantFrom(
      0.1 + 0.2,
      1e21,
      1e22,
      1e23,
      5e-324,
      2.2250738585072014e-308,
      -0,
      2 ** 51 + 0.5,
      2 ** 52 - 0.5,
      1e-22,
      1.5e-22,
      123456789.12345679,
      0.00012345,
      1 / 3,
      -2 / 3,
    );
    fc.assert(
      fc.property(fc.oneof(doubles, bits, places, adversarial), (v) => {
        readNumber(R, 0, v);
        const [m, , s] = reference(v);
        expect(R[2]).toBe(s);
        if (s >= 0) expect(R[0]).toBe(m);
        expectHolds(R, 0, toDec(v));
      }),
      { numRuns: 4000, seed: 19 },
    );
  });

  it("decimal text reads digit by digit, exactly, as toDec reads it", () => {
    const R = new Float64Array(3);
    const texts = fc
      .tuple(
        fc.constantFrom("", "-", "+"),
        fc.stringMatching(/^\d{0,20}$/),
        fc.stringMatching(/^\d{0,20}$/),
        fc.constantFrom("", "e3", "E-5", "e+0", "e-30", "e17", " "),
      )
      .filter(([, a, b]) => a.length + b.length > 0)
      .map(([sign, a, b, e]) => `${sign}${a}${b.length ? `.${b}` : ""}${e}`);
    fc.assert(
      fc.property(texts, (text) => {
        expect(readText(R, 0, text)).toBe(true);
        expectHolds(R, 0, toDec(text));
      }),
      { numRuns: 3000, seed: 19 },
    );
    expect(readText(R, 0, "12abc")).toBe(false);
  });

  it("writes decimal text as decText does at the edges of its digit tables", () => {
    const wholes = [
      0,
      1,
      999,
      1000,
      1001,
      9_999,
      10_000,
      10_001,
      999_999,
      1e6,
      1_000_001,
      99_999_999,
      1e8,
      1e8 + 1,
      999_999_999,
      1e9,
      1e9 + 1,
      1e12 - 1,
      1e12,
      123_456_789_012_345,
      2 ** 53 - 1,
    ];
    const fractions = [
      0, 1, 10, 1000, 10_001, 5_000_000, 12_345_678, 100_000_001, 120_000, 100_100_000, 7_000_010,
    ];
    for (const whole of wholes)
      for (const s of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12])
        for (const f of fractions) {
          const m = whole * 10 ** s + (f % 10 ** s);
          if (!Number.isSafeInteger(m)) continue;
          for (const signed of [m, -m])
            expect(scaledText(signed, s)).toBe(decText(new Dec(`${signed}e-${s}`)));
        }
  });

  it("reads doubles next to half-units of a scale (where floor(t + 1/2) and Math.round could part)", () => {
    const R = new Float64Array(3);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 12 }), (k, s) => {
        const half = (k + 0.5) / 10 ** s;
        for (const v of [half, nextUp(half), nextDown(half), -half]) {
          readNumber(R, 0, v);
          expectHolds(R, 0, toDec(v));
        }
      }),
      { numRuns: 1500, seed: 19 },
    );
  });

  it("writes the same whole part in turn with other fractions and signs", () => {
    for (const whole of [1234, 98_765_432, 123_456_789_012])
      for (const [m, s] of [
        [whole * 100 + 7, 2],
        [whole * 1e7 + 146_792, 7],
        [-(whole * 10 + 5), 1],
        [whole + 1, 0],
        [whole * 100 + 7, 2],
      ] as const)
        if (Number.isSafeInteger(m)) expect(scaledText(m, s)).toBe(decText(new Dec(`${m}e-${s}`)));
  });

  it("writes decimal text as decText does", () => {
    fc.assert(
      fc.property(exacts, fc.integer({ min: 0, max: 30 }), ([m], s) => {
        expect(scaledText(m, s)).toBe(decText(new Dec(`${m}e-${s}`)));
      }),
      { numRuns: 3000, seed: 19 },
    );
  });
});

describe("operations", () => {
  const K = fastKernel(8, 18, []);
  const set = (r: number, [m, s]: [number, number]): Dec => {
    K.exact(r, m, s);
    return new Dec(`${m}e-${s}`);
  };

  it("+ - * and comparisons of exact values are exact (intervals, when they overflow, contain the result)", () => {
    fc.assert(
      fc.property(exacts, exacts, (x, y) => {
        const a = set(0, x);
        const b = set(1, y);
        K.add(2, 0, 1);
        expectHolds(K.R, 2, a.plus(b));
        K.sub(3, 0, 1);
        expectHolds(K.R, 3, a.minus(b));
        K.mul(4, 0, 1);
        expectHolds(K.R, 4, a.times(b));
        K.mul(5, 4, 3); // interval operands after an overflow
        expectHolds(K.R, 5, a.times(b).times(a.minus(b)));
        let c = 0;
        if (decided(() => (c = K.lt(0, 1) ? -1 : K.eq(0, 1) ? 0 : 1))) expect(c).toBe(a.cmp(b));
        else expect(a.minus(b).abs().lt(a.abs().plus(b.abs()).times(1e-14))).toBe(true);
      }),
      { numRuns: 2000, seed: 19 },
    );
  });

  it("/ and sqrt give intervals that contain the exact path's rounded result", () => {
    fc.assert(
      fc.property(exacts, exacts, exacts, (x, y, z) => {
        const a = set(0, x);
        const b = set(1, y);
        const c = set(2, z);
        if (!b.isZero()) {
          K.div(3, 0, 1);
          const q = decDivide(a, b, CONTEXT, 0, raise);
          expectHolds(K.R, 3, q);
          if (!c.isZero() && decided(() => K.div(4, 3, 2)))
            expectHolds(K.R, 4, decDivide(q, c, CONTEXT, 0, raise));
        }
        if (!a.isNeg()) {
          K.sqrt(5, 0);
          const r = decSqrt(a, CONTEXT, 0, raise);
          expectHolds(K.R, 5, r);
          K.mul(6, 5, 2);
          expectHolds(K.R, 6, r.times(c));
        }
      }),
      { numRuns: 2000, seed: 19 },
    );
  });

  it("rounding to a step is the exact rounding whenever it is decided", () => {
    const steps: [number, number][] = [
      [1, 2],
      [5, 3],
      [1, 0],
      [25, 1],
    ];
    let undecided = 0;
    fc.assert(
      fc.property(exacts, exacts, fc.constantFrom(...steps), fc.constantFrom(0, 1, 2), (x, y, st, code) => {
        const a = set(0, x);
        const b = set(1, y);
        const step = set(2, st);
        const direction = (["up", "down", "half_even"] as const)[code]!;
        // Exact values round exactly (unless aligning the scales leaves the safe integers).
        if (decided(() => K.round(3, 0, 2, code)))
          expectHolds(K.R, 3, decRoundToStep(direction, a, step, 0, raise));
        else expect(a.abs().gt(2 ** 52 / 1e3)).toBe(true);
        if (b.isZero()) return;
        // a / b is an interval (unless exact): rounded when the interval lies inside one cell.
        K.div(4, 0, 1);
        const q = decDivide(a, b, CONTEXT, 0, raise);
        if (decided(() => K.round(5, 4, 2, code)))
          expectHolds(K.R, 5, decRoundToStep(direction, q, step, 0, raise));
        else {
          // Only next to a boundary (a multiple of half the step), or beyond the safe integers.
          undecided++;
          const half = step.div(2);
          const cell = q.div(half);
          const distance = q.minus(cell.toDecimalPlaces(0, Dec.ROUND_HALF_EVEN).times(half)).abs();
          expect(distance.lt(Dec.max(q.abs(), 1).times(1e-12)) || cell.abs().gt(2 ** 50)).toBe(true);
        }
      }),
      { numRuns: 2000, seed: 19 },
    );
    expect(undecided).toBeLessThan(500);
  });

  it("gives up on a boundary it cannot see past: 1/3 * 3 is just below 1, its interval reaches 1", () => {
    set(0, [1, 0]);
    set(1, [3, 0]);
    set(2, [1, 2]);
    K.div(3, 0, 1);
    K.mul(4, 3, 1);
    expect(decided(() => K.round(5, 4, 2, 0))).toBe(false);
    expect(decided(() => K.text(4))).toBe(false);
    // Exact zero divisor and negative square root: the exact path raises, the fast path gives up.
    set(6, [0, 0]);
    expect(decided(() => K.div(7, 0, 6))).toBe(false);
    set(6, [-4, 0]);
    expect(decided(() => K.sqrt(7, 6))).toBe(false);
    // An exact quotient and root stay exact.
    set(6, [4, 0]);
    K.div(7, 0, 6);
    expect(K.text(7)).toBe("0.25");
    set(6, [225, 4]);
    K.sqrt(7, 6);
    expect(K.text(7)).toBe("0.15");
  });
});
