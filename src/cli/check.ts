/**
 * `marginbook check`: checks rulebooks and reports every problem, as text, JSON or SARIF.
 */
import path from "node:path";
import { Reporter, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderJson, renderSarif, renderText } from "../diagnostics/render.js";
import { messages } from "../semantics/catalog.js";
import { createCheckService } from "../service/check-service.js";
import { findMarginFiles, nodeSourceHost, readFailure, readText } from "./files.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The output formats of `check`. */
export const checkFormats = ["text", "json", "sarif"] as const;
export type CheckFormat = (typeof checkFormats)[number];

/** What checking a set of files found. */
export interface CheckSummary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
}

/** Counts diagnostics by severity. */
export function summarize(diagnostics: readonly Diagnostic[], files: number): CheckSummary {
  const count = (severity: Diagnostic["severity"]) =>
    diagnostics.filter((d) => d.severity === severity).length;
  return { files, errors: count("error"), warnings: count("warning"), infos: count("info") };
}

/**
 * The closing line of `check`: `checked 3 files: no errors` when nothing was reported, otherwise
 * the counts, e.g. `2 errors, 1 warning in 3 files` (the number of files checked).
 */
export function summaryLine(summary: CheckSummary): string {
  const files = plural(summary.files, "file");
  if (summary.errors + summary.warnings + summary.infos === 0) return `checked ${files}: no errors`;
  const parts = [plural(summary.errors, "error"), plural(summary.warnings, "warning")];
  if (summary.infos > 0) parts.push(plural(summary.infos, "note"));
  return `${parts.join(", ")} in ${files}`;
}

/** The result of checking files, before anything is printed (the `check` command prints it). */
export interface CheckRun {
  files: string[];
  diagnostics: Diagnostic[];
  /** The text of every file read, keyed as in the diagnostics; the renderers need it. */
  sources: Map<string, string>;
}

/**
 * Checks the given files (display paths, relative to `cwd`) through the check service, with a
 * source host that reads `extends` bases from disk. A file that cannot be read gets one diagnostic,
 * MB1016, with the reason.
 */
export function checkFiles(files: readonly string[], cwd: string): CheckRun {
  const sources = new Map<string, string>();
  // Each file is checked once: whole, not in incremental chunks (same diagnostics, less work).
  const service = createCheckService(nodeSourceHost(cwd, sources), { incremental: false });
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    let source: string;
    try {
      source = readText(path.resolve(cwd, file));
    } catch (error) {
      // One unreadable file of a folder is that file's error: the others are still checked.
      sources.set(file, "");
      const reporter = new Reporter(file);
      reporter.report(messages.unreadableFile, { start: 0, end: 0 }, { reason: readFailure(error) });
      diagnostics.push(...reporter.diagnostics);
      continue;
    }
    sources.set(file, source);
    service.open(file, source);
    for (const d of service.check(file).diagnostics) diagnostics.push(d);
  }
  return { files: [...files], diagnostics, sources };
}

/** The `check` command. */
export function checkCommand(toolVersion: string): Command {
  return {
    name: "check",
    summary: "check rulebooks and report every problem",
    usage: "Usage: marginbook check <files or folders...> [options]",
    description: [
      "Checks every .margin file given, searching folders recursively (skipping node_modules and",
      "hidden folders), and reports each problem with its code, file, line and column.",
      "",
      "Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 usage error.",
    ].join("\n"),
    options: {
      format: {
        type: "string",
        valueName: checkFormats.join("|"),
        description: "output format (default: text)",
      },
      "no-color": { type: "boolean", description: "never colour the text output" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: (args, io) => runCheck(args, io, toolVersion),
  };
}

function runCheck(args: ParsedArgs, io: CliIo, toolVersion: string): number {
  const format = (args.values["format"] ?? "text") as string;
  if (!(checkFormats as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format '${format}': use ${checkFormats.join(", ")}`, "check");
  }
  if (args.positionals.length === 0)
    throw new UsageError("missing path: give the .margin files or folders to check", "check");
  const files = findMarginFiles(args.positionals, io.cwd, "check", io.stderr);
  if (files.length === 0)
    throw new UsageError(`no .margin files found in ${args.positionals.join(", ")}`, "check");

  const run = checkFiles(files, io.cwd);
  const summary = summarize(run.diagnostics, files.length);
  if (format === "text") {
    const color = io.color === true && args.values["no-color"] !== true;
    io.stdout(renderText(run.diagnostics, run.sources, { color }));
    io.stdout(summaryLine(summary) + "\n");
  } else {
    // Machine formats own stdout; the human summary goes to stderr.
    io.stdout(
      format === "json"
        ? renderJson(run.diagnostics, run.sources)
        : renderSarif(run.diagnostics, run.sources, toolVersion),
    );
    io.stderr(summaryLine(summary) + "\n");
  }
  return summary.errors > 0 ? ExitCode.problems : ExitCode.ok;
}
