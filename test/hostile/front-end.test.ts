/**
 * Issue 13: hostile rulebooks at scale and depth. Each case hung, overflowed the stack, or was
 * accepted by `check` and then refused by `compile` or by engines before the fix.
 */
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { IR_LIMITS } from "../../src/ir/limits.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { checkRulebook, MAX_EXTENDS_DEPTH } from "../../src/service/language-service.js";
import { formatSource } from "../../src/syntax/format.js";
import { LIMITS } from "../../src/syntax/limits.js";

const HEADER = 'rulebook "x" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD\n';
const INPUT = "input p { a: Number }\n";

function codes(source: string): string[] {
  return checkRulebook(source, "x.margin")
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => d.code);
}

/** Checks, compiles, writes and loads a rulebook that must be clean; returns the loaded book. */
function roundTrip(source: string): ReturnType<typeof loadArtifact> {
  const result = checkRulebook(source, "x.margin");
  expect(
    result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`),
  ).toEqual([]);
  const artifact = buildArtifact(lowerRulebook(result.checked), { source, compiler: { version: "test" } });
  return loadArtifact(JSON.parse(serializeArtifact(artifact)));
}

describe("constant folding (high 3)", () => {
  it("folds a chain of 60 parameters, each the sum of the previous one twice, at once", () => {
    let source = `${HEADER}${INPUT}param p0 = 1\n`;
    for (let i = 1; i <= 60; i++) source += `param p${i} = p${i - 1} + p${i - 1}\n`;
    source += "output o: Number = p60 * p.a\n";
    expect(roundTrip(source).evaluate({ p: { a: 1 } }).outputs["o"]).toBe(2 ** 60);
  }, 30_000);

  it("reports a constant that folds to an infinity or NaN (MB3034)", () => {
    const source = `${HEADER}input p { a: Number < 1e308 * 10 }\nparam big = 1e308 * 10\nparam nan = 1e308 * 10 - 1e308 * 10\nparam root = sqrt(0 - 1)\noutput o: Number = p.a round up to pow(10, 400)\n`;
    const result = checkRulebook(source, "x.margin");
    expect(result.diagnostics.filter((d) => d.code === "MB3034").map((d) => d.message)).toEqual([
      "a domain bound is Infinity, not a finite number",
      "parameter `big` is Infinity, not a finite number",
      "parameter `nan` is NaN, not a finite number",
      "a rounding step is Infinity, not a finite number",
    ]);
    // A builtin that would raise at run time says why instead (MB3036).
    expect(result.diagnostics.filter((d) => d.code === "MB3036").map((d) => d.message)).toEqual([
      "parameter `root` has no value: `sqrt`: square root of a negative number (-1)",
    ]);
  });
});

describe("nesting is counted before the parser (medium 9)", () => {
  const elseIf = (n: number): string => {
    let e = "p.a";
    for (let i = 0; i < n; i++) e = `if p.a > ${i} then ${i} else ${e}`;
    return `${HEADER}${INPUT}output o: Number = ${e}\n`;
  };
  it("an else-if chain as deep as the limit is fine; 180 deep is MB1011, not a stack overflow", () => {
    expect(codes(elseIf(LIMITS.nesting))).toEqual([]);
    expect(codes(elseIf(180))).toEqual(["MB1011"]);
  });
  it("a table of hundreds of tokens is looked into by row: a deep cell is MB1011 in any row", () => {
    // The depth check walks a clean declaration only when it has as many tokens as the limit, and a
    // table only where one of its rows or columns does: each cell lies within its row.
    const chain = `1${" * 1".repeat(LIMITS.expressionDepth + 10)}`;
    const rows = (deepRow: number): string =>
      Array.from(
        { length: 60 },
        (_, i) => `  [${i * 10}, ${i === 59 ? "inf" : (i + 1) * 10}) ${i === deepRow ? chain : "1%"}`,
      ).join("\n");
    const tiers = (deepRow: number): string =>
      `${HEADER}${INPUT}tiers t by a: Number, flat {\n  columns r: Rate\n${rows(deepRow)}\n}\noutput o: Rate = t(p.a).r\n`;
    expect(codes(tiers(-1))).toEqual([]);
    expect(codes(tiers(0))).toEqual(["MB1011"]);
    expect(codes(tiers(37))).toEqual(["MB1011"]);
    const family = (deep: boolean): string =>
      `${HEADER}enum S { x, y }\ninput p { a: Number, s: S }\ntiers t[s: S] by a: Number, flat {\n  columns r: Rate\n  x:\n${rows(-1)}\n  y:\n${rows(deep ? 59 : -1)}\n}\noutput o: Rate = t[p.s](p.a).r\n`;
    expect(codes(family(false))).toEqual([]);
    expect(codes(family(true))).toEqual(["MB1011"]);
    const keyed = (deep: boolean): string => {
      const members = Array.from({ length: 60 }, (_, i) => `m${i}`);
      const cells = members.map((m, i) => `  ${m}: ${deep && i === 42 ? chain : "2"}`).join("\n");
      return `${HEADER}enum E { ${members.join(", ")} }\ninput p { e: E }\ntable k by e: E {\n  columns v: Number\n${cells}\n}\noutput o: Number = k[p.e].v\n`;
    };
    expect(codes(keyed(false))).toEqual([]);
    expect(codes(keyed(true))).toEqual(["MB1011"]);
  });
  it("brackets, prefix operators and ifs count together, and so does `List<`", () => {
    let e = "p.a";
    for (let i = 0; i < 30; i++) e = `(${"- ".repeat(63)}${e} + 1)`;
    expect(codes(`${HEADER}${INPUT}output o: Number = ${e}\n`)).toEqual(["MB1011"]);
    expect(codes(`${HEADER}input p { a: ${"List<".repeat(5000)}Number${">".repeat(5000)} }\n`)).toEqual([
      "MB1011",
    ]);
    // A long sum of negated terms is not nested.
    expect(codes(`${HEADER}${INPUT}output o: Number = p.a${" + -p.a".repeat(200)}\n`)).toEqual([]);
  });
  it("huge enums and runs of doc comments are diagnostics, and format without overflowing (150,000 tier rows took the same path)", () => {
    const members = Array.from({ length: 150_000 }, (_, i) => `m${i}`).join(", ");
    const enums = `${HEADER}${INPUT}enum E { ${members} }\noutput o: Number = p.a\n`;
    expect(codes(enums)).toEqual(["MB4042"]);
    const docs = `${HEADER}${"/// doc\n".repeat(200_000)}${INPUT}output o: Number = p.a\n`;
    expect(codes(docs)).toEqual(["MB4047"]);
    for (const source of [enums, docs]) expect(formatSource(source).text.length).toBeGreaterThan(0);
  }, 120_000);
  it("a chain of imports longer than the limit is MB2043, checked in bounded time", () => {
    const files = new Map<string, string>([["i0.margin", `${HEADER}${INPUT}output o: Number = p.a\n`]]);
    for (let i = 1; i <= 3000; i++)
      files.set(`i${i}.margin`, `${HEADER}import "i${i - 1}.margin" as n version 1.0.0\n`);
    const host = {
      readFile: (path: string) => files.get(path),
      resolve: (_from: string, path: string) => path.replace(/^\.\//, ""),
    };
    const deep = checkRulebook(files.get("i3000.margin")!, "i3000.margin", host);
    expect(deep.diagnostics.map((d) => d.code)).toEqual(["MB2043"]);
    const fine = checkRulebook(files.get("i5.margin")!, "i5.margin", host);
    expect(fine.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
  it("a chain of extends longer than the limit is MB2022", () => {
    const files = new Map<string, string>([["c0.margin", `${HEADER}${INPUT}output o0: Number = p.a\n`]]);
    for (let i = 1; i <= 3000; i++)
      files.set(
        `c${i}.margin`,
        HEADER.replace("\n", `\n  extends "c${i - 1}.margin"\n`) + `output o${i}: Number = p.a\n`,
      );
    const host = {
      readFile: (path: string) => files.get(path),
      resolve: (_from: string, path: string) => path.replace(/^\.\//, ""),
    };
    const deep = checkRulebook(files.get("c3000.margin")!, "c3000.margin", host);
    expect(deep.diagnostics.map((d) => d.code)).toContain("MB2022");
    const fine = checkRulebook(
      files.get(`c${MAX_EXTENDS_DEPTH}.margin`)!,
      `c${MAX_EXTENDS_DEPTH}.margin`,
      host,
    );
    expect(fine.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  }, 60_000);
});

describe("text that cannot lie (medium 5, low)", () => {
  it("refuses bidirectional controls anywhere (MB1014), with their position", () => {
    const source = `${HEADER}${INPUT}// access \u202E }; if admin {\noutput o: Number = p.a \u2066\n`;
    const result = checkRulebook(source, "x.margin");
    const found = result.diagnostics.filter((d) => d.code === "MB1014");
    expect(found.map((d) => d.span.start)).toEqual([source.indexOf("\u202E"), source.indexOf("\u2066")]);
    expect(found[0]!.message).toContain("U+202E");
    expect(result.diagnostics.map((d) => d.code)).not.toContain("MB1001");
    for (const char of [
      "\u202A",
      "\u202B",
      "\u202C",
      "\u202D",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u200E",
      "\u200F",
      "\u061C",
    ])
      expect(codes(`${HEADER}${INPUT}output o: Text = "a${char}b"\noutput q: Number = p.a\n`)).toEqual([
        "MB1014",
      ]);
  });
  it("refuses invisible and control characters in strings (MB1015)", () => {
    for (const char of ["\u200B", "\u200D", "\uFEFF", "\u00AD", "\u001b", "\u0007"])
      expect(
        codes(`${HEADER}${INPUT}param s: Text = "lo${char}ng"\noutput o: Text = s\noutput q: Number = p.a\n`),
      ).toEqual(["MB1015"]);
  });
  it("refuses an impossible timestamp literal (MB4002)", () => {
    expect(
      codes(
        `${HEADER}${INPUT}param t: Timestamp = 2026-02-30T00:00:00Z\noutput o: Timestamp = t\noutput q: Number = p.a\n`,
      ),
    ).toEqual(["MB4002"]);
  });
});

