/**
 * The Binance-style BTCUSDT perpetual margin (rules/binance-btcusdt-perp.margin), written by hand in
 * TypeScript the way an engine developer would: constants in typed arrays, the bracket found by a
 * straight comparison chain, the maintenance amounts (Binance "cum") typed in from the published
 * table, the add-ons inline.
 *
 * Two versions, both baselines for `bench/eval-speed.ts`:
 * - {@link binanceMargin} implements the same logic as the rulebook, so it gives the same numbers:
 *   rounding up to the cent as marginbook documents it (q = x / 0.01, ceil, binary noise
 *   above an integer ignored; see src/semantics/numeric.ts), and the rulebook's assertion IM >= MM;
 * - {@link binanceMarginNaive} rounds with `Math.ceil(x * 100) / 100` and checks nothing: the first
 *   thing one writes, a little faster, and a cent off on about 1% of positions (175,001.63 becomes
 *   175,001.64 when x * 100 lands a hair above an integer).
 *
 * Neither is generated nor shares code with marginbook's runtime: that is the point of the comparison.
 */
import { roundUpToCent } from "./cents.js";

/** One position with its market data: the rulebook's input. */
export interface BinanceInput {
  position: { size: number; mark: number; side: "long" | "short" };
  market: { vol_30d: number; adv: number };
}

/** The rulebook's outputs. */
export interface BinanceOutputs {
  initial_margin: number;
  maintenance_margin: number;
  maintenance_margin_exact: number;
  max_leverage: number;
}

// Historical Binance BTCUSDT brackets: floors, IMR, MMR, max leverage, maintenance amount (cum).
const FLOOR = [
  0, 50_000, 250_000, 1_000_000, 10_000_000, 20_000_000, 50_000_000, 100_000_000, 200_000_000, 300_000_000,
];
const IMR = new Float64Array([0.008, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1]);
const MMR = new Float64Array([0.004, 0.005, 0.01, 0.025, 0.05, 0.1, 0.125, 0.15, 0.25, 0.5]);
const MAX_LEVERAGE = new Float64Array([125, 100, 50, 20, 10, 5, 4, 3, 2, 1]);
const CUM = new Float64Array([
  0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
]);

const VOL_THRESHOLD = 0.8;
const VOL_SLOPE = 0.5;
const VOL_MAX_SURCHARGE = 0.5;
const IMF_FACTOR = 0.00015;
const ADV_SHARE_THRESHOLD = 0.1;
const LIQUIDITY_SLOPE = 0.25;

function bracket(notional: number): number {
  if (notional < FLOOR[5]!) {
    if (notional < FLOOR[1]!) return 0;
    if (notional < FLOOR[2]!) return 1;
    if (notional < FLOOR[3]!) return 2;
    if (notional < FLOOR[4]!) return 3;
    return 4;
  }
  if (notional < FLOOR[6]!) return 5;
  if (notional < FLOOR[7]!) return 6;
  if (notional < FLOOR[8]!) return 7;
  if (notional < FLOOR[9]!) return 8;
  return 9;
}

/** Evaluates one position: initial and maintenance margin (rounded up to the cent), leverage cap. */
export function binanceMargin(input: BinanceInput): BinanceOutputs {
  const { size, mark } = input.position;
  const { vol_30d: vol, adv } = input.market;
  const notional = size * mark;
  const tier = bracket(notional);

  let imRate = IMR[tier]!;
  if (vol > VOL_THRESHOLD) imRate *= 1 + Math.min(VOL_SLOPE * (vol - VOL_THRESHOLD), VOL_MAX_SURCHARGE);
  imRate = Math.max(imRate, IMF_FACTOR * Math.sqrt(size));
  if (notional > ADV_SHARE_THRESHOLD * adv)
    imRate += LIQUIDITY_SLOPE * (notional / adv - ADV_SHARE_THRESHOLD);
  if (imRate > 1) imRate = 1;

  const mm = notional * MMR[tier]! - CUM[tier]!;
  const im = roundUpToCent(notional * imRate);
  const mmRounded = roundUpToCent(mm);
  if (!(im >= mmRounded)) throw new Error("the initial margin must cover the maintenance margin");
  return {
    initial_margin: im,
    maintenance_margin: mmRounded,
    maintenance_margin_exact: mm,
    max_leverage: MAX_LEVERAGE[tier]!,
  };
}

/** The same with `Math.ceil(x * 100) / 100` rounding and no assertion. */
export function binanceMarginNaive(input: BinanceInput): BinanceOutputs {
  const { size, mark } = input.position;
  const { vol_30d: vol, adv } = input.market;
  const notional = size * mark;
  const tier = bracket(notional);

  let imRate = IMR[tier]!;
  if (vol > VOL_THRESHOLD) imRate *= 1 + Math.min(VOL_SLOPE * (vol - VOL_THRESHOLD), VOL_MAX_SURCHARGE);
  imRate = Math.max(imRate, IMF_FACTOR * Math.sqrt(size));
  if (notional > ADV_SHARE_THRESHOLD * adv)
    imRate += LIQUIDITY_SLOPE * (notional / adv - ADV_SHARE_THRESHOLD);
  if (imRate > 1) imRate = 1;

  const mm = notional * MMR[tier]! - CUM[tier]!;
  return {
    initial_margin: Math.ceil(notional * imRate * 100) / 100,
    maintenance_margin: Math.ceil(mm * 100) / 100,
    maintenance_margin_exact: mm,
    max_leverage: MAX_LEVERAGE[tier]!,
  };
}
