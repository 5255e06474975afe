/**
 * The reference interpreter: evaluates the IR directly, one node at a time. It is the oracle the
 * compiled evaluator is tested against, so it is written to be obviously right rather than fast,
 * and it is the evaluator that produces explanations.
 *
 * Evaluation follows {@link IrRulebook.steps} in order. Within an expression, operands are
 * evaluated left to right; `and`, `or`, `if` and `any` / `all` evaluate only what they need; a
 * comprehension evaluates, per element, the filter, then the element, then (for `group`) the key;
 * a `default` is evaluated only for an empty list. The evaluators assume an input that passed
 * validation against the rulebook's schema.
 */
import {
  describeConvention,
  irConvention,
  liquidation,
  liquidationColumns,
} from "../semantics/liquidation.js";
import type {
  IrAggregate,
  IrArithmetic,
  IrExpr,
  IrOutputStep,
  IrRuleStep,
  IrRulebook,
  IrStep,
} from "../ir/ir.js";
import { Dec, decDivide, decText, describeArithmetic, isDec, toDec } from "../semantics/decimal.js";
import {
  decimalBinary,
  decimalCall,
  decimalConst,
  decimalRound,
  decimalScenarios,
  decimalTables,
  decimalTierMargin,
  decimalTierRow,
  decimalUnary,
  decimalVerb,
  decValue,
} from "../semantics/decimal-operations.js";
import type { DecimalTable } from "../semantics/decimal.js";
import { decimalInput, decimalTraceValue } from "./decimal-values.js";
import { decimalLiquidation } from "../semantics/decimal-liquidation.js";
import { VERBS } from "../semantics/verbs.js";
import { raiserFor, runtimeErrors, type Raise } from "../semantics/errors.js";
import {
  formatTimestamp,
  isRepresentableTimestamp,
  roundDown,
  roundHalfEven,
  roundUp,
} from "../semantics/numeric.js";
import {
  binaryOp,
  callBuiltin,
  nonFiniteIn,
  sortByKey,
  findTierRow,
  newGroup,
  groupKeyOf,
  recordValue,
  readField,
  keyText,
  raiseOutsideTiers,
  scenarioTables,
  tierMargin,
  unaryOp,
  withDefault,
  withOmittedInputs,
  type Value,
} from "../semantics/operations.js";
import type {
  AggregateChoice,
  TierChoice,
  Trace,
  TraceAction,
  TraceChoices,
  TraceEntry,
  TraceValue,
} from "./trace.js";

/** The most `min` / `max` winners one explanation entry lists. */
const MAX_CHOICES = 64;

export { RuntimeError } from "../semantics/errors.js";

/**
 * An output value: numbers, booleans, and text (text, enum members, ISO 8601 timestamps); a list
 * output is an array of them, a record output an object.
 */
export type OutputValue = number | boolean | string | OutputValue[] | { [field: string]: OutputValue };

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Record an explanation of every step. */
  explain?: boolean;
}

/** The outputs of one evaluation, in output order, and the explanation when one was asked for. */
export interface EvaluationResult {
  outputs: Record<string, OutputValue>;
  explanation?: Trace;
}

/**
 * Evaluates a rulebook's IR on one input. Throws a `RuntimeError` when the evaluation stops
 * (division by zero, a key outside every tier, a failed assertion, a NaN output, ...).
 */
export function evaluate(ir: IrRulebook, input: unknown, options: EvaluateOptions = {}): EvaluationResult {
  const run = new Interpreter(ir, withOmittedInputs(ir.schema, input as Value), options.explain === true);
  const outputs = run.run();
  return run.trace ? { outputs, explanation: run.trace } : { outputs };
}

class Interpreter {
  private readonly slots: Value[];
  private readonly locals: Value[];
  private readonly raise: Raise;
  private readonly scenarios: readonly (readonly Value[])[];
  /** The decimal arithmetic, when the rulebook declares it; numbers are then `Dec`s. */
  private readonly decimal?: IrArithmetic;
  private readonly decimalTables: DecimalTable[] = [];
  private readonly input: Value;
  readonly trace?: Trace;
  /** Tier rows chosen while the current step is evaluated (explanations only). */
  private tiers?: TierChoice[];
  /** Winners of `min` / `max` while the current step is evaluated (explanations only). */
  private choices?: AggregateChoice[];
  /** The choices of each step, by the step's tier list (explanations only). */
  private readonly stepChoices = new WeakMap<TierChoice[], AggregateChoice[]>();
  /** How many user functions are being evaluated (explanations list only the outermost calls). */
  private callDepth = 0;
  /** Labels of the elements of the comprehensions being evaluated, outermost first (explanations only). */
  private readonly within: string[] = [];

