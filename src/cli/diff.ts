/**
 * `marginbook diff <old> <new>`: the semantic diff of two versions of a rulebook, with the version
 * discipline warnings. Either side may be a git revision of a file: `rules/x.margin@HEAD~1`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { renderText } from "../diagnostics/render.js";
import { renderHtmlReport } from "../review/html-report.js";
import { renderDiffJson, renderDiffMarkdown, renderDiffText } from "../review/render-diff.js";
import {
  failureText,
  impactJson,
  renderImpactMarkdown,
  renderImpactText,
  type ImpactReport,
} from "../review/render-impact.js";
import { importedChanges, semanticDiff, type SemanticDiff } from "../review/semantic-diff.js";
import type { IrImport } from "../ir/ir.js";
import { createLanguageService } from "../service/language-service.js";
import { checkVersionDiscipline } from "../review/version-policy.js";
import { parseRulebook } from "../syntax/parse.js";
import {
  displayPath,
  nodeSourceHost,
  readFailure,
  readText,
  refuseOverwritingInput,
  writeFileAtomic,
} from "./files.js";
import { generatedCount, runImpact } from "./impact.js";
import { compileFile } from "./compile-file.js";
import { gitLocation, gitUser, readAtRevision, splitRevision } from "./git.js";
import { relocate } from "../compile/relocate.js";
import { recordedFiles, revisionHost, sourceOrigin } from "./provenance.js";
import { ARTIFACT_FORMAT } from "../runtime/artifact-schema.js";
import { hashJson, sha256Hex, sha256Text } from "../runtime/hash.js";
import type { ReviewRecord, ReviewSide } from "../review/review-record.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `diff` command. */
export function diffCommand(toolVersion = "0.0.0"): Command {
  return {
    name: "diff",
    summary: "what changed between two versions of a rulebook",
    usage: [
      "Usage: marginbook diff <old> <new> [--format text|json|md|html] [--out <file>]",
      "       marginbook diff <old> <new> --impact <inputs.yaml|json|jsonl|parquet|csv | generate:N> [--seed N] [--top N] [--workers N] [--engine js|duckdb]",
    ].join("\n"),
    description: [
      "Compares two versions of a rulebook by meaning: header fields, parameters (old and new value),",
      "tier rows added, removed or changed (with the rate deltas), rules added, removed, reordered or",
      "changed, outputs and assertions. Layout-only and comment-only changes are reported as such.",
      "Either side may be a git revision of a file, written <file>@<revision> (rules/x.margin@HEAD~1).",
      "Either side may be a compiled artifact (artifacts/x.json, what engines run): the source it was",
      "compiled from is compared, read from git at the commit the artifact records.",
      "",
      "It also warns when behaviour changed but the version did not, when the version bump is too",
      "small for the change (a parameter change needs a minor bump), and when the effective date",
      "does not move forward.",
      "",
      "--impact evaluates both versions (each compiled through the whole pipeline) on a set of inputs",
      "and reports, for every numeric output they share, how many margins went up, down or stayed,",
      "the mean, median and largest change (absolute and in percent), the distribution of the",
      "changes and the top movers with the rule that made the difference. The inputs are a YAML or",
      "JSON list, a JSON Lines file (.jsonl, one input per line), or generate:N for N random valid",
      "inputs from the new version's input schema (--seed, default 1, makes them reproducible).",
      "Large sets run on worker threads (--workers N to choose; 1 for none) with a progress display",
      "on stderr. --format html writes one self-contained page with charts for reviewers (use --out).",
      "",
      "--format json and html carry the review record: both sides' commits (resolved), paths, source",
      "and IR hashes (the IR hash `compile` writes), the compiler version, the reference set's hash",
      "and size (or the seed), the time and the reviewer (--reviewer, default git's user).",
      "",
      "--fail-on warning makes version-discipline warnings (MB7001-MB7004) fail the run, as a CI gate;",
      "--fail-on error (the default) fails only on errors.",
      "",
      "Exit codes: 0 the diff was printed, 1 a side has syntax errors (or, with --impact, the new",
      "version fails an input the old one evaluated; or, with --fail-on warning, a version-discipline",
      "warning), 2 usage error.",
    ].join("\n"),
    options: {
      format: { type: "string", valueName: "text|json|md|html", description: "output format (default text)" },
      impact: {
        type: "string",
        valueName: "inputs|generate:N",
        description: "evaluate both versions on these inputs",
      },
      seed: { type: "string", valueName: "N", description: "seed of generate:N (default 1)" },
      top: { type: "string", valueName: "N", description: "top movers per output (default 10)" },
      workers: {
        type: "string",
        valueName: "N",
        description: "worker threads for --impact (default: by size)",
      },
      engine: {
        type: "string",
        valueName: "js|duckdb",
        description: "what evaluates --impact: the runtime (default) or DuckDB (the compiled SQL)",
      },
      out: {
        type: "string",
        valueName: "file",
        description: "write the report to this file instead of stdout",
      },
      "fail-on": {
        type: "string",
        valueName: "warning|error",
        description: "what fails the run (default error)",
      },
      reviewer: {
        type: "string",
        valueName: "name",
        description: "who reviews (default: git user.name <user.email>)",
      },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: (args, io) => runDiff(args, io, toolVersion),
  };
}

function impactEngine(args: ParsedArgs): "js" | "duckdb" {
  const engine = (args.values["engine"] as string | undefined) ?? "js";
  if (engine !== "js" && engine !== "duckdb")
    throw new UsageError(`--engine must be js or duckdb, not '${engine}'`, "diff");
  return engine;
}

function integerOption(
  args: ParsedArgs,
  name: string,
  fallback: number | undefined,
  min: number,
): number | undefined {
  const text = args.values[name];
  if (typeof text !== "string") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${name} needs a whole number of at least ${min}, not '${text}'`, "diff");
  return value;
}

async function runDiff(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  if (args.positionals.length !== 2) throw new UsageError("give exactly two rulebooks: <old> <new>", "diff");
  const format = (args.values["format"] as string | undefined) ?? "text";
  if (!["text", "json", "md", "html"].includes(format))
    throw new UsageError(`unknown format '${format}': use text, json, md or html`, "diff");
  const impactSpec = args.values["impact"] as string | undefined;
  const seed = integerOption(args, "seed", 1, 0)!;
  const top = integerOption(args, "top", 10, 0)!;
  const workers = integerOption(args, "workers", undefined, 1);
  const out = args.values["out"] as string | undefined;
  const failOn = (args.values["fail-on"] as string | undefined) ?? "error";
  if (failOn !== "warning" && failOn !== "error")
    throw new UsageError(`--fail-on takes warning or error, not '${failOn}'`, "diff");
  const oldSpec = sourceOfArtifact(args.positionals[0]!, io);
  const newSpec = sourceOfArtifact(args.positionals[1]!, io);
  if (out !== undefined && out !== "-")
    refuseOverwritingInput(
      path.resolve(io.cwd, out),
      out,
      [
        [path.resolve(io.cwd, splitRevision(oldSpec).file), "the old rulebook"],
        [path.resolve(io.cwd, splitRevision(newSpec).file), "the new rulebook"],
        ...(impactSpec !== undefined && !impactSpec.startsWith("generate:")
          ? [[path.resolve(io.cwd, impactSpec), "the --impact inputs"] as const]
          : []),
      ],
      "diff",
    );
  const oldSource = readVersion(oldSpec, io);
  const newSource = readVersion(newSpec, io);
  const diff = withImportedChanges(
    semanticDiff(oldSource, newSource, oldSpec, newSpec),
    importsOf(oldSpec, oldSource, io),
    importsOf(newSpec, newSource, io),
  );
  const header = parseRulebook(newSource, newSpec).ast.header;
  const field = (key: string) =>
    header?.fields.find((f) => f.key === key)?.valueSpan ?? header?.name.span ?? { start: 0, end: 0 };
  const warnings = checkVersionDiscipline(diff, newSpec, field("version"), field("effective"));
  const warningLines = warnings.map((w) => `${w.code}: ${w.message}${w.help ? ` (${w.help})` : ""}`);

  let impact: ImpactReport | undefined;
  if (impactSpec !== undefined) {
    if (diff.errors.length > 0) {
      io.stderr(
        diff.errors.map((e) => `${e}\n`).join("") +
          "marginbook: a version has syntax errors: no impact analysis\n",
      );
      return ExitCode.problems;
    }
    const side = (spec: string, source: string) => ({
      label: spec,
      source,
      file: spec.lastIndexOf("@") > 0 ? spec.slice(0, spec.lastIndexOf("@")) : spec,
    });
    const outcome = await runImpact(
      side(oldSpec, oldSource),
      side(newSpec, newSource),
      {
        spec: impactSpec,
        seed,
        top,
        ...(workers !== undefined ? { workers } : {}),
        color: io.color === true,
        engine: impactEngine(args),
      },
      io,
    );
    if (!outcome.ok) {
      io.stderr(outcome.message);
      return ExitCode.problems;
    }
    impact = outcome.report;
  }

  const record =
    format === "json" || format === "html"
      ? reviewRecord(args, io, toolVersion, [oldSpec, oldSource], [newSpec, newSource], impactSpec, impact)
      : undefined;
  let text: string;
  if (format === "json")
    text = renderDiffJson({
      ...diff,
      warnings,
      ...(impact ? { impact: impactJson(impact) } : {}),
      record,
    } as typeof diff);
  else if (format === "md")
    text =
      renderDiffMarkdown(diff, oldSpec, newSpec) +
      warningLines.map((w) => `\n> ⚠ ${w}`).join("") +
      (warnings.length ? "\n" : "") +
      (impact ? `\n${renderImpactMarkdown(impact)}` : "");
  else if (format === "html")
    text = renderHtmlReport({
      oldLabel: oldSpec,
      newLabel: newSpec,
      diff,
      warnings: warningLines,
      ...(impact ? { impact } : {}),
      ...(record ? { record } : {}),
    });
  else {
    text = renderDiffText(diff, oldSpec, newSpec);
    if (warnings.length > 0)
      text +=
        "\n" +
        renderText(warnings, new Map([[newSpec, newSource]]), {
          color: io.color === true && out === undefined,
        });
    if (impact) text += "\n" + renderImpactText(impact);
  }
  if (out === undefined || out === "-") io.stdout(text);
  else {
    const absolute = path.resolve(io.cwd, out);
    try {
      writeFileAtomic(absolute, text);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as Error).message}`, "diff");
    }
    io.stdout(
      `wrote ${format === "html" ? "the HTML report" : "the report"} to ${displayPath(absolute, io.cwd)}\n`,
    );
  }
  if (diff.errors.length > 0) return ExitCode.problems;
  // A regression whatever --fail-on says: inputs that evaluated before now raise an error.
  const regressions = impact?.summary.failed.newOnly ?? 0;
  if (regressions > 0) {
    io.stderr(
      `marginbook: the new version fails ${regressions} input${regressions === 1 ? "" : "s"} that the old one evaluated (new version errors: ${failureText(impact!.summary.failed.new)}): failing\n`,
    );
    return ExitCode.problems;
  }
  if (failOn === "warning" && warnings.length > 0) {
    io.stderr(
      `marginbook: ${warnings.length} version-discipline warning${warnings.length === 1 ? "" : "s"} (${[...new Set(warnings.map((w) => w.code))].join(", ")}) with --fail-on warning: failing\n`,
    );
    return ExitCode.problems;
  }
  return ExitCode.ok;
}

