/**
 * What decimal arithmetic costs (`npm run bench:decimal`): the Binance-style bracket rulebook
 * (rules/binance-btcusdt-perp.margin) on the same generated positions,
 *
 * - in binary64, loaded as an engine loads it (the generated code, `evaluate(input, { validate: false })`),
 * - in decimal arithmetic (`arithmetic decimal`, scale 18, half-even), loaded the same way (decimal
 *   rulebooks are evaluated by the reference interpreter: there is no decimal code generator yet),
 * - hand-written TypeScript with the same decimal library (bench/baseline/binance-decimal-handwritten.ts),
 *
 * after checking that decimal mode and the hand-written decimal code agree exactly on every input.
 * Paired rounds: each round runs every evaluator once over all inputs, in turn; the report gives the
 * median and the spread (min-max) of the per-position time over the rounds, the ratios of the medians
 * and of each round's pair, and the load average. A measurement, not a test.
 * Options: `--count N` (default 20,000), `--runs N` rounds (default 7), `--seed N`.
 */
import { loadavg } from "node:os";
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { loadArtifact } from "../src/runtime/index.js";
import { checkRulebook } from "../src/service/language-service.js";
import { compileChecked } from "../src/service/compile-rulebook.js";
import { binanceMarginDecimal } from "./baseline/binance-decimal-handwritten.js";
import { binancePositions } from "./support/binance-positions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rulebookFile = "rules/binance-btcusdt-perp.margin";
const kept: unknown[] = new Array(1024);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(): void {
  const { values } = parseArgs({
    options: { count: { type: "string" }, runs: { type: "string" }, seed: { type: "string" } },
  });
  const count = Number(values.count ?? 20_000);
  const runs = Number(values.runs ?? 7);
  const seed = Number(values.seed ?? 20261201);
  const source = readFileSync(path.join(root, rulebookFile), "utf8");
  const check = checkRulebook(source, rulebookFile);
  const load = (arithmetic: "binary64" | { mode: "decimal"; scale: number; rounding: "half_even" }) => {
    const compiled = compileChecked(check, { arithmetic });
    if (!compiled.ok) throw new Error(`${rulebookFile} has errors`);
    return loadArtifact(
      serializeArtifact(buildArtifact(compiled.ir, { source, compiler: { version: "bench" } })),
    );
  };
  const binary = load("binary64");
  const decimal = load({ mode: "decimal", scale: 18, rounding: "half_even" });
  const inputs = binancePositions(count, seed);
  const noValidation = { validate: false } as const;

  let disagreements = 0;
  for (const input of inputs) {
    const a = decimal.evaluate(input, noValidation).outputs;
    const b = binanceMarginDecimal(input);
    if (Object.keys(b).some((k) => a[k] !== b[k])) disagreements++;
  }

  const passes: { name: string; pass: () => number }[] = [
    {
      name: "binary64 (generated code)",
      pass: () => {
        let n = 0;
        for (let i = 0; i < count; i++) {
          const o = binary.evaluate(inputs[i], noValidation);
          kept[i & 1023] = o;
          n += o.outputs["max_leverage"] as number;
        }
        return n;
      },
    },
    {
      name: "decimal (interpreter)",
      pass: () => {
        let n = 0;
        for (let i = 0; i < count; i++) {
          const o = decimal.evaluate(inputs[i], noValidation);
          kept[i & 1023] = o;
          n += (o.outputs["max_leverage"] as string).length;
        }
        return n;
      },
    },
    {
      name: "hand-written decimal.js",
      pass: () => {
        let n = 0;
        for (let i = 0; i < count; i++) {
          const o = binanceMarginDecimal(inputs[i]!);
          kept[i & 1023] = o;
          n += o["max_leverage"]!.length;
        }
        return n;
      },
    },
  ];
  for (const p of passes) p.pass();
  const times = passes.map(() => [] as number[]);
  const before = loadavg()[0]!;
  for (let r = 0; r < runs; r++)
    passes.forEach((p, i) => {
      const start = performance.now();
      p.pass();
      times[i]!.push(((performance.now() - start) * 1e6) / count);
    });
  const after = loadavg()[0]!;
  console.log(
    `decimal-speed: ${rulebookFile}, ${count.toLocaleString("en-US")} positions, ${runs} paired rounds after a warm-up; load average ${before.toFixed(2)} -> ${after.toFixed(2)}`,
  );
  console.log(
    `agreement: decimal mode and hand-written decimal.js differ on ${disagreements} of ${count} positions`,
  );
  passes.forEach((p, i) => {
    const t = times[i]!;
    console.log(
      `  ${p.name.padEnd(28)} median ${median(t).toFixed(0).padStart(7)} ns/position  (spread ${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)})`,
    );
  });
  const ratio = (a: number, b: number): string => {
    const paired = times[a]!.map((x, r) => x / times[b]![r]!);
    return `${(median(times[a]!) / median(times[b]!)).toFixed(1)}x (paired rounds ${Math.min(...paired).toFixed(1)}-${Math.max(...paired).toFixed(1)})`;
  };
  console.log(`  decimal / binary64:               ${ratio(1, 0)}`);
  console.log(`  decimal / hand-written decimal.js: ${ratio(1, 2)}`);
}

main();
