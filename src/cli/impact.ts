/**
 * The I/O half of `marginbook diff --impact`: compiles both versions through the pipeline, reads
 * the inputs (a YAML, JSON or JSON Lines file) or generates them (`generate:N`, from the new
 * version's input schema with a fixed seed), evaluates them with both compiled evaluators (on
 * worker threads for large sets, with a progress display), then explains the top movers. The
 * statistics themselves are pure: `src/review/impact.ts`.
 */
import { availableParallelism } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { renderText } from "../diagnostics/render.js";
import type { IrRulebook } from "../ir/ir.js";
import { explainDifference } from "../review/impact-explain.js";
import {
  comparedOutputs,
  evaluateImpactChunk,
  mergeImpactColumns,
  summarizeImpact,
  type ImpactColumns,
  sampleOutputs,
} from "../review/impact.js";
import { coverageWarnings } from "../review/impact-coverage.js";
import { InputGenerator } from "../review/random-inputs.js";
import type { ImpactReport, InputSource } from "../review/render-impact.js";
import { rulebookFromIr } from "../runtime/rulebook.js";
import { createLanguageService } from "../service/language-service.js";
import { summarize, summaryLine } from "./check.js";
import { readInputDocument } from "./compile-file.js";
import { nodeSourceHost, readText } from "./files.js";
import type { ImpactWorkerData, ImpactWorkerMessage } from "./impact-worker.js";
import { UsageError, type CliIo } from "./io.js";
import { Progress } from "./progress.js";
import { splitRevision } from "./git.js";
import { revisionHost } from "./provenance.js";
import {
  createInputView,
  fileFormat,
  numberRows,
  openDuckDb,
  readInputColumns,
  type DuckConnection,
} from "./duckdb-engine.js";
import { impactColumnsOnDuckDb, inputsAt } from "./impact-sql.js";

/** Sets at least this large get a progress display. */
export const PROGRESS_THRESHOLD = 10_000;
/** Sets at least this large run on worker threads unless `--workers` says otherwise. */
export const WORKER_THRESHOLD = 50_000;
/** The most inputs `generate:N` accepts. */
export const MAX_GENERATED = 100_000_000;

/** One version of the rulebook: how it is shown, its source text, and the file it stands for. */
export interface ImpactSide {
  label: string;
  source: string;
  /** The file path (without `@revision`), against which `extends` is resolved. */
  file: string;
}

/** Options of {@link runImpact}. */
export interface ImpactOptions {
  /** `generate:N`, or a file of inputs. */
  spec: string;
  seed: number;
  top: number;
  /** Threads to use: 1 evaluates in the main thread; undefined chooses by the size of the set. */
  workers?: number;
  color?: boolean;
  /** What evaluates the inputs: the runtime (default) or DuckDB (the compiled SQL; files only). */
  engine?: "js" | "duckdb";
}

/** The outcome: a report, or the rendered errors of a version that does not compile. */
export type ImpactOutcome = { ok: true; report: ImpactReport } | { ok: false; message: string };

type InputSet = {
  source: InputSource;
  count: number;
  inputAt: (i: number) => unknown;
  list?: unknown[];
  seed?: number;
  duck?: DuckConnection;
};

