/**
 * Decimal text of exact fast-path values (`decimal-fast.ts`): `m * 10^-s` in `decText`'s form
 * (plain digits, no exponent, no trailing zeros: `0`, `1925`, `-0.0056`), written from tables of
 * at most 1,000 short strings, in groups of three digits. No number-to-string conversion: V8
 * converts through its runtime, and a double's shortest spelling is not the decimal's anyway. Each
 * `+` of two short strings is an allocation, so the tables are cut to need few: a group of three
 * digits is one lookup, and the fraction's trailing zeros are dropped by the table of its last
 * group, without a loop. Larger tables (four digits, 10,000 strings) measured slower: spread
 * through the heap, they miss the caches.
 *
 * Generated code writes the text of a value whose places are known when the code is generated (an
 * output rounded to a step) inline from the same tables ({@link textTables},
 * `decimal-fast-ops.ts` `text`); {@link scaledText} is the general case.
 */

/** `10^k` for `k <= 22`: exact doubles. */
const P10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** The digits of `0..999`. */
const DIGITS3 = Array.from({ length: 1000 }, (_, x) => String(x));

interface Tables {
  /** `x < 1000` in three digits (`007`). */
  three: string[];
  /** `.` and `x < 1000` in three digits (`.007`): a fraction's head group. */
  dotThree: string[];
  /** `trimmed[k][x]`, `x < 10^k`, `k <= 3`: `x` in `k` digits without trailing zeros (`05` for k 3, x 50; "" for 0). */
  trimmed: string[][];
  /** `fractions[k][x]`: `.` and `trimmed[k][x]`, "" for 0: a whole fraction of `k <= 3` places. */
  fractions: string[][];
  /** `cents[l]`, `l < 1000`: `l * 10^-2` (`d.ff`, trailing zeros dropped: `0.05`, `1.5`, `7`). */
  cents: string[];
}

let TABLES: Tables | undefined;

/** The tables, built on first use (about 8,000 short strings). */
function tables(): Tables {
  if (TABLES) return TABLES;
  const three = DIGITS3.map((d) => d.padStart(3, "0"));
  const trimmed = [0, 1, 2, 3].map((k) =>
    Array.from({ length: 10 ** k }, (_, x) => (x === 0 ? "" : String(x).padStart(k, "0").replace(/0+$/, ""))),
  );
  const fractions = trimmed.map((table) => table.map((digits) => (digits === "" ? "" : `.${digits}`)));
  const cents = Array.from({ length: 1000 }, (_, l) => `${Math.floor(l / 100)}${fractions[2]![l % 100]!}`);
  TABLES = { three, dotThree: three.map((d) => `.${d}`), trimmed, fractions, cents };
  return TABLES;
}

/**
 * The tables generated code writes text from: the digits of `0..999`, the same in three digits,
 * the fractions of `places <= 3` places, `cents` (the last three digits of a value of two
 * places, its last whole digit included), `.` and three digits (a fraction's head group), and
 * three digits without trailing zeros (a fraction's last group).
 */
export function textTables(places: number): {
  digits: string[];
  three: string[];
  fraction: string[];
  cents: string[];
  dotThree: string[];
  trimmed3: string[];
} {
  const t = tables();
  return {
    digits: DIGITS3,
    three: t.three,
    fraction: t.fractions[places] ?? [],
    cents: t.cents,
    dotThree: t.dotThree,
    trimmed3: t.trimmed[3]!,
  };
}

/** The digits of a non-negative safe integer, from the tables (one `+` per group of three but the first). */
export function digitsOf(m: number): string {
  if (m < 1000) return DIGITS3[m]!;
  const three = tables().three;
  if (m < 1e6) {
    const high = (m / 1000) | 0;
    return DIGITS3[high]! + three[m - high * 1000]!;
  }
  if (m < 1e9) {
    const high = (m / 1e6) | 0;
    const rest = m - high * 1e6;
    const middle = (rest / 1000) | 0;
    return DIGITS3[high]! + three[middle]! + three[rest - middle * 1000]!;
  }
  const high = wholePart(m, 1e9);
  const low = m - high * 1e9;
  const top = (low / 1e6) | 0;
  const rest = low - top * 1e6;
  const middle = (rest / 1000) | 0;
  return digitsOf(high) + three[top]! + three[middle]! + three[rest - middle * 1000]!;
}

/** The whole part of `m / unit` (`m >= 0`), exactly: the rounded quotient may be one too large. */
function wholePart(m: number, unit: number): number {
  const whole = Math.floor(m / unit);
  return whole * unit > m ? whole - 1 : whole;
}

/**
 * A fraction `f` of `s` places (`0 < f < 10^s`, `s <= 9`) as `.` and its digits without trailing
 * zeros: groups of three from the point, the last from the trimmed table.
 */
function fractionText(f: number, s: number): string {
  const t = tables();
  if (s <= 3) return t.fractions[s]![f]!;
  const unit = P10[s - 3]!;
  const head = (f / unit) | 0;
  const rest = f - head * unit;
  if (rest === 0) return t.fractions[3]![head]!;
  if (s <= 6) return t.dotThree[head]! + t.trimmed[s - 3]![rest]!;
  const low = P10[s - 6]!;
  const middle = (rest / low) | 0;
  const tail = rest - middle * low;
  if (tail === 0) return t.dotThree[head]! + t.trimmed[3]![middle]!;
  return t.dotThree[head]! + t.three[middle]! + t.trimmed[s - 6]![tail]!;
}

/** The plain decimal text of `m * 10^-s` without trailing zeros (`decText`'s form): `0`, `1925`, `-0.0056`. */
export function scaledText(mantissa: number, scale: number): string {
  if (mantissa === 0) return "0";
  const negative = mantissa < 0;
  const m = negative ? -mantissa : mantissa;
  let text: string;
  if (scale === 0) text = digitsOf(m);
  else if (scale <= 9) {
    const unit = P10[scale]!;
    const whole = wholePart(m, unit);
    // The fraction is below 10^9: int32 arithmetic splits it.
    const fraction = (m - whole * unit) | 0;
    text = fraction === 0 ? digitsOf(whole) : digitsOf(whole) + fractionText(fraction, scale);
  } else {
    let rest = m;
    let s = scale;
    while (s > 0 && rest % 10 === 0) {
      rest /= 10;
      s--;
    }
    const digits = digitsOf(rest);
    const padded = digits.length <= s ? "0".repeat(s - digits.length + 1) + digits : digits;
    text = s === 0 ? padded : `${padded.slice(0, padded.length - s)}.${padded.slice(padded.length - s)}`;
  }
  return negative ? `-${text}` : text;
}
