/**
 * The built-in functions of the IR, declared once: arity, fallibility, documentation and the
 * implementation on runtime values.
 *
 * Everything else keyed by a built-in stands on this table: the checker's type rules and constant
 * folding, the lowerer (which calls carry a site), the interpreter, the code generator's emitters,
 * the artifact schema's enum and arities, and the verifier's transfer functions. Those tables are
 * complete `Record<IrBuiltin, ...>`s, so adding a name to {@link IrBuiltin} makes `tsc` list every
 * table that still needs an entry.
 */
import type { IrArithmetic, IrBuiltin } from "../ir/ir.js";
import { Dec, decExp, decLn, decNormalCdf, decPow, decRoundToStep, decSqrt } from "./decimal.js";
import { decBlack76, decBlackScholes, type DecimalOption } from "./decimal-pricing.js";
import { runtimeErrors, type Raise } from "./errors.js";
import { black76, black76Df, blackScholes, blackScholesDf, normalCdf, roundDynamic } from "./numeric.js";
import { decimalBankruptcyPrice } from "./decimal-liquidation.js";
import { bankruptcyPriceCall } from "./liquidation.js";
import type { Value } from "./value.js";
import { decKth, decQuantile, kth, quantile } from "./order-statistics.js";

/** The declaration of one built-in function. */
export interface BuiltinDeclaration {
  /** How many arguments a call takes: `[min, max]`. */
  arity: readonly [number, number];
  /** Whether a call can raise a runtime error (MB6xxx): its calls then carry a site. */
  fallible: boolean;
  /** The signature as the docs and the editor show it. */
  signature: string;
  /** One sentence for the docs, hover and completion. */
  doc: string;
  /** Whether the checker offers it by name (`length` is only produced by lowering `count(list)`). */
  surface: boolean;
  /** The implementation on evaluated arguments; raises through `raise` with the call's site. */
  apply(args: readonly Value[], site: number, raise: Raise): Value;
  /**
   * The implementation in decimal arithmetic (`arithmetic decimal`): numbers are {@link Dec}s, and
   * results that are not exact are rounded to `context.scale` places (see `decimal.ts`).
   */
  decimal(args: readonly Value[], site: number, raise: Raise, context: IrArithmetic): Value;
}

const dec = (args: readonly Value[], i: number): Dec => args[i] as unknown as Dec;
const value = (d: Dec): Value => d as unknown as Value;

function option(args: readonly Value[], discountFactor = false): DecimalOption {
  return {
    discountFactor,
    kind: args[0] as string,
    underlying: dec(args, 1),
    strike: dec(args, 2),
    vol: dec(args, 3),
    seconds: dec(args, 4),
    rate: dec(args, 5),
  };
}

const num = (args: readonly Value[], i: number): number => args[i] as number;

/** The implementation of a pricing builtin: (kind, underlying, strike, vol, time, rate or factor). */
const priced =
  (
    price: (
      kind: string,
      underlying: number,
      strike: number,
      vol: number,
      seconds: number,
      rateOrFactor: number,
      site: number,
      raise: Raise,
    ) => number,
  ) =>
  (args: readonly Value[], site: number, raise: Raise): number =>
    price(
      args[0] as string,
      num(args, 1),
      num(args, 2),
      num(args, 3),
      num(args, 4),
      num(args, 5),
      site,
      raise,
    );

/** `pow(x, y)`; a negative base to a fractional power (a NaN from numbers) raises MB6010. */
export function checkedPow(x: number, y: number, site: number, raise: Raise): number {
  const result = Math.pow(x, y);
  if (result !== result && x === x && y === y)
    raise(site, runtimeErrors.invalidArgument, {
      fn: "pow",
      detail: `${String(x)} to the power ${String(y)} is not a real number`,
    });
  return result;
}

function rounding(direction: "up" | "down" | "half_even"): BuiltinDeclaration {
  const what =
    direction === "half_even"
      ? "to the nearest multiple of `step`, ties to even"
      : `${direction} to a multiple of \`step\``;
  return {
    arity: [2, 2],
    fallible: true,
    signature: `round_${direction}(x: T, step: T) -> T`,
    doc: `Rounds \`x\` ${what}.`,
    surface: true,
    apply: (args, site, raise) => roundDynamic(direction, num(args, 0), num(args, 1), site, raise),
    decimal: (args, site, raise) => value(decRoundToStep(direction, dec(args, 0), dec(args, 1), site, raise)),
  };
}

