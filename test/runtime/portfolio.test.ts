/**
 * Portfolio constructs end to end: explanations that name the winning element of `min` / `max`
 * (the worst scenario of a scenario set), and `t.liquidation_price(...)`: its algebra against
 * Binance's bracket-by-bracket procedure, tier changes, flat tables, errors, both evaluators and the
 * artifact path.
 */
import { describe, expect, it } from "vitest";
import { formatExplanation } from "../../src/cli/eval-format.js";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import type { IrTierTable } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { BINANCE_CONVENTION, liquidationColumns, liquidationPrice } from "../../src/semantics/liquidation.js";
import { tierMargin } from "../../src/semantics/operations.js";
import type { TraceLet } from "../../src/runtime/trace.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator, prng } from "../support/random-inputs.js";
import { compileIr, readRepoFile } from "../support/rulebooks.js";

const FUTURE = [
  0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000,
];
const CALL = [
  460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500,
];

const fail = (): never => {
  throw new Error("unexpected runtime error");
};

describe("explanations name the winner of min / max", () => {
  const span = compileIr("rules/span-sp500.margin");

  it("the SPAN book names the worst scenario and its loss, per combined commodity (McMillan: 3,990 in scenario 14)", () => {
    const input = {
      account: {
        positions: [
          { contract: "SP Dec 410 call", underlying: "SP", quantity: 1, risk: CALL },
          { contract: "NQ future", underlying: "NQ", quantity: -1, risk: FUTURE },
        ],
      },
    };
    const { outputs, explanation } = evaluate(span, input, { explain: true });
    expect(outputs).toEqual(evaluate(span, input).outputs);
    expect(outputs).toEqual(compileEvaluator(span).evaluate(input));
    const scanning = explanation!.entries.find(
      (e): e is TraceLet => e.kind === "let" && e.name === "scanning_risk",
    )!;
    // Each combined commodity's 16 calls of `loss` are listed as well (op "call").
    expect(scanning.choices!.filter((c) => c.op === "call")).toHaveLength(32);
    expect(scanning.choices!.filter((c) => c.op !== "call")).toEqual([
      {
        op: "max",
        line: expect.any(Number),
        scenarios: "span16",
        count: 16,
        position: 13,
        name: "price -1, vol -1",
        index: 13,
        weight: 1,
        value: 3990,
        unit: "USD",
        within: ["SP"],
      },
      {
        op: "max",
        line: expect.any(Number),
        scenarios: "span16",
        count: 16,
        position: 10,
        name: "price 1, vol 1",
        index: 10,
        weight: 1,
        value: 10000,
        unit: "USD",
        within: ["NQ"],
      },
    ]);
    const text = formatExplanation(explanation!, span);
    expect(text).toContain(
      'max over span16 (16 scenarios) for SP: scenario 14 "price -1, vol -1" (index 13) -> 3,990 USD',
    );
    expect(text).toContain(
      'max over span16 (16 scenarios) for NQ: scenario 11 "price 1, vol 1" (index 10) -> 10,000 USD',
    );
  });

  it("a weighted extreme scenario shows its weight (crypto portfolio margin, scenario 18 at 30%)", () => {
    const pm = compileIr("rules/crypto-portfolio-margin.margin");
    const input = {
      account: {
        positions: [
          {
            underlying: "BTC",
            instrument: "put",
            quantity: -10,
            forward: 60000,
            strike: 45000,
            days: 7,
            vol: 0.5,
          },
        ],
      },
    };
    const { explanation } = evaluate(pm, input, { explain: true });
    const text = formatExplanation(explanation!, pm);
    expect(text).toMatch(
      /max over pm \(20 scenarios\) for BTC: scenario 19 "move -0\.32" \(index 18, weight 30%\) -> 12,915\.547529\d* USD/,
    );
  });

  it("lists other min / max winners by position and name, and only when explaining", () => {
    const cross = compileIr("rules/crypto-cross-account.margin");
    expect(compileEvaluator(cross).source).not.toMatch(/choice|within|trace/i);
    const input = { account: { wallet: 1000, positions: [] } };
    const { explanation } = evaluate(cross, input, { explain: true });
    expect(explanation!.entries.every((e) => e.choices === undefined)).toBe(true);
  });
});

