/**
 * Differential tests of the SQL target in decimal arithmetic (`arithmetic decimal`) against the
 * reference interpreter: every rulebook in rules/ run in decimal (rules/dydx-v4-quantums.margin as it
 * declares itself) on every case of its .test.yaml, and random valid rulebooks lowered in decimal on
 * random inputs, evaluated by the interpreter and by the compiled query in DuckDB. Outputs must be
 * the same decimal, exactly (the text of the query's DECIMAL(38, 18) equals the runtime's decimal
 * text), or the same error.
 *
 * The decimal SQL keeps 18 places and magnitudes below 10^19 (src/sql/decimal-sql.ts): a row that
 * needs more carries MB5111 or MB5112 instead of a value. Such rows are counted, never compared;
 * the cases of rules/ have none. What DuckDB cannot compute exactly (sqrt, exp, ln, normal_cdf,
 * option prices, liquidation prices) is refused at compile time with MB5110 naming the construct.
 * `SQL_FUZZ_RUNS=<n>` runs more random rulebooks (default 12).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrDecimalRounding, IrRulebook } from "../../src/ir/ir.js";
import { rulebookFromIr } from "../../src/runtime/index.js";
import { Dec, decText, toDec } from "../../src/semantics/decimal.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { compileToSql, dialects, valuesRelation } from "../../src/sql/index.js";
import { InputGenerator } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import {
  bundledRulebooks,
  compileBinary64Ir,
  compileDecimalIr,
  compileIr,
  ROOT,
} from "../support/rulebooks.js";

const runs = Number(process.env["SQL_FUZZ_RUNS"] ?? 12);
const seed = Number(process.env["SQL_FUZZ_SEED"] ?? 20261207);
const DECIMAL = { mode: "decimal", scale: 18, rounding: "half_even" } as const;
/** Row errors of the decimal SQL's range (not the runtime's): such rows are not compared. */
const SQL_LIMITS = new Set(["MB5111", "MB5112"]);

type Duck = typeof import("@duckdb/node-api");
let con: Awaited<ReturnType<Awaited<ReturnType<Duck["DuckDBInstance"]["create"]>>["connect"]>>;

