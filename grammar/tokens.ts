/**
 * The marginbook token table: every token of the language, in lexing order.
 *
 * This table is the single source of truth for the lexer, the parser and the editor's syntax
 * highlighting (which is generated from `tokenClasses` below, never written a second time).
 *
 * Naming convention the grammar relies on: names of values (inputs, params, lets, fields, enum
 * members) start with a lowercase letter and lex as `Identifier`; names of types (records, enums,
 * currencies such as `USDT`, and `Quantity`) start with an uppercase letter and lex as `TypeName`.
 * That is what lets `10_000 USDT` be a money literal without any ambiguity.
 */
import { createToken, Lexer, type TokenType } from "./chevrotain.js";
import { buildLexer, type LexerOptions } from "./lexer-cache.js";
import { serializedLexer } from "./serialized-lexer.js";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
/** `/// text`: documents the declaration that follows. */
export const DocComment = createToken({ name: "DocComment", pattern: /\/\/\/[^\n\r]*/, group: "comments" });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });

export const Identifier = createToken({ name: "Identifier", pattern: /[a-z_][A-Za-z0-9_]*/ });
export const TypeName = createToken({ name: "TypeName", pattern: /[A-Z][A-Za-z0-9_]*/ });
/**
 * `` `2026-03` ``: an enum member or table key spelt as an exchange spells it: letters, digits and
 * `_ . : / + -`, up to 128 characters (`BTC-PERP`, `ES.H26`, `BTC/USDT`). Members that are plain
 * words (`BTCUSDT`, `long`) need no quotes.
 */
export const QuotedName = createToken({ name: "QuotedName", pattern: /`[A-Za-z0-9_.:\/+-]{1,128}`/ });

/**
 * What Chevrotain would otherwise find by parsing each keyword's regular expression when the lexer
 * is built (a keyword starts with its first letter and never spans lines): told here, the lexer is
 * built in a fraction of the time. test/grammar/lexer.test.ts checks these hints against
 * Chevrotain's own analysis.
 */
const analysed = (word: string) => ({ start_chars_hint: [word[0]!], line_breaks: false });

/** Reserved words: they can never be used as names. */
const hard = (word: string): TokenType =>
  createToken({
    name: keywordTokenName(word),
    pattern: new RegExp(word + "(?![A-Za-z0-9_])"),
    ...analysed(word),
    longer_alt: Identifier,
  });
/**
 * Contextual words: keywords only where the grammar expects them, plain names elsewhere (so a field
 * may be called `version` or `weight`). They belong to the `Identifier` category.
 */
const soft = (word: string): TokenType =>
  createToken({
    name: keywordTokenName(word),
    pattern: new RegExp(word + "(?![A-Za-z0-9_])"),
    ...analysed(word),
    longer_alt: Identifier,
    categories: [Identifier],
  });

function keywordTokenName(word: string): string {
  return (
    "Kw" +
    word
      .split("_")
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join("")
  );
}

// Declarations and steps start with reserved words so that error recovery can resynchronise on them.
export const KwRulebook = hard("rulebook");
export const KwEnum = hard("enum");
export const KwRecord = hard("record");
export const KwInput = hard("input");
export const KwParam = hard("param");
export const KwOverride = hard("override");
export const KwTiers = hard("tiers");
export const KwLet = hard("let");
export const KwRule = hard("rule");
export const KwOutput = hard("output");
export const KwAssert = hard("assert");
export const KwScenarios = hard("scenarios");
export const KwSet = hard("set");
export const KwScale = hard("scale");
export const KwAdd = hard("add");
export const KwFloor = hard("floor");
export const KwCap = hard("cap");
export const KwIf = hard("if");
export const KwThen = hard("then");
export const KwElse = hard("else");
export const KwAnd = hard("and");
export const KwOr = hard("or");
export const KwNot = hard("not");
export const KwTrue = hard("true");
export const KwFalse = hard("false");
export const KwFor = hard("for");
export const KwIn = hard("in");
export const KwImport = hard("import");

