/**
 * The run-time helpers of generated decimal code (`codegen-decimal.ts`): what one decimal
 * evaluation calls besides decimal.js's own methods. Each helper does exactly what the reference
 * interpreter does for the same IR node (the same semantics functions, the same evaluation order,
 * the same errors), so generated code and interpreter agree to the last digit.
 *
 * Helpers are bound to one rulebook ({@link decimalKernel}); the generated factory receives them
 * as parameters and reads no globals.
 */
import { decimalLiquidation } from "../semantics/decimal-liquidation.js";
import type { LiquidationConvention } from "../semantics/liquidation.js";
import type { IrAggregate, IrArithmetic, IrRoundingDirection, IrRulebook } from "../ir/ir.js";
import { BUILTINS } from "../semantics/builtins.js";
import { Dec, decDivide, decRoundToStep, decText, isDec, toDec } from "../semantics/decimal.js";
import {
  decimalConst,
  decimalScenarios,
  decimalTables,
  decimalTierMargin,
  decimalTierRow,
  decValue,
} from "../semantics/decimal-operations.js";
import { raiserFor, runtimeErrors } from "../semantics/errors.js";
import { formatTimestamp, isRepresentableTimestamp } from "../semantics/numeric.js";
import {
  keyText,
  newGroup,
  nonFiniteIn,
  raiseOutsideTiers,
  readField,
  recordValue,
  groupKeyOf,
  withDefault,
  withOmittedInputs,
  type Value,
} from "../semantics/operations.js";
import { decimalInput, decimalTraceValue } from "./decimal-values.js";

/** Binds a comprehension's element (and position) and applies its filter. */
export type Passes = (item: Value, position: number) => boolean;
/** Evaluates a comprehension's element (or key, or initial value, or fallback). */
export type Thunk = () => Value;

type Op = IrAggregate["op"];

/** The parameters of a generated decimal factory, in order, and the values bound to them. */
export function decimalKernel(ir: IrRulebook, context: IrArithmetic): [string, unknown][] {
  const raise = raiserFor(ir);
  const tables = decimalTables(ir);
  // The last key searched in each table and its row: decimals are immutable, so the same object
  // (a `let` read by several lookups) always lies in the same row. Only rows found are kept.
  const lastKey: unknown[] = ir.tables.map(() => undefined);
  const lastRow: number[] = ir.tables.map(() => -1);
  const row = (table: number, key: Value, site: number): number => {
    if (lastKey[table] === key) return lastRow[table]!;
    const t = ir.tables[table]!;
    const r = decimalTierRow(t, tables[table]!, key as unknown as Dec);
    if (r < 0) raiseOutsideTiers(t, (key as unknown as Dec).toNumber(), site, raise);
    lastKey[table] = key;
    lastRow[table] = r;
    return r;
  };
  const empty = (op: Op, site: number, fallback: Thunk | undefined): Value =>
    fallback ? fallback() : raise(site, runtimeErrors.emptyAggregate, { fn: op });
  const builtins = Object.fromEntries(
    Object.entries(BUILTINS).map(([name, b]) => [
      name,
      (args: Value[], site: number) => b.decimal(args, site, raise, context),
    ]),
  );
  return [
    ["raise", raise],
    ["E", runtimeErrors],
    ["SC", decimalScenarios(ir)],
    ["B", builtins],
    ["DMAX", (a: Dec, b: Dec) => Dec.max(a, b)],
    ["DMIN", (a: Dec, b: Dec) => Dec.min(a, b)],
    ["prepare", (input: unknown) => decimalInput(ir, withOmittedInputs(ir.schema, input as Value))],
    ["lift", (value: Value) => (typeof value === "number" ? decValue(toDec(value)) : value)],
    ["num", (value: number) => decValue(toDec(value))],
    ["constant", (v: number, d?: string) => decimalConst(v, d)],
    ["readField", readField],
    ["recordValue", recordValue],
    ["withDefault", withDefault],
    ["neg", (x: Dec) => x.neg().plus(0)],
    ["eq", (l: Value, r: Value) => (isDec(l) && isDec(r) ? l.eq(r) : l === r)],
    ["div", (a: Dec, b: Dec, site: number) => decDivide(a, b, context, site, raise)],
    ["row", row],
    [
      "cell",
      (table: number, r: number, column: number | "tier" | "lower" | "upper"): Value => {
        if (column === "tier") return decValue(toDec(r + 1));
        const t = tables[table]!;
        if (column === "lower") return decValue(t.lower[r]!);
        if (column === "upper") return decValue(t.upper[r] ?? new Dec(Infinity));
        return decValue(t.cells[r]![column]!);
      },
    ],
    [
      "margin",
      (table: number, column: number, deduction: boolean, key: Value, site: number): Value => {
        const r = row(table, key, site);
        const t = tables[table]!;
        return decValue(
          deduction
            ? (t.deductions[r]![column] ?? new Dec(0))
            : decimalTierMargin(t, r, key as unknown as Dec, column),
        );
      },
    ],
    [
      "liquidation",
      (
        table: number,
        column: number,
        convention: LiquidationConvention,
        side: Value,
        size: Dec,
        entry: Dec,
        balance: Dec,
        site: number,
      ) =>
        decValue(
          decimalLiquidation(
            ir.tables[table]!,
            tables[table]!,
            column,
            convention,
            side as string,
            size,
            entry,
            balance,
            context,
            site,
            raise,
          ).price,
        ),
    ],
    [
      "index",
      (list: readonly Value[], at: Value, site: number): Value => {
        const index = isDec(at) ? at.toNumber() : (at as number);
        if (!(Number.isInteger(index) && index >= 0 && index < list.length))
          raise(site, runtimeErrors.indexOutOfRange, { index, length: list.length });
        return list[index];
      },
    ],
    [
      "nokey",
      (table: string, keys: Value[], site: number) =>
        raise(site, runtimeErrors.missingKey, { table, key: keyText(keys) }),
    ],
    [
      "round",
      (direction: IrRoundingDirection, x: Value, step: Dec) =>
        decValue(decRoundToStep(direction, x as unknown as Dec, step, -1, raise)),
    ],
    ["text", decText],
    ["shown", decimalTraceValue],
    [
      "timestamp",
      (value: Value, site: number, name: string) => {
        const seconds = isDec(value) ? value.toNumber() : (value as number);
        if (!isRepresentableTimestamp(seconds))
          raise(site, runtimeErrors.nonFiniteOutput, { name, value: seconds });
        return formatTimestamp(seconds);
      },
    ],
    [
      "nonFinite",
      (value: Value, site: number, name: string) => {
        const bad = nonFiniteIn(value);
        if (bad !== undefined) raise(site, runtimeErrors.nonFiniteOutput, { name, value: bad });
        return value;
      },
    ],
    ["fold", foldFor(context, raise, empty)],
    ["reduce", reduce],
  ];
}