  constructor(
    private readonly ir: IrRulebook,
    input: Value,
    explain: boolean,
  ) {
    this.slots = new Array<Value>(ir.slots.length).fill(undefined);
    this.locals = new Array<Value>(ir.locals.length).fill(undefined);
    this.raise = raiserFor(ir);
    this.decimal = ir.meta.arithmetic;
    if (this.decimal) {
      this.input = decimalInput(ir, input);
      this.scenarios = decimalScenarios(ir);
      this.decimalTables = decimalTables(ir);
    } else {
      this.input = input;
      this.scenarios = scenarioTables(ir);
    }
    if (explain)
      this.trace = {
        rulebook: ir.meta.name,
        version: ir.meta.version,
        ...(this.decimal ? { arithmetic: describeArithmetic(this.decimal) } : {}),
        entries: [],
      };
  }

  /** Whether a number is finite (decimals always are). */
  private finite(value: Value): boolean {
    return this.decimal ? true : Number.isFinite(value);
  }

  /** A number of the IR (or a count) as a runtime number of the rulebook's arithmetic. */
  private num(value: number): Value {
    return this.decimal ? decValue(toDec(value)) : value;
  }

  /** A runtime number as a double, for indices and explanations. */
  private double(value: Value): number {
    return isDec(value) ? value.toNumber() : (value as number);
  }

  run(): Record<string, OutputValue> {
    const outputs: [string, OutputValue][] = [];
    for (const step of this.ir.steps) this.step(step, outputs);
    return Object.fromEntries(outputs);
  }

  private step(step: IrStep, outputs: [string, OutputValue][]): void {
    switch (step.kind) {
      case "let": {
        const tiers = this.startTiers();
        const value = this.eval(step.value);
        this.slots[step.slot] = value;
        // A let the optimizer introduced holds an intermediate: neither checked nor explained.
        if (step.hoisted) break;
        if (this.ir.slots[step.slot]!.type.kind === "number" && !this.finite(value))
          this.raise(step.site, runtimeErrors.nonFiniteValue, {
            name: this.ir.slots[step.slot]!.name,
            value: value as number,
          });
        this.record(() => ({
          kind: "let",
          name: this.ir.slots[step.slot]!.name,
          value: this.show(step.slot),
          ...this.where(step.site),
          tiers,
        }));
        return;
      }
      case "rule":
        return this.rule(step);
      case "output":
        outputs.push(this.output(step));
        return;
      case "assert": {
        const tiers = this.startTiers();
        const holds = this.eval(step.condition) === true;
        if (!holds)
          this.raise(step.site, runtimeErrors.assertionFailed, {
            message: step.message ?? "the assertion does not hold",
          });
        this.record(() => ({
          kind: "assert",
          holds,
          ...(step.message !== undefined ? { message: step.message } : {}),
          ...this.where(step.site),
          tiers,
        }));
        return;
      }
    }
  }

  private rule(step: IrRuleStep): void {
    const tiers = this.startTiers();
    const condition = step.condition ? this.eval(step.condition) === true : undefined;
    const ran = condition !== false;
    const actions: TraceAction[] = [];
    if (ran) {
      for (const action of step.actions) {
        const actionTiers = this.startTiers();
        const applies = action.condition ? this.eval(action.condition) === true : undefined;
        const before = this.slots[action.slot];
        let operand: Value;
        if (applies !== false) {
          operand = this.eval(action.value);
          const after = this.decimal
            ? decimalVerb(action.verb, before, operand)
            : VERBS[action.verb].apply(before as number, operand as number);
          this.slots[action.slot] = after;
          if (this.ir.slots[action.slot]!.type.kind === "number" && !this.finite(after))
            this.raise(action.site, runtimeErrors.nonFiniteValue, {
              name: this.ir.slots[action.slot]!.name,
              value: after as number,
            });
        }
        if (this.trace) {
          actions.push({
            verb: action.verb,
            quantity: this.ir.slots[action.slot]!.name,
            applied: applies !== false,
            ...(applies !== undefined ? { condition: applies } : {}),
            ...(applies !== false ? { operand: show(operand) } : {}),
            ...(before !== undefined ? { before: show(before) } : {}),
            after: this.show(action.slot),
            ...this.where(action.site),
            tiers: actionTiers,
          });
        }
      }
    }
    const reason =
      condition === undefined
        ? "no condition"
        : condition
          ? "its condition is true"
          : "its condition is false";
    this.record(() => ({
      kind: "rule",
      name: step.name,
      ran,
      ...(condition !== undefined ? { condition } : {}),
      reason,
      actions,
      ...this.where(step.site),
      tiers,
    }));
  }

