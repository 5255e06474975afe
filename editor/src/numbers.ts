/**
 * Numbers for people: 12 significant digits at most (so the binary noise of `0.1 + 0.2` never
 * shows), then the shortest digits that read back as that number, with the integer part grouped:
 * `1,166,814.07654`, not `1,166,814.0765399998`. Rates show as percentages, units as written.
 */
import { DECIMAL_TEXT, decimalPercent, groupThousands } from "../../src/semantics/decimal-text.js";

/** The shortest decimal digits of `value` to 12 significant digits, grouped by thousands. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  return groupThousands(String(Number(value.toPrecision(12)))); // exponent forms stay as they are
}

/** A rate as a percentage: `2.5%`. */
export function formatRate(value: number): string {
  return `${formatNumber(Number((value * 100).toPrecision(12)))}%`;
}

/**
 * A value with its unit: `5%`, `175,001.63 USDT`, `true`, `—` for none. A decimal rulebook's numbers
 * come as exact text (`"71200.811444"`): shown digit for digit, grouped, with their unit.
 */
export function showValue(value: unknown, unit?: string): string {
  if (typeof value === "string" && unit !== undefined && DECIMAL_TEXT.test(value))
    return unit === "Rate"
      ? decimalPercent(value)
      : `${groupThousands(value)}${unit !== "Number" ? ` ${unit}` : ""}`;
  if (typeof value !== "number")
    return value === null || value === undefined
      ? "—"
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  if (unit === "Rate") return formatRate(value);
  const text = formatNumber(value);
  return unit && unit !== "Number" ? `${text} ${unit}` : text;
}

/** A signed change with its unit: `+12.5 USDT`, `-0.25 pt` for rates (percentage points), `±0`. */
export function showChange(change: number, unit?: string): string {
  if (change === 0) return "±0";
  const sign = change > 0 ? "+" : "-";
  if (unit === "Rate") return `${sign}${formatNumber(Math.abs(change) * 100)} pt`;
  return `${sign}${showValue(Math.abs(change), unit)}`;
}

/** A relative change: `+2.31%`, or undefined when the old value is 0. */
export function showPercent(oldValue: number, newValue: number): string | undefined {
  if (oldValue === 0) return undefined;
  const percent = ((newValue - oldValue) / Math.abs(oldValue)) * 100;
  if (percent === 0) return "0%";
  return `${percent > 0 ? "+" : "-"}${formatNumber(Number(Math.abs(percent).toPrecision(3)))}%`;
}
