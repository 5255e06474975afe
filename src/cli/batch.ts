/**
 * `marginbook batch`: evaluates a rulebook over a whole file of inputs (Parquet, CSV, JSON Lines)
 * and writes one result row per input row: the input columns, every output, and an `error` column
 * with the MB6xxx code of a row that fails (NULL otherwise). Engines: `duckdb` (the compiled SQL in
 * an in-process DuckDB, the default), `js` (the runtime, row by row; DuckDB reads and writes the
 * files) and `clickhouse` (the compiled SQL on a ClickHouse server, over a table that lives there).
 */
import path from "node:path";
import { loadArtifact, rulebookFromIr, type LoadedRulebook } from "../runtime/index.js";
import type { IrRulebook } from "../ir/ir.js";
import { isDecimalText } from "../semantics/decimal.js";
import { compileToSql, inputColumns } from "../sql/index.js";
import { columnLayout, type Columns } from "../runtime/columns.js";
import { runClickHouseBatch } from "./clickhouse-http.js";
import { compileFile, renderSqlDiagnostics } from "./compile-file.js";
import {
  copyToSql,
  createInputView,
  fileFormat,
  numberRows,
  openDuckDb,
  plainValue,
  runWithProgress,
  setPath,
  type DuckConnection,
} from "./duckdb-engine.js";
import { displayPath, readText, refuseOverwritingInput } from "./files.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";
import { Progress } from "./progress.js";

const ENGINES = ["duckdb", "js", "clickhouse"] as const;

