/**
 * SQL dialects: what differs between the engines the SQL target emits for (quoting, literals, types,
 * list functions and lambdas, records). The emitters build every engine-specific piece of text here,
 * so adding a dialect is one object implementing {@link SqlDialect}.
 *
 * Both dialects evaluate DOUBLE (Float64) arithmetic in IEEE 754 binary64, as the runtime does; every
 * numeric literal is written so that the engine parses it as a double (never as a DECIMAL), and in
 * shortest round-trip form, so it denotes exactly the runtime's constant.
 */

/** The names of the dialects the SQL target supports. */
export type DialectName = "duckdb" | "clickhouse";

/** A column type of the input relation, derived from the rulebook's schema. */
export type SqlColumnType =
  | { kind: "number" }
  /** A number of a rulebook in decimal arithmetic: DECIMAL(38, 18), exact. */
  | { kind: "decimal" }
  | { kind: "bool" }
  | { kind: "text" }
  | { kind: "list"; element: SqlColumnType }
  | { kind: "record"; fields: { name: string; type: SqlColumnType }[] };

/** How a record value is read: DuckDB structs by field name, ClickHouse tuples by position. */
export interface RecordField {
  name: string;
  /** 1-based position in the record's tuple. */
  position: number;
}

/** One SQL dialect. Every method returns SQL text; arguments are SQL text already. */
export interface SqlDialect {
  readonly name: DialectName;
  /** A quoted identifier (a column or a table name), whatever characters the name holds. */
  ident(name: string): string;
  /** A quoted string literal, whatever characters the text holds. */
  text(value: string): string;
  /** A finite double literal, exactly the double given. */
  number(value: number): string;
  bool(value: boolean): string;
  /** The double NaN (an intermediate result that the runtime also carries as NaN). */
  readonly nan: string;
  /** A NULL of the error column's type. */
  readonly nullText: string;
  /** A double that stands for "no value" (NULL, or NaN where NULL is awkward); only in rows with an error. */
  readonly nullNumber: string;
  /** The double +Infinity (an open-ended tier's upper bound). */
  readonly infinity: string;
  /** Converts a value to a double, NULL when it is no number (a text in a number column). */
  tryDouble(sql: string): string;
  /** Converts a value to a boolean, NULL when it is none. */
  tryBool(sql: string): string;
  /** Converts a value to text. */
  toText(sql: string): string;
  /** Converts a value to a list or record of the given type, NULL when it does not fit. */
  tryCast(sql: string, type: SqlColumnType): string;
  /** Converts an input column to a double. */
  toDouble(sql: string): string;
  /** Converts an input column (ISO 8601 text or a timestamp) to seconds since the epoch. */
  timestampSeconds(sql: string): string;
  isNan(sql: string): string;
  isFinite(sql: string): string;
  /** The list's length, as a double. */
  length(list: string): string;
  /** The list's element at a 0-based index (a double holding an integer known to be in range). */
  element(list: string, index: string): string;
  /** A lambda over one or two parameters (the second one is the 1-based position, when given). */
  map(list: string, param: string, body: string): string;
  filter(list: string, param: string, body: string): string;
  filterIndexed(list: string, param: string, position: string, body: string): string;
  /** The first position (1-based) of `value` in `list`, 0 when absent. */
  position(list: string, value: string): string;
  /** Sum of a list of doubles, left to right from 0, as the runtime adds. */
  sum(list: string): string;
  /** Whether some element satisfies `body`. */
  exists(list: string, param: string, body: string): string;
  /** Smallest / largest element of a non-empty list of doubles without NaN (the sign of a zero aside). */
  min(list: string): string;
  max(list: string): string;
  /** The first non-NULL error of a list of error codes, or NULL. */
  firstError(list: string): string;
  /** A list literal (its elements are SQL text). */
  list(elements: string[]): string;
  /** A record literal (a struct or a tuple), fields in declaration order. */
  record(fields: { name: string; value: string }[]): string;
  /** A field of a record value. */
  field(record: string, field: RecordField): string;
  /** `let param = value in body`, for values inside lambdas (where no column can hold them). */
  bind(value: string, param: string, body: string): string;
  /** The SQL type of a column of the input relation. */
  columnType(type: SqlColumnType): string;
  /** The type an error code column has. */
  readonly errorType: string;
}

