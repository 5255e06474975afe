/**
 * Reproducible artifacts and their provenance: the same rulebook compiled from three folders gives
 * the same bytes; a rebuilt artifact of a loaded version is the same version to the registry;
 * uncommitted changes are recorded and refused for signing unless allowed; `file@rev` compiles a
 * committed version; `inspect` shows the provenance; `diff --fail-on` gates.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";
import { RulebookRegistry } from "../../src/runtime/index.js";
import { ROOT } from "../support/rulebooks.js";
import { binanceVersion } from "../support/signed-artifacts.js";

const work = mkdtempSync(path.join(tmpdir(), "marginbook-provenance-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(argv, cwd);
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "A",
      GIT_AUTHOR_EMAIL: "a@example.com",
      GIT_COMMITTER_NAME: "A",
      GIT_COMMITTER_EMAIL: "a@example.com",
    },
  }).trim();

describe("reproducible artifacts", () => {
  it("compiling from the repository root, from rules/ and from /tmp with an absolute path gives the same bytes", async () => {
    const outputs = [path.join(work, "a.json"), path.join(work, "b.json"), path.join(work, "c.json")];
    expect((await cli(["compile", "rules/binance-btcusdt-perp.margin", "-o", outputs[0]!], ROOT)).code).toBe(
      0,
    );
    expect(
      (await cli(["compile", "binance-btcusdt-perp.margin", "-o", outputs[1]!], path.join(ROOT, "rules")))
        .code,
    ).toBe(0);
    expect(
      (
        await cli(
          ["compile", path.join(ROOT, "rules/binance-btcusdt-perp.margin"), "-o", outputs[2]!],
          tmpdir(),
        )
      ).code,
    ).toBe(0);
    const [a, b, c] = outputs.map((f) => readFileSync(f, "utf8"));
    expect(b).toBe(a);
    expect(c).toBe(a);
    const artifact = JSON.parse(a!);
    expect(artifact.ir.meta.file).toMatch(/^(rules\/)?binance-btcusdt-perp\.margin$/);
    expect(artifact.provenance.path).toBe(artifact.ir.meta.file);
    // The registry takes a rebuilt artifact of a version it holds as that version.
    const registry = new RulebookRegistry({ allowUnsigned: true });
    await registry.add(a);
    expect(await registry.tryAdd(c)).toMatchObject({ ok: true, added: false });
  });
});

describe("reproducible artifacts of a rulebook with imports", () => {
  const book = "multi-asset-total.margin";
  const imported = ["finra-4210-short-options.margin", "cme-calendar-spreads.margin", "ftx-sqrt-imf.margin"];

  it("gives the same bytes from any folder, and records each import with the irHash of its own artifact", async () => {
    const outputs = ["root", "rules", "tmp"].map((name) => path.join(work, `imports-${name}.json`));
    expect((await cli(["compile", `rules/${book}`, "-o", outputs[0]!], ROOT)).code).toBe(0);
    expect((await cli(["compile", book, "-o", outputs[1]!], path.join(ROOT, "rules"))).code).toBe(0);
    expect((await cli(["compile", path.join(ROOT, "rules", book), "-o", outputs[2]!], tmpdir())).code).toBe(
      0,
    );
    const [a, b, c] = outputs.map((f) => readFileSync(f, "utf8"));
    expect(b).toBe(a);
    expect(c).toBe(a);
    const imports = JSON.parse(a!).ir.meta.imports as { path: string; irHash: string }[];
    expect(imports.map((i) => i.path)).toEqual(imported.map((f) => `./${f}`));
    for (const [i, file] of imported.entries()) {
      const own = path.join(work, `imported-${i}.json`);
      expect((await cli(["compile", file, "-o", own], path.join(ROOT, "rules"))).code).toBe(0);
      expect(imports[i]!.irHash).toBe(JSON.parse(readFileSync(own, "utf8")).irHash);
    }
  });

  it("two copies of the books in folders of different names compile alike, and diff finds no change", async () => {
    const copies = ["books-a", "books-b"].map((name) => path.join(work, name));
    for (const folder of copies) {
      mkdirSync(folder);
      for (const file of [book, ...imported])
        copyFileSync(path.join(ROOT, "rules", file), path.join(folder, file));
    }
    const outputs = copies.map((folder) => path.join(folder, "artifact.json"));
    for (const [i, folder] of copies.entries())
      expect((await cli(["compile", path.join(folder, book), "-o", outputs[i]!], work)).code).toBe(0);
    expect(readFileSync(outputs[1]!, "utf8")).toBe(readFileSync(outputs[0]!, "utf8"));
    const diff = await cli(["diff", `books-a/${book}`, `books-b/${book}`], work);
    expect(diff.stdout).toContain("no change");
    expect(diff.stdout).not.toMatch(/compiles differently|behaviour changed/);
    expect(diff.code).toBe(0);
  });
});

describe("provenance in a git repository", () => {
  const repo = path.join(work, "repo");

  it("records the commit and uncommitted changes, refuses to sign those unless allowed, and compiles file@rev", async () => {
    mkdirSync(path.join(repo, "rules"), { recursive: true });
    git(repo, "init", "-q");
    writeFileSync(path.join(repo, "rules/btc.margin"), binanceVersion("1.0.0", "2026-01-01T00:00:00Z"));
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "1.0.0");
    const first = git(repo, "rev-parse", "HEAD");
    expect((await cli(["keygen", "--out", "release"], work)).code).toBe(0);
    const key = path.join(work, "release.key");

    const signedClean = await cli(["compile", "rules/btc.margin", "--sign", key, "-o", "clean.json"], repo);
    expect(signedClean.code, signedClean.stderr).toBe(0);
    const clean = JSON.parse(readFileSync(path.join(repo, "clean.json"), "utf8"));
    expect(clean.provenance).toEqual({ path: "rules/btc.margin", commit: first });
    expect(clean.signature.signedAt).toMatch(/^\d{4}-/);

    writeFileSync(
      path.join(repo, "rules/btc.margin"),
      binanceVersion("1.1.0", "2026-06-01T00:00:00Z", "70%"),
    );
    const refused = await cli(["compile", "rules/btc.margin", "--sign", key, "-o", "dirty.json"], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("rules/btc.margin has uncommitted changes: commit them first");
    expect(
      (await cli(["compile", "rules/btc.margin", "--sign", key, "--allow-dirty", "-o", "dirty.json"], repo))
        .code,
    ).toBe(0);
    expect(JSON.parse(readFileSync(path.join(repo, "dirty.json"), "utf8")).provenance).toEqual({
      path: "rules/btc.margin",
      commit: first,
      dirty: true,
    });

    // The committed version, compiled while the working file has changed, is the clean artifact's IR.
    const atRev = await cli(["compile", "btc.margin@HEAD", "-o", "at-head.json"], path.join(repo, "rules"));
    expect(atRev.code).toBe(0);
    expect(atRev.stdout).toContain(`at ${first.slice(0, 12)}`);
    const rebuilt = JSON.parse(readFileSync(path.join(repo, "rules/at-head.json"), "utf8"));
    expect(rebuilt.irHash).toBe(clean.irHash);
    expect(rebuilt.provenance).toEqual({ path: "rules/btc.margin", commit: first });
    expect((await cli(["compile", "rules/btc.margin@no-such-rev", "-o", "x.json"], repo)).code).toBe(2);

    const inspected = await cli(["inspect", "clean.json", "--trust", path.join(work, "release.pub")], repo);
    expect(inspected.stdout).toContain("  source file  rules/btc.margin");
    expect(inspected.stdout).toContain(`  commit       ${first}`);
    expect(inspected.stdout).toMatch(
      /signature {4}valid, by trusted key sha256:[0-9a-f]{64} \(release\.pub\), signed at \d{4}-/,
    );
  });

  it("diff takes a compiled artifact as the version that is live: its source at its commit", async () => {
    const first = git(repo, "rev-parse", "HEAD").slice(0, 12);
    const live = await cli(["diff", "clean.json", "rules/btc.margin"], repo);
    expect(live.stderr).toBe(
      `clean.json (BTCUSDT perpetual 1.0.0) was compiled from rules/btc.margin at ${first}: comparing that source\n`,
    );
    expect(live.stdout.split("\n")[0]).toMatch(
      new RegExp(
        `^rules/btc\\.margin@${first} \\(1\\.0\\.0\\) -> rules/btc\\.margin \\(1\\.1\\.0\\): \\d+ changes?; behaviour changed`,
      ),
    );
    expect(live.code).toBe(0);
    // Compiled with uncommitted changes: the commit's file is not its source.
    const dirty = await cli(["diff", "dirty.json", "rules/btc.margin"], repo);
    expect(dirty.stderr).toContain(
      `dirty.json (BTCUSDT perpetual 1.1.0): rules/btc.margin at ${first} is not the source it was compiled from (its hash differs)`,
    );
    expect(dirty.code).toBe(2);
  });

  it("diff --fail-on warning fails on version discipline warnings; the default does not", async () => {
    copyFileSync(path.join(repo, "rules/btc.margin"), path.join(work, "changed.margin"));
    writeFileSync(path.join(work, "changed.margin"), binanceVersion("1.0.0", "2026-01-01T00:00:00Z", "70%"));
    const args = ["diff", path.join(repo, "rules/btc.margin") + "@HEAD", path.join(work, "changed.margin")];
    expect((await cli(args, work)).code).toBe(0);
    const gated = await cli([...args, "--fail-on", "warning"], work);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/version-discipline warnings? \(MB7001.*\) with --fail-on warning: failing/);
    expect((await cli([...args, "--fail-on", "never"], work)).code).toBe(2);
  });
});
