/**
 * Diagnostics as values: what every stage reports, separate from how it is rendered.
 */
import type { Span } from "./span.js";
import { type MessageSpec, type Severity, type TemplateArgs, fillTemplate } from "../semantics/catalog.js";

export type { Severity } from "../semantics/catalog.js";

export interface RelatedLocation {
  message: string;
  span: Span;
  /** The file of the related location when it is not the diagnostic's own file. */
  file?: string;
}

export interface TextEdit {
  span: Span;
  newText: string;
}

/** A quick fix: edits that resolve the diagnostic, for the editor and for `--fix`-style tooling. */
export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  span: Span;
  related: RelatedLocation[];
  help?: string;
  fix?: Fix;
}

export interface ReportExtras {
  related?: RelatedLocation[];
  help?: string;
  fix?: Fix;
  /** The file the span belongs to, when it is not the reporter's current file. */
  file?: string;
}

/**
 * Collects the diagnostics of one stage. Stages report through `report(messages.someMessage, ...)`,
 * never by formatting strings inline; the catalog owns every word a user reads.
 */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(public file: string) {}

  report<S extends MessageSpec>(
    spec: S,
    span: Span,
    args: TemplateArgs<S> = {} as TemplateArgs<S>,
    extras: ReportExtras = {},
  ): Diagnostic {
    const diagnostic: Diagnostic = {
      code: spec.code,
      severity: spec.severity,
      message: fillTemplate(spec.template, args),
      file: extras.file ?? this.file,
      span,
      related: extras.related ?? [],
      help: extras.help ?? (spec.help ? fillTemplate(spec.help, args) : undefined),
      fix: extras.fix,
    };
    this.diagnostics.push(diagnostic);
    return diagnostic;
  }

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === "error").length;
  }
}

/** Sorts by file, position, then code, so that every printer and golden file is deterministic. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      collate(a.file, b.file) ||
      a.span.start - b.span.start ||
      a.span.end - b.span.end ||
      collate(a.code, b.code) ||
      collate(a.message, b.message),
  );
}

/** `localeCompare`, without asking it about equal strings (most files and codes compared are). */
function collate(a: string, b: string): number {
  return a === b ? 0 : a.localeCompare(b);
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
