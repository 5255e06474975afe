/**
 * Sweep series for the preview's chart: chosen outputs (initial and maintenance margin) against
 * one numeric input varied over a range, the other inputs held at a sample's values; and the tier
 * boundaries of the tables the sample looks up, mapped from the table's key (`notional`) back to
 * the swept input (`position.size`) when the key moves with it along a straight line.
 *
 * Points are evaluated without explanations; only three evaluations are explained, to read which
 * tier row each table picks and at which key. Pure and synchronous.
 */
import type { IrRulebook, IrType } from "../ir/ir.js";
import { outputNumber } from "../runtime/decimal-values.js";
import type { OutputValue } from "../runtime/interpreter.js";
import { evaluate } from "../runtime/interpreter.js";
import type { TierChoice, Trace, TraceEntry } from "../runtime/trace.js";

/** A number in a sample input that can be swept, with its unit and allowed range. */
export interface SweepInput {
  /** As people write it: `position.size`, `account.positions[0].mark`. */
  path: string;
  value: number;
  unit?: string;
  min?: number;
  minInclusive?: boolean;
  max?: number;
  maxInclusive?: boolean;
}

export interface SweepRequest {
  /** The input to vary (a {@link SweepInput.path}); default: the first one whose change moves a plotted output. */
  path?: string;
  from?: number;
  to?: number;
  /** Number of points (default 81). */
  points?: number;
}

export interface SweepSeries {
  name: string;
  unit: string;
  /** One value per x; null where the evaluation failed. */
  values: (number | null)[];
}

export interface TierBoundary {
  /** The swept input's value where the row changes. */
  x: number;
  table: string;
  /** The 1-based row that starts at `x`. */
  tier: number;
  /** The table key at the boundary (the row's lower bound). */
  key: number;
  keyName: string;
  keyUnit: string;
}

export interface SweepResult {
  path: string;
  unit?: string;
  from: number;
  to: number;
  xs: number[];
  series: SweepSeries[];
  boundaries: TierBoundary[];
  /** The swept input's value in the sample. */
  sampleX: number;
  /** Points whose evaluation failed, and the first failure's message. */
  failures: number;
  firstFailure?: string;
}

/** Something that computes a rulebook's outputs (an evaluator without explanations). */
export type FastEvaluate = (input: unknown) => Record<string, OutputValue>;

const DEFAULT_POINTS = 81;

/** The numeric leaves of a sample input, with units and domains from the rulebook's schema. */
export function sweepInputs(ir: IrRulebook, sample: unknown): SweepInput[] {
  const found: SweepInput[] = [];
  const visit = (
    value: unknown,
    path: string,
    type: IrType | undefined,
    field?: { min?: number; minInclusive?: boolean; max?: number; maxInclusive?: boolean },
  ): void => {
    if (typeof value === "number" && Number.isFinite(value)) {
      found.push({ path, value, ...(type?.kind === "number" ? { unit: type.unit } : {}), ...(field ?? {}) });
    } else if (Array.isArray(value)) {
      const element = type?.kind === "list" ? type.element : undefined;
      value.slice(0, 3).forEach((v, i) => visit(v, `${path}[${i}]`, element));
    } else if (value && typeof value === "object") {
      const record = type?.kind === "record" ? ir.schema.records[type.name] : undefined;
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const fieldDecl = record?.fields.find((f) => f.name === key);
        const inputDecl = path === "" ? ir.schema.inputs.find((i) => i.name === key) : undefined;
        visit(v, path === "" ? key : `${path}.${key}`, fieldDecl?.type ?? inputDecl?.type, fieldDecl?.domain);
      }
    }
  };
  visit(sample, "", undefined);
  return found;
}

/** `position.size` -> ["position", "size"]; `xs[0].a` -> ["xs", 0, "a"]. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  return segments;
}

/** A copy of `input` with the number at `path` replaced (only the objects along the path are copied). */
export function withValue(input: unknown, path: (string | number)[], value: number): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(input)) {
    const copy = [...input];
    copy[head as number] = withValue(input[head as number], rest, value);
    return copy;
  }
  const object = (input ?? {}) as Record<string, unknown>;
  return { ...object, [head!]: withValue(object[head as string], rest, value) };
}

/**
 * The outputs a margin chart shows: initial and maintenance margin, or a total and the first money
 * outputs. The rulebook's own outputs come first: an imported book's (`perps.initial_margin`, which
 * come first in evaluation order) only when the importer has no number output of its own.
 */
