/**
 * Rulebook tests: the `<name>.test.yaml` files that pin a rulebook's published worked examples.
 *
 * ```yaml
 * rulebook: binance-btcusdt-perp.margin
 * cases:
 *   - name: Binance worked example
 *     input: { position: { size: 109.488, mark: 31967.27, side: long }, market: { vol_30d: 0.5, adv: 2e9 } }
 *     expect: { maintenance_margin: 71200.82 }   # some or all outputs
 *     tolerance: { maintenance_margin: 0.01, default: { relative: 1e-9 } }   # default: exact
 *   - name: Size 0 is refused
 *     input: { ... }
 *     expect_error: MB6001                      # or { code: MB6001, path: /position/size, message: "> 0" }
 * ```
 *
 * Every case runs through BOTH evaluators, the reference interpreter and the compiled JavaScript,
 * after validating its input; they must agree bit for bit (same outputs, or the same error code and
 * message), and the agreed result must match the expectation. Pure: no file system; the CLI reads
 * the files and renders the results. Parsing (and the file's JSON Schema) is in `test-file.ts`;
 * `docs/testing.md` describes every key.
 */
import type { IrRulebook } from "../ir/ir.js";
import { compileEvaluator } from "../runtime/codegen.js";
import { RuntimeError } from "../semantics/errors.js";
import { Dec, decText, isDecimalText, toDec } from "../semantics/decimal.js";
import { validateInput, type InputError } from "../runtime/input-schema.js";
import { evaluate, type OutputValue } from "../runtime/interpreter.js";
import {
  boundFor,
  type Bound,
  type ExpectedError,
  type TestCase,
  type TestFile,
  type Tolerance,
} from "./test-file.js";

export {
  boundFor,
  parseTestFile,
  type Bound,
  type ExpectedError,
  type TestCase,
  type TestFile,
  type TestFileProblem,
  type Tolerance,
} from "./test-file.js";

/** The outcome of one evaluator on one case: outputs, or an error. */
export type Outcome =
  | { ok: true; outputs: Record<string, OutputValue> }
  | { ok: false; code: string; message: string; inputErrors?: InputError[] };

/** One way a case failed. */
export type Mismatch =
  | { kind: "output"; name: string; expected: OutputValue; actual: OutputValue; tolerance: Bound }
  | { kind: "unknown-output"; name: string; expected: OutputValue; outputs: string[] }
  | { kind: "unexpected-error"; error: { code: string; message: string } }
  | { kind: "expected-error"; expected: ExpectedError; outputs: Record<string, OutputValue> }
  | { kind: "wrong-error"; expected: ExpectedError; actual: { code: string; message: string } }
  | { kind: "disagreement"; interpreter: Outcome; compiled: Outcome };

/** The result of one case. */
export interface CaseResult {
  name: string;
  line: number;
  passed: boolean;
  /** What the evaluators produced (the interpreter's outcome; the compiled one agrees when passed). */
  actual: Outcome;
  mismatches: Mismatch[];
}

// ---- running ----

/** The two evaluators of one rulebook, built once and shared by its cases. */
export interface TestEvaluators {
  interpreter(input: unknown): Record<string, OutputValue>;
  compiled(input: unknown): Record<string, OutputValue>;
}

/** The evaluators of an IR: the reference interpreter and the generated code. */
export function evaluatorsOf(ir: IrRulebook): TestEvaluators {
  const compiled = compileEvaluator(ir);
  return {
    interpreter: (input) => evaluate(ir, input).outputs,
    compiled: (input) => compiled.evaluate(input, undefined),
  };
}

/** Runs every case of a test file against a lowered rulebook with both evaluators. */
export function runTestFile(
  file: TestFile,
  ir: IrRulebook,
  evaluators: TestEvaluators = evaluatorsOf(ir),
): CaseResult[] {
  const outputNames = ir.steps.flatMap((s) => (s.kind === "output" ? [ir.slots[s.slot]!.name] : []));
  return file.cases.map((c) => runCase(c, ir, evaluators, outputNames));
}

