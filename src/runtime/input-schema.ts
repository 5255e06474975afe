/**
 * The JSON Schema of a rulebook's runtime inputs, derived from the IR's {@link IrSchema}, and the
 * validation of inputs against it with ajv.
 *
 * The schema (JSON Schema draft 2020-12) is what engines publish and what their producers check
 * against: every input is required but a record whose fields all have defaults; records are objects with their non-optional fields required
 * and no other fields; enums are string enums; numbers carry their domain (`exclusiveMinimum`,
 * `minimum`, `maximum`, `exclusiveMaximum`); timestamps are ISO 8601 strings; lists are arrays.
 *
 * Validation reports every problem, each as a value `{ path, message, code, kind }` whose message
 * names the JSON pointer of the problem, e.g. `/position/size must be > 0, not -1` or
 * `/position: missing field "mark"`. It never throws on hostile input: NaN and Infinity (which JSON
 * cannot carry but JavaScript objects can) are rejected, only own properties count (a field named
 * `constructor` is not "present" through the prototype), `__proto__` is an unknown field, lists and
 * texts have size limits, and the number of reported problems is capped.
 */
import type { ValidateFunction } from "ajv/dist/2020.js";
import type { IrDomain, IrField, IrRulebook, IrSchema, IrType } from "../ir/ir.js";
import { DECIMAL_TEXT_PATTERN } from "../semantics/decimal.js";
import { omittableInputs } from "../semantics/operations.js";
import { inputSchemaValidator } from "./input-check.js";
import { inputTest } from "./input-codegen.js";
import {
  capErrors,
  describeErrors,
  describeValue,
  escapePointer,
  problem,
  truncate,
  type InputError,
  type JsonSchema,
} from "./input-messages.js";

export {
  describeValue,
  INPUT_ERROR_CODE,
  type InputError,
  type InputErrorKind,
  type JsonSchema,
} from "./input-messages.js";

/** The result of validating one input. */
export interface InputValidation {
  valid: boolean;
  errors: InputError[];
}

/** One problem of one input in a batch; `index` is the input's position in the batch. */
export interface BatchInputError extends InputError {
  /** The input's position in the batch; -1 when the batch itself is not a list. */
  index: number;
}

/** The result of validating a batch of inputs. */
export interface BatchValidation {
  valid: boolean;
  errors: BatchInputError[];
}

/** Size limits that keep validation of hostile inputs bounded. */
export interface InputLimits {
  /** Most items in any list (default 100,000). */
  maxListLength: number;
  /** Longest text or enum string (default 4,096 characters). */
  maxTextLength: number;
  /** Most problems reported for one input; more are summed up in one last message (default 100). */
  maxErrors: number;
}

/** The default {@link InputLimits}. */
export const defaultInputLimits: Readonly<InputLimits> = Object.freeze({
  maxListLength: 100_000,
  maxTextLength: 4_096,
  maxErrors: 100,
});

/** ISO 8601 date and time with seconds and a zone (`2026-03-01T08:00:00Z`, `...+02:00`). */
export const TIMESTAMP_PATTERN =
  "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$";
const timestampRegex = new RegExp(TIMESTAMP_PATTERN);

/**
 * Whether a string is a timestamp the runtime accepts: the pattern, and a real calendar date and
 * time (`2026-02-30` or `24:00:00` are refused: `Date.parse` would roll them over silently).
 */
export function isTimestamp(text: string): boolean {
  if (!timestampRegex.test(text) || !Number.isFinite(Date.parse(text))) return false;
  const [year, month, day, hour, minute, second] = [0, 5, 8, 11, 14, 17].map((at, i) =>
    Number(text.slice(at, at + (i === 0 ? 4 : 2))),
  );
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(text);
  const zoneOk = !zone || (Number(zone[2]) <= 23 && Number(zone[3]) <= 59);
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    zoneOk
  );
}

// ---- deriving the schema ----