/** Binance's procedure, in plain floating point: the price with every bracket, kept where its notional lies. */
function bracketByBracket(
  table: IrTierTable,
  column: number,
  s: number,
  size: number,
  entry: number,
  balance: number,
): number[] {
  const found: number[] = [];
  table.rows.forEach((row, i) => {
    const price =
      (balance + (row.deductions[column] ?? 0) - s * size * entry) / (size * row.cells[column]! - s * size);
    const notional = size * price;
    if (notional >= row.lower && (row.upper === null || notional < row.upper)) found.push(i);
  });
  return found;
}

describe("liquidation_price", () => {
  const cross = compileIr("rules/crypto-cross-account.margin");
  const btc = cross.tables.find((t) => t.name === "brackets[btcusdt]")!;
  const mmr = btc.columns.findIndex((c) => c.name === "mmr");
  const columns = liquidationColumns(btc, mmr);

  it("is where the margin balance meets the maintenance margin, in the bracket Binance's procedure picks", () => {
    const random = prng(42);
    let checked = 0;
    for (let i = 0; i < 5000; i++) {
      const side = random() < 0.5 ? "long" : "short";
      const s = side === "long" ? 1 : -1;
      const entry = 1000 + random() * 99_000;
      const size = Math.pow(10, -2 + random() * 6) / 100;
      const balance = size * entry * (0.002 + random() * 0.6);
      const price = liquidationPrice(columns, BINANCE_CONVENTION, side, size, entry, balance, 0, fail);
      if (price === 0) continue;
      const notional = size * price;
      const row = btc.rows.findIndex((r) => notional >= r.lower && (r.upper === null || notional < r.upper));
      const excess = balance + s * size * (price - entry) - tierMargin(btc, row, notional, mmr);
      expect(Math.abs(excess)).toBeLessThanOrEqual(1e-9 * Math.max(1, size * entry));
      const picks = bracketByBracket(btc, mmr, s, size, entry, balance);
      if (picks.length === 1) expect(picks[0]).toBe(row);
      checked++;
    }
    expect(checked).toBeGreaterThan(4000);
  });

  it("falls with more collateral for a long and rises for a short", () => {
    for (const [side, direction] of [
      ["long", -1],
      ["short", 1],
    ] as const) {
      let previous = side === "long" ? Infinity : 0;
      for (let balance = 1_000; balance <= 400_000; balance += 1_000) {
        const price = liquidationPrice(columns, BINANCE_CONVENTION, side, 40, 30_000, balance, 0, fail);
        expect(Math.sign(price - previous) === direction || price === previous).toBe(true);
        previous = price;
      }
    }
  });

  it("is 0 for a long no fall can liquidate, and for a short already liquidated at any price", () => {
    expect(liquidationPrice(columns, BINANCE_CONVENTION, "long", 1, 30_000, 40_000, 0, fail)).toBe(0);
    expect(
      Object.is(liquidationPrice(columns, BINANCE_CONVENTION, "short", 1, 30_000, -40_000, 0, fail), 0),
    ).toBe(true);
  });

  it("in a flat table, a short whose margin jumps at a boundary is liquidated at the boundary", () => {
    // Flat: 1% of the whole notional up to 1,000, 10% above. Short 1 at 900 with 90 of margin: the
    // balance 90 + 900 - p meets 1% of p at p = 990 / 1.01 = 980.198, inside the first tier.
    const flat: IrTierTable = {
      name: "flat",
      key: "notional",
      keyUnit: "USD",
      mode: "flat",
      site: 0,
      columns: [{ name: "mmr", unit: "Rate", rate: true }],
      rows: [
        { lower: 0, upper: 1000, lowerInclusive: true, upperInclusive: true, cells: [0.01], deductions: [0] },
        {
          lower: 1000,
          upper: null,
          lowerInclusive: false,
          upperInclusive: false,
          cells: [0.1],
          deductions: [0],
        },
      ],
    };
    const c = liquidationColumns(flat, 0);
    expect(liquidationPrice(c, BINANCE_CONVENTION, "short", 1, 900, 90, 0, fail)).toBeCloseTo(990 / 1.01, 10);
    // With 150 of margin the root of the first tier (1,050 / 1.01 = 1,039.6) lies beyond 1,000 and
    // the second tier's (1,050 / 1.1 = 954.5) below it: the margin jumps over the balance at 1,000.
    expect(liquidationPrice(c, BINANCE_CONVENTION, "short", 1, 900, 150, 0, fail)).toBe(1000);
  });

  it("raises MB6010 for a size that is not positive and for a long in a tier at 100% or more", () => {
    const raise = (_site: number, spec: { code: string }, args: Record<string, unknown>): never => {
      throw new RuntimeError(spec.code, String(args["detail"]), String(args["detail"]), 0, []);
    };
    expect(() => liquidationPrice(columns, BINANCE_CONVENTION, "long", 0, 30_000, 1_000, 0, raise)).toThrow(
      /size must be positive/,
    );
    const full = {
      ...{ lower: [0], upper: [Infinity], rate: [1], deduction: [0] },
      ...{ lowerInclusive: [true], upperInclusive: [true], table: "full", limit: false },
    };
    expect(() => liquidationPrice(full, BINANCE_CONVENTION, "long", 1, 100, 10, 0, raise)).toThrow(
      /100% or more/,
    );
    expect(liquidationPrice(full, BINANCE_CONVENTION, "short", 1, 100, 10, 0, raise)).toBe(55);
  });

  it("the explanation shows the bracket at the liquidation price (ETH short: bracket 7, not the mark's 6)", () => {
    const input = {
      account: {
        wallet: 1_300_000,
        positions: [
          { symbol: "btcusdt", side: "long", size: 109.488, entry: 32000, mark: 31967.27, leverage: 20 },
          { symbol: "ethusdt", side: "short", size: 3683.979, entry: 1300, mark: 1335.18, leverage: 5 },
        ],
      },
    };
    const { outputs, explanation } = evaluate(cross, input, { explain: true });
    const entry = explanation!.entries.find(
      (e) => e.kind === "output" && e.name === "eth_liquidation_price",
    )!;
    expect(entry.tiers.map((t) => [t.table, t.tier])).toEqual([
      ["brackets[ethusdt]", 6],
      ["brackets[ethusdt]", 7],
    ]);
    expect(entry.tiers[1]!.key).toBeCloseTo(3683.979 * (outputs["eth_liquidation_price"] as number), 6);
  });

  it("survives the artifact path: compile, serialise, load, evaluate as the interpreter does", () => {
    const book = loadArtifact(
      serializeArtifact(
        buildArtifact(cross, {
          source: readRepoFile("rules/crypto-cross-account.margin")!,
          compiler: { version: "test" },
        }),
      ),
    );
    const input = {
      account: {
        wallet: 250_000,
        positions: [
          { symbol: "btcusdt", side: "long", size: 40, entry: 30000, mark: 30000, leverage: 20 },
          { symbol: "ethusdt", side: "short", size: 100, entry: 2000, mark: 2000, leverage: 20 },
        ],
      },
    };
    const outputs = book.evaluate(input).outputs;
    expect(outputs).toEqual(evaluate(cross, input).outputs);
    expect(outputs["btc_liquidation_price"]).toBeCloseTo(4751675 / 198, 9);
  });
});

