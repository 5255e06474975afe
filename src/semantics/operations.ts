/**
 * The operations of the language on runtime values, written once: the interpreter calls them, the
 * compiler and the checker fold constants with them, and the code generator emits the same JavaScript operations
 * (the differential test keeps it honest).
 *
 * Runtime values: numbers (timestamps as seconds since the epoch, durations in seconds), booleans,
 * strings (text and enum members), arrays (lists), plain objects (records, scenarios, groups) and,
 * for tier rows, the 0-based index of the row.
 */
import type {
  IrBinaryOp,
  IrBuiltin,
  IrRulebook,
  IrScenarioSet,
  IrSchema,
  IrTierTable,
  IrUnaryOp,
} from "../ir/ir.js";
import { runtimeErrors, type Raise } from "./errors.js";
import { BUILTINS, isBuiltin } from "./builtins.js";
import { timestampSeconds } from "./numeric.js";
import { decText, isDec } from "./decimal.js";
import type { Value } from "./value.js";

export type { Value } from "./value.js";

/** `-x` or `not x`. */
export function unaryOp(op: IrUnaryOp, x: Value): Value {
  return op === "neg" ? -(x as number) : !x;
}

/**
 * A binary operation on evaluated operands (`and` / `or` short-circuit in the evaluators, before
 * this is reached). Division by zero (or -0) raises MB6002.
 */
export function binaryOp(op: IrBinaryOp, l: Value, r: Value, site: number, raise: Raise): Value {
  const a = l as number;
  const b = r as number;
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      if (b === 0) raise(site, runtimeErrors.divisionByZero, {});
      return a / b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case "and":
      return l === true && r === true;
    case "or":
      return l === true || r === true;
  }
}

/** A built-in function on evaluated arguments (its implementation is declared in `builtins.ts`). */
export function callBuiltin(fn: IrBuiltin, args: readonly Value[], site: number, raise: Raise): Value {
  if (!isBuiltin(fn)) throw new Error(`invalid IR: unknown builtin \`${String(fn)}\``);
  return BUILTINS[fn].apply(args, site, raise);
}

/**
 * The 0-based index of the row of `table` that contains `key`, or -1 (a key outside every tier,
 * or NaN). A linear scan of the intervals as written: the oracle for the code generator's search.
 */
export function findTierRow(table: IrTierTable, key: number): number {
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i]!;
    const aboveLower = row.lowerInclusive ? key >= row.lower : key > row.lower;
    const belowUpper = row.upper === null || (row.upperInclusive ? key <= row.upper : key < row.upper);
    if (aboveLower && belowUpper) return i;
  }
  return -1;
}

/**
 * The key of a failed keyed lookup, as MB6020 shows it: `` `SHIBUSDT` `` (a text or enum member),
 * `2.5`, or a tuple `` (`ES`, `NQ`) ``.
 */
export function keyText(values: readonly Value[]): string {
  const parts = values.map((v) => (typeof v === "number" ? String(v) : `\`${String(v)}\``));
  return parts.length === 1 ? parts[0]! : `(${parts.join(", ")})`;
}

/**
 * Raises the error for a key in no tier of `table`: MB6021 when the table ends at a deliberate
 * limit and the key is above it, MB6006 otherwise.
 */
export function raiseOutsideTiers(table: IrTierTable, key: number, site: number, raise: Raise): never {
  const last = table.rows[table.rows.length - 1];
  if (table.limit && last && last.upper !== null && key >= last.upper)
    raise(site, runtimeErrors.aboveLimit, { value: key, table: table.name, limit: last.upper });
  return raise(site, runtimeErrors.outsideTiers, { value: key, table: table.name });
}

/** `table.margin(key, column)`: `key * rate - deduction` of the row (the deduction is 0 in flat tables). */
export function tierMargin(table: IrTierTable, row: number, key: number, column: number): number {
  const r = table.rows[row]!;
  return key * r.cells[column]! - (r.deductions[column] ?? 0);
}

/** Names of `Object.prototype` members: fields with these names are read as own properties only. */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** `Object.hasOwn`, taken when this module loads, so that code replacing the global later cannot reach it. */
const hasOwn = Object.hasOwn;

/**
 * Reads a field of a record value; a field the record does not have is `undefined`, whatever
 * `Object.prototype` holds: an optional field left out of an input gets its default even when other
 * code in the engine's process has polluted the prototype (`Object.prototype.side = "short"`).
 */
