/**
 * Dead-output elimination: when a caller asks for some outputs only, the steps that compute nothing
 * those outputs (or the assertions) read are dropped: the other outputs, the lets and rule actions
 * only they read, and whole rules left without an action.
 *
 * What stays is evaluated exactly as before, in the same order, so the requested outputs are the
 * same bits. Assertions always stay, with everything they read: an input the full rulebook refuses
 * is refused here too. The one difference is by design: a runtime error that only a dropped step
 * would have raised (an unrequested output dividing by zero) is not raised.
 *
 * Also, with or without a selection: a let that nothing reads any more (its value folded into its
 * readers, or hoisted away) and whose value cannot raise is dropped.
 */
import type { IrAction, IrExpr, IrRulebook, IrStep } from "../ir/ir.js";
import { forEachExpr } from "../ir/ir.js";
import { isInfallible, stepExprs } from "./expr-facts.js";

/**
 * Whether an unread let can go without changing any error: its value cannot raise, and it is not
 * checked for finiteness (a hoisted let, a constant, or a value that is no number).
 */
function droppable(ir: IrRulebook, step: Extract<IrStep, { kind: "let" }>): boolean {
  const slot = Number.isSafeInteger(step.slot) ? ir.slots[step.slot] : undefined;
  // A malformed step (a hand-crafted IR) stays, for the code generator to refuse.
  if (slot === undefined) return false;
  const numeric = slot.type.kind === "number";
  return isInfallible(step.value) && (step.hoisted === true || step.value.k === "const" || !numeric);
}

/** Adds the slots an expression reads to `live`. */
function addReads(e: IrExpr | undefined, live: Set<number>): void {
  if (e) forEachExpr(e, (x) => x.k === "slot" && live.add(x.slot));
}

/**
 * The steps needed for the outputs named in `keep` (all outputs when undefined), walking backwards
 * from the outputs and assertions to what they read.
 */
export function eliminateDeadSteps(ir: IrRulebook, keep?: ReadonlySet<string>): IrRulebook {
  const live = new Set<number>();
  const kept: IrStep[] = [];
  for (let i = ir.steps.length - 1; i >= 0; i--) {
    const step = ir.steps[i]!;
    switch (step.kind) {
      case "assert":
        kept.push(step);
        addReads(step.condition, live);
        break;
      case "output":
        if (keep === undefined || keep.has(ir.slots[step.slot]!.name) || live.has(step.slot)) {
          kept.push(step);
          addReads(step.value, live);
        }
        break;
      case "let":
        if (live.has(step.slot) || (keep === undefined && !droppable(ir, step))) {
          kept.push(step);
          addReads(step.value, live);
        }
        break;
      case "rule": {
        // Without a selection every action stays: it may raise, and errors must not change. With
        // one, from the last action back: an action kept makes what it reads live, so an earlier
        // action of the same rule that sets it stays (`set x = ...` then `cap size at x`).
        const actions = keep === undefined ? step.actions : liveActions(step.actions, live);
        // A rule with no action is dropped, unless (without a selection) its condition may raise.
        const mayRaise = keep === undefined && step.condition !== undefined && !isInfallible(step.condition);
        if (actions.length === 0 && !mayRaise) break;
        const rule = { ...step, actions };
        kept.push(rule);
        for (const e of stepExprs(rule)) addReads(e, live);
        break;
      }
    }
  }
  return { ...ir, steps: kept.reverse() };
}

/** The actions that set a live slot, last to first, each making what it reads live. */
function liveActions(actions: readonly IrAction[], live: Set<number>): IrAction[] {
  const kept: IrAction[] = [];
  for (let i = actions.length - 1; i >= 0; i--) {
    const action = actions[i]!;
    if (!live.has(action.slot)) continue;
    kept.push(action);
    addReads(action.condition, live);
    addReads(action.value, live);
  }
  return kept.reverse();
}
