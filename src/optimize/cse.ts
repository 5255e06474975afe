/**
 * Common subexpression elimination: a closed, infallible expression written more than once (the same
 * `group(...)` in five outputs, `position.size * position.mark` in three) is computed once, into a
 * hoisted let, and read everywhere else. The largest repeated expression goes first, so what it
 * contains is not hoisted separately.
 */
import type { IrExpr, IrRulebook } from "../ir/ir.js";
import { childExprs } from "../ir/ir.js";
import { exprShape, exprSize, isClosed, isInfallible, isTrivial, stepExprs } from "./expr-facts.js";
import { hoistExpr, hoistedName } from "./hoist.js";

/** Expressions smaller than this are cheaper recomputed than worth a name of their own. */
const MIN_SIZE = 3;

/** The largest closed, infallible expression that occurs at least twice, if any. */
function largestRepeated(ir: IrRulebook): IrExpr | undefined {
  const seen = new Map<string, { e: IrExpr; count: number; size: number }>();
  const visit = (e: IrExpr): void => {
    if (!isTrivial(e) && isClosed(e, ir) && isInfallible(e)) {
      const shape = exprShape(e);
      const entry = seen.get(shape);
      if (entry) entry.count++;
      else seen.set(shape, { e, count: 1, size: exprSize(e) });
    }
    for (const child of childExprs(e)) visit(child);
  };
  for (const step of ir.steps) for (const e of stepExprs(step)) visit(e);
  let best: { e: IrExpr; size: number } | undefined;
  for (const entry of seen.values())
    if (entry.count >= 2 && entry.size >= MIN_SIZE && (!best || entry.size > best.size)) best = entry;
  return best?.e;
}

/** Computes each repeated closed, infallible expression once. */
export function eliminateCommonSubexpressions(ir: IrRulebook): IrRulebook {
  let result = ir;
  // Each round hoists one expression and removes at least two occurrences: this terminates.
  for (let e = largestRepeated(result); e !== undefined; e = largestRepeated(result))
    result = hoistExpr(result, e, hoistedName(result));
  return result;
}
