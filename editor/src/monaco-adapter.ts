/**
 * The one file that knows Monaco. It sets up the slim Monaco entry and its worker, registers the
 * marginbook language (the Monarch tokenizer comes from the worker, generated from the grammar's
 * token table), connects completion, hover, go to definition and formatting to the language
 * worker, shows diagnostics as markers, and offers the diff view against the saved text.
 *
 * The rest of the studio talks to {@link StudioEditor} in plain terms: paths, texts, lines.
 */
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/register.all";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import type { LanguageClient, DocumentState } from "./worker-client.js";
import type { FromWorker, WireCompletion, WireDiagnostic, WireRange } from "./protocol.js";

// Before any editor exists: Monaco's own worker (its fallback fails at run time in this setup).
self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

const LANGUAGE = "marginbook";
const LIGHT = "marginbook-light";
const DARK = "marginbook-dark";
const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
/** The theme that follows the system setting. */
const theme = (): string => (darkQuery.matches ? DARK : LIGHT);
/** Monospace first; Noto Sans Symbols (bundled) draws what they lack, such as the Ⓢ of `USDⓈ`. */
export const MONO_FONTS =
  "'DejaVu Sans Mono', 'JetBrains Mono', Menlo, Consolas, 'Noto Sans Symbols', monospace";

export interface EditorCallbacks {
  /** The text of the active document changed (typing, undo, format). */
  onChange(path: string): void;
  /** Ctrl+S / Cmd+S inside an editor. */
  onSave(): void;
  /** A definition in another file of the folder. */
  onOpenLocation(path: string, line: number, column: number): void;
  /** Something worth a short notice (formatting refused). */
  onNotice(text: string): void;
  /** The text of a file that is not open (for a definition in a base rulebook). */
  fileText(path: string): string | undefined;
}

/** A marker as tests and the problems list read it. */
export interface MarkerView {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  line: number;
  column: number;
}

function toRange(r: WireRange): monaco.IRange {
  return {
    startLineNumber: r.startLine,
    startColumn: r.startColumn,
    endLineNumber: r.endLine,
    endColumn: r.endColumn,
  };
}

function uriOf(path: string): monaco.Uri {
  return monaco.Uri.from({ scheme: "file", path: "/" + path });
}

function pathOf(uri: monaco.Uri): string {
  return uri.path.replace(/^\//, "");
}

const COMPLETION_KINDS: Record<WireCompletion["kind"], monaco.languages.CompletionItemKind> = {
  keyword: monaco.languages.CompletionItemKind.Keyword,
  input: monaco.languages.CompletionItemKind.Variable,
  param: monaco.languages.CompletionItemKind.Constant,
  let: monaco.languages.CompletionItemKind.Variable,
  output: monaco.languages.CompletionItemKind.Value,
  quantity: monaco.languages.CompletionItemKind.Variable,
  tiers: monaco.languages.CompletionItemKind.Struct,
  scenarios: monaco.languages.CompletionItemKind.Module,
  variable: monaco.languages.CompletionItemKind.Variable,
  field: monaco.languages.CompletionItemKind.Field,
  column: monaco.languages.CompletionItemKind.Property,
  method: monaco.languages.CompletionItemKind.Method,
  "enum-member": monaco.languages.CompletionItemKind.EnumMember,
  function: monaco.languages.CompletionItemKind.Function,
  type: monaco.languages.CompletionItemKind.Class,
  snippet: monaco.languages.CompletionItemKind.Snippet,
};

const SEVERITIES: Record<WireDiagnostic["severity"], monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  info: monaco.MarkerSeverity.Info,
};

