/**
 * Issue 13, high 4: describing the problems of a huge invalid input is linear. The input validator
 * (closures compiled from the schema, one linear pass) must say exactly what one ajv pass over the
 * whole input says:
 * compared here on random invalid inputs of rulebooks with lists of records, of lists, of enums and
 * of numbers, with nested lists, optional fields, timestamps and a field named `__proto__`.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { rulebookFromIr, InputValidationError } from "../../src/runtime/rulebook.js";
import { capErrors, describeErrors } from "../../src/runtime/input-messages.js";
import { createInputValidator, isTimestamp, type InputError } from "../../src/runtime/input-schema.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { compileIr } from "../support/rulebooks.js";

const NESTED = `rulebook "nested" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
enum Side { long, short }
record Leg { side: Side, size: Quantity > 0, shocks: List<Number>, at: Timestamp }
record Book { legs: List<Leg>, tags: List<Side>, limit: USD >= 0 = 0, grid: List<List<Number>> }
record Odd { __proto__: Number >= 1, constructor: Side }
input book: Book
input odd: Odd
input extra { n: Number < 10, books: List<Book> }
output o: Number = count(l for l in book.legs) + odd.__proto__ + extra.n
`;

function irOf(source: string): IrRulebook {
  const result = checkRulebook(source, "nested.margin");
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join("; "));
  return lowerRulebook(result.checked);
}

/** What one ajv pass with `allErrors` over the whole input reports (the behaviour before issue 13). */
function wholeInputPass(
  schema: Record<string, unknown>,
  maxErrors: number,
): (input: unknown) => InputError[] {
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    ownProperties: true,
    strict: true,
    strictNumbers: true,
  });
  ajv.addKeyword({ keyword: "x-unit", schemaType: "string" });
  ajv.addFormat("date-time", { type: "string", validate: isTimestamp });
  const validate = ajv.compile(schema);
  return (input) => {
    if (validate(input)) return [];
    const errors = describeErrors(validate.errors ?? []);
    return capErrors(errors, errors.length, maxErrors);
  };
}

/** Values that break a schema in every way: wrong types, bad enums, out of range, unknown keys. */
const junk = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    11,
    0.5,
    "long",
    "sideways",
    "2026-02-30T00:00:00Z",
    "2026-01-01T00:00:00Z",
    null,
    true,
    [],
    {},
  ),
  fc.dictionary(
    fc.constantFrom("side", "size", "x", "__proto__", "constructor", "legs", "n"),
    fc.constantFrom(1, -1, "short", null, []),
  ),
);

/** A value shaped by the rulebook's types, with random parts replaced by junk. */
function shaped(ir: IrRulebook): fc.Arbitrary<unknown> {
  const arbitraries = fc.letrec<Record<string, unknown>>((tie) => {
    const arbs: Record<string, fc.Arbitrary<unknown>> = {};
    arbs["root"] = fc
      .tuple(...ir.schema.inputs.map((i) => fc.option(typeArb(i.type, tie), { freq: 8 })))
      .map((values) => {
        const out: Record<string, unknown> = {};
        ir.schema.inputs.forEach((input, i) => {
          if (values[i] !== null) out[input.name] = values[i];
        });
        return out;
      });
    for (const [name, record] of Object.entries(ir.schema.records)) {
      arbs[`record.${name}`] = fc
        .tuple(
          ...record.fields.map((f) => fc.option(typeArb(f.type, tie), { nil: undefined, freq: 6 })),
          fc.option(fc.constantFrom("zzz", "sidee", "__proto__"), { freq: 3 }),
        )
        .map((values) => {
          const out: Record<string, unknown> = {};
          record.fields.forEach((f, i) => {
            if (values[i] !== undefined)
              Object.defineProperty(out, f.name, {
                value: values[i],
                enumerable: true,
                writable: true,
                configurable: true,
              });
          });
          const extra = values[record.fields.length] as string | null;
          if (extra)
            Object.defineProperty(out, extra, {
              value: 1,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          return out;
        });
    }
    return arbs;
  });
  function typeArb(
    type: IrRulebook["schema"]["inputs"][number]["type"],
    t: (name: string) => fc.Arbitrary<unknown>,
  ): fc.Arbitrary<unknown> {
    const good = ((): fc.Arbitrary<unknown> => {
      switch (type.kind) {
        case "number":
          return fc.constantFrom(1, 2, 5, 9);
        case "enum":
          return fc.constantFrom(...ir.schema.enums[type.name]!);
        case "timestamp":
          return fc.constant("2026-01-01T00:00:00Z");
        case "list":
          return fc.array(typeArb(type.element, t), { maxLength: 4 });
        case "record":
          return t(`record.${type.name}`);
        default:
          return fc.constant(1);
      }
    })();
    return fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: junk, weight: 1 });
  }
  return arbitraries["root"]!;
}

describe("input validation of huge invalid inputs (issue 13, high 4)", () => {
  const cases: [string, IrRulebook][] = [
    ["nested lists", irOf(NESTED)],
    ["crypto-cross-account", compileIr("rules/crypto-cross-account.margin")],
    ["span-sp500", compileIr("rules/span-sp500.margin")],
  ];
  for (const [name, ir] of cases) {
    it(`says what one pass over the whole input says (${name})`, () => {
      for (const maxErrors of [3, 100]) {
        const validator = createInputValidator(ir, { maxErrors });
        const oracle = wholeInputPass(validator.schema, maxErrors);
        let deep = 0;
        fc.assert(
          fc.property(shaped(ir), (input) => {
            const errors = validator.validate(input).errors;
            expect(errors).toEqual(oracle(input));
            if (errors.some((e) => /\/\d+\//.test(e.path)) && errors.length > 1) deep++;
          }),
          { numRuns: 150, seed: 20261207 },
        );
        // The property saw many inputs with several problems inside list items.
        expect(deep).toBeGreaterThan(15);
      }
    }, 60_000);
  }

  it("describes 100,000 invalid list items without hanging (quadratic before)", () => {
    const ir = compileIr("rules/crypto-cross-account.margin");
    const positions = Array.from({ length: 100_000 }, () => ({
      symbol: "doge",
      side: 1,
      size: -1,
      entry: "x",
      mark: -5,
      leverage: 1000,
      extra: 1,
    }));
    const result = createInputValidator(ir).validate({ account: { wallet: 1, positions } });
    expect(result.errors).toHaveLength(101);
    expect(result.errors[0]!.message).toBe(
      '/account/positions/0: unknown field "extra": did you mean "entry"?',
    );
    expect(result.errors[100]!.message).toBe("... and 699900 more problems");
  }, 60_000);

  it("refuses a batch that is not a list with a coded error", () => {
    const book = rulebookFromIr(compileIr("rules/ftx-sqrt-imf.margin"));
    expect(book.validateBatch({} as never)).toMatchObject({
      valid: false,
      errors: [{ code: "MB6001", index: -1, message: "the batch must be a list of inputs, not an object" }],
    });
    expect(() => book.evaluateBatch(null as never)).toThrow(InputValidationError);
    try {
      book.evaluateBatch(null as never);
    } catch (error) {
      expect((error as InputValidationError).code).toBe("MB6001");
    }
  });
});
