/**
 * The fast path of generated decimal code (`decimal-fast-codegen.ts`): decimal arithmetic on
 * doubles that is exact by construction, or gives up.
 *
 * A value lives in a register of a `Float64Array`, three doubles `[a, b, s]`:
 *
 * - **exact** (`s >= 0`): the decimal `a * 10^-s`, `a` a safe integer (|a| < 2^53). `+ - *` and
 *   comparisons of exact values are exact integer operations on doubles while every intermediate is
 *   a safe integer (scales aligned by exact powers of ten); so is `/` when the quotient has at
 *   most `scale` places, and `sqrt` of a perfect square. A result that would leave the safe range
 *   becomes an interval (next point), never a wrong exact value.
 * - **interval** (`s = -1`): a result of `/` or `sqrt` at the scale (or of an overflow, or an input
 *   with more than 15-16 digits) known only to lie in `[a, b]`. Soundness: JavaScript has no
 *   directed rounding, but `+ - * / sqrt` are correctly rounded, so a computed `r` is within half
 *   an ulp of the real result; {@link down} and {@link up} move `r` by at least two ulps (a
 *   relative 2^-51, plus 2^-1022 for subnormals) and the subtraction cannot round back past that
 *   (rounding is monotonic and `r -+ 2 ulp(r)` is representable), so `down(r) <= real <= up(r)`.
 *   Bounds are combined monotonically (`[lo1 + lo2, hi1 + hi2]`, the four products or quotients),
 *   each widened again. The exact path rounds `/` and `sqrt` to `scale` places in one of seven
 *   modes, always within one unit `10^-scale` of the real quotient or root: the interval is
 *   widened by `U >= 10^-scale` on both sides, so it contains the exact path's decimal.
 * - a NaN tag (`s` NaN) is a register not yet written in this evaluation.
 *
 * Decisions (a comparison, `min`/`max`, a tier lookup, rounding to a step) are exact for exact
 * values; with an interval they are taken only when the interval lies strictly on one side (in one
 * rounding cell), which gives an exact value back. Anything else throws {@link FAST_BAIL}: an
 * undecidable comparison, an interval reaching an output unrounded, a NaN or an infinity, and
 * every condition on which the exact path raises an error (a zero divisor, a negative square
 * root, a key outside the tiers, a failed assertion). The evaluator then runs the exact path for
 * that input, so results are the exact path's by construction (test/runtime/decimal-fast.test.ts
 * checks it on adversarial inputs, test/fuzz/decimal-differential.test.ts on random rulebooks).
 */
import { isDecimalText } from "../semantics/decimal.js";
import { scaledText } from "./decimal-text.js";

export { scaledText };

/** Thrown to abandon the fast path for one input (an object, not an Error: no stack is captured). */
export const FAST_BAIL = Object.freeze({ decimalFastPath: "undecided" });

/**
 * How many evaluations of decimal rulebooks took the fast path and how many fell back to the exact
 * path (only rulebooks that have a fast path count). For tests and benchmarks; never in outputs.
 */
export const decimalFastCounts = { fast: 0, exact: 0 };

/** `10^k` for `k <= 22`: exact doubles. */
const P10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const SAFE = Number.MAX_SAFE_INTEGER;
/** Reading a double's decimal stops at this magnitude of the scaled value (see {@link readNumber}). */
const READ_LIMIT = 2 ** 51;
/** Beyond this, several decimals of the same length may spell a double: left to an interval. */
const CANDIDATE_LIMIT = 2 ** 53;
const EPS = 2 ** -51;
/** A bound, generous, on `|a * 10^s - r| / (a * 10^s)` for a candidate `r` (see {@link readNumber}). */
const QUICK = 2 ** -48;
const TINY = 2 ** -1022;

/** A double at least two ulps below `x` (for any finite `x`; NaN for infinities). */
export function down(x: number): number {
  return x - (Math.abs(x) * EPS + TINY);
}

/** A double at least two ulps above `x`. */
export function up(x: number): number {
  return x + (Math.abs(x) * EPS + TINY);
}

function bail(): never {
  throw FAST_BAIL;
}

