/**
 * Common subexpression elimination: a closed, infallible expression written more than once (the same
 * `group(...)` in five outputs, `position.size * position.mark` in three) is computed once, into a
 * hoisted let, and read everywhere else. The outermost repeated expressions go first; what they
 * contain and is repeated elsewhere too goes in the next round.
 */
import type { IrExpr, IrRulebook } from "../ir/ir.js";
import { childExprs } from "../ir/ir.js";
import { ExprFacts, isTrivial, stepExprs } from "./expr-facts.js";
import { hoistAll } from "./hoist.js";

/** Expressions smaller than this are cheaper recomputed than worth a name of their own. */
const MIN_SIZE = 3;

/** Rounds of hoisting: each takes the outermost repeated expressions of what the last one left. */
const MAX_ROUNDS = 4;

/** The outermost closed, infallible expressions that occur at least twice. */
function outermostRepeated(ir: IrRulebook, facts: ExprFacts): IrExpr[] {
  const candidate = (e: IrExpr): boolean =>
    !isTrivial(e) && facts.size(e) >= MIN_SIZE && facts.isClosed(e) && facts.isInfallible(e);
  const counts = new Map<number, number>();
  const count = (e: IrExpr): void => {
    if (candidate(e)) counts.set(facts.id(e), (counts.get(facts.id(e)) ?? 0) + 1);
    for (const child of childExprs(e)) count(child);
  };
  for (const step of ir.steps) for (const e of stepExprs(step)) count(e);
  const chosen = new Map<number, IrExpr>();
  const pick = (e: IrExpr): void => {
    const shape = (counts.get(facts.id(e)) ?? 0) >= 2 ? facts.id(e) : undefined;
    if (shape !== undefined) {
      if (!chosen.has(shape)) chosen.set(shape, e);
      return;
    }
    for (const child of childExprs(e)) pick(child);
  };
  for (const step of ir.steps) for (const e of stepExprs(step)) pick(e);
  return [...chosen.values()];
}

/** Computes each repeated closed, infallible expression once. */
export function eliminateCommonSubexpressions(ir: IrRulebook): IrRulebook {
  let result = ir;
  // One set of facts for every round: the trees are never changed in place, a round keeps the
  // subtrees it does not touch, and the slots it adds are lets (never quantities), so what was
  // learnt of a node still holds; each round computes facts only for the nodes it created.
  const facts = new ExprFacts(ir);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const repeated = outermostRepeated(result, facts);
    if (repeated.length === 0) break;
    result = hoistAll(result, repeated, facts);
  }
  return result;
}
