/**
 * Incremental checking gives exactly what `checkRulebook` gives (diagnostics and tree), on every
 * bundled rulebook and diagnostics fixture, and after random edits of them; and it parses again
 * only what changed.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeSourceHost } from "../../src/node/source-host.js";
import { createCheckService } from "../../src/service/check-service.js";
import { IncrementalChecker, splitChunks } from "../../src/service/incremental.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { edit, root, rule } from "./support.js";

const corpus = [
  ...readdirSync(path.join(root, "rules"))
    .filter((f) => f.endsWith(".margin"))
    .map((f) => path.join("rules", f)),
  ...readdirSync(path.join(root, "test/diagnostics"))
    .filter((f) => f.endsWith(".margin"))
    .map((f) => path.join("test/diagnostics", f)),
];

/** What must be identical: every diagnostic and the whole tree. */
function snapshot(result: ReturnType<typeof checkRulebook>): string {
  return JSON.stringify({ diagnostics: result.diagnostics, ast: result.ast });
}

/** A small deterministic random number generator (tests must not flake). */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const INSERTIONS = [
  "",
  "x",
  "(",
  ")",
  "{",
  "}",
  "let",
  "\n",
  " + ",
  ".",
  "rule r {",
  '"',
  "//",
  "///",
  "1%",
  "USD",
  "param p = ",
  "\nlet q = 1\n",
  "\n\n",
  "]",
];

describe("incremental checking", () => {
  it.each(corpus)("matches a full check of %s, and of 30 random edits of it", (file) => {
    const source = readFileSync(path.join(root, file), "utf8");
    const checker = new IncrementalChecker();
    const next = random(source.length);
    expect(snapshot(checker.check(source, "f.margin"))).toBe(snapshot(checkRulebook(source, "f.margin")));
    for (let i = 0; i < 30; i++) {
      const at = Math.floor(next() * source.length);
      const edited =
        source.slice(0, at) +
        INSERTIONS[Math.floor(next() * INSERTIONS.length)] +
        source.slice(at + Math.floor(next() * 4));
      expect(snapshot(checker.check(edited, "f.margin")), `edit at ${at}`).toBe(
        snapshot(checkRulebook(edited, "f.margin")),
      );
    }
  });

  it("parses again only the declaration that changed", () => {
    const source = rule("binance-btcusdt-perp.margin");
    const checker = new IncrementalChecker();
    checker.check(source, "b.margin");
    const chunks = checker.stats.chunks;
    checker.check(edit(source, "param vol_slope = 0.5", "param vol_slope = 0.55"), "b.margin");
    expect(checker.stats).toEqual({ chunks, parsed: 1, wholeFile: false });
    // A syntax error: that declaration is parsed together with the next one.
    checker.check(edit(source, "param vol_slope = 0.5", "param vol_slope = "), "b.margin");
    expect(checker.stats).toMatchObject({ parsed: 2, wholeFile: false });
  });

  it("checks a rulebook that extends another whole", () => {
    const checker = new IncrementalChecker();
    checker.check(rule("binance-ethusdt-perp.margin"), "e.margin");
    expect(checker.stats.wholeFile).toBe(true);
  });

  it("cuts before each top-level declaration, with the comments just above it", () => {
    const source = [
      'rulebook "R"',
      "  version 1.0.0",
      "",
      "// a note",
      "/// The doc.",
      "param a = 1",
      "rule r {",
      "  set q = (1",
      "  )",
      "  let_like = 2",
      "}",
      "let b = 2",
      "fn f(x: Number): Number = x",
      "table t by k: Text {",
      "  columns c: Number",
      "  default: f(1)",
      "}",
      "verify nonnegative b",
      "",
    ].join("\n");
    const chunks = splitChunks(source).map((c) => source.slice(c.start, c.end));
    expect(chunks).toEqual([
      'rulebook "R"\n  version 1.0.0\n',
      "\n// a note\n/// The doc.\nparam a = 1\n",
      "rule r {\n  set q = (1\n  )\n  let_like = 2\n}\n",
      "let b = 2\n",
      "fn f(x: Number): Number = x\n",
      "table t by k: Text {\n  columns c: Number\n  default: f(1)\n}\n",
      "verify nonnegative b\n",
    ]);
  });
});

describe("a check service that does not check incrementally (marginbook check)", () => {
  it("reports what the incremental one reports, on every rulebook and fixture, and after an edit", () => {
    const host = nodeSourceHost(root);
    const whole = createCheckService(host, { incremental: false });
    const incremental = createCheckService(host);
    for (const file of corpus) {
      const source = readFileSync(path.join(root, file), "utf8");
      expect(snapshot(whole.check(file)), file).toBe(snapshot(incremental.check(file)));
      const middle = Math.floor(source.length / 2);
      const edited = `${source.slice(0, middle)}(${source.slice(middle)}`;
      whole.open(file, edited);
      incremental.open(file, edited);
      expect(snapshot(whole.check(file)), `${file}, edited`).toBe(snapshot(incremental.check(file)));
      expect(whole.stats(file).wholeFile).toBe(true);
    }
  });
});
