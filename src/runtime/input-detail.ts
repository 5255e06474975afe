/**
 * Describing every problem of an invalid input in time linear in its size.
 *
 * ajv with `allErrors` over a whole input is quadratic when a long list has many invalid items: each
 * item is validated by a referenced function whose errors ajv appends by copying the growing error
 * list (`vErrors.concat(...)`), so 100,000 invalid positions took minutes. Here the input is cut at
 * its lists: the input without its list items is validated by one ajv function, then each list item
 * by the function of its element type (again without the items of its own lists), and the problems
 * are put back in the order ajv reports them (a value's own problems first, then its fields in the
 * schema's order, list items in index order). Once a list has given `maxErrors` problems, the rest
 * of its items are only counted, not described. Messages, paths and codes are those of a whole-input
 * pass; a test compares the two on random invalid inputs.
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import type { IrRulebook, IrType } from "../ir/ir.js";
import { capErrors, describeErrors, escapePointer } from "./input-messages.js";
import type { InputError, InputLimits, JsonSchema } from "./input-schema.js";

/** A list reachable from a value without entering another list: the fields that lead to it. */
interface ListPlace {
  names: string[];
  /** The schema-order index of each field on the way (for sorting problems). */
  keys: number[];
  element: IrType;
}

/** Problems found in one value: the first ones described, all of them counted. */
interface Found {
  kept: InputError[];
  total: number;
}

/** What the detail pass needs from the schema module. */
export interface DetailOptions {
  ir: IrRulebook;
  /** The whole input's schema. */
  schema: JsonSchema;
  limit: InputLimits;
  /** The schema of a value of one type (a `$ref` for records and enums). */
  typeSchema: (type: IrType) => JsonSchema;
  /** A fresh ajv instance with `allErrors` and the formats and keywords of the schema. */
  ajv: () => Ajv2020;
}

/** Returns a function that describes the problems of an input known to be invalid, capped. */
export function detailValidator(options: DetailOptions): (input: unknown) => InputError[] {
  const { ir, limit } = options;
  const ajv = options.ajv();
  const defs = withoutItems(options.schema["$defs"]) as JsonSchema;
  const root = ajv.compile(withoutItems(options.schema) as JsonSchema);
  const elementValidators = new Map<string, ValidateFunction>();
  const elementValidator = (type: IrType): ValidateFunction => {
    const id = JSON.stringify(type);
    let validate = elementValidators.get(id);
    if (!validate) {
      validate = ajv.compile({ ...(withoutItems(options.typeSchema(type)) as JsonSchema), $defs: defs });
      elementValidators.set(id, validate);
    }
    return validate;
  };
  const places = new Map<string, ListPlace[]>();
  const placesOf = (type: IrType | undefined): ListPlace[] => {
    const id = type ? JSON.stringify(type) : "";
    let found = places.get(id);
    if (!found) {
      found = listPlaces(ir, type);
      places.set(id, found);
    }
    return found;
  };

  const visit = (value: unknown, type: IrType | undefined, prefix: string, countOnly: boolean): Found => {
    const validate = type ? elementValidator(type) : root;
    const raw = validate(value) ? [] : (validate.errors ?? []);
    // Only the first `maxErrors` of a value's own problems can be shown: the others are counted.
    const own = countOnly ? [] : describeErrors(raw, prefix, limit.maxErrors);
    const entries: { key: number[]; found: Found }[] = [];
    if (!countOnly) for (const error of own) entries.push({ key: sortKey(ir, type, error, prefix), found: { kept: [error], total: 1 } });
    let total = countErrors(raw);
    for (const place of placesOf(type)) {
      const list = follow(value, place.names);
      if (!Array.isArray(list) || list.length > limit.maxListLength) continue; // reported above
      const path = `${prefix}${place.names.map((n) => `/${escapePointer(n)}`).join("")}`;
      const block: Found = { kept: [], total: 0 };
      for (let index = 0; index < list.length; index++) {
        const full = countOnly || block.kept.length >= limit.maxErrors;
        const item = visit(list[index], place.element, `${path}/${index}`, full);
        block.total += item.total;
        if (!full) block.kept.push(...item.kept.slice(0, limit.maxErrors - block.kept.length));
      }
      total += block.total;
      entries.push({ key: [...place.keys, -1], found: block });
    }
    if (countOnly) return { kept: [], total };
    entries.sort((a, b) => compareKeys(a.key, b.key));
    const kept: InputError[] = [];
    for (const entry of entries) {
      if (kept.length >= limit.maxErrors) break;
      kept.push(...entry.found.kept.slice(0, limit.maxErrors - kept.length));
    }
    return { kept, total };
  };

  return (input) => {
    const found = visit(input, undefined, "", false);
    return capErrors(found.kept, found.total, limit.maxErrors);
  };
}

