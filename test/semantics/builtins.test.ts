/**
 * The semantics layer's builtin table against everything that implements or describes a builtin:
 * random arguments for every builtin through the reference interpreter, the generated JavaScript, the
 * checker's constant folder and the verifier's intervals (they must agree with the declaration), and
 * the language reference, which must list exactly the functions the checker offers.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtins } from "../../src/check/builtins.js";
import { evaluateConstant } from "../../src/check/constants.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrArithmetic, IrBuiltin, IrExpr, IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { BUILTIN_NAMES, BUILTINS } from "../../src/semantics/builtins.js";
import { RuntimeError, type Raise } from "../../src/semantics/errors.js";
import { decText, toDec, type Dec } from "../../src/semantics/decimal.js";
import type { Value } from "../../src/semantics/operations.js";
import type { Expr } from "../../src/syntax/ast.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { Analyzer } from "../../src/verify/analysis.js";
import { ROOT } from "../support/rulebooks.js";

/** How each builtin is called in a test rulebook: the input fields it takes, by type. */
const CALLS: Record<Exclude<IrBuiltin, "length">, { fields: string[]; call: string }> = {
  min: { fields: ["x: Number", "y: Number", "z: Number"], call: "min(a.x, a.y, a.z)" },
  max: { fields: ["x: Number", "y: Number", "z: Number"], call: "max(a.x, a.y, a.z)" },
  clamp: { fields: ["x: Number", "y: Number", "z: Number"], call: "clamp(a.x, a.y, a.z)" },
  abs: { fields: ["x: Number"], call: "abs(a.x)" },
  sqrt: { fields: ["x: Number"], call: "sqrt(a.x)" },
  pow: { fields: ["x: Number", "y: Number"], call: "pow(a.x, a.y)" },
  exp: { fields: ["x: Number"], call: "exp(a.x)" },
  ln: { fields: ["x: Number"], call: "ln(a.x)" },
  round_up: { fields: ["x: Number", "y: Number"], call: "round_up(a.x, a.y)" },
  round_down: { fields: ["x: Number", "y: Number"], call: "round_down(a.x, a.y)" },
  round_half_even: { fields: ["x: Number", "y: Number"], call: "round_half_even(a.x, a.y)" },
  normal_cdf: { fields: ["x: Number"], call: "normal_cdf(a.x)" },
  black76: {
    fields: ["kind: Kind", "x: Number", "y: Number", "v: Rate", "t: Duration", "r: Rate"],
    call: "black76(a.kind, a.x, a.y, a.v, a.t, a.r)",
  },
  black_scholes: {
    fields: ["kind: Kind", "x: Number", "y: Number", "v: Rate", "t: Duration", "r: Rate"],
    call: "black_scholes(a.kind, a.x, a.y, a.v, a.t, a.r)",
  },
  black76_df: {
    fields: ["kind: Kind", "x: Number", "y: Number", "v: Rate", "t: Duration", "r: Number"],
    call: "black76_df(a.kind, a.x, a.y, a.v, a.t, a.r)",
  },
  black_scholes_df: {
    fields: ["kind: Kind", "x: Number", "y: Number", "v: Rate", "t: Duration", "r: Number"],
    call: "black_scholes_df(a.kind, a.x, a.y, a.v, a.t, a.r)",
  },
  quantile: { fields: ["xs: List<Number>", "x: Number"], call: "quantile(a.xs, a.x)" },
  kth_smallest: { fields: ["xs: List<Number>", "x: Number"], call: "kth_smallest(a.xs, a.x)" },
  kth_largest: { fields: ["xs: List<Number>", "x: Number"], call: "kth_largest(a.xs, a.x)" },
};

function compileCall(fn: keyof typeof CALLS): IrRulebook {
  const { fields, call } = CALLS[fn];
  const source = [
    `rulebook "${fn}" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD`,
    "enum Kind { call, put }",
    `input a { ${fields.join(", ")} }`,
    `output r = ${call}`,
  ].join("\n");
  const result = checkRulebook(source, `${fn}.margin`, {
    readFile: () => undefined,
    resolve: (_from, path) => path,
  });
  expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  return lowerRulebook(result.checked);
}

/** Doubles that exercise the interesting cases: signs, zero, tiny and huge magnitudes, ties. */
const number = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, 2.5, -2.5, 0.01, 1e-9, 5e-324, 1e300, -8, 1 / 3),
  fc.integer({ min: -1000, max: 1000 }).map((n) => n / 100),
);