/** Runs one case. */
export function runCase(
  c: TestCase,
  ir: IrRulebook,
  evaluators: TestEvaluators,
  outputNames: readonly string[],
): CaseResult {
  const validation = validateInput(ir, c.input);
  let interpreter: Outcome;
  let compiled: Outcome;
  if (!validation.valid) {
    interpreter = compiled = {
      ok: false,
      code: validation.errors[0]!.code,
      message: validation.errors.map((e) => e.message).join("; "),
      inputErrors: validation.errors,
    };
  } else {
    interpreter = attempt(() => evaluators.interpreter(c.input));
    compiled = attempt(() => evaluators.compiled(c.input));
  }
  const mismatches: Mismatch[] = [];
  if (!sameOutcome(interpreter, compiled)) mismatches.push({ kind: "disagreement", interpreter, compiled });
  mismatches.push(...compare(c, interpreter, outputNames, ir.meta.arithmetic !== undefined));
  return { name: c.name, line: c.line, passed: mismatches.length === 0, actual: interpreter, mismatches };
}

function attempt(run: () => Record<string, OutputValue>): Outcome {
  try {
    return { ok: true, outputs: run() };
  } catch (error) {
    if (error instanceof RuntimeError) return { ok: false, code: error.code, message: error.message };
    // Not a runtime error: a bug in an evaluator. Report it as this case's failure, keep going.
    return {
      ok: false,
      code: "internal",
      message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Whether two outcomes are identical: the same outputs bit for bit, or the same error. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.code === b.code && a.message === b.message;
  const keys = Object.keys(a.outputs);
  if (keys.length !== Object.keys(b.outputs).length) return false;
  return keys.every((k) => Object.hasOwn(b.outputs, k) && sameValue(a.outputs[k]!, b.outputs[k]!));
}

/** The tolerance of a case in an arithmetic: in decimal, `decimal_tolerance` when the file gives one. */
export function caseTolerance(c: TestCase, decimal: boolean): Tolerance {
  return decimal ? (c.decimalTolerance ?? c.tolerance) : c.tolerance;
}

function compare(c: TestCase, actual: Outcome, outputNames: readonly string[], decimal: boolean): Mismatch[] {
  if (c.expectError) {
    const expected = c.expectError;
    if (actual.ok) return [{ kind: "expected-error", expected, outputs: actual.outputs }];
    return errorMatches(expected, actual)
      ? []
      : [{ kind: "wrong-error", expected, actual: { code: actual.code, message: actual.message } }];
  }
  if (!actual.ok)
    return [{ kind: "unexpected-error", error: { code: actual.code, message: actual.message } }];
  const mismatches: Mismatch[] = [];
  for (const [name, expected] of Object.entries(c.expect ?? {})) {
    if (!outputNames.includes(name)) {
      mismatches.push({ kind: "unknown-output", name, expected, outputs: [...outputNames] });
      continue;
    }
    const value = actual.outputs[name]!;
    const tolerance = boundFor(caseTolerance(c, decimal), name);
    if (!(decimal ? decimalMatches(expected, value, tolerance) : valueMatches(expected, value, tolerance)))
      mismatches.push({ kind: "output", name, expected, actual: value, tolerance });
  }
  return mismatches;
}

function errorMatches(expected: ExpectedError, actual: Extract<Outcome, { ok: false }>): boolean {
  if (expected.code !== actual.code) return false;
  if (expected.path !== undefined && !(actual.inputErrors ?? []).some((e) => e.path === expected.path))
    return false;
  return expected.message === undefined || actual.message.includes(expected.message);
}

/**
 * How far from `expected` a number may be: within the absolute bound or the relative one. A
 * difference equal to the bound passes: a tolerance of 0.01 accepts 92.51 for 92.5, although
 * 92.51 - 92.5 is 0.010000000000005116 in binary64, so a non-zero bound is widened by 4 ulps of
 * the larger value (the noise of the subtraction), and no more.
 */
export function allowedDifference(expected: number, actual: number, tolerance: Bound): number {
  const bound = Math.max(tolerance.absolute, tolerance.relative * Math.abs(expected));
  return bound === 0 ? 0 : bound + 4 * Number.EPSILON * Math.max(Math.abs(expected), Math.abs(actual));
}

/** Bit-for-bit equality of two outputs (numbers by `Object.is`), lists and records element by element. */
function sameValue(a: OutputValue, b: OutputValue): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]!))
    );
  if (typeof a === "object" && typeof b === "object") {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k]!, b[k]!))
    );
  }
  return Object.is(a, b);
}

