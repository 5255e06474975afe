/**
 * The natural five-underlying portfolio (bench/rules/natural-portfolio.margin) written by hand: the
 * positions bucketed by underlying in one pass, the 16 scenario P&Ls of each bucket accumulated in
 * a reused Float64Array (per bucket in list order, from 0, as the rulebook's filtered sums add
 * them), the worst weighted loss per underlying floored at 0, the five summed in the rulebook's
 * order and rounded up to the cent. The same numbers bit for bit (bench/natural-speed.ts checks it
 * on 10,000 accounts before timing). Shares no code with marginbook.
 */
import { roundUpToCent } from "./cents.js";

/** One position. */
export interface NaturalPosition {
  u: "btc" | "eth" | "sol" | "xrp" | "doge";
  quantity: number;
  price: number;
  vega: number;
}

/** The rulebook's input. */
export interface NaturalAccount {
  account: { positions: readonly NaturalPosition[] };
}

/** The rulebook's outputs. */
export interface PortfolioOutputs {
  btc_risk: number;
  eth_risk: number;
  sol_risk: number;
  xrp_risk: number;
  doge_risk: number;
  portfolio_margin: number;
}

const MOVE = new Float64Array([
  -0.12, -0.12, -0.08, -0.08, -0.04, -0.04, 0, 0, 0.04, 0.04, 0.08, 0.08, 0.12, 0.12, -0.3, 0.3,
]);
const VOL = new Float64Array([1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 0, 0]);
const WEIGHT = new Float64Array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.35, 0.35]);
const S = 16;
const pnl = new Float64Array(5 * S);

function bucket(u: string): number {
  switch (u) {
    case "btc":
      return 0;
    case "eth":
      return 1;
    case "sol":
      return 2;
    case "xrp":
      return 3;
    default:
      return 4;
  }
}

/** The scan risk of one bucket: max(0, max over scenarios of -weight * P&L). */
function risk(b: number): number {
  let worst = -WEIGHT[0]! * pnl[b * S]!;
  for (let s = 1; s < S; s++) worst = Math.max(worst, -WEIGHT[s]! * pnl[b * S + s]!);
  return Math.max(0, worst);
}

/** Evaluates one account. */
export function naturalPortfolio(input: NaturalAccount): PortfolioOutputs {
  pnl.fill(0);
  const positions = input.account.positions;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    const base = bucket(p.u) * S;
    const q = p.quantity;
    const price = p.price;
    const vega = p.vega;
    for (let s = 0; s < S; s++) pnl[base + s] = pnl[base + s]! + q * (price * MOVE[s]! + vega * VOL[s]!);
  }
  const btc = risk(0);
  const eth = risk(1);
  const sol = risk(2);
  const xrp = risk(3);
  const doge = risk(4);
  return {
    btc_risk: btc,
    eth_risk: eth,
    sol_risk: sol,
    xrp_risk: xrp,
    doge_risk: doge,
    portfolio_margin: roundUpToCent(btc + eth + sol + xrp + doge),
  };
}
