/**
 * Check elimination proven by range analysis: which of the runtime checks the code generator emits
 * can never fire, whatever the valid input, as an optimizing compiler proves a bounds check away.
 *
 * The analysis runs over the (optimized) IR the code generator compiles, when a rulebook is loaded:
 * facts are never read from an artifact. It walks the steps in evaluation order with the range of
 * every number (src/semantics/intervals.ts, sound under binary64 rounding, with overflow and NaN):
 * inputs start at their schema domains (finite, as validation guarantees), constants and tier cells
 * are points, each operation gives the range of what the runtime computes. A check that passes on
 * every value of its operand's range is proven:
 *
 * - a let's, a rule action's or an output's finiteness (MB6011 / MB6007);
 * - a division by zero, the square root of a negative, the logarithm of a non-positive number;
 * - a tier search's lower or upper bound (MB6006 / MB6021);
 * - the emptiness of a `min` / `max` comprehension (MB6005);
 * - an assertion (MB6008).
 *
 * After a check that stays, the value is finite (the check stopped every other): the ranges that
 * follow stand on it. A rule's condition (and an action's, an `if`'s, a comprehension's filter,
 * the right side of `and` / `or`) narrows the ranges of the inputs, slots and locals it compares,
 * inside what it guards: `when market.adv > 0 { ... / market.adv }` needs no check.
 *
 * Every node the code generator compiles is visited, and a node visited more than once (a function
 * body inlined at each call) is proven only when every visit proves it. Anything the analysis does
 * not model is any value, so its checks stay. Past a budget of work the analysis gives up and
 * proves nothing.
 */
import type {
  IrAction,
  IrAggregate,
  IrAssertStep,
  IrExpr,
  IrLetStep,
  IrOutputStep,
  IrRuleStep,
  IrRulebook,
  IrType,
} from "../ir/ir.js";
import * as R from "../semantics/intervals.js";

type Range = R.Range;

/** What the analysis knows of a value. */
type Value =
  | { t: "num"; r: Range }
  | { t: "bool"; may: boolean; mayNot: boolean }
  | { t: "record"; fields: ReadonlyMap<string, Value> }
  | { t: "list"; element: Value; min: number; max: number }
  | { t: "any" };

const ANY: Value = { t: "any" };
const BOOL: Value = { t: "bool", may: true, mayNot: true };
const num = (r: Range): Value => ({ t: "num", r });

/** The checks of one rulebook's code that cannot fire, as the code generator asks about them. */
export interface CheckFacts {
  /** Whether the finiteness check of a let, a rule action or an output cannot fail. */
  finite(step: IrLetStep | IrAction | IrOutputStep): boolean;
  /** Whether a `/` cannot divide by 0, or a `sqrt` / `ln` call's argument is always in its domain. */
  safe(e: IrExpr): boolean;
  /** For a `tier` or `margin` node: whether its key is always at or above the first tier, below the last. */
  withinTiers(e: IrExpr): { lower: boolean; upper: boolean };
  /** Whether a `min` / `max` comprehension always has an element. */
  nonEmpty(e: IrAggregate): boolean;
  /** Whether an assertion always holds. */
  holds(step: IrAssertStep): boolean;
}

/** Facts that prove nothing: every check stays. */
export const NO_FACTS: CheckFacts = {
  finite: () => false,
  safe: () => false,
  withinTiers: () => ({ lower: false, upper: false }),
  nonEmpty: () => false,
  holds: () => false,
};

/** Work (expression visits) past which the analysis gives up. */
const BUDGET = 200_000;

class GiveUp extends Error {}

/** Proves what it can of the checks of a binary64 rulebook's code. */
export function checkFacts(ir: IrRulebook): CheckFacts {
  if (ir.meta.arithmetic) return NO_FACTS;
  const analysis = new Analysis(ir);
  try {
    analysis.run();
  } catch (error) {
    if (error instanceof GiveUp || error instanceof TypeError) return NO_FACTS;
    throw error;
  }
  const proven = analysis.proofs;
  const tiers = analysis.tierProofs;
  return {
    finite: (step) => proven.get(step) === true,
    safe: (e) => proven.get(e) === true,
    withinTiers: (e) => tiers.get(e) ?? { lower: false, upper: false },
    nonEmpty: (e) => proven.get(e) === true,
    holds: (step) => proven.get(step) === true,
  };
}

