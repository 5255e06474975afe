/**
 * JSON Schema's number bounds, read and tested the same way by the two schema checkers of the
 * runtime: inputs (`input-check.ts`, binary64 and decimal) and artifacts (`artifact-check.ts`).
 */

/** The bound keywords and their comparisons, in ajv's order (so errors come in ajv's order). */
const NUMBER_BOUNDS = [
  ["maximum", "<="],
  ["minimum", ">="],
  ["exclusiveMaximum", "<"],
  ["exclusiveMinimum", ">"],
] as const;

/** One bound a schema node sets: `minimum: 0` is `{ keyword: "minimum", comparison: ">=", limit: 0 }`. */
export interface NumberBound {
  readonly keyword: (typeof NUMBER_BOUNDS)[number][0];
  readonly comparison: (typeof NUMBER_BOUNDS)[number][1];
  readonly limit: number;
}

/** The number bounds a schema node sets, in ajv's order. */
export function numberBounds(node: { readonly [keyword: string]: unknown }): NumberBound[] {
  return NUMBER_BOUNDS.filter(([keyword]) => typeof node[keyword] === "number").map(
    ([keyword, comparison]) => ({ keyword, comparison, limit: node[keyword] as number }),
  );
}

/** Whether a value within the bound: `order` is the sign of (value - limit), as `Decimal.cmp` gives. */
export function withinBound(comparison: NumberBound["comparison"], order: number): boolean {
  return comparison === "<="
    ? order <= 0
    : comparison === ">="
      ? order >= 0
      : comparison === "<"
        ? order < 0
        : order > 0;
}

/** The sign of `x - limit` for finite numbers. */
export function compareNumbers(x: number, limit: number): number {
  return x < limit ? -1 : x > limit ? 1 : 0;
}
