/**
 * The statements of the fast path's operations (`decimal-fast-codegen.ts`), on values held in
 * local variables of the generated function: each numeric value is three doubles, `a`, `b`, `s`,
 * exactly as a register of `decimal-fast.ts` holds it (`s >= 0`: the exact decimal `a * 10^-s`;
 * `s = -1`: an interval `[a, b]`; NaN: not written in this evaluation).
 *
 * Generated code names no global: `Math`'s functions are factory-level constants (`Mfloor`,
 * `Msqrt`, `Mmin`, `Mmax`, `Mabs`), which V8 still inlines.
 *
 * Written inline, with no call (a call with doubles would box them) and no allocation: `+ - *`,
 * comparisons and rounding of exact values while every intermediate is a safe integer, the text
 * of an output rounded to a step of 0 to 3 places (allocating only its strings), and
 * `+ - *`, comparisons and `sqrt` of intervals, with the kernel's bounds (`down`, `up`: two ulps
 * either way; an exact value's bounds are those of its correctly rounded quotient), so the same
 * soundness argument holds (decimal-fast.ts). Every other case (`/`, rounding an interval, a
 * comparison the intervals cannot decide, places beyond 22) copies the operands into the kernel's
 * scratch registers and runs the kernel's operation there, so its results, and its reasons to give
 * up, are the kernel's. Constants are already in registers of their own and are passed to the
 * kernel as they are; their places and bounds are known when the code is generated, which removes
 * the tests of exactness on them.
 */

/** A numeric value as code: the three doubles (names), and what is known of it at generation time. */
export interface Num {
  a: string;
  b: string;
  s: string;
  /** The places of a value known to be exact (a constant). */
  places?: number;
  /** The register of a constant (the kernel reads it there). */
  register?: number;
  /** A constant's bounds as doubles (names of factory-level constants). */
  lo?: string;
  hi?: string;
}

/** Scratch registers of the kernel: the two operands and the result of a slow operation. */
export const SCRATCH = { x: 0, y: 1, d: 2, count: 3 } as const;

/** The largest safe integer, as code. */
const SAFE = "9007199254740991";

/** The test that `x` is exact ("" when known). */
function exact(x: Num): string {
  return x.places !== undefined ? "" : `${x.s} >= 0`;
}

function both(x: Num, y: Num): string {
  return [exact(x), exact(y)].filter((c) => c !== "").join(" && ");
}

/** `x - (|x| * 2^-51 + 2^-1022)`, the kernel's `down`, as code (`up` with `+`). */
function widen(x: string, sign: "-" | "+"): string {
  return `${x} ${sign} ((${x} < 0 ? -${x} : ${x}) * FE + FT)`;
}

/**
 * Statements declaring `l` and `h`, bounds of `x` as doubles (the kernel's `iv`): an interval's own,
 * an exact value's quotient widened, NaN for a value not written or with more than 22 places
 * (every decision on NaN bounds fails, and the kernel then gives up).
 */
function bounds(x: Num, l: string, h: string): string {
  if (x.lo !== undefined && x.hi !== undefined) return `const ${l} = ${x.lo}, ${h} = ${x.hi};`;
  return [
    `let ${l} = FNaN, ${h} = FNaN;`,
    `if (${x.s} === -1) { ${l} = ${x.a}; ${h} = ${x.b}; }`,
    `else if (${x.s} === 0) { ${l} = ${x.a}; ${h} = ${x.a}; }`,
    `else if (${x.s} > 0 && ${x.s} <= 22) { const q = ${x.a} / FP[${x.s}]; ${l} = ${widen("q", "-")}; ${h} = ${widen("q", "+")}; }`,
  ].join(" ");
}

/** `d` := the interval `[down(lo), up(hi)]` of the doubles `lo`, `hi` (names). */
function setInterval(d: Num, lo: string, hi: string): string {
  return `${d.a} = ${widen(lo, "-")}; ${d.b} = ${widen(hi, "+")}; ${d.s} = -1;`;
}

/** `if (cond) {` or a plain block when the condition always holds. */
function guarded(condition: string, then: string, otherwise: string): string {
  return condition === "" ? then : `if (${condition}) { ${then} } else { ${otherwise} }`;
}