/** The abstract interpretation of one rulebook. */
class Analysis {
  /** Per node or step: proven at every visit so far. */
  readonly proofs = new Map<object, boolean>();
  readonly tierProofs = new Map<IrExpr, { lower: boolean; upper: boolean }>();
  private slots: Value[];
  private readonly locals = new Map<number, Value>();
  /** Narrowed values of inputs, slots, locals and local fields, by {@link refinementKey}. */
  private readonly narrowed = new Map<string, Value>();
  private work = 0;
  /** Per slot, how many times it was assigned: part of its narrowing key, so an old narrowing never applies. */
  private readonly generations: number[] = [];
  /** The narrowing keys of input and field nodes, made once per node ("" for a field of no local). */
  private readonly keys = new Map<IrExpr, string>();
  /** The values of input fields, by narrowing key. */
  private readonly inputs = new Map<string, Value>();

  constructor(private readonly ir: IrRulebook) {
    this.slots = ir.slots.map(() => ANY);
  }

  private prove(node: object, holds: boolean): void {
    this.proofs.set(node, (this.proofs.get(node) ?? true) && holds);
  }

  run(): void {
    for (const step of this.ir.steps) {
      switch (step.kind) {
        case "let":
          this.assign(step, step.slot, this.eval(step.value), !step.hoisted);
          break;
        case "rule":
          this.rule(step);
          break;
        case "output": {
          let value = this.eval(step.value);
          if (step.rounding && value.t === "num")
            value = num(R.roundedToStep(value.r, step.rounding.direction, step.rounding.step));
          this.assign(step, step.slot, value, true);
          break;
        }
        case "assert": {
          const c = this.eval(step.condition);
          this.prove(step, c.t === "bool" && !c.mayNot);
          break;
        }
      }
    }
  }

  /** A slot's new value; a numeric slot's finiteness check (when `checked`) is proven or narrows it. */
  private assign(
    step: IrLetStep | IrAction | IrOutputStep,
    slot: number,
    value: Value,
    checked: boolean,
  ): void {
    const numeric = this.ir.slots[slot]?.type.kind === "number";
    if (numeric && checked) {
      const r = value.t === "num" ? value.r : R.ANY;
      this.prove(step, R.isFiniteRange(r));
      value = num(R.intersect(r, R.FINITE));
    }
    this.slots[slot] = value;
    // What a condition said of the slot's old value says nothing of the new one.
    this.generations[slot] = (this.generations[slot] ?? 0) + 1;
  }

  private rule(step: IrRuleStep): void {
    const before = [...this.slots];
    this.guarded(step.condition, () => {
      for (const action of step.actions) {
        const outer = [...this.slots];
        this.guarded(action.condition, () => {
          const q = this.slots[action.slot] ?? ANY;
          const operand = this.eval(action.value);
          this.assign(action, action.slot, VERBS[action.verb](q, operand), true);
        });
        if (action.condition) this.slots = this.slots.map((v, i) => join(v, outer[i]!));
      }
    });
    if (step.condition) this.slots = this.slots.map((v, i) => join(v, before[i]!));
  }

  /** Runs `body` where `condition` (when given; evaluated first) is true. */
  private guarded(condition: IrExpr | undefined, body: () => void): void {
    if (!condition) return body();
    this.eval(condition);
    this.assuming(condition, true, body);
  }

  /** Runs `body` with the ranges `condition` being `truth` implies, then restores them. */
  private assuming<T>(condition: IrExpr, truth: boolean, body: () => T): T {
    const saved = new Map<string, Value | undefined>();
    for (const [key, value] of this.implied(condition, truth)) {
      if (!saved.has(key)) saved.set(key, this.narrowed.get(key));
      this.narrowed.set(key, value);
    }
    try {
      return body();
    } finally {
      for (const [key, value] of saved)
        if (value === undefined) this.narrowed.delete(key);
        else this.narrowed.set(key, value);
    }
  }

