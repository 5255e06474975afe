/**
 * Completion: what the editor offers at a cursor position.
 *
 * - after `x.`: the fields of a record (an input's fields after `position.`), the columns of a tier
 *   row after `brackets(notional).`, `margin` / `deduction` after a tier table's name, the members
 *   after an enum's name;
 * - in the column argument of `brackets.margin(x, |)`: the table's columns;
 * - after `:` (and for a unit after a number): types;
 * - elsewhere: names in scope (inputs, parameters, lets, outputs, quantities, tier tables, scenario
 *   sets, comprehension variables, enum members), built-in functions with their signatures, and the
 *   keywords of the token table.
 *
 * The text before the cursor decides the context, because while someone types the tree is often
 * broken right there; the checker's types (`exprTypes`, symbol types) then say what a name holds.
 */
import type * as A from "../syntax/ast.js";
import type { CheckedRulebook } from "../check/checker.js";
import type { ValueSymbol } from "../check/context.js";
import { builtins } from "../check/builtins.js";
import { tierRowType } from "../check/check-tiers.js";
import { type Type, formatType } from "../check/types.js";
import { keywordWords } from "../../grammar/tokens.js";
import type { CheckResult } from "./check-rulebook.js";
import { summarizeSymbol, symbolType } from "./describe.js";
import { childExpressions } from "../syntax/walk.js";
import { comprehensionsAt, declarationAt, declarationExpressions } from "./locate.js";
import { BUILTIN_TYPE_DOCS, fieldOf } from "./symbols.js";

export type CompletionKind =
  | "keyword"
  | "input"
  | "param"
  | "let"
  | "output"
  | "quantity"
  | "tiers"
  | "scenarios"
  | "variable"
  | "field"
  | "column"
  | "method"
  | "enum-member"
  | "function"
  | "type"
  | "snippet";

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** One line shown next to the label: a type or a signature. */
  detail?: string;
  /** Markdown documentation. */
  documentation?: string;
  /** The text inserted (the label when absent). */
  insertText?: string;
  /** `insertText` is a snippet with `${1:placeholder}` tab stops. */
  snippet?: boolean;
  /** Sorts the list (lower first); items of the most likely kind come first. */
  sortText: string;
}

export interface CompletionResult {
  items: CompletionItem[];
  /** The span the chosen item replaces: the part of a name already typed. */
  replace: A.Span;
}

/** The completions at `offset` in `source`, the text that `result` was checked from. */
export function completeAt(result: CheckResult, source: string, offset: number): CompletionResult {
  const before = source.slice(0, offset);
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before)?.[0] ?? "";
  const start = offset - word.length;
  const after = /^[A-Za-z0-9_]*/.exec(source.slice(offset))?.[0] ?? "";
  const replace = { start, end: offset + after.length };
  const head = source.slice(0, start);
  if (inCommentOrString(head)) return { items: [], replace };
  const items = contextItems(result.checked, source, head, start, word);
  return { items, replace };
}

function contextItems(
  checked: CheckedRulebook,
  source: string,
  head: string,
  start: number,
  word: string,
): CompletionItem[] {
  if (head.endsWith(".")) return memberItems(checked, source, start - 1);
  const column = /\b([a-z_][A-Za-z0-9_]*)\.(margin|deduction)\s*\([^()]*,\s*$/.exec(head);
  if (column) return columnItems(checked, column[1]!);
  if (/(?::|\bList<|\bcurrency)\s*$/.test(head) || (/\d\s+$/.test(head) && /^[A-Z]/.test(word)))
    return typeItems(checked, 0);
  // At the start of a line outside any block: a new declaration.
  if (head.slice(head.lastIndexOf("\n") + 1) === "" && !insideBlock(head))
    return [...declarationSnippets(), ...keywordItems(1)];
  const quantityFirst = /\b(?:scale|floor|cap|to)\s+$/.test(head);
  return [
    ...localItems(checked, source, start, 0),
    ...valueItems(checked, quantityFirst),
    ...enumMemberItems(checked, 2),
    ...builtinItems(3),
    ...keywordItems(4),
    ...typeItems(checked, 5),
  ];
}

/** Whether the text before the cursor ends inside a comment or a string on the current line. */
function inCommentOrString(head: string): boolean {
  const line = head.slice(head.lastIndexOf("\n") + 1);
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "/" && line[i + 1] === "/") return true;
  }
  return inString;
}

