/**
 * The numeric semantics of marginbook, shared by every evaluator (and by the compiler's constant
 * folding), so that all of them compute bit-identical results.
 *
 * Numbers are IEEE 754 binary64. Arithmetic is JavaScript's, evaluated in the order written.
 * The only rounding to a step is where a rulebook asks for it (an output's `round ... to`, or
 * `round_up` / `round_down` / `round_half_even`), and it is computed robustly:
 *
 * 1. q = x / step is computed in binary64;
 * 2. q is snapped to the nearest integer n (or, for half-even, the nearest half-integer) when it lies
 *    within max(1e-9, min(1e-12 * |q|, 1e-3)) of it: q read to about 12 significant digits, never
 *    finer than a billionth of a step and never coarser than a thousandth of one. Binary noise from
 *    decimal steps and a few operations is ~1e-15 relative, far below this, so `round_up(0.3, 0.01)`
 *    is 0.3 (q = 29.999999999999996), not 0.31. Beyond ~10^13 steps (10^11 USDT to the cent) binary64
 *    itself resolves the step only roughly, and noise may move a result by one step;
 * 3. n = ceil / floor / nearest-ties-to-even of q;
 * 4. the result is n * units / scale when the step is the short decimal units / scale (0.01 = 1 / 100)
 *    and n * units is an exact integer: one correctly rounded division, so the result is the double
 *    nearest to the decimal n x step (71200.82, never 71200.82000000001). Otherwise it is n * step.
 *    A zero result is +0.
 *
 * **Directed rounding never crosses its argument** ({@link roundUp} returns a double >= x, and
 * {@link roundDown} one <= x, for every finite x, 5e-324 included): the snap of step 2 may only undo
 * the noise of the division q = x / step, never move the result past x. Exactly: round up snaps q
 * down to n only when the result for n, as a double, is still >= x (and a result below x, possible
 * when x / step rounds down onto an integer, moves up one step); round down is symmetric. So
 * `round_up(1.1, 0.1)` is 1.1 (q = 11.000000000000002 snaps to 11, and 11 / 10 is the double 1.1),
 * but `round_up(0.07 * 3, 0.01)` is 0.22: 0.07 * 3 is 0.21000000000000002, above the double 0.21.
 * When the step is finer than x's own resolution (|x| / step beyond 2^53, where no multiple of the
 * step near x but x itself is a double), the result is x.
 *
 * `normal_cdf` is W. J. Cody's rational Chebyshev approximation (Cody 1969, "Rational Chebyshev
 * approximations for the error function"; the ANORM routine, as in R's `pnorm`). Measured against
 * mpmath at 40 digits on a 0.0137 grid over [-39, 39]: relative error below 6e-16, absolute error
 * below 1.2e-16; below -40 the result is 0 (the true value is under 1e-349).
 * `black76` / `black_scholes` take the time to expiry in seconds and use years of 365 days; their
 * `_df` forms take a discount factor D = e^{-rT} instead of the rate (one pricing function each).
 */
import { runtimeErrors, type Raise } from "./errors.js";

const SNAP_ABSOLUTE = 1e-9;
const SNAP_RELATIVE = 1e-12;
const SNAP_CAP = 1e-3;
const MAX_EXACT = 9007199254740991;

/** Seconds in a year of 365 days: the unit of time in option pricing. */
export const SECONDS_PER_YEAR = 365 * 86400;

function tolerance(q: number): number {
  return Math.max(SNAP_ABSOLUTE, Math.min(SNAP_RELATIVE * Math.abs(q), SNAP_CAP));
}

// The snap tests below first compare the distance with SNAP_CAP, which bounds the tolerance: a test
// that is false for nearly every value, so well predicted, where `n - q > 0.5` alone is a coin flip
// for the branch predictor (measured: cent rounding of random amounts twice as fast). The result
// is the same: a distance within the tolerance is within SNAP_CAP.

function snap(q: number): number {
  const n = Math.round(q);
  return Math.abs(q - n) <= tolerance(q) ? n : q;
}