export function chartOutputs(ir: IrRulebook): { name: string; unit: string }[] {
  const all = ir.steps
    .filter((s) => s.kind === "output")
    .map((s) => ir.slots[(s as { slot: number }).slot]!)
    .filter((slot) => slot.type.kind === "number")
    .map((slot) => ({ name: slot.name, unit: (slot.type as { unit: string }).unit }));
  const own = all.filter((o) => !o.name.includes("."));
  return chartOutputsAmong(own.length > 0 ? own : all);
}

function chartOutputsAmong(numeric: { name: string; unit: string }[]): { name: string; unit: string }[] {
  const plain = (o: { unit: string }): number => (o.unit === "Rate" || o.unit === "Number" ? 1 : 0);
  // A name's last word (`quantums` in `initial_margin_quantums`).
  const suffix = (name: string): string => name.split("_").pop() ?? "";
  // Among matching names, amounts before rates, then names in the same terms as `like` (the
  // maintenance margin charted next to `initial_margin_quantums` is `maintenance_margin_quantums`,
  // not `maintenance_margin_ppm`), then the shortest (`initial_margin`, not `initial_margin_exact`).
  const pick = (pattern: RegExp, like?: { name: string }) => {
    const other = (o: { name: string }): number => (like && suffix(o.name) !== suffix(like.name) ? 1 : 0);
    return numeric
      .filter((o) => pattern.test(o.name))
      .sort((a, b) => plain(a) - plain(b) || other(a) - other(b) || a.name.length - b.name.length)[0];
  };
  const im = pick(/initial|(^|_)im($|_)/i);
  const mm = pick(/maint|(^|_)mm($|_)/i, im);
  const chosen = [im, mm].filter((o): o is { name: string; unit: string } => o !== undefined);
  if (chosen.length > 0) return chosen;
  // No margin names: the amounts in the unit of the first amount (one axis), a total first, else the
  // first number.
  const first = numeric.find((o) => !plain(o)) ?? numeric[0];
  const total = (o: { name: string }): number => (/total/i.test(o.name) ? 0 : 1);
  return first
    ? numeric
        .filter((o) => o.unit === first.unit)
        .sort((a, b) => total(a) - total(b))
        .slice(0, 3)
    : [];
}

/** The input a chart sweeps by default: a size or notional if there is one, else the first amount. */
export function defaultSweepInput(inputs: readonly SweepInput[]): SweepInput | undefined {
  const last = (i: SweepInput): string =>
    i.path
      .split(/[.[\]]/)
      .filter(Boolean)
      .pop() ?? "";
  return (
    inputs.find((i) => /size|notional|quantity|qty|amount/i.test(last(i))) ??
    inputs.find((i) => i.unit !== "Rate") ??
    inputs[0]
  );
}

