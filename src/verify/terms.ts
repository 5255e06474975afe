/**
 * Terms: the final value of every slot as one expression over the inputs alone, built by running
 * the IR's steps symbolically. Lets, quantities and outputs are inlined; a rule step becomes an
 * expression (`floor q at e` is `max(q, e)`, a step under `when c` is `if c then <new> else q`);
 * an output's declared rounding becomes a `round_*` call. Terms share subterms (they are DAGs),
 * and {@link TermTable.id} numbers them by structure, so two occurrences of `size * mark` are one
 * term however they were written, and nothing is ever expanded into a tree.
 */
import type { IrExpr, IrRulebook, IrStep, IrVerb } from "../ir/ir.js";

/** The symbolic model of one rulebook. */
export interface SymbolicModel {
  /** The final value of each slot (outputs after their rounding); undefined if never set. */
  value: (IrExpr | undefined)[];
  /** The value of each output before its rounding (the same term as `value` for other slots). */
  raw: (IrExpr | undefined)[];
  /** An expression over final values (an assertion, a property) with its slots inlined. */
  substitute(expr: IrExpr): IrExpr;
}

const ROUNDING_FN = { up: "round_up", down: "round_down", half_even: "round_half_even" } as const;

/** Runs the steps of `ir` symbolically (assertions are skipped: they set nothing). */
export function symbolicModel(ir: IrRulebook): SymbolicModel {
  const value: (IrExpr | undefined)[] = new Array<IrExpr | undefined>(ir.slots.length).fill(undefined);
  const raw: (IrExpr | undefined)[] = new Array<IrExpr | undefined>(ir.slots.length).fill(undefined);
  const substitute = (expr: IrExpr): IrExpr => inline(expr, value, new Map());
  for (const step of ir.steps) runStep(step, value, raw, substitute);
  return { value, raw, substitute };
}

function runStep(
  step: IrStep,
  value: (IrExpr | undefined)[],
  raw: (IrExpr | undefined)[],
  substitute: (e: IrExpr) => IrExpr,
): void {
  switch (step.kind) {
    case "let": {
      value[step.slot] = raw[step.slot] = substitute(step.value);
      return;
    }
    case "output": {
      const unrounded = substitute(step.value);
      raw[step.slot] = unrounded;
      const r = step.rounding;
      value[step.slot] = r
        ? { k: "call", fn: ROUNDING_FN[r.direction], args: [unrounded, { k: "const", v: r.step }] }
        : unrounded;
      return;
    }
    case "rule": {
      // The rule's condition is read once, before its steps; a step's own condition when it comes.
      const condition = step.condition ? substitute(step.condition) : undefined;
      for (const action of step.actions) {
        const own = action.condition ? substitute(action.condition) : undefined;
        const guard = condition && own ? and(condition, own) : (condition ?? own);
        const before = value[action.slot];
        const operand = substitute(action.value);
        const after = applyVerb(action.verb, before, operand);
        value[action.slot] = raw[action.slot] =
          guard && before ? { k: "if", c: guard, t: after, e: before } : after;
      }
      return;
    }
    case "assert":
      return;
  }
}

function and(l: IrExpr, r: IrExpr): IrExpr {
  return { k: "binary", op: "and", l, r };
}

/** The term of a quantity after one rule step. */
function applyVerb(verb: IrVerb, before: IrExpr | undefined, operand: IrExpr): IrExpr {
  return before ? VERB_TERMS[verb](before, operand) : operand;
}

/** The term of each rule verb, from the quantity's term before the step and the operand's. */
const VERB_TERMS: Readonly<Record<IrVerb, (before: IrExpr, operand: IrExpr) => IrExpr>> = {
  set: (_before, operand) => operand,
  scale: (before, operand) => ({ k: "binary", op: "*", l: before, r: operand }),
  add: (before, operand) => ({ k: "binary", op: "+", l: before, r: operand }),
  floor: (before, operand) => ({ k: "call", fn: "max", args: [before, operand] }),
  cap: (before, operand) => ({ k: "call", fn: "min", args: [before, operand] }),
};

/** Replaces every slot reference by the slot's current term; shares unchanged subtrees. */
function inline(expr: IrExpr, value: readonly (IrExpr | undefined)[], memo: Map<IrExpr, IrExpr>): IrExpr {
  const known = memo.get(expr);
  if (known) return known;
  let result: IrExpr;
  if (expr.k === "slot") {
    result = value[expr.slot] ?? { k: "const", v: 0 };
  } else {
    result = mapChildren(expr, (child) => inline(child, value, memo));
  }
  memo.set(expr, result);
  return result;
}

