/**
 * Paired rounds: two passes over the same work (an engine and its baseline) timed back to back in
 * short windows, their order alternating from round to round, the speed ratio taken within each
 * round; the median and the spread (10th to 90th percentile) over rounds are reported. A burst of
 * load from the rest of the machine hits both passes of a round alike, so the ratio stays honest
 * on a busy machine where absolute rates do not.
 *
 * Time is the process's CPU time (`process.cpuUsage`, user + system), not wall time: on a machine
 * with a load average of 10-20 on 2 cores, a pass waits for a core for as long as it runs, and wall
 * time measures the other processes. CPU time counts only this process's work (its helper threads
 * included: garbage collection and compilation are part of an engine's cost).
 */
import { loadavg } from "node:os";

/** One comparison: `engine` and `baseline` each process `items` items and return a checksum. */
export interface Pair {
  name: string;
  items: number;
  engine: () => number;
  baseline: () => number;
}

/** The figures of one comparison. */
export interface PairResult {
  name: string;
  /** Median of engine speed / baseline speed within a round (above 1: the engine is faster). */
  ratio: number;
  /** 10th and 90th percentiles of that ratio. */
  spread: [number, number];
  /** Median items per second of the engine and of the baseline. */
  engineRate: number;
  baselineRate: number;
}

/** Runs `rounds` paired rounds of every pair (after one warm-up pass of each side). */
export function pairedRounds(pairs: readonly Pair[], rounds: number): PairResult[] {
  return pairs.map((pair) => {
    pair.engine();
    pair.baseline();
    const ratios: number[] = [];
    const engineTimes: number[] = [];
    const baselineTimes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const time = (pass: () => number): number => {
        const start = cpuMs();
        pass();
        return cpuMs() - start;
      };
      let engine: number;
      let baseline: number;
      if (r % 2 === 0) {
        engine = time(pair.engine);
        baseline = time(pair.baseline);
      } else {
        baseline = time(pair.baseline);
        engine = time(pair.engine);
      }
      ratios.push(baseline / engine);
      engineTimes.push(engine);
      baselineTimes.push(baseline);
    }
    return {
      name: pair.name,
      ratio: quantile(ratios, 0.5),
      spread: [quantile(ratios, 0.1), quantile(ratios, 0.9)],
      engineRate: (pair.items / quantile(engineTimes, 0.5)) * 1000,
      baselineRate: (pair.items / quantile(baselineTimes, 0.5)) * 1000,
    };
  });
}

/** The process's CPU time so far (user + system), in milliseconds. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The q-quantile of numbers (linear interpolation). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** The load average line every benchmark prints. */
export function loadLine(): string {
  const [one, five, fifteen] = loadavg().map((x) => x.toFixed(2));
  return `load average ${one}, ${five}, ${fifteen}`;
}

/** Prints the results as a table, with each goal when there is one. */
export function printPairs(
  results: readonly PairResult[],
  goals: Readonly<Record<string, number>> = {},
): void {
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const goal = goals[r.name];
    console.log(
      `  ${r.name.padEnd(width)}  ${r.ratio.toFixed(2)}x  (p10-p90 ${r.spread[0].toFixed(2)}-${r.spread[1].toFixed(2)})` +
        `  engine ${Math.round(r.engineRate).toLocaleString("en-US")}/s, baseline ${Math.round(r.baselineRate).toLocaleString("en-US")}/s` +
        (goal !== undefined ? `  goal >= ${goal}x: ${r.ratio >= goal ? "met" : "not met"}` : ""),
    );
  }
}
