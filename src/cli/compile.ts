/**
 * `marginbook compile`: checks a rulebook (a file, or `file@revision` from git), lowers it, and
 * writes its artifact (JSON: the IR, the header, the compiler version, the source and IR hashes,
 * and where it came from) for engines to load with `loadArtifact` from `marginbook/runtime`. A
 * rulebook with errors is refused.
 *
 * Artifacts are reproducible: file names inside them are relative to the repository root (the
 * file name alone outside git), so the same source at the same commit gives the same bytes from any
 * folder, machine, time zone or time of day (a signature adds its signing time, nothing else).
 */
import type { KeyObject } from "node:crypto";
import path from "node:path";
import { buildArtifact, serializeArtifact } from "../compile/artifact.js";
import { readSigningKey, signArtifact } from "../compile/sign.js";
import { renderText } from "../diagnostics/render.js";
import { printIr } from "../compile/print-ir.js";
import { optimizeIr } from "../optimize/index.js";
import { loadArtifact } from "../runtime/index.js";
import { outputInfos } from "../runtime/output-info.js";
import { checkArtifactSignature } from "../runtime/signature.js";
import { compileToSql, isDialectName } from "../sql/index.js";
import { compileFile, renderSqlDiagnostics, singleRulebook } from "./compile-file.js";
import { displayPath, readText, refuseOverwritingInput, writeFileAtomic } from "./files.js";
import { splitRevision } from "./git.js";
import { relocate } from "../compile/relocate.js";
import { recordedFiles, revisionHost, sourceOrigin } from "./provenance.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `compile` command. */
export function compileCommand(toolVersion: string): Command {
  return {
    name: "compile",
    summary: "compile a rulebook into an artifact that engines load",
    usage:
      "Usage: marginbook compile <rulebook.margin>[@revision] -o <artifact.json> [--sign <name.key>] [--allow-dirty]\n       marginbook compile <rulebook.margin> --target sql --dialect duckdb|clickhouse [-o <query.sql>] [--from <relation>]",
    description: [
      "Checks and compiles the rulebook, then writes its artifact: JSON holding the IR, the header,",
      "the compiler version, sha256 hashes of the source and of the IR, and its provenance (the",
      "source's path from the repository root, the commit, and whether the file had uncommitted",
      "changes). Engines load it with `loadArtifact` from `marginbook/runtime`, which verifies it and",
      "generates the evaluator locally. `-o -` writes the artifact to standard output. Warnings are",
      "printed on stderr. `file@revision` compiles the file as it is at a git revision.",
      "",
      "The same source at the same commit gives byte-identical artifacts from any folder or machine.",
      "",
      "--sign adds an Ed25519 signature with a private key from `marginbook keygen`: over the",
      "canonical JSON of the artifact without its signature field (sorted keys, no whitespace) and",
      "the signing time, with the key id (sha256 of the public key). A file with uncommitted changes",
      "is not signed unless --allow-dirty is given. `marginbook inspect --trust` and the runtime",
      "registry check the signature.",
      "",
      "--print-ir prints the IR instead, as the code generator compiles it: after the optimizer",
      "(constant folding, filter-to-group, common subexpressions and loop invariants hoisted into",
      "`%n` lets; with --outputs, only what those outputs need). --no-optimize prints it as lowered,",
      "which is what the artifact holds. See docs/performance.md.",
      "",
      "--target sql writes one SQL query instead (DuckDB or ClickHouse): one row per row of the input",
      "relation (`--from`, default `input`, whose columns are the input field paths), with every output",
      "and an `error` column (the MB6xxx code of a row that fails). See docs/scale.md.",
      "",
      "Exit codes: 0 written, 1 the rulebook has errors (or cannot be compiled to SQL), 2 usage error",
      "(or a dirty file to sign).",
    ].join("\n"),
    options: {
      output: {
        type: "string",
        short: "o",
        valueName: "artifact.json|-",
        description: "where to write the artifact (- for stdout)",
      },
      sign: {
        type: "string",
        valueName: "name.key",
        description: "sign the artifact with this Ed25519 private key",
      },
      "allow-dirty": { type: "boolean", description: "sign even when the file differs from its last commit" },
      target: { type: "string", valueName: "artifact|sql", description: "what to write (default artifact)" },
      dialect: {
        type: "string",
        valueName: "duckdb|clickhouse",
        description: "the SQL dialect of --target sql (default duckdb)",
      },
      from: {
        type: "string",
        valueName: "relation",
        description: "the input relation of --target sql, as SQL (default input)",
      },
      "print-ir": {
        type: "boolean",
        description: "print the IR the code generator compiles (optimized) instead of writing an artifact",
      },
      "no-optimize": {
        type: "boolean",
        description: "with --print-ir: the IR as lowered, before the optimizer",
      },
      outputs: {
        type: "string",
        valueName: "a,b",
        description: "with --print-ir: optimize for these outputs only (dead-output elimination)",
      },
      "no-color": { type: "boolean", description: "never colour the text output" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: (args, io) => runCompile(args, io, toolVersion),
  };
}

async function runCompile(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const target = (args.values["target"] as string | undefined) ?? "artifact";
  if (target === "sql") return runCompileSql(args, io);
  if (target !== "artifact")
    throw new UsageError(`--target must be artifact or sql, not '${target}'`, "compile");
  if (args.values["print-ir"] === true) return runPrintIr(args, io);
  const output = args.values["output"];
  if (typeof output !== "string" || output === "")
    throw new UsageError("missing -o: give the artifact file to write (or - for standard output)", "compile");
  // Usage errors for no file, several files, or a missing one (a file read at a revision need not exist on disk).
  if (args.positionals.length !== 1 || splitRevision(args.positionals[0]!).revision === undefined)
    singleRulebook(args.positionals, io, "compile");
  const spec = splitRevision(args.positionals[0]!);
  const absolute = path.resolve(io.cwd, spec.file);
  const file = displayPath(absolute, io.cwd);
  const signingKey = readKey(args.values["sign"], io);
  const origin = sourceOrigin(absolute, spec.revision);
  if (signingKey && origin.provenance.dirty && args.values["allow-dirty"] !== true) {
    throw new UsageError(
      `${file} has uncommitted changes: commit them first (the artifact records the commit), or pass --allow-dirty`,
      "compile",
    );
  }
  const color = io.color === true && args.values["no-color"] !== true;
  const recorded = recordedFiles(io.cwd, origin.location);
  const compiled = compileFile(
    file,
    io,
    "compile",
    color,
    origin.source !== undefined
      ? { source: origin.source, host: revisionHost(io.cwd, spec.revision!) }
      : undefined,
    recorded,
  );
  if (!compiled.ok) {
    io.stderr(compiled.report);
    io.stderr(`marginbook: ${file} has errors: no artifact written\n`);
    return ExitCode.problems;
  }
  if (compiled.warnings.length > 0) io.stderr(renderText(compiled.warnings, compiled.sources, { color }));

  const ir = relocate(compiled.ir, (shown) => recorded.recordedFile(shown, file));
  let artifact = buildArtifact(ir, {
    source: compiled.source,
    compiler: { name: "marginbook", version: toolVersion },
    provenance: origin.provenance,
  });
  if (signingKey) artifact = signArtifact(artifact, signingKey);
  const text = serializeArtifact(artifact);
  // Never hand out an artifact the runtime would refuse: load it once, as an engine will.
  loadArtifact(text);
  if (artifact.signature && (await checkArtifactSignature(JSON.parse(text))).status !== "valid")
    throw new Error("the signature just made does not verify");

  if (output === "-") {
    io.stdout(text);
    return ExitCode.ok;
  }
  const destination = path.resolve(io.cwd, output);
  refuseOverwritingInput(destination, output, sourcesRead(compiled.sources, file, io), "compile");
  try {
    writeFileAtomic(destination, text);
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as Error).message}`, "compile");
  }
  const warnings = compiled.warnings.length > 0 ? `, ${plural(compiled.warnings.length, "warning")}` : "";
  const signed = artifact.signature ? `, signed by key ${artifact.signature.keyId.slice(0, 19)}...` : "";
  const at = origin.provenance.commit
    ? ` at ${origin.provenance.commit.slice(0, 12)}${origin.provenance.dirty ? " with uncommitted changes" : ""}`
    : "";
  io.stdout(
    `compiled ${args.positionals[0]}${at} -> ${displayPath(destination, io.cwd)} (${artifact.meta.name} ${artifact.meta.version}, ${artifact.irHash.slice(0, 19)}...${signed}${warnings})\n`,
  );
  return ExitCode.ok;
}

/** `compile --print-ir`: the optimized IR (or, with --no-optimize, the lowered one) on stdout. */
function runPrintIr(args: ParsedArgs, io: CliIo): number {
  const file = singleRulebook(args.positionals, io, "compile");
  const color = io.color === true && args.values["no-color"] !== true;
  const compiled = compileFile(file, io, "compile", color);
  if (!compiled.ok) {
    io.stderr(compiled.report);
    return ExitCode.problems;
  }
  const selection = args.values["outputs"];
  const outputs = typeof selection === "string" ? selection.split(",").map((name) => name.trim()) : undefined;
  if (outputs) {
    const known = new Set(outputInfos(compiled.ir).map((o) => o.name));
    const unknown = outputs.find((name) => !known.has(name));
    if (unknown !== undefined)
      throw new UsageError(`--outputs: ${file} has no output \`${unknown}\``, "compile");
  }
  // Decimal arithmetic has its own code generator, which compiles the IR as lowered.
  const ir =
    args.values["no-optimize"] === true || compiled.ir.meta.arithmetic !== undefined
      ? compiled.ir
      : optimizeIr(compiled.ir, outputs !== undefined ? { outputs } : {});
  io.stdout(printIr(ir));
  return ExitCode.ok;
}

