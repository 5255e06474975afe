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
