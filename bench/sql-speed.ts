/**
 * The SQL target against the runtime (`npm run bench:sql`), all reading the same Parquet file in the
 * same run:
 *
 * - 10,000,000 generated positions (bench/support/positions.ts) through the Binance rulebook
 *   (rules/binance-btcusdt-perp.margin): the compiled DuckDB query (reading the file and computing
 *   every output); the runtime's columnar path (DuckDB reads the columns into typed arrays, then
 *   `evaluateColumns`); and per-record evaluation (`evaluate(input)`, validated, one object per row);
 * - 1,000,000 SPAN accounts of 1 to 4 positions (rules/span-sp500.margin): the DuckDB query against
 *   per-record evaluation (lists cannot be columns);
 * - `marginbook diff --impact <10M positions>.parquet` with `--engine duckdb` against the runtime.
 *
 * Rows per second and ratios, per path the median of the paired rounds and their spread, and the
 * load average (the machine is shared: compare ratios, not absolute figures). Before timing, every
 * output of the SQL and columnar paths is checked equal on the whole file.
 * Options: `--rows N` (default 10,000,000), `--accounts N` (default 1,000,000), `--rounds N`
 * (default 3), `--no-impact`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance, JSDuckDBValueConverter } from "@duckdb/node-api";
import type { IrRulebook } from "../src/ir/ir.js";
import { rulebookFromIr } from "../src/runtime/index.js";
import { compileOrThrow } from "../src/service/language-service.js";
import { compileToSql } from "../src/sql/index.js";
import { accountsSql, positionsSql } from "./support/positions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: options } = parseArgs({
  options: {
    rows: { type: "string" },
    accounts: { type: "string" },
    rounds: { type: "string" },
    "no-impact": { type: "boolean" },
  },
});
const ROWS = Number(options.rows ?? 10_000_000);
const ACCOUNTS = Number(options.accounts ?? 1_000_000);
const ROUNDS = Number(options.rounds ?? 3);

function compile(file: string): IrRulebook {
  const source = readFileSync(path.join(root, file), "utf8");
  return compileOrThrow(source, file);
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const folder = mkdtempSync(path.join(tmpdir(), "marginbook-bench-sql-"));
const con = await (await DuckDBInstance.create(":memory:")).connect();

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** Runs each path once per round, in turn; prints rows/s (median, spread) and ratios to the first. */
async function race(title: string, rows: number, paths: [string, () => Promise<unknown>][]): Promise<void> {
  const times = paths.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++)
    for (let p = 0; p < paths.length; p++) times[p]!.push(await timed(paths[p]![1]));
  console.log(`\n${title}: ${fmt(rows)} rows, ${ROUNDS} rounds (load average ${load()})`);
  const base = median(times[0]!);
  paths.forEach(([name], p) => {
    const m = median(times[p]!);
    const spread = (Math.max(...times[p]!) - Math.min(...times[p]!)) / m;
    console.log(
      `  ${name.padEnd(38)} ${fmt(rows / m).padStart(12)} rows/s  median ${m.toFixed(2)} s  spread ${(spread * 100).toFixed(0)}%  ${p === 0 ? "" : `x${(m / base).toFixed(1)} the time of ${paths[0]![0]}`}`,
    );
  });
}

async function readColumns(
  file: string,
  paths: string[],
): Promise<{ columns: Record<string, Float64Array | string[]>; rows: number }> {
  const result = await con.stream(
    `SELECT ${paths.map((p) => `"${p}"`).join(", ")} FROM read_parquet('${file}')`,
  );
  const parts: unknown[][][] = paths.map(() => []);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    paths.forEach((_, c) => parts[c]!.push(chunk.getColumnValues(c) as unknown[]));
    rows += chunk.rowCount;
  }
  const columns: Record<string, Float64Array | string[]> = {};
  paths.forEach((p, c) => {
    const first = parts[c]![0]?.[0];
    if (typeof first === "number") {
      const array = new Float64Array(rows);
      let at = 0;
      for (const part of parts[c]!) for (const v of part) array[at++] = v as number;
      columns[p] = array;
    } else columns[p] = parts[c]!.flat() as string[];
  });
  return { columns, rows };
}

