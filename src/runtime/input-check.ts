/**
 * Input validation without code generation: an interpreter of the small JSON Schema subset that
 * `inputJsonSchema` writes (objects with `properties`, `patternProperties`, `required` and closed
 * `additionalProperties`; `$ref` into `$defs`; strings with `enum`, `maxLength`, `pattern` and the
 * `date-time` format; finite numbers with their bounds; booleans; arrays with `maxItems` and
 * `items`; `not`). It reports problems as ajv error objects (keyword, instance path, params, parent
 * schema, data), so the messages are the ones ajv's compiled validator gives.
 *
 * ajv compiles schemas with `new Function`. Where code generation is forbidden (a CSP without
 * 'unsafe-eval', `node --disallow-code-generation-from-strings`), the input validator uses this
 * instead (`compileInputSchema`).
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { codeGenerationAllowed, isCodeGenerationRefused } from "./codegen.js";

type Schema = { [keyword: string]: unknown };

/**
 * ajv's compiled validator for `schema`, or, where code generation is forbidden, this module's
 * interpreter with the same interface (`validate(data)` sets `validate.errors`).
 */
export function compileInputSchema(ajv: Ajv2020, schema: Schema, formats: Record<string, (text: string) => boolean>): ValidateFunction {
  // Probed first: a refused compilation would also make ajv log the code it could not compile.
  if (!codeGenerationAllowed()) return interpretedValidator(schema, formats);
  try {
    return ajv.compile(schema);
  } catch (error) {
    if (!isCodeGenerationRefused(error)) throw error;
    return interpretedValidator(schema, formats);
  }
}

/** A validator that interprets `schema` (the subset described in the module comment). */
export function interpretedValidator(schema: Schema, formats: Record<string, (text: string) => boolean>): ValidateFunction {
  const defs = (schema["$defs"] ?? {}) as Record<string, Schema>;
  const patterns = new Map<string, RegExp>();
  const regex = (source: string): RegExp => {
    let compiled = patterns.get(source);
    if (!compiled) patterns.set(source, (compiled = new RegExp(source, "u")));
    return compiled;
  };

  const check = (node: Schema, data: unknown, at: string, errors: ErrorObject[]): void => {
    const ref = node["$ref"];
    if (typeof ref === "string") {
      const target = defs[ref.replace(/^#\/\$defs\//, "")];
      if (target) check(target, data, at, errors);
      return;
    }
    const fail = (keyword: string, params: Record<string, unknown>, message: string): void => {
      errors.push({ instancePath: at, schemaPath: "", keyword, params, message, parentSchema: node, data, schema: node[keyword] } as ErrorObject);
    };
    if ("not" in node) {
      fail("not", {}, "must NOT be valid");
      return;
    }
    const type = node["type"];
    if (typeof type === "string" && !hasType(data, type)) {
      fail("type", { type }, `must be ${type}`);
      return;
    }
    if (type === "object") return checkObject(node, data as Record<string, unknown>, at, errors, fail);
    if (type === "array") {
      const list = data as unknown[];
      const max = node["maxItems"];
      if (typeof max === "number" && list.length > max) fail("maxItems", { limit: max }, `must NOT have more than ${max} items`);
      const items = node["items"] as Schema | undefined;
      if (items) for (let i = 0; i < list.length; i++) check(items, list[i], `${at}/${i}`, errors);
      return;
    }
    if (type === "string") {
      const text = data as string;
      const max = node["maxLength"];
      if (typeof max === "number" && [...text].length > max) fail("maxLength", { limit: max }, `must NOT have more than ${max} characters`);
      const pattern = node["pattern"];
      if (typeof pattern === "string" && !regex(pattern).test(text)) fail("pattern", { pattern }, `must match pattern "${pattern}"`);
      const format = node["format"];
      if (typeof format === "string" && formats[format] && !formats[format]!(text)) fail("format", { format }, `must match format "${format}"`);
    }
    if (type === "number") {
      const x = data as number;
      const bounds: [string, string, (limit: number) => boolean][] = [
        ["maximum", "<=", (l) => x <= l], ["minimum", ">=", (l) => x >= l], ["exclusiveMaximum", "<", (l) => x < l], ["exclusiveMinimum", ">", (l) => x > l],
      ];
      for (const [keyword, comparison, holds] of bounds) {
        const limit = node[keyword];
        if (typeof limit === "number" && !holds(limit)) fail(keyword, { comparison, limit }, `must be ${comparison} ${limit}`);
      }
    }
    const allowed = node["enum"];
    if (Array.isArray(allowed) && !allowed.includes(data)) fail("enum", { allowedValues: allowed }, "must be equal to one of the allowed values");
  };

  const checkObject = (node: Schema, data: Record<string, unknown>, at: string, errors: ErrorObject[], fail: (keyword: string, params: Record<string, unknown>, message: string) => void): void => {
    const properties = (node["properties"] ?? {}) as Record<string, Schema>;
    const patternProperties = (node["patternProperties"] ?? {}) as Record<string, Schema>;
    for (const name of (node["required"] ?? []) as string[]) {
      if (!Object.hasOwn(data, name)) fail("required", { missingProperty: name }, `must have required property '${name}'`);
    }
    const keys = Object.keys(data);
    if (node["additionalProperties"] === false) {
      for (const key of keys) {
        if (Object.hasOwn(properties, key) || Object.keys(patternProperties).some((p) => regex(p).test(key))) continue;
        fail("additionalProperties", { additionalProperty: key }, "must NOT have additional properties");
      }
    }
    for (const key of keys) {
      const pointer = `${at}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (Object.hasOwn(properties, key)) check(properties[key]!, data[key], pointer, errors);
      for (const [pattern, child] of Object.entries(patternProperties)) if (regex(pattern).test(key)) check(child, data[key], pointer, errors);
    }
  };

  const validate = ((data: unknown): boolean => {
    const errors: ErrorObject[] = [];
    check(schema, data, "", errors);
    validate.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  }) as ValidateFunction;
  validate.errors = null;
  return validate;
}

function hasType(data: unknown, type: string): boolean {
  switch (type) {
    case "number": return typeof data === "number" && Number.isFinite(data);
    case "string": return typeof data === "string";
    case "boolean": return typeof data === "boolean";
    case "array": return Array.isArray(data);
    case "object": return data !== null && typeof data === "object" && !Array.isArray(data);
    default: return true;
  }
}
