/**
 * Columnar evaluation: many inputs given as columns (`column-layout.ts`: one array per scalar
 * field, Arrow-style offsets plus flat arrays for lists), the form an engine holds positions and
 * portfolios in when it re-margins thousands of them on each mark-price tick.
 *
 * The rows run through one generated loop (`codegen-columns.ts`) that reads the columns and writes
 * the output columns directly: numeric outputs are `Float64Array`s, the others arrays. Its input
 * checks (`column-checks.ts`) are fused into it, per row or per chunk of rows; a row they do not
 * certify is validated as an input object, so that its messages are exactly `evaluate`'s. A
 * failed row holds NaN (null in the other outputs) and is listed in `errors` with its index.
 * Where code generation is forbidden, or the rulebook reads a whole input record as a value, the
 * columns are checked column by column and each row is built as an input object and evaluated by
 * the per-record evaluator instead; so is every
 * row of a decimal rulebook (through its generated decimal code, `codegen-decimal.ts`), whose
 * numeric outputs come back as arrays of decimal text.
 */
import type { IrRulebook, IrType } from "../ir/ir.js";
import { RuntimeError } from "../semantics/errors.js";
import {
  defaultInputLimits,
  INPUT_ERROR_CODE,
  isTimestamp,
  type InputError,
  type InputValidator,
} from "./input-schema.js";
import type { OutputValue } from "./interpreter.js";
import type { OutputInfo } from "./output-info.js";
import { factoryParameters, isCodeGenerationRefused, type CompiledEvaluator } from "./codegen.js";
import { COLUMNAR_EXTRAS, columnarSource, type ColumnarOptions } from "./codegen-columns.js";
import { columnKind, type ColumnKind } from "./column-checks.js";
import { optimizeIr } from "../optimize/index.js";
import {
  checkColumnShapes,
  columnLayout,
  ColumnsError,
  rowInput,
  type ColumnField,
  type ColumnLayout,
  type Columns,
} from "./column-layout.js";

export { columnLayout, ColumnsError, type ColumnField, type ColumnLayout, type Columns };
export type { ColumnList } from "./column-layout.js";

/** One row of a columnar evaluation that failed. */
export interface ColumnFailure {
  index: number;
  code: string;
  message: string;
  /** The row's input problems, for an invalid row (code MB6001). */
  errors?: InputError[];
}

/** The result of a columnar evaluation. */
export interface ColumnarResult {
  /** One column per output: `Float64Array` for numbers (decimal text in decimal arithmetic), an array for the others. */
  outputs: Record<string, Float64Array | (OutputValue | null)[]>;
  /** The rows that failed, in row order. */
  errors: ColumnFailure[];
}

/**
 * The top-level scalar fields of a rulebook's input, and its top-level lists (required ones), as
 * column paths. {@link columnLayout} gives every column, list items' fields included.
 */
export function columnFields(ir: IrRulebook): { fields: ColumnField[]; lists: string[] } {
  const layout = columnLayout(ir);
  return {
    fields: layout.fields.filter((f) => f.list === undefined),
    lists: layout.lists.filter((l) => l.list === undefined && !l.optional).map((l) => l.path),
  };
}

/**
 * Rows per call of the generated loop. A long batch in one call would leave V8 running the loop in
 * its on-stack-replacement code, compiled mid-call with what the first rows had taught it, and keep
 * it there call after call (measured: a third slower on the natural portfolio, in some processes
 * only). Calls of a few thousand rows make `run` a hot function that V8 optimizes as a whole.
 */
const CHUNK_ROWS = 2048;

type Evaluate = CompiledEvaluator["evaluate"];
type Targets = ColumnarResult["outputs"][string][];
/**
 * The generated loop (codegen-columns.ts): `check` certifies a chunk of rows valid; `run`
 * evaluates rows and returns `end`; `runChecked` checks each row first and returns early the
 * first row its checks refuse.
 */
type Loop = {
  failed(): number;
  check(columns: readonly unknown[], start: number, end: number): boolean;
  run(columns: readonly unknown[], outputs: Targets, start: number, end: number): number;
  runChecked(columns: readonly unknown[], outputs: Targets, start: number, end: number): number;
};
type CompiledLoop = { loop: Loop; inputs: string[]; checkPerRow: boolean };

