/**
 * The messages between the page and the language worker. The worker runs the same language
 * service as the CLI (`src/service/`); positions cross this boundary as 1-based lines and columns
 * (Monaco's, UTF-16 code units), and every answer names the document version it was computed for,
 * so the page can drop the answers that arrive after the text changed again.
 */
import type { CompletionKind } from "../../src/service/completion.js";
import type { MonarchLanguage, languageConfiguration } from "../../src/service/highlighting.js";
import type { PreviewResult, SweepRequest } from "../../src/service/preview.js";
import type { ChangeView } from "../../src/service/baseline.js";
import type { VerificationReport } from "../../src/verify/index.js";

export type { PreviewResult, SweepRequest, SweepResult } from "../../src/service/preview.js";
export type { ChangeView } from "../../src/service/baseline.js";
export type { PropertyResult, VerificationReport } from "../../src/verify/index.js";

/** A range in a document: 1-based, end column exclusive (Monaco's convention). */
export interface WireRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface WireDiagnostic extends WireRange {
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  help?: string;
  file: string;
  related: { message: string; file: string; line: number; column: number }[];
  /** A quick fix: edits of this file. */
  fix?: { title: string; edits: (WireRange & { newText: string })[] };
}

/** What the preview is asked for besides the rulebook. */
export interface PreviewRequest {
  /** The rulebook's `.test.yaml` text (its cases run; their inputs are the default samples). */
  tests?: string;
  /** YAML typed in the samples panel; when not blank it replaces the test inputs as samples. */
  samples?: string;
  /** The sample the chart sweeps around. */
  sample?: number;
  sweep?: SweepRequest;
  /** The version to compare with (git HEAD, the last saved text, a revision). */
  baseline?: { text: string; label: string };
}

export type ToWorker =
  /** The folder's files, for `extends` (path relative to the folder -> text). */
  | { type: "files"; files: Record<string, string> }
  /** The text of one document to check, then preview; `seq` orders updates. */
  | { type: "update"; seq: number; path: string; version: number; text: string; preview: PreviewRequest }
  /** Verify the document's properties (the slow check: sent only once the text has rested). */
  | { type: "verify"; path: string; version: number; text: string; budgetMs: number }
  | {
      type: "request";
      id: number;
      path: string;
      version: number;
      text: string;
      kind: RequestKind;
      offset: number;
      newName?: string;
    };

export type RequestKind =
  "complete" | "hover" | "definition" | "format" | "symbols" | "references" | "rename";

/** A declaration for the outline and Go to Symbol. */
export interface WireSymbol {
  name: string;
  kind: string;
  range: WireRange;
  selection: WireRange;
}

/** The places a name is used (its declaration included). */
export interface ReferencesAnswer {
  ranges: WireRange[];
}

/** A rename: the edits, or why it is refused (it would break the rulebook). */
export interface RenameAnswer {
  edits?: (WireRange & { newText: string })[];
  refused?: string;
}

export interface WireCompletion {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  insertText?: string;
  snippet?: boolean;
  sortText: string;
}

export interface CompletionAnswer {
  items: WireCompletion[];
  range: WireRange;
}

export interface HoverAnswer {
  contents: string[];
  range: WireRange;
}

export interface DefinitionAnswer {
  file: string;
  range: WireRange;
}

/** The formatted text, or why there is none. */
export interface FormatAnswer {
  text?: string;
  error?: string;
}

export type FromWorker =
  | { type: "ready"; monarch: MonarchLanguage; configuration: typeof languageConfiguration }
  | {
      type: "diagnostics";
      seq: number;
      path: string;
      version: number;
      diagnostics: WireDiagnostic[];
      checkMs: number;
      chunks: number;
      reparsed: number;
    }
  | { type: "preview"; seq: number; path: string; version: number; result: PreviewResult; previewMs: number }
  /** The change from the baseline (semantic diff and impact), sent after the preview. */
  | { type: "change"; seq: number; path: string; version: number; change?: ChangeView }
  /** The verification of one version: its report, or why there is none (errors, cannot compile). */
  | {
      type: "verification";
      path: string;
      version: number;
      report?: VerificationReport;
      problem?: string;
      verifyMs: number;
    }
  | { type: "response"; id: number; version: number; result?: unknown; error?: string };
