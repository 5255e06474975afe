/**
 * The semantic diff of two versions of a rulebook: which header fields, parameters, tier rows,
 * rules, outputs and assertions changed, not which characters moved. Formatting and comments are
 * compared separately, so a reformatted file reports no rule change.
 */
import { LineMap } from "../diagnostics/line-map.js";
import type { IrImport } from "../ir/ir.js";
import type * as A from "../syntax/ast.js";
import { printExpression, printType, printVerify } from "../syntax/format.js";
import { parseRulebook } from "../syntax/parse.js";

/** How big a change is, in semantic-versioning terms. */
export type ChangeImpact = "major" | "minor" | "patch";

export type ChangeSubject =
  | "header"
  | "input"
  | "record"
  | "enum"
  | "param"
  | "tiers"
  | "tier-row"
  | "table"
  | "table-row"
  | "let"
  | "rule"
  | "output"
  | "assert"
  | "scenarios"
  | "doc"
  | "verify"
  | "fn"
  | "import";

export interface Change {
  subject: ChangeSubject;
  action: "added" | "removed" | "changed" | "reordered";
  /** The declaration (for a tier row: `table[lower, upper)`). */
  name: string;
  /** One line per detail, such as `value: 80% -> 75%` or `mmr: 2.50% -> 2.75% (+0.25 pt)`. */
  details: string[];
  impact: ChangeImpact;
  oldLine?: number;
  newLine?: number;
}

export interface SemanticDiff {
  changes: Change[];
  /** True when something that can change a result changed (not only docs, comments or layout). */
  behaviourChanged: boolean;
  /** The texts differ but not their meaning: only layout, or only layout and comments. */
  layout: "identical" | "formatting only" | "comments changed" | "semantic";
  oldHeader: Record<string, string>;
  newHeader: Record<string, string>;
  /** Syntax errors in either side make the diff unreliable; they are listed here. */
  errors: string[];
}

interface Side {
  source: string;
  ast: A.Rulebook;
  lineOf(offset: number): number;
}

function side(source: string, file: string, errors: string[]): Side {
  const parsed = parseRulebook(source, file);
  for (const d of parsed.diagnostics)
    if (d.severity === "error") errors.push(`${file}: ${d.code} ${d.message}`);
  const lines = new LineMap(source);
  return { source, ast: parsed.ast, lineOf: (offset) => lines.position(offset).line };
}

/** Compares two versions of a rulebook given as source texts. */
export function semanticDiff(
  oldSource: string,
  newSource: string,
  oldFile = "old",
  newFile = "new",
): SemanticDiff {
  const errors: string[] = [];
  const before = side(oldSource, oldFile, errors);
  const after = side(newSource, newFile, errors);
  const changes: Change[] = [
    ...diffHeader(before, after),
    ...diffImports(before, after),
    ...diffDeclarations(before, after),
    ...diffRuleOrder(before, after),
  ];
  // Docs, comments, owner, description, version and effective date change no result.
  const behaviourChanged = changes.some((c) => c.impact !== "patch");
  let layout: SemanticDiff["layout"] = "semantic";
  if (changes.length > 0 && changes.every((c) => c.subject === "doc")) layout = "comments changed";
  else if (changes.length === 0) {
    if (oldSource === newSource) layout = "identical";
    else layout = sameComments(before.ast, after.ast) ? "formatting only" : "comments changed";
  }
  return {
    changes,
    behaviourChanged,
    layout,
    oldHeader: headerMap(before.ast),
    newHeader: headerMap(after.ast),
    errors,
  };
}

function headerMap(ast: A.Rulebook): Record<string, string> {
  const map: Record<string, string> = {};
  if (ast.header) map["name"] = ast.header.name.text;
  for (const field of ast.header?.fields ?? []) if (!(field.key in map)) map[field.key] = field.value;
  return map;
}

function diffHeader(before: Side, after: Side): Change[] {
  const oldHeader = headerMap(before.ast);
  const newHeader = headerMap(after.ast);
  const keys = [...new Set([...Object.keys(oldHeader), ...Object.keys(newHeader)])];
  const impactOf = (key: string): ChangeImpact =>
    key === "currency" || key === "extends" ? "major" : "patch";
  return keys.flatMap((key): Change[] => {
    const o = oldHeader[key];
    const n = newHeader[key];
    if (o === n) return [];
    const action = o === undefined ? "added" : n === undefined ? "removed" : "changed";
    return [
      {
        subject: "header",
        action,
        name: key,
        details: [`${o ?? "(none)"} -> ${n ?? "(none)"}`],
        impact: impactOf(key),
      },
    ];
  });
}

