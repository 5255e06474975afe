/**
 * The evaluators: the reference interpreter and the compiled JavaScript evaluator, over the IR.
 * Published worked examples, numeric helpers, runtime errors, explanations, golden IR printouts,
 * and a differential test of the two evaluators on random valid inputs for every rulebook.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { withPrototypeSetter } from "../support/prototype-setter.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { printIr } from "../../src/compile/print-ir.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import {
  compileEvaluator,
  factoryParameters,
  generateSource,
  type CompiledEvaluator,
} from "../../src/runtime/codegen.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import {
  black76,
  blackScholes,
  normalCdf,
  roundDown,
  roundDynamic,
  roundHalfEven,
  roundUp,
  decimalStep,
} from "../../src/semantics/numeric.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";
import { type Outcome, attempt, lowerSource } from "../support/outcomes.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = "test/fixtures/eval";
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

function read(file: string): string | undefined {
  try {
    return readFileSync(resolve(ROOT, file), "utf8");
  } catch {
    return undefined;
  }
}

/** Checks and lowers a rulebook (paths relative to the repository, so IR text is stable). */
function load(file: string): IrRulebook {
  const host = {
    readFile: read,
    resolve: (from: string, path: string) => relative(ROOT, resolve(ROOT, dirname(from), path)),
  };
  const result = checkRulebook(read(file)!, file, host);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return lowerRulebook(result.checked, { source: read });
}

function same(a: Outcome, b: Outcome): boolean {
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.code === b.code && a.message === b.message;
  const keys = Object.keys(a.outputs);
  return (
    keys.join() === Object.keys(b.outputs).join() && keys.every((k) => Object.is(a.outputs[k], b.outputs[k]))
  );
}

const BINANCE = existsSync(join(ROOT, "rules/binance-btcusdt-perp.margin"))
  ? "rules/binance-btcusdt-perp.margin"
  : `${FIXTURES}/tiered.margin`;
const binanceInput = (size: number, mark: number) => ({
  position: { size, mark, side: "long" },
  market: { vol_30d: 0.5, adv: 2_000_000_000 },
});

describe("the Binance worked example (Binance USDⓈ-M brackets, historical BTCUSDT table)", () => {
  for (const file of [BINANCE, `${FIXTURES}/tiered.margin`]) {
    const ir = load(file);
    const compiled = compileEvaluator(ir);
    it(`109.488 BTC at 31,967.27: MM 71,200.811444 unrounded, 71,200.82 rounded up (${file})`, () => {
      const input = binanceInput(109.488, 31967.27);
      for (const outputs of [evaluate(ir, input).outputs, compiled.evaluate(input)]) {
        // The brief prints 71,200.81144, the exact value truncated to 5 decimals.
        expect(Math.abs((outputs["maintenance_margin_exact"] as number) - 71200.811444)).toBeLessThan(1e-6);
        expect(Math.abs((outputs["maintenance_margin_exact"] as number) - 71200.81144)).toBeLessThan(1e-5);
        expect(outputs["maintenance_margin"]).toBe(71200.82);
      }
    });
  }

  it("derives the maintenance amounts (cum) 0 / 50 / 1,300 / 16,300 / 266,300 / ... exactly", () => {
    const table = load(BINANCE).tables.find((t) => t.name === "brackets")!;
    const mmr = table.columns.findIndex((c) => c.name === "mmr");
    expect(table.rows.map((r) => r.deductions[mmr])).toEqual([
      0, 50, 1300, 16300, 266300, 1266300, 2516300, 5016300, 25016300, 100016300,
    ]);
  });

  it("margin is continuous at every tier boundary", () => {
    const ir = load(`${FIXTURES}/tiered.margin`);
    for (const row of ir.tables[0]!.rows.slice(1)) {
      const at = evaluate(ir, binanceInput(1, row.lower)).outputs["maintenance_margin_exact"] as number;
      const below = evaluate(ir, binanceInput(1, row.lower * (1 - 1e-12))).outputs[
        "maintenance_margin_exact"
      ] as number;
      expect(Math.abs(at - below)).toBeLessThan(Math.max(1e-6, at * 1e-9));
    }
  });
});

