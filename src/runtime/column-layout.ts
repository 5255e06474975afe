/**
 * The columnar layout of a rulebook's input, Apache Arrow style: one flat array per scalar field,
 * and for each list an offsets array plus flat arrays of its items' fields.
 *
 * - A scalar field is the column named by its path: `position.size` (a `Float64Array` or `number[]`;
 *   enums and texts as `string[]`, booleans as `boolean[]`).
 * - A list is an offsets column named by its path (`account.positions`): row `r`'s items are
 *   `offsets[r]` to `offsets[r + 1] - 1` (so `rows + 1` offsets). Its items' fields are columns
 *   of one value per item (`account.positions.quantity`); a list of numbers keeps its values in
 *   `<path>[]` (`account.positions.risk[]`). A list inside a list has one offsets entry per item of
 *   the outer list, plus one.
 */
import type { IrDomain, IrRulebook, IrType } from "../ir/ir.js";
import { INPUT_ERROR_CODE } from "./input-schema.js";
import { brandClass } from "../semantics/brand.js";

/** A scalar field of the input that a column fills. */
export interface ColumnField {
  path: string;
  type: IrType;
  optional: boolean;
  domain?: IrDomain;
  /** The path of the innermost list the field belongs to (one value per item), if any. */
  list?: string;
}

/** A list of the input, given as an offsets column. */
export interface ColumnList {
  path: string;
  element: IrType;
  optional: boolean;
  /** The enclosing list (one offsets entry per item of it, plus one), if any. */
  list?: string;
}

/** Every column of a rulebook's input. */
export interface ColumnLayout {
  /** Scalar fields, top-level ones and list items' ones. */
  fields: ColumnField[];
  lists: ColumnList[];
}

/** The input columns, keyed by path (`position.size`, `account.positions`, `account.positions.risk[]`). */
export type Columns = Readonly<Record<string, ArrayLike<number | string | boolean>>>;

/** Thrown when the columns do not fit the rulebook (unknown column, short column, bad offsets). */
export class ColumnsError extends Error {
  override readonly name = "ColumnsError";
  readonly code = INPUT_ERROR_CODE;
}
brandClass(ColumnsError, "ColumnsError");

/** The columnar layout of a rulebook's input. */
export function columnLayout(ir: IrRulebook): ColumnLayout {
  const fields: ColumnField[] = [];
  const lists: ColumnList[] = [];
  const visit = (
    path: string,
    type: IrType,
    optional: boolean,
    domain: IrDomain | undefined,
    list: string | undefined,
    seen: readonly string[],
  ): void => {
    if (type.kind === "list") {
      lists.push({ path, element: type.element, optional, ...(list !== undefined ? { list } : {}) });
      const item = type.element.kind === "record" ? path : `${path}[]`;
      visit(item, type.element, false, undefined, path, seen);
      return;
    }
    if (type.kind !== "record") {
      fields.push({
        path,
        type,
        optional,
        ...(domain ? { domain } : {}),
        ...(list !== undefined ? { list } : {}),
      });
      return;
    }
    const record = ir.schema.records[type.name];
    if (!record || seen.includes(type.name)) return;
    for (const field of record.fields)
      visit(`${path}.${field.name}`, field.type, optional || field.optional, field.domain, list, [
        ...seen,
        type.name,
      ]);
  };
  for (const input of ir.schema.inputs) visit(input.name, input.type, false, undefined, undefined, []);
  return { fields, lists };
}

/** A value in a message as JSON writes it, so that the text "2" does not read as the number 2. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Checks that the columns fit the layout for `rows` rows: no unknown column, every required one
 * given, every column long enough, offsets non-decreasing integers. Throws {@link ColumnsError}.
 * Returns the number of items of each list (over all rows).
 */
