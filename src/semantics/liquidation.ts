/**
 * Liquidation and bankruptcy prices, written once for every venue convention: both evaluators call
 * these functions (the generated code through its prelude), the SQL target and the verifier follow
 * the same steps, and a decimal version can follow the same structure.
 *
 * Everything is solved in the table's key, the notional `x`: `size * price` for a linear contract
 * (in the quote currency), `size / price` for an inverse one (size in USD contracts, notional in
 * the coin). With `s` the side (+1 long, -1 short), the margin balance at notional `x` is
 * `a + sigma * x`, where
 *
 * - linear:  `a = balance - s * size * entry`, `sigma = s`;
 * - inverse: `a = balance + s * size / entry`, `sigma = -s`;
 *
 * so both contracts are one problem, `h(x) = a + sigma * x - MM(x) = 0`, with `MM` the maintenance
 * margin (valued at `x`, or at the notional at entry) plus the closing fee.
 */
import type { IrTierTable } from "../ir/ir.js";
import { runtimeErrors, type Raise } from "./errors.js";

/**
 * The columns a liquidation price reads, per tier: bounds (`Infinity` for `inf`) and their
 * inclusivity, the rate and its derived deduction (0 in flat tables), the table's name and whether
 * its last tier is a deliberate limit. The interpreter builds them from the IR; the generated code
 * passes its own constant object, which holds the same values.
 */
export interface LiquidationColumns {
  lower: readonly number[];
  upper: readonly number[];
  rate: readonly number[];
  deduction: readonly number[];
  lowerInclusive: readonly boolean[];
  upperInclusive: readonly boolean[];
  table: string;
  limit: boolean;
}

/**
 * A venue's convention: where the maintenance margin is valued (`liquidation`: at the liquidation
 * price, Binance; `entry`: at the entry price, Bybit's classic contracts), the contract (`linear`
 * or `inverse`), and the closing fee rate charged on the notional at the bankruptcy price, which
 * the maintenance requirement includes (Bybit's "fee to close"; 0 for Binance).
 */
export interface LiquidationConvention {
  marginAt: "liquidation" | "entry";
  contract: "linear" | "inverse";
  closingFee: number;
}

/** Binance USDⓈ-M: margin at the liquidation price, linear, no closing fee. */
export const BINANCE_CONVENTION: LiquidationConvention = {
  marginAt: "liquidation",
  contract: "linear",
  closingFee: 0,
};

/** The price, and the tier used with the notional that places it there (for explanations). */
export interface LiquidationResult {
  price: number;
  /** 0-based row whose rate was used. */
  row: number;
  /** The notional that lies in `row`: at the liquidation price, or at entry for `margin_at: entry`. */
  key: number;
}

type Fn = "liquidation_price" | "bankruptcy_price";

/** `long` is +1, `short` -1; any other member raises MB6010. */
export function liquidationSide(
  side: string,
  site: number,
  raise: Raise,
  fn: Fn = "liquidation_price",
): number {
  if (side === "long") return 1;
  if (side === "short") return -1;
  return raise(site, runtimeErrors.invalidArgument, {
    fn,
    detail: `the side must be \`long\` or \`short\`, not \`${String(side)}\``,
  });
}

/** MB6010 unless the size is positive and, for an inverse contract, the entry price too. */
function checkSize(size: number, entry: number, inverse: boolean, site: number, raise: Raise, fn: Fn): void {
  if (!(size > 0))
    raise(site, runtimeErrors.invalidArgument, {
      fn,
      detail: `the size must be positive, not ${String(size)}`,
    });
  if (inverse && !(entry > 0))
    raise(site, runtimeErrors.invalidArgument, {
      fn,
      detail: `the entry price of an inverse contract must be positive, not ${String(entry)}`,
    });
}

/** The notional (table key) of `size` at `price`. */
export function notionalAt(inverse: boolean, size: number, price: number): number {
  return inverse ? size / price : size * price;
}

/** The margin balance at a notional of 0, `a` (see the module comment). */
function balanceAtZero(inverse: boolean, s: number, size: number, entry: number, balance: number): number {
  return inverse ? balance + (s * size) / entry : balance - s * size * entry;
}

/**
 * The notional at the bankruptcy price, where the margin balance less the closing fee on the
 * notional there reaches 0: `x = a / (fee - sigma)`. Not positive when there is none.
 */
function bankruptcyNotional(
  inverse: boolean,
  s: number,
  size: number,
  entry: number,
  balance: number,
  fee: number,
): number {
  const sigma = inverse ? -s : s;
  return balanceAtZero(inverse, s, size, entry, balance) / (fee - sigma);
}

function noPrice(site: number, raise: Raise, fn: Fn, why: string): never {
  return raise(site, runtimeErrors.noLiquidationPrice, { fn, detail: why });
}

