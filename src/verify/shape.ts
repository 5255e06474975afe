/**
 * Shapes: how a term moves when one input field (the variable) grows and every other input stays
 * put. Each term gets a monotonicity tag and a continuity flag, from its parts:
 *
 * - `const` (does not depend on the variable), `inc` (non-decreasing), `dec` (non-increasing),
 *   `any`; a condition is `inc` when, once true, it stays true as the variable grows;
 * - sums, products of non-negative factors, `min`, `max`, `sqrt`, roundings... combine the tags
 *   of their operands, using the signs the interval analysis gives;
 * - a tier lookup is as monotone as its column is across the rows its key can reach, and a
 *   `margin` as its piecewise-linear profile (slopes and the jumps at boundaries, which are 0 in a
 *   `marginal` table: that is what the derived deduction is for);
 * - an `if` whose condition switches once needs the branch taken later to be at least the other
 *   where they meet (for `inc`), and, to stay continuous, equal on the boundary.
 */
import { childExprs, type IrExpr, type IrTierTable } from "../ir/ir.js";
import { tierRows, type Analyzer, type Context } from "./analysis.js";
import type { Prover } from "./prover.js";

/** The monotonicity of a term in the variable. */
export type Mono = "const" | "inc" | "dec" | "any";

/** A term's monotonicity and whether it is continuous in the variable. */
export interface Shape {
  mono: Mono;
  continuous: boolean;
}

const CONSTANT: Shape = { mono: "const", continuous: true };
const UNKNOWN: Shape = { mono: "any", continuous: false };
const ZERO: IrExpr = { k: "const", v: 0 };

/** Flips a tag: `-x`, `1 / x`, `not c`. */
export function flip(mono: Mono): Mono {
  return mono === "inc" ? "dec" : mono === "dec" ? "inc" : mono;
}

/** The tag of a function non-decreasing in each of its arguments (`+`, `min`, `and`, ...). */
export function combine(...tags: Mono[]): Mono {
  if (tags.includes("any")) return "any";
  const inc = tags.includes("inc");
  const dec = tags.includes("dec");
  return inc && dec ? "any" : inc ? "inc" : dec ? "dec" : "const";
}

/** Shapes of terms in one variable (an input path). */
export class ShapeAnalyzer {
  private readonly variable: string;

  constructor(
    private readonly analyzer: Analyzer,
    private readonly prover: Prover,
    variable: readonly string[],
  ) {
    this.variable = variable.join(".");
  }

  shape(e: IrExpr, ctx: Context): Shape {
    if (ctx.parent && !this.analyzer.touches(e, ctx)) return this.shape(e, ctx.parent);
    const key = `shape:${this.variable}:${this.analyzer.id(e)}`;
    const known = ctx.memo.get(key) as Shape | undefined;
    if (known) return known;
    ctx.memo.set(key, UNKNOWN);
    const result = this.compute(e, ctx);
    ctx.memo.set(key, result);
    return result;
  }

  private compute(e: IrExpr, ctx: Context): Shape {
    switch (e.k) {
      case "const":
      case "local":
      case "scenarios":
        return CONSTANT;
      case "input":
        return e.path.join(".") === this.variable ? { mono: "inc", continuous: true } : CONSTANT;
      case "unary": {
        const x = this.shape(e.x, ctx);
        return { mono: flip(x.mono), continuous: e.op === "neg" ? x.continuous : x.mono === "const" };
      }
      case "binary":
        return this.binary(e, ctx);
      case "if":
        return this.ifShape(e, ctx);
      case "call":
        return this.call(e, ctx);
      case "tier": {
        const key = this.shape(e.key, ctx);
        return { mono: key.mono, continuous: key.mono === "const" };
      }
      case "cell":
        return this.cell(e, ctx);
      case "margin":
        return this.margin(e, ctx);
      case "agg":
        return this.aggregate(e, ctx);
      default:
        return this.opaque(e, ctx);
    }
  }

  /** A term only known to be constant when all its parts are. */
  private opaque(e: IrExpr, ctx: Context): Shape {
    return childExprs(e).every((child) => this.shape(child, ctx).mono === "const") ? CONSTANT : UNKNOWN;
  }

