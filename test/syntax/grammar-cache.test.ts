/**
 * The built parser starts from a serialized self-analysis (grammar/grammar-cache.ts). Under vitest
 * the shared parser analyses itself, so these tests serialize that analysis, build a second parser
 * from it, and check that the two are the same parser: the same recorded grammar, lookahead and
 * follow sets, and the same trees and errors on every bundled rulebook and on broken ones.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MarginbookParser, parser } from "../../grammar/parser.js";
import { marginbookLexer } from "../../grammar/tokens.js";

const rulesDir = path.resolve(__dirname, "../../rules");
const books = readdirSync(rulesDir)
  .filter((f) => f.endsWith(".margin"))
  .map((f) => readFileSync(path.join(rulesDir, f), "utf8"));

/** Every bundled rulebook, each also cut short and with a token dropped at a few places. */
function corpus(): string[] {
  const out: string[] = [];
  for (const book of books) {
    out.push(book);
    for (const share of [0.23, 0.51, 0.83]) {
      const at = Math.floor(book.length * share);
      out.push(book.slice(0, at));
      const next = book.indexOf(" ", at);
      if (next > 0) out.push(book.slice(0, at) + book.slice(book.indexOf(" ", next + 1) + 1));
    }
  }
  return out;
}

function parseWith(p: MarginbookParser, source: string): string {
  p.input = marginbookLexer.tokenize(source).tokens;
  const cst = p.rulebook();
  const errors = p.errors.map((e) => [e.name, e.message, e.token.startOffset, e.context.ruleStack]);
  return JSON.stringify({ cst, errors });
}

describe("the serialized grammar", () => {
  const serialized = parser.serialize();
  const cached = new MarginbookParser({ serialized });

  it("is read back into the same analysis", () => {
    expect(parser.fromCache).toBe(false);
    expect(cached.fromCache).toBe(true);
    expect(cached.serialize()).toEqual(serialized);
    expect(Object.keys(serialized.lookahead).length).toBeGreaterThan(100);
    expect(Object.keys(serialized.follows).length).toBeGreaterThan(100);
  });

  it("parses every rulebook, whole and broken, exactly as the analysed parser does", () => {
    const sources = corpus();
    expect(sources.length).toBeGreaterThan(books.length * 4);
    let withErrors = 0;
    for (const source of sources) {
      const expected = parseWith(parser, source);
      if (parser.errors.length > 0) withErrors++;
      expect(parseWith(cached, source)).toBe(expected);
    }
    expect(withErrors).toBeGreaterThan(books.length);
  });

  it("decides as Chevrotain's own lookahead functions do", () => {
    const reference = new MarginbookParser({ reference: true });
    for (const source of corpus()) expect(parseWith(parser, source)).toBe(parseWith(reference, source));
  });

  it("parses without error recovery first, to the same trees and errors", () => {
    let clean = 0;
    for (const source of corpus()) {
      const expected = parseWith(parser, source);
      const tokens = marginbookLexer.tokenize(source).tokens;
      const cst = parser.parseRulebook(tokens);
      if (parser.errors.length === 0) clean++;
      const errors = parser.errors.map((e) => [e.name, e.message, e.token.startOffset, e.context.ruleStack]);
      expect(JSON.stringify({ cst, errors })).toBe(expected);
    }
    expect(clean).toBeGreaterThan(books.length / 2);
    // Recovery is on again afterwards: a broken file still gets its partial tree and every error.
    parser.input = marginbookLexer.tokenize('rulebook "r"\nparam a = (1 +\nparam b = )\n').tokens;
    parser.rulebook();
    expect(parser.errors.length).toBeGreaterThan(1);
  });

  it("is ignored when it was made from another grammar", () => {
    const stale = new MarginbookParser({ serialized: { ...serialized, fingerprint: "another grammar" } });
    expect(stale.fromCache).toBe(false);
    const renamed = structuredClone(serialized);
    renamed.follows[Object.keys(renamed.follows)[0]!] = ["NoSuchToken"];
    expect(new MarginbookParser({ serialized: renamed }).fromCache).toBe(false);
  });
});
