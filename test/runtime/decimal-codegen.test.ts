/**
 * Generated decimal code (src/runtime/codegen-decimal.ts) on every construct, with exact published or
 * hand-derived figures: keyed tables by Integer (keys arrive as decimals) and by a tuple, grouping by
 * a number, sort, argmax, reduce / scan, user functions, list outputs, a tier table with an
 * expression cell, a marginal table's margin and a liquidation price. The interpreter, the generated
 * code and the loaded artifact give the same decimal text, and the same error where one is raised.
 */
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { compileChecked } from "../../src/service/compile-rulebook.js";
import { checkRulebook } from "../../src/service/language-service.js";

const SOURCE = `rulebook "Decimal constructs" version 1.0.0 effective 2026-01-01T00:00:00Z currency USDT
  arithmetic decimal
  decimal_scale 6

enum Side { long, short }
record Leg { bucket: Integer, weight: Number, quantity: Quantity, price: Price }
input account { legs: List<Leg>, wallet: USDT }
input position { side: Side, size: Quantity > 0, entry: Price > 0 }

param base: Rate = 0.1%

table bucket_weights by bucket: Integer {
  columns rw: Rate
  1: 10%
  2: 2 * base
  default: 1%
}

table spread by (a: Integer, b: Integer) {
  columns credit: Rate
  (1, 2): 55%
  default: 0%
}

tiers brackets by notional: USDT, marginal {
  columns mmr: Rate
  [0, 50_000)            0.40%
  [50_000, 250_000)      0.50%
  [250_000, inf)         base * 10
}

fn exposure(l: Leg): USDT = l.quantity * l.price * bucket_weights[l.bucket].rw

let by_bucket = group(l for l in account.legs by l.bucket)

output bucket_totals: List<USDT> = [sum(exposure(l) for l in g.items) for g in by_bucket]
output bucket_keys: List<Integer> = [g.key for g in by_bucket]
output sorted_weights: List<Number> = [l.weight for l in sort(l.weight for l in account.legs)]
output largest_bucket: Integer = argmax(exposure(l) for l in account.legs).bucket
output running: List<USDT> = scan(t + exposure(l) for l in account.legs from t = 0 USDT)
output total: USDT = reduce(t + exposure(l) for l in account.legs from t = 0 USDT)
output credit: USDT = 1750 USDT * 2 * spread[1, 2].credit
output thirds: Number = 1 / 3
output mm: USDT = brackets.margin(position.size * position.entry, mmr) round up to 0.01
output liquidation: Price = brackets.liquidation_price(position.side, position.size, position.entry, account.wallet, mmr)
`;

const INPUT = {
  account: {
    wallet: "1000.5",
    legs: [
      { bucket: 2, weight: 0.3, quantity: "1.5", price: 100 },
      { bucket: 1, weight: 0.1, quantity: 2, price: "0.55" },
      { bucket: 2, weight: 0.2, quantity: 3, price: 7 },
      { bucket: 9, weight: 0.1, quantity: 1, price: 1750 },
    ],
  },
  position: { side: "long", size: 2, entry: 30000 },
};

function decimalIr(): IrRulebook {
  const compiled = compileChecked(checkRulebook(SOURCE, "constructs.margin"));
  if (!compiled.ok) throw new Error("the probe rulebook has errors");
  return compiled.ir;
}

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (error instanceof RuntimeError) return { code: error.code, message: error.message };
    throw error;
  }
}

describe("generated decimal code", () => {
  const ir = decimalIr();
  const generated = compileEvaluator(ir);
  const book = loadArtifact(
    serializeArtifact(buildArtifact(ir, { source: SOURCE, compiler: { version: "t" } })),
  );

  it("is generated (not the interpreter) and computes every construct exactly", () => {
    expect(generated.mode).toBe("compiled");
    expect(book.mode).toBe("compiled");
    const expected = {
      // bucket 2: 1.5 x 100 x 0.2% + 3 x 7 x 0.2%; bucket 1: 2 x 0.55 x 10%; bucket 9 (default): 1,750 x 1%
      bucket_totals: ["0.342", "0.11", "17.5"],
      bucket_keys: ["2", "1", "9"],
      sorted_weights: ["0.1", "0.1", "0.2", "0.3"],
      largest_bucket: "9",
      running: ["0.3", "0.41", "0.452", "17.952"],
      total: "17.952",
      // the SPAN credit of the issue: 0.55 x 1750 x 2 is exactly 1925
      credit: "1925",
      thirds: "0.333333",
      // notional 60,000 in tier 2: 60,000 x 0.5% - 50,000 x (0.5% - 0.4%)
      mm: "250",
      // 1,000.5 + 2 (p - 30,000) = 2p x 0.5% - 50, so p = 58,949.5 / 1.99 = 29,622.8643216...
      liquidation: "29622.864322",
    };
    expect(evaluate(ir, INPUT).outputs).toEqual(expected);
    expect(generated.evaluate(INPUT)).toEqual(expected);
    expect(book.evaluate(INPUT).outputs).toEqual(expected);
    expect(book.evaluate(INPUT, { outputs: ["thirds", "credit"] }).outputs).toEqual({
      thirds: "0.333333",
      credit: "1925",
    });
  });

  it("raises the interpreter's errors, with the same code and message", () => {
    const empty = { ...INPUT, account: { wallet: 0, legs: [] } };
    const reference = outcome(() => evaluate(ir, empty).outputs);
    expect(reference).toMatchObject({ code: expect.stringMatching(/^MB6/) });
    expect(outcome(() => generated.evaluate(empty))).toEqual(reference);
    const short = { ...INPUT, position: { side: "short", size: 2, entry: 30000 } };
    expect(outcome(() => generated.evaluate(short))).toEqual(outcome(() => evaluate(ir, short).outputs));
  });
});