async function binance(): Promise<void> {
  const file = path.join(folder, "positions.parquet");
  console.log(
    `generating ${fmt(ROWS)} positions: ${(await timed(() => con.run(positionsSql(ROWS, file)))).toFixed(1)} s`,
  );
  const ir = compile("rules/binance-btcusdt-perp.margin");
  const book = rulebookFromIr(ir);
  const compiled = compileToSql(ir, { dialect: "duckdb", from: `read_parquet('${file}')`, keep: [] });
  if (!compiled.ok) throw new Error("the Binance rulebook has no SQL");
  const sums = compiled.outputs.map((o) => `sum("${o}") AS "${o}"`).join(", ");
  const sqlSummary = async (): Promise<Record<string, unknown>> =>
    (
      await con.runAndReadAll(`SELECT count(*) AS n, count(error) AS failed, ${sums} FROM (${compiled.sql})`)
    ).getRowObjectsJS()[0]!;
  const paths = ["position.size", "position.mark", "position.side", "market.vol_30d", "market.adv"];
  const columnar = async (): Promise<Record<string, number>> => {
    const { columns, rows } = await readColumns(file, paths);
    const result = book.evaluateColumns(columns, rows);
    return Object.fromEntries(
      Object.entries(result.outputs).map(([name, values]) => {
        let sum = 0;
        for (const v of values as Float64Array) sum += v;
        return [name, sum];
      }),
    );
  };
  const perRecord = async (): Promise<void> => {
    const { columns, rows } = await readColumns(file, paths);
    const [size, mark, side, vol, adv] = paths.map((p) => columns[p]!) as [
      Float64Array,
      Float64Array,
      string[],
      Float64Array,
      Float64Array,
    ];
    for (let i = 0; i < rows; i++)
      book.evaluate({
        position: { size: size[i], mark: mark[i], side: side[i] },
        market: { vol_30d: vol[i], adv: adv[i] },
      });
  };
  // The SQL and columnar paths agree on the whole file before anything is timed (sums in file order).
  const a = await sqlSummary();
  const b = await columnar();
  for (const o of compiled.outputs)
    if (Math.abs((a[o] as number) - b[o]!) > 1e-9 * Math.abs(b[o]!))
      throw new Error(`${o}: SQL ${String(a[o])} vs runtime ${b[o]}`);
  await race("Binance positions (rules/binance-btcusdt-perp.margin)", ROWS, [
    ["DuckDB SQL (file -> outputs)", sqlSummary],
    ["runtime, columnar (file -> arrays -> outputs)", columnar],
    ["runtime, per record (file -> objects)", perRecord],
  ]);
  if (options["no-impact"] !== true) impact(file);
}

/** `diff --impact` over the positions file, both engines, as the CLI runs it. */
function impact(file: string): void {
  const changed = path.join(folder, "binance-new.margin");
  writeFileSync(
    changed,
    readFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), "utf8").replace(
      "param vol_threshold: Rate = 80%",
      "param vol_threshold: Rate = 75%",
    ),
  );
  const run = (engine: string): number => {
    const start = performance.now();
    const result = spawnSync(
      process.execPath,
      [
        path.join(root, "bin/marginbook.js"),
        "diff",
        "rules/binance-btcusdt-perp.margin",
        changed,
        "--impact",
        file,
        "--engine",
        engine,
        "--top",
        "3",
      ],
      { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 },
    );
    if (result.status !== 0)
      throw new Error(`diff --impact --engine ${engine} failed: ${result.stderr.slice(-500)}`);
    return (performance.now() - start) / 1000;
  };
  const duck = run("duckdb");
  const js = run("js");
  console.log(
    `\ndiff --impact ${path.basename(file)} (${fmt(ROWS)} rows), whole command, 1 round each (load average ${load()})`,
  );
  console.log(`  --engine duckdb  ${duck.toFixed(1)} s  ${fmt(ROWS / duck)} rows/s`);
  console.log(
    `  --engine js      ${js.toFixed(1)} s  ${fmt(ROWS / js)} rows/s  x${(js / duck).toFixed(1)} the time of duckdb`,
  );
}

async function span(): Promise<void> {
  const file = path.join(folder, "accounts.parquet");
  console.log(
    `\ngenerating ${fmt(ACCOUNTS)} SPAN accounts: ${(await timed(() => con.run(accountsSql(ACCOUNTS, file)))).toFixed(1)} s`,
  );
  const ir = compile("rules/span-sp500.margin");
  const book = rulebookFromIr(ir);
  const compiled = compileToSql(ir, { dialect: "duckdb", from: `read_parquet('${file}')`, keep: [] });
  if (!compiled.ok) throw new Error("the SPAN rulebook has no SQL");
  const sql = async (): Promise<number> =>
    Number(
      (
        await con.runAndReadAll(`SELECT sum(scanning_risk_requirement) AS s FROM (${compiled.sql})`)
      ).getRowObjectsJS()[0]!["s"],
    );
  const perRecord = async (): Promise<number> => {
    const result = await con.stream(`SELECT "account.positions" FROM read_parquet('${file}')`);
    let sum = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const positions of chunk.convertColumnValues(0, JSDuckDBValueConverter)) {
        sum += book.evaluate({ account: { positions } }).outputs["scanning_risk_requirement"] as number;
      }
    }
    return sum;
  };
  const [a, b] = [await sql(), await perRecord()];
  if (Math.abs(a - b) > 1e-9 * Math.abs(b)) throw new Error(`SPAN: SQL ${a} vs runtime ${b}`);
  await race("SPAN accounts (rules/span-sp500.margin)", ACCOUNTS, [
    ["DuckDB SQL (file -> outputs)", sql],
    ["runtime, per record (file -> objects)", perRecord],
  ]);
}

try {
  console.log(`marginbook bench:sql (node ${process.version}, load average ${load()})`);
  await binance();
  await span();
} finally {
  con.closeSync();
  rmSync(folder, { recursive: true, force: true });
}
