/**
 * Binance positions across every bracket, for the benchmarks: notional log-uniform from 10 to 1e9
 * USDT, mark 1,000 to 100,000, volatility 0 to 250% (a third above the 80% threshold), ADV 1e7 to
 * 1e10 (some positions pay the liquidity add-on). Sizes and marks are rounded as exchanges send them
 * (marks to the 0.1 tick, sizes to 0.001).
 * Seeded, so every run times the same inputs.
 */
import { prng } from "../../src/review/random-inputs.js";
import type { BinanceInput } from "../baseline/binance-handwritten.js";

export function binancePositions(count: number, seed: number): BinanceInput[] {
  const next = prng(seed);
  const inputs: BinanceInput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const mark = Math.round((1_000 + next() * 99_000) * 10) / 10;
    const notional = Math.pow(10, 1 + next() * 8);
    const size = Math.max(0.001, Math.round((notional / mark) * 1000) / 1000);
    inputs[i] = {
      position: { size, mark, side: next() < 0.5 ? "long" : "short" },
      market: { vol_30d: Math.round(next() * 250) / 100, adv: Math.pow(10, 7 + next() * 3) },
    };
  }
  return inputs;
}