/** Runs the impact analysis of `oldSide` -> `newSide`. */
export async function runImpact(
  oldSide: ImpactSide,
  newSide: ImpactSide,
  options: ImpactOptions,
  io: CliIo,
): Promise<ImpactOutcome> {
  const oldIr = compileSide(oldSide, io, options.color === true);
  if (typeof oldIr === "string") return { ok: false, message: oldIr };
  const newIr = compileSide(newSide, io, options.color === true);
  if (typeof newIr === "string") return { ok: false, message: newIr };
  const oldBook = rulebookFromIr(oldIr);
  const newBook = rulebookFromIr(newIr);
  const set = await inputSet(options, newIr, io);
  // List outputs count element by element, as long as a sample input's lists (not in SQL).
  const sample =
    options.engine === "duckdb" ? undefined : sampleOutputs(oldBook, newBook, set.inputAt, set.count);
  const outputs = comparedOutputs(
    oldBook.outputs,
    newBook.outputs,
    { old: oldIr.schema.records, new: newIr.schema.records },
    sample,
  );
  if (outputs.length === 0)
    return { ok: false, message: "the two versions have no numeric output in common: nothing to compare\n" };

  const started = performance.now();
  const threads = Math.max(
    1,
    Math.min(
      options.workers ?? (set.count >= WORKER_THRESHOLD ? availableParallelism() : 1),
      16,
      Math.ceil(set.count / 1_000),
    ),
  );
  const progress = set.count >= PROGRESS_THRESHOLD ? new Progress(io, set.count, "impact") : undefined;
  const names = outputs.map((o) => o.name);
  let columns: ImpactColumns;
  if (options.engine === "duckdb") {
    if (!set.duck)
      throw new UsageError("--engine duckdb reads a .parquet, .csv or .jsonl file of inputs", "diff");
    const sql = await impactColumnsOnDuckDb(set.duck, oldIr, newIr, names, set.count, progress);
    if (typeof sql === "string") return { ok: false, message: sql };
    columns = sql;
  } else if (threads > 1) {
    columns = await evaluateOnWorkers(
      { oldIr, newIr, outputs: names, start: 0, end: set.count },
      set,
      threads,
      progress,
    );
  } else {
    columns = evaluateImpactChunk(oldBook, newBook, names, set.inputAt, 0, set.count, (done) =>
      progress?.update(done),
    );
  }
  progress?.finish();

  const summary = summarizeImpact(columns, outputs, { top: options.top });
  if (options.engine === "duckdb" && set.duck) {
    // Only the top movers come back into JavaScript, to be explained.
    const fetched = await inputsAt(set.duck, newIr, [
      ...new Set(summary.outputs.flatMap((o) => o.movers.map((m) => m.index))),
    ]);
    set.inputAt = (i) => fetched.get(i);
  }
  const reasons: ImpactReport["reasons"] = {};
  const inputs: ImpactReport["inputs"] = {};
  for (const output of summary.outputs) {
    const byInput: Record<number, ReturnType<typeof explainDifference>> = (reasons[output.name] = {});
    for (const mover of output.movers) {
      const input = (inputs[mover.index] ??= set.inputAt(mover.index));
      byInput[mover.index] = explainDifference(oldIr, newIr, input, output.name);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const coverage = coverageWarnings(columns, outputs);
  return {
    ok: true,
    report: {
      source: set.source,
      summary,
      reasons,
      inputs,
      seconds,
      threads,
      ...(coverage.length > 0 ? { coverage } : {}),
    },
  };
}

/** Checks and lowers one version; a string is the rendered report of its errors. */
function compileSide(side: ImpactSide, io: CliIo, color: boolean): IrRulebook | string {
  const sources = new Map<string, string>([[side.file, side.source]]);
  // A side read at a git revision reads its bases and imports at that revision too.
  const { revision } = splitRevision(side.label);
  const host =
    revision !== undefined ? revisionHost(io.cwd, revision)(sources) : nodeSourceHost(io.cwd, sources);
  const service = createLanguageService(host);
  service.open(side.file, side.source);
  const result = service.compile(side.file);
  if (!result.ok) {
    const rendered = renderText(result.diagnostics, sources, { color });
    return `${rendered}${summaryLine(summarize(result.diagnostics, 1))}\nmarginbook: ${side.label} has errors: no impact analysis\n`;
  }
  return result.ir;
}

/** Parses `generate:N`; undefined when the spec names a file. */
export function generatedCount(spec: string): number | undefined {
  const match = /^generate:(.*)$/.exec(spec);
  if (!match) return undefined;
  const text = match[1]!.replace(/[_,]/g, "");
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_GENERATED) {
    throw new UsageError(
      `'${spec}': give a number of inputs from 1 to ${MAX_GENERATED.toLocaleString("en-US")}, as in generate:1000`,
      "diff",
    );
  }
  return count;
}

async function inputSet(options: ImpactOptions, newIr: IrRulebook, io: CliIo): Promise<InputSet> {
  const count = generatedCount(options.spec);
  if (count !== undefined) {
    const generator = new InputGenerator(newIr, options.seed, "typical");
    return {
      source: { kind: "generated", count, seed: options.seed },
      count,
      inputAt: (i) => generator.at(i),
      seed: options.seed,
    };
  }
  const ext = path.extname(options.spec).toLowerCase();
  if (options.engine === "duckdb" || ext === ".parquet" || ext === ".csv") {
    // A data file: DuckDB reads it (and, with --engine duckdb, evaluates it too).
    const con = await openDuckDb("diff");
    await createInputView(
      con,
      newIr,
      path.resolve(io.cwd, options.spec),
      fileFormat(options.spec, "diff"),
      "diff",
    );
    const count = await numberRows(con);
    if (count === 0) throw new UsageError(`${options.spec} holds no input`, "diff");
    const inputAt = options.engine === "duckdb" ? () => undefined : await readInputColumns(con, newIr, count);
    return { source: { kind: "file", path: options.spec }, count, inputAt, duck: con };
  }
  const list = await readInputList(options.spec, io);
  return { source: { kind: "file", path: options.spec }, count: list.length, inputAt: (i) => list[i], list };
}

/**
 * Reads a list of inputs: `.jsonl` / `.ndjson` hold one JSON input per line; any other file is a
 * YAML or JSON document holding a list of inputs (or one input).
 */
async function readInputList(file: string, io: CliIo): Promise<unknown[]> {
  if (/\.(jsonl|ndjson)$/i.test(file)) {
    let text: string;
    try {
      text = readText(path.resolve(io.cwd, file));
    } catch {
      throw new UsageError(`input file not found: ${file}`, "diff");
    }
    const list: unknown[] = [];
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        list.push(JSON.parse(line) as unknown);
      } catch (error) {
        throw new UsageError(`${file}:${i + 1}: not valid JSON: ${(error as Error).message}`, "diff");
      }
    });
    return list;
  }
  const document = await readInputDocument(file, io, "diff");
  if (!document.ok) throw new UsageError(document.problems.join("; "), "diff");
  const list = Array.isArray(document.value) ? document.value : [document.value];
  if (list.length === 0) throw new UsageError(`${file} holds no input`, "diff");
  return list;
}

