/**
 * Finding things in a (possibly partial) AST by source offset: the expressions of a declaration,
 * the innermost expression under the cursor, the comprehension variables in scope. Shared by
 * completion, hover and go-to-definition; pure, no checker state.
 */
import { childExpressions } from "../syntax/walk.js";
import type * as A from "../syntax/ast.js";

/** Whether `offset` falls on a character of `span` (`[start, end)`), or right after its last one. */
export function touches(span: A.Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end && span.end > span.start;
}

/** Whether `offset` falls strictly on a character of `span`. */
export function covers(span: A.Span, offset: number): boolean {
  return span.start <= offset && offset < span.end;
}

/** The top-level expressions written in a declaration (values, conditions, defaults, bounds, steps). */
export function declarationExpressions(decl: A.Declaration): A.Expr[] {
  const bounds = (domain: readonly A.DomainBound[]): A.Expr[] => domain.map((d) => d.bound);
  const fields = (list: readonly A.FieldDecl[] | undefined): A.Expr[] =>
    (list ?? []).flatMap((f) => [...bounds(f.domain), ...(f.default ? [f.default] : [])]);
  switch (decl.kind) {
    case "RecordDecl":
      return fields(decl.fields);
    case "InputDecl":
      return fields(decl.fields);
    case "ParamDecl":
      return [...bounds(decl.domain), decl.value];
    case "LetDecl":
      return [decl.value];
    case "OutputDecl":
      return [decl.value, ...(decl.rounding ? [decl.rounding.step] : [])];
    case "AssertDecl":
      return [decl.condition];
    case "VerifyDecl":
      return [...(decl.condition ? [decl.condition] : []), ...(decl.variable ? [decl.variable] : [])];
    case "RuleDecl":
      return [
        ...(decl.condition ? [decl.condition] : []),
        ...decl.steps.flatMap((s) => [s.value, ...(s.condition ? [s.condition] : [])]),
      ];
    case "ScenariosDecl":
      return decl.statements
        .flatMap((s) =>
          s.kind === "GridStatement"
            ? [...s.axes.flatMap((a) => a.values.flatMap((v) => [v.from, v.to, v.step])), s.weight]
            : [...s.values.map((v) => v.value), s.weight],
        )
        .filter((e): e is A.Expr => e !== undefined);
    default:
      return [];
  }
}

/** Calls `visit` on every expression of the rulebook, parents before children. */
export function forEachExpression(ast: A.Rulebook, visit: (expr: A.Expr, decl: A.Declaration) => void): void {
  for (const decl of ast.declarations) {
    const walk = (expr: A.Expr): void => {
      visit(expr, decl);
      for (const child of childExpressions(expr)) walk(child);
    };
    for (const expr of declarationExpressions(decl)) walk(expr);
  }
}

/** The declaration whose span holds `offset`, if any. */
export function declarationAt(ast: A.Rulebook, offset: number): A.Declaration | undefined {
  return ast.declarations.find((d) => d.span.start <= offset && offset <= d.span.end);
}

/** The path of expressions from a declaration's top down to the innermost one covering `offset`. */
export function expressionPathAt(decl: A.Declaration, offset: number): A.Expr[] {
  const path: A.Expr[] = [];
  let level = declarationExpressions(decl);
  for (;;) {
    const hit = level.find((e) => covers(e.span, offset));
    if (!hit) return path;
    path.push(hit);
    level = childExpressions(hit);
  }
}

/** The comprehension variables visible at `offset` in a declaration, innermost last, with their sources. */
export function comprehensionsAt(decl: A.Declaration, offset: number): A.Comprehension[] {
  const found: A.Comprehension[] = [];
  for (const expr of expressionPathAt(decl, offset)) {
    // The variable is bound in the element, the filter and the key; not in the source or the default.
    const c = expr.kind === "CallExpr" ? expr.comprehension : undefined;
    if (c && !covers(c.source.span, offset) && !(c.fallback && covers(c.fallback.span, offset)))
      found.push(c);
  }
  return found;
}

