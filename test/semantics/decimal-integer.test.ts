/**
 * The BigInt kernels of decimal arithmetic (src/semantics/decimal-integer.ts) against decimal.js
 * alone (the `library*` functions): `/`, `sqrt` and rounding to a step give the same decimal on
 * random operands of every size and sign, at several scales and in every rounding mode.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IrArithmetic, IrDecimalRounding } from "../../src/ir/ir.js";
import {
  DECIMAL_ROUNDINGS,
  Dec,
  decDivide,
  decRoundToStep,
  decSqrt,
  decText,
  libraryDivide,
  libraryRoundToStep,
  librarySqrt,
} from "../../src/semantics/decimal.js";

const raise = (): never => {
  throw new Error("unexpected runtime error");
};

/** A decimal of up to 30 digits with up to 25 places, either sign, sometimes with a large exponent. */
const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -40, max: 25 }))
  .map(([m, places]) => new Dec(`${m}e${-places}`));
const positive = decimal.filter((d) => d.gt(0));
const context = fc
  .tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(...DECIMAL_ROUNDINGS))
  .map(([scale, rounding]): IrArithmetic => ({
    mode: "decimal",
    scale,
    rounding: rounding as IrDecimalRounding,
  }));

describe("decimal arithmetic's integer kernels", () => {
  it("divide as decimal.js does", () => {
    fc.assert(
      fc.property(decimal, decimal, context, (a, b, c) => {
        fc.pre(!b.isZero() && !a.isZero());
        expect(decText(decDivide(a, b, c, -1, raise))).toBe(decText(libraryDivide(a, b, c)));
      }),
      { numRuns: 400, seed: 19 },
    );
  });

  it("take square roots as decimal.js does (exact squares included)", () => {
    const squares = decimal.map((d) => d.times(d)).filter((d) => d.gt(0));
    fc.assert(
      fc.property(fc.oneof(positive, squares), context, (x, c) => {
        expect(decText(decSqrt(x, c, -1, raise))).toBe(decText(librarySqrt(x, c)));
      }),
      { numRuns: 400, seed: 19 },
    );
  });

  it("round to a step as decimal.js does (ties and exact multiples included)", () => {
    const steps = fc
      .constantFrom("0.01", "0.05", "1", "0.5", "25", "0.0001", "1e-12", "3")
      .map((s) => new Dec(s));
    const near = fc
      .tuple(steps, fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.constantFrom(0, 0.5, 0.25))
      .map(([step, n, frac]) => step.times(new Dec(n.toString()).plus(frac)));
    fc.assert(
      fc.property(
        fc.oneof(decimal, near),
        steps,
        fc.constantFrom("up", "down", "half_even" as const),
        (x, step, d) => {
          expect(decText(decRoundToStep(d, x, step, -1, raise))).toBe(
            decText(libraryRoundToStep(d, x, step)),
          );
        },
      ),
      { numRuns: 600, seed: 19 },
    );
  });

  it("leave huge exponents to decimal.js", () => {
    const c: IrArithmetic = { mode: "decimal", scale: 18, rounding: "half_even" };
    expect(decText(decDivide(new Dec("1e900"), new Dec("3e-900"), c, -1, raise))).toBe(
      decText(libraryDivide(new Dec("1e900"), new Dec("3e-900"), c)),
    );
    expect(decText(decSqrt(new Dec("4e1000"), c, -1, raise))).toBe(`2${"0".repeat(500)}`);
  });
});
