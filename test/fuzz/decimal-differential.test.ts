/**
 * Differential fuzzing in decimal arithmetic: random valid rulebooks (test/support/random-rulebooks.ts)
 * lowered with `arithmetic decimal` (scale 18, half-even), written as an artifact and loaded back, then
 * random valid inputs evaluated by the reference interpreter, by the generated decimal code
 * (src/runtime/codegen-decimal.ts, from the IR and from the loaded artifact; on numbers and on the
 * same numbers as decimal text), by the loaded rulebook (one by one, with an explanation, as a batch)
 * and as columns (numbers, and the same numbers as decimal text). Every outcome must be the same
 * decimal text, or the same runtime error with the same code and message; nothing else may be thrown.
 * The generated code of the books it covers has a fast path on doubles (src/runtime/decimal-fast.ts)
 * that falls back to the exact path for inputs it cannot decide: the run must take both ways.
 *
 * The SQL target has its own decimal differential test (test/sql/decimal-differential.test.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildArtifact, serializeArtifact } from "../../src/compile/artifact.js";
import { lowerRulebook } from "../../src/compile/lower.js";
import { compileEvaluator } from "../../src/runtime/codegen.js";
import { columnFields, loadArtifact } from "../../src/runtime/index.js";
import { decimalFastCounts } from "../../src/runtime/decimal-fast.js";
import { evaluate } from "../../src/runtime/interpreter.js";
import { compileToSql } from "../../src/sql/index.js";
import { checkRulebook } from "../../src/service/language-service.js";
import { InputGenerator } from "../support/random-inputs.js";
import { protoSafeIr, randomRulebook, restoreProto } from "../support/random-rulebooks.js";
import { type Outcome, attempt } from "../support/outcomes.js";

const runs = Number(process.env["FUZZ_RUNS"] ?? 15);
const seed = Number(process.env["FUZZ_SEED"] ?? 20261207);
const INPUTS = 12;
const DECIMAL = { mode: "decimal", scale: 18, rounding: "half_even" } as const;

/** A copy of the input with every number written as decimal text. */
function asText(value: unknown): unknown {
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(asText);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)]));
  return value;
}

describe("differential fuzzing in decimal arithmetic", () => {
  it(`interpreter, generated code, loaded artifact, batch and columns agree exactly (${runs} rulebooks)`, () => {
    let inputsSeen = 0;
    let fastBooks = 0;
    const counts = { ...decimalFastCounts };
    fc.assert(
      fc.property(fc.gen(), fc.nat(), (g, inputSeed) => {
        const source = randomRulebook({ int: (min, max) => g(fc.integer, { min, max }) });
        const checked = checkRulebook(source, "random.margin");
        expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const ir = lowerRulebook(checked.checked, { arithmetic: DECIMAL });
        expect(ir.meta.arithmetic).toEqual(DECIMAL);
        const book = loadArtifact(
          serializeArtifact(buildArtifact(ir, { source, compiler: { version: "fuzz" } })),
        );
        const generated = compileEvaluator(ir);
        expect(generated.mode).toBe("compiled");
        if (generated.source.includes("function fast(raw)")) fastBooks++;
        expect(generated.source).toContain("decimal arithmetic");
        // The SQL target computes decimal rulebooks in DECIMAL (test/sql/decimal-differential.test.ts),
        // or refuses with a code what it cannot compute exactly.
        const sql = compileToSql(ir, { dialect: "duckdb" });
        if (!sql.ok) expect(sql.diagnostics.every((d) => /^MB51\d\d$/.test(d.code))).toBe(true);
        const generator = new InputGenerator(protoSafeIr(ir), inputSeed);
        const inputs = Array.from({ length: INPUTS }, () => restoreProto(generator.next()));
        const batch = book.evaluateBatch(inputs);
        inputs.forEach((input, i) => {
          const reference = attempt(() => evaluate(ir, input).outputs);
          if (reference.ok)
            for (const [name, value] of Object.entries(reference.outputs))
              if (ir.slots.find((s) => s.name === name)?.type.kind === "number")
                expect(typeof value, name).toBe("string");
          const outcomes: [string, Outcome][] = [
            ["generated", attempt(() => generated.evaluate(input))],
            ["generated on text", attempt(() => generated.evaluate(asText(input)))],
            ["loaded", attempt(() => book.evaluate(input).outputs)],
            ["explained", attempt(() => book.evaluate(input, { explain: true }).outputs)],
            ["as text", attempt(() => book.evaluate(asText(input)).outputs)],
            [
              "batch",
              batch[i]!.ok
                ? { ok: true, outputs: batch[i]!.outputs }
                : { ok: false, code: batch[i]!.error.code, message: batch[i]!.error.message },
            ],
          ];
          for (const [name, outcome] of outcomes)
            expect({ evaluator: name, outcome }).toEqual({ evaluator: name, outcome: reference });
          inputsSeen++;
        });
        const { fields, lists } = columnFields(ir);
        if (lists.length > 0) return;
        const complete = inputs.every((input) =>
          fields.every((f) => f.optional || readPath(input, f.path) !== undefined),
        );
        if (!complete || fields.some((f) => f.optional)) return;
        const columns = Object.fromEntries(
          fields.map((f) => [f.path, inputs.map((input) => asText(readPath(input, f.path)))]),
        ) as Record<string, string[]>;
        const result = book.evaluateColumns(columns, inputs.length);
        batch.forEach((outcome, row) => {
          if (!outcome.ok) return;
          for (const [name, value] of Object.entries(outcome.outputs))
            expect({ row, name, value: (result.outputs[name] as unknown[])[row] }).toEqual({
              row,
              name,
              value,
            });
        });
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    expect(inputsSeen).toBe(runs * INPUTS);
    // Random books and inputs reach the fast path, and some of its undecided cases the exact one.
    expect(fastBooks).toBeGreaterThan(0);
    expect(decimalFastCounts.fast).toBeGreaterThan(counts.fast);
    console.log(
      `decimal fuzz: ${fastBooks} of ${runs} books with a fast path; fast ${decimalFastCounts.fast - counts.fast}, exact path ${decimalFastCounts.exact - counts.exact}`,
    );
  }, 120_000);
});

function readPath(input: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (o, k) =>
        o !== null && typeof o === "object" && Object.hasOwn(o, k)
          ? (o as Record<string, unknown>)[k]
          : undefined,
      input,
    );
}