/** Splits the set over `threads` workers, one contiguous range each, and merges what they send back. */
async function evaluateOnWorkers(
  base: ImpactWorkerData,
  set: InputSet,
  threads: number,
  progress: Progress | undefined,
): Promise<ImpactColumns> {
  const size = Math.ceil(set.count / threads);
  const done = new Array<number>(threads).fill(0);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const start = t * size;
      const end = Math.min(set.count, start + size);
      const inputs = set.list
        ? set.list.slice(start, end)
        : Array.from({ length: end - start }, (_, k) => set.inputAt(start + k));
      const data: ImpactWorkerData = {
        ...base,
        start,
        end,
        ...(set.seed !== undefined ? { seed: set.seed } : { inputs }),
      };
      return runWorker(data, (n) => {
        done[t] = n;
        progress?.update(done.reduce((a, b) => a + b, 0));
      });
    }),
  );
  return mergeImpactColumns(parts);
}

function runWorker(data: ImpactWorkerData, onProgress: (done: number) => void): Promise<ImpactColumns> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(data);
    let result: ImpactColumns | undefined;
    worker.on("message", (message: ImpactWorkerMessage) => {
      if (message.type === "progress") onProgress(message.done);
      else result = message.columns;
    });
    worker.on("error", reject);
    worker.on("exit", (code) =>
      result
        ? resolve(result)
        : reject(new Error(`an impact worker stopped with exit code ${code} before sending its results`)),
    );
  });
}

/**
 * Starts the worker script next to this module. Built, it is `impact-worker.js`. From the
 * TypeScript sources (tsx, vitest), the worker first registers tsx's loader so that Node can run
 * `impact-worker.ts`.
 */
function startWorker(data: ImpactWorkerData): Worker {
  const here = import.meta.url;
  if (here.endsWith(".js")) return new Worker(new URL("./impact-worker.js", here), { workerData: data });
  const target = new URL("./impact-worker.ts", here).href;
  const tsx = pathToFileURL(
    path.join(path.dirname(createRequire(here).resolve("tsx/package.json")), "dist/esm/api/index.mjs"),
  ).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}
