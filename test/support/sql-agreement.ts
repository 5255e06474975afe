/**
 * When the SQL target and the runtime agree: bit for bit, except where a rulebook uses `exp`, `ln`
 * or `pow`, which neither libm rounds correctly; there, unrounded outputs agree within
 * {@link TRANSCENDENTAL_BOUND} relative (docs/scale.md).
 */
import { forEachExpr, type IrRulebook } from "../../src/ir/ir.js";

/** The largest relative difference allowed where exp, ln or pow are involved. */
export const TRANSCENDENTAL_BOUND = 1e-13;

/** Whether any step of the rulebook calls `exp`, `ln` or `pow`. */
export function usesTranscendentals(ir: IrRulebook): boolean {
  let found = false;
  const visit = (e: Parameters<typeof forEachExpr>[0]): void =>
    forEachExpr(e, (x) => {
      if (x.k === "call" && (x.fn === "exp" || x.fn === "ln" || x.fn === "pow")) found = true;
    });
  for (const step of ir.steps) {
    if (step.kind === "rule") {
      if (step.condition) visit(step.condition);
      for (const a of step.actions) {
        visit(a.value);
        if (a.condition) visit(a.condition);
      }
    } else visit(step.kind === "assert" ? step.condition : step.value);
  }
  return found;
}

/** Whether a runtime output and its SQL value agree, under the rule above. */
export function sqlAgrees(ir: IrRulebook, name: string, runtime: unknown, sql: unknown): boolean {
  if (Object.is(runtime, sql)) return true;
  const rounded = ir.steps.some((s) => s.kind === "output" && s.rounding && ir.slots[s.slot]!.name === name);
  return (
    usesTranscendentals(ir) &&
    !rounded &&
    typeof runtime === "number" &&
    typeof sql === "number" &&
    Math.abs(runtime - sql) <= TRANSCENDENTAL_BOUND * Math.max(Math.abs(runtime), Math.abs(sql))
  );
}
