/**
 * Expansion of user-function calls and local `let`s by substitution: a rulebook whose expressions
 * have no `apply` and no `let` node, for the analyses that reason about one expression tree (the
 * verifier's proofs). Evaluators never need it: they bind locals at run time, which evaluates a
 * local once where substitution would copy it.
 */
import type { IrExpr, IrRulebook, IrStep } from "./ir.js";

/** The rulebook with every call inlined and every `let` substituted; itself when it has neither. */
export function expandFunctions(ir: IrRulebook): IrRulebook {
  if (!ir.functions?.length && !JSON.stringify(ir.steps).includes('"k":"let"')) return ir;
  const expand = (e: IrExpr): IrExpr => substitute(ir, e, new Map());
  const steps = ir.steps.map((step): IrStep => {
    switch (step.kind) {
      case "let":
      case "output":
        return { ...step, value: expand(step.value) };
      case "assert":
        return { ...step, condition: expand(step.condition) };
      case "rule":
        return {
          ...step,
          ...(step.condition ? { condition: expand(step.condition) } : {}),
          actions: step.actions.map((a) => ({
            ...a,
            value: expand(a.value),
            ...(a.condition ? { condition: expand(a.condition) } : {}),
          })),
        };
    }
  });
  const properties = ir.properties?.map((p) => (p.condition ? { ...p, condition: expand(p.condition) } : p));
  const { functions: _functions, ...rest } = ir;
  void _functions;
  return { ...rest, steps, ...(properties ? { properties } : {}) };
}

function substitute(ir: IrRulebook, e: IrExpr, bound: ReadonlyMap<number, IrExpr>): IrExpr {
  const again = (x: IrExpr): IrExpr => substitute(ir, x, bound);
  switch (e.k) {
    case "local":
      return bound.get(e.local) ?? e;
    case "let":
      return substitute(ir, e.body, new Map(bound).set(e.local, again(e.value)));
    case "apply": {
      const fn = ir.functions![e.fn]!;
      const args = e.args.map(again);
      return substitute(ir, fn.body, new Map(fn.params.map((p, i) => [p, args[i]!])));
    }
    default: {
      const copy: Record<string, unknown> = { ...e };
      for (const [key, value] of Object.entries(e)) {
        if (Array.isArray(value) && key !== "path")
          copy[key] = value.map((v) =>
            typeof v === "object" && v !== null && "k" in v ? again(v as IrExpr) : v,
          );
        else if (typeof value === "object" && value !== null && "k" in value)
          copy[key] = again(value as IrExpr);
      }
      return copy as IrExpr;
    }
  }
}
