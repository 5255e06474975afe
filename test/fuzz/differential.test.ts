/**
 * Differential fuzzing of the evaluators: random valid rulebooks (test/support/random-rulebooks.ts),
 * each checked (it must have no errors), lowered, compiled, written as an artifact and loaded back;
 * then random valid inputs evaluated by the reference interpreter, by the compiled evaluator, and by
 * the loaded artifact (with and without an explanation, one by one, as a batch, and as columns when
 * the rulebook has no list input). Every outcome must be the same: the same outputs (`Object.is` on
 * each) or the same runtime error (code and message). Formatting the rulebook must not change what
 * it computes either.
 *
 * CI runs a fixed seed and a bounded number of rulebooks; `npm run fuzz` runs many more
 * (`FUZZ_RUNS=<n> FUZZ_SEED=<seed>`: n rulebooks, inputs per rulebook fixed).
 */
import { fuzzRuns } from "../support/fuzz-runs.js";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { columnFields, loadArtifact, type LoadedRulebook } from "../../src/runtime/index.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { formatSource } from "../../src/syntax/format.js";
import { InputGenerator } from "../support/random-inputs.js";
import { protoSafeIr, randomRulebook, restoreProto, type Chooser } from "../support/random-rulebooks.js";
import { type Outcome, attempt } from "../support/outcomes.js";

const runs = fuzzRuns(40, 200);
const seed = Number(process.env["FUZZ_SEED"] ?? 20261130);
const INPUTS_PER_RULEBOOK = 30;
const timeout = 60_000 + runs * 200;

/** Whether two outcomes are the same: outputs bit for bit in the same order, or the same error. */
function same(a: Outcome, b: Outcome, compareMessages = true): boolean {
  if (!a.ok || !b.ok)
    return !a.ok && !b.ok && a.code === b.code && (!compareMessages || a.message === b.message);
  const keys = Object.keys(a.outputs);
  return (
    keys.join("\u0000") === Object.keys(b.outputs).join("\u0000") &&
    keys.every((k) => Object.is(a.outputs[k], b.outputs[k]))
  );
}

