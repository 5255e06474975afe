/**
 * The Binance-style BTCUSDT perpetual margin (rules/binance-btcusdt-perp.margin) written by hand with
 * decimal.js, the library marginbook's decimal arithmetic uses: what an engine developer who wants
 * exact decimals would write. The baseline of `bench/decimal-speed.ts`.
 *
 * Same meaning as the rulebook in decimal arithmetic (scale 18, half-even): inputs read through their
 * shortest decimal spelling, exact + - *, `notional / adv` and `sqrt(size)` to 18 places, exact
 * rounding up to the cent. Outputs are decimal text.
 */
import * as decimalJs from "decimal.js";
import type { Decimal as DecimalType } from "decimal.js";
import type { BinanceInput } from "./binance-handwritten.js";

const Decimal = (decimalJs.default as unknown as typeof DecimalType).clone({ precision: 1000 });
/** For `/` and `sqrt`: enough digits for 18 places of results below 10^12, truncated, then rounded once. */
const Wide = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_DOWN });

const FLOOR = [
  0, 50_000, 250_000, 1_000_000, 10_000_000, 20_000_000, 50_000_000, 100_000_000, 200_000_000, 300_000_000,
];
const IMR = ["0.008", "0.01", "0.02", "0.05", "0.1", "0.2", "0.25", "0.3", "0.5", "1"].map(
  (x) => new Decimal(x),
);
const MMR = ["0.004", "0.005", "0.01", "0.025", "0.05", "0.1", "0.125", "0.15", "0.25", "0.5"].map(
  (x) => new Decimal(x),
);
const CUM = [0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300].map(
  (x) => new Decimal(x),
);
const MAX_LEVERAGE = ["125", "100", "50", "20", "10", "5", "4", "3", "2", "1"];
const VOL_THRESHOLD = new Decimal("0.8");
const VOL_SLOPE = new Decimal("0.5");
const VOL_MAX_SURCHARGE = new Decimal("0.5");
const IMF_FACTOR = new Decimal("0.00015");
const ADV_SHARE_THRESHOLD = new Decimal("0.1");
const LIQUIDITY_SLOPE = new Decimal("0.25");
const CENT = new Decimal("0.01");
const STICKY = new Decimal("1e-21");

/** Rounds a value truncated to 20 places to 18, half-even, with a sticky digit when inexact. */
function toScale(truncated: DecimalType, exact: boolean): DecimalType {
  const value = exact ? truncated : truncated.plus(truncated.isNeg() ? STICKY.neg() : STICKY);
  return new Decimal(value.toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN));
}

function roundUpToCent(x: DecimalType): string {
  return x.div(CENT).ceil().times(CENT).toFixed();
}

/** The rulebook's outputs as decimal text. */
export function binanceMarginDecimal(input: BinanceInput): Record<string, string> {
  const size = new Decimal(input.position.size);
  const mark = new Decimal(input.position.mark);
  const vol = new Decimal(input.market.vol_30d);
  const adv = new Decimal(input.market.adv);
  const notional = size.times(mark);
  const n = notional.toNumber();
  let tier = 0;
  while (tier < 9 && n >= FLOOR[tier + 1]!) tier++;
  if (tier < 9 && notional.gte(FLOOR[tier + 1]!)) tier++;

  let imRate = IMR[tier]!;
  if (vol.gt(VOL_THRESHOLD))
    imRate = imRate.times(Decimal.min(VOL_SLOPE.times(vol.minus(VOL_THRESHOLD)), VOL_MAX_SURCHARGE).plus(1));
  const root = new Wide(size).sqrt().toDecimalPlaces(20, Decimal.ROUND_DOWN);
  const sqrt = toScale(new Decimal(root), new Decimal(root).times(root).eq(size));
  imRate = Decimal.max(imRate, IMF_FACTOR.times(sqrt));
  if (notional.gt(ADV_SHARE_THRESHOLD.times(adv))) {
    const q = new Wide(notional).div(adv).toDecimalPlaces(20, Decimal.ROUND_DOWN);
    const share = toScale(new Decimal(q), new Decimal(q).times(adv).eq(notional));
    imRate = imRate.plus(LIQUIDITY_SLOPE.times(share.minus(ADV_SHARE_THRESHOLD)));
  }
  imRate = Decimal.min(imRate, 1);

  const mm = notional.times(MMR[tier]!).minus(CUM[tier]!);
  const im = notional.times(imRate);
  if (im.div(CENT).ceil().lt(mm.div(CENT).ceil()))
    throw new Error("the initial margin must cover the maintenance margin");
  return {
    initial_margin: roundUpToCent(im),
    maintenance_margin: roundUpToCent(mm),
    maintenance_margin_exact: mm.toFixed(),
    max_leverage: MAX_LEVERAGE[tier]!,
  };
}
