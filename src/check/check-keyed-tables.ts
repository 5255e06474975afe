/**
 * Static checks of keyed tables (`table fees by symbol: Symbol { ... }`) and of the keys of tier
 * table families (`tiers brackets[symbol: Symbol] by ...`): key types, one row per key, every
 * member of an enum key present (or a `default:` row), and cells that fold to constants of their
 * column's type. A cell may name parameters and the other columns of its row
 * (`mmr = 1 / (2 * max_leverage)`); the folded values go to `context.cellValues` for the compiler.
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import type { CheckContext } from "./context.js";
import type { ExprEnv, ExpressionChecker } from "./check-expr.js";
import { evaluateConstant, type ConstantValue } from "./constants.js";
import { type RecordField, type Type, assignable, describeType, formatType, isNumeric } from "./types.js";

/** A folded cell: a number, a Bool, or a text / enum member (as its text). */
export type CellValue = ConstantValue | string;

/** How many missing keys an exhaustiveness error names before "and N more". */
const SHOWN_MISSING = 3;
/** Tuple keys over enums are checked for exhaustiveness up to this many combinations. */
const MAX_COMBINATIONS = 10_000;

/** The record type of `fees[key]`: one field per column. */
export function keyedRowType(context: CheckContext, decl: A.TableDecl): Type {
  const fields = new Map<string, RecordField>();
  for (const column of decl.columns)
    fields.set(column.name.text, {
      name: column.name.text,
      type: context.resolveType(column.type),
      optional: false,
    });
  return { kind: "record", name: `row of ${decl.name.text}`, fields };
}

/** The types of a table's key fields; reports a key that is no enum, Text or number. */
export function keyTypes(context: CheckContext, table: string, keys: readonly A.TableKeyField[]): Type[] {
  return keys.map((key) => {
    const type = context.resolveType(key.type);
    const ok =
      type.kind === "error" ||
      type.kind === "enum" ||
      type.kind === "text" ||
      (isNumeric(type) && Object.keys(type.unit).length === 0 && !type.rate);
    if (!ok)
      context.report(messages.tableKeyType, key.type.span, {
        name: key.name.text,
        table,
        actual: describeType(type),
      });
    return ok ? type : { kind: "error" };
  });
}

/** Checks a keyed table: keys, rows, cells and exhaustiveness. */
export function checkKeyedTable(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.TableDecl,
): void {
  const table = decl.name.text;
  const types = keyTypes(context, table, decl.keys);
  const columns = decl.columns.map((c) => ({ name: c.name.text, type: context.resolveType(c.type) }));
  const seen = new Set<string>();
  decl.columns.forEach((column) => {
    if (column.start)
      context.report(messages.startNotDerived, column.start.span, { column: column.name.text });
    if (seen.has(column.name.text))
      context.report(messages.duplicateField, column.name.span, { name: column.name.text });
    seen.add(column.name.text);
  });
  const keys = checkRowKeys(
    context,
    table,
    types,
    decl.rows.map((r) => ({ key: r.key, span: r.keySpan, isDefault: r.isDefault })),
  );
  for (const row of decl.rows) {
    if (row.cells.length !== columns.length) {
      const span = row.cells.length > columns.length ? row.cells[columns.length]!.span : row.span;
      context.report(messages.tierCellCount, span, { actual: row.cells.length, expected: columns.length });
    }
    foldRow(
      context,
      expressions,
      columns,
      row.cells.map((expr) => ({ expr, owner: expr })),
    );
  }
  if (!keys.hasDefault) checkExhaustive(context, table, types, keys.present, decl.name.span);
}

