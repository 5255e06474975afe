/**
 * `table.liquidation_price(side, size, entry, balance, column, ...options)` and
 * `bankruptcy_price(...)` in SQL, step for step as `src/semantics/liquidation.ts` computes them
 * (the same double operations in the same order, the same MB6010 / MB6030 / MB6006 / MB6021 checks).
 * The tier search is a loop over the table's rows, which are constants: it unrolls into a CASE
 * chain, then the price is the tier's closed form, kept inside the tier.
 */
import type { IrTierTable } from "../ir/ir.js";
import type { LiquidationConvention } from "../semantics/liquidation.js";
import type { SqlDialect } from "./dialect.js";
import { firstError, raiseWhen } from "./sql-value.js";

/** Shares a value: returns SQL that refers to `sql`, computed once. */
type Share = (sql: string, body: (ref: string) => string) => string;

/** The four arguments, already emitted: side (an enum text), size, entry, balance. */
export interface PriceArguments {
  side: string;
  size: string;
  entry: string;
  balance: string;
}

/** The shared references of the arguments, the side as +1 / -1 (NaN for anything else). */
interface Refs {
  s: string;
  q: string;
  e: string;
  b: string;
}

function withRefs(d: SqlDialect, args: PriceArguments, share: Share, body: (r: Refs) => string): string {
  const n = d.number.bind(d);
  const sign = `(CASE WHEN ${args.side} = ${d.text("long")} THEN ${n(1)} WHEN ${args.side} = ${d.text("short")} THEN ${n(-1)} ELSE ${d.nan} END)`;
  return share(sign, (s) =>
    share(args.size, (q) => share(args.entry, (e) => share(args.balance, (b) => body({ s, q, e, b })))),
  );
}

/** The margin balance at a notional of 0 (`a` in semantics/liquidation.ts). */
function balanceAtZero(inverse: boolean, r: Refs, held: string): string {
  return inverse ? `(${held} + ((${r.s} * ${r.q}) / ${r.e}))` : `(${held} - ${r.s} * ${r.q} * ${r.e})`;
}

/** The MB6010 checks every convention shares: the side, the size, an inverse contract's entry. */
function argumentErrors(d: SqlDialect, inverse: boolean, r: Refs): string {
  const n = d.number.bind(d);
  const entry = inverse ? ` OR NOT (${r.e} > ${n(0)})` : "";
  return raiseWhen(d, `${d.isNan(r.s)} OR ${d.isNan(r.q)} OR NOT (${r.q} > ${n(0)})${entry}`, "MB6010");
}

/** The balance less the closing fee at the bankruptcy price (`held`), then `body`. */
function withHeld(
  d: SqlDialect,
  c: LiquidationConvention,
  r: Refs,
  share: Share,
  body: (held: string) => string,
): string {
  if (!(c.closingFee > 0)) return body(r.b);
  const n = d.number.bind(d);
  const inverse = c.contract === "inverse";
  const sigma = inverse ? `(-${r.s})` : r.s;
  return share(`(${balanceAtZero(inverse, r, r.b)} / (${n(c.closingFee)} - ${sigma}))`, (xb) =>
    share(`(CASE WHEN ${xb} > ${n(0)} THEN (${r.b} - ${n(c.closingFee)} * ${xb}) ELSE ${r.b} END)`, body),
  );
}

