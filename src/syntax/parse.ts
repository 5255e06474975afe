/**
 * The syntax stage: source text to AST plus syntax diagnostics (MB1xxx). Never throws on user input.
 */
import type { IRecognitionException, IToken, ILexingError } from "../../grammar/chevrotain.js";
import { EOF } from "../../grammar/chevrotain.js";
import type { RulebookCstNode } from "../../grammar/cst.js";
import { parser } from "../../grammar/parser.js";
import { Identifier, marginbookLexer, reservedWords } from "../../grammar/tokens.js";
import { messages } from "../semantics/catalog.js";
import { Reporter, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LineMap } from "../diagnostics/line-map.js";
import { HEADER_KEYS, type Rulebook } from "./ast.js";
import { buildRulebook } from "./build-ast.js";
import { didYouMean } from "./suggest.js";
import { LIMITS, checkTokenLimits, limitExpressionDepth } from "./limits.js";

export interface ParseResult {
  ast: Rulebook;
  diagnostics: Diagnostic[];
  /** Set when the file was beyond a resource limit and the parser did not run: the AST is empty. */
  aborted?: boolean;
}

/** Parses one rulebook. `file` only labels the diagnostics. */
export function parseRulebook(source: string, file = "<input>"): ParseResult {
  const reporter = new Reporter(file);
  const lexed = marginbookLexer.tokenize(source);
  // One syntax error per line: after the first, recovery mostly reports knock-on effects of it.
  const linesWithErrors = new Set<number>();
  const lines = new LineMap(source);
  const lineOf = (offset: number): number => lines.position(offset).line;
  reportHiddenText(reporter, source, lexed.tokens);
  for (const error of lexed.errors.slice(0, LIMITS.syntaxErrors)) {
    linesWithErrors.add(lineOf(error.offset));
    // A bidirectional control character has its own diagnostic (MB1014), wherever it is.
    if (BIDI_ONLY.test(source.slice(error.offset, error.offset + Math.max(1, error.length)))) continue;
    reportLexingError(reporter, source, error);
  }
  if (lexed.errors.length > LIMITS.syntaxErrors) {
    reporter.report(messages.tooManySyntaxErrors, { start: 0, end: 0 }, { limit: LIMITS.syntaxErrors });
    return { ast: emptyRulebook(source), diagnostics: reporter.diagnostics, aborted: true };
  }
  for (const token of lexed.tokens) {
    if (token.tokenType.name !== "UnterminatedString") continue;
    linesWithErrors.add(lineOf(token.startOffset));
    reporter.report(messages.unterminatedString, { start: token.startOffset, end: token.endOffset! + 1 });
  }
  if (source.length > LIMITS.sourceLength || !checkTokenLimits(lexed.tokens, reporter)) {
    if (source.length > LIMITS.sourceLength)
      reporter.report(
        messages.fileTooLarge,
        { start: 0, end: 0 },
        { size: source.length, limit: LIMITS.sourceLength },
      );
    return { ast: emptyRulebook(source), diagnostics: reporter.diagnostics, aborted: true };
  }
  renameReservedNames(lexed.tokens, source, reporter, (offset) => linesWithErrors.add(lineOf(offset)));
  const cst = parser.parseRulebook(lexed.tokens) as RulebookCstNode;
  for (const error of parser.errors.slice(0, LIMITS.syntaxErrors)) {
    const line = lineOf(tokenStart(error.token, source));
    if (linesWithErrors.has(line)) continue;
    linesWithErrors.add(line);
    reportParseError(reporter, source, error);
  }
  const comments = (lexed.groups["comments"] ?? []) as IToken[];
  const clean = lexed.errors.length === 0 && parser.errors.length === 0;
  const ast = buildRulebook(cst, comments, source, clean);
  // A header cut short by a syntax error (`verison 1.0.0`, a field misspelt) has the rest of its
  // fields unread: the checker must not report them missing.
  if (ast.header && !clean) {
    const next = lexed.tokens.find((t) => t.startOffset >= ast.header!.span.end);
    if (next && parser.errors.some((e) => e.token.startOffset === next.startOffset))
      ast.header.cutShort = true;
  }
  limitExpressionDepth(ast, reporter, clean ? lexed.tokens : undefined);
  return { ast, diagnostics: reporter.diagnostics };
}

/** Keywords that a declaration's name follows (`tiers <name>`); `table` and `fn` are contextual. */
const NAMING_KEYWORDS = new Set([
  "KwTiers",
  "KwTable",
  "KwParam",
  "KwLet",
  "KwOutput",
  "KwRule",
  "KwFn",
  "KwScenarios",
  "KwInput",
]);
const CONTEXTUAL_NAMING = new Set(["KwTable", "KwFn"]);

/**
 * A reserved word where a declaration's name goes (`tiers output by ...`) is reported once (MB1007)
 * and then read as that name, so that the rest of the declaration parses and raises nothing
 * invented. Only a name on the keyword's line counts; a contextual keyword (`table`) must start its
 * line, since it may also be a plain name inside an expression.
 */