/** Every `Name` that a declaration introduces or mentions outside expressions, with what it is. */
export type NamedSite =
  | { kind: "declaration"; name: A.Name; decl: A.Declaration }
  | { kind: "field"; name: A.Name; field: A.FieldDecl; decl: A.RecordDecl | A.InputDecl }
  | { kind: "enum-member"; name: A.Name; decl: A.EnumDecl }
  | { kind: "tier-column"; name: A.Name; column: A.TierColumn; decl: A.TiersDecl }
  | { kind: "tier-row"; row: A.TierRow; index: number; decl: A.TiersDecl }
  | { kind: "step-target"; name: A.Name; step: A.Step; decl: A.RuleDecl }
  | { kind: "comprehension-variable"; name: A.Name; comprehension: A.Comprehension }
  | { kind: "type"; name: A.Name; factor: A.TypeFactor }
  | { kind: "scenario-axis"; name: A.Name; decl: A.ScenariosDecl };

/** The name (or tier row) written at `offset` that is not part of an expression, if any. */
export function namedSiteAt(ast: A.Rulebook, offset: number): NamedSite | undefined {
  const decl = declarationAt(ast, offset);
  if (!decl) return undefined;
  const on = (name: A.Name | undefined): boolean => name !== undefined && touches(name.span, offset);
  const typeSite = (ref: A.TypeRef | undefined): NamedSite | undefined => typeAt(ref, offset);
  if ("name" in decl && on(decl.name)) return { kind: "declaration", name: decl.name, decl };
  switch (decl.kind) {
    case "EnumDecl": {
      const member = decl.members.find(on);
      return member ? { kind: "enum-member", name: member, decl } : undefined;
    }
    case "RecordDecl":
    case "InputDecl": {
      for (const field of decl.fields ?? []) {
        if (on(field.name)) return { kind: "field", name: field.name, field, decl };
        const t = typeSite(field.type);
        if (t) return t;
      }
      return decl.kind === "InputDecl" ? typeSite(decl.type) : undefined;
    }
    case "ParamDecl":
    case "LetDecl":
    case "OutputDecl":
      return typeSite(decl.type) ?? comprehensionVariableAt(decl, offset);
    case "TiersDecl": {
      const t = typeSite(decl.keyType);
      if (t) return t;
      for (const column of decl.columns) {
        if (on(column.name)) return { kind: "tier-column", name: column.name, column, decl };
        const ct = typeSite(column.type);
        if (ct) return ct;
      }
      const index = decl.rows.findIndex((r) => covers(r.span, offset));
      return index >= 0 ? { kind: "tier-row", row: decl.rows[index]!, index, decl } : undefined;
    }
    case "RuleDecl": {
      const step = decl.steps.find((s) => on(s.target));
      if (step) return { kind: "step-target", name: step.target, step, decl };
      for (const s of decl.steps) {
        const t = typeSite(s.type);
        if (t) return t;
      }
      return comprehensionVariableAt(decl, offset);
    }
    case "ScenariosDecl": {
      const axis = decl.axes.find((a) => on(a.name));
      if (axis) return { kind: "scenario-axis", name: axis.name, decl };
      return undefined;
    }
    default:
      return comprehensionVariableAt(decl, offset);
  }
}

function comprehensionVariableAt(decl: A.Declaration, offset: number): NamedSite | undefined {
  for (const expr of declarationExpressions(decl)) {
    const found = findComprehensionVariable(expr, offset);
    if (found) return found;
  }
  return undefined;
}

function findComprehensionVariable(expr: A.Expr, offset: number): NamedSite | undefined {
  if (!covers(expr.span, offset)) return undefined;
  if (expr.kind === "CallExpr" && expr.comprehension && touches(expr.comprehension.variable.span, offset))
    return {
      kind: "comprehension-variable",
      name: expr.comprehension.variable,
      comprehension: expr.comprehension,
    };
  for (const child of childExpressions(expr)) {
    const found = findComprehensionVariable(child, offset);
    if (found) return found;
  }
  return undefined;
}

function typeAt(ref: A.TypeRef | undefined, offset: number): NamedSite | undefined {
  if (!ref || !touches(ref.span, offset)) return undefined;
  for (const factor of ref.factors) {
    if (touches(factor.name.span, offset)) return { kind: "type", name: factor.name, factor };
    const inner = typeAt(factor.argument, offset);
    if (inner) return inner;
  }
  return undefined;
}

/** The comprehension that binds `name` around `expr` within `decl`, if any (innermost wins). */
export function bindingComprehension(
  decl: A.Declaration,
  expr: A.Expr,
  name: string,
): A.Comprehension | undefined {
  const binders = comprehensionsAt(decl, expr.span.start).filter((c) => c.variable.text === name);
  return binders[binders.length - 1];
}
