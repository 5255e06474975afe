/**
 * The language service: the one entry point every host uses to run marginbook on rulebooks (the
 * CLI commands, the studio's editor worker, benchmarks and tests). It holds a store of open
 * documents over a {@link SourceHost} (an open document's text replaces the host's file of the same
 * path) and answers every question about them: check, compile (diagnostics plus IR), complete,
 * hover, definition, symbols, references, rename, format, preview, the change from a baseline and
 * verify. It never touches the file system or the clock's wall time: the host reads files, so the
 * same service runs in Node (`src/node/source-host.ts`) and in a browser worker (`memoryHost`).
 *
 * Checks are incremental per document (unchanged declarations are not parsed again) and cached
 * until the document or any other document changes.
 */
import type { Span } from "../diagnostics/span.js";
import { formatSource, type FormatResult } from "../syntax/format.js";
import { verifyRulebook, type VerificationReport, type VerifyOptions } from "../verify/index.js";
import type { BaselineSource, ChangeView } from "./baseline.js";
import type { SourceHost } from "./check-rulebook.js";
import { createCheckService, type CheckService } from "./check-service.js";
import { compileChecked, type CompileOptions, type CompileResult } from "./compile-rulebook.js";
import { completeAt, type CompletionResult } from "./completion.js";
import { definitionAt, type DefinitionTarget } from "./definition.js";
import { hoverAt, type HoverResult } from "./hover.js";
import { referencesAt, renameAt, symbolsOf, type RenameResult, type SymbolInfo } from "./navigation.js";
import { PreviewSession, type PreviewOptions, type PreviewResult } from "./preview.js";

export type { CheckResult, SourceHost } from "./check-rulebook.js";
export { checkParsedRulebook, checkRulebook, MAX_EXTENDS_DEPTH } from "./check-rulebook.js";
export type { CompileResult } from "./compile-rulebook.js";
export { compileChecked, compileOrThrow, compileSource } from "./compile-rulebook.js";
export { memoryHost } from "./memory-host.js";
export { createCheckService, type CheckService } from "./check-service.js";

/** What `verify` gives: the report, or why the rulebook could not be verified. */
export type VerifyOutcome = { report: VerificationReport } | { problem: string };

/** Every question a host can ask about its rulebooks. Paths are the host's. */
export interface LanguageService extends CheckService {
  /** Checks, then compiles to IR when there are no errors (in another arithmetic when `options` says so). */
  compile(file: string, options?: CompileOptions): CompileResult;
  complete(file: string, offset: number): CompletionResult;
  hover(file: string, offset: number): HoverResult | undefined;
  definition(file: string, offset: number): DefinitionTarget | undefined;
  symbols(file: string): SymbolInfo[];
  references(file: string, offset: number): Span[];
  /** Renames the name at `offset`; refused when the result would have more errors, or the test file names it. */
  rename(file: string, offset: number, newName: string): RenameResult;
  /** The canonical layout of a rulebook (diagnostics instead of text when it has syntax errors). */
  format(file: string): FormatResult;
  /** The live preview: samples, test cases and a sweep, evaluated by the interpreter. */
  preview(file: string, options?: PreviewOptions): PreviewResult;
  /** The change from `baseline` to the last good preview of `file` (semantic diff and impact). */
  change(file: string, baseline: BaselineSource): ChangeView | undefined;
  /** Proves (or refutes) a rulebook's `verify` properties. */
  verify(file: string, options?: VerifyOptions): VerifyOutcome;
}

/**
 * Creates a language service over `host`. A host that only checks can use
 * {@link createCheckService} instead, which loads neither the compiler nor the editor features.
 */
export function createLanguageService(host: SourceHost): LanguageService {
  const core = createCheckService(host);
  const { reader, textOf, check } = core;
  const previews = new Map<string, PreviewSession>();

  function session(file: string): PreviewSession {
    let preview = previews.get(file);
    if (!preview) previews.set(file, (preview = new PreviewSession()));
    return preview;
  }

  return {
    host,
    open: core.open,
    close(file) {
      core.close(file);
      previews.delete(file);
    },
    invalidate: core.invalidate,
    text: core.text,
    stats: core.stats,
    check,
    compile: (file, options) => compileChecked(check(file), options),
    complete: (file, offset) => completeAt(check(file), textOf(file), offset),
    hover: (file, offset) => hoverAt(check(file), textOf(file), offset),
    definition: (file, offset) => definitionAt(check(file), offset),
    symbols: (file) => symbolsOf(check(file)),
    references: (file, offset) => referencesAt(check(file), textOf(file), offset),
    rename: (file, offset, newName) =>
      renameAt(
        check(file),
        textOf(file),
        offset,
        newName,
        reader,
        reader.readFile(file.replace(/\.margin$/, ".test.yaml")),
      ),
    format: (file) => formatSource(textOf(file), file),
    preview: (file, options = {}) => session(file).run(check(file), options, reader),
    change: (file, baseline) => session(file).change(baseline),
    verify(file, options = {}) {
      const compiled = compileChecked(check(file));
      if (!compiled.ok)
        return {
          problem: `the rulebook has ${compiled.errors} error${compiled.errors === 1 ? "" : "s"}`,
        };
      return { report: verifyRulebook(compiled.ir, options) };
    },
  };
}