  private binary(e: Extract<IrExpr, { k: "binary" }>, ctx: Context): Shape {
    const l = this.shape(e.l, ctx);
    const r = this.shape(e.r, ctx);
    const continuous = l.continuous && r.continuous;
    switch (e.op) {
      case "+":
        return { mono: combine(l.mono, r.mono), continuous };
      case "-":
        return { mono: combine(l.mono, flip(r.mono)), continuous };
      case "*":
        return { mono: this.product(l.mono, this.sign(e.l, ctx), r.mono, this.sign(e.r, ctx)), continuous };
      case "/": {
        const divisor = this.analyzer.tryInterval(e.r, ctx);
        const sign = divisor.lo > 0 ? 1 : divisor.hi < 0 ? -1 : 0;
        if (sign === 0) return l.mono === "const" && r.mono === "const" ? CONSTANT : UNKNOWN;
        return { mono: this.product(l.mono, this.sign(e.l, ctx), flip(r.mono), sign), continuous };
      }
      case "and":
      case "or": {
        const mono = combine(l.mono, r.mono);
        return { mono, continuous: mono === "const" };
      }
      case ">":
      case ">=":
      case "<":
      case "<=": {
        const rising = combine(l.mono, flip(r.mono));
        const mono = e.op === ">" || e.op === ">=" ? rising : flip(rising);
        return { mono, continuous: mono === "const" };
      }
      default:
        return l.mono === "const" && r.mono === "const" ? CONSTANT : UNKNOWN;
    }
  }

  /** The sign of a term everywhere in `ctx`: 1 (>= 0), -1 (<= 0) or 0 (either). */
  private sign(e: IrExpr, ctx: Context): number {
    const range = this.analyzer.tryInterval(e, ctx);
    if (range.lo >= 0) return 1;
    if (range.hi <= 0) return -1;
    if (this.prover.ge(e, ZERO, ctx)) return 1;
    if (this.prover.ge(ZERO, e, ctx)) return -1;
    return 0;
  }

  /** `a x b` from the tags and signs of its factors. */
  private product(a: Mono, signA: number, b: Mono, signB: number): Mono {
    if (a === "const" && b === "const") return "const";
    if (a === "const") return signA > 0 ? b : signA < 0 ? flip(b) : "any";
    if (b === "const") return signB > 0 ? a : signB < 0 ? flip(a) : "any";
    if (signA === 0 || signB === 0) return "any";
    // |a| x |b| grows when both magnitudes grow; the sign of the product flips the result.
    const magnitudeA = signA > 0 ? a : flip(a);
    const magnitudeB = signB > 0 ? b : flip(b);
    const magnitude = magnitudeA === magnitudeB ? magnitudeA : "any";
    return signA * signB > 0 ? magnitude : flip(magnitude);
  }

  private ifShape(e: Extract<IrExpr, { k: "if" }>, ctx: Context): Shape {
    const truth = this.analyzer.truth(e.c, ctx);
    if (truth !== undefined) return this.shape(truth ? e.t : e.e, ctx);
    const refine = this.analyzer.mayRefine();
    const whenTrue = refine ? this.analyzer.refine(ctx, e.c, true) : ctx;
    const whenFalse = refine ? this.analyzer.refine(ctx, e.c, false) : ctx;
    if (whenTrue.infeasible) return this.shape(e.e, whenFalse);
    if (whenFalse.infeasible) return this.shape(e.t, whenTrue);
    const t = this.shape(e.t, whenTrue);
    const f = this.shape(e.e, whenFalse);
    const condition = this.shape(e.c, ctx).mono;
    if (condition === "const")
      return { mono: combine(t.mono, f.mono), continuous: t.continuous && f.continuous };
    if (condition === "any") return UNKNOWN;
    // The condition switches once, at most: `later` is the branch taken past the switch. Each
    // branch is then also read where the other is taken, so their shapes must hold everywhere.
    const [later, earlier] = condition === "inc" ? [e.t, e.e] : [e.e, e.t];
    const both = combine(this.shape(later, ctx).mono, this.shape(earlier, ctx).mono);
    let mono: Mono = "any";
    if (both !== "any" && feasible(this.analyzer, [later, earlier], whenTrue)) {
      // Where the condition holds, the later branch must not be below (inc) / above (dec) the earlier.
      if (both !== "dec" && this.prover.ge(later, earlier, whenTrue)) mono = both === "const" ? "inc" : both;
      else if (both !== "inc" && this.prover.ge(earlier, later, whenTrue))
        mono = both === "const" ? "dec" : both;
    }
    return { mono, continuous: t.continuous && f.continuous && this.agreeOnBoundary(e, ctx) };
  }

