/**
 * Ranges of binary64 values: what an evaluation may compute, sound under IEEE 754 rounding.
 *
 * A {@link Range} `{ lo, hi, nan }` holds every double `x` with `lo <= x <= hi` (the infinities
 * included when an end is infinite: an overflow is a value the code may compute), and NaN when
 * `nan` is set. Each operation gives a range that holds the double the runtime computes for any
 * operands in the operand ranges, not only the real result:
 *
 * - `+ - * /` and `sqrt` are correctly rounded, and rounding to nearest is monotone, so the
 *   operation on the ends (the corners, for `*` and `/`) rounded the same way bounds the rounded
 *   result of every operand inside: no widening is needed, and the ends are exact;
 * - `exp` and `ln` (`Math.exp`, `Math.log`) are not correctly rounded: their ends are widened by
 *   a few units in the last place;
 * - NaN comes from `inf - inf`, `0 x inf`, `inf / inf` and NaN operands, and is tracked apart.
 *
 * The ranges of the code generator's check elimination (src/optimize/check-facts.ts) are built
 * from these; the verifier (src/verify) reasons over the reals with its own arithmetic, and shares
 * the representation of its bounds ({@link nextUp}, {@link nextDown}) from here.
 */

/** Doubles from `lo` to `hi` (the infinities when an end is infinite), and NaN when `nan`. */
export interface Range {
  readonly lo: number;
  readonly hi: number;
  readonly nan: boolean;
}

/** Any double at all, NaN included. */
export const ANY: Range = { lo: -Infinity, hi: Infinity, nan: true };
/** No value (an empty list's elements, code no input reaches). */
export const NONE: Range = { lo: Infinity, hi: -Infinity, nan: false };
/** Every finite double: an input number, after validation. */
export const FINITE: Range = { lo: -Number.MAX_VALUE, hi: Number.MAX_VALUE, nan: false };

/** The range `[lo, hi]` (a point when `hi` is left out), without NaN. */
export function range(lo: number, hi: number = lo): Range {
  return { lo, hi, nan: false };
}

/** Whether the range holds no number (it may still hold NaN). */
export function noNumber(a: Range): boolean {
  return !(a.lo <= a.hi);
}

/** Whether every value of the range is a finite number. */
export function isFiniteRange(a: Range): boolean {
  return !a.nan && (noNumber(a) || (a.lo > -Infinity && a.hi < Infinity));
}

/** The smallest range holding both. */
export function hull(a: Range, b: Range): Range {
  if (noNumber(a)) return { lo: b.lo, hi: b.hi, nan: a.nan || b.nan };
  if (noNumber(b)) return { lo: a.lo, hi: a.hi, nan: a.nan || b.nan };
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan: a.nan || b.nan };
}

/** The values in both. */
export function intersect(a: Range, b: Range): Range {
  return { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi), nan: a.nan && b.nan };
}

/** Whether `a` may be `+inf` or `-inf`. */
function infinite(a: Range): boolean {
  return !noNumber(a) && (a.lo === -Infinity || a.hi === Infinity);
}

/** Whether 0 is in the range. */
function hasZero(a: Range): boolean {
  return a.lo <= 0 && a.hi >= 0;
}

/** `-a`. */
export function negate(a: Range): Range {
  return { lo: -a.hi, hi: -a.lo, nan: a.nan };
}

/** `a + b`, rounded to nearest. */
export function plus(a: Range, b: Range): Range {
  if (noNumber(a) || noNumber(b)) return { ...NONE, nan: a.nan || b.nan };
  const nan =
    a.nan || b.nan || (a.hi === Infinity && b.lo === -Infinity) || (a.lo === -Infinity && b.hi === Infinity);
  const lo = a.lo + b.lo;
  const hi = a.hi + b.hi;
  return { lo: lo === lo ? lo : -Infinity, hi: hi === hi ? hi : Infinity, nan };
}

