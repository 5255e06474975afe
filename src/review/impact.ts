/**
 * Impact analysis of a rulebook change: both versions evaluate the same inputs, and the numeric
 * outputs they share are compared input by input. How many margins went up, down or stayed, the
 * mean, median and largest changes (absolute and in percent), the totals, a histogram of the
 * changes and the top movers.
 *
 * The work is split in two pure halves so that it runs on worker threads: {@link evaluateImpactChunk}
 * evaluates a range of inputs into typed arrays (cheap to transfer between threads), and
 * {@link summarizeImpact} turns all the chunks, merged with {@link mergeImpactColumns}, into the
 * statistics. Explaining the top movers (which rule made the difference) is `impact-explain.ts`.
 */
import type { IrRecord, IrType } from "../ir/ir.js";
import type { OutputInfo } from "../runtime/output-info.js";
import { outputNumber } from "../runtime/decimal-values.js";
import type { OutputValue } from "../runtime/interpreter.js";

/** What impact analysis needs of a version: a loaded rulebook (`rulebookFromIr`, `loadArtifact`). */
export interface ImpactEvaluator {
  readonly outputs: readonly OutputInfo[];
  /** The JSON Schema of the input: when both versions have the same, each input is validated once. */
  readonly schema?: unknown;
  evaluate(input: unknown, options?: { validate?: boolean }): { outputs: Record<string, OutputValue> };
  validate?(input: unknown): { valid: boolean; errors: readonly { message: string }[] };
}

/** A numeric output both versions have, with the new version's unit. */
export interface ComparedOutput {
  name: string;
  unit: string;
}

/** How each input fared: evaluated by both versions, or failed in one or both. */
export const InputStatus = { both: 0, oldFailed: 1, newFailed: 2, bothFailed: 3 } as const;

/** Failures of one version, by error code: how many, and the first one met (its input and message). */
export type FailureCounts = Record<string, { count: number; index: number; message: string }>;

/**
 * The raw results of evaluating a range of inputs with both versions. Arrays are indexed by
 * `index - start`; a failed evaluation leaves NaN in its version's columns.
 */
export interface ImpactColumns {
  start: number;
  count: number;
  /** One array per compared output, in the order of `outputs` of {@link comparedOutputs}. */
  old: Float64Array[];
  new: Float64Array[];
  /** One {@link InputStatus} per input. */
  status: Uint8Array;
  failures: { old: FailureCounts; new: FailureCounts };
}

/**
 * The numeric outputs both versions compute, in the new version's order. A record output counts
 * by its numeric fields (nested ones too), each named by its path: `summary.im`. The records are
 * the versions' `ir.schema.records`; without them record outputs are left out.
 */
export function comparedOutputs(
  oldOutputs: readonly OutputInfo[],
  newOutputs: readonly OutputInfo[],
  records?: { old: Record<string, IrRecord>; new: Record<string, IrRecord> },
  sample?: { old: Record<string, OutputValue>; new: Record<string, OutputValue> },
): ComparedOutput[] {
  const oldNumeric = new Set(numericLeaves(oldOutputs, records?.old).map((o) => o.name));
  const compared = numericLeaves(newOutputs, records?.new).filter((o) => oldNumeric.has(o.name));
  if (!sample) return compared;
  // A list of numbers both versions output counts by its elements, `name[1]` to `name[n]`, n the
  // shorter of the two lists the sample input gives (an input with a shorter list skips the rest).
  const oldLists = new Set(oldOutputs.filter(isNumberList).map((o) => o.name));
  for (const o of newOutputs.filter(isNumberList)) {
    const [a, b] = [sample.old[o.name], sample.new[o.name]];
    if (!oldLists.has(o.name) || !Array.isArray(a) || !Array.isArray(b)) continue;
    const unit = o.type.kind === "list" && o.type.element.kind === "number" ? o.type.element.unit : "Number";
    for (let k = 1; k <= Math.min(a.length, b.length); k++) compared.push({ name: `${o.name}[${k}]`, unit });
  }
  return compared;
}

/**
 * Both versions' outputs on the first of the inputs (at most the first 100) that both evaluate:
 * the sample {@link comparedOutputs} takes list lengths from. Undefined when there is none.
 */
