/**
 * Go to definition: each row puts the cursor on a use and names the text at the target.
 */
import { describe, expect, it } from "vitest";
import { definitionAt } from "../../src/service/definition.js";
import { atCursor, mark, rule, rulesHost } from "./support.js";

const btc = rule("binance-btcusdt-perp.margin");
const credits = rule("cme-spread-credits.margin");

function target(text: string): { text: string; line: string } | undefined {
  const { source, offset, result } = atCursor(text);
  const found = definitionAt(result, offset);
  if (!found) return undefined;
  const lineStart = source.lastIndexOf("\n", found.span.start - 1) + 1;
  return {
    text: source.slice(found.span.start, found.span.end),
    line: source.slice(lineStart, source.indexOf("\n", found.span.start)).trim(),
  };
}

describe("go to definition", () => {
  const cases: [string, string, string, string][] = [
    [
      "a let",
      mark(btc, "notional * im_rate round", 2),
      "notional",
      "let notional: USDT = position.size * position.mark",
    ],
    ["a parameter", mark(btc, "vol_threshold {", 3), "vol_threshold", "param vol_threshold: Rate = 80%"],
    [
      "an input field",
      mark(btc, "position.mark\n", 11),
      "mark",
      "mark: Price > 0     // mark price, USDT per BTC",
    ],
    [
      "a tier table",
      mark(btc, "brackets.margin(notional, mmr) round", 3),
      "brackets",
      "tiers brackets by notional: USDT, marginal {",
    ],
    [
      "a tier column after a lookup",
      mark(btc, "(notional).imr", 12),
      "imr",
      "columns imr: Rate, mmr: Rate, max_leverage: Number",
    ],
    [
      "the column argument of `margin`",
      mark(btc, "notional, mmr) round", 11),
      "mmr",
      "columns imr: Rate, mmr: Rate, max_leverage: Number",
    ],
    [
      "a quantity: its first `set`",
      mark(btc, "notional * im_rate round", 13),
      "im_rate",
      "set im_rate: Rate = brackets(notional).imr",
    ],
    [
      "a quantity a step adjusts",
      mark(btc, "cap im_rate", 6),
      "im_rate",
      "set im_rate: Rate = brackets(notional).imr",
    ],
    [
      "an output used in an assertion",
      mark(btc, "assert initial_margin", 9),
      "initial_margin",
      "output initial_margin: USDT = notional * im_rate round up to 0.01",
    ],
    ["a named type", mark(btc, "side: Side", 8), "Side", "enum Side { long, short }"],
    ["a record field of a list element", mark(credits, "l.lots for l", 3), "lots", "lots: Number"],
    [
      "a comprehension variable",
      mark(credits, "l.lots for l", 0),
      "l",
      "let net_corn = sum(l.lots for l in account.legs where l.commodity == corn)",
    ],
    ["a bare enum member", mark(credits, "== corn)", 4), "corn", "enum Commodity { corn, soybeans }"],
  ];
  it.each(cases)("finds %s", (_, text, name, line) => {
    expect(target(text)).toEqual({ text: name, line });
  });

  it("points into the base rulebook for an inherited declaration", () => {
    const child = [
      'rulebook "Child" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT',
      '  extends "binance-btcusdt-perp.margin"',
      "output double: USDT = notional * 2",
      "",
    ].join("\n");
    const { offset, result } = atCursor(mark(child, "notional * 2", 2), "child.margin", rulesHost);
    const found = definitionAt(result, offset)!;
    expect(found.file).toBe("binance-btcusdt-perp.margin");
    expect(btc.slice(found.span.start, found.span.end)).toBe("notional");
  });

  it("finds nothing on a literal or a keyword", () => {
    expect(target(mark(btc, "round up to 0.01", 13))).toBeUndefined();
    expect(target(mark(btc, "rule base", 1))).toBeUndefined();
  });
});

describe("go to definition from the keyboard", () => {
  it("counts a cursor right after a name as on it", () => {
    expect(target(mark(btc, "notional * im_rate round", 8))).toEqual({
      text: "notional",
      line: "let notional: USDT = position.size * position.mark",
    });
  });
});