/** The register a value is in for the kernel: its own (a constant) or a scratch one it is copied to. */
function operand(x: Num, scratch: number): { code: string; register: number } {
  if (x.register !== undefined) return { code: "", register: x.register };
  const r = 3 * scratch;
  return { code: `FR[${r}] = ${x.a}; FR[${r + 1}] = ${x.b}; FR[${r + 2}] = ${x.s}; `, register: scratch };
}

/** `d` := the kernel's scratch result. */
function readBack(d: Num): string {
  const r = 3 * SCRATCH.d;
  return `${d.a} = FR[${r}]; ${d.b} = FR[${r + 1}]; ${d.s} = FR[${r + 2}];`;
}

/** Runs kernel operation `helper` on `x` (and `y`) into `d`, through the scratch registers. */
export function slow(helper: string, d: Num, x: Num, y?: Num, extra = ""): string {
  const ox = operand(x, SCRATCH.x);
  const oy = y ? operand(y, SCRATCH.y) : undefined;
  const args = [SCRATCH.d, ox.register, ...(oy ? [oy.register] : [])].join(", ");
  return `${ox.code}${oy?.code ?? ""}${helper}(${args}${extra}); ${readBack(d)}`;
}

/** `d` := `x` (all three doubles). */
export function copy(d: Num, x: Num): string {
  if (d.a === x.a) return "";
  return `${d.a} = ${x.a}; ${d.b} = ${x.b}; ${d.s} = ${x.s};`;
}

/** The places of a sum or a rounding of exact values, as code. */
function maxPlaces(x: Num, y: Num): string {
  if (x.places !== undefined && y.places !== undefined) return String(Math.max(x.places, y.places));
  if (x.places === 0) return y.s;
  if (y.places === 0) return x.s;
  return `(${x.s} > ${y.s} ? ${x.s} : ${y.s})`;
}

/**
 * Statements declaring `u` and `v`, the mantissas of exact `x` and `y` aligned to the larger
 * places `p`, and `ok`: whether both are still safe integers (so exact). Inline code, no call: a
 * call with doubles would box them. `FP` holds 10^k for k <= 22 (NaN up to 63; a larger `k` is
 * refused by `ok`).
 */
function aligned(x: Num, y: Num): string {
  if (x.places !== undefined && y.places !== undefined) {
    const k = x.places - y.places;
    if (k === 0) return `const u = ${x.a}, v = ${y.a}, p = ${x.places}, ok = true;`;
    if (Math.abs(k) > 22) return `const u = 0, v = 0, p = 0, ok = false;`;
    return k > 0
      ? `const u = ${x.a}, v = ${y.a} * FP[${k}], p = ${x.places}, ok = v <= ${SAFE} && v >= -${SAFE};`
      : `const u = ${x.a} * FP[${-k}], v = ${y.a}, p = ${y.places}, ok = u <= ${SAFE} && u >= -${SAFE};`;
  }
  return [
    `const k = ${x.s} - ${y.s};`,
    `let u = ${x.a}, v = ${y.a}, p = ${x.s};`,
    `if (k > 0) v *= FP[k & 63]; else if (k < 0) { u *= FP[-k & 63]; p = ${y.s}; }`,
    `const ok = k <= 22 && k >= -22 && u <= ${SAFE} && u >= -${SAFE} && v <= ${SAFE} && v >= -${SAFE};`,
  ].join(" ");
}

/**
 * `{ exact attempt; if it did not succeed, the interval fallback }`: the attempt sets `done` when it
 * wrote `d`.
 */
function exactOrInterval(condition: string, attempt: string, fallback: string): string {
  if (condition === "" && !attempt.includes("done")) return `{ ${attempt} }`;
  const tried = condition === "" ? attempt : `if (${condition}) { ${attempt} }`;
  return `{ let done = false; ${tried} if (!done) { ${fallback} } }`;
}

/** `d := x + y` (`sign` 1) or `x - y` (-1). */
export function add(d: Num, x: Num, y: Num, sign: 1 | -1): string {
  const op = sign > 0 ? "+" : "-";
  const attempt = `${aligned(x, y)} const t = u ${op} v; if (ok && t <= ${SAFE} && t >= -${SAFE}) { ${d.s} = p; ${d.a} = t + 0; done = true; }`;
  const lo = sign > 0 ? "xl + yl" : "xl - yh";
  const hi = sign > 0 ? "xh + yh" : "xh - yl";
  const fallback = `${bounds(x, "xl", "xh")} ${bounds(y, "yl", "yh")} const lo = ${lo}, hi = ${hi}; ${setInterval(d, "lo", "hi")}`;
  return exactOrInterval(both(x, y), attempt, fallback);
}

