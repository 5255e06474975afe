/**
 * The artifact validator: the JSON Schema subset that `artifact-schema.ts` writes, compiled once per
 * process into a tree of closures. Keywords: `type` (one or several; `integer`; numbers finite only,
 * as ajv's `strictNumbers`), `const`, `enum`, `properties` / `required` / `additionalProperties`
 * (`false` or a schema) / `propertyNames` (own properties only), `items` / `minItems` / `maxItems`,
 * `maxLength` (in code points) / `pattern` (Unicode), `minimum` / `maximum` / `exclusiveMinimum` /
 * `exclusiveMaximum`, `anyOf`, `oneOf` with a `discriminator`, and `$ref` into `$defs`. Any other
 * keyword is refused when the validator is built, so the schema cannot grow a rule this file ignores.
 *
 * Why not ajv's standalone code (what this replaced): for this schema ajv writes 340 KB of
 * JavaScript, and V8 compiles it on the first load of every process: about 16 ms of the 29 ms a
 * first `loadArtifact` cost, plus about 10 ms to parse the module at import. These closures are
 * built from the schema in well under a millisecond and generate no code (nothing to forbid under a
 * CSP). ajv stays the reference: `test/runtime/artifact-check.test.ts` gives both the same valid
 * artifacts and random corruptions of them and expects the same verdict.
 *
 * Two modes share each closure: with `errors` null it answers valid or not and stops at the first
 * problem (the path of each value is not even built); with a list it reports every problem, each
 * with its JSON pointer and an ajv-style keyword, params and message.
 */
import type { JsonSchema } from "./input-schema.js";

