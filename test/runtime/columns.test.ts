/**
 * The columnar path (src/runtime/columns.ts, codegen-columns.ts, column-layout.ts): on random
 * inputs of every bundled rulebook, portfolios included, `evaluateColumns` gives row by row what
 * `evaluateBatch` gives (bit for bit, the same failures with the same messages); invalid rows and
 * runtime errors are reported per row while the other rows are evaluated; bad shapes are refused.
 */
import { describe, expect, it } from "vitest";
import { serializeArtifact } from "../../src/compile/artifact.js";
import { columnarSource } from "../../src/runtime/codegen-columns.js";
import { columnLayout, rowInput, toColumns } from "../../src/runtime/column-layout.js";
import { ColumnsError, loadArtifact, type LoadedRulebook } from "../../src/runtime/index.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { expectAgreement, uniform } from "../support/columns.js";
import { lowerSource } from "../support/outcomes.js";
import { InputGenerator } from "../support/random-inputs.js";
import { bundledRulebooks, compileArtifact } from "../support/rulebooks.js";

const load = (file: string): LoadedRulebook => loadArtifact(serializeArtifact(compileArtifact(file)));

describe("evaluateColumns agrees with evaluateBatch", () => {
  for (const file of [...bundledRulebooks(), "bench/rules/natural-portfolio.margin"]) {
    it(file, () => {
      const book = load(file);
      const generator = new InputGenerator(book.ir, 11);
      const inputs = uniform(
        columnLayout(book.ir),
        Array.from({ length: 60 }, () => generator.next()),
      );
      expectAgreement(book, inputs);
      // Through the generated loop, not the per-record fallback (list outputs included, stored as
      // copies of each row's list).
      const present = new Set(Object.keys(toColumns(columnLayout(book.ir), inputs)));
      expect(columnarSource(book.ir, columnLayout(book.ir), present)).toBeDefined();
    });
  }
});

