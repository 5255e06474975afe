/**
 * Facts about IR expressions that every optimizer pass stands on: rebuilding a node with new
 * children, whether an expression can raise (from the builtins' declared fallibility), whether it
 * is closed (reads no variable bound outside it and no quantity, so it has one value per
 * evaluation), and a canonical shape that identifies expressions written alike.
 */
import {
  childExprs,
  invalidExpressionKind,
  type IrAggregate,
  type IrExpr,
  type IrRulebook,
  type IrStep,
} from "../ir/ir.js";
import { BUILTINS, isBuiltin } from "../semantics/builtins.js";

/** The expression with each direct child replaced by `f(child)` (the node itself is copied). */
export function mapChildren(e: IrExpr, f: (child: IrExpr) => IrExpr): IrExpr {
  switch (e.k) {
    case "unary":
      return { ...e, x: f(e.x) };
    case "binary":
      return { ...e, l: f(e.l), r: f(e.r) };
    case "if":
      return { ...e, c: f(e.c), t: f(e.t), e: f(e.e) };
    case "call":
      return { ...e, args: e.args.map(f) };
    case "tier":
      return { ...e, key: f(e.key) };
    case "cell":
      return { ...e, row: f(e.row) };
    case "margin":
      return { ...e, key: f(e.key) };
    case "liquidation":
      return { ...e, side: f(e.side), size: f(e.size), entry: f(e.entry), balance: f(e.balance) };
    case "field":
      return { ...e, x: f(e.x) };
    case "index":
      return { ...e, x: f(e.x), index: f(e.index) };
    case "nokey":
      return { ...e, keys: e.keys.map(f) };
    case "agg": {
      const copy: IrAggregate = { ...e, source: f(e.source), elem: f(e.elem) };
      if (e.filter) copy.filter = f(e.filter);
      if (e.key) copy.key = f(e.key);
      if (e.fallback) copy.fallback = f(e.fallback);
      if (e.init) copy.init = f(e.init);
      return copy;
    }
    case "list":
      return { ...e, items: e.items.map(f) };
    case "record":
      return { ...e, values: e.values.map(f) };
    case "apply":
      return { ...e, args: e.args.map(f) };
    case "let":
      return { ...e, value: f(e.value), body: f(e.body) };
    case "const":
    case "input":
    case "slot":
    case "local":
    case "scenarios":
      return e;
    default:
      return invalidExpressionKind(e);
  }
}

/** The expression rewritten bottom-up: `f` sees each node after its children were rewritten. */
export function rewriteBottomUp(e: IrExpr, f: (node: IrExpr) => IrExpr): IrExpr {
  return f(mapChildren(e, (child) => rewriteBottomUp(child, f)));
}

/**
 * Whether evaluating the expression can never raise a runtime error, whatever the input: no
 * division by a non-constant, no fallible builtin (as declared in src/semantics/builtins.ts), no
 * tier search, index, margin or liquidation price, no keyed-table miss, no `min` / `max` / `avg` of
 * a list that may be empty. Such an expression can be moved, evaluated once for many uses, or
 * evaluated where the original would not have been, without changing which error an evaluation
 * raises. Every kind of expression is listed: a new one must say whether it raises.
 */
export function isInfallible(e: IrExpr): boolean {
  return ownInfallible(e) && childExprs(e).every(isInfallible);
}

/** Whether the node itself (its children aside) can never raise; every kind listed. */
function ownInfallible(e: IrExpr): boolean {
  switch (e.k) {
    case "binary":
      return e.op !== "/" || (e.r.k === "const" && typeof e.r.v === "number" && e.r.v !== 0);
    case "call":
      return isBuiltin(e.fn) && !BUILTINS[e.fn].fallible;
    case "tier":
    case "margin":
    case "liquidation":
    case "index":
    case "nokey":
    case "apply": // a function body may raise: not inspected here
      return false;
    case "agg":
      if ((e.op === "min" || e.op === "max" || e.op === "avg") && e.fallback === undefined) return false;
      return e.op !== "argmax" && e.op !== "argmin";
    case "const":
    case "input":
    case "slot":
    case "local":
    case "scenarios":
    case "unary":
    case "if":
    case "cell":
    case "field":
    case "list":
    case "record":
    case "let":
      return true;
    default:
      return invalidExpressionKind(e);
  }
}

