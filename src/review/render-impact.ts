/**
 * Printers for an impact analysis: plain text for terminals (with a small bar chart of the
 * distribution), Markdown for a pull request, JSON for tools. The HTML report is `html-report.ts`.
 */
import type { Difference } from "./impact-explain.js";
import type { FailureCounts, ImpactSummary, Mover, OutputImpact } from "./impact.js";

/** Where the inputs came from. */
export type InputSource = { kind: "generated"; count: number; seed: number } | { kind: "file"; path: string };

/** An impact analysis with what a reader needs around it. */
export interface ImpactReport {
  source: InputSource;
  summary: ImpactSummary;
  /** For each output, for each of its top movers (by input index): the first rule or step that differs. */
  reasons: Record<string, Record<number, Difference | undefined>>;
  /** The inputs of the top movers, by index, to show who they are. */
  inputs: Record<number, unknown>;
  /** Outputs the set cannot show a change of (constant, or capped for most of the set): `impact-coverage.ts`. */
  coverage?: string[];
  /** Wall-clock seconds the evaluation took, and on how many threads (not in JSON: it varies). */
  seconds?: number;
  threads?: number;
}

/** A number for reading: amounts with two decimals and thousands grouped, small ones to 4 digits. */
export function formatValue(value: number, unit?: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === "Rate") return `${group(Number((value * 100).toPrecision(6)))}%`;
  const magnitude = Math.abs(value);
  if (magnitude === 0) return "0";
  if (magnitude >= 1e15 || magnitude < 1e-6) return value.toPrecision(4);
  if (magnitude >= 1) return group(value.toFixed(2));
  return String(Number(value.toPrecision(4)));
}

/** A change with its sign: `+1,234.50`; a change of a rate in percentage points: `+0.5 pt`. */
export function formatChange(value: number, unit?: string): string {
  const sign = value > 0 ? "+" : "";
  if (unit === "Rate") return `${sign}${group(Number((value * 100).toPrecision(4)))} pt`;
  return `${sign}${formatValue(value, unit)}`;
}

/** Whether totals of an output mean something: amounts add up, rates and plain numbers do not. */
export function additive(unit: string): boolean {
  return unit !== "Rate" && unit !== "Number";
}

/** A percentage with its sign and two decimals (more when it is small): `+0.95%`. */
export function formatPercentChange(percent: number | null): string {
  if (percent === null) return "n/a";
  const magnitude = Math.abs(percent);
  const text = magnitude !== 0 && magnitude < 0.01 ? percent.toPrecision(2) : group(percent.toFixed(2));
  return `${percent > 0 ? "+" : ""}${text}%`;
}

function group(text: string | number): string {
  const [whole, fraction] = String(text).split(".") as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction !== undefined ? `${grouped}.${fraction}` : grouped;
}

/** `1,000` */
export function formatCount(count: number): string {
  return group(count);
}

/** The one-line description of the input set. */
export function describeSource(source: InputSource, summary: ImpactSummary): string {
  return source.kind === "generated"
    ? `${formatCount(summary.inputs)} generated inputs (seed ${source.seed})`
    : `${formatCount(summary.inputs)} inputs from ${source.path}`;
}

export function failureText(failures: FailureCounts): string {
  return Object.entries(failures)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, f]) => `${code} x${formatCount(f.count)}`)
    .join(", ");
}

/** The lines about inputs that one or both versions could not evaluate. */
export function failureLines(summary: ImpactSummary): string[] {
  const { failed } = summary;
  const lines: string[] = [];
  if (failed.both > 0) lines.push(`${formatCount(failed.both)} failed in both versions`);
  if (failed.oldOnly > 0) lines.push(`${formatCount(failed.oldOnly)} failed in the old version only`);
  if (failed.newOnly > 0) lines.push(`${formatCount(failed.newOnly)} failed in the new version only`);
  if (Object.keys(failed.old).length > 0) lines.push(`old version errors: ${failureText(failed.old)}`);
  if (Object.keys(failed.new).length > 0) lines.push(`new version errors: ${failureText(failed.new)}`);
  return lines;
}

/** `312 up, 0 down, 688 stayed` */
export function countsText(output: OutputImpact): string {
  return `${formatCount(output.up)} up, ${formatCount(output.down)} down, ${formatCount(output.same)} stayed`;
}

/** The rule that made the difference, in words. */
export function reasonText(reason: Difference | undefined): string {
  if (!reason) return "no rule differs: rounding only";
  const where = reason.line > 0 ? ` (line ${reason.line})` : "";
  return reason.kind === "error" ? reason.detail : `${reason.kind} ${reason.name}${where}: ${reason.detail}`;
}

function moverLine(m: Mover, unit: string, reason: Difference | undefined, width: number): string {
  const values = `${formatValue(m.old, unit)} -> ${formatValue(m.new, unit)}`;
  return `    #${String(m.index).padEnd(width)}  ${values}  ${formatChange(m.change, unit)} (${formatPercentChange(m.percent)})\n        ${reasonText(reason)}`;
}

/** The histogram as text bars, one line per non-empty bin. */
function histogramLines(output: OutputImpact): string[] {
  const { edges, counts } = output.histogram;
  if (counts.length === 0) return [];
  const peak = Math.max(...counts);
  const label = (i: number): string => {
    const from = i === 0 && counts.length > 1 ? "≤" : "";
    const to = i === counts.length - 1 && counts.length > 1 ? "≥" : "";
    return `${from}${formatPercentChange(edges[i]!)} to ${to}${formatPercentChange(edges[i + 1]!)}`;
  };
  const labels = counts.map((_, i) => label(i));
  const width = Math.max(...labels.map((l) => l.length));
  const lines: string[] = [];
  counts.forEach((count, i) => {
    if (count === 0) return;
    const bar = "█".repeat(Math.max(1, Math.round((count / peak) * 30)));
    lines.push(`    ${labels[i]!.padStart(width)}  ${bar} ${formatCount(count)}`);
  });
  return lines;
}

