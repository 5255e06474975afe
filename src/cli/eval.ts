/**
 * `marginbook eval`: evaluates a rulebook on one input or a list of inputs, read from a YAML or
 * JSON file or from standard input, and prints the outputs (and, with `--explain`, every step).
 *
 * The rulebook runs through the same runtime engines use (`rulebookFromIr`): inputs are validated
 * against its JSON Schema, outputs come from the compiled evaluator, explanations from the
 * reference interpreter.
 */
import path from "node:path";
import { RuntimeError } from "../semantics/errors.js";
import { ArtifactError, loadArtifact } from "../runtime/index.js";
import { INPUT_ERROR_CODE } from "../runtime/input-schema.js";
import {
  InputValidationError,
  failureOf,
  rulebookFromIr,
  type EvalFailure,
  type EvalResult,
  type LoadedRulebook,
} from "../runtime/rulebook.js";
import { compileFile, readInputDocument, readOrRefuse, singleRulebook } from "./compile-file.js";
import { formatExplanation, formatOutputs } from "./eval-format.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The output formats of `eval`. */
export const evalFormats = ["text", "json"] as const;

/** The `eval` command. */
export function evalCommand(): Command {
  return {
    name: "eval",
    summary: "evaluate a rulebook on inputs, with an optional step-by-step explanation",
    usage: "Usage: marginbook eval <rulebook.margin|artifact.json> --input <file.yaml|file.json|-> [options]",
    description: [
      "Evaluates the rulebook on the input in the file (YAML or JSON; `-` reads standard input).",
      "The input is one object with the rulebook's inputs (`position: {...}, market: {...}`) or a",
      "list of such objects. Each input is validated against the rulebook's schema first.",
      "",
      "An artifact from `marginbook compile` (a .json file) is loaded as engines load it",
      "(`loadArtifact`: its hashes and schema checked first, a refused artifact is not evaluated).",
      "",
      "--format json prints { outputs, explanation? } (a list for a list input).",
      "--outputs a,b computes only those outputs (and what the assertions need): the optimizer",
      "drops every step they do not read, so an error only a dropped step raises is not raised.",
      "",
      "Exit codes: 0 evaluated, 1 invalid input, a runtime error, or a rulebook with errors,",
      "2 usage error.",
    ].join("\n"),
    options: {
      input: {
        type: "string",
        short: "i",
        valueName: "file|-",
        description: "the input document (YAML or JSON; - for stdin)",
      },
      explain: {
        type: "boolean",
        description: "show every step: rules run or skipped, values before and after, tiers chosen",
      },
      format: {
        type: "string",
        valueName: evalFormats.join("|"),
        description: "output format (default: text)",
      },
      "no-validate": {
        type: "boolean",
        description: "skip input validation (for inputs already known to be valid)",
      },
      outputs: {
        type: "string",
        valueName: "a,b",
        description: "compute and print only these outputs (and what the assertions need)",
      },
      "no-color": { type: "boolean", description: "never colour the text output" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runEval,
  };
}

/** The result of one input: its outputs and explanation, or why it failed (with one line per problem). */
type Item = { ok: true; result: EvalResult } | { ok: false; failure: EvalFailure; problems: string[] };

async function runEval(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = (args.values["format"] ?? "text") as string;
  if (!(evalFormats as readonly string[]).includes(format))
    throw new UsageError(`unknown format '${format}': use ${evalFormats.join(", ")}`, "eval");
  const inputPath = args.values["input"];
  if (typeof inputPath !== "string" || inputPath === "")
    throw new UsageError(
      "missing --input: give the input file (YAML or JSON), or - for standard input",
      "eval",
    );
  const file = singleRulebook(args.positionals, io, "eval");
  const color = io.color === true && args.values["no-color"] !== true;

  const loaded = loadForEval(file, io, color);
  if (!loaded.ok) {
    io.stderr(loaded.report);
    return ExitCode.problems;
  }
  const document = await readInputDocument(inputPath, io, "eval");
  if (!document.ok) {
    for (const problem of document.problems) io.stderr(`marginbook: ${problem}\n`);
    return ExitCode.problems;
  }

  const { book } = loaded;
  const list = Array.isArray(document.value);
  const inputs: unknown[] = list ? (document.value as unknown[]) : [document.value];
  const selection = selectedOutputs(args.values["outputs"], book, file);
  const options = {
    explain: args.values["explain"] === true,
    validate: args.values["no-validate"] !== true,
    ...(selection ? { outputs: selection } : {}),
  };
  const items = inputs.map((input) => evaluateOne(book, input, options));

  // Every problem on stderr, one line each, naming the input when there are several.
  items.forEach((item, i) => {
    if (item.ok) return;
    const label = list ? `input ${i + 1} of ${inputs.length}: ` : "";
    for (const problem of item.problems) io.stderr(`${label}${problem}\n`);
  });
  if (format === "json") io.stdout(renderJson(items, list));
  else io.stdout(renderText(items, list, book, file, options.explain, selection));
  const failed = items.filter((i) => !i.ok).length;
  if (failed > 0 && (list || format === "json"))
    io.stderr(`${plural(failed, "input")} of ${inputs.length} failed\n`);
  return failed > 0 ? ExitCode.problems : ExitCode.ok;
}

/**
 * The rulebook to evaluate: an artifact (a `.json` file, or a file whose text starts with `{`,
 * which no rulebook does) loaded as engines load it, or a rulebook source compiled; or the report
 * of why it cannot be evaluated (a refused artifact, a rulebook's errors).
 */
function loadForEval(
  file: string,
  io: CliIo,
  color: boolean,
): { ok: true; book: LoadedRulebook } | { ok: false; report: string } {
  const text = readOrRefuse(path.resolve(io.cwd, file), "rulebook", file, "eval");
  if (file.endsWith(".json") || text.trimStart().startsWith("{")) {
    try {
      return { ok: true, book: loadArtifact(text) };
    } catch (error) {
      if (!(error instanceof ArtifactError)) throw error;
      const lines = error.problems.length > 0 ? error.problems : error.message.split("\n").slice(1);
      const more = lines.map((line) => `  ${line}\n`).join("");
      return {
        ok: false,
        report: `marginbook: the artifact ${file} is refused: ${error.code} ${error.message.split("\n")[0]}\n${more}`,
      };
    }
  }
  const compiled = compileFile(file, io, "eval", color, { source: text });
  if (!compiled.ok)
    return {
      ok: false,
      report: `${compiled.report}marginbook: ${file} has errors: fix them before evaluating\n`,
    };
  return { ok: true, book: rulebookFromIr(compiled.ir) };
}

/** `--outputs a,b`: the names, each an output of the rulebook (else a usage error); undefined when absent. */
function selectedOutputs(value: unknown, book: LoadedRulebook, file: string): string[] | undefined {
  if (typeof value !== "string") return undefined;
  const names = value.split(",").map((name) => name.trim());
  const known = new Set(book.outputs.map((o) => o.name));
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined) throw new UsageError(`--outputs: ${file} has no output \`${unknown}\``, "eval");
  return names;
}

function evaluateOne(
  book: LoadedRulebook,
  input: unknown,
  options: { explain: boolean; validate: boolean; outputs?: readonly string[] },
): Item {
  try {
    return { ok: true, result: book.evaluate(input, options) };
  } catch (error) {
    if (error instanceof InputValidationError) {
      return {
        ok: false,
        failure: failureOf(error),
        problems: error.errors.map((e) => `invalid input: ${e.message}`),
      };
    }
    if (error instanceof RuntimeError)
      return { ok: false, failure: failureOf(error), problems: [`error ${error.code}: ${error.message}`] };
    if (options.validate) throw error; // a validated input that crashes an evaluator: a bug, reported as such
    // Without validation, a malformed input can break an evaluator in any way: say so, plainly.
    const reason = error instanceof Error ? error.message : String(error);
    const message = `the evaluation failed on an unvalidated input (${reason}): run without --no-validate to see what is wrong with it`;
    return { ok: false, failure: { code: INPUT_ERROR_CODE, message }, problems: [message] };
  }
}

function renderJson(items: readonly Item[], list: boolean): string {
  const shown = items.map((item) => (item.ok ? item.result : { error: item.failure }));
  if (!list) return items[0]!.ok ? `${JSON.stringify(shown[0], null, 2)}\n` : "";
  return `${JSON.stringify(shown, null, 2)}\n`;
}

function renderText(
  items: readonly Item[],
  list: boolean,
  book: LoadedRulebook,
  file: string,
  explain: boolean,
  selection?: readonly string[],
): string {
  const shown = selection ? book.outputs.filter((o) => selection.includes(o.name)) : book.outputs;
  const header = `${book.meta.name} ${book.meta.version} (${file})\n`;
  const parts: string[] = [];
  items.forEach((item, i) => {
    if (!item.ok) {
      if (list) parts.push(`input ${i + 1} of ${items.length}: failed (${item.failure.code}, see above)\n`);
      return;
    }
    const indent = list ? "    " : "  ";
    let text = list ? `input ${i + 1} of ${items.length}:\n` : "";
    text += formatOutputs(item.result.outputs, shown, indent);
    if (explain && item.result.explanation)
      text += `${indent.slice(2)}explanation:\n${formatExplanation(item.result.explanation, book.ir, indent)}`;
    parts.push(text);
  });
  if (parts.length === 0) return "";
  return header + parts.join(list ? "\n" : "");
}
