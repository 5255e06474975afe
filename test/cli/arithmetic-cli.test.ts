/**
 * `marginbook test --arithmetic`: every rulebook in rules/ in both arithmetics, and the report of
 * figures that differ between them; `eval` of a decimal rulebook writes decimal text; `compile
 * --target sql` computes a decimal rulebook in DECIMAL (DuckDB) and refuses ClickHouse with MB5110;
 * `verify` verifies it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";
import { ROOT } from "../support/rulebooks.js";

async function cli(argv: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(argv, cwd);
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "marginbook-arith-"));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const CREDIT = `rulebook "credit" version 1.0.0 effective 2026-12-01T00:00:00Z currency USD
input legs { corn: Number >= 0 }
param corn_outright: USD = 1_750 USD
output credit: USD = 55% * corn_outright * legs.corn
`;
const CREDIT_TESTS = `rulebook: credit.margin
cases:
  - name: SPAN credit
    input: { legs: { corn: 2 } }
    expect: { credit: 1925 }
    tolerance: 1e-9
    decimal_tolerance: 0
`;

describe("marginbook test --arithmetic", () => {
  it("passes every rulebook in rules/ in both arithmetics", async () => {
    const run = await cli(["test", "rules/", "--arithmetic", "both"]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("  ✓ 1.5 BTC at 61,234.56789, IMF 5%, maintenance fraction 60% [decimal]");
    expect(run.stdout).toContain("  ✓ Binance worked example, tier 4");
    expect(run.stdout).not.toContain("✗");
    expect(run.stdout).toMatch(/\n\d+ cases: \d+ passed, 0 failed \(\d+ test files\)\n$/);
    expect(run.code).toBe(0);
  });

  it("lists the figures that differ by more than --max-difference, and fails them", async () => {
    const dir = workspace({ "credit.margin": CREDIT, "credit.test.yaml": CREDIT_TESTS });
    const loose = await cli(["test", ".", "--arithmetic", "both"], dir);
    expect(loose.code).toBe(0);
    const strict = await cli(["test", ".", "--arithmetic", "both", "--max-difference", "0"], dir);
    expect(strict.stdout).toContain(
      "≠ credit: binary64 1925.0000000000002, decimal 1925 (differ by 0.0000000000002, more than 0)",
    );
    expect(strict.code).toBe(1);
    const decimal = await cli(["test", ".", "--arithmetic", "decimal"], dir);
    expect(decimal.stdout).toContain("✓ SPAN credit");
    const bad = await cli(["test", ".", "--arithmetic", "float"], dir);
    expect(bad.code).toBe(2);
  });

  it("eval writes a decimal rulebook's outputs as decimal text in JSON", async () => {
    const dir = workspace({
      "credit.margin": CREDIT.replace("currency USD", "currency USD\n  arithmetic decimal"),
      "input.json": '{ "legs": { "corn": "2" } }',
    });
    const run = await cli(["eval", "credit.margin", "--input", "input.json", "--format", "json"], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ outputs: { credit: "1925" } });
  });

  it("eval's text shows decimal results exactly, grouped, with their units (rates also in percent)", async () => {
    const dir = workspace({
      "credit.margin":
        CREDIT.replace("currency USD", "currency USD\n  arithmetic decimal") +
        "output share: Rate = credit / (credit * 8)\n",
      "input.json": '{ "legs": { "corn": "2.000000000001" } }',
    });
    const run = await cli(["eval", "credit.margin", "--input", "input.json", "--explain"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("  credit  1,925.0000000009625 USD\n");
    expect(run.stdout).toContain("  share   0.125 (12.5%)\n");
    expect(run.stdout).toContain("output credit = 1,925.0000000009625 USD");
  });

  it("compile --target sql computes a decimal rulebook in DECIMAL, and verify verifies it", async () => {
    const dir = workspace({
      "credit.margin":
        CREDIT.replace("currency USD", "currency USD\n  arithmetic decimal") + "verify nonnegative credit\n",
    });
    const sql = await cli(["compile", "credit.margin", "--target", "sql"], dir);
    expect(sql.code).toBe(0);
    expect(sql.stdout).toContain("DECIMAL(38, 18)");
    const clickhouse = await cli(
      ["compile", "credit.margin", "--target", "sql", "--dialect", "clickhouse"],
      dir,
    );
    expect(clickhouse.code).toBe(1);
    expect(clickhouse.stdout + clickhouse.stderr).toMatch(/MB5110: .*decimal arithmetic.*\(clickhouse\)/);
    const verify = await cli(["verify", "credit.margin"], dir);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("1 proved");
  });
});
