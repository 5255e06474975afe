/**
 * The input relation of a compiled query: one column per scalar or list field of the rulebook's input,
 * named by its path (`position.size`, `account.positions`), with the checks the runtime's input
 * validation makes (MB6001): a required field is present, a number is finite and inside its domain, an
 * enum member is declared. Lists are lists of structs (DuckDB) or arrays of tuples (ClickHouse), their
 * fields in declaration order; their elements are converted but not checked field by field.
 */
import type { IrConstValue, IrDomain, IrField, IrRulebook, IrType } from "../ir/ir.js";
import type { SqlColumnType, SqlDialect } from "./dialect.js";
import { SCALAR, type Shape } from "./sql-value.js";
import { toDec } from "../semantics/decimal.js";
import {
  DECIMAL_TYPE,
  DEC_NULL,
  DEC_ZERO,
  decLiteral,
  decTimestampSeconds,
  outOfRange,
} from "./decimal-sql.js";

/** One column of the input relation. */
export interface InputColumn {
  /** The field path, which is also the column name: `position.size`. */
  path: string;
  type: IrType;
  optional: boolean;
  default?: IrConstValue;
  domain?: IrDomain;
  /** The column's type in the relation. */
  columnType: SqlColumnType;
  /** For a list of records: the record's fields (their optional ones have defaults). */
  elementFields?: IrField[];
  shape: Shape;
}

/** The columns of a rulebook's input relation, in declaration order; `unsupported` lists what cannot be one. */
export function inputColumns(ir: IrRulebook): {
  columns: InputColumn[];
  unsupported: { path: string; type: string }[];
} {
  const columns: InputColumn[] = [];
  const unsupported: { path: string; type: string }[] = [];
  const visit = (
    path: string,
    type: IrType,
    optional: boolean,
    extra: { default?: IrConstValue; domain?: IrDomain },
    seen: readonly string[],
  ): void => {
    if (type.kind === "record") {
      const record = ir.schema.records[type.name];
      if (!record || seen.includes(type.name)) {
        unsupported.push({ path, type: `record ${type.name}` });
        return;
      }
      for (const f of record.fields) {
        visit(
          `${path}.${f.name}`,
          f.type,
          optional || f.optional,
          {
            ...(f.default !== undefined ? { default: f.default } : {}),
            ...(f.domain ? { domain: f.domain } : {}),
          },
          [...seen, type.name],
        );
      }
      return;
    }
    const converted = convert(ir, type, seen);
    if (!converted) {
      unsupported.push({ path, type: type.kind });
      return;
    }
    const element =
      type.kind === "list" && type.element.kind === "record"
        ? ir.schema.records[type.element.name]?.fields
        : undefined;
    columns.push({
      path,
      type,
      optional,
      ...extra,
      ...converted,
      ...(element ? { elementFields: element } : {}),
    });
  };
  for (const input of ir.schema.inputs) visit(input.name, input.type, false, {}, []);
  return { columns, unsupported };
}

/** The column type and shape of a value of type `type` (inside lists: records become structs). */
function convert(
  ir: IrRulebook,
  type: IrType,
  seen: readonly string[],
): { columnType: SqlColumnType; shape: Shape } | undefined {
  switch (type.kind) {
    case "number":
      return { columnType: { kind: ir.meta.arithmetic ? "decimal" : "number" }, shape: SCALAR };
    case "bool":
      return { columnType: { kind: "bool" }, shape: SCALAR };
    // Timestamps are ISO 8601 text in a column; the query converts them to seconds.
    case "text":
    case "enum":
    case "timestamp":
      return { columnType: { kind: "text" }, shape: SCALAR };
    case "list": {
      const element = convert(ir, type.element, seen);
      return (
        element && {
          columnType: { kind: "list", element: element.columnType },
          shape: { kind: "list", element: element.shape },
        }
      );
    }
    case "record": {
      const record = ir.schema.records[type.name];
      if (!record || seen.includes(type.name)) return undefined;
      const fields = record.fields.map((f) => ({
        name: f.name,
        converted: convert(ir, f.type, [...seen, type.name]),
      }));
      if (fields.some((f) => !f.converted)) return undefined;
      return {
        columnType: {
          kind: "record",
          fields: fields.map((f) => ({ name: f.name, type: f.converted!.columnType })),
        },
        shape: { kind: "record", fields: fields.map((f) => ({ name: f.name, shape: f.converted!.shape })) },
      };
    }
    default:
      return undefined;
  }
}

/**
 * The physical columns that hold an input column. ClickHouse 18.16 stores an `Array(Tuple(...))`
 * column as parallel arrays (as a `Nested` structure), so there a list of records is one array
 * column per field, `account.positions.quantity`, zipped back into tuples by the query.
 */