export function sampleOutputs(
  oldBook: ImpactEvaluator,
  newBook: ImpactEvaluator,
  inputAt: (index: number) => unknown,
  count: number,
): { old: Record<string, OutputValue>; new: Record<string, OutputValue> } | undefined {
  for (let i = 0; i < Math.min(count, 100); i++) {
    try {
      const input = inputAt(i);
      return { old: oldBook.evaluate(input).outputs, new: newBook.evaluate(input).outputs };
    } catch {
      // This input fails in a version: try the next one.
    }
  }
  return undefined;
}

function isNumberList(o: OutputInfo): boolean {
  return o.type.kind === "list" && o.type.element.kind === "number";
}

function numericLeaves(outputs: readonly OutputInfo[], records?: Record<string, IrRecord>): ComparedOutput[] {
  const leaves: ComparedOutput[] = [];
  const visit = (name: string, type: IrType, depth: number): void => {
    if (type.kind === "number") leaves.push({ name, unit: type.unit });
    const record = type.kind === "record" ? records?.[type.name] : undefined;
    if (record && depth < 8)
      for (const field of record.fields) visit(`${name}.${field.name}`, field.type, depth + 1);
  };
  for (const o of outputs)
    if (o.type.kind === "number") leaves.push({ name: o.name, unit: o.unit ?? "Number" });
    else visit(o.name, o.type, 0);
  return leaves;
}

/**
 * An output's value by its compared name: the output of that name (imported outputs' names have
 * dots), else a field path into a record output (`summary.im`).
 */
function comparedValue(outputs: Record<string, OutputValue>, name: string): OutputValue | undefined {
  if (Object.hasOwn(outputs, name)) return outputs[name];
  const element = /^(.*)\[(\d+)\]$/.exec(name);
  if (element) {
    const list = comparedValue(outputs, element[1]!);
    return Array.isArray(list) ? (list[Number(element[2]) - 1] as OutputValue | undefined) : undefined;
  }
  for (let dot = name.indexOf("."); dot > 0; dot = name.indexOf(".", dot + 1)) {
    const head = name.slice(0, dot);
    if (!Object.hasOwn(outputs, head)) continue;
    let value: OutputValue | undefined = outputs[head];
    for (const field of name.slice(dot + 1).split(".")) {
      if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, field))
        return undefined;
      value = (value as Record<string, OutputValue>)[field];
    }
    return value;
  }
  return undefined;
}

/**
 * Evaluates inputs `start` to `end - 1` (given by `inputAt`) with both versions. `onProgress` is
 * called with the number of inputs done, every `progressEvery` inputs.
 */
export function evaluateImpactChunk(
  oldBook: ImpactEvaluator,
  newBook: ImpactEvaluator,
  outputs: readonly string[],
  inputAt: (index: number) => unknown,
  start: number,
  end: number,
  onProgress?: (done: number) => void,
  progressEvery = 10_000,
): ImpactColumns {
  const count = Math.max(0, end - start);
  const columns: ImpactColumns = {
    start,
    count,
    old: outputs.map(() => new Float64Array(count)),
    new: outputs.map(() => new Float64Array(count)),
    status: new Uint8Array(count),
    failures: { old: {}, new: {} },
  };
  // Same input schema on both sides: validate each input once, then evaluate both without validating.
  const validateOnce =
    newBook.validate &&
    oldBook.schema !== undefined &&
    JSON.stringify(oldBook.schema) === JSON.stringify(newBook.schema)
      ? newBook.validate
      : undefined;
  for (let i = 0; i < count; i++) {
    const input = inputAt(start + i);
    let oldOk: boolean;
    let newOk: boolean;
    const invalid = validateOnce?.(input);
    if (invalid && !invalid.valid) {
      const message = `invalid input: ${invalid.errors.map((e) => e.message).join("; ")}`;
      oldOk = newOk = false;
      for (const [side, into] of [
        [columns.failures.old, columns.old],
        [columns.failures.new, columns.new],
      ] as const) {
        countFailure(side, INVALID_INPUT, start + i, message);
        for (const column of into) column[i] = NaN;
      }
    } else {
      const options = validateOnce ? { validate: false } : undefined;
      oldOk = fill(oldBook, input, outputs, columns.old, i, columns.failures.old, start + i, options);
      newOk = fill(newBook, input, outputs, columns.new, i, columns.failures.new, start + i, options);
    }
    columns.status[i] = (oldOk ? 0 : InputStatus.oldFailed) | (newOk ? 0 : InputStatus.newFailed);
    if (onProgress && (i + 1) % progressEvery === 0) onProgress(i + 1);
  }
  onProgress?.(count);
  return columns;
}

