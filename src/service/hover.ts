/**
 * Hover: what the editor shows over a position. The type and unit of the expression under the
 * cursor (from the checker's `exprTypes`), the value of a parameter, the `///` documentation of a
 * declaration or field, a built-in function's signature and docs, a tier row's derived deduction.
 *
 * Pure: it reads a {@link CheckResult} and the source text, nothing else.
 */
import type * as A from "../syntax/ast.js";
import type { CheckedRulebook } from "../check/checker.js";
import { builtinsByName } from "../check/builtins.js";
import type { Type } from "../check/types.js";
import { formatType } from "../check/types.js";
import { deriveDeductions } from "../compile/lower-tables.js";
import { printExpression, printType } from "../syntax/format.js";
import type { CheckResult } from "./check-rulebook.js";
import {
  explainType,
  formatValue,
  groupDigits,
  summarizeSymbol,
  tierSignature,
  type SymbolSummary,
} from "./describe.js";
import { covers, declarationAt, expressionPathAt, namedSiteAt, type NamedSite } from "./locate.js";
import { optionSignature, optionSpec } from "../check/check-options.js";
import { fieldOf, typeOfName } from "./symbols.js";

/** What hover shows: Markdown paragraphs, and the span of source they describe. */
export interface HoverResult {
  span: A.Span;
  /** Markdown; the first is a marginbook code block. */
  contents: string[];
}

/** The hover at `offset` (a character offset into `source`), or undefined over nothing of interest. */
export function hoverAt(result: CheckResult, source: string, offset: number): HoverResult | undefined {
  const checked = result.checked;
  const site = namedSiteAt(result.ast, offset);
  if (site) return hoverNamedSite(checked, site);
  const decl = declarationAt(result.ast, offset);
  if (!decl) return undefined;
  const path = expressionPathAt(decl, offset);
  const expr = path[path.length - 1];
  if (!expr) return undefined;
  return hoverOption(path, offset) ?? hoverExpression(checked, source, path, expr, offset);
}

/** A named option of a call (`contract: inverse`): its name or its word, with what it selects. */
function hoverOption(path: A.Expr[], offset: number): HoverResult | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const call = path[i]!;
    if (call.kind !== "CallExpr") continue;
    const option = call.options?.find(
      (o) => covers(o.name.span, offset) || (o.value.kind === "NameRef" && covers(o.value.span, offset)),
    );
    const spec = option && optionSpec(option.name.text);
    if (!option || !spec) return undefined;
    return { span: option.span, contents: [code(optionSignature(spec)), `Named option: ${spec.doc}.`] };
  }
  return undefined;
}

function code(text: string): string {
  return "```marginbook\n" + text + "\n```";
}

function fromSummary(span: A.Span, summary: SymbolSummary, extra: string[] = []): HoverResult {
  const body = [...summary.details, ...extra];
  const contents = [code(summary.signature)];
  if (summary.type && summary.type.kind !== "error" && summary.type.kind !== "tiers")
    contents.push(`**Type** ${explainType(summary.type)}`);
  if (summary.doc) contents.push(summary.doc);
  if (body.length > 0) contents.push(body.join("  \n"));
  return { span, contents };
}