/** A rounding direction of `round up/down/half_even to` as the kernel's code. */
export const ROUND_CODES = { up: 0, down: 1, half_even: 2 } as const;

/** The helpers of one fast-path evaluator, bound to its register file. */
export type FastKernel = ReturnType<typeof fastKernel>;

/** A tier table's bounds and cells as registers (`-1`: no register, `inf` or a missing deduction). */
export interface FastTable {
  lower: number[];
  upper: number[];
  lowerInclusive: boolean[];
  upperInclusive: boolean[];
  cells: number[][];
  deductions: number[][];
}

/**
 * The register file (`registers` registers) and the operations on it, for decimal arithmetic that
 * rounds `/` and `sqrt` to `scale` places. Operations read their operands before writing the
 * destination, so `d` may be an operand.
 */
export function fastKernel(registers: number, scale: number, tables: readonly FastTable[]) {
  const R = new Float64Array(3 * registers);
  /** One unit of the scale, rounded up: `U >= 10^-scale`. */
  const U = Math.pow(10, -scale) * (1 + 1e-6);
  // The interval of the last `iv` / `bounds` call, in a typed array: a double in a closure
  // variable would be boxed (allocated) on every write.
  const T = new Float64Array(2);

  const exact = (d: number, m: number, s: number): void => {
    R[3 * d] = m + 0; // -0 is 0
    R[3 * d + 2] = s;
  };
  const interval = (d: number, lo: number, hi: number): void => {
    R[3 * d] = lo;
    R[3 * d + 1] = hi;
    R[3 * d + 2] = -1;
  };
  /** Sets T[0], T[1] to bounds of the exact value `m * 10^-s`. */
  const bounds = (m: number, s: number): void => {
    if (s === 0) {
      T[0] = T[1] = m;
    } else if (s <= 22) {
      const q = m / P10[s]!;
      T[0] = down(q);
      T[1] = up(q);
    } else if (s <= 44) {
      const q = m / 1e22;
      T[0] = down(down(q) / P10[s - 22]!);
      T[1] = up(up(q) / P10[s - 22]!);
    } else T[0] = T[1] = NaN;
  };
  /** Sets T[0], T[1] to bounds of register `x` (NaN for an unwritten register). */
  const iv = (x: number): void => {
    const s = R[3 * x + 2]!;
    if (s >= 0) bounds(R[3 * x]!, s);
    else if (s === -1) {
      T[0] = R[3 * x]!;
      T[1] = R[3 * x + 1]!;
    } else T[0] = T[1] = NaN;
  };

  /** `x + sign * y`. */
  const addSigned = (d: number, x: number, y: number, sign: number): void => {
    const xs = R[3 * x + 2]!;
    const ys = R[3 * y + 2]!;
    if (xs >= 0 && ys >= 0) {
      let a = R[3 * x]!;
      let b = sign * R[3 * y]!;
      let s = xs;
      if (xs < ys) {
        a *= P10[ys - xs]!;
        s = ys;
      } else if (ys < xs) b *= P10[xs - ys]!;
      const m = a + b;
      if (Math.abs(a) <= SAFE && Math.abs(b) <= SAFE && Math.abs(m) <= SAFE) return exact(d, m, s);
    }
    iv(x);
    const al = T[0]!;
    const ah = T[1]!;
    iv(y);
    if (sign > 0) interval(d, down(al + T[0]!), up(ah + T[1]!));
    else interval(d, down(al - T[1]!), up(ah - T[0]!));
  };

  const mulInterval = (d: number, al: number, ah: number, bl: number, bh: number): void => {
    if (al >= 0 && bl >= 0) return interval(d, down(al * bl), up(ah * bh));
    const p1 = al * bl;
    const p2 = al * bh;
    const p3 = ah * bl;
    const p4 = ah * bh;
    interval(d, down(Math.min(p1, p2, p3, p4)), up(Math.max(p1, p2, p3, p4)));
  };

  /** -1, 0 or 1 as `x` is below, equal to or above `y`; throws when it cannot tell. */
  const cmp = (x: number, y: number): number => {
    const xs = R[3 * x + 2]!;
    const ys = R[3 * y + 2]!;
    if (xs >= 0 && ys >= 0) {
      let a = R[3 * x]!;
      let b = R[3 * y]!;
      if (xs < ys) a *= P10[ys - xs]!;
      else if (ys < xs) b *= P10[xs - ys]!;
      if (Math.abs(a) <= SAFE && Math.abs(b) <= SAFE) return a < b ? -1 : a > b ? 1 : 0;
    }
    iv(x);
    const al = T[0]!;
    const ah = T[1]!;
    iv(y);
    if (ah < T[0]!) return -1;
    if (al > T[1]!) return 1;
    return bail();
  };

  const mul = (d: number, x: number, y: number): void => {
    const xs = R[3 * x + 2]!;
    const ys = R[3 * y + 2]!;
    if (xs >= 0 && ys >= 0) {
      const m = R[3 * x]! * R[3 * y]!;
      if (Math.abs(m) <= SAFE) return exact(d, m, xs + ys);
    }
    iv(x);
    const al = T[0]!;
    const ah = T[1]!;
    iv(y);
    mulInterval(d, al, ah, T[0]!, T[1]!);
  };

  const copy = (d: number, x: number): void => {
    R[3 * d] = R[3 * x]!;
    R[3 * d + 1] = R[3 * x + 1]!;
    R[3 * d + 2] = R[3 * x + 2]!;
  };

  /** The 0-based row of table `t` containing `key`, the exact path's scan; throws outside the tiers. */
  // The last key looked up in each table (its three doubles) and its row: the same value lies in
  // the same row, so repeated lookups of one key (a let read by several cells) scan once.
  const lastKey = new Float64Array(3 * tables.length).fill(NaN);
  const lastRow = new Int32Array(tables.length);
  const row = (t: number, key: number): number => {
    if (
      R[3 * key] === lastKey[3 * t] &&
      R[3 * key + 1] === lastKey[3 * t + 1] &&
      R[3 * key + 2] === lastKey[3 * t + 2]
    )
      return lastRow[t]!;
    const r = scan(t, key);
    lastKey[3 * t] = R[3 * key]!;
    lastKey[3 * t + 1] = R[3 * key + 1]!;
    lastKey[3 * t + 2] = R[3 * key + 2]!;
    lastRow[t] = r;
    return r;
  };
  // Each bound of each table as a double interval (lower lo, lower hi, upper lo, upper hi by row),
  // computed on the first scan (the registers are loaded after the kernel is built): a key whose
  // own interval lies clear of a bound is compared on doubles, without aligning decimals.
  let boundIntervals: Float64Array[] | undefined;
  const intervalsOf = (table: FastTable): Float64Array => {
    const out = new Float64Array(4 * table.lower.length);
    table.lower.forEach((lower, i) => {
      iv(lower);
      out[4 * i] = T[0]!;
      out[4 * i + 1] = T[1]!;
      const upper = table.upper[i]!;
      if (upper >= 0) iv(upper);
      out[4 * i + 2] = upper >= 0 ? T[0]! : Infinity;
      out[4 * i + 3] = upper >= 0 ? T[1]! : Infinity;
    });
    return out;
  };
  const scan = (t: number, key: number): number => {
    const table = tables[t]!;
    boundIntervals ??= tables.map(intervalsOf);
    const B = boundIntervals[t]!;
    iv(key);
    const kl = T[0]!;
    const kh = T[1]!;
    for (let i = 0; i < table.lower.length; i++) {
      const c = kl > B[4 * i + 1]! ? 1 : kh < B[4 * i]! ? -1 : cmp(key, table.lower[i]!);
      if (!(table.lowerInclusive[i] ? c >= 0 : c > 0)) continue;
      const u = table.upper[i]!;
      if (u < 0) return i;
      const e = kh < B[4 * i + 2]! ? -1 : kl > B[4 * i + 3]! ? 1 : cmp(key, u);
      if (table.upperInclusive[i] ? e <= 0 : e < 0) return i;
    }
    return bail();
  };

  return {
    R,
    /** One unit of the scale, rounded up (`U`: widens `/` and `sqrt`). */
    unit: U,
    eps: EPS,
    tiny: TINY,
    /** The lower bound of register `r` as a double (the kernel's `iv`); NaN when unwritten. */
    lower(r: number): number {
      iv(r);
      return T[0]!;
    },
    /** The upper bound of register `r` as a double. */
    upper(r: number): number {
      iv(r);
      return T[1]!;
    },
    bail,
    copy,
    exact,
    /** Reads an input number or decimal text as the exact path does (`toDec`). */
    input(d: number, value: unknown): void {
      if (typeof value === "number") readNumber(R, d, value);
      else if (typeof value === "string" && readText(R, d, value)) return;
      else bail();
    },
    /** Reads the input number stored in register `d` (`R[3 * d]`) as {@link input} reads a number. */
    number(d: number): void {
      readRegister(R, d);
    },
    /** An input that is not a number: a string or a boolean passes, anything else gives up. */
    other(value: unknown): unknown {
      return typeof value === "string" || typeof value === "boolean" ? value : bail();
    },
    /** Marks registers `from` to `to - 1` as unwritten. */
    clear(from: number, to: number): void {
      for (let i = from; i < to; i++) R[3 * i + 2] = NaN;
    },
    add: (d: number, x: number, y: number): void => addSigned(d, x, y, 1),
    sub: (d: number, x: number, y: number): void => addSigned(d, x, y, -1),
    mul,
    div(d: number, x: number, y: number): void {
      const xs = R[3 * x + 2]!;
      const ys = R[3 * y + 2]!;
      if (ys >= 0 && R[3 * y] === 0) bail(); // the exact path raises MB6002
      if (xs >= 0 && ys >= 0) {
        const a = R[3 * x]!;
        const b = R[3 * y]!;
        // The quotient is exact when b divides a * 10^t for some t that keeps the scale.
        let n = a;
        for (let t = 0; Math.abs(n) <= SAFE && xs - ys + t <= scale; t++, n *= 10) {
          if (n % b === 0) {
            let q = n / b;
            let s = xs - ys + t;
            if (s < 0) {
              q *= P10[-s]!;
              s = 0;
            }
            if (Math.abs(q) <= SAFE) return exact(d, q, s);
            break;
          }
        }
      }
      iv(y);
      const bl = T[0]!;
      const bh = T[1]!;
      if (!(bl > 0 || bh < 0)) bail(); // a divisor interval around 0: undecided
      if (xs >= 0 && R[3 * x] === 0) return exact(d, 0, 0);
      iv(x);
      const q1 = T[0]! / bl;
      const q2 = T[0]! / bh;
      const q3 = T[1]! / bl;
      const q4 = T[1]! / bh;
      interval(d, down(down(Math.min(q1, q2, q3, q4)) - U), up(up(Math.max(q1, q2, q3, q4)) + U));
    },
    sqrt(d: number, x: number): void {
      const s = R[3 * x + 2]!;
      if (s >= 0) {
        const m = R[3 * x]!;
        if (m < 0) bail(); // MB6003
        // A perfect square's root is exact (Math.sqrt is correctly rounded).
        const even = (s & 1) === 0 ? m : m * 10;
        const r = Math.sqrt(even);
        const half = (s + (s & 1)) / 2;
        if (Number.isInteger(r) && r * r === even && even <= SAFE && half <= scale) return exact(d, r, half);
      }
      iv(x);
      if (!(T[0]! >= 0)) bail();
      interval(d, down(down(Math.sqrt(T[0]!)) - U), up(up(Math.sqrt(T[1]!)) + U));
    },
    neg(d: number, x: number): void {
      const s = R[3 * x + 2]!;
      if (s >= 0) return exact(d, 0 - R[3 * x]!, s);
      iv(x);
      interval(d, -T[1]!, -T[0]!);
    },
    abs(d: number, x: number): void {
      const s = R[3 * x + 2]!;
      if (s >= 0) return exact(d, Math.abs(R[3 * x]!), s);
      iv(x);
      if (T[0]! >= 0) interval(d, T[0]!, T[1]!);
      else if (T[1]! <= 0) interval(d, -T[1]!, -T[0]!);
      else interval(d, 0, Math.max(-T[0]!, T[1]!));
    },
    min(d: number, x: number, y: number): void {
      copy(d, cmp(x, y) <= 0 ? x : y);
    },
    max(d: number, x: number, y: number): void {
      copy(d, cmp(x, y) >= 0 ? x : y);
    },
    lt: (x: number, y: number): boolean => cmp(x, y) < 0,
    le: (x: number, y: number): boolean => cmp(x, y) <= 0,
    gt: (x: number, y: number): boolean => cmp(x, y) > 0,
    ge: (x: number, y: number): boolean => cmp(x, y) >= 0,
    eq(x: number, y: number): boolean {
      const xs = R[3 * x + 2]!;
      const ys = R[3 * y + 2]!;
      if (xs >= 0 && ys >= 0) return cmp(x, y) === 0;
      iv(x);
      const al = T[0]!;
      const ah = T[1]!;
      iv(y);
      return ah < T[0]! || al > T[1]! ? false : bail();
    },
    /** Rounds `x` to a multiple of the step in register `st` (`direction`: {@link ROUND_CODES}). */
    round(d: number, x: number, st: number, direction: number): void {
      const ss = R[3 * st + 2]!;
      const sm = R[3 * st]!;
      if (!(ss >= 0 && sm > 0)) bail(); // a step the exact path refuses, or one known inexactly
      if (R[3 * x + 2]! >= 0 && roundExact(R, d, x, sm, ss, direction)) return;
      roundInterval(d, x, sm, ss, direction);
    },
    /** The decimal text of an exact register (the exact path's `decText`); an interval gives up. */
    text(x: number): string {
      const s = R[3 * x + 2]!;
      if (!(s >= 0)) bail();
      return scaledText(R[3 * x]!, s);
    },
    /** -1, 0 or 1 comparing registers `x` and `y`; gives up when it cannot tell. */
    cmp,
    row,
    cell(d: number, t: number, r: number, column: number | "tier" | "lower" | "upper"): void {
      const table = tables[t]!;
      if (column === "tier") return exact(d, r + 1, 0);
      const register =
        column === "lower"
          ? table.lower[r]!
          : column === "upper"
            ? table.upper[r]!
            : table.cells[r]![column]!;
      if (register < 0) bail(); // `inf`
      copy(d, register);
    },
    /** `table.margin(key, column)` (`key * rate - deduction`) or `table.deduction(key, column)`. */
    margin(d: number, t: number, column: number, deduction: boolean, key: number): void {
      const table = tables[t]!;
      const r = row(t, key);
      const cut = table.deductions[r]![column]!;
      if (deduction) {
        if (cut < 0) exact(d, 0, 0);
        else copy(d, cut);
        return;
      }
      mul(d, key, table.cells[r]![column]!);
      if (cut >= 0) addSigned(d, d, cut, -1);
    },
  };

  function roundInterval(d: number, x: number, sm: number, ss: number, direction: number): void {
    iv(x);
    const lo = T[0]!;
    const hi = T[1]!;
    if (!(lo <= hi) || ss > 22) bail();
    const n = Math.floor(lo / (sm / P10[ss]!));
    const below = n * sm;
    const above = below + sm;
    if (!(Math.abs(below) <= SAFE && Math.abs(above) <= SAFE)) bail();
    // The interval must lie strictly inside (below, above), both known exactly.
    bounds(below, ss);
    if (!(T[1]! < lo)) bail();
    bounds(above, ss);
    if (!(hi < T[0]!)) bail();
    if (direction === ROUND_CODES.up) return exact(d, above, ss);
    if (direction === ROUND_CODES.down) return exact(d, below, ss);
    // half_even: the midpoint (2n + 1) * step / 2 = (2n + 1) * 5 * sm * 10^-(ss + 1).
    const mid = (2 * n + 1) * 5 * sm;
    if (!(Math.abs(mid) <= SAFE)) bail();
    bounds(mid, ss + 1);
    if (hi < T[0]!) return exact(d, below, ss);
    if (lo > T[1]!) return exact(d, above, ss);
    bail();
  }
}

