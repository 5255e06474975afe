/**
 * `marginbook compile --print-ir`: the optimized IR, the lowered one, and an output selection; and
 * `marginbook eval --outputs`, which evaluates what the selected outputs need only.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FILE = "test/fixtures/optimize/filtered-risk-arrays.margin";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(argv, root);
}

describe("marginbook compile --print-ir", () => {
  it("prints the optimized IR: one grouping instead of three filters", async () => {
    const result = await run(["compile", FILE, "--print-ir"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("let %1 = group(p#1 for p#1 in in.account.positions by p#1.u)");
    expect(result.stdout).not.toMatch(/in in\.account\.positions where/);
  });

  it("--no-optimize prints the IR as lowered (what the artifact holds)", async () => {
    const result = await run(["compile", FILE, "--print-ir", "--no-optimize"]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/in in\.account\.positions where/g)).toHaveLength(3);
    expect(result.stdout).not.toContain("%1");
  });

  it("--outputs keeps only what those outputs need, and refuses an unknown name", async () => {
    const result = await run(["compile", FILE, "--print-ir", "--outputs", "nq_risk"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("output nq_risk");
    expect(result.stdout).not.toContain("output es_risk =");
    const unknown = await run(["compile", FILE, "--print-ir", "--outputs", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("has no output `nope`");
  });
});

describe("marginbook compile --print-ir on rulebooks with functions and lists", () => {
  it("shows the optimized IR of the SIMM book: min and max bound once in gamma", async () => {
    const result = await run(["compile", "rules/simm-style-delta.margin", "--print-ir"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/fn gamma\(b#\d+, c#\d+\) = \(let %gamma#\d+ = min\(b#\d+, c#\d+\) in/);
  });
});

describe("marginbook compile --print-ir of a rulebook in decimal arithmetic", () => {
  it("prints the IR as lowered: the decimal code generator does not run the optimizer", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "mb-print-ir-decimal-"));
    const book = (arithmetic: string) =>
      `rulebook "d" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD${arithmetic}
input x { a: USD, b: Number }
output one: USD = x.a * x.b + 1 USD
output two: USD = x.a * x.b + 2 USD
`;
    writeFileSync(path.join(dir, "binary.margin"), book(""));
    writeFileSync(path.join(dir, "decimal.margin"), book(" arithmetic decimal"));
    const print = async (file: string) => (await runCaptured(["compile", file, "--print-ir"], dir)).stdout;
    expect(await print("binary.margin")).toContain("let %1 = (in.x.a * in.x.b)");
    const decimal = await print("decimal.margin");
    expect(decimal).toContain("output one = ((in.x.a * in.x.b) + 1)");
    expect(decimal).not.toContain("%1");
  });
});

describe("marginbook eval --outputs", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "mb-eval-outputs-"));
  writeFileSync(
    path.join(dir, "dead.margin"),
    `rulebook "dead" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input position { size: USD > 0, d: Number }
let big: USD = position.size * 2
output wanted: USD = big + 1 USD
output unwanted: Number = 1 / position.d
`,
  );
  writeFileSync(path.join(dir, "input.json"), JSON.stringify({ position: { size: 2, d: 0 } }));
  const runIn = (argv: string[]) => runCaptured(argv, dir);

  it("computes only the selected outputs (the unselected division by zero is not evaluated)", async () => {
    const all = await runIn(["eval", "dead.margin", "--input", "input.json"]);
    expect(all.code).toBe(1);
    expect(all.stderr).toContain("division by zero");
    const some = await runIn([
      "eval",
      "dead.margin",
      "--input",
      "input.json",
      "--outputs",
      "wanted",
      "--format",
      "json",
    ]);
    expect(some.code).toBe(0);
    expect(JSON.parse(some.stdout)).toEqual({ outputs: { wanted: 5 } });
    const text = await runIn(["eval", "dead.margin", "--input", "input.json", "--outputs", "wanted"]);
    expect(text.stdout).toMatch(/wanted\s+5 USD/);
    expect(text.stdout).not.toContain("unwanted");
  });

  it("refuses a name that is no output", async () => {
    const result = await runIn(["eval", "dead.margin", "--input", "input.json", "--outputs", "nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("has no output `nope`");
  });
});
