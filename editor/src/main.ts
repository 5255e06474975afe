/**
 * The rulebook studio's page: the file list of the folder, the editor with its problems list, the
 * live preview panel, saving with conflict detection, and the diff against the saved text.
 *
 * Data flow: every edit schedules an update (a short debounce), the worker checks the text and
 * answers with diagnostics, then with the preview; answers for a text that has changed since are
 * dropped. Verification is the slow check: it is asked for only once the rulebook has rested
 * without errors for {@link VERIFY_AFTER_MS}, and its answer is dropped if the text changed since.
 * Every view compares with a baseline (git HEAD by default: `baselines.ts`): the worker gets its
 * text with each update and answers with old values beside the new ones, then with the change.
 * One Problems list gathers the checker's diagnostics, failing tests and violated properties
 * (`problems.ts`). Only `monaco-adapter.ts` knows Monaco.
 */
import "./styles.css";
import "@fontsource/noto-sans-symbols/400.css";
import { stringify as stringifyYaml } from "yaml";
import { TEMPLATES, rulebookFileName } from "../../src/service/templates.js";
import { createRulebook, loadWorkspace, saveFile, type SkippedFile, type WorkspaceFile } from "./api.js";
import { Baselines, type Baseline } from "./baselines.js";
import { confirmDialog, newRulebookDialog, promptDialog, shortcutSheet } from "./dialogs.js";
import { Layout } from "./layout.js";
import { mergeThreeWay } from "./merge.js";
import { registerLanguage, StudioEditor, type MarkerView } from "./monaco-adapter.js";
import { h, PreviewPanel } from "./preview-panel.js";
import { collectProblems, failingSummary, renderProblems, type Problems } from "./problems.js";
import type {
  ChangeView,
  FromWorker,
  PreviewRequest,
  PreviewResult,
  PropertyResult,
  SweepRequest,
  VerificationReport,
  WireDiagnostic,
} from "./protocol.js";
import { appendTestCase } from "./test-cases.js";
import { LanguageClient } from "./worker-client.js";

/**
 * How long typing may pause before the worker checks the text: short, since the check is
 * incremental and the worker drops a preview that a newer update overtakes.
 */
const DEBOUNCE_MS = 30;
/** How long an error-free rulebook must stay unchanged before it is verified, and the verification's budget. */
const VERIFY_AFTER_MS = 1500;
const VERIFY_BUDGET_MS = 1000;
/** The most samples the preview evaluates (`src/service/preview.ts`): a loaded counterexample must be among them. */
const MAX_SAMPLES = 25;
/** Where typed samples are remembered between visits (by rulebook path). */
const SAMPLES_STORE = "marginbook.studio.samples.";

interface Saved {
  text: string;
  version: string | null;
}

/** What the preview of one rulebook is asked for (kept per rulebook while switching files). */
interface PreviewSettings {
  samples: string;
  sample?: number;
  sweep?: SweepRequest;
}

class Studio {
  private readonly client = new LanguageClient();
  private editor!: StudioEditor;
  private panel!: PreviewPanel;
  private files: WorkspaceFile[] = [];
  /** Files of the folder the server could not read, shown greyed in the list with the reason. */
  private skipped: SkippedFile[] = [];
  private folder = "";
  private readonly saved = new Map<string, Saved>();
  private readonly settings = new Map<string, PreviewSettings>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private verifyTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last verification received for the rulebook being previewed, and the version it was asked for. */
  private lastReport?: VerificationReport;
  private verifyingVersion?: { path: string; version: number };
  private verificationCount = 0;
  private diagnostics: WireDiagnostic[] = [];
  private problemsNow: Problems = { rulebook: [], tests: [] };
  private lastPreview?: PreviewResult;
  private lastChange?: ChangeView;
  /** The rulebook version the last preview answered (good or not). */
  private previewFor?: { path: string; version: number };
  private readonly baselines = new Baselines();
  /** The baseline of the rulebook being previewed, once resolved. */
  private baseline?: { path: string; value: Baseline };
  private readonly layout = new Layout();
  private previewCount = 0;
  private diagnosticsCount = 0;
  private lastCheckMs = 0;
  /** When the last edit happened and the last update was sent (for the latency figures). */
  private changedAt = 0;
  private sentAt = 0;
  private latency = { diagnostics: 0, preview: 0, diagnosticsSinceEdit: 0, previewSinceEdit: 0 };