/** Whether an unclosed `{` precedes the cursor (outside comments and strings). */
function insideBlock(head: string): boolean {
  let depth = 0;
  const stripped = head.replace(/\/\/[^\n]*/g, "").replace(/"(?:[^"\\\n]|\\.)*"?/g, "");
  for (const c of stripped) {
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
  }
  return depth > 0;
}

const sort = (rank: number, label: string): string => `${rank}_${label}`;

function keywordItems(rank: number): CompletionItem[] {
  return keywordWords.map((w) => ({
    label: w,
    kind: "keyword" as const,
    detail: "keyword",
    sortText: sort(rank, w),
  }));
}

function declarationSnippets(): CompletionItem[] {
  const snippets: [string, string, string][] = [
    ["param", "param ${1:name}: ${2:Rate} = ${3:0%}", "a named, typed constant"],
    ["let", "let ${1:name}: ${2:USDT} = ${3:expression}", "a named value computed from the inputs"],
    ["rule", "rule ${1:name} {\n  ${2:set} ${3:quantity} = ${4:expression}\n}", "an ordered scaling rule"],
    [
      "tiers",
      "tiers ${1:brackets} by ${2:notional}: ${3:USDT}, ${4|marginal,flat|} {\n  columns imr: Rate, mmr: Rate\n  [0, ${5:50_000})  ${6:1%}  ${7:0.5%}\n  [$5, inf)  ${8:2%}  ${9:1%}\n}",
      "a tier table",
    ],
    [
      "output",
      "output ${1:initial_margin}: ${2:USDT} = ${3:expression} round up to ${4:0.01}",
      "a rounded output",
    ],
    ["input", "input ${1:position} {\n  ${2:size}: ${3:Quantity} > 0\n}", "a record of runtime inputs"],
    ["assert", 'assert ${1:initial_margin >= maintenance_margin} "${2:IM must cover MM}"', "an invariant"],
  ];
  return snippets.map(([label, text, doc]) => ({
    label,
    kind: "snippet" as const,
    detail: doc,
    insertText: text,
    snippet: true,
    sortText: sort(0, label),
  }));
}

const SYMBOL_KINDS: Record<ValueSymbol["kind"], CompletionKind> = {
  input: "input",
  param: "param",
  let: "let",
  output: "output",
  tiers: "tiers",
  table: "tiers",
  scenarios: "scenarios",
  quantity: "quantity",
};

function valueItems(checked: CheckedRulebook, quantityFirst: boolean): CompletionItem[] {
  return [...checked.context.values.values()].map((symbol) => {
    const summary = summarizeSymbol(checked, symbol);
    const rank = quantityFirst ? (symbol.kind === "quantity" ? 0 : 2) : 1;
    return {
      label: symbol.name,
      kind: SYMBOL_KINDS[symbol.kind],
      detail: summary.signature,
      documentation: [summary.doc, ...summary.details].filter(Boolean).join("\n\n") || undefined,
      sortText: sort(rank, symbol.name),
    };
  });
}

function enumMemberItems(checked: CheckedRulebook, rank: number): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const [member, enums] of checked.context.enumMembers) {
    // A member of several enums must be qualified: offer `Side.long`, not a bare `long`.
    for (const type of enums) {
      const label = enums.length > 1 ? `${formatType(type)}.${member}` : member;
      items.push({
        label,
        kind: "enum-member",
        detail: `${formatType(type)}.${member}`,
        sortText: sort(rank, label),
      });
    }
  }
  return items;
}