describe("one table of limits for check, compile and engines (medium 10)", () => {
  const header = (fields: string): string =>
    `rulebook "x" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD ${fields}\n`;
  const cases: [string, (n: number) => string, number, string][] = [
    [
      "description",
      (n) => `${header(`description "${"d".repeat(n)}"`)}${INPUT}output o: Number = p.a\n`,
      IR_LIMITS.text,
      "MB4047",
    ],
    [
      "owner",
      (n) => `${header(`owner "${"o".repeat(n)}"`)}${INPUT}output o: Number = p.a\n`,
      IR_LIMITS.text,
      "MB4047",
    ],
    [
      "fields",
      (n) =>
        `${HEADER}input p { ${Array.from({ length: n }, (_, i) => `f${i}: Number`).join(", ")} }\noutput o: Number = p.f0\n`,
      IR_LIMITS.recordFields,
      "MB4042",
    ],
    [
      "inputs",
      (n) =>
        `${HEADER}${Array.from({ length: n }, (_, i) => `input i${i} { a: Number }`).join("\n")}\noutput o: Number = i0.a\n`,
      IR_LIMITS.inputs,
      "MB4042",
    ],
    [
      "enum members",
      (n) =>
        `${HEADER}enum E { ${Array.from({ length: n }, (_, i) => `m${i}`).join(", ")} }\ninput p { e: E }\noutput o: Bool = p.e == m0\n`,
      IR_LIMITS.enumMembers,
      "MB4042",
    ],
    [
      "currency",
      (n) => `${HEADER.replace("USD", `U${"S".repeat(n - 1)}`)}${INPUT}output o: Number = p.a\n`,
      IR_LIMITS.currency,
      "MB4047",
    ],
    [
      "doc comment",
      (n) => `${HEADER}///${"d".repeat(n)}\n${INPUT}output o: Number = p.a\n`,
      IR_LIMITS.text,
      "MB4047",
    ],
    [
      "string",
      (n) =>
        `${HEADER}${INPUT}param s: Text = "${"s".repeat(n)}"\noutput o: Text = s\noutput q: Number = p.a\n`,
      IR_LIMITS.constantString,
      "MB4047",
    ],
    [
      "assertion message",
      (n) => `${HEADER}${INPUT}output o: Number = p.a\nassert o >= 0 or o < 0 "${"m".repeat(n)}"\n`,
      IR_LIMITS.text,
      "MB4047",
    ],
    [
      "tier columns",
      (n) =>
        `${HEADER}${INPUT}tiers t by a: Number, flat {\n columns ${Array.from({ length: n }, (_, i) => `c${i}: Number`).join(", ")}\n [0, inf) ${"1 ".repeat(n)}\n}\noutput o: Number = t(p.a).c0\n`,
      IR_LIMITS.tableColumns,
      "MB4042",
    ],
  ];
  for (const [what, make, limit, code] of cases) {
    it(`${what}: at the limit it compiles and loads; beyond it, ${code}`, () => {
      expect(roundTrip(make(limit)).meta.name).toBe("x");
      expect(codes(make(limit + 1))).toEqual([code]);
    }, 30_000);
  }
  it("a call with more arguments than the IR allows is MB4048", () => {
    expect(
      codes(
        `${HEADER}${INPUT}output o: Number = max(${Array(IR_LIMITS.callArguments + 1)
          .fill("p.a")
          .join(", ")})\n`,
      ),
    ).toContain("MB4048");
  });
  it("so is one written as tightly as it can be, in a rulebook with syntax errors or without", () => {
    const call = `max(${Array(IR_LIMITS.callArguments + 1)
      .fill("1")
      .join(",")})`;
    expect(codes(`${HEADER}${INPUT}assert ${call} > 0\noutput o: Number = p.a\n`)).toContain("MB4048");
    expect(codes(`${HEADER}${INPUT}assert ${call} > 0\noutput o: Number = p.a +\n`)).toContain("MB4048");
  });
  it("so is each one nested in a longer expression, a rule or a function", () => {
    const call = `max(${Array(IR_LIMITS.callArguments + 1)
      .fill("1")
      .join(",")})`;
    const source =
      `${HEADER}${INPUT}fn f(x: Number): Number = x * ${call}\n` +
      `rule r when p.a > 0 {\n  set q = p.a\n  add ${call} - 1 to q\n}\n` +
      `output o: Number = q + (if p.a > 0 then [${call}][0] else f(p.a))\n`;
    expect(checkRulebook(source, "x.margin").diagnostics.filter((d) => d.code === "MB4048")).toHaveLength(3);
  });
  it("so is one in a tier cell, of a single table or of a family", () => {
    const call = `max(${Array(IR_LIMITS.callArguments + 1)
      .fill("1")
      .join(", ")})`;
    const single = `tiers t by a: Number, flat {\n columns c: Number\n [0, inf) ${call}\n}\noutput o: Number = t(p.a).c\n`;
    expect(codes(`${HEADER}${INPUT}${single}`)).toContain("MB4048");
    const family =
      `enum S { x }\ninput q { s: S }\ntiers f[s: S] by a: Number, flat {\n columns c: Number\n x:\n [0, inf) ${call}\n}\n` +
      `output o: Number = f[q.s](p.a).c\n`;
    expect(codes(`${HEADER}${INPUT}${family}`)).toContain("MB4048");
  });
});

describe("did-you-mean stays linear (medium 7)", () => {
  it("answers thousands of misspelt names among thousands of declarations", () => {
    let source = `${HEADER}${INPUT}`;
    for (let i = 0; i < 4000; i++) source += `let value_${String(i).padStart(6, "0")}: Number = p.a\n`;
    for (let i = 0; i < 4000; i++)
      source += `output out_${i}: Number = valeu_${String(i).padStart(6, "0")}\n`;
    const unknown = checkRulebook(source, "x.margin").diagnostics.filter((d) => d.code === "MB2001");
    expect(unknown).toHaveLength(4000);
    expect(unknown[0]!.help).toBe("did you mean `value_000000`?");
  }, 60_000);
});
