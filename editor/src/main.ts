/**
 * The rulebook studio's page: the file list of the folder, the editor with its problems list, the
 * live preview panel, saving with conflict detection, and the diff against the saved text.
 *
 * Data flow: every edit schedules an update (a short debounce), the worker checks the text and
 * answers with diagnostics, then with the preview; answers for a text that has changed since are
 * dropped. Verification is the slow check: it is asked for only once the rulebook has rested
 * without errors for {@link VERIFY_AFTER_MS}, and its answer is dropped if the text changed since.
 * Only `monaco-adapter.ts` knows Monaco.
 */
import "./styles.css";
import { stringify as stringifyYaml } from "yaml";
import { loadWorkspace, saveFile, type WorkspaceFile } from "./api.js";
import { registerLanguage, StudioEditor, type MarkerView } from "./monaco-adapter.js";
import { h, PreviewPanel } from "./preview-panel.js";
import type { FromWorker, PreviewRequest, PreviewResult, PropertyResult, SweepRequest, VerificationReport, WireDiagnostic } from "./protocol.js";
import { LanguageClient } from "./worker-client.js";

/** How long typing may pause before the worker checks the text. */
const DEBOUNCE_MS = 120;
/** How long an error-free rulebook must stay unchanged before it is verified, and the verification's budget. */
const VERIFY_AFTER_MS = 1500;
const VERIFY_BUDGET_MS = 1000;
/** The most samples the preview evaluates (`src/service/preview.ts`): a loaded counterexample must be among them. */
const MAX_SAMPLES = 25;

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
  private lastPreview?: PreviewResult;
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
  private readonly saveButton = h("button.primary", { type: "button", title: "Save (Ctrl+S)" }, "Save") as HTMLButtonElement;
  private readonly diffButton = h("button.secondary", { type: "button", title: "Compare with the saved version" }, "Diff") as HTMLButtonElement;
  private readonly formatButton = h("button.secondary", { type: "button", title: "Format document (Shift+Alt+F)" }, "Format") as HTMLButtonElement;

  async start(): Promise<void> {
    const editorBox = h("div.editor-box");
    const diffBox = h("div.diff-box", { hidden: true });
    const previewBox = h("aside.preview", { "aria-label": "preview" });
    document.body.append(
      h("header.topbar", {},
        h("div.brand", {}, h("span.logo", {}, "mb"), h("span", {}, "marginbook"), h("span.brand-sub", {}, "studio")),
        this.title,
        h("div.actions", {}, this.statusText, this.formatButton, this.diffButton, this.saveButton)),
      h("main.workspace", {},
        h("aside.sidebar", {}, h("div.sidebar-title", {}, "Rulebooks"), this.fileList),
        h("section.center", {}, this.banner, this.notice, editorBox, diffBox,
          h("section.problems", {}, h("div.problems-header", {}, h("span", {}, "Problems"), this.problemCount), this.problems)),
        previewBox),
    );
    const ready = await new Promise<Extract<FromWorker, { type: "ready" }>>((resolve) => this.client.on("ready", resolve));
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
    });
    this.client.on("diagnostics", (m) => this.receiveDiagnostics(m));
    this.client.on("preview", (m) => this.receivePreview(m));
    this.client.on("verification", (m) => this.receiveVerification(m));
    this.saveButton.addEventListener("click", () => void this.save());
    this.diffButton.addEventListener("click", () => this.toggleDiff());
    this.formatButton.addEventListener("click", () => void this.editor.format());
    document.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        event.preventDefault();
        void this.save();
      }
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.files.some((f) => this.dirty(f.path))) event.preventDefault();
    });
    await this.loadWorkspace();
    this.exposeForTests();
  }

  private async loadWorkspace(): Promise<void> {
    const workspace = await loadWorkspace();
    this.folder = workspace.folder;
    this.files = workspace.files;
    for (const f of workspace.files) this.saved.set(f.path, { text: f.text, version: f.version });
    this.client.setFiles(Object.fromEntries(workspace.files.map((f) => [f.path, f.text])));
    const wanted = decodeURIComponent(location.hash.replace(/^#/, ""));
    const first = this.files.find((f) => f.path === wanted) ?? this.files.find((f) => f.kind === "rulebook");
    this.renderFiles();
    if (first) this.open(first.path);
    else this.title.replaceChildren(h("span.muted", {}, `${this.folder}/ has no .margin files`));
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
    history.replaceState(null, "", `#${encodeURIComponent(path)}`);
    this.banner.hidden = true;
    this.renderFiles();
    this.renderTitle();
    if (this.rulebookOf(path) !== previousSubject) {
      this.panel.reset();
      this.lastPreview = undefined;
      this.lastReport = undefined;
      this.cancelVerification();
      this.diagnostics = [];
      this.renderProblems();
    }
    this.sendUpdate();
    if (at) this.editor.reveal(at.line, at.column);
  }

  private renderFiles(): void {
    const active = this.editor?.path;
    const items = this.files.filter((f) => f.kind === "rulebook").map((f) => {
      const item = (path: string, label: string, kind: string): HTMLElement => {
        const node = h(`button.file-item.${kind}${path === active ? ".active" : ""}`, { type: "button", title: path, "data-path": path },
          h("span.file-icon", { "aria-hidden": "true" }, kind === "tests" ? "✓" : "§"), h("span.file-name", {}, label), this.dirty(path) ? h("span.dirty", { title: "unsaved changes" }, "●") : undefined);
        node.addEventListener("click", () => this.open(path));
        return node;
      };
      return h("div.file-group", {}, item(f.path, f.path.replace(/\.margin$/, ""), "rulebook"), f.tests ? item(f.tests, "test cases", "tests") : undefined);
    });
    this.fileList.replaceChildren(...items);
  }

  private renderTitle(): void {
    const path = this.editor.path ?? "";
    this.title.replaceChildren(h("span.folder", {}, `${this.folder}/`), h("span.path", {}, path), this.dirty(path) ? h("span.modified", {}, "modified") : "");
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
      this.panel.showVerification({ state: "checking", ...(this.lastReport ? { report: this.lastReport } : {}) });
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
    this.editor.setDiagnostics(m.path, m.diagnostics);
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
      this.panel.showVerification({ state: "unavailable", problem: `the rulebook has ${errors} error${errors === 1 ? "" : "s"}` });
      return;
    }
    const asked = this.verifyingVersion;
    if (asked && asked.path === path && asked.version === version) return;
    this.cancelVerification();
    this.panel.showVerification({ state: "checking", ...(this.lastReport ? { report: this.lastReport } : {}) });
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
    if (!asked || asked.path !== m.path || asked.version !== m.version || (this.editor.versionOf(m.path) ?? 0) !== m.version) return;
    this.verificationCount++;
    if (m.report) {
      this.lastReport = m.report;
      this.panel.showVerification({ state: "done", report: m.report, ms: m.verifyMs });
    } else {
      this.panel.showVerification({ state: "unavailable", problem: m.problem ?? "the rulebook cannot be verified" });
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
    const kept = (this.lastPreview?.samples ?? []).filter((s) => s.name !== name).slice(0, MAX_SAMPLES - 1).map((s) => ({ name: s.name, input: s.input }));
    const samples = [...kept, { name, input }];
    const text = stringifyYaml(samples);
    this.panel.loadSamples(text, samples.length - 1);
    this.updateSettings({ samples: text, sample: samples.length - 1 });
  }

  private receivePreview(m: Extract<FromWorker, { type: "preview" }>): void {
    if (!this.current(m.seq, m.path, m.version)) return;
    this.previewCount++;
    if (m.result.ok) this.lastPreview = m.result;
    this.panel.show(m.result, m.previewMs);
    const now = performance.now();
    this.latency.preview = now - this.sentAt;
    this.latency.previewSinceEdit = now - this.changedAt;
  }

  private renderProblems(): void {
    const errors = this.diagnostics.filter((d) => d.severity === "error").length;
    const warnings = this.diagnostics.filter((d) => d.severity === "warning").length;
    this.problemCount.textContent = errors + warnings === 0 ? "no problems" : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
    this.problemCount.className = `problem-count${errors > 0 ? " has-errors" : warnings > 0 ? " has-warnings" : ""}`;
    if (this.diagnostics.length === 0) {
      this.problems.replaceChildren(h("div.no-problems", {}, "✓ No problems in this rulebook."));
      return;
    }
    this.problems.replaceChildren(...this.diagnostics.map((d) => {
      const row = h(`button.problem.${d.severity}`, { type: "button", role: "listitem", "data-code": d.code },
        h("span.severity-icon", { "aria-label": d.severity }, d.severity === "error" ? "●" : d.severity === "warning" ? "▲" : "i"),
        h("span.problem-code", {}, d.code),
        h("span.problem-message", {}, d.message, d.help ? h("span.problem-help", {}, ` — ${d.help}`) : undefined),
        h("span.problem-location", {}, `${d.file === this.editor.path || d.file === this.rulebookOf(this.editor.path ?? "") ? "" : d.file + " "}${d.startLine}:${d.startColumn}`));
      row.addEventListener("click", () => {
        const subject = this.rulebookOf(this.editor.path ?? "");
        if (subject && this.editor.path !== subject) this.open(subject);
        this.editor.reveal(d.startLine, d.startColumn);
      });
      return row;
    }));
  }

  // ---- saving, conflicts, diff ----

  private async save(force?: { version: string | null }): Promise<void> {
    const path = this.editor.path;
    if (!path) return;
    const text = this.editor.textOf(path) ?? "";
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
      this.client.setFiles(Object.fromEntries([...this.saved].map(([p, s]) => [p, this.editor.textOf(p) ?? s.text])));
      this.editor.setDiffOriginal(text);
      this.banner.hidden = true;
      this.statusText.textContent = `saved ${new Date().toLocaleTimeString()}`;
      this.renderFiles();
      this.renderTitle();
      return;
    }
    this.statusText.textContent = "";
    if (!outcome.conflict) return this.showNotice(`Not saved: ${outcome.message}`);
    this.showConflict(path, outcome.diskText, outcome.diskVersion);
  }

  private showConflict(path: string, diskText: string | null, diskVersion: string | null): void {
    const compare = h("button.secondary", { type: "button" }, "Compare with disk");
    const overwrite = h("button.danger", { type: "button" }, "Overwrite with mine");
    const reload = h("button.secondary", { type: "button" }, "Load the disk version");
    compare.addEventListener("click", () => this.editor.showDiff(diskText ?? ""));
    overwrite.addEventListener("click", () => void this.save({ version: diskVersion }));
    reload.addEventListener("click", () => {
      this.saved.set(path, { text: diskText ?? "", version: diskVersion });
      this.editor.replaceText(path, diskText ?? "");
      this.banner.hidden = true;
      this.renderFiles();
      this.renderTitle();
    });
    this.banner.replaceChildren(
      h("div.banner-text", {}, h("b", {}, "Not saved: the file changed on disk since you opened it."), h("span", {}, " Your edits are kept here; nothing was overwritten.")),
      h("div.banner-actions", {}, compare, reload, overwrite),
    );
    this.banner.hidden = false;
  }

  private toggleDiff(): void {
    const path = this.editor.path;
    if (!path) return;
    if (this.editor.diffVisible) this.editor.hideDiff();
    else this.editor.showDiff(this.saved.get(path)?.text ?? "");
    this.renderTitle();
  }

  private showNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
    setTimeout(() => (this.notice.hidden = true), 5000);
  }

  /** A small window into the studio for the browser tests. */
  private exposeForTests(): void {
    (window as unknown as { __studio: unknown }).__studio = {
      markers: (): MarkerView[] => this.editor.markers(),
      path: () => this.editor.path,
      text: () => this.editor.document()?.text,
      version: () => this.editor.document()?.version,
      preview: () => this.lastPreview,
      counts: () => ({ diagnostics: this.diagnosticsCount, previews: this.previewCount, checkMs: this.lastCheckMs, verifications: this.verificationCount }),
      verification: () => this.lastReport,
      /** Milliseconds from sending an update (after the debounce) to its answers, and from the edit itself. */
      latency: () => ({ ...this.latency }),
      open: (path: string) => this.open(path),
      cursor: (line: number, column: number) => this.editor.reveal(line, column),
      position: () => this.editor.cursorPosition(),
      point: (line: number, column: number) => this.editor.clientPoint(line, column),
    };
  }
}

void new Studio().start();
