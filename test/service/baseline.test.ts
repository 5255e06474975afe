/**
 * The studio's baseline: old outputs beside new ones, the old curve on the new sweep's points, and
 * the Change (semantic diff and impact, from the same code as `marginbook diff --impact`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildPreview, PreviewSession } from "../../src/service/preview.js";
import { checkRulebook } from "../../src/service/language-service.js";

const rules = path.resolve(__dirname, "../../rules");
const BTC = readFileSync(path.join(rules, "binance-btcusdt-perp.margin"), "utf8");
const TESTS = readFileSync(path.join(rules, "binance-btcusdt-perp.test.yaml"), "utf8");
/** Tier 4's maintenance rate from 2.50% to 2.75%. */
const EDITED = BTC.replace(/(\[1_000_000, 10_000_000\)\s+5\.00%\s+)2\.50%/, "$12.75%");

describe("the preview against a baseline", () => {
  it("gives every sample its old outputs and the chart its old curves", () => {
    expect(EDITED).not.toBe(BTC);
    const result = buildPreview(EDITED, "btc.margin", {
      tests: TESTS,
      baseline: { text: BTC, label: "HEAD" },
    });
    expect(result.ok).toBe(true);
    const baseline = result.baseline!;
    expect(baseline.label).toBe("HEAD");
    expect(baseline.samples).toHaveLength(result.samples.length);
    const worked = result.samples.findIndex((s) => s.name.startsWith("Binance worked example"));
    expect(baseline.samples[worked]!["maintenance_margin"]).toBe(71200.82);
    // 3,500,032.45776 x 2.75% - (16,300 + 1,000,000 x 0.25%) = 77,450.89 -> rounded up.
    expect(result.samples[worked]!.outputs!["maintenance_margin"]).toBe(77450.9);
    expect(baseline.sweep!.map((s) => s.name)).toEqual(result.sweep!.series.map((s) => s.name));
    expect(baseline.sweep![0]!.values).toHaveLength(result.sweep!.xs.length);
  });

  it("says why when the baseline has errors, and still previews the new text", () => {
    const result = buildPreview(EDITED, "btc.margin", {
      tests: TESTS,
      baseline: { text: "rulebook oops", label: "HEAD" },
    });
    expect(result.ok).toBe(true);
    expect(result.baseline!.problem).toMatch(/^HEAD has \d+ errors?$/);
    expect(result.baseline!.samples.every((s) => s === undefined)).toBe(true);
  });

  it("names the changed tier row, its rate delta, and the top movers with their cause", () => {
    const session = new PreviewSession();
    session.run(checkRulebook(EDITED, "btc.margin"), { tests: TESTS });
    const change = session.change({ text: BTC, label: "HEAD" })!;
    expect(change.changes).toEqual([
      expect.objectContaining({
        subject: "tier-row",
        action: "changed",
        name: "brackets[1_000_000, 10_000_000)",
        details: ["mmr: 2.50% -> 2.75% (+0.25 pt)"],
      }),
    ]);
    const mm = change.outputs.find((o) => o.name === "maintenance_margin")!;
    expect(mm.up).toBeGreaterThan(0);
    expect(mm.down).toBe(0);
    const worked = mm.movers.find((m) => m.name.startsWith("Binance worked example"))!;
    expect(worked).toMatchObject({ source: "test", old: 71200.82, new: 77450.9 });
    expect(worked.reason).toContain("brackets[1_000_000, 10_000_000): mmr 0.025 -> 0.0275");
    const im = change.outputs.find((o) => o.name === "initial_margin")!;
    expect(im.up + im.down).toBe(0);
  });
});

describe("rule thresholds", () => {
  it("marks where a rule's condition on the swept input changes", () => {
    const result = buildPreview(BTC, "btc.margin", { tests: TESTS, sweep: { path: "market.vol_30d" } });
    expect(result.sweep!.path).toBe("market.vol_30d");
    expect(result.thresholds).toEqual([{ x: 0.8, rule: "vol_scale", condition: "market.vol_30d > 0.8" }]);
    const bySize = buildPreview(BTC, "btc.margin", { tests: TESTS, sweep: { path: "position.size" } });
    expect(bySize.thresholds).toEqual([]);
  });
});