/**
 * The JSON Schema (draft 2020-12) of a rulebook's runtime input. Records and enums become `$defs`
 * (`$defs/record.position`, `$defs/enum.Side`); units and docs become `x-unit` and `description`.
 */
export function inputJsonSchema(ir: IrRulebook | IrSchema, limits: Partial<InputLimits> = {}): JsonSchema {
  const schema = "inputs" in ir ? ir : ir.schema;
  const limit = { ...defaultInputLimits, ...limits };
  const omittable = omittableInputs(schema);
  const defs: Record<string, JsonSchema> = {};
  for (const [name, members] of Object.entries(schema.enums)) {
    defs[`enum.${name}`] = { type: "string", enum: [...members], title: name };
  }
  for (const [name, record] of Object.entries(schema.records)) {
    defs[`record.${name}`] = {
      type: "object",
      title: name,
      ...(record.doc ? { description: record.doc } : {}),
      ...objectProperties(record.fields.map((field) => [field.name, fieldSchema(field, limit)])),
      required: record.fields.filter((f) => !f.optional).map((f) => f.name),
      additionalProperties: false,
    };
  }
  const properties = objectProperties(
    schema.inputs.map((input) => [
      input.name,
      { ...typeSchema(input.type, limit), ...(input.doc ? { description: input.doc } : {}) },
    ]),
  );
  const result: JsonSchema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    ...("meta" in ir ? { title: `${ir.meta.name} ${ir.meta.version}: input` } : {}),
    type: "object",
    ...properties,
    required: schema.inputs.filter((i) => !omittable.has(i.name)).map((i) => i.name),
    additionalProperties: false,
    $defs: defs,
  };
  return "meta" in ir && ir.meta.arithmetic ? decimalNumbers(result) : result;
}

/**
 * A decimal number as text, every digit kept: what a decimal rulebook accepts besides a JSON number
 * (an exponent of at most 400 either way, as `isDecimalText`).
 */
export const DECIMAL_PATTERN = `^\\s*${DECIMAL_TEXT_PATTERN}\\s*$`;

/**
 * The schema of a rulebook in decimal arithmetic: every number may also be given as decimal text
 * (`"71200.81144"`), marked `x-decimal`; marginbook's validator checks the bounds of text exactly.
 */
function decimalNumbers(schema: JsonSchema): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const result = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    if (result["type"] === "number")
      return {
        ...result,
        type: ["number", "string"],
        pattern: DECIMAL_PATTERN,
        maxLength: 400,
        "x-decimal": true,
      };
    return result;
  };
  return walk(schema) as JsonSchema;
}

/**
 * The `properties` of an object schema, built with `Object.fromEntries` so that every name is an own
 * property. ajv never validates a property named `__proto__` listed in `properties` (it drops that
 * name to protect itself), so such a field goes in `patternProperties` instead, which ajv applies to
 * own keys: the same meaning in JSON Schema, and the field is validated like any other.
 */
function objectProperties(entries: [string, JsonSchema][]): JsonSchema {
  const proto = entries.find(([name]) => name === "__proto__");
  const properties = Object.fromEntries(entries.filter(([name]) => name !== "__proto__"));
  return proto ? { properties, patternProperties: { "^__proto__$": proto[1] } } : { properties };
}

function fieldSchema(field: IrField, limit: InputLimits): JsonSchema {
  const result: JsonSchema = { ...typeSchema(field.type, limit) };
  if (field.domain) Object.assign(result, domainSchema(field.domain));
  if (field.doc) result["description"] = field.doc;
  if (field.default !== undefined) {
    result["default"] =
      field.type.kind === "timestamp" && typeof field.default === "number"
        ? new Date(field.default * 1000).toISOString().replace(".000Z", "Z")
        : field.default;
  }
  return result;
}

