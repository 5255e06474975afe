/**
 * How fast the SIMM-style delta rulebook (rules/simm-style-delta.margin) evaluates a portfolio of
 * 1,000 sensitivities spread over its 6 buckets (`npm run bench:simm`): the compiled evaluator and
 * the reference interpreter, in paired rounds (each round times both on the same portfolios), with
 * the median and the spread (min - max) of the milliseconds per portfolio, and the load average.
 * The evaluators are checked against each other first. A measurement, not a test: nothing asserts a
 * time. Options: `--count N` sensitivities (default 1,000), `--runs N` rounds (default 15),
 * `--portfolios N` per round (default 20), `--seed N`.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { lowerRulebook } from "../src/compile/lower.js";
import { compileEvaluator } from "../src/runtime/codegen.js";
import { evaluate as interpret } from "../src/runtime/interpreter.js";
import { prng } from "../src/review/random-inputs.js";
import { checkRulebook } from "../src/service/language-service.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = "rules/simm-style-delta.margin";
const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    runs: { type: "string", default: "15" },
    portfolios: { type: "string", default: "20" },
    seed: { type: "string", default: "7" },
  },
});
const count = Number(values.count);
const runs = Number(values.runs);
const perRound = Number(values.portfolios);

const checked = checkRulebook(readFileSync(path.join(root, file), "utf8"), file);
const ir = lowerRulebook(checked.checked);
const compiled = compileEvaluator(ir);
const random = prng(Number(values.seed));

/** A portfolio of `count` sensitivities: buckets 1-6, deltas of either sign up to 5M USD. */
function portfolio(): unknown {
  const sensitivities = Array.from({ length: count }, (_, k) => ({
    risk_factor: `RF${k}`,
    bucket: 1 + Math.floor(random() * 6),
    delta: Math.round((random() * 2 - 1) * 5_000_000),
  }));
  return { portfolio: { sensitivities } };
}

const inputs = Array.from({ length: perRound }, portfolio);
for (const input of inputs) {
  const a = compiled.evaluate(input)["delta_margin"];
  const b = interpret(ir, input).outputs["delta_margin"];
  if (!Object.is(a, b)) throw new Error(`the evaluators disagree: ${String(a)} vs ${String(b)}`);
}

function time(evaluate: (input: unknown) => unknown): number {
  const start = performance.now();
  for (const input of inputs) evaluate(input);
  return (performance.now() - start) / inputs.length;
}

const rounds: { compiled: number; interpreted: number }[] = [];
time((i) => compiled.evaluate(i)); // warm-up
time((i) => interpret(ir, i));
for (let r = 0; r < runs; r++)
  rounds.push({ compiled: time((i) => compiled.evaluate(i)), interpreted: time((i) => interpret(ir, i)) });

const stats = (xs: number[]): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(3)} ms (spread ${sorted[0]!.toFixed(3)} - ${sorted[sorted.length - 1]!.toFixed(3)})`;
};
console.log(
  `SIMM-style delta margin, ${count} sensitivities in 6 buckets, ${runs} paired rounds of ${perRound}`,
);
console.log(
  `  load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log(`  compiled evaluator   ${stats(rounds.map((r) => r.compiled))} per portfolio`);
console.log(`  interpreter          ${stats(rounds.map((r) => r.interpreted))} per portfolio`);
