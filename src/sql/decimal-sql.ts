/**
 * Exact decimal arithmetic in SQL (DuckDB), for a rulebook that declares `arithmetic decimal`: the
 * semantics of `src/semantics/decimal.ts`, operation by operation, on `DECIMAL(38, 18)` values.
 *
 * - Every number is a `DECIMAL(38, 18)` whose magnitude stays below 10^19 ({@link LIMIT}); a result
 *   outside that range is not computed (its value is 0) and the row carries MB5111 instead, so the
 *   engine never overflows and no row gets a wrong value.
 * - `+` and `-` are exact (two values below 10^19 add up below 10^20, which the type holds).
 * - `*` is exact: `a * b = ah*bh + ah*bl + al*bh + al*bl` with `ah = trunc(a)`, `al = a - ah`; each
 *   partial product fits 38 digits, and `al*bl` (36 places) must have no digit beyond the 18th,
 *   else the row carries MB5112 (the runtime's exact product needs more places than the type has).
 * - `/` is the long division of the unscaled integers (HUGEINT), one digit per step of a
 *   `list_reduce`, to the rulebook's scale, then rounded by its `decimal_rounding` from the
 *   quotient's sign, the remainder and the divisor, as `decDivide` is correctly rounded.
 * - rounding to a step is the exact floor division of the unscaled integers.
 * - comparisons, `min`, `max`, `abs`, sums and counts are exact on DECIMAL values.
 */
import type { IrDecimalRounding } from "../ir/ir.js";
import { Dec, decText } from "../semantics/decimal.js";
import { raiseWhen } from "./sql-value.js";
import type { SqlDialect } from "./dialect.js";

/** Decimal places of every number in the decimal SQL target. */
export const SQL_SCALE = 18;
/** The SQL type of a number in decimal arithmetic. */
export const DECIMAL_TYPE = `DECIMAL(38, ${SQL_SCALE})`;
/** Every value's magnitude is below this: sums of two stay inside the type's 20 integer digits. */
export const LIMIT = new Dec("1e19");
/** Products and quotients are screened with doubles against this (below {@link LIMIT}, with margin). */
const SCREEN = "CAST(9e18 AS DOUBLE)";
/** The row error of a value outside the range, and of a product that needs more than 18 places. */
export const RANGE_ERROR = "MB5111";
export const PLACES_ERROR = "MB5112";

/** Shares a value: returns SQL that refers to `sql`, computed once. */
export type Share = (sql: string, body: (ref: string) => string) => string;

/** A decimal operation's SQL: its value (always in range) and the error it may raise (or null). */
export interface DecSql {
  v: string;
  e: string | null;
}

/** Whether a decimal is a value of the decimal SQL target (at most 18 places, below 10^19). */
export function fits(value: Dec): boolean {
  return value.decimalPlaces() <= SQL_SCALE && value.abs().lt(LIMIT);
}

/** A decimal literal; undefined when the value does not fit (see {@link fits}). */
export function decLiteral(value: Dec): string | undefined {
  return fits(value) ? `CAST('${decText(value)}' AS ${DECIMAL_TYPE})` : undefined;
}

/** The typed NULL of a decimal (CASE branches must keep the DECIMAL type, never widen to DOUBLE). */
export const DEC_NULL = `CAST(NULL AS ${DECIMAL_TYPE})`;
export const DEC_ZERO = `CAST(0 AS ${DECIMAL_TYPE})`;
const LIMIT_SQL = `CAST('${decText(LIMIT)}' AS DECIMAL(38, 0))`;
const TEN18 = `CAST('1${"0".repeat(SQL_SCALE)}' AS HUGEINT)`;

/** The condition under which a decimal is outside the range. */
export function outOfRange(x: string): string {
  return `abs(${x}) >= ${LIMIT_SQL}`;
}

/** `x` when in range, else 0 with MB5111. */
function ranged(d: SqlDialect, sql: string, share: Share): DecSql {
  return {
    v: share(sql, (s) => `(CASE WHEN ${outOfRange(s)} THEN ${DEC_ZERO} ELSE ${s} END)`),
    e: share(sql, (s) => raiseWhen(d, outOfRange(s), RANGE_ERROR)),
  };
}

/** `a + b` or `a - b`, exact. */
export function decAdd(d: SqlDialect, op: "+" | "-", a: string, b: string, share: Share): DecSql {
  return ranged(d, `(${a} ${op} ${b})`, share);
}

