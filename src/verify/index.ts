/**
 * Verification of a rulebook's properties: its assertions and its `verify` declarations, each
 * proved statically when the analysis can (intervals, linear forms, case splits on tier rows,
 * monotonicity and continuity of terms), else searched for a counterexample within a time budget.
 *
 * `verifyRulebook(ir, options)` is pure (no I/O; the clock can be injected) and imports nothing from
 * the parser or the checker, so the CLI, the tests and the studio's worker all call it as it is.
 *
 * ```ts
 * const report = verifyRulebook(ir, { budgetMs: 3000 });
 * for (const p of report.properties) console.log(p.status, p.text, p.method ?? `${p.inputs} inputs`);
 * const broken = report.properties.find((p) => p.status === "violated");
 * broken?.counterexample?.evaluation.input; // load it into the preview
 * ```
 */
import type { IrPropertyKind, IrRulebook } from "../ir/ir.js";
import { expandFunctions } from "../ir/expand.js";
import type { Replay } from "./probe.js";
import { ProofEngine } from "./proofs.js";
import { propertiesOf, type Property } from "./properties.js";
import { Searcher, type SearchLimits, type Witness } from "./search.js";

/** One evaluation of a counterexample: its input, outputs and explanation. */
export type { Replay } from "./probe.js";

/** Options of {@link verifyRulebook}. */
export interface VerifyOptions {
  /** Time for the whole rulebook, in milliseconds, shared by the properties left to search (default 3,000). */
  budgetMs?: number;
  /** The most inputs one search (one property, one target) evaluates (default 5,000). */
  maxInputs?: number;
  /** Seed of the search's random choices (default 1): the same seed gives the same search. */
  seed?: number;
  /** The clock, in milliseconds (default `performance.now`). Tests inject one. */
  now?: () => number;
  /** Search proved properties too, as a cross-check of the prover (default false). */
  searchProved?: boolean;
  /** The longest a proof of one property (one target) may take, in milliseconds, before it is searched instead (default 2,000). */
  proofMs?: number;
}

/**
 * `proved` statically; `not-violated` after a search of `inputs` inputs; `violated`, with a
 * counterexample; `assumed` for an assertion on inputs only (a precondition, like a domain).
 */
export type PropertyStatus = "proved" | "not-violated" | "violated" | "assumed";

/** The result for one target of a property (an invariant has one, unnamed). */
export interface TargetResult {
  /** The output, let or quantity; absent for an invariant. */
  name?: string;
  status: PropertyStatus;
  /** How it was proved. */
  method?: string;
  /** Inputs the search evaluated (0 when proved without searching). */
  inputs: number;
}

/** An input that breaks a property, replayed on the rulebook. */
export interface Counterexample {
  /** The target that breaks, for properties with targets. */
  target?: string;
  /** One line saying what breaks: `maintenance_margin jumps from 1 to 2 as position.contracts crosses 200`. */
  summary: string;
  /** The evaluation of the input: the input, the outputs and the explanation. */
  evaluation: Replay;
  /** For `nondecreasing`, `nonincreasing`, `continuous`: the second input, the variable moved. */
  other?: Replay;
}

/** The result for one property. */
export interface PropertyResult {
  /** As written: `assert initial_margin >= maintenance_margin`, `verify continuous mm in position.size`. */
  text: string;
  source: "assert" | "verify";
  kind: IrPropertyKind;
  message?: string;
  line: number;
  file?: string;
  /** `violated` if a target is, else `not-violated` if a target was only searched, else `proved`. */
  status: PropertyStatus;
  /** How it was proved (the targets' methods, when they differ, are in `targets`). */
  method?: string;
  /** Inputs the search evaluated, over all targets. */
  inputs: number;
  targets: TargetResult[];
  counterexample?: Counterexample;
  elapsedMs: number;
}

/** The verification of one rulebook. */
export interface VerificationReport {
  rulebook: string;
  version: string;
  file: string;
  properties: PropertyResult[];
  proved: number;
  notViolated: number;
  violated: number;
  /** Inputs evaluated by every search. */
  inputs: number;
  budgetMs: number;
  elapsedMs: number;
  /** Why nothing was verified: the prover's bounds are not sound for this rulebook's arithmetic. */
  refused?: string;
}

/** Why `verify` refuses a rulebook in decimal arithmetic. */
export const DECIMAL_REFUSAL =
  "this rulebook computes in decimal arithmetic, and the verifier's bounds and searches are those of binary64: " +
  "a result would not be sound for decimal results, so nothing was verified (check it with `marginbook test --arithmetic both`)";

const DEFAULT_BUDGET_MS = 3_000;
const DEFAULT_MAX_INPUTS = 5_000;
const DEFAULT_PROOF_MS = 2_000;