beforeAll(async () => {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  con = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => con?.closeSync());

type Outcome = { error: string } | { outputs: Record<string, unknown> };

/** JSON text with every number kept as its exact decimal text (JSON.parse would round to doubles). */
function parseExact(json: string): unknown {
  const quoted = json.replace(
    /("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g,
    (_, text: string | undefined, number: string | undefined) => text ?? `"${decText(new Dec(number!))}"`,
  );
  return JSON.parse(quoted);
}

async function sqlOutcomes(ir: IrRulebook, inputs: unknown[]): Promise<Outcome[]> {
  const compiled = compileToSql(ir, {
    dialect: "duckdb",
    from: valuesRelation(ir, dialects.duckdb, inputs),
    keep: ["__mb_row"],
  });
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join("; "));
  const columns = compiled.outputs.map((o) => `CAST(to_json("${o}") AS VARCHAR) AS "${o}"`).join(", ");
  const sql = `SELECT __mb_row, "${compiled.errorColumn}" AS __mb_error${columns ? `, ${columns}` : ""} FROM (${compiled.sql}) ORDER BY __mb_row`;
  const rows = (await con.runAndReadAll(sql)).getRowObjectsJS();
  return rows.map((row) =>
    row["__mb_error"] !== null
      ? { error: String(row["__mb_error"]) }
      : {
          outputs: Object.fromEntries(
            compiled.outputs.map((o) => [o, row[o] === null ? null : parseExact(String(row[o]))]),
          ),
        },
  );
}

function runtimeOutcomes(ir: IrRulebook, inputs: unknown[]): Outcome[] {
  return rulebookFromIr(ir)
    .evaluateBatch(inputs)
    .map((r) => (r.ok ? { outputs: r.outputs } : { error: r.error.code }));
}

/** Compares the two evaluations of each input: the differences, and how many rows hit the SQL range. */
async function compare(ir: IrRulebook, inputs: unknown[]): Promise<{ problems: string[]; limited: number }> {
  const sql = await sqlOutcomes(ir, inputs);
  const js = runtimeOutcomes(ir, inputs);
  let limited = 0;
  const problems = inputs.flatMap((input, i) => {
    const [a, b] = [js[i]!, sql[i]!];
    if ("error" in b && SQL_LIMITS.has(b.error)) {
      limited++;
      return [];
    }
    return JSON.stringify(a) === JSON.stringify(b)
      ? []
      : [`${JSON.stringify(input)}: runtime ${JSON.stringify(a)} vs SQL ${JSON.stringify(b)}`];
  });
  return { problems, limited };
}

/** Books that compute what DuckDB cannot compute exactly, refused with MB5110 naming it. */
const DECIMAL_REFUSED: Readonly<Record<string, string>> = {
  "rules/binance-btcusdt-perp.margin": "`sqrt`",
  "rules/binance-ethusdt-perp.margin": "`sqrt`",
  "rules/crypto-cross-account.margin": "`liquidation_price`",
  "rules/bybit-btcusd-inverse.margin": "`liquidation_price`",
  "rules/bybit-btcusdt-risk-limits.margin": "`liquidation_price`",
  "rules/crypto-portfolio-margin.margin": "`black76`",
  "rules/deribit-options-pm.margin": "`pow`",
  "rules/ftx-sqrt-imf.margin": "`sqrt`",
  // It imports ftx-sqrt-imf.margin.
  "rules/multi-asset-total.margin": "`sqrt`",
};
/**
 * Cases whose exact values need more than DECIMAL(38, 18) holds, so the SQL row carries MB5112:
 * BitMEX's position value is a quotient (18 places) and its margin that times a rate (3 places more).
 */
const LIMITED_CASES: Readonly<Record<string, number>> = { "rules/bitmex-xbt-risk-steps.margin": 1 };
/** Books the SQL target refuses in binary64 already (MB5101, see differential.test.ts). */
const SQL_REFUSED = new Set(
  bundledRulebooks().filter((f) => !compileToSql(compileBinary64Ir(f), { dialect: "duckdb" }).ok),
);

function casesOf(file: string): { name: string; input: unknown }[] {
  return (
    parse(readFileSync(resolve(ROOT, file.replace(/\.margin$/, ".test.yaml")), "utf8")) as {
      cases: { name: string; input: unknown }[];
    }
  ).cases;
}

describe("the decimal SQL target agrees exactly with the runtime on every case of rules/", () => {
  it("rules/dydx-v4-quantums.margin compiles as it declares itself (decimal) and agrees", async () => {
    const ir = compileIr("rules/dydx-v4-quantums.margin");
    expect(ir.meta.arithmetic?.mode).toBe("decimal");
    const cases = casesOf("rules/dydx-v4-quantums.margin");
    const { problems, limited } = await compare(
      ir,
      cases.map((c) => c.input),
    );
    expect(problems).toEqual([]);
    expect(limited).toBe(0);
  }, 60_000);

  for (const file of bundledRulebooks().filter((f) => !SQL_REFUSED.has(f))) {
    it(`${file} in decimal`, async () => {
      const ir = compileDecimalIr(file);
      if (file in DECIMAL_REFUSED) {
        const compiled = compileToSql(ir, { dialect: "duckdb" });
        expect(compiled.ok).toBe(false);
        if (!compiled.ok)
          expect(
            compiled.diagnostics.some(
              (d) => d.code === "MB5110" && d.message.includes(DECIMAL_REFUSED[file]!) && d.line > 0,
            ),
            JSON.stringify(compiled.diagnostics),
          ).toBe(true);
        return;
      }
      const { problems, limited } = await compare(
        ir,
        casesOf(file).map((c) => c.input),
      );
      expect(problems).toEqual([]);
      expect(limited).toBe(LIMITED_CASES[file] ?? 0);
    }, 60_000);
  }

  it("refuses a decimal rulebook on ClickHouse, and a scale above 18, with MB5110", () => {
    const ir = compileIr("rules/dydx-v4-quantums.margin");
    const clickhouse = compileToSql(ir, { dialect: "clickhouse" });
    expect(clickhouse.ok ? [] : clickhouse.diagnostics.map((d) => d.code)).toEqual(["MB5110"]);
    const wide = { ...ir, meta: { ...ir.meta, arithmetic: { ...DECIMAL, scale: 30 } } };
    const refused = compileToSql(wide, { dialect: "duckdb" });
    expect(refused.ok ? "" : refused.diagnostics[0]!.message).toContain("decimal_scale 30");
  });
});

/** A random input with every number cut to 6 places: values DECIMAL(38, 18) holds, as a venue sends them. */
function decimalInput(value: unknown): unknown {
  if (typeof value === "number") return Number(decText(toDec(value).toDecimalPlaces(6)));
  if (Array.isArray(value)) return value.map(decimalInput);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decimalInput(v)]));
  return value;
}

