/**
 * The margin chart: outputs against a swept input, drawn as plain SVG. Axes with ticks and titles,
 * a legend, the tier boundaries as dashed lines with their tier numbers, the sample's position,
 * and a crosshair that reads the values under the pointer.
 */
import type { SweepResult } from "./protocol.js";
import { formatNumber, formatRate } from "./numbers.js";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2563eb", "#ea580c", "#059669", "#9333ea"];

export interface ChartOptions {
  width: number;
  height: number;
  /** Values of the sample's outputs, marked on the curves. */
  sampleOutputs?: Record<string, number>;
  /** The baseline's curves on the same points, drawn faint beside the new ones. */
  baseline?: { label: string; series: SweepResult["series"] };
  /** Rule conditions on the swept input, marked where they change (`rule vol_scale: market.vol_30d > 0.8`). */
  thresholds?: { x: number; rule: string; condition: string }[];
  /** A click on the plot: the swept input's value at the nearest point (to inspect it as a sample). */
  onPick?: (x: number) => void;
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A compact number for axes: `1.5M`, `250k`, `0.25`, `50%` for rates. */
export function compact(value: number, unit?: string): string {
  if (unit === "Rate") return `${Number((value * 100).toPrecision(4))}%`;
  const abs = Math.abs(value);
  const scaled = (divisor: number, suffix: string): string =>
    `${Number((value / divisor).toPrecision(3))}${suffix}`;
  if (abs >= 1e9) return scaled(1e9, "B");
  if (abs >= 1e6) return scaled(1e6, "M");
  if (abs >= 1e4) return scaled(1e3, "k");
  if (abs === 0) return "0";
  return String(Number(value.toPrecision(3)));
}

/** A full number for the crosshair, with its unit: `71,200.81 USDT`, `2.5%`. */
export function full(value: number, unit?: string): string {
  if (unit === "Rate") return formatRate(value);
  const text = formatNumber(Math.abs(value) >= 100 ? Math.round(value * 100) / 100 : value);
  return unit && unit !== "Number" && unit !== "Quantity"
    ? `${text} ${unit}`
    : unit === "Quantity"
      ? `${text} units`
      : text;
}

/** The chart of a sweep. */
export function renderChart(sweep: SweepResult, options: ChartOptions): SVGSVGElement {
  const { width, height } = options;
  const margin = { left: 64, right: 16, top: 34, bottom: 46 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  const unit = sweep.series[0]?.unit;
  svg.append(el("title", {}, `${sweep.series.map((s) => s.name).join(" and ")} against ${sweep.path}`));

  const values = [...sweep.series, ...(options.baseline?.series ?? [])].flatMap((s) =>
    s.values.filter((v): v is number => v !== null),
  );
  if (values.length === 0) {
    svg.append(
      el(
        "text",
        { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" },
        sweep.firstFailure ? `No values: ${sweep.firstFailure}` : "No values to plot",
      ),
    );
    return svg;
  }
  const yMin = Math.min(0, ...values);
  const yMax = Math.max(...values) * 1.05 || 1;
  const yTicks = niceTicks(yMin, yMax, 5);
  const yTop = Math.max(yMax, yTicks[yTicks.length - 1]!);
  const x = (v: number): number => margin.left + ((v - sweep.from) / (sweep.to - sweep.from)) * plotW;
  const y = (v: number): number => margin.top + plotH - ((v - yMin) / (yTop - yMin)) * plotH;

  // Grid and y axis.
  for (const t of yTicks) {
    svg.append(
      el("line", { x1: margin.left, x2: margin.left + plotW, y1: y(t), y2: y(t), class: "chart-grid" }),
    );
    svg.append(
      el(
        "text",
        { x: margin.left - 8, y: y(t) + 4, "text-anchor": "end", class: "chart-tick" },
        compact(t, unit),
      ),
    );
  }
  // X axis.
  const xTicks = niceTicks(sweep.from, sweep.to, 5);
  svg.append(
    el("line", {
      x1: margin.left,
      x2: margin.left + plotW,
      y1: margin.top + plotH,
      y2: margin.top + plotH,
      class: "chart-axis",
    }),
  );
  svg.append(
    el("line", {
      x1: margin.left,
      x2: margin.left,
      y1: margin.top,
      y2: margin.top + plotH,
      class: "chart-axis",
    }),
  );
  for (const t of xTicks) {
    svg.append(
      el("line", {
        x1: x(t),
        x2: x(t),
        y1: margin.top + plotH,
        y2: margin.top + plotH + 4,
        class: "chart-axis",
      }),
    );
    svg.append(
      el(
        "text",
        { x: x(t), y: margin.top + plotH + 17, "text-anchor": "middle", class: "chart-tick" },
        compact(t, sweep.unit),
      ),
    );
  }
  svg.append(
    el(
      "text",
      { x: margin.left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "chart-title" },
      `${sweep.path}${sweep.unit ? ` (${sweep.unit})` : ""}`,
    ),
  );
  svg.append(
    el(
      "text",
      {
        x: 14,
        y: margin.top + plotH / 2,
        "text-anchor": "middle",
        transform: `rotate(-90 14 ${margin.top + plotH / 2})`,
        class: "chart-title",
      },
      unit ?? "value",
    ),
  );

  // Tier boundaries, labelled with the tier they open (labels that would collide are left out).
  // Labels that would collide go on a second row; only a third collision drops one.
  const lastLabel = [-Infinity, -Infinity];
  for (const b of sweep.boundaries) {
    const bx = x(b.x);
    const line = el("line", {
      x1: bx,
      x2: bx,
      y1: margin.top,
      y2: margin.top + plotH,
      class: "chart-boundary",
    });
    line.append(
      el(
        "title",
        {},
        `${b.table}: tier ${b.tier} from ${b.keyName} = ${full(b.key)} ${b.keyUnit} (${sweep.path} = ${full(b.x, sweep.unit)})`,
      ),
    );
    svg.append(line);
    const row = lastLabel.findIndex((last) => bx - last >= 22);
    if (row >= 0) {
      const nearRight = bx + 18 > margin.left + plotW;
      svg.append(
        el(
          "text",
          {
            x: nearRight ? bx - 3 : bx + 3,
            y: margin.top + 11 + row * 12,
            "text-anchor": nearRight ? "end" : "start",
            class: "chart-boundary-label",
          },
          `T${b.tier}`,
        ),
      );
      lastLabel[row] = bx;
    }
  }

  // Rule thresholds: where a rule starts or stops applying.
  for (const t of options.thresholds ?? []) {
    if (!(t.x > sweep.from && t.x < sweep.to)) continue;
    const tx = x(t.x);
    const line = el("line", {
      x1: tx,
      x2: tx,
      y1: margin.top,
      y2: margin.top + plotH,
      class: "chart-threshold",
      "data-rule": t.rule,
    });
    line.append(el("title", {}, `rule ${t.rule}: applies when ${t.condition}`));
    svg.append(line);
    const nearRight = tx + 60 > margin.left + plotW;
    svg.append(
      el(
        "text",
        {
          x: nearRight ? tx - 3 : tx + 3,
          y: margin.top + plotH - 5,
          "text-anchor": nearRight ? "end" : "start",
          class: "chart-threshold-label",
        },
        t.rule,
      ),
    );
  }

  // The sample.
  if (sweep.sampleX >= sweep.from && sweep.sampleX <= sweep.to) {
    svg.append(
      el("line", {
        x1: x(sweep.sampleX),
        x2: x(sweep.sampleX),
        y1: margin.top,
        y2: margin.top + plotH,
        class: "chart-sample",
      }),
    );
    svg.append(
      el("text", { x: x(sweep.sampleX) + 4, y: margin.top + 24, class: "chart-sample-label" }, "sample"),
    );
  }

  // The baseline's curves first, faint, so the new ones draw over them.
  const curve = (values: readonly (number | null)[]): string => {
    let d = "";
    let pen = false;
    values.forEach((v, k) => {
      if (v === null) return void (pen = false);
      d += `${pen ? "L" : "M"}${x(sweep.xs[k]!).toFixed(2)},${y(v).toFixed(2)}`;
      pen = true;
    });
    return d;
  };
  // A baseline curve identical to the new one is not drawn (nothing changed there).
  const changed =
    options.baseline?.series.filter((s) => {
      const now = sweep.series.find((n) => n.name === s.name);
      return now !== undefined && s.values.some((v, k) => v !== now.values[k]);
    }) ?? [];
  changed.forEach((s) => {
    const i = sweep.series.findIndex((n) => n.name === s.name);
    svg.append(
      el("path", {
        d: curve(s.values),
        class: "chart-line-old",
        stroke: COLORS[i % COLORS.length]!,
        "data-series": s.name,
        "data-baseline": options.baseline!.label,
      }),
    );
  });

  // Series.
  sweep.series.forEach((s, i) => {
    let d = "";
    let pen = false;
    s.values.forEach((v, k) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(sweep.xs[k]!).toFixed(2)},${y(v).toFixed(2)}`;
      pen = true;
    });
    // Later series are dashed, so a curve that coincides with an earlier one (IM = MM) stays visible.
    svg.append(
      el("path", {
        d,
        class: "chart-line",
        stroke: COLORS[i % COLORS.length]!,
        "data-series": s.name,
        ...(i > 0 ? { "stroke-dasharray": "7 4" } : {}),
      }),
    );
    const sampleValue = options.sampleOutputs?.[s.name];
    if (sampleValue !== undefined && sweep.sampleX >= sweep.from && sweep.sampleX <= sweep.to)
      svg.append(
        el("circle", {
          cx: x(sweep.sampleX),
          cy: y(sampleValue),
          r: 3.5,
          fill: COLORS[i % COLORS.length]!,
          class: "chart-dot",
        }),
      );
  });

  // Legend.
  let lx = margin.left;
  sweep.series.forEach((s, i) => {
    svg.append(
      el("line", {
        x1: lx,
        x2: lx + 16,
        y1: 14,
        y2: 14,
        stroke: COLORS[i % COLORS.length]!,
        "stroke-width": 2.5,
        ...(i > 0 ? { "stroke-dasharray": "5 3" } : {}),
      }),
    );
    const label = el("text", { x: lx + 21, y: 18, class: "chart-legend" }, s.name);
    svg.append(label);
    lx += 21 + s.name.length * 6.6 + 16;
  });
  if (options.baseline && changed.length > 0) {
    svg.append(
      el("line", { x1: lx, x2: lx + 16, y1: 14, y2: 14, stroke: "#94a3b8", "stroke-width": 4, opacity: 0.5 }),
    );
    svg.append(el("text", { x: lx + 21, y: 18, class: "chart-legend" }, `in ${options.baseline.label}`));
  }

  addCrosshair(
    svg,
    sweep,
    { x, y, margin, plotW, plotH, ...(unit ? { unit } : {}) },
    options.baseline,
    options.onPick,
  );
  return svg;
}

function addCrosshair(
  svg: SVGSVGElement,
  sweep: SweepResult,
  geometry: {
    x: (v: number) => number;
    y: (v: number) => number;
    margin: { left: number; top: number };
    plotW: number;
    plotH: number;
    unit?: string;
  },
  baseline?: ChartOptions["baseline"],
  onPick?: (x: number) => void,
): void {
  const { margin, plotW, plotH } = geometry;
  const group = el("g", { class: "chart-crosshair", visibility: "hidden" });
  const line = el("line", { y1: margin.top, y2: margin.top + plotH, class: "chart-cross-line" });
  const box = el("rect", { rx: 4, class: "chart-cross-box" });
  const text = el("text", { class: "chart-cross-text" });
  group.append(line, box, text);
  svg.append(group);
  const overlay = el("rect", {
    x: margin.left,
    y: margin.top,
    width: plotW,
    height: plotH,
    fill: "transparent",
    class: "chart-overlay",
  });
  if (onPick) overlay.append(el("title", {}, "click to inspect this point as a sample"));
  svg.append(overlay);
  const nearest = (event: MouseEvent): number => {
    const rect = svg.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * Number(svg.getAttribute("width"));
    return Math.min(
      Math.max(Math.round(((px - margin.left) / plotW) * (sweep.xs.length - 1)), 0),
      sweep.xs.length - 1,
    );
  };
  if (onPick) overlay.addEventListener("click", (event) => onPick(sweep.xs[nearest(event)]!));
  overlay.addEventListener("mouseleave", () => group.setAttribute("visibility", "hidden"));
  overlay.addEventListener("mousemove", (event) => {
    const index = nearest(event);
    const xv = sweep.xs[index]!;
    const cx = geometry.x(xv);
    line.setAttribute("x1", String(cx));
    line.setAttribute("x2", String(cx));
    const old = (name: string): string => {
      const v = baseline?.series.find((b) => b.name === name)?.values[index];
      return v === undefined || v === null ? "" : ` (${baseline!.label}: ${full(v, geometry.unit)})`;
    };
    const rows = [
      `${sweep.path} = ${full(xv, sweep.unit)}`,
      ...sweep.series.map(
        (s) => `${s.name} = ${s.values[index] === null ? "—" : full(s.values[index]!, s.unit)}${old(s.name)}`,
      ),
    ];
    text.replaceChildren(...rows.map((row, i) => el("tspan", { x: 0, dy: i === 0 ? 0 : 14 }, row)));
    const width = Math.max(...rows.map((r) => r.length)) * 6.2 + 12;
    const left = cx + width + 12 > margin.left + plotW ? cx - width - 8 : cx + 8;
    box.setAttribute("x", String(left));
    box.setAttribute("y", String(margin.top + 4));
    box.setAttribute("width", String(width));
    box.setAttribute("height", String(rows.length * 14 + 8));
    text.setAttribute("transform", `translate(${left + 6} ${margin.top + 17})`);
    for (const span of text.children) span.setAttribute("x", "0");
    group.setAttribute("visibility", "visible");
  });
}
