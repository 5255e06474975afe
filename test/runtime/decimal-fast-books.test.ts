/**
 * The decimal fast path on rulebooks: which books get one, and adversarial inputs on the real
 * decimal books (tier boundaries, cent and quantum boundaries, ties, numbers with binary noise and
 * with more digits than a double holds, decimal text) and on a book built to defeat it. Every
 * outcome is the interpreter's decimal text (or its error), and the fast / exact-path counts
 * (decimalFastCounts, a test hook) show which inputs the fast path answered.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withPrototypeSetter } from "../support/prototype-setter.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { decimalFastCounts } from "../../src/runtime/decimal-fast.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { compileChecked } from "../../src/service/compile-rulebook.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { attemptAny } from "../support/outcomes.js";

const DECIMAL = { mode: "decimal", scale: 18, rounding: "half_even" } as const;

function decimalIr(source: string, file = "book.margin"): IrRulebook {
  const compiled = compileChecked(checkRulebook(source, file), { arithmetic: DECIMAL });
  if (!compiled.ok) throw new Error(`${file} has errors`);
  return compiled.ir;
}

/** Evaluates each input both ways; returns how many took the fast path. */
function agree(ir: IrRulebook, inputs: unknown[]): { fast: number; exact: number } {
  const generated = compileEvaluator(ir);
  const before = { ...decimalFastCounts };
  for (const input of inputs) {
    const expected = attemptAny(() => evaluate(ir, input).outputs);
    expect({ input, got: attemptAny(() => generated.evaluate(input)) }).toEqual({ input, got: expected });
  }
  return { fast: decimalFastCounts.fast - before.fast, exact: decimalFastCounts.exact - before.exact };
}

const rules = (name: string): string => readFileSync(`rules/${name}`, "utf8");

