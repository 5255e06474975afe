/**
 * Differential tests of the SQL target against the runtime: every rulebook in rules/ on every case
 * of its .test.yaml, and random valid rulebooks (test/support/random-rulebooks.ts) on random valid
 * inputs, evaluated by the runtime and by the compiled query in DuckDB. Each row must give the same
 * outcome: the same error code, or the same outputs bit for bit (`Object.is`), except where a
 * rulebook uses `exp`, `ln` or `pow` (not correctly rounded in either libm): there, unrounded outputs
 * agree within {@link TRANSCENDENTAL_BOUND} relative, as docs/scale.md states.
 *
 * Every rulebook in rules/ compiles to SQL; random rulebooks that use what the SQL target cannot
 * lower (a timestamp output, a rounding step computed at run time) must be refused with a coded
 * diagnostic (MB51xx) at a line.
 * `SQL_FUZZ_RUNS=<n>` runs more random rulebooks (default 12).
 */
import { TRANSCENDENTAL_BOUND, usesTranscendentals } from "../support/sql-agreement.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { rulebookFromIr, type LoadedRulebook } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { compileToSql, dialects, valuesRelation } from "../../src/sql/index.js";
import { InputGenerator } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import { bundledRulebooks, compileIr, ROOT } from "../support/rulebooks.js";

const runs = Number(process.env["SQL_FUZZ_RUNS"] ?? 12);
const seed = Number(process.env["SQL_FUZZ_SEED"] ?? 20261207);

type Duck = typeof import("@duckdb/node-api");
let con: Awaited<ReturnType<Awaited<ReturnType<Duck["DuckDBInstance"]["create"]>>["connect"]>>;

beforeAll(async () => {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  con = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => con?.closeSync());

type Outcome = { error: string } | { outputs: Record<string, unknown> };

function runtimeOutcome(book: LoadedRulebook, input: unknown): Outcome {
  const [result] = book.evaluateBatch([input]);
  return result!.ok ? { outputs: result!.outputs } : { error: result!.error.code };
}

async function sqlOutcomes(ir: IrRulebook, inputs: unknown[]): Promise<Outcome[]> {
  const compiled = compileToSql(ir, {
    dialect: "duckdb",
    from: valuesRelation(ir, dialects.duckdb, inputs),
    keep: ["__mb_row"],
  });
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join("; "));
  const rows = (await con.runAndReadAll(`${compiled.sql} ORDER BY __mb_row`)).getRowObjectsJS();
  return rows.map((row) =>
    row["error"] !== null
      ? { error: String(row["error"]) }
      : { outputs: Object.fromEntries(compiled.outputs.map((o) => [o, row[o]])) },
  );
}

/** The differences between the two outcomes of one input, as text (empty when they agree). */
function differences(ir: IrRulebook, js: Outcome, sql: Outcome): string[] {
  if ("error" in js || "error" in sql)
    return JSON.stringify(js) === JSON.stringify(sql)
      ? []
      : [`runtime ${JSON.stringify(js)} vs SQL ${JSON.stringify(sql)}`];
  const loose = usesTranscendentals(ir);
  const rounded = new Set(
    ir.steps.flatMap((s) => (s.kind === "output" && s.rounding ? [ir.slots[s.slot]!.name] : [])),
  );
  return Object.keys(js.outputs).flatMap((name) => {
    const a = js.outputs[name];
    const b = sql.outputs[name];
    if (Object.is(a, b)) return [];
    if (
      loose &&
      !rounded.has(name) &&
      typeof a === "number" &&
      typeof b === "number" &&
      Math.abs(a - b) <= TRANSCENDENTAL_BOUND * Math.max(Math.abs(a), Math.abs(b))
    )
      return [];
    return [`${name}: runtime ${String(a)} vs SQL ${String(b)}`];
  });
}

/**
 * Books that use what the SQL target refuses with MB5101 naming the construct: an element's
 * position (`for x, i in xs`), `argmax` / `argmin`, `sort`, `reduce` / `scan`.
 */
const SQL_REFUSED: Readonly<Record<string, string>> = {
  "rules/ewma-volatility-margin.margin": "an element's position",
  "rules/simm-style-delta.margin": "an element's position",
  "rules/span-sp500.margin": "`argmax`",
};

describe("the SQL target agrees with the runtime on every case of rules/", () => {
  for (const [file, construct] of Object.entries(SQL_REFUSED))
    it(`${file} is refused with MB5101 naming ${construct}`, () => {
      const ir = compileIr(file);
      const compiled = compileToSql(ir, { dialect: "duckdb", from: valuesRelation(ir, dialects.duckdb, []) });
      expect(compiled.ok).toBe(false);
      if (!compiled.ok)
        expect(compiled.diagnostics.some((d) => d.code === "MB5101" && d.message.includes(construct))).toBe(
          true,
        );
    });
  // Books that declare decimal arithmetic are compared in decimal by decimal-differential.test.ts.
  const binary64 = bundledRulebooks().filter((f) => !(f in SQL_REFUSED) && !compileIr(f).meta.arithmetic);
  for (const file of binary64) {
    it(
      file,
      async () => {
        const ir = compileIr(file);
        const cases = (
          parse(readFileSync(resolve(ROOT, file.replace(/\.margin$/, ".test.yaml")), "utf8")) as {
            cases: { name: string; input: unknown }[];
          }
        ).cases;
        const book = rulebookFromIr(ir);
        const sql = await sqlOutcomes(
          ir,
          cases.map((c) => c.input),
        );
        const problems = cases.flatMap((c, i) =>
          differences(ir, runtimeOutcome(book, c.input), sql[i]!).map((d) => `${c.name}: ${d}`),
        );
        expect(problems).toEqual([]);
      },
      60_000,
    );
  }
});

