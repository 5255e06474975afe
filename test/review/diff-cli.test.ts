/**
 * `marginbook diff` from the command line: two files, a file against its own git history, formats,
 * and usage errors.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";

const root = path.resolve(import.meta.dirname, "../..");
const original = readFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), "utf8");
const dir = mkdtempSync(path.join(tmpdir(), "marginbook-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(argv, dir);
}

describe("marginbook diff", () => {
  it("compares two files and prints the changes with the version warnings", async () => {
    writeFileSync(path.join(dir, "old.margin"), original);
    writeFileSync(
      path.join(dir, "new.margin"),
      original.replace("param vol_threshold: Rate = 80%", "param vol_threshold: Rate = 75%"),
    );
    const { code, stdout } = await run("diff", "old.margin", "new.margin");
    expect(code).toBe(0);
    expect(stdout).toContain("~ param vol_threshold changed (line 42) [minor]");
    expect(stdout).toContain("value: 80% -> 75%");
    expect(stdout).toContain("warning MB7001");
    const json = JSON.parse((await run("diff", "old.margin", "new.margin", "--format", "json")).stdout);
    expect(json.changes).toHaveLength(1);
    expect(json.requiredBump).toBe("minor");
    expect((await run("diff", "old.margin", "new.margin", "--format", "md")).stdout).toContain(
      "| ~ | param `vol_threshold` |",
    );
  });

  it("says a side with syntax errors cannot be compared, instead of 'formatting only'", async () => {
    writeFileSync(path.join(dir, "whole.margin"), original);
    writeFileSync(path.join(dir, "cut.margin"), original.slice(0, 2000));
    writeFileSync(path.join(dir, "a.yaml"), "a: 1\n");
    writeFileSync(path.join(dir, "b.yaml"), "a: [\n");
    const cut = await run("diff", "whole.margin", "cut.margin");
    expect(cut.stdout.split("\n")[0]).toMatch(
      /^whole\.margin \(1\.0\.0\) -> cut\.margin \(1\.0\.0\): not comparable: 1 syntax error \(listed below\); \d+ changes in what parsed$/,
    );
    expect(cut.code).toBe(1);
    const yaml = await run("diff", "a.yaml", "b.yaml");
    expect(yaml.stdout.split("\n")[0]).toBe(
      "a.yaml (?) -> b.yaml (?): not comparable: 2 syntax errors (listed below)",
    );
    expect(yaml.stdout).not.toContain("formatting only");
    expect(yaml.code).toBe(1);
  });

  it("reads a side from git as <file>@<revision>", async () => {
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
    git("init", "-q");
    git(
      "-c",
      "user.email=t@example.com",
      "-c",
      "user.name=t",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "empty",
    );
    writeFileSync(path.join(dir, "book.margin"), original);
    git("add", "book.margin");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "book");
    writeFileSync(path.join(dir, "book.margin"), original.replace(/ {2,}/g, " "));
    const { code, stdout } = await run("diff", "book.margin@HEAD", "book.margin");
    expect(code).toBe(0);
    expect(stdout).toContain("formatting only");
    const missing = await run("diff", "book.margin@HEAD~1", "book.margin");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read book.margin at HEAD~1");
  });

  it("shows an imported rulebook that changed though the importing file did not, and its impact", async () => {
    const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
    if (!existsSync(path.join(dir, ".git"))) git("init", "-q");
    const total = [
      'rulebook "Total" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT',
      'import "./perp.margin" as perp version 1.0.0',
      "output total: USDT = perp.maintenance_margin * 2",
      "",
    ].join("\n");
    writeFileSync(path.join(dir, "perp.margin"), original);
    writeFileSync(path.join(dir, "total.margin"), total);
    git("add", "perp.margin", "total.margin");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "total");
    writeFileSync(path.join(dir, "perp.margin"), original.replace(/0\.40%/g, "0.45%"));
    const { code, stdout } = await run("diff", "total.margin@HEAD", "total.margin");
    expect(code).toBe(0);
    expect(stdout).toContain("~ import perp changed [minor]");
    expect(stdout).toMatch(
      /the rulebook \.\/perp\.margin compiles differently: IR sha256:[0-9a-f]{12}\.\.\. -> sha256:/,
    );
    writeFileSync(
      path.join(dir, "positions.yaml"),
      "- { position: { size: 1, mark: 30000, side: long }, market: { vol_30d: 0.5, adv: 1e9 } }\n",
    );
    const impact = await run("diff", "total.margin@HEAD", "total.margin", "--impact", "positions.yaml");
    expect(impact.stdout).toMatch(/total \(USDT\): 1 up, 0 down, 0 stayed/);
  });

  it("rejects wrong usage with exit code 2", async () => {
    expect((await run("diff", "only-one.margin")).code).toBe(2);
    expect((await run("diff", "a.margin", "b.margin", "--format", "xml")).code).toBe(2);
    expect((await run("diff", "--help")).stdout).toContain("Usage: marginbook diff");
  });
});