const argumentsFor = (fn: keyof typeof CALLS) => {
  const names = CALLS[fn].fields.map((f) => f.split(":")[0]!);
  return fc.tuple(
    ...names.map((name) =>
      name === "kind"
        ? fc.constantFrom("call", "put")
        : name === "xs"
          ? fc.array(number, { maxLength: 6 })
          : name === "x" && fn !== "min" && CALLS[fn].fields[0]!.startsWith("xs")
            ? fc.oneof(fc.constantFrom(0, 1, 2, 3, 0.5, 0.99, 1.5, -1), number)
            : name === "t"
              ? fc.double({ min: -10, max: 3e8, noNaN: true })
              : number,
    ),
  );
};

type Outcome = { value: unknown } | { code: string };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof RuntimeError) return { code: error.code };
    if (error instanceof DeclaredError) return { code: error.code };
    throw error;
  }
}

class DeclaredError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const raise: Raise = (_site, error) => {
  throw new DeclaredError(error.code);
};

/** A call of `fn` on number literals, as the parser builds it. */
function callAst(fn: string, args: readonly number[]): Expr {
  const span = { start: 0, end: 0 };
  return {
    kind: "CallExpr",
    span,
    callee: { kind: "NameRef", span, name: fn },
    args: args.map((value) => ({ kind: "NumberLit", span, value, text: String(value) })),
  } as Expr;
}

describe("every builtin means the same everywhere", () => {
  for (const fn of Object.keys(CALLS) as (keyof typeof CALLS)[]) {
    it(`${fn}: declaration, interpreter, generated code, constant folder and verifier intervals agree`, () => {
      const ir = compileCall(fn);
      const compiled = compileEvaluator(ir);
      const analyzer = new Analyzer(ir);
      const names = CALLS[fn].fields.map((f) => f.split(":")[0]!);
      fc.assert(
        fc.property(argumentsFor(fn), (args) => {
          const input = { a: Object.fromEntries(names.map((n, i) => [n, args[i]])) };
          const declared = outcome(() => BUILTINS[fn].apply(args, 0, raise));
          const interpreted = outcome(() => evaluate(ir, input).outputs["r"]);
          const generated = outcome(() => compiled.evaluate(input)["r"]);
          // A non-finite result is refused as an output (MB6007) by both evaluators.
          const expected =
            "value" in declared && !Number.isFinite(declared.value as number) ? { code: "MB6007" } : declared;
          expect(interpreted).toEqual(expected);
          expect(generated).toEqual(expected);
          if (names.includes("kind") || names.includes("xs")) return;
          const folded = evaluateConstant(callAst(fn, args as number[]), () => undefined);
          // The folder returns what the runtime computes (an overflow included: the checker reports
          // it as MB3034), and nothing for a call that raises (the checker says why, MB3036).
          if ("value" in declared) expect(folded).toBe(declared.value);
          else expect(folded).toBeUndefined();
          if ("value" in declared && Number.isFinite(declared.value as number)) {
            const call: IrExpr = { k: "call", fn, args: (args as number[]).map((v) => ({ k: "const", v })) };
            const interval = analyzer.interval(call, analyzer.root());
            expect(
              interval.lo <= (declared.value as number) && (declared.value as number) <= interval.hi,
              `${fn}(${args.join(", ")}) = ${String(declared.value)} in [${interval.lo}, ${interval.hi}]`,
            ).toBe(true);
          }
        }),
        { numRuns: 300, seed: 20261207 },
      );
    });
  }

  it("order statistics: Hyndman-Fan definition 7 quantiles, 1-based ranks, coded errors", () => {
    const xs = [-5, 3, -10, 7, 0, 2, -1];
    expect(BUILTINS.quantile.apply([xs, 0.01], 0, raise)).toBeCloseTo(-9.7, 12);
    expect(BUILTINS.quantile.apply([xs, 0.5], 0, raise)).toBe(0);
    expect(BUILTINS.quantile.apply([[1, 2, 3, 4], 0.25], 0, raise)).toBe(1.75);
    expect(BUILTINS.quantile.apply([[-Number.MAX_VALUE, Number.MAX_VALUE], 0.5], 0, raise)).toBe(0);
    expect(BUILTINS.kth_smallest.apply([xs, 2], 0, raise)).toBe(-5);
    expect(BUILTINS.kth_largest.apply([xs, 1], 0, raise)).toBe(7);
    expect(xs).toEqual([-5, 3, -10, 7, 0, 2, -1]);
    expect(outcome(() => BUILTINS.quantile.apply([[], 0.5], 0, raise))).toEqual({ code: "MB6040" });
    expect(outcome(() => BUILTINS.quantile.apply([xs, 1.01], 0, raise))).toEqual({ code: "MB6042" });
    expect(outcome(() => BUILTINS.kth_largest.apply([xs, 8], 0, raise))).toEqual({ code: "MB6041" });
    expect(outcome(() => BUILTINS.kth_smallest.apply([xs, 1.5], 0, raise))).toEqual({ code: "MB6041" });
    // The same in decimal arithmetic, exactly.
    const d = (v: number): Value => toDec(v) as unknown as Value;
    const context = { mode: "decimal", scale: 18 } as unknown as IrArithmetic;
    const decimal = (fn: "quantile" | "kth_smallest", args: Value[]): string =>
      decText(BUILTINS[fn].decimal(args, 0, raise, context) as unknown as Dec);
    expect(decimal("quantile", [[1, 2, 3, 4].map(d), d(0.25)])).toBe("1.75");
    expect(decimal("quantile", [xs.map(d), d(0.01)])).toBe("-9.7");
    expect(decimal("kth_smallest", [xs.map(d), d(2)])).toBe("-5");
  });

  it("length is the length of a list", () => {
    expect(BUILTINS.length.apply([[1, 2, 3]], 0, raise)).toBe(3);
    expect(BUILTINS.length.surface).toBe(false);
  });
});