describe("random rulebooks", () => {
  it(`agree on random inputs (${runs} rulebooks from seed ${seed})`, async () => {
    let compared = 0;
    for (let n = 0; n < runs; n++) {
      const source = randomRulebook(seededChooser(seed + n));
      const checked = checkRulebook(source, "random.margin");
      expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const ir = lowerRulebook(checked.checked, { source: () => source });
      const result = compileToSql(ir, { dialect: "duckdb" });
      if (!result.ok) {
        // What cannot be lowered is refused with a code and a line, never compiled to wrong SQL.
        expect(
          result.diagnostics.every((d) => /^MB51\d\d$/.test(d.code) && d.line > 0),
          source,
        ).toBe(true);
        continue;
      }
      const generator = new InputGenerator(ir, seed + n);
      const inputs = Array.from({ length: 40 }, () => generator.next());
      const book = rulebookFromIr(ir);
      const sql = await sqlOutcomes(ir, inputs);
      const problems = inputs.flatMap((input, i) =>
        differences(ir, runtimeOutcome(book, input), sql[i]!).map((d) => `${JSON.stringify(input)}: ${d}`),
      );
      expect(problems, `seed ${seed + n}:\n${source}`).toEqual([]);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * Every liquidation convention (margin at the liquidation price or at entry, linear or inverse,
 * with and without a closing fee, marginal and flat tables) and the bankruptcy price: the
 * interpreter, the generated code (`Object.is`) and DuckDB agree on random inputs, errors included.
 */
describe("liquidation and bankruptcy prices under every convention", () => {
  const conventions = ["", "margin_at: entry", "closing_fee: 0.06%", "margin_at: entry, closing_fee: 0.075%"];
  const book = (mode: string, inverse: boolean, options: string): string => {
    const [size, entry, balance, key] = inverse
      ? ["p.contracts", "p.mark", "p.coins", "BTC"]
      : ["p.size", "p.entry", "p.balance", "USDT"];
    const all = [options, inverse ? "contract: inverse" : ""].filter((o) => o !== "").map((o) => `, ${o}`);
    const rows = inverse
      ? ["[0, 5)  0.5%", "[5, 10)  1%", "[10, 20)  2.5%", "[20, inf)  5%"]
      : [
          "[0, 50_000)  0.4%",
          "[50_000, 250_000)  0.5%",
          "[250_000, 1_000_000)  1%",
          "[1_000_000, inf)  2.5%",
        ];
    return `rulebook "Conventions" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT
enum Side { long, short }
input p { side: Side, size: Quantity > 0, entry: Price > 0, balance: USDT, contracts: USD > 0, mark: USD / BTC > 0, coins: BTC }
tiers t by notional: ${key}, ${mode} {
  columns mmr: Rate
  ${rows.join("\n  ")}
}
output liquidation = t.liquidation_price(p.side, ${size}, ${entry}, ${balance}, mmr${all.join("")})
output bankruptcy = bankruptcy_price(p.side, ${size}, ${entry}, ${balance}${all.filter((o) => !o.includes("margin_at")).join("")})
`;
  };
  const cases = ["marginal", "flat"].flatMap((mode) =>
    [false, true].flatMap((inverse) => conventions.map((options) => ({ mode, inverse, options }))),
  );
  it(`agree on ${cases.length} books x 60 random inputs`, async () => {
    let values = 0;
    for (const [n, { mode, inverse, options }] of cases.entries()) {
      const source = book(mode, inverse, options);
      const checked = checkRulebook(source, "conventions.margin");
      expect(
        checked.diagnostics.filter((d) => d.severity === "error"),
        source,
      ).toEqual([]);
      const ir = lowerRulebook(checked.checked, { source: () => source });
      const generator = new InputGenerator(ir, seed + n, n % 2 === 0 ? "edge" : "typical");
      const inputs = Array.from({ length: 60 }, () => generator.next());
      const loaded = rulebookFromIr(ir);
      const sql = await sqlOutcomes(ir, inputs);
      const problems = inputs.flatMap((input, i) => {
        const generated = runtimeOutcome(loaded, input);
        const interpreted = interpretedOutcome(ir, input);
        if ("outputs" in generated) values++;
        return [
          ...(sameOutcome(interpreted, generated)
            ? []
            : [`interpreter ${JSON.stringify(interpreted)} vs generated ${JSON.stringify(generated)}`]),
          ...differences(ir, generated, sql[i]!),
        ].map((d) => `${JSON.stringify(input)}: ${d}`);
      });
      expect(problems, source).toEqual([]);
    }
    expect(values).toBeGreaterThan(cases.length * 10);
  }, 120_000);
});

function interpretedOutcome(ir: IrRulebook, input: unknown): Outcome {
  try {
    return { outputs: evaluate(ir, input).outputs as Record<string, unknown> };
  } catch (error) {
    if (error instanceof RuntimeError) return { error: error.code };
    throw error;
  }
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if ("error" in a || "error" in b) return JSON.stringify(a) === JSON.stringify(b);
  return Object.keys(a.outputs).every((k) => Object.is(a.outputs[k], b.outputs[k]));
}
