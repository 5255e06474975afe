/**
 * What the optimizer (src/optimize) buys on the real rulebooks that use user functions and list
 * values (`npm run bench:optimizer`): each compiled with the optimizer on and off, in paired rounds
 * (CPU time, order alternating, ratio per round; bench/support/paired.ts), after a check that both
 * give the same outputs bit for bit on every input. A ratio above 1 means the optimized code is
 * faster. A measurement, not a test. Options: `--rounds N` (default 21), `--seed N`.
 *
 * - SPAN (rules/span-sp500.margin): accounts of 20 positions with 16-scenario risk arrays;
 * - SIMM (rules/simm-style-delta.margin): portfolios of 200 sensitivities over 6 buckets;
 * - EWMA (rules/ewma-volatility-margin.margin): 250 daily prices;
 * - the Binance cross account (rules/binance-usdm-cross.margin): accounts of 10 positions.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { lowerRulebook } from "../src/compile/lower.js";
import type { IrRulebook } from "../src/ir/ir.js";
import { optimizeIr } from "../src/optimize/index.js";
import { compileEvaluator } from "../src/runtime/codegen.js";
import { prng } from "../src/review/random-inputs.js";
import { checkRulebook } from "../src/service/language-service.js";
import { cpuMs, loadLine, pairedRounds, printPairs, type Pair } from "./support/paired.js";
import { generateAccounts } from "./support/span-accounts.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "21" }, seed: { type: "string", default: "11" } },
});
const rounds = Number(values.rounds);
const random = prng(Number(values.seed));

function lower(file: string): IrRulebook {
  const source = readFileSync(path.join(root, file), "utf8");
  const checked = checkRulebook(source, file, {
    readFile: (f) => readFileSync(path.join(root, f), "utf8"),
    resolve: (from, p) => path.join(path.dirname(from), p),
  });
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((d) => d.message).join("; ")}`);
  return lowerRulebook(checked.checked, { source: () => source });
}

function simmPortfolio(): unknown {
  const sensitivities = Array.from({ length: 200 }, (_, k) => ({
    risk_factor: `RF${k}`,
    bucket: 1 + Math.floor(random() * 6),
    delta: Math.round((random() * 2 - 1) * 5_000_000),
  }));
  return { portfolio: { sensitivities } };
}

function ewmaHistory(): unknown {
  let price = 20_000 + random() * 40_000;
  const prices = Array.from({ length: 250 }, () => {
    price *= Math.exp((random() - 0.5) * 0.08);
    return Math.round(price * 100) / 100;
  });
  return { position: { notional: Math.round(random() * 1e7) + 1_000 }, market: { prices } };
}

const SYMBOLS: [string, number][] = [
  ["BTCUSDT", 30_000],
  ["ETHUSDT", 2_000],
  ["SOLUSDT", 100],
  ["XRPUSDT", 0.5],
  ["DOGEUSDT", 0.1],
];

function crossAccount(): unknown {
  const positions = Array.from({ length: 10 }, () => {
    const [symbol, price] = SYMBOLS[Math.floor(random() * SYMBOLS.length)]!;
    const entry = Math.round(price * (0.8 + random() * 0.4) * 1e4) / 1e4;
    const mark = Math.round(price * (0.8 + random() * 0.4) * 1e4) / 1e4;
    const notional = Math.pow(10, 2 + random() * 4);
    return {
      symbol,
      side: random() < 0.5 ? "long" : "short",
      size: Math.max(0.001, Math.round((notional / mark) * 1000) / 1000),
      entry,
      mark,
      leverage: 1 + Math.floor(random() * 50),
    };
  });
  return { account: { wallet: Math.round(random() * 1e6), positions } };
}

const BOOKS: { name: string; file: string; inputs: unknown[] }[] = [
  { name: "SPAN", file: "rules/span-sp500.margin", inputs: generateAccounts(100, 20, 5) },
  { name: "SIMM", file: "rules/simm-style-delta.margin", inputs: Array.from({ length: 20 }, simmPortfolio) },
  {
    name: "EWMA",
    file: "rules/ewma-volatility-margin.margin",
    inputs: Array.from({ length: 50 }, ewmaHistory),
  },
  {
    name: "binance-usdm-cross",
    file: "rules/binance-usdm-cross.margin",
    inputs: Array.from({ length: 500 }, crossAccount),
  },
];

/** The same outputs, bit for bit (lists element by element). */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object")
    return Object.keys(a).every((k) =>
      same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    );
  return Object.is(a, b);
}

const pairs: Pair[] = BOOKS.map(({ name, file, inputs }) => {
  const ir = lower(file);
  const on = compileEvaluator(ir).evaluate;
  const off = compileEvaluator(ir, { optimize: false }).evaluate;
  for (const input of inputs)
    if (!same(on(input, undefined), off(input, undefined)))
      throw new Error(`${name}: the optimizer changed a result`);
  const optimized = optimizeIr(ir);
  const hoisted = optimized.steps.filter((s) => s.kind === "let" && s.hoisted).length;
  const bodyLets = optimized.locals.length - ir.locals.length;
  const pass = (evaluate: (input: unknown, validate: undefined) => unknown, times: number) => (): number => {
    let n = 0;
    for (let t = 0; t < times; t++)
      for (const input of inputs) if (evaluate(input, undefined) !== undefined) n++;
    return n;
  };
  // Passes of about 40 ms of CPU time: long enough to measure, short enough to pair.
  pass(off, 3)();
  const start = cpuMs();
  pass(off, 3)();
  const times = Math.max(1, Math.round((40 * 3) / Math.max(cpuMs() - start, 0.1)));
  const sameCode = compileEvaluator(ir).source === compileEvaluator(ir, { optimize: false }).source;
  console.log(
    `${name.padEnd(18)} ${file}: ${hoisted} hoisted lets, ${bodyLets} locals bound in function bodies` +
      (sameCode ? " (the same generated code: the ratio shows the noise)" : ""),
  );
  const result: Pair[] = [
    { name, items: inputs.length * times, engine: pass(on, times), baseline: pass(off, times) },
  ];
  // A control: two evaluators of the same unoptimized code, so the table shows how far from 1.00x
  // identical code lands in this process (the ratios above mean something beyond that only).
  if (name === "SPAN") {
    const twin = compileEvaluator(ir, { optimize: false }).evaluate;
    result.push({
      name: "control: SPAN off/off",
      items: inputs.length * times,
      engine: pass(twin, times),
      baseline: pass(off, times),
    });
  }
  return result;
}).flat();

console.log(`optimizer on (engine) against off (baseline), ${rounds} paired rounds, CPU time`);
console.log(`  ${loadLine()} (before)`);
printPairs(pairedRounds(pairs, rounds));
console.log(`  ${loadLine()} (after)`);