/** Registers the language, its tokenizer (from the worker's `ready` message) and the theme. */
export function registerLanguage(ready: Extract<FromWorker, { type: "ready" }>): void {
  monaco.languages.register({ id: LANGUAGE, extensions: [".margin"], aliases: ["marginbook"] });
  monaco.languages.setMonarchTokensProvider(
    LANGUAGE,
    ready.monarch as unknown as monaco.languages.IMonarchLanguage,
  );
  monaco.languages.setLanguageConfiguration(
    LANGUAGE,
    ready.configuration as unknown as monaco.languages.LanguageConfiguration,
  );
  monaco.editor.defineTheme(DARK, {
    base: "vs-dark",
    inherit: true,
    rules: [
      { token: "keyword", foreground: "c4b5fd", fontStyle: "bold" },
      { token: "type", foreground: "5eead4" },
      { token: "identifier", foreground: "e5e7eb" },
      { token: "number", foreground: "fcd34d" },
      { token: "number.timestamp", foreground: "fdba74" },
      { token: "string", foreground: "86efac" },
      { token: "string.invalid", foreground: "fca5a5" },
      { token: "comment", foreground: "9ca3af", fontStyle: "italic" },
      { token: "comment.doc", foreground: "93c5fd", fontStyle: "italic" },
      { token: "operator", foreground: "cbd5e1" },
      { token: "delimiter", foreground: "94a3b8" },
    ],
    colors: {
      "editor.background": "#111827",
      "editorGutter.background": "#111827",
      "editor.lineHighlightBackground": "#1f2937",
    },
  });
  monaco.editor.defineTheme(LIGHT, {
    base: "vs",
    inherit: true,
    rules: [
      { token: "keyword", foreground: "7c3aed", fontStyle: "bold" },
      { token: "type", foreground: "0f766e" },
      { token: "identifier", foreground: "1f2937" },
      { token: "number", foreground: "b45309" },
      { token: "number.timestamp", foreground: "9a3412" },
      { token: "string", foreground: "15803d" },
      { token: "string.invalid", foreground: "b91c1c" },
      { token: "comment", foreground: "6b7280", fontStyle: "italic" },
      { token: "comment.doc", foreground: "2563eb", fontStyle: "italic" },
      { token: "operator", foreground: "475569" },
      { token: "delimiter", foreground: "64748b" },
    ],
    colors: {
      "editor.background": "#ffffff",
      "editorLineNumber.foreground": "#9ca3af",
      "editorLineNumber.activeForeground": "#374151",
      "editor.lineHighlightBackground": "#f8fafc",
      "editorGutter.background": "#ffffff",
    },
  });
}

/** The studio's editor: one Monaco editor over one model per open file, and a diff view. */
export class StudioEditor {
  private readonly editor: monaco.editor.IStandaloneCodeEditor;
  private diff?: {
    editor: monaco.editor.IStandaloneDiffEditor;
    original: monaco.editor.ITextModel;
    modified?: monaco.editor.ITextModel;
  };
  private activePath?: string;
  /** The diagnostics shown on each file, for their quick fixes. */
  private readonly diagnostics = new Map<string, readonly WireDiagnostic[]>();

