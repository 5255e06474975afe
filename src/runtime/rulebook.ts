/**
 * A rulebook ready to evaluate: the compiled evaluator (generated locally from the IR), the
 * reference interpreter for explanations, and the input validator, behind one small object.
 *
 * Evaluation paths: without an explanation, the compiled evaluator (the fast path); with one, the
 * interpreter, which computes the same numbers (the test suite proves it) and records each step.
 */
import type { IrRulebook } from "../ir/ir.js";
import type { ArtifactMeta } from "./artifact-schema.js";
import { artifactMetaOf } from "./artifact-schema.js";
import { compileEvaluator, type CompiledEvaluator } from "./codegen.js";
import { RuntimeError } from "../semantics/errors.js";
import {
  createInputValidator,
  INPUT_ERROR_CODE,
  type BatchValidation,
  type InputError,
  type InputValidation,
  type JsonSchema,
} from "./input-schema.js";
import { evaluate as interpret, type OutputValue } from "./interpreter.js";
import type { Trace } from "./trace.js";
import { columnarEvaluator, type ColumnarResult, type Columns } from "./columns.js";
import { outputInfos, type OutputInfo } from "./output-info.js";
import { brandClass } from "../semantics/brand.js";

/** Options of one evaluation. */
export interface EvalOptions {
  /** Validate the input against the rulebook's schema first (default true). */
  validate?: boolean;
  /** Return an explanation of every step (default false; it costs nothing when off). */
  explain?: boolean;
  /**
   * Compute and return only these outputs (default all): the evaluator generated for the selection
   * (once, then cached) skips every step that neither they nor the assertions read. A runtime error
   * that only a skipped step would raise is not raised. Ignored with `explain`.
   */
  outputs?: readonly string[];
}

/** The result of one evaluation. */
export interface EvalResult {
  outputs: Record<string, OutputValue>;
  explanation?: Trace;
}

/** Why one evaluation of a batch failed: an invalid input (with every problem) or a runtime error. */
export interface EvalFailure {
  code: string;
  message: string;
  /** The input's problems, for an invalid input (code MB6001). */
  errors?: InputError[];
  /** For a runtime error: the source line, rule and inputs involved. */
  line?: number;
  rule?: string;
  inputs?: readonly string[];
}

/** The outcome of one input of a batch. */
export type BatchOutcome = ({ ok: true } & EvalResult) | { ok: false; error: EvalFailure };

/** An input that failed validation, thrown by `evaluate`: every problem, each with its path. */
export class InputValidationError extends Error {
  override readonly name = "InputValidationError";
  readonly code = INPUT_ERROR_CODE;

  constructor(readonly errors: readonly InputError[]) {
    super(
      `invalid input: ${errors.length === 1 ? errors[0]!.message : `${errors.length} problems:\n  ${errors.map((e) => e.message).join("\n  ")}`}`,
    );
  }
}
brandClass(InputValidationError, "InputValidationError");

/** A loaded rulebook: what `loadArtifact` returns. */
export interface LoadedRulebook {
  /** The rulebook's header: name, version, effective timestamp, currency, owner, description. */
  readonly meta: ArtifactMeta;
  /** The JSON Schema (draft 2020-12) of the runtime input. */
  readonly schema: JsonSchema;
  /** The outputs, in evaluation order. */
  readonly outputs: readonly OutputInfo[];
  /** The verified IR (deeply frozen when it comes from an artifact). */
  readonly ir: IrRulebook;
  /** `sha256:...` of the IR, when loaded from an artifact. */
  readonly irHash?: string;
  /**
   * Evaluates one input. Throws {@link InputValidationError} (MB6001) for an invalid input and
   * `RuntimeError` (MB60xx) when the evaluation stops (division by zero, a failed assertion, ...).
   */
  evaluate(input: unknown, options?: EvalOptions): EvalResult;
  /**
   * Evaluates many inputs (an array of records); one failure never stops the others. Throws
   * {@link InputValidationError} (MB6001) when `inputs` is not an array.
   */
  evaluateBatch(inputs: readonly unknown[], options?: EvalOptions): BatchOutcome[];
  /**
   * Evaluates `length` inputs given as columns: one array per scalar field path (`position.size`:
   * a `Float64Array` or `number[]`; enums and texts as `string[]`). Numeric outputs come back as
   * `Float64Array`s (NaN in the rows that failed), the others as arrays; failures are listed.
   */
  evaluateColumns(columns: Columns, length: number, options?: Pick<EvalOptions, "validate">): ColumnarResult;
  /** Validates one input, reporting every problem. Never throws. */
  validate(input: unknown): InputValidation;
  /** Validates many inputs; each problem carries its input's index. Never throws. */
  validateBatch(inputs: readonly unknown[]): BatchValidation;
  /** The generated JavaScript, for inspection. */
  readonly source: string;
  /** How `evaluate` runs: `compiled` (the generated code), or `interpreted` where code generation is forbidden. */
  readonly mode: "compiled" | "interpreted";
}

/**
 * Builds a {@link LoadedRulebook} from an IR the caller trusts (one it lowered itself, or one that
 * `loadArtifact` verified). Generates the evaluator and compiles the input validator.
 */
