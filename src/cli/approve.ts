/**
 * `marginbook approve <artifact> --key <name>.key [--review <record>] [-o <file>]`: writes a
 * detached, signed approval of a compiled artifact (over its IR hash, and the review record's hash
 * when one is named), for registries that require approvals from distinct keys (four-eyes). See
 * `src/runtime/approval.ts` for the format and `docs/compliance.md` for the workflow.
 */
import path from "node:path";
import { readFileSync } from "node:fs";
import { readSigningKey, signApproval } from "../compile/sign.js";
import { sha256Hex } from "../runtime/hash.js";
import { ArtifactError, loadArtifact } from "../runtime/index.js";
import { displayPath, readText, refuseOverwritingInput, writeFileAtomic } from "./files.js";
import { gitUser } from "./git.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `approve` command. */
export function approveCommand(): Command {
  return {
    name: "approve",
    summary: "sign an approval of a compiled artifact (four-eyes)",
    usage:
      "Usage: marginbook approve <artifact.json> --key <name.key> [--review <record>] [--approver <name>] [-o <file>]",
    description: [
      "Loads the artifact as an engine does, then writes an approval: JSON naming the rulebook, its",
      "version and IR hash, the sha256 of the review record (--review: the HTML or JSON report of",
      "`marginbook diff --impact`), the time and the approver (default: git's user), signed with the",
      "approver's Ed25519 key (`marginbook keygen`). The default output is beside the artifact:",
      "<artifact without .json>.<key name>.approval.json (x.alice.approval.json for x.json and alice.key),",
      "the name a watched registry folder reads approvals from.",
      "",
      "Exit codes: 0 written, 1 the artifact is refused, 2 usage error.",
    ].join("\n"),
    options: {
      key: { type: "string", valueName: "name.key", description: "the approver's Ed25519 private key" },
      review: {
        type: "string",
        valueName: "record",
        description: "the review record approved with the artifact",
      },
      approver: {
        type: "string",
        valueName: "name",
        description: "who approves (default: git user.name <user.email>)",
      },
      output: { type: "string", short: "o", valueName: "file", description: "where to write the approval" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runApprove,
  };
}

function runApprove(args: ParsedArgs, io: CliIo): number {
  if (args.positionals.length !== 1) throw new UsageError("give one artifact file", "approve");
  const keyFile = args.values["key"];
  if (typeof keyFile !== "string")
    throw new UsageError("missing --key: give the approver's private key (marginbook keygen)", "approve");
  const artifactFile = path.resolve(io.cwd, args.positionals[0]!);
  const key = readSigningKey(read(keyFile, io, "the key"));
  if (typeof key === "string") throw new UsageError(`${keyFile}: ${key}`, "approve");
  let book;
  try {
    book = loadArtifact(read(args.positionals[0]!, io, "the artifact"));
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    io.stderr(
      `marginbook: ${displayPath(artifactFile, io.cwd)} is refused: ${error.code} ${error.message.split("\n")[0]}\nno approval written\n`,
    );
    return ExitCode.problems;
  }
  const reviewFile = args.values["review"];
  let review: string | undefined;
  if (typeof reviewFile === "string") {
    try {
      review = `sha256:${sha256Hex(new Uint8Array(readFileSync(path.resolve(io.cwd, reviewFile))))}`;
    } catch (error) {
      throw new UsageError(
        `cannot read the review record ${reviewFile}: ${(error as Error).message}`,
        "approve",
      );
    }
  }
  const approverName =
    typeof args.values["approver"] === "string" ? args.values["approver"] : gitUser(io.cwd);
  const approval = signApproval(
    {
      rulebook: book.meta.name,
      version: book.meta.version,
      irHash: book.irHash!,
      ...(review ? { review } : {}),
      ...(approverName ? { approver: approverName } : {}),
    },
    key,
  );
  const named = typeof args.values["output"] === "string" ? args.values["output"] : undefined;
  const output =
    named !== undefined
      ? path.resolve(io.cwd, named)
      : `${artifactFile.replace(/\.json$/, "")}.${path.basename(keyFile).replace(/\.key$/, "")}.approval.json`;
  refuseOverwritingInput(
    output,
    named ?? displayPath(output, io.cwd),
    [
      [artifactFile, "the artifact"],
      [path.resolve(io.cwd, keyFile), "the key"],
      ...(typeof reviewFile === "string"
        ? [[path.resolve(io.cwd, reviewFile), "the review record"] as const]
        : []),
    ],
    "approve",
  );
  try {
    writeFileAtomic(output, `${JSON.stringify(approval, null, 2)}\n`);
  } catch (error) {
    throw new UsageError(
      `cannot write ${displayPath(output, io.cwd)}: ${(error as Error).message}`,
      "approve",
    );
  }
  io.stdout(
    `approved ${book.meta.name} ${book.meta.version} (${book.irHash!.slice(0, 19)}...)${review ? ` with review ${review.slice(0, 19)}...` : ""} by key ${approval.signature!.keyId.slice(0, 19)}... -> ${displayPath(output, io.cwd)}\n`,
  );
  return ExitCode.ok;
}

function read(file: string, io: CliIo, what: string): string {
  try {
    return readText(path.resolve(io.cwd, file));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`, "approve");
  }
}
