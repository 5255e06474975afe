/**
 * `marginbook compile`: checks a rulebook, lowers it, and writes its artifact (JSON: the IR, the
 * header, the compiler version and the source and IR hashes) for engines to load with
 * `loadArtifact` from `marginbook/runtime`. A rulebook with errors is refused.
 */
import path from "node:path";
import { buildArtifact, serializeArtifact } from "../compile/artifact.js";
import { readSigningKey, signArtifact } from "../compile/sign.js";
import { renderText } from "../diagnostics/render.js";
import { loadArtifact } from "../runtime/index.js";
import { checkArtifactSignature } from "../runtime/signature.js";
import { compileFile, singleRulebook } from "./compile-file.js";
import { displayPath, readText, writeFileAtomic } from "./files.js";
import { ExitCode, UsageError, plural, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `compile` command. */
export function compileCommand(toolVersion: string): Command {
  return {
    name: "compile",
    summary: "compile a rulebook into an artifact that engines load",
    usage: "Usage: marginbook compile <rulebook.margin> -o <artifact.json> [--sign <name.key>]",
    description: [
      "Checks and compiles the rulebook, then writes its artifact: JSON holding the IR, the header,",
      "the compiler version, and sha256 hashes of the source and of the IR. Engines load it with",
      "`loadArtifact` from `marginbook/runtime`, which verifies it and generates the evaluator",
      "locally. `-o -` writes the artifact to standard output. Warnings are printed on stderr.",
      "",
      "--sign adds an Ed25519 signature with a private key from `marginbook keygen`: over the",
      "canonical JSON of the artifact without its signature field (sorted keys, no whitespace),",
      "with the key id (sha256 of the public key). `marginbook inspect --trust` and the runtime",
      "registry check it.",
      "",
      "Exit codes: 0 written, 1 the rulebook has errors, 2 usage error.",
    ].join("\n"),
    options: {
      output: { type: "string", short: "o", valueName: "artifact.json|-", description: "where to write the artifact (- for stdout)" },
      sign: { type: "string", valueName: "name.key", description: "sign the artifact with this Ed25519 private key" },
      "no-color": { type: "boolean", description: "never colour the text output" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: (args, io) => runCompile(args, io, toolVersion),
  };
}

async function runCompile(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const output = args.values["output"];
  if (typeof output !== "string" || output === "") throw new UsageError("missing -o: give the artifact file to write (or - for standard output)", "compile");
  const file = singleRulebook(args.positionals, io, "compile");
  const signWith = args.values["sign"];
  let signingKey: ReturnType<typeof readSigningKey> | undefined;
  if (typeof signWith === "string") {
    let pem: string;
    try {
      pem = readText(path.resolve(io.cwd, signWith));
    } catch (error) {
      throw new UsageError(`cannot read the signing key ${signWith}: ${(error as Error).message}`, "compile");
    }
    signingKey = readSigningKey(pem);
    if (typeof signingKey === "string") throw new UsageError(`${signWith}: ${signingKey}`, "compile");
  }
  const color = io.color === true && args.values["no-color"] !== true;
  const compiled = compileFile(file, io, "compile", color);
  if (!compiled.ok) {
    io.stderr(compiled.report);
    io.stderr(`marginbook: ${file} has errors: no artifact written\n`);
    return ExitCode.problems;
  }
  if (compiled.warnings.length > 0) io.stderr(renderText(compiled.warnings, compiled.sources, { color }));

  let artifact = buildArtifact(compiled.ir, { source: compiled.source, compiler: { name: "marginbook", version: toolVersion } });
  if (signingKey !== undefined && typeof signingKey !== "string") artifact = signArtifact(artifact, signingKey);
  const text = serializeArtifact(artifact);
  // Never hand out an artifact the runtime would refuse: load it once, as an engine will.
  loadArtifact(text);
  if (artifact.signature && (await checkArtifactSignature(JSON.parse(text))).status !== "valid") throw new Error("the signature just made does not verify");

  if (output === "-") {
    io.stdout(text);
    return ExitCode.ok;
  }
  const absolute = path.resolve(io.cwd, output);
  try {
    writeFileAtomic(absolute, text);
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as Error).message}`, "compile");
  }
  const warnings = compiled.warnings.length > 0 ? `, ${plural(compiled.warnings.length, "warning")}` : "";
  const signed = artifact.signature ? `, signed by key ${artifact.signature.keyId.slice(0, 19)}...` : "";
  io.stdout(`compiled ${file} -> ${displayPath(absolute, io.cwd)} (${artifact.meta.name} ${artifact.meta.version}, ${artifact.irHash.slice(0, 19)}...${signed}${warnings})\n`);
  return ExitCode.ok;
}
