/**
 * Verification in decimal arithmetic (`arithmetic decimal`): the proofs' intervals are widened by
 * the rounding of `/` and the functions to the scale, rounding to a step is exact, and the search
 * evaluates in decimal, so that a property of the decimal results is neither proved when false nor
 * missed when the decimal evaluation breaks it. See docs/verification.md.
 */
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { verifyRulebook } from "../../src/verify/index.js";
import { compileIr } from "../support/rulebooks.js";

function decimalIr(body: string) {
  const source = `rulebook "d" version 1.0.0 effective 2026-12-01T00:00:00Z currency USD
  arithmetic decimal
  decimal_scale 6
input position { size: Number > 0 <= 1000000 }
${body}`;
  const checked = checkRulebook(source, "d.margin");
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return lowerRulebook(checked.checked, { source: () => source });
}

const OPTIONS = { budgetMs: 60_000, maxInputs: 400 };

describe("verify in decimal arithmetic", () => {
  it("finds that a third times three falls short of the whole, which holds over the reals", () => {
    // Over the reals (and for most doubles) x / 3 * 3 == x; to 6 places, 1 / 3 * 3 is 0.999999.
    const ir = decimalIr(
      `output back: Number = position.size / 3 * 3\nassert back >= position.size "no loss"`,
    );
    const report = verifyRulebook(ir, OPTIONS);
    const property = report.properties[0]!;
    expect(property.status).toBe("violated");
    const outputs = property.counterexample!.evaluation.outputs;
    const input = property.counterexample!.evaluation.input as { position: { size: number } };
    expect(Number(outputs["back"])).toBeLessThan(input.position.size);
  });

  it("proves what decimal rounding cannot break, with exact rounding to a step", () => {
    const ir = decimalIr(
      `output im: Number = position.size * 1.5% round up to 0.01\n` +
        `output mm: Number = position.size * 1% round up to 0.01\n` +
        `output share: Number = position.size / 7\n` +
        `assert im >= mm\nverify nonnegative im, mm, share\nverify nondecreasing im, share in position.size`,
    );
    const report = verifyRulebook(ir, OPTIONS);
    expect(report.properties.map((p) => [p.text, p.status])).toEqual([
      ["assert im >= mm", "proved"],
      ["verify nonnegative im, mm, share", "proved"],
      ["verify nondecreasing im, share in position.size", "proved"],
    ]);
  });

  it("verifies rules/dydx-v4-quantums.margin in decimal: nothing violated", () => {
    const ir = compileIr("rules/dydx-v4-quantums.margin");
    expect(ir.meta.arithmetic?.mode).toBe("decimal");
    const report = verifyRulebook(ir, OPTIONS);
    expect(report.properties.length).toBeGreaterThan(0);
    expect(report.properties.filter((p) => p.status === "violated")).toEqual([]);
  });
});
