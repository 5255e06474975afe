/**
 * `marginbook fmt`: rewrites rulebooks in the one canonical layout, or with `--check` only reports
 * which files would change.
 */
import path from "node:path";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { renderText } from "../diagnostics/render.js";
import { formatSource } from "../syntax/format.js";
import { findMarginFiles, readFailure, readText, writeFileAtomic } from "./files.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** What happened to one file. */
export type FmtOutcome = "unchanged" | "changed" | "syntax-errors" | "unreadable";

/** The `fmt` command. */
export function fmtCommand(): Command {
  return {
    name: "fmt",
    summary: "format rulebooks in the canonical layout",
    usage: "Usage: marginbook fmt <files or folders...> [--check]",
    description: [
      "Formats every .margin file given, searching folders recursively (skipping node_modules and",
      "hidden folders). Files that change are rewritten atomically and listed; comments are kept.",
      "Files with syntax errors are reported and left untouched.",
      "",
      "With --check nothing is written: the files that would change are listed instead.",
      "",
      "Exit codes: 0 every file is formatted (or was rewritten), 1 with --check some file would",
      "change, or some file has syntax errors, 2 usage error.",
    ].join("\n"),
    options: {
      check: { type: "boolean", description: "write nothing; exit 1 if any file would change" },
      "no-color": { type: "boolean", description: "never colour syntax errors" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runFmt,
  };
}

function runFmt(args: ParsedArgs, io: CliIo): number {
  if (args.positionals.length === 0)
    throw new UsageError("missing path: give the .margin files or folders to format", "fmt");
  const files = findMarginFiles(args.positionals, io.cwd, "fmt", io.stderr);
  if (files.length === 0)
    throw new UsageError(`no .margin files found in ${args.positionals.join(", ")}`, "fmt");
  const checkOnly = args.values["check"] === true;
  const color = io.color === true && args.values["no-color"] !== true;

  const counts: Record<FmtOutcome, number> = { unchanged: 0, changed: 0, "syntax-errors": 0, unreadable: 0 };
  for (const file of files) {
    const outcome = formatOne(file, io, checkOnly, color);
    counts[outcome] += 1;
  }
  io.stdout(fmtSummary(counts, files.length, checkOnly) + "\n");
  if (counts["syntax-errors"] + counts.unreadable > 0) return ExitCode.problems;
  return checkOnly && counts.changed > 0 ? ExitCode.problems : ExitCode.ok;
}

function formatOne(file: string, io: CliIo, checkOnly: boolean, color: boolean): FmtOutcome {
  const absolute = path.resolve(io.cwd, file);
  let source: string;
  try {
    source = readText(absolute);
  } catch (error) {
    // Left as it is; the folder's other files are still formatted.
    io.stdout(`${file}: not formatted: cannot read it: ${readFailure(error)}\n`);
    return "unreadable";
  }
  const result = formatSource(source, file);
  if (hasErrors(result.diagnostics)) {
    io.stdout(renderText(result.diagnostics, new Map([[file, source]]), { color }));
    io.stdout(`${file}: not formatted: it has syntax errors\n`);
    return "syntax-errors";
  }
  if (!result.changed || result.text === source) return "unchanged";
  if (checkOnly) {
    io.stdout(`would reformat ${file}\n`);
  } else {
    writeFileAtomic(absolute, result.text);
    io.stdout(`formatted ${file}\n`);
  }
  return "changed";
}

/** The closing line of `fmt`, e.g. `2 of 5 files would be reformatted`. */
export function fmtSummary(counts: Record<FmtOutcome, number>, total: number, checkOnly: boolean): string {
  const parts: string[] = [];
  if (counts.changed > 0) {
    parts.push(
      `${counts.changed} of ${plural(total, "file")} ${checkOnly ? "would be reformatted" : "reformatted"}`,
    );
  } else if (counts["syntax-errors"] + counts.unreadable === 0) {
    parts.push(`${plural(total, "file")} already formatted`);
  }
  if (counts["syntax-errors"] > 0)
    parts.push(`${plural(counts["syntax-errors"], "file")} with syntax errors left untouched`);
  if (counts.unreadable > 0)
    parts.push(`${plural(counts.unreadable, "file")} that cannot be read left untouched`);
  return parts.join("; ");
}
