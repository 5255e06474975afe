/**
 * The formatter: idempotent, AST-preserving over every `.margin` file of the repository, keeps every
 * comment, and matches the golden files `test/format/*.input.margin` -> `*.output.margin`
 * (regenerate them with `UPDATE_GOLDEN=1 npx vitest run test/syntax/format.test.ts`).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hasErrors } from "../../src/diagnostics/diagnostic.js";
import type { Rulebook } from "../../src/syntax/ast.js";
import { formatSource, printExpression } from "../../src/syntax/format.js";
import { parseRulebook } from "../../src/syntax/parse.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const goldenDir = path.join(root, "test", "format");
const updateGolden = process.env["UPDATE_GOLDEN"] === "1";

/** Every `.margin` file under `rules/` and `test/`, found afresh on each run. */
function marginFiles(): string[] {
  return ["rules", "test"].flatMap((dir) => {
    const absolute = path.join(root, dir);
    if (!existsSync(absolute)) return [];
    return readdirSync(absolute, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".margin"))
      .map((file) => path.join(dir, file))
      .sort();
  });
}

/** The AST without spans (layout) and with comments reduced to their text, for comparison. */
function shape(ast: Rulebook): unknown {
  const strip = (value: unknown, key = ""): unknown => {
    if (key === "override") return value !== undefined; // a span, but its presence is meaning
    if (key === "doc" && typeof value === "string")
      return value
        .split("\n")
        .map((line) => line.trimEnd())
        .join("\n");
    if (Array.isArray(value)) return value.map((v) => strip(v));
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value).filter(([k, v]) => !/span$/i.test(k) && v !== undefined);
    return Object.fromEntries(entries.map(([k, v]) => [k, strip(v, k)]));
  };
  return { ...(strip(ast) as object), comments: ast.comments.map((c) => c.text.trimEnd()) };
}

function format(source: string): string {
  const result = formatSource(source, "test.margin");
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.text;
}

/** Formats `source` and checks the invariants every formatting must keep. */
function formatChecked(source: string): string {
  const once = format(source);
  expect(format(once)).toBe(once);
  expect(shape(parseRulebook(once).ast)).toEqual(shape(parseRulebook(source).ast));
  expect(once.endsWith("\n") && !once.endsWith("\n\n")).toBe(true);
  expect(once).not.toMatch(/[ \t]$|\r/m);
  return once;
}

describe("formatter over every .margin file", () => {
  const files = marginFiles();
  it("finds the sample rulebooks", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(`is idempotent and keeps the AST: ${file}`, () => {
      const source = readFileSync(path.join(root, file), "utf8");
      if (hasErrors(parseRulebook(source, file).diagnostics)) return; // broken files are never formatted
      const once = formatChecked(source);
      if (!file.startsWith("rules")) return;
      // Within 100 columns, but for what cannot be broken: comments, and a header's one string.
      const long = once
        .split("\n")
        .map((line) => line.replace(/\s*\/\/.*$/, ""))
        .filter((code) => code.length > 100 && !/^ {2}(description|owner) "[^"]*"$/.test(code));
      expect(long).toEqual([]);
    });
  }
});

describe("golden files", () => {
  const inputs = readdirSync(goldenDir)
    .filter((f) => f.endsWith(".input.margin"))
    .sort();
  it("has golden pairs", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(3);
  });
  for (const input of inputs) {
    it(input, () => {
      const actual = formatChecked(readFileSync(path.join(goldenDir, input), "utf8"));
      const outputPath = path.join(goldenDir, input.replace(/\.input\.margin$/, ".output.margin"));
      if (updateGolden || !existsSync(outputPath)) writeFileSync(outputPath, actual);
      expect(actual).toBe(readFileSync(outputPath, "utf8"));
    });
  }
});

const header = 'rulebook "t"\n  version 1.0.0\n  effective 2026-12-01T00:00:00Z\n  currency USDT\n\n';

