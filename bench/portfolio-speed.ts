/**
 * How fast a portfolio rulebook evaluates (`npm run bench`): SPAN scanning risk
 * (rules/span-sp500.margin) on 10,000 generated accounts of 20 positions each, every position with a
 * 16-scenario risk array, positions grouped by underlying: 10,000 x 20 x 16 multiply-adds per pass, by
 *
 * - the compiled evaluator, loaded the way an engine loads it (`compile` -> artifact JSON ->
 *   `loadArtifact`, then `evaluate(input, { validate: false })`),
 * - the generated function alone, without the runtime's wrapper,
 * - hand-written TypeScript implementing the same logic (bench/baseline/portfolio-handwritten.ts),
 * - the reference interpreter,
 *
 * in the same run, and prints accounts evaluated per second and the ratios compiled / hand-written
 * and compiled / interpreter. Each pass keeps every result object, as an engine does (see
 * bench/eval-speed.ts for why). Rounds as in bench/eval-speed.ts: a warm-up, then timed rounds in
 * which each evaluator makes one pass in turn; each one's best round counts. On a busy machine the
 * best rounds of two evaluators may come from calmer and busier moments, so the ratio is also given
 * as the median over rounds of the ratio within a round (both passes back to back). Before timing,
 * the evaluators are checked against each other on every account, bit for bit.
 *
 * A measurement, not a test: nothing here asserts a time. Options: `--accounts N` (default 10,000),
 * `--positions N` per account (default 20), `--runs N` timed rounds (default 15), `--seed N`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { compileEvaluator } from "../src/runtime/codegen.js";
import { evaluate as interpret } from "../src/runtime/interpreter.js";
import { prng } from "../src/review/random-inputs.js";
import { loadArtifact } from "../src/runtime/index.js";
import { compileOrThrow } from "../src/service/language-service.js";
import { spanMargin, type SpanInput, type SpanPosition } from "./baseline/portfolio-handwritten.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rulebookFile = "rules/span-sp500.margin";

/** The published arrays (McMillan ch. 34): one long S&P future and one long Dec 410 call. */
const FUTURE = [
  0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000,
];
const CALL = [
  460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500,
];
const UNDERLYINGS = ["SP", "NQ", "YM", "RTY", "ES", "EMD"];

/**
 * Accounts of `positions` positions over 2 to 6 underlyings: futures and options whose risk arrays
 * are the published ones scaled (0.25x to 4x, to whole dollars) and mixed, quantities -10 to 10.
 */
function generateAccounts(count: number, positions: number, seed: number): SpanInput[] {
  const next = prng(seed);
  const accounts: SpanInput[] = new Array(count);
  for (let a = 0; a < count; a++) {
    const underlyings = 2 + Math.floor(next() * (UNDERLYINGS.length - 1));
    const list: SpanPosition[] = new Array(positions);
    for (let i = 0; i < positions; i++) {
      const underlying = UNDERLYINGS[Math.floor(next() * underlyings)]!;
      const scale = 0.25 + next() * 3.75;
      const mix = next();
      const risk = FUTURE.map((f, s) => Math.round(scale * (mix * f + (1 - mix) * CALL[s]!)));
      const quantity = Math.round(next() * 20) - 10 || 1;
      list[i] = {
        contract: `${underlying} ${mix < 0.5 ? "option" : "future"} ${i}`,
        underlying,
        quantity,
        risk,
      };
    }
    accounts[a] = { account: { positions: list } };
  }
  return accounts;
}

/**
 * Every pass keeps each result, as an engine does: dropping it would let the JIT remove the result
 * object of whichever evaluator it can inline (see bench/eval-speed.ts).
 */
const kept: unknown[] = new Array(1024);

interface Timing {
  name: string;
  perSecond: number;
  checksum: number;
  /** Milliseconds of each timed round. */
  rounds: number[];
}

/** Times passes in rounds, each pass once per round in turn; the fastest round of each counts. */
function timeRounds(
  passes: readonly { name: string; pass: () => number }[],
  count: number,
  rounds: number,
): Timing[] {
  const times: number[][] = passes.map(() => []);
  const checksums = passes.map((p) => p.pass());
  for (let r = 0; r < rounds; r++) {
    passes.forEach((p, i) => {
      const start = performance.now();
      checksums[i] = p.pass();
      times[i]!.push(performance.now() - start);
    });
  }
  return passes.map((p, i) => ({
    name: p.name,
    perSecond: (count / Math.min(...times[i]!)) * 1000,
    checksum: checksums[i]!,
    rounds: times[i]!,
  }));
}

