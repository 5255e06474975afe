/**
 * `marginbook verify`: proves the properties rulebooks declare (`verify ...`) and their assertions,
 * or searches for a counterexample within a time budget, and prints each property as proved (and
 * how), not violated after N inputs, or violated, with the counterexample's input, outputs and
 * explanation.
 */
import type { IrRulebook } from "../ir/ir.js";
import { outputInfos } from "../runtime/output-info.js";
import {
  verifyRulebook,
  type PropertyResult,
  type Replay,
  type VerificationReport,
} from "../verify/index.js";
import { compileFile } from "./compile-file.js";
import { formatExplanation, formatOutputs } from "./eval-format.js";
import { findMarginFiles } from "./files.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The output formats of `verify`. */
export const verifyFormats = ["text", "json"] as const;

/** The default time budget per rulebook, in seconds. */
export const DEFAULT_VERIFY_BUDGET_SECONDS = 3;

/** The `verify` command. */
export function verifyCommand(): Command {
  return {
    name: "verify",
    summary: "prove rulebook properties (verify, assert), or find a counterexample",
    usage: "Usage: marginbook verify <files or folders...> [options]",
    description: [
      "Verifies the properties of every .margin file given (folders are searched recursively): each",
      "`assert` and each `verify` declaration. A property is proved statically when the analysis can",
      "(interval and linear bounds, case splits on tier rows, monotonicity, continuity); otherwise",
      "valid inputs are searched for a counterexample (tier boundaries, condition thresholds, domain",
      "edges, random inputs), within the time budget of each rulebook.",
      "",
      "Each property is reported as proved (with the method), not violated after N inputs, or",
      "violated, with the counterexample: its input, its outputs and the explanation of the",
      "evaluation. --format json prints one report per rulebook.",
      "",
      "Exit codes: 0 no property violated, 1 a property violated (or a rulebook with errors),",
      "2 usage error.",
    ].join("\n"),
    options: {
      format: {
        type: "string",
        valueName: verifyFormats.join("|"),
        description: "output format (default: text)",
      },
      budget: {
        type: "string",
        valueName: "seconds",
        description: `time for the search, per rulebook (default: ${DEFAULT_VERIFY_BUDGET_SECONDS})`,
      },
      seed: {
        type: "string",
        valueName: "n",
        description: "seed of the search's random choices (default: 1)",
      },
      "no-color": { type: "boolean", description: "never colour the text output" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runVerify,
  };
}

function runVerify(args: ParsedArgs, io: CliIo): number {
  const format = (args.values["format"] ?? "text") as string;
  if (!(verifyFormats as readonly string[]).includes(format))
    throw new UsageError(`unknown format '${format}': use ${verifyFormats.join(", ")}`, "verify");
  const budget = numberOption(
    args.values["budget"],
    "budget",
    DEFAULT_VERIFY_BUDGET_SECONDS,
    (v) => v > 0 && v <= 3600,
    "a number of seconds above 0, up to 3600",
  );
  const seed = numberOption(
    args.values["seed"],
    "seed",
    1,
    (v) => Number.isInteger(v) && v >= 0,
    "a whole number",
  );
  if (args.positionals.length === 0)
    throw new UsageError("missing path: give the .margin files or folders to verify", "verify");
  const files = findMarginFiles(args.positionals, io.cwd, "verify", io.stderr);
  if (files.length === 0)
    throw new UsageError(`no .margin files found in ${args.positionals.join(", ")}`, "verify");
  const color = io.color === true && args.values["no-color"] !== true;
  const paint = (code: number, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);

  const reports: VerificationReport[] = [];
  let broken = 0;
  files.forEach((file, i) => {
    let compiled;
    try {
      compiled = compileFile(file, io, "verify", color);
    } catch (error) {
      // A file of the folder that cannot be read: reported, and the others still verified.
      if (!(error instanceof UsageError)) throw error;
      broken += 1;
      io.stderr(`marginbook: ${error.message}\n`);
      return;
    }
    if (!compiled.ok) {
      broken += 1;
      io.stderr(compiled.report);
      io.stderr(`marginbook: ${file} has errors: fix them before verifying\n`);
      return;
    }
    const report = verifyRulebook(compiled.ir, { budgetMs: budget * 1000, seed });
    reports.push(report);
    if (format === "text") io.stdout((i > 0 ? "\n" : "") + renderReport(report, compiled.ir, file, paint));
  });
  const violated = reports.reduce((sum, r) => sum + r.violated, 0);
  if (format === "json") io.stdout(`${JSON.stringify(reports, null, 2)}\n`);
  const line = summaryLine(reports, broken);
  if (format === "text") io.stdout(`\n${violated + broken > 0 ? paint(31, line) : paint(32, line)}\n`);
  else io.stderr(`${line}\n`);
  return violated + broken > 0 ? ExitCode.problems : ExitCode.ok;
}

function numberOption(
  value: unknown,
  name: string,
  fallback: number,
  valid: (v: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback;
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(number) || !valid(number))
    throw new UsageError(`--${name} must be ${expected}, not '${String(value)}'`, "verify");
  return number;
}

function summaryLine(reports: readonly VerificationReport[], broken: number): string {
  const count = (key: "proved" | "notViolated" | "violated"): number =>
    reports.reduce((sum, r) => sum + r[key], 0);
  const total = count("proved") + count("notViolated") + count("violated");
  const errors = broken > 0 ? `, ${plural(broken, "rulebook")} with errors` : "";
  return `${total} propert${total === 1 ? "y" : "ies"}: ${count("proved")} proved, ${count("notViolated")} not violated, ${count("violated")} violated${errors} (${plural(reports.length + broken, "rulebook")})`;
}

/**
 * Verifies one rulebook for `marginbook test --verify` and prints one line per property (with the
 * counterexample of a violation); returns the number of properties violated.
 */
export function printVerification(
  ir: IrRulebook,
  io: CliIo,
  paint: (code: number, text: string) => string,
  budgetMs = DEFAULT_VERIFY_BUDGET_SECONDS * 1000,
): number {
  const report = verifyRulebook(ir, { budgetMs });
  for (const property of report.properties) io.stdout(renderProperty(property, ir, paint));
  return report.violated;
}

const MARKS = {
  proved: ["✓", 32],
  "not-violated": ["~", 33],
  violated: ["✗", 31],
  assumed: ["·", 36],
} as const;

/** One rulebook's report as text: a line per property, then the counterexample of each violation. */
export function renderReport(
  report: VerificationReport,
  ir: IrRulebook,
  file: string,
  paint: (code: number, text: string) => string = (_, t) => t,
): string {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `${file}: ${report.rulebook} ${report.version} (${seconds(report.elapsedMs)}, budget ${seconds(report.budgetMs)})\n`,
  ];
  for (const property of report.properties) lines.push(renderProperty(property, ir, paint));
  return lines.join("");
}

function renderProperty(
  p: PropertyResult,
  ir: IrRulebook,
  paint: (code: number, text: string) => string,
): string {
  const [mark, colour] = MARKS[p.status];
  const where = p.line > 0 ? `  (${p.file ? `${p.file}:` : ""}line ${p.line})` : "";
  const message = p.message !== undefined ? `  "${p.message}"` : "";
  let text = `  ${paint(colour, mark)} ${p.text}${message}${where}\n`;
  if (p.status === "proved") text += `      proved: ${p.method}\n`;
  if (p.status === "not-violated")
    text += `      not violated after ${plural(p.inputs, "input")} (not proved: searched)\n`;
  if (p.status === "assumed")
    text +=
      "      assumed: an assertion on inputs only is a precondition (inputs that break it are refused)\n";
  if (p.targets.length > 1 && p.status !== "violated") {
    for (const t of p.targets)
      if (t.status !== p.status || (t.method && t.method !== p.method))
        text += `      ${t.name}: ${t.status === "proved" ? `proved: ${t.method}` : `${t.status}, ${plural(t.inputs, "input")}`}\n`;
  }
  const c = p.counterexample;
  if (p.status === "violated" && c) {
    text += `      VIOLATED after ${plural(p.inputs, "input")}: ${c.summary}\n`;
    text += renderReplay(c.other ? "first input" : "input", c.evaluation, ir);
    if (c.other) text += renderReplay("second input", c.other, ir);
  }
  return text;
}

function renderReplay(label: string, replay: Replay, ir: IrRulebook): string {
  let text = `      ${label}: ${JSON.stringify(replay.input)}\n`;
  if (replay.error) return `${text}      evaluation stopped: ${replay.error.code} ${replay.error.message}\n`;
  text += `      outputs:\n${formatOutputs(replay.outputs, outputInfos(ir), "        ")}`;
  if (replay.explanation)
    text += `      explanation:\n${formatExplanation(replay.explanation, ir, "        ")}`;
  return text;
}
