/**
 * The input validator: the small JSON Schema subset that `inputJsonSchema` writes, compiled once into
 * a tree of closures (objects with `properties`, `patternProperties`, `required` and closed
 * `additionalProperties`; `$ref` into `$defs`; strings with `enum`, `maxLength`, `pattern` and the
 * `date-time` format; finite numbers with their bounds; booleans; arrays with `maxItems` and
 * `items`; `not`). It reports problems as ajv error objects (keyword, instance path, params, parent
 * schema, data), in ajv's order (`required`, then unknown properties, then each property in the
 * schema's order), so `describeErrors` turns them into the same messages.
 *
 * Why not ajv's compiled validator: ajv compiles each schema to JavaScript with `new Function`,
 * which takes tens of milliseconds per rulebook (a stall on the event loop each time an engine
 * loads a version) and is forbidden under a CSP without 'unsafe-eval' or
 * `node --disallow-code-generation-from-strings`. Building these closures takes well under a
 * millisecond and generates no code; every problem is appended to one list, so the work is linear
 * in the input even when everything in it is wrong.
 */
import { isDecimalText, toDec } from "../semantics/decimal.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { compareNumbers, numberBounds, withinBound } from "./schema-bounds.js";
import { codePoints, escapePointer } from "./schema-text.js";

type Schema = { readonly [keyword: string]: unknown };
type Check = (data: unknown, at: string, errors: ErrorObject[]) => void;

