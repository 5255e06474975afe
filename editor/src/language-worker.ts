/**
 * The language worker: the marginbook language service (the same modules the CLI runs) behind
 * `postMessage`. It checks each new version of the open document incrementally, answers with
 * diagnostics at once, then computes the live preview; it answers completion, hover, definition
 * and formatting requests on the exact text version they were asked for.
 *
 * Verification (`verify`) is a separate, slower request: the page sends it only once the text has
 * rested without errors, and drops the answer if the text changed meanwhile.
 *
 * Between an update and its preview the worker yields to its message queue, so a newer update
 * that is already waiting replaces the preview of the older one instead of queueing behind it.
 */
import { languageConfiguration, monarchLanguage } from "../../src/service/highlighting.js";
import { createLanguageService, memoryHost, type CheckResult } from "../../src/service/language-service.js";
import { LineMap } from "../../src/diagnostics/line-map.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { Span } from "../../src/diagnostics/span.js";
import type {
  FromWorker,
  PreviewRequest,
  RequestKind,
  ToWorker,
  VerificationReport,
  WireDiagnostic,
  WireRange,
} from "./protocol.js";

interface Scope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as Scope;

/** The folder's files (path -> text), as the page sent them; open documents live in the service. */
const files = new Map<string, string>();
const service = createLanguageService(memoryHost(files));

/** The last checked version of each document. */
interface Checked {
  path: string;
  version: number;
  text: string;
  result: CheckResult;
  lines: LineMap;
}
let last: Checked | undefined;
let pendingPreview: ReturnType<typeof setTimeout> | undefined;
let pendingChange: ReturnType<typeof setTimeout> | undefined;
/** How long the text must rest before the change from the baseline is computed. */
const CHANGE_AFTER_MS = 250;

function check(path: string, version: number, text: string): Checked {
  if (last && last.path === path && last.version === version && last.text === text) return last;
  service.open(path, text);
  last = { path, version, text, result: service.check(path), lines: new LineMap(text) };
  return last;
}

function range(lines: LineMap, span: Span): WireRange {
  const start = lines.position(span.start);
  let end = lines.position(Math.max(span.end, span.start));
  // An empty span still gets a visible squiggle: one character, or the end of the line.
  if (end.offset === start.offset) end = lines.position(start.offset + 1);
  if (end.offset === start.offset)
    return {
      startLine: start.line,
      startColumn: Math.max(1, start.column - 1),
      endLine: start.line,
      endColumn: start.column,
    };
  return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
}

/** A range exactly as the span says, even when empty (a completion's insertion point). */
function exactRange(lines: LineMap, span: Span): WireRange {
  const start = lines.position(span.start);
  const end = lines.position(span.end);
  return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
}

function wireDiagnostic(d: Diagnostic, checked: Checked): WireDiagnostic {
  const own = d.file === checked.path;
  const lines = own ? checked.lines : new LineMap(service.text(d.file) ?? "");
  const at = own ? range(lines, d.span) : { startLine: 1, startColumn: 1, endLine: 1, endColumn: 2 };
  return {
    ...at,
    code: d.code,
    severity: d.severity,
    message: own ? d.message : `${d.file}: ${d.message}`,
    ...(d.help ? { help: d.help } : {}),
    file: d.file,
    related: d.related.map((r) => {
      const file = r.file ?? d.file;
      const p = (file === checked.path ? checked.lines : new LineMap(service.text(file) ?? "")).position(
        r.span.start,
      );
      return { message: r.message, file, line: p.line, column: p.column };
    }),
    ...(own && d.fix
      ? {
          fix: {
            title: d.fix.title,
            edits: d.fix.edits.map((e) => ({ ...exactRange(lines, e.span), newText: e.newText })),
          },
        }
      : {}),
  };
}

function update(message: Extract<ToWorker, { type: "update" }>): void {
  const started = performance.now();
  const checked = check(message.path, message.version, message.text);
  const checkMs = performance.now() - started;
  scope.postMessage({
    type: "diagnostics",
    seq: message.seq,
    path: message.path,
    version: message.version,
    checkMs,
    chunks: service.stats(message.path).chunks,
    reparsed: service.stats(message.path).parsed,
    diagnostics: checked.result.diagnostics.map((d) => wireDiagnostic(d, checked)),
  });
  if (pendingPreview !== undefined) clearTimeout(pendingPreview);
  if (pendingChange !== undefined) clearTimeout(pendingChange);
  pendingPreview = setTimeout(() => {
    pendingPreview = undefined;
    preview(checked, message.seq, message.preview);
  }, 0);
}

