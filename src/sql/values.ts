/**
 * Input rows (the runtime's JSON inputs) as SQL literals: a `VALUES` relation for DuckDB and the
 * rows of an `INSERT` for ClickHouse, typed by the rulebook's input columns. Used to run the same
 * inputs through the runtime and through SQL (the differential tests, `marginbook batch` on YAML).
 */
import type { IrRulebook } from "../ir/ir.js";
import type { SqlColumnType, SqlDialect } from "./dialect.js";
import { inputColumns, physicalColumns } from "./input-columns.js";
import { decText, isDecimalText, toDec } from "../semantics/decimal.js";

/** The value of a column path (`position.size`) in an input object; undefined when missing. */
export function valueAt(input: unknown, path: string): unknown {
  let value: unknown = input;
  for (const name of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/** A JSON value as a literal of a column type; anything that does not fit is NULL. */
export function literal(d: SqlDialect, type: SqlColumnType, value: unknown): string {
  const typed = (sql: string): string =>
    d.name === "duckdb" ? `CAST(${sql} AS ${d.columnType(type)})` : sql;
  if (value === null || value === undefined) return d.name === "duckdb" ? typed("NULL") : "NULL";
  switch (type.kind) {
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? d.number(value) : typed("NULL");
    case "decimal": {
      // Exact decimal text, from a JSON number's shortest spelling or a string; NULL (invalid) when
      // it is no number or DECIMAL(38, 18) cannot hold it exactly.
      const text =
        typeof value === "number" && Number.isFinite(value)
          ? decText(toDec(value))
          : typeof value === "string" && isDecimalText(value)
            ? decText(toDec(value))
            : undefined;
      const exact = text !== undefined && toDec(text).decimalPlaces() <= 18 && toDec(text).abs().lt("1e20");
      return exact ? `CAST('${text}' AS ${d.columnType(type)})` : typed("NULL");
    }
    case "bool":
      return typeof value === "boolean" ? d.bool(value) : typed("NULL");
    case "text":
      return d.text(typeof value === "string" ? value : JSON.stringify(value));
    case "list":
      if (!Array.isArray(value)) return typed("NULL");
      return typed(d.list(value.map((v) => literal(d, type.element, v))));
    case "record": {
      const record = (value ?? {}) as Record<string, unknown>;
      return d.record(
        type.fields.map((f) => ({
          name: f.name,
          value: literal(d, f.type, Object.hasOwn(record, f.name) ? record[f.name] : undefined),
        })),
      );
    }
  }
}

/** The rows of a relation holding `inputs`, one tuple per input, with an `__mb_row` number first. */
export function rowTuples(
  ir: IrRulebook,
  d: SqlDialect,
  inputs: readonly unknown[],
): { columns: string[]; rows: string[] } {
  const physical = inputColumns(ir).columns.flatMap((c) =>
    physicalColumns(d, c).map((p) => ({ ...p, path: c.path })),
  );
  const cell = (input: unknown, p: (typeof physical)[number]): string => {
    const value = valueAt(input, p.path);
    if (p.field === undefined) return literal(d, p.type, value);
    // One field of a list of records, as its own array (ClickHouse's parallel arrays).
    const list = Array.isArray(value)
      ? value.map((item) =>
          item !== null && typeof item === "object" && Object.hasOwn(item, p.field!)
            ? (item as Record<string, unknown>)[p.field!]
            : undefined,
        )
      : [];
    return literal(d, p.type, list);
  };
  return {
    columns: ["__mb_row", ...physical.map((p) => p.name)],
    rows: inputs.map((input, i) => `(${[d.number(i), ...physical.map((p) => cell(input, p))].join(", ")})`),
  };
}

/** A DuckDB relation (`(VALUES ...) AS t(...)`) holding `inputs`, with a `__mb_row` column. */
export function valuesRelation(ir: IrRulebook, d: SqlDialect, inputs: readonly unknown[]): string {
  const { columns, rows } = rowTuples(ir, d, inputs);
  return `(VALUES ${rows.join(", ")}) AS __mb_values(${columns.map((c) => d.ident(c)).join(", ")})`;
}
