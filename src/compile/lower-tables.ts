/**
 * Lowering of tier tables and scenario sets to IR data: bounds and cells as numbers, the deductions
 * of `marginal` tables derived exactly, and scenario grids expanded to concrete rows.
 */
import type * as A from "../syntax/ast.js";
import type { IrScenario, IrTierColumn, IrTierRow } from "../ir/ir.js";

/** A decimal `digits x 10^exponent`, exact. */
interface Decimal {
  digits: bigint;
  exponent: number;
}

/** Parses a tier cell or bound as written (`0.80%`, `50bps`, `-1.5`, `1_000_000`, `2e6`). */
export function parseDecimalText(text: string): Decimal | undefined {
  const clean = text.replace(/[\s_]/g, "");
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?(%|bps)?$/.exec(clean);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return undefined;
  const fraction = match[3] ?? "";
  const shift = match[5] === "%" ? -2 : match[5] === "bps" ? -4 : 0;
  const digits = BigInt(`${match[1] === "-" ? "-" : ""}${match[2] || "0"}${fraction}`);
  return { digits, exponent: Number(match[4] ?? 0) - fraction.length + shift };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exponent = Math.min(a.exponent, b.exponent);
  return [
    a.digits * 10n ** BigInt(a.exponent - exponent),
    b.digits * 10n ** BigInt(b.exponent - exponent),
    exponent,
  ];
}

function add(a: Decimal, b: Decimal, sign: 1n | -1n = 1n): Decimal {
  const [x, y, exponent] = align(a, b);
  return { digits: x + sign * y, exponent };
}

function multiply(a: Decimal, b: Decimal): Decimal {
  return { digits: a.digits * b.digits, exponent: a.exponent + b.exponent };
}

/** The double nearest to a decimal (JavaScript's parser rounds correctly). */
function toNumber(d: Decimal): number {
  return Number(`${d.digits}e${d.exponent}`) + 0;
}

/**
 * The deductions of one rate column of a `marginal` table:
 * `cum_1 = 0`, `cum_n = lower_n * (rate_n - rate_{n-1}) + cum_{n-1}`, so that
 * `x * rate_n - cum_n` is the sum over slices of slice x slice rate and margin is continuous at each
 * boundary. The sum is exact (decimal arithmetic on the numbers as written) and rounded once; when a
 * cell's text cannot be read exactly, binary64 arithmetic on the values is used instead.
 */
export function deriveDeductions(
  rows: readonly A.TierRow[],
  column: number,
  valueOf: CellValueOf = literalValue,
): number[] {
  const exact = exactDeductions(rows, column, valueOf);
  if (exact) return exact;
  const result: number[] = [];
  let cum = 0;
  rows.forEach((row, i) => {
    if (i > 0)
      cum = row.lower.value * (valueOf(row.cells[column]!) - valueOf(rows[i - 1]!.cells[column]!)) + cum;
    result.push(cum + 0);
  });
  return result;
}

/** The value of a tier cell: the literal as read, or the constant the checker folded an expression to. */
export type CellValueOf = (cell: A.TierCell) => number;

const literalValue: CellValueOf = (cell) => cell.value;

/**
 * The decimal a cell stands for: a literal as written; an expression (`1 / (2 * max_leverage)`)
 * by the shortest decimal of its folded double, so that `1 / (2 * 125)` derives the same amounts
 * as `0.40%`.
 */
function cellDecimal(cell: A.TierCell, value: number): Decimal | undefined {
  return parseDecimalText(cell.expr ? String(value) : cell.text);
}

