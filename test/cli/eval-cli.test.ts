/**
 * `marginbook eval`, `compile` and `test`, run in-process through `runCli(argv, io)`.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { ROOT } from "../support/rulebooks.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { cwd?: string; stdin?: string } = {}): Promise<Run> {
  const stdin = options.stdin;
  return runCaptured(argv, options.cwd ?? ROOT, stdin !== undefined ? { readStdin: async () => stdin } : {});
}

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "marginbook-eval-"));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const BINANCE = "rules/binance-btcusdt-perp.margin";
const exampleYaml =
  "position: { size: 109.488, mark: 31967.27, side: long }\nmarket: { vol_30d: 0.5, adv: 2000000000 }\n";

function inputFile(text: string, name = "input.yaml"): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

describe("marginbook eval", () => {
  it("--explain on the SPAN book names the worst scenario and its loss (McMillan: long call, 3,990 in scenario 14)", async () => {
    const call =
      "[460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500]";
    const input = inputFile(
      `account:\n  positions:\n    - { contract: "SP Dec 410 call", underlying: SP, quantity: 1, risk: ${call} }\n`,
    );
    const run = await cli(["eval", "rules/span-sp500.margin", "--input", input, "--explain"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/scanning_risk_requirement +3,990 USD\n/);
    expect(run.stdout).toContain(
      'max over span16 (16 scenarios) for SP: scenario 14 "price -1, vol -1" (index 13) -> 3,990 USD',
    );
    const json = await cli([
      "eval",
      "rules/span-sp500.margin",
      "--input",
      input,
      "--explain",
      "--format",
      "json",
    ]);
    const entries = JSON.parse(json.stdout).explanation.entries as {
      name?: string;
      choices?: { op: string }[];
    }[];
    // The calls of `loss` are listed too (op "call"); the winner of the `max` is the one here.
    const scanning = entries.find((e) => e.name === "scanning_risk")?.choices ?? [];
    expect(scanning.filter((c) => c.op === "call")).toHaveLength(16);
    expect(scanning.filter((c) => c.op !== "call")).toEqual([
      expect.objectContaining({ scenarios: "span16", index: 13, name: "price -1, vol -1", value: 3990 }),
    ]);
  });

  it("prints the outputs with their units", async () => {
    const run = await cli(["eval", BINANCE, "--input", inputFile(exampleYaml)]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("BTCUSDT perpetual 1.0.0 (rules/binance-btcusdt-perp.margin)");
    expect(run.stdout).toMatch(/maintenance_margin +71,200\.82 USDT\n/);
    expect(run.stdout).toMatch(/maintenance_margin_exact +71,200\.811444 USDT\n/);
    expect(run.stdout).toMatch(/max_leverage +20\n/);
  });

  it("--explain shows each rule, the values before and after, the tier chosen and the lines", async () => {
    const run = await cli(["eval", BINANCE, "--input", inputFile(exampleYaml), "--explain"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "tier 4 of brackets: notional 3,500,032.45776 USDT in [1,000,000, 10,000,000): imr 5%, mmr 2.5%",
    );
    expect(run.stdout).toMatch(/line +72 +rule base: ran/);
    expect(run.stdout).toMatch(/line +76 +rule vol_scale: skipped \(its condition is false\)/);
    expect(run.stdout).toMatch(/floor im_rate at 0\.15695\d*%: 5% -> 5% \(unchanged\)/);
    expect(run.stdout).toContain(
      "output maintenance_margin = 71,200.82 USDT (unrounded 71,200.811444 USDT, rounded up to 0.01)",
    );
    expect(run.stdout).toContain("assert holds: the initial margin must cover the maintenance margin");
  });

  it("--format json prints { outputs, explanation }, and a list for a list input", async () => {
    const one = await cli([
      "eval",
      BINANCE,
      "--input",
      inputFile(exampleYaml),
      "--format",
      "json",
      "--explain",
    ]);
    expect(one.code).toBe(0);
    const parsed = JSON.parse(one.stdout) as {
      outputs: Record<string, number>;
      explanation: { entries: unknown[] };
    };
    expect(parsed.outputs).toEqual({
      initial_margin: 175001.63,
      maintenance_margin: 71200.82,
      maintenance_margin_exact: 71200.811444,
      max_leverage: 20,
    });
    expect(parsed.explanation.entries.length).toBeGreaterThan(5);

    const input = JSON.stringify([
      JSON.parse(
        JSON.stringify({
          position: { size: 1, mark: 50000, side: "long" },
          market: { vol_30d: 0.5, adv: 2e9 },
        }),
      ),
      { position: { size: 109.488, mark: 31967.27, side: "short" }, market: { vol_30d: 0.5, adv: 2e9 } },
    ]);
    const list = await cli(["eval", BINANCE, "--input", inputFile(input, "inputs.json"), "--format", "json"]);
    expect(list.code).toBe(0);
    expect(
      (JSON.parse(list.stdout) as { outputs: Record<string, number> }[]).map(
        (r) => r.outputs["maintenance_margin"],
      ),
    ).toEqual([200, 71200.82]);
  });

  it("reads standard input with --input -", async () => {
    const run = await cli(["eval", BINANCE, "--input", "-", "--format", "json"], { stdin: exampleYaml });
    expect(run.code).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { outputs: Record<string, number> }).outputs["maintenance_margin"],
    ).toBe(71200.82);
  });

  it("bad input: exit 1, one clear message per problem, no stack trace", async () => {
    const bad = "position: { size: -1, side: long, mark: .nan }\nmarket: { vol_30d: high }\n";
    const run = await cli(["eval", BINANCE, "--input", inputFile(bad)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toEqual([
      "invalid input: /position/size must be > 0, not -1",
      "invalid input: /position/mark must be a finite number, not NaN",
      'invalid input: /market: missing field "adv"',
      'invalid input: /market/vol_30d must be a number, not "high"',
    ]);
  });

  it("a list with one bad input names it, and still evaluates the others", async () => {
    const list = `- ${JSON.stringify({ position: { size: 1, mark: 50000 }, market: { vol_30d: 0.5, adv: 2e9 } })}\n- ${JSON.stringify({ position: { size: 1, mark: 50000, side: "long" }, market: { vol_30d: 0.5, adv: 2e9 } })}\n`;
    const run = await cli(["eval", BINANCE, "--input", inputFile(list)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('input 1 of 2: invalid input: /position: missing field "side"');
    expect(run.stdout).toContain("input 2 of 2:");
    expect(run.stdout).toMatch(/maintenance_margin +200 USDT/);
  });

  it("malformed input files, runtime errors and rulebooks with errors exit 1", async () => {
    const yaml = await cli(["eval", BINANCE, "--input", inputFile("position: { size: 1\n")]);
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toMatch(/not valid YAML/);
    const json = await cli(["eval", BINANCE, "--input", inputFile("{ nope", "x.json")]);
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/not valid JSON/);
    // A key written twice: JSON.parse would keep the last value silently (YAML refuses it too).
    const twice =
      '{\n  "position": { "size": 1, "mark": 30000, "side": "long", "size": 100 },\n  "market": { "vol_30d": 0.5, "adv": 2e9, "adv": 3e9 }\n}\n';
    const repeated = await cli(["eval", BINANCE, "--input", inputFile(twice, "twice.json")]);
    expect(repeated.code).toBe(1);
    expect(repeated.stdout).toBe("");
    expect(repeated.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/twice\.json:2:59: the key "size" is written twice in one object/),
      expect.stringMatching(/twice\.json:3:43: the key "adv" is written twice in one object/),
    ]);
    const inYaml = await cli(["eval", BINANCE, "--input", inputFile(twice, "twice.yaml")]);
    expect(inYaml.code).toBe(1);
    expect(inYaml.stderr).toMatch(
      /twice\.yaml:2:\d+: not valid YAML: a key is written twice in one mapping: write it once/,
    );

    const outside = await cli([
      "eval",
      "rules/bybit-tier-by-tier-example.margin",
      "--input",
      inputFile("position: { value: 5000.01, leverage: 10 }\n"),
    ]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(
      /^error MB6021: 5000\.01 is above the limit of `risk_limits` \(5000\): the table ends there by design in rule `leverage` \(line \d+\), with position\.value$/m,
    );

    const dir = tempDir();
    writeFileSync(
      path.join(dir, "broken.margin"),
      'rulebook "B" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\ninput p { size: Quantity }\noutput x: USDT = p.size + 1%\n',
    );
    const broken = await cli(["eval", "broken.margin", "--input", inputFile(exampleYaml)], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.margin:3:\d+: error MB3\d{3}/);
    expect(broken.stderr).toContain("broken.margin has errors");
  });

  it("evaluates a compiled artifact as engines load it, with the source's outputs and explanation", async () => {
    const dir = tempDir();
    const artifact = path.join(dir, "binance.json");
    expect((await cli(["compile", BINANCE, "-o", artifact])).code).toBe(0);
    const input = inputFile(exampleYaml);
    for (const extra of [
      [],
      ["--explain"],
      ["--format", "json", "--explain"],
      ["--outputs", "max_leverage"],
    ]) {
      const fromSource = await cli(["eval", BINANCE, "--input", input, ...extra]);
      const fromArtifact = await cli(["eval", artifact, "--input", input, ...extra]);
      expect(fromArtifact.code, extra.join(" ")).toBe(0);
      // The same figures and steps; only the file named in the text header differs.
      expect(fromArtifact.stdout.replace(artifact, BINANCE), extra.join(" ")).toBe(fromSource.stdout);
    }
    expect((await cli(["eval", artifact, "--input", input])).stdout).toContain("71,200.82 USDT");
  });

  it("a refused artifact is not evaluated: its code and reason, exit 1", async () => {
    const dir = tempDir();
    const artifact = path.join(dir, "binance.json");
    expect((await cli(["compile", BINANCE, "-o", artifact])).code).toBe(0);
    const tampered = path.join(dir, "tampered.json");
    writeFileSync(tampered, readFileSync(artifact, "utf8").replace('"mmr"', '"mmr2"'));
    const input = inputFile(exampleYaml);
    const refused = await cli(["eval", tampered, "--input", input]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(
      /the artifact .*tampered\.json is refused: MB6105 the IR does not match its hash/,
    );
    const notJson = path.join(dir, "half.json");
    writeFileSync(notJson, readFileSync(artifact, "utf8").slice(0, 200));
    const broken = await cli(["eval", notJson, "--input", input]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/is refused: MB6101 the artifact is not valid JSON/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it("usage errors exit 2", async () => {
    expect((await cli(["eval", BINANCE])).code).toBe(2);
    expect((await cli(["eval", BINANCE, "--input", inputFile(exampleYaml), "--format", "xml"])).code).toBe(2);
    const missing = await cli(["eval", BINANCE, "--input", "no-such-file.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/input file not found: no-such-file\.yaml/);
    expect((await cli(["eval", "--input", "x.yaml"])).code).toBe(2);
    expect((await cli(["eval", "--help"])).stdout).toMatch(/Usage: marginbook eval/);
  });
});

describe("marginbook compile", () => {
  it("writes an artifact that loadArtifact accepts and that reproduces the Binance example", async () => {
    const out = path.join(tempDir(), "binance.artifact.json");
    const run = await cli(["compile", BINANCE, "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^compiled rules\/binance-btcusdt-perp\.margin( at [0-9a-f]{12}( with uncommitted changes)?)? -> .*binance\.artifact\.json \(BTCUSDT perpetual 1\.0\.0, sha256:/,
    );
    const book = loadArtifact(readFileSync(out, "utf8"));
    const { outputs } = book.evaluate({
      position: { size: 109.488, mark: 31967.27, side: "long" },
      market: { vol_30d: 0.5, adv: 2e9 },
    });
    expect(outputs["maintenance_margin"]).toBe(71200.82);
    expect(JSON.parse(readFileSync(out, "utf8")).compiler).toMatchObject({ name: "marginbook" });
  });

  it("-o - writes to standard output; a rulebook with errors is refused; -o is required", async () => {
    const stdout = await cli(["compile", BINANCE, "-o", "-"]);
    expect(stdout.code).toBe(0);
    expect(loadArtifact(stdout.stdout).meta.name).toBe("BTCUSDT perpetual");

    const dir = tempDir();
    writeFileSync(
      path.join(dir, "broken.margin"),
      'rulebook "B" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\noutput x: USDT = y\n',
    );
    const broken = await cli(["compile", "broken.margin", "-o", "out.json"], { cwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("no artifact written");
    expect(existsSync(path.join(dir, "out.json"))).toBe(false);
    expect((await cli(["compile", BINANCE])).code).toBe(2);
    const nowhere = path.join(dir, "no-such-folder", "out.json");
    const missing = await cli(["compile", BINANCE, "-o", nowhere]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `cannot write ${nowhere}: the folder ${path.dirname(nowhere)} does not exist`,
    );
    expect(missing.stderr).not.toContain(".tmp");
  });
});

describe("marginbook test", () => {
  it("passes on the bundled rulebooks", async () => {
    const run = await cli(["test", "rules/"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("rules/binance-btcusdt-perp.test.yaml (rules/binance-btcusdt-perp.margin)");
    expect(run.stdout).toContain("  ✓ Binance worked example, tier 4");
    expect(run.stdout).toMatch(/\n\d+ cases: \d+ passed, 0 failed \(\d+ test files\)\n$/);
    expect(run.stdout).not.toContain("✗");
  });

  it("a wrong expectation fails with a readable diff and exit 1", async () => {
    const dir = tempDir();
    copyFileSync(path.join(ROOT, BINANCE), path.join(dir, "binance-btcusdt-perp.margin"));
    const tests = [
      "rulebook: binance-btcusdt-perp.margin",
      "cases:",
      "  - name: right",
      `    input: { position: { size: 1, mark: 50000, side: long }, market: { vol_30d: 0.5, adv: 2000000000 } }`,
      "    expect: { maintenance_margin: 200 }",
      "  - name: wrong",
      `    input: { position: { size: 109.488, mark: 31967.27, side: long }, market: { vol_30d: 0.5, adv: 2000000000 } }`,
      "    expect: { maintenance_margin: 71200.83, max_leverage: 20 }",
      "    tolerance: 0.001",
      "",
    ].join("\n");
    writeFileSync(path.join(dir, "binance-btcusdt-perp.test.yaml"), tests);
    const run = await cli(["test", "."], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      [
        "  ✓ right",
        "  ✗ wrong  (binance-btcusdt-perp.test.yaml:6)",
        "      output maintenance_margin:",
        "        expected  71200.83",
        "        actual    71200.82   (off by -0.01, tolerance 0.001)",
      ].join("\n"),
    );
    expect(run.stdout).toMatch(/2 cases: 1 passed, 1 failed \(1 test file\)\n$/);
  });

  it("a broken test file or rulebook fails; no test files is a usage error", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "a.test.yaml"), "rulebook: missing.margin\ncases: []\n");
    writeFileSync(path.join(dir, "b.test.yaml"), "rulebook: b.margin\ncases:\n  - name: x\n");
    const run = await cli(["test", dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the rulebook .*missing\.margin named by `rulebook:` does not exist/);
    expect(run.stdout).toMatch(/b\.test\.yaml:3:5: case "x" has no `input`/);
    // b.test.yaml has two problems (no `input`, neither `expect` nor `expect_error`): still one file.
    expect(run.stdout).toMatch(
      /b\.test\.yaml:3:5: case "x" needs exactly one of `expect` and `expect_error`/,
    );
    expect(run.stdout).toMatch(/0 cases: 0 passed, 0 failed, 2 broken files \(2 test files\)/);
    const empty = await cli(["test", tempDir()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no \.test\.yaml files found/);
  });

  it("a .margin file given directly runs its own test file", async () => {
    const run = await cli(["test", "rules/ftx-sqrt-imf.margin"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rules\/ftx-sqrt-imf\.test\.yaml \(rules\/ftx-sqrt-imf\.margin\)\n/);
  });
});