/** The unscaled integer of a decimal: `x * 10^18` as a HUGEINT, exactly. */
function unscaled(x: string): string {
  return `(CAST(trunc(${x}) AS HUGEINT) * ${TEN18} + CAST((${x} - trunc(${x})) * CAST('1${"0".repeat(SQL_SCALE)}' AS DECIMAL(19, 0)) AS HUGEINT))`;
}

/** A decimal from an integer `n` of units of 10^-places (a HUGEINT), exactly. */
function fromUnits(n: string, places: number): string {
  if (places === 0) return `CAST(CAST(${n} AS DECIMAL(38, 0)) AS ${DECIMAL_TYPE})`;
  return `CAST(CAST(${n} AS HUGEINT) * CAST('1e-${places}' AS DECIMAL(38, ${places})) AS ${DECIMAL_TYPE})`;
}

/** The double-precision screen of a product or quotient: its magnitude is safely below 10^19. */
const absDouble = (x: string): string => `abs(CAST(${x} AS DOUBLE))`;

/** `a * b`, exact; MB5111 when out of range, MB5112 when the product needs more than 18 places. */
export function decMultiply(d: SqlDialect, a: string, b: string, share: Share): DecSql {
  const body = (x: string, y: string): { v: string; e: string } => {
    const screen = `${absDouble(x)} * ${absDouble(y)} < ${SCREEN}`;
    const [xh, yh] = [`trunc(${x})`, `trunc(${y})`];
    const [xl, yl] = [`(${x} - trunc(${x}))`, `(${y} - trunc(${y}))`];
    const low = `(${xl} * ${yl})`;
    const exact = `${low} = CAST(${low} AS ${DECIMAL_TYPE})`;
    const full = `(CAST(${xh} * ${yh} AS ${DECIMAL_TYPE}) + ${xh} * ${yl} + ${xl} * ${yh} + CAST(${low} AS ${DECIMAL_TYPE}))`;
    return {
      v: `(CASE WHEN ${screen} AND ${exact} THEN CAST(${full} AS ${DECIMAL_TYPE}) ELSE ${DEC_ZERO} END)`,
      e: `(CASE WHEN NOT (${screen}) THEN ${d.text(RANGE_ERROR)} WHEN NOT (${exact}) THEN ${d.text(PLACES_ERROR)} ELSE ${d.nullText} END)`,
    };
  };
  return {
    v: share(a, (x) => share(b, (y) => body(x, y).v)),
    e: share(a, (x) => share(b, (y) => body(x, y).e)),
  };
}

/** `q` (truncated towards zero) adjusted by the rounding mode, from the remainder `r` of `n / m`. */
function roundQuotient(mode: IrDecimalRounding, q: string, r: string, m: string, negative: string): string {
  const sign = `(CASE WHEN ${negative} THEN -1 ELSE 1 END)`;
  const away = `(${q} + ${sign})`;
  const twice = `(2 * abs(${r}))`;
  const inexact = `${r} <> 0`;
  const choose = (cond: string): string => `(CASE WHEN ${cond} THEN ${away} ELSE ${q} END)`;
  switch (mode) {
    case "down":
      return q;
    case "up":
      return choose(inexact);
    case "ceiling":
      return choose(`${inexact} AND NOT ${negative}`);
    case "floor":
      return choose(`${inexact} AND ${negative}`);
    case "half_up":
      return choose(`${twice} >= abs(${m})`);
    case "half_down":
      return choose(`${twice} > abs(${m})`);
    case "half_even":
      return choose(`${twice} > abs(${m}) OR (${twice} = abs(${m}) AND ${q} % 2 <> 0)`);
  }
}

/**
 * `a / b` to `scale` places rounded by `mode`, as `decDivide`. A zero divisor is the caller's MB6002;
 * a quotient of 10^19 or more is MB5111.
 */