/** The code of an invalid input (the runtime's MB6001). */
const INVALID_INPUT = "MB6001";

function countFailure(failures: FailureCounts, code: string, index: number, message: string): void {
  const seen = failures[code];
  if (seen) seen.count++;
  else failures[code] = { count: 1, index, message };
}

function fill(
  book: ImpactEvaluator,
  input: unknown,
  outputs: readonly string[],
  into: Float64Array[],
  at: number,
  failures: FailureCounts,
  index: number,
  options?: { validate: boolean },
): boolean {
  try {
    const result = book.evaluate(input, options).outputs;
    for (let o = 0; o < outputs.length; o++) {
      const value = comparedValue(result, outputs[o]!);
      into[o]![at] = outputNumber(value) ?? NaN;
    }
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    countFailure(
      failures,
      typeof code === "string" ? code : "error",
      index,
      error instanceof Error ? error.message : String(error),
    );
    for (const column of into) column[at] = NaN;
    return false;
  }
}

/** Joins chunks (in any order) into one set of columns covering all their inputs. */
export function mergeImpactColumns(parts: readonly ImpactColumns[]): ImpactColumns {
  const sorted = [...parts].sort((a, b) => a.start - b.start);
  const count = sorted.reduce((n, p) => n + p.count, 0);
  const width = sorted[0]?.old.length ?? 0;
  const merged: ImpactColumns = {
    start: sorted[0]?.start ?? 0,
    count,
    old: Array.from({ length: width }, () => new Float64Array(count)),
    new: Array.from({ length: width }, () => new Float64Array(count)),
    status: new Uint8Array(count),
    failures: { old: {}, new: {} },
  };
  let offset = 0;
  for (const part of sorted) {
    for (let o = 0; o < width; o++) {
      merged.old[o]!.set(part.old[o]!, offset);
      merged.new[o]!.set(part.new[o]!, offset);
    }
    merged.status.set(part.status, offset);
    for (const side of ["old", "new"] as const) {
      for (const [code, f] of Object.entries(part.failures[side])) {
        const seen = merged.failures[side][code];
        if (!seen) merged.failures[side][code] = { ...f };
        else {
          seen.count += f.count;
          if (f.index < seen.index) Object.assign(seen, { index: f.index, message: f.message });
        }
      }
    }
    offset += part.count;
  }
  return merged;
}

/** One input's change on one output. `percent` is null when the old value is 0. */
export interface Mover {
  index: number;
  old: number;
  new: number;
  change: number;
  percent: number | null;
}

/** A histogram of the percentage changes of the margins that changed. */
export interface Histogram {
  /** `bins + 1` edges, in percent; the first and last bins also hold everything beyond them. */
  edges: number[];
  counts: number[];
  /** Changed margins left out because their old value was 0 (no percentage). */
  fromZero: number;
}

/** The impact on one output. */
export interface OutputImpact {
  name: string;
  unit: string;
  up: number;
  down: number;
  same: number;
  /** Sums over the inputs both versions evaluated. */
  totalOld: number;
  totalNew: number;
  meanChange: number;
  medianChange: number;
  /** Over the inputs whose old value is not 0. */
  meanPercent: number | null;
  medianPercent: number | null;
  /** The largest change by absolute amount, and by percentage; absent when nothing changed. */
  largest?: Mover;
  largestPercent?: Mover;
  histogram: Histogram;
  /** The inputs that moved most (by absolute change), largest first. */
  movers: Mover[];
  /** A sample of (old, new) pairs for a scatter plot: at most `scatterPoints`, movers included. */
  scatter: { index: number; old: number; new: number }[];
}

