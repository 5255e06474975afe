/** `marginbook compile --print-ir`: the optimized IR, the lowered one, and an output selection. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FILE = "test/fixtures/optimize/filtered-risk-arrays.margin";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: root,
    color: false,
  });
  return { code, stdout, stderr };
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