/** `a - b`, rounded to nearest. */
export function minus(a: Range, b: Range): Range {
  return plus(a, negate(b));
}

/**
 * `a x b`, rounded to nearest: the extremes are at the corners. A corner `0 x inf` stands for the
 * products near it, which the other corners bound (the product is monotone in each factor of a
 * fixed sign), so it counts as 0; the NaN it computes itself is the `nan` flag.
 */
export function times(a: Range, b: Range): Range {
  if (noNumber(a) || noNumber(b)) return { ...NONE, nan: a.nan || b.nan };
  const nan = a.nan || b.nan || (hasZero(a) && infinite(b)) || (hasZero(b) && infinite(a));
  const corner = (x: number, y: number): number => (x === 0 || y === 0 ? 0 : x * y);
  const c = [corner(a.lo, b.lo), corner(a.lo, b.hi), corner(a.hi, b.lo), corner(a.hi, b.hi)];
  return { lo: Math.min(c[0]!, c[1]!, c[2]!, c[3]!), hi: Math.max(c[0]!, c[1]!, c[2]!, c[3]!), nan };
}

/**
 * `a / b` where a divisor of exactly 0 stops the evaluation (so it is not a value here). A divisor
 * on both sides of 0 may be as close to it as a double gets: any quotient.
 */
export function divide(a: Range, b: Range): Range {
  if (noNumber(a) || noNumber(b)) return { ...NONE, nan: a.nan || b.nan };
  const nan = a.nan || b.nan || (infinite(a) && infinite(b));
  if (hasZero(b)) {
    if (b.lo === 0 && b.hi === 0) return { ...NONE, nan };
    return { lo: -Infinity, hi: Infinity, nan };
  }
  const c = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi];
  if (c.some((x) => x !== x)) return { lo: -Infinity, hi: Infinity, nan: true };
  return { lo: Math.min(c[0]!, c[1]!, c[2]!, c[3]!), hi: Math.max(c[0]!, c[1]!, c[2]!, c[3]!), nan };
}

/** `Math.min(a, b)`. */
export function least(a: Range, b: Range): Range {
  if (noNumber(a) || noNumber(b)) return { ...NONE, nan: a.nan || b.nan };
  return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi), nan: a.nan || b.nan };
}

/** `Math.max(a, b)`. */
export function greatest(a: Range, b: Range): Range {
  if (noNumber(a) || noNumber(b)) return { ...NONE, nan: a.nan || b.nan };
  return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan: a.nan || b.nan };
}

/** `Math.abs(a)`. */
export function magnitude(a: Range): Range {
  if (noNumber(a) || a.lo >= 0) return a;
  if (a.hi <= 0) return negate(a);
  return { lo: 0, hi: Math.max(-a.lo, a.hi), nan: a.nan };
}

/** `Math.sqrt(a)` where a negative argument stops the evaluation (correctly rounded, monotone). */
export function squareRoot(a: Range): Range {
  const x = intersect(a, { lo: 0, hi: Infinity, nan: a.nan });
  return noNumber(x) ? { ...NONE, nan: a.nan } : { lo: Math.sqrt(x.lo), hi: Math.sqrt(x.hi), nan: a.nan };
}

/** `Math.exp(a)`: within a few ulps of the exact value, so the ends are widened by four. */
export function exponential(a: Range): Range {
  if (noNumber(a)) return a;
  return { lo: Math.max(0, ulps(Math.exp(a.lo), -4)), hi: ulps(Math.exp(a.hi), 4), nan: a.nan };
}

/** `Math.log(a)` where an argument <= 0 stops the evaluation; widened by four ulps. */
export function logarithm(a: Range): Range {
  const x = intersect(a, { lo: Number.MIN_VALUE, hi: Infinity, nan: a.nan });
  if (noNumber(x)) return { ...NONE, nan: a.nan };
  return { lo: ulps(Math.log(x.lo), -4), hi: ulps(Math.log(x.hi), 4), nan: a.nan };
}