describe("decimal fast path", () => {
  it("is generated for the books whose constructs it covers, and only for them", () => {
    const covered = readdirSync("rules")
      .filter((f) => f.endsWith(".margin"))
      .filter((f) => {
        const compiled = compileChecked(checkRulebook(rules(f), `rules/${f}`), { arithmetic: DECIMAL });
        return compiled.ok && compileEvaluator(compiled.ir).source.includes("function fast(raw)");
      });
    expect(covered).toEqual(
      expect.arrayContaining([
        "binance-btcusdt-perp.margin",
        "bitmex-xbt-risk-steps.margin",
        "bybit-tier-by-tier-example.margin",
        "cme-calendar-spreads.margin",
        "dydx-v4-quantums.margin",
        "finra-4210-short-options.margin",
        "ftx-sqrt-imf.margin",
      ]),
    );
    // Comprehensions, liquidation prices and option pricing stay on the exact path.
    for (const f of ["crypto-portfolio-margin.margin", "bybit-btcusd-inverse.margin", "span-sp500.margin"])
      expect(covered).not.toContain(f);
  });

  it("answers the Binance book exactly at tier boundaries, ties and limits, and falls back on long decimals", () => {
    const ir = decimalIr(rules("binance-btcusdt-perp.margin"));
    const at = (
      size: number | string,
      mark: number | string,
      vol: number | string,
      adv: number | string,
    ) => ({
      position: { size, mark, side: "long" },
      market: { vol_30d: vol, adv },
    });
    const exactCases = [
      at(0.5, 100_000, 0.5, 1e9), // notional exactly 50,000: the second bracket
      at(0.499, 100_000, 0.5, 1e9), // just below
      at(2.5, 100_000, 0.5, 1e9), // 250,000
      at(10, 100_000, 0.8, 1e9), // 1,000,000, volatility exactly at the threshold
      at(100, 100_000, 0.81, 1e9), // 10,000,000
      at(3000, 100_000, 1.8, 1e9), // 300,000,000: the last bracket, the surcharge capped
      at(4096, 10, 1.2, 1e9), // sqrt floor 0.00015 x 64 = 0.0096 ties the scaled bracket rate 0.008 x 1.2
      at(1, 100_000, 0.5, 1e6), // notional exactly 10% of ADV: no liquidity add-on (strictly above)
      at(1.001, 100_000, 0.5, 1e6), // just above: the add-on, notional / ADV exact
      at(109.488, 31_967.27, 0.5, 5e10), // Binance's worked example: MM 71,200.811444
      at("109.488", "31967.27", "0.5", "50000000000"), // the same as decimal text
      at(1234.567, 43_210.9, 2.3, 3_000_000_007), // liquidity add-on with an inexact quotient
      at(20_000, 99_999.9, 0.95, 12_345_678_901.234), // sqrt floor and add-on, 100% cap
    ];
    const counts = agree(ir, exactCases);
    expect(counts).toEqual({ fast: exactCases.length, exact: 0 });
    const long = [
      at(0.001, 63_079.99999999999, 2.45, 8e9), // binary noise: the unrounded output has 17 digits
      at(769.04, 27_389.999999999996, 0.99, 2e9), // a 17-digit mark: only an interval on doubles
      at("0.1", "63080.0000000000000000001", 0.5, 1e9), // text with more digits than a double
      at("1e-30", 1, 0.5, 1e9), // far below a cent: outside the safe scales
    ];
    expect(agree(ir, long)).toEqual({ fast: 0, exact: long.length });
    // Selected outputs: the fast path returns only those, as the exact path does.
    const selected = compileEvaluator(ir, { outputs: ["maintenance_margin"] });
    expect(selected.evaluate(exactCases[9])).toEqual({ maintenance_margin: "71200.82" });
    // Invalid values (validation off) give the exact path's error or outcome, whatever it is.
    agree(ir, [at(-1, 100, 0.5, 1e9), at(1, 100, 0.5, 0), at("abc", 100, 0.5, 1e9), { position: null }]);
  });

  it("answers the dYdX quantum book exactly on quantum and ppm boundaries", () => {
    const ir = decimalIr(rules("dydx-v4-quantums.margin"));
    const at = (size: number | string, price: number | string, imf: number, fraction: number) => ({
      position: { size, price },
      tier: { imf_ppm: imf, maintenance_fraction_ppm: fraction },
    });
    const inputs = [
      at(1.5, 61_234.56789, 50_000, 600_000),
      at(-0.0003, 61_234.56789, 50_000, 333_333),
      at(1, 20, 50_000, 600_000), // margins exactly whole quantums: no ceiling step
      at(0.000001, 1, 1, 1), // one micro-quantum: IM rounds up to 1
      at("2.000000000001", "1000", 1_000_000, 1_000_000),
      at(0, 61_234.5, 50_000, 600_000),
    ];
    expect(agree(ir, inputs)).toEqual({ fast: inputs.length, exact: 0 });
    // 2.000000000001 x 100000 needs 18 digits: beyond a double's integers, the exact path answers.
    expect(agree(ir, [at("2.000000000001", "100000", 1_000_000, 1_000_000)])).toEqual({ fast: 0, exact: 1 });
  });

  it("falls back exactly where a book is built to defeat it", () => {
    const ir = decimalIr(`rulebook "Adversarial" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
  arithmetic decimal
input p { a: Number, b: Number }
tiers t by k: Number, flat {
  columns r: Rate
  [0, 1)     1%
  [1, inf)   2%
}
let third = p.a / p.b
output back: Number = third * p.b round up to 0.01
output down: Number = third * p.b round down to 0.01
output half: Number = third * p.b round half_even to 0.01
output rate: Rate = t(third * p.b).r
output third_exact: Number = third
output root: Number = round_half_even(sqrt(p.a), 0.000001)
`);
    // 1 / 3 * 3 is 0.999...999 (18 nines): next to the boundary 1 of every rounding and of the tiers.
    expect(agree(ir, [{ p: { a: 1, b: 3 } }])).toEqual({ fast: 0, exact: 1 });
    // An exact quotient decides everything; a perfect square's root is exact.
    expect(agree(ir, [{ p: { a: 2.25, b: 4 } }, { p: { a: 1, b: 1 } }])).toEqual({ fast: 2, exact: 0 });
    // Zero divisor: the exact path raises MB6002, the fast path gives up first.
    expect(agree(ir, [{ p: { a: 1, b: 0 } }])).toEqual({ fast: 0, exact: 1 });
  });

  it("counts boundaries for contiguous tiers, and scans exactly on and next to a boundary or outside", () => {
    const book = (tiers: string): IrRulebook =>
      decimalIr(`rulebook "Tiers" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
  arithmetic decimal
input p { k: Number, d: Number }
tiers t by k: Number, flat {
  columns r: Rate
${tiers}
}
output rate: Rate = t(p.k).r
output quotient: Rate = t(p.k / p.d).r
`);
    const contiguous = book(`  [-5, 0.1)   1%
  [0.1, 2.5]  2%
  (2.5, 7)    3%
  [7, 1e6)    4%`);
    const keys = [
      -5, -4.999, 0.0999, 0.1, 0.1000001, 1, 2.4999, 2.5, 2.5000001, 6.99, 7, 999_999.99, 1e6, -6, 1e9,
    ];
    const near = keys.map((k) => ({ p: { k, d: 1 } }));
    const counts = agree(contiguous, near);
    // On a boundary (-5, 0.1, 2.5, 7) the intervals cannot decide: the kernel's scan, still on doubles;
    // outside the tiers (-6, 1e6, 1e9) the exact path raises its error.
    expect(counts.exact).toBe(3);
    // Decimal text with more digits than a double holds (an interval) a hair off a boundary.
    const hairs = [
      "0.0999999999999999999",
      "0.1000000000000000001",
      "2.5000000000000000001",
      "6.9999999999999999999",
    ];
    agree(
      contiguous,
      hairs.map((k) => ({ p: { k, d: 1 } })),
    );
    // Quotients (intervals) next to boundaries: 0.1 = 0.3 / 3 lies on one, 2.5 / 3 inside a row.
    expect(
      agree(contiguous, [{ p: { k: 0.3, d: 3 } }, { p: { k: 2.5, d: 3 } }, { p: { k: 7, d: 1 } }]).exact,
    ).toBe(0);
  });

  it("builds its result by a constructor, the same plain object, and a literal when Object.prototype holds an output's name", () => {
    // A result literal's allocation site was pretenured in some processes that keep their results
    // (docs/performance.md, "The binary64 slow mode"): the fast path builds it by a constructor.
    const ir = decimalIr(rules("binance-btcusdt-perp.margin"), "binance.margin");
    const generated = compileEvaluator(ir);
    expect(generated.source).toContain("new FOutputs(");
    const input = {
      position: { size: 109.488, mark: 31967.27, side: "long" },
      market: { vol_30d: 0.5, adv: 5e8 },
    };
    const expected = evaluate(ir, input).outputs;
    const before = decimalFastCounts.fast;
    const result = generated.evaluate(input);
    expect(decimalFastCounts.fast).toBe(before + 1);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(Object.keys(expected));
    expect(result).toStrictEqual(expected);
    const set = withPrototypeSetter("max_leverage", () => {
      const shadowed = generated.evaluate(input);
      expect(Object.getOwnPropertyDescriptor(shadowed, "max_leverage")?.value).toBe(expected["max_leverage"]);
      expect(Object.keys(shadowed)).toEqual(Object.keys(expected));
    });
    expect(set).toEqual([]);
  });
});
