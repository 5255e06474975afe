/**
 * The lexer's analysis, computed once at build time and read back at start-up (the lexer's half of
 * grammar-cache.ts).
 *
 * Building a Chevrotain lexer analyses every token type: which patterns may start with which
 * character, which may span lines, which longer token each keyword yields to. That took about a
 * third of `marginbook check`'s own start-up, for a result that only changes with the token table.
 * `npm run build` serializes it (scripts/serialize-grammar.mjs writes
 * dist/grammar/serialized-lexer.js) and the built lexer reads it back: a lexer is built for the first
 * token type alone (which sets up Chevrotain's configuration and chooses its internal methods), then
 * given the analysis of the whole table.
 *
 * The serialization holds a description of the token table and the lexer's options (names,
 * patterns, groups, hints, categories, longer alternatives); a table or options that differ from it
 * are analysed afresh, so a stale file costs time, never correctness. Under vitest, tsx and Vite
 * there is no serialized lexer. test/syntax/lexer-cache.test.ts checks that a lexer read back from a
 * serialization holds the same analysis and cuts every rulebook into the same tokens.
 */
import { Lexer, type IToken, type TokenType } from "./chevrotain.js";

/** The options the lexer is built with (those of Chevrotain's `ILexerConfig` it uses). */
export interface LexerOptions {
  /** `onlyOffset`: each token's start and end offsets (see {@link withEndOffsets}), no lines. */
  positionTracking: "full" | "onlyStart" | "onlyOffset";
  ensureOptimizations: boolean;
  skipValidations: boolean;
}

/** One pattern of the analysis: a token type, by its index in the table, and what was found. */
interface SerializedPattern {
  token: number;
  /** The pattern as the lexer matches it: one character, or a sticky regular expression. */
  char?: string;
  source?: string;
  flags?: string;
  canLineTerminator: boolean;
  short: number | false;
  longerAlt?: number[];
}

/** The analysis of a lexer, as JSON. */
export interface SerializedLexer {
  /** {@link describeTokens} of the table and options it was made for. */
  description: string;
  patterns: SerializedPattern[];
  /** Per first-character bucket, the patterns (indices into `patterns`) that may start there. */
  firstChar: Array<number[] | null>;
  emptyGroups: string[];
  hasCustom: boolean;
  canBeOptimized: boolean;
}

/** What the cache reads and writes of a Chevrotain lexer (members Chevrotain keeps internal). */
interface LexerInternals {
  lexerDefinition: TokenType[];
  patternIdxToConfig: Record<string, PatternConfig[]>;
  charCodeToPatternIdxToConfig: Record<string, Array<PatternConfig[] | undefined>>;
  emptyGroups: Record<string, unknown[]>;
  hasCustom: boolean;
  canModeBeOptimized: Record<string, boolean>;
  addToken: unknown;
  handlePayload: unknown;
}

/** Chevrotain's analysis of one pattern (lexer.js, `patternIdxToConfig`). */
interface PatternConfig {
  pattern: string | RegExp;
  longerAlt: number[] | undefined;
  canLineTerminator: boolean;
  isCustom: boolean;
  short: number | false;
  group: string | false | undefined;
  push: string | undefined;
  pop: boolean;
  tokenTypeIdx: number;
  tokenType: TokenType;
}

const MODE = "defaultMode";

/** The lexers {@link buildLexer} read back from a serialization. */
const readBack = new WeakSet<Lexer>();

/** Whether `lexer` was read back from a serialized analysis (rather than analysed by Chevrotain). */
export function lexerFromCache(lexer: Lexer): boolean {
  return readBack.has(lexer);
}

/** Everything of the token table and the options that the analysis depends on, as text. */
export function describeTokens(tokens: readonly TokenType[], options: LexerOptions): string {
  const pattern = (p: unknown): string =>
    p instanceof RegExp ? `/${p.source}/${p.flags}` : typeof p === "string" ? JSON.stringify(p) : "custom";
  const names = (ts: TokenType | TokenType[] | undefined): string =>
    (ts === undefined ? [] : Array.isArray(ts) ? ts : [ts]).map((t) => t.name).join("|");
  return [
    JSON.stringify(options),
    ...tokens.map((t) =>
      [
        t.name,
        pattern(t.PATTERN),
        typeof t.GROUP === "string" ? t.GROUP : String(t.GROUP),
        names(t.LONGER_ALT),
        names(t.CATEGORIES),
        JSON.stringify(t.START_CHARS_HINT ?? null),
        String(t.LINE_BREAKS),
        String(t.PUSH_MODE),
        String(Object.prototype.hasOwnProperty.call(t, "POP_MODE")),
      ].join(" "),
    ),
  ].join("\n");
}