/** Rounds an exact register to a multiple of `sm * 10^-ss` exactly; false when it would overflow. */
function roundExact(
  R: Float64Array,
  d: number,
  x: number,
  sm: number,
  ss: number,
  direction: number,
): boolean {
  const m = roundExactValue(R[3 * x]!, R[3 * x + 2]!, sm, ss, direction);
  if (m !== m) return false;
  R[3 * d] = m;
  R[3 * d + 2] = ss;
  return true;
}

/**
 * The mantissa of the exact value `v * 10^-xs` rounded to a multiple of `sm * 10^-ss` (`direction`:
 * {@link ROUND_CODES}), at `ss` places (a multiple of `sm`); NaN when an intermediate would leave
 * the safe integers. `decimal-fast-ops.ts` generates the same steps inline.
 */
export function roundExactValue(v: number, xs: number, sm: number, ss: number, direction: number): number {
  let unit = sm;
  if (xs < ss) v *= P10[ss - xs]!;
  else if (ss < xs) unit *= P10[xs - ss]!;
  if (!(Math.abs(v) <= SAFE && unit <= SAFE)) return NaN;
  // floor(v / unit), corrected by exact products (the quotient of doubles may be off by one).
  let n = Math.floor(v / unit);
  let below = n * unit;
  if (!(Math.abs(below) <= SAFE && Math.abs(below) + unit <= SAFE)) return NaN;
  if (below > v) {
    n -= 1;
    below -= unit;
  } else if (below + unit <= v) {
    n += 1;
    below += unit;
  }
  let chosen = n;
  const rest = v - below;
  if (rest !== 0) {
    if (direction === ROUND_CODES.up) chosen = n + 1;
    else if (direction === ROUND_CODES.half_even) {
      const twice = 2 * rest;
      chosen = twice < unit ? n : twice > unit ? n + 1 : (n & 1) === 0 ? n : n + 1;
    }
  }
  const m = chosen * unit;
  return Math.abs(m) <= SAFE ? chosen * sm + 0 : NaN;
}