/** `d := x * y`. */
export function mul(d: Num, x: Num, y: Num): string {
  const places =
    x.places !== undefined && y.places !== undefined
      ? String(x.places + y.places)
      : x.places === 0
        ? y.s
        : y.places === 0
          ? x.s
          : `${x.s} + ${y.s}`;
  const attempt = `const t = ${x.a} * ${y.a}; if (t <= ${SAFE} && t >= -${SAFE}) { ${d.s} = ${places}; ${d.a} = t + 0; done = true; }`;
  const fallback = [
    bounds(x, "xl", "xh"),
    bounds(y, "yl", "yh"),
    "let lo, hi;",
    "if (xl >= 0 && yl >= 0) { lo = xl * yl; hi = xh * yh; }",
    "else { const p1 = xl * yl, p2 = xl * yh, p3 = xh * yl, p4 = xh * yh; lo = Mmin(p1, p2, p3, p4); hi = Mmax(p1, p2, p3, p4); }",
    setInterval(d, "lo", "hi"),
  ].join(" ");
  return exactOrInterval(both(x, y), attempt, fallback);
}

/**
 * `d := sqrt(x)` to the scale: a perfect square's root exactly, else the interval of the roots of
 * the bounds widened by a unit of the scale (`FU`), as the kernel's `sqrt`; a negative operand
 * gives up (the exact path raises MB6003).
 */
export function sqrt(d: Num, x: Num, scale: number): string {
  const attempt = [
    `if (${x.a} < 0) Fbail();`,
    // Parities by `& 1` (exact for safe integers): `%` on doubles is a call in V8.
    `const odd = ${x.s} & 1, even = odd === 0 ? ${x.a} : ${x.a} * 10, r = Msqrt(even), half = (${x.s} + odd) / 2;`,
    `if (r === Mfloor(r) && r * r === even && even <= ${SAFE} && half <= ${scale}) { ${d.s} = half; ${d.a} = r; done = true; }`,
  ].join(" ");
  const fallback = [
    bounds(x, "xl", "xh"),
    "if (!(xl >= 0)) Fbail();",
    `const rl = Msqrt(xl), rh = Msqrt(xh), dl = ${widen("rl", "-")} - FU, dh = ${widen("rh", "+")} + FU;`,
    setInterval(d, "dl", "dh"),
  ].join(" ");
  return exactOrInterval(exact(x), attempt, fallback);
}

/** `d := -x` or `abs(x)`. */
export function unary(d: Num, x: Num, op: "neg" | "abs"): string {
  const value = op === "neg" ? `0 - ${x.a}` : `Mabs(${x.a})`;
  const then = `${d.a} = ${value}; ${d.s} = ${x.s};`;
  return guarded(exact(x), then, slow(op === "neg" ? "Fneg" : "Fabs", d, x));
}

/**
 * Statements setting the variable `c` to -1, 0 or 1 comparing `x` with `y`: exactly, or by
 * disjoint bounds, else by the kernel (which gives up when it cannot tell).
 */
export function compare(c: string, x: Num, y: Num): string {
  const ox = operand(x, SCRATCH.x);
  const oy = operand(y, SCRATCH.y);
  const kernel = `${ox.code}${oy.code}${c} = Fcmp(${ox.register}, ${oy.register});`;
  const attempt = `${aligned(x, y)} if (ok) { ${c} = u < v ? -1 : u > v ? 1 : 0; done = true; }`;
  const fallback = `${bounds(x, "xl", "xh")} ${bounds(y, "yl", "yh")} if (xh < yl) ${c} = -1; else if (xl > yh) ${c} = 1; else { ${kernel} }`;
  return exactOrInterval(both(x, y), attempt, fallback);
}

