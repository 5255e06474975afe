/**
 * Loop fusion (src/optimize/fusion.ts plans it, the code generator emits it): sums over the same
 * list in several scenario loops computed in one pass over the list. Differential-tested: random
 * portfolio rulebooks in the natural shape (several outputs, each a scenario loop over a filtered
 * sum over one list), some of whose sums cannot be fused (they read a let, divide, sit under a
 * condition), evaluated by the interpreter on the IR as lowered and by the generated code, with and
 * without the optimizer: the same outputs bit for bit, or the same error.
 */
import { describe, expect, it } from "vitest";
import type { IrAggregate, IrRulebook } from "../../src/ir/ir.js";
import { forEachExpr } from "../../src/ir/ir.js";
import { stepExprs } from "../../src/optimize/expr-facts.js";
import { planFusion } from "../../src/optimize/fusion.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { columnarSource } from "../../src/runtime/codegen-columns.js";
import { optimizeIr } from "../../src/optimize/index.js";
import { columnLayout, toColumns } from "../../src/runtime/column-layout.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { prng } from "../../src/review/random-inputs.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { lowerSource } from "../support/outcomes.js";

const lower = (source: string): IrRulebook => lowerSource(source, "fusion.margin");
type Choose = () => number;

const ELEMENTS = [
  "p.q * (p.x * s.move + p.y * s.vol)",
  "p.x * s.move",
  "p.q * s.vol * 1 USD + p.y",
  "p.x * s.move * book.k",
  "p.x * s.move / 3",
  "p.x * s.move * total / (p.x + 1 USD)", // reads a let and divides: never fused
  "(if p.q > 0 then p.x else p.y) * s.vol",
];
const FILTERS = [
  "",
  " where p.u == U.a",
  " where p.u == U.b",
  " where p.u == U.c",
  " where p.q > 0",
  " where p.u != U.c and p.x > 10 USD",
];

/** A random portfolio rulebook with `outputs` scenario-loop sums over one list. */
function portfolio(choose: Choose, outputs: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(choose() * xs.length)]!;
  const lines = [
    `rulebook "fusion" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD`,
    "enum U { a, b, c }",
    "record P { u: U, q: Number, x: USD, y: USD }",
    "input book { positions: List<P>, k: Number }",
    "scenarios pm(move: Rate, vol: Number) {",
    "  grid move [-10%, 0%, 10%] vol [1, -1]",
    "  grid move [-25%, 25%] weight 35%",
    "}",
    "let total: USD = sum(p.x for p in book.positions)",
    "rule start { set extra = 0 USD }",
  ];
  for (let i = 0; i < outputs; i++) {
    const op = pick(["max", "min", "sum"]);
    const weight = choose() < 0.5 ? "-s.weight * " : "";
    const loop = `${op}(${weight}sum(${pick(ELEMENTS)} for p in book.positions${pick(FILTERS)}) for s in pm)`;
    if (choose() < 0.25) lines.push(`rule r${i} when book.k > 0.5 { add ${loop} to extra }`);
    else lines.push(`output o${i}: USD = ${loop}`);
  }
  lines.push("output margin: USD = extra round up to 0.01");
  return lines.join("\n");
}

function accounts(choose: Choose, count: number): unknown[] {
  const value = (): number => Math.round((choose() * 2 - 1) * 1e6) / 100;
  return Array.from({ length: count }, (_, i) => ({
    book: {
      k: choose(),
      positions: Array.from({ length: i % 7 }, () => ({
        u: ["a", "b", "c"][Math.floor(choose() * 3)],
        q: choose() < 0.1 ? 0 : value(),
        x: choose() < 0.05 ? 1e300 : value(),
        y: value(),
      })),
    },
  }));
}

function outcome(run: () => Record<string, unknown>): string {
  try {
    return Object.entries(run())
      .map(([k, v]) => `${k}=${Object.is(v, -0) ? "-0" : String(v)}`)
      .join(" ");
  } catch (error) {
    if (error instanceof RuntimeError) return `${error.code} ${error.message}`;
    throw error;
  }
}

/** The number of fused passes in generated code: loops whose element goes to more than one sum. */
function fusedSums(ir: IrRulebook): number {
  let n = 0;
  const plan = planFusion(ir);
  for (const e of ir.steps.flatMap(stepExprs))
    forEachExpr(e, (x) => void (x.k === "agg" && plan.has(x as IrAggregate) && n++));
  return n;
}