/** Leaves and cheap reads: never worth a variable of their own. */
export function isTrivial(e: IrExpr): boolean {
  return (
    e.k === "const" ||
    e.k === "input" ||
    e.k === "slot" ||
    e.k === "local" ||
    e.k === "scenarios" ||
    (e.k === "field" && isTrivial(e.x)) ||
    (e.k === "unary" && isTrivial(e.x))
  );
}

/** The number of nodes of an expression. */
export function exprSize(e: IrExpr): number {
  return childExprs(e).reduce((n, c) => n + exprSize(c), 1);
}

/** The locals an expression reads without binding them itself. */
export function freeLocals(e: IrExpr, bound: ReadonlySet<number> = new Set()): Set<number> {
  const free = new Set<number>();
  const visit = (x: IrExpr, inScope: ReadonlySet<number>): void => {
    if (x.k === "local") {
      if (!inScope.has(x.local)) free.add(x.local);
      return;
    }
    if (x.k === "agg") {
      visit(x.source, inScope);
      const inner = new Set(inScope).add(x.local);
      for (const part of [x.filter, x.elem, x.key]) if (part) visit(part, inner);
      if (x.fallback) visit(x.fallback, inScope);
      return;
    }
    for (const child of childExprs(x)) visit(child, inScope);
  };
  visit(e, bound);
  return free;
}

/** Whether an expression reads a quantity (whose value the rules change during an evaluation). */
export function readsQuantity(e: IrExpr, ir: IrRulebook): boolean {
  if (e.k === "slot") return ir.slots[e.slot]?.kind === "quantity";
  return childExprs(e).some((c) => readsQuantity(c, ir));
}

/**
 * Whether an expression has one value per evaluation wherever it appears: it reads no variable
 * bound outside it and no quantity (lets and outputs are set once, before anything reads them).
 */
export function isClosed(e: IrExpr, ir: IrRulebook): boolean {
  return freeLocals(e).size === 0 && !readsQuantity(e, ir);
}

/**
 * The structure of an expression without its error sites, its locals numbered by binding order:
 * two expressions written alike (in two outputs, with different local numbers) have one shape.
 * Free locals keep their number.
 */
export function exprShape(e: IrExpr): string {
  const bound = new Map<number, number>();
  const visit = (x: IrExpr): unknown => {
    if (x.k === "local") {
      const n = bound.get(x.local);
      return n === undefined ? ["free", x.local] : ["bound", n];
    }
    if (x.k === "agg") {
      const source = visit(x.source);
      const fallback = x.fallback ? visit(x.fallback) : null;
      const saved = bound.get(x.local);
      bound.set(x.local, bound.size);
      const parts = [x.filter, x.elem, x.key].map((p) => (p ? visit(p) : null));
      if (saved === undefined) bound.delete(x.local);
      else bound.set(x.local, saved);
      return ["agg", x.op, x.unit ?? null, source, fallback, ...parts];
    }
    const fields: unknown[] = [];
    for (const [name, value] of Object.entries(x)) {
      if (name === "site") continue;
      if (value !== null && typeof value === "object" && !Array.isArray(value))
        fields.push(name, visit(value as IrExpr));
      else if (Array.isArray(value))
        fields.push(
          name,
          value.map((v) => (v !== null && typeof v === "object" ? visit(v as IrExpr) : v)),
        );
      else fields.push(name, value);
    }
    return fields;
  };
  return JSON.stringify(visit(e));
}

/** The expressions of a step (its condition, its actions' conditions and values), in evaluation order. */
export function stepExprs(step: IrStep): IrExpr[] {
  switch (step.kind) {
    case "let":
    case "output":
      return [step.value];
    case "assert":
      return [step.condition];
    case "rule":
      return [
        ...(step.condition ? [step.condition] : []),
        ...step.actions.flatMap((a) => [...(a.condition ? [a.condition] : []), a.value]),
      ];
  }
}

/** The step with each of its expressions replaced by `f(expression)`. */
export function mapStepExprs(step: IrStep, f: (e: IrExpr) => IrExpr): IrStep {
  switch (step.kind) {
    case "let":
    case "output":
      return { ...step, value: f(step.value) };
    case "assert":
      return { ...step, condition: f(step.condition) };
    case "rule":
      return {
        ...step,
        ...(step.condition ? { condition: f(step.condition) } : {}),
        actions: step.actions.map((a) => ({
          ...a,
          ...(a.condition ? { condition: f(a.condition) } : {}),
          value: f(a.value),
        })),
      };
  }
}

