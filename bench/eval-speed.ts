/**
 * How fast rulebooks evaluate (`npm run bench`): the Binance-style tiered rulebook
 * (rules/binance-btcusdt-perp.margin) on the same one million generated positions, by
 *
 * - the compiled evaluator, loaded the way an engine loads it (`compile` -> artifact JSON ->
 *   `loadArtifact`, then `evaluate(input, { validate: false })`),
 * - the generated function alone, without the runtime's wrapper (for comparison),
 * - the same through `evaluateColumns` (the columnar form, one typed array per field),
 * - the reference interpreter,
 * - hand-written TypeScript implementing the same logic (bench/baseline/binance-handwritten.ts), and
 *   its naive variant (`Math.ceil(x * 100) / 100`, no assertion: a cent off on ~1% of positions),
 *
 * and prints evaluations per second and the ratios compiled / hand-written and compiled /
 * interpreter. Each evaluator runs a warm-up pass, then timed rounds in which every evaluator makes
 * one pass over all inputs in turn; each one's best round counts (the least disturbed by the rest of
 * the machine). Before timing, the evaluators
 * are checked against each other on every input.
 *
 * A measurement, not a test: nothing here asserts a time. Options: `--count N` (default 1,000,000),
 * `--runs N` timed rounds (default 5), `--seed N`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { compileEvaluator } from "../src/runtime/codegen.js";
import { evaluate as interpret } from "../src/runtime/interpreter.js";
import { loadArtifact } from "../src/runtime/index.js";
import { compileOrThrow } from "../src/service/language-service.js";
import { binanceMargin, binanceMarginNaive, type BinanceInput } from "./baseline/binance-handwritten.js";

import { binancePositions } from "./support/binance-positions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rulebookFile = "rules/binance-btcusdt-perp.margin";

const outputNames = [
  "initial_margin",
  "maintenance_margin",
  "maintenance_margin_exact",
  "max_leverage",
] as const;

/**
 * The sum of every output, so that every evaluator must compute all of them: summing one output
 * alone would let the JIT drop the hand-written code's unused work, but not the evaluator's checks.
 */
function total(o: Readonly<Record<string, unknown>>): number {
  return (
    (o["initial_margin"] as number) +
    (o["maintenance_margin"] as number) +
    (o["maintenance_margin_exact"] as number) +
    (o["max_leverage"] as number)
  );
}

/**
 * Every pass keeps each result, as an engine does (it stores or sends it). A loop that dropped the
 * result object would let the JIT inline a small evaluator into the loop and remove the object
 * altogether (escape analysis): that measures the loop, not the evaluator, and favours whichever
 * function happens to be under V8's inlining size limit.
 */
const kept: unknown[] = new Array(1024);

interface Timing {
  name: string;
  perSecond: number;
  checksum: number;
}

/**
 * Times passes in rounds: each round runs every pass once, in turn, so that a burst of load from
 * the rest of the machine hits them all alike; the fastest round of each pass counts. Every pass
 * runs once first to warm up.
 */
function timeRounds(
  passes: readonly { name: string; pass: () => number }[],
  count: number,
  rounds: number,
): Timing[] {
  const best = passes.map(() => Infinity);
  const checksums = passes.map((p) => p.pass());
  for (let r = 0; r < rounds; r++) {
    passes.forEach((p, i) => {
      const start = performance.now();
      checksums[i] = p.pass();
      best[i] = Math.min(best[i]!, performance.now() - start);
    });
  }
  return passes.map((p, i) => ({
    name: p.name,
    perSecond: (count / best[i]!) * 1000,
    checksum: checksums[i]!,
  }));
}

