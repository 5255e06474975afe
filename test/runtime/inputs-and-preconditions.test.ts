/**
 * An input record whose fields all have defaults may be left out of a runtime input: the schema
 * does not require it, and both evaluators read its defaults. A record with a required field is
 * still required (MB6001). An assertion that reads only inputs runs before evaluation.
 */
import { describe, expect, it } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { inputJsonSchema, validateInput } from "../../src/runtime/input-schema.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { checkRulebook } from "../../src/service/language-service.js";

const source = `rulebook "Defaults" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT
input position { size: Quantity > 0, mark: Price > 0 }
input account { wallet: USDT >= 0 = 1_000 USDT, others_mm: USDT >= 0 = 0 }
output notional: USDT = position.size * position.mark
output free: USDT = account.wallet - account.others_mm - 1% * notional
`;

const result = checkRulebook(source, "defaults.margin", { readFile: () => undefined, resolve: (_f, p) => p });
const ir = lowerRulebook(result.checked);
const compiled = compileEvaluator(ir);

describe("an input record whose fields all have defaults", () => {
  it("checks, and the schema requires only the other inputs", () => {
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(inputJsonSchema(ir)["required"]).toEqual(["position"]);
  });

  it("may be left out: both evaluators read its defaults", () => {
    const input = { position: { size: 2, mark: 100 } };
    expect(validateInput(ir, input).valid).toBe(true);
    expect(evaluate(ir, input).outputs).toEqual({ notional: 200, free: 998 });
    expect(compiled.evaluate(input)).toEqual({ notional: 200, free: 998 });
    const given = { ...input, account: { others_mm: 100 } };
    expect(evaluate(ir, given).outputs).toEqual({ notional: 200, free: 898 });
    expect(compiled.evaluate(given)).toEqual({ notional: 200, free: 898 });
  });

  it("a record with a required field is still required", () => {
    const check = validateInput(ir, { account: {} });
    expect(check.valid).toBe(false);
    expect(check.valid ? [] : check.errors.map((e) => `${e.code} ${e.message}`)).toEqual([
      'MB6001 missing input "position"',
    ]);
  });
});

describe("an assertion on inputs only is a precondition", () => {
  const book = `rulebook "Buckets" version 1.0.0 effective 2026-01-01T00:00:00Z currency USD
input sensitivity { bucket: Number >= 1, delta: USD }
let remaining: Number = 12 - sensitivity.bucket
output weighted: USD = sensitivity.delta / remaining
assert sensitivity.bucket <= 11 "the bucket must be 1 to 11 (the risk-weight table has no bucket 12)"
assert weighted >= -1_000_000 USD
`;
  const checked = checkRulebook(book, "buckets.margin", { readFile: () => undefined, resolve: (_f, p) => p });
  const buckets = lowerRulebook(checked.checked);
  const generated = compileEvaluator(buckets);

  it("runs before evaluation: an out-of-table bucket is reported as such, not as a division by zero", () => {
    expect(buckets.steps.map((s) => s.kind)).toEqual(["assert", "let", "output", "assert"]);
    const input = { sensitivity: { bucket: 12, delta: 100 } };
    const expected =
      "MB6008 assertion failed: the bucket must be 1 to 11 (the risk-weight table has no bucket 12)";
    const describe = (run: () => unknown): string => {
      try {
        run();
        return "no error";
      } catch (error) {
        return `${(error as { code: string }).code} ${(error as Error).message}`;
      }
    };
    expect(describe(() => evaluate(buckets, input))).toContain(expected);
    expect(describe(() => generated.evaluate(input))).toContain(expected);
    expect(evaluate(buckets, { sensitivity: { bucket: 2, delta: 100 } }).outputs).toEqual({ weighted: 10 });
  });
});
