/**
 * Decimal inputs of absurd magnitude end quickly: decimal text with an exponent beyond 400 is
 * refused as invalid input (MB6001, naming the field), and a rounding to a step whose result would
 * need more than the 1,000 significant digits of exact arithmetic raises MB6010. Before, one input
 * (`"1e996"` rounded to a cent, `"1e900000000000000"` written out) ran forever or exhausted memory,
 * in the interpreter, the generated code, and so in `eval` and the evaluation server.
 */
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { InputValidationError } from "../../src/runtime/rulebook.js";
import { isDecimalText } from "../../src/semantics/decimal.js";
import { compileOrThrow } from "../../src/service/compile-rulebook.js";

const SOURCE = `rulebook "Magnitudes" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
  arithmetic decimal

input a { v: Number }

output cents: Number = a.v round up to 0.01
output cubed: Number = a.v * a.v * a.v round half_even to 0.01
`;
const ir = compileOrThrow(SOURCE, "magnitudes.margin");
const book = loadArtifact(
  serializeArtifact(buildArtifact(ir, { source: SOURCE, compiler: { version: "t" } })),
);

describe("decimal inputs of huge magnitude", () => {
  it("reads an exponent up to 400 either way, and refuses one beyond it naming the field", () => {
    for (const text of ["1e400", "-9.5E+400", "1e-400", "1e0400", ".5e-3", "71200.81144"])
      expect(isDecimalText(text), text).toBe(true);
    for (const text of ["1e401", "1e996", "1e900000000000000", "1e-401", "1e00401"])
      expect(isDecimalText(text), text).toBe(false);
    for (const v of ["1e996", "1e900000000000000"]) {
      const started = Date.now();
      expect(() => book.evaluate({ a: { v } })).toThrow(InputValidationError);
      try {
        book.evaluate({ a: { v } });
      } catch (error) {
        expect((error as Error).message).toContain("/a/v must be a number or a decimal string");
        expect((error as Error).message).toContain("an exponent of at most 400");
      }
      expect(Date.now() - started).toBeLessThan(10_000); // a bound on a hang, not a speed test
    }
  });

  it("raises MB6010 when a rounding needs more than 1,000 digits, in the interpreter and the compiled code", () => {
    // 9e400 cubed is 7.29e1202: to a cent, 1,205 digits.
    const input = { a: { v: "9e400" } };
    for (const run of [() => evaluate(ir, input).outputs, () => book.evaluate(input).outputs])
      expect(run).toThrow(/MB6010|needs more than the 1000 significant digits/);
    try {
      evaluate(ir, input);
    } catch (error) {
      expect((error as { code?: string }).code).toBe("MB6010");
      expect((error as Error).message).toContain(
        "`round_half_even`: 7.290000e+1202 to a multiple of 0.01 needs more than the 1000 significant digits",
      );
    }
  });

  it("names a huge negative operand of sqrt and ln by its digits, not as -Infinity", () => {
    const source = `rulebook "Roots" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
  arithmetic decimal
input a { v: Number }
output root: Number = sqrt(a.v)
`;
    const roots = compileOrThrow(source, "roots.margin");
    expect(() => evaluate(roots, { a: { v: "-9e400" } })).toThrow(
      "square root of a negative number (-9.000000e+400)",
    );
    expect(() => evaluate(roots, { a: { v: "-2.5" } })).toThrow("square root of a negative number (-2.5)");
  });

  it("still rounds exactly up to the limit", () => {
    const v = "1e300";
    const expected = { cents: `1${"0".repeat(300)}`, cubed: `1${"0".repeat(900)}` };
    expect(evaluate(ir, { a: { v } }).outputs).toEqual(expected);
    expect(book.evaluate({ a: { v } }).outputs).toEqual(expected);
    expect(book.evaluate({ a: { v: "0.001" } }).outputs).toEqual({ cents: "0.01", cubed: "0" });
  });
});