/**
 * `bankruptcy_price(side, size, entry, balance)`: the price at which the margin balance, less the
 * closing fee on the notional there, is 0. Linear: `(size * entry - s * balance) / (size * (1 - s *
 * fee))`, 0 when not positive (a long whose balance covers a fall to 0, or a short bankrupt at any
 * price). Inverse: `size * (s + fee) / (balance + s * size / entry)`; MB6030 when there is none (a
 * short whose balance covers any rise, or a long bankrupt at any price).
 */
export function bankruptcyPrice(
  convention: LiquidationConvention,
  side: string,
  size: number,
  entry: number,
  balance: number,
  site: number,
  raise: Raise,
): number {
  const s = liquidationSide(side, site, raise, "bankruptcy_price");
  checkSize(size, entry, convention.contract === "inverse", site, raise, "bankruptcy_price");
  const fee = convention.closingFee;
  if (convention.contract === "linear") {
    const price = (size * entry - s * balance) / (size * (1 - s * fee));
    return price > 0 ? price : 0;
  }
  const x = bankruptcyNotional(true, s, size, entry, balance, fee);
  if (!(x > 0))
    noPrice(
      site,
      raise,
      "bankruptcy_price",
      s < 0
        ? "a short inverse position whose balance covers any rise in price is never bankrupt"
        : "a long inverse position with this balance is bankrupt at any price",
    );
  return (size * (s + fee)) / (balance + (s * size) / entry);
}

/** The 0-based row containing `key` (bounds as written), or MB6006 / MB6021. */
function rowOf(c: LiquidationColumns, key: number, site: number, raise: Raise): number {
  for (let i = 0; i < c.lower.length; i++) {
    const above = c.lowerInclusive[i] ? key >= c.lower[i]! : key > c.lower[i]!;
    const below = c.upperInclusive[i] ? key <= c.upper[i]! : key < c.upper[i]!;
    if (above && below) return i;
  }
  const last = c.upper.length - 1;
  if (c.limit && key >= c.upper[last]!)
    raise(site, runtimeErrors.aboveLimit, { value: key, table: c.table, limit: c.upper[last]! });
  return raise(site, runtimeErrors.outsideTiers, { value: key, table: c.table });
}

/**
 * The 0-based tier in which a position is liquidated when the margin is valued at the liquidation
 * price: with `h(k) = a' + sigma * k - margin(k)` (`a'` is `a` less the closing fee), it is the last
 * tier of the run, from the first, whose lower bound has `h <= 0` (`sigma` +1) or `h >= 0` (`sigma`
 * -1). With rates below 100%, `h` rises with `k` when `sigma` is +1 and falls when it is -1 (a flat
 * table's jumps at the boundaries keep the direction), so the root lies in that tier.
 */
export function liquidationRow(c: LiquidationColumns, sigma: number, a: number): number {
  let row = 0;
  for (let i = 1; i < c.lower.length; i++) {
    const k = c.lower[i]!;
    const h = a + sigma * k - (k * c.rate[i]! - c.deduction[i]!);
    if (sigma > 0 ? h > 0 : h < 0) break;
    row = i;
  }
  return row;
}

/**
 * The liquidation price under `convention`, with the tier whose rate was used. Margin at the
 * liquidation price: the root of `h` in the tier {@link liquidationRow} finds, kept inside that tier
 * (linear: `(balance - fee + deduction - s * size * entry) / (size * (rate - s))`, Binance USDⓈ-M;
 * inverse: `size * (rate + s) / (balance - fee + deduction + s * size / entry)`, Binance COIN-M).
 * Margin at entry: the maintenance margin `MM` of the notional at entry, in that tier (linear:
 * `entry - s * (balance - fee - MM) / size`; inverse: `size / (size / entry + s * (balance - fee -
 * MM))`, Bybit). `fee` is the closing fee on the notional at the bankruptcy price. A linear price
 * below 0 is 0 (never liquidated by a fall, or liquidated at any price); an inverse position with
 * no finite price raises MB6030; a size that is not positive or a side other than `long` / `short`
 * raises MB6010, as does a rate of 100% or more where the margin balance cannot catch up with it.
 */