function shortestDouble(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`a SQL literal must be finite, not ${String(value)}`);
  if (Object.is(value, -0)) return "-0e0";
  // toExponential() without digits gives the shortest digits that read back to the same double.
  return value.toExponential().replace("e+", "e");
}

const quoteIdent = (name: string): string => {
  if (name.includes("\u0000")) throw new Error("a SQL name cannot hold a NUL character");
  return `"${name.replace(/"/g, '""')}"`;
};

/** DuckDB (1.x): structs, list functions with `lambda x: ...`, IEEE doubles. */
export const duckdb: SqlDialect = {
  name: "duckdb",
  ident: quoteIdent,
  // A standard SQL string: only `'` needs escaping (DuckDB reads backslashes literally here); its
  // parser ends a statement at NUL, so NUL characters are joined in with chr(0).
  text: (value) => duckdbText(value),
  number: (value) => `CAST(${shortestDouble(value)} AS DOUBLE)`,
  bool: (value) => (value ? "TRUE" : "FALSE"),
  nan: "CAST('NaN' AS DOUBLE)",
  nullText: "CAST(NULL AS VARCHAR)",
  nullNumber: "CAST(NULL AS DOUBLE)",
  infinity: "CAST('Infinity' AS DOUBLE)",
  tryDouble: (sql) => `TRY_CAST(${sql} AS DOUBLE)`,
  tryBool: (sql) => `TRY_CAST(${sql} AS BOOLEAN)`,
  toText: (sql) => `CAST(${sql} AS VARCHAR)`,
  tryCast: (sql, type) => `TRY_CAST(${sql} AS ${duckdbType(type)})`,
  toDouble: (sql) => `CAST(${sql} AS DOUBLE)`,
  timestampSeconds: (sql) =>
    `(CAST(epoch_ms(TRY_CAST(${sql} AS TIMESTAMPTZ)) AS DOUBLE) / CAST(1e3 AS DOUBLE))`,
  isNan: (sql) => `isnan(${sql})`,
  isFinite: (sql) => `isfinite(${sql})`,
  length: (list) => `CAST(len(${list}) AS DOUBLE)`,
  element: (list, index) => `${list}[CAST(${index} AS BIGINT) + 1]`,
  map: (list, param, body) => `list_transform(${list}, lambda ${param}: ${body})`,
  filter: (list, param, body) => `list_filter(${list}, lambda ${param}: ${body})`,
  filterIndexed: (list, param, position, body) =>
    `list_filter(${list}, lambda ${param}, ${position}: ${body})`,
  position: (list, value) => `coalesce(list_position(${list}, ${value}), 0)`,
  sum: (list) => `list_reduce(${list}, lambda __mb_a, __mb_b: __mb_a + __mb_b, CAST(0 AS DOUBLE))`,
  min: (list) => `list_min(${list})`,
  max: (list) => `list_max(${list})`,
  exists: (list, param, body) => `(len(list_filter(${list}, lambda ${param}: ${body})) > 0)`,
  firstError: (list) => `list_filter(${list}, lambda __mb_e: __mb_e IS NOT NULL)[1]`,
  list: (elements) => `[${elements.join(", ")}]`,
  record: (fields) => `{${fields.map((f) => `${duckdbText(f.name)}: ${f.value}`).join(", ")}}`,
  field: (record, field) => `struct_extract(${record}, ${duckdbText(field.name)})`,
  bind: (value, param, body) => `list_transform([${value}], lambda ${param}: ${body})[1]`,
  columnType: (type) => duckdbType(type),
  errorType: "VARCHAR",
};

function duckdbText(value: string): string {
  const parts = value.split("\u0000").map((part) => `'${part.replace(/'/g, "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(" || chr(0) || ")})`;
}

function duckdbType(type: SqlColumnType): string {
  switch (type.kind) {
    case "number":
      return "DOUBLE";
    case "decimal":
      return "DECIMAL(38, 18)";
    case "bool":
      return "BOOLEAN";
    case "text":
      return "VARCHAR";
    case "list":
      return `${duckdbType(type.element)}[]`;
    case "record":
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type)}`).join(", ")})`;
  }
}

