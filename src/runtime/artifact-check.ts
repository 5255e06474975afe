/**
 * The artifact validator: the JSON Schema subset that `artifact-schema.ts` writes, compiled once per
 * process into descriptors. Keywords: `type` (one or several; `integer`; numbers finite only,
 * as ajv's `strictNumbers`), `const`, `enum`, `properties` / `required` / `additionalProperties`
 * (`false` or a schema) / `propertyNames` (own properties only), `items` / `minItems` / `maxItems`,
 * `maxLength` (in code points) / `pattern` (Unicode), `minimum` / `maximum` / `exclusiveMinimum` /
 * `exclusiveMaximum`, `anyOf`, `oneOf` with a `discriminator`, and `$ref` into `$defs`. Any other
 * keyword is refused when its part is compiled (all at once with `eager`, as the tests do), so the
 * schema cannot grow a rule this file ignores.
 *
 * Why not ajv's standalone code (what this replaced): for this schema ajv writes 340 KB of
 * JavaScript, and V8 compiles it on the first load of every process: about 16 ms of the 29 ms a
 * first `loadArtifact` cost, plus about 10 ms to parse the module at import. The descriptors here
 * cost about 2 ms to build and check on a first load, and generate no code (nothing to forbid under
 * a CSP). ajv stays the reference: `test/runtime/artifact-check.test.ts` gives both the same valid
 * artifacts and random corruptions of them and expects the same verdict.
 *
 * The schema is compiled into plain descriptors of one shape (one per schema node, each part compiled
 * when a value first needs it), read by one recursive function: a first load runs one small function
 * that V8 compiles once, rather than hundreds of closures that each start cold. Two modes: with
 * `errors` null it answers valid or not and stops at the first problem (the path of each value is
 * not even built); with a list it reports every problem, each with its JSON pointer and an
 * ajv-style keyword, params and message.
 */
import type { JsonSchema } from "./input-schema.js";
import { compareNumbers, numberBounds, withinBound, type NumberBound } from "./schema-bounds.js";
import { codePoints, escapePointer } from "./schema-text.js";

