/**
 * Verification of the real rulebooks in rules/: every property they declare holds, and the tiered
 * ones are proved (not only sampled) to keep the initial margin above the maintenance margin and
 * to be non-decreasing in the position size. No assertion here is about time.
 */
import { describe, expect, it } from "vitest";
import { verifyRulebook, type PropertyResult } from "../../src/verify/index.js";
import { bundledRulebooks, compileBinary64Ir } from "../support/rulebooks.js";

// The verifier refuses a rulebook in decimal arithmetic (its bounds are binary64's): the decimal
// rulebooks of rules/ are verified in their binary64 reading.
const compileIr = compileBinary64Ir;

/** The tiered rulebooks, with the field their size property is stated in. */
const TIERED: Record<string, string> = {
  "rules/binance-btcusdt-perp.margin": "position.size",
  "rules/binance-ethusdt-perp.margin": "position.size",
  "rules/bitmex-xbt-risk-steps.margin": "position.contracts",
  "rules/bybit-btcusdt-risk-limits.margin": "position.size",
  "rules/bybit-tier-by-tier-example.margin": "position.value",
  "rules/ftx-sqrt-imf.margin": "position.size",
};

/** A budget large enough that no machine runs out of it before the inputs cap: results do not depend on speed. */
const OPTIONS = { budgetMs: 60_000, maxInputs: 300 };

function find(properties: readonly PropertyResult[], text: string): PropertyResult {
  const found = properties.find((p) => p.text === text);
  if (!found) throw new Error(`no property ${text} among ${properties.map((p) => p.text).join("; ")}`);
  return found;
}

describe("rules/", () => {
  it.each(bundledRulebooks())("%s: no property is violated", (file) => {
    const report = verifyRulebook(compileIr(file), OPTIONS);
    const violated = report.properties.filter((p) => p.status === "violated");
    expect(violated.map((p) => `${p.text}: ${p.counterexample?.summary}`)).toEqual([]);
    expect(report.properties.length).toBeGreaterThan(0);
  });

  it.each(Object.entries(TIERED))("%s: IM >= MM and monotone in %s, proved", (file, field) => {
    const report = verifyRulebook(compileIr(file), OPTIONS);
    const imm = find(report.properties, "assert initial_margin >= maintenance_margin");
    expect(imm.status).toBe("proved");
    expect(imm.inputs).toBe(0);
    const monotone = find(
      report.properties,
      `verify nondecreasing initial_margin, maintenance_margin in ${field}`,
    );
    expect(monotone.status).toBe("proved");
    expect(monotone.targets.map((t) => t.status)).toEqual(["proved", "proved"]);
  });

  it("proves IM >= MM of a tiered table by splitting on its rows", () => {
    const report = verifyRulebook(compileIr("rules/binance-btcusdt-perp.margin"), OPTIONS);
    expect(find(report.properties, "assert initial_margin >= maintenance_margin").method).toBe(
      "interval and linear bounds, case split on the 10 tiers of `brackets` (by notional)",
    );
    expect(find(report.properties, "verify continuous maintenance_margin in position.size").method).toBe(
      "continuity analysis",
    );
  });

  it("every proved property of every rulebook also survives a search (the prover cross-checked)", () => {
    for (const file of bundledRulebooks()) {
      const report = verifyRulebook(compileIr(file), {
        ...OPTIONS,
        maxInputs: 150,
        searchProved: true,
        seed: 7,
      });
      const violated = report.properties.filter((p) => p.status === "violated");
      expect(violated.map((p) => `${file}: ${p.text}: ${p.counterexample?.summary}`)).toEqual([]);
    }
  });
});
