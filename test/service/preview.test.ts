/**
 * The live preview: samples with outputs and explanations, the test cases of the YAML, and the
 * sweep series with tier boundaries mapped back to the swept input.
 */
import { describe, expect, it } from "vitest";
import { buildPreview, parseSamples, PreviewSession } from "../../src/service/preview.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { edit, rule, rulesHost } from "./support.js";

const btc = rule("binance-btcusdt-perp.margin");
const btcTests = rule("binance-btcusdt-perp.test.yaml");
const SAMPLE =
  "position: { size: 109.488, mark: 31967.27, side: long }\nmarket: { vol_30d: 0.5, adv: 2000000000 }\n";

describe("the preview", () => {
  it("evaluates the test file's inputs as samples, with outputs and explanations, and runs its cases", () => {
    const preview = buildPreview(btc, "binance-btcusdt-perp.margin", { tests: btcTests });
    expect(preview.ok).toBe(true);
    expect(preview.samplesSource).toBe("tests");
    expect(preview.samples).toHaveLength(17);
    expect(preview.samples[0]!.outputs).toEqual({
      initial_margin: 175001.63,
      maintenance_margin: 71200.82,
      maintenance_margin_exact: 71200.811444,
      max_leverage: 20,
    });
    const entries = preview.samples[0]!.explanation!.entries;
    expect(entries.map((e) => `${e.kind} ${"name" in e ? e.name : ""}`.trim())).toContain("rule vol_scale");
    expect(preview.samples.find((s) => s.name === "Size 0 violates the domain size > 0")!.error?.code).toBe(
      "MB6001",
    );
    expect(preview.tests).toMatchObject({ passed: 17, failed: 0, problems: [] });
    expect(preview.outputs.map((o) => `${o.name}: ${o.unit}`)).toEqual([
      "initial_margin: USDT",
      "maintenance_margin: USDT",
      "maintenance_margin_exact: USDT",
      "max_leverage: Number",
    ]);
    expect(preview.units).toMatchObject({ notional: "USDT", im_rate: "Rate" });
  });

  it("sweeps the size by default, with IM and MM, and maps the brackets' floors to sizes", () => {
    const preview = buildPreview(btc, "b.margin", { samples: SAMPLE });
    const sweep = preview.sweep!;
    expect(sweep.path).toBe("position.size");
    expect(sweep.unit).toBe("Quantity");
    expect(sweep.series.map((s) => s.name)).toEqual(["initial_margin", "maintenance_margin"]);
    expect(sweep.xs).toHaveLength(81);
    expect(sweep.from).toBe(0);
    expect(sweep.to).toBeCloseTo(3 * 109.488, 9);
    // notional = size x mark: the 50,000 floor of tier 2 is at size 50,000 / 31,967.27.
    expect(sweep.boundaries.map((b) => b.tier)).toEqual([2, 3, 4, 5]);
    expect(sweep.boundaries[0]!.x).toBeCloseTo(50_000 / 31_967.27, 9);
    expect(sweep.boundaries[0]).toMatchObject({
      table: "brackets",
      key: 50_000,
      keyName: "notional",
      keyUnit: "USDT",
    });
    // size 0 is outside the domain `size > 0`: no value there, values everywhere else.
    expect(sweep.failures).toBe(1);
    expect(sweep.series[1]!.values[0]).toBeNull();
    expect(sweep.series[1]!.values.slice(1).every((v) => typeof v === "number")).toBe(true);
  });

  it("keeps the maintenance margin continuous across bracket floors (the derived deductions)", () => {
    const preview = buildPreview(btc, "b.margin", {
      samples: SAMPLE,
      sweep: { path: "position.size", from: 1.5, to: 1.63, points: 201 },
    });
    const mm = preview.sweep!.series[1]!.values as number[];
    const steps = mm.slice(1).map((v, i) => v - mm[i]!);
    expect(Math.max(...steps)).toBeLessThan(0.2);
  });

  it("charts an importing rulebook's own outputs, its total first, not the imported books' outputs", () => {
    const preview = buildPreview(
      rule("multi-asset-total.margin"),
      "multi-asset-total.margin",
      { tests: rule("multi-asset-total.test.yaml") },
      rulesHost,
    );
    expect(preview.outputs.map((o) => o.name)).toContain("perps.initial_margin");
    expect(preview.sweep!.series.map((s) => s.name)).toEqual([
      "total_margin",
      "equity_options_margin",
      "futures_margin",
    ]);
  });

  it("sweeps any numeric input over a requested range", () => {
    const preview = buildPreview(btc, "b.margin", {
      samples: SAMPLE,
      sweep: { path: "market.vol_30d", from: 0.5, to: 2, points: 4 },
    });
    const sweep = preview.sweep!;
    expect(sweep.xs).toEqual([0.5, 1, 1.5, 2]);
    expect(sweep.boundaries).toEqual([]);
    // Above the 80% threshold the IM rate scales by 1 + min(0.5 x (vol - 80%), 50%).
    expect(sweep.series[0]!.values).toEqual([175001.63, 192501.79, 236252.2, 262502.44]);
    expect(preview.sweepInputs.map((i) => i.path)).toEqual([
      "position.size",
      "position.mark",
      "market.vol_30d",
      "market.adv",
    ]);
    expect(preview.sweepInputs[2]).toMatchObject({ unit: "Rate", min: 0, max: 5 });
  });

  it("shows a failing test case with what differs", () => {
    const changed = edit(btc, "param imf_factor = 0.00015", "param imf_factor = 0.025");
    const tests = buildPreview(changed, "b.margin", { tests: btcTests }).tests!;
    expect(tests.failed).toBeGreaterThan(0);
    const failed = tests.cases.find((c) => !c.passed)!;
    expect(failed.details.join("\n")).toMatch(
      /output initial_margin:\n {2}expected {2}175001\.63\n {2}actual/,
    );
  });

  it("reports a rulebook with errors as not fresh", () => {
    const broken = edit(btc, "notional * im_rate round", "notional * im_rate + vol_threshold round");
    const preview = buildPreview(broken, "b.margin", { tests: btcTests });
    expect(preview).toMatchObject({ ok: false, problem: "the rulebook has 1 error", samples: [] });
  });

  it("runs the next version of the rulebook in the same session", () => {
    const session = new PreviewSession();
    const first = session.run(checkRulebook(btc, "b.margin"), { samples: SAMPLE });
    const changed = edit(btc, "[1_000_000, 10_000_000)       5.00%", "[1_000_000, 10_000_000)       6.00%");
    const second = session.run(checkRulebook(changed, "b.margin"), { samples: SAMPLE });
    expect(first.samples[0]!.outputs!["initial_margin"]).toBe(175001.63);
    expect(second.samples[0]!.outputs!["initial_margin"]).toBe(210001.95);
  });

  it("reads typed samples in several shapes", () => {
    expect(parseSamples(SAMPLE).samples).toHaveLength(1);
    expect(parseSamples("- { name: small, input: { a: 1 } }\n- { a: 2 }\n").samples).toEqual([
      { name: "small", input: { a: 1 } },
      { name: "sample 2", input: { a: 2 } },
    ]);
    expect(parseSamples("cases:\n  - { name: x, input: { a: 1 } }\n").samples).toEqual([
      { name: "x", input: { a: 1 } },
    ]);
    expect(parseSamples("a: [1, 2").problem).toMatch(/^not valid YAML/);
    expect(parseSamples("42").problem).toBeDefined();
  });

  it("explains why a typed sample cannot be evaluated", () => {
    const preview = buildPreview(btc, "b.margin", {
      samples: "position: { size: -1, mark: 30000, side: long }\nmarket: { vol_30d: 0.5, adv: 1 }\n",
    });
    expect(preview.samples[0]!.error).toMatchObject({
      code: "MB6001",
      message: expect.stringContaining("/position/size"),
    });
    expect(preview.sweep).toBeUndefined();
  });
  it("shows a decimal rulebook's results as decimal text, and the scale in its explanations", () => {
    const dydx = rule("dydx-v4-quantums.margin");
    const samples =
      'position: { size: "12.345678", price: 3456.789012 }\ntier: { imf_ppm: 100000, maintenance_fraction_ppm: 500000 }\n';
    const preview = buildPreview(dydx, "dydx-v4-quantums.margin", {
      samples,
      tests: rule("dydx-v4-quantums.test.yaml"),
    });
    expect(preview.samples[0]!.outputs).toEqual({
      notional_in_quantums: "42676404056.090136",
      maintenance_margin_ppm: "50000",
      initial_margin_quantums: "4267640406",
      maintenance_margin_quantums: "2133820203",
    });
    expect(preview.samples[0]!.explanation!.arithmetic).toBe(
      "decimal, / and functions to 18 places, rounding half_even",
    );
    expect(preview.tests).toMatchObject({ failed: 0, problems: [] });
    // Charted as numbers, the maintenance margin in the same terms as the initial one (not its ppm).
    expect(preview.sweep!.series.map((s) => s.name)).toEqual([
      "initial_margin_quantums",
      "maintenance_margin_quantums",
    ]);
    expect(preview.sweep!.series[1]!.values.slice(1).every((v) => Number.isInteger(v))).toBe(true);
  });
});