/** The number of problems `describeErrors` would describe, without describing them. */
function countErrors(raw: readonly ErrorObject[]): number {
  if (raw.length === 0) return 0;
  const typeFailed = new Set<string>();
  const patternFailed = new Set<string>();
  for (const error of raw) {
    if (error.keyword === "type") typeFailed.add(error.instancePath);
    if (error.keyword === "pattern") patternFailed.add(error.instancePath);
  }
  let count = 0;
  for (const error of raw) {
    if (error.keyword !== "type" && typeFailed.has(error.instancePath) && error.keyword !== "required" && error.keyword !== "additionalProperties") continue;
    if (error.keyword === "format" && patternFailed.has(error.instancePath)) continue;
    count++;
  }
  return count;
}

/** A copy of a schema in which no array schema checks its items. */
function withoutItems(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutItems);
  if (!schema || typeof schema !== "object") return schema;
  const entries = Object.entries(schema).filter(([key]) => !(key === "items" && (schema as JsonSchema)["type"] === "array"));
  return Object.fromEntries(entries.map(([key, value]) => [key, withoutItems(value)]));
}

/** The fields of a record in the order ajv checks them (a `__proto__` field last: `patternProperties`). */
function fieldOrder(ir: IrRulebook, type: IrType | undefined): { name: string; type: IrType }[] {
  const fields = !type ? ir.schema.inputs : type.kind === "record" ? (ir.schema.records[type.name]?.fields ?? []) : [];
  const list = fields.map((f) => ({ name: f.name, type: f.type }));
  return [...list.filter((f) => f.name !== "__proto__"), ...list.filter((f) => f.name === "__proto__")];
}

/** The lists reachable from a value of `type` (undefined: the whole input) without entering a list. */
function listPlaces(ir: IrRulebook, type: IrType | undefined): ListPlace[] {
  if (type?.kind === "list") return [{ names: [], keys: [], element: type.element }];
  const found: ListPlace[] = [];
  const walk = (current: IrType | undefined, names: string[], keys: number[], seen: readonly string[]): void => {
    fieldOrder(ir, current).forEach((field, index) => {
      if (field.type.kind === "list") found.push({ names: [...names, field.name], keys: [...keys, index], element: field.type.element });
      else if (field.type.kind === "record" && !seen.includes(field.type.name)) walk(field.type, [...names, field.name], [...keys, index], [...seen, field.type.name]);
    });
  };
  walk(type, [], [], type?.kind === "record" ? [type.name] : []);
  return found;
}

/** The value at the end of a chain of own fields, or undefined. */
function follow(value: unknown, names: readonly string[]): unknown {
  let current = value;
  for (const name of names) {
    if (!current || typeof current !== "object" || Array.isArray(current) || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

/**
 * Where ajv reports a problem: the schema-order index of each field on its path. A missing or unknown
 * field is reported by its record, so it sorts with the record's own problems.
 */
function sortKey(ir: IrRulebook, type: IrType | undefined, error: InputError, prefix: string): number[] {
  let relative = error.path.slice(prefix.length);
  if (error.kind === "missing" || error.kind === "unknown") relative = relative.slice(0, relative.lastIndexOf("/"));
  const segments = relative === "" ? [] : relative.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const key: number[] = [];
  let current: IrType | undefined = type;
  let first = true;
  for (const segment of segments) {
    const fields = first || current?.kind === "record" ? fieldOrder(ir, current) : [];
    const index = fields.findIndex((f) => f.name === segment);
    key.push(index < 0 ? Number.MAX_SAFE_INTEGER : index);
    current = index < 0 ? undefined : fields[index]!.type;
    first = false;
  }
  return key;
}

/** Lexicographic order of keys; a key sorts before the keys it is a prefix of. */
function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
