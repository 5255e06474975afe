/**
 * Parsing `.test.yaml` files: YAML (with positions), then the JSON Schema of
 * `test-file-schema.ts` (its precompiled validator), then what a schema cannot say (two cases with
 * one name, a tolerance for an output the case does not expect). Every problem points at the
 * offending node: its line and column, and the column where it ends on that line.
 */
import type { ErrorObject } from "ajv/dist/2020.js";
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from "yaml";
import { yamlProblem } from "./yaml-problem.js";
import type { OutputValue } from "../runtime/interpreter.js";
import validateTestFile from "./generated/test-file-validator.js";

/** An expected error: a code, and optionally the path of an input problem or a part of the message. */
export interface ExpectedError {
  code: string;
  path?: string;
  message?: string;
}

/** How far a numeric output may be from its expected value: within `absolute`, or `relative` x |expected|. */
export interface Bound {
  absolute: number;
  relative: number;
}

/** The tolerance of a case: a bound for every output (`default`), and per output. */
export interface Tolerance {
  default: Bound;
  outputs: Readonly<Record<string, Bound>>;
}

/** One test case, as written in the YAML file. */
export interface TestCase {
  name: string;
  /** 1-based line of the case in the test file (0 when unknown). */
  line: number;
  input: unknown;
  expect?: Record<string, OutputValue>;
  expectError?: ExpectedError;
  /** The case's tolerance (the file's, overridden by the case's own); exact when neither has one. */
  tolerance: Tolerance;
  /**
   * The tolerance when the rulebook runs in decimal arithmetic (`decimal_tolerance`, the file's
   * overridden by the case's own); absent when neither gives one: `tolerance` applies then.
   */
  decimalTolerance?: Tolerance;
}

/** A parsed test file. */
export interface TestFile {
  /** The rulebook file the tests are for, relative to the test file (`binance-btcusdt-perp.margin`). */
  rulebook: string;
  cases: TestCase[];
}

/** A problem with the test file itself, at a 1-based line and column (the end column is exclusive). */
export interface TestFileProblem {
  line: number;
  column?: number;
  endColumn?: number;
  message: string;
}

/** An exact comparison. */
export const EXACT: Tolerance = { default: { absolute: 0, relative: 0 }, outputs: {} };

/** The bound of one output of a case. */
export function boundFor(tolerance: Tolerance, output: string): Bound {
  return Object.hasOwn(tolerance.outputs, output) ? tolerance.outputs[output]! : tolerance.default;
}

type Path = readonly (string | number)[];

/** Where a problem is: the node at `path` (its key when `key` is set), as a problem's position. */
type Locate = (path: Path, key?: string) => Pick<TestFileProblem, "line" | "column" | "endColumn">;

/** Parses the text of a test file. Never throws: problems are returned with their positions. */
export function parseTestFile(text: string): { file?: TestFile; problems: TestFileProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number, end?: number): Pick<TestFileProblem, "line" | "column" | "endColumn"> => {
    const start = lineCounter.linePos(offset);
    const stop = end !== undefined ? lineCounter.linePos(end) : undefined;
    return {
      line: start.line,
      column: start.col,
      ...(stop && stop.line === start.line && stop.col > start.col ? { endColumn: stop.col } : {}),
    };
  };
  const problems: TestFileProblem[] = doc.errors.map((e) => ({
    ...at(e.pos[0], e.pos[1]),
    message: yamlProblem(e),
  }));
  if (problems.length > 0) return { problems };
  const locate: Locate = (path, key) => {
    const node = nodeAt(doc, path, key);
    return node?.range ? at(node.range[0], node.range[1]) : { line: 1, column: 1 };
  };
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!validateTestFile(data)) {
    const errors = (validateTestFile as unknown as { errors: ErrorObject[] }).errors;
    return { problems: schemaProblems(errors, data, locate) };
  }
  const file = data as {
    rulebook: string;
    tolerance?: unknown;
    decimal_tolerance?: unknown;
    cases: Record<string, unknown>[];
  };
  const fileTolerance = file.tolerance === undefined ? EXACT : toleranceOf(file.tolerance, EXACT);
  const fileDecimal =
    file.decimal_tolerance === undefined ? undefined : toleranceOf(file.decimal_tolerance, EXACT);
  const cases = file.cases.map((c, i): TestCase => {
    const { line } = locate(["cases", i]);
    const tolerance =
      c["tolerance"] === undefined ? fileTolerance : toleranceOf(c["tolerance"], fileTolerance);
    const decimalTolerance =
      c["decimal_tolerance"] === undefined
        ? fileDecimal
        : toleranceOf(c["decimal_tolerance"], fileDecimal ?? EXACT);
    const result: TestCase = {
      name: c["name"] as string,
      line,
      input: c["input"],
      tolerance,
      ...(decimalTolerance ? { decimalTolerance } : {}),
    };
    if ("expect" in c) result.expect = c["expect"] as Record<string, OutputValue>;
    else result.expectError = expectedError(c["expect_error"]);
    return result;
  });
  problems.push(...semanticProblems(file.cases, cases, locate));
  return problems.length > 0 ? { problems } : { file: { rulebook: file.rulebook, cases }, problems };
}