/** The review record of this run (see `src/review/review-record.ts`). */
function reviewRecord(
  args: ParsedArgs,
  io: CliIo,
  toolVersion: string,
  old: [string, string],
  next: [string, string],
  impactSpec: string | undefined,
  impact: ImpactReport | undefined,
): ReviewRecord {
  const reviewer =
    typeof args.values["reviewer"] === "string" ? args.values["reviewer"] : (gitUser(io.cwd) ?? null);
  let referenceSet: ReviewRecord["referenceSet"] = null;
  if (impactSpec !== undefined && impact) {
    const count = generatedCount(impactSpec);
    const size = impact.summary.inputs;
    if (count !== undefined)
      referenceSet = {
        spec: impactSpec,
        kind: "generated",
        size,
        hash: null,
        seed: impact.source.kind === "generated" ? impact.source.seed : null,
      };
    else
      referenceSet = {
        spec: impactSpec,
        kind: "file",
        size,
        hash: `sha256:${sha256Hex(new Uint8Array(readFileSync(path.resolve(io.cwd, impactSpec))))}`,
        seed: null,
      };
  }
  return {
    format: "marginbook-review",
    formatVersion: 1,
    compiler: { name: "marginbook", version: toolVersion },
    time: new Date().toISOString(),
    reviewer,
    old: reviewSide(old[0], old[1], io),
    new: reviewSide(next[0], next[1], io),
    referenceSet,
  };
}