  private output(step: IrOutputStep): [string, OutputValue] {
    const tiers = this.startTiers();
    const slot = this.ir.slots[step.slot]!;
    const raw = this.eval(step.value);
    let value = raw;
    if (step.rounding) {
      const { direction, step: size, units, scale } = step.rounding;
      if (this.decimal) value = decimalRound(direction, raw, size, this.raise);
      else {
        const round = direction === "up" ? roundUp : direction === "down" ? roundDown : roundHalfEven;
        value = round(raw as number, size, units, scale);
      }
    }
    this.slots[step.slot] = value;
    let shown: OutputValue = this.decimal
      ? (decimalTraceValue(value) as OutputValue)
      : (value as OutputValue);
    if (slot.type.kind === "number" && !this.finite(value))
      this.raise(step.site, runtimeErrors.nonFiniteOutput, { name: slot.name, value: value as number });
    if ((slot.type.kind === "list" || slot.type.kind === "record") && nonFiniteIn(value) !== undefined)
      this.raise(step.site, runtimeErrors.nonFiniteOutput, { name: slot.name, value: nonFiniteIn(value)! });
    if (slot.type.kind === "timestamp") {
      const seconds = this.double(value);
      if (!isRepresentableTimestamp(seconds))
        this.raise(step.site, runtimeErrors.nonFiniteOutput, { name: slot.name, value: seconds });
      shown = formatTimestamp(seconds);
    }
    this.record(() => ({
      kind: "output",
      name: slot.name,
      value: shown,
      ...(step.rounding
        ? {
            unrounded: this.double(raw),
            rounding: { direction: step.rounding.direction, step: step.rounding.step },
          }
        : {}),
      ...this.where(step.site),
      tiers,
    }));
    return [slot.name, shown];
  }

  // ---- expressions ----

  private eval(expr: IrExpr): Value {
    switch (expr.k) {
      case "const":
        return this.decimal ? decimalConst(expr.v, expr.d) : expr.v;
      case "input": {
        let value: Value = this.input;
        for (const name of expr.path) value = readField(value, name);
        return this.lift(withDefault(value, expr.default, expr.timestamp));
      }
      case "slot":
        return this.slots[expr.slot];
      case "local":
        return this.locals[expr.local];
      case "unary":
        return this.decimal ? decimalUnary(expr.op, this.eval(expr.x)) : unaryOp(expr.op, this.eval(expr.x));
      case "binary": {
        const l = this.eval(expr.l);
        if (expr.op === "and") return l === true ? this.eval(expr.r) === true : false;
        if (expr.op === "or") return l === true ? true : this.eval(expr.r) === true;
        if (this.decimal)
          return decimalBinary(expr.op, l, this.eval(expr.r), this.decimal, expr.site ?? -1, this.raise);
        return binaryOp(expr.op, l, this.eval(expr.r), expr.site ?? -1, this.raise);
      }
      case "if":
        return this.eval(expr.c) === true ? this.eval(expr.t) : this.eval(expr.e);
      case "call": {
        const args = expr.args.map((a) => this.eval(a));
        if (this.decimal) return decimalCall(expr.fn, args, this.decimal, expr.site ?? -1, this.raise);
        return callBuiltin(expr.fn, args, expr.site ?? -1, this.raise);
      }
      case "tier":
        return this.row(expr.table, this.eval(expr.key), expr.site);
      case "cell": {
        const row = this.eval(expr.row) as number;
        const r = this.ir.tables[expr.table]!.rows[row]!;
        if (expr.column === "tier") return this.num(row + 1);
        if (this.decimal) {
          const t = this.decimalTables[expr.table]!;
          if (expr.column === "lower") return decValue(t.lower[row]!);
          if (expr.column === "upper") return decValue(t.upper[row] ?? new Dec(Infinity));
          return decValue(t.cells[row]![expr.column]!);
        }
        if (expr.column === "lower") return r.lower;
        if (expr.column === "upper") return r.upper ?? Infinity;
        return r.cells[expr.column]!;
      }
      case "margin": {
        const key = this.eval(expr.key);
        const row = this.row(expr.table, key, expr.site);
        const table = this.ir.tables[expr.table]!;
        if (this.decimal) {
          const t = this.decimalTables[expr.table]!;
          return decValue(
            expr.deduction
              ? (t.deductions[row]![expr.column] ?? new Dec(0))
              : decimalTierMargin(t, row, key as unknown as Dec, expr.column),
          );
        }
        return expr.deduction
          ? (table.rows[row]!.deductions[expr.column] ?? 0)
          : tierMargin(table, row, key as number, expr.column);
      }
      case "liquidation":
        return this.liquidation(expr);
      case "field":
        return this.lift(withDefault(readField(this.eval(expr.x), expr.name), expr.default, expr.timestamp));
      case "index": {
        const list = this.eval(expr.x) as readonly Value[];
        const index = this.double(this.eval(expr.index));
        if (!(Number.isInteger(index) && index >= 0 && index < list.length))
          this.raise(expr.site, runtimeErrors.indexOutOfRange, { index, length: list.length });
        return list[index];
      }
      case "scenarios":
        return this.scenarios[expr.set]!;
      case "nokey":
        return this.raise(expr.site, runtimeErrors.missingKey, {
          table: expr.table,
          key: keyText(expr.keys.map((k) => this.eval(k))),
        });
      case "agg":
        return this.aggregate(expr);
      case "list":
        return expr.items.map((item) => this.eval(item));
      case "record":
        return recordValue(
          expr.names,
          expr.values.map((value) => this.eval(value)),
        );
      case "let":
        this.locals[expr.local] = this.eval(expr.value);
        return this.eval(expr.body);
      case "apply":
        return this.apply(expr);
    }
  }

