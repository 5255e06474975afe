/**
 * The built lexer starts from an analysis serialized at build time (grammar/lexer-cache.ts). A lexer
 * read back from a serialization must hold exactly Chevrotain's analysis and cut every rulebook into
 * the same tokens; a serialization made for another token table or other options is not used.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createToken, Lexer } from "../../grammar/chevrotain.js";
import { buildLexer, lexerFromCache, serializeLexer } from "../../grammar/lexer-cache.js";
import { allTokens, lexerOptions, marginbookLexer } from "../../grammar/tokens.js";

const rulesDir = path.resolve(__dirname, "../../rules");
const diagnosticsDir = path.resolve(__dirname, "../diagnostics");

const corpus = [
  ...readdirSync(rulesDir)
    .filter((f) => f.endsWith(".margin"))
    .map((f) => readFileSync(path.join(rulesDir, f), "utf8")),
  ...readdirSync(diagnosticsDir)
    .filter((f) => f.endsWith(".margin"))
    .map((f) => readFileSync(path.join(diagnosticsDir, f), "utf8")),
  'rule r { set a = "unterminated\n} 1.2.3 30d 1e5 `A-B` // c\n/// d\n# € Привет ≥ \u202e x',
];

/** Every field of every token and error, and the groups: what the parser and the AST read. */
const lexed = (lexer: Lexer, source: string) => {
  const result = lexer.tokenize(source);
  const plain = (t: object) => ({ ...t, tokenType: (t as { tokenType: { name: string } }).tokenType.name });
  return {
    tokens: result.tokens.map(plain),
    errors: result.errors,
    groups: Object.fromEntries(Object.entries(result.groups).map(([g, ts]) => [g, ts.map(plain)])),
  };
};

/** Chevrotain's analysis inside a lexer (its internal members). */
const analysis = (lexer: Lexer) => {
  const self = lexer as unknown as Record<string, unknown>;
  return {
    patternIdxToConfig: self["patternIdxToConfig"],
    charCodeToPatternIdxToConfig: self["charCodeToPatternIdxToConfig"],
    emptyGroups: self["emptyGroups"],
    hasCustom: self["hasCustom"],
    canModeBeOptimized: self["canModeBeOptimized"],
    modes: self["modes"],
    defaultMode: self["defaultMode"],
    lexerDefinition: self["lexerDefinition"],
    trackStartLines: self["trackStartLines"],
    trackEndLines: self["trackEndLines"],
    methods: ["handleModes", "createTokenInstance", "addToken", "handlePayload"].map(
      (m) => (self[m] as { name: string }).name,
    ),
  };
};

describe("the serialized lexer", () => {
  // Under vitest there is no serialized lexer: the shared one is Chevrotain's own analysis.
  const serialized = serializeLexer(marginbookLexer, allTokens, lexerOptions)!;
  const readBack = buildLexer(allTokens, lexerOptions, JSON.parse(JSON.stringify(serialized)));

  it("is read back, and holds Chevrotain's own analysis", () => {
    expect(lexerFromCache(marginbookLexer)).toBe(false);
    expect(lexerFromCache(readBack)).toBe(true);
    expect(analysis(readBack)).toEqual(analysis(marginbookLexer));
  });

  it("cuts every rulebook and fixture into the same tokens, errors and comments", () => {
    for (const source of corpus) expect(lexed(readBack, source)).toEqual(lexed(marginbookLexer, source));
  });

  it("is not used for other options or another token table", () => {
    expect(
      lexerFromCache(buildLexer(allTokens, { ...lexerOptions, positionTracking: "onlyStart" }, serialized)),
    ).toBe(false);
    const Extra = createToken({ name: "Extra", pattern: /§/ });
    expect(lexerFromCache(buildLexer([...allTokens, Extra], lexerOptions, serialized))).toBe(false);
  });
});
