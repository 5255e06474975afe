/**
 * Rule thresholds on the chart: where a rule's condition compares the swept input with a constant
 * (`rule vol_scale when market.vol_30d > vol_threshold`, the parameter inlined by the compiler), the
 * chart marks that value, named by the rule, so a kink in a curve has a visible cause.
 */
import type { IrExpr, IrRulebook } from "../ir/ir.js";
import { parsePath } from "./sweep.js";

/** A rule's condition crossing over at `x` of the swept input. */
export interface RuleThreshold {
  x: number;
  rule: string;
  /** As written in the IR's terms: `market.vol_30d > 0.8`. */
  condition: string;
}

const FLIPPED = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" } as const;

/** The thresholds of every rule whose condition compares the input at `path` (`market.vol_30d`) with a constant. */
export function ruleThresholds(ir: IrRulebook, path: string): RuleThreshold[] {
  const wanted = parsePath(path).join(".");
  const found: RuleThreshold[] = [];
  const visit = (rule: string, e: IrExpr): void => {
    if (e.k !== "binary") return;
    if (e.op === "and" || e.op === "or") {
      visit(rule, e.l);
      visit(rule, e.r);
      return;
    }
    if (!(e.op in FLIPPED)) return;
    const op = e.op as keyof typeof FLIPPED;
    const input = (x: IrExpr): boolean => x.k === "input" && x.path.join(".") === wanted;
    const constant = (x: IrExpr): number | undefined =>
      x.k === "const" && typeof x.v === "number" && Number.isFinite(x.v) ? x.v : undefined;
    if (input(e.l) && constant(e.r) !== undefined)
      found.push({ x: constant(e.r)!, rule, condition: `${path} ${op} ${constant(e.r)}` });
    else if (input(e.r) && constant(e.l) !== undefined)
      found.push({ x: constant(e.l)!, rule, condition: `${path} ${FLIPPED[op]} ${constant(e.l)}` });
  };
  for (const step of ir.steps) if (step.kind === "rule" && step.condition) visit(step.name, step.condition);
  return found;
}