describe("the builtins table and the language reference", () => {
  const reference = readFileSync(resolve(ROOT, "docs/language.md"), "utf8");
  const section = reference.slice(
    reference.indexOf("## 11. Built-in functions"),
    reference.indexOf("## 12."),
  );
  // The functions named in the first column of the table's rows (`any(...)`, `all(...)` share one).
  const firstCells = section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split("|")[1]!);
  const documented = new Set(
    firstCells.flatMap((cell) => [...cell.matchAll(/`([a-z_0-9]+)\(/g)].map((m) => m[1]!)),
  );
  documented.delete("t");

  it("lists exactly the functions the checker offers", () => {
    expect([...documented].sort()).toEqual(builtins.map((b) => b.name).sort());
  });

  it("gives each IR builtin its declared number of arguments", () => {
    for (const name of BUILTIN_NAMES.filter((n) => BUILTINS[n].surface)) {
      const row = section.split("\n").find((line) => line.startsWith(`| \`${name}(`))!;
      // Named options (`bankruptcy_price(..., options)`) are not arguments: the checker's arity counts the rest.
      const written = row
        .slice(row.indexOf("(") + 1, row.indexOf(")"))
        .split(",")
        .filter((a) => a.trim() !== "options").length;
      const [min, max] = builtins.find((b) => b.name === name)!.arity;
      if (row.includes("...")) expect(max, name).toBeGreaterThan(min);
      else expect([min, max], name).toEqual([written, written]);
    }
  });
});

describe("option pricing with a discount factor", () => {
  it("black76_df / black_scholes_df with D = e^(-rT) price as black76 / black_scholes with the rate", () => {
    const year = 365 * 86400;
    for (const kind of ["call", "put"]) {
      const withRate = BUILTINS.black76.apply([kind, 100, 95, 0.4, year / 2, 0.05], 0, raise) as number;
      const withFactor = BUILTINS.black76_df.apply(
        [kind, 100, 95, 0.4, year / 2, Math.exp(-0.025)],
        0,
        raise,
      );
      expect(withFactor as number).toBeCloseTo(withRate, 12);
      const bs = BUILTINS.black_scholes.apply([kind, 100, 95, 0.4, year / 2, 0.05], 0, raise) as number;
      const bsFactor = BUILTINS.black_scholes_df.apply(
        [kind, 100, 95, 0.4, year / 2, Math.exp(-0.025)],
        0,
        raise,
      );
      expect(bsFactor as number).toBeCloseTo(bs, 12);
    }
    expect(outcome(() => BUILTINS.black76_df.apply(["call", 100, 95, 0.4, year, 0], 0, raise))).toEqual({
      code: "MB6010",
    });
  });
});