describe("loop fusion", () => {
  it("computes the five sums of the natural portfolio in one pass over the positions", () => {
    const source = portfolio(prng(1), 0).replace(
      "output margin",
      ["a", "b", "c"]
        .map(
          (u) =>
            `output ${u}_risk: USD = max(0 USD, max(-s.weight * sum(p.q * (p.x * s.move + p.y * s.vol) for p in book.positions where p.u == U.${u}) for s in pm))\n`,
        )
        .join("") + "output margin",
    );
    const ir = lower(source);
    expect(fusedSums(ir)).toBe(3);
    const code = compileEvaluator(ir).source;
    // Two loops over the list: the let `total`, and one for the three sums (each element handed
    // to each sum's filter).
    expect(code.match(/\.length; i\d+\+\+\)/g)).toHaveLength(2);
    // Three accumulator arrays, each zeroed by a loop.
    expect(code.match(/X\d+\[z\] = 0;/g)).toHaveLength(3);
    // The filters test one field against distinct members: read once, an `else if` chain.
    expect(code).toMatch(
      /const (t\d+) = l\d+\["u"\];[\s\S]*?if \(\1 === "a"\) \{[\s\S]*\} else if \(\1 === "b"\) \{[\s\S]*\} else if \(\1 === "c"\)/,
    );
    const inputs = accounts(prng(2), 40);
    for (const input of inputs)
      expect(outcome(() => compileEvaluator(ir).evaluate(input))).toBe(
        outcome(() => evaluate(ir, input).outputs),
      );
  });

  it("random portfolio rulebooks: the same outputs or errors as the interpreter, bit for bit", () => {
    let fused = 0;
    let chains = 0;
    for (let n = 0; n < 30; n++) {
      const choose = prng(15_000 + n);
      const ir = lower(portfolio(choose, 2 + (n % 4)));
      if (fusedSums(ir) > 0) fused++;
      if (/\} else if \(/.test(compileEvaluator(ir).source)) chains++;
      const inputs = accounts(choose, 24);
      const reference = inputs.map((input) => outcome(() => evaluate(ir, input).outputs));
      for (const optimize of [true, false]) {
        const compiled = compileEvaluator(ir, { optimize });
        expect(
          inputs.map((input) => outcome(() => compiled.evaluate(input))),
          `rulebook ${n}, optimize ${optimize}\n${compiled.source}`,
        ).toEqual(reference);
      }
    }
    // The shapes do reach the fusion and its exclusive filters (else this test could not fail).
    expect(fused).toBeGreaterThan(10);
    expect(chains).toBeGreaterThan(2);
  });

  it("in columns (scenario loops unrolled): the same outputs or errors as the interpreter, bit for bit", () => {
    let unrolled = 0;
    for (let n = 0; n < 24; n++) {
      const choose = prng(16_000 + n);
      const ir = lower(portfolio(choose, 2 + (n % 4)));
      const inputs = accounts(choose, 24);
      const book = rulebookFromIr(ir);
      const layout = columnLayout(ir);
      const columns = toColumns(layout, inputs);
      const present = new Set(Object.keys(columns));
      // An accumulator per scenario, at a literal index: the loop over the eight scenarios unrolled.
      if (/X\d+\[7\] = X\d+\[7\] \+/.test(columnarSource(optimizeIr(ir), layout, present)!.source))
        unrolled++;
      const result = book.evaluateColumns(columns as never, inputs.length);
      const failed = new Map(result.errors.map((e) => [e.index, `${e.code} ${e.message}`]));
      const rows = inputs.map((_, i) =>
        failed.has(i)
          ? failed.get(i)!
          : Object.entries(result.outputs)
              .map(([k, v]) => `${k}=${Object.is(v[i], -0) ? "-0" : String(v[i])}`)
              .join(" "),
      );
      const reference = inputs.map((input, i) =>
        outcome(() => evaluate(ir, input).outputs).replace(/^(MB\d+) /, `$1 row ${i}: `),
      );
      expect(rows, `rulebook ${n}`).toEqual(reference);
    }
    expect(unrolled).toBeGreaterThan(12);
  });

  it("an interchanged or fused sum sets the element's position (`for p, i in ...`) in its own loop", () => {
    const sum = (k: string) =>
      `sum(2.5e-3 * i * s.move for p, i in equity.items where p.k == Kind.${k}) for s in y`;
    const ir = lower(`rulebook "t" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
enum Kind { spread, mm }
record Tier { charge: Number, k: Kind }
input equity { items: List<Tier> }
scenarios y(move: Rate) { grid move [-1/3, 1/3] weight 35% }
output z = min(${sum("mm")})
output w = max(${sum("spread")})
`);
    const items = [
      { charge: 1, k: "mm" },
      { charge: 2, k: "spread" },
      { charge: 3, k: "mm" },
    ];
    const input = { equity: { items } };
    const reference = evaluate(ir, input).outputs;
    expect(reference["z"]).toBe(-0.0016666666666666666);
    for (const optimize of [true, false])
      expect(compileEvaluator(ir, { optimize }).evaluate(input)).toEqual(reference);
  });
});