function builtinItems(rank: number): CompletionItem[] {
  return builtins.map((b) => ({
    label: b.name,
    kind: "function" as const,
    detail: b.signature,
    documentation: b.doc,
    insertText: `${b.name}($0)`,
    snippet: true,
    sortText: sort(rank, b.name),
  }));
}

function typeItems(checked: CheckedRulebook, rank: number): CompletionItem[] {
  const items: CompletionItem[] = Object.entries(BUILTIN_TYPE_DOCS).map(([name, doc]) => ({
    label: name,
    kind: "type" as const,
    detail: "built-in type",
    documentation: doc,
    sortText: sort(rank, name),
  }));
  for (const [name, type] of checked.context.types) {
    items.push({
      label: name,
      kind: "type",
      detail: type.kind === "enum" ? `enum ${name}` : `record ${name}`,
      documentation: checked.context.typeDecls.get(name)?.doc,
      sortText: sort(rank, name),
    });
  }
  if (checked.currency && !checked.context.types.has(checked.currency))
    items.push({
      label: checked.currency,
      kind: "type",
      detail: "settlement currency",
      sortText: sort(rank, checked.currency),
    });
  return items;
}

function columnItems(checked: CheckedRulebook, table: string): CompletionItem[] {
  const symbol = checked.context.values.get(table);
  if (symbol?.kind !== "tiers") return [];
  return symbol.decl.columns.map((c) => ({
    label: c.name.text,
    kind: "column" as const,
    detail: `column of ${table}`,
    sortText: sort(0, c.name.text),
  }));
}

/** Comprehension variables in scope at `offset`: from the tree, or from `for v in` in the text. */
function localItems(
  checked: CheckedRulebook,
  source: string,
  offset: number,
  rank: number,
): CompletionItem[] {
  const locals = new Map<string, Type | undefined>();
  const decl = declarationAt(checked.ast, offset);
  if (decl)
    for (const c of comprehensionsAt(decl, offset))
      locals.set(c.variable.text, elementOf(checked.context.exprTypes.get(c.source)));
  const declStart = decl ? decl.span.start : source.lastIndexOf("\n", offset);
  const text = source.slice(Math.max(0, declStart), offset);
  for (const match of text.matchAll(/\bfor\s+([a-z_][A-Za-z0-9_]*)\s+in\s+([A-Za-z_][A-Za-z0-9_.]*)/g)) {
    if (!locals.has(match[1]!))
      locals.set(match[1]!, elementOf(resolveChainText(checked, source, match[2]!, offset)?.type));
  }
  return [...locals].map(([name, type]) => ({
    label: name,
    kind: "variable" as const,
    detail: type ? formatType(type) : "comprehension variable",
    sortText: sort(rank, name),
  }));
}

function elementOf(type: Type | undefined): Type | undefined {
  return type?.kind === "list" ? type.element : undefined;
}

// ---- member access ----

/** What the expression before a `.` denotes. */
type Resolved = { type?: Type; table?: string; enumType?: Type };

function memberItems(checked: CheckedRulebook, source: string, dot: number): CompletionItem[] {
  const namespace = namespaceItems(checked, source, dot);
  if (namespace) return namespace;
  const resolved = resolveBeforeDot(checked, source, dot);
  if (!resolved) return [];
  if (resolved.table) {
    return [
      {
        label: "margin",
        kind: "method",
        detail: `${resolved.table}.margin(x, column)`,
        documentation: "The margin of `x` at a rate column (marginal tables: slice by slice).",
        insertText: "margin(${1:x}, ${2:column})",
        snippet: true,
        sortText: sort(0, "margin"),
      },
      {
        label: "deduction",
        kind: "method",
        detail: `${resolved.table}.deduction(x, column)`,
        documentation: "The derived maintenance amount of the tier that contains `x`.",
        insertText: "deduction(${1:x}, ${2:column})",
        snippet: true,
        sortText: sort(0, "deduction"),
      },
    ];
  }
  const enumType = resolved.enumType;
  if (enumType?.kind === "enum") {
    return enumType.members.map((m) => ({
      label: m,
      kind: "enum-member" as const,
      detail: `${enumType.name}.${m}`,
      sortText: sort(0, m),
    }));
  }
  const type = resolved.type;
  if (type?.kind !== "record") return [];
  return [...type.fields.values()].map((f, i) => ({
    label: f.name,
    kind: (/^row of /.test(type.name) ? "column" : "field") as CompletionKind,
    detail: formatType(f.type) + (f.optional ? " (optional)" : ""),
    documentation: fieldOf(checked, type, f.name)?.doc,
    // Fields keep their declaration order.
    sortText: sort(0, String(i).padStart(4, "0")),
  }));
}

