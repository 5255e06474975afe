/**
 * The runtime entry engines use (`marginbook/runtime`): loading compiled artifacts, refusing
 * tampered ones, evaluating one input, a batch, or columns, and validating inputs on the way.
 */
import { describe, expect, it } from "vitest";
import { withPrototypeSetter } from "../support/prototype-setter.js";
import { serializeArtifact, type CompiledArtifact } from "../../src/compile/artifact.js";
import { hashJson } from "../../src/runtime/hash.js";
import {
  ArtifactError,
  ColumnsError,
  InputValidationError,
  RuntimeError,
  loadArtifact,
  type LoadedRulebook,
} from "../../src/runtime/index.js";
import { evaluate as interpret } from "../../src/runtime/interpreter.js";
import { InputGenerator } from "../support/random-inputs.js";
import { bundledRulebooks, compileArtifact } from "../support/rulebooks.js";
import { BINANCE as WORKED } from "../support/worked-examples.js";

const BINANCE = "rules/binance-btcusdt-perp.margin";
const artifact = compileArtifact(BINANCE);
const book = loadArtifact(serializeArtifact(artifact));

/** Binance's published example (rules/binance-btcusdt-perp.test.yaml). */
const example = WORKED.input;
const expectedMaintenance = WORKED.expect["maintenance_margin"]!;

/** A deep copy of the artifact to tamper with. */
function copy(): CompiledArtifact {
  return JSON.parse(JSON.stringify(artifact)) as CompiledArtifact;
}

/** Tampers with a copy; `rehash` recomputes the IR hash, as a careful attacker would. */
function tampered(change: (a: CompiledArtifact) => void, rehash = false): CompiledArtifact {
  const a = copy();
  change(a);
  if (rehash) a.irHash = hashJson(a.ir);
  return a;
}

function refusal(json: unknown): ArtifactError {
  try {
    loadArtifact(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ArtifactError);
    return error as ArtifactError;
  }
  throw new Error("the artifact was accepted");
}

