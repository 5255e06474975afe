/**
 * Columnar evaluation: many inputs given as one array per scalar field (`position.size` as a
 * `Float64Array`, `position.side` as a `string[]`), the form an engine holds positions in when it
 * re-margins thousands of them on each mark-price tick.
 *
 * One input object is built once and refilled for every row (no allocation per row besides the
 * evaluator's result), so the cost per row is the evaluation itself. Numeric outputs come back as
 * `Float64Array`s (in decimal arithmetic, arrays of decimal text); rows that fail hold NaN there
 * (null in the other outputs) and are listed in `errors` with their index.
 */
import type { IrRulebook, IrType } from "../ir/ir.js";
import { RuntimeError } from "../semantics/errors.js";
import { INPUT_ERROR_CODE, type InputError, type InputValidator } from "./input-schema.js";
import type { OutputValue } from "./interpreter.js";
import type { OutputInfo } from "./rulebook.js";
import { isCodeGenerationRefused } from "./codegen.js";

/** The input columns, keyed by field path (`position.size`). */
export type Columns = Readonly<Record<string, ArrayLike<number | string | boolean>>>;

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

/** A scalar field of the input that a column can fill. */
export interface ColumnField {
  path: string;
  type: IrType;
  optional: boolean;
}

/** Thrown when the columns do not fit the rulebook (unknown column, short column, list inputs). */
export class ColumnsError extends Error {
  override readonly name = "ColumnsError";
  readonly code = INPUT_ERROR_CODE;
}

/** The scalar fields of a rulebook's input, as column paths; lists cannot be given as columns. */
export function columnFields(ir: IrRulebook): { fields: ColumnField[]; lists: string[] } {
  const fields: ColumnField[] = [];
  const lists: string[] = [];
  const visit = (path: string, type: IrType, optional: boolean, seen: readonly string[]): void => {
    if (type.kind === "list") {
      if (!optional) lists.push(path);
      return;
    }
    if (type.kind !== "record") {
      fields.push({ path, type, optional });
      return;
    }
    const record = ir.schema.records[type.name];
    if (!record || seen.includes(type.name)) return;
    for (const field of record.fields)
      visit(`${path}.${field.name}`, field.type, optional || field.optional, [...seen, type.name]);
  };
  for (const input of ir.schema.inputs) visit(input.name, input.type, false, []);
  return { fields, lists };
}

type Evaluate = (input: unknown) => Record<string, OutputValue>;

