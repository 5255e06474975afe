/**
 * The SQL target: compiles a rulebook's IR to one query for DuckDB or ClickHouse (see
 * `docs/scale.md`). It reads the IR only; the runtime's semantics are reproduced operation by operation.
 */
export { compileToSql, type SqlDiagnostic, type SqlOptions, type SqlResult } from "./emit-query.js";
export { dialects, isDialectName, type DialectName, type SqlDialect } from "./dialect.js";
export { createTableSql, inputColumns, physicalColumns, type InputColumn } from "./input-columns.js";
export { literal, rowTuples, valueAt, valuesRelation } from "./values.js";