  /** A user function's call: the arguments, bound to its parameters, then its body. */
  private apply(expr: Extract<IrExpr, { k: "apply" }>): Value {
    const fn = this.ir.functions![expr.fn]!;
    const args = expr.args.map((a) => this.eval(a));
    fn.params.forEach((local, i) => (this.locals[local] = args[i]));
    this.callDepth++;
    let result: Value;
    try {
      result = this.eval(fn.body);
    } finally {
      this.callDepth--;
    }
    // Explanations list the calls a step makes itself, not those inside other functions.
    if (this.choices && this.callDepth === 0)
      this.choices.push({
        op: "call",
        fn: fn.name,
        args: args.map(show),
        line: this.ir.sites[expr.site]?.line ?? 0,
        count: args.length,
        position: 0,
        value: typeof result === "number" ? result : 0,
        ...(typeof result === "number" ? {} : { result: show(result) }),
        within: [...this.within],
      });
    return result;
  }

  /** In decimal arithmetic, a number read from the input or a default (already a decimal, or a double). */
  private lift(value: Value): Value {
    return this.decimal && typeof value === "number" ? decValue(toDec(value)) : value;
  }

  private row(table: number, key: Value, site: number): number {
    const t = this.ir.tables[table]!;
    const row = this.decimal
      ? decimalTierRow(t, this.decimalTables[table]!, key as unknown as Dec)
      : findTierRow(t, key as number);
    if (row < 0) raiseOutsideTiers(t, this.double(key), site, this.raise);
    this.recordTier(table, this.double(key), row);
    return row;
  }

  /**
   * A liquidation price, computed in the same steps as `liquidationPrice` (which the generated code
   * calls), so that the explanation can show the tier it falls in, keyed by the notional there.
   */
  private liquidation(expr: Extract<IrExpr, { k: "liquidation" }>): Value {
    if (this.decimal) return this.decimalLiquidation(expr);
    const side = this.eval(expr.side) as string;
    const size = this.eval(expr.size) as number;
    const entry = this.eval(expr.entry) as number;
    const balance = this.eval(expr.balance) as number;
    const columns = liquidationColumns(this.ir.tables[expr.table]!, expr.column);
    const result = liquidation(
      columns,
      irConvention(expr),
      side,
      size,
      entry,
      balance,
      expr.site,
      this.raise,
    );
    this.recordTier(expr.table, result.key, result.row, describeConvention(irConvention(expr)));
    return result.price;
  }

