/**
 * Completion: each row puts the cursor somewhere in a real rulebook (after an edit) and lists
 * labels that must be offered first, in order or as a set.
 */
import { describe, expect, it } from "vitest";
import { completeAt } from "../../src/service/completion.js";
import { keywordWords } from "../../grammar/tokens.js";
import { atCursor, edit, mark, rule } from "./support.js";

const btc = rule("binance-btcusdt-perp.margin");
const credits = rule("cme-spread-credits.margin");
const NOTIONAL = "let notional: USDT = position.size * position.mark";

function complete(text: string) {
  const { source, offset, result } = atCursor(text);
  return completeAt(result, source, offset);
}

/** The labels in the order the editor shows them (by sort text). */
function labels(text: string): string[] {
  return [...complete(text).items].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((i) => i.label);
}

describe("completion", () => {
  const memberCases: [string, string, string[]][] = [
    [
      "an input's fields after `position.`",
      mark(edit(btc, NOTIONAL, "let notional: USDT = position.size * position."), "* position.", 11),
      ["size", "mark", "side"],
    ],
    [
      "a tier row's columns after `brackets(notional).`",
      mark(edit(btc, "brackets(notional).imr", "brackets(notional)."), "brackets(notional).", 19),
      ["imr", "mmr", "max_leverage", "tier", "lower", "upper"],
    ],
    [
      "a tier table's methods after `brackets.`",
      mark(edit(btc, "brackets.margin(notional, mmr) round", "brackets. round"), "brackets. round", 9),
      ["deduction", "margin"],
    ],
    [
      "the columns in `brackets.margin(x, ‸)`",
      mark(
        edit(btc, "brackets.margin(notional, mmr) round", "brackets.margin(notional, ) round"),
        "(notional, )",
        11,
      ),
      ["imr", "max_leverage", "mmr"],
    ],
    [
      "an enum's members after `Side.`",
      mark(edit(btc, "cap im_rate at 100%", "cap im_rate at 100% when position.side == Side."), "Side.\n", 5),
      ["long", "short"],
    ],
    [
      "a comprehension variable's fields after `l.`",
      mark(edit(credits, "where l.commodity == corn", "where l."), "where l.", 8),
      ["commodity", "lots"],
    ],
  ];
  it.each(memberCases)("offers %s", (_, text, expected) => {
    expect(labels(text)).toEqual(expected);
  });

  it("gives each field its type, and a record field its documentation", () => {
    const items = complete(
      mark(edit(btc, NOTIONAL, "let notional: USDT = position.size * position."), "* position.", 11),
    ).items;
    expect(items.map((i) => `${i.label}: ${i.detail}`)).toEqual([
      "size: Quantity",
      "mark: USDT / Quantity",
      "side: Side",
    ]);
  });

  it("replaces the part of the name already typed", () => {
    const { source, offset, result } = atCursor(
      mark(edit(btc, NOTIONAL, "let notional: USDT = position.si * position.mark"), "position.si", 11),
    );
    const completion = completeAt(result, source, offset);
    expect(source.slice(completion.replace.start, completion.replace.end)).toBe("si");
    expect(completion.items.map((i) => i.label)).toContain("size");
  });

  it("offers the quantities first after a step verb, then names, enum members, functions and keywords", () => {
    const list = complete(
      mark(edit(btc, "cap im_rate at 100%", "cap im_rate at 100%\n  cap "), "  cap \n", 6),
    ).items;
    const sorted = [...list].sort((a, b) => a.sortText.localeCompare(b.sortText));
    expect(sorted[0]).toMatchObject({ label: "im_rate", kind: "quantity", detail: "quantity im_rate: Rate" });
    const byLabel = new Map(list.map((i) => [i.label, i]));
    expect(byLabel.get("vol_threshold")).toMatchObject({
      kind: "param",
      detail: "param vol_threshold: Rate = 80%",
    });
    expect(byLabel.get("notional")).toMatchObject({
      kind: "let",
      detail: "let notional: USDT",
      documentation: expect.stringContaining("Position notional in USDT."),
    });
    expect(byLabel.get("sqrt")).toMatchObject({
      kind: "function",
      detail: "sqrt(x: Number) -> Number",
      insertText: "sqrt($0)",
      snippet: true,
    });
    expect(byLabel.get("long")).toMatchObject({ kind: "enum-member", detail: "Side.long" });
    for (const word of keywordWords) expect(byLabel.get(word)?.kind, word).toBe("keyword");
  });

  it("offers types after a colon", () => {
    const names = labels(mark(edit(btc, NOTIONAL, "let notional: U"), "notional: U", 11));
    expect(names).toEqual(expect.arrayContaining(["Quantity", "Rate", "Price", "Side", "USDT"]));
    expect(names).not.toContain("notional");
  });

  it("offers declarations at the start of a top-level line", () => {
    const items = complete(mark(btc, "rule ceiling", 0)).items.filter((i) => i.kind === "snippet");
    expect(items.map((i) => i.label)).toEqual(
      expect.arrayContaining(["param", "let", "rule", "tiers", "output", "input", "assert"]),
    );
  });

  it("offers nothing inside a comment or a string", () => {
    expect(complete(mark(btc, "Position notional in USDT", 9)).items).toEqual([]);
    expect(complete(mark(btc, "Derivatives risk", 4)).items).toEqual([]);
  });
});
