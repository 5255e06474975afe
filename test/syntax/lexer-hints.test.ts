/**
 * The shared lexer is built without Chevrotain's validations and with start-character hints on the
 * keywords, to start fast. A lexer built the slow way (validations on, no first-character
 * optimisation at all) must find the same definition to be sound and cut every rulebook into the
 * same tokens.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Lexer } from "../../grammar/chevrotain.js";
import { allTokens, marginbookLexer, tokenClasses } from "../../grammar/tokens.js";

const rulesDir = path.resolve(__dirname, "../../rules");

/** Every bundled rulebook, plus text that sits on the edges of the keyword patterns. */
function corpus(): string[] {
  const books = readdirSync(rulesDir)
    .filter((f) => f.endsWith(".margin"))
    .map((f) => readFileSync(path.join(rulesDir, f), "utf8"));
  const edges = tokenClasses
    .filter((t) => t.word)
    .map((t) => `${t.word} ${t.word}x x${t.word} _${t.word} ${t.word}_1 ${t.word!.toUpperCase()}\n`);
  return [...books, edges.join(""), 'rule r { set a = "unterminated\n} 1.2.3 30d 1e5 `A-B` // c\n'];
}

const summary = (source: string, lexer: Lexer) => {
  const lexed = lexer.tokenize(source);
  return {
    tokens: lexed.tokens.map((t) => [t.tokenType.name, t.startOffset, t.endOffset]),
    errors: lexed.errors.map((e) => [e.offset, e.length]),
  };
};

describe("the lexer", () => {
  it("passes Chevrotain's own validations", () => {
    const checked = new Lexer(allTokens, {
      positionTracking: "full",
      ensureOptimizations: false,
      deferDefinitionErrorsHandling: true,
    });
    expect(checked.lexerDefinitionErrors).toEqual([]);
  });

  it("states each keyword's first character, as the hint says", () => {
    for (const { token, word } of tokenClasses.filter((t) => t.word)) {
      expect(token.START_CHARS_HINT).toEqual([word![0]]);
      expect(token.LINE_BREAKS).toBe(false);
      expect((token.PATTERN as RegExp).source.startsWith(word!)).toBe(true);
    }
  });

  it("cuts every rulebook alike with and without the shortcuts", () => {
    const reference = new Lexer(allTokens, { positionTracking: "full", safeMode: true });
    for (const source of corpus())
      expect(summary(source, marginbookLexer)).toEqual(summary(source, reference));
  });
});