  private decimalLiquidation(expr: Extract<IrExpr, { k: "liquidation" }>): Value {
    const side = this.eval(expr.side) as string;
    const [size, entry, balance] = [expr.size, expr.entry, expr.balance].map(
      (e) => this.eval(e) as unknown as Dec,
    ) as [Dec, Dec, Dec];
    const convention = irConvention(expr);
    const { price, row, key } = decimalLiquidation(
      this.ir.tables[expr.table]!,
      this.decimalTables[expr.table]!,
      expr.column,
      convention,
      side,
      size,
      entry,
      balance,
      this.decimal!,
      expr.site,
      this.raise,
    );
    if (this.tiers) this.recordTier(expr.table, key.toNumber(), row, describeConvention(convention));
    return decValue(price);
  }

  /** Adds a tier row to the explanation of the current step. */
  private recordTier(table: number, key: number, row: number, convention?: string): void {
    const t = this.ir.tables[table]!;
    if (this.tiers) {
      const r = t.rows[row]!;
      this.tiers.push({
        table: t.name,
        key,
        tier: row + 1,
        lower: r.lower,
        upper: r.upper,
        lowerInclusive: r.lowerInclusive,
        upperInclusive: r.upperInclusive,
        cells: Object.fromEntries(t.columns.map((c, i) => [c.name, r.cells[i]!])),
        deductions: Object.fromEntries(
          t.columns.flatMap((c, i) => (r.deductions[i] === null ? [] : [[c.name, r.deductions[i]!]])),
        ),
        ...(convention ? { convention } : {}),
      });
    }
  }

  private aggregate(expr: IrAggregate): Value {
    const list = this.eval(expr.source) as readonly Value[];
    if (!this.trace) {
      let at = 0;
      return this.fold(expr, list, (item) => {
        this.locals[expr.local] = item;
        if (expr.position !== undefined) this.locals[expr.position] = this.lift(at);
        at++;
        return !expr.filter || this.eval(expr.filter) === true;
      });
    }
    // Explaining: each element is labelled, so that a `min` / `max` nested inside can say where it is.
    const depth = this.within.length;
    let position = 0;
    const result = this.fold(expr, list, (item) => {
      this.within[depth] = elementLabel(item, position, expr.source.k === "scenarios");
      this.locals[expr.local] = item;
      if (expr.position !== undefined) this.locals[expr.position] = this.lift(position);
      position++;
      return !expr.filter || this.eval(expr.filter) === true;
    });
    this.within.length = depth;
    return result;
  }

  /** Evaluates a comprehension over `list`; `passes` binds an element and applies the filter. */
  private fold(expr: IrAggregate, list: readonly Value[], passes: (item: Value) => boolean): Value {
    // Decimal arithmetic changes what compares and adds numbers; list, reduce and scan only move values.
    if (this.decimal && expr.op !== "list" && expr.op !== "reduce" && expr.op !== "scan")
      return this.decimalFold(expr, list, passes);
    switch (expr.op) {
      case "sum": {
        let sum = 0;
        for (const item of list) if (passes(item)) sum = sum + (this.eval(expr.elem) as number);
        return sum;
      }
      case "count": {
        let count = 0;
        for (const item of list) if (passes(item)) count = count + 1;
        return count;
      }
      case "min":
      case "max": {
        let found = false;
        let best = 0;
        let count = 0;
        let winner = -1;
        for (let i = 0; i < list.length; i++) {
          if (!passes(list[i])) continue;
          const value = this.eval(expr.elem) as number;
          if (this.choices && (!found || (expr.op === "min" ? value < best : value > best))) winner = i;
          best = !found ? value : expr.op === "min" ? Math.min(best, value) : Math.max(best, value);
          found = true;
          count++;
        }
        if (found && this.choices) this.recordChoice(expr, list, winner, count, best);
        return found ? best : this.empty(expr);
      }
      case "avg": {
        let sum = 0;
        let count = 0;
        for (const item of list) {
          if (!passes(item)) continue;
          sum = sum + (this.eval(expr.elem) as number);
          count = count + 1;
        }
        return count > 0 ? sum / count : this.empty(expr);
      }
      case "any":
        for (const item of list) if (passes(item) && this.eval(expr.elem) === true) return true;
        return false;
      case "all":
        for (const item of list) if (passes(item) && this.eval(expr.elem) !== true) return false;
        return true;
      case "list": {
        const out: Value[] = [];
        for (const item of list) if (passes(item)) out.push(this.eval(expr.elem));
        return out;
      }
      case "argmax":
      case "argmin": {
        let winner = -1;
        let best = 0;
        let count = 0;
        for (let i = 0; i < list.length; i++) {
          if (!passes(list[i])) continue;
          const value = this.eval(expr.elem) as number;
          if (winner < 0 || (expr.op === "argmin" ? value < best : value > best)) {
            winner = i;
            best = value;
          }
          count++;
        }
        if (winner < 0) return this.empty(expr);
        if (this.choices) this.recordChoice(expr, list, winner, count, best);
        return list[winner];
      }
      case "sort": {
        const keyed: { key: number; item: Value }[] = [];
        for (const item of list) if (passes(item)) keyed.push({ key: this.eval(expr.elem) as number, item });
        return sortByKey(keyed);
      }
      case "reduce":
      case "scan": {
        let acc = this.eval(expr.init!);
        const steps: Value[] = [];
        for (const item of list) {
          if (!passes(item)) continue;
          this.locals[expr.acc!] = acc;
          acc = this.eval(expr.elem);
          if (expr.op === "scan") steps.push(acc);
        }
        return expr.op === "scan" ? steps : acc;
      }
      case "group": {
        const groups = new Map<Value, { key: Value; items: Value[] }>();
        for (const item of list) {
          if (!passes(item)) continue;
          const element = this.eval(expr.elem);
          const key = this.eval(expr.key!);
          let group = groups.get(groupKeyOf(key));
          if (!group) groups.set(groupKeyOf(key), (group = newGroup(key)));
          group.items.push(element);
        }
        return [...groups.values()];
      }
    }
  }

