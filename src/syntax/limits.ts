/**
 * Resource limits of the front end. A rulebook beyond a limit gets a coded diagnostic instead of a
 * stack overflow, an out-of-memory crash or a check that never ends. The limits are far above any
 * real rulebook (the largest bundled one has 11 tiers and expressions 6 levels deep).
 */
import type { IToken } from "chevrotain";
import { messages } from "../diagnostics/catalog.js";
import type { Reporter } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";

export const LIMITS = {
  /** Source size in UTF-16 code units (about bytes for ASCII rulebooks). */
  sourceLength: 4_000_000,
  /** Open brackets `( [ {` nested inside each other. */
  bracketNesting: 64,
  /** Consecutive prefix operators: `- - - x`, `not not x`. */
  prefixRun: 64,
  /** Depth of one expression tree (a long `a + b + c ...` chain is as deep as it is long). */
  expressionDepth: 256,
  identifierLength: 128,
  /** Syntax errors reported per file; beyond them the file is most likely not a rulebook at all. */
  syntaxErrors: 200,
  declarations: 50_000,
  tierRows: 10_000,
} as const;

/**
 * Scans the tokens before parsing. Returns false when parsing would recurse too deep: the parser is
 * then not run at all (the file is pathological, and one diagnostic says why).
 */
export function checkTokenLimits(tokens: readonly IToken[], reporter: Reporter): boolean {
  let depth = 0;
  let prefixRun = 0;
  let previous: IToken | undefined;
  for (const token of tokens) {
    const name = token.tokenType.name;
    if (name === "Identifier" || name === "TypeName" || token.tokenType.CATEGORIES?.some((c) => c.name === "Identifier")) {
      if (token.image.length > LIMITS.identifierLength)
        reporter.report(messages.nameTooLong, span(token), { length: token.image.length, limit: LIMITS.identifierLength });
    }
    if (name === "LParen" || name === "LBracket" || name === "LBrace") depth++;
    if (name === "RParen" || name === "RBracket" || name === "RBrace") depth = Math.max(0, depth - 1);
    const prefix = (name === "Minus" || name === "Plus" || name === "KwNot") && (!previous || !endsOperand(previous));
    prefixRun = prefix ? prefixRun + 1 : 0;
    if (depth > LIMITS.bracketNesting || prefixRun > LIMITS.prefixRun) {
      const what = depth > LIMITS.bracketNesting ? "brackets are" : "prefix operators are";
      reporter.report(messages.nestingTooDeep, span(token), { what, limit: depth > LIMITS.bracketNesting ? LIMITS.bracketNesting : LIMITS.prefixRun });
      return false;
    }
    previous = token;
  }
  return true;
}

/** Whether a token can end an operand, so that a following `-` is binary, not a prefix. */
function endsOperand(token: IToken): boolean {
  return /Literal$|^Identifier$|^TypeName$|^RParen$|^RBracket$|^Percent$|^KwBps$|^KwTrue$|^KwFalse$/.test(token.tokenType.name);
}

function span(token: IToken): A.Span {
  return { start: token.startOffset, end: (token.endOffset ?? token.startOffset) + 1 };
}

/**
 * Replaces every expression deeper than the limit by a `MissingExpr` (after reporting it), so that
 * the recursive stages after parsing (checker, formatter, compiler) stay within the stack. Iterative.
 */
export function limitExpressionDepth(rulebook: A.Rulebook, reporter: Reporter): void {
  const roots: { holder: Record<string, unknown>; key: string }[] = [];
  collectExpressionSlots(rulebook, roots);
  for (const { holder, key } of roots) {
    const root = holder[key] as A.Expr;
    const deep = findTooDeep(root);
    if (!deep) continue;
    reporter.report(messages.nestingTooDeep, root.span, { what: "this expression is", limit: LIMITS.expressionDepth });
    holder[key] = { kind: "MissingExpr", span: root.span } satisfies A.MissingExpr;
  }
}

/** Every place in the tree that holds a top-level expression (declaration values, conditions, ...). */
function collectExpressionSlots(node: unknown, out: { holder: Record<string, unknown>; key: string }[]): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...current);
      continue;
    }
    if (!current || typeof current !== "object") continue;
    const record = current as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === "span" || !value || typeof value !== "object") continue;
      if (isExpr(value)) out.push({ holder: record, key });
      else stack.push(value);
    }
  }
}

function isExpr(value: object): value is A.Expr {
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === "string" && /(Lit|Ref|Expr)$/.test(kind);
}

/** Whether the expression tree is deeper than the limit, measured without recursion. */
function findTooDeep(root: A.Expr): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > LIMITS.expressionDepth) return true;
    if (!node || typeof node !== "object") continue;
    for (const [key, value] of Object.entries(node)) {
      if (key === "span" || !value || typeof value !== "object") continue;
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) stack.push({ node: child, depth: isExpr(child as object) ? depth + 1 : depth });
    }
  }
  return false;
}
