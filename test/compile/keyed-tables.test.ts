/**
 * Keyed tables, tier table families, formulas in tier cells and `, limit`, end to end: checked,
 * lowered, evaluated by the interpreter and by the generated code (which must agree), with the
 * coded runtime errors MB6020 (no row for a key) and MB6021 (above a deliberate limit).
 */
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { compileIr, readRepoFile } from "../support/rulebooks.js";

const HEADER = 'rulebook "T" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\n';

function codes(source: string): string[] {
  return checkRulebook(HEADER + source, "t.margin")
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => d.code);
}

function compile(source: string): IrRulebook {
  const result = checkRulebook(HEADER + source, "t.margin");
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join("; "));
  return lowerRulebook(result.checked);
}

/** Evaluates with both evaluators; they must agree, on values and on error codes. */
function both(ir: IrRulebook, input: unknown): Record<string, unknown> | string {
  const run = (f: () => Record<string, unknown>): Record<string, unknown> | string => {
    try {
      return f();
    } catch (error) {
      if (error instanceof RuntimeError) return error.code;
      throw error;
    }
  };
  const interpreted = run(() => evaluate(ir, input).outputs as Record<string, unknown>);
  const compiled = run(() => compileEvaluator(ir).evaluate(input) as Record<string, unknown>);
  expect(compiled).toEqual(interpreted);
  return interpreted;
}

/** Binance's historical BTCUSDT brackets with max leverage; `rates` writes IMR and MMR per row. */
function btcBrackets(rates: (lev: number, imr: string, mmr: string) => string): string {
  const rows: [string, number, string, string][] = [
    ["[0, 50_000)", 125, "0.80%", "0.40%"],
    ["[50_000, 250_000)", 100, "1.00%", "0.50%"],
    ["[250_000, 1_000_000)", 50, "2.00%", "1.00%"],
    ["[1_000_000, 10_000_000)", 20, "5.00%", "2.50%"],
    ["[10_000_000, 20_000_000)", 10, "10.00%", "5.00%"],
    ["[20_000_000, 50_000_000)", 5, "20.00%", "10.00%"],
    ["[50_000_000, 100_000_000)", 4, "25.00%", "12.50%"],
    ["[100_000_000, 200_000_000)", 3, "30.00%", "15.00%"],
    ["[200_000_000, 300_000_000)", 2, "50.00%", "25.00%"],
    ["[300_000_000, inf)", 1, "100.00%", "50.00%"],
  ];
  return `input position { notional: USDT > 0 }
tiers brackets by notional: USDT, marginal {
  columns imr: Rate, mmr: Rate, max_leverage: Number
${rows.map(([interval, lev, imr, mmr]) => `  ${interval}  ${rates(lev, imr, mmr)}  ${lev}`).join("\n")}
}
output mm: USDT = brackets.margin(position.notional, mmr)
output cum: USDT = brackets.deduction(position.notional, mmr)
`;
}

describe("tier cells written as formulas", () => {
  it("derive the same maintenance amounts as the table written with literal rates", () => {
    // Binance's table is IMR = 1 / max leverage and MMR = 1 / (2 x max leverage) in every row but
    // the 3x one (30% / 15%), which stays a literal.
    const literal = compile(btcBrackets((_, imr, mmr) => `${imr} ${mmr}`));
    const formula = compile(
      btcBrackets((lev, imr, mmr) =>
        lev === 3 ? `${imr} ${mmr}` : "1 / max_leverage  1 / (2 * max_leverage)",
      ),
    );
    expect(formula.tables[0]!.rows).toEqual(literal.tables[0]!.rows);
    // Binance's published cum column, and the worked example: 3,500,032.45776 -> 71,200.811444.
    expect(formula.tables[0]!.rows.map((r) => r.deductions[1])).toEqual([
      0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
    ]);
    expect(both(formula, { position: { notional: 3_500_032.45776 } })).toEqual({
      mm: 71_200.811444,
      cum: 16_300,
    });
  });

  it("may name parameters, and a cell that reads an input is refused", () => {
    const ir = compile(`input position { notional: USDT > 0 }
param top = 75
tiers t by notional: USDT, flat {
  columns mmr: Rate, lev: Number
  [0, inf)  1 / (2 * lev)  top
}
output mmr: Rate = t(position.notional).mmr
`);
    expect(ir.tables[0]!.rows[0]!.cells).toEqual([1 / 150, 75]);
    expect(
      codes(`input position { notional: USDT > 0 }
tiers t by notional: USDT, flat {
  columns mmr: Rate
  [0, inf)  (position.notional / 1 USDT)
}
output mmr: Rate = t(position.notional).mmr
`),
    ).toEqual(["MB3022"]);
  });
});