/** In decimal arithmetic: numbers (outputs are decimal text) compared exactly, within the bound. */
function decimalMatches(expected: OutputValue, actual: OutputValue, tolerance: Bound): boolean {
  if (Array.isArray(expected) && Array.isArray(actual))
    return (
      expected.length === actual.length &&
      expected.every((e: OutputValue, i: number) => decimalMatches(e, actual[i]!, tolerance))
    );
  const a = asDecimal(actual);
  const e = asDecimal(expected);
  if (!a || !e || typeof expected === "boolean") return valueMatches(expected, actual, tolerance);
  const bound = Dec.max(toDec(tolerance.absolute), e.abs().times(toDec(tolerance.relative)));
  return a.minus(e).abs().lte(bound);
}

function asDecimal(value: OutputValue): Dec | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return toDec(value);
  if (typeof value === "string" && isDecimalText(value)) return toDec(value);
  return undefined;
}

/**
 * How far an output's decimal value is from its binary64 one: undefined when within the bound (every
 * element of a list), the largest difference over its bound, or null when they differ otherwise.
 */
function largestDifference(
  b: OutputValue,
  d: OutputValue,
  bound: (value: number) => number,
): { difference: Dec; bound: number } | null | undefined {
  if (Array.isArray(b) && Array.isArray(d)) {
    if (b.length !== d.length) return null;
    let largest: { difference: Dec; bound: number } | undefined;
    for (let i = 0; i < b.length; i++) {
      const over = largestDifference(b[i]!, d[i]!, bound);
      if (over === null) return null;
      if (over !== undefined && (largest === undefined || over.difference.gt(largest.difference)))
        largest = over;
    }
    return largest;
  }
  const [x, y] = [asDecimal(b), asDecimal(d)];
  if (x && y && typeof b === "number") {
    const difference = x.minus(y).abs();
    return difference.gt(toDec(bound(b))) ? { difference, bound: bound(b) } : undefined;
  }
  return b === d ? undefined : null;
}

/** An output whose value differs between binary64 and decimal arithmetic by more than a bound. */
export interface ModeDifference {
  output: string;
  binary64: OutputValue;
  decimal: OutputValue;
  /** |binary64 - decimal|, exactly (as decimal text); absent when either is not a number. */
  difference?: string;
  /** The bound the difference exceeds (for a list, that of its element that differs most). */
  bound?: number;
}

/**
 * The outputs of one case that differ between the two arithmetics by more than `bound` (numbers),
 * or at all (other values, and an error in one mode only).
 */
export function modeDifferences(
  binary: Outcome,
  decimal: Outcome,
  bound: (output: string, value: number) => number,
): ModeDifference[] {
  if (!binary.ok || !decimal.ok) {
    if (!binary.ok && !decimal.ok && binary.code === decimal.code) return [];
    const describe = (o: Outcome): OutputValue => (o.ok ? "outputs" : o.code);
    return [{ output: "(outcome)", binary64: describe(binary), decimal: describe(decimal) }];
  }
  const result: ModeDifference[] = [];
  for (const [output, b] of Object.entries(binary.outputs)) {
    const d = decimal.outputs[output]!;
    const over = largestDifference(b, d, (value) => bound(output, value));
    if (over === null) result.push({ output, binary64: b, decimal: d });
    else if (over !== undefined)
      result.push({
        output,
        binary64: b,
        decimal: d,
        difference: decText(over.difference),
        bound: over.bound,
      });
  }
  return result;
}