export function physicalColumns(
  d: SqlDialect,
  column: InputColumn,
): { name: string; type: SqlColumnType; field?: string; default?: IrConstValue }[] {
  const t = column.columnType;
  if (d.name === "clickhouse" && t.kind === "list" && t.element.kind === "record") {
    return t.element.fields.map((f, i) => {
      const fallback = column.elementFields?.[i]?.default;
      return {
        name: `${column.path}.${f.name}`,
        type: { kind: "list", element: f.type },
        field: f.name,
        ...(fallback !== undefined ? { default: fallback } : {}),
      };
    });
  }
  return [{ name: column.path, type: t }];
}

/** The SQL of a constant (a number in the rulebook's arithmetic). */
export function constantSql(d: SqlDialect, value: IrConstValue, decimal = false): string {
  return typeof value === "number"
    ? decimal
      ? (decLiteral(toDec(value)) ?? DEC_NULL)
      : d.number(value)
    : typeof value === "boolean"
      ? d.bool(value)
      : d.text(value);
}

/** The converted value of an input column (defaults filled in) and the condition that makes it invalid. */
export function validatedInput(
  ir: IrRulebook,
  d: SqlDialect,
  column: InputColumn,
): { value: string; invalid: string; outOfRange?: string } {
  const decimal = ir.meta.arithmetic !== undefined;
  const physical = physicalColumns(d, column);
  const params = physical.map((_, i) => `__mb_f${i + 1}`);
  const raw =
    physical.length === 1 && physical[0]!.field === undefined
      ? d.ident(column.path)
      : `arrayMap((${params.join(", ")}) -> tuple(${physical.map((p, i) => (p.default !== undefined ? `ifNull(${params[i]}, ${constantSql(d, p.default)})` : params[i])).join(", ")}), ${physical.map((p) => d.ident(p.name)).join(", ")})`;
  let value: string;
  const bad: string[] = [];
  switch (column.type.kind) {
    case "number":
      // Through text: a DOUBLE column reads as its shortest spelling (0.1 is 0.1), as the runtime reads JSON.
      value = decimal ? `TRY_CAST(CAST(${raw} AS VARCHAR) AS ${DECIMAL_TYPE})` : d.tryDouble(raw);
      break;
    case "bool":
      value = d.tryBool(raw);
      break;
    case "timestamp":
      value = decimal ? decTimestampSeconds(raw) : d.timestampSeconds(raw);
      break;
    case "list":
      value = d.tryCast(raw, column.columnType);
      break;
    default:
      value = d.toText(raw);
  }
  if (column.default !== undefined) value = `coalesce(${value}, ${constantSql(d, column.default, decimal)})`;
  bad.push(`${value} IS NULL`);
  if (column.type.kind === "number") {
    if (!decimal) bad.push(`NOT ${d.isFinite(value)}`);
    const domain = column.domain;
    if (domain?.min !== undefined)
      bad.push(`${value} ${domain.minInclusive ? "<" : "<="} ${bound(d, domain.min, decimal)}`);
    if (domain?.max !== undefined)
      bad.push(`${value} ${domain.maxInclusive ? ">" : ">="} ${bound(d, domain.max, decimal)}`);
  }
  if (column.type.kind === "enum") {
    const members = ir.schema.enums[column.type.name] ?? [];
    bad.push(`${value} NOT IN (${members.map((m) => d.text(m)).join(", ")})`);
  }
  if (column.type.kind === "list") {
    const element = invalidElement(ir, d, column.type.element, "__mb_v1", 1);
    if (element) bad.push(`${d.length(d.filter(value, "__mb_v1", element))} > ${d.number(0)}`);
  }
  const range = decimal ? outOfRangeInput(ir, d, column, value, raw) : undefined;
  // An out-of-range decimal is never computed with (the engine would overflow): 0, or an empty list.
  if (range)
    value = `(CASE WHEN ${range} THEN ${column.type.kind === "list" ? "NULL" : DEC_ZERO} ELSE ${value} END)`;
  return { value, invalid: bad.map((b) => `(${b})`).join(" OR "), ...(range ? { outOfRange: range } : {}) };
}

/** A domain bound: a double, or in decimal arithmetic a decimal literal (a double beyond DECIMAL's range). */
function bound(d: SqlDialect, value: number, decimal: boolean): string {
  return decimal ? (decLiteral(toDec(value)) ?? d.number(value)) : d.number(value);
}

/**
 * In decimal arithmetic, the condition under which a number of the input (or of a list's elements)
 * reaches 10^19, beyond what the decimal SQL computes with (MB5111); undefined when none can.
 */