  /** Whether both branches of an `if` on `l op r` are equal where `l == r`. */
  private agreeOnBoundary(e: Extract<IrExpr, { k: "if" }>, ctx: Context): boolean {
    let c = e.c;
    while (c.k === "unary" && c.op === "not") c = c.x;
    if (c.k !== "binary" || !["<", "<=", ">", ">="].includes(c.op)) return false;
    const boundary = this.analyzer.refine(ctx, { k: "binary", op: "==", l: c.l, r: c.r }, true);
    if (boundary.infeasible) return true;
    return (
      feasible(this.analyzer, [e.t, e.e], boundary) &&
      this.prover.ge(e.t, e.e, boundary) &&
      this.prover.ge(e.e, e.t, boundary)
    );
  }

  private call(e: Extract<IrExpr, { k: "call" }>, ctx: Context): Shape {
    const args = e.args.map((a) => this.shape(a, ctx));
    const continuous = args.every((a) => a.continuous);
    const x = args[0]!;
    switch (e.fn) {
      case "min":
      case "max":
      case "clamp":
        return { mono: combine(...args.map((a) => a.mono)), continuous };
      case "abs": {
        const sign = this.sign(e.args[0]!, ctx);
        return {
          mono: sign > 0 ? x.mono : sign < 0 ? flip(x.mono) : x.mono === "const" ? "const" : "any",
          continuous,
        };
      }
      case "sqrt":
      case "exp":
      case "ln":
      case "normal_cdf":
        return { mono: x.mono, continuous };
      case "pow":
        return this.power(e, args, ctx);
      case "round_up":
      case "round_down":
      case "round_half_even":
        return {
          mono: args[1]!.mono === "const" ? x.mono : "any",
          continuous: args.every((a) => a.mono === "const"),
        };
      // Option values and lengths: no monotonicity is claimed.
      case "black76":
      case "black_scholes":
      case "black76_df":
      case "black_scholes_df":
      case "bankruptcy_price":
      case "length":
        return args.every((a) => a.mono === "const") ? CONSTANT : { mono: "any", continuous };
      // An order statistic is continuous in the elements, not in a rank that jumps.
      case "quantile":
      case "kth_smallest":
      case "kth_largest":
        return args.every((a) => a.mono === "const")
          ? CONSTANT
          : { mono: "any", continuous: continuous && (e.fn === "quantile" || args[1]!.mono === "const") };
    }
  }

  private power(e: Extract<IrExpr, { k: "call" }>, args: Shape[], ctx: Context): Shape {
    const base = this.analyzer.tryInterval(e.args[0]!, ctx);
    const exponent = this.analyzer.tryInterval(e.args[1]!, ctx);
    const [x, y] = [args[0]!, args[1]!];
    const continuous = x.continuous && y.continuous && (base.lo > 0 || y.mono === "const");
    if (x.mono === "const" && y.mono === "const") return CONSTANT;
    if (y.mono === "const" && base.lo >= 0 && exponent.lo >= 0) return { mono: x.mono, continuous };
    if (y.mono === "const" && base.lo > 0 && exponent.hi <= 0) return { mono: flip(x.mono), continuous };
    if (x.mono === "const" && base.lo >= 1) return { mono: y.mono, continuous };
    if (x.mono === "const" && base.lo > 0 && base.hi <= 1) return { mono: flip(y.mono), continuous };
    return { mono: "any", continuous };
  }

  private cell(e: Extract<IrExpr, { k: "cell" }>, ctx: Context): Shape {
    if (e.row.k !== "tier") return this.opaque(e, ctx);
    const key = this.shape(e.row.key, ctx);
    if (key.mono === "const") return CONSTANT;
    const table = this.analyzer.ir.tables[e.table]!;
    const rows = tierRows(table, this.analyzer.tryInterval(e.row.key, ctx));
    const values = [];
    for (let r = rows.lo; r <= rows.hi; r++) {
      const row = table.rows[r]!;
      values.push(
        e.column === "tier"
          ? r
          : e.column === "lower"
            ? row.lower
            : e.column === "upper"
              ? (row.upper ?? Infinity)
              : row.cells[e.column]!,
      );
    }
    const profile = sequenceTag(values);
    return { mono: compose(profile, key.mono), continuous: profile === "const" };
  }

