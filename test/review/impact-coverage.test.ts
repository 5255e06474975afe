/**
 * Impact sets that cannot show a change are called out: an output constant over the whole set, or
 * pinned at its largest value for most of it, in both versions.
 */
import { describe, expect, it } from "vitest";
import { coverageWarnings } from "../../src/review/impact-coverage.js";
import type { ComparedOutput, ImpactColumns } from "../../src/review/impact.js";
import { runCli } from "../../src/cli/main.js";
import { ROOT } from "../support/rulebooks.js";

function columns(old: number[][], next: number[][], failed: number[] = []): ImpactColumns {
  const count = old[0]!.length;
  const status = new Uint8Array(count);
  for (const i of failed) status[i] = 3;
  return {
    start: 0,
    count,
    old: old.map((c) => Float64Array.from(c)),
    new: next.map((c) => Float64Array.from(c)),
    status,
    failures: { old: {}, new: {} },
  };
}
const outputs = [{ name: "a" }, { name: "b" }, { name: "c" }] as unknown as ComparedOutput[];

describe("impact coverage warnings", () => {
  it("names constant and capped outputs, and stays quiet about outputs that vary", () => {
    const warnings = coverageWarnings(
      columns(
        [
          [5, 5, 5, 5],
          [1, 9, 9, 9],
          [1, 2, 3, 4],
        ],
        [
          [5, 5, 5, 5],
          [2, 9, 9, 9],
          [1, 2, 3, 5],
        ],
      ),
      outputs,
    );
    expect(warnings).toEqual([
      "a is 5 for every one of the 4 inputs: this set cannot show a change to it",
      "b is at its largest value (9) in both versions for 75% of the inputs (capped?): a change to the rules below the cap cannot show there",
    ]);
    // Failed inputs do not count.
    expect(
      coverageWarnings(
        columns(
          [
            [5, 5, 7],
            [1, 2, 3],
            [1, 2, 3],
          ],
          [
            [5, 5, 7],
            [1, 2, 3],
            [1, 2, 3],
          ],
          [2],
        ),
        outputs,
      ),
    ).toEqual(["a is 5 for every one of the 2 inputs: this set cannot show a change to it"]);
  });

  it("top movers name a changed tier row by its bounds, not by a row number that shifts", async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(tmpdir(), "marginbook-movers-"));
    const source = readFileSync(path.join(ROOT, "rules/binance-btcusdt-perp.margin"), "utf8");
    writeFileSync(
      path.join(dir, "new.margin"),
      source.replace("[1_000_000, 10_000_000)       5.00%", "[1_000_000, 10_000_000)       5.50%"),
    );
    let stdout = "";
    const code = await runCli(
      [
        "diff",
        path.join(ROOT, "rules/binance-btcusdt-perp.margin"),
        "new.margin",
        "--impact",
        path.join(ROOT, "docs/examples/reference-positions.yaml"),
      ],
      { stdout: (t) => void (stdout += t), stderr: () => undefined, cwd: dir },
    );
    expect(code).toBe(0);
    expect(stdout).toContain("brackets[1_000_000, 10_000_000): imr 0.05 -> 0.055");
    expect(stdout).not.toMatch(/brackets tier \d/);
  });

  it("reaches the text report of diff --impact", async () => {
    // A reference set of mostly small positions: max_leverage sits at the first bracket's 125 for 90%.
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const dir = mkdtempSync(path.join(tmpdir(), "marginbook-capped-"));
    const small = Array.from({ length: 20 }, (_, i) => ({
      position: { size: i < 18 ? 0.01 * (i + 1) : 10 * i, mark: 30_000, side: "long" },
      market: { vol_30d: 0.5, adv: 2_000_000_000 },
    }));
    writeFileSync(path.join(dir, "small.json"), JSON.stringify(small));
    let stdout = "";
    const file = path.join(ROOT, "rules/binance-btcusdt-perp.margin");
    const code = await runCli(["diff", file, file, "--impact", "small.json"], {
      stdout: (t) => void (stdout += t),
      stderr: () => undefined,
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /\n {2}warning: max_leverage is at its largest value \(125\) in both versions for 90% of the inputs \(capped\?\)/,
    );
  });

  it("generated sets spread the inputs over every tier of the rulebook's brackets", async () => {
    const { InputGenerator } = await import("../../src/review/random-inputs.js");
    const { rulebookFromIr } = await import("../../src/runtime/rulebook.js");
    const { compileIr } = await import("../support/rulebooks.js");
    const ir = compileIr("rules/binance-btcusdt-perp.margin");
    const book = rulebookFromIr(ir);
    const generator = new InputGenerator(ir, 1, "typical");
    const leverage = new Map<unknown, number>();
    for (let i = 0; i < 1_000; i++) {
      const value = book.evaluate(generator.at(i)).outputs["max_leverage"];
      leverage.set(value, (leverage.get(value) ?? 0) + 1);
    }
    // Ten brackets, each reached by a fair share of the set (uniform would be 100 each).
    expect([...leverage.keys()].sort((a, b) => Number(a) - Number(b))).toEqual([
      1, 2, 3, 4, 5, 10, 20, 50, 100, 125,
    ]);
    for (const count of leverage.values()) expect(count).toBeGreaterThan(50);
  });
});