export const KwVersion = soft("version");
export const KwEffective = soft("effective");
export const KwCurrency = soft("currency");
export const KwOwner = soft("owner");
export const KwDescription = soft("description");
export const KwExtends = soft("extends");
export const KwArithmetic = soft("arithmetic");
export const KwDecimalScale = soft("decimal_scale");
export const KwDecimalRounding = soft("decimal_rounding");
export const KwBy = soft("by");
export const KwFlat = soft("flat");
export const KwMarginal = soft("marginal");
export const KwColumns = soft("columns");
export const KwInf = soft("inf");
export const KwWhen = soft("when");
export const KwTo = soft("to");
export const KwAt = soft("at");
export const KwRound = soft("round");
export const KwUp = soft("up");
export const KwDown = soft("down");
export const KwHalfEven = soft("half_even");
export const KwWhere = soft("where");
export const KwDefault = soft("default");
export const KwGrid = soft("grid");
export const KwScenario = soft("scenario");
export const KwWeight = soft("weight");
export const KwStep = soft("step");
export const KwBps = soft("bps");
export const KwVerify = soft("verify");
export const KwNondecreasing = soft("nondecreasing");
export const KwNonincreasing = soft("nonincreasing");
export const KwContinuous = soft("continuous");
export const KwNonnegative = soft("nonnegative");
export const KwFn = soft("fn");
export const KwFrom = soft("from");
export const KwTable = soft("table");
export const KwLimit = soft("limit");
export const KwStart = soft("start");
export const KwAs = soft("as");

/** `2026-12-01T00:00:00Z`, or a date alone; the checker validates the calendar. */
export const TimestampLiteral = createToken({
  name: "TimestampLiteral",
  pattern: /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?/,
});
/** `2.4.0`, `1.0.0-rc.1`: only valid in the header's `version` field. */
export const SemverLiteral = createToken({
  name: "SemverLiteral",
  pattern: /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?/,
});
/** `30d`, `8h`, `15min`, `10s`, `2w`, `1y` (365 days). */
export const DurationLiteral = createToken({
  name: "DurationLiteral",
  pattern: /\d[\d_]*(?:\.\d[\d_]*)?(?:min|y|w|d|h|s)(?![A-Za-z0-9_])/,
});
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/,
});
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"(?:[^"\\\n\r]|\\.)*"/ });
/** A string missing its closing quote: parsed as a string so that the rest of the line survives. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\.)*/,
  categories: [StringLiteral],
});

export const LessEq = createToken({ name: "LessEq", pattern: "<=" });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: ">=" });
export const EqEq = createToken({ name: "EqEq", pattern: "==" });
export const NotEq = createToken({ name: "NotEq", pattern: "!=" });
export const Less = createToken({ name: "Less", pattern: "<" });
export const Greater = createToken({ name: "Greater", pattern: ">" });
export const Assign = createToken({ name: "Assign", pattern: "=" });
export const Plus = createToken({ name: "Plus", pattern: "+" });
export const Minus = createToken({ name: "Minus", pattern: "-" });
export const Star = createToken({ name: "Star", pattern: "*" });
export const Slash = createToken({ name: "Slash", pattern: "/" });
export const Caret = createToken({ name: "Caret", pattern: "^" });
export const Percent = createToken({ name: "Percent", pattern: "%" });
export const LParen = createToken({ name: "LParen", pattern: "(" });
export const RParen = createToken({ name: "RParen", pattern: ")" });
export const LBrace = createToken({ name: "LBrace", pattern: "{" });
export const RBrace = createToken({ name: "RBrace", pattern: "}" });
export const LBracket = createToken({ name: "LBracket", pattern: "[" });
export const RBracket = createToken({ name: "RBracket", pattern: "]" });
export const Comma = createToken({ name: "Comma", pattern: "," });
export const Colon = createToken({ name: "Colon", pattern: ":" });
export const Dot = createToken({ name: "Dot", pattern: "." });

