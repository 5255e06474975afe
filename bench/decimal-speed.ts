/**
 * What decimal arithmetic costs (`npm run bench:decimal`): the Binance-style bracket rulebook
 * (rules/binance-btcusdt-perp.margin) on the same generated positions,
 *
 * - in binary64, loaded as an engine loads it (the generated code, `evaluate(input, { validate: false })`),
 * - in decimal arithmetic (`arithmetic decimal`, scale 18, half-even), loaded the same way (the
 *   generated decimal code, src/runtime/codegen-decimal.ts: its fast path on doubles,
 *   src/runtime/decimal-fast.ts, and the exact path for the inputs the fast path cannot decide),
 * - in decimal arithmetic by the reference interpreter (`evaluate(ir, input)`),
 * - hand-written TypeScript with the same decimal library (bench/baseline/binance-decimal-handwritten.ts),
 * - the binary64 / decimal pair again as an engine answering in JSON (`JSON.stringify` of the
 *   outputs: decimal outputs are already text, binary64's doubles are written then),
 * - and the floor under a decimal position ({@link floorPasses}): reading its four numbers as exact
 *   decimals, and writing its three computed outputs as text, each alone and paired with binary64,
 *
 * after checking that decimal mode and the hand-written decimal code agree exactly on every input,
 * and counting the inputs the fast path answered (its hit rate) and those it left to the exact path.
 * Paired rounds: each round runs the generated evaluators once over all inputs (binary64 and the generated
 * decimal code interleaved in blocks of 500 positions, so that load bursts fall on both), and the
 * interpreter and decimal.js have their rounds after all of those; the report gives the
 * median and the spread (min-max) of the per-position time over the rounds, the ratios of the medians
 * and of each round's pair, and the load average. The pair is also timed in CPU time
 * (`process.cpuUsage`, this process's), which a loaded machine disturbs less than the clock: time
 * the process spends waiting for a core is not counted. A measurement, not a test.
 * Options: `--count N` (default 20,000), `--runs N` rounds (default 7), `--seed N`.
 */
import { loadavg } from "node:os";
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildArtifact, serializeArtifact } from "../src/compile/artifact.js";
import { loadArtifact, type LoadedRulebook } from "../src/runtime/index.js";
import { decimalFastCounts, readRegister } from "../src/runtime/decimal-fast.js";
import { text, textAny, type Num } from "../src/runtime/decimal-fast-ops.js";
import { digitsOf, scaledText, textTables } from "../src/runtime/decimal-text.js";
import { evaluate as interpret } from "../src/runtime/interpreter.js";
import { checkRulebook } from "../src/service/language-service.js";
import { compileChecked } from "../src/service/compile-rulebook.js";
import { binanceMarginDecimal } from "./baseline/binance-decimal-handwritten.js";
import type { BinanceInput } from "./baseline/binance-handwritten.js";
import { binancePositions } from "./support/binance-positions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rulebookFile = "rules/binance-btcusdt-perp.margin";
const kept: unknown[] = new Array(1024);
const BLOCK = 500;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The floor under a decimal position: two parts of it that an exact decimal evaluator of this
 * book must do and binary64 does not (the issue asks for JSON numbers read exactly and decimal text
 * out), timed alone, without the arithmetic between them and without the work binary64 does too
 * (loading the input objects, building the outputs object).
 * - Reading the four input numbers as exact decimals: the generated code's own reader
 *   (`readRegister`, the shortest decimal that rounds to the double), on the same numbers.
 * - Writing the three computed outputs as decimal text: statements written by the generated code's
 *   own text operations (`decimal-fast-ops.ts` `text` and `textAny`, from the same tables), on the
 *   values the decimal evaluation gave, as its registers held them. The places of the two rounded
 *   outputs are constants here, which only makes this part cheaper than in the generated code.
 */
