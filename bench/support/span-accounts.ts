/**
 * Generated SPAN accounts for the portfolio benchmarks (bench/portfolio-speed.ts,
 * bench/columnar-speed.ts): positions over several underlyings, each with a 16-scenario risk array.
 */
import { prng } from "../../src/review/random-inputs.js";
import type { SpanInput, SpanPosition } from "../baseline/portfolio-handwritten.js";

/** The published arrays (McMillan ch. 34): one long S&P future and one long Dec 410 call. */
const FUTURE = [
  0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000,
];
const CALL = [
  460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500,
];
const UNDERLYINGS = ["SP", "NQ", "YM", "RTY", "ES", "EMD"];

/**
 * Accounts of `positions` positions over 2 to 6 underlyings: futures and options whose risk arrays
 * are the published ones scaled (0.25x to 4x, to whole dollars) and mixed, quantities -10 to 10.
 */
export function generateAccounts(count: number, positions: number, seed: number): SpanInput[] {
  const next = prng(seed);
  const accounts: SpanInput[] = new Array(count);
  for (let a = 0; a < count; a++) {
    const underlyings = 2 + Math.floor(next() * (UNDERLYINGS.length - 1));
    const list: SpanPosition[] = new Array(positions);
    for (let i = 0; i < positions; i++) {
      const underlying = UNDERLYINGS[Math.floor(next() * underlyings)]!;
      const scale = 0.25 + next() * 3.75;
      const mix = next();
      const risk = FUTURE.map((f, s) => Math.round(scale * (mix * f + (1 - mix) * CALL[s]!)));
      const quantity = Math.round(next() * 20) - 10 || 1;
      list[i] = {
        contract: `${underlying} ${mix < 0.5 ? "option" : "future"} ${i}`,
        underlying,
        quantity,
        risk,
      };
    }
    accounts[a] = { account: { positions: list } };
  }
  return accounts;
}