  /** The narrowed values a condition being `truth` implies (comparisons of numbers, `and`, `or`, `not`). */
  private implied(c: IrExpr, truth: boolean): [string, Value][] {
    if (c.k === "unary" && c.op === "not") return this.implied(c.x, !truth);
    if (c.k !== "binary") return [];
    if ((c.op === "and" && truth) || (c.op === "or" && !truth))
      return [...this.implied(c.l, truth), ...this.implied(c.r, truth)];
    const op = truth ? c.op : R.NEGATED_COMPARISON[c.op];
    if (op === undefined || op === "!=") return [];
    const result: [string, Value][] = [];
    for (const [x, y, o] of [
      [c.l, c.r, op],
      [c.r, c.l, MIRROR[op]!],
    ] as const) {
      const key = this.keyOf(x);
      if (key === undefined) continue;
      const [xv, yv] = [this.peek(x), this.peek(y)];
      if (xv.t !== "num" || yv.t !== "num") continue;
      // A true comparison has no NaN operand; a false one may (`!(x > y)` holds for NaN).
      result.push([key, num(narrow(xv.r, o, yv.r, truth ? false : xv.r.nan))]);
    }
    return result;
  }

  /** A value without counting it as a visit (the operands of a condition already evaluated). */
  private peek(e: IrExpr): Value {
    if (e.k === "const" && typeof e.v === "number") return num(R.range(e.v));
    const key = this.keyOf(e);
    if (key === undefined) return ANY;
    return this.narrowed.get(key) ?? this.plain(e);
  }

  /** An input, slot, local or local field's value, not narrowed. */
  private plain(e: IrExpr): Value {
    switch (e.k) {
      case "input": {
        const key = this.keyOf(e)!;
        let value = this.inputs.get(key);
        if (value === undefined)
          this.inputs.set(key, (value = this.inputValue(e.path, e.default, e.timestamp)));
        return value;
      }
      case "slot":
        return this.slots[e.slot] ?? ANY;
      case "local":
        return this.locals.get(e.local) ?? ANY;
      case "field":
        return fieldOf(this.plain(e.x), e.name, e.default, e.timestamp);
      default:
        return ANY;
    }
  }

  eval(e: IrExpr): Value {
    if (++this.work > BUDGET) throw new GiveUp();
    const key = this.keyOf(e);
    if (key !== undefined) {
      const narrowed = this.narrowed.get(key);
      if (e.k === "field") this.eval(e.x);
      return narrowed ?? this.plain(e);
    }
    switch (e.k) {
      case "const":
        return typeof e.v === "number"
          ? num(R.range(e.v))
          : typeof e.v === "boolean"
            ? { t: "bool", may: e.v, mayNot: !e.v }
            : ANY;
      case "unary": {
        const x = this.eval(e.x);
        if (e.op === "neg") return num(R.negate(numeric(x)));
        return x.t === "bool" ? { t: "bool", may: x.mayNot, mayNot: x.may } : BOOL;
      }
      case "binary":
        return this.binary(e);
      case "if": {
        this.eval(e.c);
        const t = this.assuming(e.c, true, () => this.eval(e.t));
        const f = this.assuming(e.c, false, () => this.eval(e.e));
        return join(t, f);
      }
      case "call":
        return this.call(e);
      case "tier":
        return num(this.rows(e, e.table, numeric(this.eval(e.key))));
      case "cell":
        return this.cell(e);
      case "margin":
        return this.margin(e);
      case "field":
        return fieldOf(this.eval(e.x), e.name, e.default, e.timestamp);
      case "index": {
        const list = this.eval(e.x);
        this.eval(e.index);
        return list.t === "list" ? list.element : ANY;
      }
      case "scenarios":
        return this.scenarios(e.set);
      case "apply": {
        const fn = this.ir.functions?.[e.fn];
        const args = e.args.map((a) => this.eval(a));
        if (!fn) return ANY;
        return this.binding(fn.params, args, () => this.eval(fn.body));
      }
      case "let": {
        const value = this.eval(e.value);
        return this.binding([e.local], [value], () => this.eval(e.body));
      }
      case "list": {
        const items = e.items.map((i) => this.eval(i));
        return { t: "list", element: items.reduce(join, none()), min: items.length, max: items.length };
      }
      case "record":
        return { t: "record", fields: new Map(e.names.map((n, i) => [n, this.eval(e.values[i]!)])) };
      case "nokey":
        e.keys.forEach((k) => this.eval(k));
        return num(R.range(0));
      case "liquidation":
        [e.side, e.size, e.entry, e.balance].forEach((x) => this.eval(x));
        return num(R.ANY);
      case "agg":
        return this.aggregate(e);
      default:
        return ANY;
    }
  }