export function readField(record: Value, name: string): Value {
  const object = record as Record<string, Value>;
  return hasOwn(object as object, name) ? object[name] : undefined;
}

/** The value an omitted input record stands for: every field takes its default. */
export const EMPTY_RECORD: Value = Object.freeze({});

const omittableCache = new WeakMap<IrSchema, ReadonlySet<string>>();

/**
 * The inputs that may be left out of a runtime input: records whose fields all have defaults. An
 * omitted one reads as {@link EMPTY_RECORD} (the input schema does not require it).
 */
export function omittableInputs(schema: IrSchema): ReadonlySet<string> {
  let names = omittableCache.get(schema);
  if (!names) {
    names = new Set(
      schema.inputs
        .filter((input) => {
          if (input.type.kind !== "record") return false;
          const record = schema.records[input.type.name];
          return record !== undefined && record.fields.every((f) => f.optional);
        })
        .map((input) => input.name),
    );
    omittableCache.set(schema, names);
  }
  return names;
}

/** `input` with {@link EMPTY_RECORD} for each omittable input it leaves out (itself when none is). */
export function withOmittedInputs(schema: IrSchema, input: Value): Value {
  const omittable = omittableInputs(schema);
  if (omittable.size === 0 || input === null || typeof input !== "object") return input;
  const missing = [...omittable].filter((name) => readField(input, name) === undefined);
  if (missing.length === 0) return input;
  return { ...(input as object), ...Object.fromEntries(missing.map((name) => [name, EMPTY_RECORD])) };
}

/** The records of a scenario set: `{ name, index, weight, <axes> }`, frozen. */
export function scenarioRecords(set: IrScenarioSet): readonly Value[] {
  return Object.freeze(
    set.rows.map((row) =>
      Object.freeze(
        Object.fromEntries([
          ["name", row.name],
          ["index", row.index],
          ["number", row.index + 1],
          ["weight", row.weight],
          ...set.axes.map((axis, a) => [axis, row.values[a]!]),
        ]),
      ),
    ),
  );
}

const scenarioCache = new WeakMap<IrRulebook, readonly (readonly Value[])[]>();

/** The scenario records of every set of a rulebook, built once per IR object. */
export function scenarioTables(ir: IrRulebook): readonly (readonly Value[])[] {
  let tables = scenarioCache.get(ir);
  if (!tables) {
    tables = ir.scenarioSets.map(scenarioRecords);
    scenarioCache.set(ir, tables);
  }
  return tables;
}

/** A field value, or `fallback` when it is missing (undefined or null); timestamps become seconds. */
export function withDefault(value: Value, fallback: Value, timestamp: boolean | undefined): Value {
  if (value === undefined || value === null) return fallback;
  return timestamp ? timestampSeconds(value) : value;
}

/**
 * A record value (a tuple group key): own data properties only, whatever the names (`__proto__`
 * included), frozen so that no evaluation changes it.
 */
export function recordValue(names: readonly string[], values: readonly Value[]): Value {
  return Object.freeze(Object.fromEntries(names.map((name, i) => [name, values[i]])));
}

/**
 * What a grouping compares keys by: the key itself, or, for a record key, a text of its values in
 * field order (numbers as `String` writes them, so 0 and -0 are one key, as `Map` takes them).
 */
export function groupKeyOf(key: Value): Value {
  if (isDec(key)) return `#${decText(key)}`;
  if (key === null || typeof key !== "object") return key;
  return Object.values(key as Record<string, Value>)
    .map((v) => (typeof v === "string" ? JSON.stringify(v) : isDec(v) ? decText(v) : String(v)))
    .join(",");
}

/** A group of `group(x for v in list by key)`: `{ key, items }`. */
export function newGroup(key: Value): { key: Value; items: Value[] } {
  return { key, items: [] };
}

/**
 * The items in ascending order of their keys, equal keys in their original order (a stable merge
 * sort of the engine, n log n); the evaluators share it, so they order ties alike.
 */
export function sortByKey(keyed: { key: number; item: Value }[]): Value[] {
  return keyed
    .map((entry, position) => ({ ...entry, position }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.position - b.position))
    .map((entry) => entry.item);
}

/** The first number in a list or record value (searched depth first) that is NaN or infinite. */
export function nonFiniteIn(value: Value): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = nonFiniteIn(item as Value);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null)
    for (const item of Object.values(value)) {
      const bad = nonFiniteIn(item as Value);
      if (bad !== undefined) return bad;
    }
  return undefined;
}