// ---- declarations ----

type Keyed = { key: string; subject: ChangeSubject; name: string; decl: A.Declaration };

function keyed(ast: A.Rulebook): Map<string, Keyed> {
  const map = new Map<string, Keyed>();
  for (const decl of ast.declarations) {
    const subject = SUBJECTS[decl.kind];
    const name =
      decl.kind === "AssertDecl"
        ? printExpression(decl.condition)
        : decl.kind === "VerifyDecl"
          ? printVerify({ ...decl, message: undefined })
          : decl.name.text;
    const key = `${subject}:${name}`;
    if (!map.has(key)) map.set(key, { key, subject, name, decl });
  }
  return map;
}

const SUBJECTS: Record<A.Declaration["kind"], ChangeSubject> = {
  EnumDecl: "enum",
  RecordDecl: "record",
  InputDecl: "input",
  ParamDecl: "param",
  TiersDecl: "tiers",
  TableDecl: "table",
  LetDecl: "let",
  RuleDecl: "rule",
  FnDecl: "fn",
  OutputDecl: "output",
  AssertDecl: "assert",
  ScenariosDecl: "scenarios",
  VerifyDecl: "verify",
};

/** Verified properties are checked by `marginbook verify` and change no result: a patch. */
const NO_RESULT_SUBJECTS: ReadonlySet<ChangeSubject> = new Set(["verify"]);

function declImpact(subject: ChangeSubject, otherwise: ChangeImpact): ChangeImpact {
  return NO_RESULT_SUBJECTS.has(subject) ? "patch" : otherwise;
}

/** Adding or removing these changes what engines send or receive: a major change. */
const SCHEMA_SUBJECTS: ReadonlySet<ChangeSubject> = new Set(["input", "record", "enum"]);

/** An import's key: its namespace, or its path for an import by name. */
function importKey(decl: A.ImportDecl): string {
  return decl.alias ? `as ${decl.alias.text}` : `from ${decl.path}`;
}

/** `import` lines added, removed, or pointed elsewhere (path, names, pinned version). */
function diffImports(before: Side, after: Side): Change[] {
  const name = (d: A.ImportDecl) => (d.alias ? d.alias.text : `${d.names.map((n) => n.text).join(", ")}`);
  const oldImports = new Map((before.ast.imports ?? []).map((d) => [importKey(d), d]));
  const newImports = new Map((after.ast.imports ?? []).map((d) => [importKey(d), d]));
  const changes: Change[] = [];
  for (const [key, o] of oldImports) {
    const n = newImports.get(key);
    const oldLine = before.lineOf(o.span.start);
    if (!n) {
      changes.push({
        subject: "import",
        action: "removed",
        name: name(o),
        details: [o.path],
        impact: "major",
        oldLine,
      });
      continue;
    }
    const details: string[] = [];
    if (o.path !== n.path) details.push(`path: ${o.path} -> ${n.path}`);
    if (name(o) !== name(n)) details.push(`names: ${name(o)} -> ${name(n)}`);
    if (o.version?.text !== n.version?.text)
      details.push(`version: ${o.version?.text ?? "(not pinned)"} -> ${n.version?.text ?? "(not pinned)"}`);
    if (details.length > 0)
      changes.push({
        subject: "import",
        action: "changed",
        name: name(n),
        details,
        impact: "minor",
        oldLine,
        newLine: after.lineOf(n.span.start),
      });
  }
  for (const [key, n] of newImports)
    if (!oldImports.has(key))
      changes.push({
        subject: "import",
        action: "added",
        name: name(n),
        details: [n.path],
        impact: "minor",
        newLine: after.lineOf(n.span.start),
      });
  return changes;
}

/**
 * The imports whose rulebook compiled to a different IR on each side (from the compiled IRs'
 * `meta.imports`): the change that the text of the importing rulebook cannot show.
 */