function exactRead(R: Float64Array, d: number, m: number, s: number): void {
  R[3 * d] = m;
  R[3 * d + 2] = s;
}

/**
 * Reads a JSON number as the exact path does: the decimal of its shortest round-trip spelling
 * (`String(v)`, which `toDec` parses). The smallest `s` with `round(v * 10^s) / 10^s === v` gives
 * that decimal: while `|v| * 10^s < 2^51` the reals rounding to `v`, scaled, span less than 1/2,
 * so at most one integer is a candidate and the product's rounding error (below 1/4) cannot hide
 * it; the shortest spelling has the fewest places among the candidates (the fewest digits), and
 * `r / 10^s` is the correctly rounded value of that decimal. Up to 2^53 the span is below 2 and
 * every candidate is within one of `r`: one candidate that round-trips is the spelling, several
 * (where `String` picks the closest) are left to the interval. A number with no such short decimal
 * is held as the interval of the doubles around it, which contains its decimal.
 */
export function readNumber(R: Float64Array, d: number, v: number): void {
  R[3 * d] = v;
  readRegister(R, d);
}

/**
 * {@link readNumber} of the double already stored in `R[3 * d]`: generated code stores an input
 * number there and passes the register, not the double (V8 boxes a double argument, an allocation
 * per input).
 */
