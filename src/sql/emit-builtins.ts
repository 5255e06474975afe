/**
 * The SQL of each built-in function and of rounding to a step: one complete table keyed by
 * {@link IrBuiltin}, so that a new builtin does not compile until it has SQL (or says why it cannot).
 *
 * Each entry reproduces `callBuiltin` in `src/semantics/builtins.ts`: the same double operations,
 * the same checks raising the same MB6xxx codes; arguments the engine would refuse (the square root
 * of a negative, the logarithm of 0) are replaced by harmless values, since such rows carry an error.
 * Rounding reproduces `src/semantics/numeric.ts` step by step (quotient, snap, ceil / floor / half-even,
 * the exact decimal rescaling, `+ 0` for a positive zero).
 */
import type { IrBuiltin, IrRounding } from "../ir/ir.js";
import { decimalStep } from "../semantics/numeric.js";
import type { LiquidationConvention } from "../semantics/liquidation.js";
import type { SqlDialect } from "./dialect.js";
import { bankruptcySql } from "./emit-liquidation.js";
import { normalCdfSql, optionArgumentsInvalid, optionSql, type OptionFn } from "./emit-pricing.js";
import { SCALAR, firstError, raiseWhen, type SqlValue } from "./sql-value.js";

/** What a builtin needs from the emitter: the dialect and a way to name a value used several times. */
export interface BuiltinContext {
  dialect: SqlDialect;
  /** Returns SQL that refers to `sql`, computed once (a column, or a lambda parameter). */
  share(sql: string, body: (ref: string) => string): string;
  /** The IR constant an argument is, when it is one. */
  constant(index: number): number | undefined;
  /** The IR text constant an argument is (an enum member), when it is one. */
  text(index: number): string | undefined;
}

/**
 * A builtin's SQL, or the reason it has none (reported as MB5101 / MB5102; with `decimal`, the
 * reason it cannot be exact in decimal arithmetic, reported as MB5110).
 */
export type BuiltinSql = (
  args: SqlValue[],
  ctx: BuiltinContext,
) => SqlValue | { unsupported: string; runtimeStep?: true; decimal?: string };

const MAX_EXACT = 9007199254740991;

/** Order statistics sort a list: no SQL form here (MB5101). */
const noOrderStatistics =
  (fn: string): BuiltinSql =>
  () => ({ unsupported: `order statistics (\`${fn}\`) have no SQL form here` });
const errorsOf = (args: SqlValue[]): (string | null)[] => args.map((a) => a.e);

function scalar(v: string, args: SqlValue[], d: SqlDialect, own: string | null = null): SqlValue {
  return { v, e: firstError(d, [...errorsOf(args), own]), shape: SCALAR };
}

/**
 * JavaScript's `Math.min` / `Math.max` of two values: NaN when either is NaN (SQL engines order NaN
 * above every number instead), and -0 below +0 (SQL engines take them as equal), so that the sign of
 * a zero result is the runtime's.
 */
export function jsMinMax(
  fn: "min" | "max",
  a: string,
  b: string,
  ctx: Pick<BuiltinContext, "dialect" | "share">,
): string {
  const d = ctx.dialect;
  return ctx.share(a, (x) =>
    ctx.share(b, (y) => {
      const tie = fn === "min" ? `-((-${x}) + (-${y}))` : `(${x} + ${y})`;
      const [first, second] = fn === "min" ? ["<", ">"] : [">", "<"];
      return `(CASE WHEN ${d.isNan(x)} OR ${d.isNan(y)} THEN ${d.nan} WHEN ${x} ${first} ${y} THEN ${x} WHEN ${x} ${second} ${y} THEN ${y} WHEN ${x} = ${d.number(0)} THEN ${tie} ELSE ${x} END)`;
    }),
  );
}

/** `Math.min` / `Math.max` of several values, folded in pairs. */
function fold(fn: "min" | "max", values: string[], ctx: BuiltinContext): string {
  return values.slice(1).reduce((acc, v) => jsMinMax(fn, acc, v, ctx), values[0]!);
}

function rounding(direction: "up" | "down" | "half_even"): BuiltinSql {
  return (args, ctx) => {
    const step = ctx.constant(1);
    if (step === undefined) return { unsupported: `round_${direction}`, runtimeStep: true };
    const d = ctx.dialect;
    if (!(step > 0) || step === Infinity) return scalar(d.nan, args, d, d.text("MB6010"));
    return scalar(roundSql(args[0]!.v, { direction, step, ...decimalStep(step) }, ctx), args, d);
  };
}