/**
 * A scalar field in an expression's key: strings quoted, numbers exact (`-0` apart from `0`, which
 * JSON would merge), everything else by name.
 */
function scalarKey(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "=-0" : `=${value}`;
  return `=${String(value)}`;
}

const NO_NAMES: ReadonlyMap<number, string> = new Map();

/**
 * The facts above, memoized per node for one pass over a rulebook, in time linear in its size:
 * every node gets an id, equal for equal trees (sites aside, and the names of the locals they bind).
 */
export class ExprFacts {
  private readonly ids = new Map<IrExpr, number>();
  private readonly interned = new Map<string, number>();
  private readonly free = new Map<IrExpr, ReadonlySet<number>>();
  private readonly infallible = new Map<IrExpr, boolean>();
  private readonly sizes = new Map<IrExpr, number>();
  private readonly quantities = new Map<IrExpr, boolean>();
  private readonly functions = new Map<number, boolean>();
  private readonly scoped = new Map<IrExpr, Map<string, number>>();
  private readonly heights = new Map<IrExpr, number>();

  constructor(private readonly ir: IrRulebook) {}

  /**
   * The id of the tree under `e`, the same for trees alike up to the names of the locals they bind
   * (two comprehensions written alike in two outputs, each with its own local, have one id; a
   * local bound outside the tree keeps its number). Its key lists the node's fields with each
   * child's id in place of the child, built as one string (no array of pairs, no JSON of arrays):
   * this ran on every node of the rulebook at each round of the optimizer.
   *
   * A binder's local is named by the binder's height (how many binders deep the tree under it
   * is, which does not depend on where the tree sits): an outer binder is higher than every binder
   * inside it, so no two binders in scope at once share a name.
   */
  id(e: IrExpr): number {
    return this.idUnder(e, NO_NAMES);
  }

  /** The id of `e` where the locals in `names` (bound by enclosing binders) read as those names. */
  private idUnder(e: IrExpr, names: ReadonlyMap<number, string>): number {
    let context = "";
    if (names.size > 0)
      for (const l of this.freeLocals(e)) {
        const name = names.get(l);
        if (name !== undefined) context += `${l}>${name},`;
      }
    let memo: Map<string, number> | undefined;
    if (context === "") {
      const known = this.ids.get(e);
      if (known !== undefined) return known;
    } else {
      memo = this.scoped.get(e);
      const known = memo?.get(context);
      if (known !== undefined) return known;
    }
    const inner = context === "" ? NO_NAMES : names;
    let key = "";
    const node = e as unknown as Record<string, unknown>;
    for (const field in node) {
      if (field === "site") continue;
      const value = node[field];
      key += field;
      const bound = this.binderName(e, field);
      if (bound !== undefined) key += `@${bound}`;
      else if (e.k === "local" && field === "local" && inner.has(e.local)) key += `@${inner.get(e.local)!}`;
      else if (value !== null && typeof value === "object") {
        const scope = this.namesIn(e, field, inner);
        if (Array.isArray(value)) {
          key += "[";
          for (const v of value)
            key +=
              (v !== null && typeof v === "object" ? `#${this.idUnder(v as IrExpr, scope)}` : scalarKey(v)) +
              ",";
          key += "]";
        } else key += `#${this.idUnder(value as IrExpr, scope)}`;
      } else key += scalarKey(value);
      key += ";";
    }
    let id = this.interned.get(key);
    if (id === undefined) this.interned.set(key, (id = this.interned.size));
    if (context === "") this.ids.set(e, id);
    else {
      if (memo === undefined) this.scoped.set(e, (memo = new Map()));
      memo.set(context, id);
    }
    return id;
  }

  /** The canonical name of the local a binder's field binds (`local`, `position`, `acc`), if it is one. */
  private binderName(e: IrExpr, field: string): string | undefined {
    if (e.k === "let" && field === "local") return `b${this.height(e)}`;
    if (e.k === "agg" && (field === "local" || field === "position" || field === "acc"))
      return `b${this.height(e)}${field[0]!}`;
    return undefined;
  }

