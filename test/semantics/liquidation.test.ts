/**
 * Properties of the liquidation and bankruptcy prices under every convention, over random tier
 * tables and positions: the price lies in the tier whose rate was used (self-consistency), the
 * maintenance condition holds there with equality up to rounding, and the cases with no price are
 * the documented ones (0 for a linear contract, MB6030 for an inverse one).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RuntimeError, type Raise } from "../../src/semantics/errors.js";
import {
  bankruptcyPrice,
  liquidation,
  notionalAt,
  type LiquidationColumns,
  type LiquidationConvention,
} from "../../src/semantics/liquidation.js";

const raise: Raise = (_site, spec, args) => {
  throw new RuntimeError(spec.code, String(args["detail"]), String(args["detail"]), 0, []);
};

/** A random table: ascending floors from 0, rates below 100%, Binance's derived deductions when marginal. */
const tables = fc
  .record({
    widths: fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 0, maxLength: 6 }),
    rates: fc.array(fc.double({ min: 0.001, max: 0.6, noNaN: true }), { minLength: 7, maxLength: 7 }),
    marginal: fc.boolean(),
  })
  .map(({ widths, rates, marginal }): LiquidationColumns => {
    const lower = [0];
    for (const w of widths) lower.push(lower[lower.length - 1]! + w);
    const rate = rates.slice(0, lower.length).sort((a, b) => a - b);
    const deduction = [0];
    for (let i = 1; i < lower.length; i++)
      deduction.push(marginal ? lower[i]! * (rate[i]! - rate[i - 1]!) + deduction[i - 1]! : 0);
    return {
      lower,
      upper: [...lower.slice(1), Infinity],
      rate,
      deduction,
      lowerInclusive: lower.map(() => true),
      upperInclusive: lower.map((_, i) => i === lower.length - 1),
      table: marginal ? "marginal" : "flat",
      limit: false,
    };
  });

const conventions = fc.record({
  marginAt: fc.constantFrom("liquidation" as const, "entry" as const),
  contract: fc.constantFrom("linear" as const, "inverse" as const),
  closingFee: fc.constantFrom(0, 0.00055, 0.00075, 0.002),
});

/** A position given by its notional at entry (in the key's unit) and its balance as a share of it. */
const positions = fc.record({
  long: fc.boolean(),
  entry: fc.double({ min: 1, max: 1e5, noNaN: true }),
  notional: fc.double({ min: 1e-3, max: 5e6, noNaN: true }),
  share: fc.double({ min: -0.2, max: 1.5, noNaN: true }),
});

/** The margin balance at `price`, in the key's unit. */
function balanceAt(
  c: LiquidationConvention,
  s: number,
  size: number,
  entry: number,
  balance: number,
  price: number,
): number {
  return c.contract === "inverse"
    ? balance + s * size * (1 / entry - 1 / price)
    : balance + s * size * (price - entry);
}

function setup(
  c: LiquidationConvention,
  p: { long: boolean; entry: number; notional: number; share: number },
) {
  const size = c.contract === "inverse" ? p.notional * p.entry : p.notional / p.entry;
  return { side: p.long ? "long" : "short", s: p.long ? 1 : -1, size, balance: p.notional * p.share };
}

/** Runs `f`, returning the code of a runtime error instead of throwing it. */
function attempt<T>(f: () => T): T | string {
  try {
    return f();
  } catch (error) {
    if (error instanceof RuntimeError) return error.code;
    throw error;
  }
}

describe("bankruptcy_price", () => {
  it("is where the margin balance less the closing fee there reaches 0", () => {
    fc.assert(
      fc.property(conventions, positions, (c, p) => {
        const { side, s, size, balance } = setup(c, p);
        const price = attempt(() => bankruptcyPrice(c, side, size, p.entry, balance, 0, raise));
        if (typeof price === "string") {
          expect(price).toBe("MB6030");
          expect(c.contract).toBe("inverse");
          return;
        }
        expect(price).toBeGreaterThanOrEqual(0);
        if (price === 0) {
          expect(c.contract).toBe("linear");
          return;
        }
        const left =
          balanceAt(c, s, size, p.entry, balance, price) -
          c.closingFee * notionalAt(c.contract === "inverse", size, price);
        expect(Math.abs(left)).toBeLessThanOrEqual(1e-9 * Math.max(1, p.notional, Math.abs(balance)));
      }),
      { numRuns: 400, seed: 14 },
    );
  });
});

