/**
 * Static checks of tier tables: mode, columns, cells and the shape of the brackets (ascending,
 * contiguous, no overlaps, IM rate >= MM rate in every row, rates non-decreasing).
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { LIMITS } from "../syntax/limits.js";
import type { CheckContext } from "./context.js";
import { TOP_LEVEL, type ExpressionChecker } from "./check-expr.js";
import { checkFamilyKeys, foldRow } from "./check-keyed-tables.js";
import {
  type RecordField,
  type Type,
  assignable,
  describeType,
  isDimensionless,
  isNumeric,
  ERROR,
  NUMBER,
} from "./types.js";

/** The record type of a row lookup `table(x)`: the columns plus `tier`, `lower` and `upper`. */
export function tierRowType(context: CheckContext, decl: A.TiersDecl): Type {
  const keyType = context.resolveType(decl.keyType);
  const fields = new Map<string, RecordField>();
  for (const column of decl.columns)
    fields.set(column.name.text, {
      name: column.name.text,
      type: context.resolveType(column.type),
      optional: false,
    });
  fields.set("tier", { name: "tier", type: NUMBER, optional: false });
  fields.set("lower", { name: "lower", type: keyType, optional: false });
  fields.set("upper", { name: "upper", type: keyType, optional: false });
  return { kind: "record", name: `row of ${decl.name.text}`, fields };
}

export function checkTiers(context: CheckContext, expressions: ExpressionChecker, decl: A.TiersDecl): void {
  const name = decl.name.text;
  if (!decl.mode) context.report(messages.missingTierMode, decl.name.span, { name });
  const keyType = context.resolveType(decl.keyType);
  if (keyType.kind !== "error" && !isNumeric(keyType))
    context.report(messages.nonNumericColumn, decl.keyType.span, {
      name: decl.keyName.text,
      actual: describeType(keyType),
    });
  const columnTypes = checkColumns(context, expressions, decl);
  if (decl.family) {
    checkFamilyKeys(context, decl);
    for (const group of decl.groups ?? [])
      checkRows(
        context,
        expressions,
        decl,
        group.rows,
        columnTypes,
        `${name}[${group.key.map((k) => k.text).join(", ")}]`,
        group.span,
      );
    return;
  }
  checkRows(context, expressions, decl, decl.rows, columnTypes, name, decl.name.span);
}

/** The rows of one table (a whole table, or one table of a family). */
function checkRows(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.TiersDecl,
  rows: A.TierRow[],
  columnTypes: Type[],
  name: string,
  nameSpan: A.Span,
): void {
  if (rows.length === 0) {
    context.report(messages.emptyTierTable, nameSpan, { name });
    return;
  }
  if (rows.length > LIMITS.tierRows) {
    context.report(messages.tooManyDeclarations, decl.name.span, {
      count: rows.length,
      what: `rows in tier table \`${name}\``,
      limit: LIMITS.tierRows,
    });
    return;
  }
  const columns = decl.columns.map((c, i) => ({ name: c.name.text, type: columnTypes[i] ?? ERROR }));
  // A row that starts below the one before it (MB4006) is out of place: comparisons with it (a gap
  // or an overlap after it, its rates against its neighbours') would only echo that error, and the
  // table's first tier is the lowest row, wherever it stands.
  const outOfPlace = new Set<number>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    checkCells(context, expressions, decl, row, columns);
    checkInterval(context, row);
    if (i > 0 && !checkAdjacent(context, rows[i - 1]!, row, outOfPlace.has(i - 1))) outOfPlace.add(i);
  }
  const lowest = Math.min(...rows.map((r) => r.lower.value).filter((v) => !Number.isNaN(v)));
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  if (first.lower.value > 0 && lowest > 0)
    context.report(messages.tiersStartAboveZero, first.lower.span, { lower: first.lower.text });
  if (Number.isFinite(last.upper.value) && !decl.limitSpan && !outOfPlace.has(rows.length - 1))
    context.report(messages.tiersEndBelowInfinity, last.upper.span, { upper: last.upper.text });
  if (!Number.isFinite(last.upper.value) && decl.limitSpan && last.upper.text === "inf")
    context.report(messages.tableLimitUnbounded, decl.limitSpan, { table: name });
  checkRates(context, decl, rows, outOfPlace);
}