  private readonly fileList = h("nav.file-list", { "aria-label": "rulebooks" });
  private readonly title = h("div.doc-title");
  private readonly statusText = h("span.status-text");
  private readonly banner = h("div.banner", { hidden: true, role: "alert" });
  private readonly notice = h("div.notice", { hidden: true, role: "status" });
  private readonly problems = h("div.problem-list", { role: "list" });
  private readonly problemCount = h("span.problem-count");
  private readonly saveButton = h(
    "button.primary",
    { type: "button", title: "Save (Ctrl+S)" },
    "Save",
  ) as HTMLButtonElement;
  private readonly diffButton = h(
    "button.secondary",
    { type: "button", title: "Compare the editor with the baseline, side by side" },
    "Diff",
  ) as HTMLButtonElement;
  private readonly formatButton = h(
    "button.secondary",
    {
      type: "button",
      title: /Mac/.test(navigator.platform) ? "Format document (⇧⌥F)" : "Format document (Ctrl+Shift+I)",
    },
    "Format",
  ) as HTMLButtonElement;
  private readonly newButton = h(
    "button.secondary",
    { type: "button", title: "A new rulebook from a template" },
    "New",
  ) as HTMLButtonElement;
  private readonly helpButton = h(
    "button.secondary.help-button",
    { type: "button", title: "Keyboard shortcuts (?)", "aria-label": "keyboard shortcuts" },
    "?",
  ) as HTMLButtonElement;
  private readonly baselineSelect = h(
    "select.baseline-select",
    { "aria-label": "compare with", title: "The version every value, curve and the Change tab compare with" },
    h("option", { value: "git:HEAD" }, "vs last commit (HEAD)"),
    h("option", { value: "saved" }, "vs last saved"),
    h("option", { value: "other" }, "vs revision..."),
  ) as HTMLSelectElement;
  private readonly baselineNote = h("span.baseline-note");
  private readonly outline = h("nav.outline", { "aria-label": "outline" });