function readKey(signWith: unknown, io: CliIo): KeyObject | undefined {
  if (typeof signWith !== "string") return undefined;
  let pem: string;
  try {
    pem = readText(path.resolve(io.cwd, signWith));
  } catch (error) {
    throw new UsageError(`cannot read the signing key ${signWith}: ${(error as Error).message}`, "compile");
  }
  const key = readSigningKey(pem);
  if (typeof key === "string") throw new UsageError(`${signWith}: ${key}`, "compile");
  return key;
}

/** The files a compilation read: the rulebook, and its bases and imports. */
function sourcesRead(
  sources: ReadonlyMap<string, string>,
  file: string,
  io: CliIo,
): (readonly [string, string])[] {
  return [...sources.keys()].map(
    (shown) =>
      [path.resolve(io.cwd, shown), shown === file ? "the rulebook" : `the rulebook ${shown}`] as const,
  );
}

function runCompileSql(args: ParsedArgs, io: CliIo): number {
  const dialect = (args.values["dialect"] as string | undefined) ?? "duckdb";
  if (!isDialectName(dialect))
    throw new UsageError(`--dialect must be duckdb or clickhouse, not '${dialect}'`, "compile");
  const file = singleRulebook(args.positionals, io, "compile");
  const compiled = compileFile(file, io, "compile", false);
  if (!compiled.ok) {
    io.stderr(compiled.report);
    return ExitCode.problems;
  }
  const from = args.values["from"] as string | undefined;
  const result = compileToSql(compiled.ir, { dialect, ...(from !== undefined ? { from } : {}) });
  if (!result.ok) {
    io.stderr(renderSqlDiagnostics(result.diagnostics));
    io.stderr(`marginbook: ${file} cannot be compiled to SQL: no query written\n`);
    return ExitCode.problems;
  }
  const output = args.values["output"];
  const text = `${result.sql}\n`;
  if (output === undefined || output === "-") {
    io.stdout(text);
    return ExitCode.ok;
  }
  if (typeof output !== "string" || output === "") throw new UsageError("-o needs a file name", "compile");
  const absolute = path.resolve(io.cwd, output);
  refuseOverwritingInput(absolute, output, sourcesRead(compiled.sources, file, io), "compile");
  try {
    writeFileAtomic(absolute, text);
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as Error).message}`, "compile");
  }
  io.stdout(
    `compiled ${file} -> ${displayPath(absolute, io.cwd)} (${dialect} SQL, outputs ${result.outputs.join(", ")}, errors in \`${result.errorColumn}\`)\n`,
  );
  return ExitCode.ok;
}
