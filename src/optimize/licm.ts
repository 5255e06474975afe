/**
 * Loop-invariant code motion: an expression inside a comprehension's body (its element, filter or
 * key) that reads none of the comprehension's variables, nor any other variable, nor a quantity,
 * has the same value at every iteration: it is computed once per evaluation, into a hoisted let.
 *
 * Only infallible expressions move (expr-facts.ts): a loop that might run zero times must not raise
 * what it never computed. A fallible invariant stays where it is.
 */
import type { IrExpr, IrRulebook } from "../ir/ir.js";
import { childExprs } from "../ir/ir.js";
import { ExprFacts, isTrivial, stepExprs } from "./expr-facts.js";
import { hoistAll } from "./hoist.js";

/** The maximal closed, infallible, non-trivial expressions inside comprehension bodies, one per shape. */
function invariants(ir: IrRulebook, facts: ExprFacts): IrExpr[] {
  const found = new Map<number, IrExpr>();
  const visit = (e: IrExpr, inLoop: boolean): void => {
    if (inLoop && !isTrivial(e) && facts.isClosed(e) && facts.isInfallible(e)) {
      if (!found.has(facts.id(e))) found.set(facts.id(e), e);
      return;
    }
    if (e.k === "agg") {
      // The list, a fold's first value and the default are evaluated once, outside the loop.
      for (const part of [e.source, e.init, e.fallback]) if (part) visit(part, inLoop);
      for (const part of [e.filter, e.elem, e.key]) if (part) visit(part, true);
      return;
    }
    for (const child of childExprs(e)) visit(child, inLoop);
  };
  for (const step of ir.steps) for (const e of stepExprs(step)) visit(e, false);
  return [...found.values()];
}

/** Hoists every loop invariant out of the comprehensions it sits in. */
export function hoistLoopInvariants(ir: IrRulebook): IrRulebook {
  const facts = new ExprFacts(ir);
  return hoistAll(ir, invariants(ir, facts), facts);
}
