/**
 * What the hoisting passes share: replacing every occurrence of an expression by a let computed
 * once, placed just before the first step that reads it.
 *
 * Only closed, infallible expressions are ever hoisted (see expr-facts.ts): closed, so the value is
 * the same at every occurrence and at the new place; infallible, so computing it earlier, or where
 * the original would not have computed it (a loop that runs zero times, an `if` branch not taken),
 * raises nothing. Floating point is untouched: the hoisted expression is the same tree, computed in
 * the same order; only how often it is computed changes.
 */
import type { IrExpr, IrLetStep, IrRulebook, IrStep } from "../ir/ir.js";
import { exprShape, mapChildren, mapStepExprs, stepExprs } from "./expr-facts.js";
import { childExprs } from "../ir/ir.js";

/** Whether any expression of the step contains an expression of the given shape. */
function contains(step: IrStep, shape: string): boolean {
  const visit = (e: IrExpr): boolean => exprShape(e) === shape || childExprs(e).some(visit);
  return stepExprs(step).some(visit);
}

/**
 * The rulebook with `expr` (closed and infallible: the caller's duty) computed once, into a new
 * hoisted let before the first step that contains it, and every occurrence reading that let.
 * Returns the rulebook unchanged when no step contains it.
 */
export function hoistExpr(ir: IrRulebook, expr: IrExpr, name: string): IrRulebook {
  const shape = exprShape(expr);
  const first = ir.steps.findIndex((s) => contains(s, shape));
  if (first < 0) return ir;
  const slot = ir.slots.length;
  const read: IrExpr = { k: "slot", slot };
  const replace = (e: IrExpr): IrExpr => (exprShape(e) === shape ? read : mapChildren(e, replace));
  const site = ir.steps[first]!.site;
  const let_: IrLetStep = { kind: "let", slot, value: expr, site, hoisted: true };
  const steps = ir.steps.map((s) => mapStepExprs(s, replace));
  steps.splice(first, 0, let_);
  return {
    ...ir,
    slots: [...ir.slots, { name, kind: "let", type: { kind: "opaque", description: "intermediate" } }],
    steps,
  };
}

/** The name of the n-th hoisted value: `%1`, `%2`, ... (no rulebook name starts with `%`). */
export function hoistedName(ir: IrRulebook): string {
  return `%${ir.slots.filter((s) => s.name.startsWith("%")).length + 1}`;
}
