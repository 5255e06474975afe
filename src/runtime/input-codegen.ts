/**
 * The generated input test: JavaScript generated from a rulebook's input schema (the subset that
 * `inputJsonSchema` writes) that answers one question, "is this input valid?", without building
 * anything. No path strings, no error objects, no arrays: a valid input allocates nothing, so the
 * check costs a few comparisons per field. Only when it answers "no" does the validator run the
 * reporting pass (`input-check.ts`), which builds the ajv-style errors that `input-messages.ts`
 * describes; so messages, paths and codes are those of that pass by construction, and the test
 * suite checks that both agree with ajv on random valid and invalid inputs.
 *
 * The code is built from this module's text only: property names enter it through `JSON.stringify`
 * string literals, numbers through `String` of finite numbers, regular expressions, enum members
 * and the format check as factory parameters. Where code generation from strings is forbidden (a
 * CSP without 'unsafe-eval', `node --disallow-code-generation-from-strings`) `inputTest` returns
 * undefined and the validator uses the closures alone.
 */
import { isCodeGenerationRefused } from "./codegen.js";

type Schema = { readonly [keyword: string]: unknown };

/**
 * A generated test: true only when the input is valid against the schema (false for some valid
 * inputs with inherited enumerable properties, which the reporting pass then accepts). It may throw
 * on unreadable input.
 */
export type InputTest = (data: unknown) => boolean;

/** The generated source and the values bound to its parameters `K0`, `K1`, ... */
export interface InputTestSource {
  source: string;
  constants: unknown[];
}

/** The keywords the generated test checks, or may ignore (annotations). */
const KNOWN_KEYWORDS = new Set([
  "$schema",
  "$ref",
  "$defs",
  "title",
  "description",
  "default",
  "x-unit",
  "type",
  "properties",
  "patternProperties",
  "required",
  "additionalProperties",
  "enum",
  "maxLength",
  "pattern",
  "format",
  "maximum",
  "minimum",
  "exclusiveMaximum",
  "exclusiveMinimum",
  "multipleOf",
  "maxItems",
  "items",
  "not",
]);

const BOUNDS = [
  ["maximum", "<="],
  ["minimum", ">="],
  ["exclusiveMaximum", "<"],
  ["exclusiveMinimum", ">"],
] as const;

/**
 * The source of the factory body of a schema's test: one function per `$defs` entry and per list's
 * items, then `return function test(data)`. Deterministic: the same schema gives the same text.
 */