function option(fn: OptionFn, args: SqlValue[], ctx: BuiltinContext): SqlValue {
  const d = ctx.dialect;
  const v = args.map((a) => a.v);
  const value = optionSql(d, fn, v, ctx.share, (x) => jsMinMax("max", x, d.number(0), ctx));
  let invalid = optionArgumentsInvalid(d, v[1]!, v[2]!, v[3]!, v[4]!);
  // A discount factor must be positive (numeric.ts raises MB6010 otherwise), checked after the others.
  if (fn === "black76_df" || fn === "black_scholes_df")
    invalid = `${invalid} OR NOT (${v[5]!} > ${d.number(0)}) OR ${d.isNan(v[5]!)}`;
  return scalar(value, args, d, raiseWhen(d, invalid, "MB6010"));
}

/** The table: every builtin of the IR, with its SQL. */
export const builtinSql = {
  min: (args, ctx) =>
    scalar(
      fold(
        "min",
        args.map((a) => a.v),
        ctx,
      ),
      args,
      ctx.dialect,
    ),
  max: (args, ctx) =>
    scalar(
      fold(
        "max",
        args.map((a) => a.v),
        ctx,
      ),
      args,
      ctx.dialect,
    ),
  clamp: (args, ctx) =>
    scalar(jsMinMax("min", jsMinMax("max", args[0]!.v, args[1]!.v, ctx), args[2]!.v, ctx), args, ctx.dialect),
  abs: (args, { dialect }) => scalar(`abs(${args[0]!.v})`, args, dialect),
  sqrt: (args, ctx) => {
    const d = ctx.dialect;
    const zero = d.number(0);
    const v = ctx.share(args[0]!.v, (x) => `sqrt(CASE WHEN ${x} < ${zero} THEN ${zero} ELSE ${x} END)`);
    return scalar(
      v,
      args,
      d,
      ctx.share(args[0]!.v, (x) => raiseWhen(d, `${x} < ${zero}`, "MB6003")),
    );
  },
  pow: (args, ctx) => {
    const d = ctx.dialect;
    const v = `pow(${args[0]!.v}, ${args[1]!.v})`;
    const own = raiseWhen(
      d,
      `${d.isNan(v)} AND NOT ${d.isNan(args[0]!.v)} AND NOT ${d.isNan(args[1]!.v)}`,
      "MB6010",
    );
    return scalar(v, args, d, own);
  },
  exp: (args, { dialect }) => scalar(`exp(${args[0]!.v})`, args, dialect),
  ln: (args, ctx) => {
    const d = ctx.dialect;
    const fn = d.name === "duckdb" ? "ln" : "log";
    const v = ctx.share(
      args[0]!.v,
      (x) => `${fn}(CASE WHEN ${x} <= ${d.number(0)} THEN ${d.number(1)} ELSE ${x} END)`,
    );
    return scalar(
      v,
      args,
      d,
      ctx.share(args[0]!.v, (x) => raiseWhen(d, `${x} <= ${d.number(0)}`, "MB6004")),
    );
  },
  round_up: rounding("up"),
  round_down: rounding("down"),
  round_half_even: rounding("half_even"),
  normal_cdf: (args, ctx) => scalar(normalCdfSql(ctx.dialect, args[0]!.v, ctx.share), args, ctx.dialect),
  black76: (args, ctx) => option("black76", args, ctx),
  black_scholes: (args, ctx) => option("black_scholes", args, ctx),
  black76_df: (args, ctx) => option("black76_df", args, ctx),
  black_scholes_df: (args, ctx) => option("black_scholes_df", args, ctx),
  bankruptcy_price: (args, ctx) => bankruptcy(args, ctx),
  length: (args, { dialect }) => scalar(dialect.length(args[0]!.v), args, dialect),
  quantile: noOrderStatistics("quantile"),
  kth_smallest: noOrderStatistics("kth_smallest"),
  kth_largest: noOrderStatistics("kth_largest"),
} as const satisfies Record<IrBuiltin, BuiltinSql>;

