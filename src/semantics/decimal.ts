/**
 * Exact decimal arithmetic, the semantics of a rulebook that declares `arithmetic decimal`.
 *
 * Values are decimal.js `Decimal`s. `+`, `-`, `*` and comparisons are exact (up to
 * {@link DECIMAL_DIGITS} significant digits, far beyond any margin figure). `/`, `sqrt`, `exp`,
 * `ln`, `pow` with a negative or non-integer exponent, and `normal_cdf` give `scale` decimal places,
 * rounded by the rulebook's `decimal_rounding` (half-even by default):
 *
 * - `/` and `sqrt` are correctly rounded: the result is truncated to `scale + 2` places, checked for
 *   exactness (`q * b == a`, `r * r == x`) and, when inexact, given a sticky digit below the last
 *   place before the one final rounding, so no double rounding can occur;
 * - `exp`, `ln` and `pow` use decimal.js's correctly rounded (for `pow`: almost always) functions at
 *   `scale + 2` places, truncated, and the same sticky digit;
 * - `normal_cdf` sums the series `1/2 + phi(x) * sum x^(2n+1) / (2n+1)!!` with `scale + 12` digits:
 *   its error before the final rounding is below 10^-(scale+8), so it is correctly rounded unless
 *   the true value lies that close to a rounding boundary.
 *
 * Rounding to a step (`round up to 0.01`) is exact: the integer multiple is found exactly, with no
 * snapping. The runtime bundles for browsers: nothing here imports Node.
 */
import * as decimalJs from "decimal.js";
import type { Decimal as DecimalType } from "decimal.js";
import type { IrArithmetic, IrDecimalRounding, IrRoundingDirection } from "../ir/ir.js";
import { runtimeErrors, type Raise } from "./errors.js";
import { roundedToStep, scaledText, truncatedQuotient, truncatedRoot } from "./decimal-integer.js";

// decimal.mjs's default export is the constructor; the typings describe the CommonJS build.
const Decimal = decimalJs.default as unknown as typeof DecimalType;
type Decimal = DecimalType;
type Rounding = DecimalType.Rounding;

/** A tier table's numbers as decimals, with the deductions derived exactly (decimal-operations.ts). */
export interface DecimalTable {
  lower: Dec[];
  /** `null` is `inf`. */
  upper: (Dec | null)[];
  cells: Dec[][];
  deductions: (Dec | null)[][];
}

/** Significant digits kept by exact operations (`+ - *`): results longer than this are rounded. */
export const DECIMAL_DIGITS = 1000;

/** The decimal number type of decimal arithmetic. */
export const Dec = Decimal.clone({
  precision: DECIMAL_DIGITS,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  maxE: 9e15,
  minE: -9e15,
});
/** A decimal value. */
export type Dec = Decimal;

/** The default scale of `/` and the transcendental functions: 18 decimal places. */
export const DEFAULT_DECIMAL_SCALE = 18;

/** The decimal arithmetic of a rulebook that names none but is run in decimal (`test --arithmetic both`). */
export const DEFAULT_ARITHMETIC: IrArithmetic = {
  mode: "decimal",
  scale: DEFAULT_DECIMAL_SCALE,
  rounding: "half_even",
};

/** Extra places computed before the final rounding. */
const GUARD = 2;

const MODES: Readonly<Record<IrDecimalRounding, Rounding>> = {
  half_even: Decimal.ROUND_HALF_EVEN,
  half_up: Decimal.ROUND_HALF_UP,
  half_down: Decimal.ROUND_HALF_DOWN,
  up: Decimal.ROUND_UP,
  down: Decimal.ROUND_DOWN,
  ceiling: Decimal.ROUND_CEIL,
  floor: Decimal.ROUND_FLOOR,
};

/** The rounding modes `decimal_rounding` accepts, in the order the docs list them. */
export const DECIMAL_ROUNDINGS = Object.keys(MODES) as IrDecimalRounding[];

/**
 * Decimal text: digits with an optional point, and an exponent of at most 400 either way. The
 * exponent is bounded as the text is (400 characters): `"1e900000000000000"` is 17 characters, and
 * its digits would not fit in memory when written out or rounded to a cent.
 */
export const DECIMAL_TEXT_PATTERN = "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?0*([0-3]?\\d?\\d|400))?";
const DECIMAL_TEXT = new RegExp(`^${DECIMAL_TEXT_PATTERN}$`);