describe("rounding to a step", () => {
  const up = (x: number, step: number) => roundUp(x, step, decimalStep(step).units, decimalStep(step).scale);
  it("rounds up to the cent without binary noise", () => {
    expect(up(71200.81144, 0.01)).toBe(71200.82);
    expect(up(0.3, 0.01)).toBe(0.3);
    expect(up(0.07, 0.01)).toBe(0.07);
    expect(up(1.005, 0.01)).toBe(1.01);
    expect(up(-0.004, 0.01)).toBe(0);
    expect(Object.is(up(-0.004, 0.01), 0)).toBe(true);
  });
  it("rounds down and half-even", () => {
    const s = decimalStep(0.01);
    expect(roundDown(199.99996, 0.01, s.units, s.scale)).toBe(199.99);
    expect(roundDown(0.29, 0.01, s.units, s.scale)).toBe(0.29);
    expect(roundHalfEven(0.125, 0.01, s.units, s.scale)).toBe(0.12);
    expect(roundHalfEven(0.135, 0.01, s.units, s.scale)).toBe(0.14);
    expect(roundHalfEven(-0.125, 0.01, s.units, s.scale)).toBe(-0.12);
    expect(roundHalfEven(2.5, 1, 1, 1)).toBe(2);
    expect(roundHalfEven(3.5, 1, 1, 1)).toBe(4);
  });
  it("handles steps that are not short decimals, and rejects bad steps", () => {
    expect(decimalStep(1 / 3).units).toBe(0);
    expect(up(1, 1 / 3)).toBe(1);
    expect(decimalStep(0.05)).toEqual({ units: 5, scale: 100 });
    expect(() =>
      roundDynamic("up", 1, 0, -1, () => {
        throw new Error("bad step");
      }),
    ).toThrow("bad step");
  });
});

describe("normal_cdf and option pricing", () => {
  it("matches reference values of the normal CDF (mpmath, 40 digits) to 1e-15 relative", () => {
    const reference: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [-1, 0.15865525393145705],
      [2, 0.9772498680518208],
      [-3, 0.0013498980316300946],
      [-6, 9.86587645037698e-10],
      [-10, 7.619853024160525e-24],
      [0.5, 0.6914624612740131],
    ];
    for (const [x, p] of reference) expect(Math.abs(normalCdf(x) - p) / p).toBeLessThan(1e-15);
  });
  it("prices at-the-money options (Black-76 and Black-Scholes, one year = 365 days)", () => {
    const year = 365 * 86400;
    const fail = () => {
      throw new Error("unexpected");
    };
    // r = 0: call = F (2 N(sigma sqrt(T) / 2) - 1); with F = K = 100, sigma = 20%: 7.965567455405798.
    expect(black76("call", 100, 100, 0.2, year, 0, 0, fail)).toBeCloseTo(7.965567455405798, 12);
    // Put-call parity: C - P = e^{-rT} (F - K) and S - K e^{-rT}.
    const c = black76("call", 110, 100, 0.3, year / 2, 0.05, 0, fail);
    const p = black76("put", 110, 100, 0.3, year / 2, 0.05, 0, fail);
    expect(c - p).toBeCloseTo(Math.exp(-0.05 / 2) * 10, 10);
    const cs = blackScholes("call", 110, 100, 0.3, year / 2, 0.05, 0, fail);
    const ps = blackScholes("put", 110, 100, 0.3, year / 2, 0.05, 0, fail);
    expect(cs - ps).toBeCloseTo(110 - 100 * Math.exp(-0.05 / 2), 10);
  });
});

describe("runtime errors: the same code and message from both evaluators", () => {
  const ir = load(`${FIXTURES}/errors.margin`);
  const compiled = compileEvaluator(ir);
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "division by zero",
      { divisor: 0 },
      "MB6002",
      /^division by zero in `let quotient` \(line \d+\), with x.divisor$/,
    ],
    [
      "square root of a negative",
      { root: -4 },
      "MB6003",
      /square root of a negative number \(-4\) in `let root`/,
    ],
    ["logarithm of zero", { log: 0 }, "MB6004", /logarithm of 0, which is not positive/],
    [
      "min of an empty list",
      { items: [] },
      "MB6005",
      /`min` of an empty list, and no `default` in `let smallest`.*x.items/,
    ],
    [
      "a key outside every tier",
      { key: 50 },
      "MB6006",
      /50 falls in no tier of `table` in `let rate`.*x.key/,
    ],
    ["a key above the last tier", { key: 2001 }, "MB6006", /2001 falls in no tier/],
    ["an infinite output", { big: 1000 }, "MB6007", /output `blown` is Infinity/],
    ["a failed assertion", { limit: 1 }, "MB6008", /assertion failed: total within the limit/],
    ["an index outside the list", { index: 5 }, "MB6009", /index 5 is outside the list \(length 2\)/],
    ["a fractional index", { index: 0.5 }, "MB6009", /index 0.5 is outside/],
    [
      "a negative base to a fractional power",
      { base: -2 },
      "MB6010",
      /`pow`: -2 to the power 0.5 is not a real number/,
    ],
    ["a negative volatility", { vol: -0.1 }, "MB6010", /`black76`: the volatility must not be negative/],
  ];
  for (const [name, fields, code, message] of cases) {
    it(name, () => {
      const input = { x: { items: [1, 2], ...fields } };
      const a = attempt(() => evaluate(ir, input).outputs);
      const b = attempt(() => compiled.evaluate(input));
      expect(a.ok ? "no error" : a.code).toBe(code);
      expect(a.ok ? "" : a.message).toMatch(message);
      expect(b).toEqual(a);
    });
  }
  it("names the rule of a step that fails", () => {
    const error = (() => {
      try {
        evaluate(ir, { x: { items: [1], key: 3000 } });
      } catch (e) {
        return e as RuntimeError;
      }
    })();
    expect(error?.code).toBe("MB6006");
    expect(error?.inputs).toEqual(["x.key"]);
    expect(error?.line).toBeGreaterThan(0);
  });
});

