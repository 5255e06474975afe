/**
 * Filter-to-group rewriting: comprehensions that pick the elements of one list by a key,
 *
 *     sum(pnl(p, s) for p in account.positions where p.u == "ES")
 *
 * written once per key, or inside a loop over scenarios, become a scan of that key's group:
 *
 *     sum(sum(pnl(p, s) for p in g.items) for g in group(p for p in account.positions by p.u) where g.key == "ES")
 *
 * The `group(...)` is closed and cannot raise, so the hoisting passes that run next compute it once
 * per evaluation: one grouping pass over the list instead of one filtering pass per key and per
 * scenario.
 *
 * Exact, bit for bit: a group holds its elements in list order, so the inner comprehension sees
 * exactly the elements the filter kept, in the same order, and adds them in the same order. At most
 * one group has the key (groups are keyed by `===`-equal values, as `==` compares), so the outer
 * comprehension adds one inner sum to 0 (`0 + x` is `x`: a sum that starts at +0 is never -0), takes
 * the `min` / `max` of one value, or `any` / `all` of one. No group matches exactly when no element
 * would have passed the filter, and then the outer comprehension is empty as the original was
 * (same `default`, same MB6005 at the same site). The filter's operands cannot raise (that is a
 * condition of the rewrite), so evaluating them per group rather than per element changes nothing.
 *
 * Rewritten only where it pays: where the filter would run again for every iteration of an
 * enclosing comprehension (unless the code generator already computes it ahead of a scenario loop,
 * see `interchangeable`), or where one list is filtered by one key in many places.
 */
import type { IrAggregate, IrAggregateOp, IrExpr, IrRulebook } from "../ir/ir.js";
import {
  exprShape,
  freeLocals,
  isClosed,
  isInfallible,
  mapChildren,
  mapStepExprs,
  readsQuantity,
  stepExprs,
} from "./expr-facts.js";
import { childExprs } from "../ir/ir.js";

/** The outer comprehension's operator for each inner one this pass rewrites. */
const OUTER_OP: Partial<Record<IrAggregateOp, IrAggregateOp>> = {
  sum: "sum",
  count: "sum",
  min: "min",
  max: "max",
  any: "any",
  all: "all",
};

/** A comprehension the pass can rewrite: its key expression over the element and the value it is compared with. */
interface Match {
  agg: IrAggregate;
  key: IrExpr;
  value: IrExpr;
  /** The key was written on the left of `==`. */
  keyLeft: boolean;
  /** The identity of (list, key expression): comprehensions with one signature share one grouping. */
  signature: string;
}

/** Whether `e` is a comprehension filtered by `key(element) == value`, and the parts if so. */
function match(e: IrExpr, ir: IrRulebook): Match | undefined {
  if (e.k !== "agg" || OUTER_OP[e.op] === undefined || !e.filter) return undefined;
  // `for p, i in xs`: in a group, `i` would count the group's elements, not the list's.
  if (e.position !== undefined) return undefined;
  const f = e.filter;
  if (f.k !== "binary" || f.op !== "==") return undefined;
  if (e.source.k === "scenarios" || !isClosed(e.source, ir) || !isInfallible(e.source)) return undefined;
  const only = (x: IrExpr, locals: Set<number>): boolean =>
    [...locals].every((l) => l === e.local) &&
    locals.has(e.local) &&
    isInfallible(x) &&
    !readsQuantity(x, ir);
  const mentions = (x: IrExpr): boolean => freeLocals(x).has(e.local);
  for (const keyLeft of [true, false]) {
    const key = keyLeft ? f.l : f.r;
    const value = keyLeft ? f.r : f.l;
    if (!fieldOf(key, e.local) || !only(key, freeLocals(key)) || mentions(value) || !isInfallible(value))
      continue;
    return { agg: e, key, value, keyLeft, signature: exprShape(grouping(e, key)) };
  }
  return undefined;
}

/**
 * Whether `key` reads a field of the element (`p.u`, `p.contract.u`): a value of the input, so
 * never NaN, which a group would match to NaN (a `Map` key) where `==` does not.
 */
function fieldOf(key: IrExpr, local: number): boolean {
  return key.k === "field" && ((key.x.k === "local" && key.x.local === local) || fieldOf(key.x, local));
}

/** `group(x for x in list by key)` over the list of `agg`. */
function grouping(agg: IrAggregate, key: IrExpr): IrAggregate {
  return {
    k: "agg",
    op: "group",
    local: agg.local,
    source: agg.source,
    elem: { k: "local", local: agg.local },
    key,
    site: agg.site,
  };
}

