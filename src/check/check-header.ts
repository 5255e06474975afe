/**
 * Header checks: required fields, valid semantic version and timestamp, no duplicates.
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import type { CheckContext } from "./context.js";
import { isCurrencyCode } from "./types.js";
import { DECIMAL_ROUNDINGS, DEFAULT_DECIMAL_SCALE } from "../semantics/decimal.js";
import type { IrArithmetic, IrDecimalRounding } from "../ir/ir.js";

/** The largest `decimal_scale`: 60 places (10^-60), far below any amount a venue publishes. */
const MAX_SCALE = 60;

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const REQUIRED: ReadonlyArray<{ key: A.HeaderKey; example: string }> = [
  { key: "version", example: "1.0.0" },
  { key: "effective", example: "2026-12-01T00:00:00Z" },
  { key: "currency", example: "USDT" },
];

const EXPECTED_KIND: Record<A.HeaderKey, { kinds: A.HeaderValueKind[]; description: string }> = {
  version: { kinds: ["semver", "number", "string"], description: "a semantic version such as `1.0.0`" },
  effective: { kinds: ["timestamp", "string"], description: "a timestamp such as `2026-12-01T00:00:00Z`" },
  currency: { kinds: ["type"], description: "a currency code such as `USDT`" },
  owner: { kinds: ["string"], description: "a string in quotes" },
  description: { kinds: ["string"], description: "a string in quotes" },
  extends: { kinds: ["string"], description: "the path of a `.margin` file in quotes" },
  arithmetic: { kinds: ["name"], description: "`binary64` or `decimal`" },
  decimal_scale: {
    kinds: ["number"],
    description: `a whole number of decimal places from 0 to ${MAX_SCALE}`,
  },
  decimal_rounding: {
    kinds: ["name"],
    description: `one of ${DECIMAL_ROUNDINGS.map((r) => `\`${r}\``).join(", ")}`,
  },
};

/** The header's fields by key (first occurrence), after reporting every header problem. */
export function checkHeader(context: CheckContext, rulebook: A.Rulebook): Map<A.HeaderKey, A.HeaderField> {
  const fields = new Map<A.HeaderKey, A.HeaderField>();
  const header = rulebook.header;
  if (!header) {
    context.report(messages.missingHeader, { start: 0, end: Math.min(1, rulebook.span.end) });
    return fields;
  }
  for (const field of header.fields) {
    const first = fields.get(field.key);
    if (first) {
      context.report(
        messages.duplicateHeaderField,
        field.keySpan,
        { key: field.key },
        { related: [{ message: "first given here", span: first.keySpan }] },
      );
      continue;
    }
    fields.set(field.key, field);
    checkValue(context, field);
  }
  checkDecimalFields(context, fields);
  // After a syntax error in the header, its later fields were not read: not missing, unknown.
  if (!header.cutShort)
    for (const { key, example } of REQUIRED) {
      if (!fields.has(key)) context.report(messages.missingHeaderField, header.name.span, { key, example });
    }
  return fields;
}

function checkValue(context: CheckContext, field: A.HeaderField): void {
  const expected = EXPECTED_KIND[field.key];
  if (!expected.kinds.includes(field.valueKind)) {
    if (field.key === "extends") context.report(messages.extendsWithoutFile, field.valueSpan);
    else
      context.report(messages.headerValueKind, field.valueSpan, {
        key: field.key,
        expected: expected.description,
      });
    return;
  }
  if (field.key === "version" && !SEMVER.test(field.value)) {
    const parts = field.value.split(".");
    const padded = [...parts, "0", "0"].slice(0, 3).join(".");
    const fix = /^\d+(\.\d+)?$/.test(field.value)
      ? { title: `write \`${padded}\``, edits: [{ span: field.valueSpan, newText: padded }] }
      : undefined;
    context.report(messages.invalidVersion, field.valueSpan, { text: field.value }, { fix });
  }
  if (field.key === "effective" && !isValidTimestamp(field.value))
    context.report(messages.invalidTimestamp, field.valueSpan, { text: field.value });
  const invalid =
    (field.key === "arithmetic" && field.value !== "binary64" && field.value !== "decimal") ||
    (field.key === "decimal_scale" && !(/^\d+$/.test(field.value) && Number(field.value) <= MAX_SCALE)) ||
    (field.key === "decimal_rounding" && !DECIMAL_ROUNDINGS.includes(field.value as IrDecimalRounding));
  if (invalid)
    context.report(messages.headerValueKind, field.valueSpan, {
      key: field.key,
      expected: expected.description,
    });
  if (field.key === "currency" && !isCurrencyCode(field.value))
    context.report(messages.headerValueKind, field.valueSpan, {
      key: "currency",
      expected: expected.description,
    });
}

/** An ISO 8601 timestamp with a real calendar date and time (a bare date means midnight UTC). */
export function isValidTimestamp(text: string): boolean {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2})))?$/.exec(text);
  if (!match) return false;
  const [, y, mo, d, h = "0", mi = "0", s = "0", , oh = "0", om = "0"] = match;
  const year = Number(y),
    month = Number(mo),
    day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s) <= 59 &&
    Number(oh) <= 23 &&
    Number(om) <= 59
  );
}

/** `decimal_scale` and `decimal_rounding` only mean something in decimal arithmetic. */
function checkDecimalFields(context: CheckContext, fields: Map<A.HeaderKey, A.HeaderField>): void {
  if (fields.get("arithmetic")?.value === "decimal") return;
  for (const key of ["decimal_scale", "decimal_rounding"] as const) {
    const field = fields.get(key);
    if (field) context.report(messages.decimalFieldWithoutDecimal, field.keySpan, { key });
  }
}

/** The arithmetic a checked header declares: undefined for binary64 (the default). */
export function headerArithmetic(header: ReadonlyMap<A.HeaderKey, A.HeaderField>): IrArithmetic | undefined {
  if (header.get("arithmetic")?.value !== "decimal") return undefined;
  const scale = Number(header.get("decimal_scale")?.value ?? DEFAULT_DECIMAL_SCALE);
  const rounding = header.get("decimal_rounding")?.value as IrDecimalRounding | undefined;
  return {
    mode: "decimal",
    scale: Number.isInteger(scale) && scale <= MAX_SCALE ? scale : DEFAULT_DECIMAL_SCALE,
    rounding: rounding && DECIMAL_ROUNDINGS.includes(rounding) ? rounding : "half_even",
  };
}
