/**
 * The search's limits: the time budget (with an injected clock, so nothing here depends on how fast
 * the machine is), the cap on inputs, and reproducibility for a given seed.
 */
import { describe, expect, it } from "vitest";
import { verifyRulebook } from "../../src/verify/index.js";
import { compileIr } from "../support/rulebooks.js";

/** A rulebook whose one property holds but cannot be proved, so it is searched until a limit. */
const SEARCHED = "test/fixtures/verify/searched.margin";

/** A clock that moves `step` milliseconds each time it is read. */
function tickingClock(step: number): { now: () => number; reads: () => number } {
  let t = 0;
  let reads = 0;
  return {
    now: () => {
      reads += 1;
      t += step;
      return t;
    },
    reads: () => reads,
  };
}

describe("the search's limits", () => {
  const ir = compileIr(SEARCHED);

  it("stops when the budget is spent: a larger budget on the same clock searches more", () => {
    const small = verifyRulebook(ir, { budgetMs: 200, maxInputs: 1_000_000, now: tickingClock(1).now });
    const large = verifyRulebook(ir, { budgetMs: 2_000, maxInputs: 1_000_000, now: tickingClock(1).now });
    const searched = (r: typeof small): number =>
      r.properties.filter((p) => p.status === "not-violated").reduce((s, p) => s + p.inputs, 0);
    expect(searched(small)).toBeGreaterThan(0);
    expect(searched(large)).toBeGreaterThan(searched(small));
    // Each input reads the clock at least once, so a 200 ms budget on a 1 ms clock allows at most 200.
    expect(searched(small)).toBeLessThanOrEqual(200);
    expect(small.elapsedMs).toBeLessThanOrEqual(200 + 50);
  });

  it("a budget of 0 proves what it can and searches nothing", () => {
    const report = verifyRulebook(compileIr("rules/binance-btcusdt-perp.margin"), {
      budgetMs: 0,
      now: tickingClock(1).now,
    });
    expect(report.inputs).toBe(0);
    expect(report.properties.every((p) => p.status === "proved")).toBe(true);
  });

  it("stops after the most inputs it may evaluate", () => {
    const report = verifyRulebook(ir, { budgetMs: 1e9, maxInputs: 50 });
    for (const p of report.properties.filter((x) => x.status === "not-violated"))
      expect(p.inputs).toBeLessThanOrEqual(50);
  });

  it("is reproducible: the same seed gives the same counterexample", () => {
    const broken = compileIr("test/fixtures/verify/im-below-mm.margin");
    const first = verifyRulebook(broken, { budgetMs: 1e9, maxInputs: 2_000, seed: 3 });
    const second = verifyRulebook(broken, { budgetMs: 1e9, maxInputs: 2_000, seed: 3 });
    expect(first.properties[0]!.counterexample!.evaluation.input).toEqual(
      second.properties[0]!.counterexample!.evaluation.input,
    );
    expect(first.inputs).toBe(second.inputs);
  });
});