export function inputTestSource(
  schema: Schema,
  formats: Readonly<Record<string, (text: string) => boolean>>,
): InputTestSource {
  const constants: unknown[] = [];
  const functions: string[] = [];
  const defs = (schema["$defs"] ?? {}) as Record<string, Schema>;
  const defFunctions = new Map<string, string>();
  let temps = 0;

  const constant = (value: unknown): string => {
    constants.push(value);
    return `K${constants.length - 1}`;
  };

  /** The name of a function testing one value against `node` (declared once per `$defs` entry). */
  const functionFor = (node: Schema): string => {
    const ref = node["$ref"];
    if (typeof ref === "string") {
      const name = ref.replace(/^#\/\$defs\//, "");
      const known = defFunctions.get(name);
      if (known !== undefined) return known;
      const fn = `d${defFunctions.size}`;
      defFunctions.set(name, fn);
      functions.push(functionSource(fn, defs[name] ?? { not: {} }));
      return fn;
    }
    const fn = `f${functions.length}`;
    functions.push(""); // reserve the slot: nested functions are pushed while this one is built
    const at = functions.length - 1;
    functions[at] = functionSource(fn, node);
    return fn;
  };

  const functionSource = (name: string, node: Schema): string =>
    [`function ${name}(v) {`, ...statements(node, "v").map((l) => `  ${l}`), "  return true;", "}"].join(
      "\n",
    );

  /** Statements that `return false` unless the value in variable `v` is valid against `node`. */
  const statements = (node: Schema, v: string): string[] => {
    // A keyword this generator does not know: refuse, so the reporting pass (which may) decides.
    if (Object.keys(node).some((k) => !KNOWN_KEYWORDS.has(k) || (k === "multipleOf" && node[k] !== 1)))
      return ["return false;"];
    if (typeof node["$ref"] === "string") return [`if (!${functionFor(node)}(${v})) return false;`];
    if ("not" in node) return ["return false;"];
    switch (node["type"]) {
      case "number":
        return numberStatements(node, v);
      case "boolean":
        return [`if (typeof ${v} !== "boolean") return false;`];
      case "string":
        return stringStatements(node, v);
      case "array":
        return arrayStatements(node, v);
      case "object":
        return objectStatements(node, v);
      default:
        return enumStatements(node, v);
    }
  };

  const numberStatements = (node: Schema, v: string): string[] => {
    const lines = [`if (typeof ${v} !== "number" || !isFinite(${v})) return false;`];
    if (node["multipleOf"] === 1) lines.push(`if (!isInteger(${v})) return false;`);
    for (const [keyword, comparison] of BOUNDS) {
      const limit = node[keyword];
      if (typeof limit === "number" && Number.isFinite(limit))
        lines.push(`if (!(${v} ${comparison} ${numberLiteral(limit)})) return false;`);
    }
    // `multipleOf: 1` is an `Integer` field: 2.5 is invalid.
    if (node["multipleOf"] === 1) lines.push(`if (${v} % 1 !== 0) return false;`);
    return lines;
  };

  const enumStatements = (node: Schema, v: string): string[] => {
    const allowed = node["enum"];
    if (!Array.isArray(allowed)) return [];
    if (allowed.length <= 8 && allowed.every((a) => typeof a === "string"))
      return allowed.length === 0
        ? ["return false;"]
        : [`if (${allowed.map((a) => `${v} !== ${JSON.stringify(a)}`).join(" && ")}) return false;`];
    return [`if (!${constant(allowed)}.includes(${v})) return false;`];
  };

  const stringStatements = (node: Schema, v: string): string[] => {
    const lines = [`if (typeof ${v} !== "string") return false;`, ...enumStatements(node, v)];
    const max = node["maxLength"];
    if (typeof max === "number")
      lines.push(`if (${v}.length > ${max} && codePoints(${v}) > ${max}) return false;`);
    if (typeof node["pattern"] === "string")
      lines.push(`if (!${constant(new RegExp(node["pattern"], "u"))}.test(${v})) return false;`);
    const format = typeof node["format"] === "string" ? formats[node["format"]] : undefined;
    if (format) lines.push(`if (!${constant(format)}(${v})) return false;`);
    return lines;
  };

  const arrayStatements = (node: Schema, v: string): string[] => {
    const lines = [`if (!isArray(${v})) return false;`];
    const max = node["maxItems"];
    if (typeof max === "number") lines.push(`if (${v}.length > ${max}) return false;`);
    if (node["items"]) {
      const fn = functionFor(node["items"] as Schema);
      const i = `i${temps++}`;
      lines.push(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) if (!${fn}(${v}[${i}])) return false;`);
    }
    return lines;
  };

  const objectStatements = (node: Schema, v: string): string[] => {
    const properties = (node["properties"] ?? {}) as Record<string, Schema>;
    const patterns = Object.entries((node["patternProperties"] ?? {}) as Record<string, Schema>).map(
      ([source, child]) => ({ regex: constant(new RegExp(source, "u")), fn: functionFor(child) }),
    );
    const required = new Set((node["required"] ?? []) as string[]);
    const lines = [`if (typeof ${v} !== "object" || ${v} === null || isArray(${v})) return false;`];
    const closed = node["additionalProperties"] === false;
    // A closed record without patterns counts its own required keys in its key loop instead of
    // asking `hasOwn` for each (a call V8 does not inline); see closedKeyLoop.
    const counted = closed && patterns.length === 0 && Object.keys(properties).length <= 16;
    if (!counted)
      for (const name of required) lines.push(`if (!hasOwn(${v}, ${JSON.stringify(name)})) return false;`);
    for (const [name, child] of Object.entries(properties)) {
      const key = JSON.stringify(name);
      const x = `x${temps++}`;
      const body = statements(child, x);
      if (body.length === 0) continue;
      const read = [`const ${x} = ${v}[${key}];`, ...body];
      if (required.has(name)) lines.push("{", ...read.map((l) => `  ${l}`), "}");
      // An optional field is validated when its value is not undefined (an own key whose value is
      // undefined is refused by the key loop); an inherited value is checked too, which may only
      // refuse more (the reporting pass then decides).
      else if (counted) lines.push(`if (${v}[${key}] !== void 0) {`, ...read.map((l) => `  ${l}`), "}");
      else lines.push(`if (hasOwn(${v}, ${key})) {`, ...read.map((l) => `  ${l}`), "}");
    }
    if (counted) lines.push(...closedKeyLoop(v, Object.keys(properties), required));
    else if (closed || patterns.length > 0)
      lines.push(...keyLoop(v, Object.keys(properties), patterns, closed));
    return lines;
  };

  /**
   * The key loop of a closed record: every key must be a field, and the record's own required
   * fields are counted, so that all of them are there when the count is theirs (own keys are
   * distinct). Inside `for ... in`, V8 answers `hasOwnProperty` of the loop's key from the enum
   * cache, without a call: a valid input costs no call and no allocation.
   */
  const closedKeyLoop = (v: string, known: readonly string[], required: ReadonlySet<string>): string[] => {
    const k = `k${temps++}`;
    const n = `n${temps++}`;
    const names = (list: readonly string[]): string =>
      list.map((name) => `${k} === ${JSON.stringify(name)}`).join(" || ") || "false";
    const mandatory = known.filter((name) => required.has(name));
    const optional = known.filter((name) => !required.has(name));
    return [
      `let ${n} = 0;`,
      `for (const ${k} in ${v}) {`,
      `  if (${names(mandatory)}) {`,
      `    if (!ownKey.call(${v}, ${k})) return false;`,
      `    ${n}++;`,
      optional.length === 0
        ? "  } else return false;"
        : `  } else if (!(${names(optional)}) || ${v}[${k}] === void 0) return false;`,
      "}",
      `if (${n} !== ${mandatory.length}) return false;`,
    ];
  };

  /**
   * One pass over the own enumerable keys (`for ... in`, which V8 runs from the object's enum cache
   * without allocating): unknown keys fail a closed object; keys matching a pattern are tested.
   */
  const keyLoop = (
    v: string,
    known: readonly string[],
    patterns: readonly { regex: string; fn: string }[],
    closed: boolean,
  ): string[] => {
    const k = `k${temps++}`;
    // Inherited enumerable keys are not skipped: the test may only be stricter than the schema (an
    // input it refuses goes through the reporting pass, which decides), and the loop stays a plain
    // enum-cache walk.
    const lines = [`for (const ${k} in ${v}) {`];
    let matched = "false";
    if (patterns.length > 0) {
      lines.push(`  let m = false;`);
      for (const p of patterns)
        lines.push(`  if (${p.regex}.test(${k})) { m = true; if (!${p.fn}(${v}[${k}])) return false; }`);
      matched = "m";
    }
    if (closed) {
      // Up to 16 names as comparisons (V8 compares interned strings by pointer), more through a Set.
      const cases =
        known.length <= 16
          ? known.map((name) => `${k} === ${JSON.stringify(name)}`)
          : [`${constant(new Set(known))}.has(${k})`];
      lines.push(`  if (!(${[...cases, matched].join(" || ")})) return false;`);
    }
    lines.push("}");
    return lines;
  };

  const root = statements(schema, "data");
  const source = [
    '"use strict";',
    "// Generated by marginbook from the rulebook's input schema. Do not edit.",
    ...functions,
    "return function test(data) {",
    ...root.map((l) => `  ${l}`),
    "  return true;",
    "};",
    "",
  ].join("\n");
  return { source, constants };
}

function numberLiteral(x: number): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * The generated test of a schema, or undefined where code generation from strings is forbidden
 * (the validator then checks with its closures alone).
 */
export function inputTest(
  schema: Schema,
  formats: Readonly<Record<string, (text: string) => boolean>>,
): InputTest | undefined {
  const { source, constants } = inputTestSource(schema, formats);
  const names = [
    "isFinite",
    "isInteger",
    "isArray",
    "hasOwn",
    "ownKey",
    "codePoints",
    ...constants.map((_, i) => `K${i}`),
  ];
  try {
    const factory = new Function(...names, source) as (...args: unknown[]) => InputTest;
    return factory(
      Number.isFinite,
      Number.isInteger,
      Array.isArray,
      Object.hasOwn,
      Object.prototype.hasOwnProperty,
      codePoints,
      ...constants,
    );
  } catch (error) {
    if (!isCodeGenerationRefused(error)) throw error;
    return undefined;
  }
}