export function decDivide(
  d: SqlDialect,
  a: string,
  b: string,
  scale: number,
  mode: IrDecimalRounding,
  share: Share,
): DecSql {
  const screen = (x: string, y: string): string =>
    `${y} <> ${DEC_ZERO} AND ${absDouble(x)} < ${absDouble(y)} * ${SCREEN}`;
  const v = share(a, (x) =>
    share(b, (y) => {
      // {q, r, m}: the quotient so far, the remainder, the divisor; one more digit per step.
      const start = `{'q': ${unscaled(x)} // ${unscaled(y)}, 'r': ${unscaled(x)} % ${unscaled(y)}, 'm': ${unscaled(y)}}`;
      const step = `{'q': __mb_acc.q * 10 + (__mb_acc.r * 10) // __mb_acc.m, 'r': (__mb_acc.r * 10) % __mb_acc.m, 'm': __mb_acc.m}`;
      const divided =
        scale === 0
          ? start
          : `list_reduce(list_resize([${start}], ${scale + 1}, ${start}), lambda __mb_acc, __mb_x: ${step})`;
      const rounded = share(
        `(CASE WHEN ${screen(x, y)} THEN ${divided} ELSE {'q': CAST(0 AS HUGEINT), 'r': CAST(0 AS HUGEINT), 'm': CAST(1 AS HUGEINT)} END)`,
        (res) =>
          fromUnits(
            roundQuotient(mode, `${res}.q`, `${res}.r`, `${res}.m`, `((${x} < 0) <> (${y} < 0))`),
            scale,
          ),
      );
      return `(CASE WHEN ${screen(x, y)} THEN ${rounded} ELSE ${DEC_ZERO} END)`;
    }),
  );
  const e = share(a, (x) =>
    share(b, (y) => raiseWhen(d, `${y} <> ${DEC_ZERO} AND NOT (${screen(x, y)})`, RANGE_ERROR)),
  );
  return { v, e };
}

/**
 * `x` rounded to a multiple of `step` (`up` towards +infinity, `down` towards -infinity, `half_even`
 * to the nearest, ties to the even multiple), exactly, as `decRoundToStep`. A step that is not
 * positive is MB6010.
 */
export function decRoundToStep(
  d: SqlDialect,
  direction: "up" | "down" | "half_even",
  x: string,
  step: string,
  share: Share,
): DecSql {
  const value = share(x, (v) =>
    share(step, (s) => {
      const positive = `${s} > ${DEC_ZERO}`;
      const t = `(CASE WHEN ${positive} THEN ${unscaled(s)} ELSE CAST(1 AS HUGEINT) END)`;
      return share(t, (m) =>
        share(`${unscaled(v)}`, (n) =>
          share(`(CASE WHEN ${n} % ${m} < 0 THEN ${n} // ${m} - 1 ELSE ${n} // ${m} END)`, (fl) => {
            const rest = `(${n} - ${fl} * ${m})`;
            const chosen =
              direction === "down"
                ? fl
                : direction === "up"
                  ? `(CASE WHEN ${rest} = 0 THEN ${fl} ELSE ${fl} + 1 END)`
                  : `(CASE WHEN 2 * ${rest} < ${m} OR (2 * ${rest} = ${m} AND ${fl} % 2 = 0) THEN ${fl} ELSE ${fl} + 1 END)`;
            // The multiple may reach 10^19 (x just below it, rounded up): checked by `ranged`.
            const units = `(${chosen} * ${m})`;
            return `(CASE WHEN ${positive} AND abs(${units}) < CAST('1${"0".repeat(19 + SQL_SCALE)}' AS HUGEINT) THEN ${fromUnits(units, SQL_SCALE)} ELSE CAST('${decText(LIMIT)}' AS ${DECIMAL_TYPE}) END)`;
          }),
        ),
      );
    }),
  );
  const result = ranged(d, value, share);
  const own = share(step, (s) => raiseWhen(d, `NOT (${s} > ${DEC_ZERO})`, "MB6010"));
  return { v: result.v, e: `coalesce(${own}, ${result.e})` };
}

/** The sum of a list of decimals (0 when empty), exact; MB5111 when it may leave the range. */
export function decSum(d: SqlDialect, list: string, share: Share): DecSql {
  const screen = (l: string): string =>
    `coalesce(list_sum(list_transform(${l}, lambda __mb_y: abs(CAST(__mb_y AS DOUBLE)))), 0) < ${SCREEN}`;
  return {
    v: share(
      list,
      (l) =>
        `(CASE WHEN ${screen(l)} THEN CAST(coalesce(list_sum(${l}), 0) AS ${DECIMAL_TYPE}) ELSE ${DEC_ZERO} END)`,
    ),
    e: share(list, (l) => raiseWhen(d, `NOT (${screen(l)})`, RANGE_ERROR)),
  };
}

/** A count (a list's length) as a decimal. */
export function decCount(d: SqlDialect, list: string): string {
  void d;
  return `CAST(len(${list}) AS ${DECIMAL_TYPE})`;
}

/** Seconds since the epoch of a timestamp (text or a timestamp), exactly, to the millisecond. */
export function decTimestampSeconds(sql: string): string {
  return `CAST(CAST(epoch_ms(TRY_CAST(${sql} AS TIMESTAMPTZ)) AS HUGEINT) * CAST('1e-3' AS DECIMAL(38, 3)) AS ${DECIMAL_TYPE})`;
}