export function importedChanges(oldImports: readonly IrImport[], newImports: readonly IrImport[]): Change[] {
  const key = (i: IrImport) => (i.as !== undefined ? `as ${i.as}` : `from ${i.path}`);
  const before = new Map(oldImports.map((i) => [key(i), i]));
  return newImports.flatMap((n): Change[] => {
    const o = before.get(key(n));
    if (!o || o.irHash === n.irHash) return [];
    const short = (hash: string) => hash.slice(0, 19);
    return [
      {
        subject: "import",
        action: "changed",
        name: n.as ?? (n.names ?? []).join(", "),
        details: [
          `the rulebook ${n.path} compiles differently: IR ${short(o.irHash)}... -> ${short(n.irHash)}...`,
        ],
        impact: "minor",
      },
    ];
  });
}

function diffDeclarations(before: Side, after: Side): Change[] {
  const oldDecls = keyed(before.ast);
  const newDecls = keyed(after.ast);
  const changes: Change[] = [];
  for (const [key, o] of oldDecls) {
    const n = newDecls.get(key);
    const oldLine = before.lineOf(o.decl.span.start);
    if (!n) {
      const impact = declImpact(
        o.subject,
        SCHEMA_SUBJECTS.has(o.subject) || o.subject === "output" ? "major" : "minor",
      );
      changes.push({ subject: o.subject, action: "removed", name: o.name, details: [], impact, oldLine });
      continue;
    }
    const newLine = after.lineOf(n.decl.span.start);
    if (o.decl.kind === "TiersDecl" && n.decl.kind === "TiersDecl") {
      changes.push(...diffTiers(o.decl, n.decl, before, after));
    } else if (o.decl.kind === "TableDecl" && n.decl.kind === "TableDecl") {
      changes.push(...diffKeyedTable(o.decl, n.decl, before, after));
    } else if (fingerprint(o.decl) !== fingerprint(n.decl)) {
      const impact = declImpact(o.subject, SCHEMA_SUBJECTS.has(o.subject) ? "major" : "minor");
      changes.push({
        subject: o.subject,
        action: "changed",
        name: o.name,
        details: describeDecl(o.decl, n.decl),
        impact,
        oldLine,
        newLine,
      });
    }
    if (normaliseSpace(o.decl.doc) !== normaliseSpace(n.decl.doc))
      changes.push({
        subject: "doc",
        action: "changed",
        name: o.name,
        details: ["documentation comment changed"],
        impact: "patch",
        oldLine,
        newLine,
      });
  }
  for (const [key, n] of newDecls) {
    if (oldDecls.has(key)) continue;
    // A new optional input field is compatible; a new input or record is what engines must now send.
    const impact = declImpact(n.subject, SCHEMA_SUBJECTS.has(n.subject) ? "major" : "minor");
    changes.push({
      subject: n.subject,
      action: "added",
      name: n.name,
      details: describeDecl(undefined, n.decl),
      impact,
      newLine: after.lineOf(n.decl.span.start),
    });
  }
  return changes;
}

/** The meaning of a declaration, without spans, comments or docs. */
export function fingerprint(node: unknown): string {
  return JSON.stringify(node, function (this: Record<string, unknown>, key, value: unknown) {
    if (key === "span" || key === "doc" || key.endsWith("Span")) return undefined;
    // A number's meaning is its value: `50_000` and `50000`, `0.80%` and `0.8%` are the same.
    if (key === "text" && typeof this["value"] === "number") return undefined;
    return value;
  });
}

function describeDecl(o: A.Declaration | undefined, n: A.Declaration): string[] {
  const show = (d: A.Declaration | undefined, f: (d: never) => string): string =>
    d ? f(d as never) : "(none)";
  switch (n.kind) {
    case "ParamDecl":
      return [
        `value: ${show(o, (d: A.ParamDecl) => printExpression(d.value))} -> ${printExpression(n.value)}`,
        ...typeChange(o as A.ParamDecl | undefined, n),
      ];
    case "LetDecl":
      return [`value: ${show(o, (d: A.LetDecl) => printExpression(d.value))} -> ${printExpression(n.value)}`];
    case "OutputDecl":
      return [
        `value: ${show(o, (d: A.OutputDecl) => outputText(d))} -> ${outputText(n)}`,
        ...typeChange(o as A.OutputDecl | undefined, n),
      ];
    case "RuleDecl":
      return ruleDetails(o as A.RuleDecl | undefined, n);
    case "InputDecl":
    case "RecordDecl":
      return fieldDetails(o as A.InputDecl | A.RecordDecl | undefined, n);
    case "EnumDecl":
      return [
        `members: ${show(o, (d: A.EnumDecl) => d.members.map((m) => m.text).join(", "))} -> ${n.members.map((m) => m.text).join(", ")}`,
      ];
    case "AssertDecl":
      return [`assert ${printExpression(n.condition)}`];
    case "ScenariosDecl":
      return [`${n.statements.length} scenario statement(s)`];
    case "VerifyDecl":
      return [printVerify(n)];
    case "TiersDecl":
      return n.groups
        ? [`${n.groups.length} table(s), ${n.mode ?? "no mode"}`]
        : [`${n.rows.length} row(s), ${n.mode ?? "no mode"}`];
    case "TableDecl":
      return [`${n.rows.length} row(s)`];
    case "FnDecl":
      return [`body: ${show(o, (d: A.FnDecl) => printExpression(d.value))} -> ${printExpression(n.value)}`];
  }
}