describe("explanations", () => {
  it("list every rule that ran or was skipped, each step before and after, and the tier chosen", () => {
    const ir = load(`${FIXTURES}/tiered.margin`);
    const input = { position: { size: 109.488, mark: 31967.27 }, market: { vol_30d: 0.9, adv: 2e9 } };
    const { outputs, explanation } = evaluate(ir, input, { explain: true });
    expect(outputs).toEqual(evaluate(ir, input).outputs);
    const entries = explanation!.entries;
    const rules = entries.filter((e) => e.kind === "rule");
    expect(rules.map((r) => [r.name, r.ran])).toEqual([
      ["base", true],
      ["vol_scale", true],
      ["size_floor", true],
      ["liquidity", false],
      ["short_haircut", false],
    ]);
    const volScale = rules[1]!.kind === "rule" ? rules[1]!.actions[0]! : undefined;
    expect(volScale).toMatchObject({ verb: "scale", quantity: "im_rate", before: 0.05, operand: 1.05 });
    const row = entries.find((e) => e.kind === "let" && e.name === "row");
    expect(row).toMatchObject({
      value: { table: "brackets", tier: 4 },
      tiers: [
        { table: "brackets", tier: 4, lower: 1_000_000, upper: 10_000_000, deductions: { mmr: 16300 } },
      ],
    });
    expect(entries.every((e) => e.line > 0)).toBe(true);
  });
});

describe("the IR", () => {
  const goldens = ["tiered", "portfolio"];
  for (const name of goldens) {
    it(`prints ${name}.margin as in test/golden/ir/${name}.ir.txt`, () => {
      const text = printIr(load(`${FIXTURES}/${name}.margin`));
      const golden = join(ROOT, "test/golden/ir", `${name}.ir.txt`);
      if (UPDATE || !existsSync(golden)) {
        mkdirSync(dirname(golden), { recursive: true });
        writeFileSync(golden, text);
      }
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }

  // The generated JavaScript, reviewed like code: a change to the code generator shows up here as a diff.
  for (const name of ["tiered", "portfolio"]) {
    it(`generates ${name}.margin's evaluator as in test/golden/js/${name}.js.txt`, () => {
      const text = `// generated from ${FIXTURES}/${name}.margin by src/runtime/codegen.ts; do not edit (UPDATE_GOLDEN=1 rewrites it)\n${generateSource(load(`${FIXTURES}/${name}.margin`))}\n`;
      const golden = join(ROOT, "test/golden/js", `${name}.js.txt`);
      if (UPDATE) {
        mkdirSync(dirname(golden), { recursive: true });
        writeFileSync(golden, text);
      }
      expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(readFileSync(golden, "utf8"));
    });
  }

  it("is plain JSON: a round trip through JSON evaluates identically", () => {
    const ir = load(`${FIXTURES}/portfolio.margin`);
    const copy = JSON.parse(JSON.stringify(ir)) as IrRulebook;
    expect(copy).toEqual(ir);
    const generator = new InputGenerator(ir, 7);
    const compiled = compileEvaluator(copy);
    for (let i = 0; i < 200; i++) {
      const input = generator.next();
      expect(
        same(
          attempt(() => evaluate(ir, input).outputs),
          attempt(() => compiled.evaluate(input)),
        ),
      ).toBe(true);
    }
  });

  it("the runtime imports nothing from the checker, the compiler, the syntax, the grammar or Chevrotain", () => {
    for (const dir of ["src/runtime", "src/ir"]) {
      for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".ts"))) {
        const text = readFileSync(join(ROOT, dir, file), "utf8");
        const imports = [...text.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)].map(
          (m) => m[1]!,
        );
        const forbidden = imports.filter((spec) =>
          /\/(check|compile|syntax)\/|grammar|chevrotain/.test(spec),
        );
        expect(forbidden.map((spec) => `${dir}/${file}: ${spec}`)).toEqual([]);
      }
    }
  });
});

