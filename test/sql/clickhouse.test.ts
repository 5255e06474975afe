/**
 * The ClickHouse dialect on a real, distributed ClickHouse: a server of its own (Debian's
 * clickhouse-server 18.16, test/support/clickhouse-server.ts) with a cluster of two shards, the
 * inputs split between the shards' tables, and a `Distributed` table over them. The compiled query
 * runs over the Distributed table, through HTTP and through `clickhouse-client` (the same SQL file),
 * and every row must equal the runtime's outcome bit for bit (outputs) or by code (errors).
 *
 * The server must be installed (`.ci/run` installs it): without it this test fails, it never skips.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { IrRulebook } from "../../src/ir/ir.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { rulebookFromIr } from "../../src/runtime/index.js";
import { compileToSql, createTableSql, dialects, rowTuples } from "../../src/sql/index.js";
import { runCli } from "../../src/cli/main.js";
import { startClickHouse, type ClickHouse } from "../support/clickhouse-server.js";
import { InputGenerator } from "../support/random-inputs.js";
import { bundledRulebooks, compileBinary64Ir, compileIr, ROOT } from "../support/rulebooks.js";

const ch = dialects.clickhouse;
let server: ClickHouse;

beforeAll(async () => {
  server = await startClickHouse();
}, 60_000);
afterAll(() => server?.stop());

/** Creates `shard1.<name>` and `shard2.<name>` holding alternate inputs, and `default.<name>` over both. */
async function distributedTable(ir: IrRulebook, name: string, inputs: unknown[]): Promise<void> {
  const extra = [{ name: "__mb_row", type: "Float64" }];
  for (const shard of ["shard1", "shard2"]) {
    await server.query(`CREATE DATABASE IF NOT EXISTS ${shard}`);
    await server.query(createTableSql(ir, ch, `${shard}.${ch.ident(name)}`, { engine: "Log", extra }));
  }
  const { rows } = rowTuples(ir, ch, inputs);
  const even = rows.filter((_, i) => i % 2 === 0);
  const odd = rows.filter((_, i) => i % 2 === 1);
  if (even.length > 0) await server.query(`INSERT INTO shard1.${ch.ident(name)} VALUES ${even.join(", ")}`);
  if (odd.length > 0) await server.query(`INSERT INTO shard2.${ch.ident(name)} VALUES ${odd.join(", ")}`);
  await server.query(
    createTableSql(ir, ch, `default.${ch.ident(name)}`, {
      engine: `Distributed(two_shards, '', ${ch.ident(name)})`,
      extra,
    }),
  );
}

/** Parses TabSeparated rows of `__mb_row`, the outputs and `error` into outcomes by row number. */
function outcomes(tsv: string, outputs: string[]): Map<number, unknown> {
  const result = new Map<number, unknown>();
  for (const line of tsv.split("\n").filter((l) => l !== "")) {
    const [row, ...cells] = line.split("\t");
    const error = cells[cells.length - 1]!;
    const number = (s: string): number =>
      s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
    result.set(
      Number(row),
      error !== "\\N"
        ? { error }
        : { outputs: Object.fromEntries(outputs.map((o, i) => [o, number(cells[i]!)])) },
    );
  }
  return result;
}

function runtimeOutcomes(ir: IrRulebook, inputs: unknown[]): unknown[] {
  const book = rulebookFromIr(ir);
  return book.evaluateBatch(inputs).map((r) => (r.ok ? { outputs: r.outputs } : { error: r.error.code }));
}

/** A SPAN rulebook the SQL target compiles (rules/span-sp500.margin uses argmax, which it refuses). */
const SPAN_SQL = "test/fixtures/sql/span-scanning-risk.margin";