/** Whether `text` is a decimal number as inputs may spell it (`"71200.81144"`, `"-1e-3"`). */
export function isDecimalText(text: string): boolean {
  return text.length <= 400 && DECIMAL_TEXT.test(text.trim());
}

/**
 * A decimal from a JSON number (its shortest round-trip spelling, so `0.1` is exactly 0.1) or from
 * decimal text (every digit kept). Non-finite numbers are NaN decimals.
 */
export function toDec(value: number | string): Dec {
  if (typeof value === "number") return new Dec(Object.is(value, -0) ? 0 : value);
  return new Dec(value.trim());
}

/** A decimal in plain notation without trailing zeros (`1925`, `0.0056`, `-3.5`); -0 is `0`. */
export function decText(value: Dec): string {
  return value.isZero() ? "0" : value.toFixed();
}

/**
 * A decimal in an error message: its text when short, else its leading digits and exponent
 * (`-9.000000e+400`), never the double it would round to (`-Infinity`).
 */
function messageText(value: Dec): string {
  const text = decText(value);
  return text.length <= 40 ? text : value.toExponential(6);
}

/** Whether a runtime value is a decimal. */
export function isDec(value: unknown): value is Dec {
  return value instanceof Dec;
}

/** The nearest double to a decimal (for explanations and charts; never fed back into arithmetic). */
export function decNumber(value: Dec): number {
  return value.toNumber();
}

const EXACT = { precision: DECIMAL_DIGITS, rounding: Decimal.ROUND_HALF_EVEN } as const;

/** Runs `body` with decimal.js's precision and rounding set, then restores the exact defaults. */
function withPrecision<T>(digits: number, rounding: Rounding, body: () => T): T {
  Dec.set({ precision: Math.max(1, Math.min(Math.ceil(digits), 1e6)), rounding });
  try {
    return body();
  } finally {
    Dec.set(EXACT);
  }
}

/**
 * The final rounding to the scale: `truncated` is the true value truncated towards zero to
 * `scale + GUARD` places; an inexact value gets a sticky unit one place further, so that every
 * mode sees which side of a tie or boundary the true value lies on.
 */
function finish(truncated: Dec, exact: boolean, negative: boolean, context: IrArithmetic): Dec {
  let value = truncated;
  if (!exact) value = value.plus(sticky(context.scale, negative));
  const result = value.toDecimalPlaces(context.scale, MODES[context.rounding]);
  return result.isZero() ? new Dec(0) : result;
}

const stickies = new Map<number, Dec>();

/** The sticky unit of {@link finish}, `±1e-(scale + GUARD + 1)`, built once per scale and sign. */
function sticky(scale: number, negative: boolean): Dec {
  const key = negative ? -scale - 1 : scale;
  let unit = stickies.get(key);
  if (unit === undefined)
    stickies.set(key, (unit = new Dec(`${negative ? "-" : ""}1e-${scale + GUARD + 1}`)));
  return unit;
}

/** Significant digits that reach `places` decimal places for a result whose magnitude is about 10^e. */
function digitsFor(e: number, places: number): number {
  return e + 2 + places;
}

/** `a / b` to the scale, correctly rounded; a zero divisor raises MB6002. */
export function decDivide(a: Dec, b: Dec, context: IrArithmetic, site: number, raise: Raise): Dec {
  if (b.isZero()) raise(site, runtimeErrors.divisionByZero, {});
  if (a.isZero()) return new Dec(0);
  const places = context.scale + GUARD;
  const integer = truncatedQuotient(a, b, places);
  if (integer !== undefined)
    return finish(new Dec(scaledText(integer[0], places)), integer[1], a.isNeg() !== b.isNeg(), context);
  return libraryDivide(a, b, context);
}

/** {@link decDivide} with decimal.js alone (for exponents the integer kernel leaves; and to test it against). */
export function libraryDivide(a: Dec, b: Dec, context: IrArithmetic): Dec {
  const places = context.scale + GUARD;
  const q = withPrecision(digitsFor(a.e - b.e, places), Decimal.ROUND_DOWN, () => a.div(b)).toDecimalPlaces(
    places,
    Decimal.ROUND_DOWN,
  );
  return finish(q, q.times(b).eq(a), a.isNeg() !== b.isNeg(), context);
}

/** `sqrt(x)` to the scale, correctly rounded; a negative `x` raises MB6003. */
export function decSqrt(x: Dec, context: IrArithmetic, site: number, raise: Raise): Dec {
  if (x.isNeg() && !x.isZero()) raise(site, runtimeErrors.sqrtOfNegative, { value: messageText(x) });
  if (x.isZero()) return new Dec(0);
  const places = context.scale + GUARD;
  const integer = truncatedRoot(x, places);
  if (integer !== undefined)
    return finish(new Dec(scaledText(integer[0], places)), integer[1], false, context);
  return librarySqrt(x, context);
}

