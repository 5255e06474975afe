/**
 * Constant folding across lets: a let whose value folds to a constant is replaced by that constant
 * wherever it is read, and every operation whose operands are constants is computed now, with the
 * runtime's own operations (src/semantics), so folding never changes a bit of a result.
 *
 * Parameters reach the IR already inlined as constants (the lowerer does that), so folding across
 * lets is folding across parameters too: `let cap = max_rate * 2` with a parameter `max_rate` is
 * one constant here, and `if cap > 1 ...` picks its branch at compile time.
 *
 * Only what cannot raise is folded: an operation that would raise (a division by zero, a key in no
 * tier) stays, so it still raises at run time with its site; so does a number that would not be
 * finite (the IR holds finite constants only). `if`, `and` and `or` with a constant condition keep
 * the branch that runs, which is all the original evaluated.
 */
import type { IrConstValue, IrExpr, IrRulebook } from "../ir/ir.js";
import { binaryOp, callBuiltin, findTierRow, unaryOp, type Value } from "../semantics/operations.js";
import { mapStepExprs, rewriteBottomUp } from "./expr-facts.js";

/** Thrown by the folding `raise`: the operation raises at run time, so it is not folded. */
class WouldRaise extends Error {}

const refuse = (): never => {
  throw new WouldRaise();
};

/** A runtime value as an IR constant, when it can be one. */
function constant(value: Value): IrExpr | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? { k: "const", v: value } : undefined;
  if (typeof value === "boolean" || typeof value === "string") return { k: "const", v: value };
  return undefined;
}

/** `f()` as a constant, or undefined when it raises or gives no constant. */
function attempt(f: () => Value): IrExpr | undefined {
  try {
    return constant(f());
  } catch (error) {
    if (error instanceof WouldRaise) return undefined;
    throw error;
  }
}

const valueOf = (e: IrExpr): IrConstValue | undefined => (e.k === "const" ? e.v : undefined);

/** Folds one node whose children are already folded. */
function foldNode(e: IrExpr, ir: IrRulebook, lets: ReadonlyMap<number, IrExpr>): IrExpr {
  switch (e.k) {
    case "slot":
      return lets.get(e.slot) ?? e;
    case "unary": {
      const x = valueOf(e.x);
      return x === undefined ? e : (attempt(() => unaryOp(e.op, x)) ?? e);
    }
    case "binary": {
      const l = valueOf(e.l);
      if ((e.op === "and" || e.op === "or") && typeof l === "boolean")
        return (e.op === "and") === l ? e.r : { k: "const", v: l };
      const r = valueOf(e.r);
      if (l === undefined || r === undefined) return e;
      return attempt(() => binaryOp(e.op, l, r, e.site ?? -1, refuse)) ?? e;
    }
    case "if": {
      const c = valueOf(e.c);
      return c === true ? e.t : c === false ? e.e : e;
    }
    case "call": {
      const args = e.args.map(valueOf);
      if (args.some((a) => a === undefined)) return e;
      return attempt(() => callBuiltin(e.fn, args as IrConstValue[], e.site ?? -1, refuse)) ?? e;
    }
    case "tier": {
      const key = valueOf(e.key);
      const table = ir.tables[e.table];
      if (typeof key !== "number" || !table) return e;
      const row = findTierRow(table, key);
      return row < 0 ? e : { k: "const", v: row };
    }
    case "cell": {
      const row = valueOf(e.row);
      const r = typeof row === "number" ? ir.tables[e.table]?.rows[row] : undefined;
      if (r === undefined || typeof row !== "number") return e;
      if (e.column === "tier") return { k: "const", v: row + 1 };
      if (e.column === "lower") return { k: "const", v: r.lower };
      if (e.column === "upper") return r.upper === null ? e : { k: "const", v: r.upper };
      return constant(r.cells[e.column] ?? NaN) ?? e;
    }
    case "let":
      // `let x = <constant> in body`: the body with the constant for `x`, folded again.
      if (e.value.k !== "const") return e;
      return rewriteBottomUp(e.body, (node) =>
        node.k === "local" && node.local === e.local ? e.value : foldNode(node, ir, lets),
      );
    default:
      return e;
  }
}

/** Folds every expression of the rulebook, replacing lets that fold to constants by their values. */
export function foldConstants(ir: IrRulebook): IrRulebook {
  const lets = new Map<number, IrExpr>();
  const steps = ir.steps.map((step) => {
    const folded = mapStepExprs(step, (e) => rewriteBottomUp(e, (node) => foldNode(node, ir, lets)));
    if (folded.kind === "let" && folded.value.k === "const") lets.set(folded.slot, folded.value);
    return folded;
  });
  // Function bodies read no slot: folded on their own (constants, tables, `let`s of constants).
  const functions = ir.functions?.map((f) => ({
    ...f,
    body: rewriteBottomUp(f.body, (node) => foldNode(node, ir, NO_LETS)),
  }));
  return { ...ir, steps, ...(functions ? { functions } : {}) };
}

const NO_LETS: ReadonlyMap<number, IrExpr> = new Map();
