/**
 * Liquidation and bankruptcy prices in decimal arithmetic: the same steps as
 * `src/semantics/liquidation.ts` (read its module comment for the algebra), with exact sums and
 * products and each division to the scale (`decDivide`). Explanations get the tier used and the
 * notional that chose it, as in binary64.
 */
import type { IrArithmetic, IrTierTable } from "../ir/ir.js";
import { Dec, decDivide, type DecimalTable } from "./decimal.js";
import { runtimeErrors, type Raise } from "./errors.js";
import type { LiquidationConvention } from "./liquidation.js";

type Fn = "liquidation_price" | "bankruptcy_price";

/** The evaluated arguments, and how to divide and raise. */
interface Position {
  s: number;
  size: Dec;
  entry: Dec;
  balance: Dec;
  inverse: boolean;
  divide: (a: Dec, b: Dec) => Dec;
  site: number;
  raise: Raise;
}

function position(
  fn: Fn,
  convention: LiquidationConvention,
  side: string,
  size: Dec,
  entry: Dec,
  balance: Dec,
  context: IrArithmetic,
  site: number,
  raise: Raise,
): Position {
  const fail = (detail: string): never => raise(site, runtimeErrors.invalidArgument, { fn, detail });
  const s =
    side === "long"
      ? 1
      : side === "short"
        ? -1
        : fail(`the side must be \`long\` or \`short\`, not \`${side}\``);
  if (!size.gt(0)) fail(`the size must be positive, not ${size.toFixed()}`);
  const inverse = convention.contract === "inverse";
  if (inverse && !entry.gt(0))
    fail(`the entry price of an inverse contract must be positive, not ${entry.toFixed()}`);
  const divide = (a: Dec, b: Dec): Dec => decDivide(a, b, context, site, raise);
  return { s, size, entry, balance, inverse, divide, site, raise };
}

/** The margin balance at a notional of 0 (`a`), from `held`. */
function balanceAtZero(p: Position, held: Dec): Dec {
  return p.inverse
    ? held.plus(p.divide(p.size.times(p.s), p.entry))
    : held.minus(p.size.times(p.entry).times(p.s));
}

function noPrice(p: Position, fn: Fn, detail: string): never {
  return p.raise(p.site, runtimeErrors.noLiquidationPrice, { fn, detail });
}

const NEVER =
  "a short inverse position whose balance covers its maintenance margin at any price is never liquidated";
const ALWAYS = "a long inverse position with this balance is liquidated at any price";

/** The 0-based row containing `key` (bounds as written), or -1. */
function rowOf(table: IrTierTable, t: DecimalTable, key: Dec): number {
  return table.rows.findIndex((row, i) => {
    const upper = t.upper[i];
    const above = row.lowerInclusive ? key.gte(t.lower[i]!) : key.gt(t.lower[i]!);
    return (
      above &&
      (upper === null || upper === undefined || (row.upperInclusive ? key.lte(upper) : key.lt(upper)))
    );
  });
}

/** `bankruptcy_price(...)` in decimal arithmetic. */
export function decimalBankruptcyPrice(
  convention: LiquidationConvention,
  side: string,
  size: Dec,
  entry: Dec,
  balance: Dec,
  context: IrArithmetic,
  site: number,
  raise: Raise,
): Dec {
  const p = position("bankruptcy_price", convention, side, size, entry, balance, context, site, raise);
  const fee = new Dec(convention.closingFee);
  if (!p.inverse) {
    const price = p.divide(
      size.times(entry).minus(balance.times(p.s)),
      size.times(new Dec(1).minus(fee.times(p.s))),
    );
    return price.gt(0) ? price : new Dec(0);
  }
  const x = p.divide(balanceAtZero(p, balance), fee.plus(p.s));
  if (!x.gt(0))
    noPrice(
      p,
      "bankruptcy_price",
      p.s < 0
        ? "a short inverse position whose balance covers any rise in price is never bankrupt"
        : "a long inverse position with this balance is bankrupt at any price",
    );
  return p.divide(size.times(fee.plus(p.s)), balance.plus(p.divide(size.times(p.s), entry)));
}