describe("generated code", () => {
  const source = [
    'rulebook "Evil \\" */ ${x}" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD',
    "input x { a: Number, constructor: Number = 7 }",
    'param label = "\\"); throw new Error(\\"pwned\\"); (\\""',
    "output __proto__: Number = x.a + 1",
    "output c: Number = x.constructor",
    "output text_out: Text = label",
    'assert x.a > -1_000_000 "quotes \\" */ ${t} \\\\ and more"',
  ].join("\n");

  it("is injection-proof: names, strings and messages only enter as string literals", () => {
    const checked = checkRulebook(source, "evil.margin");
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ir = lowerRulebook(checked.checked, { source: () => source });
    const compiled = compileEvaluator(ir);
    const outputs = compiled.evaluate({ x: { a: 1 } });
    expect(Object.keys(outputs)).toEqual(["__proto__", "c", "text_out"]);
    expect(outputs["__proto__"]).toBe(2);
    expect(outputs["c"]).toBe(7);
    expect(outputs["text_out"]).toBe('"); throw new Error("pwned"); ("');
    expect(
      same(
        attempt(() => evaluate(ir, { x: { a: 1 } }).outputs),
        attempt(() => compiled.evaluate({ x: { a: 1 } })),
      ),
    ).toBe(true);
    expect(attempt(() => compiled.evaluate({ x: { a: -2e6 } }))).toEqual(
      attempt(() => evaluate(ir, { x: { a: -2e6 } }).outputs),
    );
  });

  it("returns plain objects: Object.prototype, own data properties in output order, as the interpreter", () => {
    const text = [
      'rulebook "Names" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD',
      "input x { a: Number }",
      "output constructor: Number = x.a + 1",
      "output toString: Number = x.a * 2",
      'output hasOwnProperty: Text = if x.a > 0 then "up" else "down"',
      "output plain: Number = x.a",
    ].join("\n");
    const ir = lowerSource(text, "names.margin");
    for (const book of [ir, load(`${FIXTURES}/tiered.margin`)]) {
      const input = book === ir ? { x: { a: 1.5 } } : binanceInput(109.488, 31967.27);
      const outputs = compileEvaluator(book).evaluate(input);
      const expected = evaluate(book, input).outputs;
      expect(Object.getPrototypeOf(outputs)).toBe(Object.prototype);
      // As entries: keys in order, each a plain writable, enumerable, configurable data property.
      expect(Object.entries(Object.getOwnPropertyDescriptors(outputs))).toEqual(
        Object.entries(Object.getOwnPropertyDescriptors(expected)),
      );
      expect(JSON.stringify(outputs)).toBe(JSON.stringify(expected));
      expect(outputs).toStrictEqual(expected);
    }
    expect(compileEvaluator(ir).evaluate({ x: { a: 1.5 } })).toStrictEqual({
      constructor: 2.5,
      toString: 3,
      hasOwnProperty: "up",
      plain: 1.5,
    });
  });

  it("defines its outputs as own properties even when Object.prototype has a setter of that name", () => {
    const tiered = load(`${FIXTURES}/tiered.margin`);
    const evaluator = compileEvaluator(tiered);
    const input = binanceInput(109.488, 31967.27);
    const expected = evaluate(tiered, input).outputs;
    expect(evaluator.evaluate(input)).toStrictEqual(expected);
    const set = withPrototypeSetter("initial_margin", () => {
      const outputs = evaluator.evaluate(input);
      expect(Object.keys(outputs)).toEqual(Object.keys(expected));
      expect(Object.getOwnPropertyDescriptor(outputs, "initial_margin")?.value).toBe(
        expected["initial_margin"],
      );
    });
    expect(set).toEqual([]);
    expect(evaluator.evaluate(input)).toStrictEqual(expected);
  });

  it("refuses an IR that tries to smuggle code in (an artifact is not trusted)", () => {
    const ir = load(`${FIXTURES}/tiered.margin`);
    const evil = (mutate: (copy: any) => void) => {
      const copy = JSON.parse(JSON.stringify(ir));
      mutate(copy);
      return () => compileEvaluator(copy);
    };
    const marker = "(globalThis.pwned = 1)";
    expect(evil((c) => (c.steps[0].value.op = `+ ${marker} +`))).toThrow(/invalid IR/);
    expect(evil((c) => (c.steps[0].slot = `0; ${marker}`))).toThrow(/invalid IR/);
    // A let's site names it in MB6011 (a let that overflows), so it must be an index too.
    expect(evil((c) => (c.steps[0].site = `0); ${marker}; (`))).toThrow(/invalid IR/);
    expect(evil((c) => (c.tables[0].rows[0].cells[0] = marker))).toThrow(/invalid IR/);
    expect(evil((c) => (c.steps[1].value.site = marker))).toThrow(/invalid IR/);
    expect(evil((c) => (c.steps[0].value = { k: "const", v: { toString: marker } }))).toThrow(/invalid IR/);
    expect((globalThis as Record<string, unknown>)["pwned"]).toBeUndefined();
  });

  it("reads no globals: every identifier is a parameter, a keyword or a generated name", () => {
    const ir = load(`${FIXTURES}/portfolio.margin`);
    const { source: code } = compileEvaluator(ir);
    const stripped = code
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/\/\/[^\n]*/g, "")
      .replace(/\.\s*[A-Za-z_$][\w$]*/g, "")
      .replace(/[A-Za-z_$][\w$]*\s*:/g, ":");
    const allowed = new Set([
      // The factory's one parameter, and its values bound to constants at the top of the factory.
      ...factoryParameters(ir).map(([name]) => name),
      "min",
      "max",
      "abs",
      "sqrt",
      "exp",
      "log",
      "isInteger",
      "isFinite",
      "MapCtor",
      "raise",
      "E",
      "SC",
      "roundUp",
      "roundDown",
      "roundHalfEven",
      "roundDynamic",
      "normalCdf",
      "black76",
      "blackScholes",
      "checkedPow",
      "liquidationPrice",
      "withDefault",
      "readField",
      "newGroup",
      "formatTimestamp",
      "isRepresentableTimestamp",
      "P",
      "Outputs",
      "this",
      "in",
      "input",
      "validate",
      "evaluate",
      "return",
      "function",
      "let",
      "const",
      "if",
      "else",
      "for",
      "continue",
      "break",
      "new",
      "true",
      "false",
      "void",
      "site",
      "k",
      "value",
      "table",
      "name",
      "message",
      "index",
      "length",
      "fn",
    ]);
    const identifiers = new Set(stripped.match(/[A-Za-z_$][\w$]*/g) ?? []);
    const unexpected = [...identifiers].filter(
      (id) =>
        !allowed.has(id) &&
        !/^(?:[sltvicaho]\d+|T\d+_\w+|SC\d+(?:_\w+)?|S\d+(?:_l?u?)?|R_\w+|F_output|F_value)$/.test(id),
    );
    expect(unexpected).toEqual([]);
  });
});