  /** {@link fold} in decimal arithmetic: exact sums and comparisons, `avg` divided to the scale. */
  private decimalFold(expr: IrAggregate, list: readonly Value[], passes: (item: Value) => boolean): Value {
    const elem = (): Dec => this.eval(expr.elem) as unknown as Dec;
    switch (expr.op) {
      case "sum":
      case "avg": {
        let sum = new Dec(0);
        let count = 0;
        for (const item of list) {
          if (!passes(item)) continue;
          sum = sum.plus(elem());
          count++;
        }
        if (expr.op === "sum") return decValue(sum);
        if (count === 0) return this.empty(expr);
        return decValue(decDivide(sum, new Dec(count), this.decimal!, expr.site, this.raise));
      }
      case "count": {
        let count = 0;
        for (const item of list) if (passes(item)) count++;
        return decValue(new Dec(count));
      }
      case "min":
      case "max":
      case "argmin":
      case "argmax": {
        const lower = expr.op === "min" || expr.op === "argmin";
        let best: Dec | undefined;
        let count = 0;
        let winner = -1;
        for (let i = 0; i < list.length; i++) {
          if (!passes(list[i])) continue;
          const value = elem();
          if (best === undefined || (lower ? value.lt(best) : value.gt(best))) {
            best = value;
            winner = i;
          }
          count++;
        }
        if (best === undefined) return this.empty(expr);
        if (this.choices) this.recordChoice(expr, list, winner, count, best.toNumber());
        return expr.op === "min" || expr.op === "max" ? decValue(best) : list[winner]!;
      }
      case "sort": {
        const keyed: { key: Dec; item: Value; position: number }[] = [];
        for (const item of list) if (passes(item)) keyed.push({ key: elem(), item, position: keyed.length });
        keyed.sort((a, b) => a.key.comparedTo(b.key) || a.position - b.position);
        return keyed.map((entry) => entry.item);
      }
      case "list":
      case "reduce":
      case "scan":
        throw new Error(`decimalFold: ${expr.op} is arithmetic-neutral (see fold)`);
      case "any":
      case "all":
      case "group":
        return this.groupOrTest(expr, list, passes);
    }
  }