/** One side: where it is in git, and the hashes its artifact would carry. */
function reviewSide(spec: string, source: string, io: CliIo): ReviewSide {
  const { file, revision } = splitRevision(spec);
  const absolute = path.resolve(io.cwd, file);
  const origin = sourceOrigin(absolute, revision, "diff");
  const shown = displayPath(absolute, io.cwd);
  const recorded = recordedFiles(io.cwd, origin.location);
  const compiled = compileFile(
    shown,
    io,
    "diff",
    false,
    { source, ...(revision !== undefined ? { host: revisionHost(io.cwd, revision) } : {}) },
    recorded,
  );
  const irHash = compiled.ok ? hashJson(relocate(compiled.ir, (f) => recorded.recordedFile(f, shown))) : null;
  return {
    spec,
    path: origin.provenance.path,
    commit: origin.provenance.commit ?? null,
    dirty: origin.provenance.dirty === true,
    sourceHash: sha256Text(source),
    irHash,
  };
}

/** Reads `file`, or `file@revision` from git (the file's own repository, path relative to it). */
/**
 * The imports of one side as compiled (each with its rulebook's IR hash), each read at the side's
 * revision; undefined when the side has no import or does not compile.
 */
function importsOf(spec: string, source: string, io: CliIo): IrImport[] | undefined {
  if (!/\bimport\b/.test(source)) return undefined;
  const { file, revision } = splitRevision(spec);
  const sources = new Map([[file, source]]);
  const host =
    revision !== undefined ? revisionHost(io.cwd, revision)(sources) : nodeSourceHost(io.cwd, sources);
  const service = createLanguageService(host);
  service.open(file, source);
  // Each import's hash as `compile` records it, so that two folders holding the same books agree.
  const { location } = sourceOrigin(path.resolve(io.cwd, file), revision, "diff");
  const result = service.compile(file, recordedFiles(io.cwd, location));
  return result.ok ? (result.ir.meta.imports ?? []) : undefined;
}

