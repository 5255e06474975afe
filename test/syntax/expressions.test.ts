/**
 * Expressions are flat in the CST (one node per expression, one per arithmetic chain); build-ast.ts
 * restores precedence and associativity. These pin the trees it builds, and what stays a syntax
 * error (chained comparisons, `not` after an arithmetic or comparison operator).
 */
import { describe, expect, it } from "vitest";
import type * as A from "../../src/syntax/ast.js";
import { parseRulebook } from "../../src/syntax/parse.js";

/** The value of `let x = <source>`, fully parenthesised, and the syntax error codes. */
function tree(source: string): { tree: string; errors: string[] } {
  const { ast, diagnostics } = parseRulebook(`let x = ${source}\n`);
  const decl = ast.declarations[0];
  return {
    tree: decl && decl.kind === "LetDecl" ? show(decl.value) : "?",
    errors: diagnostics.map((d) => d.code),
  };
}

function show(e: A.Expr): string {
  switch (e.kind) {
    case "BinaryExpr":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "UnaryExpr":
      return `(${e.op} ${show(e.operand)})`;
    case "NameRef":
      return e.name;
    case "NumberLit":
      return e.text + (e.suffix ?? "");
    case "MemberExpr":
      return `${show(e.object)}.${e.member.text}`;
    case "CallExpr":
      return `${show(e.callee)}(${e.args.map(show).join(", ")})`;
    case "MissingExpr":
      return "?";
    default:
      return e.kind;
  }
}

describe("expression trees", () => {
  it.each([
    ["a or b and c", "(a or (b and c))"],
    ["a and b or c and d or e", "(((a and b) or (c and d)) or e)"],
    ["not a and b", "((not a) and b)"],
    ["a or not not b == c", "(a or (not (not (b == c))))"],
    ["not a < b + c * d", "(not (a < (b + (c * d))))"],
    ["a - b - c", "((a - b) - c)"],
    ["a / b * c", "((a / b) * c)"],
    ["a + b * c - d / e", "((a + (b * c)) - (d / e))"],
    ["- - a * b", "((- (- a)) * b)"],
    ["a - -b", "(a - (- b))"],
    ["a * -b.c(d) + 5%", "((a * (- b.c(d))) + 5%)"],
    ["not -a", "(not (- a))"],
    ["(a + b) * c", "((a + b) * c)"],
    ["a == b and c != d", "((a == b) and (c != d))"],
  ])("%s", (source, expected) => {
    expect(tree(source)).toEqual({ tree: expected, errors: [] });
  });

  it("spans each node from its first to its last token", () => {
    const { ast } = parseRulebook("let x = not - a * b\n");
    const value = (ast.declarations[0] as A.LetDecl).value as A.UnaryExpr;
    expect(value.span).toEqual({ start: 8, end: 19 });
    expect((value.operand as A.BinaryExpr).span).toEqual({ start: 12, end: 19 });
    expect((value.operand as A.BinaryExpr).opSpan).toEqual({ start: 16, end: 17 });
  });

  it.each(["a < b < c", "a == b != c", "a + not b", "- not a", "a < not b"])(
    "%s is a syntax error",
    (source) => {
      expect(tree(source).errors).toContain("MB1003");
    },
  );
});
