/**
 * Decimal arithmetic (`arithmetic decimal`): the semantics of src/semantics/decimal.ts, and whole
 * rulebooks evaluated in decimal against the figures venues publish, exactly.
 */
import { describe, expect, it } from "vitest";
import type { IrArithmetic, IrDecimalRounding } from "../../src/ir/ir.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import {
  Dec,
  decDivide,
  decExp,
  decLn,
  decNormalCdf,
  decPow,
  decRoundToStep,
  decSqrt,
  decText,
} from "../../src/semantics/decimal.js";
import { RuntimeError, raiserFor } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { compileIr } from "../support/rulebooks.js";

const context = (scale = 18, rounding: IrDecimalRounding = "half_even"): IrArithmetic => ({
  mode: "decimal",
  scale,
  rounding,
});
const raise = raiserFor({ sites: [], meta: { name: "t" } } as never);
const d = (text: string | number): Dec => new Dec(text);

function compile(source: string, arithmetic?: IrArithmetic | "binary64") {
  const result = checkRulebook(source, "test.margin");
  const errors = result.diagnostics.filter((x) => x.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => `${e.code} ${e.message}`).join("; "));
  return lowerRulebook(result.checked, arithmetic ? { arithmetic } : {});
}

const SPAN_CREDIT = `rulebook "credit" version 1.0.0 effective 2026-12-01T00:00:00Z currency USD
  arithmetic decimal
input legs { corn: Number >= 0 }
param rate: Rate = 55%
param corn_outright: USD = 1_750 USD
output credit: USD = rate * corn_outright * legs.corn
output folded: USD = 0.55 * 1750 USD * 2
output third: USD = corn_outright / 3
`;

describe("decimal arithmetic in a rulebook", () => {
  it("computes 0.55 x 1,750 x 2 as exactly 1925 (binary64: 1925.0000000000002)", () => {
    const ir = compile(SPAN_CREDIT);
    expect(ir.meta.arithmetic).toEqual(context());
    const outputs = evaluate(ir, { legs: { corn: 2 } }).outputs;
    expect(outputs).toEqual({ credit: "1925", folded: "1925", third: "583.333333333333333333" });
    const binary = evaluate(compile(SPAN_CREDIT, "binary64"), { legs: { corn: 2 } }).outputs;
    expect(binary["credit"]).toBe(1925.0000000000002);
  });

  it("keeps every digit of an input given as text, and checks its domain exactly", () => {
    const book = rulebookFromIr(compile(SPAN_CREDIT));
    expect(book.evaluate({ legs: { corn: "2.000000000000000000001" } }).outputs["credit"]).toBe(
      "1925.0000000000000000009625",
    );
    expect(book.validate({ legs: { corn: "-0.0000000000000000000001" } }).valid).toBe(false);
    expect(book.validate({ legs: { corn: "two" } }).valid).toBe(false);
    expect(book.schema["$defs"]).toBeDefined();
  });

  it("gives the same decimal text from every path: evaluate, batch, columns and explanations", () => {
    const book = rulebookFromIr(compile(SPAN_CREDIT));
    const input = { legs: { corn: 3 } };
    const direct = book.evaluate(input).outputs;
    expect(book.evaluateBatch([input])[0]).toEqual({ ok: true, outputs: direct });
    expect(book.evaluate(input, { explain: true }).outputs).toEqual(direct);
    const columns = book.evaluateColumns({ "legs.corn": ["3", "1"] }, 2);
    expect(columns.outputs["credit"]).toEqual([direct["credit"], "962.5"]);
    const trace = book.evaluate(input, { explain: true }).explanation!;
    expect(trace.arithmetic).toBe("decimal, / and functions to 18 places, rounding half_even");
  });

  it("reproduces the integer-quantum rulebook's published integers with tolerance 0", () => {
    const ir = compileIr("rules/dydx-v4-quantums.margin");
    const outputs = evaluate(ir, {
      position: { size: 250, price: 0.123456 },
      tier: { imf_ppm: 200000, maintenance_fraction_ppm: 750000 },
    }).outputs;
    expect(outputs).toEqual({
      notional_in_quantums: "30864000",
      maintenance_margin_ppm: "150000",
      initial_margin_quantums: "6172800",
      maintenance_margin_quantums: "4629600",
    });
  });

  it("honours decimal_scale and decimal_rounding", () => {
    const source = SPAN_CREDIT.replace(
      "arithmetic decimal",
      "arithmetic decimal\n  decimal_scale 2\n  decimal_rounding ceiling",
    );
    expect(evaluate(compile(source), { legs: { corn: 1 } }).outputs["third"]).toBe("583.34");
  });

  it("reads every rounding mode in the header, `floor` (also a rule verb) included", () => {
    const third = (mode: string) => {
      const source = SPAN_CREDIT.replace(
        "arithmetic decimal",
        `arithmetic decimal\n  decimal_scale 2\n  decimal_rounding ${mode}`,
      );
      expect(checkRulebook(source, "t.margin").diagnostics).toEqual([]);
      return evaluate(compile(source), { legs: { corn: 1 } }).outputs["third"];
    };
    expect(["floor", "ceiling", "down", "up", "half_even"].map(third)).toEqual([
      "583.33",
      "583.34",
      "583.33",
      "583.34",
      "583.33",
    ]);
  });

  it("reports decimal_scale without arithmetic decimal, and a bad value, with codes", () => {
    const codes = (source: string) => checkRulebook(source, "t.margin").diagnostics.map((x) => x.code);
    expect(codes(SPAN_CREDIT.replace("arithmetic decimal", "decimal_scale 4"))).toContain("MB4090");
    expect(codes(SPAN_CREDIT.replace("arithmetic decimal", "arithmetic float"))).toContain("MB4038");
    expect(
      codes(SPAN_CREDIT.replace("arithmetic decimal", "arithmetic decimal\n  decimal_scale 99")),
    ).toContain("MB4038");
  });
});

