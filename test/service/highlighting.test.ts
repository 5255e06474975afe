/**
 * Highlighting: the Monarch definition is generated from the token table, and tokenizing with it
 * (a small Monarch-like runner: first matching rule wins, keywords by `cases`) gives each token
 * the class the table says.
 */
import { describe, expect, it } from "vitest";
import { allTokens, keywordWords, marginbookLexer, tokenClasses } from "../../grammar/tokens.js";
import { monarchLanguage, type MonarchLanguage } from "../../src/service/highlighting.js";
import { rule } from "./support.js";

/** Tokenizes one line the way Monarch does with a single `root` state. */
function tokenize(language: MonarchLanguage, line: string): [string, string][] {
  const rules = language.tokenizer.root.map(
    ([source, action]) => [new RegExp(`^(?:${source})`), action] as const,
  );
  const out: [string, string][] = [];
  let rest = line;
  while (rest.length > 0) {
    const hit = rules
      .map(([re, action]) => [re.exec(rest)?.[0], action] as const)
      .find(([m]) => m !== undefined && m.length > 0);
    if (!hit) {
      out.push([rest[0]!, language.defaultToken]);
      rest = rest.slice(1);
      continue;
    }
    const [text, action] = hit;
    const token =
      typeof action === "string"
        ? action
        : language.keywords.includes(text!)
          ? action.cases["@keywords"]!
          : action.cases["@default"]!;
    if (token !== "white") out.push([text!, token]);
    rest = rest.slice(text!.length);
  }
  return out;
}

describe("highlighting", () => {
  const language = monarchLanguage();

  it("is plain JSON, so the worker can send it to the page", () => {
    expect(JSON.parse(JSON.stringify(language))).toEqual(language);
  });

  it("takes its keywords from the token table", () => {
    expect(language.keywords).toEqual(keywordWords);
    expect(language.keywords).toEqual(
      expect.arrayContaining(["rulebook", "tiers", "marginal", "when", "bps"]),
    );
  });

  it("has a rule for every lexer token that is not a keyword or whitespace, in the lexer's order", () => {
    const keywordTokens = new Set(tokenClasses.filter((t) => t.word).map((t) => t.token));
    const expected = allTokens.filter((t) => !keywordTokens.has(t) && t.name !== "WhiteSpace").length;
    expect(language.tokenizer.root.length).toBe(expected + 1);
  });

  const cases: [string, [string, string][]][] = [
    ["/// doc", [["/// doc", "comment.doc"]]],
    [
      "param vol: Rate = 80% // note",
      [
        ["param", "keyword"],
        ["vol", "identifier"],
        [":", "delimiter"],
        ["Rate", "type"],
        ["=", "operator"],
        ["80", "number"],
        ["%", "operator"],
        ["// note", "comment"],
      ],
    ],
    [
      "effective 2026-12-01T00:00:00Z",
      [
        ["effective", "keyword"],
        ["2026-12-01T00:00:00Z", "number.timestamp"],
      ],
    ],
    [
      "version 2.4.0",
      [
        ["version", "keyword"],
        ["2.4.0", "number"],
      ],
    ],
    [
      'owner "Risk"',
      [
        ["owner", "keyword"],
        ['"Risk"', "string"],
      ],
    ],
    [
      "[50_000, inf) 30d 10_000 USDT",
      [
        ["[", "delimiter"],
        ["50_000", "number"],
        [",", "delimiter"],
        ["inf", "keyword"],
        [")", "delimiter"],
        ["30d", "number"],
        ["10_000", "number"],
        ["USDT", "type"],
      ],
    ],
    [
      "when x >= 5bps",
      [
        ["when", "keyword"],
        ["x", "identifier"],
        [">=", "operator"],
        ["5", "number"],
        ["bps", "keyword"],
      ],
    ],
  ];
  it.each(cases)("colours `%s`", (line, expected) => {
    expect(tokenize(language, line)).toEqual(expected);
  });

  it("agrees with the lexer on every token of a real rulebook", () => {
    const source = rule("binance-btcusdt-perp.margin");
    const lexed = marginbookLexer.tokenize(source);
    const fromLexer = lexed.tokens.map((t) => t.image);
    const fromMonarch = source
      .split("\n")
      .flatMap((line) => tokenize(language, line))
      .filter(([, token]) => !token.startsWith("comment"))
      .map(([text]) => text);
    expect(fromMonarch).toEqual(fromLexer);
  });
});