/** The `batch` command. */
export function batchCommand(): Command {
  return {
    name: "batch",
    summary:
      "evaluate a rulebook over a Parquet, CSV or JSON Lines file (DuckDB, the runtime, or ClickHouse)",
    usage:
      "Usage: marginbook batch <rulebook.margin|artifact.json> --input <in.parquet|csv|jsonl> --output <out.parquet|csv|jsonl> [--engine duckdb|js]\n" +
      "       marginbook batch <rulebook.margin|artifact.json> --engine clickhouse --url <http://host:8123> --table <input> --output-table <results>",
    description: [
      "Evaluates the rulebook on every row of the input and writes one row per input row: the input",
      "columns, every output, and `error`, the MB6xxx code of a row that fails (empty otherwise). Input",
      "columns are named by field path (`position.size`), or nested records in JSON Lines. Lists are",
      "lists of structs. `--engine duckdb` (default) compiles the rulebook to SQL and runs it in an",
      "in-process DuckDB; `--engine js` evaluates the rows with the runtime, chunk by chunk through its",
      "columnar path (row by row where a chunk has NULLs or lists); `--engine clickhouse` runs the SQL",
      "on a ClickHouse server over `--table` and writes `--output-table` there.",
      "A progress bar is drawn on stderr. Exit codes: 0 written, 1 the rulebook cannot be compiled",
      "(or rows failed, with --strict), 2 usage error.",
    ].join("\n"),
    options: {
      input: {
        type: "string",
        short: "i",
        valueName: "file",
        description: "the input rows (.parquet, .csv, .jsonl)",
      },
      output: {
        type: "string",
        short: "o",
        valueName: "file",
        description: "where to write the results (.parquet, .csv, .jsonl)",
      },
      engine: {
        type: "string",
        valueName: "duckdb|js|clickhouse",
        description: "what evaluates the rows (default duckdb)",
      },
      url: {
        type: "string",
        valueName: "url",
        description: "the ClickHouse HTTP endpoint (default http://127.0.0.1:8123)",
      },
      table: { type: "string", valueName: "name", description: "the ClickHouse table of input rows" },
      "output-table": {
        type: "string",
        valueName: "name",
        description: "the ClickHouse table to create with the results",
      },
      strict: { type: "boolean", description: "exit 1 when any row fails" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: (args, io) => runBatch(args, io),
  };
}

/** A rulebook from a `.margin` file (compiled) or an artifact (`.json`, verified as engines load it). */
export function loadRulebookOrArtifact(
  file: string,
  io: CliIo,
  command: string,
): { ok: true; ir: IrRulebook; book: LoadedRulebook } | { ok: false; report: string } {
  if (file.toLowerCase().endsWith(".json")) {
    let text: string;
    try {
      text = readText(path.resolve(io.cwd, file));
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, command);
    }
    try {
      const book = loadArtifact(text);
      return { ok: true, ir: book.ir, book };
    } catch (error) {
      const e = error as { code?: string; message: string };
      return { ok: false, report: `${file}: error ${e.code ?? ""}: ${e.message}\n` };
    }
  }
  const compiled = compileFile(file, io, command, false);
  if (!compiled.ok) return { ok: false, report: compiled.report };
  return { ok: true, ir: compiled.ir, book: rulebookFromIr(compiled.ir) };
}

async function runBatch(args: ParsedArgs, io: CliIo): Promise<number> {
  const engine = (args.values["engine"] as string | undefined) ?? "duckdb";
  if (!(ENGINES as readonly string[]).includes(engine))
    throw new UsageError(`--engine must be one of ${ENGINES.join(", ")}, not '${engine}'`, "batch");
  if (args.positionals.length !== 1)
    throw new UsageError("give one rulebook (.margin) or artifact (.json)", "batch");
  const loaded = loadRulebookOrArtifact(args.positionals[0]!, io, "batch");
  if (!loaded.ok) {
    io.stderr(loaded.report);
    return ExitCode.problems;
  }
  const strict = args.values["strict"] === true;
  if (engine === "clickhouse") {
    const table = args.values["table"] as string | undefined;
    const outputTable = args.values["output-table"] as string | undefined;
    if (!table || !outputTable)
      throw new UsageError("--engine clickhouse needs --table and --output-table", "batch");
    const result = await runClickHouseBatch(
      loaded.ir,
      { url: (args.values["url"] as string | undefined) ?? "http://127.0.0.1:8123", table, outputTable },
      io,
    );
    if (!result.ok) return ExitCode.problems;
    return summary(io, result.rows, result.errors, outputTable, result.seconds, strict);
  }
  const input = args.values["input"] as string | undefined;
  const output = args.values["output"] as string | undefined;
  if (!input || !output) throw new UsageError("missing --input or --output", "batch");
  const inFormat = fileFormat(input, "batch");
  const outFormat = fileFormat(output, "batch");
  const inPath = path.resolve(io.cwd, input);
  const outPath = path.resolve(io.cwd, output);
  refuseOverwritingInput(
    outPath,
    output,
    [
      [inPath, "the --input rows"],
      [path.resolve(io.cwd, args.positionals[0]!), "the rulebook"],
    ],
    "batch",
  );
  if (engine === "duckdb") {
    // Refuse a rulebook SQL cannot express before reading anything.
    const check = compileToSql(loaded.ir, { dialect: "duckdb" });
    if (!check.ok) {
      io.stderr(renderSqlDiagnostics(check.diagnostics));
      return ExitCode.problems;
    }
  }
  const con = await openDuckDb("batch");
  const started = performance.now();
  const columns = await createInputView(con, loaded.ir, inPath, inFormat, "batch");
  const total = Number(
    (await con.runAndReadAll("SELECT count(*) AS n FROM __mb_input")).getRowObjectsJS()[0]!["n"],
  );
  const progress = new Progress(io, total, `batch ${engine}`);
  if (engine === "duckdb") {
    const compiled = compileToSql(loaded.ir, { dialect: "duckdb", from: "__mb_input", keep: columns });
    if (!compiled.ok) {
      io.stderr(renderSqlDiagnostics(compiled.diagnostics));
      return ExitCode.problems;
    }
    await con.run("SET enable_progress_bar = true; SET enable_progress_bar_print = false");
    await runWithProgress(con, copyToSql(compiled.sql, outPath, outFormat), (f) =>
      progress.update(Math.round(f * total)),
    );
    progress.finish();
    const errors = await countErrors(con, outPath, outFormat, compiled.errorColumn);
    return summary(
      io,
      total,
      errors,
      displayPath(outPath, io.cwd),
      (performance.now() - started) / 1000,
      strict,
    );
  }
  const errors = await runJs(
    con,
    loaded.book,
    inputColumns(loaded.ir).columns.map((c) => c.path),
    progress,
  );
  await con.run(
    copyToSql(
      "SELECT * EXCLUDE (__mb_row) FROM __mb_rows JOIN __mb_results USING (__mb_row) ORDER BY __mb_row",
      outPath,
      outFormat,
    ),
  );
  progress.finish();
  return summary(
    io,
    total,
    errors,
    displayPath(outPath, io.cwd),
    (performance.now() - started) / 1000,
    strict,
  );
}

async function countErrors(
  con: DuckConnection,
  file: string,
  format: string,
  errorColumn: string,
): Promise<Map<string, number>> {
  const reader = format === "parquet" ? "read_parquet" : format === "csv" ? "read_csv" : "read_json";
  const result = await con.runAndReadAll(
    `SELECT "${errorColumn.replace(/"/g, '""')}" AS code, count(*) AS n FROM ${reader}('${file.replace(/'/g, "''")}') WHERE "${errorColumn.replace(/"/g, '""')}" IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  return new Map(result.getRowObjectsJS().map((r) => [String(r["code"]), Number(r["n"])]));
}

function summary(
  io: CliIo,
  rows: number,
  errors: Map<string, number>,
  where: string,
  seconds: number,
  strict: boolean,
): number {
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  const codes =
    failed > 0
      ? ` (${[...errors].map(([code, n]) => `${code}: ${n.toLocaleString("en-US")}`).join(", ")})`
      : "";
  const rate = seconds > 0 ? Math.round(rows / seconds).toLocaleString("en-US") : "-";
  io.stdout(
    `${rows.toLocaleString("en-US")} ${rows === 1 ? "row" : "rows"} -> ${where}: ${(rows - failed).toLocaleString("en-US")} evaluated, ${failed.toLocaleString("en-US")} failed${codes}; ${seconds.toFixed(2)} s, ${rate} rows/s\n`,
  );
  return strict && failed > 0 ? ExitCode.problems : ExitCode.ok;
}

/** The runtime path: rows streamed out of DuckDB in chunks, evaluated (columnar), results appended to a table. */
async function runJs(
  con: DuckConnection,
  book: LoadedRulebook,
  columns: string[],
  progress: Progress,
): Promise<Map<string, number>> {
  const { JSDuckDBValueConverter } = await import("@duckdb/node-api");
  await numberRows(con);
  const outputs = book.outputs;
  // Decimal outputs are text (every digit, as `eval` and the server answer), not doubles.
  const decimal = book.ir.meta.arithmetic !== undefined;
  const sqlType = (o: (typeof outputs)[number]): string =>
    o.type.kind === "number" && !decimal ? "DOUBLE" : o.type.kind === "bool" ? "BOOLEAN" : "VARCHAR";
  const outputColumns = outputs.map((o) => `"${o.name.replace(/"/g, '""')}" ${sqlType(o)}`);
  await con.run(
    `CREATE OR REPLACE TEMP TABLE __mb_results (__mb_row BIGINT, ${outputColumns.join(", ")}, error VARCHAR)`,
  );
  const appender = await con.createAppender("__mb_results");
  const result = await con.stream(
    `SELECT ${["__mb_row", ...columns].map((c) => `"${c.replace(/"/g, '""')}"`).join(", ")} FROM __mb_rows ORDER BY __mb_row`,
  );
  const errors = new Map<string, number>();
  let done = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const values = columns.map((_, c) => chunk.convertColumnValues(c + 1, JSDuckDBValueConverter));
    const rowIds = chunk.convertColumnValues(0, JSDuckDBValueConverter);
    const outcomes = evaluateChunk(book, columns, values, chunk.rowCount);
    for (let r = 0; r < chunk.rowCount; r++) {
      appender.appendBigInt(BigInt(rowIds[r] as number | bigint));
      const failed = outcomes.failures.get(r);
      for (let o = 0; o < outputs.length; o++) {
        const v = failed === undefined ? outcomes.value(o, r) : undefined;
        if (v === undefined || v === null) appender.appendNull();
        else if (typeof v === "number") appender.appendDouble(v);
        else if (typeof v === "boolean") appender.appendBoolean(v);
        else appender.appendVarchar(String(v));
      }
      if (failed === undefined) appender.appendNull();
      else {
        appender.appendVarchar(failed);
        errors.set(failed, (errors.get(failed) ?? 0) + 1);
      }
      appender.endRow();
    }
    done += chunk.rowCount;
    progress.update(done);
  }
  appender.closeSync();
  return errors;
}