  /** The names in scope in a field of `e`: those of `names`, and the locals `e` binds there. */
  private namesIn(e: IrExpr, field: string, names: ReadonlyMap<number, string>): ReadonlyMap<number, string> {
    const binds: [number, string][] = [];
    if (e.k === "let" && field === "body") binds.push([e.local, this.binderName(e, "local")!]);
    if (e.k === "agg" && (field === "filter" || field === "key" || field === "elem")) {
      binds.push([e.local, this.binderName(e, "local")!]);
      if (e.position !== undefined) binds.push([e.position, this.binderName(e, "position")!]);
      if (field === "elem" && e.acc !== undefined) binds.push([e.acc, this.binderName(e, "acc")!]);
    }
    if (binds.length === 0) return names;
    const scope = new Map(names);
    for (const [local, name] of binds) scope.set(local, name);
    return scope;
  }

  /** How many binders (`let`s and comprehensions) deep the tree under `e` is, `e` included. */
  private height(e: IrExpr): number {
    let h = this.heights.get(e);
    if (h === undefined) {
      h =
        childExprs(e).reduce((m, c) => Math.max(m, this.height(c)), 0) +
        (e.k === "let" || e.k === "agg" ? 1 : 0);
      this.heights.set(e, h);
    }
    return h;
  }

  /**
   * The locals an expression reads without binding them itself, memoized; exact where
   * {@link freeLocals} is conservative: a `let` binds its local in its body, a comprehension its
   * element variable and position in its filter, element and key, and a fold's accumulator in its
   * element (`init` and `default` are evaluated outside the loop). A call binds its function's
   * parameters in the body, which reads nothing else: its free locals are its arguments'.
   */
  freeLocals(e: IrExpr): ReadonlySet<number> {
    let free = this.free.get(e);
    if (free !== undefined) return free;
    const set = new Set<number>();
    const add = (part: IrExpr | undefined, bound: readonly (number | undefined)[] = []): void => {
      if (part) for (const l of this.freeLocals(part)) if (!bound.includes(l)) set.add(l);
    };
    if (e.k === "local") set.add(e.local);
    else if (e.k === "let") {
      add(e.value);
      add(e.body, [e.local]);
    } else if (e.k === "agg") {
      for (const part of [e.source, e.init, e.fallback]) add(part);
      for (const part of [e.filter, e.key]) add(part, [e.local, e.position]);
      add(e.elem, [e.local, e.position, e.acc]);
    } else for (const child of childExprs(e)) add(child);
    free = set;
    this.free.set(e, free);
    return free;
  }

  /**
   * {@link isInfallible}, memoized, and knowing the rulebook's functions: a call of a function
   * whose body cannot raise cannot raise either (no function calls itself, so this terminates).
   */
  isInfallible(e: IrExpr): boolean {
    let known = this.infallible.get(e);
    if (known === undefined) {
      const own = e.k === "apply" ? this.functionInfallible(e.fn) : ownInfallible(e);
      known = own && childExprs(e).every((c) => this.isInfallible(c));
      this.infallible.set(e, known);
    }
    return known;
  }

  /** Whether a user function's body can never raise, whatever its arguments. */
  functionInfallible(fn: number): boolean {
    let known = this.functions.get(fn);
    if (known === undefined) {
      const f = Number.isSafeInteger(fn) ? this.ir.functions?.[fn] : undefined;
      // Marked fallible first: a malformed IR's cycle of calls ends here rather than looping.
      this.functions.set(fn, false);
      known = f !== undefined && this.isInfallible(f.body);
      this.functions.set(fn, known);
    }
    return known;
  }

  /** {@link exprSize}, memoized. */
  size(e: IrExpr): number {
    let size = this.sizes.get(e);
    if (size === undefined) {
      size = childExprs(e).reduce((n, c) => n + this.size(c), 1);
      this.sizes.set(e, size);
    }
    return size;
  }

  /** {@link isClosed}, memoized. */
  isClosed(e: IrExpr): boolean {
    return this.freeLocals(e).size === 0 && !this.readsQuantity(e);
  }

  private readsQuantity(e: IrExpr): boolean {
    let known = this.quantities.get(e);
    if (known === undefined) {
      known =
        e.k === "slot"
          ? this.ir.slots[e.slot]?.kind === "quantity"
          : childExprs(e).some((c) => this.readsQuantity(c));
      this.quantities.set(e, known);
    }
    return known;
  }
}
