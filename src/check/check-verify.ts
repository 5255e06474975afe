/**
 * Checks of `verify` declarations: an invariant's condition is a Bool; the targets of the other
 * properties are numeric outputs, lets or quantities; the variable after `in` is a numeric field
 * of an input, reached through records only (a field inside a list element varies per element, so
 * "non-decreasing in it" would mean nothing).
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { TOP_LEVEL, type ExpressionChecker, type SymbolTyper } from "./check-expr.js";
import { SYMBOL_KIND_NAMES, type CheckContext } from "./context.js";
import { type Type, describeType, isNumeric } from "./types.js";

/** The properties that vary an input and so need `in <input field>`. */
const VARYING: ReadonlySet<A.VerifyProperty> = new Set(["nondecreasing", "nonincreasing", "continuous"]);

/** Checks one `verify` declaration. */
export function checkVerify(
  context: CheckContext,
  expressions: ExpressionChecker,
  typeOf: SymbolTyper,
  decl: A.VerifyDecl,
): void {
  if (decl.property === "invariant") {
    if (!decl.condition) return;
    expressions.checkCondition(decl.condition, TOP_LEVEL, "a verified property");
    const value = context.constant(decl.condition);
    if (typeof value === "boolean")
      context.report(messages.assertionConstant, decl.condition.span, {
        what: "property",
        value: String(value),
      });
    return;
  }
  for (const target of decl.targets) checkTarget(context, typeOf, decl.property, target);
  const keyword = decl.propertySpan ?? decl.span;
  if (VARYING.has(decl.property) && !decl.variable) {
    context.report(messages.verifyMissingVariable, keyword, { property: decl.property });
  } else if (!VARYING.has(decl.property) && decl.variable) {
    context.report(messages.verifyUnexpectedVariable, decl.variable.span, {
      text: pathText(decl.variable) ?? "...",
    });
  } else if (decl.variable) {
    checkVariable(context, expressions, decl.variable);
  }
}

function checkTarget(
  context: CheckContext,
  typeOf: SymbolTyper,
  property: A.VerifyProperty,
  target: A.Name,
): void {
  if (target.text === "") return;
  const symbol = context.values.get(target.text);
  if (!symbol) {
    const candidates = [...context.values.values()]
      .filter((s) => s.kind === "let" || s.kind === "output" || s.kind === "quantity")
      .map((s) => s.name);
    context.report(
      messages.unknownName,
      target.span,
      { name: target.text },
      context.didYouMean(target.text, target.span, candidates),
    );
    return;
  }
  context.used.add(symbol.name);
  const args = { property, name: target.text };
  if (symbol.kind !== "let" && symbol.kind !== "output" && symbol.kind !== "quantity") {
    context.report(messages.verifyTargetNotNumeric, target.span, {
      ...args,
      what: SYMBOL_KIND_NAMES[symbol.kind],
    });
    return;
  }
  const type: Type = typeOf(symbol, target.span);
  if (type.kind !== "error" && !isNumeric(type))
    context.report(messages.verifyTargetNotNumeric, target.span, { ...args, what: describeType(type) });
}

/** The variable must be `input.field` or `input.record.field`, numeric. */
function checkVariable(context: CheckContext, expressions: ExpressionChecker, variable: A.Expr): void {
  if (variable.kind === "MissingExpr") return;
  const type = expressions.check(variable, TOP_LEVEL);
  if (type.kind === "error") return;
  const root = rootName(variable);
  const symbol = root === undefined ? undefined : context.values.get(root);
  if (!symbol || symbol.kind !== "input" || variable.kind !== "MemberExpr") {
    const what =
      symbol && variable.kind === "NameRef" ? SYMBOL_KIND_NAMES[symbol.kind] : "not a field of an input";
    context.report(messages.verifyVariableNotInputField, variable.span, { what });
    return;
  }
  if (!isNumeric(type))
    context.report(messages.verifyVariableNotInputField, variable.span, { what: describeType(type) });
}

/** The name at the root of a chain of `.field` reads, if the expression is one. */
function rootName(expr: A.Expr): string | undefined {
  if (expr.kind === "NameRef") return expr.name;
  if (expr.kind === "MemberExpr") return rootName(expr.object);
  return undefined;
}

/** `position.size` for a chain of field reads, or undefined for any other expression. */
export function pathText(expr: A.Expr): string | undefined {
  if (expr.kind === "NameRef") return expr.name;
  if (expr.kind === "MemberExpr") {
    const object = pathText(expr.object);
    return object === undefined ? undefined : `${object}.${expr.member.text}`;
  }
  return undefined;
}