/** Every built-in function, by its IR name. */
export const BUILTINS: Readonly<Record<IrBuiltin, BuiltinDeclaration>> = {
  min: {
    arity: [2, 16],
    fallible: false,
    surface: true,
    signature: "min(a: T, b: T, ...) -> T",
    doc: "The smallest argument; as an aggregate, the smallest element.",
    apply: (args) => Math.min(...(args as number[])),
    decimal: (args) => value(Dec.min(...(args as unknown as Dec[]))),
  },
  max: {
    arity: [2, 16],
    fallible: false,
    surface: true,
    signature: "max(a: T, b: T, ...) -> T",
    doc: "The largest argument; as an aggregate, the largest element.",
    apply: (args) => Math.max(...(args as number[])),
    decimal: (args) => value(Dec.max(...(args as unknown as Dec[]))),
  },
  clamp: {
    arity: [3, 3],
    fallible: false,
    surface: true,
    signature: "clamp(x: T, low: T, high: T) -> T",
    doc: "`x` limited to the range [low, high].",
    apply: (args) => Math.min(Math.max(num(args, 0), num(args, 1)), num(args, 2)),
    decimal: (args) => value(Dec.min(Dec.max(dec(args, 0), dec(args, 1)), dec(args, 2))),
  },
  abs: {
    arity: [1, 1],
    fallible: false,
    surface: true,
    signature: "abs(x: T) -> T",
    doc: "The absolute value of `x`.",
    apply: (args) => Math.abs(num(args, 0)),
    decimal: (args) => value(dec(args, 0).abs()),
  },
  sqrt: {
    arity: [1, 1],
    fallible: true,
    surface: true,
    signature: "sqrt(x: Number) -> Number",
    doc: "The square root; `x` must be dimensionless or have even unit exponents. Negative `x` is a runtime error.",
    apply: (args, site, raise) => {
      const x = num(args, 0);
      if (x < 0) raise(site, runtimeErrors.sqrtOfNegative, { value: x });
      return Math.sqrt(x);
    },
    decimal: (args, site, raise, context) => value(decSqrt(dec(args, 0), context, site, raise)),
  },
  pow: {
    arity: [2, 2],
    fallible: true,
    surface: true,
    signature: "pow(x: Number, y: Number) -> Number",
    doc: "`x` raised to the power `y`; a result that is not a real number (`pow(-8, 1/3)`) is a runtime error.",
    apply: (args, site, raise) => checkedPow(num(args, 0), num(args, 1), site, raise),
    decimal: (args, site, raise, context) => value(decPow(dec(args, 0), dec(args, 1), context, site, raise)),
  },
  exp: {
    arity: [1, 1],
    fallible: false,
    surface: true,
    signature: "exp(x: Number) -> Number",
    doc: "e raised to the power `x`.",
    apply: (args) => Math.exp(num(args, 0)),
    decimal: (args, site, raise, context) => value(decExp(dec(args, 0), context, site, raise)),
  },
  ln: {
    arity: [1, 1],
    fallible: true,
    surface: true,
    signature: "ln(x: Number) -> Number",
    doc: "The natural logarithm; `x <= 0` is a runtime error.",
    apply: (args, site, raise) => {
      const x = num(args, 0);
      if (x <= 0) raise(site, runtimeErrors.lnOfNonPositive, { value: x });
      return Math.log(x);
    },
    decimal: (args, site, raise, context) => value(decLn(dec(args, 0), context, site, raise)),
  },
  round_up: rounding("up"),
  round_down: rounding("down"),
  round_half_even: rounding("half_even"),
  normal_cdf: {
    arity: [1, 1],
    fallible: false,
    surface: true,
    signature: "normal_cdf(x: Number) -> Number",
    doc: "The standard normal cumulative distribution function.",
    apply: (args) => normalCdf(num(args, 0)),
    decimal: (args, _site, _raise, context) => value(decNormalCdf(dec(args, 0), context)),
  },
  black76: {
    arity: [6, 6],
    fallible: true,
    surface: true,
    signature: "black76(kind, forward: P, strike: P, vol: Rate, time: Duration, rate: Rate) -> P",
    doc: "Black-76 value of a European option on a future (`kind` is `call` or `put`).",
    apply: priced(black76),
    decimal: (args, site, raise, context) => value(decBlack76(option(args), context, site, raise)),
  },
  black_scholes: {
    arity: [6, 6],
    fallible: true,
    surface: true,
    signature: "black_scholes(kind, spot: P, strike: P, vol: Rate, time: Duration, rate: Rate) -> P",
    doc: "Black-Scholes value of a European option on a spot underlying.",
    apply: priced(blackScholes),
    decimal: (args, site, raise, context) => value(decBlackScholes(option(args), context, site, raise)),
  },
  black76_df: {
    arity: [6, 6],
    fallible: true,
    surface: true,
    signature: "black76_df(kind, forward: P, strike: P, vol: Rate, time: Duration, discount: Number) -> P",
    doc: "`black76` with the discount factor to expiry (`e^(-rate x time)`, as venues publish it) instead of the rate.",
    apply: priced(black76Df),
    decimal: (args, site, raise, context) => value(decBlack76(option(args, true), context, site, raise)),
  },
  black_scholes_df: {
    arity: [6, 6],
    fallible: true,
    surface: true,
    signature: "black_scholes_df(kind, spot: P, strike: P, vol: Rate, time: Duration, discount: Number) -> P",
    doc: "`black_scholes` with the discount factor to expiry instead of the rate.",
    apply: priced(blackScholesDf),
    decimal: (args, site, raise, context) => value(decBlackScholes(option(args, true), context, site, raise)),
  },
  bankruptcy_price: {
    arity: [4, 6],
    fallible: true,
    surface: true,
    signature:
      "bankruptcy_price(side, size: Q, entry: P, balance: M, contract: linear|inverse, closing_fee: Rate) -> P",
    doc:
      "The price at which the margin balance `balance + side * size * (price - entry)` (inverse: `balance + side * size * (1 / entry - 1 / price)`), " +
      "less the closing fee on the notional there, reaches 0. Named options: `contract: inverse` (size in USD contracts, balance in the coin), `closing_fee: <rate>`.",
    // Lowered with the options as its two last arguments: the fee rate and the contract's name.
    apply: (args, site, raise) =>
      bankruptcyPriceCall(
        args[0] as string,
        num(args, 1),
        num(args, 2),
        num(args, 3),
        args[4] as number | undefined,
        args[5] as string | undefined,
        site,
        raise,
      ),
    decimal: (args, site, raise, context) =>
      value(
        decimalBankruptcyPrice(
          {
            marginAt: "liquidation",
            contract: args[5] === "inverse" ? "inverse" : "linear",
            closingFee: args[4] === undefined ? 0 : dec(args, 4).toNumber(),
          },
          args[0] as string,
          dec(args, 1),
          dec(args, 2),
          dec(args, 3),
          context,
          site,
          raise,
        ),
      ),
  },
  length: {
    arity: [1, 1],
    fallible: false,
    surface: false,
    signature: "length(list) -> Number",
    doc: "The number of elements of a list (what `count(list)` lowers to).",
    apply: (args) => (args[0] as readonly Value[]).length,
    decimal: (args) => value(new Dec((args[0] as readonly Value[]).length)),
  },
  quantile: {
    arity: [2, 2],
    fallible: true,
    surface: true,
    signature: "quantile(xs: List<T>, q: Number) -> T",
    doc: "The `q`-quantile of `xs` (0 <= q <= 1), interpolated linearly between order statistics (Hyndman-Fan definition 7).",
    apply: (args, site, raise) => quantile(args[0] as readonly number[], num(args, 1), site, raise),
    decimal: (args, site, raise) =>
      value(decQuantile(args[0] as unknown as readonly Dec[], dec(args, 1), site, raise)),
  },
  kth_smallest: {
    arity: [2, 2],
    fallible: true,
    surface: true,
    signature: "kth_smallest(xs: List<T>, k: Integer) -> T",
    doc: "The `k`-th smallest element of `xs`, 1-based (`k = 1` is the minimum).",
    apply: (args, site, raise) => kth(args[0] as readonly number[], num(args, 1), false, site, raise),
    decimal: (args, site, raise) =>
      value(decKth(args[0] as unknown as readonly Dec[], dec(args, 1), false, site, raise)),
  },
  kth_largest: {
    arity: [2, 2],
    fallible: true,
    surface: true,
    signature: "kth_largest(xs: List<T>, k: Integer) -> T",
    doc: "The `k`-th largest element of `xs`, 1-based (`k = 1` is the maximum).",
    apply: (args, site, raise) => kth(args[0] as readonly number[], num(args, 1), true, site, raise),
    decimal: (args, site, raise) =>
      value(decKth(args[0] as unknown as readonly Dec[], dec(args, 1), true, site, raise)),
  },
};

/** The names of every built-in, in declaration order. */
export const BUILTIN_NAMES: readonly IrBuiltin[] = Object.keys(BUILTINS) as IrBuiltin[];

/** Whether `name` is an IR built-in (own keys only: `valueOf` is not). */
export function isBuiltin(name: string): name is IrBuiltin {
  return Object.hasOwn(BUILTINS, name);
}
