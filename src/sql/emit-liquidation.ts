/**
 * `table.liquidation_price(side, size, entry, balance, column)` in SQL, as `liquidationPrice` in
 * `src/runtime/operations.ts` computes it. The tier search is a loop over the table's rows, which
 * are constants: it unrolls into a CASE chain (the first tier boundary where the margin balance
 * crosses the maintenance margin), then the price is the tier's closed form, kept inside the tier.
 */
import type { IrTierTable } from "../ir/ir.js";
import type { SqlDialect } from "./dialect.js";
import { raiseWhen } from "./sql-value.js";

/** Shares a value: returns SQL that refers to `sql`, computed once. */
type Share = (sql: string, body: (ref: string) => string) => string;

/** The value and the MB6010 check of a liquidation price. */
export function liquidationSql(
  d: SqlDialect,
  table: IrTierTable,
  column: number,
  side: string,
  size: string,
  entry: string,
  balance: string,
  share: Share,
): { value: string; error: string } {
  const n = d.number.bind(d);
  const rows = table.rows;
  const rate = rows.map((r) => r.cells[column]!);
  const deduction = rows.map((r) => r.deductions[column] ?? 0);
  const sign = `(CASE WHEN ${side} = ${d.text("long")} THEN ${n(1)} WHEN ${side} = ${d.text("short")} THEN ${n(-1)} ELSE ${d.nan} END)`;
  // The shared values are scoped (lambda parameters inside comprehensions): value and error each
  // build their own chain.
  const withRow = (body: (s: string, q: string, e: string, b: string, row: string) => string): string =>
    share(sign, (s) =>
      share(size, (q) =>
        share(entry, (e) =>
          share(balance, (b) =>
            share(`(${b} - ${s} * ${q} * ${e})`, (a) => {
              // The tier: the last of the run, from the first, whose lower bound leaves h <= 0 (long) or >= 0 (short).
              const branches = rows.slice(1).map((row, j) => {
                const i = j + 1;
                const k = n(row.lower);
                const h = `((${a} + ${s} * ${k}) - (${k} * ${n(rate[i]!)} - ${n(deduction[i]!)}))`;
                return `WHEN NOT ${d.isNan(h)} AND (CASE WHEN ${s} > ${n(0)} THEN ${h} > ${n(0)} ELSE ${h} < ${n(0)} END) THEN ${n(i - 1)}`;
              });
              const rowSql =
                branches.length === 0 ? n(0) : `(CASE ${branches.join(" ")} ELSE ${n(rows.length - 1)} END)`;
              return share(rowSql, (row) => body(s, q, e, b, row));
            }),
          ),
        ),
      ),
    );
  const error = withRow((s, q, _e, _b, row) => {
    const rateOf = `(CASE ${rate.map((r, i) => `WHEN ${row} = ${n(i)} THEN ${n(r)}`).join(" ")} ELSE ${d.nan} END)`;
    return raiseWhen(
      d,
      `${d.isNan(s)} OR ${d.isNan(q)} OR NOT (${q} > ${n(0)}) OR (${s} > ${n(0)} AND ${rateOf} >= ${n(1)})`,
      "MB6010",
    );
  });
  const value = withRow((s, q, e, b, row) => {
    const prices = rows.map((r, i) => {
      const raw = `((${b} + ${n(deduction[i]!)} - ${s} * ${q} * ${e}) / (${q} * (${n(rate[i]!)} - ${s})))`;
      return share(raw, (p) => {
        const low = `(${n(r.lower)} / ${q})`;
        const above = `(CASE WHEN ${d.isNan(p)} OR NOT (${p} > ${low}) THEN ${low} ELSE ${p} END)`;
        if (r.upper === null) return above;
        return share(
          above,
          (p1) => `(CASE WHEN ${p1} > (${n(r.upper!)} / ${q}) THEN (${n(r.upper!)} / ${q}) ELSE ${p1} END)`,
        );
      });
    });
    return `(CASE ${prices.map((p, i) => `WHEN ${row} = ${n(i)} THEN ${p}`).join(" ")} ELSE ${d.nan} END)`;
  });
  return { value, error };
}