/** The diff with the imported rulebooks that changed though their `import` lines did not. */
function withImportedChanges(
  diff: SemanticDiff,
  before: IrImport[] | undefined,
  after: IrImport[] | undefined,
): SemanticDiff {
  const changes = before && after ? importedChanges(before, after) : [];
  if (changes.length === 0) return diff;
  return { ...diff, changes: [...diff.changes, ...changes], behaviourChanged: true, layout: "semantic" };
}

/**
 * A side given as a compiled artifact (what engines run) stands for the source it was compiled
 * from: its provenance's path at its commit, in the repository of the working folder, checked
 * against the artifact's `sourceHash`. Any other side is returned as given.
 */
function sourceOfArtifact(spec: string, io: CliIo): string {
  if (!spec.toLowerCase().endsWith(".json") || splitRevision(spec).revision !== undefined) return spec;
  const absolute = path.resolve(io.cwd, spec);
  let artifact: {
    format?: unknown;
    sourceHash?: unknown;
    meta?: { name?: unknown; version?: unknown };
    provenance?: { path?: unknown; commit?: unknown };
  };
  try {
    artifact = JSON.parse(readText(absolute)) as typeof artifact;
  } catch {
    return spec; // not JSON: read as a rulebook, which reports it
  }
  if (artifact?.format !== ARTIFACT_FORMAT) return spec;
  const { path: file, commit } = artifact.provenance ?? {};
  const what = `${spec} (${String(artifact.meta?.name)} ${String(artifact.meta?.version)})`;
  if (typeof file !== "string" || typeof commit !== "string")
    throw new UsageError(
      `${what} records no commit (it was compiled outside git): diff its source instead`,
      "diff",
    );
  // The repository of the working folder (gitLocation asks git in the folder of the path given).
  const root = gitLocation(path.join(io.cwd, "artifact-source"))?.root;
  if (!root)
    throw new UsageError(
      `${what} names ${file} at ${commit.slice(0, 12)}: run diff inside that repository`,
      "diff",
    );
  const source = displayPath(path.join(root, file), io.cwd);
  const text = readAtRevision(path.join(root, file), commit, "diff");
  if (sha256Text(text) !== artifact.sourceHash)
    throw new UsageError(
      `${what}: ${file} at ${commit.slice(0, 12)} is not the source it was compiled from (its hash differs)`,
      "diff",
    );
  io.stderr(`${what} was compiled from ${file} at ${commit.slice(0, 12)}: comparing that source\n`);
  return `${source}@${commit.slice(0, 12)}`;
}

export function readVersion(spec: string, io: CliIo): string {
  const { file, revision } = splitRevision(spec);
  if (revision === undefined) return readOrUsage(path.resolve(io.cwd, spec), spec);
  return readAtRevision(path.resolve(io.cwd, file), revision, "diff");
}

function readOrUsage(absolute: string, shown: string): string {
  try {
    return readText(absolute);
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${readFailure(error)}`, "diff");
  }
}