describe("a deliberate limit", () => {
  const source = `input position { value: USDT > 0 }
tiers risk by value: USDT, marginal, limit {
  columns mmr: Rate
  [0, 1_000]      2.0%
  (1_000, 2_000]  2.5%
}
output mm: USDT = risk.margin(position.value, mmr)
`;
  it("raises no MB4015 and stops above the limit with MB6021 in both evaluators", () => {
    const result = checkRulebook(HEADER + source, "t.margin");
    expect(result.diagnostics.map((d) => d.code)).toEqual([]);
    const ir = compile(source);
    expect(both(ir, { position: { value: 2_000 } })).toEqual({ mm: 45 });
    expect(both(ir, { position: { value: 2_000.01 } })).toBe("MB6021");
  });
});

describe("keyed tables", () => {
  const source = `enum Symbol { BTCUSDT, ETHUSDT, \`2026-03\` }
input position { symbol: Symbol, venue: Text, month: Integer >= 1 <= 12, notional: USDT > 0 }
param base: Rate = 0.05%
table fees by symbol: Symbol {
  columns taker: Rate, label: Text
  BTCUSDT:    base      "btc"
  ETHUSDT:    2 * base  "eth"
  \`2026-03\`:  1%        "quarterly"
}
table haircuts by venue: Text {
  columns haircut: Rate
  "spot": 1%
  "swap": 2%
}
table seasonal by month: Integer {
  columns factor: Number
  3: 1.5
  default: 1
}
output fee: USDT = position.notional * fees[position.symbol].taker
output label: Text = fees[position.symbol].label
output haircut: Rate = haircuts[position.venue].haircut
output factor: Number = seasonal[position.month].factor
`;
  const ir = compile(source);
  const input = (symbol: string, venue: string, month: number): unknown => ({
    position: { symbol, venue, month, notional: 1_000 },
  });

  it("look rows up by enum member, text and integer, with a default row", () => {
    expect(both(ir, input("ETHUSDT", "spot", 3))).toEqual({
      fee: 1,
      label: "eth",
      haircut: 0.01,
      factor: 1.5,
    });
    expect(both(ir, input("2026-03", "swap", 4))).toMatchObject({ fee: 10, label: "quarterly", factor: 1 });
  });

  it("raise MB6020 naming the table and the key when a text key has no row", () => {
    expect(both(ir, input("BTCUSDT", "otc", 1))).toBe("MB6020");
    try {
      evaluate(ir, input("BTCUSDT", "otc", 1));
    } catch (error) {
      expect((error as RuntimeError).detail).toBe("table `haircuts` has no row for `otc`");
    }
  });

  it("refuse an unknown symbol and a month of 2.5 at validation (MB6001)", () => {
    const loaded = rulebookFromIr(ir);
    expect(loaded.validate(input("SHIBUSDT", "spot", 1)).valid).toBe(false);
    const month = loaded.validate(input("BTCUSDT", "spot", 2.5));
    expect(month.valid).toBe(false);
    expect(JSON.stringify(month)).toContain("whole number");
  });

  it("report a removed symbol's row (enum exhaustiveness) and an Integer constant of 2.5", () => {
    expect(codes(source.replace('  ETHUSDT:    2 * base  "eth"\n', ""))).toEqual(["MB4060"]);
    expect(codes(source.replace("  3: 1.5", "  2.5: 1.5"))).toEqual(["MB3060"]);
  });
});

describe("the whole-exchange rulebook", () => {
  const ir = compileIr("rules/binance-usdm-cross.margin");

  it("keeps one bracket table per symbol", () => {
    expect(ir.tables.map((t) => t.name)).toEqual([
      "brackets[BTCUSDT]",
      "brackets[ETHUSDT]",
      "brackets[SOLUSDT]",
      "brackets[XRPUSDT]",
      "brackets[DOGEUSDT]",
    ]);
  });

  it("is refused by the checker when a symbol's brackets are removed", () => {
    const source = compileSource("rules/binance-usdm-cross.margin");
    const start = source.indexOf("  SOLUSDT:\n  [0, 5_000)");
    const end = source.indexOf("  XRPUSDT:\n  [0, 10_000)");
    const without = source.slice(0, start) + source.slice(end);
    const errors = checkRulebook(without, "x.margin").diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toEqual(["MB4060"]);
    expect(errors[0]!.message).toContain("SOLUSDT");
  });
});

function compileSource(file: string): string {
  const text = readRepoFile(file);
  if (text === undefined) throw new Error(`cannot read ${file}`);
  return text;
}