/** The `evaluateColumns` function of a rulebook. */
export function columnarEvaluator(
  ir: IrRulebook,
  outputs: readonly OutputInfo[],
  run: Evaluate,
  validator: InputValidator,
) {
  const { fields, lists } = columnFields(ir);
  const known = new Map(fields.map((f) => [f.path, f]));
  return (columns: Columns, length: number, options?: { validate?: boolean }): ColumnarResult => {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new ColumnsError(`the number of rows must be a non-negative integer, not ${String(length)}`);
    if (lists.length > 0)
      throw new ColumnsError(
        `this rulebook's input has lists (${lists.join(", ")}), which cannot be given as columns: use evaluateBatch`,
      );
    for (const [path, column] of Object.entries(columns)) {
      if (!known.has(path))
        throw new ColumnsError(`unknown column "${path}": the columns are ${[...known.keys()].join(", ")}`);
      if (!column || typeof column.length !== "number" || column.length < length) {
        throw new ColumnsError(
          `column "${path}" has ${String(column?.length)} values, fewer than the ${length} rows`,
        );
      }
    }
    const missing = fields.filter((f) => !f.optional && !Object.hasOwn(columns, f.path)).map((f) => f.path);
    if (missing.length > 0)
      throw new ColumnsError(`missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);

    const { input, fill } = inputFiller(columns, fields);
    // Decimal arithmetic: numeric outputs stay decimal text (every digit), in plain arrays.
    const numeric = outputs.map((o) => o.type.kind === "number" && ir.meta.arithmetic === undefined);
    const targets = outputs.map((_, o) =>
      numeric[o] ? new Float64Array(length) : new Array<OutputValue | null>(length).fill(null),
    );
    // Object.fromEntries keeps an output named `__proto__` as an own property (an assignment would not).
    const result: ColumnarResult["outputs"] = Object.fromEntries(
      outputs.map((o, i) => [o.name, targets[i]!]),
    );
    const store = outputStorer(
      outputs.map((o) => o.name),
      targets,
    );
    const errors: ColumnFailure[] = [];
    const validate = options?.validate !== false;

    for (let row = 0; row < length; row++) {
      fill(input, row);
      if (validate) {
        const check = validator.validate(input);
        if (!check.valid) {
          errors.push({
            index: row,
            code: INPUT_ERROR_CODE,
            message: `row ${row}: ${check.errors.map((e) => e.message).join("; ")}`,
            errors: check.errors,
          });
          fillFailed(targets, numeric, row);
          continue;
        }
      }
      let values: Record<string, OutputValue>;
      try {
        values = run(input);
      } catch (error) {
        if (!(error instanceof RuntimeError)) throw error;
        errors.push({ index: row, code: error.code, message: `row ${row}: ${error.message}` });
        fillFailed(targets, numeric, row);
        continue;
      }
      store(values, row);
    }
    return { outputs: result, errors };
  };
}

/**
 * The function that copies one result into the output columns, generated like the input filler:
 * `o0[row] = r["initial_margin"]; ...` (names as `JSON.stringify` literals, columns as parameters).
 */
function outputStorer(
  names: readonly string[],
  targets: readonly unknown[],
): (result: Record<string, OutputValue>, row: number) => void {
  const body = names.map((name, i) => `  o${i}[row] = result[${JSON.stringify(name)}];`);
  const source = `"use strict";\nreturn function store(result, row) {\n${body.join("\n")}\n};`;
  try {
    const factory = new Function(...names.map((_, i) => `o${i}`), source) as (
      ...columns: unknown[]
    ) => (result: Record<string, OutputValue>, row: number) => void;
    return factory(...targets);
  } catch (error) {
    if (!isCodeGenerationRefused(error)) throw error;
    // Where code generation is forbidden: the same stores, through a loop.
    return (result, row) => {
      for (let i = 0; i < names.length; i++) (targets[i] as unknown[])[row] = result[names[i]!];
    };
  }
}

function fillFailed(targets: ColumnarResult["outputs"][string][], numeric: boolean[], row: number): void {
  for (let o = 0; o < targets.length; o++) (targets[o] as (number | null)[])[row] = numeric[o] ? NaN : null;
}

/**
 * The one input object refilled for every row, and the function that refills it. The function is
 * generated (`input["position"]["size"] = c0[row]; ...`) so that every store is a plain, monomorphic
 * property store; field names enter it only as `JSON.stringify` string literals and the columns as
 * parameters, so nothing from the artifact becomes code. The object is built by `JSON.parse`, so a
 * field named `__proto__` is an own property like any other, with a value of the field's type.
 */
function inputFiller(
  columns: Columns,
  fields: readonly ColumnField[],
): { input: Record<string, unknown>; fill: (input: unknown, row: number) => void } {
  const template: Record<string, unknown> = {};
  const given: { path: string[]; column: ArrayLike<number | string | boolean> }[] = [];
  for (const field of fields) {
    const column = Object.hasOwn(columns, field.path) ? columns[field.path] : undefined;
    const parts = field.path.split(".");
    let target = template;
    // The records on the path exist even when no column fills them: an input record whose fields
    // are all optional and left out is an empty record (its defaults apply), not a missing input.
    for (const part of parts.slice(0, -1)) {
      if (!Object.hasOwn(target, part))
        Object.defineProperty(target, part, {
          value: {},
          enumerable: true,
          writable: true,
          configurable: true,
        });
      target = target[part] as Record<string, unknown>;
    }
    if (!column) continue;
    const initial = field.type.kind === "number" ? 0 : field.type.kind === "bool" ? false : "";
    Object.defineProperty(target, parts[parts.length - 1]!, {
      value: initial,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    given.push({ path: parts, column });
  }
  const input = JSON.parse(JSON.stringify(template)) as Record<string, unknown>;
  const body = given.map(
    (g, i) => `  input${g.path.map((p) => `[${JSON.stringify(p)}]`).join("")} = c${i}[row];`,
  );
  const source = `"use strict";\nreturn function fill(input, row) {\n${body.join("\n")}\n};`;
  try {
    const factory = new Function(...given.map((_, i) => `c${i}`), source) as (
      ...columns: unknown[]
    ) => (input: unknown, row: number) => void;
    return { input, fill: factory(...given.map((g) => g.column)) };
  } catch (error) {
    if (!isCodeGenerationRefused(error)) throw error;
    // Where code generation is forbidden: the same stores, walking each path.
    return {
      input,
      fill: (target, row) => {
        for (const g of given) {
          let record = target as Record<string, unknown>;
          for (const part of g.path.slice(0, -1)) record = record[part] as Record<string, unknown>;
          record[g.path[g.path.length - 1]!] = g.column[row];
        }
      },
    };
  }
}
