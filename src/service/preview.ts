/**
 * The live preview: from a checked rulebook and sample inputs to what the editor's side panel
 * shows. It compiles the rulebook through the ordinary pipeline (lowering to the IR, run by the
 * reference interpreter), evaluates each sample with its outputs and explanation, runs the test
 * cases of the rulebook's `.test.yaml` (through the same test runner as `marginbook test`), and
 * computes a sweep for the chart (see `sweep.ts`).
 *
 * A rulebook with errors has no fresh preview: the result says so, and the editor keeps showing
 * the last good one, marked stale. Pure: no DOM and no file system, so the editor's worker, the
 * tests and the benchmark all run this same code.
 */
import { parse as parseYaml } from "yaml";
import type { IrRulebook } from "../ir/ir.js";
import { inputJsonSchema, validateInput, type InputError } from "../runtime/input-schema.js";
import { RuntimeError } from "../semantics/errors.js";
import { evaluate, type OutputValue } from "../runtime/interpreter.js";
import type { Trace } from "../runtime/trace.js";
import type { CheckResult, SourceHost } from "./check-rulebook.js";
import { checkRulebook } from "./check-rulebook.js";
import { compileChecked } from "./compile-rulebook.js";
import {
  describeMismatches,
  parseTestFile,
  runTestFile,
  type TestEvaluators,
  type TestFileProblem,
} from "./test-runner.js";
import {
  chartOutputs,
  computeSweep,
  defaultSweepInput,
  sweepInputs,
  type SweepInput,
  type SweepRequest,
  type SweepResult,
  type SweepSeries,
} from "./sweep.js";
import { ruleThresholds, type RuleThreshold } from "./thresholds.js";
import {
  BaselineCache,
  baselineOutputs,
  baselineSweep,
  changeView,
  type BaselineSource,
  type ChangeView,
  type ImpactInput,
} from "./baseline.js";

export type { SweepInput, SweepRequest, SweepResult } from "./sweep.js";

/** What the preview is asked for, besides the rulebook. */
export interface PreviewOptions {
  /** The text of the rulebook's `.test.yaml`: its cases run, and their inputs are the default samples. */
  tests?: string;
  /**
   * Sample inputs typed in the panel (YAML): a single input (`{ position: {...}, market: {...} }`),
   * a list of inputs or of `{ name, input }`, or a test file's `cases:`. When given, they are the
   * samples instead of the test cases' inputs.
   */
  samples?: string;
  /** Which sample the chart starts from (0-based; default: the first that evaluates). */
  sample?: number;
  sweep?: SweepRequest;
  /** At most this many samples are evaluated and explained (default 25). */
  maxSamples?: number;
  /** The version to compare with: every sample and the chart also show its values. */
  baseline?: BaselineSource;
}

/** The baseline's side of the preview: each sample's old outputs and the chart's old curves. */
export interface BaselineResult {
  label: string;
  /** Why the baseline has no values (it has errors). */
  problem?: string;
  /** One entry per sample, in the same order (undefined where the baseline fails). */
  samples: (Record<string, OutputValue> | undefined)[];
  /** The old curves, on the same points as `sweep`. */
  sweep?: SweepSeries[];
}

/**
 * One sample: its outputs and explanation, or why it could not be evaluated. A sample that fails an
 * assertion has both: the error, and the outputs and explanation computed without the assertions.
 */
export interface SampleResult {
  name: string;
  input: unknown;
  outputs?: Record<string, OutputValue>;
  explanation?: Trace;
  error?: { code: string; message: string; inputErrors?: InputError[] };
}

/** One test case, as the panel shows it. */
export interface TestCaseView {
  name: string;
  line: number;
  passed: boolean;
  /** Why it failed, one fact per line (empty when it passed). */
  details: string[];
}

export interface TestsView {
  cases: TestCaseView[];
  passed: number;
  failed: number;
  /** Problems with the test file itself (YAML errors, malformed cases). */
  problems: TestFileProblem[];
}

/** Milliseconds spent in each stage. */
export interface PreviewTimings {
  lower: number;
  samples: number;
  tests: number;
  sweep: number;
}

export interface PreviewResult {
  /** False when the rulebook has errors (or cannot be compiled): nothing below is fresh. */
  ok: boolean;
  /** Why there is no fresh result. */
  problem?: string;
  samples: SampleResult[];
  /** A problem with the typed samples (not YAML, not inputs). */
  samplesProblem?: string;
  /** Where the samples came from. */
  samplesSource: "typed" | "tests" | "none";
  tests?: TestsView;
  /** The numbers of the chart's sample that the chart can sweep. */
  sweepInputs: SweepInput[];
  sweep?: SweepResult;
  /** The sample the sweep started from. */
  sweepSample?: number;
  /** Values of the swept input where a rule's condition changes (the chart marks them). */
  thresholds?: RuleThreshold[];
  /** The outputs the rulebook declares, in order, with their units. */
  outputs: { name: string; unit?: string }[];
  /** The unit of every numeric let, quantity and output, by name (`Rate`, `USDT`), for showing values. */
  units: Record<string, string>;
  /** The JSON Schema of the rulebook's input (for the sample form). */
  inputSchema?: unknown;
  baseline?: BaselineResult;
  timings: PreviewTimings;
}