  private margin(e: Extract<IrExpr, { k: "margin" }>, ctx: Context): Shape {
    const key = this.shape(e.key, ctx);
    if (key.mono === "const") return CONSTANT;
    const table = this.analyzer.ir.tables[e.table]!;
    const rows = tierRows(table, this.analyzer.tryInterval(e.key, ctx));
    const profile = marginProfile(table, e.column, e.deduction, rows.lo, rows.hi);
    return { mono: compose(profile.mono, key.mono), continuous: key.continuous && profile.continuous };
  }

  private aggregate(e: Extract<IrExpr, { k: "agg" }>, ctx: Context): Shape {
    const source = this.shape(e.source, ctx);
    const filter = e.filter ? this.shape(e.filter, ctx) : CONSTANT;
    const elem = this.shape(e.elem, ctx);
    const fallback = e.fallback ? this.shape(e.fallback, ctx) : CONSTANT;
    const key = e.key ? this.shape(e.key, ctx) : CONSTANT;
    if ([source, filter, elem, fallback, key].every((s) => s.mono === "const")) return CONSTANT;
    if (source.mono !== "const" || filter.mono !== "const" || key.mono !== "const") return UNKNOWN;
    // Over a fixed list, sum, min, max, avg, any and all move with each element.
    if (["sum", "min", "max", "avg", "any", "all"].includes(e.op))
      return { mono: combine(elem.mono, fallback.mono), continuous: elem.continuous && fallback.continuous };
    return e.op === "count" ? CONSTANT : UNKNOWN;
  }
}

/** Whether every term can be evaluated somewhere in `ctx` (a comparison must not hold vacuously). */
function feasible(analyzer: Analyzer, terms: readonly IrExpr[], ctx: Context): boolean {
  return terms.every((t) => analyzer.tryInterval(t, ctx).lo <= analyzer.tryInterval(t, ctx).hi);
}

/** `f(key)` for `f` with tag `profile` and a key with tag `key`. */
function compose(profile: Mono, key: Mono): Mono {
  if (key === "const" || profile === "const") return "const";
  if (profile === "inc") return key;
  if (profile === "dec") return flip(key);
  return "any";
}

/** The tag of a sequence of values (a column down the rows). */
function sequenceTag(values: readonly number[]): Mono {
  let up = false;
  let down = false;
  for (let i = 1; i < values.length; i++) {
    if (values[i]! > values[i - 1]!) up = true;
    if (values[i]! < values[i - 1]!) down = true;
  }
  return up && down ? "any" : up ? "inc" : down ? "dec" : "const";
}

/**
 * How `table.margin(x, column)` (or `deduction`) moves with `x` across rows `from..to`: the slope in
 * each row, and the jump at each boundary between them (left limit to the value on the right).
 */
export function marginProfile(
  table: IrTierTable,
  column: number,
  deduction: boolean,
  from: number,
  to: number,
): Shape & { jumps: number[] } {
  const value = (r: number, x: number): number => {
    const row = table.rows[r]!;
    const cum = row.deductions[column] ?? 0;
    return deduction ? cum : x * row.cells[column]! - cum;
  };
  let up = false;
  let down = false;
  let continuous = true;
  const jumps: number[] = [];
  for (let r = from; r <= to; r++) {
    const slope = deduction ? 0 : table.rows[r]!.cells[column]!;
    if (slope > 0) up = true;
    if (slope < 0) down = true;
    if (r === from) continue;
    const boundary = table.rows[r]!.lower;
    const left = value(r - 1, boundary);
    const right = value(r, boundary);
    const jump = right - left;
    jumps.push(jump);
    const tolerance = 1e-9 * Math.max(1, Math.abs(left), Math.abs(right));
    if (jump > tolerance) up = true;
    if (jump < -tolerance) down = true;
    if (Math.abs(jump) > tolerance) continuous = false;
  }
  return { mono: up && down ? "any" : up ? "inc" : down ? "dec" : "const", continuous, jumps };
}
