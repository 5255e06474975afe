/**
 * Front-end behaviour that golden files do not show directly: recovery, did-you-mean, the catalog,
 * and the generated CST typings staying in step with the grammar.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cstTypings } from "../../grammar/generate-cst-dts.js";
import { codeRanges, messages } from "../../src/semantics/catalog.js";
import { checkRulebook } from "../../src/service/language-service.js";

const root = resolve(import.meta.dirname, "../..");
const lineOf = (source: string, offset: number): number => source.slice(0, offset).split("\n").length;

describe("error recovery", () => {
  it("reports five unrelated mistakes as five diagnostics with their own codes, lines and columns", () => {
    const file = "test/diagnostics/five-mistakes.margin";
    const source = readFileSync(resolve(root, file), "utf8");
    const errors = checkRulebook(source, file).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => [d.code, lineOf(source, d.span.start)])).toEqual([
      ["MB1001", 7],
      ["MB3001", 11],
      ["MB2002", 14],
      ["MB1003", 18],
      ["MB3013", 18],
    ]);
    expect(new Set(errors.map((d) => d.code)).size).toBe(5);
  });

  it("suggests the field a misspelled input field was meant to be", () => {
    const source = `rulebook "t" version 1.0.0 effective 2026-12-01T00:00:00Z currency USDT
input market { vol_30d: Rate >= 0 }
output v: Rate = market.vol_3d`;
    const [d] = checkRulebook(source, "t.margin").diagnostics;
    expect(d?.code).toBe("MB2002");
    expect(d?.help).toBe("did you mean `vol_30d`?");
    expect(d?.fix?.edits[0]?.newText).toBe("vol_30d");
    expect(source.slice(d!.span.start, d!.span.end)).toBe("vol_3d");
  });

  it("never throws on arbitrary prefixes of a real rulebook", () => {
    const source = readFileSync(resolve(root, "test/diagnostics/kitchen-sink.margin"), "utf8");
    for (let end = 0; end <= source.length; end += 7) {
      const result = checkRulebook(source.slice(0, end), "prefix.margin");
      for (const d of result.diagnostics) {
        expect(d.span.start).toBeGreaterThanOrEqual(0);
        expect(d.span.end).toBeLessThanOrEqual(Math.max(end, 1));
      }
    }
  });
});

describe("the diagnostic catalog", () => {
  const specs = Object.values(messages);

  it("has unique codes, each in its stage's range", () => {
    const codes = specs.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^MB[1-7]\d{3}$/);
      expect(codeRanges.some((r) => code.startsWith(r.prefix))).toBe(true);
    }
  });

  it("has templates whose placeholders are plain names", () => {
    for (const spec of specs) {
      for (const placeholder of spec.template.match(/\{[^}]*\}/g) ?? [])
        expect(placeholder).toMatch(/^\{\w+\}$/);
    }
  });

  it("has every front-end code exercised by the golden corpus", () => {
    const dir = resolve(root, "test/diagnostics");
    const goldens = readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".errors.txt"))
      .map((name) => readFileSync(resolve(dir, name), "utf8"))
      .join("\n");
    // The resource-limit codes need inputs too big for golden files: the fuzz suite asserts them.
    const limitTests = [
      resolve(root, "test/fuzz/frontend.test.ts"),
      ...readdirSync(resolve(root, "test/hostile"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => resolve(root, "test/hostile", f)),
    ]
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const exercised = (code: string): boolean =>
      goldens.includes(` ${code}: `) || limitTests.includes(`"${code}"`);
    const missing = specs.map((s) => s.code).filter((code) => /^MB[1-4]/.test(code) && !exercised(code));
    expect(missing).toEqual([]);
  });
});

describe("generated CST typings", () => {
  it("match the grammar (run `npm run grammar:dts` after changing it)", () => {
    expect(readFileSync(resolve(root, "grammar/cst.d.ts"), "utf8")).toBe(cstTypings());
  });

  it("name no child after an Object.prototype member (CST children are plain objects: grammar/parser.ts)", () => {
    const children = [...cstTypings().matchAll(/^\s+(\w+)\??:/gm)].map((m) => m[1]!);
    expect(children.length).toBeGreaterThan(100);
    expect(children.filter((name) => name in Object.prototype)).toEqual([]);
  });
});
