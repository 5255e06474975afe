/**
 * Checks of declared values: record and input fields (domains, defaults) and parameters
 * (constant values inside their domains).
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { isZeroLiteral } from "./builtins.js";
import { TOP_LEVEL, type ExpressionChecker } from "./check-expr.js";
import { evaluateConstant } from "./constants.js";
import type { CheckContext } from "./context.js";
import { type Type, assignable, describeType, isNumeric } from "./types.js";

export function checkFields(
  context: CheckContext,
  expressions: ExpressionChecker,
  fields: readonly A.FieldDecl[],
): void {
  for (const field of fields) {
    const type = context.resolveType(field.type);
    const bounds = checkDomain(context, expressions, field.name.text, type, field.domain);
    if (!field.default) continue;
    const actual = expressions.check(field.default, TOP_LEVEL);
    if (
      type.kind !== "error" &&
      actual.kind !== "error" &&
      !assignable(type, actual) &&
      !isZeroLiteral(field.default)
    ) {
      context.report(messages.defaultMismatch, field.default.span, {
        name: field.name.text,
        expected: describeType(type),
        actual: describeType(actual),
      });
      continue;
    }
    const value = context.constant(field.default);
    if (typeof value === "number") checkInDomain(context, field.name.text, value, field.default.span, bounds);
    checkWhole(context, type, value, field.default, `field \`${field.name.text}\``);
  }
}

/** An `Integer` constant must be a whole number: a month or a bucket of 2.5 is refused (MB3060). */
export function checkWhole(
  context: CheckContext,
  type: Type,
  value: unknown,
  expr: A.Expr,
  what: string,
): void {
  if (type.kind === "number" && type.integer && typeof value === "number" && !Number.isInteger(value))
    context.report(messages.notAnInteger, expr.span, { what, text: String(value) });
}

export function checkParam(context: CheckContext, expressions: ExpressionChecker, decl: A.ParamDecl): Type {
  let referencesNonConstant = false;
  const actual = expressions.check(decl.value, {
    locals: TOP_LEVEL.locals,
    onReference: (symbol, span) => {
      if (symbol.kind === "param") return;
      referencesNonConstant = true;
      context.report(
        messages.notConstant,
        span,
        { what: `parameter \`${decl.name.text}\`` },
        {
          help: `\`${symbol.name}\` is ${kindName(symbol.kind)}; a parameter may use literals and other parameters only`,
        },
      );
    },
  });
  const folded = context.constant(decl.value);
  const value = context.requireFinite(folded, decl.value, `parameter \`${decl.name.text}\``);
  if (
    folded === undefined &&
    !referencesNonConstant &&
    actual.kind !== "error" &&
    decl.value.kind !== "StringLit" &&
    decl.value.kind !== "EnumRef" &&
    decl.value.kind !== "TimestampLit" &&
    decl.value.kind !== "NameRef" &&
    !isConstantList(context, decl.value)
  )
    context.reportNotConstant(decl.value, `parameter \`${decl.name.text}\``);
  if (!decl.type) return actual;
  const expected = context.resolveType(decl.type);
  if (
    expected.kind !== "error" &&
    actual.kind !== "error" &&
    !assignable(expected, actual) &&
    !isZeroLiteral(decl.value)
  ) {
    const label = decl.override ? messages.overrideTypeMismatch : messages.declaredTypeMismatch;
    context.report(label, decl.value.span, {
      name: decl.name.text,
      expected: describeType(expected),
      actual: describeType(actual),
    });
    return expected;
  }
  const bounds = checkDomain(context, expressions, decl.name.text, expected, decl.domain);
  if (typeof value === "number") checkInDomain(context, decl.name.text, value, decl.value.span, bounds);
  checkWhole(context, expected, value, decl.value, `parameter \`${decl.name.text}\``);
  return expected;
}

function kindName(kind: string): string {
  return kind === "input"
    ? "an input"
    : kind === "let"
      ? "a let-binding"
      : kind === "output"
        ? "an output"
        : `a ${kind}`;
}