describe("generated code for comprehensions (scenario columns, reused comprehensions)", () => {
  // Scenario fields read as constant columns (an axis named like a field shadows it, as in the
  // records), whole scenarios still bound when used as values, a comprehension written twice (once
  // first in a lazy branch, once in a rule reading a quantity) computed again or reused.
  const source = [
    'rulebook "Comprehensions" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD',
    "record Position { underlying: Text, quantity: Number, risk: List<USD> }",
    "input account { positions: List<Position>, flag: Bool }",
    "scenarios grid3(price: Number, weight: Number) {",
    "  grid price [0, 1, -1] weight [2, 3]",
    '  scenario "crash" price -3 weight 7',
    "}",
    "scenarios plain(move: Rate) {",
    "  grid move [-10% to 10% step 5%]",
    '  scenario "tail" move 30% weight 25%',
    "}",
    "let groups_count = if account.flag then count(g for g in group(p for p in account.positions by p.underlying)) else 0",
    "let worst: USD = max(-sum(p.quantity * p.risk[s.index] for p in account.positions) * s.weight for s in plain default 0 USD)",
    "let worst_again: USD = max(-sum(p.quantity * p.risk[s.index] for p in account.positions) * s.weight for s in plain default 0 USD)",
    "let shadowed = sum(s.weight * s.price for s in grid3)",
    'let named = count(s for s in plain where s.name == "tail")',
    "let whole = count(g for g in group(s for s in grid3 by s.price))",
    "let moves = sum(s.move * s.index for s in plain where s.weight < 1)",
    "rule r { set q: USD = sum(p.risk[0] for p in account.positions) }",
    "rule r2 { add sum(p.risk[0] for p in account.positions) to q }",
    "output o1: USD = worst + worst_again + q",
    "output o2: Number = groups_count + count(g for g in group(p for p in account.positions by p.underlying)) + shadowed + named + whole + moves",
  ].join("\n");
  const checked = checkRulebook(source, "comprehensions.margin");
  const ir = lowerRulebook(checked.checked, { source: () => source });

  it("agrees with the interpreter bit for bit on random inputs", () => {
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const compiled = compileEvaluator(ir);
    expect(compiled.source).toMatch(/SC1_weight\[i\d+\]/);
    expect(compiled.source).not.toMatch(/SC0_weight/); // the axis `weight` shadows the scenario weight
    const generator = new InputGenerator(ir, 11);
    let ok = 0;
    for (let i = 0; i < 3000; i++) {
      const input = generator.next();
      const run = (f: () => unknown): unknown => {
        try {
          return f();
        } catch (error) {
          if (error instanceof RuntimeError) return `${error.code} ${error.message}`;
          throw error;
        }
      };
      const a = run(() => evaluate(ir, input).outputs);
      const b = run(() => compiled.evaluate(input));
      expect(b).toEqual(a);
      if (typeof a === "object") ok++;
    }
    expect(ok).toBeGreaterThan(100);
  });

  it("evaluates the fixed example by hand", () => {
    const input = {
      account: {
        flag: true,
        positions: [
          { underlying: "A", quantity: 2, risk: [1, 2, 3, 4, 5, 6] },
          { underlying: "B", quantity: -1, risk: [10, 0, 0, 0, 0, 0] },
        ],
      },
    };
    // plain: moves -10%, -5%, 0, 5%, 10% (weight 1), tail 30% (weight 25%); P&L per scenario s:
    // 2 x risk_A[s] - risk_B[s] = -8, 4, 6, 8, 10, 12 -> losses 8, -4, -6, -8, -10, -12 x 25% -> worst 8
    // q = 1 + 10 = 11, then + 11 = 22; o1 = 8 + 8 + 22 = 38
    // o2: 2 groups + 2; shadowed: the axis `weight` (2, 3 per price 0, 1, -1; 0 for "crash", whose
    // `weight 7` is the scenario's weight, hidden by the axis) -> 0 + 0 + 2 + 3 - 2 - 3 + 0 = 0;
    // named 1; whole: prices 0, 1, -1, -3 -> 4; moves: 30% x 5 = 1.5 -> 2 + 2 + 0 + 1 + 4 + 1.5 = 10.5
    expect(compileEvaluator(ir).evaluate(input)).toEqual({ o1: 38, o2: 10.5 });
    expect(evaluate(ir, input).outputs).toEqual({ o1: 38, o2: 10.5 });
  });
});
