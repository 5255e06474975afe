/**
 * Header checks: required fields, valid semantic version and timestamp, no duplicates.
 */
import type * as A from "../syntax/ast.js";
import { messages } from "../semantics/catalog.js";
import type { CheckContext } from "./context.js";
import { isCurrencyCode } from "./types.js";

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