export function liquidation(
  c: LiquidationColumns,
  convention: LiquidationConvention,
  side: string,
  size: number,
  entry: number,
  balance: number,
  site: number,
  raise: Raise,
): LiquidationResult {
  const s = liquidationSide(side, site, raise);
  const inverse = convention.contract === "inverse";
  checkSize(size, entry, inverse, site, raise, "liquidation_price");
  const sigma = inverse ? -s : s;
  const xb =
    convention.closingFee > 0
      ? bankruptcyNotional(inverse, s, size, entry, balance, convention.closingFee)
      : 0;
  const held = xb > 0 ? balance - convention.closingFee * xb : balance;
  if (convention.marginAt === "entry") return atEntry(c, inverse, s, size, entry, held, site, raise);
  const row = liquidationRow(c, sigma, balanceAtZero(inverse, s, size, entry, held));
  const rate = c.rate[row]!;
  if (sigma > 0 && rate >= 1)
    raise(site, runtimeErrors.invalidArgument, {
      fn: "liquidation_price",
      detail: `a ${s > 0 ? "long" : "short inverse"} position has no liquidation price in a tier whose rate is ${String(rate)} (100% or more)`,
    });
  const d = c.deduction[row]!;
  if (!inverse) {
    let price = (held + d - s * size * entry) / (size * (rate - s));
    const low = c.lower[row]! / size;
    const high = c.upper[row]! / size;
    if (!(price > low)) price = low;
    if (price > high) price = high;
    return { price, row, key: size * price };
  }
  const denominator = held + d + (s * size) / entry;
  let x = denominator / (rate + s);
  if (!(x > c.lower[row]!)) x = c.lower[row]!;
  if (x > c.upper[row]!) x = c.upper[row]!;
  if (!(x > 0))
    noPrice(
      site,
      raise,
      "liquidation_price",
      s < 0
        ? "a short inverse position whose balance covers its maintenance margin at any price is never liquidated"
        : "a long inverse position with this balance is liquidated at any price",
    );
  return { price: size / x, row, key: x };
}

function atEntry(
  c: LiquidationColumns,
  inverse: boolean,
  s: number,
  size: number,
  entry: number,
  held: number,
  site: number,
  raise: Raise,
): LiquidationResult {
  const key = notionalAt(inverse, size, entry);
  const row = rowOf(c, key, site, raise);
  const mm = key * c.rate[row]! - c.deduction[row]!;
  if (!inverse) {
    const price = entry - (s * (held - mm)) / size;
    return { price: price > 0 ? price : 0, row, key };
  }
  const x = size / entry + s * (held - mm);
  if (!(x > 0))
    noPrice(
      site,
      raise,
      "liquidation_price",
      s < 0
        ? "a short inverse position whose balance covers its maintenance margin at any price is never liquidated"
        : "a long inverse position with this balance is liquidated at any price",
    );
  return { price: size / x, row, key };
}

/** `table.liquidation_price(...)`: the price alone (what the generated code calls). */
export function liquidationPrice(
  c: LiquidationColumns,
  convention: LiquidationConvention,
  side: string,
  size: number,
  entry: number,
  balance: number,
  site: number,
  raise: Raise,
): number {
  return liquidation(c, convention, side, size, entry, balance, site, raise).price;
}

const columnsCache = new WeakMap<IrTierTable, Map<number, LiquidationColumns>>();

/** The {@link LiquidationColumns} of a table's rate column, built once per IR table. */
export function liquidationColumns(table: IrTierTable, column: number): LiquidationColumns {
  let byColumn = columnsCache.get(table);
  if (!byColumn) columnsCache.set(table, (byColumn = new Map()));
  let columns = byColumn.get(column);
  if (!columns) {
    columns = {
      lower: table.rows.map((r) => r.lower),
      upper: table.rows.map((r) => r.upper ?? Infinity),
      rate: table.rows.map((r) => r.cells[column]!),
      deduction: table.rows.map((r) => r.deductions[column] ?? 0),
      lowerInclusive: table.rows.map((r) => r.lowerInclusive),
      upperInclusive: table.rows.map((r) => r.upperInclusive || r.upper === null),
      table: table.name,
      limit: table.limit === true,
    };
    byColumn.set(column, columns);
  }
  return columns;
}

/** The convention of a liquidation node (its optional fields; absent ones are Binance's). */
export function irConvention(e: {
  marginAt?: "entry";
  contract?: "inverse";
  closingFee?: number;
}): LiquidationConvention {
  return {
    marginAt: e.marginAt ?? "liquidation",
    contract: e.contract ?? "linear",
    closingFee: e.closingFee ?? 0,
  };
}

/**
 * `bankruptcy_price` as the IR calls it, the options lowered to its two last arguments (the fee
 * rate and the contract's name; a call without them is linear with no fee).
 */
export function bankruptcyPriceCall(
  side: string,
  size: number,
  entry: number,
  balance: number,
  fee: number | undefined,
  contract: string | undefined,
  site: number,
  raise: Raise,
): number {
  const convention: LiquidationConvention = {
    marginAt: "liquidation",
    contract: contract === "inverse" ? "inverse" : "linear",
    closingFee: fee ?? 0,
  };
  return bankruptcyPrice(convention, side, size, entry, balance, site, raise);
}

/** How explanations name a convention: `at the liquidation price` or `at entry, inverse, closing fee 0.055%`. */
export function describeConvention(c: LiquidationConvention): string {
  return [
    c.marginAt === "entry" ? "at entry" : "at the liquidation price",
    ...(c.contract === "inverse" ? ["inverse"] : []),
    ...(c.closingFee > 0 ? [`closing fee ${String(Number((c.closingFee * 100).toPrecision(12)))}%`] : []),
  ].join(", ");
}