function hoverNamedSite(checked: CheckedRulebook, site: NamedSite): HoverResult | undefined {
  const context = checked.context;
  switch (site.kind) {
    case "declaration": {
      const decl = site.decl;
      const symbol = context.values.get(site.name.text);
      if (symbol && symbol.kind !== "quantity" && symbol.decl === decl)
        return fromSummary(site.name.span, summarizeSymbol(checked, symbol));
      if (decl.kind === "EnumDecl")
        return {
          span: site.name.span,
          contents: [
            code(`enum ${decl.name.text} { ${decl.members.map((m) => m.text).join(", ")} }`),
            ...(decl.doc ? [decl.doc] : []),
          ],
        };
      if (decl.kind === "RecordDecl") {
        const type = context.types.get(decl.name.text);
        return {
          span: site.name.span,
          contents: [
            code(`record ${decl.name.text}`),
            ...(decl.doc ? [decl.doc] : []),
            ...(type ? [recordFields(type)] : []),
          ],
        };
      }
      if (decl.kind === "RuleDecl") {
        const steps = decl.steps.map((s) => `${s.verb} ${s.target.text}`).join(", ");
        return {
          span: site.name.span,
          contents: [
            code(`rule ${decl.name.text}`),
            ...(decl.doc ? [decl.doc] : []),
            `${decl.condition ? "Runs when its condition holds. " : "Always runs. "}Steps: ${steps || "none"}.`,
          ],
        };
      }
      return undefined;
    }
    case "field": {
      const owner = site.decl.kind === "InputDecl" ? context.values.get(site.decl.name.text) : undefined;
      const record = owner?.kind === "input" ? owner.type : context.types.get(site.decl.name.text);
      const field = record?.kind === "record" ? record.fields.get(site.name.text) : undefined;
      const domain = site.field.domain.map((d) => `${d.op} ${printExpressionSafe(d.bound)}`).join(" ");
      const line = `${site.name.text}: ${printType(site.field.type)}${domain ? " " + domain : ""}${site.field.default ? ` = ${printExpressionSafe(site.field.default)}` : ""}`;
      const contents = [code(line)];
      if (field)
        contents.push(
          `**Type** ${explainType(field.type)}${field.optional ? " — optional in inputs (it has a default)" : ""}`,
        );
      if (site.field.doc) contents.push(site.field.doc);
      return { span: site.name.span, contents };
    }
    case "enum-member":
      return {
        span: site.name.span,
        contents: [
          code(`${site.decl.name.text}.${site.name.text}`),
          `A member of enum \`${site.decl.name.text}\`.`,
        ],
      };
    case "tier-column":
      return {
        span: site.name.span,
        contents: [
          code(`column ${site.name.text}: ${printType(site.column.type)}`),
          `A column of tier table \`${site.decl.name.text}\`: \`${site.decl.name.text}(x).${site.name.text}\`.`,
        ],
      };
    case "tier-row":
      return hoverTierRow(site.decl, site.row, site.index);
    case "step-target": {
      const symbol = context.values.get(site.name.text);
      if (symbol?.kind !== "quantity") return undefined;
      const what =
        site.step === symbol.firstSet ? "introduces the quantity" : `${site.step.verb}s the quantity`;
      return fromSummary(site.name.span, summarizeSymbol(checked, symbol), [`This step ${what}.`]);
    }
    case "comprehension-variable": {
      const source = context.exprTypes.get(site.comprehension.source);
      const element = source?.kind === "list" ? source.element : undefined;
      return {
        span: site.name.span,
        contents: [
          code(`${site.name.text}${element ? ": " + formatType(element) : ""}`),
          "Each element of the list, in turn.",
        ],
      };
    }
    case "type":
      return hoverTypeName(checked, site.name);
    case "scenario-axis":
      return {
        span: site.name.span,
        contents: [code(`axis ${site.name.text}`), `An axis of scenario set \`${site.decl.name.text}\`.`],
      };
  }
}

/** An expression in canonical form (what users see after formatting). */
function printExpressionSafe(expr: A.Expr): string {
  try {
    return printExpression(expr);
  } catch {
    return "…";
  }
}

function recordFields(type: Type): string {
  if (type.kind !== "record") return "";
  return [...type.fields.values()]
    .map((f) => `- \`${f.name}\`: ${formatType(f.type)}${f.optional ? " (optional)" : ""}`)
    .join("\n");
}

function hoverTypeName(checked: CheckedRulebook, name: A.Name): HoverResult | undefined {
  const type = typeOfName(checked, name.text);
  if (!type) return undefined;
  const decl = checked.context.typeDecls.get(name.text);
  const contents = [
    code(formatType(type) === name.text ? name.text : `${name.text} = ${formatType(type)}`),
    `**Type** ${explainType(type)}`,
  ];
  if (decl?.doc) contents.push(decl.doc);
  return { span: name.span, contents };
}

function hoverTierRow(decl: A.TiersDecl, row: A.TierRow, index: number): HoverResult {
  const interval = `${row.lowerInclusive ? "[" : "("}${row.lower.text}, ${row.upper.text}${row.upperInclusive ? "]" : ")"}`;
  const cells = decl.columns.map((c, i) => `${c.name.text} ${row.cells[i]?.text ?? "?"}`).join(", ");
  const contents = [code(`${decl.name.text} tier ${index + 1}: ${interval}`), cells];
  if (decl.mode === "marginal") {
    const complete = decl.rows.every((r) => r.cells.length >= decl.columns.length);
    const rateColumns = decl.columns
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => printType(c.type) === "Rate");
    if (complete && rateColumns.length > 0) {
      const parts = rateColumns.map(
        ({ c, i }) => `${c.name.text} ${groupDigits(deriveDeductions(decl.rows, i)[index] ?? 0)}`,
      );
      contents.push(
        `**Derived deduction** (maintenance amount, Binance "cum"): ${parts.join(", ")}  \n\`${decl.name.text}.margin(x, col)\` = x × rate − deduction in this tier.`,
      );
    }
  }
  return { span: row.span, contents };
}

