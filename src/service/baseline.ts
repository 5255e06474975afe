/**
 * The baseline of the live preview: the version a change is judged against (the last commit, the
 * last saved text, or any revision). From the baseline's text and the edited rulebook it computes
 * what the studio shows next to every new value: each sample's old outputs, the old curve of the
 * chart (on the same points as the new one), and the *Change*: the semantic diff and the impact on
 * the samples and the test cases, with the top movers and the rule that moved them.
 *
 * The diff and the impact are the same code as `marginbook diff --impact` (`src/review/`): nothing
 * is computed twice in two ways. Pure: no file system, so the editor's worker and the tests run it.
 */
import type { IrRulebook } from "../ir/ir.js";
import { explainDifference } from "../review/impact-explain.js";
import {
  comparedOutputs,
  sampleOutputs,
  evaluateImpactChunk,
  summarizeImpact,
  type ImpactEvaluator,
  type ImpactSummary,
  type OutputImpact,
} from "../review/impact.js";
import { reasonText } from "../review/render-impact.js";
import { importedChanges, semanticDiff, type Change, type SemanticDiff } from "../review/semantic-diff.js";
import { evaluate, type OutputValue } from "../runtime/interpreter.js";
import { outputInfos } from "../runtime/output-info.js";
import type { SourceHost } from "./check-rulebook.js";
import { compileSource } from "./compile-rulebook.js";
import { parsePath, withValue, type SweepResult, type SweepSeries } from "./sweep.js";

/** The version to compare with: its text and how the studio names it (`HEAD`, `last saved`). */
export interface BaselineSource {
  text: string;
  label: string;
}

/** A compiled baseline, or why it cannot be compared (it has errors). */
export type CompiledBaseline =
  { ok: true; label: string; ir: IrRulebook } | { ok: false; label: string; problem: string };

/** One input of the impact: a sample or a test case, by name. */
export interface ImpactInput {
  name: string;
  /** Where it comes from: the samples shown, or the test file. */
  source: "sample" | "test";
  input: unknown;
}

/** A top mover with the rule that made the difference. */
export interface ChangeMover {
  name: string;
  source: "sample" | "test";
  old: number;
  new: number;
  change: number;
  percent: number | null;
  /** `rule base (line 73): set im_rate 2.5% -> 2.75%`, from `explainDifference`. */
  reason: string;
}

/** The impact on one output over the samples and test cases: `diff --impact`'s counts, and the movers. */
export interface ChangeOutput extends Pick<
  OutputImpact,
  "name" | "unit" | "up" | "down" | "same" | "totalOld" | "totalNew"
> {
  movers: ChangeMover[];
}

/** What the *Change* tab shows. */
export interface ChangeView {
  label: string;
  /** The baseline cannot be compared (it has errors); nothing below is filled. */
  problem?: string;
  /** The semantic diff's changes (tier rows by their bounds, with the rate deltas). */
  changes: Change[];
  layout: SemanticDiff["layout"];
  behaviourChanged: boolean;
  /** Inputs compared, and those that failed in either version. */
  inputs: number;
  failed: number;
  outputs: ChangeOutput[];
}

/** Caches the compiled baseline by its text: while the user types, the baseline does not change. */
export class BaselineCache {
  private last?: { key: string; compiled: CompiledBaseline };

  /** The baseline of `file`, compiled (its `extends` read through `host`). */
  compile(baseline: BaselineSource, file: string, host?: SourceHost): CompiledBaseline {
    const key = `${file}\n${baseline.label}\n${baseline.text}`;
    if (this.last?.key === key) return this.last.compiled;
    const compiled = compileBaseline(baseline, file, host);
    this.last = { key, compiled };
    return compiled;
  }
}

