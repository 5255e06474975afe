/**
 * Types and units of the marginbook language, and the algebra the checker applies to them.
 *
 * A numeric type carries a unit: a product of base dimensions with integer exponents. Base
 * dimensions are currency codes (`USDT`, `BTC`), `Quantity` and `Time` (durations, in seconds).
 * `Rate` and `Number` are both dimensionless; the `rate` flag only changes how values are shown.
 */

/** Base dimension -> exponent; never holds a zero exponent. */
export type Unit = Readonly<Record<string, number>>;

export const DIMENSIONLESS: Unit = Object.freeze({});
export const QUANTITY = "Quantity";
export const TIME = "Time";

export interface RecordField {
  name: string;
  type: Type;
  /** Fields with a default may be omitted from runtime inputs. */
  optional: boolean;
}

export type Type =
  /** `integer`: declared `Integer`, so constants and inputs must be whole numbers (arithmetic drops it). */
  | { kind: "number"; unit: Unit; rate: boolean; integer?: boolean }
  | { kind: "bool" }
  | { kind: "text" }
  | { kind: "timestamp" }
  | { kind: "enum"; name: string; members: readonly string[] }
  | { kind: "record"; name: string; fields: ReadonlyMap<string, RecordField> }
  | { kind: "list"; element: Type }
  | { kind: "tiers"; name: string }
  /** The type of an expression that already produced a diagnostic: silences follow-on errors. */
  | { kind: "error" };

export const ERROR: Type = { kind: "error" };
export const BOOL: Type = { kind: "bool" };
export const TEXT: Type = { kind: "text" };
export const TIMESTAMP: Type = { kind: "timestamp" };
export const NUMBER: Type = { kind: "number", unit: DIMENSIONLESS, rate: false };
export const RATE: Type = { kind: "number", unit: DIMENSIONLESS, rate: true };
/** `Integer`: a dimensionless whole number (a month, a bucket, a count). */
export const INTEGER: Type = { kind: "number", unit: DIMENSIONLESS, rate: false, integer: true };
export const DURATION: Type = numeric({ [TIME]: 1 });

/** The key of `group(... by (p.a, p.b))`: a record named after its parts, `(a: Text, b: Kind)`. */
export function isTupleKeyType(type: Type): boolean {
  return type.kind === "record" && type.name.startsWith("(");
}

export function numeric(unit: Unit, rate = false): Type {
  return { kind: "number", unit: normalise(unit), rate: rate && isDimensionless(unit) };
}

export function money(currency: string): Type {
  return numeric({ [currency]: 1 });
}

export function isNumeric(type: Type): type is Extract<Type, { kind: "number" }> {
  return type.kind === "number";
}

export function isDimensionless(unit: Unit): boolean {
  // Counting without `Object.keys`: the checker asks this of almost every number it types.
  for (const _ in unit) return false;
  return true;
}

/** The unit with its dimensions sorted and zero exponents dropped, frozen (shared when dimensionless). */
function normalise(unit: Unit): Unit {
  if (isNormalised(unit)) return unit;
  if (isDimensionless(unit)) return DIMENSIONLESS;
  const result: Record<string, number> = {};
  for (const key of Object.keys(unit).sort()) if (unit[key] !== 0) result[key] = unit[key]!;
  return Object.freeze(result);
}

/**
 * Whether `normalise` would return a unit equal to this one, which is frozen (as every unit of a
 * type is): then it is returned as it is. Dimensions are never integer-like, so they enumerate in
 * the order they were added.
 */
function isNormalised(unit: Unit): boolean {
  if (!Object.isFrozen(unit)) return false;
  let previous: string | undefined;
  for (const key in unit) {
    if (unit[key] === 0 || (previous !== undefined && previous >= key)) return false;
    previous = key;
  }
  return true;
}

export function multiplyUnits(a: Unit, b: Unit, sign = 1): Unit {
  if (isDimensionless(b)) return normalise(a);
  if (isDimensionless(a) && sign === 1) return normalise(b);
  const result: Record<string, number> = { ...a };
  for (const [key, exponent] of Object.entries(b)) result[key] = (result[key] ?? 0) + sign * exponent;
  return normalise(result);
}