  /** The key of what a condition can narrow: an input field, a slot (as now), a local, a field of a local. */
  private keyOf(e: IrExpr): string | undefined {
    switch (e.k) {
      case "input":
      case "field": {
        let key = this.keys.get(e);
        if (key === undefined) {
          key =
            e.k === "input"
              ? `i${JSON.stringify([e.path, e.default ?? null, e.timestamp ?? null])}`
              : e.x.k === "local"
                ? `f${e.x.local}:${JSON.stringify([e.name, e.default ?? null, e.timestamp ?? null])}`
                : "";
          this.keys.set(e, key);
        }
        return key === "" ? undefined : key;
      }
      case "slot":
        return `s${e.slot}@${this.generations[e.slot] ?? 0}`;
      case "local":
        return `l${e.local}`;
      default:
        return undefined;
    }
  }

  /** Evaluates `body` with locals bound (their narrowed values dropped), then restores them. */
  private binding<T>(locals: readonly number[], values: readonly Value[], body: () => T): T {
    const saved = locals.map((l) => this.locals.get(l));
    const dropped =
      this.narrowed.size === 0
        ? []
        : [...this.narrowed].filter(([key]) => locals.some((l) => ownsLocal(key, l)));
    for (const [key] of dropped) this.narrowed.delete(key);
    locals.forEach((l, i) => this.locals.set(l, values[i] ?? ANY));
    try {
      return body();
    } finally {
      locals.forEach((l, i) =>
        saved[i] === undefined ? this.locals.delete(l) : this.locals.set(l, saved[i]),
      );
      for (const [key, value] of dropped) this.narrowed.set(key, value);
    }
  }

  private binary(e: Extract<IrExpr, { k: "binary" }>): Value {
    const l = this.eval(e.l);
    if (e.op === "and" || e.op === "or") {
      const r = this.assuming(e.l, e.op === "and", () => this.eval(e.r));
      const [lb, rb] = [asBool(l), asBool(r)];
      return e.op === "and"
        ? { t: "bool", may: lb.may && rb.may, mayNot: lb.mayNot || rb.mayNot }
        : { t: "bool", may: lb.may || rb.may, mayNot: lb.mayNot && rb.mayNot };
    }
    const r = this.eval(e.r);
    switch (e.op) {
      case "+":
        return num(R.plus(numeric(l), numeric(r)));
      case "-":
        return num(R.minus(numeric(l), numeric(r)));
      case "*":
        return num(R.times(numeric(l), numeric(r)));
      case "/": {
        const divisor = numeric(r);
        this.prove(e, R.noNumber(divisor) || divisor.lo > 0 || divisor.hi < 0);
        return num(R.divide(numeric(l), divisor));
      }
      default: {
        if (l.t !== "num" || r.t !== "num") return BOOL;
        const [may, mayNot] = R.compare(e.op, l.r, r.r);
        return { t: "bool", may, mayNot };
      }
    }
  }

  private call(e: Extract<IrExpr, { k: "call" }>): Value {
    const args = e.args.map((a) => this.eval(a));
    const x = numeric(args[0] ?? ANY);
    switch (e.fn) {
      case "sqrt":
        this.prove(e, R.noNumber(x) || x.lo >= 0);
        return num(R.squareRoot(x));
      case "ln":
        this.prove(e, R.noNumber(x) || x.lo > 0);
        return num(R.logarithm(x));
      case "min":
        return num(args.map(numeric).reduce(R.least));
      case "max":
        return num(args.map(numeric).reduce(R.greatest));
      case "clamp":
        return num(R.least(R.greatest(x, numeric(args[1]!)), numeric(args[2]!)));
      case "abs":
        return num(R.magnitude(x));
      case "exp":
        return num(R.exponential(x));
      case "normal_cdf":
        return num({ lo: R.ulps(0, -1), hi: R.ulps(1, 2), nan: x.nan });
      case "round_up":
      case "round_down":
      case "round_half_even": {
        const step = e.args[1];
        if (step?.k !== "const" || typeof step.v !== "number" || !(step.v > 0) || step.v === Infinity)
          return num(R.ANY);
        return num(
          R.roundedToStep(
            x,
            e.fn === "round_up" ? "up" : e.fn === "round_down" ? "down" : "half_even",
            step.v,
          ),
        );
      }
      case "length": {
        const list = args[0];
        return num(list?.t === "list" ? R.range(list.min, list.max) : R.range(0, Infinity));
      }
      default:
        return num(R.ANY);
    }
  }

