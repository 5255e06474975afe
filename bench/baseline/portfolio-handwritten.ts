/**
 * SPAN scanning risk of a whole account (rules/span-sp500.margin), written by hand in TypeScript the
 * way an engine developer would: positions bucketed by combined commodity (underlying) in order of
 * first appearance, the 16 scenario P&Ls of each bucket accumulated in one reused Float64Array, the
 * worst loss per bucket floored at 0 and summed, then rounded up to the cent.
 *
 * It implements the same logic as the rulebook, so it gives the same numbers bit for bit: within a
 * bucket the P&L of a scenario is summed over the positions in list order, starting from 0, as the
 * rulebook's `sum(p.quantity * p.risk[s.index] for p in g.items)` does; the buckets are summed in order
 * of first appearance, as `group` orders them; rounding up to the cent follows marginbook's documented
 * rule (binary noise just above a cent is ignored). A risk array shorter than 16 values is an error,
 * like the rulebook's MB6009.
 *
 * Neither generated nor sharing code with marginbook's runtime: the baseline for bench/portfolio-speed.ts.
 */
import { roundUpToCent } from "./cents.js";

/** One position with its SPAN risk array: the P&L of one long contract in each of the 16 scenarios. */
export interface SpanPosition {
  contract: string;
  underlying: string;
  quantity: number;
  risk: readonly number[];
}

/** The rulebook's input: one account. */
export interface SpanInput {
  account: { positions: readonly SpanPosition[] };
}

/** The rulebook's outputs. */
export interface SpanOutputs {
  commodities: number;
  scanning_risk_requirement: number;
}

const SCENARIOS = 16;

/** Scratch space reused across calls: the scenario P&L of each bucket, and the bucket of each underlying. */
let pnl = new Float64Array(SCENARIOS * 8);
const bucketOf = new Map<string, number>();

/** Evaluates one account: its SPAN scanning risk requirement and the number of combined commodities. */
export function spanMargin(input: SpanInput): SpanOutputs {
  const positions = input.account.positions;
  bucketOf.clear();
  let buckets = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    let b = bucketOf.get(p.underlying);
    if (b === undefined) {
      b = buckets++;
      bucketOf.set(p.underlying, b);
      if (pnl.length < buckets * SCENARIOS) {
        const grown = new Float64Array(pnl.length * 2);
        grown.set(pnl);
        pnl = grown;
      }
      pnl.fill(0, b * SCENARIOS, (b + 1) * SCENARIOS);
    }
    const risk = p.risk;
    if (risk.length < SCENARIOS)
      throw new Error(`index ${risk.length} is outside the list (length ${risk.length})`);
    const q = p.quantity;
    const base = b * SCENARIOS;
    for (let s = 0; s < SCENARIOS; s++) pnl[base + s] = pnl[base + s]! + q * risk[s]!;
  }
  let total = 0;
  for (let b = 0; b < buckets; b++) {
    const base = b * SCENARIOS;
    let worst = -pnl[base]!;
    for (let s = 1; s < SCENARIOS; s++) worst = Math.max(worst, -pnl[base + s]!);
    total = total + Math.max(0, worst);
  }
  const requirement = roundUpToCent(total);
  if (!(requirement >= 0)) throw new Error("a requirement is never negative");
  return { commodities: buckets, scanning_risk_requirement: requirement };
}