/** The median over rounds of `a`'s speed relative to `b`'s in the same round. */
function medianRatio(a: Timing, b: Timing): number {
  const ratios = a.rounds.map((t, r) => b.rounds[r]! / t).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      accounts: { type: "string" },
      positions: { type: "string" },
      runs: { type: "string" },
      seed: { type: "string" },
    },
  });
  const count = Number(values.accounts ?? 10_000);
  const positions = Number(values.positions ?? 20);
  const runs = Number(values.runs ?? 15);
  const seed = Number(values.seed ?? 20261201);

  const source = readFileSync(path.join(root, rulebookFile), "utf8");
  const ir = compileOrThrow(source, rulebookFile);
  const book = loadArtifact(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "bench" } })));
  const noValidation = { validate: false } as const;
  const generated = compileEvaluator(book.ir).evaluate;
  const scenarios = book.ir.scenarioSets[0]!.rows.length;

  const accounts = generateAccounts(count, positions, seed);

  // The evaluators must agree before their speed means anything.
  let disagreements = 0;
  for (let i = 0; i < count; i++) {
    const compiled = book.evaluate(accounts[i], noValidation).outputs;
    const reference = interpret(book.ir, accounts[i]).outputs;
    const hand = spanMargin(accounts[i]!);
    for (const name of ["commodities", "scanning_risk_requirement"] as const) {
      if (!Object.is(compiled[name], reference[name]) || !Object.is(compiled[name], hand[name])) {
        disagreements++;
        break;
      }
    }
  }

  console.log(
    `portfolio-speed: ${rulebookFile}, ${count.toLocaleString("en-US")} accounts x ${positions} positions x ${scenarios} scenarios, best of ${runs} rounds after a warm-up`,
  );
  console.log(
    `agreement on all ${count.toLocaleString("en-US")} accounts: compiled, interpreter and hand-written differ on ${disagreements}`,
  );

  const fast = timeRounds(
    [
      {
        name: "hand-written TypeScript",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = spanMargin(accounts[i]!);
            kept[i & 1023] = o;
            sum += o.scanning_risk_requirement + o.commodities;
          }
          return sum;
        },
      },
      {
        name: "compiled (loadArtifact, evaluate)",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = book.evaluate(accounts[i], noValidation);
            kept[i & 1023] = o;
            sum += (o.outputs["scanning_risk_requirement"] as number) + (o.outputs["commodities"] as number);
          }
          return sum;
        },
      },
      {
        name: "compiled (generated function alone)",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = generated(accounts[i]);
            kept[i & 1023] = o;
            sum += (o["scanning_risk_requirement"] as number) + (o["commodities"] as number);
          }
          return sum;
        },
      },
    ],
    count,
    runs,
  );
  const [interpreted] = timeRounds(
    [
      {
        name: "interpreter",
        pass: () => {
          let sum = 0;
          for (let i = 0; i < count; i++) {
            const o = interpret(book.ir, accounts[i]);
            kept[i & 1023] = o;
            sum += (o.outputs["scanning_risk_requirement"] as number) + (o.outputs["commodities"] as number);
          }
          return sum;
        },
      },
    ],
    count,
    2,
  );
  const results = [...fast, interpreted!];

  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const cells = r.perSecond * positions * scenarios;
    console.log(
      `  ${r.name.padEnd(width)}  ${Math.round(r.perSecond).toLocaleString("en-US").padStart(10)} accounts/s  (${(cells / 1e6).toFixed(1)}M position-scenarios/s, checksum ${r.checksum.toFixed(2)})`,
    );
  }
  const [hand, compiled, alone, interpreter] = results as [Timing, Timing, Timing, Timing];
  console.log(
    `  compiled / hand-written:  ${(compiled.perSecond / hand.perSecond).toFixed(2)}x best rounds, ${medianRatio(compiled, hand).toFixed(2)}x median within a round   (generated function alone: ${(alone.perSecond / hand.perSecond).toFixed(2)}x, ${medianRatio(alone, hand).toFixed(2)}x; target >= 0.70x)`,
  );
  console.log(`  compiled / interpreter:   ${(compiled.perSecond / interpreter.perSecond).toFixed(1)}x`);
}

main();