  /** The rows of a tier search (a range of row indexes), proving its bound checks where it can. */
  private rows(node: IrExpr, table: number, key: Range): Range {
    const t = this.ir.tables[table];
    if (!t || t.rows.length === 0) return R.ANY;
    const first = t.rows[0]!;
    const last = t.rows[t.rows.length - 1]!;
    const lower = !key.nan && (first.lowerInclusive ? key.lo >= first.lower : key.lo > first.lower);
    const upper =
      last.upper === null || (!key.nan && (last.upperInclusive ? key.hi <= last.upper : key.hi < last.upper));
    const known = this.tierProofs.get(node);
    this.tierProofs.set(node, {
      lower: (known?.lower ?? true) && lower,
      upper: (known?.upper ?? true) && upper,
    });
    const hit = t.rows.flatMap((row, i) =>
      row.lower <= key.hi && (row.upper === null || row.upper >= key.lo) ? [i] : [],
    );
    return hit.length === 0 ? R.range(0, t.rows.length - 1) : R.range(hit[0]!, hit[hit.length - 1]!);
  }

  private cell(e: Extract<IrExpr, { k: "cell" }>): Value {
    const t = this.ir.tables[e.table];
    const row = numeric(this.eval(e.row));
    if (!t) return ANY;
    const rows = candidates(t.rows.length, row);
    if (e.column === "tier") return num(R.range(rows[0]! + 1, rows[rows.length - 1]! + 1));
    const column = e.column;
    const values = rows.map((i) => {
      const r = t.rows[i]!;
      return column === "lower"
        ? r.lower
        : column === "upper"
          ? (r.upper ?? Infinity)
          : (r.cells[column] ?? NaN);
    });
    return num(values.map((v) => (v === v ? R.range(v) : R.ANY)).reduce(R.hull));
  }

  private margin(e: Extract<IrExpr, { k: "margin" }>): Value {
    const t = this.ir.tables[e.table];
    const key = numeric(this.eval(e.key));
    const range = this.rows(e, e.table, key);
    if (!t) return num(R.ANY);
    const parts = candidates(t.rows.length, range).map((i) => {
      const row = t.rows[i]!;
      const deduction = R.range(row.deductions[e.column] ?? 0);
      if (e.deduction) return deduction;
      const within = R.intersect(key, { lo: row.lower, hi: row.upper ?? Infinity, nan: key.nan });
      return R.minus(R.times(within, R.range(row.cells[e.column] ?? NaN)), deduction);
    });
    return num(parts.reduce(R.hull));
  }

  private scenarios(set: number): Value {
    const s = this.ir.scenarioSets[set];
    if (!s) return ANY;
    const hullOf = (values: number[]): Value =>
      num(values.length ? values.map((v) => R.range(v)).reduce(R.hull) : none().r);
    const fields = new Map<string, Value>([
      ["name", ANY],
      ["index", hullOf(s.rows.map((r) => r.index))],
      ["weight", hullOf(s.rows.map((r) => r.weight))],
    ]);
    s.axes.forEach((axis, i) => fields.set(axis, hullOf(s.rows.map((r) => r.values[i]!))));
    return { t: "list", element: { t: "record", fields }, min: s.rows.length, max: s.rows.length };
  }