/** One problem, shaped as ajv's error objects (what `describeSchemaError` reads). */
export interface SchemaProblem {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

type Schema = { readonly [keyword: string]: unknown };
/** Checks one value at JSON pointer `at`; reports into `errors`, or stops at the first problem when null. */
type Check = (data: unknown, at: string, errors: SchemaProblem[] | null) => boolean;

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

/** Builds the validator of a schema in the subset described above. Throws on any other keyword. */
export function schemaValidator(schema: JsonSchema): SchemaValidator {
  const root = schema as Schema;
  const defs = (root["$defs"] ?? {}) as Record<string, Schema>;
  const refs = new Map<string, Check>();
  const compile = (node: Schema): Check => {
    for (const keyword of Object.keys(node))
      if (!KNOWN.has(keyword)) throw new Error(`artifact schema: unsupported keyword ${keyword}`);
    const ref = node["$ref"];
    if (typeof ref === "string") return refCheck(ref, defs, refs, compile);
    const checks = [
      ...typeChecks(node),
      ...valueChecks(node),
      ...objectChecks(node, compile),
      ...arrayChecks(node, compile),
      ...combinatorChecks(node, compile),
    ];
    return all(checks);
  };
  const check = compile(root);
  return {
    validate: (data) => check(data, "", null),
    problems: (data) => {
      const errors: SchemaProblem[] = [];
      check(data, "", errors);
      return errors;
    },
  };
}

/** Runs every check (all of them when reporting, up to the first failure otherwise). */
function all(checks: Check[]): Check {
  if (checks.length === 1) return checks[0]!;
  return (data, at, errors) => {
    let ok = true;
    for (const check of checks) {
      if (check(data, at, errors)) continue;
      ok = false;
      if (errors === null) return false;
    }
    return ok;
  };
}

function refCheck(
  ref: string,
  defs: Record<string, Schema>,
  refs: Map<string, Check>,
  compile: (node: Schema) => Check,
): Check {
  const name = /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(ref)?.[1];
  const def = name !== undefined && Object.hasOwn(defs, name) ? defs[name] : undefined;
  if (name === undefined || def === undefined) throw new Error(`artifact schema: unresolved $ref ${ref}`);
  let target: Check | undefined;
  return (data, at, errors) => {
    if (target === undefined) {
      target = refs.get(name);
      if (target === undefined) {
        target = compile(def);
        refs.set(name, target);
      }
    }
    return target(data, at, errors);
  };
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

const TYPE_TESTS: Readonly<Record<string, (data: unknown) => boolean>> = {
  number: (d) => typeof d === "number" && Number.isFinite(d),
  integer: (d) => typeof d === "number" && Number.isInteger(d),
  string: (d) => typeof d === "string",
  boolean: (d) => typeof d === "boolean",
  null: (d) => d === null,
  array: (d) => Array.isArray(d),
  object: (d) => d !== null && typeof d === "object" && !Array.isArray(d),
};

/** The `type` keyword (the other keywords check the values of their own type only, as ajv's do). */
function typeChecks(node: Schema): Check[] {
  const type = node["type"];
  if (type === undefined) return [];
  const names = (Array.isArray(type) ? type : [type]) as string[];
  const tests = names.map((name) => {
    const test = TYPE_TESTS[name];
    if (test === undefined) throw new Error(`artifact schema: unknown type ${name}`);
    return test;
  });
  const single = tests.length === 1 ? tests[0]! : undefined;
  const message = `must be ${names.join(",")}`;
  return [
    single !== undefined
      ? (data, at, errors) => single(data) || fail(errors, at, "type", { type }, message)
      : (data, at, errors) => tests.some((t) => t(data)) || fail(errors, at, "type", { type }, message),
  ];
}

/** `const`, `enum`, and the keywords of strings and numbers (each applies to its type only). */
function valueChecks(node: Schema): Check[] {
  const checks: Check[] = [];
  if ("const" in node) {
    const value = node["const"];
    checks.push(
      (data, at, errors) =>
        data === value || fail(errors, at, "const", { allowedValue: value }, "must be equal to constant"),
    );
  }
  if (Array.isArray(node["enum"])) {
    const values = new Set(node["enum"] as unknown[]);
    const allowedValues = node["enum"];
    checks.push(
      (data, at, errors) =>
        values.has(data) ||
        fail(errors, at, "enum", { allowedValues }, "must be equal to one of the allowed values"),
    );
  }
  const maxLength = node["maxLength"];
  if (typeof maxLength === "number")
    checks.push(
      (data, at, errors) =>
        typeof data !== "string" ||
        data.length <= maxLength ||
        codePoints(data) <= maxLength ||
        fail(
          errors,
          at,
          "maxLength",
          { limit: maxLength },
          `must NOT have more than ${maxLength} characters`,
        ),
    );
  const pattern = node["pattern"];
  if (typeof pattern === "string") {
    const regex = new RegExp(pattern, "u");
    checks.push(
      (data, at, errors) =>
        typeof data !== "string" ||
        regex.test(data) ||
        fail(errors, at, "pattern", { pattern }, `must match pattern "${pattern}"`),
    );
  }
  for (const [keyword, comparison, holds] of BOUNDS) {
    const limit = node[keyword];
    if (typeof limit !== "number") continue;
    checks.push(
      (data, at, errors) =>
        typeof data !== "number" ||
        holds(data, limit) ||
        fail(errors, at, keyword, { comparison, limit }, `must be ${comparison} ${limit}`),
    );
  }
  return checks;
}

const BOUNDS: readonly [string, string, (x: number, limit: number) => boolean][] = [
  ["maximum", "<=", (x, limit) => x <= limit],
  ["minimum", ">=", (x, limit) => x >= limit],
  ["exclusiveMaximum", "<", (x, limit) => x < limit],
  ["exclusiveMinimum", ">", (x, limit) => x > limit],
];

/** `required`, `properties`, `additionalProperties` and `propertyNames`, on own properties only. */
function objectChecks(node: Schema, compile: (node: Schema) => Check): Check[] {
  const properties = node["properties"] as Record<string, Schema> | undefined;
  const required = (node["required"] ?? []) as string[];
  const additional = node["additionalProperties"];
  const propertyNames = node["propertyNames"] as Schema | undefined;
  if (!properties && required.length === 0 && additional === undefined && !propertyNames) return [];
  const known = properties ?? {};
  const each = Object.keys(known).map((name) => ({
    name,
    pointer: `/${escapePointer(name)}`,
    check: compile(known[name]!),
  }));
  const other = additional === false || additional === undefined ? undefined : compile(additional as Schema);
  const nameCheck = propertyNames ? compile(propertyNames) : undefined;
  const closed = additional === false;
  return [
    (data, at, errors) => {
      if (data === null || typeof data !== "object" || Array.isArray(data)) return true;
      const record = data as Record<string, unknown>;
      let ok = true;
      for (const name of required) {
        if (Object.hasOwn(record, name)) continue;
        ok = fail(errors, at, "required", { missingProperty: name }, `must have required property '${name}'`);
        if (errors === null) return false;
      }
      if (closed || other !== undefined || nameCheck !== undefined) {
        for (const key of Object.keys(record)) {
          if (nameCheck !== undefined && !nameCheck(key, at, null)) {
            ok = false;
            if (errors === null) return false;
            const inner: SchemaProblem[] = [];
            nameCheck(key, at, inner);
            for (const problem of inner)
              fail(
                errors,
                at,
                "propertyNames",
                { propertyName: key },
                `property name ${JSON.stringify(key)} ${problem.message}`,
              );
          }
          if (Object.hasOwn(known, key)) continue;
          if (closed) {
            ok = fail(
              errors,
              at,
              "additionalProperties",
              { additionalProperty: key },
              "must NOT have additional properties",
            );
            if (errors === null) return false;
          } else if (other !== undefined) {
            if (other(record[key], errors ? `${at}/${escapePointer(key)}` : "", errors)) continue;
            ok = false;
            if (errors === null) return false;
          }
        }
      }
      for (const { name, pointer, check } of each) {
        if (!Object.hasOwn(record, name) || check(record[name], errors ? at + pointer : "", errors)) continue;
        ok = false;
        if (errors === null) return false;
      }
      return ok;
    },
  ];
}

/** `items`, `minItems` and `maxItems`. */
function arrayChecks(node: Schema, compile: (node: Schema) => Check): Check[] {
  const items = node["items"] ? compile(node["items"] as Schema) : undefined;
  const min = node["minItems"] as number | undefined;
  const max = node["maxItems"] as number | undefined;
  if (items === undefined && min === undefined && max === undefined) return [];
  return [
    (data, at, errors) => {
      if (!Array.isArray(data)) return true;
      let ok = true;
      if (min !== undefined && data.length < min)
        ok = fail(errors, at, "minItems", { limit: min }, `must NOT have fewer than ${min} items`);
      if (max !== undefined && data.length > max)
        ok = fail(errors, at, "maxItems", { limit: max }, `must NOT have more than ${max} items`);
      if (!ok && errors === null) return false;
      if (items !== undefined)
        for (let i = 0; i < data.length; i++) {
          if (items(data[i], errors ? `${at}/${i}` : "", errors)) continue;
          ok = false;
          if (errors === null) return false;
        }
      return ok;
    },
  ];
}

/** `anyOf`, and `oneOf` with a `discriminator` (the branch named by the tag's value alone is checked). */
function combinatorChecks(node: Schema, compile: (node: Schema) => Check): Check[] {
  const checks: Check[] = [];
  const anyOf = node["anyOf"] as Schema[] | undefined;
  if (anyOf) {
    const branches = anyOf.map(compile);
    checks.push(
      (data, at, errors) =>
        branches.some((b) => b(data, at, null)) ||
        fail(errors, at, "anyOf", {}, "must match a schema in anyOf"),
    );
  }
  const oneOf = node["oneOf"] as Schema[] | undefined;
  if (oneOf) {
    const tag = (node["discriminator"] as { propertyName?: string } | undefined)?.propertyName;
    if (tag === undefined) throw new Error("artifact schema: oneOf without a discriminator");
    const byTag = new Map<unknown, Check>();
    for (const branch of oneOf) {
      const value = ((branch["properties"] as Record<string, Schema>)[tag] ?? {})["const"];
      if (typeof value !== "string" || byTag.has(value))
        throw new Error(`artifact schema: a oneOf branch without a distinct const ${tag}`);
      byTag.set(value, compile(branch));
    }
    checks.push((data, at, errors) => {
      if (data === null || typeof data !== "object" || Array.isArray(data)) return true;
      const value = Object.hasOwn(data, tag) ? (data as Record<string, unknown>)[tag] : undefined;
      if (typeof value !== "string") return true; // `required` and `type` on the tag report it
      const branch = byTag.get(value);
      if (branch !== undefined) return branch(data, at, errors);
      return fail(
        errors,
        errors ? `${at}/${escapePointer(tag)}` : "",
        "discriminator",
        { error: "mapping", tag, tagValue: value },
        `value of tag "${tag}" must be in oneOf`,
      );
    });
  }
  return checks;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function escapePointer(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}
