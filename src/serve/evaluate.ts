/**
 * `POST /v1/rulebooks/{name}/evaluate`: reads the request envelope, picks the version (in force
 * now, at `at`, or the `version` asked for) once for the whole request, and evaluates one input, a
 * batch of inputs, or a columnar batch with it.
 *
 * The envelope is `{ input }`, `{ inputs: [...] }` or `{ columns: { "position.size": [...] } }`,
 * with the options `at`, `version` and `explain`. Anything else is a malformed request (400). An
 * input that fails the rulebook's schema gets 422 with the same per-field errors `marginbook eval`
 * prints (MB6001); inside a batch, each failed input is reported in its place and the others are
 * evaluated.
 */
import {
  failureOf,
  InputValidationError,
  type BatchOutcome,
  type EvalFailure,
  type EvalOptions,
} from "../runtime/rulebook.js";
import {
  columnLayout,
  ColumnsError,
  type ColumnarResult,
  type ColumnLayout,
  type Columns,
} from "../runtime/columns.js";
import { RuntimeError } from "../semantics/errors.js";
import { RegistryError, registryErrorCodes, type RulebookVersion } from "../runtime/registry.js";
import type { ApiError, BatchItem, EvaluateOptions } from "./api-types.js";
import { HttpError, malformed } from "./errors.js";
import { columnPrecheck, inputPrecheck } from "./column-check.js";
import { checkBatchSize, Deadline, type ServeLimits } from "./limits.js";
import type { ServeMetrics } from "./metrics.js";
import type { DecisionLogger } from "../runtime/decision-log.js";

/** What the service needs of a registry (today's `RulebookRegistry` has it). */
export interface ServeRegistry {
  select(name: string, at?: Date | number | string): RulebookVersion;
  versions(name: string): readonly RulebookVersion[];
  names(): string[];
}

/** A parsed evaluation request. */
type Envelope = EvaluateOptions &
  (
    | { kind: "single"; input: unknown }
    | { kind: "batch"; inputs: unknown[] }
    | { kind: "columns"; columns: Record<string, unknown[]> }
  );

const ENVELOPE_KEYS = new Set(["input", "inputs", "columns", "at", "version", "explain"]);

/** Reads the body of an evaluation request (a JSON text) into an {@link Envelope}; throws 400/422. */
export function parseEnvelope(text: string, limits: ServeLimits): Envelope {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw malformed(
      `the request body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw malformed(
      `the request body must be a JSON object ({ "input": {...} }, { "inputs": [...] } or { "columns": {...} }), not ${Array.isArray(body) ? "an array" : JSON.stringify(body)}`,
    );
  }
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record);
  // The common case first: one input and nothing else.
  if (keys.length === 1 && keys[0] === "input") return { kind: "single", input: record["input"] };
  for (const key of keys) {
    if (!ENVELOPE_KEYS.has(key))
      throw malformed(
        `unknown field ${JSON.stringify(key)} in the request: the fields are input, inputs, columns, at, version, explain (put the rulebook's inputs under "input")`,
      );
  }
  const forms = ["input", "inputs", "columns"].filter((k) => Object.hasOwn(record, k));
  if (forms.length !== 1)
    throw malformed(
      forms.length === 0
        ? `the request has no "input", "inputs" or "columns"`
        : `give one of "input", "inputs" and "columns", not ${forms.join(" and ")}`,
    );
  const options: EvaluateOptions = {};
  if (record["at"] !== undefined) {
    if (typeof record["at"] !== "string" || !Number.isFinite(Date.parse(record["at"])))
      throw malformed(
        `"at" must be an ISO 8601 timestamp such as "2026-03-01T00:00:00Z", not ${JSON.stringify(record["at"])}`,
      );
    options.at = record["at"];
  }
  if (record["version"] !== undefined) {
    if (typeof record["version"] !== "string")
      throw malformed(
        `"version" must be a version number such as "1.2.0", not ${JSON.stringify(record["version"])}`,
      );
    if (options.at !== undefined) throw malformed(`give "at" or "version", not both`);
    options.version = record["version"];
  }
  if (record["explain"] !== undefined) {
    if (typeof record["explain"] !== "boolean")
      throw malformed(`"explain" must be true or false, not ${JSON.stringify(record["explain"])}`);
    options.explain = record["explain"];
  }
  if (forms[0] === "input") return { kind: "single", input: record["input"], ...options };
  if (forms[0] === "inputs") {
    const inputs = record["inputs"];
    if (!Array.isArray(inputs)) throw malformed(`"inputs" must be an array of inputs, not ${typeof inputs}`);
    checkBatchSize(inputs.length, limits, "inputs");
    return { kind: "batch", inputs, ...options };
  }
  if (options.explain) throw malformed(`"explain" is not available with "columns": use "inputs"`);
  return { kind: "columns", ...readColumns(record["columns"]), ...options };
}