/** {@link decSqrt} of a positive `x` with decimal.js alone. */
export function librarySqrt(x: Dec, context: IrArithmetic): Dec {
  const places = context.scale + GUARD;
  const r = withPrecision(digitsFor(Math.ceil((x.e + 1) / 2), places), Decimal.ROUND_DOWN, () =>
    x.sqrt(),
  ).toDecimalPlaces(places, Decimal.ROUND_DOWN);
  return finish(r, r.times(r).eq(x), false, context);
}

/** Below this, `exp(x)` is 0 at any scale up to 60 before the final rounding. */
const EXP_UNDERFLOW = -200;
/** Above this, `exp(x)` has more than 4,300 integer digits: an error, as an infinity is in binary64. */
const EXP_OVERFLOW = 10_000;

/** `exp(x)` to the scale (MB6010 when the result would have more than about 4,300 digits). */
export function decExp(x: Dec, context: IrArithmetic, site: number, raise: Raise): Dec {
  if (x.isZero()) return new Dec(1);
  const places = context.scale + GUARD;
  if (x.lt(EXP_UNDERFLOW)) return finish(new Dec(0), false, false, context);
  if (x.gt(EXP_OVERFLOW))
    raise(site, runtimeErrors.invalidArgument, {
      fn: "exp",
      detail: `exp(${decText(x)}) is too large for decimal arithmetic`,
    });
  const e = Math.max(0, Math.ceil(x.toNumber() / Math.LN10));
  const r = withPrecision(digitsFor(e, places), Decimal.ROUND_DOWN, () => x.exp()).toDecimalPlaces(
    places,
    Decimal.ROUND_DOWN,
  );
  return finish(r, false, false, context);
}

/** `ln(x)` to the scale; `x <= 0` raises MB6004. */
export function decLn(x: Dec, context: IrArithmetic, site: number, raise: Raise): Dec {
  if (!x.gt(0)) raise(site, runtimeErrors.lnOfNonPositive, { value: messageText(x) });
  if (x.eq(1)) return new Dec(0);
  const places = context.scale + GUARD;
  const e = Math.ceil(Math.log10(Math.abs(x.e) * Math.LN10 + 3));
  const r = withPrecision(digitsFor(e, places), Decimal.ROUND_DOWN, () => x.ln()).toDecimalPlaces(
    places,
    Decimal.ROUND_DOWN,
  );
  return finish(r, false, r.isNeg(), context);
}

/** The largest integer exponent computed exactly by repeated multiplication. */
const MAX_EXACT_EXPONENT = 10_000;

/**
 * `pow(x, y)`: exact for a non-negative integer `y`; to the scale otherwise (`x^-n` is `1 / x^n`);
 * a negative `x` with a non-integer `y` raises MB6010.
 */
export function decPow(x: Dec, y: Dec, context: IrArithmetic, site: number, raise: Raise): Dec {
  const fail = (detail: string): never => raise(site, runtimeErrors.invalidArgument, { fn: "pow", detail });
  if (y.isInteger() && y.abs().lte(MAX_EXACT_EXPONENT)) {
    if (y.isZero()) return new Dec(1);
    const power = x.pow(y.abs());
    if (!y.isNeg()) return power;
    if (x.isZero()) fail(`0 to the power ${decText(y)} is not a real number`);
    return decDivide(new Dec(1), power, context, site, raise);
  }
  if (x.isNeg()) fail(`${decText(x)} to the power ${decText(y)} is not a real number`);
  if (x.isZero()) {
    if (y.isNeg()) fail(`0 to the power ${decText(y)} is not a real number`);
    return new Dec(0);
  }
  // The magnitude of the result, from doubles: only used to size the working precision.
  const log = y.toNumber() * (Math.log10(x.abs().toNumber()) || x.e);
  if (log > 4300) fail(`${decText(x)} to the power ${decText(y)} is too large for decimal arithmetic`);
  const places = context.scale + GUARD;
  if (log < -(places + 5)) return finish(new Dec(0), false, false, context);
  const r = withPrecision(digitsFor(Math.max(0, Math.ceil(log)), places), Decimal.ROUND_DOWN, () =>
    x.pow(y),
  ).toDecimalPlaces(places, Decimal.ROUND_DOWN);
  return finish(r, false, false, context);
}