export function readRegister(R: Float64Array, d: number): void {
  const v = R[3 * d]!;
  if (Number.isSafeInteger(v)) {
    R[3 * d] = v + 0;
    R[3 * d + 2] = 0;
    return;
  }
  if (!Number.isFinite(v)) bail();
  const a = Math.abs(v);
  for (let s = 1; s <= 22; s++) {
    const p = P10[s]!;
    const t = a * p;
    if (t < READ_LIMIT) {
      // A candidate is within 1/4 of t, so `floor(t + 1/2)` finds it (t + 1/2 is within 1/8 of
      // exact here; Math.round is several times slower in V8). Within t * 2^-52 of t (plus the
      // product's rounding), in fact: skip the division else.
      const r = Math.floor(t + 0.5);
      if (Math.abs(t - r) <= t * QUICK && r / p === a) return exactRead(R, d, v < 0 ? -r : r, s);
      if (s === SKIP_AFTER) s = skipTo(a);
      continue;
    }
    if (t >= CANDIDATE_LIMIT) break;
    const r = Math.round(t);
    // Up to 2^53 the candidates are within one of r; exactly one of them must round-trip.
    const below = (r - 1) / p === a;
    const at = r / p === a;
    const above = r + 1 <= SAFE && (r + 1) / p === a;
    const found = Number(below) + Number(at) + Number(above);
    if (found === 1) {
      const c = below ? r - 1 : at ? r : r + 1;
      return exactRead(R, d, v < 0 ? -c : c, s);
    }
    if (found > 1) break; // the closest of several: left to the interval
  }
  // `down(v)` and `up(v)`, written out: a double returned by a call that V8 does not inline is boxed.
  const widening = a * EPS + TINY;
  R[3 * d] = v - widening;
  R[3 * d + 1] = v + widening;
  R[3 * d + 2] = -1;
}