/**
 * The lexer of `tokens`: read back from `serialized` when it was made for this table and these
 * options, analysed by Chevrotain otherwise.
 */
export function buildLexer(
  tokens: TokenType[],
  options: LexerOptions,
  serialized: SerializedLexer | undefined,
): Lexer {
  if (!serialized || serialized.description !== describeTokens(tokens, options))
    return withEndOffsets(new Lexer(tokens, options), options);
  // A lexer of the first token type alone: Chevrotain's configuration and method choices.
  const lexer = new Lexer([tokens[0]!], options);
  const self = lexer as unknown as LexerInternals;
  const configs = serialized.patterns.map((p) => patternConfig(p, tokens));
  const prototype = Lexer.prototype as unknown as Record<string, unknown>;
  Object.assign(self, {
    lexerDefinition: tokens,
    patternIdxToConfig: { [MODE]: configs },
    charCodeToPatternIdxToConfig: {
      [MODE]: serialized.firstChar.map((bucket) => (bucket ? bucket.map((i) => configs[i]!) : undefined)),
    },
    emptyGroups: Object.fromEntries(serialized.emptyGroups.map((g) => [g, []])),
    hasCustom: serialized.hasCustom,
    canModeBeOptimized: { [MODE]: serialized.canBeOptimized },
    addToken: serialized.hasCustom ? prototype["addTokenUsingPush"] : prototype["addTokenUsingMemberAccess"],
    handlePayload: serialized.hasCustom
      ? prototype["handlePayloadWithCustom"]
      : prototype["handlePayloadNoCustom"],
  });
  readBack.add(lexer);
  return withEndOffsets(lexer, options);
}

/**
 * With `onlyOffset` tracking, makes the lexer's tokens carry their end offset as well as their start
 * offset (Chevrotain's `onlyOffset` gives the start only, its `full` tracking lines and columns
 * too, which cost half of lexing): the parser and every span need the end. Replaces the lexer's
 * token factory, which Chevrotain calls with the image's length.
 */
function withEndOffsets(lexer: Lexer, options: LexerOptions): Lexer {
  if (options.positionTracking !== "onlyOffset") return lexer;
  (lexer as unknown as { createTokenInstance: TokenFactory }).createTokenInstance = createOffsetToken;
  return lexer;
}

type TokenFactory = typeof createOffsetToken;

function createOffsetToken(
  image: string,
  startOffset: number,
  tokenTypeIdx: number,
  tokenType: TokenType,
  _line: number,
  _column: number,
  length: number,
): IToken {
  return { image, startOffset, endOffset: startOffset + length - 1, tokenTypeIdx, tokenType };
}

function patternConfig(p: SerializedPattern, tokens: TokenType[]): PatternConfig {
  const tokenType = tokens[p.token]!;
  const group = tokenType.GROUP;
  return {
    pattern: p.char ?? new RegExp(p.source!, p.flags),
    longerAlt: p.longerAlt,
    canLineTerminator: p.canLineTerminator,
    isCustom: false,
    short: p.short,
    group: group === Lexer.SKIPPED ? undefined : typeof group === "string" ? group : false,
    push: tokenType.PUSH_MODE,
    pop: Object.prototype.hasOwnProperty.call(tokenType, "POP_MODE"),
    tokenTypeIdx: tokenType.tokenTypeIdx!,
    tokenType,
  };
}

/**
 * The analysis of a lexer built by Chevrotain from `tokens` with `options`, as JSON; undefined when
 * it cannot be serialized (several modes, or custom patterns).
 */
export function serializeLexer(
  lexer: Lexer,
  tokens: TokenType[],
  options: LexerOptions,
): SerializedLexer | undefined {
  const self = lexer as unknown as LexerInternals;
  const configs = self.patternIdxToConfig[MODE];
  if (!configs || Object.keys(self.patternIdxToConfig).length !== 1 || self.hasCustom) return undefined;
  const index = new Map(configs.map((c, i) => [c, i]));
  const table = self.charCodeToPatternIdxToConfig[MODE] ?? [];
  return {
    description: describeTokens(tokens, options),
    patterns: configs.map((c) => ({
      token: tokens.indexOf(c.tokenType),
      ...(typeof c.pattern === "string"
        ? { char: c.pattern }
        : { source: c.pattern.source, flags: c.pattern.flags }),
      canLineTerminator: c.canLineTerminator,
      short: c.short,
      ...(c.longerAlt !== undefined ? { longerAlt: c.longerAlt } : {}),
    })),
    firstChar: Array.from(table, (bucket) => (bucket ? bucket.map((c) => index.get(c)!) : null)),
    emptyGroups: Object.keys(self.emptyGroups),
    hasCustom: self.hasCustom,
    canBeOptimized: self.canModeBeOptimized[MODE] === true,
  };
}