function domainSchema(domain: IrDomain): JsonSchema {
  const result: JsonSchema = {};
  if (domain.min !== undefined) result[domain.minInclusive ? "minimum" : "exclusiveMinimum"] = domain.min;
  if (domain.max !== undefined) result[domain.maxInclusive ? "maximum" : "exclusiveMaximum"] = domain.max;
  return result;
}

function typeSchema(type: IrType, limit: InputLimits): JsonSchema {
  switch (type.kind) {
    case "number":
      return type.integer
        ? { type: "number", multipleOf: 1, "x-unit": type.unit }
        : { type: "number", "x-unit": type.unit };
    case "bool":
      return { type: "boolean" };
    case "text":
      return { type: "string", maxLength: limit.maxTextLength };
    case "timestamp":
      return { type: "string", format: "date-time", pattern: TIMESTAMP_PATTERN };
    case "enum":
      return { $ref: `#/$defs/enum.${type.name}` };
    case "record":
      return { $ref: `#/$defs/record.${type.name}` };
    case "list":
      return { type: "array", maxItems: limit.maxListLength, items: typeSchema(type.element, limit) };
    // Never a runtime input (the checker rejects them there); a schema that accepts nothing.
    case "row":
    case "opaque":
      return { not: {} };
  }
}

// ---- validating ----

/** A compiled validator for one rulebook's inputs. */
export interface InputValidator {
  /** The JSON Schema the validator checks. */
  readonly schema: JsonSchema;
  /** Validates one input and reports every problem. Never throws. */
  validate(input: unknown): InputValidation;
  /** Whether one input is valid, without describing any problem (allocates nothing). Never throws. */
  isValid(input: unknown): boolean;
  /** Validates many inputs; each problem carries the input's index. Never throws. */
  validateBatch(inputs: readonly unknown[]): BatchValidation;
}

/** The one result of every valid input (frozen: shared by all of them). */
const VALID: InputValidation = Object.freeze({
  valid: true,
  errors: Object.freeze([]) as unknown as InputError[],
});

const validators = new WeakMap<IrRulebook, InputValidator>();

/** The validator of a rulebook's inputs, compiled once per IR object and cached. */
export function inputValidator(ir: IrRulebook): InputValidator {
  let validator = validators.get(ir);
  if (!validator) {
    validator = createInputValidator(ir);
    validators.set(ir, validator);
  }
  return validator;
}

/** Validates one runtime input against a rulebook's schema, reporting every problem with its path. */
export function validateInput(ir: IrRulebook, input: unknown): InputValidation {
  return inputValidator(ir).validate(input);
}

/** Validates a batch of runtime inputs against a rulebook's schema. */
export function validateBatch(ir: IrRulebook, inputs: readonly unknown[]): BatchValidation {
  return inputValidator(ir).validateBatch(inputs);
}

/**
 * Creates a validator (uncached) with the given limits. The schema is compiled into closures
 * (`input-check.ts`), not into code: no stall on the event loop, and it works where code generation
 * is forbidden. Its error objects are ajv's, described by `input-messages.ts`; both passes are
 * linear in the input, however many of its parts are wrong.
 */