/** A validator for `schema` with ajv's interface (`validate(data)` returns a boolean and sets `validate.errors`). */
export function inputSchemaValidator(
  schema: Schema,
  formats: Readonly<Record<string, (text: string) => boolean>>,
): ValidateFunction {
  const defs = (schema["$defs"] ?? {}) as Record<string, Schema>;
  const compiledRefs = new Map<string, Check>();

  const compile = (node: Schema): Check => {
    const ref = node["$ref"];
    if (typeof ref === "string") {
      const name = ref.replace(/^#\/\$defs\//, "");
      return (data, at, errors) => {
        let target = compiledRefs.get(name);
        if (!target) {
          const def = defs[name];
          target = def ? compile(def) : () => undefined;
          compiledRefs.set(name, target);
        }
        target(data, at, errors);
      };
    }
    const fail = (
      keyword: string,
      params: Record<string, unknown>,
      message: string,
      data: unknown,
      at: string,
      errors: ErrorObject[],
    ): void => {
      errors.push({
        instancePath: at,
        schemaPath: "",
        keyword,
        params,
        message,
        parentSchema: node,
        data,
        schema: node[keyword],
      } as ErrorObject);
    };
    if ("not" in node) return (data, at, errors) => fail("not", {}, "must NOT be valid", data, at, errors);
    if (node["x-decimal"] === true) return decimalCheck(node, fail);
    const type = node["type"] as string | undefined;
    const typeOk = typeCheck(type);
    const body = bodyCheck(node, type, compile, fail, formats);
    return (data, at, errors) => {
      if (!typeOk(data)) {
        fail("type", { type }, `must be ${type}`, data, at, errors);
        return;
      }
      body(data, at, errors);
    };
  };

  const root = compile(schema);
  const validate = ((data: unknown): boolean => {
    const errors: ErrorObject[] = [];
    root(data, "", errors);
    validate.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

type Fail = (
  keyword: string,
  params: Record<string, unknown>,
  message: string,
  data: unknown,
  at: string,
  errors: ErrorObject[],
) => void;

function typeCheck(type: string | undefined): (data: unknown) => boolean {
  switch (type) {
    case "number":
      return (d) => typeof d === "number" && Number.isFinite(d);
    case "string":
      return (d) => typeof d === "string";
    case "boolean":
      return (d) => typeof d === "boolean";
    case "array":
      return Array.isArray;
    case "object":
      return (d) => d !== null && typeof d === "object" && !Array.isArray(d);
    default:
      return () => true;
  }
}

/** The checks after the type: by the type's keywords, in ajv's order. */
function bodyCheck(
  node: Schema,
  type: string | undefined,
  compile: (node: Schema) => Check,
  fail: Fail,
  formats: Readonly<Record<string, (text: string) => boolean>>,
): Check {
  const allowed = Array.isArray(node["enum"]) ? (node["enum"] as unknown[]) : undefined;
  const enumCheck: Check = allowed
    ? (data, at, errors) => {
        if (!allowed.includes(data))
          fail(
            "enum",
            { allowedValues: allowed },
            "must be equal to one of the allowed values",
            data,
            at,
            errors,
          );
      }
    : () => undefined;
  if (type === "object") return objectCheck(node, compile, fail);
  if (type === "array") {
    const max = node["maxItems"] as number | undefined;
    const items = node["items"] ? compile(node["items"] as Schema) : undefined;
    return (data, at, errors) => {
      const list = data as unknown[];
      if (max !== undefined && list.length > max)
        fail("maxItems", { limit: max }, `must NOT have more than ${max} items`, data, at, errors);
      if (items) for (let i = 0; i < list.length; i++) items(list[i], `${at}/${i}`, errors);
    };
  }
  if (type === "string") {
    const max = node["maxLength"] as number | undefined;
    const pattern = typeof node["pattern"] === "string" ? new RegExp(node["pattern"], "u") : undefined;
    const format = typeof node["format"] === "string" ? formats[node["format"]] : undefined;
    return (data, at, errors) => {
      enumCheck(data, at, errors);
      const text = data as string;
      if (max !== undefined && text.length > max && codePoints(text) > max)
        fail("maxLength", { limit: max }, `must NOT have more than ${max} characters`, data, at, errors);
      if (pattern && !pattern.test(text))
        fail(
          "pattern",
          { pattern: node["pattern"] },
          `must match pattern "${String(node["pattern"])}"`,
          data,
          at,
          errors,
        );
      if (format && !format(text))
        fail(
          "format",
          { format: node["format"] },
          `must match format "${String(node["format"])}"`,
          data,
          at,
          errors,
        );
    };
  }
  if (type === "number") {
    const bounds = numberBounds(node);
    const integer = node["multipleOf"] === 1;
    return (data, at, errors) => {
      const x = data as number;
      if (integer && !Number.isInteger(x))
        fail("multipleOf", { multipleOf: 1 }, "must be multiple of 1", data, at, errors);
      for (const { keyword, comparison, limit } of bounds) {
        if (!withinBound(comparison, compareNumbers(x, limit)))
          fail(keyword, { comparison, limit }, `must be ${comparison} ${limit}`, data, at, errors);
      }
    };
  }
  return enumCheck;
}

/**
 * A number of a rulebook in decimal arithmetic: a finite JSON number or decimal text, its bounds
 * compared exactly (`"0.0000000000000000000001"` is above 0).
 */
function decimalCheck(node: Schema, fail: Fail): Check {
  const bounds = numberBounds(node);
  return (data, at, errors) => {
    const ok =
      (typeof data === "number" && Number.isFinite(data)) ||
      (typeof data === "string" && isDecimalText(data));
    if (!ok) {
      fail("type", { type: "number,string" }, "must be number,string", data, at, errors);
      return;
    }
    const x = toDec(data as number | string);
    for (const { keyword, comparison, limit } of bounds) {
      if (!withinBound(comparison, x.cmp(toDec(limit))))
        fail(keyword, { comparison, limit }, `must be ${comparison} ${limit}`, data, at, errors);
    }
  };
}

function objectCheck(node: Schema, compile: (node: Schema) => Check, fail: Fail): Check {
  const properties = (node["properties"] ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  const checks = names.map((name) => ({
    name,
    pointer: `/${escapePointer(name)}`,
    check: compile(properties[name]!),
  }));
  const patterns = Object.entries((node["patternProperties"] ?? {}) as Record<string, Schema>).map(
    ([source, child]) => ({ regex: new RegExp(source, "u"), check: compile(child) }),
  );
  const required = (node["required"] ?? []) as string[];
  const closed = node["additionalProperties"] === false;
  return (data, at, errors) => {
    const record = data as Record<string, unknown>;
    for (const name of required)
      if (!Object.hasOwn(record, name))
        fail(
          "required",
          { missingProperty: name },
          `must have required property '${name}'`,
          data,
          at,
          errors,
        );
    const keys = Object.keys(record);
    if (closed) {
      for (const key of keys) {
        if (Object.hasOwn(properties, key) || patterns.some((p) => p.regex.test(key))) continue;
        fail(
          "additionalProperties",
          { additionalProperty: key },
          "must NOT have additional properties",
          data,
          at,
          errors,
        );
      }
    }
    for (const { name, pointer, check } of checks)
      if (Object.hasOwn(record, name)) check(record[name], at + pointer, errors);
    for (const { regex, check } of patterns) {
      for (const key of keys) if (regex.test(key)) check(record[key], `${at}/${escapePointer(key)}`, errors);
    }
  };
}