function readColumns(value: unknown): { columns: Record<string, unknown[]> } {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw malformed(`"columns" must be an object of arrays ({ "position.size": [1, 2], ... })`);
  for (const [path, column] of Object.entries(value)) {
    if (!Array.isArray(column))
      throw malformed(
        `column ${JSON.stringify(path)} must be an array, not ${column === null ? "null" : typeof column}`,
      );
  }
  return { columns: value as Record<string, unknown[]> };
}

const layouts = new WeakMap<RulebookVersion, ColumnLayout>();

/**
 * The number of rows of a columnar request: the length of its top-level field columns, one less
 * than the length of its top-level list offsets (list items' columns have one value per item).
 * Throws 400 when they disagree, 422 past the batch limit.
 */
function rowsOf(version: RulebookVersion, columns: Record<string, unknown[]>, limits: ServeLimits): number {
  let layout = layouts.get(version);
  if (!layout) layouts.set(version, (layout = columnLayout(version.book.ir)));
  let rows: number | undefined;
  let first = "";
  const agree = (path: string, n: number, what: string): void => {
    if (rows !== undefined && n !== rows)
      throw malformed(
        `the columns differ in length: ${JSON.stringify(path)} has ${what}, the first column ${JSON.stringify(first)} ${rows} rows`,
      );
    if (rows === undefined) [rows, first] = [n, path];
  };
  for (const field of layout.fields)
    if (field.list === undefined && Object.hasOwn(columns, field.path))
      agree(field.path, columns[field.path]!.length, `${columns[field.path]!.length} values`);
  for (const list of layout.lists)
    if (list.list === undefined && Object.hasOwn(columns, list.path))
      agree(
        list.path,
        Math.max(0, columns[list.path]!.length - 1),
        `${columns[list.path]!.length} offsets (${Math.max(0, columns[list.path]!.length - 1)} rows)`,
      );
  checkBatchSize(rows ?? 0, limits, "rows");
  return rows ?? 0;
}

/** Picks the version a request evaluates with; throws 404 (MB6162) when there is none. */
export function pickVersion(
  registry: ServeRegistry,
  name: string,
  options: EvaluateOptions,
): RulebookVersion {
  try {
    if (options.version === undefined) return registry.select(name, options.at);
    registry.select(name, Number.MAX_SAFE_INTEGER); // the rulebook exists (else: its own message)
    const found = registry.versions(name).find((v) => v.version === options.version);
    if (found) return found;
    const known = registry
      .versions(name)
      .map((v) => v.version)
      .join(", ");
    throw new RegistryError(
      registryErrorCodes.notFound,
      `version ${JSON.stringify(options.version)} of ${JSON.stringify(name)} is not loaded (loaded: ${known})`,
    );
  } catch (error) {
    if (error instanceof RegistryError) throw new HttpError(404, error.code, error.message);
    throw error;
  }
}

/** The JSON of a version's reference, computed once per version. */
const refs = new WeakMap<RulebookVersion, string>();
export function refJson(v: RulebookVersion): string {
  let text = refs.get(v);
  if (text === undefined)
    refs.set(
      v,
      (text = JSON.stringify({ name: v.name, version: v.version, irHash: v.irHash, effective: v.effective })),
    );
  return text;
}

const CHUNK = 4096;

const inputChecks = new WeakMap<RulebookVersion, ReturnType<typeof inputPrecheck>>();

/**
 * The evaluation options for one input: without validation through the schema when the fast
 * check (`column-check.ts`) finds it valid, which the schema would also find; with it otherwise.
 */
function options(version: RulebookVersion, input: unknown, explain: boolean): EvalOptions | undefined {
  if (!inputChecks.has(version)) inputChecks.set(version, inputPrecheck(version.book.ir));
  const fast = inputChecks.get(version)?.(input) === true;
  if (fast) return explain ? { explain, validate: false } : NO_VALIDATION;
  return explain ? { explain } : undefined;
}
const NO_VALIDATION: EvalOptions = Object.freeze({ validate: false });

const prechecks = new WeakMap<RulebookVersion, ReturnType<typeof columnPrecheck>>();
function precheckOf(version: RulebookVersion): ReturnType<typeof columnPrecheck> {
  if (!prechecks.has(version)) prechecks.set(version, columnPrecheck(version.book.ir));
  return prechecks.get(version);
}

/**
 * Evaluates a parsed request and returns the JSON text of the answer (status 200), or throws an
 * {@link HttpError}: 422 for an invalid single input or columns that do not fit, 503 past the
 * time limit.
 */
