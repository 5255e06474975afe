/**
 * The review report as one self-contained HTML page: the semantic diff, the version warnings and
 * the impact (counts, statistics, a histogram of the changes and an old-against-new scatter plot
 * as inline SVG, the top movers with the rule that made the difference). No script, no external
 * file, no timestamp: the same inputs give the same page, so a report can be archived with the review.
 */
import { renderHistogram, renderScatter } from "./html-charts.js";
import type { ImpactReport } from "./render-impact.js";
import {
  additive,
  countsText,
  describeSource,
  failureLines,
  formatChange,
  formatCount,
  formatPercentChange,
  formatValue,
  reasonText,
} from "./render-impact.js";
import type { OutputImpact } from "./impact.js";
import type { SemanticDiff } from "./semantic-diff.js";
import { requiredBump } from "./version-policy.js";
import { reviewRecordHtml, type ReviewRecord } from "./review-record.js";

/** What the report shows. */
export interface HtmlReportInput {
  oldLabel: string;
  newLabel: string;
  diff: SemanticDiff;
  /** Version-discipline warnings, as `MB7001: message (help)`. */
  warnings: readonly string[];
  impact?: ImpactReport;
  /** The review record that binds this report to both versions (commits, hashes, reference set, reviewer). */
  record?: ReviewRecord;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return (
    text
      .replace(
        /[&<>"']/g,
        (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
      )
      // Bidirectional controls, invisible and control characters would reorder or hide what the
      // reviewer reads: they are shown as visible escapes instead.
      .replace(
        /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g,
        (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
      )
  );
}

const STYLE = `
:root { --ink: #1d2433; --muted: #5b6475; --line: #dfe3ea; --up: #c2410c; --down: #1d4ed8; --same: #94a3b8; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 8px; }
.sub { color: var(--muted); margin: 0 0 18px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
section.card > :first-child { margin-top: 0; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 14px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badges { display: flex; gap: 10px; flex-wrap: wrap; margin: 6px 0 12px; }
.badge { border-radius: 6px; padding: 6px 12px; background: var(--bg); border: 1px solid var(--line); }
.badge b { font-size: 18px; display: block; font-variant-numeric: tabular-nums; }
.badge.up b { color: var(--up); } .badge.down b { color: var(--down); } .badge.same b { color: var(--muted); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-top: 10px; }
.chart { border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.chart h4 { margin: 2px 4px 6px; font-size: 13px; color: var(--muted); font-weight: 600; }
svg { display: block; width: 100%; height: auto; }
.warn { background: #fff7ed; border: 1px solid #fed7aa; border-radius: 6px; padding: 8px 12px; margin: 6px 0; }
.impact-major { color: #b91c1c; } .impact-minor { color: #b45309; } .impact-patch { color: var(--muted); }
.reason { color: var(--muted); font-size: 12.5px; }
.stats td:first-child { color: var(--muted); width: 150px; }
`;

/** The whole report page. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { diff } = input;
  const name = diff.newHeader["name"] ?? input.newLabel;
  const title = `${name}: ${diff.oldHeader["version"] ?? "?"} → ${diff.newHeader["version"] ?? "?"}`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="sub">Review of <code>${escapeHtml(input.oldLabel)}</code> → <code>${escapeHtml(input.newLabel)}</code>${input.impact ? ` on ${escapeHtml(describeSource(input.impact.source, input.impact.summary))}` : ""}</p>`,
    diffSection(input),
    input.impact ? impactSections(input.impact) : "",
    input.record ? reviewRecordHtml(input.record) : "",
  ];
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head><body><main>",
    ...body,
    "</main></body></html>",
    "",
  ].join("\n");
}

function diffSection(input: HtmlReportInput): string {
  const { diff } = input;
  const bump = requiredBump(diff);
  const verdict =
    diff.errors.length > 0
      ? `not comparable: ${diff.errors.length} syntax error${diff.errors.length === 1 ? "" : "s"}`
      : diff.layout === "semantic"
        ? `${diff.changes.length} change${diff.changes.length === 1 ? "" : "s"}; behaviour ${diff.behaviourChanged ? "changed" : "unchanged"}${bump === "none" ? "" : ` (needs a ${bump} version bump)`}`
        : diff.layout === "identical"
          ? "no change"
          : diff.layout === "formatting only"
            ? "formatting only: no rule, parameter or tier changed"
            : "comments and documentation only";
  const rows = diff.changes.map((c) => {
    const where = c.newLine ? `line ${c.newLine}` : c.oldLine ? `old line ${c.oldLine}` : "";
    return `<tr><td>${escapeHtml(c.action)}</td><td>${escapeHtml(c.subject)} <code>${escapeHtml(c.name)}</code></td><td class="mono">${c.details.map(escapeHtml).join("<br>")}</td><td class="impact-${c.impact}">${c.impact}</td><td class="num">${escapeHtml(where)}</td></tr>`;
  });
  const warnings = input.warnings.map((w) => `<div class="warn">⚠ ${escapeHtml(w)}</div>`).join("");
  const errors = diff.errors.map((e) => `<div class="warn">⚠ ${escapeHtml(e)}</div>`).join("");
  return [
    '<section class="card"><h3>What changed</h3>',
    `<p>${escapeHtml(verdict)}</p>`,
    errors,
    rows.length > 0
      ? `<table><thead><tr><th>action</th><th>what</th><th>details</th><th>impact</th><th class="num">where</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      : "",
    warnings,
    "</section>",
  ].join("\n");
}

function impactSections(report: ImpactReport): string {
  const { summary } = report;
  const failures = [...failureLines(summary), ...(report.coverage ?? []).map((w) => `warning: ${w}`)];
  const overview = summary.outputs.map((o) => {
    const total = o.totalNew - o.totalOld;
    return `<tr><td><code>${escapeHtml(o.name)}</code> <span class="reason">${escapeHtml(o.unit)}</span></td><td class="num">${formatCount(o.up)}</td><td class="num">${formatCount(o.down)}</td><td class="num">${formatCount(o.same)}</td><td class="num">${escapeHtml(formatChange(o.meanChange, o.unit))} (${formatPercentChange(o.meanPercent)})</td><td class="num">${additive(o.unit) ? `${escapeHtml(formatChange(total, o.unit))} (${formatPercentChange(o.totalOld !== 0 ? (total / Math.abs(o.totalOld)) * 100 : null)})` : "n/a"}</td></tr>`;
  });
  return [
    "<h2>Impact</h2>",
    '<section class="card">',
    `<p>${formatCount(summary.evaluated)} of ${formatCount(summary.inputs)} inputs evaluated by both versions.</p>`,
    failures.map((f) => `<div class="warn">${escapeHtml(f)}</div>`).join(""),
    '<table><thead><tr><th>output</th><th class="num">up</th><th class="num">down</th><th class="num">stayed</th><th class="num">mean change</th><th class="num">total change</th></tr></thead>',
    `<tbody>${overview.join("")}</tbody></table>`,
    "</section>",
    ...summary.outputs.filter((o) => o.up + o.down > 0).map((o) => outputSection(o, report)),
  ].join("\n");
}

function outputSection(o: OutputImpact, report: ImpactReport): string {
  const unit = o.unit;
  const stats: [string, string][] = [
    ["mean change", `${formatChange(o.meanChange, unit)} (${formatPercentChange(o.meanPercent)})`],
    ["median change", `${formatChange(o.medianChange, unit)} (${formatPercentChange(o.medianPercent)})`],
  ];
  if (o.largest)
    stats.push([
      "largest change",
      `${formatChange(o.largest.change, unit)} (${formatPercentChange(o.largest.percent)}) at input #${o.largest.index}`,
    ]);
  if (o.largestPercent)
    stats.push([
      "largest in percent",
      `${formatPercentChange(o.largestPercent.percent)} (${formatChange(o.largestPercent.change, unit)}) at input #${o.largestPercent.index}`,
    ]);
  if (additive(unit))
    stats.push(["total", `${formatValue(o.totalOld, unit)} → ${formatValue(o.totalNew, unit)}`]);
  const movers = o.movers.map((m) => {
    const shown = JSON.stringify(report.inputs[m.index] ?? null);
    const inputText = shown.length > 160 ? `${shown.slice(0, 157)}...` : shown;
    return `<tr><td class="num">#${m.index}</td><td class="num">${escapeHtml(formatValue(m.old, unit))}</td><td class="num">${escapeHtml(formatValue(m.new, unit))}</td><td class="num">${escapeHtml(formatChange(m.change, unit))}<br><span class="reason">${formatPercentChange(m.percent)}</span></td><td>${escapeHtml(reasonText(report.reasons[o.name]?.[m.index]))}<div class="reason mono" title="${escapeHtml(shown)}">${escapeHtml(inputText)}</div></td></tr>`;
  });
  return [
    '<section class="card">',
    `<h3><code>${escapeHtml(o.name)}</code> <span class="reason">(${escapeHtml(unit)})</span></h3>`,
    '<div class="badges">',
    `<div class="badge up"><b>${formatCount(o.up)}</b>went up</div>`,
    `<div class="badge down"><b>${formatCount(o.down)}</b>went down</div>`,
    `<div class="badge same"><b>${formatCount(o.same)}</b>stayed</div>`,
    "</div>",
    `<table class="stats"><tbody>${stats.map(([k, v]) => `<tr><td>${k}</td><td class="mono">${escapeHtml(v)}</td></tr>`).join("")}</tbody></table>`,
    '<div class="charts">',
    `<div class="chart"><h4>Change in percent of the old value (${formatCount(o.up + o.down - o.histogram.fromZero)} changed margins)</h4>${renderHistogram(o.histogram)}</div>`,
    `<div class="chart"><h4>Old against new (${formatCount(o.scatter.length)} inputs shown)</h4>${renderScatter(o.scatter, unit)}</div>`,
    "</div>",
    o.movers.length > 0
      ? `<h3 style="margin-top:16px">Top movers</h3><table><thead><tr><th class="num">input</th><th class="num">old</th><th class="num">new</th><th class="num">change</th><th>the rule that made the difference, and the input</th></tr></thead><tbody>${movers.join("")}</tbody></table>`
      : "",
    "</section>",
  ].join("\n");
}
