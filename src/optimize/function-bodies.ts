/**
 * Common subexpressions and loop invariants inside user functions (`fn`).
 *
 * A function's parameters are its loop-like variables: its body is evaluated once per call, as a
 * comprehension's element once per element, so nothing that reads a parameter can move out of it
 * (and a body reads no slot, so nothing can become a rulebook-level let either). Inside the body,
 * though, an infallible expression of the parameters alone that is written more than once (SIMM's
 * `min(b, c)` and `max(b, c)` in each of the fifteen rows of a keyed table), or that sits in a
 * comprehension of the body (the same at every element), is computed once per call, into a local
 * bound by a `let` at the top of the body:
 *
 *     fn gamma(b, c) = if min(b, c) == 1 and max(b, c) == 2 then 0.16 else if min(b, c) == 1 ...
 *     fn gamma(b, c) = let %1 = min(b, c) in let %2 = max(b, c) in if %1 == 1 and %2 == 2 ...
 *
 * Only infallible expressions move (expr-facts.ts): computing one where the original might not have
 * (a branch not taken, a comprehension over an empty list) raises nothing. The expression is the
 * same tree, so its value is the same bits; only how often it is computed changes. Explanations
 * list the calls of the IR as lowered (the interpreter explains), so they do not change either.
 */
import { childExprs, forEachExpr, type IrExpr, type IrFunction, type IrRulebook } from "../ir/ir.js";
import { ExprFacts, isTrivial, mapChildren } from "./expr-facts.js";

/** Expressions smaller than this are cheaper recomputed than worth a local of their own. */
const MIN_SIZE = 3;

/** Rounds per body: each binds the outermost shared expressions of what the last one left. */
const MAX_ROUNDS = 4;

/** Each function body with its shared and loop-invariant expressions of the parameters bound once. */
export function optimizeFunctionBodies(ir: IrRulebook): IrRulebook {
  if (!ir.functions?.length) return ir;
  const facts = new ExprFacts(ir);
  const locals = [...ir.locals];
  const functions = ir.functions.map((f) => {
    let body = f.body;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const next = shareOnce(f, body, facts, locals);
      if (next === body) break;
      body = next;
    }
    return body === f.body ? f : { ...f, body };
  });
  return { ...ir, locals, functions };
}

/** One round: the outermost shared or invariant expressions of the body bound by `let`s at its top. */
function shareOnce(f: IrFunction, body: IrExpr, facts: ExprFacts, locals: string[]): IrExpr {
  const params = new Set(f.params);
  const candidate = (e: IrExpr): boolean =>
    !isTrivial(e) &&
    facts.size(e) >= MIN_SIZE &&
    facts.isInfallible(e) &&
    [...facts.freeLocals(e)].every((l) => params.has(l));
  // How often each candidate occurs, and whether one occurrence is inside a comprehension's loop.
  const counts = new Map<number, number>();
  const inLoop = new Set<number>();
  const count = (e: IrExpr, loop: boolean): void => {
    if (candidate(e)) {
      counts.set(facts.id(e), (counts.get(facts.id(e)) ?? 0) + 1);
      if (loop) inLoop.add(facts.id(e));
    }
    visitChildren(e, loop, count);
  };
  count(body, false);
  const worth = (id: number): boolean => (counts.get(id) ?? 0) >= 2 || inLoop.has(id);
  // The outermost ones, in evaluation order; one inside another chosen one waits for the next round.
  const chosen = new Map<number, IrExpr>();
  const pick = (e: IrExpr): void => {
    if (candidate(e) && worth(facts.id(e))) {
      if (!chosen.has(facts.id(e))) chosen.set(facts.id(e), e);
      return;
    }
    childExprs(e).forEach(pick);
  };
  pick(body);
  const nested = new Set<number>();
  for (const e of chosen.values())
    for (const child of childExprs(e))
      forEachExpr(child, (x) => {
        if (chosen.has(facts.id(x))) nested.add(facts.id(x));
      });
  const bound = new Map<number, number>();
  for (const id of chosen.keys()) if (!nested.has(id)) bound.set(id, locals.push(`%${f.name}`) - 1);
  if (bound.size === 0) return body;
  const replace = (e: IrExpr): IrExpr => {
    const local = bound.get(facts.id(e));
    if (local !== undefined) return { k: "local", local };
    let changed = false;
    const copy = mapChildren(e, (child) => {
      const replaced = replace(child);
      if (replaced !== child) changed = true;
      return replaced;
    });
    return changed ? copy : e;
  };
  const lets = [...bound].map(([id, local]) => ({ local, value: chosen.get(id)! }));
  return lets.reduceRight<IrExpr>(
    (inner, { local, value }) => ({ k: "let", local, value, body: inner }),
    replace(body),
  );
}

/** Calls `visit(child, inLoop)` for each child, `inLoop` true in a comprehension's per-element parts. */
function visitChildren(e: IrExpr, loop: boolean, visit: (child: IrExpr, loop: boolean) => void): void {
  if (e.k !== "agg") {
    for (const child of childExprs(e)) visit(child, loop);
    return;
  }
  for (const part of [e.source, e.init, e.fallback]) if (part) visit(part, loop);
  for (const part of [e.filter, e.elem, e.key]) if (part) visit(part, true);
}