function nodeAt(doc: Document, path: Path, key?: string): Node | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (key === undefined) return (parent as Node | null) ?? undefined;
  if (!isMap(parent)) return (parent as Node | null) ?? undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.key as Node | undefined) ?? (parent as Node);
}

/** What a position in the file is called in messages. */
function where(path: Path, data: unknown): string {
  if (path[0] !== "cases" || typeof path[1] !== "number") return "the test file";
  const name = (data as { cases?: { name?: unknown }[] }).cases?.[path[1]]?.name;
  return typeof name === "string" && name !== "" ? `case "${name}"` : `case ${path[1] + 1}`;
}

const pointer = (instancePath: string): Path =>
  instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** The schema's errors as problems: one per failing node, worded by the node's `description`. */
function schemaProblems(errors: readonly ErrorObject[], data: unknown, locate: Locate): TestFileProblem[] {
  // An alternative (`anyOf` / `oneOf`) reports its own failure; the failures of its branches are
  // noise. Of nested alternatives (a tolerance map whose entry is no bound), the deepest is the most
  // precise; of two at one node (a `$ref` inside a branch), the outer one, reported last.
  const alternative = (e: ErrorObject): boolean => e.keyword === "anyOf" || e.keyword === "oneOf";
  const branches = errors.filter(alternative).map((e) => e.schemaPath);
  const direct = errors.filter((e) => !branches.some((b) => e.schemaPath.startsWith(`${b}/`)));
  const shown = direct.filter(
    (e, i) =>
      e.keyword !== "anyOf" ||
      !direct.some(
        (o, j) =>
          o.keyword === "anyOf" &&
          (o.instancePath.startsWith(`${e.instancePath}/`) || (o.instancePath === e.instancePath && j > i)),
      ),
  );
  const seen = new Set<string>();
  const problems: TestFileProblem[] = [];
  for (const e of shown) {
    const path = pointer(e.instancePath);
    const context = where(path, data);
    const last = path[path.length - 1];
    let problem: TestFileProblem;
    if (e.keyword === "additionalProperties") {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      problem = {
        ...locate(path, key),
        message: `unknown key \`${key}\` in ${context}: the keys are ${known.join(", ")}`,
      };
    } else if (e.keyword === "required") {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      problem = { ...locate(path), message: `${context} has no \`${missing}\`` };
    } else {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      const subject = typeof last === "string" && last !== "" && path.length > 0 ? `\`${last}\` in ` : "";
      problem = {
        ...locate(path),
        message: `${subject}${context} ${description ?? e.message ?? "is not valid"}`,
      };
    }
    const id = `${problem.line}:${problem.column}:${problem.message}`;
    if (!seen.has(id)) problems.push(problem);
    seen.add(id);
  }
  return problems.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
}

function boundOf(raw: unknown): Bound {
  if (typeof raw === "number") return { absolute: raw, relative: 0 };
  const b = raw as { absolute?: number; relative?: number };
  return { absolute: b.absolute ?? 0, relative: b.relative ?? 0 };
}

const isBoundObject = (raw: object): boolean =>
  Object.keys(raw).length > 0 && Object.keys(raw).every((k) => k === "absolute" || k === "relative");

/** A tolerance as written (validated by the schema), over the one it refines. */
function toleranceOf(raw: unknown, base: Tolerance): Tolerance {
  if (typeof raw === "number" || isBoundObject(raw as object)) return { default: boundOf(raw), outputs: {} };
  const entries = Object.entries(raw as Record<string, unknown>);
  const outputs: Record<string, Bound> = { ...base.outputs };
  let fallback = base.default;
  for (const [name, value] of entries) {
    if (name === "default") fallback = boundOf(value);
    else outputs[name] = boundOf(value);
  }
  return { default: fallback, outputs };
}

function expectedError(raw: unknown): ExpectedError {
  if (typeof raw === "string") return { code: raw };
  const { code, path, message } = raw as ExpectedError;
  return { code, ...(path !== undefined ? { path } : {}), ...(message !== undefined ? { message } : {}) };
}

/** Two cases with one name; a per-output tolerance for an output the case does not expect. */
function semanticProblems(
  raw: readonly Record<string, unknown>[],
  cases: readonly TestCase[],
  locate: Locate,
): TestFileProblem[] {
  const problems: TestFileProblem[] = [];
  const seen = new Set<string>();
  cases.forEach((c, i) => {
    if (seen.has(c.name))
      problems.push({ ...locate(["cases", i, "name"]), message: `two cases are named "${c.name}"` });
    seen.add(c.name);
    const written = raw[i]!["tolerance"];
    if (written === undefined || typeof written === "number" || isBoundObject(written as object)) return;
    for (const name of Object.keys(written as object)) {
      if (name === "default") continue;
      const why = c.expect
        ? `case "${c.name}" does not expect \`${name}\` (it expects ${Object.keys(c.expect).join(", ") || "nothing"})`
        : `case "${c.name}" expects an error, not outputs`;
      if (!c.expect || !Object.hasOwn(c.expect, name))
        problems.push({
          ...locate(["cases", i, "tolerance"], name),
          message: `a tolerance for \`${name}\`, but ${why}`,
        });
    }
  });
  return problems;
}
