/**
 * `marginbook diff <old> <new>`: the semantic diff of two versions of a rulebook, with the version
 * discipline warnings. Either side may be a git revision of a file: `rules/x.margin@HEAD~1`.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { renderText } from "../diagnostics/render.js";
import { renderDiffJson, renderDiffMarkdown, renderDiffText } from "../review/render-diff.js";
import { semanticDiff } from "../review/semantic-diff.js";
import { checkVersionDiscipline } from "../review/version-policy.js";
import { parseRulebook } from "../syntax/parse.js";
import { readText } from "./files.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `diff` command. */
export function diffCommand(): Command {
  return {
    name: "diff",
    summary: "what changed between two versions of a rulebook",
    usage: "Usage: marginbook diff <old> <new> [--format text|json|md]",
    description: [
      "Compares two versions of a rulebook by meaning: header fields, parameters (old and new value),",
      "tier rows added, removed or changed (with the rate deltas), rules added, removed, reordered or",
      "changed, outputs and assertions. Layout-only and comment-only changes are reported as such.",
      "Either side may be a git revision of a file, written <file>@<revision> (rules/x.margin@HEAD~1).",
      "",
      "It also warns when behaviour changed but the version did not, when the version bump is too",
      "small for the change (a parameter change needs a minor bump), and when the effective date",
      "does not move forward.",
      "",
      "Exit codes: 0 the diff was printed, 1 a side has syntax errors, 2 usage error.",
    ].join("\n"),
    options: {
      format: { type: "string", valueName: "text|json|md", description: "output format (default text)" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runDiff,
  };
}

function runDiff(args: ParsedArgs, io: CliIo): number {
  if (args.positionals.length !== 2) throw new UsageError("give exactly two rulebooks: <old> <new>", "diff");
  const format = (args.values["format"] as string | undefined) ?? "text";
  if (!["text", "json", "md"].includes(format)) throw new UsageError(`unknown format '${format}': use text, json or md`, "diff");
  const [oldSpec, newSpec] = args.positionals as [string, string];
  const oldSource = readVersion(oldSpec, io);
  const newSource = readVersion(newSpec, io);
  const diff = semanticDiff(oldSource, newSource, oldSpec, newSpec);
  const header = parseRulebook(newSource, newSpec).ast.header;
  const field = (key: string) => header?.fields.find((f) => f.key === key)?.valueSpan ?? header?.name.span ?? { start: 0, end: 0 };
  const warnings = checkVersionDiscipline(diff, newSpec, field("version"), field("effective"));
  if (format === "json") io.stdout(renderDiffJson({ ...diff, warnings } as typeof diff));
  else if (format === "md") io.stdout(renderDiffMarkdown(diff, oldSpec, newSpec) + warnings.map((w) => `\n> ⚠ ${w.code}: ${w.message}${w.help ? ` (${w.help})` : ""}`).join("") + (warnings.length ? "\n" : ""));
  else {
    io.stdout(renderDiffText(diff, oldSpec, newSpec));
    if (warnings.length > 0) io.stdout("\n" + renderText(warnings, new Map([[newSpec, newSource]]), { color: io.color === true }));
  }
  return diff.errors.length > 0 ? ExitCode.problems : ExitCode.ok;
}

/** Reads `file`, or `file@revision` from git (the file's own repository, path relative to it). */
export function readVersion(spec: string, io: CliIo): string {
  const at = spec.lastIndexOf("@");
  const plainPath = path.resolve(io.cwd, spec);
  if (at <= 0) return readOrUsage(plainPath, spec);
  const file = spec.slice(0, at);
  const revision = spec.slice(at + 1);
  if (!/^[\w./~^@{}-]+$/.test(revision)) throw new UsageError(`'${revision}' is not a git revision`, "diff");
  const absolute = path.resolve(io.cwd, file);
  try {
    return execFileSync("git", ["show", `${revision}:./${path.basename(absolute)}`], {
      cwd: path.dirname(absolute),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split("\n")[0];
    throw new UsageError(`cannot read ${file} at ${revision}: ${detail}`, "diff");
  }
}

function readOrUsage(absolute: string, shown: string): string {
  try {
    return readText(absolute);
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${(error as Error).message}`, "diff");
  }
}
