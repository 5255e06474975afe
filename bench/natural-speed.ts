/**
 * Rulebooks written the natural way, against hand-written code (`npm run bench:natural`):
 *
 * - per position: bench/rules/natural-brackets.margin (10 marginal brackets, volatility scaling, a
 *   square-root size floor, a liquidity add-on, cent rounding) on 10,000 positions, against
 *   bench/baseline/natural-brackets.ts;
 * - per portfolio: bench/rules/natural-portfolio.margin (five underlyings, a `where` filter per
 *   underlying inside the 16-scenario loop) on 10,000 accounts of 20 positions, against
 *   bench/baseline/natural-portfolio.ts.
 *
 * Each rulebook is loaded the way an engine loads it (compile -> artifact JSON -> `loadArtifact`).
 * Before anything is timed, every input is evaluated by each engine and the outputs must be
 * identical to the hand-written ones (`Object.is` on every output): the run stops otherwise.
 *
 * Timing (CPU time of the process, see bench/support/paired.ts): paired rounds in one process. In each round every engine makes one pass over the inputs
 * (a short window: a few milliseconds), in an order that alternates between rounds (ABCD, DCBA,
 * ...), and each engine's rate is divided by the hand-written rate of the same round. Reported:
 * the median ratio over rounds, with the interquartile range and the extremes as the spread, and
 * the load average before and after. A measurement, not a test: nothing here asserts a time.
 *
 * Engines: `compiled` (`evaluate(input, { validate: false })`), `validated` (validation on, the
 * default), `generated` (the generated function alone, without the runtime's dispatcher and its
 * `{ outputs }` wrapper, called with both its arguments as the runtime calls it),
 * `no IR passes` (the same for the IR as lowered, without src/optimize), `columnar`
 * (`evaluateColumns` over every input at once, as typed-array columns; validated) and `columnar,
 * trusted` (`{ validate: false }`), and `hand-written` (per input object). Options: `--rounds N` (default 31), `--count N` inputs (default 10,000),
 * `--positions N` per account (default 20), `--seed N`.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { lowerRulebook } from "../src/compile/lower.js";
import { prng } from "../src/review/random-inputs.js";
import { compileEvaluator } from "../src/runtime/codegen.js";
import { columnLayout, toColumns } from "../src/runtime/column-layout.js";
import { loadArtifact, type LoadedRulebook } from "../src/runtime/index.js";
import { checkRulebook } from "../src/service/language-service.js";
import { naturalBrackets } from "./baseline/natural-brackets.js";
import { naturalPortfolio, type NaturalAccount, type NaturalPosition } from "./baseline/natural-portfolio.js";
import { binancePositions } from "./support/binance-positions.js";
import { cpuMs } from "./support/paired.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const { values: options } = parseArgs({
  options: {
    rounds: { type: "string", default: "31" },
    count: { type: "string", default: "10000" },
    positions: { type: "string", default: "20" },
    seed: { type: "string", default: "15" },
    engine: { type: "string", multiple: true },
  },
});
const ONLY = options.engine;
const ROUNDS = Number(options.rounds);
const COUNT = Number(options.count);
const POSITIONS = Number(options.positions);
const SEED = Number(options.seed);

type Engine = {
  name: string;
  run: (input: unknown) => Record<string, unknown>;
  /** A columnar engine: one call for every input (its results kept as columns); `run` checks one. */
  batch?: () => unknown;
};