export function checkColumnShapes(layout: ColumnLayout, columns: Columns, rows: number): Map<string, number> {
  if (!Number.isSafeInteger(rows) || rows < 0)
    throw new ColumnsError(`the number of rows must be a non-negative integer, not ${shown(rows)}`);
  const known = new Set([...layout.fields.map((f) => f.path), ...layout.lists.map((l) => l.path)]);
  for (const [path, column] of Object.entries(columns)) {
    if (!known.has(path))
      throw new ColumnsError(`unknown column "${path}": the columns are ${[...known].join(", ")}`);
    if (!column || typeof column.length !== "number")
      throw new ColumnsError(`column "${path}" is not an array`);
  }
  const missing = [...layout.fields, ...layout.lists]
    .filter((f) => !f.optional && !Object.hasOwn(columns, f.path) && given(columns, f.list))
    .map((f) => f.path);
  if (missing.length > 0)
    throw new ColumnsError(`missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  const items = new Map<string, number>();
  const lengthOf = (list: string | undefined): number => (list === undefined ? rows : (items.get(list) ?? 0));
  for (const list of layout.lists) {
    if (!Object.hasOwn(columns, list.path)) continue;
    const offsets = columns[list.path]!;
    const count = lengthOf(list.list);
    if (offsets.length < count + 1)
      throw new ColumnsError(
        `offsets column "${list.path}" has ${offsets.length} values: it needs ${count + 1} (one more than its ${count} ${list.list === undefined ? "rows" : "parent items"})`,
      );
    let previous = count > 0 ? offsets[0] : 0;
    for (let i = 0; i <= count; i++) {
      const offset = offsets[i];
      const why = !Number.isSafeInteger(offset)
        ? "not a whole number"
        : (offset as number) < 0
          ? "negative"
          : (offset as number) < (previous as number)
            ? `below the value before it (${shown(previous)})`
            : undefined;
      if (why)
        throw new ColumnsError(
          `offsets column "${list.path}" must hold non-decreasing non-negative integers: value ${i} is ${shown(offset)}, ${why}`,
        );
      previous = offset;
    }
    items.set(list.path, count === 0 ? 0 : (offsets[count] as number));
  }
  for (const field of layout.fields) {
    const column = columns[field.path];
    if (!column) continue;
    const needed = lengthOf(field.list);
    if (column.length < needed)
      throw new ColumnsError(
        `column "${field.path}" has ${column.length} values, fewer than the ${needed} ${field.list === undefined ? "rows" : `items of ${field.list}`}`,
      );
  }
  return items;
}

function given(columns: Columns, list: string | undefined): boolean {
  return list === undefined || Object.hasOwn(columns, list);
}

/** One row of the columns as an input object (for the row's error messages and the fallback path). */
export function rowInput(layout: ColumnLayout, columns: Columns, row: number): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const lists = new Map(layout.lists.map((l) => [l.path, l]));
  const set = (target: Record<string, unknown>, key: string, value: unknown): void => {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  };
  /** Fills `target` (an object at `prefix`) with the fields under it, at index `at` of their columns. */
  const fill = (
    target: Record<string, unknown>,
    prefix: string,
    list: string | undefined,
    at: number,
  ): void => {
    for (const field of layout.fields) {
      if (field.list !== list || !field.path.startsWith(prefix)) continue;
      const column = columns[field.path];
      if (column) place(target, field.path.slice(prefix.length).split("."), column[at]);
      else ensure(target, field.path.slice(prefix.length).split(".").slice(0, -1));
    }
    for (const inner of layout.lists) {
      if (inner.list !== list || !inner.path.startsWith(prefix)) continue;
      const offsets = columns[inner.path];
      if (!offsets) continue;
      const parts = inner.path.slice(prefix.length).split(".");
      place(target, parts, items(inner.path, offsets, at));
    }
  };
  const items = (path: string, offsets: ArrayLike<unknown>, at: number): unknown[] => {
    const list = lists.get(path)!;
    const result: unknown[] = [];
    for (let i = offsets[at] as number; i < (offsets[at + 1] as number); i++) {
      if (list.element.kind === "record") {
        const item: Record<string, unknown> = {};
        fill(item, `${path}.`, path, i);
        result.push(item);
      } else if (list.element.kind === "list") {
        result.push(items(`${path}[]`, columns[`${path}[]`] ?? [], i));
      } else result.push(columns[`${path}[]`]?.[i]);
    }
    return result;
  };
  const ensure = (target: Record<string, unknown>, parts: readonly string[]): Record<string, unknown> => {
    let record = target;
    for (const part of parts) {
      if (!Object.hasOwn(record, part)) set(record, part, {});
      record = record[part] as Record<string, unknown>;
    }
    return record;
  };
  const place = (target: Record<string, unknown>, parts: readonly string[], value: unknown): void =>
    set(ensure(target, parts.slice(0, -1)), parts[parts.length - 1]!, value);
  fill(input, "", undefined, row);
  return input;
}

/**
 * The columns of input objects (the inverse of {@link rowInput}): `Float64Array`s for numbers,
 * arrays for the others, offsets as `Int32Array`s. An optional field becomes a column when every
 * input gives it, and is left out when none does; throws {@link ColumnsError} when only some do
 * (a column cannot leave a field out of some rows). The inputs are read, not validated.
 */
export function toColumns(
  layout: ColumnLayout,
  inputs: readonly unknown[],
): Record<string, ArrayLike<unknown>> {
  const values = new Map<string, unknown[]>();
  const offsets = new Map<string, number[]>();
  const has = new Map<string, [number, number]>();
  for (const f of layout.fields) values.set(f.path, []);
  for (const l of layout.lists) offsets.set(l.path, [0]);
  const read = (object: unknown, key: string): { found: boolean; value: unknown } =>
    object !== null && typeof object === "object" && Object.hasOwn(object, key)
      ? { found: true, value: (object as Record<string, unknown>)[key] }
      : { found: false, value: undefined };
  /** Collects the fields under `prefix` (in `list`, or the top level) of one object. */
  const collect = (object: unknown, prefix: string, list: string | undefined): void => {
    for (const field of layout.fields) {
      if (field.list !== list || !field.path.startsWith(prefix)) continue;
      let found = true;
      let value: unknown = object;
      for (const part of field.path.slice(prefix.length).split(".")) {
        const step = read(value, part);
        found = found && step.found;
        value = step.value;
      }
      const count = has.get(field.path) ?? [0, 0];
      has.set(field.path, [count[0] + (found ? 1 : 0), count[1] + 1]);
      values.get(field.path)!.push(value);
    }
    for (const inner of layout.lists) {
      if (inner.list !== list || !inner.path.startsWith(prefix)) continue;
      let value: unknown = object;
      for (const part of inner.path.slice(prefix.length).split(".")) value = read(value, part).value;
      collectList(inner.path, Array.isArray(value) ? value : []);
    }
  };
  const collectList = (path: string, items: readonly unknown[]): void => {
    const list = layout.lists.find((l) => l.path === path)!;
    const starts = offsets.get(path)!;
    starts.push(starts[starts.length - 1]! + items.length);
    for (const item of items) {
      if (list.element.kind === "record") collect(item, `${path}.`, path);
      else if (list.element.kind === "list") collectList(`${path}[]`, Array.isArray(item) ? item : []);
      else values.get(`${path}[]`)!.push(item);
    }
  };
  for (const input of inputs) collect(input, "", undefined);
  const columns: Record<string, ArrayLike<unknown>> = {};
  for (const field of layout.fields) {
    const [found, total] = has.get(field.path) ?? [0, 0];
    if (found === 0 && field.optional) continue;
    if (found < total && field.optional)
      throw new ColumnsError(`the optional field ${field.path} is given in some inputs only`);
    const column = values.get(field.path)!;
    columns[field.path] =
      field.type.kind === "number" && column.every((v) => typeof v === "number")
        ? Float64Array.from(column as number[])
        : column;
  }
  for (const list of layout.lists) columns[list.path] = Int32Array.from(offsets.get(list.path)!);
  return columns;
}