/** A copy of `expr` with each direct child replaced by `f(child)`; `expr` itself when none changes. */
export function mapChildren(expr: IrExpr, f: (child: IrExpr) => IrExpr): IrExpr {
  switch (expr.k) {
    case "unary": {
      const x = f(expr.x);
      return x === expr.x ? expr : { ...expr, x };
    }
    case "binary": {
      const l = f(expr.l);
      const r = f(expr.r);
      return l === expr.l && r === expr.r ? expr : { ...expr, l, r };
    }
    case "if": {
      const c = f(expr.c);
      const t = f(expr.t);
      const e = f(expr.e);
      return c === expr.c && t === expr.t && e === expr.e ? expr : { ...expr, c, t, e };
    }
    case "call": {
      const args = expr.args.map(f);
      return args.every((a, i) => a === expr.args[i]) ? expr : { ...expr, args };
    }
    case "tier": {
      const key = f(expr.key);
      return key === expr.key ? expr : { ...expr, key };
    }
    case "cell": {
      const row = f(expr.row);
      return row === expr.row ? expr : { ...expr, row };
    }
    case "margin": {
      const key = f(expr.key);
      return key === expr.key ? expr : { ...expr, key };
    }
    case "liquidation": {
      const [side, size, entry, balance] = [f(expr.side), f(expr.size), f(expr.entry), f(expr.balance)];
      return side === expr.side && size === expr.size && entry === expr.entry && balance === expr.balance
        ? expr
        : { ...expr, side, size, entry, balance };
    }
    case "field": {
      const x = f(expr.x);
      return x === expr.x ? expr : { ...expr, x };
    }
    case "index": {
      const x = f(expr.x);
      const index = f(expr.index);
      return x === expr.x && index === expr.index ? expr : { ...expr, x, index };
    }
    case "nokey": {
      const keys = expr.keys.map(f);
      return keys.every((k, i) => k === expr.keys[i]) ? expr : { ...expr, keys };
    }
    case "agg": {
      const source = f(expr.source);
      const init = expr.init ? f(expr.init) : undefined;
      const elem = f(expr.elem);
      const filter = expr.filter ? f(expr.filter) : undefined;
      const key = expr.key ? f(expr.key) : undefined;
      const fallback = expr.fallback ? f(expr.fallback) : undefined;
      if (
        source === expr.source &&
        elem === expr.elem &&
        filter === expr.filter &&
        key === expr.key &&
        fallback === expr.fallback &&
        init === expr.init
      )
        return expr;
      return {
        ...expr,
        source,
        ...(init ? { init } : {}),
        elem,
        ...(filter ? { filter } : {}),
        ...(key ? { key } : {}),
        ...(fallback ? { fallback } : {}),
      };
    }
    case "list": {
      const items = expr.items.map(f);
      return items.every((a, i) => a === expr.items[i]) ? expr : { ...expr, items };
    }
    case "record": {
      const values = expr.values.map(f);
      return values.every((a, i) => a === expr.values[i]) ? expr : { ...expr, values };
    }
    case "apply": {
      const args = expr.args.map(f);
      return args.every((a, i) => a === expr.args[i]) ? expr : { ...expr, args };
    }
    case "let": {
      const value = f(expr.value);
      const body = f(expr.body);
      return value === expr.value && body === expr.body ? expr : { ...expr, value, body };
    }
    case "const":
    case "input":
    case "slot":
    case "local":
    case "scenarios":
      return expr;
  }
}

/**
 * Numbers terms by structure (hash-consing): equal ids mean equal expressions, whatever their
 * error sites. Ids are computed once per node object, from the ids of its children, so a DAG is
 * never walked as a tree.
 */
export class TermTable {
  private readonly ids = new WeakMap<IrExpr, number>();
  private readonly byShape = new Map<string, number>();
  private readonly terms: IrExpr[] = [];

  /** The structural id of a term. */
  id(expr: IrExpr): number {
    const known = this.ids.get(expr);
    if (known !== undefined) return known;
    const shape = this.shape(expr);
    let id = this.byShape.get(shape);
    if (id === undefined) {
      id = this.terms.length;
      this.byShape.set(shape, id);
      this.terms.push(expr);
    }
    this.ids.set(expr, id);
    return id;
  }

