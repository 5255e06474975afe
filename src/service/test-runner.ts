/**
 * Rulebook tests: the `<name>.test.yaml` files that pin a rulebook's published worked examples.
 *
 * ```yaml
 * rulebook: binance-btcusdt-perp.margin
 * cases:
 *   - name: Binance worked example
 *     input: { position: { size: 109.488, mark: 31967.27, side: long }, market: { vol_30d: 0.5, adv: 2e9 } }
 *     expect: { maintenance_margin: 71200.82 }   # some or all outputs
 *     tolerance: 1e-6                           # absolute; default 0 (exact)
 *     decimal_tolerance: 0                      # in decimal arithmetic; default: `tolerance`
 *   - name: Size 0 is refused
 *     input: { ... }
 *     expect_error: MB6001                      # or { code: MB6001, path: /position/size, message: "> 0" }
 * ```
 *
 * Every case runs through BOTH evaluators, the reference interpreter and the compiled JavaScript,
 * after validating its input; they must agree bit for bit (same outputs, or the same error code and
 * message), and the agreed result must match the expectation. Pure: no file system; the CLI reads
 * the files and renders the results.
 */
import { LineCounter, isMap, isSeq, parseDocument } from "yaml";
import type { IrRulebook } from "../ir/ir.js";
import { compileEvaluator } from "../runtime/codegen.js";
import { RuntimeError } from "../semantics/errors.js";
import { decText, isDecimalText, toDec, type Dec } from "../semantics/decimal.js";
import { validateInput, type InputError } from "../runtime/input-schema.js";
import { evaluate, type OutputValue } from "../runtime/interpreter.js";

/** An expected error: a code, and optionally the path of an input problem or a part of the message. */
export interface ExpectedError {
  code: string;
  path?: string;
  message?: string;
}

/** One test case, as written in the YAML file. */
export interface TestCase {
  name: string;
  /** 1-based line of the case in the test file (0 when unknown). */
  line: number;
  input: unknown;
  expect?: Record<string, OutputValue>;
  expectError?: ExpectedError;
  /** Absolute tolerance for numeric outputs (default 0: exact). */
  tolerance: number;
  /** The tolerance when the rulebook runs in decimal arithmetic (`decimal_tolerance`; default `tolerance`). */
  decimalTolerance?: number;
}

/** A parsed test file. */
export interface TestFile {
  /** The rulebook file the tests are for, relative to the test file (`binance-btcusdt-perp.margin`). */
  rulebook: string;
  cases: TestCase[];
}

/** The outcome of one evaluator on one case: outputs, or an error. */
export type Outcome =
  | { ok: true; outputs: Record<string, OutputValue> }
  | { ok: false; code: string; message: string; inputErrors?: InputError[] };

/** One way a case failed. */
export type Mismatch =
  | { kind: "output"; name: string; expected: OutputValue; actual: OutputValue; tolerance: number }
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

/** A problem with the test file itself (not YAML, a case without a name, an unknown key). */
export interface TestFileProblem {
  line: number;
  message: string;
}

const caseKeys = new Set(["name", "input", "expect", "expect_error", "tolerance", "decimal_tolerance"]);

/** Parses the text of a test file. Never throws: problems are returned with their lines. */
export function parseTestFile(text: string): { file?: TestFile; problems: TestFileProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 0 : lineCounter.linePos(offset).line;
  const problems: TestFileProblem[] = doc.errors.map((e) => ({
    line: lineAt(e.pos[0]),
    message: e.message.split("\n")[0]!,
  }));
  if (problems.length > 0) return { problems };
  const root = doc.contents;
  const data = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  if (!isMap(root) || data === null || typeof data !== "object")
    return { problems: [{ line: 1, message: "a test file is a map with `rulebook` and `cases`" }] };
  for (const key of Object.keys(data))
    if (key !== "rulebook" && key !== "cases")
      problems.push({
        line: 1,
        message: `unknown key \`${key}\`: a test file has \`rulebook\` and \`cases\``,
      });
  if (typeof data["rulebook"] !== "string")
    problems.push({ line: 1, message: "`rulebook` must name the .margin file the cases are for" });
  const casesNode = root.get("cases", true);
  if (!isSeq(casesNode) || !Array.isArray(data["cases"])) {
    problems.push({ line: 1, message: "`cases` must be a list of test cases" });
    return { problems };
  }
  const cases: TestCase[] = [];
  (data["cases"] as unknown[]).forEach((raw, i) => {
    const line = lineAt((casesNode.items[i] as { range?: readonly number[] } | undefined)?.range?.[0]);
    const parsed = parseCase(raw, line, problems);
    if (parsed) cases.push(parsed);
  });
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) problems.push({ line: c.line, message: `two cases are named "${c.name}"` });
    seen.add(c.name);
  }
  return problems.length > 0
    ? { problems }
    : { file: { rulebook: data["rulebook"] as string, cases }, problems };
}