function main(): void {
  const { values } = parseArgs({
    options: { count: { type: "string" }, runs: { type: "string" }, seed: { type: "string" } },
  });
  const count = Number(values.count ?? 1_000_000);
  const runs = Number(values.runs ?? 5);
  const seed = Number(values.seed ?? 20261201);

  // The engine's path: compile to an artifact (JSON text), then load it as an engine does.
  const source = readFileSync(path.join(root, rulebookFile), "utf8");
  const ir = compileOrThrow(source, rulebookFile);
  const book = loadArtifact(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "bench" } })));
  const noValidation = { validate: false } as const;
  // The generated function without the runtime's wrapper (options, result object), for comparison.
  const generated = compileEvaluator(book.ir).evaluate;

  const inputs = binancePositions(count, seed);
  const columns = {
    "position.size": Float64Array.from(inputs, (x) => x.position.size),
    "position.mark": Float64Array.from(inputs, (x) => x.position.mark),
    "position.side": inputs.map((x) => x.position.side),
    "market.vol_30d": Float64Array.from(inputs, (x) => x.market.vol_30d),
    "market.adv": Float64Array.from(inputs, (x) => x.market.adv),
  };

  // The evaluators must agree before their speed means anything.
  let disagreements = 0;
  let naiveDifferences = 0;
  const sample = Math.min(count, 200_000);
  for (let i = 0; i < sample; i++) {
    const compiled = book.evaluate(inputs[i], noValidation).outputs;
    const reference = interpret(book.ir, inputs[i]).outputs;
    if (
      !Object.is(compiled["maintenance_margin"], reference["maintenance_margin"]) ||
      !Object.is(compiled["initial_margin"], reference["initial_margin"])
    )
      disagreements++;
    const hand = binanceMargin(inputs[i]!);
    const keys = outputNames.filter((k) => !Object.is(hand[k], compiled[k]));
    if (keys.length > 0) disagreements++;
    const naive = binanceMarginNaive(inputs[i]!);
    if (outputNames.some((k) => !Object.is(naive[k], compiled[k]))) naiveDifferences++;
  }

  console.log(
    `eval-speed: ${rulebookFile}, ${count.toLocaleString("en-US")} generated positions, best of ${runs} rounds after a warm-up`,
  );
  console.log(
    `agreement on ${sample.toLocaleString("en-US")} inputs: compiled, interpreter and hand-written differ on ${disagreements}; the naive hand-written rounding differs on ${naiveDifferences}`,
  );

  const fast = timeRounds(
    [
      {
        name: "hand-written TypeScript",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = binanceMargin(inputs[i]!);
            kept[i & 1023] = o;
            sum += o.initial_margin + o.maintenance_margin + o.maintenance_margin_exact + o.max_leverage;
          }
          return sum;
        },
      },
      {
        name: "hand-written, naive rounding",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = binanceMarginNaive(inputs[i]!);
            kept[i & 1023] = o;
            sum += o.initial_margin + o.maintenance_margin + o.maintenance_margin_exact + o.max_leverage;
          }
          return sum;
        },
      },
      {
        name: "compiled (loadArtifact, evaluate)",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = book.evaluate(inputs[i], noValidation);
            kept[i & 1023] = o;
            sum += total(o.outputs);
          }
          return sum;
        },
      },
      {
        name: "compiled (generated function alone)",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = generated(inputs[i], undefined);
            kept[i & 1023] = o;
            sum += total(o);
          }
          return sum;
        },
      },
      {
        name: "compiled (evaluateColumns)",
        pass: () => {
          const out = book.evaluateColumns(columns, count, noValidation).outputs;
          const [a, b, c, d] = outputNames.map((name) => out[name] as Float64Array) as [
            Float64Array,
            Float64Array,
            Float64Array,
            Float64Array,
          ];
          let sum = 0;
          for (let i = 0; i < count; i++) sum += a[i]! + b[i]! + c[i]! + d[i]!;
          return sum;
        },
      },
    ],
    count,
    runs,
  );
  // The interpreter is much slower: one timed pass after its warm-up is plenty.
  const [interpreted] = timeRounds(
    [
      {
        name: "interpreter",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) sum += total(interpret(book.ir, inputs[i]).outputs);
          return sum;
        },
      },
    ],
    count,
    1,
  );
  const results = [...fast, interpreted!];

  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    console.log(
      `  ${r.name.padEnd(width)}  ${Math.round(r.perSecond).toLocaleString("en-US").padStart(12)} evaluations/s  (checksum ${r.checksum.toFixed(2)})`,
    );
  }
  const [hand, naive, compiled, , columnar, interpreter] = results as [
    Timing,
    Timing,
    Timing,
    Timing,
    Timing,
    Timing,
  ];
  console.log(
    `  compiled / hand-written:  ${(compiled.perSecond / hand.perSecond).toFixed(2)}x   (columnar: ${(columnar.perSecond / hand.perSecond).toFixed(2)}x; against the naive version: ${(compiled.perSecond / naive.perSecond).toFixed(2)}x)`,
  );
  console.log(`  compiled / interpreter:   ${(compiled.perSecond / interpreter.perSecond).toFixed(1)}x`);
}

main();
