/**
 * The studio page's pure helpers: numbers for people, test cases appended to a test file with its
 * comments kept, and the three-way merge of a file changed on disk.
 */
import { describe, expect, it } from "vitest";
import { appendTestCase } from "../../editor/src/test-cases.js";
import { mergeThreeWay } from "../../editor/src/merge.js";
import { formatNumber, showChange, showPercent, showValue } from "../../editor/src/numbers.js";
import { parseTestFile } from "../../src/service/test-runner.js";

describe("numbers", () => {
  it("prints shortest digits, grouped, without binary noise", () => {
    expect(formatNumber(1166814.0765399998)).toBe("1,166,814.07654");
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatNumber(-71200.811444)).toBe("-71,200.811444");
    expect(formatNumber(5e-324)).toBe("5e-324");
    expect(showValue(0.0275, "Rate")).toBe("2.75%");
    expect(showValue(175001.63, "USDT")).toBe("175,001.63 USDT");
    expect(showChange(0.0025, "Rate")).toBe("+0.25 pt");
    expect(showChange(-6250.08, "USDT")).toBe("-6,250.08 USDT");
    expect(showPercent(71200.82, 77450.9)).toBe("+8.78%");
    expect(showPercent(0, 1)).toBeUndefined();
  });

  it("shows a decimal rulebook's exact text digit for digit, grouped, with its unit", () => {
    expect(showValue("42676404056.090136", "Number")).toBe("42,676,404,056.090136");
    expect(showValue("-1234567.123456789012345678", "USDT")).toBe("-1,234,567.123456789012345678 USDT");
    expect(showValue("0.0125", "Rate")).toBe("1.25%");
    expect(showValue("0.000000000000000001", "Rate")).toBe("0.0000000000000001%");
    expect(showValue("3", "Rate")).toBe("300%");
    expect(showValue("-0.5", "Rate")).toBe("-50%");
    expect(showValue("long")).toBe("long");
  });
});

describe("appending a test case", () => {
  const file = [
    "# Worked examples (keep this comment)",
    "rulebook: x.margin",
    "cases:",
    "  - name: first",
    "    # how it was derived",
    "    input: { position: { size: 1 } }",
    "    expect: { im: 1 }",
    "",
  ].join("\n");

  it("keeps the comments and the other cases, and the file still parses", () => {
    const added = appendTestCase(file, "x.margin", {
      name: "second",
      input: { position: { size: 5, side: "long" } },
      expect: { im: 2500, call: false },
    });
    if ("error" in added) throw new Error(added.error);
    expect(added.text).toContain("# Worked examples (keep this comment)");
    expect(added.text).toContain("    # how it was derived");
    expect(added.text).toContain("position: { size: 5, side: long }");
    const parsed = parseTestFile(added.text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.file!.cases.map((c) => c.name)).toEqual(["first", "second"]);
    expect(parsed.file!.cases[1]!.expect).toEqual({ im: 2500, call: false });
  });

  it("starts a test file when there is none, and refuses a duplicate name or broken YAML", () => {
    const fresh = appendTestCase(undefined, "x.margin", { name: "a", input: { p: 1 }, expect: { o: 1 } });
    if ("error" in fresh) throw new Error(fresh.error);
    expect(parseTestFile(fresh.text).file).toMatchObject({ rulebook: "x.margin", cases: [{ name: "a" }] });
    expect(appendTestCase(file, "x.margin", { name: "first", input: {}, expect: {} })).toEqual({
      error: expect.stringContaining("exists already"),
    });
    expect(appendTestCase("cases: [\n", "x.margin", { name: "b", input: {}, expect: {} })).toEqual({
      error: expect.stringContaining("YAML error"),
    });
  });
});

describe("three-way merge", () => {
  const base = ["a", "b", "c", "d", "e"].join("\n");

  it("takes changes from both sides when they touch different lines", () => {
    const mine = ["a", "B", "c", "d", "e"].join("\n");
    const theirs = ["a", "b", "c", "D", "e", "f"].join("\n");
    expect(mergeThreeWay(base, mine, theirs)).toEqual({
      text: ["a", "B", "c", "D", "e", "f"].join("\n"),
      conflicts: 0,
    });
  });

  it("marks different changes to the same line as a conflict", () => {
    const result = mergeThreeWay(base, base.replace("c", "mine"), base.replace("c", "theirs"));
    expect(result.conflicts).toBe(1);
    expect(result.text).toBe(
      ["a", "b", "<<<<<<< yours", "mine", "=======", "theirs", ">>>>>>> on disk", "d", "e"].join("\n"),
    );
  });

  it("takes the same change once, and one side when the other did not change", () => {
    expect(mergeThreeWay(base, base.replace("c", "x"), base.replace("c", "x")).text).toBe(
      base.replace("c", "x"),
    );
    expect(mergeThreeWay(base, base, base.replace("e", "y")).text).toBe(base.replace("e", "y"));
  });
});