function typeChange(o: { type?: A.TypeRef } | undefined, n: { type?: A.TypeRef }): string[] {
  const before = o?.type ? printType(o.type) : "";
  const after = n.type ? printType(n.type) : "";
  return o && before !== after ? [`type: ${before || "(inferred)"} -> ${after || "(inferred)"}`] : [];
}

function outputText(d: A.OutputDecl): string {
  return (
    printExpression(d.value) +
    (d.rounding ? ` round ${d.rounding.direction} to ${printExpression(d.rounding.step)}` : "")
  );
}

function ruleDetails(o: A.RuleDecl | undefined, n: A.RuleDecl): string[] {
  const stepText = (s: A.Step): string =>
    `${s.verb} ${s.target.text}: ${printExpression(s.value)}${s.condition ? ` when ${printExpression(s.condition)}` : ""}`;
  const details: string[] = [];
  const oldCondition = o?.condition ? printExpression(o.condition) : "";
  const newCondition = n.condition ? printExpression(n.condition) : "";
  if (oldCondition !== newCondition)
    details.push(`when: ${oldCondition || "(always)"} -> ${newCondition || "(always)"}`);
  const oldSteps = (o?.steps ?? []).map(stepText);
  const newSteps = n.steps.map(stepText);
  for (const step of oldSteps) if (!newSteps.includes(step)) details.push(`- ${step}`);
  for (const step of newSteps) if (!oldSteps.includes(step)) details.push(`+ ${step}`);
  return details;
}

function fieldDetails(o: A.InputDecl | A.RecordDecl | undefined, n: A.InputDecl | A.RecordDecl): string[] {
  const text = (f: A.FieldDecl): string =>
    `${f.name.text}: ${printType(f.type)}${f.domain.map((b) => ` ${b.op} ${printExpression(b.bound)}`).join("")}${f.default ? ` = ${printExpression(f.default)}` : ""}`;
  const oldFields = new Map((o?.fields ?? []).map((f) => [f.name.text, text(f)]));
  const newFields = new Map((n.fields ?? []).map((f) => [f.name.text, text(f)]));
  const details: string[] = [];
  for (const [name, t] of oldFields) if (!newFields.has(name)) details.push(`- ${t}`);
  for (const [name, t] of newFields) {
    const before = oldFields.get(name);
    if (before === undefined) details.push(`+ ${t}`);
    else if (before !== t) details.push(`${before} -> ${t}`);
  }
  if (n.kind === "InputDecl" && (o as A.InputDecl | undefined)?.type && n.type)
    details.push(`type: ${printType((o as A.InputDecl).type!)} -> ${printType(n.type)}`);
  return details;
}

// ---- tier tables ----

function rowLabel(table: string, row: A.TierRow): string {
  return `${table}${row.lowerInclusive ? "[" : "("}${row.lower.text}, ${row.upper.text}${row.upperInclusive ? "]" : ")"}`;
}