/** Statements setting `c` to whether `x == y` (exact values, or disjoint bounds; else the kernel's `eq`). */
export function equal(c: string, x: Num, y: Num): string {
  const ox = operand(x, SCRATCH.x);
  const oy = operand(y, SCRATCH.y);
  const kernel = `${ox.code}${oy.code}${c} = Feq(${ox.register}, ${oy.register});`;
  const attempt = `${aligned(x, y)} if (ok) { ${c} = u === v; done = true; }`;
  const fallback = `${bounds(x, "xl", "xh")} ${bounds(y, "yl", "yh")} if (xh < yl || xl > yh) ${c} = false; else { ${kernel} }`;
  return exactOrInterval(both(x, y), attempt, fallback);
}

/**
 * `d := x` rounded to a multiple of the constant step `step` (`direction`: a ROUND_CODES value:
 * 0 up, 1 down, 2 half-even), inline as `roundExactValue` computes it; the kernel when an
 * intermediate leaves the safe integers or `x` is an interval. The step is exact and positive (the
 * caller checks; else the code gives up, as the kernel does).
 */
export function round(d: Num, x: Num, step: Num, direction: number): string {
  const kernel = slow("Fround", d, x, step, `, ${direction}`);
  if (step.places === undefined || step.register === undefined) return kernel;
  const ss = step.places;
  const unitCode =
    x.places !== undefined
      ? `const k = ${x.places - ss}; let v = ${x.a}, unit = ${step.a};`
      : `const k = ${x.s} - ${ss}; let v = ${x.a}, unit = ${step.a};`;
  const chosen =
    direction === 0
      ? "rest === 0 ? n : n + 1"
      : direction === 1
        ? "n"
        : "rest === 0 || 2 * rest < unit ? n : 2 * rest > unit ? n + 1 : (n & 1) === 0 ? n : n + 1";
  // The result is `chosen * unit` at max(places of x, ss) places, that is `chosen * step` at `ss`
  // places: written so, without the trailing zeros (shorter to write as text).
  const attempt = [
    unitCode,
    `if (k < 0) v *= FP[-k & 63]; else if (k > 0) unit *= FP[k & 63];`,
    `let ok = k <= 22 && k >= -22 && v <= ${SAFE} && v >= -${SAFE} && unit <= ${SAFE};`,
    `let n = Mfloor(v / unit), below = n * unit;`,
    `ok = ok && below <= ${SAFE} && below >= -${SAFE} && (below < 0 ? -below : below) + unit <= ${SAFE};`,
    `if (below > v) { n -= 1; below -= unit; } else if (below + unit <= v) { n += 1; below += unit; }`,
    `const rest = v - below, c = ${chosen}, m = c * unit;`,
    `if (ok && m <= ${SAFE} && m >= -${SAFE}) { ${d.s} = ${ss}; ${d.a} = c * ${step.a} + 0; } else { ${kernel} }`,
  ].join(" ");
  return `{ ${guarded(exact(x), attempt, kernel)} }`;
}

/**
 * Statements setting `row` to the row of `key` in a table of `n` contiguous ascending rows (each
 * row's upper bound is the next row's lower bound), without a branch per row: the number of inner
 * boundaries the key lies strictly above. `B` names the bounds as double intervals (lower bound
 * lo, hi by row, then the last upper bound's lo, hi). Taken only when the key's bounds lie
 * strictly on one side of every inner boundary, strictly above the first lower bound and strictly
 * below a finite last upper bound: the key is then strictly inside one row, whatever the bounds'
 * inclusivity, and that row is the count. Else (a key on or near a boundary, outside the tiers, or
 * not written) `fallback`: the kernel's exact scan.
 */
export function tierRow(
  row: string,
  key: Num,
  B: string,
  n: number,
  finiteTop: boolean,
  fallback: string,
): string {
  const above: string[] = [];
  const below: string[] = [];
  for (let i = 1; i < n; i++) {
    above.push(`+(kl > ${B}[${2 * i + 1}])`);
    below.push(`+(kh < ${B}[${2 * i}])`);
  }
  const inside = [`kl > ${B}[1]`, ...(finiteTop ? [`kh < ${B}[${2 * n}]`] : [])];
  const count = above.length ? above.join(" + ") : "0";
  const decided = above.length ? `past + ${below.join(" + ")} === ${n - 1} && ` : "";
  return [
    `{ ${bounds(key, "kl", "kh")}`,
    `const past = ${count};`,
    `if (${decided}${inside.join(" && ")}) ${row} = past; else { ${fallback} } }`,
  ].join(" ");
}

