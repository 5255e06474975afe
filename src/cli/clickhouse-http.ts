/**
 * `batch --engine clickhouse`: runs a rulebook's compiled query on a ClickHouse server over plain
 * HTTP (the interface every ClickHouse release has, 18.16 included), over a table that lives there,
 * and writes the results back as a table. Also used by the tests to talk to their own server.
 */
import type { IrRulebook } from "../ir/ir.js";
import { compileToSql, dialects, inputColumns, physicalColumns } from "../sql/index.js";
import { renderSqlDiagnostics } from "./compile-file.js";
import type { CliIo } from "./io.js";
import { Progress } from "./progress.js";

const ch = dialects.clickhouse;

/** Runs one statement over ClickHouse's HTTP interface; resolves to the response body, rejects with the server's message. */
export async function clickhouseQuery(url: string, sql: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", body: sql });
  } catch {
    // A kept-alive connection the server has closed in the meantime: one more try on a new one.
    try {
      response = await fetch(url, { method: "POST", body: sql });
    } catch (error) {
      throw new ClickHouseError(`cannot reach ClickHouse at ${url}: ${(error as Error).message}`);
    }
  }
  const text = await response.text();
  if (!response.ok) throw new ClickHouseError(`ClickHouse refused the query: ${text.trim().split("\n")[0]}`);
  return text;
}

/** A failure talking to ClickHouse (unreachable, or a query it refused). */
export class ClickHouseError extends Error {
  override readonly name = "ClickHouseError";
}

/** A table name as written (`db.table`), each part quoted. */
export function tableName(name: string): string {
  return name
    .split(".")
    .map((part) => ch.ident(part))
    .join(".");
}

/**
 * Compiles the rulebook for ClickHouse, creates `outputTable` from the query over `table`, and counts
 * the rows and the errors by code. Reports problems on `io.stderr`.
 */
export async function runClickHouseBatch(
  ir: IrRulebook,
  options: { url: string; table: string; outputTable: string },
  io: CliIo,
): Promise<{ ok: true; rows: number; errors: Map<string, number>; seconds: number } | { ok: false }> {
  const compiled = compileToSql(ir, {
    dialect: "clickhouse",
    from: tableName(options.table),
    keep: inputColumns(ir).columns.flatMap((c) => physicalColumns(ch, c).map((p) => p.name)),
  });
  if (!compiled.ok) {
    io.stderr(renderSqlDiagnostics(compiled.diagnostics));
    return { ok: false };
  }
  const started = performance.now();
  const progress = new Progress(io, 1, "batch clickhouse");
  try {
    await clickhouseQuery(
      options.url,
      `CREATE TABLE ${tableName(options.outputTable)} ENGINE = Log AS ${compiled.sql.replace(/^--.*\n/, "")}`,
    );
    progress.finish();
    const counts = await clickhouseQuery(
      options.url,
      `SELECT ifNull(${ch.ident(compiled.errorColumn)}, '') AS code, count() FROM ${tableName(options.outputTable)} GROUP BY code ORDER BY code FORMAT TabSeparated`,
    );
    let rows = 0;
    const errors = new Map<string, number>();
    for (const line of counts.split("\n").filter((l) => l !== "")) {
      const [code, n] = line.split("\t");
      rows += Number(n);
      if (code) errors.set(code, Number(n));
    }
    return { ok: true, rows, errors, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (!(error instanceof ClickHouseError)) throw error;
    io.stderr(`marginbook: ${error.message}\n`);
    return { ok: false };
  }
}
