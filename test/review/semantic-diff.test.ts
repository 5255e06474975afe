/**
 * The semantic diff reports meaning, not characters: one parameter and one tier row changed are two
 * changes; a reformatted copy is no change; version discipline warns about too-small bumps.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { semanticDiff } from "../../src/review/semantic-diff.js";
import { checkVersionDiscipline, requiredBump } from "../../src/review/version-policy.js";
import { formatSource } from "../../src/syntax/format.js";

const root = resolve(import.meta.dirname, "../..");
const binance = readFileSync(resolve(root, "rules/binance-btcusdt-perp.margin"), "utf8");
const SPAN = { start: 0, end: 1 };

function edit(source: string, from: string, to: string): string {
  expect(source.includes(from), `the rulebook contains ${from}`).toBe(true);
  return source.replace(from, to);
}

describe("semantic diff", () => {
  it("reports exactly one parameter change and one tier-row change, with old and new values", () => {
    let changed = edit(binance, "param vol_threshold: Rate = 80%", "param vol_threshold: Rate = 75%");
    changed = changed.replace(
      /\[1_000_000, 10_000_000\)(\s+)5\.00%(\s+)2\.50%/,
      "[1_000_000, 10_000_000)$15.50%$22.75%",
    );
    const diff = semanticDiff(binance, changed);
    expect(diff.changes.map((c) => [c.subject, c.action, c.name])).toEqual([
      ["param", "changed", "vol_threshold"],
      ["tier-row", "changed", "brackets[1_000_000, 10_000_000)"],
    ]);
    expect(diff.changes[0]!.details).toEqual(["value: 80% -> 75%"]);
    expect(diff.changes[1]!.details).toEqual([
      "imr: 5.00% -> 5.50% (+0.5 pt)",
      "mmr: 2.50% -> 2.75% (+0.25 pt)",
    ]);
    expect(diff.behaviourChanged).toBe(true);
    expect(requiredBump(diff)).toBe("minor");
  });

  it("reports a reformatted copy as formatting only", () => {
    const squeezed = binance.replace(/ {2,}/g, " ").replace(/\n\n/g, "\n");
    for (const copy of [formatSource(squeezed).text, squeezed]) {
      const diff = semanticDiff(binance, copy);
      expect(diff.changes).toEqual([]);
      expect(diff.layout).toBe("formatting only");
      expect(diff.behaviourChanged).toBe(false);
    }
  });

  it("reports comment-only edits as such, and equal literals written differently as no change", () => {
    const commented = binance
      .replace("// BTCUSDT perpetual", "// BTCUSDT perpetual (reviewed)")
      .replace("= 80%", "= 80.0%");
    const diff = semanticDiff(binance, commented);
    expect(diff.changes).toEqual([]);
    expect(diff.layout).toBe("comments changed");
  });

  it("sees rules added, removed, reordered and changed, outputs and assertions", () => {
    const base = `rulebook "r" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT
input p { n: USDT > 0 }
rule a { set x = 1% }
rule b { add 1% to x }
rule c { cap x at 50% }
output im: USDT = p.n * x round up to 0.01
assert im >= 0 USDT
`;
    const next = `rulebook "r" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT
input p { n: USDT > 0 }
rule a { set x = 1% }
rule c { cap x at 40% }
rule b { add 1% to x }
rule d { floor x at 0.5% }
output im: USDT = p.n * x round up to 1
assert im <= p.n
`;
    const diff = semanticDiff(base, next);
    const summary = diff.changes.map((c) => `${c.action} ${c.subject} ${c.name}`);
    expect(summary).toEqual([
      "changed rule c",
      "changed output im",
      "removed assert im >= 0 USDT",
      "added rule d",
      "added assert im <= p.n",
      "reordered rule rules",
    ]);
    expect(diff.changes[0]!.details).toEqual(["- cap x: 50%", "+ cap x: 40%"]);
  });
});

describe("version discipline", () => {
  const changedParam = (version: string, effective = "2026-01-01T00:00:00Z"): string =>
    edit(
      edit(binance, "version 1.0.0", `version ${version}`),
      "param vol_threshold: Rate = 80%",
      "param vol_threshold: Rate = 75%",
    ).replace("effective 2026-01-01T00:00:00Z", `effective ${effective}`);
  const codes = (next: string): string[] =>
    checkVersionDiscipline(semanticDiff(binance, next), "new.margin", SPAN, SPAN).map((d) => d.code);

  it("warns when behaviour changed but the version did not", () => {
    expect(codes(changedParam("1.0.0", "2026-02-01T00:00:00Z"))).toEqual(["MB7001"]);
  });

  it("warns when a parameter change has only a patch bump", () => {
    expect(codes(changedParam("1.0.1", "2026-02-01T00:00:00Z"))).toEqual(["MB7002"]);
  });

  it("accepts a minor bump with a later effective date, and warns when the date does not move", () => {
    expect(codes(changedParam("1.1.0", "2026-02-01T00:00:00Z"))).toEqual([]);
    expect(codes(changedParam("1.1.0"))).toEqual(["MB7003"]);
  });

  it("warns when the version goes backwards, and asks nothing of a layout-only change", () => {
    expect(codes(changedParam("0.9.0", "2026-02-01T00:00:00Z"))).toEqual(["MB7004"]);
    expect(codes(formatSource(binance.replace(/ {2,}/g, " ")).text)).toEqual([]);
  });
});
