/**
 * What the hoisting passes share: replacing every occurrence of some expressions by lets computed
 * once, each placed just before the first step that reads it.
 *
 * Only closed, infallible expressions are ever hoisted (see expr-facts.ts): closed, so the value is
 * the same at every occurrence and at the new place; infallible, so computing it earlier, or where
 * the original would not have computed it (a loop that runs zero times, an `if` branch not taken),
 * raises nothing. Floating point is untouched: the hoisted expression is the same tree, computed in
 * the same order; only how often it is computed changes.
 */
import type { IrExpr, IrLetStep, IrRulebook, IrSlot } from "../ir/ir.js";
import { ExprFacts, mapChildren, mapStepExprs } from "./expr-facts.js";

/**
 * The rulebook with each of `exprs` (closed and infallible: the caller's duty; distinct shapes)
 * computed once, into a new hoisted let named `%n` before the first step that contains it, and
 * every occurrence reading that let. An occurrence inside another hoisted expression's occurrence
 * is replaced too (the let's own value keeps the expression as written).
 */
export function hoistAll(ir: IrRulebook, exprs: readonly IrExpr[], facts = new ExprFacts(ir)): IrRulebook {
  if (exprs.length === 0) return ir;
  const named = ir.slots.filter((s) => s.name.startsWith("%")).length;
  const slotOf = new Map<number, number>();
  const slots: IrSlot[] = [...ir.slots];
  for (const [i, e] of exprs.entries()) {
    slotOf.set(facts.id(e), slots.length);
    slots.push({
      name: `%${named + i + 1}`,
      kind: "let",
      type: { kind: "opaque", description: "intermediate" },
    });
  }
  const first = new Map<number, number>();
  let stepIndex = 0;
  // A subtree with nothing to replace is kept as it is (not copied), so that the facts memoized on
  // its nodes still hold in the next round.
  const replace = (e: IrExpr): IrExpr => {
    const slot = slotOf.get(facts.id(e));
    if (slot === undefined) {
      let changed = false;
      const copy = mapChildren(e, (child) => {
        const replaced = replace(child);
        if (replaced !== child) changed = true;
        return replaced;
      });
      return changed ? copy : e;
    }
    if (!first.has(slot)) first.set(slot, stepIndex);
    return { k: "slot", slot };
  };
  const rewritten = ir.steps.map((step, i) => {
    stepIndex = i;
    return mapStepExprs(step, replace);
  });
  // An expression no step contains any more (it was only inside another hoisted one) gets no let.
  const letsBefore = new Map<number, IrExpr[]>();
  for (const e of exprs) {
    const at = first.get(slotOf.get(facts.id(e))!);
    if (at !== undefined) letsBefore.set(at, [...(letsBefore.get(at) ?? []), e]);
  }
  const steps = rewritten.flatMap((step, i) => {
    const lets: IrLetStep[] = (letsBefore.get(i) ?? []).map((e) => ({
      kind: "let",
      slot: slotOf.get(facts.id(e))!,
      value: e,
      site: step.site,
      hoisted: true,
    }));
    return lets.length > 0 ? [...lets, step] : [step];
  });
  return { ...ir, slots, steps };
}
