/**
 * The abstract interpreter behind every proof: the interval of values a term may take, its linear
 * form over atoms, and the truth of a condition, all within a context of assumptions (a guard
 * taken as true inside `if` branches, a tier row a case split is looking at).
 *
 * Everything is an over-approximation: an interval contains every value the term takes on the
 * inputs the context allows, so a property shown here holds. A context can also be infeasible (a
 * guard that contradicts another, a key that falls in no tier): evaluation stops on those inputs,
 * so they are no counterexample to anything and are skipped ({@link Infeasible}).
 */
import type { IrExpr, IrRulebook, IrTierTable } from "../ir/ir.js";
import { normalCdf, roundDown, roundHalfEven, roundUp, decimalStep } from "../semantics/numeric.js";
import { decRoundToStep, toDec } from "../semantics/decimal.js";
import { NEGATED_COMPARISON } from "../semantics/intervals.js";
import * as I from "./interval.js";
import {
  addForms,
  atomForm,
  constantForm,
  isConstantForm,
  negForm,
  scaleForm,
  type AtomBounds,
  type Linear,
} from "./linear.js";
import { fieldDomains } from "./schema.js";
import { inputsOf, TermTable, usesLocals } from "./terms.js";

type Interval = I.Interval;

/** Thrown when the current context has no input on which the evaluation goes on. */
export class Infeasible extends Error {
  constructor() {
    super("infeasible");
  }
}

/** Thrown when a proof runs past its time limit: the property is then searched instead. */
export class GiveUp extends Error {
  constructor() {
    super("the proof took too long");
  }
}

/** What is known about a non-numeric term (an enum field, a Bool): its value, or values it is not. */
interface Fact {
  eq?: unknown;
  ne: unknown[];
}

/** A set of assumptions, and what has been worked out under them. */
export class Context {
  infeasible = false;
  readonly intervals = new Map<number, Interval>();
  readonly linears = new Map<number, Linear>();
  readonly memo = new Map<string, unknown>();
  /** The input fields the assumptions added by this context (not its parent's) are about. */
  readonly changed = new Set<string>();

  constructor(
    readonly refinements: Map<number, Interval>,
    readonly facts: Map<number, Fact>,
    /** The term a case split is on (its atom is kept in products), if any. */
    readonly key?: number,
    /** The context this one adds assumptions to: terms its new assumptions do not touch are looked up there. */
    readonly parent?: Context,
  ) {}

  child(): Context {
    const facts = new Map([...this.facts].map(([id, f]) => [id, { ...f, ne: [...f.ne] }]));
    return new Context(new Map(this.refinements), facts, this.key, this);
  }
}

const NUMERIC_OPS = new Set(["+", "-", "*", "/"]);
const MAX_BRANCH_CONTEXTS = 1_000;
const COMPARISONS = new Set(["<", "<=", ">", ">=", "==", "!="]);
const ROUNDERS: Record<string, (x: number, step: number, units: number, scale: number) => number> = {
  round_up: roundUp,
  round_down: roundDown,
  round_half_even: roundHalfEven,
};

/** Proves `l >= r` (or `l > r`) in a context; installed by the prover (see `prover.ts`). */
export type Comparator = (l: IrExpr, r: IrExpr, strict: boolean, ctx: Context) => boolean;

/** Intervals, linear forms and truth values of the terms of one rulebook. */
export class Analyzer {
  readonly terms = new TermTable();
  readonly domains: Map<string, Interval>;
  private readonly localMemo = new WeakMap<IrExpr, ReadonlySet<number>>();
  private readonly inputMemo = new WeakMap<IrExpr, ReadonlySet<string>>();
  private calls = 0;
  /** Contexts made for `if` branches since the limit was set: past a cap, branches are joined unrefined. */
  private branchContexts = 0;
  /** Proves comparisons; the default only compares linear forms. */
  compare: Comparator = (l, r, strict, ctx) => this.linearCompare(l, r, strict, ctx);
  /** When set, work past `deadline` (on `now`) throws {@link GiveUp}. */
  get limit(): { deadline: number; now: () => number } | undefined {
    return this.currentLimit;
  }

