/**
 * Resource limits of the front end. A rulebook beyond a limit gets a coded diagnostic instead of a
 * stack overflow, an out-of-memory crash or a check that never ends. The limits are far above any
 * real rulebook (the largest bundled one has 11 tiers and expressions 6 levels deep).
 */
import type { IToken, TokenType } from "../../grammar/chevrotain.js";
import { messages } from "../semantics/catalog.js";
import type { Reporter } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";

export const LIMITS = {
  /** Source size in UTF-16 code units (about bytes for ASCII rulebooks). */
  sourceLength: 4_000_000,
  /**
   * Nesting the recursive parser sees, counted on the tokens before it runs: open brackets `( [ {`
   * and `List<`, plus the prefix operators (`- - x`, `not not x`) and `if` expressions still open in
   * each of them (an `else if` chain nests one level per `if`).
   */
  nesting: 64,
  /** Depth of one expression tree (a long `a + b + c ...` chain is as deep as it is long). */
  expressionDepth: 256,
  identifierLength: 128,
  /** Syntax errors reported per file; beyond them the file is most likely not a rulebook at all. */
  syntaxErrors: 200,
  declarations: 50_000,
  tierRows: 10_000,
} as const;

/** Tokens after which an `if` of the same bracket level no longer encloses what follows. */
const STATEMENT_STARTS = new Set([
  "KwRulebook",
  "KwEnum",
  "KwRecord",
  "KwInput",
  "KwParam",
  "KwOverride",
  "KwTiers",
  "KwLet",
  "KwRule",
  "KwOutput",
  "KwAssert",
  "KwScenarios",
  "KwSet",
  "KwScale",
  "KwAdd",
  "KwFloor",
  "KwCap",
  "KwVerify",
  "Comma",
]);
const OPENERS = new Set(["LParen", "LBracket", "LBrace"]);
const CLOSERS = new Set(["RParen", "RBracket", "RBrace"]);
const SIGNS = new Set(["Minus", "Plus", "KwNot"]);

/** What is open inside one bracket level. */
interface Level {
  ifs: number;
  prefixes: number;
  /** Opened by `List<`: closed by `>`. */
  angle: boolean;
}

/**
 * Scans the tokens before parsing. Returns false when parsing would recurse too deep: the parser is
 * then not run at all (the file is pathological, and one diagnostic says why). The count is an
 * upper bound of the parser's recursion: a prefix operator stays open until an operator or separator
 * of its level, an `if` until its bracket level closes or a new statement starts.
 */
export function checkTokenLimits(tokens: readonly IToken[], reporter: Reporter): boolean {
  const levels: Level[] = [{ ifs: 0, prefixes: 0, angle: false }];
  let depth = 0;
  let previous: IToken | undefined;
  let previousKind: TokenKind | undefined;
  for (const token of tokens) {
    const top = levels[levels.length - 1]!;
    const kind = kindOf(token.tokenType);
    if (kind.name && token.image.length > LIMITS.identifierLength)
      reporter.report(messages.nameTooLong, span(token), {
        length: token.image.length,
        limit: LIMITS.identifierLength,
      });
    const listAngle = kind.less && previousKind?.typeName === true && previous!.image === "List";
    if (kind.opener || listAngle) {
      levels.push({ ifs: 0, prefixes: 0, angle: listAngle });
      depth++;
    } else if ((kind.closer && !top.angle) || (kind.greater && top.angle)) {
      if (levels.length > 1) {
        levels.pop();
        depth -= 1 + top.ifs + top.prefixes;
      }
    } else if (kind.isIf) {
      top.ifs++;
      depth++;
    } else if (kind.sign && (previousKind === undefined || !previousKind.endsOperand)) {
      top.prefixes++;
      depth++;
    } else if (!kind.continuesOperand) {
      // An operator or a separator: the prefix operators of this level have their operand.
      depth -= top.prefixes;
      top.prefixes = 0;
      if (kind.statementStart) {
        depth -= top.ifs;
        top.ifs = 0;
      }
    }
    if (depth > LIMITS.nesting) {
      reporter.report(messages.nestingTooDeep, span(token), {
        what: "brackets, prefix operators and `if` expressions are",
        limit: LIMITS.nesting,
      });
      return false;
    }
    previous = token;
    previousKind = kind;
  }
  return true;
}

/**
 * What {@link checkTokenLimits} needs to know of a token type, worked out once per type (the scan
 * then reads flags, not names: it runs over every token of a file, most often in a fresh process).
 */
interface TokenKind {
  /** A name: an identifier, a type name, or a contextual keyword (of the Identifier category). */
  name: boolean;
  /** It can end an operand, so that a following `-` is binary, not a prefix. */
  endsOperand: boolean;
  /** It is part of an operand (a name, a literal, a member access), not an operator. */
  continuesOperand: boolean;
  opener: boolean;
  closer: boolean;
  /** `<` and `>`, which open and close a level after `List`. */
  less: boolean;
  greater: boolean;
  typeName: boolean;
  isIf: boolean;
  /** `-`, `+` and `not`: prefix operators where no operand ends before them. */
  sign: boolean;
  statementStart: boolean;
}

/** By token type index: a token type's index is a small integer, unique to it. */
const TOKEN_KINDS: (TokenKind | undefined)[] = [];

