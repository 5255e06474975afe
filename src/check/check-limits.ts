/**
 * The sizes a compiled rulebook may have (`IR_LIMITS`, the table the artifact schema reads too):
 * a rulebook beyond one gets a coded diagnostic here, so that `check` never accepts what `compile`
 * would fail to write or an engine would refuse to load.
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { IR_LIMITS } from "../ir/limits.js";
import { printVerify } from "../syntax/format.js";
import type { CheckContext } from "./context.js";

/**
 * Reports every text, list and count of the checked file beyond the limits of a compiled rulebook.
 * `partial` marks a tree recovered from syntax errors, whose spans may not cover their contents.
 */
export function checkIrLimits(context: CheckContext, ast: A.Rulebook, partial = false): void {
  const text = (
    value: string | undefined,
    span: A.Span,
    what: string,
    limit: number = IR_LIMITS.text,
  ): void => {
    if (value !== undefined && value.length > limit)
      context.report(messages.textTooLong, span, { what, length: value.length, limit });
  };
  const count = (n: number, span: A.Span, what: string, limit: number): void => {
    if (n > limit) context.report(messages.tooManyDeclarations, span, { count: n, what, limit });
  };
  if (ast.header) {
    text(ast.header.name.text, ast.header.name.span, "the rulebook's name");
    for (const field of ast.header.fields) {
      const limit =
        field.key === "currency"
          ? IR_LIMITS.currency
          : field.key === "version" || field.key === "effective"
            ? IR_LIMITS.shortText
            : IR_LIMITS.text;
      text(field.value, field.valueSpan, `\`${field.key}\``, limit);
    }
  }
  let inputs = 0;
  let tables = 0;
  let scenarioSets = 0;
  for (const decl of ast.declarations) {
    text(decl.doc, decl.span, "this doc comment");
    switch (decl.kind) {
      case "EnumDecl":
        count(
          decl.members.length,
          decl.name.span,
          `members in enum \`${decl.name.text}\``,
          IR_LIMITS.enumMembers,
        );
        break;
      case "RecordDecl":
        checkFields(decl.fields, decl.name, "record");
        break;
      case "InputDecl":
        inputs++;
        if (inputs === IR_LIMITS.inputs + 1)
          count(
            ast.declarations.filter((d) => d.kind === "InputDecl").length,
            decl.name.span,
            "inputs",
            IR_LIMITS.inputs,
          );
        if (decl.fields) checkFields(decl.fields, decl.name, "input");
        break;
      case "TiersDecl":
        tables++;
        if (tables === IR_LIMITS.tables + 1)
          count(
            ast.declarations.filter((d) => d.kind === "TiersDecl").length,
            decl.name.span,
            "tier tables",
            IR_LIMITS.tables,
          );
        count(
          decl.columns.length,
          decl.name.span,
          `columns in tier table \`${decl.name.text}\``,
          IR_LIMITS.tableColumns,
        );
        break;
      case "ScenariosDecl":
        scenarioSets++;
        if (scenarioSets === IR_LIMITS.scenarioSets + 1)
          count(
            ast.declarations.filter((d) => d.kind === "ScenariosDecl").length,
            decl.name.span,
            "scenario sets",
            IR_LIMITS.scenarioSets,
          );
        count(
          decl.axes.length,
          decl.name.span,
          `axes in scenario set \`${decl.name.text}\``,
          IR_LIMITS.scenarioAxes,
        );
        break;
      case "AssertDecl":
        text(decl.message, decl.span, "the assertion's message");
        break;
      case "VerifyDecl":
        text(decl.message, decl.span, "the property's message");
        count(decl.targets.length, decl.span, "targets in this `verify`", IR_LIMITS.propertyTargets);
        if (decl.span.end - decl.span.start > IR_LIMITS.text / 2)
          text(printVerify({ ...decl, message: undefined }), decl.span, "this `verify` declaration");
        break;
      default:
        break;
    }
  }
  checkExpressions(context, ast, partial);

  function checkFields(fields: readonly A.FieldDecl[], name: A.Name, what: string): void {
    count(fields.length, name.span, `fields in ${what} \`${name.text}\``, IR_LIMITS.recordFields);
    for (const field of fields) text(field.doc, field.span, "this doc comment");
  }
}

/**
 * The fewest characters a node needs to hold a string or a call beyond the limits: a call with more
 * than `callArguments` arguments is written with at least that many characters and commas; a string
 * constant, with more than `constantString`.
 */
const SHORTEST_OVER_LIMIT = 2 * IR_LIMITS.callArguments + 1;

/**
 * String constants and calls, wherever they are (iterative: trees may be wide). The walk is generic,
 * so that a node kind added later is covered; it skips only what cannot hold an expression (spans,
 * written types, the bounds and literal cells of tier rows) and, in a tree without syntax errors
 * (where a node's span covers its children's, as the editor's lookups by offset rely on), every
 * node too short to hold anything beyond the limits: almost all of them.
 */
function checkExpressions(context: CheckContext, ast: A.Rulebook, partial: boolean): void {
  const stack: object[] = [];
  for (const decl of ast.declarations) stack.push(decl);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === "object") stack.push(item);
      continue;
    }
    const span = (node as { span?: A.Span }).span;
    if (!partial && span && span.end - span.start < SHORTEST_OVER_LIMIT) continue;
    const kind = (node as { kind?: unknown }).kind;
    if (kind === "StringLit") {
      const lit = node as A.StringLit;
      if (lit.value.length > IR_LIMITS.constantString)
        context.report(messages.textTooLong, lit.span, {
          what: "this string",
          length: lit.value.length,
          limit: IR_LIMITS.constantString,
        });
      continue;
    }
    if (kind === "TypeRef") continue;
    if (kind === "CallExpr") {
      const call = node as A.CallExpr;
      if (call.args.length > IR_LIMITS.callArguments)
        context.report(messages.tooManyArguments, call.span, {
          count: call.args.length,
          limit: IR_LIMITS.callArguments,
        });
    }
    const tiers = kind === "TiersDecl" ? (node as A.TiersDecl) : undefined;
    if (tiers) {
      pushCellExpressions(stack, tiers.rows);
      for (const group of tiers.groups ?? []) pushCellExpressions(stack, group.rows);
    }
    const record = node as Record<string, unknown>;
    for (const key in record) {
      if (key === "span" || (tiers && (key === "rows" || key === "groups"))) continue;
      const value = record[key];
      if (value !== null && typeof value === "object") stack.push(value);
    }
  }
}

/** The expressions of tier rows: a row's bounds and literal cells are numbers, only a cell's `expr` is one. */
function pushCellExpressions(stack: object[], rows: readonly A.TierRow[]): void {
  for (const row of rows) for (const cell of row.cells) if (cell.expr) stack.push(cell.expr);
}