/**
 * `n` steps as a double. Callers write `+scaled(...)`: where V8 does not inline a call of it (the
 * rounding's rare paths, in an evaluator already past its inlining budget), the `+` makes the call's
 * result a number to the optimizer, so the value the rounding returns stays an unboxed double; without
 * it, that one tagged input made every rounded amount a heap number allocated on the common path
 * (seen in the columnar loop's machine code: a `HeapNumber` per cent rounding).
 */
function scaled(n: number, step: number, units: number, scale: number): number {
  if (units > 0) {
    const m = n * units;
    if (Math.abs(m) <= MAX_EXACT) return m / scale + 0;
  }
  return n * step + 0;
}

/**
 * Rounds `x` up (towards +infinity) to a multiple of `step`; `units / scale` as in {@link decimalStep}.
 * `ceil(snap(q))`, except that the result is never below `x` (see the module's note): the snap is only
 * worked out when q lies just above an integer, so the common case costs one division and one `ceil`.
 */
export function roundUp(x: number, step: number, units: number, scale: number): number {
  const q = x / step;
  let n = Math.ceil(q);
  if (q - (n - 1) <= SNAP_CAP && n - q > 0.5 && q - (n - 1) <= tolerance(q)) {
    const snapped = +scaled(n - 1, step, units, scale);
    if (snapped >= x) return snapped;
  }
  const result = +scaled(n, step, units, scale);
  if (result >= x || !(x === x)) return result;
  const next = +scaled(n + 1, step, units, scale);
  return next >= x ? next : x;
}

/** Rounds `x` down (towards -infinity) to a multiple of `step`, never above `x`: as {@link roundUp}. */
export function roundDown(x: number, step: number, units: number, scale: number): number {
  const q = x / step;
  let n = Math.floor(q);
  if (n + 1 - q <= SNAP_CAP && q - n > 0.5 && n + 1 - q <= tolerance(q)) {
    const snapped = +scaled(n + 1, step, units, scale);
    if (snapped <= x) return snapped;
  }
  const result = +scaled(n, step, units, scale);
  if (result <= x || !(x === x)) return result;
  const next = +scaled(n - 1, step, units, scale);
  return next <= x ? next : x + 0;
}

/** Rounds `x` to the nearest multiple of `step`, ties to the even multiple. */
export function roundHalfEven(x: number, step: number, units: number, scale: number): number {
  const q = x / step;
  const h = Math.round(2 * q);
  let n: number;
  if (Math.abs(2 * q - h) <= 2 * SNAP_CAP && Math.abs(2 * q - h) <= 2 * tolerance(q)) {
    if (h % 2 === 0) n = h / 2;
    else {
      const below = (h - 1) / 2;
      n = below % 2 === 0 ? below : below + 1;
    }
  } else {
    n = Math.round(q);
  }
  return +scaled(n, step, units, scale);
}

/**
 * The exact decimal form of a rounding step: `{ units, scale }` with `units / scale === step`,
 * `scale` a power of ten up to 1e15; `units` is 0 when the step is no short decimal (1/3).
 */
export function decimalStep(step: number): { units: number; scale: number } {
  if (!(step > 0) || !Number.isFinite(step)) return { units: 0, scale: 1 };
  let scale = 1;
  for (let d = 0; d <= 15; d++, scale *= 10) {
    const units = Math.round(step * scale);
    if (units > 0 && units <= MAX_EXACT && units / scale === step) return { units, scale };
  }
  return { units: 0, scale: 1 };
}

/** `round_up` / `round_down` / `round_half_even` with a step computed at run time. */
export function roundDynamic(
  direction: "up" | "down" | "half_even",
  x: number,
  step: number,
  site: number,
  raise: Raise,
): number {
  if (!(step > 0) || step === Infinity)
    raise(site, runtimeErrors.invalidArgument, {
      fn: `round_${direction}`,
      detail: `the step must be positive and finite, not ${String(step)}`,
    });
  const { units, scale } = decimalStep(step);
  if (direction === "up") return roundUp(x, step, units, scale);
  if (direction === "down") return roundDown(x, step, units, scale);
  return roundHalfEven(x, step, units, scale);
}

// ---- the normal distribution: W. J. Cody's ANORM ----