  set limit(limit: { deadline: number; now: () => number } | undefined) {
    this.currentLimit = limit;
    this.branchContexts = 0;
  }

  private currentLimit: { deadline: number; now: () => number } | undefined;

  /**
   * In decimal arithmetic, one unit of the last place of the scale (10^-scale): `/`, `sqrt`, `exp`,
   * `ln`, `pow` and `normal_cdf` round their real result by less than this (see docs/verification.md);
   * 0 in binary64.
   */
  readonly unit: number;

  constructor(readonly ir: IrRulebook) {
    this.domains = fieldDomains(ir);
    this.unit = ir.meta.arithmetic ? 10 ** -ir.meta.arithmetic.scale : 0;
  }

  /**
   * `a` widened by `units` units of the decimal scale on both sides (unchanged in binary64). Rounding
   * keeps the sign (a non-negative real never rounds below 0), so an end at 0 stays there.
   */
  private rounded(a: Interval, units = 1): Interval {
    if (this.unit === 0 || I.isEmpty(a)) return a;
    const u = units * this.unit;
    return I.interval(
      a.lo >= 0 ? Math.max(0, a.lo - u) : a.lo - u,
      a.hi <= 0 ? Math.min(0, a.hi + u) : a.hi + u,
    );
  }

  /** A context with no assumption, or with `key` within `range` (one region of a case split). */
  root(key?: IrExpr, range?: Interval): Context {
    const ctx = new Context(new Map(), new Map(), key ? this.terms.id(key) : undefined);
    if (key && range) this.narrow(ctx, key, range);
    return ctx;
  }

  id(e: IrExpr): number {
    return this.terms.id(e);
  }

  usesLocals(e: IrExpr): boolean {
    return usesLocals(e, this.localMemo);
  }

  // ---- intervals ----

  /** The input fields a term reads. */
  inputs(e: IrExpr): ReadonlySet<string> {
    return inputsOf(e, this.inputMemo);
  }

  /** The values a numeric term may take in `ctx`. Throws {@link Infeasible}, or {@link GiveUp} past the limit. */
  interval(e: IrExpr, ctx: Context): Interval {
    if (ctx.infeasible) throw new Infeasible();
    if ((++this.calls & 255) === 0 && this.limit && this.limit.now() > this.limit.deadline)
      throw new GiveUp();
    if (ctx.parent && !this.touches(e, ctx)) return this.interval(e, ctx.parent);
    const id = this.id(e);
    const known = ctx.intervals.get(id);
    if (known) return known;
    let result = this.computeInterval(e, ctx);
    const refined = ctx.refinements.get(id);
    if (refined) result = I.meet(result, refined);
    if (I.isEmpty(result)) throw new Infeasible();
    ctx.intervals.set(id, result);
    return result;
  }

  /** The interval, or empty when the context cannot be evaluated. */
  tryInterval(e: IrExpr, ctx: Context): Interval {
    try {
      return this.interval(e, ctx);
    } catch (error) {
      if (error instanceof Infeasible) return I.EMPTY;
      throw error;
    }
  }

  private computeInterval(e: IrExpr, ctx: Context): Interval {
    switch (e.k) {
      case "const":
        return typeof e.v === "number" ? I.interval(e.v) : I.EVERYTHING;
      case "input":
        return this.domains.get(e.path.join(".")) ?? I.EVERYTHING;
      case "unary":
        return e.op === "neg" ? I.neg(this.interval(e.x, ctx)) : I.EVERYTHING;
      case "binary":
        return this.binaryInterval(e, ctx);
      case "if":
        return this.branches(e, ctx, (branch, c) => this.interval(branch, c), I.join);
      case "call":
        return this.callInterval(e, ctx);
      case "tier": {
        const rows = tierRows(this.ir.tables[e.table]!, this.interval(e.key, ctx));
        if (rows.lo > rows.hi) throw new Infeasible();
        return rows;
      }
      case "cell":
        return this.cellInterval(e, ctx);
      case "margin":
        return this.marginInterval(e, ctx);
      case "agg":
        return this.aggregateInterval(e, ctx);
      case "liquidation":
        // Kept at or above the tier's floor over the size (linear), or size / a positive notional
        // (inverse): never negative when the table starts at 0 or above (semantics/liquidation.ts).
        return this.ir.tables[e.table]!.rows[0]!.lower >= 0 ? I.interval(0, Infinity) : I.EVERYTHING;
      default:
        return I.EVERYTHING;
    }
  }

