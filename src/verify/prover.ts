/**
 * The comparison prover: shows `l >= r` (or `l > r`) for every input a context allows. It tries,
 * in order: the intervals of both sides; the lower bound of the linear form `l - r`; then rules
 * that follow the structure of the two terms, each a plain fact about the operators:
 *
 * - the same rounding on both sides: compare what is rounded (`round_up` is non-decreasing);
 * - `l >= max(b...)` when `l >= b` for every `b`; `min(a...) >= r` when every `a >= r`;
 *   `max(a...) >= r` when some `a >= r`; `l >= min(b...)` when `l >=` some `b`;
 * - `if` on either side: each branch under its assumption;
 * - sums, differences, products with a common non-negative factor, quotients by one positive
 *   divisor, monotone functions (`sqrt`, `exp`, `ln`), tier cells of one row;
 * - and last, an `if` nested inside either side is lifted out: both sides are compared once with
 *   each branch in its place.
 *
 * Every rule is sufficient, none is necessary: a failure means "not shown", never "false".
 */
import type { IrExpr, IrTierRow } from "../ir/ir.js";
import { Infeasible, type Analyzer, type Context } from "./analysis.js";
import { addForms, constantForm, lowerBound, negForm, scaleForm, type Linear } from "./linear.js";
import { mapChildren } from "./terms.js";

const MAX_DEPTH = 10;
/** Comparisons tried per property before giving up (the structural rules can branch a lot). */
const MAX_STEPS = 50_000;
const ZERO: IrExpr = { k: "const", v: 0 };
const ONE: IrExpr = { k: "const", v: 1 };
const MONOTONE = new Set(["sqrt", "exp", "ln", "normal_cdf"]);
/**
 * In decimal arithmetic: correctly rounded results of a non-decreasing function are non-decreasing
 * (rounding is monotone); `normal_cdf` is correctly rounded only almost always, so it is left out.
 */
const DECIMAL_MONOTONE = new Set(["sqrt", "exp", "ln"]);
/**
 * The relative margin a comparison of two computed values needs, so that binary64 rounding (half
 * an ulp per operation, about 1e-16) cannot turn a shown `l >= r` around: `l - r` must be at least
 * `SLACK x (|l| + |r|)`. Structural rules need none: rounding is monotone, so `a >= b` gives
 * `round(a x c) >= round(b x c)` for `c >= 0` exactly.
 */
const SLACK = 1e-12;
const ROUNDING = new Set(["round_up", "round_down", "round_half_even"]);

/** Proves comparisons for one analyzer, and installs itself as the analyzer's comparator. */
export class Prover {
  private steps = 0;

  constructor(readonly analyzer: Analyzer) {
    analyzer.compare = (l, r, strict, ctx) => (strict ? this.gt(l, r, ctx) : this.ge(l, r, ctx));
  }

  /** Starts the effort count afresh (once per property). */
  reset(): void {
    this.steps = 0;
  }

  /** Whether the effort limit cut a proof short since the last {@link reset}. */
  get exhausted(): boolean {
    return this.steps > MAX_STEPS;
  }

  /** Whether `l >= r` on every input `ctx` allows (true also when `ctx` allows none). */
  ge(l: IrExpr, r: IrExpr, ctx: Context, depth = 0): boolean {
    if (ctx.infeasible) return true;
    const key = `ge:${this.analyzer.id(l)}:${this.analyzer.id(r)}`;
    // A success holds at any depth; a failure only for depths at least as deep as where it happened.
    const known = ctx.memo.get(key) as number | true | undefined;
    if (known === true || (known !== undefined && known <= depth)) return known === true;
    if (++this.steps > MAX_STEPS) return false;
    ctx.memo.set(key, depth); // a comparison met again while being proved is not assumed
    let result: boolean;
    try {
      result = this.geUncached(l, r, ctx, depth);
    } catch (error) {
      if (!(error instanceof Infeasible)) throw error;
      result = true;
    }
    ctx.memo.set(key, result ? true : depth);
    return result;
  }

  /** Whether `l > r` on every input `ctx` allows (intervals and linear forms only). */
  gt(l: IrExpr, r: IrExpr, ctx: Context): boolean {
    if (ctx.infeasible) return true;
    try {
      return this.intervalsApart(l, r, ctx, true) || this.linearBound(l, r, ctx, Number.MIN_VALUE) > 0;
    } catch (error) {
      if (error instanceof Infeasible) return true;
      throw error;
    }
  }