/** The keys of a family's groups: types, duplicates, exhaustiveness. */
export function checkFamilyKeys(context: CheckContext, decl: A.TiersDecl): void {
  if (!decl.family) return;
  const table = decl.name.text;
  const types = keyTypes(context, table, [decl.family]);
  const groups = decl.groups ?? [];
  const keys = checkRowKeys(
    context,
    table,
    types,
    groups.map((g) => {
      const isDefault = g.key.length === 1 && g.key[0]!.kind === "name" && g.key[0]!.text === "default";
      return { key: isDefault ? [] : g.key, span: g.key[0]?.span ?? g.span, isDefault };
    }),
  );
  if (decl.rows.length > 0) context.report(messages.tableRowOutsideGroup, decl.rows[0]!.span, { table });
  if (!keys.hasDefault) checkExhaustive(context, table, types, keys.present, decl.name.span);
}

interface RowKey {
  key: A.TableKeyValue[];
  span: A.Span;
  isDefault: boolean;
}

/** Checks each row's key against the key types; returns the keys present (as text) and whether a default exists. */
function checkRowKeys(
  context: CheckContext,
  table: string,
  types: readonly Type[],
  rows: readonly RowKey[],
): { present: Set<string>; hasDefault: boolean } {
  const present = new Map<string, A.Span>();
  let defaultRow: A.Span | undefined;
  for (const row of rows) {
    if (row.isDefault) {
      if (defaultRow) context.report(messages.tableTwoDefaults, row.span, { table });
      defaultRow ??= row.span;
      continue;
    }
    if (row.key.length !== types.length) {
      context.report(messages.tableKeyCount, row.span, {
        table,
        expected: types.length,
        actual: row.key.length,
      });
      continue;
    }
    if (!row.key.every((k, i) => checkKeyValue(context, table, types[i]!, k))) continue;
    const text = keyLabel(row.key);
    const first = present.get(text);
    if (first)
      context.report(
        messages.tableDuplicateKey,
        row.span,
        { table, key: text },
        { related: [{ message: "first row for this key", span: first }] },
      );
    else present.set(text, row.span);
  }
  return { present: new Set(present.keys()), hasDefault: defaultRow !== undefined };
}

function checkKeyValue(context: CheckContext, table: string, type: Type, key: A.TableKeyValue): boolean {
  if (type.kind === "error" || key.text === "") return false;
  const mismatch = (): false => {
    context.report(
      messages.tableKeyMismatch,
      key.span,
      { key: showKey(key), table, expected: describeType(type) },
      type.kind === "enum" ? context.didYouMean(key.text, key.span, type.members) : {},
    );
    return false;
  };
  if (type.kind === "enum") return key.kind === "name" && type.members.includes(key.text) ? true : mismatch();
  if (type.kind === "text") return key.kind === "number" ? mismatch() : true;
  if (key.kind !== "number") return mismatch();
  if (isNumeric(type) && type.integer && !Number.isInteger(key.value)) {
    context.report(messages.notAnInteger, key.span, { what: `a key of \`${table}\``, text: key.text });
    return false;
  }
  return true;
}

/** Every combination of enum members must have a row (tables keyed by Text or numbers cannot be complete). */
function checkExhaustive(
  context: CheckContext,
  table: string,
  types: readonly Type[],
  present: ReadonlySet<string>,
  span: A.Span,
): void {
  if (types.length === 0 || !types.every((t) => t.kind === "enum")) return;
  const members = types.map((t) => (t as Extract<Type, { kind: "enum" }>).members);
  if (members.reduce((n, m) => n * m.length, 1) > MAX_COMBINATIONS) return;
  let combinations: string[][] = [[]];
  for (const m of members) combinations = combinations.flatMap((prefix) => m.map((x) => [...prefix, x]));
  const missing = combinations
    .map((c) => keyLabel(c.map((text) => ({ text, kind: "name" as const, value: text, span: span }))))
    .filter((label) => !present.has(label));
  if (missing.length === 0) return;
  const shown = missing.slice(0, SHOWN_MISSING).join(", ");
  const more = missing.length > SHOWN_MISSING ? ` and ${missing.length - SHOWN_MISSING} more` : "";
  context.report(messages.tableMissingKeys, span, { table, missing: shown + more });
}

