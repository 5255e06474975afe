/**
 * The inline operations of generated decimal fast paths (src/runtime/decimal-fast-ops.ts): exact
 * `+ - *`, comparisons and rounding on local variables, intervals (`+ - * sqrt`, comparisons) with
 * the kernel's bounds, and the kernel behind them. A book that uses every one, with constants of
 * several places mixed with inputs, on random inputs of every magnitude and number of places
 * (mantissas beyond the safe integers turn exact values into intervals): the generated code must
 * give the interpreter's text or error on every input, and must answer most of them on doubles.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { decimalFastCounts, down, FAST_BAIL, fastKernel, up } from "../../src/runtime/decimal-fast.js";
import { POWERS } from "../../src/runtime/decimal-fast-codegen.js";
import { digitsOf, scaledText, textTables } from "../../src/runtime/decimal-text.js";
import * as ops from "../../src/runtime/decimal-fast-ops.js";
import { Dec, decRoundToStep, decText } from "../../src/semantics/decimal.js";
import { exactDec } from "../support/exact-double.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { compileChecked } from "../../src/service/compile-rulebook.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { attemptAny } from "../support/outcomes.js";

const BOOK = `rulebook "Every fast operation" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
  arithmetic decimal
input p { a: Number, b: Number, c: Number }
tiers t by k: Number, marginal {
  columns r: Rate, n: Number
  [0, 10)      1.5%   7
  [10, 1000)   2.25%  3
  [1000, inf)  4%     1
}
let sum = p.a + 0.125 - p.b
let product = p.a * p.b * 1.1
let root = sqrt(abs(p.c))
let quotient = p.a / (abs(p.b) + 0.5)
rule start {
  set q: Number = product
}
rule grow when p.a > p.b {
  add root to q
  floor q at -p.c
  cap q at 1000000
  scale q by 1.0001
}
output total: Number = sum * root + quotient round half_even to 0.0001
output up: Number = product - root round up to 0.01
output down: Number = -product + sum round down to 0.001
output even: Number = round_half_even(product * 3, 0.5)
output picked: Number = clamp(min(p.a, p.b * 2), -5, max(p.c, 7.25))
output rate: Rate = t(abs(p.a)).r
output steps: Number = t(abs(p.a)).n
output margin: Number = t.margin(abs(p.b) * 10, r)
output cut: Number = t.deduction(abs(p.b) * 10, r)
output same: Bool = p.a == p.b * 1.0 or p.c != 2.5 and p.a <= p.c
output chosen: Number = if p.a >= 0.3 then quotient else root round down to 0.01
output grown: Number = q round up to 0.001
output exact: Number = sum - product
`;

/** Numbers of every kind: short decimals, binary noise, 17 digits, large and tiny, negative. */
const numbers = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .integer({ min: -1e6, max: 1e6 })
      .chain((m) => fc.integer({ min: 0, max: 6 }).map((s) => m / 10 ** s)),
  },
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }).map((m) => m / 1e4),
  fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 0.5, 2.5, 7.25, 10, 1000, 999.995, 1e-12, 0.1 + 0.2) },
);

describe("decimal fast path operations", () => {
  it("give the interpreter's results on random inputs, most on doubles", () => {
    const compiled = compileChecked(checkRulebook(BOOK, "ops.margin"), {
      arithmetic: { mode: "decimal", scale: 18, rounding: "half_even" },
    });
    if (!compiled.ok) throw new Error("the book has errors");
    const ir = compiled.ir;
    const generated = compileEvaluator(ir);
    expect(generated.source).toContain("function fast(raw)");
    const before = { ...decimalFastCounts };
    fc.assert(
      fc.property(numbers, numbers, numbers, (a, b, c) => {
        const input = { p: { a, b, c } };
        const expected = attemptAny(() => evaluate(ir, input).outputs);
        expect(attemptAny(() => generated.evaluate(input))).toEqual(expected);
      }),
      { numRuns: 1500, seed: 1915 },
    );
    const fast = decimalFastCounts.fast - before.fast;
    const exact = decimalFastCounts.exact - before.exact;
    expect(fast + exact).toBe(1500);
    expect(fast).toBeGreaterThan(exact);
  });
});

/** A value as the generated code holds it: exact `[m, 0, s]` or the interval `[lo, hi, -1]`. */
type Held = [number, number, number];

/** Exact values (safe mantissas, 0 to 12 places) and intervals around doubles of every magnitude. */
const held: fc.Arbitrary<Held> = fc.oneof(
  fc
    .tuple(
      fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -(2 ** 52), max: 2 ** 52 })),
      fc.integer({ min: 0, max: 12 }),
    )
    .map(([m, s]): Held => [m, 0, s]),
  fc
    .tuple(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 30 }))
    .map(([v, width]): Held => {
      const x = Math.abs(v) < 1e-6 ? 0 : v; // (tiny doubles have a thousand digits: slow to check)
      return [x - Math.abs(x) * 2 ** -(52 - width), x + Math.abs(x) * 2 ** -(52 - width), -1];
    }),
);