/** A tier table family is diffed table by table (`brackets[BTCUSDT]`), each row by its lower bound. */
function diffTiers(o: A.TiersDecl, n: A.TiersDecl, before: Side, after: Side): Change[] {
  if (!o.groups && !n.groups) return diffOneTable(o, n, before, after);
  const groupsOf = (d: A.TiersDecl): Map<string, A.TierGroup> =>
    new Map((d.groups ?? []).map((g) => [keyText(g.key), g]));
  const member = (d: A.TiersDecl, key: string, g: A.TierGroup): A.TiersDecl => ({
    ...d,
    name: { ...d.name, text: `${d.name.text}[${key}]` },
    rows: g.rows,
    groups: undefined,
  });
  const oldGroups = groupsOf(o);
  const newGroups = groupsOf(n);
  const changes = diffOneTable({ ...o, rows: [] }, { ...n, rows: [] }, before, after);
  for (const [key, g] of oldGroups) {
    const match = newGroups.get(key);
    if (match) changes.push(...diffOneTable(member(o, key, g), member(n, key, match), before, after));
    else
      changes.push({
        subject: "tiers",
        action: "removed",
        name: `${n.name.text}[${key}]`,
        details: [],
        impact: "minor",
        oldLine: before.lineOf(g.span.start),
      });
  }
  for (const [key, g] of newGroups)
    if (!oldGroups.has(key))
      changes.push({
        subject: "tiers",
        action: "added",
        name: `${n.name.text}[${key}]`,
        details: [`${g.rows.length} row(s)`],
        impact: "minor",
        newLine: after.lineOf(g.span.start),
      });
  return changes;
}

function keyText(key: A.TableKeyValue[]): string {
  return key.map((k) => (k.kind === "string" ? JSON.stringify(k.text) : k.text)).join(", ");
}

/** A keyed table: its key and columns, then each row by its key (`fees[BTCUSDT]: taker 0.05% -> 0.04%`). */
function diffKeyedTable(o: A.TableDecl, n: A.TableDecl, before: Side, after: Side): Change[] {
  const name = n.name.text;
  const changes: Change[] = [];
  const head = (d: A.TableDecl): string =>
    `by ${d.keys.map((k) => `${k.name.text}: ${printType(k.type)}`).join(", ")}; columns ${d.columns
      .map((c) => `${c.name.text}: ${printType(c.type)}`)
      .join(", ")}`;
  if (head(o) !== head(n))
    changes.push({
      subject: "table",
      action: "changed",
      name,
      details: [`${head(o)} -> ${head(n)}`],
      impact: "minor",
      oldLine: before.lineOf(o.span.start),
      newLine: after.lineOf(n.span.start),
    });
  const rowsOf = (d: A.TableDecl): Map<string, A.TableRow> =>
    new Map(d.rows.map((r) => [r.isDefault ? "default" : keyText(r.key), r]));
  const oldRows = rowsOf(o);
  const newRows = rowsOf(n);
  const cells = (d: A.TableDecl, r: A.TableRow): string[] =>
    d.columns.map((c, i) => `${c.name.text} ${r.cells[i] ? printExpression(r.cells[i]) : "?"}`);
  for (const [key, row] of oldRows) {
    const match = newRows.get(key);
    const label = `${name}[${key}]`;
    if (!match) {
      changes.push({
        subject: "table-row",
        action: "removed",
        name: label,
        details: [],
        impact: "minor",
        oldLine: before.lineOf(row.span.start),
      });
      continue;
    }
    const was = cells(o, row);
    const now = cells(n, match);
    const details = now.flatMap((cell, i) => {
      const column = n.columns[i]!.name.text;
      const old = was.find((w) => w.startsWith(`${column} `));
      return old === cell
        ? []
        : [`${column}: ${old?.slice(column.length + 1) ?? "(none)"} -> ${cell.slice(column.length + 1)}`];
    });
    if (details.length > 0)
      changes.push({
        subject: "table-row",
        action: "changed",
        name: label,
        details,
        impact: "minor",
        oldLine: before.lineOf(row.span.start),
        newLine: after.lineOf(match.span.start),
      });
  }
  for (const [key, row] of newRows)
    if (!oldRows.has(key))
      changes.push({
        subject: "table-row",
        action: "added",
        name: `${name}[${key}]`,
        details: [cells(n, row).join(", ")],
        impact: "minor",
        newLine: after.lineOf(row.span.start),
      });
  return changes;
}