/** The rulebooks the differential test runs: every rulebook in rules/, and the fixtures. */
function differentialRulebooks(): string[] {
  const rules = existsSync(join(ROOT, "rules"))
    ? readdirSync(join(ROOT, "rules"))
        .filter((f) => f.endsWith(".margin"))
        .map((f) => `rules/${f}`)
    : [];
  return [
    ...rules.sort(),
    `${FIXTURES}/tiered.margin`,
    `${FIXTURES}/portfolio.margin`,
    `${FIXTURES}/errors.margin`,
  ];
}

describe("differential: interpreter and compiled evaluator agree bit for bit", () => {
  const RUNS = 10_000;
  for (const file of differentialRulebooks()) {
    it(`${RUNS} random valid inputs of ${file}`, { timeout: 120_000 }, () => {
      const ir = load(file);
      const compiled: CompiledEvaluator = compileEvaluator(ir);
      const generator = new InputGenerator(ir, 0x5eed);
      let errors = 0;
      for (let i = 0; i < RUNS; i++) {
        const input = generator.next();
        const a = attempt(() => evaluate(ir, input, { explain: i % 10 === 0 }).outputs);
        const b = attempt(() => compiled.evaluate(input));
        if (!same(a, b))
          expect({ input, interpreter: a, compiled: b }).toEqual({ input, interpreter: b, compiled: a });
        if (!a.ok) errors++;
      }
      // Both outcomes must be exercised: most inputs evaluate, some stop with a runtime error.
      expect(errors).toBeLessThan(RUNS);
    });
  }
});
