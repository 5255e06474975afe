/**
 * docs/serve.md works as written: its marked blocks are run in order in an empty folder (with
 * `rules/` linked in, as in a clone), with `npx marginbook` meaning this checkout's CLI. The setup
 * block makes a key and a signed artifact; the server block starts the real CLI (on a free port
 * instead of 8080); the curl and Python blocks run against it and must print what the document
 * shows, 71,200.82 for the Binance worked example.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binanceExpected, tempFolder } from "../support/serve.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const cli = `node ${JSON.stringify(path.join(repo, "bin", "marginbook.js"))}`;
const markdown = readFileSync(path.join(repo, "docs", "serve.md"), "utf8");

/** The fenced blocks that follow a `<!-- serve-test: kind -->` marker, in order. */
function blocks(): { kind: string; text: string }[] {
  const found: { kind: string; text: string }[] = [];
  const pattern = /<!-- serve-test: ([\w-]+) -->\n```\w*\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(pattern)) found.push({ kind: match[1]!, text: match[2]! });
  return found;
}

const all = blocks();
const ofKind = (kind: string): string[] => all.filter((b) => b.kind === kind).map((b) => b.text);

describe("docs/serve.md", () => {
  const folder = tempFolder("mb-serve-docs-");
  let server: ChildProcess | undefined;
  let port = 0;
  const withPort = (text: string): string => text.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`);

  beforeAll(async () => {
    symlinkSync(path.join(repo, "rules"), path.join(folder, "rules"));
    for (const setup of ofKind("setup"))
      execFileSync("bash", ["-euc", setup.replaceAll("npx marginbook", cli)], { cwd: folder, stdio: "pipe" });
    const [command] = ofKind("server");
    const args = command!
      .trim()
      .replace(/^npx marginbook /, "")
      .replace("--port 8080", "--port 0")
      .split(/\s+/);
    server = spawn(process.execPath, [path.join(repo, "bin", "marginbook.js"), ...args], {
      cwd: folder,
      stdio: ["ignore", "pipe", "pipe"],
    });
    port = await new Promise<number>((resolve, reject) => {
      let out = "";
      let err = "";
      server!.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const match = /at http:\/\/127\.0\.0\.1:(\d+) \(1 version loaded\)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      server!.stderr!.on("data", (c: Buffer) => (err += c.toString()));
      server!.on("exit", (code) => reject(new Error(`marginbook serve exited with ${code}: ${err}`)));
    });
  }, 60_000);

  afterAll(() => {
    server?.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  it("has the blocks the quick start needs", () => {
    expect(all.map((b) => b.kind)).toEqual([
      "setup",
      "server",
      "curl",
      "curl-output",
      "python",
      "python-output",
      "python",
      "python-output",
    ]);
  });

  it("curl gives 71,200.82 for the Binance worked example, as shown", () => {
    const [command] = ofKind("curl");
    const output = execFileSync("bash", ["-euc", withPort(command!)], { cwd: folder, encoding: "utf8" });
    const answer = JSON.parse(output) as {
      rulebook: { name: string; version: string };
      outputs: Record<string, number>;
    };
    const shown = JSON.parse(ofKind("curl-output")[0]!) as typeof answer;
    expect(answer.outputs).toEqual(shown.outputs);
    expect(answer.outputs["maintenance_margin"]).toBe(binanceExpected["maintenance_margin"]);
    expect(answer.rulebook).toMatchObject({ name: shown.rulebook.name, version: shown.rulebook.version });
  });

  it("each Python example prints what the document shows (71,200.82 for the worked example)", () => {
    const programs = ofKind("python");
    const outputs = ofKind("python-output");
    programs.forEach((program, i) => {
      const file = path.join(folder, `example-${i}.py`);
      writeFileSync(file, withPort(program));
      const printed = execFileSync("python3", [file], { cwd: folder, encoding: "utf8" });
      expect(printed).toBe(outputs[i]);
    });
    expect(outputs[0]).toContain("71,200.82");
  });
});
