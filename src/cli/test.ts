/**
 * `marginbook test`: runs the `<name>.test.yaml` files next to rulebooks, each case through both
 * evaluators, and prints every case (✓ / ✗), a readable diff of expected and actual for each
 * failure, and a summary.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import {
  evaluatorsOf,
  describeMismatches,
  parseTestFile,
  runTestFile,
  boundFor,
  caseTolerance,
  modeDifferences,
  type CaseResult,
} from "../service/test-runner.js";
import type { IrRulebook } from "../ir/ir.js";
import type { LowerOptions } from "../compile/lower.js";
import { DEFAULT_ARITHMETIC } from "../semantics/decimal.js";
import { compileFile } from "./compile-file.js";
import { displayPath, marginExtension, readFailure, readText } from "./files.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";
import { printVerification } from "./verify.js";

/** The suffix of rulebook test files. */
export const testExtension = ".test.yaml";

/** The `test` command. */
export function testCommand(): Command {
  return {
    name: "test",
    summary: "run the test cases (<name>.test.yaml) of rulebooks",
    usage: "Usage: marginbook test [files or folders...] [options]",
    description: [
      "Runs every <name>.test.yaml found in the folders given (recursively; default: the current",
      "folder), or given directly, against the rulebook it names (the <name>.margin next to it).",
      "Each case runs through the interpreter and the compiled evaluator, which must agree, and",
      "its outputs (within its tolerance) or its error code must match what it expects. A .margin",
      "file given directly runs its own test file.",
      "",
      "--arithmetic binary64|decimal runs every rulebook in that arithmetic whatever its header",
      "says (decimal with the rulebook's own scale, else 18 places, half-even); --arithmetic both",
      "runs each case in both, checks each against its expectation (decimal_tolerance applies in",
      "decimal), and lists every output where the two differ by more than --max-difference",
      "(default: the case's larger tolerance); such a difference fails the case.",
      "",
      "Exit codes: 0 every case passed, 1 a case failed (or a test file or rulebook is broken),",
      "2 usage error.",
    ].join("\n"),
    options: {
      verify: {
        type: "boolean",
        description: "also verify each rulebook's properties (see `marginbook verify`)",
      },
      arithmetic: {
        type: "string",
        valueName: "mode",
        description: "binary64, decimal or both (default: as each rulebook declares)",
      },
      "max-difference": {
        type: "string",
        valueName: "amount",
        description: "with --arithmetic both: the largest difference between the modes that passes",
      },
      "no-color": { type: "boolean", description: "never colour the text output" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runTest,
  };
}

/** Test files for the paths given: folders searched recursively, files taken as given; sorted. */
export function findTestFiles(paths: readonly string[], cwd: string): string[] {
  const found = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      throw new UsageError(`path not found: ${given}`, "test");
    }
    if (stats.isDirectory()) collect(absolute, found);
    else if (absolute.endsWith(marginExtension))
      found.add(absolute.slice(0, -marginExtension.length) + testExtension);
    else found.add(absolute);
  }
  return [...found].map((a) => displayPath(a, cwd)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function collect(folder: string, found: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) collect(full, found);
    } else if (entry.name.endsWith(testExtension)) {
      found.add(full);
    }
  }
}

interface Tally {
  passed: number;
  failed: number;
  /** Test files that did not run (unreadable, invalid, or naming a missing or broken rulebook). */
  brokenFiles: number;
  violated: number;
}