function kindOf(type: TokenType): TokenKind {
  const index = type.tokenTypeIdx!;
  const known = TOKEN_KINDS[index];
  if (known !== undefined) return known;
  const name = type.name;
  const identifierCategory = type.CATEGORIES?.some((c) => c.name === "Identifier") === true;
  const endsOperand =
    /Literal$|^Identifier$|^TypeName$|^RParen$|^RBracket$|^Percent$|^KwBps$|^KwTrue$|^KwFalse$/.test(name) ||
    identifierCategory;
  const kind: TokenKind = {
    name: name === "Identifier" || name === "TypeName" || identifierCategory,
    endsOperand,
    continuesOperand: endsOperand || name === "Dot" || name === "KwIf",
    opener: OPENERS.has(name),
    closer: CLOSERS.has(name),
    less: name === "Less",
    greater: name === "Greater",
    typeName: name === "TypeName",
    isIf: name === "KwIf",
    sign: SIGNS.has(name),
    statementStart: STATEMENT_STARTS.has(name),
  };
  TOKEN_KINDS[index] = kind;
  return kind;
}

function span(token: IToken): A.Span {
  return { start: token.startOffset, end: (token.endOffset ?? token.startOffset) + 1 };
}

/**
 * Replaces every expression deeper than the limit by a `MissingExpr` (after reporting it), so that
 * the recursive stages after parsing (checker, formatter, compiler) stay within the stack. Iterative.
 *
 * `cleanTokens`: the file's tokens, when it lexed and parsed without an error. Every expression node
 * of such a file owns a token of its own (an operator, a bracket, a keyword, a literal or a name),
 * so no expression is deeper than its declaration has tokens (plus one): only declarations of at
 * least {@link LIMITS.expressionDepth} tokens are walked, and a table only when one of its rows or
 * columns has that many (in a big rulebook, hardly any).
 */
export function limitExpressionDepth(
  rulebook: A.Rulebook,
  reporter: Reporter,
  cleanTokens?: readonly IToken[],
): void {
  const roots: { holder: Record<string, unknown>; key: string }[] = [];
  collectExpressionSlots(
    cleanTokens ? rulebook.declarations.filter((d) => mayNestTooDeep(d, cleanTokens)) : rulebook,
    roots,
  );
  for (const { holder, key } of roots) {
    const root = holder[key] as A.Expr;
    const deep = findTooDeep(root);
    if (!deep) continue;
    reporter.report(messages.nestingTooDeep, root.span, {
      what: "this expression is",
      limit: LIMITS.expressionDepth,
    });
    holder[key] = { kind: "MissingExpr", span: root.span } satisfies A.MissingExpr;
  }
}

/**
 * Whether a declaration of a clean file may hold an expression deeper than the limit: it has that
 * many tokens. A table's expressions are its cells and its columns' `start`s, each inside its row
 * or its column, so a table counts by its largest row or column: a big rulebook's tier tables have
 * hundreds of tokens each, and none of them a deep expression.
 */
function mayNestTooDeep(declaration: A.Declaration, tokens: readonly IToken[]): boolean {
  // Tokens start at distinct offsets, so a span shorter than the limit has fewer tokens than it.
  const deep = (span: A.Span): boolean =>
    span.end - span.start >= LIMITS.expressionDepth && tokensWithin(tokens, span) >= LIMITS.expressionDepth;
  if (!deep(declaration.span)) return false;
  if (declaration.kind === "TiersDecl")
    return [
      ...declaration.columns,
      ...declaration.rows,
      ...(declaration.groups ?? []).flatMap((group) => group.rows),
    ].some((part) => deep(part.span));
  if (declaration.kind === "TableDecl")
    return [...declaration.columns, ...declaration.rows].some((part) => deep(part.span));
  return true;
}

/** How many of `tokens` (in source order) start inside `span`. */
function tokensWithin(tokens: readonly IToken[], span: A.Span): number {
  return firstAtOrAfter(tokens, span.end) - firstAtOrAfter(tokens, span.start);
}

function firstAtOrAfter(tokens: readonly IToken[], offset: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (tokens[mid]!.startOffset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Every place in the tree that holds a top-level expression (declaration values, conditions, ...). */
function collectExpressionSlots(
  node: unknown,
  out: { holder: Record<string, unknown>; key: string }[],
): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      // One by one: spreading 150,000 tier rows or doc comments into `push` overflows the stack.
      for (const item of current) stack.push(item);
      continue;
    }
    if (!current || typeof current !== "object") continue;
    const record = current as Record<string, unknown>;
    // `for ... in` rather than `Object.entries`: no array of pairs per node (AST nodes are plain objects).
    for (const key in record) {
      const value = record[key];
      if (key === "span" || !value || typeof value !== "object") continue;
      if (isExpr(value)) out.push({ holder: record, key });
      else stack.push(value);
    }
  }
}

/** Whether each node kind seen so far is an expression kind (`...Lit`, `...Ref`, `...Expr`). */
const EXPRESSION_KINDS = new Map<unknown, boolean>();

function isExpr(value: object): value is A.Expr {
  const kind = (value as { kind?: unknown }).kind;
  let known = EXPRESSION_KINDS.get(kind);
  if (known === undefined) {
    known = typeof kind === "string" && /(Lit|Ref|Expr)$/.test(kind);
    EXPRESSION_KINDS.set(kind, known);
  }
  return known;
}

/** Whether the expression tree is deeper than the limit, measured without recursion. */
function findTooDeep(root: A.Expr): boolean {
  const nodes: unknown[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop()!;
    if (depth > LIMITS.expressionDepth) return true;
    if (!node || typeof node !== "object") continue;
    const record = node as Record<string, unknown>;
    for (const key in record) {
      const value = record[key];
      if (key === "span" || !value || typeof value !== "object") continue;
      if (Array.isArray(value)) {
        for (const child of value) {
          nodes.push(child);
          depths.push(child && typeof child === "object" && isExpr(child as object) ? depth + 1 : depth);
        }
      } else {
        nodes.push(value);
        depths.push(isExpr(value) ? depth + 1 : depth);
      }
    }
  }
  return false;
}
