/**
 * `marginbook diff --impact` from the command line: 1,000 generated portfolios of the CME spread
 * rulebook (a lower spread credit rate), a YAML reference set with known numbers, worker threads
 * giving the same numbers as one thread, the progress display, the formats, and usage errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCaptured, type CliRun } from "../support/cli.js";
import type { CliIo } from "../../src/cli/io.js";

const root = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "marginbook-impact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cme = readFileSync(path.join(root, "rules/cme-spread-credits.margin"), "utf8");
writeFileSync(path.join(dir, "cme-old.margin"), cme);
writeFileSync(
  path.join(dir, "cme-new.margin"),
  cme
    .replace("param credit_rate: Rate = 55%", "param credit_rate: Rate = 50%")
    .replace(/version \d+\.\d+\.\d+/, "version 9.1.0")
    .replace(/effective \S+/, "effective 2030-01-01T00:00:00Z"),
);
const tiny = (name: string): string => path.join(root, "test/review/fixtures", name);

async function run(argv: string[], extra: Partial<CliIo> = {}): Promise<CliRun> {
  return runCaptured(["diff", ...argv], dir, extra);
}

describe("marginbook diff --impact", { timeout: 60_000 }, () => {
  it("over 1,000 generated portfolios prints the distribution and the top movers with their rule", async () => {
    const { code, stdout, stderr } = await run([
      "cme-old.margin",
      "cme-new.margin",
      "--impact",
      "generate:1000",
      "--top",
      "3",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("~ param credit_rate changed");
    expect(stdout).toMatch(/impact on 1,000 generated inputs \(seed 1\): 1,000 evaluated by both versions/);
    // A lower credit rate: margins only go up, by the credit they lose.
    const requirement = /margin_requirement \(USD\): ([\d,]+) up, 0 down, ([\d,]+) stayed/.exec(stdout);
    expect(requirement, stdout).not.toBeNull();
    expect(Number(requirement![1]!.replace(/,/g, "")) + Number(requirement![2]!.replace(/,/g, ""))).toBe(
      1000,
    );
    expect(stdout).toContain("distribution of the");
    expect(stdout).toMatch(/█+ \d+/);
    expect(stdout).toContain("top movers:");
    expect(stdout).toContain("rule inter_commodity_credit (line");
    expect(stdout).toMatch(/spread_credit \(USD\): 0 up, \d+ down/);
  });

  it("reports a YAML reference set with the numbers worked out by hand", async () => {
    const { code, stdout } = await run([
      tiny("tiny-v1.margin"),
      tiny("tiny-v2.margin"),
      "--impact",
      tiny("tiny-inputs.yaml"),
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("impact on 21 inputs from");
    expect(stdout).toContain("1 failed in both versions");
    expect(stdout).toContain("old version errors: MB6001 x1");
    expect(stdout).toContain("margin (USD): 0 up, 5 down, 15 stayed");
    expect(stdout).toContain("total     6,500.00 -> 4,875.00 (-1,625.00, -25.00%)");
    expect(stdout).toContain("change    mean -81.25 (-16.67%), median 0 (0.00%)");
    expect(stdout).toContain("largest   -375.00 (-66.67%) at input #14");
    expect(stdout).toContain("#14  562.50 -> 187.50  -375.00 (-66.67%)");
    expect(stdout).toContain("rule large_position (line 20): ran -> skipped (its condition is false)");
    expect(stdout).toContain("rate (Rate): 0 up, 5 down, 15 stayed");

    const md = await run([
      tiny("tiny-v1.margin"),
      tiny("tiny-v2.margin"),
      "--impact",
      tiny("tiny-inputs.yaml"),
      "--format",
      "md",
    ]);
    expect(md.stdout).toContain(
      "| `margin` (USD) | 0 | 5 | 15 | -81.25 (-16.67%) | 0 | -375.00 (-66.67%) | 6,500.00 → 4,875.00 |",
    );
    expect(md.stdout).toContain(
      "| #14 | 562.50 | 187.50 | -375.00 (-66.67%) | rule large_position (line 20): ran -> skipped (its condition is false) |",
    );

    const json = JSON.parse(
      (
        await run([
          tiny("tiny-v1.margin"),
          tiny("tiny-v2.margin"),
          "--impact",
          tiny("tiny-inputs.yaml"),
          "--format",
          "json",
        ])
      ).stdout,
    );
    const margin = json.impact.outputs.find((o: { name: string }) => o.name === "margin");
    expect(margin).toMatchObject({
      up: 0,
      down: 5,
      same: 15,
      totalOld: 6500,
      totalNew: 4875,
      meanChange: -81.25,
      medianChange: 0,
    });
    expect(margin.movers[0]).toMatchObject({
      index: 14,
      change: -375,
      reason: { kind: "rule", name: "large_position" },
      input: { position: { notional: 1500 } },
    });
  });

  it("reads JSON Lines, and writes the report to --out", async () => {
    writeFileSync(
      path.join(dir, "set.jsonl"),
      readFileSync(tiny("tiny-inputs.yaml"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("- "))
        .map((l) => JSON.stringify({ position: { notional: Number(/-?\d+/.exec(l.slice(2))![0]) } }))
        .join("\n") + "\n",
    );
    const { code, stdout } = await run([
      tiny("tiny-v1.margin"),
      tiny("tiny-v2.margin"),
      "--impact",
      "set.jsonl",
      "--out",
      "report.txt",
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe("wrote the report to report.txt\n");
    expect(readFileSync(path.join(dir, "report.txt"), "utf8")).toContain(
      "margin (USD): 0 up, 5 down, 15 stayed",
    );
  });

  it("gives the same numbers on worker threads as on one thread, with a progress display", async () => {
    const args = [
      "cme-old.margin",
      "cme-new.margin",
      "--impact",
      "generate:20000",
      "--format",
      "json",
      "--top",
      "5",
    ];
    const single = await run([...args, "--workers", "1"]);
    const threaded = await run([...args, "--workers", "2"]);
    expect(threaded.code).toBe(0);
    expect(JSON.parse(threaded.stdout).impact).toEqual(JSON.parse(single.stdout).impact);
    // Not a terminal: one plain line per tenth reached.
    const lines = threaded.stderr.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(line).toMatch(/^impact: \d+0% \([\d,]+ of 20,000\)$/);
    expect(threaded.stderr).toContain("impact: 100% (20,000 of 20,000)");
    // A terminal: a bar redrawn in place, erased at the end.
    const tty = await run([...args, "--workers", "1"], { stderrIsTTY: true });
    expect(tty.stderr).toContain("\rimpact [");
    expect(tty.stderr).toContain("100% 20,000/20,000");
    expect(tty.stderr.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("fails (exit 1) when the new version fails inputs the old one evaluated, and not the other way", async () => {
    // The last bracket closed at 400M: positions above it raise MB6006 in the new version only.
    const binance = readFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), "utf8");
    writeFileSync(path.join(dir, "open.margin"), binance);
    writeFileSync(
      path.join(dir, "closed.margin"),
      binance
        .replace("[300_000_000, inf)  ", "[300_000_000, 400_000_000)")
        .replace(/version \d+\.\d+\.\d+/, "version 2.0.0")
        .replace(/effective \S+/, "effective 2030-01-01T00:00:00Z"),
    );
    const regression = await run(["open.margin", "closed.margin", "--impact", "generate:200"]);
    const failing = /(\d+) failed in the new version only/.exec(regression.stdout);
    expect(failing, regression.stdout).not.toBeNull();
    expect(regression.stderr).toContain(
      `the new version fails ${failing![1]} inputs that the old one evaluated (new version errors: MB6006`,
    );
    expect(regression.code).toBe(1);
    const json = await run(["open.margin", "closed.margin", "--impact", "generate:200", "--format", "json"]);
    expect(json.code).toBe(1);
    const fixed = await run(["closed.margin", "open.margin", "--impact", "generate:200"]);
    expect(fixed.stdout).toMatch(/\d+ failed in the old version only/);
    expect(fixed.code).toBe(0);
  });

  it("refuses bad options with exit code 2, and a rulebook with errors with exit code 1", async () => {
    expect((await run(["cme-old.margin", "cme-new.margin", "--impact", "generate:0"])).code).toBe(2);
    expect((await run(["cme-old.margin", "cme-new.margin", "--impact", "generate:many"])).stderr).toContain(
      "give a number of inputs",
    );
    expect((await run(["cme-old.margin", "cme-new.margin", "--impact", "missing.yaml"])).stderr).toContain(
      "input file not found: missing.yaml",
    );
    expect(
      (await run(["cme-old.margin", "cme-new.margin", "--impact", "generate:10", "--top", "-1"])).code,
    ).toBe(2);
    expect(
      (await run(["cme-old.margin", "cme-new.margin", "--impact", "generate:10", "--workers", "0"])).code,
    ).toBe(2);
    writeFileSync(
      path.join(dir, "broken.margin"),
      cme.replace("set requirement: USD = abs(net_corn)", "set requirement: USD = abs(net_corm)"),
    );
    const broken = await run(["cme-old.margin", "broken.margin", "--impact", "generate:10"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("broken.margin has errors: no impact analysis");
  });
});
