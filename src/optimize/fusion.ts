/**
 * Loop fusion: which sums over the same list can be computed in one pass over it.
 *
 * The code generator computes an infallible `sum` over a list that sits in a loop over a scenario
 * set before that loop, element-major (loop interchange, `codegen-expr.ts`). A rulebook written
 * the natural way has several such sums over one list: one per underlying,
 * `max(-s.weight * sum(<P&L of p in s> for p in account.positions where p.u == k) for s in pm16)`
 * in five outputs. Each would read the whole list once; fused, the list is read once and each
 * element goes to every sum whose filter keeps it, each into its own accumulators.
 *
 * This module plans the fusion on the IR (the code generator emits it): it groups the candidate
 * sums by the shape of their list. A candidate may be computed earlier than written, at the first
 * member of its group, so it must be:
 *
 * - infallible (nothing in it raises: computing it earlier, or when its step would not have run,
 *   changes no error; `isInfallible`);
 * - closed over the evaluation's inputs: it reads no slot (a let or quantity may not be set yet at
 *   the first member) and no local but its own and the scenario variable, whose fields it reads
 *   through the scenario loop's counter; its list and filter do not read the scenario variable.
 *
 * Bits are unchanged: each sum still adds, per scenario, the elements its filter keeps, in list
 * order, from +0, into its own accumulator.
 */
import { childExprs, type IrAggregate, type IrExpr, type IrRulebook } from "../ir/ir.js";
import { exprShape, freeLocals, isInfallible, stepExprs } from "./expr-facts.js";

/** A sum computed before the scenario loop it sits in, and that loop. */
export interface FusionMember {
  /** The comprehension over a scenario set whose element holds the sum. */
  outer: IrAggregate;
  /** The sum over a list. */
  sum: IrAggregate;
}

/**
 * The fusion groups of a rulebook: for each candidate sum that shares its list with at least one
 * other, the members of its group, in evaluation order (steps in order, each expression in
 * pre-order).
 */
export function planFusion(ir: IrRulebook): Map<IrAggregate, readonly FusionMember[]> {
  const groups = new Map<string, FusionMember[]>();
  const visit = (e: IrExpr): void => {
    if (e.k === "agg" && e.source.k === "scenarios" && (ir.scenarioSets[e.source.set]?.rows.length ?? 0) > 0)
      for (const sum of directAggregates(e.elem))
        if (isCandidate(sum, e.local)) {
          const key = exprShape(sum.source);
          const group = groups.get(key) ?? [];
          group.push({ outer: e, sum });
          groups.set(key, group);
        }
    childExprs(e).forEach(visit);
  };
  ir.steps.flatMap(stepExprs).forEach(visit);
  const plan = new Map<IrAggregate, readonly FusionMember[]>();
  for (const group of groups.values())
    if (group.length > 1) for (const member of group) plan.set(member.sum, group);
  return plan;
}

/** Whether `sum`, in the element of a loop over a scenario set binding `scenario`, may be fused. */
function isCandidate(sum: IrAggregate, scenario: number): boolean {
  if (sum.op !== "sum" || !isInfallible(sum) || readsSlot(sum)) return false;
  if (freeLocals(sum.source).size > 0) return false;
  if (sum.filter && [...freeLocals(sum.filter, new Set([sum.local]))].length > 0) return false;
  return [...freeLocals(sum)].every((local) => local === scenario);
}

function readsSlot(e: IrExpr): boolean {
  return e.k === "slot" || childExprs(e).some(readsSlot);
}

/** The comprehensions in an expression that are not inside another comprehension. */
function directAggregates(e: IrExpr): IrAggregate[] {
  if (e.k === "agg") return [e];
  return childExprs(e).flatMap(directAggregates);
}