describe("comments are kept", () => {
  it("keeps leading, trailing, doc, end-of-block and end-of-file comments in place", () => {
    const source = `${header}// leading\n/// doc\nparam a = 1 // trailing\nrule r {\n  set x = a\n  // end of block\n}\n// end of file\n`;
    expect(formatChecked(source)).toBe(
      `${header}// leading\n/// doc\nparam a = 1  // trailing\n\nrule r {\n  set x = a\n  // end of block\n}\n// end of file\n`,
    );
  });

  it("moves a comment from inside an expression above its declaration", () => {
    const source = `${header}let x = 1 + // one\n  2 // two\n`;
    expect(formatChecked(source)).toBe(`${header}// one\nlet x = 1 + 2  // two\n`);
  });

  it("keeps a doc comment directly above its declaration", () => {
    const source = `${header}/// Threshold.\n\nparam t = 1\n`;
    expect(formatChecked(source)).toBe(`${header}/// Threshold.\nparam t = 1\n`);
    expect(parseRulebook(formatChecked(source)).ast.declarations[0]?.doc).toBe("Threshold.");
  });

  it("keeps a blank line after a section comment", () => {
    const source = `${header}// ---- params ----\n\nparam a = 1\n`;
    expect(formatChecked(source)).toBe(source);
  });

  it("breaks a one-line block that has a comment inside", () => {
    const source = `${header}enum Side { long, // buy\n short }\n`;
    expect(formatChecked(source)).toBe(`${header}enum Side {\n  long  // buy\n  short\n}\n`);
  });

  it("keeps every comment of a file made only of comments", () => {
    expect(formatChecked("// one\n\n\n// two\n")).toBe("// one\n\n// two\n");
  });
});

describe("layout", () => {
  it("aligns tier rows as a table", () => {
    const source = `${header}tiers b by n: USDT, marginal {\ncolumns imr: Rate, mmr: Rate, lev: Number\n[0, 50_000) 0.80% 0.40% 125\n[50_000, inf) 1% 0.5% 100\n}\n`;
    expect(formatChecked(source)).toBe(
      `${header}tiers b by n: USDT, marginal {\n  columns imr: Rate, mmr: Rate, lev: Number\n` +
        "  [0, 50_000)    0.80%  0.40%  125\n  [50_000, inf)     1%   0.5%  100\n}\n",
    );
  });

  it("keeps a block on one line only if it was written so and fits", () => {
    const long = Array.from({ length: 8 }, (_, i) => `field_number_${i}: Quantity`).join(", ");
    const source = `${header}record R {\n  a: Number,\n  b: Number\n}\nrecord S {a: Number,b: Number}\nrecord L { ${long} }\nrule r { set x = 1\n}\n`;
    const expanded = Array.from({ length: 8 }, (_, i) => `  field_number_${i}: Quantity\n`).join("");
    expect(formatChecked(source)).toBe(
      `${header}record R {\n  a: Number\n  b: Number\n}\n\nrecord S { a: Number, b: Number }\n\nrecord L {\n${expanded}}\n\nrule r { set x = 1 }\n`,
    );
  });

  it("breaks local bindings, list comprehensions, parenthesised chains and long messages", () => {
    const chain = "first_long_operand - second_long_operand";
    const source =
      `${header}let x = let total = sum(w for w in weighted_sensitivities), rho = intra_bucket in sqrt(total * total * rho)\n` +
      `let y: List<USD> = [weighted_sensitivity * concentration for weighted_sensitivity in bucket where bucket_index > 0 and bucket_index < 7]\n` +
      `let z = quantity_of_the_position * (${chain} + third_long_operand_of_the_chain + fourth_long_operand)\n` +
      `assert x > 0 "a message long enough that, with the condition, the line goes past one hundred columns"\n`;
    expect(formatChecked(source)).toBe(
      `${header}let x =\n  let total = sum(w for w in weighted_sensitivities), rho = intra_bucket in\n    sqrt(total * total * rho)\n` +
        `let y: List<USD> =\n  [\n    weighted_sensitivity * concentration\n    for weighted_sensitivity in bucket\n    where bucket_index > 0 and bucket_index < 7\n  ]\n` +
        `let z =\n  quantity_of_the_position * (\n    first_long_operand\n    - second_long_operand\n    + third_long_operand_of_the_chain\n    + fourth_long_operand\n  )\n\n` +
        `assert x > 0\n  "a message long enough that, with the condition, the line goes past one hundred columns"\n`,
    );
  });

  it("breaks long values before operators, branches and comprehension clauses", () => {
    const long = "a_long_name + another_long_name";
    const chain = [
      "first_long_operand",
      "- (second_long_operand + third_long_operand)",
      "+ fourth_long_operand",
      "- fifth_long_operand",
    ];
    const source =
      `${header}let x = ${chain.join(" ")}\n` +
      `let y = if some_condition > 0 then (${long}) * 2 else if other_condition then ${long} else 0\n` +
      `output z: USDT = sum(p.size * p.mark for p in account.positions where p.side == long and p.size > 0) round up to 0.01\n`;
    expect(formatChecked(source)).toBe(
      `${header}let x =\n${chain.map((part) => `  ${part}\n`).join("")}` +
        `let y =\n  if some_condition > 0 then (${long}) * 2\n  else if other_condition then ${long}\n  else 0\n\n` +
        `output z: USDT = sum(\n  p.size * p.mark\n  for p in account.positions\n  where p.side == long and p.size > 0\n) round up to 0.01\n`,
    );
  });

  it("breaks a long call into its arguments, and a call at the end of a product, at 100 columns", () => {
    const args = [
      "position.side",
      "position.size_in_contracts",
      "position.entry_price",
      "account.isolated_margin",
      "mmr",
    ];
    const source =
      `${header}let price = brackets.liquidation_price(${args.join(", ")})
` +
      `let im = position.size_in_contracts * position.mark_price * max(1 / position.leverage, brackets(notional).imr)
`;
    const once = formatChecked(source);
    expect(once).toBe(
      `${header}let price =
  brackets.liquidation_price(
${args.map((a, i) => `    ${a}${i < args.length - 1 ? "," : ""}\n`).join("")}  )
` +
        `let im =
  position.size_in_contracts * position.mark_price * max(
    1 / position.leverage,
    brackets(notional).imr
  )
`,
    );
    expect(once.split("\n").every((line) => line.length <= 100)).toBe(true);
  });

  it("separates declarations by one blank line but keeps adjacent params, lets and outputs together", () => {
    const source = `${header}param a = 1\nparam b = 2\n\n\n\nparam c = 3\nlet d = 4\nlet e = 5\n`;
    expect(formatChecked(source)).toBe(
      `${header}param a = 1\nparam b = 2\n\nparam c = 3\n\nlet d = 4\nlet e = 5\n`,
    );
  });

  it("keeps literals as written and re-quotes strings", () => {
    const source = `${header}let x = 50_000 + 0.80% + 50bps + 10_000 USDT + 30d\n\nassert x > 0 "a \\"quoted\\" \\\\ word"\n`;
    expect(formatChecked(source)).toBe(source);
  });

  it("prints scenario sets and comprehensions", () => {
    const source =
      `${header}scenarios s(price: Number, vol: Number) { grid price [0, 1/3, -16% to 16% step 4%] vol [1, -1] weight 35%\n` +
      `scenario "crash" price -3 vol 1 }\nlet w = max(sum(p.risk[s.index] for p in a.ps where p.on by p.u default 0) for s in s)\n`;
    expect(formatChecked(source)).toBe(
      `${header}scenarios s(price: Number, vol: Number) {\n  grid price [0, 1/3, -16% to 16% step 4%] vol [1, -1] weight 35%\n` +
        `  scenario "crash" price -3 vol 1\n}\n\nlet w = max(sum(p.risk[s.index] for p in a.ps where p.on by p.u default 0) for s in s)\n`,
    );
  });
});

