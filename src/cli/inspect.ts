/**
 * `marginbook inspect <artifact> [--trust <public key>...] [--approval <file>...] [--require-approvals N]`:
 * what a compiled artifact is (header, hashes, compiler, provenance, inputs, outputs, signer,
 * approvals) and whether an engine would accept it: the artifact loads (schema, IR hash,
 * consistency, code generation), it is signed by a trusted key, and it has the approvals required.
 */
import path from "node:path";
import { countApprovals, type ApprovalCount } from "../runtime/approval.js";
import { ArtifactError, loadArtifact, type LoadedRulebook } from "../runtime/index.js";
import { registryErrorCodes } from "../runtime/registry.js";
import {
  checkArtifactSignature,
  describeSignature,
  signatureErrorCodes as codes,
  trustedKey,
  type SignatureCheck,
  type TrustedKey,
} from "../runtime/signature.js";
import type { IrImport, IrType } from "../ir/ir.js";
import { displayPath, readText } from "./files.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `inspect` command. */
export function inspectCommand(): Command {
  return {
    name: "inspect",
    summary: "show what an artifact is and whether its signature holds",
    usage:
      "Usage: marginbook inspect <artifact.json> [--trust <key.pub>]... [--approval <file>]... [--require-approvals N] [--format text|json]",
    description: [
      "Prints the artifact's rulebook (name, version, effective date, currency, owner), its source and",
      "IR hashes, the compiler that produced it, its inputs and outputs, and its signer's key id; then",
      "loads it as an engine does (schema, IR hash, consistency, code generation) and checks the",
      "signature. A signed artifact must be signed by one of the --trust public keys (repeatable);",
      'without --trust, it is "signed by an untrusted key" (exit 1), even when intact.',
      "--approval (repeatable) names approval files (`marginbook approve`); --require-approvals N",
      "requires N of them, valid, by distinct --trust keys other than the artifact's signer.",
      "",
      "Exit codes: 0 the artifact loads, is signed by a trusted key (or is unsigned and no --trust was",
      "given) and has the approvals required; 1 it is refused, its signature does not hold, it is",
      "signed by an untrusted key, unsigned while --trust was given, or short of approvals; 2 usage error.",
    ].join("\n"),
    options: {
      trust: {
        type: "string",
        multiple: true,
        valueName: "key.pub",
        description: "a trusted public key (repeatable)",
      },
      approval: {
        type: "string",
        multiple: true,
        valueName: "file",
        description: "an approval of the artifact (repeatable)",
      },
      "require-approvals": {
        type: "string",
        valueName: "N",
        description: "approvals required from distinct trusted keys (default 0)",
      },
      format: { type: "string", valueName: "text|json", description: "output format (default text)" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runInspect,
  };
}

async function runInspect(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length !== 1) throw new UsageError("give one artifact file", "inspect");
  const format = (args.values["format"] as string | undefined) ?? "text";
  if (format !== "text" && format !== "json")
    throw new UsageError(`unknown format '${format}': use text or json`, "inspect");
  const file = args.positionals[0]!;
  const text = readOrUsage(file, io, "artifact");
  const trusted = ((args.values["trust"] as string[] | undefined) ?? []).map((key) => readTrusted(key, io));
  const requiredText = (args.values["require-approvals"] as string | undefined) ?? "0";
  if (!/^\d{1,3}$/.test(requiredText))
    throw new UsageError(`--require-approvals takes a whole number, not '${requiredText}'`, "inspect");
  const required = Number(requiredText);
  const approvalFiles = (args.values["approval"] as string[] | undefined) ?? [];
  const approvals = approvalFiles.map((f) => readApproval(f, io));

  let book: LoadedRulebook | undefined;
  let refusal: ArtifactError | undefined;
  try {
    book = loadArtifact(text);
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    refusal = error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const signature = parsed === undefined ? undefined : await checkArtifactSignature(parsed, trusted);
  const problems = verdictProblems(refusal, signature, trusted.length > 0);
  let approved: ApprovalCount | undefined;
  if (book?.irHash !== undefined && (approvals.length > 0 || required > 0)) {
    const author =
      signature?.status === "valid" || signature?.status === "untrusted"
        ? { authorKeyId: signature.keyId }
        : {};
    approved = await countApprovals(approvals, { irHash: book.irHash, ...author, named: true }, trusted);
    if (approved.counted.length < required) {
      problems.push(
        `${registryErrorCodes.notApproved} needs ${required} approval${required === 1 ? "" : "s"} from distinct trusted keys other than its signer's; it has ${approved.counted.length}`,
      );
    }
  }
  const shown = displayPath(path.resolve(io.cwd, file), io.cwd);
  if (format === "json")
    io.stdout(
      JSON.stringify(
        { ...(jsonReport(shown, parsed, book, signature, problems) as object), approvals: approved ?? null },
        null,
        2,
      ) + "\n",
    );
  else io.stdout(textReport(shown, parsed, book, signature, problems, approved));
  return problems.length > 0 ? ExitCode.problems : ExitCode.ok;
}

function readOrUsage(file: string, io: CliIo, what: string): string {
  try {
    return readText(path.resolve(io.cwd, file));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`, "inspect");
  }
}

function readApproval(file: string, io: CliIo): unknown {
  const text = readOrUsage(file, io, "approval");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`the approval ${file} is not JSON`, "inspect");
  }
}

function readTrusted(file: string, io: CliIo): TrustedKey {
  const pem = readOrUsage(file, io, "public key");
  try {
    return trustedKey(pem, path.basename(file));
  } catch (error) {
    throw new UsageError((error as Error).message, "inspect");
  }
}

/** Why the artifact would be refused, one line each; empty when it is accepted. */
function verdictProblems(
  refusal: ArtifactError | undefined,
  signature: SignatureCheck | undefined,
  trustRequired: boolean,
): string[] {
  const problems: string[] = [];
  if (refusal) problems.push(`${refusal.code} ${refusal.message.split("\n")[0]}`);
  if (signature?.status === "invalid")
    problems.push(`${codes.invalid} the signature does not hold: ${signature.reason}`);
  if (trustRequired && signature?.status === "unsigned")
    problems.push(`${codes.unsigned} the artifact is not signed, and --trust requires a signature`);
  if (signature?.status === "untrusted") {
    const which = trustRequired
      ? "which is not one of the trusted keys"
      : "and no key is trusted (give --trust <key.pub>)";
    problems.push(
      `${codes.untrusted} signed by an untrusted key ${signature.keyId}, ${which}${signature.intact ? "" : " (and the signature does not hold)"}`,
    );
  }
  return problems;
}

function typeText(type: IrType): string {
  switch (type.kind) {
    case "number":
      return type.unit;
    case "enum":
    case "record":
      return type.name;
    case "list":
      return `List<${typeText(type.element)}>`;
    case "row":
      return `row of ${type.table}`;
    case "opaque":
      return type.description;
    default:
      return type.kind;
  }
}

type Fields = Record<string, unknown>;

/** Any header value as one line of text: strings as they are, anything else as (short) JSON; never throws. */
function shown(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** The artifact's own fields: from the loaded rulebook when it loaded, else from the raw JSON (unverified). */
function fieldsOf(parsed: unknown, book: LoadedRulebook | undefined): Fields {
  const object = (value: unknown): Fields =>
    value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Fields) : {};
  const raw = object(parsed);
  const meta = object(book?.meta ?? raw["meta"]);
  const compiler = object(raw["compiler"]);
  const provenance = object(raw["provenance"]);
  const commit =
    provenance["commit"] !== undefined
      ? `${shown(provenance["commit"])}${provenance["dirty"] === true ? " (with uncommitted changes)" : ""}`
      : undefined;
  return {
    name: shown(meta["name"]),
    version: shown(meta["version"]),
    effective: shown(meta["effective"]),
    currency: shown(meta["currency"]),
    owner: shown(meta["owner"]),
    description: shown(meta["description"]),
    compiler:
      compiler["name"] !== undefined
        ? `${shown(compiler["name"])} ${shown(compiler["version"]) ?? ""}`
        : undefined,
    source: shown(provenance["path"]) ?? book?.ir.meta.file,
    commit,
    sourceHash: shown(raw["sourceHash"]),
    irHash: shown(raw["irHash"]),
  };
}

function textReport(
  file: string,
  parsed: unknown,
  book: LoadedRulebook | undefined,
  signature: SignatureCheck | undefined,
  problems: readonly string[],
  approved?: ApprovalCount,
): string {
  const f = fieldsOf(parsed, book);
  const rows: [string, unknown][] = [
    ["name", f["name"]],
    ["version", f["version"]],
    ["effective", f["effective"]],
    ["currency", f["currency"]],
    ["owner", f["owner"]],
    ["description", f["description"]],
    ["compiled by", f["compiler"]],
    ["source file", f["source"]],
    ["commit", f["commit"]],
    ["source hash", f["sourceHash"]],
    [
      "IR hash",
      f["irHash"] === undefined ? undefined : `${String(f["irHash"])}${book ? " (matches the IR)" : ""}`,
    ],
  ];
  if (book?.ir.meta.imports?.length)
    rows.push(["imports", book.ir.meta.imports.map(importText).join("\n               ")]);
  if (book) {
    rows.push(["inputs", book.ir.schema.inputs.map((i) => `${i.name}: ${typeText(i.type)}`).join(", ")]);
    rows.push(["outputs", book.outputs.map((o) => `${o.name}: ${typeText(o.type)}`).join(", ")]);
  }
  rows.push(["signature", signature ? describeSignature(signature) : "(unreadable)"]);
  if (approved) {
    const counted = approved.counted.map(
      (a) =>
        `${a.trustedAs}${a.approver ? ` (${a.approver})` : ""} at ${a.approvedAt}${a.review ? `, review ${a.review.slice(0, 19)}...` : ""}`,
    );
    rows.push([
      "approvals",
      [
        `${approved.counted.length} counted`,
        ...counted,
        ...approved.ignored.map((i) => `ignored: ${i}`),
      ].join("\n               "),
    ]);
  }
  const lines = [
    `${file}: ${f["name"] !== undefined ? `${String(f["name"])} ${String(f["version"] ?? "")}`.trim() : "(not a readable artifact)"}`,
  ];
  for (const [label, value] of rows)
    if (value !== undefined && value !== "") lines.push(`  ${label.padEnd(12)} ${String(value)}`);
  if (problems.length === 0)
    lines.push(
      `ok: an engine loads this artifact${signature?.status === "valid" ? " and its signature holds" : " (unsigned: only a registry with allowUnsigned accepts it)"}`,
    );
  else for (const problem of problems) lines.push(`refused: ${problem}`);
  return lines.join("\n") + "\n";
}

/** `./options.margin as options, version 1.2.0, IR sha256:...` */
function importText(imported: IrImport): string {
  const how = imported.as !== undefined ? `as ${imported.as}` : `names ${(imported.names ?? []).join(", ")}`;
  const version = imported.version !== undefined ? `, version ${imported.version}` : "";
  return `${imported.path} ${how}${version}, IR ${imported.irHash}`;
}

function jsonReport(
  file: string,
  parsed: unknown,
  book: LoadedRulebook | undefined,
  signature: SignatureCheck | undefined,
  problems: readonly string[],
): unknown {
  return {
    file,
    ok: problems.length === 0,
    problems,
    ...fieldsOf(parsed, book),
    inputs: book?.ir.schema.inputs.map((i) => ({ name: i.name, type: typeText(i.type) })) ?? null,
    outputs: book?.outputs.map((o) => ({ name: o.name, type: typeText(o.type) })) ?? null,
    imports: book?.ir.meta.imports ?? [],
    signature: signature ?? null,
  };
}
