/**
 * The optimizer on against the optimizer off, on random rulebooks with user functions (repeated and
 * loop-invariant expressions of their parameters, list parameters), list values (list lets and
 * outputs, a list comprehension repeated, folds, `sort`, `argmax`, indexed comprehensions filtered
 * by a key) and `let` expressions (test/support/random-rulebooks.ts, `optimizerShapes`): the
 * generated code of the optimized IR must give the outputs of the generated code of the IR as
 * lowered, and of the interpreter, bit for bit (`Object.is`), or the same runtime error (code and
 * message, which names the field); explanations must not change; and an evaluation of some outputs
 * only (dead-output elimination) must give those outputs' values.
 *
 * `FUZZ_RUNS=<n>` runs n rulebooks (CI runs more than a developer's `npm test`).
 */
import { describe, expect, it } from "vitest";
import type { IrRulebook } from "../../src/ir/ir.js";
import { optimizeIr } from "../../src/optimize/index.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { rulebookFromIr } from "../../src/runtime/rulebook.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { InputGenerator } from "../support/random-inputs.js";
import { randomRulebook, seededChooser } from "../support/random-rulebooks.js";
import { type Outcome, attempt, lowerSource } from "../support/outcomes.js";

const lower = (source: string): IrRulebook => lowerSource(source, "random.margin");

const RULEBOOKS = fuzzRuns(30, 120);
const INPUTS = 12;
const SEED = Number(process.env["FUZZ_SEED"] ?? 51_000);

/** The outcome as text: each number by its exact value (`-0` apart from `0`), lists element by element. */
function show(o: Outcome): string {
  if (!o.ok) return `${o.code} ${o.message}`;
  const value = (v: unknown): string =>
    Object.is(v, -0)
      ? "-0"
      : typeof v === "number"
        ? v.toString()
        : Array.isArray(v)
          ? `[${v.map(value).join(", ")}]`
          : JSON.stringify(v);
  return Object.entries(o.outputs)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(" ");
}

const outputNames = (ir: IrRulebook): string[] =>
  ir.steps.filter((s) => s.kind === "output").map((s) => ir.slots[s.slot]!.name);

describe("the optimizer on and off give the same results on rulebooks with functions and lists", () => {
  it(
    `${RULEBOOKS} rulebooks x ${INPUTS} inputs`,
    () => {
      const reached = { functions: 0, lists: 0, errors: 0, inputs: 0 };
      for (let n = 0; n < RULEBOOKS; n++) {
        const source = randomRulebook(seededChooser(SEED + n), { optimizerShapes: true });
        const ir = lower(source);
        const optimized = optimizeIr(ir);
        if (JSON.stringify(optimized.functions) !== JSON.stringify(ir.functions)) reached.functions++;
        if (/"op":"(list|sort|reduce|scan|argmax|argmin)"|"k":"let"/.test(JSON.stringify(ir.steps)))
          reached.lists++;
        const on = compileEvaluator(ir);
        const off = compileEvaluator(ir, { optimize: false });
        const book = rulebookFromIr(ir);
        const names = outputNames(ir);
        const some = names.filter((_, i) => (i + n) % 2 === 0);
        const selected = compileEvaluator(ir, { outputs: some });
        const edge = new InputGenerator(ir, SEED + n, "edge");
        const typical = new InputGenerator(ir, SEED + n + 1, "typical");
        for (let i = 0; i < INPUTS; i++) {
          const input = i % 2 === 0 ? edge.next() : typical.next();
          const reference = attempt(() => evaluate(ir, input).outputs);
          const context = `rulebook ${n}, input ${JSON.stringify(input)}\n${source}`;
          expect(show(attempt(() => on.evaluate(input))), `optimizer on: ${context}`).toBe(show(reference));
          expect(show(attempt(() => off.evaluate(input))), `optimizer off: ${context}`).toBe(show(reference));
          expect(show(attempt(() => evaluate(optimized, input).outputs)), `interpreted: ${context}`).toBe(
            show(reference),
          );
          reached.inputs++;
          if (!reference.ok) {
            reached.errors++;
            continue;
          }
          // Some outputs only: their values (an error only a dropped step raises is not raised).
          const part = attempt(() => selected.evaluate(input));
          const wanted = Object.fromEntries(some.map((name) => [name, reference.outputs[name]]));
          expect(show(part), `outputs ${some.join(", ")}: ${context}`).toBe(
            show({ ok: true, outputs: wanted }),
          );
          if (i < 2) {
            const explained = book.evaluate(input, { explain: true, validate: false });
            expect(explained.explanation, `explanation: ${context}`).toEqual(
              evaluate(ir, input, { explain: true }).explanation,
            );
          }
        }
      }
      // The shapes reach the optimizer, and both outcomes are exercised (else this could not fail).
      expect(reached.functions).toBeGreaterThan(RULEBOOKS / 5);
      expect(reached.lists).toBeGreaterThan(RULEBOOKS / 4);
      expect(reached.errors).toBeGreaterThan(0);
      expect(reached.errors).toBeLessThan(reached.inputs);
    },
    60_000 + RULEBOOKS * 1_000,
  );
});