  /** Whether the intervals of `l` and `r` alone show `l >= r` (or `>`), with the slack. */
  private intervalsApart(l: IrExpr, r: IrExpr, ctx: Context, strict: boolean): boolean {
    const a = this.analyzer.interval(l, ctx);
    const b = this.analyzer.interval(r, ctx);
    const margin = a.lo - b.hi;
    const need = a.lo === b.hi ? 0 : SLACK * (Math.abs(a.lo) + Math.abs(b.hi));
    return strict ? margin > need : margin >= need;
  }

  /** The lower bound of `l - r - SLACK x (|l| + |r|)` as a linear form. */
  private linearBound(l: IrExpr, r: IrExpr, ctx: Context, enough: number): number {
    const left = this.analyzer.linear(l, ctx);
    const right = this.analyzer.linear(r, ctx);
    const atoms = this.analyzer.atomBounds(ctx);
    const magnitude = (form: Linear): Linear => magnitudeForm(form, atoms.interval);
    const slack = scaleForm(addForms(magnitude(left), magnitude(right)), { lo: SLACK, hi: SLACK });
    const form = addForms(addForms(left, negForm(right)), negForm(slack));
    return lowerBound(form, atoms, 2, enough);
  }

  private nonNegative(e: IrExpr, ctx: Context, depth: number): boolean {
    return this.ge(e, ZERO, ctx, depth);
  }

  private geUncached(l: IrExpr, r: IrExpr, ctx: Context, depth: number): boolean {
    const a = this.analyzer;
    if (a.id(l) === a.id(r)) return true;
    if (this.intervalsApart(l, r, ctx, false)) return true;
    if (this.linearBound(l, r, ctx, 0) >= 0) return true;
    if (depth >= MAX_DEPTH) return false;
    const d = depth + 1;
    return this.decompose(l, r, ctx, d) || this.structural(l, r, ctx, d) || this.liftIf(l, r, ctx, d);
  }

  /** Rules that lose nothing: split `max` on the right, `min` on the left, `if` on either side. */
  private decompose(l: IrExpr, r: IrExpr, ctx: Context, d: number): boolean {
    if (isCall(r, "max")) return r.args.every((b) => this.ge(l, b, ctx, d));
    if (isCall(l, "min")) return l.args.every((x) => this.ge(x, r, ctx, d));
    if (isCall(r, "clamp")) return this.ge(l, clampTerm(r), ctx, d);
    if (isCall(l, "clamp")) return this.ge(clampTerm(l), r, ctx, d);
    if (l.k === "if") return this.eachBranch(l, ctx, (branch, c) => this.ge(branch, r, c, d));
    if (r.k === "if") return this.eachBranch(r, ctx, (branch, c) => this.ge(l, branch, c, d));
    return false;
  }

  private eachBranch(
    e: Extract<IrExpr, { k: "if" }>,
    ctx: Context,
    holds: (branch: IrExpr, c: Context) => boolean,
  ): boolean {
    const truth = this.analyzer.truth(e.c, ctx);
    if (truth !== undefined) return holds(truth ? e.t : e.e, ctx);
    const refine = this.analyzer.mayRefine();
    return (
      [
        [e.t, true],
        [e.e, false],
      ] as const
    ).every(([branch, assume]) => {
      const c = refine ? this.analyzer.refine(ctx, e.c, assume) : ctx;
      return c.infeasible || holds(branch, c);
    });
  }

  private structural(l: IrExpr, r: IrExpr, ctx: Context, d: number): boolean {
    const ge = (x: IrExpr, y: IrExpr): boolean => this.ge(x, y, ctx, d);
    // In one tier row a lookup is a constant and `margin` is `key x rate - deduction`, written out
    // as the evaluators compute it, so that the rules below can match it operation by operation.
    const [l2, r2] = [this.explicit(l, ctx), this.explicit(r, ctx)];
    const id = (x: IrExpr): number => this.analyzer.id(x);
    if (id(l2) !== id(l) || id(r2) !== id(r)) return ge(l2, r2);
    const nonNegative = (x: IrExpr): boolean => this.nonNegative(x, ctx, d);
    // The same rounding, or the same non-decreasing function, on both sides.
    if (l.k === "call" && r.k === "call" && l.fn === r.fn) {
      if (ROUNDING.has(l.fn) && sameConstant(l.args[1], r.args[1]) && ge(l.args[0]!, r.args[0]!)) return true;
      const monotone = this.analyzer.ir.meta.arithmetic ? DECIMAL_MONOTONE : MONOTONE;
      if (monotone.has(l.fn) && ge(l.args[0]!, r.args[0]!)) return true;
    }
    if (isCall(l, "max") && l.args.some((x) => ge(x, r))) return true;
    if (isCall(r, "min") && r.args.some((y) => ge(l, y))) return true;
    // round_up(x) >= x >= round_down(x) for every double x, exactly (src/semantics/numeric.ts: a
    // directed rounding never crosses its argument); l >= round_up(y, s) when l >= y + s, where a
    // huge y (y / step beyond 2^53) keeps a slack.
    if (isCall(l, "round_up") && ge(l.args[0]!, r)) return true;
    if (isCall(r, "round_down") && ge(l, r.args[0]!)) return true;
    if (
      isCall(r, "round_up") &&
      r.args[1]?.k === "const" &&
      ge(l, { k: "binary", op: "+", l: widened(r.args[0]!, SLACK), r: r.args[1] })
    )
      return true;
    if (l.k === "binary" && r.k === "binary" && l.op === r.op && this.sameOperator(l, r, ctx, d)) return true;
    if (
      l.k === "binary" &&
      l.op === "+" &&
      ((ge(l.l, r) && nonNegative(l.r)) || (ge(l.r, r) && nonNegative(l.l)))
    )
      return true;
    if (r.k === "binary" && r.op === "+" && ((ge(l, r.l) && ge(ZERO, r.r)) || (ge(l, r.r) && ge(ZERO, r.l))))
      return true;
    if (l.k === "binary" && l.op === "-" && ge(l.l, r) && ge(ZERO, l.r)) return true;
    if (r.k === "binary" && r.op === "-" && ge(l, r.l) && nonNegative(r.r)) return true;
    if (r.k === "binary" && r.op === "*" && this.factorOf(l, r, ctx, d, false)) return true;
    if (l.k === "binary" && l.op === "*" && this.factorOf(r, l, ctx, d, true)) return true;
    return false;
  }

