/**
 * Black-76 and Black-Scholes in decimal arithmetic: the formulas of `numeric.ts`, composed from the
 * decimal `/`, `sqrt`, `exp`, `ln` and `normal_cdf`, each rounded to the rulebook's scale.
 */
import type { IrArithmetic } from "../ir/ir.js";
import { Dec, decDivide, decExp, decLn, decNormalCdf, decSqrt } from "./decimal.js";
import { runtimeErrors, type Raise } from "./errors.js";
import { checkOptionArguments, SECONDS_PER_YEAR } from "./numeric.js";

/**
 * The arguments of an option pricing call, as decimals. `rate` is the interest rate, or with
 * `discountFactor` set (`black76_df`, `black_scholes_df`), the discount factor to expiry.
 */
export interface DecimalOption {
  kind: string;
  underlying: Dec;
  strike: Dec;
  vol: Dec;
  seconds: Dec;
  rate: Dec;
  discountFactor?: boolean;
}

/** The discounting to expiry: the factor e^(-rT) and rT itself. */
function discounting(
  fn: string,
  o: DecimalOption,
  t: Dec,
  context: IrArithmetic,
  site: number,
  raise: Raise,
) {
  if (!o.discountFactor) {
    const rt = o.rate.times(t);
    return { factor: decExp(rt.neg(), context, site, raise), rt };
  }
  if (!o.rate.gt(0))
    raise(site, runtimeErrors.invalidArgument, {
      fn,
      detail: `the discount factor must be positive and finite, not ${o.rate.toFixed()}`,
    });
  return { factor: o.rate, rt: decLn(o.rate, context, site, raise).neg() };
}

function common(fn: string, o: DecimalOption, context: IrArithmetic, site: number, raise: Raise) {
  fn = o.discountFactor ? `${fn}_df` : fn;
  checkOptionArguments(
    fn,
    o.underlying.toNumber(),
    o.strike.toNumber(),
    o.vol.toNumber(),
    o.seconds.toNumber(),
    site,
    raise,
  );
  const t = decDivide(o.seconds, new Dec(SECONDS_PER_YEAR), context, site, raise);
  const spread = o.vol.times(decSqrt(t, context, site, raise));
  return { spread, ...discounting(fn, o, t, context, site, raise) };
}

function d1Of(o: DecimalOption, drift: Dec, spread: Dec, context: IrArithmetic, site: number, raise: Raise) {
  const ln = decLn(decDivide(o.underlying, o.strike, context, site, raise), context, site, raise);
  const d1 = decDivide(ln.plus(drift).plus(spread.times(spread).div(2)), spread, context, site, raise);
  return { d1, d2: d1.minus(spread) };
}

/** Black-76 in decimal arithmetic (see `black76` in `numeric.ts`). */
export function decBlack76(o: DecimalOption, context: IrArithmetic, site: number, raise: Raise): Dec {
  const { spread, factor: discount } = common("black76", o, context, site, raise);
  const call = o.kind === "call";
  if (spread.isZero())
    return discount.times(Dec.max(call ? o.underlying.minus(o.strike) : o.strike.minus(o.underlying), 0));
  const { d1, d2 } = d1Of(o, new Dec(0), spread, context, site, raise);
  const n = (x: Dec): Dec => decNormalCdf(x, context);
  return call
    ? discount.times(o.underlying.times(n(d1)).minus(o.strike.times(n(d2))))
    : discount.times(o.strike.times(n(d2.neg())).minus(o.underlying.times(n(d1.neg()))));
}

/** Black-Scholes in decimal arithmetic (see `blackScholes` in `numeric.ts`). */
export function decBlackScholes(o: DecimalOption, context: IrArithmetic, site: number, raise: Raise): Dec {
  const { spread, factor, rt } = common("black_scholes", o, context, site, raise);
  const discountedStrike = o.strike.times(factor);
  const call = o.kind === "call";
  if (spread.isZero())
    return Dec.max(call ? o.underlying.minus(discountedStrike) : discountedStrike.minus(o.underlying), 0);
  const { d1, d2 } = d1Of(o, rt, spread, context, site, raise);
  const n = (x: Dec): Dec => decNormalCdf(x, context);
  return call
    ? o.underlying.times(n(d1)).minus(discountedStrike.times(n(d2)))
    : discountedStrike.times(n(d2.neg())).minus(o.underlying.times(n(d1.neg())));
}
