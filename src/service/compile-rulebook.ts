/**
 * Compiling a checked rulebook: the one place where "check, then lower if there are no errors" is
 * written. Lowering never fails on a rulebook the checker accepts (a `LoweringError` is a broken
 * invariant, a bug in marginbook, and is thrown as such).
 */
import { lowerRulebook, type LowerOptions } from "../compile/lower.js";
import { relocate } from "../compile/relocate.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrImport, IrRulebook } from "../ir/ir.js";
import { hashJson } from "../runtime/hash.js";
import { checkRulebook, type CheckResult, type ImportedCheck, type SourceHost } from "./check-rulebook.js";

/** A rulebook compiled to its IR, or the diagnostics that stop it. */
export type CompileResult =
  | {
      ok: true;
      file: string;
      ir: IrRulebook;
      /** Warnings and notes (a compiled rulebook has no errors). */
      diagnostics: Diagnostic[];
      check: CheckResult;
    }
  | {
      ok: false;
      file: string;
      /** Every diagnostic, errors included. */
      diagnostics: Diagnostic[];
      /** How many of them are errors (at least one). */
      errors: number;
      check: CheckResult;
    };

/** What a compilation may change. */
export interface CompileOptions {
  /** The arithmetic (`marginbook test --arithmetic`), whatever the header says. */
  arithmetic?: LowerOptions["arithmetic"];
  /**
   * The name an artifact records for `file`, a file of the rulebook `rulebook` (both named as the
   * source host names them). Each import's `irHash` is then the hash of the imported book's IR
   * under those names: the `irHash` that `marginbook compile` writes for that book, from whatever
   * folder the command ran in. Without it, the names as the host gives them.
   */
  recordedFile?: (file: string, rulebook: string) => string;
}

/** Lowers a checked rulebook to its IR when it has no errors. */
export function compileChecked(check: CheckResult, options: CompileOptions = {}): CompileResult {
  const errors = check.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) return { ok: false, file: check.file, diagnostics: check.diagnostics, errors, check };
  const ir = lowerRulebook(check.checked, {
    source: (file) => check.sources.get(file),
    ...(options.arithmetic !== undefined ? { arithmetic: options.arithmetic } : {}),
  });
  if (check.imports.length > 0)
    ir.meta.imports = check.imports.map((imported) => importRecord(imported, options.recordedFile));
  return { ok: true, file: check.file, ir, diagnostics: check.diagnostics, check };
}

/**
 * What the IR records of an import: the path, the namespace or names, the version, and the hash of
 * the imported rulebook's own IR (so a change to it changes the importer's hash and shows in review).
 */
function importRecord(imported: ImportedCheck, recordedFile: CompileOptions["recordedFile"]): IrImport {
  const { decl } = imported;
  const compiled = compileChecked(imported.check, recordedFile ? { recordedFile } : {});
  // An import with errors stops the importer's compilation, so `compiled` is always ok here.
  const named = (file: string): string => recordedFile?.(file, imported.check.file) ?? file;
  const irHash = compiled.ok ? hashJson(JSON.parse(JSON.stringify(relocate(compiled.ir, named)))) : "";
  const version = imported.check.checked.header.get("version")?.value;
  return {
    path: decl.path,
    ...(decl.alias ? { as: decl.alias.text } : { names: decl.names.map((n) => n.text) }),
    ...(version !== undefined ? { version } : {}),
    irHash,
  };
}

/** Checks and compiles one rulebook's text (its bases read through `host`). */
export function compileSource(source: string, file: string, host?: SourceHost): CompileResult {
  return compileChecked(checkRulebook(source, file, host));
}

/**
 * The IR of a rulebook that must compile (benchmarks, tests, scripts): an `Error` listing its
 * diagnostics' codes and messages otherwise.
 */
export function compileOrThrow(source: string, file: string, host?: SourceHost): IrRulebook {
  const compiled = compileSource(source, file, host);
  if (compiled.ok) return compiled.ir;
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  throw new Error(`${file} has errors: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
}
