/**
 * The embedded SQL engine of `batch` and `diff --impact`: DuckDB through `@duckdb/node-api`, an
 * optional dependency loaded on first use (everything else works without it). Reads and writes
 * Parquet, CSV and JSON Lines; maps nested JSON records (`{"position": {"size": 1}}`) to the
 * dotted columns a compiled query reads (`position.size`).
 */
import path from "node:path";
import type { IrRulebook } from "../ir/ir.js";
import { dialects, inputColumns } from "../sql/index.js";
import { UsageError } from "./io.js";

type DuckApi = typeof import("@duckdb/node-api");
/** A connection to an in-process DuckDB. */
export type DuckConnection = Awaited<
  ReturnType<Awaited<ReturnType<DuckApi["DuckDBInstance"]["create"]>>["connect"]>
>;

const d = dialects.duckdb;

/** The data file formats, by extension. */
export type FileFormat = "parquet" | "csv" | "jsonl";

/** The format of a data file from its extension; a usage error for anything else. */
export function fileFormat(file: string, command: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".parquet") return "parquet";
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new UsageError(`${file}: give a .parquet, .csv or .jsonl file`, command);
}

/** Opens an in-memory DuckDB; a usage error naming the package when it is not installed. */
export async function openDuckDb(command: string): Promise<DuckConnection> {
  let api: DuckApi;
  try {
    api = await import("@duckdb/node-api");
  } catch {
    throw new UsageError(
      "DuckDB is not installed: `npm install @duckdb/node-api@1.5.6-r.1` (an optional dependency of marginbook), or use `--engine js` with .jsonl files",
      command,
    );
  }
  const instance = await api.DuckDBInstance.create(":memory:");
  return instance.connect();
}

/** The SQL that reads a data file. */
export function readFileSql(file: string, format: FileFormat, textColumns: readonly string[] = []): string {
  const name = d.text(file);
  if (format === "parquet") return `read_parquet(${name})`;
  if (format === "csv") {
    const types = textColumns.map((c) => `${d.text(c)}: 'VARCHAR'`).join(", ");
    return `read_csv(${name}, header = true${types ? `, types = {${types}}` : ""})`;
  }
  return `read_json(${name}, format = 'newline_delimited')`;
}

/**
 * Creates the view `__mb_input` over a data file with the rulebook's dotted input columns (taken
 * from a column of that name, or from the field of a struct column: nested JSON), plus every other
 * column of the file. Returns the view's columns; a usage error names the input columns missing.
 */
