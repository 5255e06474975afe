/**
 * `marginbook verify` and `marginbook test --verify`, run in-process through `runCli(argv, io)`:
 * the report, the JSON form and the exit codes (0 nothing violated, 1 a violation or a rulebook with
 * errors, 2 a usage error).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCaptured, type CliRun } from "../support/cli.js";
import type { VerificationReport } from "../../src/verify/index.js";
import { ROOT } from "../support/rulebooks.js";

async function cli(argv: string[], cwd = ROOT): Promise<CliRun> {
  return runCaptured(argv, cwd);
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SOUND = "test/fixtures/verify/sound.margin";
const BROKEN = "test/fixtures/verify/im-below-mm.margin";
/** Budgets far above what the searches here need: they stop at their input cap or a violation. */
const BUDGET = ["--budget", "600"];

describe("marginbook verify", () => {
  it("reports each property proved, with its method, and exits 0", async () => {
    const run = await cli(["verify", SOUND, ...BUDGET]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${SOUND}: Sound brackets 1.0.0`);
    expect(run.stdout).toContain('✓ assert initial_margin >= maintenance_margin  "IM covers MM"  (line 23)');
    expect(run.stdout).toContain(
      "proved: interval and linear bounds, case split on the 3 tiers of `brackets` (by notional)",
    );
    expect(run.stdout).toContain("proved: continuity analysis");
    expect(run.stdout).toMatch(/5 properties: 5 proved, 0 not violated, 0 violated \(1 rulebook\)\n$/);
  });

  it("exits 1 on a violation and prints the counterexample: input, outputs, explanation", async () => {
    const run = await cli(["verify", BROKEN, ...BUDGET]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ assert initial_margin >= maintenance_margin");
    expect(run.stdout).toMatch(/VIOLATED after \d+ inputs?: the condition is false: initial_margin = /);
    expect(run.stdout).toMatch(/input: \{"position":\{"size":[\d.]+,"mark":[\d.]+\}\}/);
    expect(run.stdout).toContain("outputs:");
    expect(run.stdout).toContain("explanation:");
    expect(run.stdout).toMatch(/tier 3 of brackets/);
    expect(run.stdout).toContain("1 violated");
  });

  it("verifies folders and prints one JSON report per rulebook with --format json", async () => {
    const run = await cli(["verify", "test/fixtures/verify", "--format", "json", ...BUDGET]);
    expect(run.code).toBe(1);
    const reports = JSON.parse(run.stdout) as VerificationReport[];
    expect(reports.map((r) => r.file)).toEqual([
      "test/fixtures/verify/im-below-mm.margin",
      "test/fixtures/verify/negative-credit.margin",
      "test/fixtures/verify/rate-decreases.margin",
      "test/fixtures/verify/searched.margin",
      "test/fixtures/verify/sound.margin",
    ]);
    const broken = reports[0]!.properties[0]!;
    expect(broken.status).toBe("violated");
    expect(broken.counterexample!.evaluation.explanation!.entries.length).toBeGreaterThan(0);
    expect(reports[3]!.properties[0]!.status).toBe("not-violated");
    expect(run.stderr).toMatch(/properties: \d+ proved, 1 not violated, \d+ violated \(5 rulebooks\)\n$/);
  });

  it("exits 2 on usage errors", async () => {
    for (const argv of [
      ["verify"],
      ["verify", "no/such/path"],
      ["verify", SOUND, "--budget", "0"],
      ["verify", SOUND, "--budget", "soon"],
      ["verify", SOUND, "--format", "xml"],
      ["verify", SOUND, "--seed", "1.5"],
    ]) {
      const run = await cli(argv);
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^marginbook: /);
    }
  });

  it("exits 1 for a rulebook with errors, showing them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "marginbook-verify-"));
    temps.push(dir);
    writeFileSync(
      path.join(dir, "bad.margin"),
      'rulebook "Bad" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\ninput p { x: Number }\nverify nonnegative p\n',
    );
    const run = await cli(["verify", "bad.margin"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("MB4043");
  });
});

describe("marginbook test --verify", () => {
  it("runs the cases, then verifies the rulebook: a violated property fails the run", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "marginbook-verify-"));
    temps.push(dir);
    copyFileSync(path.join(ROOT, BROKEN), path.join(dir, "book.margin"));
    writeFileSync(
      path.join(dir, "book.test.yaml"),
      [
        "rulebook: book.margin",
        "cases:",
        "  - name: tier 1",
        "    input: { position: { size: 1, mark: 10000 } }",
        "    expect: { initial_margin: 100, maintenance_margin: 50 }",
        "",
      ].join("\n"),
    );
    const plain = await cli(["test", "."], dir);
    expect(plain.code).toBe(0);
    const verified = await cli(["test", ".", "--verify"], dir);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain("✓ tier 1");
    expect(verified.stdout).toContain("✗ assert initial_margin >= maintenance_margin");
    expect(verified.stdout).toMatch(/1 case: 1 passed, 0 failed, 1 property violated/);
  });
});
