/**
 * `marginbook inspect <artifact> [--trust <public key>...]`: what a compiled artifact is (header,
 * hashes, compiler, inputs, outputs, signer) and whether an engine would accept it: the artifact
 * loads (schema, IR hash, consistency, code generation) and its signature holds.
 */
import path from "node:path";
import { ArtifactError, loadArtifact, type LoadedRulebook } from "../runtime/index.js";
import { checkArtifactSignature, describeSignature, signatureErrorCodes as codes, trustedKey, type SignatureCheck, type TrustedKey } from "../runtime/signature.js";
import type { IrType } from "../ir/ir.js";
import { displayPath, readText } from "./files.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `inspect` command. */
export function inspectCommand(): Command {
  return {
    name: "inspect",
    summary: "show what an artifact is and whether its signature holds",
    usage: "Usage: marginbook inspect <artifact.json> [--trust <key.pub>]... [--format text|json]",
    description: [
      "Prints the artifact's rulebook (name, version, effective date, currency, owner), its source and",
      "IR hashes, the compiler that produced it, its inputs and outputs, and its signer's key id; then",
      "loads it as an engine does (schema, IR hash, consistency, code generation) and checks the",
      "signature. With --trust (repeatable), the artifact must be signed by one of those public keys;",
      "without, a signature is checked with the key it embeds, which proves it intact, not its origin.",
      "",
      "Exit codes: 0 the artifact loads and its signature holds (or it is unsigned and no --trust was",
      "given), 1 it is refused, its signature does not hold, or --trust was given and it is unsigned",
      "or signed by another key, 2 usage error.",
    ].join("\n"),
    options: {
      trust: { type: "string", multiple: true, valueName: "key.pub", description: "a trusted public key (repeatable)" },
      format: { type: "string", valueName: "text|json", description: "output format (default text)" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runInspect,
  };
}

function runInspect(args: ParsedArgs, io: CliIo): number {
  if (args.positionals.length !== 1) throw new UsageError("give one artifact file", "inspect");
  const format = (args.values["format"] as string | undefined) ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`unknown format '${format}': use text or json`, "inspect");
  const file = args.positionals[0]!;
  const text = readOrUsage(file, io, "artifact");
  const trusted = ((args.values["trust"] as string[] | undefined) ?? []).map((key) => readTrusted(key, io));

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
  const signature = parsed === undefined ? undefined : checkArtifactSignature(parsed, trusted.length > 0 ? trusted : undefined);
  const problems = verdictProblems(refusal, signature, trusted.length > 0);
  const shown = displayPath(path.resolve(io.cwd, file), io.cwd);
  if (format === "json") io.stdout(JSON.stringify(jsonReport(shown, parsed, book, signature, problems), null, 2) + "\n");
  else io.stdout(textReport(shown, parsed, book, signature, problems));
  return problems.length > 0 ? ExitCode.problems : ExitCode.ok;
}

function readOrUsage(file: string, io: CliIo, what: string): string {
  try {
    return readText(path.resolve(io.cwd, file));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`, "inspect");
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
function verdictProblems(refusal: ArtifactError | undefined, signature: SignatureCheck | undefined, trustRequired: boolean): string[] {
  const problems: string[] = [];
  if (refusal) problems.push(`${refusal.code} ${refusal.message.split("\n")[0]}`);
  if (signature?.status === "invalid") problems.push(`${codes.invalid} the signature does not hold: ${signature.reason}`);
  if (trustRequired && signature?.status === "unsigned") problems.push(`${codes.unsigned} the artifact is not signed, and --trust requires a signature`);
  if (trustRequired && signature?.status === "untrusted") problems.push(`${codes.untrusted} signed by key ${signature.keyId}, which is not one of the trusted keys${signature.intact ? "" : " (and the signature does not hold)"}`);
  return problems;
}

function typeText(type: IrType): string {
  switch (type.kind) {
    case "number": return type.unit;
    case "enum": case "record": return type.name;
    case "list": return `List<${typeText(type.element)}>`;
    case "row": return `row of ${type.table}`;
    case "opaque": return type.description;
    default: return type.kind;
  }
}

type Fields = Record<string, unknown>;

/** The artifact's own fields: from the loaded rulebook when it loaded, else from the raw JSON (unverified). */
function fieldsOf(parsed: unknown, book: LoadedRulebook | undefined): Fields {
  const raw = (parsed !== null && typeof parsed === "object" ? parsed : {}) as Fields;
  const meta = (book?.meta ?? raw["meta"] ?? {}) as Fields;
  const compiler = (raw["compiler"] ?? {}) as Fields;
  return {
    name: meta["name"], version: meta["version"], effective: meta["effective"], currency: meta["currency"], owner: meta["owner"], description: meta["description"],
    compiler: compiler["name"] !== undefined ? `${String(compiler["name"])} ${String(compiler["version"])}` : undefined,
    source: book?.ir.meta.file, sourceHash: raw["sourceHash"], irHash: raw["irHash"],
  };
}

function textReport(file: string, parsed: unknown, book: LoadedRulebook | undefined, signature: SignatureCheck | undefined, problems: readonly string[]): string {
  const f = fieldsOf(parsed, book);
  const rows: [string, unknown][] = [
    ["name", f["name"]], ["version", f["version"]], ["effective", f["effective"]], ["currency", f["currency"]], ["owner", f["owner"]], ["description", f["description"]],
    ["compiled by", f["compiler"]], ["source file", f["source"]], ["source hash", f["sourceHash"]],
    ["IR hash", f["irHash"] === undefined ? undefined : `${String(f["irHash"])}${book ? " (matches the IR)" : ""}`],
  ];
  if (book) {
    rows.push(["inputs", book.ir.schema.inputs.map((i) => `${i.name}: ${typeText(i.type)}`).join(", ")]);
    rows.push(["outputs", book.outputs.map((o) => `${o.name}: ${typeText(o.type)}`).join(", ")]);
  }
  rows.push(["signature", signature ? describeSignature(signature) : "(unreadable)"]);
  const lines = [`${file}: ${f["name"] !== undefined ? `${String(f["name"])} ${String(f["version"] ?? "")}`.trim() : "(not a readable artifact)"}`];
  for (const [label, value] of rows) if (value !== undefined && value !== "") lines.push(`  ${label.padEnd(12)} ${String(value)}`);
  if (problems.length === 0) lines.push(`ok: an engine loads this artifact${signature?.status === "valid" ? " and its signature holds" : ""}`);
  else for (const problem of problems) lines.push(`refused: ${problem}`);
  return lines.join("\n") + "\n";
}

function jsonReport(file: string, parsed: unknown, book: LoadedRulebook | undefined, signature: SignatureCheck | undefined, problems: readonly string[]): unknown {
  return {
    file,
    ok: problems.length === 0,
    problems,
    ...fieldsOf(parsed, book),
    inputs: book?.ir.schema.inputs.map((i) => ({ name: i.name, type: typeText(i.type) })) ?? null,
    outputs: book?.outputs.map((o) => ({ name: o.name, type: typeText(o.type) })) ?? null,
    signature: signature ?? null,
  };
}