  private aggregate(e: IrAggregate): Value {
    const source = this.eval(e.source);
    const list = source.t === "list" ? source : { element: ANY, min: 0, max: Infinity };
    const locals = [
      e.local,
      ...(e.position !== undefined ? [e.position] : []),
      ...(e.acc !== undefined ? [e.acc] : []),
    ];
    const values = [
      list.element,
      ...(e.position !== undefined ? [num(R.range(0, Math.max(0, list.max - 1)))] : []),
      ...(e.acc !== undefined ? [ANY] : []),
    ];
    if (e.init) this.eval(e.init);
    let filter: Value | undefined;
    const elem = this.binding(locals, values, () => {
      if (e.filter) filter = this.eval(e.filter);
      const run = (): Value => {
        const value = this.eval(e.elem);
        if (e.key) this.eval(e.key);
        return value;
      };
      return e.filter ? this.assuming(e.filter, true, run) : run();
    });
    const kept = filter === undefined ? undefined : asBool(filter);
    const min = kept === undefined || !kept.mayNot ? list.min : 0;
    const max = kept !== undefined && !kept.may ? 0 : list.max;
    const fallback = e.fallback ? this.eval(e.fallback) : undefined;
    const orFallback = (v: Value): Value => (min >= 1 || !fallback ? v : join(v, fallback));
    switch (e.op) {
      case "sum":
        return num(sumRange(numeric(elem), max));
      case "count":
        return num(R.range(min, max));
      case "min":
      case "max":
        this.prove(e, min >= 1);
        return orFallback(num(numeric(elem)));
      case "avg":
        return orFallback(num(average(numeric(elem), max)));
      case "any":
      case "all":
        return BOOL;
      case "list":
        return { t: "list", element: elem, min, max };
      case "sort":
        return { t: "list", element: list.element, min, max };
      case "argmax":
      case "argmin":
        return list.element;
      case "group":
        return {
          t: "list",
          element: {
            t: "record",
            fields: new Map([
              ["key", ANY],
              ["items", { t: "list", element: elem, min: 1, max }],
            ]),
          },
          min: min >= 1 ? 1 : 0,
          max,
        };
      default:
        return ANY;
    }
  }

  /** The value of an input field: its domain (finite, as validated), with its default. */
  private inputValue(path: readonly string[], fallback: unknown, timestamp: true | undefined): Value {
    if (timestamp) return num(R.ANY);
    const input = this.ir.schema.inputs.find((i) => i.name === path[0]);
    let value = input ? typeValue(this.ir, input.type, 0) : ANY;
    for (const name of path.slice(1)) value = fieldOf(value, name, undefined, undefined);
    return withDefault(value, fallback);
  }
}

/** The value of a runtime input of type `type` (records to a small depth, lists up to any length). */
function typeValue(ir: IrRulebook, type: IrType, depth: number): Value {
  if (depth > 8) return ANY;
  switch (type.kind) {
    case "number":
      return num(R.FINITE);
    case "record": {
      const record = ir.schema.records[type.name];
      if (!record) return ANY;
      return {
        t: "record",
        fields: new Map(
          record.fields.map((f) => {
            let value = typeValue(ir, f.type, depth + 1);
            if (f.type.kind === "number" && f.domain && value.t === "num")
              value = num(R.intersect(value.r, domainRange(f.domain)));
            return [f.name, withDefault(value, f.default)];
          }),
        ),
      };
    }
    case "list":
      return { t: "list", element: typeValue(ir, type.element, depth + 1), min: 0, max: Infinity };
    default:
      return ANY;
  }
}

/** A declared domain as a range: `> 0` starts at the smallest positive double. */
function domainRange(d: {
  min?: number;
  minInclusive?: boolean;
  max?: number;
  maxInclusive?: boolean;
}): Range {
  const lo = d.min === undefined ? -Infinity : d.minInclusive ? d.min : R.nextUp(d.min);
  const hi = d.max === undefined ? Infinity : d.maxInclusive ? d.max : R.nextDown(d.max);
  return R.range(lo, hi);
}

function withDefault(value: Value, fallback: unknown): Value {
  return typeof fallback === "number" ? join(value, num(R.range(fallback))) : value;
}

function fieldOf(x: Value, name: string, fallback: unknown, timestamp: true | undefined): Value {
  if (timestamp) return num(R.ANY);
  const value = x.t === "record" ? (x.fields.get(name) ?? ANY) : ANY;
  return withDefault(value, fallback);
}

function none(): { t: "num"; r: Range } {
  return { t: "num", r: R.NONE };
}

function numeric(v: Value): Range {
  return v.t === "num" ? v.r : R.ANY;
}

function asBool(v: Value): { may: boolean; mayNot: boolean } {
  return v.t === "bool" ? v : { may: true, mayNot: true };
}