  constructor(
    private readonly container: HTMLElement,
    private readonly diffContainer: HTMLElement,
    private readonly language: LanguageClient,
    private readonly callbacks: EditorCallbacks,
  ) {
    this.editor = monaco.editor.create(container, {
      theme: theme(),
      automaticLayout: true,
      fontFamily: MONO_FONTS,
      fontSize: 13,
      lineHeight: 20,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderWhitespace: "none",
      wordBasedSuggestions: "off",
      tabSize: 2,
      insertSpaces: true,
      fixedOverflowWidgets: true,
      padding: { top: 8 },
      stickyScroll: { enabled: false },
      "semanticHighlighting.enabled": false,
    });
    this.editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => this.callbacks.onSave());
    darkQuery.addEventListener("change", () => monaco.editor.setTheme(theme()));
    this.registerProviders();
    monaco.editor.registerEditorOpener({
      openCodeEditor: (_source, resource, selection) => {
        const position =
          selection && "startLineNumber" in selection
            ? { lineNumber: selection.startLineNumber, column: selection.startColumn }
            : (selection as monaco.IPosition | undefined);
        this.callbacks.onOpenLocation(pathOf(resource), position?.lineNumber ?? 1, position?.column ?? 1);
        return true;
      },
    });
  }

  /** The active document as the language worker needs it. */
  document(): DocumentState | undefined {
    const model = this.editor.getModel();
    return model && this.activePath
      ? { path: this.activePath, version: model.getVersionId(), text: model.getValue() }
      : undefined;
  }

  get path(): string | undefined {
    return this.activePath;
  }

  /** Opens `path` (creating its model from `text` the first time); later calls keep unsaved edits. */
  open(path: string, text: string): void {
    const model = this.ensureModel(path, text);
    this.hideDiff();
    this.activePath = path;
    this.editor.setModel(model);
  }

  private ensureModel(path: string, text: string): monaco.editor.ITextModel {
    const uri = uriOf(path);
    let model = monaco.editor.getModel(uri);
    if (!model) {
      model = monaco.editor.createModel(text, path.endsWith(".margin") ? LANGUAGE : "plaintext", uri);
      model.onDidChangeContent(() => this.callbacks.onChange(path));
    }
    return model;
  }

  /** The current text of an open file (with unsaved edits), or undefined when it was never opened. */
  textOf(path: string): string | undefined {
    return monaco.editor.getModel(uriOf(path))?.getValue();
  }

  /** Replaces a file's text (reload from disk, a merge) as one undoable edit; opens the file's model if needed. */
  replaceText(path: string, text: string, current?: string): void {
    const model =
      monaco.editor.getModel(uriOf(path)) ??
      (current !== undefined ? this.ensureModel(path, current) : undefined);
    if (!model) return;
    model.pushStackElement();
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    model.pushStackElement();
  }

  /** Undoes the last edit of a file (the undo of a destructive action). */
  undo(path: string): void {
    const model = monaco.editor.getModel(uriOf(path));
    if (model) void model.undo();
  }

  /** Runs one of Monaco's own editor actions (Go to Symbol, Find References, Rename, Quick Fix). */
  async runAction(id: string): Promise<void> {
    this.editor.focus();
    await this.editor.getAction(id)?.run();
  }

  /** The version id of a file's model (changes on every edit). */
  versionOf(path: string): number | undefined {
    return monaco.editor.getModel(uriOf(path))?.getVersionId();
  }

  /**
   * Shows `diagnostics` on a file's model (created from `text` when the file was never opened, so a
   * test file's problems are there when it is opened).
   */
  setDiagnostics(path: string, diagnostics: readonly WireDiagnostic[], text?: string): void {
    const model =
      monaco.editor.getModel(uriOf(path)) ?? (text !== undefined ? this.ensureModel(path, text) : undefined);
    if (!model) return;
    this.diagnostics.set(path, diagnostics);
    const markers = diagnostics.map((d): monaco.editor.IMarkerData => ({
      severity: SEVERITIES[d.severity],
      code: d.code,
      source: "marginbook",
      message: d.help ? `${d.message}\nhelp: ${d.help}` : d.message,
      ...toRange(d),
      relatedInformation: d.related
        .filter((r) => r.file === path)
        .map((r) => ({
          resource: model.uri,
          message: r.message,
          startLineNumber: r.line,
          startColumn: r.column,
          endLineNumber: r.line,
          endColumn: r.column + 1,
        })),
    }));
    monaco.editor.setModelMarkers(model, "marginbook", markers);
  }

  /** The markers of the active document (for tests and the problems list). */
  markers(): MarkerView[] {
    return this.activePath ? this.markersOf(this.activePath) : [];
  }

  /** The markers of any file's model. */
  markersOf(path: string): MarkerView[] {
    const model = monaco.editor.getModel(uriOf(path));
    if (!model) return [];
    return monaco.editor.getModelMarkers({ resource: model.uri, owner: "marginbook" }).map((m) => ({
      code: typeof m.code === "string" ? m.code : (m.code?.value ?? ""),
      severity:
        m.severity === monaco.MarkerSeverity.Error
          ? "error"
          : m.severity === monaco.MarkerSeverity.Warning
            ? "warning"
            : "info",
      message: m.message,
      line: m.startLineNumber,
      column: m.startColumn,
    }));
  }

  reveal(line: number, column: number): void {
    const target = this.diff ? this.diff.editor.getModifiedEditor() : this.editor;
    target.revealPositionInCenterIfOutsideViewport({ lineNumber: line, column });
    target.setPosition({ lineNumber: line, column });
    target.focus();
  }

  focus(): void {
    this.editor.focus();
  }

  /** The cursor's line and column in the active editor. */
  cursorPosition(): { line: number; column: number } | undefined {
    const position = (this.diff ? this.diff.editor.getModifiedEditor() : this.editor).getPosition();
    return position ? { line: position.lineNumber, column: position.column } : undefined;
  }

  /** Where a text position is on the page (for tests that point the mouse at a word). */
  clientPoint(line: number, column: number): { x: number; y: number } | undefined {
    this.editor.revealPositionInCenterIfOutsideViewport({ lineNumber: line, column });
    const visible = this.editor.getScrolledVisiblePosition({ lineNumber: line, column });
    const box = this.editor.getDomNode()?.getBoundingClientRect();
    if (!visible || !box) return undefined;
    return { x: box.left + visible.left, y: box.top + visible.top + visible.height / 2 };
  }

  /** Formats the active document with the canonical formatter (the worker's `formatSource`). */
  async format(): Promise<void> {
    await this.editor.getAction("editor.action.formatDocument")?.run();
  }

  /**
   * Shows `left` (read-only) against the active document, or against `right` when given (read-only
   * too: a comparison of two other versions), in Monaco's diff editor, each side labelled.
   */
  showDiff(left: string, labels: { left: string; right: string }, right?: string): void {
    const model = this.editor.getModel();
    if (!model) return;
    this.hideDiff();
    const original = monaco.editor.createModel(left, model.getLanguageId());
    const modified =
      right !== undefined ? monaco.editor.createModel(right, model.getLanguageId()) : undefined;
    const host = document.createElement("div");
    host.className = "diff-host";
    const label = (text: string, side: string): HTMLElement =>
      Object.assign(document.createElement("div"), {
        className: `diff-label diff-label-${side}`,
        textContent: text,
      });
    const header = document.createElement("div");
    header.className = "diff-labels";
    header.append(label(labels.left, "left"), label(labels.right, "right"));
    this.diffContainer.replaceChildren(header, host);
    const editor = monaco.editor.createDiffEditor(host, {
      theme: theme(),
      automaticLayout: true,
      renderSideBySide: true,
      useInlineViewWhenSpaceIsLimited: false,
      originalEditable: false,
      readOnly: modified !== undefined,
      fontFamily: MONO_FONTS,
      hideUnchangedRegions: { enabled: true, contextLineCount: 3 },
      minimap: { enabled: false },
      fontSize: 13,
      lineHeight: 20,
      scrollBeyondLastLine: false,
      renderOverviewRuler: false,
    });
    editor.setModel({ original, modified: modified ?? model });
    editor
      .getModifiedEditor()
      .addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => this.callbacks.onSave());
    this.diff = { editor, original, ...(modified ? { modified } : {}) };
    this.container.hidden = true;
    this.diffContainer.hidden = false;
  }

  /** Updates the left side of the diff (after a save). */
  setDiffOriginal(saved: string): void {
    this.diff?.original.setValue(saved);
  }

  get diffVisible(): boolean {
    return this.diff !== undefined;
  }

  hideDiff(): void {
    if (!this.diff) return;
    this.diff.editor.dispose();
    this.diff.original.dispose();
    this.diff.modified?.dispose();
    this.diffContainer.replaceChildren();
    this.diff = undefined;
    this.diffContainer.hidden = true;
    this.container.hidden = false;
    this.editor.layout();
  }

  private registerProviders(): void {
    const documentOf = (model: monaco.editor.ITextModel): DocumentState => ({
      path: pathOf(model.uri),
      version: model.getVersionId(),
      text: model.getValue(),
    });
    monaco.languages.registerCompletionItemProvider(LANGUAGE, {
      triggerCharacters: [".", ":", ","],
      provideCompletionItems: async (model, position) => {
        const answer = await this.language.complete(documentOf(model), model.getOffsetAt(position));
        if (!answer) return { suggestions: [] };
        const range = toRange(answer.range);
        return {
          suggestions: answer.items.map((item) => ({
            label: item.label,
            kind: COMPLETION_KINDS[item.kind],
            ...(item.detail ? { detail: item.detail } : {}),
            ...(item.documentation ? { documentation: { value: item.documentation } } : {}),
            insertText: item.insertText ?? item.label,
            ...(item.snippet
              ? { insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet }
              : {}),
            sortText: item.sortText,
            range,
          })),
        };
      },
    });
    monaco.languages.registerHoverProvider(LANGUAGE, {
      provideHover: async (model, position) => {
        const answer = await this.language.hover(documentOf(model), model.getOffsetAt(position));
        return answer
          ? { contents: answer.contents.map((value) => ({ value })), range: toRange(answer.range) }
          : null;
      },
    });
    monaco.languages.registerDefinitionProvider(LANGUAGE, {
      provideDefinition: async (model, position) => {
        const answer = await this.language.definition(documentOf(model), model.getOffsetAt(position));
        if (!answer) return null;
        const uri = uriOf(answer.file);
        if (!monaco.editor.getModel(uri)) {
          const text = this.callbacks.fileText(answer.file);
          if (text === undefined) return null;
          this.ensureModel(answer.file, text);
        }
        return { uri, range: toRange(answer.range) };
      },
    });
    monaco.languages.registerCodeActionProvider(LANGUAGE, {
      provideCodeActions: (model, _range, context) => {
        const path = pathOf(model.uri);
        const actions = context.markers.flatMap((marker) => {
          const code = typeof marker.code === "string" ? marker.code : marker.code?.value;
          const d = (this.diagnostics.get(path) ?? []).find(
            (x) =>
              x.code === code &&
              x.startLine === marker.startLineNumber &&
              x.startColumn === marker.startColumn,
          );
          if (!d?.fix) return [];
          return [
            {
              title: d.fix.title,
              kind: "quickfix",
              diagnostics: [marker],
              isPreferred: true,
              edit: {
                edits: d.fix.edits.map((e) => ({
                  resource: model.uri,
                  versionId: model.getVersionId(),
                  textEdit: { range: toRange(e), text: e.newText },
                })),
              },
            },
          ];
        });
        return { actions, dispose: () => undefined };
      },
    });
    const SYMBOL_KINDS: Record<string, monaco.languages.SymbolKind> = {
      input: monaco.languages.SymbolKind.Variable,
      param: monaco.languages.SymbolKind.Constant,
      tiers: monaco.languages.SymbolKind.Struct,
      let: monaco.languages.SymbolKind.Variable,
      rule: monaco.languages.SymbolKind.Function,
      output: monaco.languages.SymbolKind.Field,
      record: monaco.languages.SymbolKind.Class,
      enum: monaco.languages.SymbolKind.Enum,
      scenarios: monaco.languages.SymbolKind.Array,
    };
    monaco.languages.registerDocumentSymbolProvider(LANGUAGE, {
      displayName: "marginbook",
      provideDocumentSymbols: async (model) => {
        const symbols = (await this.language.symbols(documentOf(model))) ?? [];
        return symbols.map((s) => ({
          name: s.name,
          detail: s.kind,
          kind: SYMBOL_KINDS[s.kind] ?? monaco.languages.SymbolKind.Variable,
          tags: [],
          range: toRange(s.range),
          selectionRange: toRange(s.selection),
        }));
      },
    });
    monaco.languages.registerReferenceProvider(LANGUAGE, {
      provideReferences: async (model, position) => {
        const answer = await this.language.references(documentOf(model), model.getOffsetAt(position));
        return (answer?.ranges ?? []).map((r) => ({ uri: model.uri, range: toRange(r) }));
      },
    });
    monaco.languages.registerRenameProvider(LANGUAGE, {
      provideRenameEdits: async (model, position, newName) => {
        const answer = await this.language.rename(documentOf(model), model.getOffsetAt(position), newName);
        if (!answer || answer.refused !== undefined)
          return { edits: [], rejectReason: answer?.refused ?? "cannot rename here" };
        return {
          edits: (answer.edits ?? []).map((e) => ({
            resource: model.uri,
            versionId: model.getVersionId(),
            textEdit: { range: toRange(e), text: e.newText },
          })),
        };
      },
    });
    monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE, {
      provideDocumentFormattingEdits: async (model) => {
        const answer = await this.language.format(documentOf(model));
        if (!answer || answer.error !== undefined || answer.text === undefined) {
          this.callbacks.onNotice(answer?.error ?? "not formatted");
          return [];
        }
        return answer.text === model.getValue()
          ? []
          : [{ range: model.getFullModelRange(), text: answer.text }];
      },
    });
  }
}