/** The `evaluateColumns` function of a rulebook. */
export function columnarEvaluator(
  ir: IrRulebook,
  outputs: readonly OutputInfo[],
  run: Evaluate,
  validator: InputValidator,
) {
  const layout = columnLayout(ir);
  // Decimal arithmetic: numeric outputs stay decimal text (every digit), in plain arrays.
  const numeric = outputs.map((o) => o.type.kind === "number" && ir.meta.arithmetic === undefined);
  const numericFields = new Set(layout.fields.filter((f) => f.type.kind === "number").map((f) => f.path));
  // One generated loop per set of columns given (optional fields may be left out) and kinds of
  // numeric arrays, compiled once; validated and trusted calls share it.
  const loops = new Map<string, CompiledLoop | null>();
  const loopFor = (columns: Columns): CompiledLoop | null => {
    const paths = Object.keys(columns).sort();
    const kinds = new Map<string, ColumnKind>();
    for (const path of paths) if (numericFields.has(path)) kinds.set(path, columnKind(columns[path]));
    const key = paths.map((p) => `${p}\u0001${kinds.get(p) ?? ""}`).join("\u0000");
    if (!loops.has(key)) {
      if (loops.size >= 64) loops.clear();
      loops.set(key, compileLoop(ir, layout, new Set(paths), { kinds }));
    }
    return loops.get(key) ?? null;
  };
  return (columns: Columns, length: number, options?: { validate?: boolean }): ColumnarResult => {
    checkColumnShapes(layout, columns, length);
    const validate = options?.validate !== false;
    const targets: Targets = outputs.map((_, o) =>
      numeric[o] ? new Float64Array(length) : new Array<OutputValue | null>(length).fill(null),
    );
    // Object.fromEntries keeps an output named `__proto__` as an own property (an assignment would not).
    const result: ColumnarResult["outputs"] = Object.fromEntries(
      outputs.map((o, i) => [o.name, targets[i]!]),
    );
    const errors: ColumnFailure[] = [];
    const fail = (row: number, error: unknown): void => {
      if (!(error instanceof RuntimeError)) throw error;
      errors.push({ index: row, code: error.code, message: `row ${row}: ${error.message}` });
      fillFailed(targets, numeric, row);
    };
    /** One row through the per-record path: validated as an input object (when asked), then evaluated. */
    const single = (row: number): void => {
      const input = rowInput(layout, columns, row);
      if (validate) {
        const check = validator.validate(input);
        if (!check.valid) {
          errors.push(invalidRow(row, check.errors));
          fillFailed(targets, numeric, row);
          return;
        }
      }
      try {
        const values = run(input, undefined);
        for (let o = 0; o < outputs.length; o++) (targets[o] as unknown[])[row] = values[outputs[o]!.name];
      } catch (error) {
        fail(row, error);
      }
    };
    const compiled = loopFor(columns);
    if (compiled) {
      const { loop } = compiled;
      const arrays = compiled.inputs.map((path) => columns[path]);
      /** Whether the checks certify rows `start` to `end - 1` valid (a check that throws does not). */
      const certified = (start: number, end: number): boolean => {
        try {
          return loop.check(arrays, start, end);
        } catch {
          return false;
        }
      };
      // Chunk by chunk: certified valid at once (inputs with lists), the chunk runs without checks;
      // otherwise each of its rows is checked, and a row the checks refuse goes through `single`.
      // The loop has no `try` per row: a failing row throws out of it, is recorded, and the loop
      // resumes after it.
      for (let start = 0; start < length; start += CHUNK_ROWS) {
        const end = Math.min(start + CHUNK_ROWS, length);
        const checked = validate && (compiled.checkPerRow || !certified(start, end));
        for (let from = start; from < end;) {
          let stopped: number;
          try {
            stopped = checked
              ? loop.runChecked(arrays, targets, from, end)
              : loop.run(arrays, targets, from, end);
          } catch (error) {
            const row = loop.failed();
            fail(row, error);
            from = row + 1;
            continue;
          }
          if (stopped < end) single(stopped);
          from = stopped < end ? stopped + 1 : end;
        }
      }
      return { outputs: result, errors };
    }
    // No generated loop: the columns are checked column by column first, then each row goes
    // through the per-record evaluator.
    const skip = validate ? invalidRows(layout, columns, length, validator, ir, errors) : null;
    for (const failure of errors) fillFailed(targets, numeric, failure.index);
    const invalid = errors.length;
    for (let row = 0; row < length; row++) {
      if (skip !== null && skip[row] !== 0) continue;
      try {
        const values = run(rowInput(layout, columns, row), undefined);
        for (let o = 0; o < outputs.length; o++) (targets[o] as unknown[])[row] = values[outputs[o]!.name];
      } catch (error) {
        fail(row, error);
      }
    }
    // Invalid rows were listed first: merge them into row order with the runtime failures.
    if (invalid > 0 && errors.length > invalid) errors.sort((a, b) => a.index - b.index);
    return { outputs: result, errors };
  };
}

/** The failure of a row whose input is invalid. */
function invalidRow(row: number, problems: InputError[]): ColumnFailure {
  return {
    index: row,
    code: INPUT_ERROR_CODE,
    message: `row ${row}: ${problems.map((e) => e.message).join("; ")}`,
    errors: problems,
  };
}