/** Checks, lowers and loads a rulebook; fails the property (with the source) on any error. */
function build(source: string): { ir: IrRulebook; book: LoadedRulebook } {
  const checked = checkRulebook(source, "random.margin");
  const errors = checked.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.message} at ${d.span.start}`);
  expect(errors, `the random rulebook has errors:\n${source}`).toEqual([]);
  const ir = lowerRulebook(checked.checked, { source: () => source });
  const book = loadArtifact(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "fuzz" } })));
  return { ir, book };
}

/** The choices of fast-check's `fc.gen()`, so a failing rulebook shrinks. */
function chooserOf(g: fc.GeneratorValue): Chooser {
  return { int: (min, max) => g(fc.integer, { min, max }) };
}

/**
 * The inputs with every optional field either given in all of them or left out of all of them, so
 * that they can also be given as columns (a column cannot leave a field out of some rows only).
 */
function sameFields(book: LoadedRulebook, inputs: unknown[]): unknown[] {
  const copies = inputs.map((input) => JSON.parse(JSON.stringify(input)) as Record<string, unknown>);
  for (const field of columnFields(book.ir).fields) {
    const path = field.path.split(".");
    const holders = copies.map((input) =>
      path
        .slice(0, -1)
        .reduce<Record<string, unknown> | undefined>(
          (o, k) => (o && Object.hasOwn(o, k) ? (o[k] as Record<string, unknown>) : undefined),
          input,
        ),
    );
    const last = path[path.length - 1]!;
    const given = holders.map((h) => h !== undefined && Object.hasOwn(h, last));
    if (given.some((x) => x) && !given.every((x) => x)) for (const h of holders) if (h) delete h[last];
  }
  return copies;
}

/** `evaluateColumns` gives, row by row, what the batch gave (rulebooks without list inputs). */
function expectColumnsAgree(
  book: LoadedRulebook,
  inputs: unknown[],
  batch: ReturnType<LoadedRulebook["evaluateBatch"]>,
  typed: boolean,
): void {
  const { fields, lists } = columnFields(book.ir);
  if (lists.length > 0) return;
  const columns: Record<string, unknown[] | Float64Array> = {};
  for (const field of fields) {
    const path = field.path.split(".");
    const values = inputs.map((input) =>
      path.reduce<unknown>(
        (o, k) =>
          o !== null && typeof o === "object" && Object.hasOwn(o, k)
            ? (o as Record<string, unknown>)[k]
            : undefined,
        input,
      ),
    );
    if (values.every((v) => v === undefined)) continue;
    columns[field.path] =
      typed && field.type.kind === "number" ? Float64Array.from(values as number[]) : values;
  }
  const result = book.evaluateColumns(columns as Record<string, number[]>, inputs.length);
  const failed = new Map(result.errors.map((e) => [e.index, e]));
  batch.forEach((outcome, i) => {
    const failure = failed.get(i);
    if (!outcome.ok) {
      expect({ row: i, code: failure?.code, message: failure?.message }).toEqual({
        row: i,
        code: outcome.error.code,
        message: `row ${i}: ${outcome.error.message}`,
      });
      return;
    }
    expect(failure, `row ${i}`).toBeUndefined();
    for (const [name, value] of Object.entries(outcome.outputs)) {
      const column = Object.getOwnPropertyDescriptor(result.outputs, name)?.value as ArrayLike<unknown>;
      if (!Object.is(column[i], value))
        expect({ row: i, output: name, column: column[i] }).toEqual({ row: i, output: name, column: value });
    }
  });
}

const totals = { rulebooks: 0, inputs: 0, runtimeErrors: 0, codes: new Map<string, number>() };

describe("differential fuzzing: interpreter, compiled code and loaded artifacts agree", () => {
  it(
    `on random valid rulebooks and inputs (${runs} rulebooks, ${INPUTS_PER_RULEBOOK} inputs each)`,
    () => {
      fc.assert(
        fc.property(fc.gen(), fc.boolean(), fc.nat(), (g, hostile, inputSeed) => {
          const source = randomRulebook(chooserOf(g), { hostile });
          const { ir, book } = build(source);
          const compiled = compileEvaluator(ir);
          const formatted = build(formatSource(source).text).book;
          const generator = new InputGenerator(protoSafeIr(ir), inputSeed);
          const inputs = sameFields(
            book,
            Array.from({ length: INPUTS_PER_RULEBOOK }, () => restoreProto(generator.next())),
          );
          const batch = book.evaluateBatch(inputs);
          expectColumnsAgree(book, inputs, batch, g(fc.boolean));
          totals.rulebooks++;
          inputs.forEach((input, i) => {
            expect(
              book.validate(input).errors,
              `generated input ${JSON.stringify(input)} of\n${source}`,
            ).toEqual([]);
            const reference = attempt(() => evaluate(ir, input).outputs);
            const outcomes: [string, Outcome][] = [
              ["compiled", attempt(() => compiled.evaluate(input))],
              ["loaded", attempt(() => book.evaluate(input).outputs)],
              ["loaded, explained", attempt(() => book.evaluate(input, { explain: true }).outputs)],
              [
                "batch",
                batch[i]!.ok
                  ? { ok: true, outputs: batch[i]!.outputs }
                  : { ok: false, code: batch[i]!.error.code, message: batch[i]!.error.message },
              ],
            ];
            for (const [name, outcome] of outcomes) {
              if (!same(reference, outcome))
                expect({ evaluator: name, input, outcome, source }).toEqual({
                  evaluator: name,
                  input,
                  outcome: reference,
                  source,
                });
            }
            // Formatting moves lines (which error messages cite), never results or error codes.
            const reformatted = attempt(() => formatted.evaluate(input).outputs);
            if (!same(reference, reformatted, false))
              expect({ formatted: true, input, reformatted, source }).toEqual({
                formatted: true,
                input,
                reformatted: reference,
                source,
              });
            totals.inputs++;
            if (!reference.ok) {
              totals.runtimeErrors++;
              totals.codes.set(reference.code, (totals.codes.get(reference.code) ?? 0) + 1);
            }
          });
        }),
        { numRuns: runs, seed, endOnFailure: true },
      );
      // Both outcomes must be exercised: most inputs evaluate, some stop with a runtime error.
      expect(totals.runtimeErrors).toBeGreaterThan(0);
      expect(totals.runtimeErrors).toBeLessThan(totals.inputs * 0.8);
    },
    timeout,
  );
});

afterAll(() => {
  const codes = [...totals.codes]
    .sort()
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
  console.log(
    `differential fuzzing: ${totals.rulebooks} rulebooks, ${totals.inputs} inputs, ${totals.runtimeErrors} runtime errors (${codes})`,
  );
});