/**
 * ClickHouse: written for both 18.16 (Debian's package) and current releases. Records are tuples
 * read by position (18.16 has no named tuples); lambdas are `x -> ...`; booleans are UInt8; the
 * sum of a list is the last element of its running sum (`arrayCumSum` adds left to right).
 */
export const clickhouse: SqlDialect = {
  name: "clickhouse",
  // Backquotes, with backslash escapes: ClickHouse reads `\` as an escape inside quoted names too.
  ident: (name) => `\`${name.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``,
  text: (value) =>
    `'${value
      .replace(/\\/g, "\\\\")
      .replace(/'/g, "\\'")
      .replace(/\u0000/g, "\\0")}'`,
  number: (value) => `toFloat64(${shortestDouble(value)})`,
  bool: (value) => (value ? "1" : "0"),
  nan: "nan",
  nullText: "CAST(NULL AS Nullable(String))",
  // NaN, not NULL: 18.16 refuses Nullable values in arrayCumSum and friends; rows where it shows carry an error.
  nullNumber: "nan",
  infinity: "inf",
  tryDouble: (sql) => `toFloat64(${sql})`,
  tryBool: (sql) => `toUInt8(${sql})`,
  toText: (sql) => `toString(${sql})`,
  // The table's column types come from the same schema (see createTableSql), so no cast is needed.
  tryCast: (sql) => sql,
  toDouble: (sql) => `toFloat64(${sql})`,
  timestampSeconds: (sql) => `toFloat64(toUInt32(parseDateTimeBestEffortOrNull(toString(${sql}))))`,
  isNan: (sql) => `isNaN(${sql})`,
  isFinite: (sql) => `isFinite(${sql})`,
  length: (list) => `toFloat64(length(${list}))`,
  element: (list, index) => `arrayElement(${list}, toInt64(${index}) + 1)`,
  map: (list, param, body) => `arrayMap(${param} -> ${body}, ${list})`,
  filter: (list, param, body) => `arrayFilter(${param} -> ${body}, ${list})`,
  filterIndexed: (list, param, position, body) =>
    `arrayFilter((${param}, ${position}) -> ${body}, ${list}, arrayEnumerate(${list}))`,
  position: (list, value) => `toFloat64(indexOf(${list}, ${value}))`,
  sum: (list) => `arrayElement(arrayCumSum(arrayPushFront(${list}, toFloat64(0))), -1)`,
  min: (list) => `arrayReduce('min', ${list})`,
  max: (list) => `arrayReduce('max', ${list})`,
  exists: (list, param, body) => `arrayExists(${param} -> ${body}, ${list})`,
  firstError: (list) => `arrayElement(arrayFilter(__mb_e -> isNotNull(__mb_e), ${list}), 1)`,
  list: (elements) => `[${elements.join(", ")}]`,
  record: (fields) => `tuple(${fields.map((f) => f.value).join(", ")})`,
  field: (record, field) => `tupleElement(${record}, ${field.position})`,
  bind: (value, param, body) => `arrayElement(arrayMap(${param} -> ${body}, [${value}]), 1)`,
  columnType: (type) => clickhouseType(type),
  errorType: "Nullable(String)",
};

function clickhouseType(type: SqlColumnType): string {
  switch (type.kind) {
    case "number":
      return "Float64";
    // Never queried: the SQL target refuses decimal rulebooks on ClickHouse (MB5110).
    case "decimal":
      return "Decimal128(18)";
    case "bool":
      return "UInt8";
    case "text":
      return "String";
    case "list":
      return `Array(${clickhouseType(type.element)})`;
    case "record":
      return `Tuple(${type.fields.map((f) => clickhouseType(f.type)).join(", ")})`;
  }
}

/** The dialects, by name. */
export const dialects: Record<DialectName, SqlDialect> = { duckdb, clickhouse };

/** Whether a name is a dialect. */
export function isDialectName(name: string): name is DialectName {
  return Object.hasOwn(dialects, name);
}
