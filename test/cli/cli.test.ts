/**
 * The CLI, run in-process through `runCli(argv, io)` on files in temporary folders; and once as a
 * real process through the built `bin/marginbook.js`.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { findMarginFiles } from "../../src/cli/files.js";
import { runCli } from "../../src/cli/main.js";
import { runCaptured } from "../support/cli.js";
import { formatSource } from "../../src/syntax/format.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const packageVersion = (
  JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }
).version;

const clean = `rulebook "Clean perpetual"
  version 1.0.0
  effective 2026-12-01T00:00:00Z
  currency USDT

input position { size: Quantity > 0, mark: Price > 0 }

tiers brackets by notional: USDT, marginal {
  columns imr: Rate, mmr: Rate
  [0, 50_000)     0.80%  0.40%
  [50_000, inf)   1.00%  0.50%
}

let notional: USDT = position.size * position.mark

rule base { set im_rate = brackets(notional).imr }

output initial_margin: USDT = notional * im_rate round up to 0.01
output maintenance_margin: USDT = brackets.margin(notional, mmr) round up to 0.01

assert initial_margin >= maintenance_margin "IM must cover MM"
`;

/** The same rulebook squeezed onto fewer lines: valid, but not in the canonical layout. */
const unformatted = clean
  .replace("\n  version", " version")
  .replace("\n  effective", " effective")
  .replace(/ {2,}(?=\d)/g, " ");

/** A syntax error on line 3: `#` is not a character of the language. */
const broken =
  'rulebook "Broken" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT\ninput position { size: Quantity > 0 }\nparam fee = 1 # 2\n';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dirs: string[] = [];

/** A fresh temporary folder holding `files` (relative path -> content). */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "marginbook-cli-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

async function run(argv: string[], cwd = root): Promise<Run> {
  return runCaptured(argv, cwd);
}

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe("marginbook check", () => {
  it("exits 0 on a clean rulebook and says so", async () => {
    const dir = workspace({ "clean.margin": clean });
    const result = await run(["check", "clean.margin"], dir);
    expect(result.stdout).not.toMatch(/error MB/);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(
      /^checked 1 file: no errors$|^0 errors, \d+ warnings? in 1 file$/,
    );
  });

  it("exits 1 on a broken rulebook and prints path:line:col: error MB1xxx with the underlined line", async () => {
    const dir = workspace({ "rules/broken.margin": broken });
    const result = await run(["check", "rules"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^rules[/\\]broken\.margin:3:15: error MB1\d{3}: /m);
    expect(result.stdout).toContain(" 3 | param fee = 1 # 2\n   |               ^\n");
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(/^[1-9]\d* errors?, \d+ warnings? in 1 file$/);
  });

  it("checks every .margin file under a folder, in sorted order, skipping node_modules and hidden folders", async () => {
    const dir = workspace({
      "rules/b.margin": broken,
      "rules/a.margin": broken,
      "rules/sub/c.margin": broken,
      "rules/notes.txt": "not a rulebook",
      "rules/node_modules/x.margin": broken,
      "rules/.hidden/y.margin": broken,
    });
    const files = findMarginFiles(["rules"], dir, "check").map((f) => f.replace(/\\/g, "/"));
    expect(files).toEqual(["rules/a.margin", "rules/b.margin", "rules/sub/c.margin"]);
    const result = await run(["check", "rules", "rules/a.margin"], dir);
    const mentioned = [...result.stdout.matchAll(/^(rules[/\\]\S+?\.margin):\d+:\d+: error/gm)].map((m) =>
      m[1]!.replace(/\\/g, "/"),
    );
    expect([...new Set(mentioned)]).toEqual(files);
    expect(result.stdout).toMatch(/ in 3 files\n$/);
  });

  it("prints parseable JSON with --format json, and the summary on stderr", async () => {
    const dir = workspace({ "broken.margin": broken });
    const result = await run(["check", "--format", "json", "broken.margin"], dir);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as Array<{
      code: string;
      file: string;
      start: { line: number; column: number };
    }>;
    expect(
      parsed.some((d) => /^MB1\d{3}$/.test(d.code) && d.file === "broken.margin" && d.start.line === 3),
    ).toBe(true);
    expect(result.stderr).toMatch(/errors?, \d+ warnings? in 1 file\n$/);
  });

  it("prints a SARIF 2.1.0 log with --format sarif", async () => {
    const dir = workspace({ "broken.margin": broken });
    const result = await run(["check", "broken.margin", "--format=sarif"], dir);
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout);
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].tool.driver).toMatchObject({ name: "marginbook", version: packageVersion });
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe("broken.margin");
  });

  it("reads the base of `extends` through the file system, and reports a missing one", async () => {
    const product = clean.replace(
      "  currency USDT\n",
      '  currency USDT\n  extends "../base/missing.margin"\n',
    );
    const dir = workspace({ "rules/product.margin": product });
    const result = await run(["check", "rules/product.margin"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error MB2015: cannot read the base rulebook `..\/base\/missing.margin`/);
  });

  it("honours --no-color", async () => {
    const dir = workspace({ "broken.margin": broken });
    let stdout = "";
    const io = { stdout: (t: string) => void (stdout += t), stderr: () => {}, cwd: dir, color: true };
    await runCli(["check", "broken.margin"], io);
    expect(stdout).toContain("\x1b[");
    stdout = "";
    await runCli(["check", "--no-color", "broken.margin"], io);
    expect(stdout).not.toContain("\x1b[");
  });
});