describe("loadArtifact", () => {
  it("loads the Binance artifact and reproduces the published maintenance margin", () => {
    expect(book.meta).toMatchObject({
      name: "BTCUSDT perpetual",
      version: "1.0.0",
      currency: "USDT",
      effective: "2026-01-01T00:00:00Z",
    });
    const { outputs } = book.evaluate(example);
    // 3,500,032.45776 x 2.5% - 16,300 = 71,200.811444 (the brief prints it truncated: 71,200.81144).
    expect(outputs["maintenance_margin_exact"]).toBeCloseTo(71200.81144, 5);
    expect(outputs["maintenance_margin_exact"]).toBe(WORKED.expect["maintenance_margin_exact"]);
    expect(outputs["maintenance_margin"]).toBe(expectedMaintenance);
    expect(outputs["initial_margin"]).toBe(175001.63);
    expect(outputs["max_leverage"]).toBe(20);
  });

  it("explains on request: the tier chosen and every rule, with source lines", () => {
    const { explanation } = book.evaluate(example, { explain: true });
    const rules = explanation!.entries.filter((e) => e.kind === "rule");
    expect(rules.map((r) => [r.name, r.ran])).toEqual([
      ["base", true],
      ["vol_scale", false],
      ["size_floor", true],
      ["liquidity", false],
      ["ceiling", true],
    ]);
    const base = rules[0]!;
    expect(base.kind === "rule" && base.actions[0]!.tiers[0]).toMatchObject({
      table: "brackets",
      tier: 4,
      lower: 1_000_000,
      upper: 10_000_000,
    });
    expect(explanation!.entries.every((e) => e.line > 0)).toBe(true);
    expect(book.evaluate(example).explanation).toBeUndefined();
  });

  it("accepts the artifact as text, as bytes, or as a parsed value, and copies it", () => {
    const value = copy();
    const fromValue = loadArtifact(value);
    value.ir.tables[0]!.rows[3]!.cells[1] = 0.5; // a later change by the caller cannot reach the loaded rulebook
    expect(fromValue.evaluate(example, { explain: true }).outputs["maintenance_margin"]).toBe(
      expectedMaintenance,
    );
    const fromBytes = loadArtifact(new TextEncoder().encode(JSON.stringify(artifact)));
    expect(fromBytes.evaluate(example).outputs).toEqual(book.evaluate(example).outputs);
    expect(Object.isFrozen(fromValue.ir.tables[0]!.rows[3])).toBe(true);
  });

  it("loads the artifact of every bundled rulebook", () => {
    for (const file of bundledRulebooks()) {
      const loaded = loadArtifact(serializeArtifact(compileArtifact(file)));
      expect(loaded.outputs.length, file).toBeGreaterThan(0);
      expect(loaded.irHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it("records the hashes and the compiler", () => {
    expect(artifact.format).toBe("marginbook-artifact");
    expect(artifact.formatVersion).toBe(1);
    expect(artifact.compiler).toEqual({ name: "marginbook", version: "test" });
    expect(artifact.sourceHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(artifact.irHash).toBe(hashJson(artifact.ir));
  });
});

describe("tampered and malformed artifacts are refused with an ArtifactError", () => {
  it("a changed IR (a maintenance rate) no longer matches its hash", () => {
    const error = refusal(tampered((a) => void (a.ir.tables[0]!.rows[3]!.cells[1] = 0.02)));
    expect(error.code).toBe("MB6105");
    expect(error.message).toMatch(/modified after compilation/);
  });

  it("a malformed or wrong hash", () => {
    expect(refusal(tampered((a) => void (a.irHash = "md5:1234"))).code).toBe("MB6104");
    expect(refusal(tampered((a) => void (a.irHash = `sha256:${"0".repeat(64)}`))).code).toBe("MB6105");
  });

  it("the wrong format, format version or IR version", () => {
    expect(refusal(tampered((a) => void ((a as { format: string }).format = "something-else"))).code).toBe(
      "MB6102",
    );
    expect(refusal(tampered((a) => void ((a as { formatVersion: number }).formatVersion = 2))).code).toBe(
      "MB6103",
    );
    expect(refusal(tampered((a) => void ((a.ir as { irVersion: number }).irVersion = 99), true)).code).toBe(
      "MB6103",
    );
    expect(refusal({ hello: "world" }).message).toMatch(/not a marginbook artifact/);
    expect(refusal([1, 2]).code).toBe("MB6102");
  });

  it("extra properties, at the top and deep in the IR, even with a recomputed hash", () => {
    const top = refusal(
      tampered((a) => void ((a as unknown as Record<string, unknown>)["evaluator"] = "function () {}")),
    );
    expect(top.code).toBe("MB6104");
    expect(top.problems).toContain('/: unknown property "evaluator"');
    const deep = refusal(
      tampered((a) => void ((a.ir.steps[0] as unknown as Record<string, unknown>)["code"] = "x"), true),
    );
    expect(deep.code).toBe("MB6104");
    expect(deep.message).toMatch(/\/ir\/steps\/0/);
  });

  it("code injected in a name is refused; injected in a text it stays text", () => {
    const injected = 'x"]; globalThis.__pwned = 1; //';
    const inName = refusal(tampered((a) => void (a.ir.slots[0]!.name = injected), true));
    expect(inName.code).toBe("MB6104");
    expect(inName.message).toMatch(/\/ir\/slots\/0\/name must match/);
    expect(
      refusal(
        tampered(
          (a) => void (a.ir.schema.records["position"]!.fields[0]!.name = "size; process.exit(1)"),
          true,
        ),
      ).code,
    ).toBe("MB6104");

    // Texts (messages, names shown to people) are data: loading and evaluating run none of it.
    const inText = tampered((a) => {
      const step = a.ir.steps.find((s) => s.kind === "assert")!;
      if (step.kind === "assert") step.message = '"); globalThis.__pwned = 1; ("';
    }, true);
    const loaded = loadArtifact(inText);
    expect(loaded.evaluate(example).outputs["maintenance_margin"]).toBe(expectedMaintenance);
    expect((globalThis as Record<string, unknown>)["__pwned"]).toBeUndefined();
  });

  it("an index out of range or a header that differs from the IR's", () => {
    const outOfRange = refusal(
      tampered((a) => {
        const step = a.ir.steps.find((s) => s.kind === "let")!;
        if (step.kind === "let") step.slot = 999;
      }, true),
    );
    expect(outOfRange.code).toBe("MB6106");
    expect(outOfRange.message).toMatch(/slot 999 does not exist/);
    expect(refusal(tampered((a) => void (a.meta.version = "9.9.9"))).code).toBe("MB6106");
  });

  it("text that is not JSON, values JSON cannot carry, and absurd nesting", () => {
    expect(refusal("{ not json").code).toBe("MB6101");
    const cyclic: Record<string, unknown> = { format: "marginbook-artifact" };
    cyclic["self"] = cyclic;
    expect(refusal(cyclic).code).toBe("MB6101");
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(["MB6101", "MB6102"]).toContain(refusal(deep).code);
    // 5,000 nested negations: parsed fine, refused before anything recursive walks it.
    const text = serializeArtifact(artifact);
    const marker = '{"k":"const","v":1}';
    const deepExpr = `${'{"k":"unary","op":"neg","x":'.repeat(5_000)}${marker}${"}".repeat(5_000)}`;
    const compact = JSON.stringify(JSON.parse(text));
    const firstValue = compact.indexOf('"value":') + '"value":'.length;
    const end = compact.indexOf(',"site"', firstValue);
    const nested = refusal(compact.slice(0, firstValue) + deepExpr + compact.slice(end));
    expect(nested.code).toBe("MB6107");
    expect(nested.message).toMatch(/nests deeper than 340 levels/);
  });
});

describe("evaluation with validated inputs", () => {
  it("refuses an invalid input with every problem, and skips validation when asked", () => {
    const bad = {
      position: { size: -1, mark: 31967.27, side: "long" },
      market: { vol_30d: "high", adv: 2e9 },
    };
    let caught: unknown;
    try {
      book.evaluate(bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputValidationError);
    expect((caught as InputValidationError).code).toBe("MB6001");
    expect((caught as InputValidationError).errors.map((e) => e.message)).toEqual([
      "/position/size must be > 0, not -1",
      '/market/vol_30d must be a number, not "high"',
    ]);
    expect(book.validate(bad).valid).toBe(false);
    expect(book.validate(example)).toEqual({ valid: true, errors: [] });
  });

  it("validates on every path but `validate: false`, binary64 and decimal alike", () => {
    const bad = { position: { size: -1, mark: 31967.27, side: "long" }, market: { vol_30d: 0.5, adv: 2e9 } };
    const refused = (
      b: LoadedRulebook,
      input: unknown,
      options?: Parameters<LoadedRulebook["evaluate"]>[1],
    ) => {
      try {
        b.evaluate(input, options);
        return false;
      } catch (error) {
        return error instanceof InputValidationError;
      }
    };
    const paths = [undefined, {}, { validate: true }, { explain: true }, { outputs: ["maintenance_margin"] }];
    for (const options of paths) expect(refused(book, bad, options)).toBe(true);
    // Trusted: the engine vouches for its input; the evaluation runs as given (and stops at the tiers).
    expect(() => book.evaluate(bad, { validate: false })).toThrow(/falls in no tier/);
    expect(() => book.evaluate(bad, { validate: false, outputs: ["maintenance_margin"] })).toThrow(
      RuntimeError,
    );
    const dydx = loadArtifact(compileArtifact("rules/dydx-v4-quantums.margin"));
    const valid = new InputGenerator(dydx.ir, 3).next();
    for (const options of paths.slice(0, 3)) expect(refused(dydx, { nonsense: true }, options)).toBe(true);
    expect(dydx.evaluate(valid, { validate: false })).toEqual(dydx.evaluate(valid));
  });

  it("raises coded runtime errors from the compiled evaluator", () => {
    const tiny = {
      position: { size: 1e-300, mark: 1e-300, side: "long" },
      market: { vol_30d: 0.5, adv: 2e9 },
    };
    expect(book.evaluate(tiny).outputs["maintenance_margin_exact"]).toBe(0);
    const ftx = loadArtifact(compileArtifact("rules/bybit-tier-by-tier-example.margin"));
    const outside = ftx.evaluateBatch([{ position: { value: 5000.01, leverage: 10 } }])[0]!;
    expect(outside.ok).toBe(false);
    if (!outside.ok) expect(outside.error.code).toBe("MB6021");
    expect(() => ftx.evaluate({ position: { value: 5000.01, leverage: 10 } })).toThrow(RuntimeError);
  });
});

/** Random valid Binance inputs, with a few invalid ones mixed in at known places. */
function mixedInputs(count: number): unknown[] {
  const generator = new InputGenerator(book.ir, 7);
  return Array.from({ length: count }, (_, i) =>
    i % 50 === 17
      ? { position: { size: -i, mark: 1, side: "long" }, market: { vol_30d: 0.1, adv: 1 } }
      : generator.next(),
  );
}

function single(
  b: LoadedRulebook,
  input: unknown,
): { ok: true; outputs: Record<string, unknown> } | { ok: false; code: string } {
  try {
    return { ok: true, outputs: b.evaluate(input).outputs };
  } catch (error) {
    return { ok: false, code: (error as { code: string }).code };
  }
}

describe("the result of evaluate", () => {
  const paths = [undefined, {}, { validate: false }, { outputs: ["maintenance_margin"] }] as const;

  it("is a plain object holding the outputs, on every path", () => {
    for (const options of paths) {
      const result = book.evaluate(example, options);
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptors(result)).toEqual({
        outputs: { value: result.outputs, writable: true, enumerable: true, configurable: true },
      });
      expect(result.outputs["maintenance_margin"]).toBe(expectedMaintenance);
    }
    expect(book.evaluate(example, { validate: false })).toStrictEqual({
      outputs: interpret(book.ir, example).outputs,
    });
  });

  it("is built by a constructor, not an object literal (V8 pretenures a literal's allocation site)", () => {
    // A `{ outputs }` literal in the dispatcher was pretenured in some processes that keep their
    // results: the trusted path then ran about 2x slower (docs/performance.md, "The per-record
    // evaluator and V8"). The dispatcher's own text must build no such literal.
    expect(book.evaluate.toString()).not.toMatch(/\{\s*outputs\b/);
  });

  it("keeps `outputs` an own data property when Object.prototype has a setter of that name", () => {
    const set = withPrototypeSetter("outputs", () => {
      // Every options object inherits that `outputs` ("inherited"): not a selection of the caller's.
      for (const options of [undefined, {}, { validate: false }, { outputs: ["maintenance_margin"] }]) {
        const result = book.evaluate(example, options);
        expect(Object.keys(result)).toEqual(["outputs"]);
        expect(Object.getOwnPropertyDescriptor(result, "outputs")?.value).toMatchObject({
          maintenance_margin: expectedMaintenance,
        });
      }
      const all = Object.keys(interpret(book.ir, example).outputs);
      expect(Object.keys(book.evaluate(example, { validate: false }).outputs)).toEqual(all);
      expect(Object.keys(book.evaluate(example, {}).outputs)).toEqual(all);
    });
    expect(set).toEqual([]);
  });
});

describe("batch and columnar evaluation", () => {
  const inputs = mixedInputs(1_000);

  it("evaluateBatch gives, input by input, what evaluate gives; one failure stops nothing", () => {
    const batch = book.evaluateBatch(inputs);
    expect(batch).toHaveLength(inputs.length);
    batch.forEach((outcome, i) => {
      const expected = single(book, inputs[i]);
      if (expected.ok) expect(outcome).toEqual({ ok: true, outputs: expected.outputs });
      else expect(outcome.ok === false && outcome.error.code).toBe(expected.code);
    });
    expect(batch.filter((o) => !o.ok).length).toBe(20);
  });

  it("evaluateColumns gives the same numbers, bit for bit, and NaN in the rows that fail", () => {
    const rows = inputs as {
      position: { size: number; mark: number; side: string };
      market: { vol_30d: number; adv: number };
    }[];
    const columns = {
      "position.size": Float64Array.from(rows, (r) => r.position.size),
      "position.mark": Float64Array.from(rows, (r) => r.position.mark),
      "position.side": rows.map((r) => r.position.side),
      "market.vol_30d": rows.map((r) => r.market.vol_30d),
      "market.adv": Float64Array.from(rows, (r) => r.market.adv),
    };
    const result = book.evaluateColumns(columns, rows.length);
    const failed = new Set(result.errors.map((e) => e.index));
    expect(failed.size).toBe(20);
    rows.forEach((row, i) => {
      const expected = single(book, row);
      for (const output of book.outputs) {
        const column = result.outputs[output.name] as Float64Array;
        expect(column).toBeInstanceOf(Float64Array);
        if (expected.ok) expect(Object.is(column[i], expected.outputs[output.name])).toBe(true);
        else expect(column[i]).toBeNaN();
      }
    });
    expect(result.errors[0]!.message).toMatch(/^row 17: \/position\/size must be > 0/);
  });

  it("refuses columns that do not fit the rulebook", () => {
    const one = {
      "position.size": [1],
      "position.mark": [1],
      "position.side": ["long"],
      "market.vol_30d": [0.5],
      "market.adv": [1e9],
    };
    expect(book.evaluateColumns(one, 1).errors).toEqual([]);
    expect(() => book.evaluateColumns({ ...one, "position.sise": [1] }, 1)).toThrow(
      /unknown column "position.sise"/,
    );
    const { ["market.adv"]: _, ...missing } = one;
    expect(() => book.evaluateColumns(missing, 1)).toThrow(ColumnsError);
    expect(() => book.evaluateColumns(one, 2)).toThrow(/fewer than the 2 rows/);
    const span = loadArtifact(compileArtifact("rules/span-sp500.margin"));
    // Lists are columns too (offsets plus item columns): leaving them out is a missing column.
    expect(() => span.evaluateColumns({}, 0)).toThrow(/missing column account.positions/);
  });

  it("agrees with the interpreter on random inputs of every bundled rulebook", () => {
    for (const file of bundledRulebooks()) {
      const loaded = loadArtifact(compileArtifact(file));
      const generator = new InputGenerator(loaded.ir, 11);
      for (let i = 0; i < 200; i++) {
        const input = generator.next();
        const compiled = single(loaded, input);
        let reference: ReturnType<typeof single>;
        try {
          reference = { ok: true, outputs: interpret(loaded.ir, input).outputs };
        } catch (error) {
          reference = { ok: false, code: (error as RuntimeError).code };
        }
        expect(compiled, `${file} input ${JSON.stringify(input)}`).toEqual(reference);
      }
    }
  });
});