function outOfRangeInput(
  ir: IrRulebook,
  d: SqlDialect,
  column: InputColumn,
  value: string,
  raw: string,
): string | undefined {
  // A number's text with a non-zero digit after the 18th place would be rounded by the cast: refused.
  if (column.type.kind === "number")
    return `coalesce(${outOfRange(value)} OR regexp_matches(CAST(${raw} AS VARCHAR), '\\.[0-9]{18}[0-9]*[1-9]'), FALSE)`;
  if (column.type.kind !== "list") return undefined;
  const element = rangeOfElement(ir, d, column.type.element, "__mb_r1", 1);
  return element ? `coalesce(${d.length(d.filter(value, "__mb_r1", element))} > 0, FALSE)` : undefined;
}

function rangeOfElement(
  ir: IrRulebook,
  d: SqlDialect,
  type: IrType,
  param: string,
  depth: number,
): string | null {
  switch (type.kind) {
    case "number":
      return `coalesce(${outOfRange(param)}, FALSE)`;
    case "list": {
      const inner = `__mb_r${depth + 1}`;
      const element = rangeOfElement(ir, d, type.element, inner, depth + 1);
      return element ? `coalesce(${d.length(d.filter(param, inner, element))} > 0, FALSE)` : null;
    }
    case "record": {
      const fields = (ir.schema.records[type.name]?.fields ?? []).flatMap((f, i) => {
        const field = rangeOfElement(
          ir,
          d,
          f.type,
          d.field(param, { name: f.name, position: i + 1 }),
          depth + 1,
        );
        return field ? [field] : [];
      });
      return fields.length > 0 ? `(${fields.join(" OR ")})` : null;
    }
    default:
      return null;
  }
}

/** The condition under which a list element (`param`) is invalid, as input validation checks it; null when none. */
function invalidElement(
  ir: IrRulebook,
  d: SqlDialect,
  type: IrType,
  param: string,
  depth: number,
  domain?: IrDomain,
  optional = false,
): string | null {
  const bad: string[] = optional ? [] : [`${param} IS NULL`];
  switch (type.kind) {
    case "number": {
      const decimal = ir.meta.arithmetic !== undefined;
      if (!decimal) bad.push(`NOT ${d.isFinite(param)}`);
      if (domain?.min !== undefined)
        bad.push(`${param} ${domain.minInclusive ? "<" : "<="} ${bound(d, domain.min, decimal)}`);
      if (domain?.max !== undefined)
        bad.push(`${param} ${domain.maxInclusive ? ">" : ">="} ${bound(d, domain.max, decimal)}`);
      break;
    }
    case "enum":
      bad.push(`${param} NOT IN (${(ir.schema.enums[type.name] ?? []).map((m) => d.text(m)).join(", ")})`);
      break;
    case "list": {
      const inner = `__mb_v${depth + 1}`;
      const element = invalidElement(ir, d, type.element, inner, depth + 1);
      if (element) bad.push(`${d.length(d.filter(param, inner, element))} > ${d.number(0)}`);
      break;
    }
    case "record": {
      const record = ir.schema.records[type.name];
      record?.fields.forEach((f, i) => {
        const field = invalidElement(
          ir,
          d,
          f.type,
          d.field(param, { name: f.name, position: i + 1 }),
          depth + 1,
          f.domain,
          f.optional,
        );
        if (field) bad.push(field);
      });
      break;
    }
    default:
      break;
  }
  if (optional && bad.length > 0) return `(${param} IS NOT NULL AND (${bad.join(" OR ")}))`;
  return bad.length > 0 ? `(${bad.join(" OR ")})` : null;
}

/** `CREATE TABLE` for a relation holding the rulebook's input columns (plus `extra` ones). */
export function createTableSql(
  ir: IrRulebook,
  d: SqlDialect,
  table: string,
  options: { engine?: string; extra?: { name: string; type: string }[] } = {},
): string {
  const { columns } = inputColumns(ir);
  const defs = [
    ...(options.extra ?? []).map((c) => `${d.ident(c.name)} ${c.type}`),
    ...columns.flatMap((c) =>
      physicalColumns(d, c).map((p) => {
        let type = d.columnType(p.type);
        if (d.name === "clickhouse" && p.type.kind === "list" && p.default !== undefined)
          type = `Array(Nullable(${d.columnType(p.type.element)}))`;
        return `${d.ident(p.name)} ${c.optional && d.name === "clickhouse" && p.type.kind !== "list" ? `Nullable(${type})` : type}`;
      }),
    ),
  ];
  return `CREATE TABLE ${table} (${defs.join(", ")})${options.engine ? ` ENGINE = ${options.engine}` : ""}`;
}
