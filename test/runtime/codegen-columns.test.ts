/**
 * The branch-free code shapes of the columnar loop (src/runtime/codegen-columns.ts, codegen.ts,
 * codegen-expr.ts): `min` / `max` with a constant and a rule with a condition as selects, and the
 * tail loop that rounds and checks the outputs and tests the assertions after the chunk. Each
 * shape is shown in the generated code and held to the per-record evaluator on the values where
 * it could differ (zeros of both signs, NaN, the doubles next to a condition's boundary, rows
 * failing before, in and after the tail, rows the checks refuse).
 */
import { describe, expect, it } from "vitest";
import type { IrExpr } from "../../src/ir/ir.js";
import { optimizeIr } from "../../src/optimize/index.js";
import { prng } from "../../src/review/random-inputs.js";
import { pureNumberCode } from "../../src/runtime/codegen.js";
import { columnarSource, tailStart } from "../../src/runtime/codegen-columns.js";
import { ExpressionCompiler } from "../../src/runtime/codegen-expr.js";
import { columnLayout } from "../../src/runtime/column-layout.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { expectAgreement, uniform } from "../support/columns.js";
import { lowerSource } from "../support/outcomes.js";
import { InputGenerator } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";

const HEADER = `rulebook "c" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD`;

/** The columnar loop's source for every column of the rulebook. */
function columnarCode(source: string): string {
  const ir = optimizeIr(lowerSource(source, "c.margin"));
  const layout = columnLayout(ir);
  return columnarSource(ir, layout, new Set(layout.fields.map((f) => f.path)))!.source;
}

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 1.7976931348623157e308, 0.5, -0.5, 3, -3];

