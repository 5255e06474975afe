/**
 * The grammar checks Chevrotain runs while building a parser (ambiguities, left recursion, missing
 * rules). The shared parser skips them to start fast; this parser runs them, so a grammar change
 * that breaks one fails here.
 */
import { describe, expect, it } from "vitest";
import { MarginbookParser, parser } from "../../grammar/parser.js";
import { marginbookLexer } from "../../grammar/tokens.js";

describe("the grammar", () => {
  it("passes Chevrotain's own validations", () => {
    const checked = new MarginbookParser({ validate: true });
    expect(checked.definitionErrors).toEqual([]);
  });

  it("parses alike with and without them", () => {
    const source = `rulebook "x" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT
input position { size: Quantity > 0 }
output m: USDT = position.size * 1 USDT round up to 0.01
`;
    const checked = new MarginbookParser({ validate: true });
    const tokens = marginbookLexer.tokenize(source).tokens;
    checked.input = tokens;
    const a = checked.rulebook();
    parser.input = tokens;
    const b = parser.rulebook();
    expect(checked.errors).toEqual([]);
    expect(JSON.stringify(b)).toEqual(JSON.stringify(a));
  });
});