function compileBaseline(baseline: BaselineSource, file: string, host?: SourceHost): CompiledBaseline {
  try {
    const compiled = compileSource(baseline.text, file, host);
    if (!compiled.ok) {
      const errors = compiled.errors;
      return {
        ok: false,
        label: baseline.label,
        problem: `${baseline.label} has ${errors} error${errors === 1 ? "" : "s"}`,
      };
    }
    return { ok: true, label: baseline.label, ir: compiled.ir };
  } catch (error) {
    return {
      ok: false,
      label: baseline.label,
      problem: `${baseline.label} cannot be compiled: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The baseline's outputs for one input, or undefined when it fails there. */
export function baselineOutputs(ir: IrRulebook, input: unknown): Record<string, OutputValue> | undefined {
  try {
    return evaluate(ir, input).outputs;
  } catch {
    return undefined;
  }
}

/** The baseline's curves on the points of the new sweep (null where it fails). */
export function baselineSweep(ir: IrRulebook, sample: unknown, sweep: SweepResult): SweepSeries[] {
  const path = parsePath(sweep.path);
  const values = sweep.xs.map((x) => baselineOutputs(ir, withValue(sample, path, x)));
  return sweep.series.map((s) => ({
    name: s.name,
    unit: s.unit,
    values: values.map((outputs) => {
      const v = outputs?.[s.name];
      return typeof v === "number" ? v : null;
    }),
  }));
}

/** An impact evaluator over the reference interpreter (no code generation on every keystroke). */
function interpreted(ir: IrRulebook): ImpactEvaluator {
  return { outputs: outputInfos(ir), evaluate: (input) => evaluate(ir, input) };
}

/**
 * The change from the baseline to the edited rulebook: the semantic diff of the two texts and the
 * impact on `inputs` (the samples and test cases), with up to `top` movers per output.
 */
export function changeView(
  baseline: BaselineSource,
  compiled: CompiledBaseline,
  text: string,
  ir: IrRulebook,
  inputs: readonly ImpactInput[],
  top = 3,
): ChangeView {
  const diff = semanticDiff(baseline.text, text, baseline.label, "edited");
  // Imported rulebooks that compile differently on the two sides (their lines unchanged here).
  const imported = compiled.ok ? importedChanges(compiled.ir.meta.imports ?? [], ir.meta.imports ?? []) : [];
  const base = {
    label: baseline.label,
    changes: [...diff.changes, ...imported],
    layout: diff.layout,
    behaviourChanged: diff.behaviourChanged || imported.length > 0,
    inputs: inputs.length,
    failed: 0,
    outputs: [],
  };
  if (!compiled.ok) return { ...base, problem: compiled.problem };
  const oldBook = interpreted(compiled.ir);
  const newBook = interpreted(ir);
  const outputs = comparedOutputs(
    oldBook.outputs,
    newBook.outputs,
    { old: compiled.ir.schema.records, new: ir.schema.records },
    sampleOutputs(oldBook, newBook, (i) => inputs[i]!.input, inputs.length),
  );
  if (inputs.length === 0 || outputs.length === 0) return base;
  const columns = evaluateImpactChunk(
    oldBook,
    newBook,
    outputs.map((o) => o.name),
    (i) => inputs[i]!.input,
    0,
    inputs.length,
  );
  const summary: ImpactSummary = summarizeImpact(columns, outputs, { top, bins: 8, scatterPoints: 0 });
  return {
    ...base,
    failed: summary.inputs - summary.evaluated,
    outputs: summary.outputs.map((o) => ({
      name: o.name,
      unit: o.unit,
      up: o.up,
      down: o.down,
      same: o.same,
      totalOld: o.totalOld,
      totalNew: o.totalNew,
      movers: o.movers.map((m) => {
        const at = inputs[m.index]!;
        return {
          name: at.name,
          source: at.source,
          old: m.old,
          new: m.new,
          change: m.change,
          percent: m.percent,
          reason: reasonText(explainDifference(compiled.ir, ir, at.input, o.name)),
        };
      }),
    })),
  };
}