/** The exact decimals at the corners of a held value (one for an exact value, two for an interval). */
function corners([a, b, s]: Held): Dec[] {
  return s >= 0 ? [new Dec(`${a}e-${s}`)] : [exactDec(a), exactDec(b)];
}

/** A test of whether a held result is a value exactly, or an interval containing it. */
function holder([a, b, s]: Held): (value: Dec) => boolean {
  if (s >= 0) {
    const text = decText(new Dec(`${a}e-${s}`));
    return (value) => decText(value) === text;
  }
  const lo = exactDec(a);
  const hi = exactDec(b);
  return (value) => lo.lte(value) && value.lte(hi);
}

/** Whether a held result is `value` exactly, or an interval containing it. */
function holds(result: Held, value: Dec): boolean {
  return holder(result)(value);
}

const X: ops.Num = { a: "xa", b: "xb", s: "xs" };
const Y: ops.Num = { a: "ya", b: "yb", s: "ys" };
const D: ops.Num = { a: "da", b: "db", s: "ds" };

/**
 * Compiles the statements of one inline operation into a function of two held values that returns
 * the held result (and `c`, for comparisons), with the kernel behind them; undefined when it gave up.
 */
function inline(code: string): (x: Held, y: Held) => { d: Held; c: unknown } | undefined {
  const K = fastKernel(4, 18, []);
  const make = new Function(
    "K",
    "P",
    `const FR = K.R, FP = P, FE = K.eps, FT = K.tiny, FU = K.unit, Fadd = K.add, Fsub = K.sub, Fmul = K.mul,
      Fcmp = K.cmp, Feq = K.eq, Fround = K.round, Fbail = K.bail;
    const FNaN = NaN, Mfloor = Math.floor, Msqrt = Math.sqrt, Mmin = Math.min, Mmax = Math.max, Mabs = Math.abs;
    return (xa, xb, xs, ya, yb, ys) => { let da = 0, db = 0, ds = FNaN, c; ${code} return [da, db, ds, c]; };`,
  ) as (K: unknown, P: Float64Array) => (...args: number[]) => [number, number, number, unknown];
  const run = make(K, POWERS);
  return (x, y) => {
    try {
      const [a, b, s, c] = run(...x, ...y);
      return { d: [a, b, s], c };
    } catch (error) {
      if (error === FAST_BAIL) return undefined;
      throw error;
    }
  };
}