  private binaryInterval(e: Extract<IrExpr, { k: "binary" }>, ctx: Context): Interval {
    if (!NUMERIC_OPS.has(e.op)) return I.EVERYTHING;
    const l = this.interval(e.l, ctx);
    if (e.op === "*" && this.id(e.l) === this.id(e.r)) return I.mul(I.abs(l), I.abs(l));
    const r = this.interval(e.r, ctx);
    switch (e.op) {
      case "+":
        return I.add(l, r);
      case "-":
        return I.sub(l, r);
      case "*":
        return I.mul(l, r);
      default:
        // Decimal `/` is the real quotient rounded to the scale.
        return this.rounded(I.div(l, r));
    }
  }

  /**
   * Evaluates both branches of an `if` under their assumptions (only the one its condition decides,
   * when it does), skipping a branch that cannot be evaluated, and combines the results.
   */
  branches<T>(
    e: Extract<IrExpr, { k: "if" }>,
    ctx: Context,
    each: (branch: IrExpr, c: Context) => T,
    combine: (a: T, b: T) => T,
  ): T {
    const truth = this.truth(e.c, ctx);
    if (truth !== undefined) return each(truth ? e.t : e.e, ctx);
    const results: T[] = [];
    const refined = this.mayRefine();
    for (const [branch, assume] of [
      [e.t, true],
      [e.e, false],
    ] as const) {
      const c = refined ? this.refine(ctx, e.c, assume) : ctx;
      if (c.infeasible) continue;
      try {
        // A branch that reads none of the fields the condition is about learns nothing from it:
        // it is worked out in the outer context, whose results are shared (no doubling per `if`).
        results.push(each(branch, this.touches(branch, c) ? c : ctx));
      } catch (error) {
        if (!(error instanceof Infeasible)) throw error;
      }
    }
    if (results.length === 0) throw new Infeasible();
    return results.length === 1 ? results[0]! : combine(results[0]!, results[1]!);
  }

  /**
   * Whether one more pair of branch contexts may be made. Each `if` on a path doubles them: past a
   * cap, branches are taken without their condition (less precise, still sound), so that long
   * chains of conditional rules stay cheap.
   */
  mayRefine(): boolean {
    return ++this.branchContexts < MAX_BRANCH_CONTEXTS;
  }

  /** Whether a term reads a field that the assumptions `ctx` added are about. */
  touches(e: IrExpr, ctx: Context): boolean {
    if (ctx.changed.size === 0) return false;
    for (const path of this.inputs(e)) if (ctx.changed.has(path)) return true;
    return false;
  }

