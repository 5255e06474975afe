/**
 * The one walker over expression trees: the direct children of an expression, and the free names it
 * reads (a comprehension's loop variable is bound in its element, filter and key, so a name it
 * shadows is not a reference to the declaration of the same name). The checker, the editor's
 * language service and the formatter's helpers all walk through here.
 */
import type * as A from "./ast.js";

/** The direct sub-expressions of an expression, in source order (a comprehension's parts included). */
export function childExpressions(expr: A.Expr): A.Expr[] {
  switch (expr.kind) {
    case "MemberExpr":
      return [expr.object];
    case "IndexExpr":
      return [expr.object, expr.index];
    case "UnaryExpr":
      return [expr.operand];
    case "BinaryExpr":
      return [expr.left, expr.right];
    case "IfExpr":
      return [expr.condition, expr.then, expr.else];
    case "CallExpr": {
      const c = expr.comprehension;
      const parts = c
        ? [c.source, c.filter, c.groupKey, c.fallback].filter((e): e is A.Expr => e !== undefined)
        : [];
      return [expr.callee, ...expr.args, ...parts, ...(expr.options ?? []).map((o) => o.value)];
    }
    case "RecordExpr":
      return expr.fields.map((f) => f.value);
    case "ListExpr":
      return expr.tuple ? expr.items : [];
    default:
      return [];
  }
}

/**
 * Calls `visit` with every name `expr` reads from outside it: each `NameRef` not bound by an
 * enclosing comprehension's loop variable (a callee that is a bare name is a function, not a value,
 * and is skipped; `brackets.margin(...)` reads `brackets`).
 */
export function forEachFreeName(expr: A.Expr, visit: (ref: A.NameRef) => void): void {
  walkFree(expr, new Set(), visit);
}

function walkFree(expr: A.Expr, bound: ReadonlySet<string>, visit: (ref: A.NameRef) => void): void {
  if (expr.kind === "NameRef") {
    if (!bound.has(expr.name)) visit(expr);
    return;
  }
  if (expr.kind !== "CallExpr") {
    for (const child of childExpressions(expr)) walkFree(child, bound, visit);
    return;
  }
  if (expr.callee.kind !== "NameRef") walkFree(expr.callee, bound, visit);
  const c = expr.comprehension;
  for (const option of expr.options ?? []) walkFree(option.value, bound, visit);
  if (!c) {
    for (const arg of expr.args) walkFree(arg, bound, visit);
    return;
  }
  // The source and the fallback are outside the loop; the element, filter and key inside it.
  walkFree(c.source, bound, visit);
  if (c.fallback) walkFree(c.fallback, bound, visit);
  const inner = new Set(bound).add(c.variable.text);
  for (const arg of expr.args) walkFree(arg, inner, visit);
  if (c.filter) walkFree(c.filter, inner, visit);
  if (c.groupKey) walkFree(c.groupKey, inner, visit);
}