/** The value and the error of a liquidation price under `convention`. */
export function liquidationSql(
  d: SqlDialect,
  table: IrTierTable,
  column: number,
  convention: LiquidationConvention,
  args: PriceArguments,
  share: Share,
): { value: string; error: string } {
  const inverse = convention.contract === "inverse";
  // The shared values are scoped (lambda parameters inside comprehensions): value and error each
  // build their own chain.
  const run = (body: (r: Refs, held: string) => string): string =>
    withRefs(d, args, share, (r) => withHeld(d, convention, r, share, (held) => body(r, held)));
  if (convention.marginAt === "entry") return atEntrySql(d, table, column, inverse, run, share);
  const n = d.number.bind(d);
  const rows = table.rows;
  const rate = rows.map((r) => r.cells[column]!);
  const deduction = rows.map((r) => r.deductions[column] ?? 0);
  const withRow = (body: (r: Refs, held: string, row: string) => string): string =>
    run((r, held) =>
      share(balanceAtZero(inverse, r, held), (a) => {
        const sigma = inverse ? `(-${r.s})` : r.s;
        // The last tier of the run, from the first, whose lower bound leaves h <= 0 (sigma +1) or >= 0 (sigma -1).
        const branches = rows.slice(1).map((row, j) => {
          const k = n(row.lower);
          const h = `((${a} + ${sigma} * ${k}) - (${k} * ${n(rate[j + 1]!)} - ${n(deduction[j + 1]!)}))`;
          return `WHEN NOT ${d.isNan(h)} AND (CASE WHEN ${sigma} > ${n(0)} THEN ${h} > ${n(0)} ELSE ${h} < ${n(0)} END) THEN ${n(j)}`;
        });
        const rowSql =
          branches.length === 0 ? n(0) : `(CASE ${branches.join(" ")} ELSE ${n(rows.length - 1)} END)`;
        return share(rowSql, (row) => body(r, held, row));
      }),
    );
  const byRow = (row: string, f: (i: number) => string): string =>
    `(CASE ${rows.map((_, i) => `WHEN ${row} = ${n(i)} THEN ${f(i)}`).join(" ")} ELSE ${d.nan} END)`;
  // The inverse root, in the key: `(held + deduction + s * size / entry) / (rate + s)`, kept in the tier.
  const inverseKey = (r: Refs, held: string, i: number): string => {
    const x = `((${held} + ${n(deduction[i]!)} + ((${r.s} * ${r.q}) / ${r.e})) / (${n(rate[i]!)} + ${r.s}))`;
    return share(x, (x0) => {
      const low = n(rows[i]!.lower);
      const above = `(CASE WHEN ${d.isNan(x0)} OR NOT (${x0} > ${low}) THEN ${low} ELSE ${x0} END)`;
      const upper = rows[i]!.upper;
      return upper === null
        ? above
        : share(above, (x1) => `(CASE WHEN ${x1} > ${n(upper)} THEN ${n(upper)} ELSE ${x1} END)`);
    });
  };
  const error = withRow((r, held, row) => {
    const sigma = inverse ? `(-${r.s})` : r.s;
    const rateError = raiseWhen(
      d,
      `${sigma} > ${n(0)} AND ${byRow(row, (i) => n(rate[i]!))} >= ${n(1)}`,
      "MB6010",
    );
    const none = inverse
      ? raiseWhen(d, `NOT (${byRow(row, (i) => inverseKey(r, held, i))} > ${n(0)})`, "MB6030")
      : null;
    return firstError(d, [argumentErrors(d, inverse, r), rateError, none])!;
  });
  const value = withRow((r, held, row) => {
    if (inverse)
      return share(
        byRow(row, (i) => inverseKey(r, held, i)),
        (x) => `(${r.q} / ${x})`,
      );
    const prices = rows.map((row, i) => {
      const raw = `((${held} + ${n(deduction[i]!)} - ${r.s} * ${r.q} * ${r.e}) / (${r.q} * (${n(rate[i]!)} - ${r.s})))`;
      return share(raw, (p) => {
        const low = `(${n(row.lower)} / ${r.q})`;
        const above = `(CASE WHEN ${d.isNan(p)} OR NOT (${p} > ${low}) THEN ${low} ELSE ${p} END)`;
        if (row.upper === null) return above;
        const high = `(${n(row.upper)} / ${r.q})`;
        return share(above, (p1) => `(CASE WHEN ${p1} > ${high} THEN ${high} ELSE ${p1} END)`);
      });
    });
    return byRow(row, (i) => prices[i]!);
  });
  return { value, error };
}