  private callInterval(e: Extract<IrExpr, { k: "call" }>, ctx: Context): Interval {
    const arg = (i: number): Interval => this.interval(e.args[i]!, ctx);
    switch (e.fn) {
      case "min":
        return e.args.map((_, i) => arg(i)).reduce(I.min);
      case "max":
        return e.args.map((_, i) => arg(i)).reduce(I.max);
      case "clamp":
        return I.min(I.max(arg(0), arg(1)), arg(2));
      case "abs":
        return I.abs(arg(0));
      // In decimal arithmetic each is its real value rounded to the scale (normal_cdf: within a
      // unit plus 10^-(scale+8)): two units cover both.
      case "sqrt":
        return this.rounded(I.sqrt(arg(0)), 2);
      case "exp":
        return this.rounded(I.monotone(arg(0), Math.exp), 2);
      case "ln":
        return this.rounded(I.ln(arg(0)), 2);
      case "pow":
        return this.rounded(I.pow(arg(0), arg(1)), 2);
      case "normal_cdf":
        return this.rounded(I.monotone(arg(0), normalCdf), 2);
      case "round_up":
      case "round_down":
      case "round_half_even": {
        const x = arg(0);
        const step = arg(1);
        if (!I.isPoint(step) || !(step.lo > 0) || !Number.isFinite(step.lo))
          return I.add(x, I.interval(-Math.abs(step.hi), Math.abs(step.hi)));
        if (this.ir.meta.arithmetic) {
          // Exact decimal rounding (no snap), monotone: the rounded ends bound the rounded values.
          const direction = e.fn === "round_up" ? "up" : e.fn === "round_down" ? "down" : "half_even";
          const raise = (): never => {
            throw new Error("a positive step cannot fail");
          };
          return I.monotone(x, (v) =>
            Number.isFinite(v)
              ? decRoundToStep(direction, toDec(v), toDec(step.lo), -1, raise).toNumber()
              : v,
          );
        }
        const { units, scale } = decimalStep(step.lo);
        const round = ROUNDERS[e.fn]!;
        return I.monotone(x, (v) => (Number.isFinite(v) ? round(v, step.lo, units, scale) : v));
      }
      case "black76":
      case "black_scholes":
      case "black76_df":
      case "black_scholes_df":
      case "length":
      // A bankruptcy price is never negative (a linear one is floored at 0; an inverse one is positive or raises).
      case "bankruptcy_price":
        return I.interval(0, Infinity);
      // Some element of the list (a quantile lies between two): no bound without the elements'.
      case "quantile":
      case "kth_smallest":
      case "kth_largest":
        return I.EVERYTHING;
    }
  }

  private cellInterval(e: Extract<IrExpr, { k: "cell" }>, ctx: Context): Interval {
    const table = this.ir.tables[e.table]!;
    const rows = this.interval(e.row, ctx);
    const from = Math.max(0, Math.ceil(rows.lo));
    const to = Math.min(table.rows.length - 1, Math.floor(rows.hi));
    if (from > to) throw new Infeasible();
    if (e.column === "tier") return I.interval(from + 1, to + 1);
    if (e.column === "lower") return I.interval(table.rows[from]!.lower, table.rows[to]!.lower);
    if (e.column === "upper")
      return I.interval(table.rows[from]!.upper ?? Infinity, table.rows[to]!.upper ?? Infinity);
    let result = I.EMPTY;
    for (let r = from; r <= to; r++)
      result = I.join(result, I.interval(table.rows[r]!.cells[e.column as number]!));
    return result;
  }

  private marginInterval(e: Extract<IrExpr, { k: "margin" }>, ctx: Context): Interval {
    const table = this.ir.tables[e.table]!;
    const key = this.interval(e.key, ctx);
    const rows = tierRows(table, key);
    if (rows.lo > rows.hi) throw new Infeasible();
    let result = I.EMPTY;
    for (let r = rows.lo; r <= rows.hi; r++) {
      const row = table.rows[r]!;
      const deduction = row.deductions[e.column] ?? 0;
      if (e.deduction) {
        result = I.join(result, I.interval(deduction));
        continue;
      }
      const part = I.meet(key, I.interval(row.lower, row.upper ?? Infinity));
      result = I.join(result, I.sub(I.mul(part, I.interval(row.cells[e.column]!)), I.interval(deduction)));
    }
    return result;
  }

  private aggregateInterval(e: Extract<IrExpr, { k: "agg" }>, ctx: Context): Interval {
    switch (e.op) {
      case "count":
        return I.interval(0, Infinity);
      case "sum": {
        const elem = this.tryInterval(e.elem, ctx);
        if (I.isEmpty(elem)) return I.interval(0);
        return I.interval(elem.lo < 0 ? -Infinity : 0, elem.hi > 0 ? Infinity : 0);
      }
      case "min":
      case "max":
      case "avg": {
        // A decimal average is divided to the scale: a unit more either side.
        const elem =
          e.op === "avg" ? this.rounded(this.tryInterval(e.elem, ctx)) : this.tryInterval(e.elem, ctx);
        return e.fallback
          ? I.join(elem, this.tryInterval(e.fallback, ctx))
          : I.isEmpty(elem)
            ? I.EVERYTHING
            : elem;
      }
      default:
        return I.EVERYTHING;
    }
  }