/**
 * What rounding `a` to a multiple of `step` (0 < step < inf, as marginbook's `roundUp`, `roundDown`
 * and `roundHalfEven` do) may give. Each returns a double within two steps and a few ulps of `x`
 * (`round up` never below `x`, `round down` never above), while `x / step` is finite; past that
 * the quotient overflows and so may the result. The infinities round to themselves.
 */
export function roundedToStep(a: Range, direction: "up" | "down" | "half_even", step: number): Range {
  if (noNumber(a)) return a;
  const largest = Math.max(Math.abs(a.lo), Math.abs(a.hi));
  const safe = largest < Infinity && largest / step < 1e300;
  const slack = ulps(2 * step * (1 + 1e-15) + 1e-15 * largest, 2);
  const lo = direction === "up" ? a.lo : safe ? ulps(a.lo - slack, -2) : -Infinity;
  const hi = direction === "down" ? a.hi : safe ? ulps(a.hi + slack, 2) : Infinity;
  return { lo, hi, nan: a.nan };
}

/** `x` moved by `n` ulps (up for n > 0, down for n < 0); the infinities stay. */
export function ulps(x: number, n: number): number {
  let y = x;
  for (let i = 0; i < Math.abs(n); i++) y = n > 0 ? nextUp(y) : nextDown(y);
  return y;
}

/** The bits of one double, as two 32-bit words (`LOW` the low word's index, by the platform's byte order). */
const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * The smallest double above `x` (for exclusive domain bounds: `size > 0` starts at 5e-324): the
 * next bit pattern, in 32-bit words (no BigInt, which costs milliseconds the first time a
 * process loads a rulebook).
 */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  BITS[0] = x;
  const high = 1 - LOW;
  if (x > 0) {
    if (WORDS[LOW] === 0xffffffff) {
      WORDS[LOW] = 0;
      WORDS[high]!++;
    } else WORDS[LOW]!++;
  } else if (WORDS[LOW] === 0) {
    WORDS[LOW] = 0xffffffff;
    WORDS[high]!--;
  } else WORDS[LOW]!--;
  return BITS[0]!;
}

/** The largest double below `x`. */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

/** The comparisons of two ranges: whether `a op b` may be true and whether it may be false. */
export function compare(op: "<" | "<=" | ">" | ">=" | "==" | "!=", a: Range, b: Range): [boolean, boolean] {
  if (noNumber(a) || noNumber(b)) return [true, true];
  const nan = a.nan || b.nan;
  let may: boolean;
  let mayNot: boolean;
  switch (op) {
    case "<":
      [may, mayNot] = [a.lo < b.hi, a.hi >= b.lo];
      break;
    case "<=":
      [may, mayNot] = [a.lo <= b.hi, a.hi > b.lo];
      break;
    case ">":
      [may, mayNot] = [a.hi > b.lo, a.lo <= b.hi];
      break;
    case ">=":
      [may, mayNot] = [a.hi >= b.lo, a.lo < b.hi];
      break;
    case "==":
      [may, mayNot] = [a.lo <= b.hi && b.lo <= a.hi, !(a.lo === a.hi && b.lo === b.hi && a.lo === b.lo)];
      break;
    case "!=":
      [may, mayNot] = [!(a.lo === a.hi && b.lo === b.hi && a.lo === b.lo), a.lo <= b.hi && b.lo <= a.hi];
      break;
  }
  // NaN makes every comparison false but `!=`.
  return op === "!=" ? [may || nan, mayNot] : [may, mayNot || nan];
}

/**
 * The comparison that holds exactly when `op` fails, for numbers that are not NaN (a condition's
 * `else` side narrows by it): shared by the verifier and the code generator's check facts.
 */
export const NEGATED_COMPARISON: Readonly<Record<string, string>> = {
  "<": ">=",
  "<=": ">",
  ">": "<=",
  ">=": "<",
  "==": "!=",
  "!=": "==",
};