function exactDeductions(
  rows: readonly A.TierRow[],
  column: number,
  valueOf: CellValueOf,
): number[] | undefined {
  const rates: Decimal[] = [];
  const lowers: Decimal[] = [];
  for (const row of rows) {
    const value = valueOf(row.cells[column]!);
    const rate = cellDecimal(row.cells[column]!, value);
    const lower = parseDecimalText(row.lower.text);
    // Only trust the exact reading when it agrees with the value the parser computed.
    if (!rate || !lower || toNumber(rate) !== value + 0 || toNumber(lower) !== row.lower.value + 0)
      return undefined;
    rates.push(rate);
    lowers.push(lower);
  }
  const result: number[] = [];
  let cum: Decimal = { digits: 0n, exponent: 0 };
  rows.forEach((_, i) => {
    if (i > 0) cum = add(multiply(lowers[i]!, add(rates[i]!, rates[i - 1]!, -1n)), cum);
    result.push(toNumber(cum));
  });
  return result;
}

/** The IR rows of a tier table, with deductions for the rate columns (see {@link addDeductions}). */
export function lowerTierRows(
  decl: A.TiersDecl,
  columns: readonly IrTierColumn[],
  valueOf: CellValueOf = literalValue,
): IrTierRow[] {
  const rows = decl.rows.map((row) => ({
    lower: row.lower.value + 0,
    upper: row.upper.value === Infinity ? null : row.upper.value + 0,
    lowerInclusive: row.lowerInclusive,
    upperInclusive: row.upperInclusive,
    cells: row.cells.map((cell) => valueOf(cell) + 0),
    deductions: columns.map((): number | null => null),
  }));
  columns.forEach((column, c) => column.rate && addDeductions(decl, rows, c, valueOf));
  return rows;
}

/**
 * Fills in the deductions of column `c`: derived for a `marginal` table, 0 for a `flat` one. The
 * compiler does it for `Rate` columns and for any other column a `margin` or `deduction` call uses.
 */
export function addDeductions(
  decl: A.TiersDecl,
  rows: IrTierRow[],
  c: number,
  valueOf: CellValueOf = literalValue,
): void {
  const values = decl.mode === "marginal" ? deriveDeductions(decl.rows, c, valueOf) : decl.rows.map(() => 0);
  rows.forEach((row, r) => (row.deductions[c] = values[r]!));
}

/** Checks what the checker guarantees for an error-free table: rows contiguous, ascending. */
export function tierRowsContiguous(rows: readonly IrTierRow[]): boolean {
  for (let i = 1; i < rows.length; i++) {
    const previous = rows[i - 1]!;
    const row = rows[i]!;
    if (previous.upper !== row.lower || previous.upperInclusive === row.lowerInclusive) return false;
  }
  return rows.length > 0;
}

// ---- scenario sets ----

/** One grid axis or named scenario value, already folded to numbers. */
export interface ConstantGridAxis {
  axis: string;
  values: number[];
}

/**
 * Expands `a to b step c` to a, a+c, ... up to b (the count as the checker computes it). Each value
 * is `a + i * c`, read to 15 significant digits so that `-16% to 16% step 4%` gives 0.08, not
 * 0.08000000000000002, and values within a billionth of a step of zero are 0.
 */
export function expandRange(from: number, to: number, step: number): number[] {
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = from + i * step;
    values.push(Math.abs(value) < step * 1e-9 ? 0 : Number(value.toPrecision(15)) + 0);
  }
  return values;
}

/** The scenarios of one grid: the cartesian product of its axes, the last axis varying fastest. */
export function expandGrid(
  axes: readonly string[],
  grid: readonly ConstantGridAxis[],
  weight: number,
  firstIndex: number,
): IrScenario[] {
  let combinations: number[][] = [[]];
  for (const { values } of grid)
    combinations = combinations.flatMap((prefix) => values.map((v) => [...prefix, v]));
  return combinations.map((combination, i) => {
    const values = axes.map((axis) => {
      const at = grid.findIndex((g) => g.axis === axis);
      return at < 0 ? 0 : combination[at]!;
    });
    const name = grid.map((g, a) => `${g.axis} ${shortNumber(combination[a]!)}`).join(", ");
    return { name, index: firstIndex + i, weight, values };
  });
}

function shortNumber(value: number): string {
  return String(Number(value.toPrecision(6)) + 0);
}