/** After `ns.` where `ns` names an imported rulebook: its values and functions. */
function namespaceItems(checked: CheckedRulebook, source: string, dot: number): CompletionItem[] | undefined {
  const alias = /([a-z_][A-Za-z0-9_]*)$/.exec(source.slice(0, dot))?.[1];
  if (!alias || !(checked.ast.imports ?? []).some((d) => d.alias?.text === alias)) return undefined;
  const prefix = `${alias}.`;
  const direct = (name: string) => name.startsWith(prefix) && !name.slice(prefix.length).includes(".");
  const values = valueItems(checked, false).filter((item) => direct(item.label));
  const functions = [...checked.context.functions.values()]
    .filter((fn) => direct(fn.name))
    .map((fn) => ({
      label: fn.name,
      kind: "function" as const,
      detail: `${fn.name}(${fn.params.map((p) => p.name).join(", ")})`,
      sortText: sort(0, fn.name),
    }));
  return [...values, ...functions].map((item) => ({
    ...item,
    label: item.label.slice(prefix.length),
    sortText: sort(0, item.label),
  }));
}

function resolveBeforeDot(checked: CheckedRulebook, source: string, dot: number): Resolved | undefined {
  // The checker's view first: the smallest typed expression that ends right before the dot.
  let best: { expr: A.Expr; type: Type } | undefined;
  for (const [expr, type] of checked.context.exprTypes) {
    if (expr.span.end !== dot || type.kind === "error") continue;
    if (expr.kind === "MemberExpr" && expr.member.text === "") continue;
    if (!best || expr.span.start > best.expr.span.start) best = { expr, type };
  }
  const text = chainBefore(source, dot);
  if (best && (text === undefined || best.expr.span.start === dot - text.length))
    return best.type.kind === "tiers" ? { table: best.type.name } : { type: best.type };
  return text === undefined ? undefined : resolveChainText(checked, source, text, dot);
}

/** The text of the postfix chain ending at `end` (`brackets(notional)`, `account.positions[0]`). */
function chainBefore(source: string, end: number): string | undefined {
  let i = end;
  for (;;) {
    while (source[i - 1] === ")" || source[i - 1] === "]") {
      const open = matchingOpen(source, i - 1);
      if (open < 0) return undefined;
      i = open;
    }
    const name = /[A-Za-z_][A-Za-z0-9_]*$/.exec(source.slice(Math.max(0, i - 200), i))?.[0];
    if (!name) return undefined;
    i -= name.length;
    if (source[i - 1] !== ".") return source.slice(i, end);
    i -= 1;
  }
}

