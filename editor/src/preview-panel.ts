/**
 * The live preview panel: the margin chart with its sweep controls, the samples with their outputs
 * and step-by-step explanation, the rulebook's test cases passing or failing, and the YAML box for
 * typed sample inputs, and the verification of the rulebook's properties (with a button that loads a
 * counterexample as a sample). It renders a {@link PreviewResult}; while the rulebook has errors it keeps
 * the last good result on screen, dimmed and marked stale.
 */
import { compact, renderChart } from "./chart.js";
import { h } from "./dom.js";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { formatNumber, showChange, showPercent, showValue } from "./numbers.js";
import { renderChangeView } from "./change-view.js";
import { parsePath, withValue } from "../../src/service/sweep.js";
import { renderInputForm, type Schema } from "./input-form.js";
import type {
  ChangeView,
  PreviewResult,
  PropertyResult,
  SweepRequest,
  VerificationReport,
} from "./protocol.js";

type PreviewSample = PreviewResult["samples"][number];
type Trace = NonNullable<PreviewSample["explanation"]>;
type TraceEntry = Trace["entries"][number];
type TierChoice = TraceEntry["tiers"][number];

export interface PreviewCallbacks {
  /** Jump to a line of the rulebook, or of the base rulebook it extends (`file`). */
  onReveal(line: number, file?: string): void;
  onSweepChange(request: SweepRequest): void;
  onSampleChange(index: number): void;
  /** The typed samples changed ("" to go back to the test file's inputs). */
  onSamplesText(text: string): void;
  /** Load a violated property's counterexample input into the preview as a sample. */
  onLoadCounterexample(property: PropertyResult): void;
  /** A sample's input was edited in its form (or a sample added: index = the number of samples). */
  onSampleInput(index: number, name: string, input: unknown): void;
  /** Save a sample, with its outputs as the expectation, as a test case. */
  onSaveAsTest(index: number): void;
  /** Jump to a line of the rulebook's test file. */
  onRevealTest(line: number): void;
}

/**
 * Where verification stands: not asked yet, not possible (errors), running for the newest text
 * (the last report, if any, is shown meanwhile), or done for the text on screen.
 */
export type VerificationView =
  | { state: "waiting" }
  | { state: "unavailable"; problem: string }
  | { state: "checking"; report?: VerificationReport }
  | { state: "done"; report: VerificationReport; ms: number };

type Tab = "samples" | "change" | "tests" | "inputs" | "properties";

export { h };
export { showValue };