describe("list items read from their columns", () => {
  it("a comprehension that reads only item fields reads the flat columns: no item object, no refill", () => {
    const book = load("bench/rules/natural-portfolio.margin");
    const inputs = uniform(
      columnLayout(book.ir),
      Array.from({ length: 40 }, () => new InputGenerator(book.ir, 5).next()),
    );
    const columns = toColumns(columnLayout(book.ir), inputs);
    const source = columnarSource(book.ir, columnLayout(book.ir), new Set(Object.keys(columns)))!.source;
    expect(source).not.toMatch(/\bL0\[|\bP0\b/);
    expect(source).toMatch(
      /const (t\d+) = C\d+\[t\d+\];[\s\S]*if \(\1 === "btc"\) \{[\s\S]*\} else if \(\1 === "eth"\)/,
    );
    expectAgreement(book, inputs);
  });

  it("a list output holds each row's own list, not the pooled one", () => {
    const book = load("rules/span-sp500.margin");
    const position = (underlying: string, quantity: number) => ({
      contract: `${underlying} fut`,
      underlying,
      quantity,
      risk: Array.from({ length: 16 }, (_, s) => (s % 3) * 1000 * quantity - 250 * s),
    });
    const inputs = [[position("SP", 1)], [position("SP", -2), position("NQ", 3)], []].map((positions) => ({
      account: { positions },
    }));
    const result = book.evaluateColumns(toColumns(columnLayout(book.ir), inputs), 3);
    const lists = result.outputs["combined_risk_array"] as unknown[];
    expect(new Set(lists).size).toBe(3);
    inputs.forEach((input, i) =>
      expect(lists[i]).toStrictEqual(book.evaluate(input).outputs["combined_risk_array"]),
    );
  });
});

describe("rows that fail", () => {
  const binance = load("rules/binance-btcusdt-perp.margin");
  const columns = {
    "position.size": Float64Array.of(1, -2, 3, NaN),
    "position.mark": Float64Array.of(100, 100, 100, 100),
    "position.side": ["long", "short", "sideways", "long"],
    "market.vol_30d": Float64Array.of(0.5, 0.5, 0.5, 0.5),
    "market.adv": Float64Array.of(1e9, 1e9, 1e9, 1e9),
  };

  it("are reported with the per-record messages, the others evaluated", () => {
    const result = binance.evaluateColumns(columns, 4);
    expect(result.errors.map((e) => [e.index, e.code, e.message])).toEqual([
      [1, "MB6001", "row 1: /position/size must be > 0, not -2"],
      [2, "MB6001", 'row 2: /position/side must be one of long, short, not "sideways"'],
      [3, "MB6001", "row 3: /position/size must be a finite number, not NaN"],
    ]);
    const margin = result.outputs["maintenance_margin"] as Float64Array;
    expect(margin[0]).toBe(
      binance.evaluate(rowInput(columnLayout(binance.ir), columns, 0)).outputs["maintenance_margin"],
    );
    expect([margin[1], margin[2], margin[3]]).toEqual([NaN, NaN, NaN]);
  });

  it("runtime errors stop their row only, and the loop goes on after it", () => {
    const span = load("rules/span-sp500.margin");
    // Row 1 has no positions: `commodities` counts 0 groups and the rulebook's max over them fails, or not.
    const generator = new InputGenerator(span.ir, 3);
    const inputs = [generator.next(), { account: { positions: [] } }, generator.next()];
    expectAgreement(span, inputs);
  });

  it("bad shapes are refused as a whole", () => {
    expect(() => binance.evaluateColumns({ ...columns, "position.sizes": [1] }, 4)).toThrow(ColumnsError);
    expect(() => binance.evaluateColumns({ ...columns, "position.size": [1] }, 4)).toThrow(
      /fewer than the 4 rows/,
    );
    const span = load("rules/span-sp500.margin");
    expect(() =>
      span.evaluateColumns(
        {
          "account.positions": [0, 2, 1],
          "account.positions.contract": ["a", "b"],
          "account.positions.underlying": ["SP", "SP"],
          "account.positions.quantity": [1, 1],
          "account.positions.risk": [0, 0, 0],
          "account.positions.risk[]": [],
        },
        2,
      ),
    ).toThrow(/value 2 is 1, below the value before it \(2\)/);
    // The text "2" is shown as text, not as the number it looks like.
    expect(() =>
      span.evaluateColumns(
        {
          "account.positions": [0, "2", 4] as unknown as number[],
          "account.positions.contract": ["a", "b", "c", "d"],
          "account.positions.underlying": ["SP", "SP", "SP", "SP"],
          "account.positions.quantity": [1, 1, 1, 1],
          "account.positions.risk": [0, 0, 0, 0, 0],
          "account.positions.risk[]": [],
        },
        2,
      ),
    ).toThrow('value 1 is "2", not a whole number');
    expect(() => binance.evaluateColumns(columns, "2" as unknown as number)).toThrow(
      'the number of rows must be a non-negative integer, not "2"',
    );
  });

  it("validation can be turned off", () => {
    const valid = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Array.from(v).slice(0, 1)]));
    const result = binance.evaluateColumns(valid, 1, { validate: false });
    expect(result.errors).toEqual([]);
  });
});

describe("scenario loops unrolled in columns", () => {
  it("read each scenario's axes, weight, index, number and name as literals: the same bits as evaluate", () => {
    const ir = lowerSource(
      `rulebook "u" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input book { x: Number, y: Number }
scenarios sc(move: Rate, vol: Number) {
  grid move [-12%, 0%, 12%] vol [1, -1]
  scenario "crash" move -30% weight 35%
  scenario "rally" move 30% weight 35%
}
output a = max(-s.weight * (book.x * s.move + book.y * s.vol) for s in sc)
output b = min(s.index * book.x - s.number * s.move for s in sc)
output c = sum((if s.name == "crash" then book.y else s.vol) * (-s.move) for s in sc)`,
      "unrolled.margin",
    );
    const book = rulebookFromIr(ir);
    const inputs = [0, 1, -2.5, 1e-300, 7.25e12, -0].flatMap((x) =>
      [3, -0.1].map((y) => ({ book: { x, y } })),
    );
    const columns = toColumns(columnLayout(ir), inputs);
    const source = columnarSource(ir, columnLayout(ir), new Set(Object.keys(columns)))!.source;
    // No loop over the eight scenarios is left, and no scenario column is read.
    expect(source).not.toMatch(/< 8;|SC0_/);
    const result = book.evaluateColumns(columns, inputs.length);
    expect(result.errors).toEqual([]);
    inputs.forEach((input, row) => {
      for (const [name, value] of Object.entries(book.evaluate(input).outputs))
        expect(Object.is(result.outputs[name]![row], value), `${name} row ${row}`).toBe(true);
    });
  });
});