/** Places read one by one before {@link skipTo} looks ahead. */
const SKIP_AFTER = 3;

/**
 * Where {@link readRegister} goes on after places 1 to {@link SKIP_AFTER} failed for `a`: to the
 * most places `m` whose scaled value stays below 2^51, tested once, when no candidate is there
 * (returns `m`: the loop goes on at `m + 1`, the 16-digit zone or the interval), else back to
 * the next place. A candidate `r` at fewer places `s` would be one at `m`: `a` is within half an
 * ulp (relative 2^-53) of `r / 10^s`, so `a * 10^m` is within `2^51 * 2^-52 = 1/2` (relative
 * 2^-52 with the product's rounding) of the integer `r * 10^(m - s)`, which then passes both
 * tests (the quotient `r 10^(m-s) / 10^m` is the real `r / 10^s`, correctly rounded to `a`). So a
 * number with a spelling of 17 digits (read as an interval) or 16 (in the zone) skips the places
 * between, and reads as before. `m` is found with the loop's own product, so the loop's zone
 * starts where it did.
 */
function skipTo(a: number): number {
  let m = SKIP_AFTER;
  while (m < 22 && a * P10[m + 1]! < READ_LIMIT) m++;
  if (m === SKIP_AFTER) return m;
  const p = P10[m]!;
  const t = a * p;
  const r = Math.floor(t + 0.5);
  return Math.abs(t - r) <= t * QUICK && r / p === a ? SKIP_AFTER : m;
}

