/**
 * Lookups over a checked rulebook that the editor features share: what a type name means, where a
 * record's field is declared, which file a declaration came from.
 */
import type * as A from "../syntax/ast.js";
import type { CheckedRulebook } from "../check/checker.js";
import {
  BOOL,
  DURATION,
  NUMBER,
  QUANTITY,
  RATE,
  TEXT,
  TIMESTAMP,
  type Type,
  isCurrencyCode,
  numeric,
} from "../check/types.js";

/** The built-in type names, with what each means (for completion and hover). */
export const BUILTIN_TYPE_DOCS: Readonly<Record<string, string>> = {
  Number: "a plain, dimensionless number",
  Rate: "a dimensionless fraction, shown as % (`0.5%`, `50bps`)",
  Bool: "true or false",
  Text: "a text string",
  Timestamp: "an ISO 8601 UTC time",
  Duration: "a length of time (`30d`, `8h`)",
  Quantity: "an amount of contracts or coins",
  Price: "settlement currency per Quantity",
  List: "a list: `List<Position>`",
};

/** The type a written type name stands for, or undefined when it names nothing. */
export function typeOfName(checked: CheckedRulebook, name: string): Type | undefined {
  switch (name) {
    case "Number":
      return NUMBER;
    case "Rate":
      return RATE;
    case "Bool":
      return BOOL;
    case "Text":
      return TEXT;
    case "Timestamp":
      return TIMESTAMP;
    case "Duration":
      return DURATION;
    case "Quantity":
      return numeric({ [QUANTITY]: 1 });
    case "Price":
      return checked.currency ? numeric({ [checked.currency]: 1, [QUANTITY]: -1 }) : undefined;
  }
  const named = checked.context.types.get(name);
  if (named) return named;
  return isCurrencyCode(name) ? numeric({ [name]: 1 }) : undefined;
}

/** The file a declaration comes from (the rulebook's own, or a base it extends). */
export function declarationFile(checked: CheckedRulebook, decl: A.Declaration): string {
  return checked.declarations.find((d) => d.decl === decl)?.origin.file ?? checked.file;
}

/** Where a field of a record type is written: its name, its documentation and its file. */
export interface FieldSite {
  name: A.Name;
  doc?: string;
  file: string;
}

/**
 * The declaration of field `field` of a record type: a `record` declaration's field, an inline
 * input's field, or a tier table's column (for the rows `table(x)` returns).
 */
export function fieldOf(checked: CheckedRulebook, type: Type, field: string): FieldSite | undefined {
  if (type.kind !== "record") return undefined;
  const context = checked.context;
  const fromFields = (decl: A.RecordDecl | A.InputDecl): FieldSite | undefined => {
    const found = (decl.fields ?? []).find((f) => f.name.text === field);
    return found ? { name: found.name, doc: found.doc, file: declarationFile(checked, decl) } : undefined;
  };
  const record = context.typeDecls.get(type.name);
  if (record?.kind === "RecordDecl") return fromFields(record);
  const input = context.values.get(type.name);
  if (input?.kind === "input" && input.decl.fields && input.type === type) return fromFields(input.decl);
  const row = /^row of (.+)$/.exec(type.name);
  if (row) {
    const table = context.values.get(row[1]!);
    if (table?.kind !== "tiers") return undefined;
    const column = table.decl.columns.find((c) => c.name.text === field);
    return column ? { name: column.name, file: declarationFile(checked, table.decl) } : undefined;
  }
  const scenario = /^scenario of (.+)$/.exec(type.name);
  if (scenario) {
    const set = context.values.get(scenario[1]!);
    if (set?.kind !== "scenarios") return undefined;
    const axis = set.decl.axes.find((a) => a.name.text === field);
    return axis ? { name: axis.name, file: declarationFile(checked, set.decl) } : undefined;
  }
  return undefined;
}