describe("min and max with a constant, as selects", () => {
  const compiler = new ExpressionCompiler(lowerSource(`${HEADER}\noutput o = 1`, "c.margin"));
  compiler.branchlessSelects = true;
  const call = (fn: "min" | "max", args: IrExpr[]): Extract<IrExpr, { k: "call" }> => ({
    k: "call",
    fn,
    args,
  });
  const x: IrExpr = { k: "local", local: 0 };

  for (const fn of ["min", "max"] as const)
    for (const constantFirst of [false, true])
      it(`${fn}, the constant ${constantFirst ? "first" : "second"}: Math.${fn}'s bits on every special double`, () => {
        for (const c of [0.5, -0.5, 3, -3, 5e-324, -1e300]) {
          const constant: IrExpr = { k: "const", v: c };
          const args = constantFirst ? [constant, x] : [x, constant];
          const codes = constantFirst ? [String(c), "x"] : ["x", String(c)];
          const code = compiler.minMaxSelect(fn, call(fn, args), codes)!;
          expect(code).toMatch(/^\(SL\[\d+\] = /);
          const select = new Function("SL", "x", `return ${code};`) as (
            sl: Float64Array,
            x: number,
          ) => number;
          const scratch = new Float64Array(64);
          for (const value of [...SPECIAL, c, -c, c * (1 + 2 ** -52)])
            expect(Object.is(select(scratch, value), Math[fn](value, c)), `${fn}(${value}, ${c})`).toBe(true);
        }
      });

  it("not with a zero constant (-0 against +0) or two variables: those stay Math.min and Math.max", () => {
    for (const v of [0, -0])
      expect(
        compiler.minMaxSelect("min", call("min", [x, { k: "const", v }]), ["x", String(v)]),
      ).toBeUndefined();
    expect(compiler.minMaxSelect("max", call("max", [x, x]), ["x", "x"])).toBeUndefined();
    const plain = new ExpressionCompiler(lowerSource(`${HEADER}\noutput o = 1`, "c.margin"));
    expect(plain.minMaxSelect("min", call("min", [x, { k: "const", v: 1 }]), ["x", "1"])).toBeUndefined();
  });

  it("pure code: arithmetic, comparisons, the scratch and pure helpers only", () => {
    expect(pureNumberCode("(SL[0] = s1, SL[1] = s1 * (1 + min(V2, 0.5)), SL[0 + +((V2 > 0.8))])")).toBe(true);
    expect(pureNumberCode("roundUp((s0 * s1), 0.01, 1, 100) - sqrt(V0)")).toBe(true);
    for (const impure of [
      "S0_(s0, 3)",
      "s0.x",
      "(s0 = 1)",
      "s0++",
      '"a"',
      "checkedPow(s0, 2, 3, raise)",
      "new F()",
    ])
      expect(pureNumberCode(impure), impure).toBe(false);
  });
});

describe("a rule with a condition as a select", () => {
  const source = `${HEADER}
input p { x: Number, y: Number >= 0 <= 10 }
rule base { set q: Number = p.y }
rule bump when p.y > 5 { scale q by 1 + min(0.5 * (p.y - 5), 2) }
rule shift when p.y < 1 { scale q by p.x }
rule two when p.y > 8 {
  add 1 to q
  scale q by 2
}
output r = q
output s = p.x + q`;

  it("selects the pure one-action rule; a rule whose action can overflow, or with two actions, keeps its branch", () => {
    const code = columnarCode(source);
    // bump: both values stored, the one at +(condition) read back.
    expect(code).toMatch(/s\d = \(SL\[\d+\] = s\d, SL\[\d+\] = s\d \* \(1 \+ \(SL\[\d+\] = /);
    expect(code).toMatch(/SL\[\d+ \+ \+\(\(V\d > 5\)\)\]\);/);
    // shift: q * p.x can overflow, its check stays under its condition; two: two actions.
    expect(code).toMatch(/if \(\(V\d < 1\)\) \{/);
    expect(code).toMatch(/if \(\(V\d > 8\)\) \{/);
  });

  it("gives evaluate's bits and errors around each boundary, validated and trusted", () => {
    const book = rulebookFromIr(lowerSource(source, "c.margin"));
    const ys = [0, 5e-324, 1, 1 - 2 ** -53, 5, 5 * (1 + 2 ** -52), 5 * (1 - 2 ** -53), 8, 9, 10];
    const xs = [0, -0, 1.5, -2, 1.7976931348623157e308, -1.7976931348623157e308];
    const inputs = ys.flatMap((y) => xs.map((x) => ({ p: { x, y } })));
    expectAgreement(book, inputs);
    expectAgreement(book, inputs, { validate: false });
  });
});

describe("the tail loop: rounded outputs and assertions after the chunk", () => {
  const source = `${HEADER}
input p { x: Number, y: Number }
let d = p.x / p.y
output a = p.x * 1e300 round up to 0.01
output b = d round down to 0.5
output c = p.x - d
assert a >= b "a below b"`;

  it("is generated when the last steps are number outputs and assertions over them", () => {
    const code = columnarCode(source);
    expect(code).toContain("function tail(outputs, start, end) {");
    // The loop stores the values unrounded; the tail rounds them and tests the assertion.
    expect(code).toMatch(/\n {8}s\d = \(V0 \* 1e\+300\);\n/);
    expect(code.match(/roundUp\(/g)).toHaveLength(3);
    expect(code).toContain("{ tail(outputs, start, row); return row; }");
  });

  it("is not generated where an assertion reads a let, an output reads an earlier one or nothing rounds", () => {
    const tail = (body: string): number | undefined =>
      tailStart(lowerSource(`${HEADER}\ninput p { x: Number }\nlet d = p.x * 2\n${body}`, "c.margin"));
    expect(tail(`output a = d round up to 0.01\nassert a >= 0`)).toBe(1);
    expect(tail(`output a = d round up to 0.01\nassert a >= d`)).toBeUndefined();
    expect(tail(`output a = d round up to 0.01\noutput b = a + 1`)).toBeUndefined();
    expect(tail(`output a = d\nassert a >= 0`)).toBeUndefined();
  });

  it("gives evaluate's bits and errors, in row order, across chunks: division, overflow, assertion, invalid rows", () => {
    const book = rulebookFromIr(lowerSource(source, "c.margin"));
    const next = prng(70);
    // Most rows valid; the others fail in the loop (y = 0), in the tail (a overflows, a < b), or
    // are refused by the checks (NaN, infinite), alone or next to each other, on chunk edges too.
    const inputs = Array.from({ length: 4200 }, (_, row) => {
      const r = next();
      const edge = row === 2047 || row === 2048 || row === 4095;
      const x = edge || r < 0.05 ? 1e10 : r < 0.08 ? NaN : r < 0.1 ? -Infinity : 1 + next() * 100;
      const y = r > 0.97 ? 0 : r > 0.9 ? -1e-3 : 0.5 + next();
      return { p: { x, y } };
    });
    expectAgreement(book, inputs);
    const valid = inputs.filter(({ p }) => Number.isFinite(p.x));
    expectAgreement(book, valid, { validate: false });
  });
});

describe("on random rulebooks with each shape (test/support/random-rulebooks.ts)", () => {
  // Seeds whose columnar loop has the shape (the test says so first: a change of the generator
  // that loses it fails here rather than testing nothing).
  const shapes: [string, RegExp, number[]][] = [
    ["a rule as a select", /s\d+ = \(SL\[\d+\] = s\d+, /, [360, 549, 566, 598, 660, 1142, 1201, 1368]],
    ["a tail loop", /function tail\(/, [13, 19, 39, 51, 60, 68]],
    ["min or max as a select", /SL\[/, [17, 45, 47, 71]],
  ];
  for (const [shape, pattern, seeds] of shapes)
    it(`${shape}: evaluateColumns gives evaluateBatch's outputs and errors`, () => {
      for (const seed of seeds) {
        const source = randomRulebook(seededChooser(seed));
        expect(columnarCode(source), `seed ${seed}`).toMatch(pattern);
        const ir = lowerSource(source, "r.margin");
        const book = rulebookFromIr(ir);
        const generator = new InputGenerator(ir, seed);
        expectAgreement(
          book,
          uniform(
            columnLayout(ir),
            Array.from({ length: 150 }, () => generator.next()),
          ),
        );
      }
    });
});