/** Beyond this |x|, `normal_cdf` is within 10^-340 of 0 or 1. */
const CDF_CUTOFF = 40;

/** The standard normal CDF to the scale (see the module comment for its error bound). */
export function decNormalCdf(x: Dec, context: IrArithmetic): Dec {
  const places = context.scale + GUARD;
  if (x.abs().gt(CDF_CUTOFF)) {
    const one = new Dec(1);
    return x.isNeg()
      ? finish(new Dec(0), false, false, context)
      : finish(one.minus(new Dec(`1e-${places}`)), false, false, context);
  }
  const value = withPrecision(places + 12, Decimal.ROUND_HALF_EVEN, () => {
    const xx = x.times(x);
    const limit = new Dec(`1e-${places + 12}`);
    let term = x;
    let sum = x;
    for (let n = 1; n < 100_000; n++) {
      term = term.times(xx).div(2 * n + 1);
      sum = sum.plus(term);
      if (term.abs().lt(limit.times(sum.abs().plus(1)))) break;
    }
    const density = xx.div(-2).exp().div(Dec.acos(-1).times(2).sqrt());
    return density.times(sum).plus(0.5);
  });
  const clamped = Dec.min(Dec.max(value, 0), 1);
  return finish(clamped.toDecimalPlaces(places, Decimal.ROUND_DOWN), false, false, context);
}

/**
 * Rounds `x` to a multiple of `step` exactly: `up` towards +infinity, `down` towards -infinity,
 * `half_even` to the nearest, ties to the even multiple. A step that is not positive raises MB6010.
 */
export function decRoundToStep(
  direction: IrRoundingDirection,
  x: Dec,
  step: Dec,
  site: number,
  raise: Raise,
): Dec {
  if (!step.gt(0))
    raise(site, runtimeErrors.invalidArgument, {
      fn: `round_${direction}`,
      detail: `the step must be positive and finite, not ${decText(step)}`,
    });
  const integer = roundedToStep(direction, x, step);
  if (integer !== undefined) {
    const result = new Dec(integer);
    return result.isZero() ? new Dec(0) : result;
  }
  // A multiple of the step as large as x needs about this many digits: beyond the digits exact
  // operations keep, it cannot be exact (and `1e998` to a cent needs 1,001).
  if (!x.isZero() && x.e - step.e + step.sd() > DECIMAL_DIGITS)
    raise(site, runtimeErrors.invalidArgument, {
      fn: `round_${direction}`,
      detail: `${x.toExponential(6)} to a multiple of ${decText(step)} needs more than the ${DECIMAL_DIGITS} significant digits of exact decimal arithmetic`,
    });
  return libraryRoundToStep(direction, x, step);
}

/** {@link decRoundToStep} with decimal.js alone, for a positive step. */
export function libraryRoundToStep(direction: IrRoundingDirection, x: Dec, step: Dec): Dec {
  // Every product and sum below is exact at this precision (the multiples of the step near x have
  // at most this many digits), so the corrections end; at the default precision, one whose
  // multiple had more digits was rounded back and the loop never moved.
  const digits = Math.max(DECIMAL_DIGITS, x.e - step.e + step.sd() + 4);
  return withPrecision(digits, Decimal.ROUND_HALF_EVEN, () => roundExactly(direction, x, step));
}

function roundExactly(direction: IrRoundingDirection, x: Dec, step: Dec): Dec {
  // The quotient's integer part, exactly: a first guess, then corrected by exact products.
  let n = x.div(step).floor();
  while (n.times(step).gt(x)) n = n.minus(1);
  while (n.plus(1).times(step).lte(x)) n = n.plus(1);
  const below = n.times(step);
  if (below.eq(x)) return below.isZero() ? new Dec(0) : below;
  let chosen: Dec;
  if (direction === "down") chosen = n;
  else if (direction === "up") chosen = n.plus(1);
  else {
    const twice = x.minus(below).times(2);
    const c = twice.cmp(step);
    chosen = c < 0 ? n : c > 0 ? n.plus(1) : n.mod(2).isZero() ? n : n.plus(1);
  }
  const result = chosen.times(step);
  return result.isZero() ? new Dec(0) : result;
}

/** A description of the arithmetic for explanations: `decimal, scale 18, half_even`. */
export function describeArithmetic(arithmetic: IrArithmetic | undefined): string {
  return arithmetic
    ? `decimal, / and functions to ${arithmetic.scale} places, rounding ${arithmetic.rounding}`
    : "binary64";
}