interface Bound {
  op: A.DomainOperator;
  value: number;
  text: string;
}

/** Checks domain bounds (numeric, constant, same unit, satisfiable) and returns the constant ones. */
function checkDomain(
  context: CheckContext,
  expressions: ExpressionChecker,
  name: string,
  type: Type,
  domain: readonly A.DomainBound[],
): Bound[] {
  if (domain.length === 0 || type.kind === "error") return [];
  if (!isNumeric(type)) {
    context.report(messages.domainOnNonNumeric, domain[0]!.span, {
      type: describeType(type).replace(/^an? /, ""),
    });
    return [];
  }
  const bounds: Bound[] = [];
  for (const bound of domain) {
    const boundType = expressions.check(bound.bound, TOP_LEVEL);
    const value = context.requireConstant(bound.bound, "a domain bound");
    if (typeof value !== "number") continue;
    if (boundType.kind !== "error" && !assignable(type, boundType) && !isZeroLiteral(bound.bound)) {
      context.report(messages.domainBoundMismatch, bound.bound.span, {
        actual: describeType(boundType),
        expected: describeType(type),
      });
      continue;
    }
    bounds.push({ op: bound.op, value, text: `${bound.op} ${value}` });
  }
  const lows = bounds.filter((b) => b.op === ">" || b.op === ">=");
  const highs = bounds.filter((b) => b.op === "<" || b.op === "<=");
  for (const low of lows) {
    for (const high of highs) {
      if (low.value > high.value || (low.value === high.value && (low.op === ">" || high.op === "<")))
        context.report(messages.emptyDomain, domain[0]!.span, {
          name,
          bounds: `${low.text} and ${high.text}`,
        });
    }
  }
  return bounds;
}

function checkInDomain(
  context: CheckContext,
  name: string,
  value: number,
  span: A.Span,
  bounds: Bound[],
): void {
  const satisfied = (b: Bound): boolean =>
    b.op === ">"
      ? value > b.value
      : b.op === ">="
        ? value >= b.value
        : b.op === "<"
          ? value < b.value
          : value <= b.value;
  const broken = bounds.filter((b) => !satisfied(b));
  if (broken.length > 0)
    context.report(messages.valueOutsideDomain, span, {
      value: String(value),
      name,
      domain: bounds.map((b) => b.text).join(", "),
    });
}

/** The interval an input field may take, from its constant domain bounds (for unreachable rules). */
export function domainInterval(
  context: CheckContext,
  domain: readonly A.DomainBound[],
): { low: number; lowOpen: boolean; high: number; highOpen: boolean } {
  const interval = { low: -Infinity, lowOpen: false, high: Infinity, highOpen: false };
  for (const bound of domain) {
    const value = context.constant(bound.bound);
    if (typeof value !== "number") continue;
    if ((bound.op === ">" || bound.op === ">=") && value >= interval.low) {
      interval.low = value;
      interval.lowOpen = bound.op === ">";
    }
    if ((bound.op === "<" || bound.op === "<=") && value <= interval.high) {
      interval.high = value;
      interval.highOpen = bound.op === "<";
    }
  }
  return interval;
}

/**
 * Whether an expression is a list or record literal of constants, or of such lists and records: a
 * vector or matrix parameter (`param gamma: List<List<Number>> = [[1, 0.3], [0.3, 1]]`), or a
 * table of records (`param products: List<Product> = [{ name: "BTC", rate: 1% }]`).
 */
export function isConstantList(context: CheckContext, expr: A.Expr): boolean {
  const constant = (e: A.Expr): boolean =>
    e.kind === "StringLit" ||
    e.kind === "EnumRef" ||
    e.kind === "TimestampLit" ||
    isConstantList(context, e) ||
    context.constant(e) !== undefined;
  if (expr.kind === "RecordExpr") return expr.fields.every((f) => constant(f.value));
  if (expr.kind !== "ListExpr" || expr.comprehension || expr.tuple) return false;
  return expr.items.every(constant);
}