function preview(checked: Checked, seq: number, request: PreviewRequest): void {
  const started = performance.now();
  const result = service.preview(checked.path, request);
  scope.postMessage({
    type: "preview",
    seq,
    path: checked.path,
    version: checked.version,
    result,
    previewMs: performance.now() - started,
  });
  const baseline = request.baseline;
  if (!baseline || !result.ok) return;
  // The change (semantic diff and impact) is slower than the preview: it is computed once the text
  // has rested a moment, and a newer update replaces it.
  pendingChange = setTimeout(() => {
    pendingChange = undefined;
    let change;
    try {
      change = service.change(checked.path, baseline);
    } catch (error) {
      change = {
        label: baseline.label,
        problem: `cannot compare: ${error instanceof Error ? error.message : String(error)}`,
        changes: [],
        layout: "semantic" as const,
        behaviourChanged: false,
        inputs: 0,
        failed: 0,
        outputs: [],
      };
    }
    scope.postMessage({
      type: "change",
      seq,
      path: checked.path,
      version: checked.version,
      ...(change ? { change } : {}),
    });
  }, CHANGE_AFTER_MS);
}

/** Verifies one version of a document (the slow check: the page asks only once the text has rested). */
function verify(message: Extract<ToWorker, { type: "verify" }>): void {
  const started = performance.now();
  const reply = (body: { report?: VerificationReport; problem?: string }): void =>
    scope.postMessage({
      type: "verification",
      path: message.path,
      version: message.version,
      ...body,
      verifyMs: performance.now() - started,
    });
  try {
    check(message.path, message.version, message.text);
    reply(service.verify(message.path, { budgetMs: message.budgetMs }));
  } catch (error) {
    reply({ problem: `cannot verify: ${error instanceof Error ? error.message : String(error)}` });
  }
}

function answer(kind: RequestKind, checked: Checked, offset: number, newName?: string): unknown {
  switch (kind) {
    case "complete": {
      const result = service.complete(checked.path, offset);
      return { items: result.items, range: exactRange(checked.lines, result.replace) };
    }
    case "hover": {
      const result = service.hover(checked.path, offset);
      return result ? { contents: result.contents, range: range(checked.lines, result.span) } : undefined;
    }
    case "definition": {
      const target = service.definition(checked.path, offset);
      if (!target) return undefined;
      const lines =
        target.file === checked.path ? checked.lines : new LineMap(service.text(target.file) ?? "");
      return { file: target.file, range: range(lines, target.span) };
    }
    case "symbols":
      return service.symbols(checked.path).map((s) => ({
        name: s.name,
        kind: s.kind,
        range: range(checked.lines, s.span),
        selection: range(checked.lines, s.nameSpan),
      }));
    case "references":
      return {
        ranges: service.references(checked.path, offset).map((span) => exactRange(checked.lines, span)),
      };
    case "rename": {
      const result = service.rename(checked.path, offset, newName ?? "");
      return result.refused !== undefined
        ? { refused: result.refused }
        : { edits: result.edits.map((e) => ({ ...exactRange(checked.lines, e.span), newText: e.newText })) };
    }
    case "format": {
      const result = service.format(checked.path);
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      return errors.length > 0
        ? {
            error: `not formatted: the rulebook has ${errors.length} syntax error${errors.length === 1 ? "" : "s"}`,
          }
        : { text: result.text };
    }
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "files":
      files.clear();
      for (const [path, text] of Object.entries(message.files)) files.set(path, text);
      service.invalidate();
      last = undefined;
      return;
    case "update":
      return update(message);
    case "verify":
      return verify(message);
    case "request": {
      try {
        const checked = check(message.path, message.version, message.text);
        scope.postMessage({
          type: "response",
          id: message.id,
          version: message.version,
          result: answer(message.kind, checked, message.offset, message.newName),
        });
      } catch (error) {
        scope.postMessage({
          type: "response",
          id: message.id,
          version: message.version,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return;
    }
  }
};

scope.postMessage({ type: "ready", monarch: monarchLanguage(), configuration: languageConfiguration });
