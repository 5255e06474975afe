/**
 * Compiling a checked rulebook: the one place where "check, then lower if there are no errors" is
 * written. Lowering never fails on a rulebook the checker accepts (a `LoweringError` is a broken
 * invariant, a bug in marginbook, and is thrown as such).
 */
import { lowerRulebook, type LowerOptions } from "../compile/lower.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrRulebook } from "../ir/ir.js";
import { checkRulebook, type CheckResult, type SourceHost } from "./check-rulebook.js";

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

/** What a compilation may change: the arithmetic (`marginbook test --arithmetic`), whatever the header says. */
export interface CompileOptions {
  arithmetic?: LowerOptions["arithmetic"];
}

/** Lowers a checked rulebook to its IR when it has no errors. */
export function compileChecked(check: CheckResult, options: CompileOptions = {}): CompileResult {
  const errors = check.diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) return { ok: false, file: check.file, diagnostics: check.diagnostics, errors, check };
  const ir = lowerRulebook(check.checked, {
    source: (file) => check.sources.get(file),
    ...(options.arithmetic !== undefined ? { arithmetic: options.arithmetic } : {}),
  });
  return { ok: true, file: check.file, ir, diagnostics: check.diagnostics, check };
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
