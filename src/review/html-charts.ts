/**
 * The two charts of the HTML review report, as inline SVG text: a histogram of the percentage
 * changes and a scatter plot of old against new values (with the line where nothing changed).
 * Pure string building, no script: each point and bar carries a `<title>` the browser shows on hover.
 */
import type { Histogram, OutputImpact } from "./impact.js";
import { formatCount, formatPercentChange, formatValue } from "./render-impact.js";

const UP = "#c2410c";
const DOWN = "#1d4ed8";
const SAME = "#94a3b8";
const AXIS = "#5b6475";
const GRID = "#e5e8ee";

const esc = (text: string): string =>
  text.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
const num = (value: number): string => String(Math.round(value * 10) / 10);

/** Up to `count` round tick values between `low` and `high`. */
export function ticks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const scaled = raw / power;
  const step = (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
  const result: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step)
    result.push(Number(v.toPrecision(12)));
  return result;
}

/** The histogram of percentage changes: bars coloured by direction, counts on the vertical axis. */
export function renderHistogram(histogram: Histogram): string {
  const W = 520,
    H = 300,
    left = 52,
    right = 24,
    top = 14,
    bottom = 54;
  const { edges, counts } = histogram;
  if (counts.length === 0) return empty(W, H, "no margin changed by a percentage");
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const peak = Math.max(...counts);
  const yTicks = ticks(0, peak, 4).filter((t) => Number.isInteger(t));
  const y = (v: number): number => top + plotH - (v / peak) * plotH;
  const barW = plotW / counts.length;
  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="${GRID}"/>`);
    parts.push(
      `<text x="${left - 6}" y="${num(y(t) + 4)}" text-anchor="end" font-size="11" fill="${AXIS}">${formatCount(t)}</text>`,
    );
  }
  counts.forEach((count, i) => {
    const from = edges[i]!;
    const to = edges[i + 1]!;
    const colour = to <= 0 ? DOWN : from >= 0 ? UP : SAME;
    const x = left + i * barW;
    const outer = counts.length > 1;
    const label = `${i === 0 && outer ? "≤ " : ""}${formatPercentChange(from)} to ${i === counts.length - 1 && outer ? "≥ " : ""}${formatPercentChange(to)}: ${formatCount(count)}`;
    if (count > 0)
      parts.push(
        `<rect x="${num(x + 1)}" y="${num(y(count))}" width="${num(Math.max(1, barW - 2))}" height="${num(top + plotH - y(count))}" fill="${colour}" opacity="0.85"><title>${esc(label)}</title></rect>`,
      );
  });
  // Label edges at least 64 px apart, always the first and the last.
  const every = Math.max(1, Math.ceil(64 / barW));
  const labelled = edges.map((_, i) => i).filter((i) => i % every === 0);
  const last = edges.length - 1;
  if (labelled[labelled.length - 1] !== last) {
    if (labelled.length > 1 && (last - labelled[labelled.length - 1]!) * barW < 64) labelled.pop();
    labelled.push(last);
  }
  labelled.forEach((i) => {
    const edge = edges[i]!;
    const x = left + i * barW;
    parts.push(
      `<line x1="${num(x)}" x2="${num(x)}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="${AXIS}"/>`,
    );
    parts.push(
      `<text x="${num(x)}" y="${top + plotH + 17}" text-anchor="middle" font-size="11" fill="${AXIS}">${esc(formatPercentChange(edge))}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="${AXIS}"/>`,
  );
  parts.push(
    `<text x="${left + plotW / 2}" y="${H - 10}" text-anchor="middle" font-size="12" fill="${AXIS}">change in percent of the old value</text>`,
  );
  parts.push(legend(W - right - 190, top + 2));
  return svg(W, H, parts, "Histogram of the percentage changes");
}

function legend(x: number, y: number): string {
  const item = (dx: number, colour: string, text: string): string =>
    `<rect x="${x + dx}" y="${y}" width="10" height="10" fill="${colour}" opacity="0.85"/><text x="${x + dx + 14}" y="${y + 9}" font-size="11" fill="${AXIS}">${text}</text>`;
  return item(0, UP, "increase") + item(80, DOWN, "decrease");
}

/** `Math.min(...values)` without spreading (a spread of 200,000 values overflows the stack). */
function least(values: readonly number[]): number {
  return values.reduce((a, b) => Math.min(a, b), Infinity);
}

