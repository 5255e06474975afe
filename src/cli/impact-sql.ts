/**
 * `diff --impact <file> --engine duckdb`: both versions compiled to SQL and run in DuckDB over the
 * same numbered rows (`__mb_rows`), joined row by row into the columns the impact statistics read
 * (`src/review/impact.ts`). Only the top movers and the first failure of each code are read back
 * into JavaScript, as runtime inputs (for their explanation and their message).
 */
import type { IrRulebook } from "../ir/ir.js";
import type { FailureCounts, ImpactColumns } from "../review/impact.js";
import { rulebookFromIr } from "../runtime/rulebook.js";
import { compileToSql, dialects, inputColumns } from "../sql/index.js";
import { renderSqlDiagnostics } from "./compile-file.js";
import { plainValue, setPath, type DuckConnection } from "./duckdb-engine.js";
import type { Progress } from "./progress.js";

const d = dialects.duckdb;

/** Evaluates both versions in DuckDB; a string is the rendered reason a version has no SQL. */
export async function impactColumnsOnDuckDb(
  con: DuckConnection,
  oldIr: IrRulebook,
  newIr: IrRulebook,
  outputs: readonly string[],
  count: number,
  progress: Progress | undefined,
): Promise<ImpactColumns | string> {
  const sides = [oldIr, newIr].map((ir) =>
    compileToSql(ir, { dialect: "duckdb", from: "__mb_rows", keep: ["__mb_row"] }),
  );
  const problems = sides.flatMap((s) => (s.ok ? [] : s.diagnostics));
  if (problems.length > 0)
    return `${renderSqlDiagnostics(problems)}marginbook: use --engine js for these versions\n`;
  const [o, n] = sides as Extract<(typeof sides)[number], { ok: true }>[];
  const pick = (alias: string, prefix: string, errorColumn: string): string[] => [
    ...outputs.map((name, i) => `${alias}.${d.ident(name)} AS __mb_${prefix}${i}`),
    `${alias}.${d.ident(errorColumn)} AS __mb_${prefix}_error`,
  ];
  const sql = `SELECT o.__mb_row, ${[...pick("o", "o", o!.errorColumn), ...pick("n", "n", n!.errorColumn)].join(", ")}
FROM (${o!.sql}) AS o JOIN (${n!.sql}) AS n USING (__mb_row) ORDER BY o.__mb_row`;
  const columns: ImpactColumns = {
    start: 0,
    count,
    old: outputs.map(() => new Float64Array(count)),
    new: outputs.map(() => new Float64Array(count)),
    status: new Uint8Array(count),
    failures: { old: {}, new: {} },
  };
  const width = outputs.length;
  const result = await con.stream(sql);
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    for (const [side, offset, into, failures, flag] of [
      ["o", 1, columns.old, columns.failures.old, 1],
      ["n", 2 + width, columns.new, columns.failures.new, 2],
    ] as const) {
      void side;
      for (let c = 0; c < width; c++) {
        const values = chunk.getColumnValues(offset + c);
        const target = into[c]!;
        for (let r = 0; r < rows; r++)
          target[at + r] = typeof values[r] === "number" ? (values[r] as number) : NaN;
      }
      const errors = chunk.getColumnValues(offset + width);
      for (let r = 0; r < rows; r++) {
        const code = errors[r];
        if (typeof code !== "string") continue;
        columns.status[at + r]! |= flag;
        const seen = failures[code];
        if (seen) seen.count++;
        else failures[code] = { count: 1, index: at + r, message: code };
      }
    }
    at += rows;
    progress?.update(at);
  }
  if (at !== count) throw new Error(`the SQL impact query returned ${at} rows for ${count} inputs`);
  await explainFailures(con, oldIr, columns.failures.old);
  await explainFailures(con, newIr, columns.failures.new);
  return columns;
}

/** Reads rows of `__mb_rows` back as the runtime inputs of `ir`. */
export async function inputsAt(
  con: DuckConnection,
  ir: IrRulebook,
  indexes: readonly number[],
): Promise<Map<number, unknown>> {
  const found = new Map<number, unknown>();
  if (indexes.length === 0) return found;
  const paths = inputColumns(ir).columns.map((c) => c.path);
  const rows = (
    await con.runAndReadAll(
      `SELECT __mb_row, ${paths.map((p) => d.ident(p)).join(", ")} FROM __mb_rows WHERE __mb_row IN (${indexes.map((i) => String(i)).join(", ")})`,
    )
  ).getRowsJS();
  for (const row of rows) {
    const input: Record<string, unknown> = {};
    paths.forEach((p, c) => setPath(input, p, plainValue(row[c + 1])));
    found.set(Number(row[0]), input);
  }
  return found;
}

/** Replaces each failure's code by the runtime's own message for its first input. */
async function explainFailures(con: DuckConnection, ir: IrRulebook, failures: FailureCounts): Promise<void> {
  const book = rulebookFromIr(ir);
  const inputs = await inputsAt(
    con,
    ir,
    Object.values(failures).map((f) => f.index),
  );
  for (const failure of Object.values(failures)) {
    const [outcome] = book.evaluateBatch([inputs.get(failure.index)]);
    if (outcome && !outcome.ok) failure.message = outcome.error.message;
  }
}