export function evaluateRequest(
  version: RulebookVersion,
  request: Envelope,
  limits: ServeLimits,
  metrics: ServeMetrics,
  decisions?: DecisionLogger,
): string {
  const book = version.book;
  const explain = request.explain === true;
  if (request.kind === "single") {
    let outputs: string;
    let explanation = "";
    try {
      const result = book.evaluate(request.input, options(version, request.input, explain));
      decisions?.evaluated(version, request.input, result.outputs);
      outputs = JSON.stringify(result.outputs);
      if (result.explanation) explanation = `,"explanation":${JSON.stringify(result.explanation)}`;
    } catch (error) {
      const failure = asFailure(error);
      decisions?.failed(version, request.input, failure);
      throw new HttpError(422, failure.code, failure.message, extraOf(failure));
    }
    metrics.evaluated(version.name, version.version, 1);
    return `{"rulebook":${refJson(version)},"outputs":${outputs}${explanation}}`;
  }
  const deadline = new Deadline(limits.timeLimitMs);
  if (request.kind === "batch") {
    const results: BatchItem[] = [];
    let failed = 0;
    for (let start = 0; start < request.inputs.length; start += CHUNK) {
      deadline.check();
      const chunk = request.inputs.slice(start, start + CHUNK);
      const outcomes = chunk.map((input): BatchOutcome => {
        try {
          return { ok: true, ...book.evaluate(input, options(version, input, explain)) };
        } catch (error) {
          return { ok: false, error: asFailure(error) };
        }
      });
      if (decisions)
        outcomes.forEach((o, i) =>
          o.ok
            ? decisions.evaluated(version, chunk[i], o.outputs)
            : decisions.failed(version, chunk[i], o.error),
        );
      for (const outcome of outcomes) {
        if (outcome.ok) results.push(outcome);
        else {
          failed++;
          metrics.error(outcome.error.code);
          results.push({ ok: false, error: apiError(outcome.error) });
        }
      }
    }
    metrics.evaluated(version.name, version.version, results.length - failed);
    return `{"rulebook":${refJson(version)},"results":${JSON.stringify(results)},"failed":${failed}}`;
  }
  return evaluateColumns(
    version,
    request,
    rowsOf(version, request.columns, limits),
    deadline,
    metrics,
    decisions,
  );
}

function evaluateColumns(
  version: RulebookVersion,
  request: Extract<Envelope, { kind: "columns" }>,
  rows: number,
  deadline: Deadline,
  metrics: ServeMetrics,
  decisions?: DecisionLogger,
): string {
  const parts: Record<string, unknown[]>[] = [];
  const errors: (ApiError & { index: number })[] = [];
  // Every row valid by the fast column check: no need to validate each row again through the schema.
  const validate = precheckOf(version)?.(request.columns, rows) !== true;
  // Lists come as offsets into item columns: such a request is evaluated in one piece.
  const chunk = layouts.get(version)!.lists.length > 0 ? Math.max(rows, 1) : CHUNK;
  try {
    for (let start = 0; start < rows || start === 0; start += chunk) {
      deadline.check();
      const end = Math.min(rows, start + chunk);
      const slice = start === 0 && end === rows ? request.columns : sliceColumns(request.columns, start, end);
      const result = version.book.evaluateColumns(
        slice as Columns,
        end - start,
        validate ? undefined : { validate: false },
      );
      parts.push(result.outputs as Record<string, unknown[]>);
      for (const e of result.errors)
        errors.push({
          index: e.index + start,
          code: e.code,
          message: e.message.replace(/^row \d+/, `row ${e.index + start}`),
          ...(e.errors ? { errors: e.errors } : {}),
        });
      if (end >= rows) break;
    }
  } catch (error) {
    if (error instanceof ColumnsError) throw new HttpError(422, error.code, error.message);
    throw error;
  }
  for (const e of errors) metrics.error(e.code);
  metrics.evaluated(version.name, version.version, rows - errors.length);
  const columns = version.book.outputs.map((o) =>
    parts.length === 1 ? Array.from(parts[0]![o.name]!) : parts.flatMap((p) => Array.from(p[o.name]!)),
  );
  if (decisions) {
    const merged = Object.fromEntries(version.book.outputs.map((o, i) => [o.name, columns[i]!]));
    decisions.columns(version, request.columns as Columns, rows, {
      outputs: merged as ColumnarResult["outputs"],
      errors: [],
    });
  }
  const outputs = version.book.outputs.map(
    (o, i) => `${JSON.stringify(o.name)}:${JSON.stringify(columns[i])}`,
  );
  return `{"rulebook":${refJson(version)},"rows":${rows},"outputs":{${outputs.join(",")}},"errors":${JSON.stringify(errors)}}`;
}

function sliceColumns(
  columns: Record<string, unknown[]>,
  start: number,
  end: number,
): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  for (const [path, column] of Object.entries(columns))
    Object.defineProperty(result, path, { value: column.slice(start, end), enumerable: true });
  return result;
}

function asFailure(error: unknown): EvalFailure {
  if (error instanceof InputValidationError || error instanceof RuntimeError) return failureOf(error);
  throw error;
}

function extraOf(failure: EvalFailure): Partial<ApiError> {
  return {
    ...(failure.errors ? { errors: failure.errors } : {}),
    ...(failure.line !== undefined ? { line: failure.line } : {}),
    ...(failure.rule !== undefined ? { rule: failure.rule } : {}),
  };
}

function apiError(failure: EvalFailure): ApiError {
  return { code: failure.code, message: failure.message, ...extraOf(failure) };
}