/**
 * Whether the code generator computes a filtered comprehension inside a scenario loop before that
 * loop, once per element (its loop interchange, src/runtime/codegen-expr.ts `interchangeSums`): an
 * infallible `sum` directly in the scenario comprehension's element, its list and filter free of
 * the scenario. Then the filter already runs once per element, not once per element and scenario.
 */
function interchangeable(agg: IrAggregate, loop: IrAggregate | undefined): boolean {
  return (
    loop !== undefined &&
    loop.source.k === "scenarios" &&
    agg.op === "sum" &&
    isInfallible(agg) &&
    !freeLocals(agg.source).has(loop.local) &&
    !(agg.filter !== undefined && freeLocals(agg.filter).has(loop.local))
  );
}

/**
 * Every candidate in the rulebook, with whether it is re-run per iteration of an enclosing loop
 * (inside a comprehension, and not computed ahead of a scenario loop by the code generator).
 */
function candidates(ir: IrRulebook): { m: Match; rerun: boolean }[] {
  const found: { m: Match; rerun: boolean }[] = [];
  // `loop`: the nearest enclosing comprehension; `direct`: no other comprehension in between.
  const visit = (e: IrExpr, loop: IrAggregate | undefined, direct: boolean): void => {
    const m = match(e, ir);
    if (m) found.push({ m, rerun: loop !== undefined && !(direct && interchangeable(m.agg, loop)) });
    if (e.k === "agg") {
      visit(e.source, loop, false);
      for (const part of [e.filter, e.elem, e.key]) if (part) visit(part, e, true);
      if (e.fallback) visit(e.fallback, loop, false);
      return;
    }
    for (const child of childExprs(e)) visit(child, loop, direct);
  };
  for (const step of ir.steps) for (const e of stepExprs(step)) visit(e, undefined, false);
  return found;
}

/**
 * Filters of one list by one key, written this many times or more, are worth one grouping even
 * where each runs once: below it, a few comparisons per element cost less than building the groups.
 */
const GROUPING_THRESHOLD = 8;

/** Rewrites the profitable filtered comprehensions of a rulebook into scans of groups. */
export function filterToGroup(ir: IrRulebook): IrRulebook {
  const found = candidates(ir);
  const counts = new Map<string, number>();
  for (const { m } of found) counts.set(m.signature, (counts.get(m.signature) ?? 0) + 1);
  const chosen = new Set(
    found
      .filter(({ m, rerun }) => rerun || (counts.get(m.signature) ?? 0) >= GROUPING_THRESHOLD)
      .map(({ m }) => m.agg),
  );
  if (chosen.size === 0) return ir;
  const locals = [...ir.locals];
  // One grouping object per list and key, so that the hoisting passes see one tree, computed once.
  const groupings = new Map<string, IrAggregate>();
  const rewrite = (e: IrExpr): IrExpr => {
    const inner = mapChildren(e, rewrite);
    if (!chosen.has(e as IrAggregate)) return inner;
    const m = match(inner, ir)!;
    const g = locals.length;
    locals.push(`${locals[m.agg.local] ?? "x"}_group`);
    if (!groupings.has(m.signature)) groupings.set(m.signature, grouping(m.agg, m.key));
    return scanOfGroup(m, inner as IrAggregate, g, groupings.get(m.signature)!);
  };
  const steps = ir.steps.map((step) => mapStepExprs(step, rewrite));
  return { ...ir, locals, steps };
}

/** `op(op(elem for x in g.items) for g in group(x for x in list by key) where g.key == value)`. */
function scanOfGroup(m: Match, agg: IrAggregate, g: number, group: IrAggregate): IrExpr {
  const groupKey: IrExpr = { k: "field", x: { k: "local", local: g }, name: "key" };
  const inner: IrAggregate = { ...agg, source: { k: "field", x: { k: "local", local: g }, name: "items" } };
  delete inner.filter;
  const outer: IrAggregate = {
    k: "agg",
    op: OUTER_OP[agg.op]!,
    local: g,
    source: group,
    elem: inner,
    filter: {
      ...(agg.filter as Extract<IrExpr, { k: "binary" }>),
      l: m.keyLeft ? groupKey : m.value,
      r: m.keyLeft ? m.value : groupKey,
    },
    site: agg.site,
  };
  if (agg.fallback) outer.fallback = agg.fallback;
  if (agg.unit !== undefined) outer.unit = agg.unit;
  // The inner comprehension is never empty (a group has at least one element): no default needed.
  delete inner.fallback;
  return outer;
}