  /** The one row of a table that `key` falls in throughout `ctx`, if there is one. */
  rowOf(table: number, key: IrExpr, ctx: Context): number | undefined {
    const rows = tierRows(this.ir.tables[table]!, this.tryInterval(key, ctx));
    return rows.lo === rows.hi ? rows.lo : undefined;
  }

  // ---- linear forms ----

  /** The linear form of a numeric term in `ctx`: anything non-linear becomes an atom. */
  linear(e: IrExpr, ctx: Context): Linear {
    if (ctx.parent && !this.touches(e, ctx) && ctx.key === ctx.parent.key) return this.linear(e, ctx.parent);
    const id = this.id(e);
    const known = ctx.linears.get(id);
    if (known) return known;
    const form = this.computeLinear(e, ctx);
    ctx.linears.set(id, form);
    return form;
  }

  private computeLinear(e: IrExpr, ctx: Context): Linear {
    const atom = (): Linear => {
      this.interval(e, ctx);
      return atomForm(this.id(e));
    };
    // The split's key and any term an assumption narrowed are atoms: their interval is what is known.
    if (this.id(e) === ctx.key || ctx.refinements.has(this.id(e))) return atom();
    switch (e.k) {
      case "const":
        return typeof e.v === "number" ? constantForm(I.interval(e.v)) : atom();
      case "unary":
        return e.op === "neg" ? negForm(this.linear(e.x, ctx)) : atom();
      case "binary": {
        if (e.op === "+") return addForms(this.linear(e.l, ctx), this.linear(e.r, ctx));
        if (e.op === "-") return addForms(this.linear(e.l, ctx), negForm(this.linear(e.r, ctx)));
        if (e.op === "*") return this.product(e, ctx) ?? atom();
        if (e.op === "/") {
          const divisor = this.linear(e.r, ctx);
          // Decimal `/` rounds to the scale: an atom, whose (sign-keeping) interval bounds it.
          if (isConstantForm(divisor) && (divisor.c.lo > 0 || divisor.c.hi < 0) && this.unit === 0)
            return scaleForm(this.linear(e.l, ctx), I.div(I.interval(1), divisor.c));
        }
        return atom();
      }
      case "call": {
        // round_up(x, s) is in x + [0, s]; the factor covers evaluators rounding a huge x to a double.
        const shift = roundingError(e);
        return shift
          ? addForms(
              scaleForm(this.linear(e.args[0]!, ctx), I.interval(1 - 1e-12, 1 + 1e-12)),
              constantForm(shift),
            )
          : atom();
      }
      case "if": {
        const truth = this.truth(e.c, ctx);
        return truth === undefined ? atom() : this.linear(truth ? e.t : e.e, ctx);
      }
      case "cell": {
        const value = this.interval(e, ctx);
        return I.isPoint(value) ? constantForm(value) : atom();
      }
      case "margin": {
        const table = this.ir.tables[e.table]!;
        const rows = tierRows(table, this.interval(e.key, ctx));
        if (rows.lo !== rows.hi) return atom();
        const row = table.rows[rows.lo]!;
        const deduction = constantForm(I.interval(-(row.deductions[e.column] ?? 0)));
        return e.deduction
          ? negForm(deduction)
          : addForms(scaleForm(this.linear(e.key, ctx), I.interval(row.cells[e.column]!)), deduction);
      }
      default:
        return atom();
    }
  }