describe("usage errors exit 2 with one clear line and no stack trace", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["an unknown flag", ["check", "--bogus", "x.margin"], /unknown option '--bogus'/],
    ["a missing path", ["check"], /missing path/],
    [
      "a path that does not exist",
      ["check", "nowhere/at-all.margin"],
      /path not found: nowhere\/at-all\.margin/,
    ],
    ["an unknown format", ["check", "--format", "xml", "rules"], /unknown format 'xml'/],
    ["a flag without its value", ["check", "rules", "--format"], /option '--format.*' needs a value/],
    ["an unknown command", ["chek", "rules"], /unknown command 'chek'/],
    [
      "an option given twice",
      ["eval", "rules/clean.margin", "--input", "a.yaml", "--input", "b.yaml"],
      /option '--input' is given twice: give it once/,
    ],
    [
      "--max-difference without --arithmetic both",
      ["test", "rules", "--max-difference", "0.01"],
      /--max-difference bounds the cross-check of --arithmetic both: give both/,
    ],
    [
      "a negative number where a count is expected",
      ["verify", "rules", "--budget", "-1"],
      /--budget must be a number of seconds above 0, up to 3600, not '-1'/,
    ],
    ["fmt without a path", ["fmt", "--check"], /missing path/],
    ["no command at all", [], /Usage: marginbook <command>/],
  ];
  it.each(cases)("%s", async (_name, argv, message) => {
    const dir = workspace({ "rules/clean.margin": clean });
    const result = await run(argv, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });
});