const hardKeywords = [
  KwRulebook,
  KwEnum,
  KwRecord,
  KwInput,
  KwParam,
  KwOverride,
  KwTiers,
  KwLet,
  KwRule,
  KwOutput,
  KwAssert,
  KwScenarios,
  KwSet,
  KwScale,
  KwAdd,
  KwFloor,
  KwCap,
  KwIf,
  KwThen,
  KwElse,
  KwAnd,
  KwOr,
  KwNot,
  KwTrue,
  KwFalse,
  KwFor,
  KwIn,
  KwImport,
];
const softKeywords = [
  KwVersion,
  KwEffective,
  KwCurrency,
  KwOwner,
  KwDescription,
  KwExtends,
  KwArithmetic,
  KwDecimalScale,
  KwDecimalRounding,
  KwBy,
  KwFlat,
  KwMarginal,
  KwColumns,
  KwInf,
  KwWhen,
  KwTo,
  KwAt,
  KwRound,
  KwUp,
  KwDown,
  KwHalfEven,
  KwWhere,
  KwDefault,
  KwGrid,
  KwScenario,
  KwWeight,
  KwStep,
  KwBps,
  KwVerify,
  KwNondecreasing,
  KwNonincreasing,
  KwContinuous,
  KwNonnegative,
  KwFn,
  KwFrom,
  KwTable,
  KwLimit,
  KwStart,
  KwAs,
];

/** Every token, in the order the lexer tries them (longer and more specific patterns first). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  TimestampLiteral,
  SemverLiteral,
  DurationLiteral,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  ...hardKeywords,
  ...softKeywords,
  Identifier,
  TypeName,
  QuotedName,
  LessEq,
  GreaterEq,
  EqEq,
  NotEq,
  Less,
  Greater,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
  Caret,
  Percent,
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Dot,
];

/** What each token is, for syntax highlighting and completion (the editor reads this table). */
export type TokenClass =
  | "keyword"
  | "type"
  | "identifier"
  | "number"
  | "string"
  | "timestamp"
  | "comment"
  | "operator"
  | "delimiter";

export const tokenClasses: ReadonlyArray<{ token: TokenType; tokenClass: TokenClass; word?: string }> = [
  ...[...hardKeywords, ...softKeywords].map((token) => ({
    token,
    tokenClass: "keyword" as const,
    word: (token.PATTERN as RegExp).source.replace("(?![A-Za-z0-9_])", ""),
  })),
  { token: DocComment, tokenClass: "comment" },
  { token: LineComment, tokenClass: "comment" },
  { token: TypeName, tokenClass: "type" },
  { token: Identifier, tokenClass: "identifier" },
  { token: QuotedName, tokenClass: "identifier" },
  { token: NumberLiteral, tokenClass: "number" },
  { token: DurationLiteral, tokenClass: "number" },
  { token: SemverLiteral, tokenClass: "number" },
  { token: TimestampLiteral, tokenClass: "timestamp" },
  { token: StringLiteral, tokenClass: "string" },
];

/** The words of every keyword, reserved or contextual. */
export const keywordWords: readonly string[] = tokenClasses.filter((t) => t.word).map((t) => t.word!);
export const reservedWords: ReadonlySet<string> = new Set(
  hardKeywords.map((t) => (t.PATTERN as RegExp).source.replace("(?![A-Za-z0-9_])", "")),
);

/**
 * How the shared lexer is built (no validations: test/syntax/lexer-hints.test.ts runs them). Offsets
 * only: lines and columns are computed from offsets where they are shown (tracking them cost half of
 * lexing); buildLexer gives each token its end offset too.
 */
export const lexerOptions: LexerOptions = {
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
  skipValidations: true,
};

/** The shared lexer; the built one starts from the analysis serialized at build time (lexer-cache.ts). */
export const marginbookLexer = buildLexer(allTokens, lexerOptions, serializedLexer);