/** Compiles the columnar loop for the columns given, or null (code generation refused, or not covered). */
function compileLoop(
  ir: IrRulebook,
  layout: ColumnLayout,
  present: ReadonlySet<string>,
  options: ColumnarOptions,
): CompiledLoop | null {
  // Decimal arithmetic: rows go through the per-record evaluator (generated decimal code).
  if (ir.meta.arithmetic) return null;
  // The same optimized IR as the per-record evaluator (src/optimize): every output kept, in order.
  const optimized = optimizeIr(ir);
  const generated = columnarSource(optimized, layout, present, options);
  if (!generated) return null;
  const parameters = [...factoryParameters(optimized), ...COLUMNAR_EXTRAS];
  try {
    const factory = new Function(...parameters.map(([name]) => name), generated.source) as (
      ...args: unknown[]
    ) => Loop;
    return {
      loop: factory(...parameters.map(([, value]) => value)),
      inputs: generated.inputs,
      checkPerRow: generated.checkPerRow,
    };
  } catch (error) {
    if (!isCodeGenerationRefused(error)) throw error;
    return null;
  }
}

/**
 * The rows whose input is invalid, as a mask (null when every row is valid), each recorded in
 * `errors` with its problems. Each column is checked in one loop; only when one holds a bad value
 * are the rows built as input objects and validated one by one, for their exact messages.
 */
function invalidRows(
  layout: ColumnLayout,
  columns: Columns,
  rows: number,
  validator: InputValidator,
  ir: IrRulebook,
  errors: ColumnFailure[],
): Uint8Array | null {
  if (columnsValid(layout, columns, rows, ir)) return null;
  const mask = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    const check = validator.validate(rowInput(layout, columns, row));
    if (check.valid) continue;
    mask[row] = 1;
    errors.push(invalidRow(row, check.errors));
  }
  return mask;
}

/** Whether every value of every column is of its field's type and in its domain, and every list short enough. */
function columnsValid(layout: ColumnLayout, columns: Columns, rows: number, ir: IrRulebook): boolean {
  const counts = new Map<string | undefined, number>([[undefined, rows]]);
  for (const list of layout.lists) {
    const offsets = columns[list.path] as ArrayLike<number> | undefined;
    if (!offsets) continue;
    const count = counts.get(list.list) ?? 0;
    for (let i = 0; i < count; i++)
      if (offsets[i + 1]! - offsets[i]! > defaultInputLimits.maxListLength) return false;
    counts.set(list.path, count > 0 ? offsets[count]! : 0);
  }
  for (const field of layout.fields) {
    const column = columns[field.path];
    if (column && !columnValid(column, counts.get(field.list) ?? 0, field, ir)) return false;
  }
  return true;
}

function columnValid(column: ArrayLike<unknown>, count: number, field: ColumnField, ir: IrRulebook): boolean {
  const type: IrType = field.type;
  switch (type.kind) {
    case "number": {
      const d = field.domain;
      const low = d?.min ?? -Infinity;
      const high = d?.max ?? Infinity;
      const lowIn = d?.minInclusive === true;
      const highIn = d?.maxInclusive === true;
      if (type.integer) for (let i = 0; i < count; i++) if (!Number.isInteger(column[i])) return false;
      if (column instanceof Float64Array) return numbersValid(column, count, low, lowIn, high, highIn);
      for (let i = 0; i < count; i++) if (typeof column[i] !== "number") return false;
      return numbersValid(column as ArrayLike<number>, count, low, lowIn, high, highIn);
    }
    case "bool":
      for (let i = 0; i < count; i++) if (typeof column[i] !== "boolean") return false;
      return true;
    case "enum": {
      const list = ir.schema.enums[type.name] ?? [];
      // A few members: compared in turn (strings equal by pointer, mostly), no hashing per value.
      if (list.length <= 8) {
        for (let i = 0; i < count; i++) {
          const v = column[i];
          let found = false;
          for (let m = 0; m < list.length; m++)
            if (list[m] === v) {
              found = true;
              break;
            }
          if (!found) return false;
        }
        return true;
      }
      const members = new Set<unknown>(list);
      for (let i = 0; i < count; i++) if (!members.has(column[i])) return false;
      return true;
    }
    case "text":
      for (let i = 0; i < count; i++) {
        const v = column[i];
        if (typeof v !== "string" || v.length > defaultInputLimits.maxTextLength) return false;
      }
      return true;
    case "timestamp":
      for (let i = 0; i < count; i++) {
        const v = column[i];
        if (typeof v !== "string" || !isTimestamp(v)) return false;
      }
      return true;
    default:
      return false;
  }
}

function numbersValid(
  column: ArrayLike<number>,
  count: number,
  low: number,
  lowIn: boolean,
  high: number,
  highIn: boolean,
): boolean {
  if (low === -Infinity && high === Infinity) {
    // No domain: finite is all (x - x is 0 for finite numbers, NaN otherwise).
    for (let i = 0; i < count; i++) if (column[i]! - column[i]! !== 0) return false;
    return true;
  }
  for (let i = 0; i < count; i++) {
    const x = column[i]!;
    // NaN fails every comparison; the infinities fail the finite bounds below.
    if (!(x > -Infinity && x < Infinity)) return false;
    if (lowIn ? !(x >= low) : !(x > low)) return false;
    if (highIn ? !(x <= high) : !(x < high)) return false;
  }
  return true;
}

function fillFailed(targets: Targets, numeric: boolean[], row: number): void {
  for (let o = 0; o < targets.length; o++) (targets[o] as (number | null)[])[row] = numeric[o] ? NaN : null;
}
