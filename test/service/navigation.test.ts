/**
 * Navigation: the outline, references that follow Go to Definition's scoping, and renames that are
 * refused when they would break the rulebook or its tests.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkRulebook } from "../../src/service/language-service.js";
import { referencesAt, renameAt, symbolsOf } from "../../src/service/navigation.js";
import { TEMPLATES, rulebookFileName } from "../../src/service/templates.js";
import { buildPreview } from "../../src/service/preview.js";

const BTC = readFileSync(path.resolve(__dirname, "../../rules/binance-btcusdt-perp.margin"), "utf8");
const result = checkRulebook(BTC, "btc.margin");
const at = (needle: string, plus = 0): number => BTC.indexOf(needle) + plus;

describe("navigation", () => {
  it("lists the declarations for the outline", () => {
    const symbols = symbolsOf(result);
    expect(symbols.map((s) => `${s.kind} ${s.name}`)).toEqual(
      expect.arrayContaining([
        "input position",
        "param vol_threshold",
        "tiers brackets",
        "let notional",
        "rule base",
        "output initial_margin",
      ]),
    );
    const notional = symbols.find((s) => s.name === "notional")!;
    expect(BTC.slice(notional.nameSpan.start, notional.nameSpan.end)).toBe("notional");
  });

  it("finds every use of a name, declaration included, and nothing else", () => {
    const spans = referencesAt(result, BTC, at("let notional", 4));
    const uses = BTC.match(/\bnotional\b/g)!.length;
    expect(spans.length).toBeGreaterThan(3);
    expect(spans.length).toBeLessThanOrEqual(uses);
    for (const span of spans) expect(BTC.slice(span.start, span.end)).toBe("notional");
    // `notional` as the tier table's key name (`by notional: USDT`) is not the let.
    const key = at("by notional", 3);
    expect(spans.some((s) => s.start === key)).toBe(false);
  });

  it("renames a let everywhere, and the renamed rulebook checks", () => {
    const rename = renameAt(result, BTC, at("let notional", 4), "position_value");
    if (rename.refused !== undefined) throw new Error(rename.refused);
    let text = BTC;
    for (const edit of [...rename.edits].sort((a, b) => b.span.start - a.span.start))
      text = text.slice(0, edit.span.start) + edit.newText + text.slice(edit.span.end);
    expect(checkRulebook(text, "btc.margin").diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(text).toContain("let position_value: USDT = position.size * position.mark");
  });

  it("refuses a rename that would break the rulebook or its tests", () => {
    expect(renameAt(result, BTC, at("let notional", 4), "vol_threshold").refused).toMatch(
      /would break the rulebook: MB\d{4}/,
    );
    expect(renameAt(result, BTC, at("let notional", 4), "2x").refused).toMatch(/is not a name/);
    const tests = "cases:\n  - expect: { initial_margin: 1 }\n";
    expect(renameAt(result, BTC, at("output initial_margin", 7), "im", undefined, tests).refused).toMatch(
      /the test file names `initial_margin`/,
    );
  });
});

describe("rulebook templates", () => {
  for (const template of TEMPLATES) {
    it(`${template.id}: checks without errors and its test case passes`, () => {
      const text = template.rulebook("My book");
      expect(checkRulebook(text, "my-book.margin").diagnostics.filter((d) => d.severity === "error")).toEqual(
        [],
      );
      const preview = buildPreview(text, "my-book.margin", { tests: template.tests("my-book.margin") });
      expect(preview.tests).toMatchObject({ failed: 0, problems: [] });
      expect(preview.tests!.passed).toBeGreaterThan(0);
    });
  }

  it("makes a file name of what the user typed", () => {
    expect(rulebookFileName("Desk Perpetual v2")).toBe("desk-perpetual-v2.margin");
    expect(rulebookFileName(" ../x.margin ")).toBe("x.margin");
    expect(rulebookFileName("***")).toBe("rulebook.margin");
  });
});
