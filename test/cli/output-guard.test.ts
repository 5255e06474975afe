/**
 * No command writes its output over a file it reads: `compile x.margin -o x.margin` replaced the
 * rulebook with its artifact, `diff old new --out new` with the report. Each is refused as a usage
 * error (exit 2) and leaves the file as it was, whatever the output's spelling (`./x`, a symbolic
 * link). A symbolic link given to `fmt` is formatted through: the target changes, the link stays.
 */
import {
  copyFileSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCaptured } from "../support/cli.js";

const root = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "marginbook-output-guard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const book = "book.margin";
copyFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), path.join(dir, book));
copyFileSync(path.join(root, "rules/binance-btcusdt-perp.margin"), path.join(dir, "old.margin"));
symlinkSync(book, path.join(dir, "link.margin"));
const original = readFileSync(path.join(dir, book), "utf8");

async function refused(argv: string[], what: string): Promise<void> {
  const run = await runCaptured(argv, dir);
  expect(run.stderr).toContain(`it is ${what}, which this command reads (give another output file)`);
  expect(run.code).toBe(2);
}

describe("an output over an input", { timeout: 60_000 }, () => {
  it("is refused by compile, compile --target sql and diff --out, and the rulebook is unchanged", async () => {
    await refused(["compile", book, "-o", book], "the rulebook");
    await refused(["compile", book, "-o", `./${book}`, "--target", "sql"], "the rulebook");
    await refused(["compile", book, "-o", "link.margin"], "the rulebook");
    await refused(["diff", "old.margin", book, "--out", book], "the new rulebook");
    await refused(["diff", "old.margin", book, "--out", "old.margin"], "the old rulebook");
    expect(readFileSync(path.join(dir, book), "utf8")).toBe(original);
    expect(readFileSync(path.join(dir, "old.margin"), "utf8")).toBe(original);
    // A different file is written as before.
    expect((await runCaptured(["compile", book, "-o", "book.json"], dir)).code).toBe(0);
  });

  it("is refused by approve -o and batch --output, and the artifact and the rows are unchanged", async () => {
    expect((await runCaptured(["compile", book, "-o", "artifact.json"], dir)).code).toBe(0);
    expect((await runCaptured(["keygen", "--out", "alice"], dir)).code).toBe(0);
    const artifact = readFileSync(path.join(dir, "artifact.json"), "utf8");
    await refused(["approve", "artifact.json", "--key", "alice.key", "-o", "artifact.json"], "the artifact");
    await refused(["approve", "artifact.json", "--key", "alice.key", "-o", "alice.key"], "the key");
    expect(readFileSync(path.join(dir, "artifact.json"), "utf8")).toBe(artifact);
    const rows = '{"position":{"size":1,"mark":30000,"side":"long"},"market":{"vol_30d":0.5,"adv":2e9}}\n';
    writeFileSync(path.join(dir, "rows.jsonl"), rows);
    await refused(
      ["batch", book, "--input", "rows.jsonl", "--output", "rows.jsonl", "--engine", "js"],
      "the --input rows",
    );
    expect(readFileSync(path.join(dir, "rows.jsonl"), "utf8")).toBe(rows);
  });

  it("fmt formats the target of a symbolic link and keeps the link", async () => {
    writeFileSync(
      path.join(dir, "messy.margin"),
      original.replace("let notional: USDT =", "let   notional: USDT ="),
    );
    symlinkSync("messy.margin", path.join(dir, "messy-link.margin"));
    const run = await runCaptured(["fmt", "messy-link.margin"], dir);
    expect(run.code).toBe(0);
    expect(lstatSync(path.join(dir, "messy-link.margin")).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, "messy.margin"), "utf8")).toContain("let notional: USDT =");
  });
});