describe("random rulebooks in decimal arithmetic", () => {
  it(`agree exactly on random inputs (${runs} rulebooks from seed ${seed})`, async () => {
    let compared = 0;
    let rows = 0;
    let limitedRows = 0;
    for (let n = 0; n < runs; n++) {
      const source = randomRulebook(seededChooser(seed + n));
      const checked = checkRulebook(source, "random.margin");
      expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const ir = lowerRulebook(checked.checked, { source: () => source, arithmetic: DECIMAL });
      const result = compileToSql(ir, { dialect: "duckdb" });
      if (!result.ok) {
        expect(
          result.diagnostics.every((d) => /^MB51\d\d$/.test(d.code) && d.line > 0),
          source,
        ).toBe(true);
        continue;
      }
      const generator = new InputGenerator(ir, seed + n);
      const inputs = Array.from({ length: 40 }, () => decimalInput(generator.next()));
      const { problems, limited } = await compare(ir, inputs);
      expect(problems, `seed ${seed + n}:\n${source}`).toEqual([]);
      rows += inputs.length;
      limitedRows += limited;
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
    // Rows beyond the SQL's 18 places or 10^19 are the exception, not the rule.
    expect(limitedRows).toBeLessThan(rows / 2);
  }, 120_000);
});

describe("decimal operations at their edges", () => {
  const book = (rounding: string): IrRulebook => {
    const source = `rulebook "edges" version 1.0.0 effective 2026-12-01T00:00:00Z currency USD
input v { x: Number, y: Number }
output q: Number = v.x / v.y
output up: Number = round_up(v.x, 0.25)
output down: Number = round_down(v.x, 0.25)
output even: Number = round_half_even(v.x, 0.5)
output product: Number = v.x * v.y
output sum: Number = v.x + v.y - 1000000000000000000
output cube: Number = pow(v.y, 3)
output inverse: Number = pow(v.y, -2)
`;
    const checked = checkRulebook(source, "edges.margin");
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    // Through the lowering options: `decimal_rounding floor` does not parse (`floor` is a rule verb).
    return lowerRulebook(checked.checked, {
      source: () => source,
      arithmetic: { mode: "decimal", scale: 2, rounding: rounding as IrDecimalRounding },
    });
  };
  const pairs = [
    [1, 8],
    [-1, 8],
    [3, 8],
    [-3, 8],
    [5, 8],
    [1, 3],
    [-2, 3],
    [2, -3],
    [0, 7],
    [7, 0],
    [-0.75, 1],
    [-0.875, 0.5],
    [1.25, -0.2],
    [123456789.123456, 0.000007],
    ["9999999999999999999.5", 1],
    ["0.000000001", "0.000000001"],
    ["12345678901234.5678", "98765.4321"],
  ];
  for (const rounding of ["half_even", "half_up", "half_down", "up", "down", "ceiling", "floor"])
    it(`divisions, roundings to a step, products and powers agree exactly (${rounding})`, async () => {
      const inputs = pairs.map(([x, y]) => ({ v: { x, y } }));
      const { problems, limited } = await compare(book(rounding), inputs);
      expect(problems).toEqual([]);
      // 10^19 - 0.5 is beyond the range; 10^-9 squared needs 18 places exactly (fits), the big product does not.
      expect(limited).toBeGreaterThanOrEqual(1);
      expect(limited).toBeLessThanOrEqual(2);
    });
});