/** Computes a sweep around `sample`. */
export function computeSweep(
  ir: IrRulebook,
  fast: FastEvaluate,
  sample: unknown,
  input: SweepInput,
  request: SweepRequest = {},
): SweepResult {
  const path = parsePath(input.path);
  const at = (x: number): unknown => withValue(sample, path, x);
  const tables = tierKeyModels(ir, at, input.value);
  const [from, to] = sweepRange(input, request, tables);
  const points = Math.max(2, Math.min(1001, Math.round(request.points ?? DEFAULT_POINTS)));
  const xs = Array.from({ length: points }, (_, i) => from + ((to - from) * i) / (points - 1));
  const outputs = chartOutputs(ir);
  const series: SweepSeries[] = outputs.map((o) => ({ name: o.name, unit: o.unit, values: [] }));
  let failures = 0;
  let firstFailure: string | undefined;
  for (const x of xs) {
    let result: Record<string, OutputValue> | undefined;
    if (inDomain(input, x)) {
      try {
        result = fast(at(x));
      } catch (error) {
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
    if (!result) failures++;
    series.forEach((s) => {
      const value = outputNumber(result?.[s.name]);
      s.values.push(value !== undefined && Number.isFinite(value) ? value : null);
    });
  }
  const boundaries = tables.flatMap((t) => t.boundaries.filter((b) => b.x > from && b.x < to));
  return {
    path: input.path,
    ...(input.unit ? { unit: input.unit } : {}),
    from,
    to,
    xs,
    series,
    boundaries,
    sampleX: input.value,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
}

function inDomain(input: SweepInput, x: number): boolean {
  if (input.min !== undefined && (input.minInclusive ? x < input.min : x <= input.min)) return false;
  if (input.max !== undefined && (input.maxInclusive ? x > input.max : x >= input.max)) return false;
  return true;
}

/** A table whose key is `slope * x + intercept` along the sweep, and its boundaries in x. */
interface TableModel {
  table: string;
  boundaries: TierBoundary[];
  /** The x of each row's lower bound, by row (0-based), for choosing the range. */
  rowStarts: number[];
  /** The row the sample falls in (0-based). */
  sampleRow: number;
}

/** The first row each table picks in an explained evaluation, by table. */
function firstChoices(trace: Trace | undefined): Map<string, TierChoice> {
  const choices = new Map<string, TierChoice>();
  const add = (tiers: readonly TierChoice[]): void => {
    for (const t of tiers) if (!choices.has(t.table)) choices.set(t.table, t);
  };
  for (const entry of trace?.entries ?? []) {
    add(entry.tiers);
    if (entry.kind === "rule")
      for (const action of (entry as Extract<TraceEntry, { kind: "rule" }>).actions) add(action.tiers);
  }
  return choices;
}

function explainAt(ir: IrRulebook, input: unknown): Map<string, TierChoice> {
  try {
    return firstChoices(evaluate(ir, input, { explain: true }).explanation);
  } catch {
    return new Map();
  }
}

/**
 * For each table the sample looks up, whether its key moves along a straight line with x (checked
 * at three points), and if so where each row starts in x.
 */
function tierKeyModels(ir: IrRulebook, at: (x: number) => unknown, x0: number): TableModel[] {
  const step = x0 !== 0 ? Math.abs(x0) * 0.5 : 1;
  const [x1, x2] = [x0 + step, x0 - step * 0.5];
  const [c0, c1, c2] = [explainAt(ir, at(x0)), explainAt(ir, at(x1)), explainAt(ir, at(x2))];
  const models: TableModel[] = [];
  for (const [name, choice] of c0) {
    const k1 = c1.get(name)?.key;
    const k2 = c2.get(name)?.key;
    const table = ir.tables.find((t) => t.name === name);
    if (k1 === undefined || !table) continue;
    const slope = (k1 - choice.key) / (x1 - x0);
    const intercept = choice.key - slope * x0;
    const straight =
      k2 === undefined || Math.abs(slope * x2 + intercept - k2) <= 1e-9 * Math.max(1, Math.abs(k2));
    if (slope === 0 || !Number.isFinite(slope) || !straight) continue;
    const rowStarts = table.rows.map((row) => (row.lower - intercept) / slope);
    const boundaries = table.rows.slice(1).map((row, i) => ({
      x: rowStarts[i + 1]!,
      table: name,
      tier: i + 2,
      key: row.lower,
      keyName: table.key,
      keyUnit: table.keyUnit,
    }));
    models.push({
      table: name,
      boundaries: slope > 0 ? boundaries : boundaries.reverse(),
      rowStarts,
      sampleRow: choice.tier - 1,
    });
  }
  return models;
}

/**
 * The range of a sweep: what the request says, else from the bottom of the input's domain (or 0) to
 * three times the sample's value, stretched to show the next tier boundary above the sample.
 */
function sweepRange(input: SweepInput, request: SweepRequest, tables: TableModel[]): [number, number] {
  const x0 = input.value;
  let from: number;
  let to: number;
  if (x0 > 0) {
    from = Math.max(input.min ?? 0, 0);
    to = x0 * 3;
    const next = tables
      .map((t) => t.rowStarts[t.sampleRow + 1])
      .filter((x): x is number => x !== undefined && Number.isFinite(x) && x > x0);
    const nearest = next.length > 0 ? Math.min(...next) : undefined;
    if (nearest !== undefined && nearest > to) to = Math.min(nearest * 1.5, x0 * 100);
  } else {
    const spread = Math.max(1, Math.abs(x0));
    [from, to] = [x0 - spread, x0 + spread];
  }
  if (input.max !== undefined) to = Math.min(to, input.max);
  if (input.min !== undefined) from = Math.max(from, input.min);
  from = request.from ?? from;
  to = request.to ?? to;
  if (!(to > from)) to = from + Math.max(1, Math.abs(from));
  return [from, to];
}
