/**
 * Syntax highlighting for the editor: a Monarch tokenizer definition generated from the grammar's
 * token table (`grammar/tokens.ts`), so the lexer and the colours can never disagree about what a
 * number, a keyword or a comment is.
 *
 * The result is plain JSON (regular expressions as strings), so the worker can compute it and
 * send it to the page, and the page never loads the parser.
 */
import type { TokenType } from "../../grammar/chevrotain.js";
import { allTokens, tokenClasses, type TokenClass } from "../../grammar/tokens.js";

/** A Monarch rule: a regular expression (as a string) and the token class it yields. */
export type MonarchRule = [string, string | { cases: Record<string, string> }];

/** The subset of Monaco's `IMonarchLanguage` this module produces (structurally compatible). */
export interface MonarchLanguage {
  defaultToken: string;
  tokenPostfix: string;
  keywords: string[];
  brackets: { open: string; close: string; token: string }[];
  tokenizer: { root: MonarchRule[] };
}

/** The language id the editor registers. */
export const LANGUAGE_ID = "marginbook";

/** The Monarch token name of each token class; doc comments get their own so they can stand out. */
const MONARCH_TOKEN: Record<TokenClass, string> = {
  keyword: "keyword",
  type: "type",
  identifier: "identifier",
  number: "number",
  string: "string",
  timestamp: "number.timestamp",
  comment: "comment",
  operator: "operator",
  delimiter: "delimiter",
};

function patternSource(token: TokenType): string | undefined {
  const pattern = token.PATTERN;
  if (pattern instanceof RegExp) return pattern.source;
  if (typeof pattern === "string") return pattern.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return undefined;
}

/** Punctuation the token table leaves unclassified: brackets are delimiters, the rest operators. */
function punctuationClass(token: TokenType): TokenClass {
  return /^[()[\]{},:.]$/.test(String(token.PATTERN)) ? "delimiter" : "operator";
}

/**
 * The Monarch definition of the marginbook language. Rules follow the lexer's own order (longer
 * and more specific patterns first); keywords are found by the identifier rule's `cases`, from the
 * keyword words of the token table.
 */
export function monarchLanguage(): MonarchLanguage {
  const classOf = new Map<TokenType, { tokenClass: TokenClass; word?: string }>(
    tokenClasses.map((t) => [t.token, t]),
  );
  const keywords = tokenClasses.filter((t) => t.word !== undefined).map((t) => t.word!);
  const rules: MonarchRule[] = [];
  for (const token of allTokens) {
    const entry = classOf.get(token);
    if (entry?.word !== undefined) continue; // keywords: see the identifier rule
    const source = patternSource(token);
    if (source === undefined || token.GROUP === "SKIPPED" || token.name === "WhiteSpace") continue;
    if (token.name === "Identifier") {
      rules.push([source, { cases: { "@keywords": "keyword", "@default": "identifier" } }]);
      continue;
    }
    const tokenClass = entry?.tokenClass ?? punctuationClass(token);
    const name =
      token.name === "DocComment"
        ? "comment.doc"
        : token.name === "UnterminatedString"
          ? "string.invalid"
          : MONARCH_TOKEN[tokenClass];
    rules.push([source, name]);
  }
  rules.push(["[ \\t\\r\\n]+", "white"]);
  return {
    defaultToken: "invalid",
    tokenPostfix: ".margin",
    keywords,
    brackets: [
      { open: "{", close: "}", token: "delimiter.curly" },
      { open: "[", close: "]", token: "delimiter.square" },
      { open: "(", close: ")", token: "delimiter.parenthesis" },
    ],
    tokenizer: { root: rules },
  };
}

/** Brackets, comments and auto-closing pairs (Monaco's `LanguageConfiguration`, as plain data). */
export const languageConfiguration = {
  comments: { lineComment: "//" },
  brackets: [
    ["{", "}"],
    ["[", "]"],
    ["(", ")"],
  ] as [string, string][],
  autoClosingPairs: [
    { open: "{", close: "}" },
    { open: "(", close: ")" },
    { open: '"', close: '"', notIn: ["string", "comment"] },
  ],
  surroundingPairs: [
    { open: "{", close: "}" },
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"' },
  ],
  wordPattern: "[A-Za-z_][A-Za-z0-9_]*",
};
