/**
 * Starting points for a new rulebook: isolated brackets, a cross-margin account and a SPAN-style
 * portfolio. Each is a complete, checked rulebook (tests in test/service/templates.test.ts prove
 * it has no errors and its test case passes) with a `.test.yaml` holding one worked example, so the
 * preview, the chart and the Tests tab have something to show from the first second.
 */

/** A rulebook template. */
export interface RulebookTemplate {
  id: "isolated-brackets" | "cross-account" | "span-portfolio";
  title: string;
  description: string;
  /** The rulebook's text, titled `name`. */
  rulebook(name: string): string;
  /** The test file's text for the rulebook file `file` (its base name). */
  tests(file: string): string;
}

const header = (name: string, currency: string, description: string): string =>
  [
    `rulebook ${JSON.stringify(name)}`,
    "  version 0.1.0",
    "  effective 2027-01-01T00:00:00Z",
    `  currency ${currency}`,
    '  owner "Risk <risk@example.com>"',
    `  description ${JSON.stringify(description)}`,
    "",
  ].join("\n");

const testsHeader = (file: string, what: string): string =>
  [
    `# Test cases for ${file}: ${what}`,
    "# Each case pins a worked example; add more from the studio (Samples > Save as test case).",
    `rulebook: ${file}`,
    "cases:",
  ].join("\n");

/** The templates, in the order the New dialog lists them. */
export const TEMPLATES: readonly RulebookTemplate[] = [
  {
    id: "isolated-brackets",
    title: "Isolated position, tiered brackets",
    description:
      "One perpetual position; IM and MM from notional brackets (marginal: each slice at its tier's rate).",
    rulebook: (
      name,
    ) => `${header(name, "USDT", "Tiered initial and maintenance margin of one isolated position")}
enum Side { long, short }

/// The position: size in coins, mark price in USDT per coin.
input position { size: Quantity > 0, mark: Price > 0, side: Side }

/// Brackets by notional: a bracket includes its floor.
tiers brackets by notional: USDT, marginal {
  columns imr: Rate, mmr: Rate
  [0, 50_000)            1.00%  0.50%
  [50_000, 250_000)      2.00%  1.00%
  [250_000, 1_000_000)   5.00%  2.50%
  [1_000_000, inf)      10.00%  5.00%
}

let notional: USDT = position.size * position.mark

/// Each slice of the notional at its own bracket's rates.
output initial_margin: USDT = brackets.margin(notional, imr) round up to 0.01
output maintenance_margin: USDT = brackets.margin(notional, mmr) round up to 0.01

assert initial_margin >= maintenance_margin "the initial margin covers the maintenance margin"

verify nondecreasing initial_margin, maintenance_margin in position.size
verify continuous maintenance_margin in position.size
`,
    tests: (file) => `${testsHeader(file, "tiered brackets")}
  - name: 2 coins at 30,000 (notional 60,000, second bracket)
    # IM = 50,000 x 1% + 10,000 x 2% = 700; MM = 50,000 x 0.5% + 10,000 x 1% = 350
    input: { position: { size: 2, mark: 30000, side: long } }
    expect: { initial_margin: 700, maintenance_margin: 350 }
    tolerance: 1e-6
`,
  },
  {
    id: "cross-account",
    title: "Cross-margin account",
    description:
      "Several positions on one collateral pool: total MM from brackets, margin balance, margin ratio, margin call.",
    rulebook: (
      name,
    ) => `${header(name, "USDT", "Cross margin: every position on one wallet, with margin ratio and margin call")}
enum Side { long, short }

record Position {
  side: Side
  size: Quantity > 0   // coins
  entry: Price > 0     // average entry price
  mark: Price > 0      // mark price
}

record Account {
  wallet: USDT >= 0
  positions: List<Position>
}

input account: Account

/// The margin ratio at which the account gets a margin call.
param margin_call_ratio: Rate = 80%

tiers brackets by notional: USDT, marginal {
  columns mmr: Rate
  [0, 100_000)         0.50%
  [100_000, 1_000_000) 1.00%
  [1_000_000, inf)     2.50%
}

let unrealised: USDT = sum((if p.side == long then 1 else -1) * p.size * (p.mark - p.entry) for p in account.positions)
let maintenance: USDT = sum(brackets.margin(p.size * p.mark, mmr) for p in account.positions)
let balance: USDT = account.wallet + unrealised

output maintenance_margin: USDT = maintenance round up to 0.01
output margin_balance: USDT = balance
output margin_call: Bool = maintenance > 0 and maintenance >= margin_call_ratio * balance

verify nonnegative maintenance_margin
`,
    tests: (file) => `${testsHeader(file, "a cross-margin account")}
  - name: Two positions on a 10,000 wallet
    # MM = 2 x 30,000 x 0.5% + 10 x 2,000 x 0.5% = 300 + 100 = 400
    # unrealised = 2 x (30,000 - 29,000) - 10 x (2,000 - 2,100) = 2,000 + 1,000 = 3,000 -> balance 13,000
    input:
      account:
        wallet: 10000
        positions:
          - { side: long, size: 2, entry: 29000, mark: 30000 }
          - { side: short, size: 10, entry: 2100, mark: 2000 }
    expect: { maintenance_margin: 400, margin_balance: 13000, margin_call: false }
    tolerance: 1e-6
`,
  },
  {
    id: "span-portfolio",
    title: "SPAN-style portfolio",
    description:
      "Scanning risk: the worst loss of the whole portfolio over price and volatility scenarios, extreme moves counted at 35%.",
    rulebook: (
      name,
    ) => `${header(name, "USD", "SPAN-style scanning risk: worst loss over price x volatility scenarios")}
/// A linear position: its value moves with the price (delta) and with volatility (vega).
record Position {
  contract: Text
  quantity: Number     // contracts, negative when short
  delta: USD           // P&L of one contract for a move of one full scan range
  vega: USD            // P&L of one contract for the full volatility move
}

record Account {
  positions: List<Position>
}

input account: Account

/// Price moves as fractions of the scan range, volatility up and down; extreme moves at 35%.
scenarios scan(price: Number, vol: Number) {
  grid price [0, 1/3, -1/3, 2/3, -2/3, 1, -1] vol [1, -1]
  grid price [2, -2] vol [0] weight 35%
}

/// The worst loss over the scenarios (loss = -P&L), at least 0.
let scanning_risk: USD = max(0 USD, max(-s.weight * sum(p.quantity * (s.price * p.delta + s.vol * p.vega) for p in account.positions) for s in scan))

output scanning_risk_requirement: USD = scanning_risk round up to 0.01

verify nonnegative scanning_risk_requirement
`,
    tests: (file) => `${testsHeader(file, "SPAN-style scanning risk")}
  - name: Long 1 future (scan range worth 10,000)
    # worst scenario: price -1 range -> loss 10,000; the extreme -2 ranges lose 20,000 x 35% = 7,000
    input:
      account:
        positions:
          - { contract: future, quantity: 1, delta: 10000, vega: 0 }
    expect: { scanning_risk_requirement: 10000 }
    tolerance: 1e-6
`,
  },
];

/** A rulebook file name from what the user typed: `My Book` -> `my-book.margin`. */
export function rulebookFileName(name: string): string {
  const stem = name
    .trim()
    .toLowerCase()
    .replace(/\.margin$/, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${stem || "rulebook"}.margin`;
}
