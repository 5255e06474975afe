/**
 * Closed intervals of real numbers, with infinite ends, and the arithmetic the prover needs.
 *
 * Bounds are over the reals: the binary64 rounding of each operation (half an ulp) is not modelled
 * (see docs/verification.md). `0 x inf` is taken as 0, which is right for bounds: a factor that
 * is exactly 0 makes the product 0 however large the other factor. The ranges the code generator
 * eliminates checks with, which do model binary64 (with NaN and overflow), are in
 * src/semantics/intervals.ts, which also gives the next doubles used here.
 */

/** `[lo, hi]`; `lo > hi` is the empty interval. */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** Every real number (the interval of a value nothing is known about). */
export const EVERYTHING: Interval = { lo: -Infinity, hi: Infinity };
/** No value at all (a context no input reaches). */
export const EMPTY: Interval = { lo: Infinity, hi: -Infinity };

/** The interval `[lo, hi]` (a point when `hi` is left out). */
export function interval(lo: number, hi: number = lo): Interval {
  return { lo, hi };
}

/** Whether the interval holds no value. */
export function isEmpty(a: Interval): boolean {
  return !(a.lo <= a.hi);
}

/** Whether the interval is a single value. */
export function isPoint(a: Interval): boolean {
  return a.lo === a.hi;
}

/** Whether both ends are finite. */
export function isBounded(a: Interval): boolean {
  return Number.isFinite(a.lo) && Number.isFinite(a.hi);
}

/** The smallest interval holding both (either branch of an `if`). */
export function join(a: Interval, b: Interval): Interval {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

/** The values in both (an assumption narrowing what was known). */
export function meet(a: Interval, b: Interval): Interval {
  return { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
}

/** `a + b`; an undefined `inf - inf` end widens. */
export function add(a: Interval, b: Interval): Interval {
  return { lo: sum(a.lo, b.lo, -Infinity), hi: sum(a.hi, b.hi, Infinity) };
}

/** `x + y` where an undefined `inf - inf` widens towards `toward`. */
function sum(x: number, y: number, toward: number): number {
  const s = x + y;
  return Number.isNaN(s) ? toward : s;
}

/** `-a`. */
export function neg(a: Interval): Interval {
  return { lo: -a.hi, hi: -a.lo };
}

/** `a - b`. */
export function sub(a: Interval, b: Interval): Interval {
  return add(a, neg(b));
}

/** A product of bounds with `0 x inf = 0`. */
export function times(x: number, y: number): number {
  if (x === 0 || y === 0) return 0;
  return x * y;
}

/** `a x b`, from the four corner products. */
export function mul(a: Interval, b: Interval): Interval {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  const products = [times(a.lo, b.lo), times(a.lo, b.hi), times(a.hi, b.lo), times(a.hi, b.hi)];
  return { lo: Math.min(...products), hi: Math.max(...products) };
}

/**
 * `a / b`. A divisor that may be 0 stops the evaluation at run time, so an end of `b` at exactly 0
 * is left out; a divisor on both sides of 0 gives everything.
 */
export function div(a: Interval, b: Interval): Interval {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  if (b.lo < 0 && b.hi > 0) return EVERYTHING;
  if (b.lo === 0 && b.hi === 0) return EMPTY;
  const inverse =
    b.lo >= 0
      ? { lo: b.hi === Infinity ? 0 : 1 / b.hi, hi: b.lo === 0 ? Infinity : 1 / b.lo }
      : { lo: b.hi === 0 ? -Infinity : 1 / b.hi, hi: b.lo === -Infinity ? 0 : 1 / b.lo };
  return mul(a, inverse);
}

/** `min(a, b)`. */
export function min(a: Interval, b: Interval): Interval {
  return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
}

/** `max(a, b)`. */
export function max(a: Interval, b: Interval): Interval {
  return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

/** `abs(a)`. */
export function abs(a: Interval): Interval {
  if (a.lo >= 0) return a;
  if (a.hi <= 0) return neg(a);
  return { lo: 0, hi: Math.max(-a.lo, a.hi) };
}

/** The image of a non-decreasing function (applied to both ends). */
export function monotone(a: Interval, f: (x: number) => number): Interval {
  if (isEmpty(a)) return EMPTY;
  return { lo: f(a.lo), hi: f(a.hi) };
}

/** `sqrt(a)` (a negative argument stops the evaluation, so only the non-negative part counts). */
export function sqrt(a: Interval): Interval {
  return monotone(meet(a, { lo: 0, hi: Infinity }), Math.sqrt);
}

/** `ln(a)` over the positive part of `a`. */
export function ln(a: Interval): Interval {
  const positive = meet(a, { lo: 0, hi: Infinity });
  return isEmpty(positive)
    ? EMPTY
    : { lo: positive.lo === 0 ? -Infinity : Math.log(positive.lo), hi: Math.log(positive.hi) };
}

/** `pow(x, y)`: exact for a constant exponent and a non-negative base; everything otherwise. */
export function pow(x: Interval, y: Interval): Interval {
  if (isEmpty(x) || isEmpty(y)) return EMPTY;
  // A negative base to a fractional power stops the evaluation (MB6010): only bases >= 0 go on.
  if (isPoint(y) && !Number.isInteger(y.lo) && x.lo < 0) return pow(meet(x, { lo: 0, hi: Infinity }), y);
  if (x.lo >= 0 && isPoint(y)) {
    const e = y.lo;
    if (e === 0) return interval(1);
    const ends = [Math.pow(x.lo, e), Math.pow(x.hi, e)];
    return { lo: Math.min(...ends), hi: Math.max(...ends) };
  }
  if (x.lo >= 1 && y.lo >= 0) return { lo: Math.pow(x.lo, y.lo), hi: Math.pow(x.hi, y.hi) };
  if (x.lo > 0) {
    const corners = [
      Math.pow(x.lo, y.lo),
      Math.pow(x.lo, y.hi),
      Math.pow(x.hi, y.lo),
      Math.pow(x.hi, y.hi),
    ].map((v) => (Number.isNaN(v) ? Infinity : v));
    return { lo: Math.min(...corners, 0) < 0 ? 0 : Math.min(...corners), hi: Math.max(...corners) };
  }
  return EVERYTHING;
}

export { nextDown, nextUp } from "../semantics/intervals.js";
