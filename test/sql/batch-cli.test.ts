/**
 * `marginbook batch` and `compile --target sql`, run in-process: the acceptance run (a generated
 * 1,000,000-row Parquet file through the Binance rulebook, whose first row is Binance's worked
 * example: 71,200.82), the same rows through the runtime (`--engine js`) in CSV and JSON Lines with
 * identical results, artifacts as input, nested JSON records, and the coded refusals.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { positionsSql } from "../../bench/support/positions.js";
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { ROOT } from "../support/rulebooks.js";

type Duck = typeof import("@duckdb/node-api");
let con: Awaited<ReturnType<Awaited<ReturnType<Duck["DuckDBInstance"]["create"]>>["connect"]>>;
const folder = mkdtempSync(join(tmpdir(), "marginbook-batch-"));

beforeAll(async () => {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  con = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => con?.closeSync());

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { cwd: ROOT, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** A rulebook that rounds to a step given at run time, which SQL does not express (MB5102). */
function dynamicStep(): string {
  const file = join(folder, "dynamic-step.margin");
  writeFileSync(
    file,
    [
      'rulebook "Dynamic step" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT',
      "input position { notional: USDT > 0, step: USDT > 0 }",
      "output margin: USDT = round_up(position.notional * 1%, position.step)",
    ].join("\n") + "\n",
  );
  return file;
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS();
}

