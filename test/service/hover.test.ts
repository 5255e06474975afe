/**
 * Hover: each row rests the cursor on something in a real rulebook and names what the hover must
 * say (its first line is a code block; the rest is type, docs and details).
 */
import { describe, expect, it } from "vitest";
import { hoverAt } from "../../src/service/hover.js";
import { atCursor, mark, rule } from "./support.js";

const btc = rule("binance-btcusdt-perp.margin");
const credits = rule("cme-spread-credits.margin");
const inverse = rule("bybit-btcusd-inverse.margin");

function hover(text: string): string | undefined {
  const { source, offset, result } = atCursor(text);
  return hoverAt(result, source, offset)?.contents.join("\n\n");
}

describe("hover", () => {
  const cases: [string, string, string[]][] = [
    [
      "a let used in an output: type, unit and doc",
      mark(btc, "notional * im_rate round", 3),
      [
        "let notional: USDT",
        "**Type** USDT (USDT money)",
        "Position notional in USDT.",
        "= position.size * position.mark",
      ],
    ],
    [
      "a parameter: its value with its unit",
      mark(btc, "vol_threshold {", 4),
      ["param vol_threshold: Rate = 80%", "Volatility above which the initial margin rate scales up."],
    ],
    [
      "a parameter's declaration",
      mark(btc, "param imf_factor", 8),
      ["param imf_factor: Number = 0.00015", "FTX-style size floor"],
    ],
    [
      "an input field read with `.`",
      mark(btc, "position.size *", 10),
      ["position.size: Quantity", "**Type** Quantity (a Quantity value)"],
    ],
    [
      "a product of units",
      mark(btc, "position.size * position.mark", 14),
      ["position.size * position.mark", "**Type** USDT (USDT money)"],
    ],
    [
      "a built-in function: signature and docs",
      mark(btc, "sqrt(number", 2),
      ["sqrt(x: Number) -> Number", "The square root", "**This call** Number (dimensionless)"],
    ],
    [
      "a tier table method",
      mark(btc, "brackets.margin(notional, mmr) round", 11),
      ["brackets.margin(x: USDT, column) -> USDT", "slice", "**This call** USDT (USDT money)"],
    ],
    ["the column argument of `margin`", mark(btc, "notional, mmr) round", 11), ["column brackets.mmr: Rate"]],
    [
      "a tier row: the derived deduction",
      mark(btc, "[1_000_000, 10_000_000)", 2),
      ["brackets tier 4: [1_000_000, 10_000_000)", "imr 5.00%, mmr 2.50%, max_leverage 20", "mmr 16,300"],
    ],
    [
      "a field declaration: type, domain and doc",
      mark(btc, "vol_30d: Rate", 2),
      ["vol_30d: Rate >= 0 <= 500%", "**Type** Rate"],
    ],
    [
      "a quantity adjusted by a step",
      mark(btc, "floor im_rate", 8),
      ["quantity im_rate: Rate", "set first in rule `base`", "This step floors the quantity."],
    ],
    ["a comprehension variable", mark(credits, "l.lots for l in", 11), ["l: Leg"]],
    ["a record type name", mark(credits, "List<Leg>", 6), ["Leg", "a record: commodity, lots"]],
    [
      "a named option of a liquidation price",
      mark(inverse, "contract: inverse,\n    closing_fee", 3),
      ["contract: linear | inverse", "Named option: `linear` (size in coins"],
    ],
    ["an option's word", mark(inverse, "inverse,\n    closing_fee", 2), ["contract: linear | inverse"]],
    [
      "a money literal",
      mark(credits, "1_750 USD", 1),
      ["1_750 USD", "**Type** USD (USD money)", "= 1,750 USD"],
    ],
  ];
  it.each(cases)("shows %s", (_, text, expected) => {
    const shown = hover(text);
    expect(shown).toBeDefined();
    for (const part of expected) expect(shown).toContain(part);
  });

  it("gives the span of what it describes", () => {
    const { source, offset, result } = atCursor(mark(btc, "notional * im_rate round", 3));
    const span = hoverAt(result, source, offset)!.span;
    expect(source.slice(span.start, span.end)).toBe("notional");
  });

  it("shows nothing over a comment or blank space", () => {
    expect(hover(mark(btc, "Position notional in USDT", 3))).toBeUndefined();
    expect(hover(mark(btc, "\n\nrule base", 1))).toBeUndefined();
  });
});