function floorPasses(
  inputs: readonly BinanceInput[],
  outputs: readonly Record<string, unknown>[],
): { reads: (from: number, to: number) => number; texts: (from: number, to: number) => number } {
  // The four input numbers of each position, already out of their objects: binary64 loads them too.
  const numbers = Float64Array.from(
    inputs.flatMap(({ position, market }) => [position.size, position.mark, market.vol_30d, market.adv]),
  );
  const R = new Float64Array(3);
  const reads = (from: number, to: number): number => {
    let n = 0;
    for (let i = 4 * from; i < 4 * to; i++) {
      R[0] = numbers[i]!;
      readRegister(R, 0);
      n += R[2]!;
    }
    return n;
  };
  // Each output's mantissa and places, as the evaluation's registers held them.
  const scaled = (t: string, places?: number): [number, number] => {
    const dot = t.indexOf(".");
    const s = dot < 0 ? 0 : t.length - dot - 1;
    const m = Number(t.replace(".", ""));
    return places === undefined ? [m, s] : [m * 10 ** (places - s), places];
  };
  const values = new Float64Array(4 * outputs.length);
  outputs.forEach((o, i) => {
    values[4 * i] = scaled(o["initial_margin"] as string, 2)[0];
    values[4 * i + 1] = scaled(o["maintenance_margin"] as string, 2)[0];
    [values[4 * i + 2], values[4 * i + 3]] = scaled(o["maintenance_margin_exact"] as string);
  });
  const num = (n: string): Num => ({ a: `${n}a`, b: `${n}a`, s: `${n}s` });
  const t0 = textTables(0);
  const factory = new Function(
    "FD3, FP3, FC2, FDT3, FT3, FF2, FF3, FP, Fdigits, Ftext, Ftext0, Fbail, Mfloor, V, kept",
    [
      "return function texts(i) {",
      "const xa = V[4 * i], xs = 2, ya = V[4 * i + 1], ys = 2, za = V[4 * i + 2], zs = V[4 * i + 3];",
      text("o0", num("x"), 2, "FF2"),
      text("o1", num("y"), 2, "FF2"),
      textAny("o2", num("z"), "FF3"),
      // The texts alone: the outputs object is work binary64 does too.
      "kept[i & 1023] = o0; kept[(i + 1) & 1023] = o1; kept[(i + 2) & 1023] = o2;",
      "return o0.length + o1.length + o2.length;",
      "};",
    ].join("\n"),
  ) as (...args: unknown[]) => (i: number) => number;
  const texts = factory(
    t0.digits,
    t0.three,
    t0.cents,
    t0.dotThree,
    t0.trimmed3,
    textTables(2).fraction,
    textTables(3).fraction,
    Array.from({ length: 23 }, (_, k) => Number(`1e${k}`)),
    digitsOf,
    scaledText,
    () => {
      throw new Error("more than nine places");
    },
    () => {
      throw new Error("not exact");
    },
    Math.floor,
    values,
    kept,
  );
  // The same texts as the evaluation wrote.
  outputs.forEach((o, i) => {
    texts(i);
    const written = [kept[i & 1023], kept[(i + 1) & 1023], kept[(i + 2) & 1023]];
    const expected = [o["initial_margin"], o["maintenance_margin"], o["maintenance_margin_exact"]];
    if (written.some((t, k) => t !== expected[k]))
      throw new Error(`the floor pass wrote ${written.join(", ")} for ${expected.join(", ")}`);
  });
  return {
    reads,
    texts: (from, to) => {
      let n = 0;
      for (let i = from; i < to; i++) n += texts(i);
      return n;
    },
  };
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
    const book = loadArtifact(
      serializeArtifact(buildArtifact(compiled.ir, { source, compiler: { version: "bench" } })),
    );
    return { book, ir: compiled.ir };
  };
  const binary = load("binary64").book;
  const { book: decimal, ir: decimalIr } = load({ mode: "decimal", scale: 18, rounding: "half_even" });
  if (decimal.mode !== "compiled") throw new Error("the decimal rulebook was not compiled");
  const inputs = binancePositions(count, seed);
  const noValidation = { validate: false } as const;

  let disagreements = 0;
  const before = { ...decimalFastCounts };
  for (const input of inputs) {
    const a = decimal.evaluate(input, noValidation).outputs;
    const b = binanceMarginDecimal(input);
    const c = interpret(decimalIr, input).outputs;
    if (Object.keys(b).some((k) => a[k] !== b[k] || c[k] !== b[k])) disagreements++;
  }
  // A pass that evaluates with `book` and writes each answer's outputs as JSON, as an engine answers.
  const asJson = (name: string, book: LoadedRulebook) => ({
    name,
    pass: (from = 0, to = count) => {
      let n = 0;
      for (let i = from; i < to; i++)
        n += JSON.stringify(book.evaluate(inputs[i], noValidation).outputs).length;
      return n;
    },
  });
  const fastHits = decimalFastCounts.fast - before.fast;
  const fallbacks = decimalFastCounts.exact - before.exact;

  const passes: { name: string; pass: (from?: number, to?: number) => number }[] = [
    {
      name: "binary64 (generated code)",
      pass: (from = 0, to = count) => {
        let n = 0;
        for (let i = from; i < to; i++) {
          const o = binary.evaluate(inputs[i], noValidation);
          kept[i & 1023] = o;
          n += o.outputs["max_leverage"] as number;
        }
        return n;
      },
    },
    {
      name: "decimal (generated code)",
      pass: (from = 0, to = count) => {
        let n = 0;
        for (let i = from; i < to; i++) {
          const o = decimal.evaluate(inputs[i], noValidation);
          kept[i & 1023] = o;
          n += (o.outputs["max_leverage"] as string).length;
        }
        return n;
      },
    },
    asJson("binary64, as JSON", binary),
    asJson("decimal, as JSON", decimal),
    {
      name: "decimal (interpreter)",
      pass: (from = 0, to = count) => {
        let n = 0;
        for (let i = from; i < to; i++) {
          const o = interpret(decimalIr, inputs[i]);
          kept[i & 1023] = o;
          n += (o.outputs["max_leverage"] as string).length;
        }
        return n;
      },
    },
    {
      name: "hand-written decimal.js",
      pass: (from = 0, to = count) => {
        let n = 0;
        for (let i = from; i < to; i++) {
          const o = binanceMarginDecimal(inputs[i]!);
          kept[i & 1023] = o;
          n += o["max_leverage"]!.length;
        }
        return n;
      },
    },
  ];
  const floor = floorPasses(
    inputs,
    inputs.map((input) => decimal.evaluate(input, noValidation).outputs),
  );
  passes.push(
    { name: "floor: reading 4 inputs", pass: (from = 0, to = count) => floor.reads(from, to) },
    { name: "floor: writing 3 texts", pass: (from = 0, to = count) => floor.texts(from, to) },
  );
  for (const p of passes) p.pass();
  const times = passes.map(() => [] as number[]);
  const cpuTimes = [[] as number[], [] as number[]];
  const floorRatios = [[] as number[], [] as number[]];
  const cpu = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const loadBefore = loadavg()[0]!;
  // Two passes in interleaved blocks of 500 positions (alternating which goes first), so that a
  // burst of load on this shared machine falls on both alike: each one's wall and CPU ms.
  const interleaved = (pair: readonly [number, number]): { wall: number[]; cpu: number[] } => {
    const wall = [0, 0];
    const used = [0, 0];
    for (let from = 0, b = 0; from < count; from += BLOCK, b++) {
      const to = Math.min(count, from + BLOCK);
      for (const k of b % 2 === 0 ? [0, 1] : [1, 0]) {
        const start = performance.now();
        const startCpu = cpu();
        passes[pair[k]!]!.pass(from, to);
        used[k]! += cpu() - startCpu;
        wall[k]! += performance.now() - start;
      }
    }
    return { wall, cpu: used };
  };
  for (let r = 0; r < runs; r++) {
    // binary64 and generated decimal; then the same pair as an engine answering in JSON.
    const evaluation = interleaved([0, 1]);
    evaluation.wall.forEach((ms, i) => times[i]!.push((ms * 1e6) / count));
    evaluation.cpu.forEach((ms, i) => cpuTimes[i]!.push((ms * 1e6) / count));
    interleaved([2, 3]).wall.forEach((ms, i) => times[i + 2]!.push((ms * 1e6) / count));
    // Each part of the floor against binary64 in CPU time, paired the same way.
    for (const part of [6, 7]) {
      const paired = interleaved([0, part]).cpu;
      times[part]!.push((paired[1]! * 1e6) / count);
      floorRatios[part - 6]!.push(paired[1]! / paired[0]!);
    }
  }
  // The interpreter and decimal.js after every round of the generated code, not between them: each
  // of their passes leaves tens of megabytes of garbage, whose collection then fell on the next
  // round of the pair (rounds of the generated decimal code up to 9x its median).
  for (let r = 0; r < runs; r++) {
    passes.slice(4, 6).forEach((p, i) => {
      const start = performance.now();
      p.pass();
      times[i + 4]!.push(((performance.now() - start) * 1e6) / count);
    });
  }
  const after = loadavg()[0]!;
  console.log(
    `decimal-speed: ${rulebookFile}, ${count.toLocaleString("en-US")} positions, ${runs} paired rounds after a warm-up; load average ${loadBefore.toFixed(2)} -> ${after.toFixed(2)}`,
  );
  console.log(
    `agreement: generated decimal code, the interpreter and hand-written decimal.js differ on ${disagreements} of ${count} positions`,
  );
  console.log(
    `fast path: ${fastHits} of ${count} positions (${((100 * fastHits) / count).toFixed(2)}%) answered on doubles, ${fallbacks} left to the exact path`,
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
  console.log(`  generated decimal / binary64:                ${ratio(1, 0)}`);
  const cpuPaired = cpuTimes[1]!.map((x, r) => x / cpuTimes[0]![r]!);
  console.log(
    `  in CPU time: binary64 ${median(cpuTimes[0]!).toFixed(0)} ns, generated decimal ${median(cpuTimes[1]!).toFixed(0)} ns, ${(median(cpuTimes[1]!) / median(cpuTimes[0]!)).toFixed(1)}x (paired rounds ${Math.min(...cpuPaired).toFixed(1)}-${Math.max(...cpuPaired).toFixed(1)}, median ${median(cpuPaired).toFixed(1)}x)`,
  );
  console.log(`  the same, each answer written as JSON:       ${ratio(3, 2)}`);
  const floorSum = floorRatios[0]!.map((x, r) => x + floorRatios[1]![r]!);
  console.log(
    `  floor, in CPU time against binary64 (paired): reading the inputs ${median(floorRatios[0]!).toFixed(1)}x, writing the texts ${median(floorRatios[1]!).toFixed(1)}x, both ${median(floorSum).toFixed(1)}x (rounds ${Math.min(...floorSum).toFixed(1)}-${Math.max(...floorSum).toFixed(1)}), before any arithmetic`,
  );
  console.log(`  hand-written decimal.js / generated decimal: ${ratio(5, 1)}`);
  console.log(`  decimal interpreter / generated decimal:     ${ratio(4, 1)}`);
}

main();