function valueMatches(expected: OutputValue, actual: OutputValue, tolerance: Bound): boolean {
  // A list matches element by element (the tolerance applies to each number); a record, field by field.
  if (Array.isArray(expected))
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((x, i) => valueMatches(x, actual[i]!, tolerance))
    );
  if (typeof expected === "object" && expected !== null)
    return (
      typeof actual === "object" &&
      actual !== null &&
      !Array.isArray(actual) &&
      Object.entries(expected).every(
        ([k, x]) => Object.hasOwn(actual, k) && valueMatches(x, actual[k]!, tolerance),
      )
    );
  if (typeof expected === "number" && typeof actual === "number")
    return (
      Object.is(expected, actual) ||
      Math.abs(actual - expected) <= allowedDifference(expected, actual, tolerance)
    );
  // A figure written as decimal text (more digits than a double holds), against a binary64 result.
  if (typeof expected === "string" && typeof actual === "number" && isDecimalText(expected)) {
    const wanted = Number(expected);
    return Math.abs(actual - wanted) <= allowedDifference(wanted, actual, tolerance);
  }
  if (typeof expected === "string" && typeof actual === "string" && expected !== actual) {
    // Timestamps: the same instant written differently (`+00:00` vs `Z`, milliseconds) is a match.
    const [a, b] = [Date.parse(expected), Date.parse(actual)];
    return /^\d{4}-\d{2}-\d{2}T/.test(expected) && Number.isFinite(a) && a === b;
  }
  return expected === actual;
}

// ---- rendering ----

/** A readable diff of a failed case: one line per fact, indented by the caller. */
export function describeMismatches(result: CaseResult): string[] {
  return result.mismatches.flatMap((m): string[] => {
    switch (m.kind) {
      case "output": {
        const lines = [
          `output ${m.name}:`,
          `  expected  ${show(m.expected)}`,
          `  actual    ${show(m.actual)}`,
        ];
        if (typeof m.expected === "number" && typeof m.actual === "number")
          lines[2] += `   (${offBy(m.expected, m.actual, m.tolerance)})`;
        return lines;
      }
      case "unknown-output":
        return [
          `output ${m.name}: the rulebook has no such output (its outputs are ${m.outputs.join(", ")})`,
        ];
      case "unexpected-error":
        return ["expected outputs, but the evaluation failed:", `  ${m.error.code} ${m.error.message}`];
      case "expected-error":
        return [
          `expected error ${expectedText(m.expected)}, but the evaluation succeeded:`,
          ...Object.entries(m.outputs).map(([k, v]) => `  ${k} = ${show(v)}`),
        ];
      case "wrong-error":
        return [
          `expected error ${expectedText(m.expected)}`,
          `  actual    ${m.actual.code} ${m.actual.message}`,
        ];
      case "disagreement":
        return [
          "the interpreter and the compiled evaluator disagree (a bug in marginbook):",
          `  interpreter  ${showOutcome(m.interpreter)}`,
          `  compiled     ${showOutcome(m.compiled)}`,
        ];
    }
  });
}

/**
 * `off by +0.0100000000002, tolerance 0.01`: the difference with as many digits as it takes to show
 * that it exceeds what is allowed (6 at least, 17 at most), and the tolerance as written.
 */
export function offBy(expected: number, actual: number, tolerance: Bound): string {
  const difference = actual - expected;
  const allowed = allowedDifference(expected, actual, tolerance);
  let digits = 6;
  while (digits < 17 && Math.abs(Number(difference.toPrecision(digits))) <= allowed) digits += 1;
  const shown = Number.isFinite(difference)
    ? String(Number(difference.toPrecision(digits)))
    : String(difference);
  return `off by ${difference > 0 ? "+" : ""}${shown}, ${toleranceText(expected, tolerance)}`;
}

function toleranceText(expected: number, t: Bound): string {
  if (t.relative === 0) return `tolerance ${t.absolute}`;
  const relative = `relative tolerance ${t.relative} (${Number((t.relative * Math.abs(expected)).toPrecision(6))})`;
  return t.absolute === 0 ? relative : `tolerance ${t.absolute} or ${relative}`;
}

function expectedText(e: ExpectedError): string {
  return [
    e.code,
    e.path !== undefined ? `at ${e.path}` : "",
    e.message !== undefined ? `with "${e.message}"` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

function show(value: OutputValue): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function showOutcome(o: Outcome): string {
  return o.ok
    ? Object.entries(o.outputs)
        .map(([k, v]) => `${k} = ${show(v)}`)
        .join(", ")
    : `${o.code} ${o.message}`;
}