/** Checks, lowers, writes and loads a rulebook as an engine does; also returns the lowered IR. */
function load(file: string): {
  book: LoadedRulebook;
  generated: (input: unknown, validate: undefined) => Record<string, unknown>;
  unoptimized: (input: unknown, validate: undefined) => Record<string, unknown>;
} {
  const source = readFileSync(path.join(root, file), "utf8");
  const checked = checkRulebook(source, file);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => e.message).join("; ")}`);
  const ir = lowerRulebook(checked.checked, { source: () => source });
  const book = loadArtifact(serializeArtifact(buildArtifact(ir, { source, compiler: { version: "bench" } })));
  return {
    book,
    generated: compileEvaluator(book.ir).evaluate,
    unoptimized: compileEvaluator(book.ir, { optimize: false }).evaluate,
  };
}

/** Accounts of `positions` positions over the five underlyings, with realistic sizes. */
function accounts(count: number, positions: number, seed: number): NaturalAccount[] {
  const next = prng(seed);
  const us = ["btc", "eth", "sol", "xrp", "doge"] as const;
  const prices = [60_000, 3_000, 150, 0.6, 0.15];
  return Array.from({ length: count }, () => ({
    account: {
      positions: Array.from({ length: positions }, (): NaturalPosition => {
        const k = Math.floor(next() * 5);
        return {
          u: us[k]!,
          quantity: Math.round((next() * 2 - 1) * 1e4) / 100,
          price: Math.round(prices[k]! * (0.9 + next() * 0.2) * 100) / 100,
          vega: Math.round((next() * 2 - 1) * prices[k]! * 10) / 100,
        };
      }),
    },
  }));
}

/** Stops the run unless every engine gives the hand-written outputs on every input, bit for bit. */
function checkIdentical(inputs: readonly unknown[], engines: readonly Engine[], reference: Engine): void {
  for (const [i, input] of inputs.entries()) {
    const expected = reference.run(input);
    for (const engine of engines) {
      const actual = engine.run(input);
      const keys = Object.keys(expected);
      const same =
        keys.length === Object.keys(actual).length && keys.every((k) => Object.is(actual[k], expected[k]));
      if (!same)
        throw new Error(
          `${engine.name} differs from ${reference.name} on input ${i}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}\n${JSON.stringify(input)}`,
        );
    }
  }
}

/** One pass of an engine over the inputs, keeping every result (as an engine does); its rate per second. */
function pass(engine: Engine, inputs: readonly unknown[], sink: unknown[]): number {
  const start = cpuMs();
  if (engine.batch) sink[0] = engine.batch();
  else for (let i = 0; i < inputs.length; i++) sink[i] = engine.run(inputs[i]);
  return inputs.length / ((cpuMs() - start) / 1000);
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.ceil(at)]! - sorted[lo]!) * (at - lo);
}

/** Paired rounds; prints the median rate ratio of each engine to the reference with its spread. */
function measure(
  title: string,
  inputs: readonly unknown[],
  engines: readonly Engine[],
  reference: Engine,
): void {
  const all = [reference, ...engines];
  const sink: unknown[] = new Array(inputs.length);
  for (let w = 0; w < 3; w++) for (const e of all) pass(e, inputs, sink);
  const ratios = new Map<string, number[]>(engines.map((e) => [e.name, []]));
  const rates = new Map<string, number[]>(all.map((e) => [e.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? all : [...all].reverse();
    const round = new Map(order.map((e) => [e.name, pass(e, inputs, sink)]));
    for (const e of all) rates.get(e.name)!.push(round.get(e.name)!);
    for (const e of engines) ratios.get(e.name)!.push(round.get(e.name)! / round.get(reference.name)!);
  }
  console.log(`\n${title}: ${inputs.length.toLocaleString("en")} inputs, ${ROUNDS} paired rounds`);
  const median = (xs: number[]): number =>
    quantile(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  console.log(
    `  ${reference.name.padEnd(14)} ${fmtRate(median(rates.get(reference.name)!))}/s  (the baseline)`,
  );
  for (const e of engines) {
    const sorted = [...ratios.get(e.name)!].sort((a, b) => a - b);
    console.log(
      `  ${e.name.padEnd(14)} ${fmtRate(median(rates.get(e.name)!))}/s  ratio ${quantile(sorted, 0.5).toFixed(2)}x` +
        `  (IQR ${quantile(sorted, 0.25).toFixed(2)}-${quantile(sorted, 0.75).toFixed(2)}, range ${sorted[0]!.toFixed(2)}-${sorted[sorted.length - 1]!.toFixed(2)})`,
    );
  }
}

function fmtRate(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)}M` : `${(rate / 1e3).toFixed(1)}k`;
}

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function engines(loaded: ReturnType<typeof load>, inputs: readonly unknown[]): Engine[] {
  const { book } = loaded;
  const columns = toColumns(columnLayout(book.ir), inputs);
  const columnar = (validate: boolean): Engine => ({
    name: validate ? "columnar" : "columnar, trusted",
    // Checked on every input: the batch's row i against the hand-written result of input i.
    run: (input) => {
      const result = book.evaluateColumns(toColumns(columnLayout(book.ir), [input]), 1, { validate });
      if (result.errors.length > 0) throw new Error(result.errors[0]!.message);
      return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v[0]]));
    },
    batch: () => book.evaluateColumns(columns, inputs.length, { validate }),
  });
  const all: Engine[] = [
    { name: "compiled", run: (input) => book.evaluate(input, { validate: false }).outputs },
    { name: "validated", run: (input) => book.evaluate(input).outputs },
    columnar(true),
    columnar(false),
    // Called with both arguments, as the runtime calls it (see CompiledEvaluator in codegen.ts).
    { name: "generated", run: (input) => loaded.generated(input, undefined) },
    { name: "no IR passes", run: (input) => loaded.unoptimized(input, undefined) },
  ];
  const unknown = ONLY?.filter((name) => !all.some((engine) => engine.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `--engine: no engine ${unknown.join(", ")}; the engines: ${all.map((e) => JSON.stringify(e.name)).join(", ")}`,
    );
  }
  return all.filter((engine) => ONLY === undefined || ONLY.includes(engine.name));
}