/** The coefficients of Cody's ANORM, shared with the SQL target (which emits the same polynomials). */
export const CODY_NORMAL = {
  A: [
    2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582, 18154.981253343561249,
    0.065682337918207449113,
  ],
  B: [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956],
  C: [
    0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979, 597.27027639480026226,
    2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124, 9842.7148383839780218,
    1.0765576773720192317e-8,
  ],
  D: [
    22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
    18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
  ],
  P: [
    0.21589853405795699, 0.1274011611602473639, 0.022235277870649807, 0.001421619193227893466,
    2.9112874951168792e-5, 0.02307344176494017303,
  ],
  Q: [
    1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
    7.29751555083966205e-5,
  ],
  ONE_OVER_SQRT_2PI: 0.398942280401432677939946059934,
  SQRT_32: 5.656854249492380195206754896838,
} as const;
const { A, B, C, D, P, Q, ONE_OVER_SQRT_2PI, SQRT_32 } = CODY_NORMAL;

/** exp(-y^2 / 2), split so that the square loses no precision in the tails (Cody's trick). */
function gaussianTail(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq * 0.5) * Math.exp(-del * 0.5);
}

/** The standard normal cumulative distribution function. NaN gives NaN. */
export function normalCdf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.67448975) {
    let num = 0;
    let den = 0;
    if (y > 1.11e-16) {
      const xsq = x * x;
      num = A[4]! * xsq;
      den = xsq;
      for (let i = 0; i < 3; i++) {
        num = (num + A[i]!) * xsq;
        den = (den + B[i]!) * xsq;
      }
    }
    return 0.5 + (x * (num + A[3]!)) / (den + B[3]!);
  }
  let tail: number;
  if (y <= SQRT_32) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    tail = gaussianTail(y) * ((num + C[7]!) / (den + D[7]!));
  } else if (y < 40) {
    const xsq = 1 / (x * x);
    let num = P[5]! * xsq;
    let den = xsq;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]!) * xsq;
      den = (den + Q[i]!) * xsq;
    }
    const ratio = (xsq * (num + P[4]!)) / (den + Q[4]!);
    tail = gaussianTail(y) * ((ONE_OVER_SQRT_2PI - ratio) / y);
  } else {
    tail = y === y ? 0 : NaN;
  }
  return x > 0 ? 1 - tail : tail;
}

// ---- option pricing ----

/** Raises MB6010 for a non-positive price or strike, or a negative volatility or time. */
export function checkOptionArguments(
  fn: string,
  underlying: number,
  strike: number,
  vol: number,
  time: number,
  site: number,
  raise: Raise,
): void {
  const fail = (detail: string): never => raise(site, runtimeErrors.invalidArgument, { fn, detail });
  if (!(underlying > 0)) fail(`the underlying price must be positive, not ${String(underlying)}`);
  if (!(strike > 0)) fail(`the strike must be positive, not ${String(strike)}`);
  if (!(vol >= 0)) fail(`the volatility must not be negative, not ${String(vol)}`);
  if (!(time >= 0)) fail(`the time to expiry must not be negative, not ${String(time)}`);
}

/** How an option price is discounted: `r x T` and `e^{-rT}`, from a rate or from a discount factor. */
interface Discounting {
  /** r x T (for a discount factor D, -ln D). */
  rt: number;
  /** e^{-rT} (or D itself). */
  factor: number;
}

function fromRate(rate: number, t: number): Discounting {
  return { rt: rate * t, factor: Math.exp(-rate * t) };
}

function fromFactor(fn: string, factor: number, site: number, raise: Raise): Discounting {
  if (!(factor > 0) || factor === Infinity)
    raise(site, runtimeErrors.invalidArgument, {
      fn,
      detail: `the discount factor must be positive and finite, not ${String(factor)}`,
    });
  return { rt: -Math.log(factor), factor };
}

function black76Value(
  kind: string,
  forward: number,
  strike: number,
  vol: number,
  t: number,
  d: Discounting,
): number {
  const discount = d.factor;
  const call = kind === "call";
  const spread = vol * Math.sqrt(t);
  if (spread === 0) return discount * Math.max(call ? forward - strike : strike - forward, 0);
  const d1 = (Math.log(forward / strike) + 0.5 * spread * spread) / spread;
  const d2 = d1 - spread;
  return call
    ? discount * (forward * normalCdf(d1) - strike * normalCdf(d2))
    : discount * (strike * normalCdf(-d2) - forward * normalCdf(-d1));
}