export function createInputValidator(ir: IrRulebook, limits: Partial<InputLimits> = {}): InputValidator {
  const limit = { ...defaultInputLimits, ...limits };
  const schema = inputJsonSchema(ir, limit);
  const formats = { "date-time": isTimestamp };
  // The reporting closures are built on the first input the generated test refuses (on every
  // input where code generation is forbidden): loading a rulebook does not pay for them.
  let reporter: ValidateFunction | undefined;
  const compiled = (): ValidateFunction => (reporter ??= inputSchemaValidator(schema, formats));
  const test = inputTest(schema, formats);
  const lists = listFinder(ir, limit.maxListLength);
  const passes = (input: unknown): boolean => {
    try {
      return test!(input);
    } catch {
      return false;
    }
  };
  // The test may refuse a valid input (inherited enumerable keys): the reporting pass decides then.
  const isValid = (input: unknown): boolean =>
    (test !== undefined && passes(input)) || runValidator(compiled(), input, limit).length === 0;
  const validate = (input: unknown): InputValidation => {
    // The generated test first: a valid input costs a few comparisons per field and builds nothing.
    if (test !== undefined && passes(input)) return VALID;
    // A list over the limit is reported alone, before ajv would describe each of its items.
    const oversized = lists(input);
    const errors = oversized.length > 0 ? oversized : runValidator(compiled(), input, limit);
    return errors.length === 0 ? VALID : { valid: false, errors };
  };
  return {
    schema,
    validate,
    isValid,
    validateBatch(inputs) {
      if (!Array.isArray(inputs)) {
        const error = problem("", "type", `the batch must be a list of inputs, not ${describeValue(inputs)}`);
        return { valid: false, errors: [{ ...error, index: -1 }] };
      }
      const errors: BatchInputError[] = [];
      // Through `validate`, so that an oversized list is refused by its length here too.
      for (let index = 0; index < inputs.length; index++) {
        for (const error of validate(inputs[index]).errors) errors.push({ ...error, index });
      }
      return { valid: errors.length === 0, errors };
    },
  };
}

/**
 * Finds the lists longer than `max` in an input, following only the parts of the schema that can
 * hold lists. Iterative and defensive: anything unexpected is left for ajv to report.
 */
function listFinder(ir: IrRulebook, max: number): (input: unknown) => InputError[] {
  const holdsList = new Map<string, boolean>();
  const typeHolds = (type: IrType, seen: readonly string[]): boolean => {
    if (type.kind === "list") return true;
    if (type.kind !== "record" || seen.includes(type.name)) return false;
    if (!holdsList.has(type.name)) {
      const fields = ir.schema.records[type.name]?.fields ?? [];
      holdsList.set(
        type.name,
        fields.some((f) => typeHolds(f.type, [...seen, type.name])),
      );
    }
    return holdsList.get(type.name)!;
  };
  const roots = ir.schema.inputs.filter((i) => typeHolds(i.type, []));
  if (roots.length === 0) return () => [];
  return (input) => {
    const found: InputError[] = [];
    try {
      if (input === null || typeof input !== "object") return found;
      const pending: [unknown, IrType, string][] = roots.map((r) => [
        (input as Record<string, unknown>)[r.name],
        r.type,
        `/${r.name}`,
      ]);
      while (pending.length > 0 && found.length === 0) {
        const [value, type, path] = pending.pop()!;
        if (type.kind === "list" && Array.isArray(value)) {
          if (value.length > max) {
            found.push(
              problem(path, "too-large", `${path} has ${value.length} items: at most ${max} are accepted`),
            );
          } else if (typeHolds(type.element, [])) {
            value.forEach((item, i) => pending.push([item, type.element, `${path}/${i}`]));
          }
        } else if (
          type.kind === "record" &&
          value !== null &&
          typeof value === "object" &&
          !Array.isArray(value)
        ) {
          for (const field of ir.schema.records[type.name]?.fields ?? []) {
            if (typeHolds(field.type, []) && Object.hasOwn(value, field.name))
              pending.push([
                (value as Record<string, unknown>)[field.name],
                field.type,
                `${path}/${escapePointer(field.name)}`,
              ]);
          }
        }
      }
    } catch {
      return []; // unreadable: ajv's pass reports it
    }
    return found;
  };
}

function runValidator(compiled: ValidateFunction, input: unknown, limit: InputLimits): InputError[] {
  try {
    if (compiled(input)) return [];
    // The closures report every problem in one linear pass; describing them is linear too.
    const errors = describeErrors(compiled.errors ?? []);
    return capErrors(errors, errors.length, limit.maxErrors);
  } catch (error) {
    // A getter that throws, a revoked proxy: the input cannot even be read.
    const reason = error instanceof Error ? error.message : String(error);
    return [problem("", "unreadable", `the input could not be read: ${truncate(reason, 200)}`)];
  }
}