  /** `a + b >= c + d`, `a - b >= c - d`, `a x b >= c x d`, `a / q >= c / q`. */
  private sameOperator(
    l: Extract<IrExpr, { k: "binary" }>,
    r: Extract<IrExpr, { k: "binary" }>,
    ctx: Context,
    d: number,
  ): boolean {
    const ge = (x: IrExpr, y: IrExpr): boolean => this.ge(x, y, ctx, d);
    const same = (x: IrExpr, y: IrExpr): boolean => this.analyzer.id(x) === this.analyzer.id(y);
    switch (l.op) {
      case "+":
        return (ge(l.l, r.l) && ge(l.r, r.r)) || (ge(l.l, r.r) && ge(l.r, r.l));
      case "-":
        return ge(l.l, r.l) && ge(r.r, l.r);
      case "/":
        return same(l.r, r.r) && this.analyzer.interval(l.r, ctx).lo > 0 && ge(l.l, r.l);
      case "*": {
        for (const [x, y, u, v] of [
          [l.l, l.r, r.l, r.r],
          [l.r, l.l, r.l, r.r],
          [l.l, l.r, r.r, r.l],
          [l.r, l.l, r.r, r.l],
        ] as const) {
          // A common factor: x * y >= x * v when x >= 0 and y >= v (or x <= 0 and y <= v).
          if (same(x, u)) {
            if (this.nonNegative(x, ctx, d) && ge(y, v)) return true;
            if (ge(ZERO, x) && ge(v, y)) return true;
          }
          // Both factors larger and non-negative.
          if (this.nonNegative(u, ctx, d) && this.nonNegative(v, ctx, d) && ge(x, u) && ge(y, v)) return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  /**
   * `big >= x * f` or (`flipped`) `x * f >= small` where `x` is the other side itself:
   * `notional >= notional x rate` when `notional >= 0` and `rate <= 1`.
   */
  private factorOf(
    side: IrExpr,
    product: Extract<IrExpr, { k: "binary" }>,
    ctx: Context,
    d: number,
    flipped: boolean,
  ): boolean {
    const id = this.analyzer.id(side);
    for (const [x, f] of [
      [product.l, product.r],
      [product.r, product.l],
    ] as const) {
      if (this.analyzer.id(x) !== id) continue;
      const positive = this.nonNegative(x, ctx, d);
      const negative = !positive && this.ge(ZERO, x, ctx, d);
      const atMostOne = this.ge(ONE, f, ctx, d);
      const atLeastOne = this.ge(f, ONE, ctx, d);
      if (!flipped && ((positive && atMostOne) || (negative && atLeastOne))) return true;
      if (flipped && ((positive && atLeastOne) || (negative && atMostOne))) return true;
    }
    return false;
  }

  /** `margin` and tier cells whose key falls in a single row, written out (the same term otherwise). */
  private explicit(e: IrExpr, ctx: Context): IrExpr {
    const key = `explicit:${this.analyzer.id(e)}`;
    const known = ctx.memo.get(key) as IrExpr | undefined;
    if (known) return known;
    let result = e;
    if (e.k === "margin" || e.k === "cell") {
      const row =
        e.k === "margin"
          ? this.analyzer.rowOf(e.table, e.key, ctx)
          : e.row.k === "tier"
            ? this.analyzer.rowOf(e.table, e.row.key, ctx)
            : undefined;
      if (row !== undefined) result = writtenOut(this.analyzer.ir.tables[e.table]!.rows[row]!, e);
    } else if (e.k !== "agg" && e.k !== "if") {
      result = mapChildren(e, (child) => this.explicit(child, ctx));
    }
    ctx.memo.set(key, result);
    return result;
  }

  /** Replaces an `if` nested in either side by each of its branches in turn. */
  private liftIf(l: IrExpr, r: IrExpr, ctx: Context, d: number): boolean {
    const nested = this.findIf(l) ?? this.findIf(r);
    if (!nested) return false;
    const target = this.analyzer.id(nested);
    return this.eachBranch(nested, ctx, (branch, c) => {
      const memo = new Map<number, IrExpr>();
      return this.ge(this.replace(l, target, branch, memo), this.replace(r, target, branch, memo), c, d);
    });
  }

  /** The first `if` below the top of a term that reads no comprehension variable. */
  private findIf(e: IrExpr): Extract<IrExpr, { k: "if" }> | undefined {
    const seen = new Set<number>();
    const visit = (x: IrExpr, top: boolean): Extract<IrExpr, { k: "if" }> | undefined => {
      const id = this.analyzer.id(x);
      if (seen.has(id)) return undefined;
      seen.add(id);
      if (!top && x.k === "if" && !this.analyzer.usesLocals(x)) return x;
      let found: Extract<IrExpr, { k: "if" }> | undefined;
      mapChildren(x, (child) => {
        found ??= visit(child, false);
        return child;
      });
      return found;
    };
    return visit(e, true);
  }

  private replace(e: IrExpr, target: number, by: IrExpr, memo: Map<number, IrExpr>): IrExpr {
    const id = this.analyzer.id(e);
    if (id === target) return by;
    const known = memo.get(id);
    if (known) return known;
    const result = mapChildren(e, (child) => this.replace(child, target, by, memo));
    memo.set(id, result);
    return result;
  }
}

/**
 * A linear bound of the size of the terms of a form, `|c| x |a|` each, by the sign of its atom:
 * what rounding errors scale with. The constant part is left out: it is exact, or the width of a
 * relaxation (`round_down(x) >= x - 1`), not a computed amount.
 */
function magnitudeForm(form: Linear, interval: (id: number) => { lo: number; hi: number }): Linear {
  let result = constantForm({ lo: 0, hi: 0 });
  for (const [id, c] of form.terms) {
    const size = Math.max(Math.abs(c.lo), Math.abs(c.hi));
    const range = interval(id);
    const term: Linear =
      range.lo >= 0
        ? atomTerm(id, size)
        : range.hi <= 0
          ? atomTerm(id, -size)
          : constantForm({ lo: 0, hi: size * Math.max(-range.lo, range.hi) });
    result = addForms(result, term);
  }
  return result;
}

function atomTerm(id: number, coefficient: number): Linear {
  return { terms: new Map([[id, { lo: coefficient, hi: coefficient }]]), c: { lo: 0, hi: 0 } };
}

/** A lookup in a known row, as the evaluators compute it: `key * rate - deduction`, or the cell. */
function writtenOut(row: IrTierRow, e: Extract<IrExpr, { k: "margin" | "cell" }>): IrExpr {
  if (e.k === "cell") {
    if (typeof e.column === "number") return { k: "const", v: row.cells[e.column]! };
    return e;
  }
  const deduction = row.deductions[e.column] ?? 0;
  if (e.deduction) return { k: "const", v: deduction };
  const product: IrExpr = { k: "binary", op: "*", l: e.key, r: { k: "const", v: row.cells[e.column]! } };
  return { k: "binary", op: "-", l: product, r: { k: "const", v: deduction } };
}

/** `x` moved by a relative `slack` away from 0 (`slack > 0`) or towards it (`slack < 0`): `x * (1 + slack)`. */
function widened(x: IrExpr, slack: number): IrExpr {
  return { k: "binary", op: "*", l: x, r: { k: "const", v: 1 + slack } };
}

function isCall(e: IrExpr, fn: string): e is Extract<IrExpr, { k: "call" }> {
  return e.k === "call" && e.fn === fn;
}

function clampTerm(e: Extract<IrExpr, { k: "call" }>): IrExpr {
  return {
    k: "call",
    fn: "min",
    args: [{ k: "call", fn: "max", args: [e.args[0]!, e.args[1]!] }, e.args[2]!],
  };
}

function sameConstant(a: IrExpr | undefined, b: IrExpr | undefined): boolean {
  return a?.k === "const" && b?.k === "const" && a.v === b.v;
}