export function rulebookFromIr(ir: IrRulebook, irHash?: string): LoadedRulebook {
  const compiled = compileEvaluator(ir);
  const run = compiled.evaluate;
  const validator = createInputValidator(ir);
  const check = (input: unknown): void => {
    const result = validator.validate(input);
    if (!result.valid) throw new InputValidationError(result.errors);
  };
  const outputs = outputInfos(ir);
  const selected = selectionCache(ir, outputs);
  // An explanation or a selection of outputs (validated unless `validate: false`).
  const evaluateOther = (input: unknown, options: EvalOptions): EvalResult => {
    const validate = options.validate === false ? undefined : check;
    // Only the caller's own `explain` and `outputs`: one that Object.prototype holds (a polluted
    // realm) is inherited by every options object, and would turn each call into an explanation or
    // a selection the caller never asked for.
    if (options.explain === true && Object.hasOwn(options, "explain")) {
      validate?.(input);
      return interpret(ir, input, { explain: true });
    }
    const names = Object.hasOwn(options, "outputs") ? options.outputs : undefined;
    return resultOf(names === undefined ? run(input, validate) : selected(names)(input, validate));
  };
  // Kept tiny, and calling nothing V8 inlines but what its caller asks for: V8 inlines it into the
  // caller, where the options object and the `{ outputs }` wrapper disappear. The validated path
  // hands `check` to the generated function (which calls it first) rather than calling it here:
  // with the validator inlined into its optimized code, this function outgrew V8's inlining
  // budget as soon as validated evaluations were hot, and every trusted call then paid a call,
  // its options object and the wrapper (docs/performance.md, "The per-record evaluator and V8").
  const evaluate = (input: unknown, options?: EvalOptions): EvalResult =>
    options === undefined
      ? resultOf(run(input, check))
      : options.explain !== true && options.outputs === undefined
        ? resultOf(run(input, options.validate === false ? undefined : check))
        : evaluateOther(input, options);
  return {
    meta: artifactMetaOf(ir.meta),
    schema: validator.schema,
    outputs,
    ir,
    ...(irHash !== undefined ? { irHash } : {}),
    evaluate,
    evaluateBatch(inputs, options) {
      if (!Array.isArray(inputs)) throw new InputValidationError(validator.validateBatch(inputs).errors);
      return inputs.map((input) => {
        try {
          return { ok: true, ...evaluate(input, options) };
        } catch (error) {
          return { ok: false, error: failureOf(error) };
        }
      });
    },
    evaluateColumns: columnarEvaluator(ir, outputs, run, validator),
    validate: validator.validate,
    validateBatch: validator.validateBatch,
    source: compiled.source,
    mode: compiled.mode,
  };
}

/**
 * The constructor of {@link resultOf}: its objects are plain (`Object.prototype`, one data property).
 */
const EvalResultObject = function (this: EvalResult, outputs: Record<string, OutputValue>): void {
  this.outputs = outputs;
} as unknown as new (outputs: Record<string, OutputValue>) => EvalResult;
EvalResultObject.prototype = Object.prototype;

/**
 * `{ outputs }`, built by a constructor rather than an object literal, for the reason the generated
 * code builds its outputs so (docs/performance.md, "The per-record evaluator and V8"): V8 tracks an
 * allocation site per literal and pretenures it when most of its objects survive a young-generation
 * collection, as they do when an engine keeps its results. A pretenured wrapper lives in the old
 * generation, where a scavenge cannot free it: it keeps the young outputs object it points to
 * alive, so every result was promoted and the trusted path ran 1.5-2x slower in those processes.
 * A constructor has no allocation site. The literal remains if `outputs` is a property of
 * `Object.prototype` (a setter there would run); V8 folds the test away.
 */
function resultOf(outputs: Record<string, OutputValue>): EvalResult {
  return "outputs" in Object.prototype ? { outputs } : new EvalResultObject(outputs);
}

/**
 * The evaluators of output selections, generated on first use (dead-output elimination in the
 * optimizer), by selection. A name that is no output is a caller's bug: a `RangeError`.
 */
function selectionCache(
  ir: IrRulebook,
  outputs: readonly OutputInfo[],
): (names: readonly string[]) => CompiledEvaluator["evaluate"] {
  const cache = new Map<string, CompiledEvaluator["evaluate"]>();
  const known = new Set(outputs.map((o) => o.name));
  return (names) => {
    const key = JSON.stringify(names);
    let run = cache.get(key);
    if (run === undefined) {
      const unknown = names.find((n) => !known.has(n));
      if (unknown !== undefined)
        throw new RangeError(
          `no output \`${unknown}\` in this rulebook (its outputs: ${[...known].join(", ")})`,
        );
      run = compileEvaluator(ir, { outputs: names }).evaluate;
      cache.set(key, run);
    }
    return run;
  };
}

/**
 * Describes an error thrown by an evaluation as a value. Errors that are neither an invalid input
 * nor a runtime error are bugs in marginbook, and are rethrown.
 */
export function failureOf(error: unknown): EvalFailure {
  if (error instanceof InputValidationError)
    return { code: error.code, message: error.message, errors: [...error.errors] };
  if (error instanceof RuntimeError) {
    return {
      code: error.code,
      message: error.message,
      line: error.line,
      ...(error.rule !== undefined ? { rule: error.rule } : {}),
      inputs: error.inputs,
    };
  }
  throw error;
}
