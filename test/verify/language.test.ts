/**
 * The `verify` declaration through the front end: parsing (its words are contextual), the AST, the
 * formatter, the semantic diff, and the lowering to the IR's `properties`.
 */
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { printIr } from "../../src/compile/print-ir.js";
import { semanticDiff } from "../../src/review/semantic-diff.js";
import { checkRulebook } from "../../src/service/language-service.js";
import type { VerifyDecl } from "../../src/syntax/ast.js";
import { formatSource } from "../../src/syntax/format.js";
import { parseRulebook } from "../../src/syntax/parse.js";
import { compileIr } from "../support/rulebooks.js";

const HEAD =
  'rulebook "V" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT\n\ninput position { size: Quantity > 0, mark: Price > 0 }\n\n';
const BODY =
  "let notional: USDT = position.size * position.mark\noutput im: USDT = notional * 2% round up to 0.01\noutput mm: USDT = notional * 1% round up to 0.01\n";

function verifyDecls(source: string): VerifyDecl[] {
  const { ast, diagnostics } = parseRulebook(source);
  expect(diagnostics).toEqual([]);
  return ast.declarations.filter((d): d is VerifyDecl => d.kind === "VerifyDecl");
}

describe("parsing", () => {
  it("reads invariants and the four property forms, with their messages", () => {
    const decls = verifyDecls(`${HEAD}${BODY}
verify im >= mm "IM covers MM"
verify nonnegative im, mm
verify nondecreasing im, mm in position.size
verify nonincreasing im in position.mark "cheaper"
verify continuous mm in position.size
`);
    expect(decls.map((d) => [d.property, d.targets.map((t) => t.text), d.message])).toEqual([
      ["invariant", [], "IM covers MM"],
      ["nonnegative", ["im", "mm"], undefined],
      ["nondecreasing", ["im", "mm"], undefined],
      ["nonincreasing", ["im"], "cheaper"],
      ["continuous", ["mm"], undefined],
    ]);
    expect(decls[2]!.variable).toMatchObject({ kind: "MemberExpr", member: { text: "size" } });
  });

  it("keeps its words contextual: values may be named verify, continuous or nonnegative", () => {
    const source = `${HEAD}${BODY}let verify = im >= mm\nlet nonnegative = mm >= 0 USDT\nlet continuous = 1\nverify nonnegative\nverify nonnegative == verify\nverify continuous >= 0\n`;
    const result = checkRulebook(source, "v.margin");
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(verifyDecls(source).map((d) => d.property)).toEqual(["invariant", "invariant", "invariant"]);
  });
});

describe("the formatter", () => {
  it("prints every form canonically and is stable", () => {
    const messy = `${HEAD}${BODY}verify   im>=mm   "IM covers MM"\nverify nondecreasing im ,mm in position . size\nverify nonnegative im,mm\n`;
    const once = formatSource(messy).text;
    expect(once).toContain(
      'verify im >= mm "IM covers MM"\nverify nondecreasing im, mm in position.size\nverify nonnegative im, mm\n',
    );
    expect(formatSource(once).changed).toBe(false);
  });
});

describe("the semantic diff", () => {
  it("lists verify declarations added or removed, as patch-level changes that change no result", () => {
    const before = `${HEAD}${BODY}verify nonnegative im\n`;
    const after = `${HEAD}${BODY}verify nonnegative im\nverify continuous mm in position.size\n`;
    const diff = semanticDiff(before, after);
    expect(diff.changes).toMatchObject([
      { subject: "verify", action: "added", name: "verify continuous mm in position.size", impact: "patch" },
    ]);
    expect(diff.behaviourChanged).toBe(false);
  });
});

describe("lowering", () => {
  it("puts the properties in the IR (targets as slots, the variable as an input path) and prints them", () => {
    const source = `${HEAD}${BODY}verify im >= mm "IM covers MM"\nverify nondecreasing im, mm in position.size\n`;
    const checked = checkRulebook(source, "v.margin").checked;
    const ir = lowerRulebook(checked, { source: () => source });
    const slot = (name: string): number => ir.slots.findIndex((s) => s.name === name);
    expect(ir.properties).toMatchObject([
      {
        kind: "invariant",
        targets: [],
        message: "IM covers MM",
        text: "verify im >= mm",
        condition: { k: "binary", op: ">=" },
      },
      {
        kind: "nondecreasing",
        targets: [slot("im"), slot("mm")],
        variable: ["position", "size"],
        text: "verify nondecreasing im, mm in position.size",
      },
    ]);
    expect(printIr(ir)).toContain(
      'properties\n  1. invariant (im >= mm) "IM covers MM"  // line 8\n  2. nondecreasing im, mm in in.position.size  // line 9\n',
    );
  });

  it("leaves `properties` out of the IR of a rulebook without verify declarations", () => {
    const checked = checkRulebook(`${HEAD}${BODY}`, "v.margin").checked;
    expect("properties" in lowerRulebook(checked)).toBe(false);
  });

  it("inherits the base's properties through `extends`", () => {
    const eth = compileIr("rules/binance-ethusdt-perp.margin");
    expect(eth.properties?.map((p) => p.text)).toContain(
      "verify continuous maintenance_margin in position.size",
    );
  });
});