/** The impact of a change on a set of inputs. */
export interface ImpactSummary {
  inputs: number;
  /** Inputs both versions evaluated. */
  evaluated: number;
  failed: { oldOnly: number; newOnly: number; both: number; old: FailureCounts; new: FailureCounts };
  outputs: OutputImpact[];
}

/** Options of {@link summarizeImpact}. */
export interface SummaryOptions {
  /** How many top movers per output (default 10). */
  top?: number;
  /** Histogram bins (default 24). */
  bins?: number;
  /** Points in the scatter sample (default 1,500). */
  scatterPoints?: number;
}

/** The statistics of merged columns. */
export function summarizeImpact(
  columns: ImpactColumns,
  outputs: readonly ComparedOutput[],
  options: SummaryOptions = {},
): ImpactSummary {
  const { status } = columns;
  let evaluated = 0;
  let oldOnly = 0;
  let newOnly = 0;
  let both = 0;
  for (let i = 0; i < columns.count; i++) {
    const s = status[i]!;
    if (s === InputStatus.both) evaluated++;
    else if (s === InputStatus.oldFailed) oldOnly++;
    else if (s === InputStatus.newFailed) newOnly++;
    else both++;
  }
  return {
    inputs: columns.count,
    evaluated,
    failed: { oldOnly, newOnly, both, old: columns.failures.old, new: columns.failures.new },
    outputs: outputs.map((output, o) =>
      outputImpact(output, columns.old[o]!, columns.new[o]!, status, columns.start, evaluated, options),
    ),
  };
}

function outputImpact(
  output: ComparedOutput,
  olds: Float64Array,
  news: Float64Array,
  status: Uint8Array,
  start: number,
  evaluated: number,
  options: SummaryOptions,
): OutputImpact {
  const changes = new Float64Array(evaluated);
  const percents = new Float64Array(evaluated);
  const changedPercents: number[] = [];
  let up = 0,
    down = 0,
    same = 0,
    totalOld = 0,
    totalNew = 0,
    sumChange = 0,
    sumPercent = 0,
    percentCount = 0,
    fromZero = 0;
  let n = 0;
  const top = new TopMovers(options.top ?? 10);
  let largestPercentAt = -1;
  for (let i = 0; i < olds.length; i++) {
    if (status[i] !== InputStatus.both) continue;
    const a = olds[i]!;
    const b = news[i]!;
    // A list element this input's list does not have (lists are compared by position).
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    const change = b - a;
    totalOld += a;
    totalNew += b;
    sumChange += change;
    changes[n] = change;
    if (change > 0) up++;
    else if (change < 0) down++;
    else same++;
    const percent = a !== 0 ? (change / Math.abs(a)) * 100 : null;
    if (percent !== null) {
      percents[percentCount++] = percent;
      sumPercent += percent;
    }
    if (change !== 0) {
      top.offer(start + i, a, b, change, percent);
      if (percent === null) fromZero++;
      else {
        changedPercents.push(percent);
        if (
          largestPercentAt < 0 ||
          Math.abs(percent) >
            Math.abs((news[largestPercentAt]! - olds[largestPercentAt]!) / olds[largestPercentAt]!) * 100
        )
          largestPercentAt = i;
      }
    }
    n++;
  }
  const movers = top.sorted();
  const largestPercent =
    largestPercentAt < 0
      ? undefined
      : moverAt(start + largestPercentAt, olds[largestPercentAt]!, news[largestPercentAt]!);
  return {
    name: output.name,
    unit: output.unit,
    up,
    down,
    same,
    totalOld,
    totalNew,
    meanChange: n > 0 ? sumChange / n : 0,
    medianChange: median(changes.subarray(0, n)),
    meanPercent: percentCount > 0 ? sumPercent / percentCount : null,
    medianPercent: percentCount > 0 ? median(percents.subarray(0, percentCount)) : null,
    ...(movers[0] ? { largest: movers[0] } : {}),
    ...(largestPercent ? { largestPercent } : {}),
    histogram: histogram(changedPercents, options.bins ?? 24, fromZero),
    movers,
    scatter: scatterSample(olds, news, status, start, options.scatterPoints ?? 1_500, movers),
  };
}