describe("marginbook batch", () => {
  it("runs 1,000,000 generated positions through the Binance rulebook in DuckDB (acceptance)", async () => {
    const input = join(folder, "positions-1m.parquet");
    const output = join(folder, "results-1m.parquet");
    await con.run(positionsSql(1_000_000, input));
    const run = await cli("batch", "rules/binance-btcusdt-perp.margin", "--input", input, "--output", output);
    expect(run.stderr).toContain("batch duckdb: 100%");
    expect(run.stdout).toMatch(/^1,000,000 rows -> .*results-1m\.parquet: 1,000,000 evaluated, 0 failed; /);
    expect(run.code).toBe(0);
    const [first] = await rows(
      `SELECT id, maintenance_margin, maintenance_margin_exact, error FROM read_parquet('${output}') WHERE id = 0`,
    );
    expect(first).toEqual({
      id: 0n,
      maintenance_margin: 71200.82,
      maintenance_margin_exact: 71200.811444,
      error: null,
    });
    expect(await rows(`SELECT count(*) AS n FROM read_parquet('${output}')`)).toEqual([{ n: 1_000_000n }]);
  }, 60_000);

  it("gives the same results through the runtime (--engine js), in CSV and JSON Lines, from a rulebook or an artifact", async () => {
    const csv = join(folder, "positions.csv");
    await con.run(positionsSql(3000, csv));
    // A few bad rows: a negative size (invalid input) and a missing side.
    await con.run(
      `COPY (SELECT * REPLACE (CASE WHEN id = 5 THEN -1 ELSE "position.size" END AS "position.size", CASE WHEN id = 7 THEN NULL ELSE "position.side" END AS "position.side") FROM read_csv('${csv}')) TO '${csv}' (FORMAT csv, HEADER true)`,
    );
    const artifact = join(folder, "binance.json");
    expect((await cli("compile", "rules/binance-btcusdt-perp.margin", "-o", artifact)).code).toBe(0);
    const viaSql = join(folder, "sql.jsonl");
    const viaJs = join(folder, "js.jsonl");
    const sqlRun = await cli(
      "batch",
      "rules/binance-btcusdt-perp.margin",
      "--input",
      csv,
      "--output",
      viaSql,
    );
    const jsRun = await cli("batch", artifact, "--input", csv, "--output", viaJs, "--engine", "js");
    expect(sqlRun.stdout).toContain("2,998 evaluated, 2 failed (MB6001: 2)");
    expect(jsRun.stdout).toContain("2,998 evaluated, 2 failed (MB6001: 2)");
    const parse = (file: string): Record<string, unknown>[] =>
      readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const a = parse(viaSql);
    const b = parse(viaJs);
    expect(a.length).toBe(3000);
    expect(b).toEqual(a);
    expect(
      (
        await cli(
          "batch",
          "rules/binance-btcusdt-perp.margin",
          "--input",
          csv,
          "--output",
          viaSql,
          "--strict",
        )
      ).code,
    ).toBe(1);
  }, 60_000);

  it("reads nested JSON records and lists of records (SPAN accounts)", async () => {
    const input = join(folder, "accounts.jsonl");
    const account = (quantity: number): string =>
      JSON.stringify({
        id: quantity,
        account: {
          positions: [
            {
              contract: "SP Dec future",
              underlying: "SP",
              quantity,
              risk: [
                0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000,
                -7000,
              ],
            },
          ],
        },
      });
    writeFileSync(input, [account(1), account(-2)].join("\n") + "\n");
    const output = join(folder, "span.csv");
    const run = await cli(
      "batch",
      "test/fixtures/sql/span-scanning-risk.margin",
      "--input",
      input,
      "--output",
      output,
    );
    expect(run.code).toBe(0);
    expect(
      await rows(`SELECT id, scanning_risk_requirement AS r FROM read_csv('${output}') ORDER BY id`),
    ).toEqual([
      { id: -2n, r: 20000 },
      { id: 1n, r: 10000 },
    ]);
  }, 30_000);

  it("fails only the row whose cell is not a number, in both engines", async () => {
    const input = join(folder, "one-bad.csv");
    writeFileSync(
      input,
      "id,position.size,position.mark,position.side,market.vol_30d,market.adv\n" +
        "1,109.488,31967.27,long,0.5,2000000000\n2,2,30000,short,1.2,2000000000\n3,abc,30000,long,0.5,2000000000\n",
    );
    for (const engine of ["js", "duckdb"]) {
      const output = join(folder, `one-bad-${engine}.csv`);
      const run = await cli(
        "batch",
        "rules/binance-btcusdt-perp.margin",
        "--input",
        input,
        "--output",
        output,
        "--engine",
        engine,
      );
      expect(run.stdout, engine).toContain("3 rows -> ");
      expect(run.stdout, engine).toContain("2 evaluated, 1 failed (MB6001: 1)");
      const written = await rows(
        `SELECT id, maintenance_margin_exact::DOUBLE AS mm, error FROM read_csv('${output}') ORDER BY id`,
      );
      expect(written, engine).toEqual([
        { id: 1n, mm: 71200.811444, error: null },
        { id: 2n, mm: 250, error: null },
        { id: 3n, mm: null, error: "MB6001" },
      ]);
    }
  });

  it("reads a decimal book's CSV numbers from their text and writes exact decimals, in both engines", async () => {
    const input = join(folder, "decimal.csv");
    writeFileSync(
      input,
      "position.size,position.price,tier.imf_ppm,tier.maintenance_fraction_ppm\n" +
        "12.345678,3456.789012,100000,500000\n1.00000000000000001,1000000,50000,600000\n",
    );
    // `eval` on the second row: 1.00000000000000001 x 10^6 x 5% is one quantum above 5 x 10^10.
    for (const engine of ["js", "duckdb"]) {
      const output = join(folder, `decimal-${engine}.jsonl`);
      const run = await cli(
        "batch",
        "rules/dydx-v4-quantums.margin",
        "--input",
        input,
        "--output",
        output,
        "--engine",
        engine,
      );
      expect(run.code, engine).toBe(0);
      // Read as text: JSON.parse would turn DuckDB's DECIMAL numbers into doubles.
      const lines = readFileSync(output, "utf8").trim().split("\n");
      const field = (name: string): string[] =>
        lines.map((line) =>
          new RegExp(`"${name.replace(/\./g, "\\.")}":"?([^,"}]+)`).exec(line)![1]!.replace(/\.?0+$/, ""),
        );
      expect(field("position.size"), engine).toEqual(["12.345678", "1.00000000000000001"]);
      expect(field("notional_in_quantums"), engine).toEqual(["42676404056.090136", "1000000000000.00001"]);
      expect(field("initial_margin_quantums"), engine).toEqual(["4267640406", "50000000001"]);
      if (engine === "js") expect(lines[0]).toContain('"notional_in_quantums":"42676404056.090136"');
    }
  });

  it("names the missing columns, refuses what SQL cannot express, and checks its options", async () => {
    const input = join(folder, "partial.csv");
    writeFileSync(input, "position.size,position.mark\n1,2\n");
    const missing = await cli(
      "batch",
      "rules/binance-btcusdt-perp.margin",
      "--input",
      input,
      "--output",
      join(folder, "x.csv"),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("has no column `position.side`, `market.vol_30d`, `market.adv`");
    const refused = await cli("batch", dynamicStep(), "--input", input, "--output", join(folder, "y.csv"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /dynamic-step\.margin:3: error MB5102: `round_up` with a step computed at run time/,
    );
    expect(
      (await cli("batch", "rules/binance-btcusdt-perp.margin", "--input", input, "--output", "x.txt")).stderr,
    ).toContain("give a .parquet, .csv or .jsonl file");
    expect((await cli("batch", "rules/binance-btcusdt-perp.margin", "--engine", "spark")).code).toBe(2);
  });
});

describe("marginbook compile --target sql", () => {
  it("writes the query for each dialect, or the coded refusal", async () => {
    const file = join(folder, "binance.sql");
    const run = await cli(
      "compile",
      "rules/binance-btcusdt-perp.margin",
      "--target",
      "sql",
      "--dialect",
      "clickhouse",
      "-o",
      file,
    );
    expect(run.stdout).toContain(
      "(clickhouse SQL, outputs initial_margin, maintenance_margin, maintenance_margin_exact, max_leverage, errors in `error`)",
    );
    expect(readFileSync(file, "utf8")).toMatch(
      /^-- BTCUSDT perpetual 1\.0\.0: generated by marginbook \(clickhouse\), do not edit\nSELECT `position\.size`/,
    );
    const duck = await cli(
      "compile",
      "rules/binance-btcusdt-perp.margin",
      "--target",
      "sql",
      "--from",
      "read_parquet('p.parquet')",
    );
    expect(duck.stdout).toContain("FROM read_parquet('p.parquet')");
    const refused = await cli("compile", dynamicStep(), "--target", "sql", "--dialect", "clickhouse");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "error MB5102: `round_up` with a step computed at run time cannot be compiled to SQL (clickhouse)",
    );
    expect(
      (await cli("compile", "rules/binance-btcusdt-perp.margin", "--target", "sql", "--dialect", "oracle"))
        .code,
    ).toBe(2);
  });
});