describe("parentheses", () => {
  const cases: [string, string][] = [
    ["((a * b)) + (c)", "a * b + c"],
    ["a - (b - c)", "a - (b - c)"],
    ["(a - b) - c", "a - b - c"],
    ["a / (b * c)", "a / (b * c)"],
    ["(a + b) * c", "(a + b) * c"],
    ["-(a + b)", "-(a + b)"],
    ["(-a).b", "(-a).b"],
    ["not (a and b)", "not (a and b)"],
    ["(not a) and b", "not a and b"],
    ["a or (b and c)", "a or b and c"],
    ["(a or b) and c", "(a or b) and c"],
    ["(a < b) == c", "(a < b) == c"],
    ["(a + b) >= c", "a + b >= c"],
    ["1 + (if c then a else b) * 2", "1 + (if c then a else b) * 2"],
    ["if a then b else (if c then d else e)", "if a then b else if c then d else e"],
    ["(10 USDT) * q", "(10 USDT) * q"],
    ["q * (10 USDT)", "q * 10 USDT"],
    ["(10 USDT / Quantity) / q", "(10 USDT / Quantity) / q"],
    ["(xs)[0] + (f(x))", "xs[0] + f(x)"],
  ];
  for (const [input, expected] of cases) {
    it(`${input}  ->  ${expected}`, () => {
      const formatted = formatChecked(`${header}let x = ${input}\n`);
      expect(formatted).toBe(`${header}let x = ${expected}\n`);
      const decl = parseRulebook(formatted).ast.declarations[0];
      expect(decl?.kind === "LetDecl" && printExpression(decl.value)).toBe(expected);
    });
  }
});

describe("broken files", () => {
  it("returns a file with syntax errors unchanged, with its diagnostics", () => {
    const source = `${header}param  a = \nlet b = (1 +\n`;
    const result = formatSource(source, "broken.margin");
    expect(result.text).toBe(source);
    expect(result.changed).toBe(false);
    expect(hasErrors(result.diagnostics)).toBe(true);
    expect(result.diagnostics[0]?.file).toBe("broken.margin");
  });

  it("converts CRLF line endings and reports the change", () => {
    const result = formatSource(`${header}param a = 1\r\n`.replace(/\n/g, "\r\n"));
    expect(result.text).toBe(`${header}param a = 1\n`);
    expect(result.changed).toBe(true);
  });
});
