/**
 * The optimizer: IR -> IR passes between lowering and code generation, each a pure function.
 *
 * The code generator runs them on the artifact's IR when a rulebook is loaded (the artifact keeps
 * the IR as lowered: the interpreter, explanations, the verifier and the SQL target read that one).
 * So the optimizer sits below the runtime and imports only the IR and the semantics layer, whose
 * builtin declarations (fallibility) and operations (constant folding) it stands on.
 *
 * Every pass keeps the exact order of floating-point operations (no reassociation: a sum per group
 * adds the same elements in the same order as the filtered sum) and the errors an evaluation raises
 * (nothing that can raise is moved, duplicated or evaluated where it was not). The differential
 * tests (test/optimize/) hold each pass to that on random rulebooks and inputs.
 */
import type { IrRulebook } from "../ir/ir.js";
import { eliminateCommonSubexpressions } from "./cse.js";
import { eliminateDeadSteps } from "./dead-outputs.js";
import { filterToGroup } from "./filter-to-group.js";
import { foldConstants } from "./fold-constants.js";
import { optimizeFunctionBodies } from "./function-bodies.js";
import { hoistLoopInvariants } from "./licm.js";

/** Options of {@link optimizeIr}. */
export interface OptimizeOptions {
  /** Compute only these outputs (and what the assertions need); default all. */
  outputs?: readonly string[];
}

/** One optimizer pass. */
export interface OptimizerPass {
  name: string;
  run(ir: IrRulebook, options: OptimizeOptions): IrRulebook;
}

/**
 * The passes, in order, and why there:
 *
 * 1. dead steps first, so that nothing later works on steps that will not run;
 * 2. constant folding, so that the shapes the later passes compare are canonical (a let of a
 *    parameter is its value everywhere);
 * 3. filter-to-group before the hoisting passes: it creates the `group(...)` they hoist;
 * 4. common subexpressions before loop-invariant motion, so that the same invariant in five
 *    loops becomes one let, not five;
 * 5. loop-invariant code motion;
 * 6. inside user functions, the same two with the parameters as loop variables (after folding,
 *    which simplifies the bodies first);
 * 7. dead steps again: lets whose readers were folded or hoisted away.
 */
export const PASSES: readonly OptimizerPass[] = [
  {
    name: "dead-outputs",
    run: (ir, o) => eliminateDeadSteps(ir, o.outputs ? new Set(o.outputs) : undefined),
  },
  { name: "fold-constants", run: (ir) => foldConstants(ir) },
  { name: "filter-to-group", run: (ir) => filterToGroup(ir) },
  { name: "cse", run: (ir) => eliminateCommonSubexpressions(ir) },
  { name: "licm", run: (ir) => hoistLoopInvariants(ir) },
  { name: "function-bodies", run: (ir) => optimizeFunctionBodies(ir) },
  {
    name: "dead-lets",
    run: (ir, o) => eliminateDeadSteps(ir, o.outputs ? new Set(o.outputs) : undefined),
  },
];

/** Runs the optimizer's passes (all of them, or those named in `only`) over a rulebook's IR. */
export function optimizeIr(
  ir: IrRulebook,
  options: OptimizeOptions = {},
  only?: ReadonlySet<string>,
): IrRulebook {
  return PASSES.reduce(
    (result, pass) => (only && !only.has(pass.name) ? result : pass.run(result, options)),
    ir,
  );
}