/** The impact on one output, for a terminal. */
function outputText(output: OutputImpact, report: ImpactReport): string[] {
  const { unit } = output;
  const head = `${output.name} (${unit}): ${countsText(output)}`;
  if (output.up === 0 && output.down === 0) return [head];
  const total = output.totalNew - output.totalOld;
  const lines = [head];
  if (additive(unit))
    lines.push(
      `  total     ${formatValue(output.totalOld, unit)} -> ${formatValue(output.totalNew, unit)} (${formatChange(total, unit)}, ${formatPercentChange(output.totalOld !== 0 ? (total / Math.abs(output.totalOld)) * 100 : null)})`,
    );
  lines.push(
    `  change    mean ${formatChange(output.meanChange, unit)} (${formatPercentChange(output.meanPercent)}), median ${formatChange(output.medianChange, unit)} (${formatPercentChange(output.medianPercent)})`,
  );
  if (output.largest) {
    const l = output.largest;
    const p = output.largestPercent;
    lines.push(
      `  largest   ${formatChange(l.change, unit)} (${formatPercentChange(l.percent)}) at input #${l.index}${p ? `; in percent ${formatPercentChange(p.percent)} (${formatChange(p.change, unit)}) at input #${p.index}` : ""}`,
    );
  }
  const changed = output.up + output.down - output.histogram.fromZero;
  const bars = histogramLines(output);
  if (bars.length > 0)
    lines.push(
      `  distribution of the ${formatCount(changed)} changes, in percent of the old value:`,
      ...bars,
    );
  if (output.histogram.fromZero > 0)
    lines.push(`    (${formatCount(output.histogram.fromZero)} changed from 0: no percentage)`);
  if (output.movers.length > 0) {
    lines.push("  top movers:");
    const width = Math.max(...output.movers.map((m) => String(m.index).length));
    for (const m of output.movers)
      lines.push(moverLine(m, unit, report.reasons[output.name]?.[m.index], width));
  }
  return lines;
}

/** The impact for a terminal. */
export function renderImpactText(report: ImpactReport): string {
  const { summary } = report;
  const timing =
    report.seconds !== undefined
      ? ` in ${report.seconds.toFixed(2)} s${report.threads && report.threads > 1 ? ` on ${report.threads} threads` : ""}`
      : "";
  const lines = [
    `impact on ${describeSource(report.source, summary)}: ${formatCount(summary.evaluated)} evaluated by both versions${timing}`,
  ];
  for (const line of failureLines(summary)) lines.push(`  ${line}`);
  for (const warning of report.coverage ?? []) lines.push(`  warning: ${warning}`);
  for (const output of summary.outputs) lines.push(...outputText(output, report));
  return lines.join("\n") + "\n";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/`/g, "'");
}

/** The impact for a pull request: one table of outputs, one of top movers per changed output. */
export function renderImpactMarkdown(report: ImpactReport): string {
  const { summary } = report;
  const lines = [
    `### Impact on ${describeSource(report.source, summary)}`,
    "",
    `${formatCount(summary.evaluated)} evaluated by both versions.`,
    "",
  ];
  for (const line of failureLines(summary)) lines.push(`- ${line}`);
  for (const warning of report.coverage ?? []) lines.push(`- ⚠ ${cell(warning)}`);
  if (lines[lines.length - 1] !== "") lines.push("");
  lines.push(
    "| output | up | down | stayed | mean change | median change | largest change | total old → new |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const o of summary.outputs) {
    const largest = o.largest
      ? `${formatChange(o.largest.change, o.unit)} (${formatPercentChange(o.largest.percent)})`
      : "0";
    lines.push(
      `| \`${o.name}\` (${o.unit}) | ${formatCount(o.up)} | ${formatCount(o.down)} | ${formatCount(o.same)} | ${formatChange(o.meanChange, o.unit)} (${formatPercentChange(o.meanPercent)}) | ${formatChange(o.medianChange, o.unit)} | ${largest} | ${additive(o.unit) ? `${formatValue(o.totalOld, o.unit)} → ${formatValue(o.totalNew, o.unit)}` : "n/a"} |`,
    );
  }
  for (const o of summary.outputs) {
    if (o.movers.length === 0) continue;
    lines.push(
      "",
      `#### Top movers: \`${o.name}\``,
      "",
      "| input | old | new | change | rule that made the difference |",
      "|---:|---:|---:|---:|---|",
    );
    for (const m of o.movers) {
      lines.push(
        `| #${m.index} | ${formatValue(m.old, o.unit)} | ${formatValue(m.new, o.unit)} | ${formatChange(m.change, o.unit)} (${formatPercentChange(m.percent)}) | ${cell(reasonText(report.reasons[o.name]?.[m.index]))} |`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The impact as data (without the scatter sample, which only charts need). */
export function impactJson(report: ImpactReport): unknown {
  return {
    source: report.source,
    inputs: report.summary.inputs,
    evaluated: report.summary.evaluated,
    failed: report.summary.failed,
    coverage: report.coverage ?? [],
    outputs: report.summary.outputs.map(({ scatter: _scatter, movers, ...rest }) => ({
      ...rest,
      movers: movers.map((m) => ({
        ...m,
        reason: report.reasons[rest.name]?.[m.index] ?? null,
        input: report.inputs[m.index],
      })),
    })),
  };
}