describe("decimal operations", () => {
  it("divides to the scale, correctly rounded in every mode", () => {
    expect(decText(decDivide(d(1), d(3), context(), -1, raise))).toBe("0.333333333333333333");
    expect(decText(decDivide(d(2), d(3), context(), -1, raise))).toBe("0.666666666666666667");
    expect(decText(decDivide(d(1), d(8), context(2), -1, raise))).toBe("0.12");
    expect(decText(decDivide(d(1), d(8), context(2, "half_up"), -1, raise))).toBe("0.13");
    expect(decText(decDivide(d(-1), d(8), context(2, "floor"), -1, raise))).toBe("-0.13");
    expect(decText(decDivide(d(-1), d(8), context(2, "ceiling"), -1, raise))).toBe("-0.12");
    // Just above a tie: the sticky digit keeps half-even from rounding down.
    expect(decText(decDivide(d("1.2500000001"), d(10), context(2), -1, raise))).toBe("0.13");
    expect(decText(decDivide(d("1e30"), d(7), context(0), -1, raise))).toBe("142857142857142857142857142857");
    expect(() => decDivide(d(1), d(0), context(), 3, raise)).toThrow(RuntimeError);
  });

  it("computes sqrt, exp, ln, pow and the normal CDF to the scale", () => {
    const c = context(20);
    expect(decText(decSqrt(d(2), c, -1, raise))).toBe("1.4142135623730950488");
    expect(decText(decSqrt(d("1.44"), c, -1, raise))).toBe("1.2");
    expect(decText(decExp(d(1), c, -1, raise))).toBe("2.71828182845904523536");
    expect(decText(decLn(d(2), c, -1, raise))).toBe("0.69314718055994530942");
    expect(decText(decPow(d(2), d("0.5"), c, -1, raise))).toBe("1.4142135623730950488");
    expect(decText(decPow(d("1.1"), d(3), c, -1, raise))).toBe("1.331");
    expect(decText(decPow(d(2), d(-2), c, -1, raise))).toBe("0.25");
    // Phi(1) = 0.841344746068542948585232545632...
    expect(decText(decNormalCdf(d(1), c))).toBe("0.84134474606854294859");
    expect(decText(decNormalCdf(d(-3), context(12)))).toBe("0.001349898032");
    expect(decText(decNormalCdf(d(50), c))).toBe("1");
    expect(() => decSqrt(d(-1), c, 0, raise)).toThrow(RuntimeError);
    expect(() => decLn(d(0), c, 0, raise)).toThrow(RuntimeError);
    expect(() => decPow(d(-8), d("0.5"), c, 0, raise)).toThrow(RuntimeError);
  });

  it("rounds to a step exactly, with no snap", () => {
    const round = (direction: "up" | "down" | "half_even", x: string, step: string) =>
      decText(decRoundToStep(direction, d(x), d(step), -1, raise));
    expect(round("up", "0.3", "0.01")).toBe("0.3");
    expect(round("up", "71200.811444", "0.01")).toBe("71200.82");
    expect(round("up", "0.30000000000000000001", "0.01")).toBe("0.31");
    expect(round("down", "-0.001", "0.01")).toBe("-0.01");
    expect(round("half_even", "0.125", "0.01")).toBe("0.12");
    expect(round("half_even", "0.135", "0.01")).toBe("0.14");
    expect(round("half_even", "1", "0.3")).toBe("0.9");
    expect(round("up", "1", "0.3")).toBe("1.2");
  });
});