const DEFAULT_MAX_SAMPLES = 25;

/**
 * A preview that remembers, between versions of one rulebook, the input validator: compiling it
 * costs far more than everything else, and it only changes when the inputs' schema does.
 */
export class PreviewSession {
  private carrier?: { key: string; ir: IrRulebook };
  private readonly baselines = new BaselineCache();
  /** The last good run: what {@link PreviewSession.change} compares. */
  private lastRun?: { file: string; text: string; ir: IrRulebook; inputs: ImpactInput[]; host?: SourceHost };

  /**
   * The preview of a checked rulebook. `host` reads the bases the baseline extends,
   * for the line numbers of explanations.
   */
  run(check: CheckResult, options: PreviewOptions = {}, host?: SourceHost): PreviewResult {
    const source = check.sources.get(check.file) ?? "";
    const empty: PreviewResult = {
      ok: false,
      samples: [],
      samplesSource: "none",
      sweepInputs: [],
      outputs: [],
      units: {},
      timings: { lower: 0, samples: 0, tests: 0, sweep: 0 },
    };
    let started = now();
    let ir: IrRulebook;
    try {
      const compiled = compileChecked(check);
      if (!compiled.ok) {
        const errors = compiled.errors;
        return { ...empty, problem: `the rulebook has ${errors} error${errors === 1 ? "" : "s"}` };
      }
      ir = this.stable(compiled.ir);
    } catch (error) {
      return {
        ...empty,
        problem: `cannot compile: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    // The interpreter alone: generating and compiling the fast evaluator would cost more than every
    // evaluation the preview makes. (`marginbook test` also checks the compiled evaluator agrees.)
    const interpret = (input: unknown) => evaluate(ir, input).outputs;
    const evaluators: TestEvaluators = { interpreter: interpret, compiled: interpret };
    const timings: PreviewTimings = { lower: now() - started, samples: 0, tests: 0, sweep: 0 };
    const outputs = ir.steps
      .flatMap((s) => (s.kind === "output" ? [ir.slots[s.slot]!] : []))
      .map((slot) => ({ name: slot.name, ...(slot.type.kind === "number" ? { unit: slot.type.unit } : {}) }));

    started = now();
    const testFile = options.tests !== undefined ? parseTestFile(options.tests) : undefined;
    const typed =
      options.samples !== undefined && options.samples.trim() !== ""
        ? parseSamples(options.samples)
        : undefined;
    const candidates =
      typed?.samples ?? testFile?.file?.cases.map((c) => ({ name: c.name, input: c.input })) ?? [];
    const samples = candidates
      .slice(0, options.maxSamples ?? DEFAULT_MAX_SAMPLES)
      .map((s) => evaluateSample(ir, s.name, s.input));
    timings.samples = now() - started;

    started = now();
    const tests = testFile ? runTests(testFile, ir, evaluators) : undefined;
    timings.tests = now() - started;

    started = now();
    const chosen =
      options.sample !== undefined && samples[options.sample]?.outputs
        ? options.sample
        : samples.findIndex((s) => s.outputs !== undefined);
    const chartSample = chosen >= 0 ? samples[chosen]! : undefined;
    const inputs = chartSample ? sweepInputs(ir, chartSample.input) : [];
    const swept = inputs.find((i) => i.path === options.sweep?.path) ?? defaultSweepInput(inputs);
    const sweep =
      chartSample && swept && chartOutputs(ir).length > 0
        ? computeSweep(ir, interpret, chartSample.input, swept, options.sweep)
        : undefined;
    timings.sweep = now() - started;

    const testInputs: ImpactInput[] =
      testFile?.file?.cases
        .filter((c) => c.expect !== undefined)
        .map((c) => ({ name: c.name, source: "test" as const, input: c.input })) ?? [];
    const sampleInputs: ImpactInput[] = typed
      ? samples.map((s) => ({ name: s.name, source: "sample" as const, input: s.input }))
      : [];
    this.lastRun = {
      file: check.file,
      text: source,
      ir,
      inputs: [...sampleInputs, ...testInputs],
      ...(host ? { host } : {}),
    };
    const baseline = options.baseline
      ? this.baselineResult(options.baseline, check.file, samples, chartSample, sweep, host)
      : undefined;

    return {
      ok: true,
      samples,
      ...(typed?.problem ? { samplesProblem: typed.problem } : {}),
      samplesSource: typed ? "typed" : testFile?.file ? "tests" : "none",
      ...(tests ? { tests } : {}),
      sweepInputs: inputs,
      ...(sweep ? { sweep, sweepSample: chosen, thresholds: ruleThresholds(ir, sweep.path) } : {}),
      outputs,
      units: Object.fromEntries(
        ir.slots.flatMap((slot) => (slot.type.kind === "number" ? [[slot.name, slot.type.unit]] : [])),
      ),
      inputSchema: inputJsonSchema(ir),
      ...(baseline ? { baseline } : {}),
      timings,
    };
  }

  private baselineResult(
    source: BaselineSource,
    file: string,
    samples: SampleResult[],
    chartSample: SampleResult | undefined,
    sweep: SweepResult | undefined,
    host?: SourceHost,
  ): BaselineResult {
    const compiled = this.baselines.compile(source, file, host);
    if (!compiled.ok)
      return { label: source.label, problem: compiled.problem, samples: samples.map(() => undefined) };
    return {
      label: source.label,
      samples: samples.map((s) => baselineOutputs(compiled.ir, s.input)),
      ...(sweep && chartSample ? { sweep: baselineSweep(compiled.ir, chartSample.input, sweep) } : {}),
    };
  }

  /**
   * The change from `baseline` to the last good run (its samples and test cases): the semantic
   * diff and the impact, as `marginbook diff --impact` computes them. Undefined before a good run.
   */
  change(baseline: BaselineSource): ChangeView | undefined {
    const run = this.lastRun;
    if (!run) return undefined;
    return changeView(
      baseline,
      this.baselines.compile(baseline, run.file, run.host),
      run.text,
      run.ir,
      run.inputs,
    );
  }

  /**
   * The IR to evaluate, as one long-lived object while the inputs' schema stays the same: the
   * runtime caches a compiled validator per IR object, so reusing the object reuses the validator.
   */
  private stable(ir: IrRulebook): IrRulebook {
    const key = JSON.stringify(inputJsonSchema(ir));
    if (this.carrier?.key === key) {
      Object.assign(this.carrier.ir, ir);
      return this.carrier.ir;
    }
    this.carrier = { key, ir };
    return ir;
  }
}

/** The preview of a rulebook's source, checked first (for tests and scripts; the editor uses a session). */
export function buildPreview(
  source: string,
  file: string,
  options: PreviewOptions = {},
  host?: SourceHost,
): PreviewResult {
  return new PreviewSession().run(checkRulebook(source, file, host), options, host);
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

/** Validates and evaluates one sample, with its explanation. */
function evaluateSample(ir: IrRulebook, name: string, input: unknown): SampleResult {
  const validation = validateInput(ir, input);
  if (!validation.valid) {
    const first = validation.errors[0]!;
    return {
      name,
      input,
      error: {
        code: first.code,
        message: validation.errors.map((e) => e.message).join("; "),
        inputErrors: validation.errors,
      },
    };
  }
  try {
    const result = evaluate(ir, input, { explain: true });
    return {
      name,
      input,
      outputs: result.outputs,
      ...(result.explanation ? { explanation: result.explanation } : {}),
    };
  } catch (error) {
    if (error instanceof RuntimeError)
      return {
        name,
        input,
        ...afterAssertion(ir, input, error),
        error: { code: error.code, message: error.message },
      };
    return {
      name,
      input,
      error: {
        code: "internal",
        message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
}

/**
 * When an assertion stopped the evaluation (MB6008), what the rulebook computes without its
 * assertions: so a sample that breaks one (a verification counterexample) still shows its outputs
 * and explanation, next to the failure.
 */
function afterAssertion(
  ir: IrRulebook,
  input: unknown,
  error: RuntimeError,
): Pick<SampleResult, "outputs" | "explanation"> {
  if (error.code !== "MB6008") return {};
  try {
    const result = evaluate({ ...ir, steps: ir.steps.filter((s) => s.kind !== "assert") }, input, {
      explain: true,
    });
    return { outputs: result.outputs, ...(result.explanation ? { explanation: result.explanation } : {}) };
  } catch {
    return {};
  }
}

function runTests(
  parsed: ReturnType<typeof parseTestFile>,
  ir: IrRulebook,
  evaluators: TestEvaluators,
): TestsView {
  if (!parsed.file) return { cases: [], passed: 0, failed: 0, problems: parsed.problems };
  const results = runTestFile(parsed.file, ir, evaluators);
  const cases = results.map((r) => ({
    name: r.name,
    line: r.line,
    passed: r.passed,
    details: r.passed ? [] : describeMismatches(r),
  }));
  const passed = cases.filter((c) => c.passed).length;
  return { cases, passed, failed: cases.length - passed, problems: parsed.problems };
}

/** Reads typed samples (see {@link PreviewOptions.samples}). Never throws. */
export function parseSamples(text: string): {
  samples: { name: string; input: unknown }[];
  problem?: string;
} {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    return {
      samples: [],
      problem: `not valid YAML: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
    };
  }
  const asCase = (item: unknown, i: number): { name: string; input: unknown } => {
    if (item && typeof item === "object" && !Array.isArray(item) && "input" in item) {
      const c = item as { name?: unknown; input: unknown };
      return { name: typeof c.name === "string" ? c.name : `sample ${i + 1}`, input: c.input };
    }
    return { name: `sample ${i + 1}`, input: item };
  };
  if (Array.isArray(data)) return { samples: data.map(asCase) };
  if (data && typeof data === "object") {
    const cases = (data as { cases?: unknown }).cases;
    if (Array.isArray(cases)) return { samples: cases.map(asCase) };
    return { samples: [asCase(data, 0)] };
  }
  return { samples: [], problem: "write one input (a map of the rulebook's inputs), or a list of them" };
}