  async start(): Promise<void> {
    const editorBox = h("div.editor-box");
    const diffBox = h("div.diff-box", { hidden: true });
    const previewBox = h("aside.preview", { "aria-label": "preview" });
    document.body.append(
      h(
        "header.topbar",
        {},
        h(
          "div.brand",
          {},
          h("span.logo", {}, "mb"),
          h("span", {}, "marginbook"),
          h("span.brand-sub", {}, "studio"),
        ),
        this.title,
        h(
          "div.actions",
          {},
          this.statusText,
          this.baselineNote,
          this.baselineSelect,
          this.newButton,
          this.formatButton,
          this.diffButton,
          this.saveButton,
          this.helpButton,
        ),
      ),
      h(
        "main.workspace",
        {},
        h(
          "aside.sidebar",
          {},
          h("div.sidebar-title", {}, "Rulebooks"),
          this.fileList,
          h("div.sidebar-title.outline-title", {}, "Outline"),
          this.outline,
        ),
        this.layout.splitter("sidebar", 1, "vertical"),
        h(
          "section.center",
          {},
          this.banner,
          this.notice,
          editorBox,
          diffBox,
          this.layout.splitter("problems", -1, "horizontal"),
          h(
            "section.problems",
            {},
            h("div.problems-header", {}, h("span", {}, "Problems"), this.problemCount),
            this.problems,
          ),
        ),
        this.layout.splitter("preview", -1, "vertical"),
        previewBox,
      ),
    );
    const ready = await new Promise<Extract<FromWorker, { type: "ready" }>>((resolve) =>
      this.client.on("ready", resolve),
    );
    registerLanguage(ready);
    this.editor = new StudioEditor(editorBox, diffBox, this.client, {
      onChange: (path) => this.changed(path),
      onSave: () => void this.save(),
      onOpenLocation: (path, line, column) => this.open(path, { line, column }),
      onNotice: (text) => this.showNotice(text),
      fileText: (path) => this.saved.get(path)?.text,
    });
    this.panel = new PreviewPanel(previewBox, {
      onReveal: (line, file) => {
        const subject = this.rulebookOf(this.editor.path ?? "");
        if (file && file !== subject) this.open(file, { line, column: 1 });
        else {
          if (subject && this.editor.path !== subject) this.open(subject);
          this.editor.reveal(line, 1);
        }
      },
      onSweepChange: (sweep) => this.updateSettings({ sweep }),
      onSampleChange: (sample) => this.updateSettings({ sample }),
      onSamplesText: (samples) => this.updateSettings({ samples, sample: 0 }, DEBOUNCE_MS * 2),
      onLoadCounterexample: (property) => this.loadCounterexample(property),
      onSampleInput: (index, name, input) => this.editSample(index, name, input),
      onSaveAsTest: (index) => void this.saveAsTest(index),
      onRevealTest: (line) => {
        const tests = this.testsOf(this.rulebookOf(this.editor.path ?? "") ?? "");
        if (tests) this.open(tests, { line, column: 1 });
      },
    });
    this.client.on("diagnostics", (m) => this.receiveDiagnostics(m));
    this.client.on("preview", (m) => this.receivePreview(m));
    this.client.on("verification", (m) => this.receiveVerification(m));
    this.client.on("change", (m) => this.receiveChange(m));
    this.saveButton.addEventListener("click", () => void this.save());
    this.diffButton.addEventListener("click", () => this.toggleDiff());
    this.formatButton.addEventListener("click", () => void this.editor.format());
    this.newButton.addEventListener("click", () => void this.newRulebook());
    this.helpButton.addEventListener("click", () => void shortcutSheet());
    this.baselineSelect.addEventListener("change", () => void this.chooseBaseline());
    this.baselineSelect.value =
      this.baselines.mode.kind === "saved"
        ? "saved"
        : this.baselines.mode.revision === "HEAD"
          ? "git:HEAD"
          : "other";
    if (this.baselineSelect.value === "other")
      this.baselineSelect.options[2]!.textContent = `vs ${this.baselines.label}`;
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        void this.save();
      }
      const target = event.target as HTMLElement | null;
      const typing =
        target?.closest("input, textarea, select, .monaco-editor, dialog") !== null &&
        target?.closest("input, textarea, select, .monaco-editor, dialog") !== undefined;
      if (event.key === "?" && !typing) void shortcutSheet();
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.files.some((f) => this.dirty(f.path))) event.preventDefault();
    });
    await this.loadWorkspace();
    this.exposeForTests();
  }

  private async loadWorkspace(open?: string): Promise<void> {
    const workspace = await loadWorkspace();
    this.folder = workspace.folder;
    this.files = workspace.files;
    this.skipped = workspace.skipped ?? [];
    for (const f of workspace.files)
      if (!this.saved.has(f.path)) this.saved.set(f.path, { text: f.text, version: f.version });
    this.client.setFiles(Object.fromEntries(workspace.files.map((f) => [f.path, f.text])));
    const wanted = open ?? decodeURIComponent(location.hash.replace(/^#/, ""));
    const first = this.files.find((f) => f.path === wanted) ?? this.files.find((f) => f.kind === "rulebook");
    this.renderFiles();
    if (first) this.open(first.path);
    else this.showEmpty();
  }

  /** An empty folder: say so, and offer to start a rulebook. */
  private showEmpty(): void {
    this.title.replaceChildren(h("span.muted", {}, `${this.folder}/ has no .margin files`));
    const start = h("button.primary", { type: "button" }, "New rulebook from a template");
    start.addEventListener("click", () => void this.newRulebook());
    this.notice.replaceChildren(h("span", {}, `${this.folder}/ has no rulebooks yet. `), start);
    this.notice.hidden = false;
  }

  private testsOf(rulebook: string): string | undefined {
    return this.files.find((f) => f.path === rulebook)?.tests;
  }

  // ---- files ----

  private rulebookOf(path: string): string | undefined {
    if (path.endsWith(".margin")) return path;
    return this.files.find((f) => f.tests === path)?.path;
  }

  private dirty(path: string): boolean {
    const text = this.editor?.textOf(path);
    return text !== undefined && text !== this.saved.get(path)?.text;
  }

  private open(path: string, at?: { line: number; column: number }): void {
    const saved = this.saved.get(path);
    if (!saved) return;
    const previousSubject = this.editor.path ? this.rulebookOf(this.editor.path) : undefined;
    this.editor.open(path, saved.text);
    document.body.classList.remove("diffing");
    history.replaceState(null, "", `#${encodeURIComponent(path)}`);
    this.banner.hidden = true;
    this.renderFiles();
    this.renderTitle();
    const subject = this.rulebookOf(path);
    if (subject !== previousSubject) {
      this.panel.reset();
      this.lastPreview = undefined;
      this.lastReport = undefined;
      this.lastChange = undefined;
      this.cancelVerification();
      this.diagnostics = [];
      this.renderProblems();
      if (subject && !this.settings.has(subject)) {
        const remembered = localStorage.getItem(SAMPLES_STORE + subject);
        if (remembered) {
          this.settings.set(subject, { samples: remembered });
          this.panel.loadSamples(remembered, 0);
        }
      }
      if (subject) void this.resolveBaseline(subject);
      void this.renderOutline();
    }
    this.sendUpdate();
    if (at) this.editor.reveal(at.line, at.column);
  }

  private renderFiles(): void {
    const active = this.editor?.path;
    const items = this.files
      .filter((f) => f.kind === "rulebook")
      .map((f) => {
        const item = (path: string, label: string, kind: string): HTMLElement => {
          const node = h(
            `button.file-item.${kind}${path === active ? ".active" : ""}`,
            { type: "button", title: path, "data-path": path },
            h("span.file-icon", { "aria-hidden": "true" }, kind === "tests" ? "✓" : "§"),
            h("span.file-name", {}, label),
            this.dirty(path) ? h("span.dirty", { title: "unsaved changes" }, "●") : undefined,
          );
          node.addEventListener("click", () => this.open(path));
          return node;
        };
        return h(
          "div.file-group",
          {},
          item(f.path, f.path.replace(/\.margin$/, ""), "rulebook"),
          f.tests ? item(f.tests, "test cases", "tests") : undefined,
        );
      });
    // Not openable: the name, and why on a second line (not UTF-8, or over 64 MiB).
    const skipped = this.skipped.map((f) =>
      h(
        "div.file-skipped",
        { title: `${f.path}: ${f.reason}`, "data-path": f.path },
        h("span.file-icon", { "aria-hidden": "true" }, "!"),
        h("span.file-name", {}, f.path.replace(/\.margin$/, "")),
        h("span.file-reason", {}, f.reason),
      ),
    );
    this.fileList.replaceChildren(...items, ...skipped);
  }

  private renderTitle(): void {
    const path = this.editor.path ?? "";
    this.title.replaceChildren(
      h("span.folder", {}, `${this.folder}/`),
      h("span.path", {}, path),
      this.dirty(path) ? h("span.modified", {}, "modified") : "",
    );
    this.diffButton.classList.toggle("active", this.editor.diffVisible);
  }

  // ---- editing, checking, preview ----

  private changed(path: string): void {
    this.changedAt = performance.now();
    this.renderFiles();
    this.renderTitle();
    const subject = this.editor.path ? this.rulebookOf(this.editor.path) : undefined;
    if (path === this.editor.path || this.rulebookOf(path) === subject) this.schedule(DEBOUNCE_MS);
    if (path === subject) {
      // The text changed: any verification asked for is now for an older version.
      this.cancelVerification();
      this.panel.showVerification({
        state: "checking",
        ...(this.lastReport ? { report: this.lastReport } : {}),
      });
    }
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendUpdate();
    }, delay);
  }

  private updateSettings(change: Partial<PreviewSettings>, delay = 0): void {
    const subject = this.editor.path ? this.rulebookOf(this.editor.path) : undefined;
    if (!subject) return;
    this.settings.set(subject, { ...(this.settings.get(subject) ?? { samples: "" }), ...change });
    if (change.samples !== undefined) {
      if (change.samples.trim() === "") localStorage.removeItem(SAMPLES_STORE + subject);
      else localStorage.setItem(SAMPLES_STORE + subject, change.samples);
    }
    if (delay > 0) this.schedule(delay);
    else this.sendUpdate();
  }

  /** Sends the rulebook being previewed (the open one, or the one whose tests are open). */
  private sendUpdate(): void {
    const active = this.editor.path;
    const subject = active ? this.rulebookOf(active) : undefined;
    if (!subject) return;
    const text = this.editor.textOf(subject) ?? this.saved.get(subject)?.text ?? "";
    const version = this.editor.versionOf(subject) ?? 0;
    const testsPath = this.files.find((f) => f.path === subject)?.tests;
    const tests = testsPath ? (this.editor.textOf(testsPath) ?? this.saved.get(testsPath)?.text) : undefined;
    const settings = this.settings.get(subject) ?? { samples: "" };
    const preview: PreviewRequest = {
      ...(tests !== undefined ? { tests } : {}),
      ...(settings.samples.trim() ? { samples: settings.samples } : {}),
      ...(settings.sample !== undefined ? { sample: settings.sample } : {}),
      ...(settings.sweep ? { sweep: settings.sweep } : {}),
      ...(this.baseline?.path === subject
        ? { baseline: { text: this.baseline.value.text, label: this.baseline.value.label } }
        : {}),
    };
    this.sentAt = performance.now();
    this.client.update({ path: subject, version, text }, preview);
  }

  /** Whether an answer is for the newest update of the text now in the editor. */
  private current(seq: number, path: string, version: number): boolean {
    return seq === this.client.latestSeq && version === (this.editor.versionOf(path) ?? 0);
  }

  private receiveDiagnostics(m: Extract<FromWorker, { type: "diagnostics" }>): void {
    if (!this.current(m.seq, m.path, m.version)) return;
    this.diagnostics = m.diagnostics;
    this.diagnosticsCount++;
    this.lastCheckMs = m.checkMs;
    const now = performance.now();
    this.latency.diagnostics = now - this.sentAt;
    this.latency.diagnosticsSinceEdit = now - this.changedAt;
    this.renderProblems();
    this.statusText.textContent = `checked in ${m.checkMs.toFixed(0)} ms`;
    this.statusText.title = `${m.chunks} declarations, ${m.reparsed} parsed again`;
    this.scheduleVerification(m.path, m.version, m.diagnostics);
  }

  // ---- verification (the slow check) ----

  private cancelVerification(): void {
    if (this.verifyTimer !== undefined) clearTimeout(this.verifyTimer);
    this.verifyTimer = undefined;
    this.verifyingVersion = undefined;
  }

  /** After a check of the newest text: verify it once it has stayed unchanged (and error-free) a while. */
  private scheduleVerification(path: string, version: number, diagnostics: WireDiagnostic[]): void {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    if (errors > 0) {
      this.cancelVerification();
      this.panel.showVerification({
        state: "unavailable",
        problem: `the rulebook has ${errors} error${errors === 1 ? "" : "s"}`,
      });
      return;
    }
    const asked = this.verifyingVersion;
    if (asked && asked.path === path && asked.version === version) return;
    this.cancelVerification();
    this.panel.showVerification({
      state: "checking",
      ...(this.lastReport ? { report: this.lastReport } : {}),
    });
    this.verifyTimer = setTimeout(() => {
      this.verifyTimer = undefined;
      const text = this.editor.textOf(path);
      if (text === undefined || (this.editor.versionOf(path) ?? 0) !== version) return;
      this.verifyingVersion = { path, version };
      this.client.verify({ path, version, text }, VERIFY_BUDGET_MS);
    }, VERIFY_AFTER_MS);
  }

  private receiveVerification(m: Extract<FromWorker, { type: "verification" }>): void {
    const asked = this.verifyingVersion;
    // Stale: the text changed (or another rulebook was opened) since it was asked for.
    if (
      !asked ||
      asked.path !== m.path ||
      asked.version !== m.version ||
      (this.editor.versionOf(m.path) ?? 0) !== m.version
    )
      return;
    this.verificationCount++;
    if (m.report) {
      this.lastReport = m.report;
      this.panel.showVerification({ state: "done", report: m.report, ms: m.verifyMs });
      this.renderProblems();
    } else {
      this.panel.showVerification({
        state: "unavailable",
        problem: m.problem ?? "the rulebook cannot be verified",
      });
    }
  }

  /**
   * Puts a violated property's counterexample among the typed samples (after the samples shown now,
   * as `counterexample: <property>`) and selects it, so its outputs and explanation show.
   */
  private loadCounterexample(property: PropertyResult): void {
    const input = property.counterexample?.evaluation.input;
    if (!input) return;
    const name = `counterexample: ${property.text}`;
    const kept = (this.lastPreview?.samples ?? [])
      .filter((s) => s.name !== name)
      .slice(0, MAX_SAMPLES - 1)
      .map((s) => ({ name: s.name, input: s.input }));
    const samples = [...kept, { name, input }];
    const text = stringifyYaml(samples);
    this.panel.loadSamples(text, samples.length - 1);
    // The chart sweeps along the property's input (`... in position.size`), when it names one.
    const along = /\bin\s+([\w.[\]]+)/.exec(property.text)?.[1];
    this.updateSettings({
      samples: text,
      sample: samples.length - 1,
      ...(along ? { sweep: { path: along } } : {}),
    });
  }

  /** A sample's inputs changed in its form (or a new sample): the samples become typed ones. */
  private editSample(index: number, name: string, input: unknown): void {
    const current = (this.lastPreview?.samples ?? []).map((s) => ({ name: s.name, input: s.input }));
    if (index < current.length) current[index] = { name, input };
    else current.push({ name, input });
    const samples = current.slice(0, MAX_SAMPLES);
    const text = stringifyYaml(samples);
    const selected = Math.min(index, samples.length - 1);
    this.panel.loadSamples(text, selected);
    this.updateSettings({ samples: text, sample: selected });
  }

  /** Writes a sample, its outputs as the expectation, into the rulebook's test file (keeping its comments). */
  private async saveAsTest(index: number): Promise<void> {
    const subject = this.rulebookOf(this.editor.path ?? "");
    const sample = this.lastPreview?.samples[index];
    if (!subject || !sample?.outputs || sample.error)
      return this.showNotice("Only a sample that evaluates can become a test case.");
    const testsPath = this.testsOf(subject) ?? subject.replace(/\.margin$/, ".test.yaml");
    const current = this.editor.textOf(testsPath) ?? this.saved.get(testsPath)?.text;
    const taken = new Set(this.lastPreview?.tests?.cases.map((c) => c.name) ?? []);
    const name = await promptDialog(
      "Save as test case",
      "Name of the test case",
      sample.name.startsWith("counterexample") || taken.has(sample.name)
        ? `${sample.name} (pinned)`
        : sample.name,
      "Save test case",
      (value) => (taken.has(value) ? "a case has this name already" : undefined),
    );
    if (!name) return;
    const added = appendTestCase(current, subject.split("/").pop()!, {
      name,
      input: sample.input,
      expect: sample.outputs,
    });
    if ("error" in added) return this.showNotice(`Not saved: ${added.error}`);
    const outcome = await saveFile(testsPath, added.text, this.saved.get(testsPath)?.version ?? null).catch(
      (error: unknown) => ({ ok: false as const, conflict: false as const, message: String(error) }),
    );
    if (!outcome.ok) return this.showNotice(`Not saved: ${outcome.message}`);
    this.saved.set(testsPath, { text: added.text, version: outcome.version });
    if (!this.files.some((f) => f.path === testsPath)) {
      this.files.push({ path: testsPath, kind: "tests", text: added.text, version: outcome.version });
      const book = this.files.find((f) => f.path === subject);
      if (book) book.tests = testsPath;
    }
    if (this.editor.textOf(testsPath) !== undefined) this.editor.replaceText(testsPath, added.text);
    this.client.setFiles(
      Object.fromEntries([...this.saved].map(([p, s]) => [p, this.editor.textOf(p) ?? s.text])),
    );
    this.renderFiles();
    this.panel.selectTab("tests");
    this.sendUpdate();
    this.showNotice(
      `Saved "${name}" to ${testsPath}: it runs on every change (Tests tab) and with \`marginbook test\`.`,
    );
  }

  private receiveChange(m: Extract<FromWorker, { type: "change" }>): void {
    if (!this.current(m.seq, m.path, m.version)) return;
    this.lastChange = m.change;
    this.panel.showChange(m.change);
  }

  // ---- baseline ----

  private async resolveBaseline(subject: string): Promise<void> {
    const saved = this.saved.get(subject)?.text ?? "";
    const value = await this.baselines.resolve(subject, saved);
    if (this.rulebookOf(this.editor.path ?? "") !== subject) return;
    this.baseline = { path: subject, value };
    this.baselineNote.textContent = value.note ? "⚠" : "";
    this.baselineNote.title = value.note ?? "";
    this.panel.showChange(undefined, value.note ? `${value.note}.` : undefined);
    this.sendUpdate();
  }

  private async chooseBaseline(): Promise<void> {
    const choice = this.baselineSelect.value;
    if (choice === "other") {
      const revision = await promptDialog(
        "Compare with a revision",
        "A git revision (HEAD~1, a tag, a commit)",
        this.baselines.mode.kind === "git" ? this.baselines.mode.revision : "HEAD~1",
        "Compare",
        (v) => (/^[\w][\w./~^@{}-]*$/.test(v) ? undefined : "not a git revision"),
      );
      if (!revision) {
        this.baselineSelect.value =
          this.baselines.mode.kind === "saved"
            ? "saved"
            : this.baselines.mode.revision === "HEAD"
              ? "git:HEAD"
              : "other";
        return;
      }
      this.baselines.setMode({ kind: "git", revision });
      this.baselineSelect.options[2]!.textContent = `vs ${revision}`;
    } else this.baselines.setMode(choice === "saved" ? { kind: "saved" } : { kind: "git", revision: "HEAD" });
    this.baselines.clear();
    const subject = this.rulebookOf(this.editor.path ?? "");
    if (subject) await this.resolveBaseline(subject);
    if (this.editor.diffVisible) this.toggleDiff(true);
  }

  private async renderOutline(): Promise<void> {
    const doc = this.editor.document();
    if (!doc || !doc.path.endsWith(".margin")) return void this.outline.replaceChildren();
    const symbols = (await this.client.symbols(doc)) ?? [];
    this.outline.replaceChildren(
      ...symbols.map((s) => {
        const item = h(
          "button.outline-item",
          { type: "button", title: `${s.kind} ${s.name}, line ${s.selection.startLine}` },
          h("span.outline-kind", {}, s.kind),
          h("span.outline-name", {}, s.name),
        );
        item.addEventListener("click", () =>
          this.editor.reveal(s.selection.startLine, s.selection.startColumn),
        );
        return item;
      }),
    );
  }

  private receivePreview(m: Extract<FromWorker, { type: "preview" }>): void {
    if (!this.current(m.seq, m.path, m.version)) return;
    this.previewFor = { path: m.path, version: m.version };
    this.previewCount++;
    if (m.result.ok) this.lastPreview = m.result;
    this.panel.show(m.result, m.previewMs);
    this.renderProblems();
    const now = performance.now();
    this.latency.preview = now - this.sentAt;
    this.latency.previewSinceEdit = now - this.changedAt;
  }

  /** Gathers every problem of the rulebook being previewed, shows them as markers and in the list. */
  private renderProblems(): void {
    const subject = this.rulebookOf(this.editor.path ?? "");
    if (!subject) return;
    const testsPath = this.testsOf(subject);
    const text = (path: string): string => this.editor.textOf(path) ?? this.saved.get(path)?.text ?? "";
    this.problemsNow = collectProblems(
      this.diagnostics,
      this.lastPreview,
      this.lastReport,
      { rulebook: text(subject), ...(testsPath ? { tests: text(testsPath) } : {}) },
      { rulebook: subject, ...(testsPath ? { tests: testsPath } : {}) },
    );
    this.editor.setDiagnostics(subject, this.problemsNow.rulebook);
    if (testsPath)
      this.editor.setDiagnostics(testsPath, this.problemsNow.tests, this.saved.get(testsPath)?.text);
    renderProblems(this.problems, this.problemCount, this.problemsNow, subject, (d) => {
      if (this.editor.path !== d.file) this.open(d.file);
      this.editor.reveal(d.startLine, d.startColumn);
    });
  }

  // ---- saving, conflicts, diff, new rulebooks ----

  private async save(force?: { version: string | null }): Promise<void> {
    const path = this.editor.path;
    if (!path) return;
    if (!force) await this.settled();
    const text = this.editor.textOf(path) ?? "";
    if (!force) {
      // Saving what is known to fail asks first, and says what fails.
      const errors = this.problemsNow.rulebook
        .filter((d) => d.severity === "error" && d.code.startsWith("MB"))
        .map((d) => `${d.code} line ${d.startLine}: ${d.message}`);
      const failing = [...errors, ...failingSummary(this.problemsNow)];
      if (failing.length > 0) {
        const choice = await confirmDialog(
          "Save with problems?",
          `${path} has ${failing.length} problem${failing.length === 1 ? "" : "s"}: the checker's errors, failing test cases or violated properties.`,
          failing,
          [{ label: "Save anyway", value: "save", kind: "danger" }],
        );
        if (choice !== "save") return;
      }
    }
    const base = force ? force.version : (this.saved.get(path)?.version ?? null);
    this.statusText.textContent = "saving...";
    let outcome: Awaited<ReturnType<typeof saveFile>>;
    try {
      outcome = await saveFile(path, text, base);
    } catch (error) {
      this.statusText.textContent = "";
      return this.showNotice(`Not saved: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (outcome.ok) {
      this.saved.set(path, { text, version: outcome.version });
      this.client.setFiles(
        Object.fromEntries([...this.saved].map(([p, s]) => [p, this.editor.textOf(p) ?? s.text])),
      );
      this.banner.hidden = true;
      this.statusText.textContent = `saved ${new Date().toLocaleTimeString()}`;
      this.renderFiles();
      this.renderTitle();
      if (this.baselines.mode.kind === "saved") {
        const subject = this.rulebookOf(path);
        if (subject) void this.resolveBaseline(subject);
      }
      if (this.editor.diffVisible) this.toggleDiff(true);
      return;
    }
    this.statusText.textContent = "";
    if (!outcome.conflict) return this.showNotice(`Not saved: ${outcome.message}`);
    this.showConflict(path, outcome.diskText, outcome.diskVersion);
  }

  /** Waits (at most 3 s) until the preview answers the text now in the editor, so Save judges fresh results. */
  private async settled(): Promise<void> {
    const subject = this.rulebookOf(this.editor.path ?? "");
    if (!subject) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.sendUpdate();
    }
    const started = performance.now();
    while (performance.now() - started < 3000) {
      const version = this.editor.versionOf(subject) ?? 0;
      if (this.previewFor?.path === subject && this.previewFor.version === version) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private showConflict(path: string, diskText: string | null, diskVersion: string | null): void {
    const compare = h("button.secondary", { type: "button" }, "Compare with disk");
    const merge = h(
      "button.primary",
      { type: "button", title: "keep both your edits and the changes on disk; conflicting lines are marked" },
      "Merge",
    );
    const overwrite = h("button.danger", { type: "button" }, "Overwrite with mine");
    const reload = h("button.secondary", { type: "button" }, "Load the disk version");
    const disk = diskText ?? "";
    compare.addEventListener("click", () => {
      document.body.classList.add("diffing");
      this.editor.showDiff(disk, {
        left: "On disk (changed since you opened it)",
        right: "Your edits (not saved)",
      });
      this.renderTitle();
    });
    merge.addEventListener("click", () => {
      const base = this.saved.get(path)?.text ?? "";
      const mine = this.editor.textOf(path) ?? "";
      const result = mergeThreeWay(base, mine, disk);
      // The merge is one undoable edit, and the disk version is now the one the editor builds on.
      this.editor.replaceText(path, result.text);
      this.saved.set(path, { text: disk, version: diskVersion });
      this.banner.hidden = true;
      document.body.classList.add("diffing");
      this.editor.showDiff(disk, {
        left: "On disk",
        right:
          result.conflicts > 0
            ? `Merged: ${result.conflicts} conflict${result.conflicts === 1 ? "" : "s"} marked <<<<<<< (resolve, then save)`
            : "Merged: your edits on top of the disk version (not saved yet)",
      });
      this.renderFiles();
      this.renderTitle();
      this.showNotice(
        result.conflicts > 0
          ? `Merged with ${result.conflicts} conflict${result.conflicts === 1 ? "" : "s"}: resolve the marked lines, then save.`
          : "Merged: your edits and the disk's changes are both in the editor. Save to write them.",
        () => this.editor.undo(path),
      );
    });
    overwrite.addEventListener("click", async () => {
      const choice = await confirmDialog(
        "Overwrite the disk version?",
        `The changes made on disk to ${path} since you opened it will be lost.`,
        [],
        [{ label: "Overwrite", value: "overwrite", kind: "danger" }],
      );
      if (choice === "overwrite") void this.save({ version: diskVersion });
    });
    reload.addEventListener("click", async () => {
      const choice = await confirmDialog(
        "Load the disk version?",
        `Your unsaved edits of ${path} are replaced by the disk version. You can undo this (Ctrl+Z, or Undo in the notice).`,
        [],
        [{ label: "Load the disk version", value: "load", kind: "danger" }],
      );
      if (choice !== "load") return;
      this.saved.set(path, { text: disk, version: diskVersion });
      this.editor.replaceText(path, disk);
      this.banner.hidden = true;
      this.editor.hideDiff();
      document.body.classList.remove("diffing");
      this.renderFiles();
      this.renderTitle();
      this.showNotice("Loaded the disk version.", () => this.editor.undo(path));
    });
    this.banner.replaceChildren(
      h(
        "div.banner-text",
        {},
        h("b", {}, "Not saved: the file changed on disk since you opened it."),
        h("span", {}, " Your edits are kept here; nothing was overwritten."),
      ),
      h("div.banner-actions", {}, compare, merge, reload, overwrite),
    );
    this.banner.hidden = false;
  }

  /** Shows (or, when shown, hides) the diff of the editor against the baseline, across the whole window. */
  private toggleDiff(refresh = false): void {
    const path = this.editor.path;
    if (!path) return;
    if (this.editor.diffVisible && !refresh) {
      this.editor.hideDiff();
      document.body.classList.remove("diffing");
    } else {
      const subject = this.rulebookOf(path);
      const baseline =
        subject === path && this.baseline?.path === path
          ? this.baseline.value
          : { text: this.saved.get(path)?.text ?? "", label: "last saved" };
      const dirty = this.dirty(path);
      document.body.classList.add("diffing");
      this.editor.showDiff(baseline.text, {
        left: `${baseline.label === "last saved" ? "Last saved" : baseline.label === "HEAD" ? "Last commit (HEAD)" : baseline.label} (read-only)`,
        right: `Editor${dirty ? " (unsaved edits)" : ""}`,
      });
    }
    this.renderTitle();
  }

  /** Creates a rulebook (and its test file) from a template, where the user says; the server checks it first. */
  private async newRulebook(): Promise<void> {
    const folders = [...new Set(this.files.map((f) => f.path.split("/").slice(0, -1).join("/")))].sort();
    const target = (c: { name: string; folder: string }): string =>
      [c.folder.replace(/^\/+|\/+$/g, ""), rulebookFileName(c.name)].filter(Boolean).join("/");
    const choice = await newRulebookDialog(
      TEMPLATES,
      folders.length > 0 ? folders : [""],
      (c) => `${this.folder}/${target(c)}`,
      async (c) => {
        const template = TEMPLATES.find((t) => t.id === c.template)!;
        const path = target(c);
        if (this.files.some((f) => f.path === path)) return `${path} exists already: choose another name`;
        const outcome = await createRulebook(
          path,
          template.rulebook(c.name),
          template.tests(path.split("/").pop()!),
        ).catch((error: unknown) => ({ ok: false as const, message: String(error) }));
        return outcome.ok ? undefined : outcome.message;
      },
    );
    if (!choice) return;
    const path = target(choice);
    this.notice.hidden = true;
    await this.loadWorkspace(path);
    this.showNotice(
      `Created ${path} and its test file from the "${TEMPLATES.find((t) => t.id === choice.template)!.title}" template.`,
    );
  }

  private showNotice(text: string, undo?: () => void): void {
    const parts: (HTMLElement | string)[] = [h("span", {}, text)];
    if (undo) {
      const button = h("button.link.undo", { type: "button" }, "Undo");
      button.addEventListener("click", () => {
        undo();
        this.notice.hidden = true;
      });
      parts.push(button);
    }
    this.notice.replaceChildren(...parts);
    this.notice.hidden = false;
    const shown = this.notice.textContent;
    setTimeout(
      () => {
        if (this.notice.textContent === shown) this.notice.hidden = true;
      },
      undo ? 15000 : 6000,
    );
  }

  /** A small window into the studio for the browser tests. */
  private exposeForTests(): void {
    (window as unknown as { __studio: unknown }).__studio = {
      markers: (): MarkerView[] => this.editor.markers(),
      path: () => this.editor.path,
      text: () => this.editor.document()?.text,
      version: () => this.editor.document()?.version,
      preview: () => this.lastPreview,
      counts: () => ({
        diagnostics: this.diagnosticsCount,
        previews: this.previewCount,
        checkMs: this.lastCheckMs,
        verifications: this.verificationCount,
      }),
      verification: () => this.lastReport,
      /** Milliseconds from sending an update (after the debounce) to its answers, and from the edit itself. */
      latency: () => ({ ...this.latency }),
      open: (path: string) => this.open(path),
      cursor: (line: number, column: number) => this.editor.reveal(line, column),
      position: () => this.editor.cursorPosition(),
      point: (line: number, column: number) => this.editor.clientPoint(line, column),
      /** Every problem: the checker's, failing tests (rulebook and test file) and violated properties. */
      problems: (): Problems => this.problemsNow,
      change: (): ChangeView | undefined => this.lastChange,
      baseline: () =>
        this.baseline
          ? { path: this.baseline.path, label: this.baseline.value.label, note: this.baseline.value.note }
          : undefined,
      markersOf: (path: string): MarkerView[] => this.editor.markersOf(path),
      runAction: (id: string) => this.editor.runAction(id),
    };
  }
}

void new Studio().start();