/** Verifies every property of a rulebook (see the module comment). */
export function verifyRulebook(source: IrRulebook, options: VerifyOptions = {}): VerificationReport {
  // The proofs reason about expression trees: calls and local `let`s are substituted first.
  const ir = expandFunctions(source);
  const now = options.now ?? (() => performance.now());
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  if (ir.meta.arithmetic)
    return {
      rulebook: ir.meta.name,
      version: ir.meta.version,
      file: ir.meta.file,
      properties: [],
      proved: 0,
      notViolated: 0,
      violated: 0,
      inputs: 0,
      budgetMs,
      elapsedMs: 0,
      refused: DECIMAL_REFUSAL,
    };
  const started = now();
  const properties = propertiesOf(ir);
  const engine = new ProofEngine(
    ir,
    properties.filter((p) => p.precondition),
  );
  let searcher: Searcher | undefined;
  const searcherFor = (): Searcher =>
    (searcher ??= new Searcher(ir, engine.model, properties, options.seed ?? 1));

  // Proofs first (they are quick), so that the whole budget goes to what is left to search.
  const work = properties.map((property) => {
    const targets = property.precondition
      ? []
      : property.kind === "invariant"
        ? [undefined]
        : property.targets;
    return targets.map((target) => ({
      target,
      proof: engine.prove(property, target, { deadline: now() + (options.proofMs ?? DEFAULT_PROOF_MS), now }),
      searched: undefined as ReturnType<Searcher["search"]> | undefined,
      ms: 0,
    }));
  });
  const toSearch = work.flat().filter((w) => !w.proof.proved || options.searchProved === true);
  let remaining = toSearch.length;
  work.forEach((items, index) => {
    for (const item of items) {
      if (item.proof.proved && options.searchProved !== true) continue;
      const start = now();
      const share = Math.max(0, started + budgetMs - start) / Math.max(1, remaining);
      const limits: SearchLimits = {
        deadline: start + share,
        maxInputs: options.maxInputs ?? DEFAULT_MAX_INPUTS,
        now,
      };
      item.searched = searcherFor().search(index, item.target, limits);
      item.ms = now() - start;
      remaining -= 1;
    }
  });

  const results = properties.map((property, index) => {
    const items = work[index]!;
    const targets: TargetResult[] = items.map((item) => {
      const status: PropertyStatus = item.searched?.witness
        ? "violated"
        : item.proof.proved
          ? "proved"
          : "not-violated";
      return {
        ...(item.target !== undefined ? { name: ir.slots[item.target]!.name } : {}),
        status,
        ...(status === "proved" && item.proof.method ? { method: item.proof.method } : {}),
        inputs: item.searched?.inputs ?? 0,
      };
    });
    const broken = items.find((item) => item.searched?.witness);
    const status: PropertyStatus = property.precondition
      ? "assumed"
      : targets.some((t) => t.status === "violated")
        ? "violated"
        : targets.some((t) => t.status === "not-violated")
          ? "not-violated"
          : "proved";
    const methods = [...new Set(targets.flatMap((t) => (t.method ? [t.method] : [])))];
    return {
      text: property.text,
      source: property.source,
      kind: property.kind,
      ...(property.message !== undefined ? { message: property.message } : {}),
      line: property.line,
      ...(property.file ? { file: property.file } : {}),
      status,
      ...(status === "proved" ? { method: methods.join("; ") } : {}),
      inputs: targets.reduce((sum, t) => sum + t.inputs, 0),
      targets,
      ...(broken?.searched?.witness
        ? { counterexample: counterexample(ir, property, broken.searched.witness, searcherFor()) }
        : {}),
      elapsedMs: items.reduce((sum, item) => sum + item.ms, 0),
    };
  });
  return {
    rulebook: ir.meta.name,
    version: ir.meta.version,
    file: ir.meta.file,
    properties: results,
    proved: results.filter((r) => r.status === "proved").length,
    notViolated: results.filter((r) => r.status === "not-violated").length,
    violated: results.filter((r) => r.status === "violated").length,
    inputs: results.reduce((sum, r) => sum + r.inputs, 0),
    budgetMs,
    elapsedMs: now() - started,
  };
}

/** Replays a witness on the rulebook and says in one line what breaks. */
function counterexample(
  ir: IrRulebook,
  property: Property,
  witness: Witness,
  searcher: Searcher,
): Counterexample {
  const evaluation = searcher.probe.replay(witness.input);
  const other = witness.other ? searcher.probe.replay(witness.other) : undefined;
  const target = witness.target !== undefined ? ir.slots[witness.target]!.name : undefined;
  const variable = property.variable?.join(".") ?? "";
  const at = (input: Record<string, unknown>): string =>
    String(property.variable?.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], input));
  const value = (v: number | undefined): string => (v === undefined ? "?" : String(v));
  let summary: string;
  switch (property.kind) {
    case "invariant":
      summary = `the condition is false: ${describeSlots(ir, property, evaluation)}`;
      break;
    case "nonnegative":
      summary = `${target} is ${value(witness.value)}, below 0`;
      break;
    case "continuous":
      summary = `${target} jumps from ${value(witness.value)} to ${value(witness.otherValue)} as ${variable} goes from ${at(witness.input)} to ${at(witness.other!)}`;
      break;
    default: {
      const verb = property.kind === "nondecreasing" ? "falls" : "rises";
      summary = `${target} ${verb} from ${value(witness.value)} to ${value(witness.otherValue)} as ${variable} grows from ${at(witness.input)} to ${at(witness.other!)}`;
    }
  }
  return { ...(target ? { target } : {}), summary, evaluation, ...(other ? { other } : {}) };
}

/** `initial_margin = 900, maintenance_margin = 1200`: the outputs an invariant's condition reads. */
function describeSlots(ir: IrRulebook, property: Property, evaluation: Replay): string {
  const names = new Set<string>();
  const visit = (e: unknown): void => {
    if (typeof e !== "object" || e === null) return;
    const node = e as { k?: string; slot?: number };
    if (node.k === "slot" && node.slot !== undefined) names.add(ir.slots[node.slot]!.name);
    for (const child of Object.values(e)) visit(child);
  };
  visit(property.condition);
  const shown = [...names]
    .filter((n) => n in evaluation.outputs)
    .map((n) => `${n} = ${String(evaluation.outputs[n])}`);
  return shown.length > 0 ? shown.join(", ") : "see the explanation";
}