function matchingOpen(source: string, close: number): number {
  const pairs: Record<string, string> = { ")": "(", "]": "[" };
  const stack: string[] = [];
  for (let i = close; i >= 0 && close - i < 2000; i--) {
    const c = source[i]!;
    if (c === ")" || c === "]") stack.push(pairs[c]!);
    else if (c === "(" || c === "[") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Resolves `a.b(c)[0].d` written at `offset`: each segment's name, then calls and indexes. */
function resolveChainText(
  checked: CheckedRulebook,
  source: string,
  chain: string,
  offset: number,
): Resolved | undefined {
  const segments = splitChain(chain);
  if (!segments) return undefined;
  const [first, ...rest] = segments;
  let resolved = resolveFirst(checked, source, first!, offset);
  for (const segment of rest) {
    if (!resolved?.type || resolved.type.kind !== "record") return undefined;
    const field = resolved.type.fields.get(segment.name);
    if (!field) return undefined;
    resolved = applyPostfix({ type: field.type }, segment.postfix);
  }
  return resolved;
}

interface Segment {
  name: string;
  postfix: ("call" | "index")[];
}

function splitChain(chain: string): Segment[] | undefined {
  const segments: Segment[] = [];
  let i = 0;
  while (i < chain.length) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(chain.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    const postfix: ("call" | "index")[] = [];
    while (chain[i] === "(" || chain[i] === "[") {
      const close = chain[i] === "(" ? ")" : "]";
      postfix.push(chain[i] === "(" ? "call" : "index");
      let depth = 0;
      for (; i < chain.length; i++) {
        if (chain[i] === "(" || chain[i] === "[") depth++;
        else if (chain[i] === ")" || chain[i] === "]") depth--;
        if (depth === 0 && chain[i] === close) break;
      }
      i++;
    }
    segments.push({ name, postfix });
    if (chain[i] === ".") i++;
  }
  return segments.length > 0 ? segments : undefined;
}

function resolveFirst(
  checked: CheckedRulebook,
  source: string,
  segment: Segment,
  offset: number,
): Resolved | undefined {
  const context = checked.context;
  const local = localType(checked, source, segment.name, offset);
  if (local) return applyPostfix({ type: local }, segment.postfix);
  const symbol = context.values.get(segment.name);
  if (symbol?.kind === "tiers") {
    if (segment.postfix[0] === "call")
      return applyPostfix({ type: tierRowType(context, symbol.decl) }, segment.postfix.slice(1));
    return segment.postfix.length === 0 ? { table: symbol.name } : undefined;
  }
  if (symbol) return applyPostfix({ type: symbolType(checked, symbol) }, segment.postfix);
  const named = context.types.get(segment.name);
  if (named?.kind === "enum" && segment.postfix.length === 0) return { enumType: named };
  return undefined;
}

function applyPostfix(resolved: Resolved, postfix: ("call" | "index")[]): Resolved | undefined {
  let type = resolved.type;
  for (const op of postfix) {
    if (op !== "index" || type?.kind !== "list") return undefined;
    type = type.element;
  }
  return { type };
}

/** The type of comprehension variable `name` in scope at `offset`, from the tree or the text. */
function localType(checked: CheckedRulebook, source: string, name: string, offset: number): Type | undefined {
  const decl = declarationAt(checked.ast, offset);
  if (decl) {
    const binders = comprehensionsAt(decl, offset).filter((c) => c.variable.text === name);
    const binder = binders[binders.length - 1] ?? findBinder(decl, name);
    const type = binder ? elementOf(checked.context.exprTypes.get(binder.source)) : undefined;
    if (type) return type;
  }
  const lineStart = decl ? decl.span.start : Math.max(0, source.lastIndexOf("\n", offset - 1));
  const text = source.slice(lineStart, offset);
  const pattern = new RegExp(`\\bfor\\s+${name}\\s+in\\s+([A-Za-z_][A-Za-z0-9_.]*)`, "g");
  const matches = [...text.matchAll(pattern)];
  const last = matches[matches.length - 1];
  if (!last || last[1]!.startsWith(name + ".")) return undefined;
  return elementOf(resolveChainText(checked, source, last[1]!, lineStart + last.index!)?.type);
}

/** Any comprehension of the declaration that binds `name` (the cursor may sit in a broken part). */
function findBinder(decl: A.Declaration, name: string): A.Comprehension | undefined {
  const stack = [...declarationExpressions(decl)];
  while (stack.length > 0) {
    const expr = stack.pop()!;
    if (expr.kind === "CallExpr" && expr.comprehension?.variable.text === name) return expr.comprehension;
    stack.push(...childExpressions(expr));
  }
  return undefined;
}