/** `margin_at: entry`: the maintenance margin of the notional at entry, in the tier containing it. */
function atEntrySql(
  d: SqlDialect,
  table: IrTierTable,
  column: number,
  inverse: boolean,
  run: (body: (r: Refs, held: string) => string) => string,
  share: Share,
): { value: string; error: string } {
  const n = d.number.bind(d);
  const rows = table.rows;
  const keyOf = (r: Refs): string => (inverse ? `(${r.q} / ${r.e})` : `(${r.q} * ${r.e})`);
  const contains = (k: string, i: number): string => {
    const row = rows[i]!;
    const above = `${k} ${row.lowerInclusive ? ">=" : ">"} ${n(row.lower)}`;
    const below = row.upper === null ? "" : ` AND ${k} ${row.upperInclusive ? "<=" : "<"} ${n(row.upper)}`;
    return `(${above}${below})`;
  };
  const inTable = (k: string): string =>
    `(NOT ${d.isNan(k)} AND (${rows.map((_, i) => contains(k, i)).join(" OR ")}))`;
  const mmOf = (k: string): string =>
    `(CASE ${rows
      .map(
        (row, i) =>
          `WHEN ${contains(k, i)} THEN (${k} * ${n(row.cells[column]!)} - ${n(row.deductions[column] ?? 0)})`,
      )
      .join(" ")} ELSE ${d.nan} END)`;
  const withMm = (body: (r: Refs, held: string, mm: string) => string): string =>
    run((r, held) => share(keyOf(r), (k) => share(mmOf(k), (mm) => body(r, held, mm))));
  const inverseKey = (r: Refs, held: string, mm: string): string =>
    `((${r.q} / ${r.e}) + ${r.s} * (${held} - ${mm}))`;
  const value = withMm((r, held, mm) => {
    if (inverse) return share(inverseKey(r, held, mm), (x) => `(${r.q} / ${x})`);
    return share(
      `(${r.e} - (${r.s} * (${held} - ${mm})) / ${r.q})`,
      (p) => `(CASE WHEN ${p} > ${n(0)} THEN ${p} ELSE ${n(0)} END)`,
    );
  });
  const last = rows[rows.length - 1]!;
  const error = withMm((r, held, mm) => {
    const k = keyOf(r);
    const limit =
      table.limit && last.upper !== null
        ? raiseWhen(d, `NOT ${inTable(k)} AND ${k} >= ${n(last.upper)}`, "MB6021")
        : null;
    const outside = raiseWhen(d, `NOT ${inTable(k)}`, "MB6006");
    const none = inverse ? raiseWhen(d, `NOT (${inverseKey(r, held, mm)} > ${n(0)})`, "MB6030") : null;
    return firstError(d, [argumentErrors(d, inverse, r), limit, outside, none])!;
  });
  return { value, error };
}

/** The value and the error of `bankruptcy_price` under `convention` (the margin is not involved). */
export function bankruptcySql(
  d: SqlDialect,
  convention: LiquidationConvention,
  args: PriceArguments,
  share: Share,
): { value: string; error: string } {
  const n = d.number.bind(d);
  const fee = n(convention.closingFee);
  const inverse = convention.contract === "inverse";
  const value = withRefs(d, args, share, (r) => {
    if (!inverse)
      return share(
        `((${r.q} * ${r.e} - ${r.s} * ${r.b}) / (${r.q} * (${n(1)} - ${r.s} * ${fee})))`,
        (p) => `(CASE WHEN ${p} > ${n(0)} THEN ${p} ELSE ${n(0)} END)`,
      );
    return `((${r.q} * (${r.s} + ${fee})) / (${r.b} + ((${r.s} * ${r.q}) / ${r.e})))`;
  });
  const error = withRefs(d, args, share, (r) => {
    const none = inverse
      ? raiseWhen(d, `NOT ((${balanceAtZero(true, r, r.b)} / (${fee} - (-${r.s}))) > ${n(0)})`, "MB6030")
      : null;
    return firstError(d, [argumentErrors(d, inverse, r), none])!;
  });
  return { value, error };
}
