/**
 * How the language service shows symbols, types and values to people: one-line signatures such as
 * `param vol_threshold: Rate = 80%`, values with their units, and the documentation of each symbol.
 * Completion details and hover texts both come from here, so they always agree.
 */
import type * as A from "../syntax/ast.js";
import type { CheckedRulebook } from "../check/checker.js";
import type { ValueSymbol } from "../check/context.js";
import { printExpression, printType } from "../syntax/format.js";
import { type Type, describeType, formatType, isDimensionless, isNumeric } from "../check/types.js";

/** A symbol as the editor shows it: a code line, an optional doc text, and its type. */
export interface SymbolSummary {
  /** One line of marginbook-like code: `param vol_threshold: Rate = 80%`. */
  signature: string;
  /** The `///` documentation, when there is some. */
  doc?: string;
  type?: Type;
  /** Extra lines shown under the signature (fields of an input, the columns of a tier table). */
  details: string[];
}

/** A number shown with its unit: `80%`, `50,000 USDT`, `0.00015`. */
export function formatValue(value: number, type?: Type): string {
  if (type && isNumeric(type)) {
    if (type.rate) return `${trimNumber(value * 100)}%`;
    if (!isDimensionless(type.unit)) return `${groupDigits(value)} ${formatType(type)}`;
  }
  return groupDigits(value);
}

/** A number without floating-point noise: `0.8` rather than `0.7999999999999999`. */
export function trimNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(12)));
}

/** A number with thousands separators in its integer part: `1,000,000.5`. */
export function groupDigits(value: number): string {
  const text = trimNumber(value);
  if (/e/i.test(text)) return text;
  const [whole, fraction] = text.split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** The type of a value symbol as the checker inferred it (undefined when it was never typed). */
export function symbolType(checked: CheckedRulebook, symbol: ValueSymbol): Type | undefined {
  if (symbol.kind === "input") return symbol.type;
  if (symbol.kind === "tiers") return { kind: "tiers", name: symbol.name };
  return checked.context.valueTypes.get(symbol.name);
}

/** The signature, documentation and details of a top-level value. */
export function summarizeSymbol(checked: CheckedRulebook, symbol: ValueSymbol): SymbolSummary {
  const type = symbolType(checked, symbol);
  const typed = type && type.kind !== "error" ? `: ${formatType(type)}` : "";
  switch (symbol.kind) {
    case "input": {
      const details =
        type?.kind === "record"
          ? [...type.fields.values()].map(
              (f) => `${f.name}: ${formatType(f.type)}${f.optional ? " (optional)" : ""}`,
            )
          : [];
      const written = symbol.decl.type ? `: ${printType(symbol.decl.type)}` : "";
      return { signature: `input ${symbol.name}${written}`, doc: symbol.decl.doc, type, details };
    }
    case "param": {
      const value = checked.context.constant(symbol.decl.value);
      const shown =
        typeof value === "number"
          ? formatValue(value, type)
          : typeof value === "boolean"
            ? String(value)
            : printExpression(symbol.decl.value);
      const written = printExpression(symbol.decl.value);
      const details = written !== shown && typeof value === "number" ? [`written as \`${written}\``] : [];
      return {
        signature: `${symbol.decl.override ? "override " : ""}param ${symbol.name}${typed} = ${shown}`,
        doc: symbol.decl.doc,
        type,
        details,
      };
    }
    case "let":
      return {
        signature: `let ${symbol.name}${typed}`,
        doc: symbol.decl.doc,
        type,
        details: [`= ${printExpression(symbol.decl.value)}`],
      };
    case "output": {
      const r = symbol.decl.rounding;
      const rounding = r ? [`rounded ${r.direction.replace("_", "-")} to ${printExpression(r.step)}`] : [];
      return {
        signature: `output ${symbol.name}${typed}`,
        doc: symbol.decl.doc,
        type,
        details: [`= ${printExpression(symbol.decl.value)}`, ...rounding],
      };
    }
    case "tiers":
      return {
        signature: tierSignature(symbol.decl),
        doc: symbol.decl.doc,
        type,
        details: tierDetails(symbol.decl),
      };
    case "table": {
      const keys = symbol.decl.keys.map((k) => `${k.name.text}: ${printType(k.type)}`).join(", ");
      const columns = symbol.decl.columns.map((c) => `${c.name.text}: ${printType(c.type)}`).join(", ");
      return {
        signature: `table ${symbol.name} by ${keys}`,
        doc: symbol.decl.doc,
        type,
        details: [
          `columns ${columns}`,
          `${symbol.decl.rows.length} row(s); read as \`${symbol.name}[key].column\``,
        ],
      };
    }
    case "scenarios": {
      const axes = symbol.decl.axes.map((a) => `${a.name.text}: ${printType(a.type)}`).join(", ");
      return {
        signature: `scenarios ${symbol.name}(${axes})`,
        doc: symbol.decl.doc,
        type,
        details: [
          "a List of records { name, index, weight, " +
            symbol.decl.axes.map((a) => a.name.text).join(", ") +
            " }",
        ],
      };
    }
    case "quantity":
      return {
        signature: `quantity ${symbol.name}${typed}`,
        doc: symbol.rule.doc,
        type,
        details: [`set first in rule \`${symbol.rule.name.text}\`; adjusted by the rules in order`],
      };
  }
}

/** `tiers brackets by notional: USDT, marginal`. */
export function tierSignature(decl: A.TiersDecl): string {
  return `tiers ${decl.name.text} by ${decl.keyName.text}: ${printType(decl.keyType)}${decl.mode ? `, ${decl.mode}` : ""}`;
}

function tierDetails(decl: A.TiersDecl): string[] {
  const columns = decl.columns.map((c) => `${c.name.text}: ${printType(c.type)}`).join(", ");
  const rows = decl.rows.length;
  return [
    `columns ${columns}`,
    `${rows} row${rows === 1 ? "" : "s"}; look a row up with \`${decl.name.text}(x)\`, or \`${decl.name.text}.margin(x, column)\``,
  ];
}

/** A type in words for hover: `USDT (USDT money)`, `Rate (a dimensionless fraction)`. */
export function explainType(type: Type): string {
  if (type.kind === "number") {
    if (type.rate) return "Rate (a dimensionless fraction, shown as %)";
    if (isDimensionless(type.unit)) return "Number (dimensionless)";
    return `${formatType(type)} (${describeType(type)})`;
  }
  if (type.kind === "record") return `${formatType(type)} (a record: ${[...type.fields.keys()].join(", ")})`;
  if (type.kind === "enum") return `${type.name} (an enum: ${type.members.join(", ")})`;
  return formatType(type);
}