describe("inline operations", () => {
  it("+ - * are exact on exact values and contain every result of their operands' intervals", () => {
    const add = inline(ops.add(D, X, Y, 1));
    const sub = inline(ops.add(D, X, Y, -1));
    const mul = inline(ops.mul(D, X, Y));
    fc.assert(
      fc.property(held, held, (x, y) => {
        const sum = holder(add(x, y)!.d);
        const difference = holder(sub(x, y)!.d);
        const product = holder(mul(x, y)!.d);
        const ys = corners(y);
        for (const a of corners(x))
          for (const b of ys) {
            expect(sum(a.plus(b))).toBe(true);
            expect(difference(a.minus(b))).toBe(true);
            expect(product(a.times(b))).toBe(true);
          }
      }),
      { numRuns: 1000, seed: 1915 },
    );
  });

  it("comparisons are the exact ones whenever they decide, and sqrt contains the roots", () => {
    const compare = inline(ops.compare("c", X, Y));
    const equal = inline(ops.equal("c", X, Y));
    const sqrt = inline(ops.sqrt(D, X, 18));
    let decided = 0;
    fc.assert(
      fc.property(held, held, (x, y) => {
        const c = compare(x, y)?.c;
        const e = equal(x, y)?.c;
        for (const a of corners(x))
          for (const b of corners(y)) {
            if (c !== undefined) expect(c).toBe(a.cmp(b));
            if (e !== undefined) expect(e).toBe(a.eq(b));
          }
        if (c !== undefined) decided++;
        // The same exact value written with one more place compares equal.
        if (x[2] >= 0 && Math.abs(x[0]) < 2 ** 49) {
          const same: Held = [x[0] * 10, 0, x[2] + 1];
          expect(compare(x, same)?.c).toBe(0);
          expect(equal(same, x)?.c).toBe(true);
        }
        const root = sqrt(x, y);
        if (corners(x).every((a) => a.gte(0))) {
          // Within a unit of the scale of every root (the exact path rounds to 18 places): an exact
          // root squares back; an interval [lo, hi] has (lo + 10^-18)^2 <= a <= (hi - 10^-18)^2.
          const [lo, hi, places] = root!.d;
          const unit = new Dec("1e-18");
          for (const a of corners(x))
            if (places >= 0) expect(new Dec(`${lo}e-${places}`).pow(2).eq(a)).toBe(true);
            else {
              const low = exactDec(lo).plus(unit);
              expect(low.lte(0) || low.pow(2).lte(a)).toBe(true);
              expect(exactDec(hi).minus(unit).pow(2).gte(a)).toBe(true);
            }
        } else expect(root).toBeUndefined();
      }),
      { numRuns: 1000, seed: 1915 },
    );
    expect(decided).toBeGreaterThan(800);
  });

  it("rounding an exact value to a step is the exact rounding, at the step's places", () => {
    const K = fastKernel(4, 18, []);
    const steps: [number, number][] = [
      [1, 2],
      [5, 3],
      [1, 0],
      [25, 1],
    ];
    fc.assert(
      fc.property(held, fc.constantFrom(...steps), fc.constantFrom(0, 1, 2), (x, [sm, ss], code) => {
        const step: ops.Num = { a: "sa", b: "sb", s: String(ss), places: ss, register: 3 };
        K.exact(3, sm, ss);
        const round = new Function(
          "K",
          "P",
          "sa",
          "sb",
          `const FR = K.R, FP = P, Fround = K.round, Mfloor = Math.floor;
          return (xa, xb, xs) => { let da = 0, db = 0, ds = NaN; ${ops.round(D, X, step, code)} return [da, db, ds]; };`,
        )(K, POWERS, sm, 0) as (...args: number[]) => Held;
        let result: Held | undefined;
        try {
          result = round(...x);
        } catch (error) {
          if (error !== FAST_BAIL) throw error;
        }
        if (x[2] < 0 || result === undefined) return;
        const direction = (["up", "down", "half_even"] as const)[code]!;
        const expected = decRoundToStep(direction, corners(x)[0]!, new Dec(`${sm}e-${ss}`), 0, () => {
          throw new Error("raised");
        });
        expect(holds(result, expected)).toBe(true);
        if (result[2] >= 0) expect(result[2]).toBe(ss);
      }),
      { numRuns: 1000, seed: 1915 },
    );
  });
});