/**
 * Reads decimal text (what `isDecimalText` accepts) digit by digit into an exact register; text
 * with more digits than a safe integer holds becomes the interval around its correctly rounded
 * double. False when the text is not decimal text (the exact path keeps it as text).
 */
export function readText(R: Float64Array, d: number, text: string): boolean {
  if (!isDecimalText(text)) return false;
  const t = text.trim();
  let i = 0;
  let negative = false;
  if (t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43) {
    negative = t.charCodeAt(0) === 45;
    i = 1;
  }
  let m = 0;
  let s = 0;
  let dot = false;
  let fits = true;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 46) {
      dot = true;
      continue;
    }
    if (c === 101 || c === 69) break;
    m = m * 10 + (c - 48);
    if (m > SAFE) fits = false;
    if (dot) s++;
  }
  if (i < t.length) {
    const exponent = Number(t.slice(i + 1));
    if (!(Math.abs(exponent) <= 400)) fits = false;
    else s -= exponent;
  }
  if (fits && s < 0) {
    m *= P10[-s] ?? NaN;
    s = 0;
    if (!(m <= SAFE)) fits = false;
  }
  if (fits && s <= 400) {
    while (s > 0 && m % 10 === 0) {
      m /= 10;
      s--;
    }
    R[3 * d] = negative ? 0 - m : m;
    R[3 * d + 2] = s;
    return true;
  }
  const v = Number(t);
  if (!Number.isFinite(v)) bail();
  R[3 * d] = down(v);
  R[3 * d + 1] = up(v);
  R[3 * d + 2] = -1;
  return true;
}