describe("help and version", () => {
  it.each([["check"], ["fmt"]])("%s --help describes the command and exits 0", async (name) => {
    for (const argv of [
      [name, "--help"],
      [name, "-h"],
      ["help", name],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: marginbook ${name} `);
      expect(result.stdout).toContain("-h, --help");
    }
  });

  it("--help lists the commands", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Commands:\n {2}check .*\n {2}fmt /);
  });

  it("--version prints the package version", async () => {
    expect(await run(["--version"])).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: "" });
  });
});

describe("marginbook fmt", () => {
  const formatted = formatSource(clean, "clean.margin").text;

  it("--check exits 1 and names an unformatted file, writing nothing", async () => {
    const dir = workspace({ "rules/messy.margin": unformatted, "rules/tidy.margin": formatted });
    const result = await run(["fmt", "--check", "rules"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^would reformat rules[/\\]messy\.margin$/m);
    expect(result.stdout).not.toMatch(/tidy\.margin/);
    expect(readFileSync(path.join(dir, "rules/messy.margin"), "utf8")).toBe(unformatted);
  });

  it("--check exits 0 on formatted files", async () => {
    const dir = workspace({ "rules/tidy.margin": formatted });
    const result = await run(["fmt", "--check", "rules"], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("1 file already formatted\n");
  });

  it("rewrites unformatted files in place, atomically, and lists them", async () => {
    const dir = workspace({ "rules/messy.margin": unformatted, "rules/tidy.margin": formatted });
    const result = await run(["fmt", "rules"], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^formatted rules[/\\]messy\.margin$/m);
    expect(readFileSync(path.join(dir, "rules/messy.margin"), "utf8")).toBe(formatSource(unformatted).text);
    expect(readdirSync(path.join(dir, "rules")).sort()).toEqual(["messy.margin", "tidy.margin"]); // no temp files left
    expect((await run(["fmt", "--check", "rules"], dir)).code).toBe(0);
  });

  it("reports files with syntax errors, leaves them untouched, and exits 1", async () => {
    const dir = workspace({ "broken.margin": broken });
    const result = await run(["fmt", "broken.margin"], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^broken\.margin:3:15: error MB1\d{3}: /m);
    expect(result.stdout).toContain("broken.margin: not formatted: it has syntax errors");
    expect(readFileSync(path.join(dir, "broken.margin"), "utf8")).toBe(broken);
  });
});

describe("the built executable", () => {
  const bin = path.join(root, "bin", "marginbook.js");

  beforeAll(() => {
    // `npm test` builds first; when vitest runs alone on a fresh clone, build here.
    if (existsSync(path.join(root, "dist", "cli", "check.vm.js"))) return;
    execFileSync("npm", ["run", "build"], { stdio: "pipe", cwd: root });
  }, 300_000);

  /** Runs the built executable as a process: exit code and output. */
  function runBuilt(args: string[], cwd: string): Run {
    try {
      const stdout = execFileSync(process.execPath, [bin, ...args], {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1" },
      });
      return { code: 0, stdout, stderr: "" };
    } catch (error) {
      const failed = error as { status: number; stdout: string; stderr: string };
      return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it("check (the bundled check script, with its code cache) prints what the CLI prints in-process", async () => {
    // Non-ASCII text reaches the lexer's first-character buckets above 255, which the bundled
    // Chevrotain computes on demand (scripts/bundle-chevrotain.mjs).
    const unicode = `${clean}// Привет, €, 日本\nparam fee_€ = 1 ≥ 2\n`;
    const dir = workspace({
      "clean.margin": clean,
      "rules/broken.margin": broken,
      "unicode.margin": unicode,
    });
    for (const args of [
      ["check", "clean.margin", "rules"],
      ["check", "unicode.margin"],
      ["check", "rules", "--format", "json"],
      ["check", "--help"],
      ["check", "missing.margin"],
    ]) {
      const inProcess = await run(args, dir);
      const built = runBuilt(args, dir);
      expect(built, args.join(" ")).toEqual(inProcess);
    }
  });

  it("runs from dist/src/ when the bundle is missing or older than it (tsc ran after the build)", () => {
    const dir = workspace({
      "bin/marginbook.js": readFileSync(bin, "utf8"),
      "dist/src/cli/main.js": 'export function main() { console.log("dist/src"); }\n',
      "dist/cli/main.js": 'export function main() { console.log("dist/cli"); }\n',
    });
    const copy = path.join(dir, "bin/marginbook.js");
    const main = (args: string[]) =>
      execFileSync(process.execPath, [copy, ...args], { encoding: "utf8" }).trim();
    const setTime = (file: string, seconds: number) => utimesSync(path.join(dir, file), seconds, seconds);
    setTime("dist/src/cli/main.js", 1_000);
    setTime("dist/cli/main.js", 2_000);
    expect(main(["fmt"])).toBe("dist/cli");
    setTime("dist/src/cli/main.js", 3_000);
    expect(main(["fmt"])).toBe("dist/src");
    expect(main(["check"])).toBe("dist/src");
    rmSync(path.join(dir, "dist/cli"), { recursive: true });
    expect(main(["check"])).toBe("dist/src");
  });

  it("V8 accepts the check script's code cache, made at build time", () => {
    const script = path.join(root, "dist", "cli", "check.vm.js");
    const compiled = new Script(readFileSync(script, "utf8"), {
      filename: script,
      cachedData: readFileSync(path.join(root, "dist", "cli", "check.vm.cache")),
    });
    expect(compiled.cachedDataRejected).toBe(false);
  });

  it("node bin/marginbook.js --version prints the version", () => {
    const out = execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8", cwd: root });
    expect(out).toBe(`${packageVersion}\n`);
  });
});