function renameReservedNames(
  tokens: IToken[],
  source: string,
  reporter: Reporter,
  markLine: (offset: number) => void,
): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const keyword = tokens[i]!;
    const name = tokens[i + 1]!;
    if (!NAMING_KEYWORDS.has(keyword.tokenType.name) || !reservedWords.has(name.image)) continue;
    if (source.slice(keyword.endOffset! + 1, name.startOffset).includes("\n")) continue;
    if (CONTEXTUAL_NAMING.has(keyword.tokenType.name)) {
      const lineStart = source.lastIndexOf("\n", keyword.startOffset - 1) + 1;
      if (source.slice(lineStart, keyword.startOffset).trim() !== "") continue;
    }
    reporter.report(
      messages.reservedWordAsName,
      { start: name.startOffset, end: name.endOffset! + 1 },
      {
        found: name.image,
      },
    );
    markLine(name.startOffset);
    name.tokenType = Identifier;
    name.tokenTypeIdx = Identifier.tokenTypeIdx!;
  }
}

/** Bidirectional controls: embeddings, overrides, isolates, and the implicit marks (Trojan Source). */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
const BIDI_ONLY = /^[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]+$/;
/**
 * Characters that show as nothing (zero-width space, non-joiner and joiner, word joiner, BOM, soft
 * hyphen) or act on the terminal (control characters: ESC, BEL, backspace, the C1 range).
 */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD\u180E\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/**
 * Text that reads differently from what runs: a bidirectional control character anywhere (in a
 * comment or a string it can reorder what reviewers see, CVE-2021-42574), and an invisible character
 * or control character in a string (`"long\u200B"` looks like `"long"` but never equals it). Each is an error, reported at
 * most {@link LIMITS.syntaxErrors} times.
 */
function reportHiddenText(reporter: Reporter, source: string, tokens: readonly IToken[]): void {
  let count = 0;
  for (const match of source.matchAll(BIDI)) {
    if (++count > LIMITS.syntaxErrors) return;
    reporter.report(
      messages.bidiCharacter,
      { start: match.index, end: match.index + 1 },
      { code: codePoint(match[0]) },
    );
  }
  for (const token of tokens) {
    if (token.tokenType.name !== "StringLiteral" && token.tokenType.name !== "UnterminatedString") continue;
    for (const match of token.image.matchAll(INVISIBLE)) {
      if (++count > LIMITS.syntaxErrors) return;
      const start = token.startOffset + match.index;
      reporter.report(messages.invisibleCharacter, { start, end: start + 1 }, { code: codePoint(match[0]) });
    }
  }
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

function emptyRulebook(source: string): Rulebook {
  return { kind: "Rulebook", span: { start: 0, end: source.length }, declarations: [], comments: [] };
}

function reportLexingError(reporter: Reporter, source: string, error: ILexingError): void {
  const start = error.offset;
  const end = start + Math.max(1, error.length);
  reporter.report(messages.unexpectedCharacter, { start, end }, { text: source.slice(start, end) });
}

function tokenStart(token: IToken, source: string): number {
  return Number.isNaN(token.startOffset) ? source.length : token.startOffset;
}

function reportParseError(reporter: Reporter, source: string, error: IRecognitionException): void {
  const token = error.token;
  const atEnd = token.tokenType === EOF || Number.isNaN(token.startOffset);
  const expected = error.message;
  if (atEnd) {
    const end = source.trimEnd().length;
    reporter.report(
      messages.unexpectedEndOfFile,
      { start: Math.max(0, end - 1), end: Math.max(1, end) },
      { expected },
    );
    return;
  }
  const span = { start: token.startOffset, end: token.endOffset! + 1 };
  const wantsName = /\ba name\b/.test(expected);
  if (wantsName && token.tokenType.name === "TypeName") {
    reporter.report(
      messages.capitalisedValueName,
      span,
      { found: token.image },
      {
        fix: {
          title: `rename to \`${lowerFirst(token.image)}\``,
          edits: [{ span, newText: lowerFirst(token.image) }],
        },
      },
    );
  } else if (wantsName && reservedWords.has(token.image)) {
    reporter.report(messages.reservedWordAsName, span, { found: token.image });
  } else if (expected === "end of file") {
    reporter.report(
      messages.noViableAlternative,
      span,
      {
        expected: "a declaration (`input`, `param`, `tiers`, `let`, `rule`, `output`, `assert`, ...)",
        found: token.image,
      },
      // `verison` after the header, `ouput` for a declaration: the word meant, and its quick fix.
      /^[a-z_]+$/.test(token.image) ? didYouMean(token.image, span, TOP_LEVEL_WORDS) : {},
    );
  } else if (error.name === "MismatchedTokenException") {
    reporter.report(messages.unexpectedToken, span, { expected, found: token.image });
  } else {
    reporter.report(messages.noViableAlternative, span, { expected, found: token.image });
  }
}

/** What may start a line at the top level: the header's fields and the declarations' keywords. */
const TOP_LEVEL_WORDS = [
  ...HEADER_KEYS,
  ...["import", "input", "param", "tiers", "table", "let", "rule", "output", "assert", "verify"],
  ...["enum", "record", "fn", "scenarios"],
];

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
