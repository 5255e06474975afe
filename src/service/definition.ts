/**
 * Go to definition: where the name under the cursor is declared. Values (inputs, parameters, lets,
 * outputs, tier tables, scenario sets), quantities (their first `set`), record and input fields,
 * tier columns (in `brackets(x).mmr` and `brackets.margin(x, mmr)`), enum members, named types and
 * comprehension variables. A declaration inherited from a base rulebook points into that file.
 */
import type * as A from "../syntax/ast.js";
import type { CheckedRulebook } from "../check/checker.js";
import type { ValueSymbol } from "../check/context.js";
import type { CheckResult } from "./check-rulebook.js";
import { tierColumnArgument } from "./hover.js";
import { bindingComprehension, declarationAt, expressionPathAt, namedSiteAt } from "./locate.js";
import { declarationFile, fieldOf } from "./symbols.js";

/** A place in a file: where the definition is. */
export interface DefinitionTarget {
  file: string;
  span: A.Span;
}

/**
 * The definition of the name at `offset`, or undefined when there is none. A cursor right after a
 * name (where the keyboard leaves it) counts as on it.
 */
export function definitionAt(result: CheckResult, offset: number): DefinitionTarget | undefined {
  return (
    definitionExactlyAt(result, offset) ?? (offset > 0 ? definitionExactlyAt(result, offset - 1) : undefined)
  );
}

function definitionExactlyAt(result: CheckResult, offset: number): DefinitionTarget | undefined {
  const checked = result.checked;
  const here = (span: A.Span): DefinitionTarget => ({ file: result.file, span });
  const site = namedSiteAt(result.ast, offset);
  if (site) {
    switch (site.kind) {
      case "step-target": {
        const symbol = checked.context.values.get(site.name.text);
        return symbol ? symbolTarget(checked, symbol) : undefined;
      }
      case "type": {
        const decl = checked.context.typeDecls.get(site.name.text);
        return decl ? { file: declarationFile(checked, decl), span: decl.name.span } : undefined;
      }
      case "tier-row":
        return undefined;
      default:
        return here(site.name.span);
    }
  }
  const decl = declarationAt(result.ast, offset);
  if (!decl) return undefined;
  const path = expressionPathAt(decl, offset);
  const expr = path[path.length - 1];
  const parent = path[path.length - 2];
  if (!expr) return undefined;
  switch (expr.kind) {
    case "NameRef": {
      const binder = bindingComprehension(decl, expr, expr.name);
      if (binder) return here(binder.variable.span);
      const column = tierColumnArgument(checked, parent, expr);
      if (column) return { file: declarationFile(checked, column.table), span: column.column.name.span };
      const symbol = checked.context.values.get(expr.name);
      if (symbol) return symbolTarget(checked, symbol);
      return enumMemberTarget(checked, expr.name);
    }
    case "MemberExpr": {
      if (offset < expr.member.span.start) return undefined;
      if (parent?.kind === "CallExpr" && parent.callee === expr && expr.object.kind === "NameRef") {
        const table = checked.context.values.get(expr.object.name);
        return table ? symbolTarget(checked, table) : undefined;
      }
      const objectType = checked.context.exprTypes.get(expr.object);
      const field = objectType ? fieldOf(checked, objectType, expr.member.text) : undefined;
      return field ? { file: field.file, span: field.name.span } : undefined;
    }
    case "EnumRef": {
      const enumDecl = checked.context.typeDecls.get(expr.enumName.text);
      if (enumDecl?.kind !== "EnumDecl") return undefined;
      const file = declarationFile(checked, enumDecl);
      if (offset < expr.member.span.start) return { file, span: enumDecl.name.span };
      const member = enumDecl.members.find((m) => m.text === expr.member.text);
      return member ? { file, span: member.span } : undefined;
    }
    default:
      return undefined;
  }
}

function symbolTarget(checked: CheckedRulebook, symbol: ValueSymbol): DefinitionTarget {
  if (symbol.kind === "quantity") return { file: symbol.origin.file, span: symbol.firstSet.target.span };
  return { file: symbol.origin.file, span: symbol.decl.name.span };
}

function enumMemberTarget(checked: CheckedRulebook, name: string): DefinitionTarget | undefined {
  const enums = checked.context.enumMembers.get(name);
  if (!enums || enums.length !== 1) return undefined;
  const decl = checked.context.typeDecls.get(enums[0]!.kind === "enum" ? enums[0]!.name : "");
  if (decl?.kind !== "EnumDecl") return undefined;
  const member = decl.members.find((m) => m.text === name);
  return member ? { file: declarationFile(checked, decl), span: member.span } : undefined;
}