function runTest(args: ParsedArgs, io: CliIo): number {
  const modes = arithmeticOption(args);
  const paths = args.positionals.length > 0 ? args.positionals : ["."];
  const files = findTestFiles(paths, io.cwd);
  if (files.length === 0)
    throw new UsageError(`no ${testExtension} files found in ${paths.join(", ")}`, "test");
  const color = io.color === true && args.values["no-color"] !== true;
  const paint = (code: number, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const tally: Tally = { passed: 0, failed: 0, brokenFiles: 0, violated: 0 };
  const verify = args.values["verify"] === true;
  files.forEach((file, i) => {
    if (i > 0) io.stdout("\n");
    runFile(file, io, tally, paint, color, verify, modes);
  });
  const cases = tally.passed + tally.failed;
  const broken = tally.brokenFiles > 0 ? `, ${plural(tally.brokenFiles, "broken file")}` : "";
  const violated = verify ? `, ${tally.violated} propert${tally.violated === 1 ? "y" : "ies"} violated` : "";
  const line = `${plural(cases, "case")}: ${tally.passed} passed, ${tally.failed} failed${violated}${broken} (${plural(files.length, "test file")})`;
  const bad = tally.failed + tally.brokenFiles + tally.violated > 0;
  io.stdout(`\n${bad ? paint(31, line) : paint(32, line)}\n`);
  return bad ? ExitCode.problems : ExitCode.ok;
}

/** The `--arithmetic` and `--max-difference` options. */
interface ArithmeticChoice {
  /** `declared`: as the header says. */
  mode: "declared" | "binary64" | "decimal" | "both";
  maxDifference?: number;
}

function arithmeticOption(args: ParsedArgs): ArithmeticChoice {
  const mode = (args.values["arithmetic"] as string | undefined) ?? "declared";
  if (!["declared", "binary64", "decimal", "both"].includes(mode))
    throw new UsageError(`--arithmetic must be binary64, decimal or both, not \`${mode}\``, "test");
  const raw = args.values["max-difference"] as string | undefined;
  const maxDifference = raw === undefined ? undefined : Number(raw);
  if (maxDifference !== undefined && !(maxDifference >= 0))
    throw new UsageError(`--max-difference must be a number >= 0, not \`${raw}\``, "test");
  if (maxDifference !== undefined && mode !== "both")
    throw new UsageError("--max-difference bounds the cross-check of --arithmetic both: give both", "test");
  return {
    mode: mode as ArithmeticChoice["mode"],
    ...(maxDifference !== undefined ? { maxDifference } : {}),
  };
}

/** The IR of a rulebook in one arithmetic: decimal keeps a declared scale, else 18 places. */
function inArithmetic(ir: IrRulebook, mode: "binary64" | "decimal"): LowerOptions["arithmetic"] {
  return mode === "binary64" ? "binary64" : (ir.meta.arithmetic ?? DEFAULT_ARITHMETIC);
}

function runFile(
  file: string,
  io: CliIo,
  tally: Tally,
  paint: (code: number, text: string) => string,
  color: boolean,
  verify: boolean,
  modes: ArithmeticChoice = { mode: "declared" },
): void {
  const broken = (...messages: string[]): void => {
    for (const message of messages) io.stdout(`  ${paint(31, "✗")} ${message}\n`);
    tally.brokenFiles += 1;
  };
  let text: string;
  try {
    text = readText(path.resolve(io.cwd, file));
  } catch (error) {
    io.stdout(`${file}\n`);
    return broken(`cannot read ${file}: ${readFailure(error)}`);
  }
  const parsed = parseTestFile(text);
  if (!parsed.file) {
    io.stdout(`${file}\n`);
    return broken(
      ...parsed.problems.map((p) => `${file}:${p.line}${p.column ? `:${p.column}` : ""}: ${p.message}`),
    );
  }
  const rulebook = displayPath(path.resolve(io.cwd, path.dirname(file), parsed.file.rulebook), io.cwd);
  io.stdout(`${file} (${rulebook})\n`);
  let stats;
  try {
    stats = statSync(path.resolve(io.cwd, rulebook));
  } catch {
    return broken(`the rulebook ${rulebook} named by \`rulebook:\` does not exist`);
  }
  if (!stats.isFile()) return broken(`the rulebook ${rulebook} named by \`rulebook:\` is not a regular file`);
  const compiled = compileFile(rulebook, io, "test", color);
  if (!compiled.ok) {
    io.stdout(compiled.report.replace(/^/gm, "    "));
    return broken(`${rulebook} has errors: its ${plural(parsed.file.cases.length, "case")} did not run`);
  }
  if (modes.mode === "both") {
    const [binary, decimal] = (["binary64", "decimal"] as const).map((mode) => {
      const again = compileFile(rulebook, io, "test", color, undefined, {
        arithmetic: inArithmetic(compiled.ir, mode),
      });
      return again.ok ? again.ir : compiled.ir;
    }) as [IrRulebook, IrRulebook];
    const b = runTestFile(parsed.file, binary, evaluatorsOf(binary));
    const d = runTestFile(parsed.file, decimal, evaluatorsOf(decimal));
    parsed.file.cases.forEach((c, i) => {
      // The stated bound: --max-difference, else the larger of the case's two tolerances.
      const bound = (output: string, value: number): number => {
        if (modes.maxDifference !== undefined) return modes.maxDifference;
        return Math.max(
          ...[caseTolerance(c, false), caseTolerance(c, true)].map((t) => {
            const b = boundFor(t, output);
            return Math.max(b.absolute, b.relative * Math.abs(value));
          }),
        );
      };
      const differences = modeDifferences(b[i]!.actual, d[i]!.actual, bound);
      printCase(b[i]!, file, io, paint, "binary64");
      printCase(d[i]!, file, io, paint, "decimal");
      for (const m of differences)
        io.stdout(
          `      ${paint(31, "≠")} ${m.output}: binary64 ${String(m.binary64)}, decimal ${String(m.decimal)}` +
            `${m.difference !== undefined ? ` (differ by ${m.difference}, more than ${m.bound})` : ""}\n`,
        );
      const passed = b[i]!.passed && d[i]!.passed && differences.length === 0;
      tally[passed ? "passed" : "failed"] += 1;
    });
    if (verify) tally.violated += printVerification(compiled.ir, io, paint);
    return;
  }
  const ir =
    modes.mode === "declared"
      ? compiled.ir
      : (() => {
          const again = compileFile(rulebook, io, "test", color, undefined, {
            arithmetic: inArithmetic(compiled.ir, modes.mode),
          });
          return again.ok ? again.ir : compiled.ir;
        })();
  const results = runTestFile(parsed.file, ir, evaluatorsOf(ir));
  for (const result of results) printCase(result, file, io, paint);
  for (const r of results) tally[r.passed ? "passed" : "failed"] += 1;
  if (verify) tally.violated += printVerification(compiled.ir, io, paint);
}

function printCase(
  result: CaseResult,
  file: string,
  io: CliIo,
  paint: (code: number, text: string) => string,
  mode?: string,
): void {
  const label = mode ? ` [${mode}]` : "";
  if (result.passed) {
    io.stdout(`  ${paint(32, "✓")} ${result.name}${label}\n`);
    return;
  }
  io.stdout(`  ${paint(31, "✗")} ${result.name}${label}  (${file}:${result.line})\n`);
  for (const line of describeMismatches(result)) io.stdout(`      ${line}\n`);
}