function moverAt(index: number, a: number, b: number): Mover {
  return { index, old: a, new: b, change: b - a, percent: a !== 0 ? ((b - a) / Math.abs(a)) * 100 : null };
}

/** Keeps the `size` movers with the largest absolute change (ties: the lower index first). */
class TopMovers {
  private readonly items: Mover[] = [];
  constructor(private readonly size: number) {}

  /** Considers one changed input; allocates only when it makes the list. */
  offer(index: number, a: number, b: number, change: number, percent: number | null): void {
    if (this.size <= 0) return;
    const last = this.items[this.items.length - 1];
    if (
      this.items.length === this.size &&
      last &&
      (Math.abs(change) < Math.abs(last.change) ||
        (Math.abs(change) === Math.abs(last.change) && index > last.index))
    )
      return;
    const mover: Mover = { index, old: a, new: b, change, percent };
    let at = this.items.length;
    while (at > 0 && before(mover, this.items[at - 1]!)) at--;
    this.items.splice(at, 0, mover);
    if (this.items.length > this.size) this.items.pop();
  }

  sorted(): Mover[] {
    return this.items;
  }
}

function before(a: Mover, b: Mover): boolean {
  const d = Math.abs(a.change) - Math.abs(b.change);
  return d > 0 || (d === 0 && a.index < b.index);
}

/** The median of numbers (the mean of the middle two for an even count); 0 for none. Works on a copy. */
export function median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 0;
  const copy = Float64Array.from(values);
  const upper = select(copy, n >> 1);
  if (n % 2 === 1) return upper;
  // After selecting the k-th, everything left of it is <= it: the (k-1)-th is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (copy[i]! > lower) lower = copy[i]!;
  return (lower + upper) / 2;
}

/** The k-th smallest value (0-based), partially ordering `a` in place (Hoare's quickselect). */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * A histogram of percentages over "nice" bins (steps of 1, 2 or 5 times a power of ten, at least
 * 0.01 percentage points) that cover the 1st to the 99th percentile; the outer bins also count
 * what lies beyond.
 */
export function histogram(values: readonly number[], bins: number, fromZero = 0): Histogram {
  if (values.length === 0) return { edges: [], counts: [], fromZero };
  const sorted = Float64Array.from(values).sort();
  const low = sorted[Math.floor((sorted.length - 1) * 0.01)]!;
  const high = sorted[Math.ceil((sorted.length - 1) * 0.99)]!;
  // Changes that differ by rounding noise alone (10.526315789% and 10.526315790%) share one bin.
  const step = niceStep(Math.max((high - low) / bins, 0.01));
  const first = Math.floor(low / step) * step;
  const count = Math.max(1, Math.min(bins * 2, Math.ceil((high - first) / step + 1e-9) || 1));
  const edges = Array.from({ length: count + 1 }, (_, i) => Number((first + i * step).toPrecision(12)));
  const counts = new Array<number>(count).fill(0);
  for (const v of sorted) {
    const bin = Math.min(count - 1, Math.max(0, Math.floor((v - first) / step)));
    counts[bin]!++;
  }
  return { edges, counts, fromZero };
}

function niceStep(raw: number): number {
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

function scatterSample(
  olds: Float64Array,
  news: Float64Array,
  status: Uint8Array,
  start: number,
  points: number,
  movers: readonly Mover[],
): OutputImpact["scatter"] {
  const result: OutputImpact["scatter"] = [];
  const stride = Math.max(1, Math.ceil(olds.length / points));
  const taken = new Set<number>();
  for (let i = 0; i < olds.length; i += stride) {
    if (status[i] !== InputStatus.both || Number.isNaN(olds[i]!) || Number.isNaN(news[i]!)) continue;
    result.push({ index: start + i, old: olds[i]!, new: news[i]! });
    taken.add(start + i);
  }
  for (const m of movers) if (!taken.has(m.index)) result.push({ index: m.index, old: m.old, new: m.new });
  return result;
}
