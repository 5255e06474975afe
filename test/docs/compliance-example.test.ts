/**
 * Runs the worked example of docs/compliance.md ("from a commit to an engine") as written: a scratch
 * git repository, a tier change that the CI gate (docs/examples/ci.sh, `diff --impact --fail-on
 * warning`) refuses until the version is bumped, a review record naming both commits and hashes, a
 * signed artifact, and an engine that accepts it with two approvals from two keys and not with one.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/rulebooks.js";

const work = mkdtempSync(path.join(tmpdir(), "marginbook-compliance-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The shell block between the worked-example markers. */
function workedExample(): string {
  const doc = readFileSync(path.join(ROOT, "docs/compliance.md"), "utf8");
  const match = /<!-- worked-example:start -->\n```sh\n([\s\S]*?)```\n<!-- worked-example:end -->/.exec(doc);
  if (!match) throw new Error("docs/compliance.md has no worked example between its markers");
  return match[1]!;
}

describe("the worked example of docs/compliance.md", () => {
  it.skipIf(!existsSync(path.join(ROOT, "dist/src/runtime/node.js")))(
    "runs from a commit to an engine",
    () => {
      // `marginbook` on the PATH, and `import "marginbook/runtime/node"` resolving to this checkout.
      const bin = path.join(work, "bin");
      mkdirSync(bin);
      writeFileSync(
        path.join(bin, "marginbook"),
        `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, "bin/marginbook.js")}" "$@"\n`,
      );
      chmodSync(path.join(bin, "marginbook"), 0o755);
      mkdirSync(path.join(work, "node_modules"));
      symlinkSync(ROOT, path.join(work, "node_modules/marginbook"));
      const run = spawnSync("bash", ["-c", workedExample()], {
        cwd: work,
        encoding: "utf8",
        env: {
          ...process.env,
          PATH: `${bin}:${path.dirname(process.execPath)}:${process.env["PATH"]}`,
          MARGINBOOK_REPO: ROOT,
          NO_COLOR: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
        },
      });
      const gate = existsSync(path.join(work, "review/gate.log"))
        ? readFileSync(path.join(work, "review/gate.log"), "utf8")
        : "";
      expect(run.status, `${run.stdout}\n${run.stderr}\n${gate}`).toBe(0);
      const lines = run.stdout.trim().split("\n");
      expect(lines[0]).toBe("MB7001");
      expect(lines[1]).toBe("gate passed");
      const record = JSON.parse(readFileSync(path.join(work, "review/review.json"), "utf8")).record;
      const git = (...args: string[]) =>
        spawnSync("git", args, { cwd: path.join(work, "review"), encoding: "utf8" }).stdout.trim();
      expect(record.old.commit).toBe(git("rev-list", "--max-parents=0", "HEAD"));
      expect(record.new.commit).toBe(git("rev-parse", "HEAD"));
      expect(record).toMatchObject({
        reviewer: "Carol Reviewer",
        old: { path: "rules/binance-btcusdt-perp.margin", dirty: false },
        referenceSet: { kind: "file", size: expect.any(Number) },
      });
      const artifact = JSON.parse(readFileSync(path.join(work, "review/artifacts/btc-1.1.0.json"), "utf8"));
      expect(record.new.irHash).toBe(artifact.irHash);
      expect(record.old.irHash).not.toBe(artifact.irHash);
      expect(artifact.provenance).toEqual({
        path: "rules/binance-btcusdt-perp.margin",
        commit: record.new.commit,
      });
      expect(lines[2]).toBe("wrote the report to review.json");
      expect(lines[3]).toMatch(
        /^review by Carol Reviewer: [0-9a-f]{12} sha256:[0-9a-f]{12}\.\.\. -> [0-9a-f]{12} sha256:[0-9a-f]{12}\.\.\. on \d+ positions$/,
      );
      expect(lines.at(-2)).toMatch(
        /^refused MB6164: .* needs 2 approvals from distinct trusted keys other than its signer's; it has 1 \(by alice\.pub\)$/,
      );
      expect(lines.at(-1)).toBe("loaded BTCUSDT perpetual 1.1.0, approved by Alice and Bob");
    },
    180_000,
  );
});
