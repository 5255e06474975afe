/**
 * The SQL of each built-in function in decimal arithmetic (`arithmetic decimal`): one complete table
 * keyed by {@link IrBuiltin}, as `BUILTINS[fn].decimal` in `src/semantics/builtins.ts` computes them.
 * What DuckDB cannot compute exactly to the declared scale (its `sqrt`, `exp`, `ln` and the pricing
 * functions work in DOUBLE) is refused with MB5110 naming the function, never approximated.
 */
import type { IrArithmetic, IrBuiltin } from "../ir/ir.js";
import { builtinSql, type BuiltinContext, type BuiltinSql } from "./emit-builtins.js";
import { decCount, decDivide, decLiteral, decMultiply, decRoundToStep, type DecSql } from "./decimal-sql.js";
import { SCALAR, firstError, type SqlValue } from "./sql-value.js";
import { Dec } from "../semantics/decimal.js";

/** A builtin's decimal SQL needs the rulebook's arithmetic (the scale and rounding of `/`). */
export type DecimalBuiltinSql = (
  args: SqlValue[],
  ctx: BuiltinContext,
  arithmetic: IrArithmetic,
) => ReturnType<BuiltinSql>;

/** The reason a builtin is refused in decimal arithmetic: DuckDB computes it in DOUBLE. */
const INEXACT = (fn: string): { unsupported: string; decimal: string } => ({
  unsupported: `\`${fn}\``,
  decimal: `the engine computes \`${fn}\` in DOUBLE, which is not the runtime's result to the declared scale`,
});

function scalar(v: string, args: SqlValue[], ctx: BuiltinContext, own: (string | null)[] = []): SqlValue {
  return { v, e: firstError(ctx.dialect, [...args.map((a) => a.e), ...own]), shape: SCALAR };
}

function rounding(direction: "up" | "down" | "half_even"): DecimalBuiltinSql {
  return (args, ctx) => {
    const r: DecSql = decRoundToStep(ctx.dialect, direction, args[0]!.v, args[1]!.v, ctx.share);
    return scalar(r.v, args, ctx, [r.e]);
  };
}

/** The largest constant integer exponent `pow` unrolls into products. */
const MAX_POWER = 16;

/** The table: every builtin of the IR, with its decimal SQL or the reason it has none. */
export const decimalBuiltinSql = {
  min: (args, ctx) => scalar(`least(${args.map((a) => a.v).join(", ")})`, args, ctx),
  max: (args, ctx) => scalar(`greatest(${args.map((a) => a.v).join(", ")})`, args, ctx),
  clamp: (args, ctx) => scalar(`least(greatest(${args[0]!.v}, ${args[1]!.v}), ${args[2]!.v})`, args, ctx),
  abs: (args, ctx) => scalar(`abs(${args[0]!.v})`, args, ctx),
  sqrt: () => INEXACT("sqrt"),
  exp: () => INEXACT("exp"),
  ln: () => INEXACT("ln"),
  normal_cdf: () => INEXACT("normal_cdf"),
  black76: () => INEXACT("black76"),
  black_scholes: () => INEXACT("black_scholes"),
  black76_df: () => INEXACT("black76_df"),
  black_scholes_df: () => INEXACT("black_scholes_df"),
  bankruptcy_price: () => INEXACT("bankruptcy_price"),
  pow: (args, ctx, arithmetic) => {
    // An integer exponent given as a constant is exact (repeated products; 1 / x^n when negative).
    const exponent = ctx.constant(1);
    if (exponent === undefined || !Number.isInteger(exponent) || Math.abs(exponent) > MAX_POWER)
      return {
        unsupported: "`pow` with an exponent that is not a constant integer",
        decimal: `only a constant integer exponent (up to ${MAX_POWER}) is exact in SQL; the engine's pow computes in DOUBLE`,
      };
    const one = decLiteral(new Dec(1))!;
    const errors: (string | null)[] = [];
    let power = one;
    for (let i = 0; i < Math.abs(exponent); i++) {
      const product =
        i === 0 ? { v: args[0]!.v, e: null } : decMultiply(ctx.dialect, power, args[0]!.v, ctx.share);
      power = product.v;
      errors.push(product.e);
    }
    if (exponent < 0) {
      const zero = `${args[0]!.v} = 0`;
      const q = decDivide(ctx.dialect, one, power, arithmetic.scale, arithmetic.rounding, ctx.share);
      errors.push(
        `(CASE WHEN ${zero} THEN ${ctx.dialect.text("MB6010")} ELSE ${ctx.dialect.nullText} END)`,
        q.e,
      );
      power = q.v;
    }
    return scalar(power, args, ctx, errors);
  },
  round_up: rounding("up"),
  round_down: rounding("down"),
  round_half_even: rounding("half_even"),
  length: (args, ctx) => scalar(decCount(ctx.dialect, args[0]!.v), args, ctx),
  quantile: builtinSql.quantile,
  kth_smallest: builtinSql.kth_smallest,
  kth_largest: builtinSql.kth_largest,
} as const satisfies Record<IrBuiltin, DecimalBuiltinSql>;