console.log(`marginbook natural-rulebook benchmark: node ${process.version}, ${os.cpus().length} cores`);
console.log(`load average before: ${loadAverage()}`);

const brackets = load("bench/rules/natural-brackets.margin");
const positions = binancePositions(COUNT, SEED);
const bracketHand: Engine = {
  name: "hand-written",
  run: (i) => naturalBrackets(i as never) as unknown as Record<string, unknown>,
};
const bracketEngines = engines(brackets, positions);
checkIdentical(positions, bracketEngines, bracketHand);
console.log(
  `identical outputs on ${positions.length.toLocaleString("en")} positions (every engine, Object.is)`,
);
measure("per position (natural-brackets.margin)", positions, bracketEngines, bracketHand);

const portfolio = load("bench/rules/natural-portfolio.margin");
const books = accounts(COUNT, POSITIONS, SEED);
const portfolioHand: Engine = {
  name: "hand-written",
  run: (i) => naturalPortfolio(i as never) as unknown as Record<string, unknown>,
};
const portfolioEngines = engines(portfolio, books);
checkIdentical(books, portfolioEngines, portfolioHand);
console.log(`identical outputs on ${books.length.toLocaleString("en")} accounts (every engine, Object.is)`);
measure(
  `per portfolio (natural-portfolio.margin, ${POSITIONS} positions)`,
  books,
  portfolioEngines,
  portfolioHand,
);

console.log(`\nload average after: ${loadAverage()}`);

/**
 * Which helpers V8 inlined into the generated `evaluate` of the bracket book: the probe runs in a
 * child process under `--trace-turbo-inlining`, and the trace's "Inlining X into evaluate" lines say.
 */
function inliningReport(): void {
  // The trace goes to a file: through a pipe, most of it is lost when the child exits.
  const file = path.join(os.tmpdir(), `marginbook-inlining-${process.pid}.txt`);
  const fd = openSync(file, "w");
  const probe = spawnSync(
    process.execPath,
    ["--trace-turbo-inlining", "--import", "tsx", path.join(root, "bench/support/inlining-probe.ts")],
    { stdio: ["ignore", fd, "pipe"], encoding: "utf8" },
  );
  closeSync(fd);
  const trace = readFileSync(file, "utf8");
  rmSync(file, { force: true });
  if (probe.status !== 0) {
    console.log(`\ninlining probe failed: ${probe.stderr.slice(0, 300)}`);
    return;
  }
  const inlined = new Set<string>();
  for (const m of trace.matchAll(
    /^Inlining .*?<SharedFunctionInfo (\w+)>\} into .*<SharedFunctionInfo evaluate>/gm,
  ))
    inlined.add(m[1]!);
  const rounding = ["roundUp", "scaled"].map((f) => `${f} ${inlined.has(f) ? "yes" : "NO"}`).join(", ");
  console.log(
    `\nV8 inlined into the generated evaluate (natural-brackets): ${[...inlined].sort().join(", ")}`,
  );
  console.log(`cent rounding inlined: ${rounding}`);
}

inliningReport();