/** A cell's value: the literal as read, or the folded expression (NaN when it has none). */
export function cellNumber(context: CheckContext, cell: A.TierCell): number {
  if (!cell.expr) return cell.value;
  const value = context.cellValues.get(cell);
  return typeof value === "number" ? value : NaN;
}

function checkColumns(context: CheckContext, expressions: ExpressionChecker, decl: A.TiersDecl): Type[] {
  const seen = new Set<string>();
  return decl.columns.map((column) => {
    if (seen.has(column.name.text))
      context.report(messages.duplicateField, column.name.span, { name: column.name.text });
    seen.add(column.name.text);
    const type = context.resolveType(column.type);
    if (type.kind !== "error" && !isNumeric(type))
      context.report(messages.nonNumericColumn, column.type.span, {
        name: column.name.text,
        actual: describeType(type),
      });
    if (column.start) checkStart(context, expressions, decl, column, column.start);
    return type;
  });
}

/**
 * `mmr: Rate start 50`: the first row's deduction, a constant in the key's unit (a plain number is
 * read in the key's unit, as bounds are), on a rate column of a `marginal` table.
 */
function checkStart(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.TiersDecl,
  column: A.TierColumn,
  start: A.Expr,
): void {
  const type = expressions.check(start, TOP_LEVEL);
  const columnType = context.resolveType(column.type);
  if (decl.mode !== "marginal" || (isNumeric(columnType) && !isDimensionless(columnType.unit))) {
    context.report(messages.startNotDerived, start.span, { column: column.name.text });
    return;
  }
  const keyType = context.resolveType(decl.keyType);
  const plain = isNumeric(type) && isDimensionless(type.unit) && !type.rate;
  if (type.kind !== "error" && keyType.kind !== "error" && !plain && !assignable(keyType, type)) {
    context.report(messages.tierCellMismatch, start.span, {
      column: `${column.name.text} start`,
      expected: describeType(keyType),
      text: start.kind === "NumberLit" ? start.text : "this amount",
      actual: describeType(type),
    });
    return;
  }
  const value = context.requireConstant(start, "a `start` amount");
  if (typeof value === "number") context.cellValues.set(start, value);
}

/** One row's cells: their count, literals in range, expressions folded, `%` only in rate columns. */
function checkCells(
  context: CheckContext,
  expressions: ExpressionChecker,
  decl: A.TiersDecl,
  row: A.TierRow,
  columns: readonly { name: string; type: Type }[],
): void {
  const cells = row.cells;
  if (cells.length !== decl.columns.length) {
    const span = cells.length > decl.columns.length ? cells[decl.columns.length]!.span : row.span;
    context.report(messages.tierCellCount, span, { actual: cells.length, expected: decl.columns.length });
  }
  checkLiteralRange(context, row.lower);
  checkLiteralRange(context, row.upper);
  let folded = false;
  for (const cell of cells) {
    if (cell.expr) folded = true;
    else checkLiteralRange(context, cell);
  }
  // A row of literals has nothing to fold: the parser read their values.
  if (folded)
    foldRow(
      context,
      expressions,
      columns,
      cells.map((cell) =>
        cell.expr
          ? { expr: cell.expr, owner: cell }
          : { expr: { kind: "MissingExpr", span: cell.span }, owner: cell, literal: cell.value },
      ),
    );
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const type = columns[i]?.type;
    if (!cell.suffix || !type || !isNumeric(type) || isDimensionless(type.unit)) continue;
    context.report(messages.tierCellMismatch, cell.span, {
      column: columns[i]!.name,
      expected: describeType(type),
      text: cell.text,
      actual: "a Rate",
    });
  }
}

/** A bound or literal cell whose number does not fit a double (`inf` is written, not overflowed). */
function checkLiteralRange(context: CheckContext, value: A.TierBound | A.TierCell): void {
  if (!Number.isFinite(value.value) && value.text !== "inf" && value.text !== "")
    context.report(messages.numberOutOfRange, value.span, { text: value.text });
}

function checkInterval(context: CheckContext, row: A.TierRow): void {
  const { lower, upper } = row;
  if (Number.isNaN(lower.value) || Number.isNaN(upper.value)) return;
  const empty =
    lower.value > upper.value || (lower.value === upper.value && !(row.lowerInclusive && row.upperInclusive));
  if (empty) context.report(messages.emptyTierInterval, row.span, { interval: intervalText(row) });
}

