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
import { isClosed, isInfallible, isTrivial, stepExprs } from "./expr-facts.js";
import { hoistExpr, hoistedName } from "./hoist.js";

/** The first maximal closed, infallible, non-trivial expression inside a comprehension body. */
function firstInvariant(ir: IrRulebook): IrExpr | undefined {
  const visit = (e: IrExpr, inLoop: boolean): IrExpr | undefined => {
    if (inLoop && !isTrivial(e) && isClosed(e, ir) && isInfallible(e)) return e;
    if (e.k === "agg") {
      const parts: [IrExpr | undefined, boolean][] = [
        [e.source, inLoop],
        [e.filter, true],
        [e.elem, true],
        [e.key, true],
        [e.fallback, inLoop],
      ];
      for (const [part, loop] of parts) {
        const found = part ? visit(part, loop) : undefined;
        if (found) return found;
      }
      return undefined;
    }
    for (const child of childExprs(e)) {
      const found = visit(child, inLoop);
      if (found) return found;
    }
    return undefined;
  };
  for (const step of ir.steps)
    for (const e of stepExprs(step)) {
      const found = visit(e, false);
      if (found) return found;
    }
  return undefined;
}

/** Hoists every loop invariant out of the comprehensions it sits in. */
export function hoistLoopInvariants(ir: IrRulebook): IrRulebook {
  let result = ir;
  // Each round replaces every occurrence of one invariant inside loops by a slot read (trivial): this terminates.
  for (let e = firstInvariant(result); e !== undefined; e = firstInvariant(result))
    result = hoistExpr(result, e, hoistedName(result));
  return result;
}