function hoverExpression(
  checked: CheckedRulebook,
  text: string,
  path: A.Expr[],
  expr: A.Expr,
  offset: number,
): HoverResult | undefined {
  const context = checked.context;
  const parent = path[path.length - 2];
  const typeLine = (e: A.Expr): string[] => {
    const type = context.exprTypes.get(e);
    return type && type.kind !== "error" ? [`**Type** ${explainType(type)}`] : [];
  };
  if (expr.kind === "NameRef") {
    const callOf = parent?.kind === "CallExpr" && parent.callee === expr ? parent : undefined;
    const symbol = context.values.get(expr.name);
    const local = context.exprTypes.get(expr) !== undefined && !symbol;
    if (callOf && !symbol) {
      const builtin = builtinsByName.get(expr.name);
      if (builtin)
        return {
          span: expr.span,
          contents: [
            code(builtin.signature),
            builtin.doc,
            ...typeLine(callOf).map((l) => l.replace("**Type**", "**This call**")),
          ],
        };
    }
    const column = tierColumnArgument(checked, parent, expr);
    if (column)
      return {
        span: expr.span,
        contents: [
          code(
            `column ${column.table.name.text}.${column.column.name.text}: ${printType(column.column.type)}`,
          ),
          `The rate column multiplied slice by slice (${column.table.mode ?? "flat"} table).`,
        ],
      };
    if (symbol && !local) {
      const extra =
        callOf && symbol.kind === "tiers"
          ? typeLine(callOf).map((l) => l.replace("**Type**", "**This lookup**"))
          : [];
      return fromSummary(expr.span, summarizeSymbol(checked, symbol), extra);
    }
    const type = context.exprTypes.get(expr);
    if (!type) return undefined;
    const enumMember = type.kind === "enum" && type.members.includes(expr.name) && !local;
    return {
      span: expr.span,
      contents: [
        code(enumMember ? `${type.name}.${expr.name}` : `${expr.name}: ${formatType(type)}`),
        ...typeLine(expr),
      ],
    };
  }
  if (
    expr.kind === "MemberExpr" &&
    offset >= expr.member.span.start &&
    expr.member.span.end > expr.member.span.start
  ) {
    if (parent?.kind === "CallExpr" && parent.callee === expr) return hoverTierMethod(checked, expr, parent);
    const objectType = context.exprTypes.get(expr.object);
    const found = objectType?.kind === "record" ? fieldOf(checked, objectType, expr.member.text) : undefined;
    const contents = [
      code(`${printExpressionSafe(expr)}: ${formatType(context.exprTypes.get(expr) ?? { kind: "error" })}`),
      ...typeLine(expr),
    ];
    if (found?.doc) contents.push(found.doc);
    return { span: { start: expr.span.start, end: expr.member.span.end }, contents };
  }
  const type = context.exprTypes.get(expr);
  if (!type || type.kind === "error") return undefined;
  const written = text.slice(expr.span.start, expr.span.end);
  const shown = written.length > 80 ? written.slice(0, 77) + "…" : written;
  const contents = [code(shown.replace(/\s+/g, " ")), `**Type** ${explainType(type)}`];
  if (expr.kind === "NumberLit" && type.kind === "number")
    contents.push(`= ${formatValue(expr.value, type)}`);
  return { span: expr.span, contents };
}

function hoverTierMethod(
  checked: CheckedRulebook,
  callee: A.MemberExpr,
  call: A.CallExpr,
): HoverResult | undefined {
  const table = callee.object.kind === "NameRef" ? checked.context.values.get(callee.object.name) : undefined;
  if (table?.kind !== "tiers") return undefined;
  const method = callee.member.text;
  const doc =
    method === "margin"
      ? table.decl.mode === "marginal"
        ? "The sum over the tiers' slices of slice × rate, which equals `x × rate_n − deduction_n` (the deduction is derived from the table, so margin is continuous at every boundary)."
        : "`x × rate` of the tier that contains `x` (flat table: the whole position at one rate)."
      : "The derived maintenance amount (deduction) of the tier that contains `x` (0 in a flat table).";
  const result = checked.context.exprTypes.get(call);
  const contents = [
    code(
      `${table.name}.${method}(x: ${printType(table.decl.keyType)}, column) -> ${printType(table.decl.keyType)}`,
    ),
    doc,
    code(tierSignature(table.decl)),
  ];
  if (result && result.kind !== "error") contents.push(`**This call** ${explainType(result)}`);
  return { span: { start: callee.span.start, end: callee.member.span.end }, contents };
}

/** When `expr` is the column argument of `table.margin(x, column)`, the table and the column. */
export function tierColumnArgument(
  checked: CheckedRulebook,
  parent: A.Expr | undefined,
  expr: A.Expr,
): { table: A.TiersDecl; column: A.TierColumn } | undefined {
  if (parent?.kind !== "CallExpr" || parent.args[1] !== expr || expr.kind !== "NameRef") return undefined;
  const callee = parent.callee;
  if (callee.kind !== "MemberExpr" || callee.object.kind !== "NameRef") return undefined;
  const table = checked.context.values.get(callee.object.name);
  if (table?.kind !== "tiers") return undefined;
  const column = table.decl.columns.find((c) => c.name.text === expr.name);
  return column ? { table: table.decl, column } : undefined;
}