describe("liquidation_price", () => {
  it("falls in the tier whose rate it used, where the maintenance condition holds with equality", () => {
    let inside = 0;
    fc.assert(
      fc.property(tables, conventions, positions, (table, c, p) => {
        const { side, s, size, balance } = setup(c, p);
        const inverse = c.contract === "inverse";
        const result = attempt(() => liquidation(table, c, side, size, p.entry, balance, 0, raise));
        if (typeof result === "string") {
          expect(result).toBe("MB6030");
          expect(inverse).toBe(true);
          return;
        }
        const { price, row, key } = result;
        expect(Number.isFinite(price) && price >= 0).toBe(true);
        // Self-consistency: the notional that chose the tier lies in it.
        expect(key).toBeGreaterThanOrEqual(table.lower[row]!);
        expect(key).toBeLessThanOrEqual(table.upper[row]!);
        const atEntry = c.marginAt === "entry";
        if (atEntry) expect(key).toBe(notionalAt(inverse, size, p.entry));
        else if (price > 0)
          expect(Math.abs(key - notionalAt(inverse, size, price))).toBeLessThanOrEqual(
            1e-9 * Math.max(1, key),
          );
        // The closing fee held back: at the bankruptcy price's notional.
        const bankrupt =
          c.closingFee > 0 ? attempt(() => bankruptcyPrice(c, side, size, p.entry, balance, 0, raise)) : 0;
        const fee =
          typeof bankrupt === "number" && bankrupt > 0
            ? c.closingFee * notionalAt(inverse, size, bankrupt)
            : 0;
        const mm = key * table.rate[row]! - table.deduction[row]! + fee;
        const strictlyInside = key > table.lower[row]! && key < table.upper[row]!;
        const continuous = table.table === "marginal";
        // Linear prices are floored at 0; a flat table's jump may leave the root on a boundary.
        if (price === 0 || (!atEntry && !strictlyInside && !continuous)) return;
        const excess = balanceAt(c, s, size, p.entry, balance, price) - mm;
        expect(Math.abs(excess)).toBeLessThanOrEqual(1e-8 * Math.max(1, p.notional, Math.abs(balance), key));
        inside++;
      }),
      { numRuns: 1500, seed: 14 },
    );
    expect(inside).toBeGreaterThan(600);
  });

  it("uses the one tier whose own root lies in it, in a marginal table (margin at the liquidation price)", () => {
    fc.assert(
      fc.property(
        tables,
        positions,
        fc.constantFrom("linear" as const, "inverse" as const),
        (table, p, contract) => {
          if (table.table !== "marginal") return;
          const c: LiquidationConvention = { marginAt: "liquidation", contract, closingFee: 0 };
          const { side, s, size, balance } = setup(c, p);
          const result = attempt(() => liquidation(table, c, side, size, p.entry, balance, 0, raise));
          if (typeof result === "string" || result.price === 0) return;
          // Every tier's closed-form root, in the key: (a + deduction) / (rate - sigma).
          const inverse = contract === "inverse";
          const sigma = inverse ? -s : s;
          const a = inverse ? balance + (s * size) / p.entry : balance - s * size * p.entry;
          const consistent = table.rate
            .map((rate, i) => ({ i, x: (a + table.deduction[i]!) / (rate - sigma) }))
            .filter(({ i, x }) => x >= table.lower[i]! * (1 - 1e-12) && x <= table.upper[i]! * (1 + 1e-12))
            .map(({ i }) => i);
          expect(consistent).toContain(result.row);
        },
      ),
      { numRuns: 800, seed: 15 },
    );
  });
});