  /** A representative term of an id. */
  term(id: number): IrExpr {
    return this.terms[id]!;
  }

  private shape(e: IrExpr): string {
    const c = (x: IrExpr | undefined): string => (x ? String(this.id(x)) : "-");
    switch (e.k) {
      case "const":
        return `c${typeof e.v}:${String(e.v)}`;
      case "input":
        return `in:${JSON.stringify(e.path)}:${JSON.stringify(e.default ?? null)}:${e.timestamp ? 1 : 0}`;
      case "slot":
        return `slot:${e.slot}`;
      case "local":
        return `local:${e.local}`;
      case "unary":
        return `u${e.op}:${c(e.x)}`;
      case "binary":
        return `b${e.op}:${c(e.l)}:${c(e.r)}`;
      case "if":
        return `if:${c(e.c)}:${c(e.t)}:${c(e.e)}`;
      case "call":
        return `call${e.fn}:${e.args.map(c).join(",")}`;
      case "tier":
        return `tier${e.table}:${c(e.key)}`;
      case "cell":
        return `cell${e.table}:${String(e.column)}:${c(e.row)}`;
      case "margin":
        return `margin${e.table}:${e.column}:${e.deduction ? 1 : 0}:${c(e.key)}`;
      case "liquidation":
        return `liq${e.table}:${e.column}:${e.marginAt ?? "-"}:${e.contract ?? "-"}:${e.closingFee ?? 0}:${c(e.side)}:${c(e.size)}:${c(e.entry)}:${c(e.balance)}`;
      case "field":
        return `field:${e.name}:${JSON.stringify(e.default ?? null)}:${e.timestamp ? 1 : 0}:${c(e.x)}`;
      case "index":
        return `index:${c(e.x)}:${c(e.index)}`;
      case "scenarios":
        return `scenarios:${e.set}`;
      case "nokey":
        return `nokey:${JSON.stringify(e.table)}:${e.keys.map(c).join(",")}`;
      case "agg":
        return `agg${e.op}:${e.local}:${c(e.source)}:${c(e.elem)}:${c(e.filter)}:${c(e.key)}:${c(e.fallback)}:${e.acc ?? "-"}:${c(e.init)}:${e.position ?? "-"}`;
      case "list":
        return `list:${e.items.map(c).join(",")}`;
      case "record":
        return `record:${JSON.stringify(e.names)}:${e.values.map(c).join(",")}`;
      case "apply":
        return `apply${e.fn}:${e.args.map(c).join(",")}`;
      case "let":
        return `let${e.local}:${c(e.value)}:${c(e.body)}`;
    }
  }
}

/** The input paths a term reads, as `position.size` strings (memoised per node). */
export function inputsOf(
  expr: IrExpr,
  memo: WeakMap<IrExpr, ReadonlySet<string>> = new WeakMap(),
): ReadonlySet<string> {
  const known = memo.get(expr);
  if (known) return known;
  const found = new Set<string>();
  if (expr.k === "input") found.add(expr.path.join("."));
  mapChildren(expr, (child) => {
    for (const path of inputsOf(child, memo)) found.add(path);
    return child;
  });
  memo.set(expr, found);
  return found;
}

/**
 * Whether a term reads a comprehension variable it does not bind itself (such a term varies from
 * one element to the next inside its comprehension; `sum(p.size for p in ...)` as a whole does not).
 */
export function usesLocals(
  expr: IrExpr,
  memo: WeakMap<IrExpr, ReadonlySet<number>> = new WeakMap(),
): boolean {
  return freeLocals(expr, memo).size > 0;
}

function freeLocals(expr: IrExpr, memo: WeakMap<IrExpr, ReadonlySet<number>>): ReadonlySet<number> {
  const known = memo.get(expr);
  if (known) return known;
  const free = new Set<number>();
  if (expr.k === "local") free.add(expr.local);
  mapChildren(expr, (child) => {
    for (const local of freeLocals(child, memo)) free.add(local);
    return child;
  });
  if (expr.k === "agg") {
    free.delete(expr.local);
    if (expr.acc !== undefined) free.delete(expr.acc);
    if (expr.position !== undefined) free.delete(expr.position);
  }
  if (expr.k === "let") free.delete(expr.local);
  memo.set(expr, free);
  return free;
}
