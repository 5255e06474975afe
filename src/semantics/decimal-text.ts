/**
 * Decimal numbers as text for people, digit for digit: decimal arithmetic writes its results as
 * exact text (`71200.811444`), and a display must neither round them nor pass them through a double.
 * No decimal library here: the studio's bundle uses it too.
 */

/** Plain decimal text, as decimal arithmetic writes its results: `-1234.5`, no exponent. */
export const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** Decimal text grouped by thousands, every digit kept: `71,200.811444`; any other text as is. */
export function groupThousands(text: string): string {
  if (!DECIMAL_TEXT.test(text)) return text;
  const [whole, fraction] = text.split(".") as [string, string | undefined];
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.length > 3 ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : digits;
  return `${sign}${grouped}${fraction !== undefined ? `.${fraction}` : ""}`;
}

/** A decimal rate as a percentage, exactly (the point moves two places): `0.0125` -> `1.25%`. */
export function decimalPercent(text: string): string {
  if (!DECIMAL_TEXT.test(text)) return `${text}%`;
  const sign = text.startsWith("-") ? "-" : "";
  const [whole, fraction = ""] = (sign ? text.slice(1) : text).split(".") as [string, string?];
  const padded = fraction.padEnd(2, "0");
  const integer = (whole + padded.slice(0, 2)).replace(/^0+(?=\d)/, "");
  const rest = padded.slice(2).replace(/0+$/, "");
  return `${groupThousands(`${sign}${integer}${rest ? `.${rest}` : ""}`)}%`;
}