export class PreviewPanel {
  private tab: Tab = "samples";
  private selected = 0;
  private last?: PreviewResult;
  private samplesText = "";
  private verification: VerificationView = { state: "waiting" };
  private change?: ChangeView;
  private changeWaiting?: string;
  /** The inputs of the selected sample show as a form, or as YAML. */
  private inputView: "form" | "yaml" = "form";
  private readonly status = h("span.badge", {}, "waiting");
  private readonly timing = h("span.timing");
  private readonly staleBanner = h("div.stale-banner", { hidden: true });
  private readonly chartBox = h("div.chart-box");
  private readonly sweepSelect = h("select.sweep-select", {
    "aria-label": "input to sweep",
  }) as HTMLSelectElement;
  private readonly fromInput = h("input.range-input", {
    type: "number",
    placeholder: "auto",
    "aria-label": "from",
    step: "any",
  }) as HTMLInputElement;
  private readonly toInput = h("input.range-input", {
    type: "number",
    placeholder: "auto",
    "aria-label": "to",
    step: "any",
  }) as HTMLInputElement;
  private readonly tabs = h("div.tabs", { role: "tablist" });
  private readonly body = h("div.tab-body");
  private readonly content = h("div.preview-content");
  private readonly textarea = h("textarea.samples-text", {
    spellcheck: "false",
    rows: 14,
    placeholder: "position: { size: 2, mark: 30000, side: long }\nmarket: { vol_30d: 0.5, adv: 2000000000 }",
  }) as HTMLTextAreaElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly callbacks: PreviewCallbacks,
  ) {
    const sweepChanged = (): void =>
      callbacks.onSweepChange({
        path: this.sweepSelect.value,
        ...(this.fromInput.value !== "" ? { from: Number(this.fromInput.value) } : {}),
        ...(this.toInput.value !== "" ? { to: Number(this.toInput.value) } : {}),
      });
    this.sweepSelect.addEventListener("change", () => {
      this.fromInput.value = "";
      this.toInput.value = "";
      sweepChanged();
    });
    this.fromInput.addEventListener("change", sweepChanged);
    this.toInput.addEventListener("change", sweepChanged);
    this.textarea.addEventListener("input", () => {
      this.samplesText = this.textarea.value;
      callbacks.onSamplesText(this.textarea.value);
    });
    root.append(
      h("div.panel-header", {}, h("span.panel-title", {}, "Preview"), this.status, this.timing),
      this.staleBanner,
      h("div.preview-scroll", {}, this.content),
    );
    this.content.append(
      h(
        "section.card.chart-card",
        {},
        h("div.card-header", {}, h("span.card-title", {}, "Margin against"), this.sweepSelect),
        h(
          "div.range-row",
          {},
          h("label", {}, "from ", this.fromInput),
          h("label", {}, "to ", this.toInput),
          h("button.link", { type: "button", title: "automatic range" }, "auto"),
        ),
        this.chartBox,
      ),
      this.tabs,
      this.body,
    );
    this.content.querySelector(".range-row button")!.addEventListener("click", () => {
      this.fromInput.value = "";
      this.toInput.value = "";
      sweepChanged();
    });
    this.renderTabs();
    // The chart is drawn to the panel's width: draw it again when the panel is resized.
    let width = 0;
    new ResizeObserver(() => {
      const now = Math.floor(this.chartBox.clientWidth);
      if (this.last && now !== width && now > 0) this.renderChart(this.last);
      width = now;
    }).observe(this.chartBox);
  }

  /** Forgets everything (another rulebook was opened). */
  reset(): void {
    this.last = undefined;
    this.selected = 0;
    this.samplesText = "";
    this.textarea.value = "";
    this.fromInput.value = "";
    this.toInput.value = "";
    this.sweepSelect.replaceChildren();
    this.chartBox.replaceChildren();
    this.body.replaceChildren();
    this.verification = { state: "waiting" };
    this.change = undefined;
    this.setStatus("waiting", "");
    this.renderTabs();
  }

  /** Shows where verification stands (see {@link VerificationView}). */
  showVerification(view: VerificationView): void {
    this.verification = view;
    this.renderTabs();
    if (this.tab === "properties") this.renderBody();
  }

  /** Shows the change from the baseline (or, with `waiting`, why there is none yet). */
  showChange(view: ChangeView | undefined, waiting?: string): void {
    this.change = view;
    this.changeWaiting = waiting;
    this.renderTabs();
    if (this.tab === "change") this.renderBody();
  }

  /** Selects a tab (as a click on it does). */
  selectTab(tab: Tab): void {
    this.tab = tab;
    this.renderTabs();
    this.renderBody();
  }

  /** Replaces the typed samples (as if typed) and selects one of them on the Samples tab. */
  loadSamples(text: string, select: number): void {
    this.textarea.value = text;
    this.samplesText = text;
    this.selected = select;
    this.tab = "samples";
    this.renderTabs();
    this.renderBody();
  }

  get typedSamples(): string {
    return this.samplesText;
  }

  /** Shows a fresh result, or (when `result.ok` is false) marks the last good one stale. */
  show(result: PreviewResult, ms: number): void {
    this.timing.textContent = `${ms.toFixed(0)} ms`;
    if (!result.ok) {
      this.setStatus("stale", result.problem ?? "");
      this.staleBanner.hidden = false;
      this.staleBanner.textContent = this.last
        ? `Showing the last good results: ${result.problem ?? "the rulebook cannot run"}.`
        : `No preview yet: ${result.problem ?? "the rulebook cannot run"}.`;
      this.content.classList.toggle("stale", true);
      return;
    }
    this.last = result;
    this.staleBanner.hidden = true;
    this.content.classList.toggle("stale", false);
    this.setStatus("live", "");
    if (result.sweepSample !== undefined) this.selected = result.sweepSample;
    this.renderSweepControls(result);
    this.renderChart(result);
    this.renderTabs();
    this.renderBody();
  }

  private setStatus(kind: "live" | "stale" | "waiting", title: string): void {
    this.status.className = `badge badge-${kind}`;
    this.status.textContent = kind === "live" ? "Live" : kind === "stale" ? "Stale" : "Waiting";
    this.status.title = title;
  }

  private renderSweepControls(result: PreviewResult): void {
    const current = result.sweep?.path ?? "";
    const options = result.sweepInputs.map((i) => i.path);
    const existing = [...this.sweepSelect.options].map((o) => o.value);
    if (options.join("\n") !== existing.join("\n")) {
      this.sweepSelect.replaceChildren(
        ...result.sweepInputs.map((i) =>
          h("option", { value: i.path }, `${i.path}${i.unit ? ` (${i.unit})` : ""}`),
        ),
      );
    }
    this.sweepSelect.value = current;
    this.sweepSelect.disabled = options.length === 0;
  }

  private renderChart(result: PreviewResult): void {
    const sweep = result.sweep;
    if (!sweep) {
      this.chartBox.replaceChildren(
        h(
          "div.empty",
          {},
          result.samples.length === 0
            ? "Add sample inputs to see the chart."
            : "No sample evaluates: nothing to sweep.",
        ),
      );
      return;
    }
    const sample = result.samples[result.sweepSample ?? 0];
    const sampleOutputs = Object.fromEntries(
      Object.entries(sample?.outputs ?? {}).filter((e): e is [string, number] => typeof e[1] === "number"),
    );
    const width = Math.max(320, Math.floor(this.chartBox.clientWidth || 420));
    const baseline = result.baseline?.sweep
      ? { label: result.baseline.label, series: result.baseline.sweep }
      : undefined;
    // A click on the chart inspects that point: a new sample with the swept input set there.
    const onPick = (x: number): void => {
      if (!sample) return;
      const value = Number(x.toPrecision(6));
      this.callbacks.onSampleInput(
        result.samples.length,
        `${sweep.path} = ${formatNumber(value)} (from ${sample.name})`,
        withValue(sample.input, parsePath(sweep.path), value),
      );
    };
    this.chartBox.replaceChildren(
      renderChart(sweep, {
        width,
        height: innerHeight <= 780 ? 180 : 250,
        sampleOutputs,
        ...(baseline ? { baseline } : {}),
        ...(result.thresholds ? { thresholds: result.thresholds } : {}),
        onPick,
      }),
    );
  }

  private renderTabs(): void {
    const r = this.last;
    const tests = r?.tests;
    const testLabel = tests
      ? tests.problems.length > 0
        ? "Tests: file broken"
        : `Tests ${tests.passed}/${tests.cases.length}`
      : "Tests";
    const changed =
      this.change && this.change.changes.length > 0 ? `Change (${this.change.changes.length})` : "Change";
    const entries: [Tab, string, string][] = [
      ["samples", `Samples${r ? ` (${r.samples.length})` : ""}`, ""],
      ["change", changed, this.change && this.change.changes.length > 0 ? "typed" : ""],
      ["tests", testLabel, tests ? (tests.failed > 0 || tests.problems.length > 0 ? "fail" : "pass") : ""],
      ["inputs", "YAML", this.samplesText.trim() ? "typed" : ""],
      [
        "properties",
        this.propertiesLabel(),
        this.verification.state === "done" && this.verification.report.properties.length > 0
          ? this.verification.report.violated > 0
            ? "fail"
            : "pass"
          : "",
      ],
    ];
    this.tabs.replaceChildren(
      ...entries.map(([id, label, mark]) => {
        const button = h(
          `button.tab${this.tab === id ? ".active" : ""}${mark ? `.tab-${mark}` : ""}`,
          { type: "button", role: "tab", "data-tab": id, "aria-selected": this.tab === id },
          label,
        );
        button.addEventListener("click", () => {
          this.tab = id;
          this.renderTabs();
          this.renderBody();
        });
        return button;
      }),
    );
  }

  private renderBody(): void {
    const r = this.last;
    if (this.tab === "inputs") return this.renderInputs(r);
    if (this.tab === "properties") return this.renderProperties();
    if (this.tab === "change")
      return void this.body.replaceChildren(
        ...renderChangeView(this.change, this.changeWaiting, (line) => this.callbacks.onReveal(line)),
      );
    if (!r) return void this.body.replaceChildren(h("div.empty", {}, "Waiting for the first result..."));
    if (this.tab === "tests") return this.renderTests(r);
    this.renderSamples(r);
  }

  private renderSamples(r: PreviewResult): void {
    if (r.samples.length === 0) {
      this.body.replaceChildren(
        h(
          "div.empty",
          {},
          "No samples: this rulebook has no .test.yaml, and no inputs were typed. Use the Sample inputs tab.",
        ),
      );
      return;
    }
    if (this.selected >= r.samples.length) this.selected = 0;
    const chartNames = r.sweep?.series.map((s) => s.name) ?? r.outputs.slice(0, 2).map((o) => o.name);
    const list = h(
      "div.sample-list",
      { role: "listbox" },
      ...r.samples.map((s, i) => {
        const old = r.baseline?.samples[i];
        const delta = (n: string): string => {
          // Decimal results are exact text; their change is shown to 12 digits like any other.
          const [a, b] = [old?.[n], s.outputs?.[n]].map((v) => (typeof v === "string" ? Number(v) : v));
          if (typeof a !== "number" || typeof b !== "number" || Number.isNaN(a + b) || a === b) return "";
          const percent = showPercent(a, b);
          return ` (${showChange(b - a, r.units[n])}${percent ? `, ${percent}` : ""})`;
        };
        const summary = s.outputs
          ? chartNames
              .filter((n) => n in s.outputs!)
              .map((n) => `${n.replace(/_/g, " ")} ${showValue(s.outputs![n], r.units[n])}${delta(n)}`)
              .join(" · ")
          : `${s.error?.code ?? "error"}: ${s.error?.message ?? ""}`;
        const row = h(
          `div.sample-row${i === this.selected ? ".selected" : ""}${s.error ? ".failed" : ""}`,
          { role: "option", "aria-selected": i === this.selected, title: s.name },
          h("div.sample-name", {}, s.name),
          h("div.sample-summary", {}, summary),
        );
        row.addEventListener("click", () => {
          this.selected = i;
          this.callbacks.onSampleChange(i);
          this.renderBody();
        });
        return row;
      }),
    );
    const sample = r.samples[this.selected]!;
    const add = h(
      "button.secondary.add-sample",
      { type: "button", title: "a new sample, starting from the selected one's inputs" },
      "+ Add sample",
    );
    add.addEventListener("click", () =>
      this.callbacks.onSampleInput(
        r.samples.length,
        `sample ${r.samples.length + 1}`,
        structuredClone(sample.input),
      ),
    );
    this.body.replaceChildren(
      h(
        "div.sample-tools",
        {},
        h(
          "span.muted",
          {},
          r.samplesSource === "typed" ? "Your samples (kept in this browser)" : "The test cases' inputs",
        ),
        add,
      ),
      list,
      this.sampleDetail(sample, r),
    );
  }

  private sampleDetail(sample: PreviewSample, r: PreviewResult): HTMLElement {
    const inputs = this.inputsSection(sample, r);
    if (!sample.outputs) {
      return h(
        "div.detail",
        {},
        h("h3", {}, sample.name),
        h("div.error-box", {}, `${sample.error?.code ?? ""} ${sample.error?.message ?? ""}`),
        inputs,
      );
    }
    const old = r.baseline?.samples[this.selected];
    const label = r.baseline?.label;
    // One row per output (name, new value); under it, when there is a baseline, its value and the change.
    const rows = Object.entries(sample.outputs).flatMap(([name, value]) => {
      const unit = r.units[name];
      const main = h(
        "tr.output-row",
        { "data-output": name },
        h("td.name", {}, name),
        h("td.value", {}, showValue(value, unit)),
      );
      if (!label) return [main];
      const before = old?.[name];
      let change: HTMLElement;
      if (typeof before === "number" && typeof value === "number") {
        const percent = showPercent(before, value);
        change = h(
          `span.delta${value > before ? ".up" : value < before ? ".down" : ".same"}`,
          {},
          value === before
            ? "unchanged"
            : `${showChange(value - before, unit)}${percent ? ` (${percent})` : ""}`,
        );
      } else
        change = h(
          "span.delta.same",
          {},
          before === undefined
            ? r.baseline?.problem
              ? ""
              : "new"
            : before === value
              ? "unchanged"
              : "changed",
        );
      return [
        main,
        h(
          "tr.compare-row",
          { "data-output": name },
          h(
            "td",
            { colspan: 2 },
            h("span.old", {}, `${label} ${before === undefined ? "—" : showValue(before, unit)}`),
            change,
          ),
        ),
      ];
    });
    const outputs = h(`table.outputs${label ? ".compare" : ""}`, {}, h("tbody", {}, ...rows));
    const baselineProblem = r.baseline?.problem
      ? h("p.hint", {}, `No old values: ${r.baseline.problem}.`)
      : undefined;
    const trace = sample.explanation ? this.trace(sample.explanation, r.units) : h("div");
    // A failed assertion still has outputs (computed without the assertions): show both.
    const failure = sample.error
      ? h("div.error-box", {}, `${sample.error.code} ${sample.error.message}`)
      : undefined;
    const save = h(
      "button.secondary.save-as-test",
      { type: "button", title: "add this sample, with these outputs as expected values, to the test file" },
      "Save as test case",
    );
    save.addEventListener("click", () => this.callbacks.onSaveAsTest(this.selected));
    return h(
      "div.detail",
      {},
      failure,
      h("div.detail-head", {}, h("h3", {}, "Outputs"), save),
      outputs,
      baselineProblem,
      inputs,
      h("h3", {}, "Explanation"),
      trace,
    );
  }

  /** The sample's inputs: a form generated from the input schema, or the same input as YAML. */
  private inputsSection(sample: PreviewSample, r: PreviewResult): HTMLElement {
    const index = this.selected;
    const toggle = h(
      "button.link.input-view-toggle",
      { type: "button" },
      this.inputView === "form" ? "Show as YAML" : "Show as form",
    );
    toggle.addEventListener("click", () => {
      this.inputView = this.inputView === "form" ? "yaml" : "form";
      this.renderBody();
    });
    let body: HTMLElement;
    if (this.inputView === "form" && r.inputSchema) {
      body = renderInputForm(r.inputSchema as Schema, sample.input, (input) =>
        this.callbacks.onSampleInput(index, sample.name, input),
      );
    } else {
      const area = h("textarea.sample-yaml", {
        spellcheck: "false",
        rows: 8,
        "aria-label": "sample input as YAML",
      }) as HTMLTextAreaElement;
      area.value = yamlOf(sample.input);
      area.addEventListener("change", () => {
        try {
          this.callbacks.onSampleInput(index, sample.name, parseYaml(area.value));
        } catch (error) {
          area.setCustomValidity(String(error));
          area.reportValidity();
        }
      });
      body = area;
    }
    return h("details.inputs-section", { open: true }, h("summary", {}, h("h3", {}, "Inputs"), toggle), body);
  }

  private trace(trace: Trace, units: Record<string, string>): HTMLElement {
    const items = trace.entries.map((entry) => {
      const row = this.traceEntry(entry, units);
      if (entry.line > 0) {
        row.classList.add("clickable");
        row.title = entry.file ? `${entry.file}, line ${entry.line} (inherited)` : `line ${entry.line}`;
        row.addEventListener("click", () => this.callbacks.onReveal(entry.line, entry.file));
      }
      return row;
    });
    return h("ol.trace", {}, ...items);
  }

  private traceEntry(entry: TraceEntry, units: Record<string, string>): HTMLElement {
    // Lines of a base rulebook are marked: they are not lines of the open file.
    const line = h(
      `span.line-ref${entry.file ? ".inherited" : ""}`,
      {},
      entry.line > 0 ? `${entry.file ? "↑" : "L"}${entry.line}` : "",
    );
    const tiers = (list: readonly TierChoice[]) => list.map((t) => h("div.tier-choice", {}, tierText(t)));
    switch (entry.kind) {
      case "let":
        return h(
          "li.trace-let",
          {},
          line,
          h("span.kw", {}, "let "),
          h("b", {}, entry.name),
          ` = ${showValue(entry.value, units[entry.name])}`,
          ...tiers(entry.tiers),
        );
      case "output": {
        const rounded = entry.rounding && entry.unrounded !== undefined && entry.unrounded !== entry.value;
        const rounding = rounded
          ? h(
              "span.muted",
              {},
              ` (rounded ${entry.rounding!.direction.replace("_", "-")} to ${entry.rounding!.step} from ${showValue(entry.unrounded, units[entry.name])})`,
            )
          : undefined;
        return h(
          "li.trace-output",
          {},
          line,
          h("span.kw", {}, "output "),
          h("b", {}, entry.name),
          ` = ${showValue(entry.value, units[entry.name])}`,
          rounding,
          ...tiers(entry.tiers),
        );
      }
      case "assert":
        return h(
          `li.trace-assert${entry.holds ? "" : ".failed"}`,
          {},
          line,
          h("span.kw", {}, "assert "),
          entry.holds ? "holds" : "FAILS",
          entry.message ? h("span.muted", {}, ` — ${entry.message}`) : undefined,
        );
      case "rule": {
        const actions = entry.actions.map((a) => {
          const unit = units[a.quantity];
          const change =
            a.before === undefined
              ? `= ${showValue(a.after, unit)}`
              : `${showValue(a.before, unit)} → ${showValue(a.after, unit)}`;
          const operand =
            a.verb === "set"
              ? ""
              : ` ${a.verb === "scale" ? "by" : a.verb === "add" ? "" : "at"} ${showValue(a.operand, a.verb === "scale" ? "Number" : unit)}`;
          const text = !a.applied
            ? `${a.verb} ${a.quantity}: skipped (its condition is false)`
            : a.verb === "set"
              ? `set ${a.quantity} ${change}`
              : `${a.verb} ${a.quantity}${operand}: ${change}`;
          return h(`div.action${a.applied ? "" : ".skipped"}`, {}, text, ...tiers(a.tiers));
        });
        return h(
          `li.trace-rule${entry.ran ? "" : ".skipped"}`,
          {},
          line,
          h("span.kw", {}, "rule "),
          h("b", {}, entry.name),
          h("span.muted", {}, entry.ran ? ` — ran (${entry.reason})` : ` — skipped: ${entry.reason}`),
          ...tiers(entry.tiers),
          ...actions,
        );
      }
    }
  }

  private renderTests(r: PreviewResult): void {
    const tests = r.tests;
    if (!tests) {
      this.body.replaceChildren(h("div.empty", {}, "This rulebook has no .test.yaml file."));
      return;
    }
    const problems = tests.problems.map((p) => {
      const box = h(
        "button.error-box.clickable.test-problem",
        { type: "button", title: "show the line in the test file" },
        `test file, line ${p.line}${p.column ? `, column ${p.column}` : ""}: ${p.message}`,
      );
      box.addEventListener("click", () => this.callbacks.onRevealTest(p.line));
      return box;
    });
    // A broken test file runs nothing: say so, never "0 passed, 0 failed" in green.
    const summary =
      tests.problems.length > 0
        ? h(
            "div.test-summary.failing",
            {},
            `The test file is broken: ${tests.problems.length} problem${tests.problems.length === 1 ? "" : "s"}, no case ran`,
          )
        : h(
            `div.test-summary${tests.failed > 0 ? ".failing" : ""}`,
            {},
            `${tests.passed} passed, ${tests.failed} failed`,
          );
    const cases = tests.cases.map((c) => {
      const row = h(
        `div.test-case${c.passed ? ".pass" : ".fail"}.clickable`,
        { title: `line ${c.line} of the test file` },
        h("span.test-icon", { "aria-label": c.passed ? "passed" : "failed" }, c.passed ? "✓" : "✗"),
        h("span.test-name", {}, c.name),
        c.details.length > 0 ? h("pre.test-details", {}, c.details.join("\n")) : undefined,
      );
      row.addEventListener("click", () => this.callbacks.onRevealTest(c.line));
      return row;
    });
    this.body.replaceChildren(...problems, summary, h("div.test-list", {}, ...cases));
  }

  private propertiesLabel(): string {
    const v = this.verification;
    const report = v.state === "done" || v.state === "checking" ? v.report : undefined;
    return report ? `Properties (${report.properties.length})` : "Properties";
  }

  private renderProperties(): void {
    const v = this.verification;
    if (v.state === "waiting")
      return void this.body.replaceChildren(
        h("div.empty", {}, "Verification runs once the rulebook has rested without errors for a moment."),
      );
    if (v.state === "unavailable")
      return void this.body.replaceChildren(h("div.empty", {}, `Not verified: ${v.problem}.`));
    const report = v.report;
    if (!report) return void this.body.replaceChildren(h("div.empty", {}, "Checking the properties…"));
    if (report.properties.length === 0) {
      return void this.body.replaceChildren(
        h("div.empty", {}, "This rulebook declares no properties: add an assert or a verify statement."),
      );
    }
    const checking = v.state === "checking";
    const summary = checking
      ? h("div.verify-summary", {}, "Checking the properties…")
      : h(
          `div.verify-summary${report.violated > 0 ? ".failing" : ""}`,
          {},
          `${report.proved} proved, ${report.notViolated} not violated, ${report.violated} violated`,
          h("span.muted", {}, ` · ${report.elapsedMs.toFixed(0)} ms`),
        );
    const rows = report.properties.map((p) => this.propertyRow(p, checking));
    this.body.replaceChildren(summary, h("div.property-list", { role: "list" }, ...rows));
  }

  private propertyRow(p: PropertyResult, checking: boolean): HTMLElement {
    const label = checking
      ? "checking…"
      : p.status === "not-violated"
        ? `not violated after ${p.inputs.toLocaleString("en-US")} inputs`
        : p.status;
    const status = h(`span.property-status.status-${checking ? "checking" : p.status}`, {}, label);
    const line = h(
      "button.link.property-line",
      { type: "button", title: p.file ? `${p.file}, line ${p.line}` : `line ${p.line}` },
      `${p.file ? "↑" : "L"}${p.line}`,
    );
    line.addEventListener("click", () => this.callbacks.onReveal(p.line, p.file));
    const head = h("div.property-head", {}, line, h("span.property-text", { title: p.text }, p.text), status);
    const details: (HTMLElement | undefined)[] = [];
    if (p.message) details.push(h("div.property-message.muted", {}, p.message));
    if (!checking && p.status === "proved" && p.method)
      details.push(h("div.property-method.muted", {}, p.method));
    if (!checking && p.status === "violated" && p.counterexample) {
      const load = h("button.secondary.load-counterexample", { type: "button" }, "Load counterexample");
      load.addEventListener("click", () => this.callbacks.onLoadCounterexample(p));
      details.push(
        h("div.counterexample", {}, h("div.counterexample-summary", {}, p.counterexample.summary), load),
      );
    }
    return h(
      `div.property.property-${checking ? "checking" : p.status}`,
      { role: "listitem", "data-status": checking ? "checking" : p.status },
      head,
      ...details,
    );
  }

  private renderInputs(r: PreviewResult | undefined): void {
    const source =
      r?.samplesSource === "typed"
        ? "Using the inputs typed below."
        : r?.samplesSource === "tests"
          ? "Using the inputs of the rulebook's test cases. Type YAML below to use your own."
          : "Type sample inputs in YAML: one input, or a list of them (optionally as { name, input }).";
    const problem = r?.samplesProblem ? h("div.error-box", {}, r.samplesProblem) : undefined;
    const reset = h("button.secondary", { type: "button" }, "Use the test inputs");
    reset.addEventListener("click", () => {
      this.textarea.value = "";
      this.samplesText = "";
      this.callbacks.onSamplesText("");
    });
    this.body.replaceChildren(
      ...[h("p.hint", {}, source), problem, this.textarea, h("div.button-row", {}, reset)].filter(
        (n): n is HTMLElement => n !== undefined,
      ),
    );
  }
}

function tierText(t: TierChoice): string {
  const interval = `${t.lowerInclusive ? "[" : "("}${compact(t.lower)}, ${t.upper === null ? "inf" : compact(t.upper)}${t.upperInclusive ? "]" : ")"}`;
  const cells = Object.entries(t.cells)
    .map(([k, v]) => `${k} ${Math.abs(v) < 1 ? `${Number((v * 100).toPrecision(6))}%` : v}`)
    .join(", ");
  const deductions = Object.entries(t.deductions)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} deduction ${formatNumber(v)}`)
    .join(", ");
  return `${t.table} tier ${t.tier} ${interval} at ${formatNumber(t.key)}${t.convention ? ` (${t.convention})` : ""}: ${cells}${deductions ? `; ${deductions}` : ""}`;
}

function yamlOf(input: unknown): string {
  return stringifyYaml(input, { flowCollectionPadding: true }).trimEnd();
}