function blackScholesValue(
  kind: string,
  spot: number,
  strike: number,
  vol: number,
  t: number,
  d: Discounting,
): number {
  const discountedStrike = strike * d.factor;
  const call = kind === "call";
  const spread = vol * Math.sqrt(t);
  if (spread === 0) return Math.max(call ? spot - discountedStrike : discountedStrike - spot, 0);
  const d1 = (Math.log(spot / strike) + d.rt + 0.5 * spread * spread) / spread;
  const d2 = d1 - spread;
  return call
    ? spot * normalCdf(d1) - discountedStrike * normalCdf(d2)
    : discountedStrike * normalCdf(-d2) - spot * normalCdf(-d1);
}

/**
 * Black-76 value of a European option on a future: e^{-rT} (F N(d1) - K N(d2)) for a call,
 * e^{-rT} (K N(-d2) - F N(-d1)) for a put; at zero time or volatility, the discounted intrinsic value.
 */
export function black76(
  kind: string,
  forward: number,
  strike: number,
  vol: number,
  seconds: number,
  rate: number,
  site: number,
  raise: Raise,
): number {
  checkOptionArguments("black76", forward, strike, vol, seconds, site, raise);
  const t = seconds / SECONDS_PER_YEAR;
  return black76Value(kind, forward, strike, vol, t, fromRate(rate, t));
}

/** {@link black76} with a discount factor D = e^{-rT} (as venues publish it) instead of a rate. */
export function black76Df(
  kind: string,
  forward: number,
  strike: number,
  vol: number,
  seconds: number,
  factor: number,
  site: number,
  raise: Raise,
): number {
  checkOptionArguments("black76_df", forward, strike, vol, seconds, site, raise);
  return black76Value(
    kind,
    forward,
    strike,
    vol,
    seconds / SECONDS_PER_YEAR,
    fromFactor("black76_df", factor, site, raise),
  );
}

/**
 * Black-Scholes value of a European option on a spot underlying (no dividends):
 * S N(d1) - K e^{-rT} N(d2) for a call, K e^{-rT} N(-d2) - S N(-d1) for a put; at zero time or
 * volatility, max(S - K e^{-rT}, 0) or max(K e^{-rT} - S, 0).
 */
export function blackScholes(
  kind: string,
  spot: number,
  strike: number,
  vol: number,
  seconds: number,
  rate: number,
  site: number,
  raise: Raise,
): number {
  checkOptionArguments("black_scholes", spot, strike, vol, seconds, site, raise);
  const t = seconds / SECONDS_PER_YEAR;
  return blackScholesValue(kind, spot, strike, vol, t, fromRate(rate, t));
}

/** {@link blackScholes} with a discount factor D = e^{-rT} instead of a rate (rT = -ln D in d1). */
export function blackScholesDf(
  kind: string,
  spot: number,
  strike: number,
  vol: number,
  seconds: number,
  factor: number,
  site: number,
  raise: Raise,
): number {
  checkOptionArguments("black_scholes_df", spot, strike, vol, seconds, site, raise);
  return blackScholesValue(
    kind,
    spot,
    strike,
    vol,
    seconds / SECONDS_PER_YEAR,
    fromFactor("black_scholes_df", factor, site, raise),
  );
}

// ---- timestamps ----

/** The largest timestamp JavaScript dates represent, in seconds either side of the epoch. */
const MAX_TIMESTAMP_SECONDS = 8.64e12;

/** A timestamp input (ISO 8601 text, or seconds since the epoch) as seconds since the epoch. */
export function timestampSeconds(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") return Date.parse(value) / 1000;
  return NaN;
}

/** Whether seconds since the epoch can be shown as an ISO 8601 timestamp. */
export function isRepresentableTimestamp(seconds: number): boolean {
  return Math.abs(seconds) <= MAX_TIMESTAMP_SECONDS;
}

/** Seconds since the epoch as ISO 8601 UTC, without milliseconds when they are zero. */
export function formatTimestamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}