/** One problem, shaped as ajv's error objects (what `describeSchemaError` reads). */
export interface SchemaProblem {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

type Schema = { readonly [keyword: string]: unknown };

/** Keywords that carry no check. */
const ANNOTATIONS = new Set(["$schema", "$id", "$defs", "title", "description", "discriminator"]);
const KNOWN = new Set([
  ...ANNOTATIONS,
  ...["type", "const", "enum", "properties", "required", "additionalProperties", "propertyNames"],
  ...["items", "minItems", "maxItems", "maxLength", "pattern", "minimum", "maximum"],
  ...["exclusiveMinimum", "exclusiveMaximum", "anyOf", "oneOf", "$ref"],
]);

/** A validator of `schema`: `validate(data)` is true or false; `problems(data)` lists every problem. */
export interface SchemaValidator {
  validate(data: unknown): boolean;
  problems(data: unknown): SchemaProblem[];
}

/** The JSON types, as bits of {@link Node.types}. */
const NUMBER = 1,
  INTEGER = 2,
  STRING = 4,
  BOOLEAN = 8,
  NULL = 16,
  ARRAY = 32,
  OBJECT = 64;
const TYPE_BITS: Readonly<Record<string, number>> = {
  number: NUMBER,
  integer: INTEGER,
  string: STRING,
  boolean: BOOLEAN,
  null: NULL,
  array: ARRAY,
  object: OBJECT,
};

/** A part of the schema, compiled on first use: a first load compiles only what its artifact uses. */
interface Lazy {
  readonly schema: Schema;
  node: Node | null;
}

interface Property {
  readonly name: string;
  readonly pointer: string;
  readonly child: Lazy;
}

/** One compiled schema node. Every node has every field (one shape for V8); absent is null. */
interface Node {
  /** The `$ref` target, resolved on first use (then `resolved`). */
  ref: string | null;
  resolved: Node | null;
  /** Allowed JSON types as bits (0: any), and the `type` keyword's value for messages. */
  types: number;
  type: unknown;
  hasConst: boolean;
  constValue: unknown;
  enumValues: ReadonlySet<unknown> | null;
  enumList: unknown;
  maxLength: number;
  pattern: RegExp | null;
  /** [keyword, comparison, limit] of each number bound. */
  bounds: readonly NumberBound[] | null;
  required: readonly string[];
  properties: readonly Property[] | null;
  known: Readonly<Record<string, Schema>> | null;
  closed: boolean;
  additional: Lazy | null;
  propertyNames: Lazy | null;
  items: Lazy | null;
  minItems: number;
  maxItems: number;
  anyOf: readonly Lazy[] | null;
  tag: string | null;
  byTag: ReadonlyMap<unknown, Lazy> | null;
}

/**
 * Builds the validator of a schema in the subset described above. Parts of the schema are compiled
 * when a value first needs them; with `eager`, all at once, so that any keyword outside the subset
 * throws here (the tests build the artifact schema's validator eagerly, so a lazy compilation of
 * that schema never throws).
 */
export function schemaValidator(schema: JsonSchema, options: { eager?: boolean } = {}): SchemaValidator {
  const root = schema as Schema;
  const defs = (root["$defs"] ?? {}) as Record<string, Schema>;
  const refs = new Map<string, Node>();
  const resolve = (ref: string): Node => {
    let node = refs.get(ref);
    if (node === undefined) {
      const name = /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(ref)?.[1];
      const def = name !== undefined && Object.hasOwn(defs, name) ? defs[name] : undefined;
      if (def === undefined) throw new Error(`artifact schema: unresolved $ref ${ref}`);
      node = compile(def);
      refs.set(ref, node);
    }
    return node;
  };
  const top = compile(root);
  if (options.eager === true) {
    for (const def of Object.keys(defs)) compileAll(resolve(`#/$defs/${def}`), new Set());
    compileAll(top, new Set());
  }
  const check = (data: unknown, errors: SchemaProblem[] | null): boolean =>
    checkNode(top, data, "", errors, resolve);
  return {
    validate: (data) => check(data, null),
    problems: (data) => {
      const errors: SchemaProblem[] = [];
      check(data, errors);
      return errors;
    },
  };
}

/**
 * The nodes of schema objects already compiled: the schema shares one object for each repeated
 * part (an index, an identifier, a `$ref` to an expression), compiled once.
 */
const compiled = new WeakMap<Schema, Node>();
/** The regular expressions by pattern, built once. */
const patterns = new Map<string, RegExp>();

function compile(schema: Schema): Node {
  let node = compiled.get(schema);
  if (node === undefined) {
    node = compileNew(schema);
    compiled.set(schema, node);
  }
  return node;
}

function lazy(schema: Schema): Lazy {
  return { schema, node: null };
}

/** The node of a lazy part, compiled on first use. */
function nodeOf(part: Lazy): Node {
  return (part.node ??= compile(part.schema));
}

/** Compiles every part under a node (what `eager` asks). */
function compileAll(node: Node, seen: Set<Node>): void {
  if (seen.has(node)) return;
  seen.add(node);
  const parts = [
    ...(node.properties ?? []).map((p) => p.child),
    ...[node.additional, node.propertyNames, node.items].filter((p): p is Lazy => p !== null),
    ...(node.anyOf ?? []),
    ...(node.byTag?.values() ?? []),
  ];
  for (const part of parts) compileAll(nodeOf(part), seen);
}

function regexOf(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (regex === undefined) patterns.set(pattern, (regex = new RegExp(pattern, "u")));
  return regex;
}

function compileNew(schema: Schema): Node {
  for (const keyword of Object.keys(schema))
    if (!KNOWN.has(keyword)) throw new Error(`artifact schema: unsupported keyword ${keyword}`);
  const type = schema["type"];
  let types = 0;
  for (const name of type === undefined ? [] : Array.isArray(type) ? type : [type]) {
    const bit = TYPE_BITS[name as string];
    if (bit === undefined) throw new Error(`artifact schema: unknown type ${String(name)}`);
    types |= bit;
  }
  const known = (schema["properties"] ?? null) as Record<string, Schema> | null;
  const additional = schema["additionalProperties"];
  const oneOf = schema["oneOf"] as Schema[] | undefined;
  const tag = oneOf ? (schema["discriminator"] as { propertyName?: string } | undefined)?.propertyName : null;
  if (tag === undefined) throw new Error("artifact schema: oneOf without a discriminator");
  const bounds = numberBounds(schema);
  const enumList = Array.isArray(schema["enum"]) ? schema["enum"] : null;
  return {
    ref: typeof schema["$ref"] === "string" ? schema["$ref"] : null,
    resolved: null,
    types,
    type: type ?? null,
    hasConst: "const" in schema,
    constValue: schema["const"],
    enumValues: enumList ? new Set(enumList) : null,
    enumList,
    maxLength: typeof schema["maxLength"] === "number" ? schema["maxLength"] : -1,
    pattern: typeof schema["pattern"] === "string" ? regexOf(schema["pattern"]) : null,
    bounds: bounds.length > 0 ? bounds : null,
    required: (schema["required"] ?? []) as string[],
    properties: known
      ? Object.keys(known).map((name) => ({
          name,
          pointer: `/${escapePointer(name)}`,
          child: lazy(known[name]!),
        }))
      : null,
    known: known ?? {},
    closed: additional === false,
    additional: additional === undefined || additional === false ? null : lazy(additional as Schema),
    propertyNames: schema["propertyNames"] ? lazy(schema["propertyNames"] as Schema) : null,
    items: schema["items"] ? lazy(schema["items"] as Schema) : null,
    minItems: typeof schema["minItems"] === "number" ? schema["minItems"] : -1,
    maxItems: typeof schema["maxItems"] === "number" ? schema["maxItems"] : -1,
    anyOf: schema["anyOf"] ? (schema["anyOf"] as Schema[]).map(lazy) : null,
    tag,
    byTag: oneOf && tag !== null ? branchesByTag(oneOf, tag) : null,
  };
}

function branchesByTag(oneOf: Schema[], tag: string): Map<unknown, Lazy> {
  const byTag = new Map<unknown, Lazy>();
  for (const branch of oneOf) {
    const value = ((branch["properties"] ?? {}) as Record<string, Schema>)[tag]?.["const"];
    if (typeof value !== "string" || byTag.has(value))
      throw new Error(`artifact schema: a oneOf branch without a distinct const ${tag}`);
    byTag.set(value, lazy(branch));
  }
  return byTag;
}

function fail(
  errors: SchemaProblem[] | null,
  at: string,
  keyword: string,
  params: Record<string, unknown>,
  message: string,
): false {
  errors?.push({ instancePath: at, keyword, params, message });
  return false;
}

/** The bit of a value's JSON type (an integer is also a number). */
function typeBits(data: unknown): number {
  switch (typeof data) {
    case "number":
      return Number.isFinite(data) ? (Number.isInteger(data) ? NUMBER | INTEGER : NUMBER) : 0;
    case "string":
      return STRING;
    case "boolean":
      return BOOLEAN;
    case "object":
      return data === null ? NULL : Array.isArray(data) ? ARRAY : OBJECT;
    default:
      return 0;
  }
}

/**
 * Checks `data` at JSON pointer `at` against a node: every keyword, in ajv's order. Reports into
 * `errors`, or returns false at the first problem when `errors` is null.
 */
function checkNode(
  node: Node,
  data: unknown,
  at: string,
  errors: SchemaProblem[] | null,
  resolve: (ref: string) => Node,
): boolean {
  if (node.ref !== null) return checkNode((node.resolved ??= resolve(node.ref)), data, at, errors, resolve);
  const bits = typeBits(data);
  if (node.types !== 0 && (node.types & bits) === 0) {
    fail(errors, at, "type", { type: node.type }, `must be ${[node.type].flat().join(",")}`);
    if (errors === null) return false;
  }
  let ok = true;
  if (node.hasConst && data !== node.constValue)
    ok = fail(errors, at, "const", { allowedValue: node.constValue }, "must be equal to constant");
  if (node.enumValues !== null && !node.enumValues.has(data))
    ok = fail(
      errors,
      at,
      "enum",
      { allowedValues: node.enumList },
      "must be equal to one of the allowed values",
    );
  if (!ok && errors === null) return false;
  if (bits === STRING) ok = checkString(node, data as string, at, errors) && ok;
  else if ((bits & NUMBER) !== 0) ok = checkNumber(node, data as number, at, errors) && ok;
  else if (bits === ARRAY) ok = checkArray(node, data as unknown[], at, errors, resolve) && ok;
  else if (bits === OBJECT)
    ok = checkObject(node, data as Record<string, unknown>, at, errors, resolve) && ok;
  if (!ok && errors === null) return false;
  if (node.anyOf !== null && !node.anyOf.some((branch) => checkNode(nodeOf(branch), data, at, null, resolve)))
    ok = fail(errors, at, "anyOf", {}, "must match a schema in anyOf");
  return ok && (node.types === 0 || (node.types & bits) !== 0);
}

function checkString(node: Node, text: string, at: string, errors: SchemaProblem[] | null): boolean {
  let ok = true;
  if (node.maxLength >= 0 && text.length > node.maxLength && codePoints(text) > node.maxLength)
    ok = fail(
      errors,
      at,
      "maxLength",
      { limit: node.maxLength },
      `must NOT have more than ${node.maxLength} characters`,
    );
  if (node.pattern !== null && !node.pattern.test(text))
    ok = fail(
      errors,
      at,
      "pattern",
      { pattern: node.pattern.source },
      `must match pattern "${node.pattern.source}"`,
    );
  return ok;
}

function checkNumber(node: Node, x: number, at: string, errors: SchemaProblem[] | null): boolean {
  if (node.bounds === null) return true;
  let ok = true;
  for (const { keyword, comparison, limit } of node.bounds) {
    if (!withinBound(comparison, compareNumbers(x, limit)))
      ok = fail(errors, at, keyword, { comparison, limit }, `must be ${comparison} ${limit}`);
  }
  return ok;
}

function checkArray(
  node: Node,
  list: unknown[],
  at: string,
  errors: SchemaProblem[] | null,
  resolve: (ref: string) => Node,
): boolean {
  let ok = true;
  if (node.minItems >= 0 && list.length < node.minItems)
    ok = fail(
      errors,
      at,
      "minItems",
      { limit: node.minItems },
      `must NOT have fewer than ${node.minItems} items`,
    );
  if (node.maxItems >= 0 && list.length > node.maxItems)
    ok = fail(
      errors,
      at,
      "maxItems",
      { limit: node.maxItems },
      `must NOT have more than ${node.maxItems} items`,
    );
  if (!ok && errors === null) return false;
  if (node.items === null) return ok;
  const items = nodeOf(node.items);
  for (let i = 0; i < list.length; i++) {
    if (checkNode(items, list[i], errors === null ? "" : `${at}/${i}`, errors, resolve)) continue;
    ok = false;
    if (errors === null) return false;
  }
  return ok;
}

/** `required`, `properties`, `additionalProperties`, `propertyNames` (own properties only), the tag. */
function checkObject(
  node: Node,
  record: Record<string, unknown>,
  at: string,
  errors: SchemaProblem[] | null,
  resolve: (ref: string) => Node,
): boolean {
  let ok = true;
  for (let i = 0; i < node.required.length; i++) {
    const name = node.required[i]!;
    if (Object.hasOwn(record, name)) continue;
    ok = fail(errors, at, "required", { missingProperty: name }, `must have required property '${name}'`);
    if (errors === null) return false;
  }
  if (node.closed || node.additional !== null || node.propertyNames !== null) {
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (node.propertyNames !== null && !checkNode(nodeOf(node.propertyNames), key, at, null, resolve)) {
        ok = false;
        if (errors === null) return false;
        const inner: SchemaProblem[] = [];
        checkNode(nodeOf(node.propertyNames), key, at, inner, resolve);
        for (const problem of inner)
          fail(
            errors,
            at,
            "propertyNames",
            { propertyName: key },
            `property name ${JSON.stringify(key)} ${problem.message}`,
          );
      }
      if (Object.hasOwn(node.known!, key)) continue;
      if (node.closed) {
        ok = fail(
          errors,
          at,
          "additionalProperties",
          { additionalProperty: key },
          "must NOT have additional properties",
        );
        if (errors === null) return false;
      } else if (node.additional !== null) {
        const pointer = errors === null ? "" : `${at}/${escapePointer(key)}`;
        if (checkNode(nodeOf(node.additional), record[key], pointer, errors, resolve)) continue;
        ok = false;
        if (errors === null) return false;
      }
    }
  }
  const properties = node.properties;
  if (properties !== null)
    for (let i = 0; i < properties.length; i++) {
      const { name, pointer, child } = properties[i]!;
      if (!Object.hasOwn(record, name)) continue;
      if (checkNode(nodeOf(child), record[name], errors === null ? "" : at + pointer, errors, resolve))
        continue;
      ok = false;
      if (errors === null) return false;
    }
  return checkTag(node, record, at, errors, resolve) && ok;
}

/** A `oneOf` with a `discriminator`: the branch named by the tag's value alone is checked. */
function checkTag(
  node: Node,
  record: Record<string, unknown>,
  at: string,
  errors: SchemaProblem[] | null,
  resolve: (ref: string) => Node,
): boolean {
  if (node.byTag === null || node.tag === null) return true;
  const value = Object.hasOwn(record, node.tag) ? record[node.tag] : undefined;
  if (typeof value !== "string") return true; // `required` and `type` on the tag report it
  const branch = node.byTag.get(value);
  if (branch !== undefined) return checkNode(nodeOf(branch), record, at, errors, resolve);
  return fail(
    errors,
    errors === null ? "" : `${at}/${escapePointer(node.tag)}`,
    "discriminator",
    { error: "mapping", tag: node.tag, tagValue: value },
    `value of tag "${node.tag}" must be in oneOf`,
  );
}