function parseCase(raw: unknown, line: number, problems: TestFileProblem[]): TestCase | undefined {
  const fail = (message: string): undefined => {
    problems.push({ line, message });
    return undefined;
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return fail("a case is a map with `name`, `input` and `expect` or `expect_error`");
  const c = raw as Record<string, unknown>;
  for (const key of Object.keys(c))
    if (!caseKeys.has(key))
      return fail(`unknown key \`${key}\` in a case: the keys are ${[...caseKeys].join(", ")}`);
  if (typeof c["name"] !== "string" || c["name"] === "") return fail("a case needs a `name`");
  const name = c["name"];
  if (!("input" in c)) return fail(`case "${name}" has no \`input\``);
  if ("expect" in c === "expect_error" in c)
    return fail(`case "${name}" needs exactly one of \`expect\` and \`expect_error\``);
  const tolerance = c["tolerance"] ?? 0;
  if (typeof tolerance !== "number" || !(tolerance >= 0))
    return fail(`case "${name}": \`tolerance\` must be a number >= 0`);
  const decimalTolerance = c["decimal_tolerance"];
  if (decimalTolerance !== undefined && (typeof decimalTolerance !== "number" || !(decimalTolerance >= 0)))
    return fail(`case "${name}": \`decimal_tolerance\` must be a number >= 0`);
  const result: TestCase = {
    name,
    line,
    input: c["input"],
    tolerance,
    ...(decimalTolerance !== undefined ? { decimalTolerance } : {}),
  };
  if ("expect" in c) {
    const expect = c["expect"];
    if (expect === null || typeof expect !== "object" || Array.isArray(expect))
      return fail(`case "${name}": \`expect\` maps output names to values`);
    for (const [key, value] of Object.entries(expect)) {
      if (!["number", "boolean", "string"].includes(typeof value))
        return fail(`case "${name}": expected \`${key}\` must be a number, true/false or a text`);
    }
    result.expect = expect as Record<string, OutputValue>;
  } else {
    const expected = parseExpectedError(c["expect_error"]);
    if (!expected)
      return fail(`case "${name}": \`expect_error\` is an error code (MB6001) or { code, path?, message? }`);
    result.expectError = expected;
  }
  return result;
}

function parseExpectedError(raw: unknown): ExpectedError | undefined {
  if (typeof raw === "string" && /^MB\d{4}$/.test(raw)) return { code: raw };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const { code, path, message, ...rest } = raw as Record<string, unknown>;
  if (typeof code !== "string" || !/^MB\d{4}$/.test(code) || Object.keys(rest).length > 0) return undefined;
  if (
    (path !== undefined && typeof path !== "string") ||
    (message !== undefined && typeof message !== "string")
  )
    return undefined;
  return { code, ...(path !== undefined ? { path } : {}), ...(message !== undefined ? { message } : {}) };
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
  return { interpreter: (input) => evaluate(ir, input).outputs, compiled: compiled.evaluate };
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
  return keys.every((k) => Object.hasOwn(b.outputs, k) && Object.is(a.outputs[k], b.outputs[k]));
}

/** The tolerance of a case in the rulebook's arithmetic. */
export function caseTolerance(c: TestCase, decimal: boolean): number {
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
  const tolerance = caseTolerance(c, decimal);
  for (const [name, expected] of Object.entries(c.expect ?? {})) {
    if (!outputNames.includes(name)) {
      mismatches.push({ kind: "unknown-output", name, expected, outputs: [...outputNames] });
      continue;
    }
    const value = actual.outputs[name]!;
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

/** In decimal arithmetic: numbers (outputs are decimal text) compared exactly, within the tolerance. */
function decimalMatches(expected: OutputValue, actual: OutputValue, tolerance: number): boolean {
  const a = asDecimal(actual);
  const e = asDecimal(expected);
  if (a && e && typeof expected !== "boolean") return a.minus(e).abs().lte(toDec(tolerance));
  return valueMatches(expected, actual, tolerance);
}

function asDecimal(value: OutputValue): Dec | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return toDec(value);
  if (typeof value === "string" && isDecimalText(value)) return toDec(value);
  return undefined;
}

/** An output whose value differs between binary64 and decimal arithmetic by more than a bound. */
export interface ModeDifference {
  output: string;
  binary64: OutputValue;
  decimal: OutputValue;
  /** |binary64 - decimal|, exactly (as decimal text); absent when either is not a number. */
  difference?: string;
}

/**
 * The outputs of one case that differ between the two arithmetics by more than `bound` (numbers),
 * or at all (other values, and an error in one mode only).
 */
export function modeDifferences(binary: Outcome, decimal: Outcome, bound: number): ModeDifference[] {
  if (!binary.ok || !decimal.ok) {
    if (!binary.ok && !decimal.ok && binary.code === decimal.code) return [];
    const describe = (o: Outcome): OutputValue => (o.ok ? "outputs" : o.code);
    return [{ output: "(outcome)", binary64: describe(binary), decimal: describe(decimal) }];
  }
  const result: ModeDifference[] = [];
  for (const [output, b] of Object.entries(binary.outputs)) {
    const d = decimal.outputs[output]!;
    const [x, y] = [asDecimal(b), asDecimal(d)];
    if (x && y && typeof b === "number") {
      const difference = x.minus(y).abs();
      if (difference.gt(toDec(bound)))
        result.push({ output, binary64: b, decimal: d, difference: decText(difference) });
    } else if (b !== d) result.push({ output, binary64: b, decimal: d });
  }
  return result;
}

function valueMatches(expected: OutputValue, actual: OutputValue, tolerance: number): boolean {
  if (typeof expected === "number" && typeof actual === "number")
    return Object.is(expected, actual) || Math.abs(actual - expected) <= tolerance;
  // A figure written as decimal text (more digits than a double holds), against a binary64 result.
  if (typeof expected === "string" && typeof actual === "number" && isDecimalText(expected))
    return Math.abs(actual - Number(expected)) <= tolerance;
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
        if (typeof m.expected === "number" && typeof m.actual === "number") {
          const difference = m.actual - m.expected;
          lines[2] += `   (off by ${difference > 0 ? "+" : ""}${Number(difference.toPrecision(6))}, tolerance ${m.tolerance})`;
        }
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