  /**
   * A product of two varying terms is not linear: one factor is replaced by its interval. The one
   * kept is the one holding the case split's key, else the unbounded one (`notional x rate` keeps
   * `notional`, with the rate's interval as its coefficient).
   */
  private product(e: Extract<IrExpr, { k: "binary" }>, ctx: Context): Linear | undefined {
    const a = this.linear(e.l, ctx);
    const b = this.linear(e.r, ctx);
    if (isConstantForm(a)) return scaleForm(b, a.c);
    if (isConstantForm(b)) return scaleForm(a, b.c);
    const key = ctx.key;
    const aKey = key !== undefined && a.terms.has(key);
    const bKey = key !== undefined && b.terms.has(key);
    if (aKey && !bKey) return scaleForm(a, this.interval(e.r, ctx));
    if (bKey && !aKey) return scaleForm(b, this.interval(e.l, ctx));
    const ia = this.interval(e.l, ctx);
    const ib = this.interval(e.r, ctx);
    if (I.isBounded(ib) && !I.isBounded(ia)) return scaleForm(a, ib);
    if (I.isBounded(ia) && !I.isBounded(ib)) return scaleForm(b, ia);
    return undefined;
  }

  /** What a lower bound may use in `ctx`: atom intervals and the linear bounds of min, max, abs. */
  atomBounds(ctx: Context): AtomBounds {
    const linears = (args: readonly IrExpr[]): Linear[] => args.map((a) => this.linear(a, ctx));
    return {
      interval: (id) => this.tryInterval(this.terms.term(id), ctx),
      upper: (id) => {
        const e = this.terms.term(id);
        if (e.k === "call" && e.fn === "min") return linears(e.args);
        if (e.k === "call" && e.fn === "clamp") return linears([e.args[2]!]);
        return [];
      },
      lower: (id) => {
        const e = this.terms.term(id);
        if (e.k === "call" && e.fn === "max") return linears(e.args);
        if (e.k === "call" && e.fn === "abs")
          return [this.linear(e.args[0]!, ctx), negForm(this.linear(e.args[0]!, ctx))];
        return [];
      },
    };
  }

  private linearCompare(l: IrExpr, r: IrExpr, strict: boolean, ctx: Context): boolean {
    const a = this.interval(l, ctx);
    const b = this.interval(r, ctx);
    return strict ? a.lo > b.hi : a.lo >= b.hi;
  }

  // ---- conditions ----

  /** The truth of a condition on every input `ctx` allows: true, false, or undefined (it varies). */
  truth(e: IrExpr, ctx: Context): boolean | undefined {
    if (ctx.parent && !this.touches(e, ctx)) return this.truth(e, ctx.parent);
    const key = `truth:${this.id(e)}`;
    if (ctx.memo.has(key)) return ctx.memo.get(key) as boolean | undefined;
    const value = this.computeTruth(e, ctx);
    ctx.memo.set(key, value);
    return value;
  }

  private computeTruth(e: IrExpr, ctx: Context): boolean | undefined {
    if (e.k === "const") return typeof e.v === "boolean" ? e.v : undefined;
    if (e.k === "unary" && e.op === "not") {
      const inner = this.truth(e.x, ctx);
      return inner === undefined ? undefined : !inner;
    }
    if (e.k === "if") {
      try {
        return this.branches(
          e,
          ctx,
          (branch, c) => this.truth(branch, c),
          (a, b) => (a === b ? a : undefined),
        );
      } catch (error) {
        if (error instanceof Infeasible) return undefined;
        throw error;
      }
    }
    if (e.k === "binary" && (e.op === "and" || e.op === "or")) return this.connective(e.op, e.l, e.r, ctx);
    if (e.k === "binary" && COMPARISONS.has(e.op)) return this.comparison(e.op, e.l, e.r, ctx);
    const fact = ctx.facts.get(this.id(e));
    return typeof fact?.eq === "boolean" ? fact.eq : undefined;
  }

  /** `l and r` / `l or r`, with `r` read only where `l` leaves it a say (short-circuit). */
  private connective(op: "and" | "or", l: IrExpr, r: IrExpr, ctx: Context): boolean | undefined {
    const decisive = op === "or";
    const left = this.truth(l, ctx);
    if (left === decisive) return decisive;
    const c = this.refine(ctx, l, !decisive);
    let right: boolean | undefined;
    try {
      right = c.infeasible ? decisive : this.truth(r, c);
    } catch (error) {
      if (!(error instanceof Infeasible)) throw error;
      right = decisive; // wherever `r` is read, evaluation stops: those inputs do not count
    }
    if (left === !decisive) return right;
    return right === decisive ? decisive : undefined;
  }

