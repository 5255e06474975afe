/**
 * Input-validation messages: what an input problem is ({@link InputError}), and ajv's error objects
 * turned into one clear sentence per problem, each naming the JSON pointer of the value concerned.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import { messages } from "../semantics/catalog.js";

/** A JSON Schema document (a plain JSON object). */
export type JsonSchema = { [keyword: string]: unknown };

/** The code of every input-validation problem (the runtime catalog's `invalidInput`). */
export const INPUT_ERROR_CODE = messages.invalidInput.code;

/** What is wrong with an input value. */
export type InputErrorKind =
  | "missing"
  | "unknown"
  | "type"
  | "not-finite"
  | "enum"
  | "range"
  | "timestamp"
  | "too-large"
  | "unreadable"
  | "too-many";

/** One problem in a runtime input. */
export interface InputError {
  /** JSON pointer of the value concerned (`/position/size`); `""` is the whole input. */
  path: string;
  /** One sentence that starts with the path, e.g. `/position/size must be > 0, not -1`. */
  message: string;
  code: typeof INPUT_ERROR_CODE;
  kind: InputErrorKind;
}

/**
 * Turns ajv's error objects into one clear message per problem, in ajv's order. `prefix` is the JSON
 * pointer of the value ajv validated (a list item validated on its own), prepended to every path.
 */
export function describeErrors(raw: readonly ErrorObject[], prefix = "", limit = Infinity): InputError[] {
  const errors: InputError[] = [];
  const typeFailed = new Set<string>();
  const patternFailed = new Set<string>();
  for (const error of raw) {
    if (error.keyword === "type") typeFailed.add(error.instancePath);
    if (error.keyword === "pattern") patternFailed.add(error.instancePath);
  }
  for (const error of raw) {
    // A value of the wrong type also fails its enum, range or format: the type is the problem.
    if (
      error.keyword !== "type" &&
      typeFailed.has(error.instancePath) &&
      error.keyword !== "required" &&
      error.keyword !== "additionalProperties"
    )
      continue;
    if (error.keyword === "format" && patternFailed.has(error.instancePath)) continue;
    if (errors.length >= limit) break;
    const described = describeError(error, prefix + error.instancePath);
    if (described) errors.push(described);
  }
  return errors;
}

/** The first `maxErrors` problems, and one last that counts the rest of `total`, if any. */
export function capErrors(errors: readonly InputError[], total: number, maxErrors: number): InputError[] {
  if (total <= maxErrors) return errors.slice(0, maxErrors);
  const kept = errors.slice(0, maxErrors);
  kept.push(problem("", "too-many", `... and ${total - maxErrors} more problems`));
  return kept;
}

function describeError(error: ErrorObject, path: string): InputError | undefined {
  const at = path === "" ? "the input" : path;
  const params = error.params as Record<string, unknown>;
  const schema = (error.parentSchema ?? {}) as JsonSchema;
  switch (error.keyword) {
    case "required": {
      const name = String(params["missingProperty"]);
      const message = path === "" ? `missing input "${name}"` : `${path}: missing field "${name}"`;
      return problem(`${path}/${escapePointer(name)}`, "missing", message);
    }
    case "additionalProperties": {
      const name = String(params["additionalProperty"]);
      const known = Object.keys((schema["properties"] ?? {}) as object);
      const guess = closest(name, known);
      const what = path === "" ? "input" : "field";
      const hint = guess
        ? `: did you mean "${guess}"?`
        : known.length > 0
          ? ` (the ${what}s are ${known.join(", ")})`
          : "";
      return problem(
        `${path}/${escapePointer(name)}`,
        "unknown",
        `${path === "" ? "" : `${path}: `}unknown ${what} ${JSON.stringify(name)}${hint}`,
      );
    }
    case "type": {
      const expected = String(params["type"]);
      if (expected === "number" && typeof error.data === "number") {
        return problem(path, "not-finite", `${at} must be a finite number, not ${describeValue(error.data)}`);
      }
      if (path === "") {
        const inputs = Object.keys((schema["properties"] ?? {}) as object).join(", ");
        return problem(
          path,
          "type",
          `the input must be an object with the inputs ${inputs}, not ${describeValue(error.data)}`,
        );
      }
      return problem(
        path,
        "type",
        `${at} must be ${typeName(expected, schema)}, not ${describeValue(error.data)}`,
      );
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]).map(String).join(", ");
      return problem(path, "enum", `${at} must be one of ${allowed}, not ${describeValue(error.data)}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const limit = params["limit"] as number;
      const shown = schema["x-unit"] === "Rate" ? `${limit} (${percent(limit)})` : String(limit);
      return problem(
        path,
        "range",
        `${at} must be ${String(params["comparison"])} ${shown}, not ${describeValue(error.data)}`,
      );
    }
    case "multipleOf":
      return problem(
        path,
        "range",
        `${at} must be a whole number (an Integer), not ${describeValue(error.data)}`,
      );
    case "pattern":
    case "format":
      // In decimal arithmetic a number may be decimal text: a string that is not one fails the pattern.
      if (schema["x-decimal"] === true)
        return problem(
          path,
          "type",
          `${at} must be ${typeName("number,string", schema)}, not ${describeValue(error.data)}`,
        );
      return problem(
        path,
        "timestamp",
        `${at} must be an ISO 8601 timestamp such as "2026-01-01T00:00:00Z", not ${describeValue(error.data)}`,
      );
    case "maxItems":
      return problem(
        path,
        "too-large",
        `${at} has ${(error.data as unknown[]).length} items: at most ${String(params["limit"])} are accepted`,
      );
    case "maxLength":
      return problem(
        path,
        "too-large",
        `${at} is ${(error.data as string).length} characters long: at most ${String(params["limit"])} are accepted`,
      );
    case "not":
      return problem(path, "type", `${at} cannot be given as input`);
    default:
      return problem(path, "type", `${at} ${error.message ?? "is invalid"}`);
  }
}

/** One problem. */
export function problem(path: string, kind: InputErrorKind, message: string): InputError {
  return { path, message, code: INPUT_ERROR_CODE, kind };
}

function typeName(expected: string, schema: JsonSchema): string {
  switch (expected) {
    case "number":
      return "a number";
    case "number,string":
      return 'a number or a decimal string (such as "0.1" or "-2.5e-3", with an exponent of at most 400)';
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "object":
      return typeof schema["title"] === "string" ? `an object (a ${schema["title"]} record)` : "an object";
    case "string":
      if (Array.isArray(schema["enum"]))
        return `one of ${(schema["enum"] as unknown[]).map(String).join(", ")}`;
      return schema["format"] === "date-time"
        ? `an ISO 8601 timestamp string such as "2026-01-01T00:00:00Z"`
        : "a text string";
    default:
      return expected;
  }
}

/** A short, safe description of any value (never walks into objects, so cycles and size are harmless). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return truncate(JSON.stringify(value), 60);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
      return String(value);
    case "undefined":
      return "undefined";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      if (value === null) return "null";
      return Array.isArray(value) ? `a list (${value.length} items)` : "an object";
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function percent(rate: number): string {
  return `${Number((rate * 100).toPrecision(12))}%`;
}

/** Escapes a name as one JSON pointer segment. */
export function escapePointer(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The known name nearest to `name` (edit distance at most 2, or a case difference), if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    // A distance is at least the difference of the lengths: most candidates need no computing.
    if (Math.abs(candidate.length - name.length) >= bestDistance) continue;
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
