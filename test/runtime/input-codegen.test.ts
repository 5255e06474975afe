/**
 * The generated input test (src/runtime/input-codegen.ts) against ajv, the reference JSON Schema
 * validator, on random valid inputs of every bundled rulebook and on random corruptions of them
 * (fast-check): the same verdict, and the same messages, paths and codes as ajv's errors described.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IrRulebook } from "../../src/ir/ir.js";
import { inputTestSource } from "../../src/runtime/input-codegen.js";
import { capErrors, describeErrors } from "../../src/runtime/input-messages.js";
import { createInputValidator, defaultInputLimits, isTimestamp } from "../../src/runtime/input-schema.js";
import { InputGenerator } from "../support/random-inputs.js";
import { bundledRulebooks, compileIr } from "../support/rulebooks.js";

/** ajv's verdict and described errors for an input, as the runtime reports them. */
function ajvFor(ir: IrRulebook): (input: unknown) => { valid: boolean; messages: string[] } {
  const validator = createInputValidator(ir);
  const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
  ajv.addFormat("date-time", isTimestamp);
  const validate: ValidateFunction = ajv.compile(validator.schema);
  return (input) => {
    if (validate(input)) return { valid: true, messages: [] };
    const errors = describeErrors(validate.errors ?? []);
    return {
      valid: false,
      messages: capErrors(errors, errors.length, defaultInputLimits.maxErrors).map(
        (e) => `${e.code} ${e.path} ${e.message}`,
      ),
    };
  };
}

/** Values that break a field in every way the schema knows. */
const hostile = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, -1, 1e308, 0.5, 2, 101, ""),
  fc.constantFrom(null, true, false, "long", "short", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00Z"),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A corruption: where to go (indices into the keys met on the way), and what to do there. */
const corruption = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  action: fc.constantFrom("set", "delete", "add", "proto"),
  value: hostile,
});

type Corruption = { path: number[]; action: string; value: unknown };

/** Applies a corruption in place (the input is a fresh copy). */
function corrupt(input: unknown, c: Corruption): unknown {
  if (c.path.length === 0 || input === null || typeof input !== "object") return c.value;
  const record = input as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 0 || c.path.length === 1) {
    if (c.action === "add") record["unexpected_field"] = c.value;
    else if (c.action === "proto")
      Object.defineProperty(record, "__proto__", {
        value: c.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    else if (keys.length > 0) {
      const key = keys[c.path[0]! % keys.length]!;
      if (c.action === "delete") delete record[key];
      else record[key] = c.value;
    } else return c.value;
    return input;
  }
  const key = keys[c.path[0]! % keys.length]!;
  record[key] = corrupt(record[key], { ...c, path: c.path.slice(1) });
  return input;
}

/** Whether every number in a value is finite (what JSON can carry). */
function finiteThroughout(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null || typeof value !== "object") return true;
  return Object.values(value).every(finiteThroughout);
}

describe("the generated input test agrees with ajv", () => {
  for (const file of bundledRulebooks()) {
    it(file, () => {
      const ir = compileIr(file);
      const validator = createInputValidator(ir);
      const reference = ajvFor(ir);
      const generator = new InputGenerator(ir, 7);
      const bases = Array.from({ length: 20 }, () => generator.next());
      fc.assert(
        fc.property(fc.nat(bases.length - 1), fc.array(corruption, { maxLength: 3 }), (base, changes) => {
          const input = changes.reduce(
            (value, c) => corrupt(value, c),
            structuredClone(bases[base]) as unknown,
          );
          const got = validator.validate(input);
          expect(validator.isValid(input)).toBe(got.valid);
          expect(got.valid).toBe(got.errors.length === 0);
          // ajv is the reference for what JSON can carry; NaN and Infinity, which ajv takes for
          // numbers, are refused by the runtime on purpose ("must be a finite number").
          if (!finiteThroughout(input)) return;
          const expected = reference(input);
          expect(got.valid).toBe(expected.valid);
          expect(got.errors.map((e) => `${e.code} ${e.path} ${e.message}`)).toEqual(expected.messages);
        }),
        { numRuns: 150, seed: 15 },
      );
    });
  }

  it("counts own keys: an inherited field, or one set to undefined, is not valid input", () => {
    const ir = compileIr("rules/bybit-btcusdt-risk-limits.margin");
    const validator = createInputValidator(ir);
    const position = { size: 2, mark: 30_000, side: "long" };
    const inherited = Object.assign(Object.create({ size: 2 }) as object, { mark: 30_000, side: "long" });
    const inputs = [
      { position },
      { position: inherited },
      { position: { ...position, leverage: undefined } },
      { position: { ...position, leverage: 5 } },
      { position: { ...position, leverage: 500 } },
      { position: { ...position, extra: 1 } },
    ];
    // JSON carries neither an inherited field nor undefined (ajv would take both for present or
    // absent); the runtime refuses them, whichever pass answers.
    expect(inputs.map((input) => validator.validate(input).valid)).toEqual([
      true,
      false,
      false,
      true,
      false,
      false,
    ]);
    expect(validator.validate(inputs[1]).errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/size/),
    ]);
  });

  it("generates code with names and patterns only as literals or parameters", () => {
    const ir = compileIr("rules/span-sp500.margin");
    const { source, constants } = inputTestSource(createInputValidator(ir).schema, {
      "date-time": isTimestamp,
    });
    expect(source).toMatch(/if \(k\d+ === "account"\)/);
    expect(source).not.toContain("hasOwn("); // closed records count their own keys in the key loop
    expect(source).not.toMatch(/new Function|eval\(/);
    expect(
      constants.every(
        (c) => typeof c === "function" || c instanceof RegExp || c instanceof Set || Array.isArray(c),
      ),
    ).toBe(true);
  });
});
