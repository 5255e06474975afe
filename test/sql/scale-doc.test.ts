/**
 * Runs the local-mode commands of docs/scale.md, in order, in a scratch folder: the blocks tagged
 * `csv file=<name>` and `margin file=<name>` are written there first (with `rules/` linked to the
 * repository's), then every `npx marginbook ...` line of the blocks tagged `sh local` runs in-process
 * and must succeed. The outputs the text promises are checked too.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { ROOT } from "../support/rulebooks.js";

interface Block {
  info: string;
  body: string;
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  let open: { info: string; body: string[] } | undefined;
  for (const line of markdown.split("\n")) {
    if (!open) {
      const fence = /^```(.*)$/.exec(line);
      if (fence) open = { info: fence[1]!.trim(), body: [] };
    } else if (line === "```") {
      found.push({ info: open.info, body: open.body.join("\n") + "\n" });
      open = undefined;
    } else open.body.push(line);
  }
  return found;
}

/** Splits a command line into arguments (double-quoted arguments may hold spaces). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe("docs/scale.md", () => {
  it("its local-mode commands run as written", async () => {
    const doc = blocks(readFileSync(resolve(ROOT, "docs/scale.md"), "utf8"));
    const folder = mkdtempSync(join(tmpdir(), "marginbook-scale-doc-"));
    // A copy, not a link: `extends` may not leave the rulebook's project (a link resolves outside it).
    cpSync(resolve(ROOT, "rules"), join(folder, "rules"), { recursive: true });
    for (const block of doc) {
      const file = /^(?:csv|margin) file=(\S+)$/.exec(block.info);
      if (file) writeFileSync(join(folder, file[1]!), block.body);
    }
    const commands = doc
      .filter((b) => b.info === "sh local")
      .flatMap((b) => b.body.split("\n").filter((l) => l.startsWith("npx marginbook ")));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    const outputs: string[] = [];
    for (const command of commands) {
      let out = "";
      const code = await runCli(words(command).slice(2), {
        cwd: folder,
        stdout: (t) => (out += t),
        stderr: (t) => (out += t),
      });
      expect(code, `${command}\n${out}`).toBe(0);
      outputs.push(out);
    }
    expect(readFileSync(join(folder, "binance.sql"), "utf8")).toContain('FROM "input"');
    expect(outputs[1]).toContain("3 rows -> results.parquet: 2 evaluated, 1 failed (MB6001: 1)");
    const results = readFileSync(join(folder, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results.map((r) => [r["id"], r["maintenance_margin"], r["error"]])).toEqual([
      [1, 71200.82, null],
      [2, expect.any(Number), null],
      [3, null, "MB6001"],
    ]);
    expect(existsSync(join(folder, "results.parquet"))).toBe(true);
    expect(outputs[3]).toContain("impact on 3 inputs from positions.csv");
  }, 60_000);
});
