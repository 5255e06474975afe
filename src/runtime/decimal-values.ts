/**
 * Runtime values in decimal arithmetic: inputs read as decimals, by the rulebook's schema (a JSON
 * number through its shortest spelling, a string with every digit), and decimals written back as
 * text for explanations and outputs, so that no consumer re-rounds them through a double.
 */
import type { IrRulebook, IrType } from "../ir/ir.js";
import { decText, isDec, isDecimalText, toDec } from "../semantics/decimal.js";
import { decValue } from "../semantics/decimal-operations.js";
import type { Value } from "../semantics/operations.js";
import type { TraceValue } from "./trace.js";

/**
 * The input with every number field (of records, lists and top-level inputs, as the schema types
 * them) read as a decimal. The input is not changed; fields the schema does not know are kept.
 */
export function decimalInput(ir: IrRulebook, input: Value): Value {
  if (!isRecord(input)) return input;
  const result: Record<string, Value> = { ...input };
  for (const { name, type } of ir.schema.inputs)
    if (Object.hasOwn(input, name)) result[name] = convert(ir, type, input[name]);
  return result;
}

function convert(ir: IrRulebook, type: IrType, value: Value): Value {
  switch (type.kind) {
    case "number":
      if (typeof value === "number") return decValue(toDec(value));
      if (typeof value === "string" && isDecimalText(value)) return decValue(toDec(value));
      return value;
    case "list":
      return Array.isArray(value) ? value.map((v: Value) => convert(ir, type.element, v)) : value;
    case "record": {
      const record = ir.schema.records[type.name];
      if (!record || !isRecord(value)) return value;
      const result: Record<string, Value> = { ...value };
      for (const field of record.fields)
        if (Object.hasOwn(value, field.name)) result[field.name] = convert(ir, field.type, value[field.name]);
      return result;
    }
    default:
      return value;
  }
}

function isRecord(value: Value): value is { readonly [field: string]: Value } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A runtime value for an explanation: decimals become their text, deeply; other values are kept. */
export function decimalTraceValue(value: Value): TraceValue {
  if (isDec(value)) return decText(value);
  if (Array.isArray(value)) return value.map((v: Value) => (v === undefined ? null : decimalTraceValue(v)));
  if (isRecord(value) && Object.values(value).some((v) => typeof v === "object" && v !== null)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, v === undefined ? null : decimalTraceValue(v)]),
    );
  }
  return value as TraceValue;
}

/**
 * A numeric output as a double, for charts and impact totals: a number as it is, the decimal text of
 * a decimal rulebook read as the nearest double; anything else undefined.
 */
export function outputNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && isDecimalText(value)) return Number(value);
  return undefined;
}