/**
 * Evaluates one chunk of rows: through `evaluateColumns` (typed columns, no object per row) when
 * every column is a top-level field of the rulebook's input and no value is NULL; otherwise row by
 * row, each row built as an input object (a NULL leaves its field out, so its default applies).
 */
function evaluateChunk(
  book: LoadedRulebook,
  columns: readonly string[],
  values: readonly (readonly unknown[])[],
  rows: number,
): { failures: Map<number, string>; value(output: number, row: number): unknown } {
  const fields = new Map(
    columnLayout(book.ir)
      .fields.filter((f) => f.list === undefined)
      .map((f) => [f.path, f]),
  );
  // A number column that DuckDB read as text (one cell of it is not a number, or a decimal book's
  // CSV): in binary64 each cell that is a number is read as one, so that only the rows whose cell
  // is not fail; in decimal arithmetic text is a valid number, every digit kept.
  const binary = book.ir.meta.arithmetic === undefined;
  const cells = columns.map((c, i) =>
    binary && fields.get(c)?.type.kind === "number"
      ? values[i]!.map((v) => (typeof v === "string" && isDecimalText(v) ? Number(v) : v))
      : values[i]!,
  );
  const columnar =
    columns.every((c) => fields.has(c)) &&
    cells.every((column) => column.every((v) => v !== null && v !== undefined));
  if (columnar) {
    const given: Record<string, ArrayLike<unknown>> = {};
    columns.forEach((c, i) => {
      given[c] =
        fields.get(c)!.type.kind === "number" && cells[i]!.every((v) => typeof v === "number")
          ? Float64Array.from(cells[i] as number[])
          : cells[i]!.map(plainValue);
    });
    const result = book.evaluateColumns(given as Columns, rows);
    const outputs = book.outputs.map((o) => result.outputs[o.name]!);
    return {
      failures: new Map(result.errors.map((e) => [e.index, e.code])),
      value: (o, r) => outputs[o]![r],
    };
  }
  const outcomes = Array.from({ length: rows }, (_, r) => {
    const inputRow: Record<string, unknown> = {};
    columns.forEach((c, i) => setPath(inputRow, c, plainValue(cells[i]![r])));
    return book.evaluateBatch([inputRow])[0]!;
  });
  const failures = new Map<number, string>();
  outcomes.forEach((o, r) => {
    if (!o.ok) failures.set(r, o.error.code);
  });
  return {
    failures,
    value: (o, r) => {
      const outcome = outcomes[r]!;
      return outcome.ok ? outcome.outputs[book.outputs[o]!.name] : undefined;
    },
  };
}