  private comparison(op: string, l: IrExpr, r: IrExpr, ctx: Context): boolean | undefined {
    if (op === "==" || op === "!=") {
      const equal = this.equality(l, r, ctx);
      return equal === undefined ? undefined : op === "==" ? equal : !equal;
    }
    const [big, small] = op === ">" || op === ">=" ? [l, r] : [r, l];
    const strict = op === ">" || op === "<";
    try {
      if (this.compare(big, small, strict, ctx)) return true;
      if (this.compare(small, big, !strict, ctx)) return false;
    } catch (error) {
      if (!(error instanceof Infeasible)) throw error;
    }
    return undefined;
  }

  private equality(l: IrExpr, r: IrExpr, ctx: Context): boolean | undefined {
    if (this.id(l) === this.id(r)) return true;
    const constant = r.k === "const" ? r.v : l.k === "const" ? l.v : undefined;
    const other = r.k === "const" ? l : r;
    if (typeof constant === "number" || constant === undefined) {
      const a = this.tryInterval(l, ctx);
      const b = this.tryInterval(r, ctx);
      if (I.isEmpty(a) || I.isEmpty(b)) return undefined;
      if (a.hi < b.lo || b.hi < a.lo) return false;
      return I.isPoint(a) && I.isPoint(b) && a.lo === b.lo ? true : undefined;
    }
    if (constant === undefined) return undefined;
    const fact = ctx.facts.get(this.id(other));
    if (fact?.eq !== undefined) return fact.eq === constant;
    return fact?.ne.includes(constant) ? false : undefined;
  }

  // ---- assumptions ----

  /** A new context that also assumes `condition` is `assume` (check `infeasible` on the result). */
  refine(ctx: Context, condition: IrExpr, assume: boolean): Context {
    const child = ctx.child();
    try {
      this.assume(child, ctx, condition, assume);
    } catch (error) {
      if (!(error instanceof Infeasible)) throw error;
      child.infeasible = true;
    }
    return child;
  }

  private assume(child: Context, parent: Context, e: IrExpr, value: boolean): void {
    if (this.usesLocals(e)) return;
    if (e.k === "const") {
      if (e.v !== value) child.infeasible = true;
      return;
    }
    if (e.k === "unary" && e.op === "not") return this.assume(child, parent, e.x, !value);
    if (e.k === "binary" && (e.op === "and" || e.op === "or")) {
      if ((e.op === "and") === value) {
        this.assume(child, parent, e.l, value);
        this.assume(child, parent, e.r, value);
      } else if (this.truth(e.l, parent) === !value) {
        this.assume(child, parent, e.r, value);
      } else if (this.truth(e.r, parent) === !value) {
        this.assume(child, parent, e.l, value);
      }
      return;
    }
    if (e.k === "binary" && COMPARISONS.has(e.op))
      return this.assumeComparison(child, parent, value ? e.op : NEGATED_COMPARISON[e.op]!, e.l, e.r);
    this.assumeFact(child, e, { eq: value });
  }

  private assumeComparison(child: Context, parent: Context, op: string, l: IrExpr, r: IrExpr): void {
    const constant =
      r.k === "const" && typeof r.v !== "number"
        ? r
        : l.k === "const" && typeof l.v !== "number"
          ? l
          : undefined;
    if (constant) {
      const other = constant === r ? l : r;
      if (op === "==") this.assumeFact(child, other, { eq: constant.v });
      if (op === "!=") this.assumeFact(child, other, { ne: constant.v });
      return;
    }
    if (op === "!=") return;
    const a = this.interval(l, parent);
    const b = this.interval(r, parent);
    const up = (x: number, strict: boolean): number => (strict && Number.isFinite(x) ? I.nextUp(x) : x);
    const down = (x: number, strict: boolean): number => (strict && Number.isFinite(x) ? I.nextDown(x) : x);
    if (op === "==") {
      this.narrow(child, l, b);
      this.narrow(child, r, a);
    } else if (op === ">" || op === ">=") {
      this.narrow(child, l, I.interval(up(b.lo, op === ">"), Infinity));
      this.narrow(child, r, I.interval(-Infinity, down(a.hi, op === ">")));
    } else {
      this.narrow(child, l, I.interval(-Infinity, down(b.hi, op === "<")));
      this.narrow(child, r, I.interval(up(a.lo, op === "<"), Infinity));
    }
    this.assumeQuotient(child, parent, op, l, r);
  }