/**
 * Reports a descending start between two consecutive rows (MB4006: returns false), else a gap or
 * an overlap, unless the previous row is itself out of place.
 */
function checkAdjacent(
  context: CheckContext,
  previous: A.TierRow,
  row: A.TierRow,
  previousOutOfPlace: boolean,
): boolean {
  const end = previous.upper.value;
  const start = row.lower.value;
  if (Number.isNaN(end) || Number.isNaN(start)) return true;
  if (start < previous.lower.value) {
    context.report(
      messages.tiersNotAscending,
      row.lower.span,
      { lower: row.lower.text, previous: previous.lower.text },
      { related: [{ message: "previous row", span: previous.span }] },
    );
    return false;
  }
  if (previousOutOfPlace) return true;
  const related = [{ message: "the previous row ends here", span: previous.upper.span }];
  if (end < start) {
    context.report(
      messages.tierGap,
      row.lower.span,
      {
        gap: `every value in ${previous.upperInclusive ? "(" : "["}${previous.upper.text}, ${row.lower.text}${row.lowerInclusive ? ")" : "]"}`,
      },
      { related },
    );
  } else if (end > start) {
    context.report(
      messages.tierOverlap,
      row.lower.span,
      {
        // The values in both rows: from this row's lower bound to the previous row's upper bound,
        // each end included as its row includes it.
        overlap: `every value in ${row.lowerInclusive ? "[" : "("}${row.lower.text}, ${previous.upper.text}${previous.upperInclusive ? "]" : ")"}`,
      },
      { related },
    );
  } else if (!previous.upperInclusive && !row.lowerInclusive) {
    context.report(
      messages.tierGap,
      row.lower.span,
      { gap: `the value ${row.lower.text} itself` },
      {
        related,
        help: "make one side include the boundary: `[` opens a row at its lower bound inclusively",
        fix: {
          title: "include the boundary in this row",
          edits: [{ span: { start: row.span.start, end: row.span.start + 1 }, newText: "[" }],
        },
      },
    );
  } else if (previous.upperInclusive && row.lowerInclusive) {
    context.report(
      messages.tierOverlap,
      row.lower.span,
      { overlap: `the value ${row.lower.text}` },
      {
        related,
        help: "a boundary belongs to one row only: write `(` to exclude it from this row, or `)` to end the previous row before it",
        fix: {
          title: "exclude the boundary from this row",
          edits: [{ span: { start: row.span.start, end: row.span.start + 1 }, newText: "(" }],
        },
      },
    );
  }
  return true;
}

/**
 * IM rate >= MM rate in each row; rate columns non-decreasing down the table (a warning), between
 * rows in place.
 */
function checkRates(
  context: CheckContext,
  decl: A.TiersDecl,
  rows: A.TierRow[],
  outOfPlace: ReadonlySet<number>,
): void {
  const imr = decl.columns.findIndex((c) => c.name.text === "imr");
  const mmr = decl.columns.findIndex((c) => c.name.text === "mmr");
  for (const row of rows) {
    const im = row.cells[imr];
    const mm = row.cells[mmr];
    if (imr >= 0 && mmr >= 0 && im && mm && cellNumber(context, im) < cellNumber(context, mm))
      context.report(
        messages.imBelowMm,
        im.span,
        { imr: im.text, mmr: mm.text },
        { related: [{ message: "maintenance margin rate", span: mm.span }] },
      );
  }
  decl.columns.forEach((column, c) => {
    const type = context.resolveType(column.type);
    if (!isNumeric(type) || !type.rate) return;
    for (let r = 1; r < rows.length; r++) {
      if (outOfPlace.has(r) || outOfPlace.has(r - 1)) continue;
      const previous = rows[r - 1]!.cells[c];
      const current = rows[r]!.cells[c];
      if (previous && current && cellNumber(context, current) < cellNumber(context, previous))
        context.report(messages.rateDecreases, current.span, {
          column: column.name.text,
          previous: previous.text,
          current: current.text,
        });
    }
  });
}

function intervalText(row: A.TierRow): string {
  return `${row.lowerInclusive ? "[" : "("}${row.lower.text}, ${row.upper.text}${row.upperInclusive ? "]" : ")"}`;
}