/** `Math.max(...values)` without spreading. */
function greatest(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

/** A scale from data to pixels: logarithmic when the positive values span three decades or more. */
function scaleFor(
  values: readonly number[],
  from: number,
  to: number,
): { map: (v: number) => number; ticks: number[]; log: boolean } {
  const positive = values.filter((v) => v > 0);
  const lo = least(values);
  const hi = greatest(values);
  const logLow = least(positive);
  const logHigh = greatest(positive);
  if (lo >= 0 && positive.length > 0 && logHigh / logLow >= 1000) {
    const a = Math.floor(Math.log10(logLow));
    const b = Math.ceil(Math.log10(logHigh));
    const map = (v: number): number =>
      from + ((Math.log10(Math.max(v, Math.pow(10, a))) - a) / (b - a)) * (to - from);
    const step = Math.max(1, Math.ceil((b - a) / 6));
    const tickValues: number[] = [];
    for (let e = a; e <= b; e += step) tickValues.push(Math.pow(10, e));
    return { map, ticks: tickValues, log: true };
  }
  const low = Math.min(lo, 0);
  const high = hi > low ? hi : low + 1;
  const t = ticks(low, high, 5);
  const top = Math.max(high, t[t.length - 1]!);
  return { map: (v) => from + ((v - low) / (top - low)) * (to - from), ticks: t, log: false };
}

/** Old (horizontal) against new (vertical), one dot per input, with the no-change diagonal. */
export function renderScatter(points: OutputImpact["scatter"], unit: string): string {
  const W = 520,
    H = 300,
    left = 70,
    right = 16,
    top = 14,
    bottom = 54;
  if (points.length === 0) return empty(W, H, "no input evaluated by both versions");
  const values = points.flatMap((p) => [p.old, p.new]);
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const sx = scaleFor(values, left, left + plotW);
  const sy = scaleFor(values, top + plotH, top);
  const parts: string[] = [];
  const tickLabel = (v: number): string => shortValue(v, unit);
  for (const t of sy.ticks) {
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${num(sy.map(t))}" y2="${num(sy.map(t))}" stroke="${GRID}"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${num(sy.map(t) + 4)}" text-anchor="end" font-size="11" fill="${AXIS}">${esc(tickLabel(t))}</text>`,
    );
  }
  for (const t of sx.ticks) {
    parts.push(
      `<line x1="${num(sx.map(t))}" x2="${num(sx.map(t))}" y1="${top}" y2="${top + plotH}" stroke="${GRID}"/>`,
    );
    parts.push(
      `<text x="${num(sx.map(t))}" y="${top + plotH + 17}" text-anchor="middle" font-size="11" fill="${AXIS}">${esc(tickLabel(t))}</text>`,
    );
  }
  const lo = sx.ticks[0]!;
  const hi = greatest(values);
  parts.push(
    `<line x1="${num(sx.map(lo))}" y1="${num(sy.map(lo))}" x2="${num(sx.map(hi))}" y2="${num(sy.map(hi))}" stroke="${AXIS}" stroke-dasharray="4 4"/>`,
  );
  // Unchanged points first, so that movers are drawn on top.
  const ordered = [...points].sort((a, b) => Number(a.new !== a.old) - Number(b.new !== b.old));
  for (const p of ordered) {
    const colour = p.new > p.old ? UP : p.new < p.old ? DOWN : SAME;
    const title = `#${p.index}: ${formatValue(p.old, unit)} → ${formatValue(p.new, unit)}`;
    parts.push(
      `<circle cx="${num(sx.map(p.old))}" cy="${num(sy.map(p.new))}" r="2.6" fill="${colour}" fill-opacity="0.6"><title>${esc(title)}</title></circle>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="${AXIS}"/>`,
  );
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="${AXIS}"/>`);
  const scaleNote = sx.log ? ", log scale" : "";
  parts.push(
    `<text x="${left + plotW / 2}" y="${H - 10}" text-anchor="middle" font-size="12" fill="${AXIS}">old (${esc(unit)}${scaleNote})</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="${AXIS}">new (${esc(unit)}${scaleNote})</text>`,
  );
  return svg(W, H, parts, "Old against new values");
}

/** A short axis label: 12k, 3.5M. */
function shortValue(v: number, unit: string): string {
  if (unit === "Rate") return `${Number((v * 100).toPrecision(3))}%`;
  const a = Math.abs(v);
  if (a >= 1e12) return `${Number((v / 1e12).toPrecision(3))}T`;
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return a > 0 && a < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

function svg(width: number, height: number, parts: readonly string[], label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" font-family="system-ui, sans-serif">${parts.join("")}</svg>`;
}

function empty(width: number, height: number, text: string): string {
  return svg(
    width,
    height,
    [
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13" fill="${AXIS}">${esc(text)}</text>`,
    ],
    text,
  );
}