function diffOneTable(o: A.TiersDecl, n: A.TiersDecl, before: Side, after: Side): Change[] {
  const name = n.name.text;
  const changes: Change[] = [];
  const details: string[] = [];
  if (o.mode !== n.mode) details.push(`mode: ${o.mode ?? "(none)"} -> ${n.mode ?? "(none)"}`);
  if (printType(o.keyType) !== printType(n.keyType))
    details.push(`key: ${printType(o.keyType)} -> ${printType(n.keyType)}`);
  const columns = (d: A.TiersDecl): string =>
    d.columns
      .map(
        (c) => `${c.name.text}: ${printType(c.type)}${c.start ? ` start ${printExpression(c.start)}` : ""}`,
      )
      .join(", ");
  if (columns(o) !== columns(n)) details.push(`columns: ${columns(o)} -> ${columns(n)}`);
  if (Boolean(o.limitSpan) !== Boolean(n.limitSpan))
    details.push(
      n.limitSpan ? "the last tier is now a deliberate limit" : "the last tier is no longer a limit",
    );
  if (details.length > 0)
    changes.push({
      subject: "tiers",
      action: "changed",
      name,
      details,
      impact: "minor",
      oldLine: before.lineOf(o.span.start),
      newLine: after.lineOf(n.span.start),
    });
  // Rows are matched by their lower bound: a changed cap or rate is a changed row, not a new one.
  const oldRows = new Map(o.rows.map((r) => [r.lower.value, r]));
  const newRows = new Map(n.rows.map((r) => [r.lower.value, r]));
  for (const [lower, row] of oldRows) {
    const match = newRows.get(lower);
    if (!match) {
      changes.push({
        subject: "tier-row",
        action: "removed",
        name: rowLabel(name, row),
        details: [],
        impact: "minor",
        oldLine: before.lineOf(row.span.start),
      });
      continue;
    }
    const rowDetails = diffRow(o, n, row, match);
    if (rowDetails.length > 0)
      changes.push({
        subject: "tier-row",
        action: "changed",
        name: rowLabel(name, match),
        details: rowDetails,
        impact: "minor",
        oldLine: before.lineOf(row.span.start),
        newLine: after.lineOf(match.span.start),
      });
  }
  for (const [lower, row] of newRows) {
    if (oldRows.has(lower)) continue;
    const cells = n.columns.map((c, i) => `${c.name.text} ${row.cells[i]?.text ?? "?"}`).join(", ");
    changes.push({
      subject: "tier-row",
      action: "added",
      name: rowLabel(name, row),
      details: [cells],
      impact: "minor",
      newLine: after.lineOf(row.span.start),
    });
  }
  return changes;
}

function diffRow(o: A.TiersDecl, n: A.TiersDecl, oldRow: A.TierRow, newRow: A.TierRow): string[] {
  const details: string[] = [];
  if (rowLabel("", oldRow) !== rowLabel("", newRow))
    details.push(`bounds: ${rowLabel("", oldRow)} -> ${rowLabel("", newRow)}`);
  n.columns.forEach((column, i) => {
    const oldIndex = o.columns.findIndex((c) => c.name.text === column.name.text);
    const before = oldRow.cells[oldIndex];
    const after = newRow.cells[i];
    const same = (a: A.TierCell, b: A.TierCell): boolean =>
      a.expr || b.expr ? normaliseSpace(a.text) === normaliseSpace(b.text) : a.value === b.value;
    if (!after || (before && same(before, after))) return;
    const delta = before ? after.value - before.value : undefined;
    const shown =
      delta === undefined
        ? ""
        : after.suffix || before?.suffix
          ? ` (${delta >= 0 ? "+" : ""}${round(delta * 100)} pt)`
          : ` (${delta >= 0 ? "+" : ""}${round(delta)})`;
    details.push(`${column.name.text}: ${before?.text ?? "(none)"} -> ${after.text}${shown}`);
  });
  return details;
}

function round(value: number): string {
  return String(Number(value.toPrecision(10)));
}

// ---- rule order and comments ----

function diffRuleOrder(before: Side, after: Side): Change[] {
  const names = (ast: A.Rulebook): string[] =>
    ast.declarations.filter((d): d is A.RuleDecl => d.kind === "RuleDecl").map((d) => d.name.text);
  const oldOrder = names(before.ast);
  const newOrder = names(after.ast);
  const common = oldOrder.filter((n) => newOrder.includes(n));
  const commonNew = newOrder.filter((n) => oldOrder.includes(n));
  if (common.join("\u0000") === commonNew.join("\u0000")) return [];
  return [
    {
      subject: "rule",
      action: "reordered",
      name: "rules",
      details: [`${common.join(", ")} -> ${commonNew.join(", ")}`],
      impact: "minor",
    },
  ];
}

function sameComments(a: A.Rulebook, b: A.Rulebook): boolean {
  // Whitespace inside a comment is layout too.
  const texts = (r: A.Rulebook): string => r.comments.map((c) => normaliseSpace(c.text)).join("\n");
  return texts(a) === texts(b);
}

function normaliseSpace(text: string | undefined): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}