describe("ClickHouse: a two-shard Distributed table", () => {
  it("gives the runtime's numbers for the Binance rulebook, over HTTP and through clickhouse-client", async () => {
    const ir = compileIr("rules/binance-btcusdt-perp.margin");
    const cases = (
      parse(readFileSync(resolve(ROOT, "rules/binance-btcusdt-perp.test.yaml"), "utf8")) as {
        cases: { input: unknown }[];
      }
    ).cases.map((c) => c.input);
    const generator = new InputGenerator(ir, 17);
    const inputs = [...cases, ...Array.from({ length: 300 }, () => generator.next())];
    await distributedTable(ir, "positions", inputs);
    expect((await server.query("SELECT count() FROM shard2.positions")).trim()).toBe(
      String(Math.floor(inputs.length / 2)),
    );

    const compiled = compileToSql(ir, {
      dialect: "clickhouse",
      from: "default.positions",
      keep: ["__mb_row"],
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    const sql = `${compiled.sql}\nORDER BY __mb_row\nFORMAT TabSeparated`;
    const expected = runtimeOutcomes(ir, inputs);
    const overHttp = outcomes(await server.query(sql), compiled.outputs);
    const file = join(mkdtempSync(join(tmpdir(), "marginbook-sql-")), "binance.sql");
    writeFileSync(file, `${sql};\n`);
    const overClient = outcomes(server.client(readFileSync(file, "utf8")), compiled.outputs);
    expect(overHttp.size).toBe(inputs.length);
    expect(overClient.size).toBe(inputs.length);
    const mismatches = inputs.flatMap((input, i) => {
      const problems: string[] = [];
      for (const [how, got] of [
        ["http", overHttp.get(i)],
        ["client", overClient.get(i)],
      ] as const) {
        if (!sameOutcome(expected[i], got))
          problems.push(
            `${how} ${JSON.stringify(input)}: runtime ${JSON.stringify(expected[i])} vs ClickHouse ${JSON.stringify(got)}`,
          );
      }
      return problems;
    });
    expect(mismatches).toEqual([]);
    // Binance's worked example (the first case) on the cluster.
    expect((overHttp.get(0) as { outputs: Record<string, number> }).outputs["maintenance_margin"]).toBe(
      71200.82,
    );
  }, 60_000);

  it("runs list inputs (SPAN accounts: arrays of tuples, groups, scenarios) and `batch --engine clickhouse`", async () => {
    const ir = compileIr(SPAN_SQL);
    // A typed ClickHouse table cannot hold an invalid input (a NULL inside an array): the valid cases only.
    const book = rulebookFromIr(ir);
    const cases = (
      parse(readFileSync(resolve(ROOT, SPAN_SQL.replace(/\.margin$/, ".test.yaml")), "utf8")) as {
        cases: { input: unknown }[];
      }
    ).cases
      .map((c) => c.input)
      .filter((input) => book.validate(input).valid);
    expect(cases.length).toBeGreaterThan(5);
    await distributedTable(ir, "accounts", cases);
    const out: string[] = [];
    const code = await runCli(
      [
        "batch",
        SPAN_SQL,
        "--engine",
        "clickhouse",
        "--url",
        server.url,
        "--table",
        "default.accounts",
        "--output-table",
        "span_results",
      ],
      {
        cwd: ROOT,
        stdout: (s) => out.push(s),
        stderr: (s) => out.push(s),
        stdin: async () => "",
        stderrIsTTY: false,
      } as never,
    );
    expect(out.join(""), out.join("")).toContain(`${cases.length} rows -> span_results`);
    expect(code).toBe(0);
    const compiled = compileToSql(ir, {
      dialect: "clickhouse",
      from: "default.accounts",
      keep: ["__mb_row"],
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    const got = outcomes(
      await server.query(`${compiled.sql}\nORDER BY __mb_row\nFORMAT TabSeparated`),
      compiled.outputs,
    );
    const expected = runtimeOutcomes(ir, cases);
    expect(cases.map((_, i) => got.get(i))).toEqual(expected.map((e) => e));
  }, 60_000);
});

describe("ClickHouse: every rulebook in rules/", () => {
  it("gives the runtime's outcome on every valid case of every rulebook", async () => {
    const problems: string[] = [];
    const refused: string[] = [];
    for (const [n, file] of bundledRulebooks().entries()) {
      const ir = compileBinary64Ir(file);
      const book = rulebookFromIr(ir);
      const cases = (
        parse(readFileSync(resolve(ROOT, file.replace(/\.margin$/, ".test.yaml")), "utf8")) as {
          cases: { input: unknown }[];
        }
      ).cases
        .map((c) => c.input)
        .filter((input) => book.validate(input).valid);
      if (cases.length === 0) continue;
      const compiled = compileToSql(ir, {
        dialect: "clickhouse",
        from: `default.rules_${n}`,
        keep: ["__mb_row"],
      });
      if (!compiled.ok) {
        // 18.16 cannot read a column inside a lambda over nested queries: refused, with the reason.
        // Or a construct SQL has no form for (an element's position, argmax, sort, a fold).
        expect(compiled.diagnostics.map((x) => `${x.code} ${x.message}`).join("\n"), file).toMatch(
          /^MB5101 (a comprehension that reads `[^`]+` cannot be compiled to SQL \(clickhouse\): ClickHouse 18\.16|.* cannot be compiled to SQL \(clickhouse\): (SQL lists have no positions|picking an element, sorting and folds have no SQL form))/,
        );
        refused.push(file);
        continue;
      }
      // One local table each (the Distributed path is the tests above): this test is about the SQL.
      await server.query(
        createTableSql(ir, ch, `default.rules_${n}`, {
          engine: "Log",
          extra: [{ name: "__mb_row", type: "Float64" }],
        }),
      );
      await server.query(`INSERT INTO default.rules_${n} VALUES ${rowTuples(ir, ch, cases).rows.join(", ")}`);
      const got = outcomes(
        await server.query(`${compiled.sql}\nORDER BY __mb_row\nFORMAT TabSeparated`),
        compiled.outputs,
      );
      const expected = runtimeOutcomes(ir, cases);
      cases.forEach((input, i) => {
        if (!closeOutcome(expected[i], got.get(i)))
          problems.push(
            `${file} ${JSON.stringify(input)}: runtime ${JSON.stringify(expected[i])} vs ClickHouse ${JSON.stringify(got.get(i))}`,
          );
      });
    }
    expect(problems).toEqual([]);
    // Two for ClickHouse 18.16's lambdas; three for positions, argmax and folds (refused in every dialect).
    expect(refused).toEqual([
      "rules/crypto-cross-account.margin",
      "rules/deribit-options-pm.margin",
      "rules/ewma-volatility-margin.margin",
      "rules/simm-style-delta.margin",
      "rules/span-sp500.margin",
    ]);
  }, 300_000);
});

describe("ClickHouse: hostile texts", () => {
  it("keeps quotes, backslashes and comment markers inside their literals", async () => {
    const source = [
      'rulebook "x\'); DROP TABLE positions; --"',
      "  version 1.0.0",
      "  effective 2026-01-01T00:00:00Z",
      "  currency USDT",
      "enum Side { long, short }",
      "input p { size: Number > 0, side: Side }",
      'output label: Text = if p.side == long then "it\'s a \\\\ `long` -- \\"quoted\\" /* x */" else "short\'); DROP TABLE x; --"',
      "output twice: Number = p.size * 2",
    ].join("\n");
    const checked = checkRulebook(source, "hostile.margin");
    expect(checked.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    const ir = lowerRulebook(checked.checked, { source: () => source });
    const inputs = [{ p: { size: 1.5, side: "long" } }, { p: { size: 2, side: "short" } }];
    await distributedTable(ir, "hostile", inputs);
    const compiled = compileToSql(ir, { dialect: "clickhouse", from: "default.hostile", keep: ["__mb_row"] });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
    const rows = (await server.query(`${compiled.sql}\nORDER BY __mb_row\nFORMAT JSONEachRow`))
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const expected = rulebookFromIr(ir)
      .evaluateBatch(inputs)
      .map((r) => (r.ok ? r.outputs : {}));
    expect(rows.map((r) => ({ label: r["label"], twice: r["twice"] }))).toEqual(expected);
    expect(String(expected[0]!["label"])).toContain("\\");
    expect((await server.query("SELECT count() FROM default.hostile")).trim()).toBe("2");
  }, 30_000);
});

/** As {@link sameOutcome}, with the transcendental bound for unrounded numbers (docs/scale.md). */
function closeOutcome(a: unknown, b: unknown): boolean {
  const x = a as { error?: string; outputs?: Record<string, unknown> };
  const y = b as { error?: string; outputs?: Record<string, unknown> } | undefined;
  if (!y) return false;
  if (x.error !== undefined || y.error !== undefined) return x.error === y.error;
  return Object.keys(x.outputs!).every((k) => {
    const u = x.outputs![k];
    const v = y.outputs![k];
    if (typeof u !== "number") return String(u) === String(v) || (typeof u === "boolean" && Number(u) === v);
    return (
      Object.is(u, v) ||
      (typeof v === "number" && Math.abs(u - v) <= 1e-13 * Math.max(Math.abs(u), Math.abs(v)))
    );
  });
}

function sameOutcome(a: unknown, b: unknown): boolean {
  const x = a as { error?: string; outputs?: Record<string, unknown> };
  const y = b as { error?: string; outputs?: Record<string, unknown> } | undefined;
  if (!y) return false;
  if (x.error !== undefined || y.error !== undefined) return x.error === y.error;
  return Object.keys(x.outputs!).every((k) => Object.is(x.outputs![k], y.outputs![k]));
}
