/**
 * `marginbook keygen --out <name>`: writes an Ed25519 key pair for signing artifacts, `<name>.key`
 * (the private key, PKCS#8 PEM, readable by its owner only: mode 0600) and `<name>.pub` (the
 * public key, SPKI PEM, to hand to engines and reviewers), and prints the key id.
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateKeyPair } from "../compile/sign.js";
import { displayPath } from "./files.js";
import { ExitCode, UsageError, type CliIo, type Command, type ParsedArgs } from "./io.js";

/** The `keygen` command. */
export function keygenCommand(): Command {
  return {
    name: "keygen",
    summary: "create an Ed25519 key pair for signing artifacts",
    usage: "Usage: marginbook keygen --out <name> [--force]",
    description: [
      "Writes <name>.key, the private key (PKCS#8 PEM, file mode 0600: keep it secret, use it with",
      "`marginbook compile --sign <name>.key`), and <name>.pub, the public key (SPKI PEM: engines and",
      "`marginbook inspect --trust` check signatures with it). Prints the key id, sha256 of the public",
      "key, which signed artifacts carry. Existing files are kept unless --force is given.",
      "",
      "Exit codes: 0 written, 2 usage error (or the files exist).",
    ].join("\n"),
    options: {
      out: { type: "string", valueName: "name", description: "the key files' path without extension" },
      force: { type: "boolean", description: "overwrite existing key files" },
      help: { type: "boolean", short: "h", description: "show this help" },
    },
    run: runKeygen,
  };
}

function runKeygen(args: ParsedArgs, io: CliIo): number {
  const out = args.values["out"];
  if (typeof out !== "string" || out === "")
    throw new UsageError(
      "missing --out: give the key files' name (release writes release.key and release.pub)",
      "keygen",
    );
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument '${args.positionals[0]}'`, "keygen");
  const base = path.resolve(io.cwd, out.replace(/\.(key|pub)$/, ""));
  const privatePath = `${base}.key`;
  const publicPath = `${base}.pub`;
  const force = args.values["force"] === true;
  for (const file of [privatePath, publicPath]) {
    if (!force && existsSync(file))
      throw new UsageError(
        `${displayPath(file, io.cwd)} exists: keep it, or give --force to replace the pair`,
        "keygen",
      );
  }
  const pair = generateKeyPair();
  try {
    // The private key is created 0600; chmod again in case it existed (--force) with wider rights.
    writeFileSync(privatePath, pair.privateKeyPem, { mode: 0o600, flag: force ? "w" : "wx" });
    chmodSync(privatePath, 0o600);
    writeFileSync(publicPath, pair.publicKeyPem, { mode: 0o644, flag: force ? "w" : "wx" });
  } catch (error) {
    throw new UsageError(`cannot write the key files: ${(error as Error).message}`, "keygen");
  }
  io.stdout(
    `wrote ${displayPath(privatePath, io.cwd)} (private key: keep it secret) and ${displayPath(publicPath, io.cwd)} (public key)\n` +
      `key id ${pair.keyId}\n`,
  );
  return ExitCode.ok;
}