  /**
   * `x > c * q` with `q > 0` also says `x / q > c`: the form liquidity add-ons are written in
   * (`when notional > 10% * adv { add 25% * (notional / adv - 10%) to im_rate }`).
   */
  private assumeQuotient(child: Context, parent: Context, op: string, l: IrExpr, r: IrExpr): void {
    if (r.k !== "binary" || r.op !== "*") return;
    const [c, q] = r.l.k === "const" ? [r.l, r.r] : r.r.k === "const" ? [r.r, r.l] : [undefined, undefined];
    if (!c || !q || typeof c.v !== "number") return;
    const divisor = this.tryInterval(q, parent);
    if (!(divisor.lo > 0)) return;
    const quotient: IrExpr = { k: "binary", op: "/", l, r: q };
    const value = c.v;
    if (op === "==") this.narrow(child, quotient, I.interval(value));
    else if (op === ">" || op === ">=") this.narrow(child, quotient, I.interval(value, Infinity));
    else this.narrow(child, quotient, I.interval(-Infinity, value));
  }

  /** Assumes a numeric term lies in `range`; an empty intersection makes the context infeasible. */
  narrow(ctx: Context, e: IrExpr, range: Interval): void {
    const id = this.id(e);
    const refined = I.meet(ctx.refinements.get(id) ?? I.EVERYTHING, range);
    ctx.refinements.set(id, refined);
    for (const path of this.inputs(e)) ctx.changed.add(path);
    ctx.intervals.clear();
    ctx.linears.clear();
    ctx.memo.clear();
    if (I.isEmpty(refined)) ctx.infeasible = true;
  }

  private assumeFact(ctx: Context, e: IrExpr, fact: { eq?: unknown; ne?: unknown }): void {
    const id = this.id(e);
    const known = ctx.facts.get(id) ?? { ne: [] };
    if (fact.eq !== undefined) {
      if ((known.eq !== undefined && known.eq !== fact.eq) || known.ne.includes(fact.eq))
        ctx.infeasible = true;
      known.eq = fact.eq;
    }
    if (fact.ne !== undefined) {
      if (known.eq === fact.ne) ctx.infeasible = true;
      known.ne.push(fact.ne);
    }
    ctx.facts.set(id, known);
    for (const path of this.inputs(e)) ctx.changed.add(path);
    ctx.memo.clear();
  }
}

/** The rows (0-based, as an interval of indices) that keys in `key` may fall in; empty if none. */
export function tierRows(table: IrTierTable, key: Interval): Interval {
  let first = -1;
  let last = -1;
  table.rows.forEach((row, i) => {
    const upper = row.upper ?? Infinity;
    const below = key.hi < row.lower || (key.hi === row.lower && !row.lowerInclusive);
    const above = key.lo > upper || (key.lo === upper && !row.upperInclusive);
    if (below || above) return;
    if (first < 0) first = i;
    last = i;
  });
  return first < 0 ? I.EMPTY : I.interval(first, last);
}

/** The difference a declared rounding may make: `round_up(x, s)` is in `x + [0, s]`. */
function roundingError(e: Extract<IrExpr, { k: "call" }>): Interval | undefined {
  const step = e.args[1];
  if (!step || step.k !== "const" || typeof step.v !== "number" || !(step.v > 0)) return undefined;
  if (e.fn === "round_up") return I.interval(0, step.v);
  if (e.fn === "round_down") return I.interval(-step.v, 0);
  if (e.fn === "round_half_even") return I.interval(-step.v / 2, step.v / 2);
  return undefined;
}
