/**
 * The value an expression compiles to: SQL text for its value, SQL text for the runtime error it may
 * raise (an MB6xxx code, NULL when none), and the shape of the value (for record fields and lists).
 *
 * Errors follow the runtime's order: the error of an expression is the first error of its operands,
 * in evaluation order, then its own; an operand that the runtime would not evaluate (the branch of an
 * `if` not taken, the right side of an `and` whose left side is false) contributes its error only
 * under that condition. Values are always computed (guarded so that the engine never fails on them);
 * the error column says which rows they mean nothing for.
 */
import type { SqlDialect } from "./dialect.js";

/** The shape of a value: records carry their fields in order (ClickHouse reads tuples by position). */
export type Shape =
  | { kind: "scalar" }
  | { kind: "list"; element: Shape }
  | { kind: "record"; fields: { name: string; shape: Shape }[] };

export const SCALAR: Shape = { kind: "scalar" };

/** A compiled expression. */
export interface SqlValue {
  v: string;
  /** The error code the expression raises, as SQL (NULL when none); null when it never fails. */
  e: string | null;
  shape: Shape;
}

/** The first non-NULL of several error expressions, in order. */
export function firstError(dialect: SqlDialect, errors: readonly (string | null)[]): string | null {
  const present = errors.filter((e): e is string => e !== null);
  if (present.length === 0) return null;
  if (present.length === 1) return present[0]!;
  return `coalesce(${present.join(", ")})`;
}

/** `error` only where `condition` holds (the runtime evaluates the operand only then). */
export function errorWhen(dialect: SqlDialect, condition: string, error: string | null): string | null {
  if (error === null) return null;
  return `(CASE WHEN ${condition} THEN ${error} ELSE ${dialect.nullText} END)`;
}

/** An error code raised where `condition` holds. */
export function raiseWhen(dialect: SqlDialect, condition: string, code: string): string {
  return `(CASE WHEN ${condition} THEN ${dialect.text(code)} ELSE ${dialect.nullText} END)`;
}

/** Whether SQL text is a plain name or literal, cheap to repeat. */
export function isSimple(sql: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(sql) ||
    /^"[^"]*"$/.test(sql) ||
    /^`[^`\\]*`$/.test(sql) ||
    /^(CAST|toFloat64)\([-0-9.e]+( AS DOUBLE)?\)$/.test(sql)
  );
}