describe("inline text", () => {
  // Mantissas at every group boundary of three digits, where a quotient by 10^k rounds up to the
  // next whole (near 2^53), and random ones; each with both signs.
  const edges = [0, 1, 5, 9, 10, 99, 100, 101, 999, 1000, 1001, 99_999, 100_000, 999_999, 1e6, 1e6 + 1];
  const large = [1e9 - 1, 1e9, 1e9 + 7, 123_456_789_012, 1000 * 2 ** 43 - 1, 100 * 2 ** 46 - 1, 2 ** 53 - 1];
  const mantissas = fc.oneof(
    fc.constantFrom(...edges, ...large),
    fc.integer({ min: 0, max: 1e7 }),
    fc.integer({ min: 0, max: 2 ** 53 - 1 }),
  );

  it("writes a value at the places known when the code is generated as scaledText does, and others through it", () => {
    for (const places of [0, 1, 2, 3]) {
      const tables = textTables(places);
      const write = new Function(
        "T",
        "Ftext",
        "Fdigits",
        "Fbail",
        `const FD3 = T.digits, FP3 = T.three, FC2 = T.cents, FF = T.fraction, Mfloor = Math.floor;
        return (xa, xb, xs) => { ${ops.text("o", X, places, "FF")} return o; };`,
      )(tables, scaledText, digitsOf, () => {
        throw FAST_BAIL;
      }) as (...args: number[]) => string;
      fc.assert(
        fc.property(mantissas, fc.boolean(), fc.integer({ min: -1, max: 5 }), (m, negative, shift) => {
          const signed = negative ? -m : m;
          // At the known places (the inline code), or at others (the general scaledText).
          const s = shift < 0 ? places : shift;
          expect(write(signed, 0, s)).toBe(decText(new Dec(`${signed}e-${s}`)));
        }),
        { numRuns: 600, seed: 1915 + places },
      );
      for (const m of [...edges, ...large])
        for (const signed of [m, -m])
          expect(write(signed, 0, places)).toBe(decText(new Dec(`${signed}e-${places}`)));
      expect(() => write(1, 2, -1)).toThrow();
    }
  });

  it("writes a value at any places inline as scaledText does (0 to 9), and others through it", () => {
    const tables = textTables(3);
    const R = new Float64Array(3);
    const write = new Function(
      "T",
      "FR",
      "Ftext0",
      "Fdigits",
      "Fbail",
      "FP",
      `const FD3 = T.digits, FP3 = T.three, FDT3 = T.dotThree, FT3 = T.trimmed3, FF3 = T.fraction, Mfloor = Math.floor;
      return (xa, xb, xs) => { ${ops.textAny("o", X, "FF3")} return o; };`,
    )(
      tables,
      R,
      (s: number) => scaledText(R[0]!, s),
      digitsOf,
      () => {
        throw FAST_BAIL;
      },
      POWERS,
    ) as (...args: number[]) => string;
    // Fractions with zeros in every group and position: 0.000000001, 0.1002, 0.12003 ...
    const fractions = fc.oneof(
      fc.integer({ min: 0, max: 999_999_999 }),
      fc.constantFrom(1, 10, 100, 1000, 1001, 100_100, 1_000_000, 1_000_001, 120_003_000, 999_000_000),
    );
    fc.assert(
      fc.property(
        mantissas,
        fractions,
        fc.boolean(),
        fc.integer({ min: 0, max: 12 }),
        (m, f, negative, s) => {
          // A whole part m and a fraction of at most s places, when the mantissa stays safe.
          const fraction = s <= 9 ? f % 10 ** s : f;
          const mantissa = m * 10 ** s + fraction;
          fc.pre(Number.isSafeInteger(mantissa));
          const signed = negative ? -mantissa : mantissa;
          expect(write(signed, 0, s)).toBe(decText(new Dec(`${signed}e-${s}`)));
        },
      ),
      { numRuns: 3000, seed: 1919 },
    );
    for (const m of [...edges, ...large])
      for (const s of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        for (const signed of [m, -m])
          if (Number.isSafeInteger(signed))
            expect(write(signed, 0, s)).toBe(decText(new Dec(`${signed}e-${s}`)));
    expect(() => write(1, 2, -1)).toThrow();
    expect(() => write(1, 2, Number.NaN)).toThrow();
  });

  it("a tier row is found inline exactly when the key lies clear of every boundary", () => {
    // Rows [0, 10), [10, 20.5), [20.5, 50), [50, top): bounds as the kernel holds them (lo, hi).
    const lower = ["0", "10", "20.5", "50"].map((b) => new Dec(b));
    const keys: fc.Arbitrary<Held> = fc.oneof(
      held,
      fc
        .tuple(fc.integer({ min: -2000, max: 12_000 }), fc.integer({ min: 0, max: 3 }))
        .map(([m, s]): Held => [m, 0, s]),
      fc
        .tuple(fc.double({ min: -5, max: 105, noNaN: true }), fc.integer({ min: 0, max: 40 }))
        .map(([v, w]): Held => {
          const half = Math.abs(v) * 2 ** -(52 - w);
          return [v - half, v + half, -1];
        }),
      // Intervals across or next to a boundary.
      fc
        .tuple(fc.constantFrom(0, 10, 20.5, 50, 100), fc.double({ min: -0.01, max: 0.01, noNaN: true }))
        .chain(([b, d]) =>
          fc.double({ min: 0, max: 0.02, noNaN: true }).map((w): Held => [b + d - w, b + d + w, -1]),
        ),
    );
    for (const top of [new Dec("100"), undefined]) {
      const bounds = [...lower, ...(top ? [top] : [])];
      const B = Float64Array.from([
        ...bounds.flatMap((b) => [down(b.toNumber()), up(b.toNumber())]),
        ...(top ? [] : [Infinity, Infinity]),
      ]);
      const run = new Function(
        "B",
        "FP",
        `const FE = 2 ** -51, FT = 2 ** -1022, FNaN = NaN;
        return (xa, xb, xs) => { let row; ${ops.tierRow("row", X, "B", 4, top !== undefined, "row = -1;")} return row; };`,
      )(B, POWERS) as (...args: number[]) => number;
      let decided = 0;
      fc.assert(
        fc.property(keys, (x) => {
          const row = run(...x);
          // The row of each corner, strictly inside it (-1 on a boundary or outside the rows).
          const rows = corners(x).map((c) => {
            if (bounds.some((b) => b.eq(c)) || c.lt(lower[0]!) || (top && c.gte(top))) return -1;
            return lower.filter((b) => b.lt(c)).length - 1;
          });
          if (row >= 0) {
            decided++;
            for (const r of rows) expect(r).toBe(row);
          }
          // Clear of every boundary by far more than the bounds' width: must be decided.
          const margin = corners(x).every((c) => bounds.every((b) => c.minus(b).abs().gt(1e-9)));
          if (margin && rows[0]! >= 0 && rows.every((r) => r === rows[0])) expect(row).toBe(rows[0]);
        }),
        { numRuns: 2000, seed: 1915 },
      );
      expect(decided).toBeGreaterThan(300);
    }
  });
});
