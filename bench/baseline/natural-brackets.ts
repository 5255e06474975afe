/**
 * The natural bracket book (bench/rules/natural-brackets.margin) written by hand, the way an engine
 * developer would: the bracket by a comparison chain, the maintenance amounts (Binance "cum") typed
 * in, the add-ons inline, rounding up to the cent as marginbook documents it (never below the exact value). The same numbers as
 * the rulebook, bit for bit (bench/natural-speed.ts checks it on 10,000 positions before timing).
 * Shares no code with marginbook.
 */
import type { BinanceInput } from "./binance-handwritten.js";
import { roundUpToCent } from "./cents.js";

/** The rulebook's outputs. */
export interface BracketOutputs {
  initial_margin: number;
  maintenance_margin: number;
}

const FLOOR = [
  0, 50_000, 250_000, 1_000_000, 10_000_000, 20_000_000, 50_000_000, 100_000_000, 200_000_000, 300_000_000,
];
const IMR = new Float64Array([0.008, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1]);
const MMR = new Float64Array([0.004, 0.005, 0.01, 0.025, 0.05, 0.1, 0.125, 0.15, 0.25, 0.5]);
const CUM = new Float64Array([
  0, 50, 1_300, 16_300, 266_300, 1_266_300, 2_516_300, 5_016_300, 25_016_300, 100_016_300,
]);

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

/** Evaluates one position. */
export function naturalBrackets(input: BinanceInput): BracketOutputs {
  const { size, mark } = input.position;
  const { vol_30d: vol, adv } = input.market;
  const notional = size * mark;
  const tier = bracket(notional);
  let imRate = IMR[tier]!;
  if (vol > 0.8) imRate = imRate * (1 + Math.min(0.5 * (vol - 0.8), 0.5));
  imRate = Math.max(imRate, 0.00015 * Math.sqrt(size));
  if (notional > 0.1 * adv) imRate = imRate + 0.25 * (notional / adv - 0.1);
  const im = roundUpToCent(notional * imRate);
  const mm = roundUpToCent(notional * MMR[tier]! - CUM[tier]!);
  if (!(im >= mm)) throw new Error("assertion failed");
  return { initial_margin: im, maintenance_margin: mm };
}