export async function createInputView(
  con: DuckConnection,
  ir: IrRulebook,
  file: string,
  format: FileFormat,
  command: string,
): Promise<string[]> {
  const describe = async (source: string) =>
    (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
      .getRowObjectsJS()
      .map((r) => ({ name: String(r["column_name"]), type: String(r["column_type"]) }));
  let source = readFileSql(file, format);
  let fileColumns = await describe(source);
  const names = new Set(fileColumns.map((c) => c.name));
  // A CSV cell is text: in decimal arithmetic its number is read from that text, every digit kept,
  // not from the DOUBLE DuckDB would guess (`1.00000000000000001` is not 1).
  if (format === "csv" && ir.meta.arithmetic) {
    const numbers = inputColumns(ir)
      .columns.filter((c) => c.type.kind === "number" && names.has(c.path))
      .map((c) => c.path);
    if (numbers.length > 0) {
      source = readFileSql(file, format, numbers);
      fileColumns = await describe(source);
    }
  }
  const select: string[] = [];
  const missing: string[] = [];
  for (const column of inputColumns(ir).columns) {
    if (names.has(column.path)) continue;
    const [head, ...rest] = column.path.split(".");
    const struct = fileColumns.find((c) => c.name === head && c.type.startsWith("STRUCT"));
    if (struct && rest.length > 0)
      select.push(`${[head!, ...rest].map((p) => d.ident(p)).join(".")} AS ${d.ident(column.path)}`);
    else if (!column.optional) missing.push(column.path);
  }
  if (missing.length > 0)
    throw new UsageError(
      `${file} has no column ${missing.map((m) => `\`${m}\``).join(", ")} (the rulebook's inputs: ${inputColumns(
        ir,
      )
        .columns.map((c) => c.path)
        .join(", ")})`,
      command,
    );
  await con.run(
    `CREATE OR REPLACE VIEW __mb_input AS SELECT *${select.length > 0 ? `, ${select.join(", ")}` : ""} FROM ${source}`,
  );
  const view = await con.runAndReadAll("DESCRIBE __mb_input");
  return view.getRowObjectsJS().map((r) => String(r["column_name"]));
}

/** `COPY (query) TO file` in the file's format. */
export function copyToSql(query: string, file: string, format: FileFormat): string {
  const options =
    format === "parquet" ? "FORMAT parquet" : format === "csv" ? "FORMAT csv, HEADER true" : "FORMAT json";
  return `COPY (${query}) TO ${d.text(file)} (${options})`;
}

/**
 * Runs a statement while reporting DuckDB's own progress (a percentage of the scan) every 100 ms.
 * The statement runs on DuckDB's threads, so the event loop is free to poll.
 */
export async function runWithProgress(
  con: DuckConnection,
  sql: string,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const timer = setInterval(() => {
    const p = con.progress;
    if (p.percentage >= 0) onProgress(p.percentage / 100);
  }, 100);
  try {
    await con.run(sql);
  } finally {
    clearInterval(timer);
  }
}

/** A value from DuckDB as the runtime's JSON: bigints as numbers, NULL fields left out. */
export function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, plainValue(v)]),
    );
  }
  return value;
}

/** Sets `a.b.c` in a nested object; a NULL column leaves the field out (an optional field's default applies). */
export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  if (value === null || value === undefined) return;
  const parts = dotted.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = Object.hasOwn(node, part) ? node[part] : undefined;
    if (next === null || typeof next !== "object") node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/**
 * Numbers the rows of the input view into the table `__mb_rows` (`__mb_row` from 0, in file order),
 * which both the SQL and the runtime paths read, so that row numbers mean the same input everywhere.
 */
export async function numberRows(con: DuckConnection): Promise<number> {
  await con.run(
    "CREATE OR REPLACE TEMP TABLE __mb_rows AS SELECT row_number() OVER () - 1 AS __mb_row, * FROM __mb_input",
  );
  return Number((await con.runAndReadAll("SELECT count(*) AS n FROM __mb_rows")).getRowObjectsJS()[0]!["n"]);
}

/**
 * Reads the rulebook's input columns of `__mb_rows` into memory, column by column, and returns a
 * function that builds the runtime input of a row from them (the rows are never all objects at once).
 */
export async function readInputColumns(
  con: DuckConnection,
  ir: IrRulebook,
  count: number,
  onProgress?: (done: number) => void,
): Promise<(index: number) => unknown> {
  const { JSDuckDBValueConverter } = await import("@duckdb/node-api");
  const paths = inputColumns(ir).columns.map((c) => c.path);
  const columns = paths.map(() => new Array<unknown>(count));
  const result = await con.stream(
    `SELECT ${paths.map((p) => d.ident(p)).join(", ")} FROM __mb_rows ORDER BY __mb_row`,
  );
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    paths.forEach((_, c) => {
      const values = chunk.convertColumnValues(c, JSDuckDBValueConverter);
      const into = columns[c]!;
      for (let r = 0; r < values.length; r++) into[at + r] = plainValue(values[r]);
    });
    at += chunk.rowCount;
    onProgress?.(at);
  }
  return (index) => {
    const input: Record<string, unknown> = {};
    paths.forEach((p, c) => setPath(input, p, columns[c]![index]));
    return input;
  };
}
