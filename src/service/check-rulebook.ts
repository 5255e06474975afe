/**
 * Checking a rulebook and the chain of base rulebooks it extends: parse, then check, each base read
 * through a {@link SourceHost}. It never touches the file system: reading files is the host's job,
 * so the same code runs in Node and in a browser worker. Hosts use it through the language service
 * (`language-service.ts`), which also compiles.
 */
import { messages } from "../semantics/catalog.js";
import { Reporter, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { checkAst, type BaseRulebook, type CheckedRulebook } from "../check/checker.js";
import type { ImportedRulebook } from "../check/check-imports.js";
import { headerArithmetic } from "../check/check-header.js";
import type { ImportDecl, Rulebook } from "../syntax/ast.js";
import { parseRulebook, type ParseResult } from "../syntax/parse.js";

/** How the pipeline reads other files (the base of an `extends`). */
export interface SourceHost {
  /** The text of a file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** The path of `path` as written in `fromFile`. */
  resolve(fromFile: string, path: string): string;
  /**
   * Why `readFile` refused a path it could have read (outside the project, not a regular file, too
   * large), as the end of a sentence about the file; undefined when it was simply missing.
   */
  refusal?(path: string): string | undefined;
}

/** The longest chain of `extends` (a rulebook, its base, the base's base, ...). */
export const MAX_EXTENDS_DEPTH = 16;

export interface CheckResult {
  file: string;
  ast: Rulebook;
  /** Sorted by position; syntax and semantic diagnostics together. */
  diagnostics: Diagnostic[];
  /** The checked program, for the compiler and the editor (present even when there are errors). */
  checked: CheckedRulebook;
  /**
   * The text of every file checked: the rulebook's own and each base it extends (by the path the
   * pipeline used). The compiler reads its line numbers from here, and renderers their lines.
   */
  sources: ReadonlyMap<string, string>;
  /** The rulebooks this one imports that could be read, each checked on its own (in import order). */
  imports: ImportedCheck[];
}

/** An imported rulebook: the `import` line, the file it names (resolved), and its own check. */
export interface ImportedCheck {
  decl: ImportDecl;
  file: string;
  check: CheckResult;
}

/** A file in a chain of `extends`: its resolved path, and its name as the user wrote it. */
interface ChainLink {
  path: string;
  label: string;
}

/** Parses and checks one rulebook, and the chain of base rulebooks it extends. Never throws on user input. */
export function checkRulebook(source: string, file: string, host?: SourceHost): CheckResult {
  return checkParsedRulebook(parseRulebook(source, file), source, file, host);
}

/**
 * {@link checkRulebook} after its first step: `parsed` is `parseRulebook(source, file)`. Base and
 * imported rulebooks are still read and parsed here. Benchmarks use it to time the checker apart.
 */
export function checkParsedRulebook(
  parsed: ParseResult,
  source: string,
  file: string,
  host?: SourceHost,
): CheckResult {
  // The chain holds resolved paths, so that a cycle is found however its files were named.
  const self = host ? host.resolve(file, "./" + (file.split(/[\\/]/).pop() ?? file)) : file;
  return checkChain(parsed, source, file, host, [{ path: self, label: file.split(/[\\/]/).pop() ?? file }]);
}

function checkChain(
  parsed: ParseResult,
  source: string,
  file: string,
  host: SourceHost | undefined,
  chain: ChainLink[],
): CheckResult {
  const reporter = new Reporter(file);
  if (parsed.aborted) {
    // Beyond a resource limit: nothing was parsed, so there is nothing more to say.
    const checked = checkAst(parsed.ast, file, undefined, true);
    return {
      file,
      ast: parsed.ast,
      diagnostics: sortDiagnostics(parsed.diagnostics),
      checked,
      sources: new Map([[file, source]]),
      imports: [],
    };
  }
  const sources = new Map([[file, source]]);
  const base = loadBase(parsed.ast, file, host, chain, reporter, sources);
  const imports = loadImports(parsed.ast, file, host, chain, reporter, sources);
  const partial = parsed.diagnostics.some((d) => d.severity === "error");
  const checked = checkAst(parsed.ast, file, base, partial, imports.map(importedRulebook));
  const diagnostics = sortDiagnostics([
    ...parsed.diagnostics,
    ...reporter.diagnostics,
    ...checked.diagnostics,
  ]);
  return { file, ast: parsed.ast, diagnostics, checked, sources, imports };
}

/** What the checker needs of an imported rulebook. */
function importedRulebook(imported: ImportedCheck): ImportedRulebook {
  const { check } = imported;
  return {
    decl: imported.decl,
    file: imported.file,
    declarations: check.checked.declarations,
    version: check.checked.header.get("version")?.value,
    currency: check.checked.currency,
    arithmetic: headerArithmetic(check.checked.header),
    errorCount: check.diagnostics.filter((d) => d.severity === "error").length,
  };
}

/**
 * Reads and checks each imported rulebook (once per file, however often it is imported). An import
 * that cannot be read, or that leads back to a rulebook of the chain, is reported at its path.
 */
function loadImports(
  ast: Rulebook,
  file: string,
  host: SourceHost | undefined,
  chain: ChainLink[],
  reporter: Reporter,
  sources: Map<string, string>,
): ImportedCheck[] {
  const out: ImportedCheck[] = [];
  const done = new Map<string, CheckResult>();
  for (const decl of ast.imports ?? []) {
    if (decl.path === "") continue;
    const link = { path: host ? host.resolve(file, decl.path) : decl.path, label: decl.path };
    if (chain.some((l) => l.path === link.path)) {
      reportImportCycle(reporter, decl, chain, link);
      continue;
    }
    if (chain.length > MAX_EXTENDS_DEPTH) {
      reporter.report(messages.importsTooDeep, decl.pathSpan, { limit: MAX_EXTENDS_DEPTH });
      continue;
    }
    let result = done.get(link.path);
    if (!result) {
      const text = host?.readFile(link.path);
      if (text === undefined) {
        const refusal = host?.refusal?.(link.path);
        if (refusal)
          reporter.report(messages.importRefused, decl.pathSpan, { path: decl.path, reason: refusal });
        else reporter.report(messages.importNotFound, decl.pathSpan, { path: decl.path });
        continue;
      }
      result = checkChain(parseRulebook(text, link.path), text, link.path, host, [...chain, link]);
      done.set(link.path, result);
      for (const [path, text] of result.sources) sources.set(path, text);
    }
    // A cycle or a too-deep chain further down is this file's problem too.
    const cycle = result.diagnostics.find(
      (d) => d.code === messages.importCycle.code || d.code === messages.extendsCycle.code,
    );
    if (cycle) {
      reportImportCycle(reporter, decl, chain, link);
      continue;
    }
    if (result.diagnostics.some((d) => d.code === messages.importsTooDeep.code)) {
      reporter.report(messages.importsTooDeep, decl.pathSpan, { limit: MAX_EXTENDS_DEPTH });
      continue;
    }
    out.push({ decl, file: link.path, check: result });
  }
  return out;
}

function reportImportCycle(reporter: Reporter, decl: ImportDecl, chain: ChainLink[], link: ChainLink): void {
  const links = chain.some((l) => l.path === link.path) ? [...chain, link] : [...chain, link, chain[0]!];
  reporter.report(messages.importCycle, decl.pathSpan, {
    path: chain[0]!.label,
    chain: links.map((l) => l.label).join(" -> "),
  });
}

function loadBase(
  ast: Rulebook,
  file: string,
  host: SourceHost | undefined,
  chain: ChainLink[],
  reporter: Reporter,
  sources: Map<string, string>,
): BaseRulebook | undefined {
  const field = ast.header?.fields.find((f) => f.key === "extends");
  if (!field || field.valueKind !== "string") return undefined;
  const link = { path: host ? host.resolve(file, field.value) : field.value, label: field.value };
  const reportCycle = (): undefined => {
    const links = chain.some((l) => l.path === link.path) ? [...chain, link] : [...chain, link, chain[0]!];
    reporter.report(messages.extendsCycle, field.valueSpan, {
      path: chain[0]!.label,
      chain: links.map((l) => l.label).join(" -> "),
    });
    return undefined;
  };
  if (chain.some((l) => l.path === link.path)) return reportCycle();
  if (chain.length > MAX_EXTENDS_DEPTH) {
    reporter.report(messages.extendsTooDeep, field.valueSpan, { limit: MAX_EXTENDS_DEPTH });
    return undefined;
  }
  const source = host?.readFile(link.path);
  if (source === undefined) {
    const refusal = host?.refusal?.(link.path);
    if (refusal)
      reporter.report(messages.baseRefused, field.valueSpan, { path: field.value, reason: refusal });
    else reporter.report(messages.baseNotFound, field.valueSpan, { path: field.value });
    return undefined;
  }
  const result = checkChain(parseRulebook(source, link.path), source, link.path, host, [...chain, link]);
  for (const [path, text] of result.sources) sources.set(path, text);
  // A cycle further up the chain is this file's problem too: say so, not "the base has errors".
  if (result.diagnostics.some((d) => d.code === messages.extendsCycle.code)) return reportCycle();
  if (result.diagnostics.some((d) => d.code === messages.extendsTooDeep.code)) {
    reporter.report(messages.extendsTooDeep, field.valueSpan, { limit: MAX_EXTENDS_DEPTH });
    return undefined;
  }
  return {
    file: link.path,
    declarations: result.checked.declarations,
    currency: result.checked.currency,
    errorCount: result.diagnostics.filter((d) => d.severity === "error").length,
  };
}