/** `reduce` and `scan`: the accumulator starts at `init`, then each passing element's value. */
function reduce(
  scan: boolean,
  list: readonly Value[],
  passes: Passes,
  init: Thunk,
  bind: (acc: Value) => void,
  elem: Thunk,
): Value {
  let acc = init();
  const steps: Value[] = [];
  for (let i = 0; i < list.length; i++) {
    if (!passes(list[i], i)) continue;
    bind(acc);
    acc = elem();
    if (scan) steps.push(acc);
  }
  return scan ? steps : acc;
}

type Fold = (
  op: Op,
  site: number,
  list: readonly Value[],
  passes: Passes,
  elem: Thunk,
  key: Thunk | undefined,
  fallback: Thunk | undefined,
) => Value;

/** The comprehensions, as the interpreter's `fold` and `decimalFold` compute them. */
function foldFor(
  context: IrArithmetic,
  raise: ReturnType<typeof raiserFor>,
  empty: (op: Op, site: number, fallback: Thunk | undefined) => Value,
): Fold {
  return (op, site, list, passes, elem, key, fallback) => {
    switch (op) {
      case "sum":
      case "avg": {
        let sum = new Dec(0);
        let count = 0;
        for (let i = 0; i < list.length; i++) {
          if (!passes(list[i], i)) continue;
          sum = sum.plus(elem() as unknown as Dec);
          count++;
        }
        if (op === "sum") return decValue(sum);
        if (count === 0) return empty(op, site, fallback);
        return decValue(decDivide(sum, new Dec(count), context, site, raise));
      }
      case "count": {
        let count = 0;
        for (let i = 0; i < list.length; i++) if (passes(list[i], i)) count++;
        return decValue(new Dec(count));
      }
      case "min":
      case "max":
      case "argmin":
      case "argmax": {
        const lower = op === "min" || op === "argmin";
        let best: Dec | undefined;
        let winner = -1;
        for (let i = 0; i < list.length; i++) {
          if (!passes(list[i], i)) continue;
          const value = elem() as unknown as Dec;
          if (best === undefined || (lower ? value.lt(best) : value.gt(best))) {
            best = value;
            winner = i;
          }
        }
        if (best === undefined) return empty(op, site, fallback);
        return op === "min" || op === "max" ? decValue(best) : list[winner]!;
      }
      case "sort": {
        const keyed: { key: Dec; item: Value; position: number }[] = [];
        for (let i = 0; i < list.length; i++)
          if (passes(list[i], i))
            keyed.push({ key: elem() as unknown as Dec, item: list[i], position: keyed.length });
        keyed.sort((a, b) => a.key.comparedTo(b.key) || a.position - b.position);
        return keyed.map((entry) => entry.item);
      }
      case "any":
        for (let i = 0; i < list.length; i++) if (passes(list[i], i) && elem() === true) return true;
        return false;
      case "all":
        for (let i = 0; i < list.length; i++) if (passes(list[i], i) && elem() !== true) return false;
        return true;
      case "list": {
        const out: Value[] = [];
        for (let i = 0; i < list.length; i++) if (passes(list[i], i)) out.push(elem());
        return out;
      }
      case "group": {
        const groups = new Map<unknown, { key: Value; items: Value[] }>();
        for (let i = 0; i < list.length; i++) {
          if (!passes(list[i], i)) continue;
          const element = elem();
          const k = key!();
          const id = groupKeyOf(k);
          let group = groups.get(id);
          if (!group) groups.set(id, (group = newGroup(k)));
          group.items.push(element);
        }
        return [...groups.values()];
      }
      case "reduce":
      case "scan":
        throw new Error(`invalid IR: ${op} is generated inline`);
    }
  };
}