/** `bankruptcy_price(side, size, entry, balance[, fee, contract])`: the options are IR constants. */
function bankruptcy(args: SqlValue[], ctx: BuiltinContext): SqlValue {
  const convention: LiquidationConvention = {
    marginAt: "liquidation",
    contract: ctx.text(5) === "inverse" ? "inverse" : "linear",
    closingFee: ctx.constant(4) ?? 0,
  };
  const [side, size, entry, balance] = args.map((a) => a.v) as [string, string, string, string];
  const { value, error } = bankruptcySql(ctx.dialect, convention, { side, size, entry, balance }, ctx.share);
  return scalar(value, args, ctx.dialect, error);
}

/**
 * `round(x)` to a constant step, as `roundUp` / `roundDown` / `roundHalfEven` compute it. The
 * quotient and the chosen multiple are shared (computed once), the rest is plain double arithmetic.
 */
export function roundSql(x: string, r: IrRounding, ctx: Pick<BuiltinContext, "dialect" | "share">): string {
  const d = ctx.dialect;
  const num = d.number.bind(d);
  const tolerance = (q: string): string =>
    `greatest(${num(1e-9)}, least(${num(1e-12)} * abs(${q}), ${num(1e-3)}))`;
  const jsRound = (y: string): string =>
    `(CASE WHEN ${y} - floor(${y}) >= ${num(0.5)} THEN floor(${y}) + ${num(1)} ELSE floor(${y}) END)`;
  const even = (z: string): string => `(${z} - ${num(2)} * floor(${z} / ${num(2)})) = ${num(0)}`;
  if (r.direction !== "half_even") return directedSql(x, r, ctx);
  return ctx.share(`(${x} / ${num(r.step)})`, (q) => {
    const n = ctx.share(jsRound(`(${num(2)} * ${q})`), (h) => {
      const below = `((${h} - ${num(1)}) / ${num(2)})`;
      const tie = `(CASE WHEN ${even(h)} THEN ${h} / ${num(2)} WHEN ${even(below)} THEN ${below} ELSE ${below} + ${num(1)} END)`;
      return `(CASE WHEN abs(${num(2)} * ${q} - ${h}) <= ${num(2)} * ${tolerance(q)} THEN ${tie} ELSE ${jsRound(q)} END)`;
    });
    return ctx.share(n, (m) => scaledSql(m, r, d));
  });
}

/**
 * `round up` / `round down` as `roundUp` / `roundDown` compute them: the snapped multiple only when
 * it does not cross `x`, then the ceiling (floor), then the next multiple, then `x` itself.
 */
function directedSql(x: string, r: IrRounding, ctx: Pick<BuiltinContext, "dialect" | "share">): string {
  const d = ctx.dialect;
  const num = d.number.bind(d);
  const up = r.direction === "up";
  const [towards, back, cmp] = up ? ["ceil", "-", ">="] : ["floor", "+", "<="];
  const ahead = up ? "+" : "-";
  return ctx.share(x, (v) =>
    ctx.share(`(${v} / ${num(r.step)})`, (q) =>
      ctx.share(`${towards}(${q})`, (c) => {
        const gap = up ? `(${c} - ${q})` : `(${q} - ${c})`;
        const snapGap = up ? `(${q} - (${c} - ${num(1)}))` : `((${c} + ${num(1)}) - ${q})`;
        const tolerance = `greatest(${num(1e-9)}, least(${num(1e-12)} * abs(${q}), ${num(1e-3)}))`;
        const snapped = scaledSql(`(${c} ${back} ${num(1)})`, r, d);
        const plain = scaledSql(c, r, d);
        const next = scaledSql(`(${c} ${ahead} ${num(1)})`, r, d);
        return (
          `(CASE WHEN ${gap} > ${num(0.5)} AND ${snapGap} <= ${tolerance} AND ${snapped} ${cmp} ${v} THEN ${snapped}` +
          ` WHEN ${plain} ${cmp} ${v} THEN ${plain} WHEN ${next} ${cmp} ${v} THEN ${next} ELSE ${v} + ${num(0)} END)`
        );
      }),
    ),
  );
}

function scaledSql(n: string, r: IrRounding, d: SqlDialect): string {
  const byStep = `(${n} * ${d.number(r.step)} + ${d.number(0)})`;
  if (r.units <= 0) return byStep;
  const m = `(${n} * ${d.number(r.units)})`;
  return `(CASE WHEN abs(${m}) <= ${d.number(MAX_EXACT)} THEN ${m} / ${d.number(r.scale)} + ${d.number(0)} ELSE ${byStep} END)`;
}