/** `table.liquidation_price(...)` in decimal arithmetic: the price, the tier used and its notional. */
export function decimalLiquidation(
  table: IrTierTable,
  t: DecimalTable,
  column: number,
  convention: LiquidationConvention,
  side: string,
  size: Dec,
  entry: Dec,
  balance: Dec,
  context: IrArithmetic,
  site: number,
  raise: Raise,
): { price: Dec; row: number; key: Dec } {
  const p = position("liquidation_price", convention, side, size, entry, balance, context, site, raise);
  const sigma = p.inverse ? -p.s : p.s;
  const fee = new Dec(convention.closingFee);
  // The closing fee on the notional at the bankruptcy price: x = a / (fee - sigma).
  const xb = fee.gt(0) ? p.divide(balanceAtZero(p, balance), fee.minus(sigma)) : new Dec(0);
  const held = xb.gt(0) ? balance.minus(fee.times(xb)) : balance;
  const rate = (i: number): Dec => t.cells[i]![column]!;
  const deduction = (i: number): Dec => t.deductions[i]![column] ?? new Dec(0);
  if (convention.marginAt === "entry") {
    const key = p.inverse ? p.divide(size, entry) : size.times(entry);
    const row = rowOf(table, t, key);
    if (row < 0) {
      const last = t.upper[t.upper.length - 1];
      if (table.limit && last && key.gte(last))
        raise(site, runtimeErrors.aboveLimit, {
          value: key.toNumber(),
          table: table.name,
          limit: last.toNumber(),
        });
      raise(site, runtimeErrors.outsideTiers, { value: key.toNumber(), table: table.name });
    }
    const mm = key.times(rate(row)).minus(deduction(row));
    if (!p.inverse) {
      const price = entry.minus(p.divide(held.minus(mm).times(p.s), size));
      return { price: price.gt(0) ? price : new Dec(0), row, key };
    }
    const x = p.divide(size, entry).plus(held.minus(mm).times(p.s));
    if (!x.gt(0)) noPrice(p, "liquidation_price", p.s < 0 ? NEVER : ALWAYS);
    return { price: p.divide(size, x), row, key };
  }
  const a = balanceAtZero(p, held);
  let row = 0;
  for (let i = 1; i < t.lower.length; i++) {
    const k = t.lower[i]!;
    const h = a.plus(k.times(sigma)).minus(k.times(rate(i)).minus(deduction(i)));
    if (sigma > 0 ? h.gt(0) : h.lt(0)) break;
    row = i;
  }
  if (sigma > 0 && rate(row).gte(1))
    raise(site, runtimeErrors.invalidArgument, {
      fn: "liquidation_price",
      detail: `a ${p.s > 0 ? "long" : "short inverse"} position has no liquidation price in a tier whose rate is ${rate(row).toFixed()} (100% or more)`,
    });
  const upper = t.upper[row];
  if (!p.inverse) {
    const numerator = held.plus(deduction(row)).minus(size.times(entry).times(p.s));
    let price = p.divide(numerator, size.times(rate(row).minus(p.s)));
    const low = p.divide(t.lower[row]!, size);
    if (!price.gt(low)) price = low;
    if (upper !== null && upper !== undefined) {
      const high = p.divide(upper, size);
      if (price.gt(high)) price = high;
    }
    return { price, row, key: size.times(price) };
  }
  let x = p.divide(held.plus(deduction(row)).plus(p.divide(size.times(p.s), entry)), rate(row).plus(p.s));
  if (!x.gt(t.lower[row]!)) x = t.lower[row]!;
  if (upper !== null && upper !== undefined && x.gt(upper)) x = upper;
  if (!x.gt(0)) noPrice(p, "liquidation_price", p.s < 0 ? NEVER : ALWAYS);
  return { price: p.divide(size, x), row, key: x };
}