/** A key as messages show it: `` `BTCUSDT` ``, `"spot"`, `3`, `` (`ES`, `NQ`) ``. */
export function keyLabel(key: readonly A.TableKeyValue[]): string {
  const parts = key.map(showKey);
  return parts.length === 1 ? parts[0]! : `(${parts.join(", ")})`;
}

function showKey(key: A.TableKeyValue): string {
  return key.kind === "string" ? JSON.stringify(key.text) : `\`${key.text}\``;
}

/** A cell to fold: its expression, and what `context.cellValues` keys its value by. */
export interface RowCell {
  expr: A.Expr;
  owner: A.Expr | A.TierCell;
  /** A literal tier cell's value, already read by the parser. */
  literal?: number;
}

/**
 * Type-checks and folds the cells of one row. A cell may name parameters and the other columns of
 * its row; a cycle between columns, or anything that reads an input, is not constant.
 */
export function foldRow(
  context: CheckContext,
  expressions: ExpressionChecker,
  columns: readonly { name: string; type: Type }[],
  cells: readonly RowCell[],
): (CellValue | undefined)[] {
  const env: ExprEnv = { locals: new Map(columns.map((c) => [c.name, c.type])) };
  const values: (CellValue | undefined)[] = [];
  const done = new Set<number>();
  const folding = new Set<number>();
  const valueOf = (i: number): CellValue | undefined => {
    if (done.has(i) || folding.has(i)) return values[i];
    const cell = cells[i]!;
    folding.add(i);
    const value = cell.literal ?? foldCell(cell.expr, lookup);
    folding.delete(i);
    done.add(i);
    values[i] = value;
    return value;
  };
  const lookup = (name: string): ConstantValue | undefined => {
    const at = columns.findIndex((c) => c.name === name);
    if (at < 0 || at >= cells.length) return context.parameterConstant(name);
    const value = valueOf(at);
    return typeof value === "string" ? undefined : value;
  };
  cells.forEach((cell, i) => {
    const column = columns[i];
    if (cell.literal !== undefined) {
      valueOf(i);
      return;
    }
    const actual = expressions.check(cell.expr, env);
    const mismatch =
      column !== undefined &&
      column.type.kind !== "error" &&
      actual.kind !== "error" &&
      !assignable(column.type, actual);
    if (mismatch)
      context.report(messages.tierCellMismatch, cell.expr.span, {
        column: column.name,
        expected: describeType(column.type),
        text: cell.expr.kind === "StringLit" ? JSON.stringify(cell.expr.value) : formatType(actual),
        actual: describeType(actual),
      });
    const value = valueOf(i);
    if (value === undefined) {
      if (actual.kind !== "error" && cell.expr.kind !== "MissingExpr")
        context.reportNotConstant(cell.expr, "a table cell");
      return;
    }
    if (typeof value === "number" && context.requireFinite(value, cell.expr, "a table cell") === undefined) {
      values[i] = undefined;
      return;
    }
    if (
      column &&
      isNumeric(column.type) &&
      column.type.integer &&
      typeof value === "number" &&
      !Number.isInteger(value)
    )
      context.report(messages.notAnInteger, cell.expr.span, {
        what: `column \`${column.name}\``,
        text: String(value),
      });
    // A cell of the wrong unit has no value for the table's own checks: `5 USDT` in a rate column
    // is MB3016, not also an IM rate below the MM rate.
    if (!mismatch) context.cellValues.set(cell.owner, value);
  });
  return values;
}

/** Folds a cell: texts and enum members as their text, everything else as a constant expression. */
function foldCell(expr: A.Expr, lookup: (name: string) => ConstantValue | undefined): CellValue | undefined {
  if (expr.kind === "StringLit") return expr.value;
  if (expr.kind === "EnumRef") return expr.member.text;
  return evaluateConstant(expr, lookup);
}
