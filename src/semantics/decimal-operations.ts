/**
 * The operations of the language in decimal arithmetic: what `operations.ts` is for binary64. The
 * interpreter calls these when a rulebook declares `arithmetic decimal`, and the lowerer folds
 * constants with them.
 *
 * Numbers are {@link Dec}s. IR numbers (tier bounds and cells, scenario values, defaults) are read
 * through their shortest round-trip spelling, which is the literal as written for every literal of
 * up to 15 significant digits; a constant whose double does not spell it carries its exact text
 * (`d`). Deductions of `marginal` tables are derived again here, exactly.
 */
import type {
  IrArithmetic,
  IrBinaryOp,
  IrBuiltin,
  IrConstValue,
  IrRoundingDirection,
  IrRulebook,
  IrTierTable,
  IrVerb,
} from "../ir/ir.js";
import { BUILTINS, isBuiltin } from "./builtins.js";
import { Dec, decDivide, decRoundToStep, isDec, toDec, type DecimalTable } from "./decimal.js";
import { runtimeErrors, type Raise } from "./errors.js";
import { scenarioTables } from "./operations.js";
import type { Value } from "./value.js";

/** A decimal as a runtime value. */
export const decValue = (d: Dec): Value => d as unknown as Value;
const asDec = (v: Value): Dec => v as unknown as Dec;

/** An IR constant in decimal arithmetic: numbers become decimals (from `d` when present). */
export function decimalConst(v: IrConstValue, d?: string): Value {
  if (typeof v !== "number") return v;
  return decValue(d !== undefined ? toDec(d) : toDec(v));
}

/** `-x` or `not x`. */
export function decimalUnary(op: "neg" | "not", x: Value): Value {
  return op === "neg" ? decValue(asDec(x).neg().plus(0)) : !x;
}

/** A binary operation on decimals (`and` / `or` short-circuit in the evaluator). */
export function decimalBinary(
  op: IrBinaryOp,
  l: Value,
  r: Value,
  context: IrArithmetic,
  site: number,
  raise: Raise,
): Value {
  if (op === "==" || op === "!=") {
    const equal = isDec(l) && isDec(r) ? l.eq(r) : l === r;
    return op === "==" ? equal : !equal;
  }
  if (op === "and") return l === true && r === true;
  if (op === "or") return l === true || r === true;
  const a = asDec(l);
  const b = asDec(r);
  switch (op) {
    case "+":
      return decValue(a.plus(b));
    case "-":
      return decValue(a.minus(b));
    case "*":
      return decValue(a.times(b));
    case "/":
      return decValue(decDivide(a, b, context, site, raise));
    case "<":
      return a.lt(b);
    case "<=":
      return a.lte(b);
    case ">":
      return a.gt(b);
    case ">=":
      return a.gte(b);
  }
}

/** A built-in function in decimal arithmetic (declared with the binary64 one in `builtins.ts`). */
export function decimalCall(
  fn: IrBuiltin,
  args: readonly Value[],
  context: IrArithmetic,
  site: number,
  raise: Raise,
): Value {
  if (!isBuiltin(fn)) throw new Error(`invalid IR: unknown builtin \`${String(fn)}\``);
  return BUILTINS[fn].decimal(args, site, raise, context);
}

/** A rule verb on decimals (the meaning `verbs.ts` declares, with exact operations). */
export function decimalVerb(verb: IrVerb, current: Value, operand: Value): Value {
  const c = asDec(current);
  const o = asDec(operand);
  switch (verb) {
    case "set":
      return operand;
    case "scale":
      return decValue(c.times(o));
    case "add":
      return decValue(c.plus(o));
    case "floor":
      return decValue(Dec.max(c, o));
    case "cap":
      return decValue(Dec.min(c, o));
  }
}

/** An output's declared rounding, exact. */
export function decimalRound(direction: IrRoundingDirection, x: Value, step: number, raise: Raise): Value {
  return decValue(decRoundToStep(direction, asDec(x), toDec(step), -1, raise));
}

function decimalTable(table: IrTierTable): DecimalTable {
  const lower = table.rows.map((r) => toDec(r.lower));
  const cells = table.rows.map((r) => r.cells.map((c) => toDec(c)));
  const deductions = table.rows.map((r) => r.deductions.map((d) => (d === null ? null : new Dec(0))));
  if (table.mode === "marginal")
    table.columns.forEach((_, c) => {
      for (let i = 1; i < table.rows.length; i++) {
        if (deductions[i]![c] === null) continue;
        const step = lower[i]!.times(cells[i]![c]!.minus(cells[i - 1]![c]!));
        deductions[i]![c] = step.plus(deductions[i - 1]![c] ?? 0);
      }
    });
  return {
    lower,
    upper: table.rows.map((r) => (r.upper === null ? null : toDec(r.upper))),
    cells,
    deductions,
  };
}

const tableCache = new WeakMap<IrRulebook, DecimalTable[]>();
const scenarioCache = new WeakMap<IrRulebook, readonly (readonly Value[])[]>();

/** The decimal tables of a rulebook, built once per IR object. */
export function decimalTables(ir: IrRulebook): DecimalTable[] {
  let tables = tableCache.get(ir);
  if (!tables) tableCache.set(ir, (tables = ir.tables.map(decimalTable)));
  return tables;
}

/** The scenario records of every set with decimal numbers, built once per IR object. */
export function decimalScenarios(ir: IrRulebook): readonly (readonly Value[])[] {
  let sets = scenarioCache.get(ir);
  if (!sets) {
    // The binary64 records (one definition of a scenario's fields), their numbers made exact.
    sets = scenarioTables(ir).map((set) =>
      Object.freeze(
        set.map((row) =>
          Object.freeze(
            Object.fromEntries(
              Object.entries(row as Record<string, Value>).map(([field, v]) => [
                field,
                typeof v === "number" ? decValue(toDec(v)) : v,
              ]),
            ),
          ),
        ),
      ),
    );
    scenarioCache.set(ir, sets);
  }
  return sets;
}

/** The 0-based row of `table` containing `key`, or -1: the same scan as `findTierRow`, exact. */
export function decimalTierRow(table: IrTierTable, t: DecimalTable, key: Dec): number {
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i]!;
    const lower = t.lower[i]!;
    const upper = t.upper[i]!;
    const aboveLower = row.lowerInclusive ? key.gte(lower) : key.gt(lower);
    const belowUpper = upper === null || (row.upperInclusive ? key.lte(upper) : key.lt(upper));
    if (aboveLower && belowUpper) return i;
  }
  return -1;
}

/** `table.margin(key, column)`: `key * rate - deduction`, exact. */
export function decimalTierMargin(t: DecimalTable, row: number, key: Dec, column: number): Dec {
  return key.times(t.cells[row]![column]!).minus(t.deductions[row]![column] ?? 0);
}