/** Statements writing the whole number `w` into `t`, in groups of three digits from the tables. */
const WHOLE_TEXT =
  "let t; if (w < 1000) t = FD3[w]; else if (w < 1000000) { const h = Mfloor(w / 1000); t = FD3[h] + FP3[w - h * 1000]; } else t = Fdigits(w);";

/**
 * Statements declaring `variable`, the decimal text of `x` (`scaledText`'s form) when `x` is exact
 * at `places` (known when the code is generated: a value rounded to a step of that many places,
 * `places <= 3`), written inline from tables (`FD3`: `0..999`, `FP3`: the same in three digits,
 * `fraction`: the name of the fractions of `places` places, "" for none); any other value (an
 * interval gives up) through the general `Ftext`. `Mfloor(am / 10^k)` is the exact whole part of
 * a safe integer `am`: the quotient is below `2^53 / 10^k`, where half an ulp is below `10^-k`,
 * the least distance from a quotient that is not whole to the next whole, so it never rounds up
 * to it.
 */
export function text(variable: string, x: Num, places: number, fraction: string): string {
  const unit = 10 ** places;
  // For a step of 0.01: in groups of three digits from the last, the lowest one with the point
  // (`FC2`, `d.ff`). Else the whole part's groups, then the fraction's table.
  const body =
    places === 2
      ? [
          "let t; if (am < 1000) t = FC2[am];",
          "else { const h = Mfloor(am / 1000), l = am - h * 1000;",
          "if (h < 1000) t = FD3[h] + FC2[l]; else if (h < 1000000) { const g = Mfloor(h / 1000); t = FD3[g] + FP3[h - g * 1000] + FC2[l]; } else t = Fdigits(h) + FC2[l]; }",
        ].join(" ")
      : [
          places === 0 ? "const w = am;" : `const w = Mfloor(am / ${unit});`,
          WHOLE_TEXT,
          places === 0 ? "" : `t = t + ${fraction}[am - w * ${unit}];`,
        ].join(" ");
  return [
    `let ${variable};`,
    `if (${x.s} === ${places}) { const m = ${x.a}, am = m < 0 ? -m : m; ${body} ${variable} = m < 0 ? "-" + t : t; }`,
    `else ${variable} = ${x.s} >= 0 ? Ftext(${x.a}, ${x.s}) : Fbail();`,
  ].join(" ");
}

/**
 * Statements declaring `variable`, the decimal text of `x` at whatever places it has (an output
 * not rounded to a step), as `scaledText` writes it: inline for 0 to 9 places, any other value
 * through `Ftext0` (an interval gives up). The whole part as in {@link text} (`Mfloor(am / 10^k)`
 * is exact); the fraction, below `10^9` whatever its places, scaled to nine places (an int32) and
 * written in groups of three from the point, the last group that is not zero from the table of
 * three digits without trailing zeros (`FT3`; `FDT3`: `.` and three digits; `fraction3`: `.` and
 * three digits trimmed): one path for every number of places, and no call.
 */
export function textAny(variable: string, x: Num, fraction3: string): string {
  return [
    `let ${variable};`,
    `if (${x.s} >= 0 && ${x.s} <= 9) { const k = ${x.s} | 0, m = ${x.a}, am = m < 0 ? -m : m, unit = FP[k], w = Mfloor(am / unit), f = am - w * unit;`,
    WHOLE_TEXT,
    "if (f !== 0) { const n = (f * FP[9 - k]) | 0, g1 = (n / 1000000) | 0, r = n - g1 * 1000000, g2 = (r / 1000) | 0, g3 = r - g2 * 1000;",
    `t = g3 !== 0 ? t + FDT3[g1] + FP3[g2] + FT3[g3] : g2 !== 0 ? t + FDT3[g1] + FT3[g2] : t + ${fraction3}[g1]; }`,
    `${variable} = m < 0 ? "-" + t : t; }`,
    `else ${variable} = ${x.s} >= 0 ? (FR[0] = ${x.a}, Ftext0(${x.s})) : Fbail();`,
  ].join(" ");
}
