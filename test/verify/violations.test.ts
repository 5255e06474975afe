/**
 * Violations: rulebooks that break their properties get a counterexample, and the counterexample
 * is re-evaluated here, with the reference interpreter on the rulebook itself, to check that it
 * really breaks the property. Fixtures: test/fixtures/verify/*.margin.
 */
import { describe, expect, it } from "vitest";
import type { IrRulebook } from "../../src/ir/ir.js";
import { evaluate, RuntimeError } from "../../src/runtime/interpreter.js";
import { validateInput } from "../../src/runtime/input-schema.js";
import { complexity } from "../../src/verify/shrink.js";
import { verifyRulebook, type PropertyResult } from "../../src/verify/index.js";
import { compileIr } from "../support/rulebooks.js";

const OPTIONS = { budgetMs: 60_000, maxInputs: 3_000 };
const FIXTURES = "test/fixtures/verify";

function property(ir: IrRulebook, text: string): PropertyResult {
  const report = verifyRulebook(ir, OPTIONS);
  const found = report.properties.find((p) => p.text === text);
  if (!found) throw new Error(`no property ${text}`);
  return found;
}

/** The outputs of the rulebook on an input, its assertions left out (they are what may fail). */
function outputs(ir: IrRulebook, input: unknown): Record<string, unknown> {
  expect(validateInput(ir, input).valid, "a counterexample is a valid input").toBe(true);
  return evaluate({ ...ir, steps: ir.steps.filter((s) => s.kind !== "assert") }, input).outputs;
}

/** The numbers of an input, for checking that shrinking left round ones. */
function numbers(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(numbers);
}

describe("a tier whose IM rate drops below its MM rate", () => {
  const ir = compileIr(`${FIXTURES}/im-below-mm.margin`);
  const result = property(ir, "assert initial_margin >= maintenance_margin");

  it("is violated, with a counterexample that breaks the assertion when evaluated", () => {
    expect(result.status).toBe("violated");
    const c = result.counterexample!;
    const out = outputs(ir, c.evaluation.input);
    expect(out["initial_margin"]).toBeLessThan(out["maintenance_margin"] as number);
    expect(c.evaluation.outputs).toEqual(out);
    // Evaluated as written, with its assertion, the rulebook refuses the input.
    expect(() => evaluate(ir, c.evaluation.input)).toThrow(RuntimeError);
  });

  it("lands in the broken tier, with a shrunk, round input and the explanation of its evaluation", () => {
    const c = result.counterexample!;
    const notional = (c.evaluation.input as { position: { size: number; mark: number } }).position;
    expect(notional.size * notional.mark).toBeGreaterThanOrEqual(250_000);
    expect(notional.size * notional.mark).toBeLessThan(1_000_000);
    for (const n of numbers(c.evaluation.input)) expect(complexity(n)).toBeLessThanOrEqual(3);
    const entries = c.evaluation.explanation!.entries;
    expect(entries.some((e) => e.kind === "output" && e.name === "maintenance_margin")).toBe(true);
    expect(c.summary).toMatch(
      /^the condition is false: initial_margin = [\d.]+, maintenance_margin = [\d.]+$/,
    );
  });

  it("leaves the properties that hold proved", () => {
    expect(property(ir, "verify nonnegative initial_margin, maintenance_margin").status).toBe("proved");
  });
});

describe("a rate that decreases with size", () => {
  const ir = compileIr(`${FIXTURES}/rate-decreases.margin`);

  it("breaks `nondecreasing`: the second input is larger and needs less margin", () => {
    const result = property(ir, "verify nondecreasing initial_margin, maintenance_margin in position.size");
    expect(result.status).toBe("violated");
    const c = result.counterexample!;
    const target = c.target!;
    const [first, second] = [c.evaluation.input, c.other!.input] as {
      position: { size: number; mark: number };
    }[];
    expect(second!.position.size).toBeGreaterThan(first!.position.size);
    expect(second!.position.mark).toBe(first!.position.mark);
    expect(outputs(ir, second)[target]).toBeLessThan(outputs(ir, first)[target] as number);
    expect(c.summary).toContain(`${target} falls from`);
  });

  it("breaks `continuous`: two adjacent sizes straddle a boundary and the margin jumps between them", () => {
    const result = property(ir, "verify continuous maintenance_margin in position.size");
    expect(result.status).toBe("violated");
    const c = result.counterexample!;
    const [a, b] = [c.evaluation.input, c.other!.input] as { position: { size: number; mark: number } }[];
    const notional = (p: { position: { size: number; mark: number } }): number =>
      p.position.size * p.position.mark;
    expect([100_000, 500_000].some((boundary) => notional(a!) < boundary && notional(b!) >= boundary)).toBe(
      true,
    );
    const jump = Math.abs(
      (outputs(ir, b)["maintenance_margin"] as number) - (outputs(ir, a)["maintenance_margin"] as number),
    );
    expect(jump).toBeGreaterThan(100);
  });

  it("still proves what holds: IM >= MM tier by tier", () => {
    expect(property(ir, "assert initial_margin >= maintenance_margin").status).toBe("proved");
  });
});

describe("a credit that can exceed the requirement", () => {
  const ir = compileIr(`${FIXTURES}/negative-credit.margin`);

  it("breaks `nonnegative`, and the counterexample's requirement is below 0", () => {
    const result = property(ir, "verify nonnegative requirement");
    expect(result.status).toBe("violated");
    expect(outputs(ir, result.counterexample!.evaluation.input)["requirement"]).toBeLessThan(0);
    expect(result.message).toBe("a credit never makes the requirement negative");
  });
});

describe("a sound rulebook", () => {
  it("has every property proved, and nothing searched", () => {
    const report = verifyRulebook(compileIr(`${FIXTURES}/sound.margin`), OPTIONS);
    expect(report.properties.map((p) => p.status)).toEqual([
      "proved",
      "proved",
      "proved",
      "proved",
      "proved",
    ]);
    expect(report.inputs).toBe(0);
    expect(report.violated).toBe(0);
  });
});
