/**
 * Static checks of tier tables: mode, columns, cells and the shape of the brackets (ascending,
 * contiguous, no overlaps, IM rate >= MM rate in every row, rates non-decreasing).
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import { LIMITS } from "../syntax/limits.js";
import type { CheckContext } from "./context.js";
import { type RecordField, type Type, describeType, isDimensionless, isNumeric, NUMBER } from "./types.js";

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

export function checkTiers(context: CheckContext, decl: A.TiersDecl): void {
  const name = decl.name.text;
  if (!decl.mode) context.report(messages.missingTierMode, decl.name.span, { name });
  const keyType = context.resolveType(decl.keyType);
  if (keyType.kind !== "error" && !isNumeric(keyType))
    context.report(messages.nonNumericColumn, decl.keyType.span, {
      name: decl.keyName.text,
      actual: describeType(keyType),
    });
  const columnTypes = checkColumns(context, decl);
  if (decl.rows.length === 0) {
    context.report(messages.emptyTierTable, decl.name.span, { name });
    return;
  }
  if (decl.rows.length > LIMITS.tierRows) {
    context.report(messages.tooManyDeclarations, decl.name.span, {
      count: decl.rows.length,
      what: `rows in tier table \`${name}\``,
      limit: LIMITS.tierRows,
    });
    return;
  }
  decl.rows.forEach((row, i) => {
    checkCells(context, decl, row, columnTypes);
    checkInterval(context, row);
    if (i > 0) checkAdjacent(context, decl.rows[i - 1]!, row);
  });
  const first = decl.rows[0]!;
  const last = decl.rows[decl.rows.length - 1]!;
  if (first.lower.value > 0)
    context.report(messages.tiersStartAboveZero, first.lower.span, { lower: first.lower.text });
  if (Number.isFinite(last.upper.value))
    context.report(messages.tiersEndBelowInfinity, last.upper.span, { upper: last.upper.text });
  checkRates(context, decl);
}

function checkColumns(context: CheckContext, decl: A.TiersDecl): Type[] {
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
    return type;
  });
}

function checkCells(context: CheckContext, decl: A.TiersDecl, row: A.TierRow, columnTypes: Type[]): void {
  if (row.cells.length !== decl.columns.length) {
    const span = row.cells.length > decl.columns.length ? row.cells[decl.columns.length]!.span : row.span;
    context.report(messages.tierCellCount, span, { actual: row.cells.length, expected: decl.columns.length });
  }
  for (const value of [row.lower, row.upper, ...row.cells]) {
    if (!Number.isFinite(value.value) && value.text !== "inf" && value.text !== "")
      context.report(messages.numberOutOfRange, value.span, { text: value.text });
  }
  row.cells.forEach((cell, i) => {
    const type = columnTypes[i];
    const column = decl.columns[i];
    if (!type || !column || !isNumeric(type)) return;
    if (cell.suffix && !isDimensionless(type.unit))
      context.report(messages.tierCellMismatch, cell.span, {
        column: column.name.text,
        expected: describeType(type),
        text: cell.text,
        actual: "a Rate",
      });
  });
}

function checkInterval(context: CheckContext, row: A.TierRow): void {
  const { lower, upper } = row;
  if (Number.isNaN(lower.value) || Number.isNaN(upper.value)) return;
  const empty =
    lower.value > upper.value || (lower.value === upper.value && !(row.lowerInclusive && row.upperInclusive));
  if (empty) context.report(messages.emptyTierInterval, row.span, { interval: intervalText(row) });
}

/** Reports a gap, an overlap or a descending start between two consecutive rows. */
function checkAdjacent(context: CheckContext, previous: A.TierRow, row: A.TierRow): void {
  const end = previous.upper.value;
  const start = row.lower.value;
  if (Number.isNaN(end) || Number.isNaN(start)) return;
  if (start < previous.lower.value) {
    context.report(
      messages.tiersNotAscending,
      row.lower.span,
      { lower: row.lower.text, previous: previous.lower.text },
      { related: [{ message: "previous row", span: previous.span }] },
    );
    return;
  }
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
      { overlap: `every value in [${row.lower.text}, ${previous.upper.text}]` },
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
}

/** IM rate >= MM rate in each row; rate columns non-decreasing down the table (a warning). */
function checkRates(context: CheckContext, decl: A.TiersDecl): void {
  const imr = decl.columns.findIndex((c) => c.name.text === "imr");
  const mmr = decl.columns.findIndex((c) => c.name.text === "mmr");
  for (const row of decl.rows) {
    const im = row.cells[imr];
    const mm = row.cells[mmr];
    if (imr >= 0 && mmr >= 0 && im && mm && im.value < mm.value)
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
    for (let r = 1; r < decl.rows.length; r++) {
      const previous = decl.rows[r - 1]!.cells[c];
      const current = decl.rows[r]!.cells[c];
      if (previous && current && current.value < previous.value)
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