/** The least value holding both. */
function join(a: Value, b: Value): Value {
  if (a.t === "num" && b.t === "num") return num(R.hull(a.r, b.r));
  if (a.t === "bool" && b.t === "bool")
    return { t: "bool", may: a.may || b.may, mayNot: a.mayNot || b.mayNot };
  if (a.t === "list" && b.t === "list")
    return {
      t: "list",
      element: join(a.element, b.element),
      min: Math.min(a.min, b.min),
      max: Math.max(a.max, b.max),
    };
  if (a.t === "record" && b.t === "record") {
    const names = [...a.fields.keys()].filter((n) => b.fields.has(n));
    return { t: "record", fields: new Map(names.map((n) => [n, join(a.fields.get(n)!, b.fields.get(n)!)])) };
  }
  return ANY;
}

/** The row indexes a row range may be (all rows when it says nothing). */
function candidates(count: number, row: Range): number[] {
  const lo = Number.isFinite(row.lo) && !row.nan ? Math.max(0, Math.ceil(row.lo)) : 0;
  const hi = Number.isFinite(row.hi) && !row.nan ? Math.min(count - 1, Math.floor(row.hi)) : count - 1;
  const rows: number[] = [];
  for (let i = lo; i <= hi; i++) rows.push(i);
  return rows.length ? rows : Array.from({ length: count }, (_, i) => i);
}

/**
 * A sum from +0 of at most `count` elements of range `e`, in any order: each partial sum is within
 * `k * max|e| * (1 + u)^k` of 0, which for k up to 10^6 is under `k * max|e| * (1 + 1e-9)`.
 */
function sumRange(e: Range, count: number): Range {
  if (R.noNumber(e) || count === 0) return { lo: 0, hi: 0, nan: e.nan };
  const nan = e.nan || (e.lo === -Infinity && e.hi === Infinity);
  const grown = (x: number, up: boolean): number => {
    if (up ? x <= 0 : x >= 0) return 0;
    if (!(count <= 1e6)) return up ? Infinity : -Infinity;
    return R.ulps(x * count * (1 + 1e-9), up ? 4 : -4);
  };
  return { lo: grown(e.lo, false), hi: grown(e.hi, true), nan };
}

/** An average (`sum / count`) of elements of range `e`: within them, but for rounding (or an overflowed sum). */
function average(e: Range, count: number): Range {
  const sum = sumRange(e, count);
  if (R.noNumber(e)) return e;
  const slack = (x: number): number => Math.abs(x) * 1e-9 + Number.MIN_VALUE * 4;
  return {
    lo: sum.lo === -Infinity ? -Infinity : R.ulps(e.lo - slack(e.lo), -2),
    hi: sum.hi === Infinity ? Infinity : R.ulps(e.hi + slack(e.hi), 2),
    nan: sum.nan || sum.lo === -Infinity || sum.hi === Infinity,
  };
}

/** `x` narrowed by `x op y` holding; `nan` says whether x may still be NaN. */
function narrow(x: Range, op: string, y: Range, nan: boolean): Range {
  let { lo, hi } = x;
  if (!R.noNumber(y))
    switch (op) {
      case "<":
        hi = Math.min(hi, R.nextDown(y.hi));
        break;
      case "<=":
        hi = Math.min(hi, y.hi);
        break;
      case ">":
        lo = Math.max(lo, R.nextUp(y.lo));
        break;
      case ">=":
        lo = Math.max(lo, y.lo);
        break;
      case "==":
        [lo, hi] = [Math.max(lo, y.lo), Math.min(hi, y.hi)];
        break;
    }
  return { lo, hi, nan };
}

const MIRROR: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==" };

/** How each rule verb combines the quantity with its operand, as the generated code computes it. */
const VERBS: Record<IrAction["verb"], (q: Value, v: Value) => Value> = {
  set: (_q, v) => v,
  scale: (q, v) => num(R.times(numeric(q), numeric(v))),
  add: (q, v) => num(R.plus(numeric(q), numeric(v))),
  floor: (q, v) => num(R.greatest(numeric(q), numeric(v))),
  cap: (q, v) => num(R.least(numeric(q), numeric(v))),
};

/** Whether a narrowing key is about local `local` (itself or one of its fields). */
function ownsLocal(key: string, local: number): boolean {
  return key === `l${local}` || key.startsWith(`f${local}:`);
}