  /** `any`, `all` and `group`, the same in both arithmetics (decimal group keys compare by value). */
  private groupOrTest(expr: IrAggregate, list: readonly Value[], passes: (item: Value) => boolean): Value {
    if (expr.op === "any") {
      for (const item of list) if (passes(item) && this.eval(expr.elem) === true) return true;
      return false;
    }
    if (expr.op === "all") {
      for (const item of list) if (passes(item) && this.eval(expr.elem) !== true) return false;
      return true;
    }
    const groups = new Map<unknown, { key: Value; items: Value[] }>();
    for (const item of list) {
      if (!passes(item)) continue;
      const element = this.eval(expr.elem);
      const key = this.eval(expr.key!);
      const id = groupKeyOf(key);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = newGroup(key)));
      group.items.push(element);
    }
    return [...groups.values()];
  }

  /** Records which element won a `min` or `max` (explanations only). */
  private recordChoice(
    expr: IrAggregate,
    list: readonly Value[],
    winner: number,
    count: number,
    value: number,
  ): void {
    const item = list[winner] as Record<string, Value> | undefined;
    const scenarios = expr.source.k === "scenarios" ? this.ir.scenarioSets[expr.source.set]?.name : undefined;
    const name = scenarios !== undefined ? (item?.["name"] as string) : elementName(item);
    this.choices!.push({
      op: expr.op as "min" | "max" | "argmax" | "argmin",
      line: this.ir.sites[expr.site]?.line ?? 0,
      ...(scenarios !== undefined ? { scenarios } : {}),
      count,
      position: winner,
      ...(name !== undefined ? { name } : {}),
      ...(scenarios !== undefined
        ? { index: item?.["index"] as number, weight: item?.["weight"] as number }
        : {}),
      value,
      ...(expr.unit !== undefined ? { unit: expr.unit } : {}),
      // During the loop the stack also holds this comprehension's own element: leave it out.
      within: this.within.slice(0, this.within.length - 1),
    });
  }

  private empty(expr: IrAggregate): Value {
    if (expr.fallback) return this.eval(expr.fallback);
    return this.raise(expr.site, runtimeErrors.emptyAggregate, { fn: expr.op });
  }

  // ---- explanations ----

  private startTiers(): TierChoice[] {
    this.tiers = this.trace ? [] : undefined;
    this.choices = this.tiers ? [] : undefined;
    if (this.tiers) this.stepChoices.set(this.tiers, this.choices!);
    return this.tiers ?? [];
  }

  /** Adds an entry to the explanation; the entry is only built when one was asked for. */
  private record(entry: () => TraceEntry): void {
    if (!this.trace) return;
    const built = entry();
    this.attachChoices(built);
    if (built.kind === "rule") for (const action of built.actions) this.attachChoices(action);
    this.trace.entries.push(built);
  }

  /** Adds the `min` / `max` winners of a step to its entry, at most {@link MAX_CHOICES} of them. */
  private attachChoices(entry: TraceChoices & { tiers: TierChoice[] }): void {
    const choices = this.stepChoices.get(entry.tiers);
    if (!choices || choices.length === 0) return;
    entry.choices = choices.slice(0, MAX_CHOICES);
    if (choices.length > MAX_CHOICES) entry.choicesOmitted = choices.length - MAX_CHOICES;
  }

  private where(site: number): { line: number; file?: string } {
    const s = this.ir.sites[site]!;
    return s.file ? { line: s.line, file: s.file } : { line: s.line };
  }

  private show(slot: number): TraceValue {
    const value = this.slots[slot];
    const type = this.ir.slots[slot]!.type;
    if (type.kind === "row" && typeof value === "number") return { table: type.table, tier: value + 1 };
    if (type.kind === "timestamp" && isDec(value) && isRepresentableTimestamp(value.toNumber()))
      return formatTimestamp(value.toNumber());
    if (type.kind === "timestamp" && typeof value === "number" && isRepresentableTimestamp(value))
      return formatTimestamp(value);
    return show(value);
  }
}

/** A record's name for explanations: its `name` or `key` field, or its first text field. */
function elementName(item: Value): string | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    return typeof item === "string" ? item : undefined;
  const record = item as Record<string, Value>;
  for (const field of ["name", "key"]) {
    const value = readField(record, field);
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      return String(value);
  }
  const text = Object.values(record).find((v) => typeof v === "string");
  return text as string | undefined;
}

/** How an element of a comprehension is named in `within`: a scenario's name, a record's name, or `#position`. */
function elementLabel(item: Value, position: number, scenario: boolean): string {
  const name = scenario ? ((item as Record<string, Value>)["name"] as string) : elementName(item);
  return name ?? `#${position}`;
}

function show(value: Value): TraceValue {
  return value === undefined ? null : decimalTraceValue(value);
}

export type { Trace } from "./trace.js";