export function powerUnit(unit: Unit, power: number): Unit {
  const result: Record<string, number> = {};
  for (const [key, exponent] of Object.entries(unit)) result[key] = exponent * power;
  return normalise(result);
}

export function sameUnit(a: Unit, b: Unit): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/** Whether a value of type `actual` may stand where `expected` is wanted (Number and Rate mix). */
export function assignable(expected: Type, actual: Type): boolean {
  if (expected.kind === "error" || actual.kind === "error") return true;
  if (expected.kind !== actual.kind) return false;
  switch (expected.kind) {
    case "number":
      return sameUnit(expected.unit, (actual as typeof expected).unit);
    case "record":
      return (
        expected.name === (actual as typeof expected).name ||
        recordLiteralFits(expected, actual as typeof expected)
      );
    case "enum":
    case "tiers":
      return expected.name === (actual as typeof expected).name;
    case "list":
      return assignable(expected.element, (actual as typeof expected).element);
    default:
      return true;
  }
}

/**
 * Whether a record literal's type (`{im: USD, mm: USD}`) stands where `expected` is wanted: it has
 * every field of `expected`, no other, each of a type the field takes.
 */
function recordLiteralFits(
  expected: Extract<Type, { kind: "record" }>,
  actual: Extract<Type, { kind: "record" }>,
): boolean {
  if (!actual.name.startsWith("{") || expected.fields.size !== actual.fields.size) return false;
  for (const [name, field] of expected.fields) {
    const given = actual.fields.get(name);
    if (!given || !assignable(field.type, given.type)) return false;
  }
  return true;
}

/** A unit as users write it: `USDT`, `USDT / Quantity`, `Duration`, `Quantity^2`, `Number`. */
export function formatUnit(unit: Unit): string {
  if (isDimensionless(unit)) return "Number";
  if (sameUnit(unit, { [TIME]: 1 })) return "Duration";
  const part = (key: string, exponent: number): string => {
    const name = key === TIME ? "Duration" : key;
    return exponent === 1 ? name : `${name}^${exponent}`;
  };
  const numerator = Object.entries(unit)
    .filter(([, e]) => e > 0)
    .map(([k, e]) => part(k, e));
  const denominator = Object.entries(unit)
    .filter(([, e]) => e < 0)
    .map(([k, e]) => part(k, -e));
  const top = numerator.length ? numerator.join(" * ") : "1";
  return denominator.length ? `${top} / ${denominator.join(" * ")}` : top;
}

/** A type for messages: `USDT`, `Rate`, `List<Position>`, `enum Side`. */
export function formatType(type: Type): string {
  switch (type.kind) {
    case "number":
      return type.rate ? "Rate" : type.integer ? "Integer" : formatUnit(type.unit);
    case "bool":
      return "Bool";
    case "text":
      return "Text";
    case "timestamp":
      return "Timestamp";
    case "enum":
      return type.name;
    case "record":
      return type.name;
    case "list":
      return `List<${formatType(type.element)}>`;
    case "tiers":
      return `tier table ${type.name}`;
    case "error":
      return "an invalid value";
  }
}

/** A type with an article, for sentences: "a Rate", "USDT money", "a Bool". */
export function describeType(type: Type): string {
  if (type.kind === "number") {
    if (type.rate) return "a Rate";
    if (type.integer) return "an Integer";
    if (isDimensionless(type.unit)) return "a Number";
    const keys = Object.keys(type.unit);
    if (
      keys.length === 1 &&
      type.unit[keys[0]!] === 1 &&
      /^[A-Z]{2,}[0-9]*$/.test(keys[0]!) &&
      keys[0] !== QUANTITY
    )
      return `${keys[0]} money`;
    return `a ${formatUnit(type.unit)} value`;
  }
  if (type.kind === "enum") return `a ${type.name} value`;
  if (type.kind === "error") return "an invalid value";
  return `a ${formatType(type)}`;
}

/** Currency codes: all capitals and digits, at least two characters, starting with a letter. */
export function isCurrencyCode(name: string): boolean {
  return /^[A-Z][A-Z0-9]+$/.test(name);
}
