/**
 * What the differential tests compare: an evaluation's outputs, or the runtime error it raised
 * (code and message); and random or hand-written rulebook text lowered to IR, failing the test with
 * the diagnostics when the text does not check.
 */
import { expect } from "vitest";
import { lowerRulebook } from "../../src/compile/lower.js";
import type { IrRulebook } from "../../src/ir/ir.js";
import { RuntimeError } from "../../src/semantics/errors.js";
import { checkRulebook } from "../../src/service/language-service.js";

/** An evaluation's outputs, or the runtime error that stopped it. */
export type Outcome =
  { ok: true; outputs: Record<string, unknown> } | { ok: false; code: string; message: string };

/** Runs an evaluation; a `RuntimeError` becomes a failed outcome, anything else is rethrown. */
export function attempt(run: () => Record<string, unknown>): Outcome {
  try {
    return { ok: true, outputs: run() };
  } catch (error) {
    if (error instanceof RuntimeError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/**
 * Like {@link attempt}, but any other error becomes its name: without validation, a value of the
 * wrong type may throw a `TypeError` on either path, and the two paths must then throw alike.
 */
export function attemptAny(run: () => unknown): Outcome | { ok: false; thrown: string } {
  try {
    return attempt(run as () => Record<string, unknown>);
  } catch (error) {
    return { ok: false, thrown: (error as Error).name };
  }
}

/** Checks and lowers rulebook text; the test fails, showing the text, when it has errors. */
export function lowerSource(source: string, file: string): IrRulebook {
  const checked = checkRulebook(source, file);
  expect(
    checked.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`),
    source,
  ).toEqual([]);
  return lowerRulebook(checked.checked, { source: () => source });
}
