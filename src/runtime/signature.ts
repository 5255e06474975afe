/**
 * Checking the Ed25519 signature of a compiled artifact (signing is the compiler's side:
 * `src/compile/sign.ts`). Verification only, with `node:crypto`.
 *
 * What is signed, exactly: the UTF-8 bytes of the canonical JSON (`canonicalJson` in `hash.ts`:
 * object keys sorted by code unit, no whitespace, numbers and strings as `JSON.stringify` writes
 * them) of the artifact object with its `signature` member removed, that is of
 * `{ compiler, format, formatVersion, ir, irHash, meta, sourceHash }`. Every field an engine relies
 * on is covered, the IR itself included; the file's layout (indentation, key order) is not, so
 * re-indenting an artifact keeps its signature, while changing any value breaks it.
 *
 * The signature block is `{ algorithm: "ed25519", keyId, publicKey, value }`: `keyId` is
 * `sha256:<hex>` of the signer's public key (its SPKI DER bytes), `publicKey` that key (SPKI DER,
 * base64) and `value` the 64-byte signature (base64). The embedded key lets anyone check that the
 * artifact is intact; only a key the engine trusts (matched by `keyId`) says who signed it.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { ArtifactSignature } from "./artifact-schema.js";
import { canonicalJson, sha256Hex } from "./hash.js";

/** The only signature algorithm artifacts use. */
export const SIGNATURE_ALGORITHM = "ed25519";

/** Why a signed artifact was refused. Codes never change meaning once published. */
export const signatureErrorCodes = {
  /** The artifact carries no signature, and one is required. */
  unsigned: "MB6151",
  /** The artifact is signed by a key that is not trusted. */
  untrusted: "MB6152",
  /** The signature does not hold: the artifact was modified after signing, or the block is malformed. */
  invalid: "MB6153",
} as const;

/** A public key an engine trusts, with its id and a label for messages (a file name, an owner). */
export interface TrustedKey {
  keyId: string;
  label: string;
  key: KeyObject;
}

/** The outcome of checking an artifact's signature. */
export type SignatureCheck =
  | { status: "unsigned" }
  /** The signature holds. `trustedAs` names the trusted key it was checked with (absent: checked with the embedded key only). */
  | { status: "valid"; keyId: string; trustedAs?: string }
  /** Signed by a key outside the trusted set; `intact` says whether it holds with its embedded key. */
  | { status: "untrusted"; keyId: string; intact: boolean }
  | { status: "invalid"; keyId?: string; reason: string };

/** `sha256:<hex>` of a public key's SPKI DER bytes: the id artifacts name their signer by. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return `sha256:${sha256Hex(new Uint8Array(der.buffer, der.byteOffset, der.byteLength))}`;
}

/**
 * Reads a trusted Ed25519 public key (PEM, SPKI). Throws an `Error` with a clear message when the
 * text is not a public key or not an Ed25519 one.
 */
export function trustedKey(pem: string, label = "trusted key"): TrustedKey {
  // createPublicKey would derive the public half of a private key: refuse it, a private key has no place in a trust store.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new Error(`${label} is a private key: trust the public key (.pub) instead`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`${label} is not a public key in PEM form: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (key.asymmetricKeyType !== SIGNATURE_ALGORITHM) throw new Error(`${label} is a ${key.asymmetricKeyType ?? "unknown"} key: artifacts are signed with Ed25519 keys`);
  return { keyId: keyIdOf(key), label, key };
}

/** The exact bytes a signature covers (see the module comment). */
export function signedBytes(artifact: object): Uint8Array {
  const { signature: _signature, ...rest } = artifact as Record<string, unknown>;
  return new TextEncoder().encode(canonicalJson(rest));
}

/**
 * Checks the signature of an artifact (a parsed JSON object). With `trusted`, the signature must
 * be by one of those keys and hold with it; without, it is checked with the key it embeds, which
 * proves the artifact intact but not who signed it.
 */
export function checkArtifactSignature(artifact: unknown, trusted?: readonly TrustedKey[]): SignatureCheck {
  if (artifact === null || typeof artifact !== "object") return { status: "invalid", reason: "not an artifact object" };
  const block = (artifact as Record<string, unknown>)["signature"];
  if (block === undefined) return { status: "unsigned" };
  const signature = readBlock(block);
  if (typeof signature === "string") return { status: "invalid", reason: signature };
  const { keyId } = signature;
  let embedded: KeyObject;
  try {
    embedded = createPublicKey({ key: Buffer.from(signature.publicKey, "base64"), format: "der", type: "spki" });
  } catch {
    return { status: "invalid", keyId, reason: "the embedded public key cannot be read" };
  }
  if (embedded.asymmetricKeyType !== SIGNATURE_ALGORITHM || keyIdOf(embedded) !== keyId) {
    return { status: "invalid", keyId, reason: "the embedded public key does not match the key id" };
  }
  const data = signedBytes(artifact);
  const value = Buffer.from(signature.value, "base64");
  const holds = (key: KeyObject): boolean => value.length === 64 && verify(null, data, key, value);
  if (trusted === undefined) return holds(embedded) ? { status: "valid", keyId } : { status: "invalid", keyId, reason: "the content was modified after it was signed" };
  const match = trusted.find((t) => t.keyId === keyId);
  if (!match) return { status: "untrusted", keyId, intact: holds(embedded) };
  return holds(match.key) ? { status: "valid", keyId, trustedAs: match.label } : { status: "invalid", keyId, reason: "the content was modified after it was signed" };
}

/** The signature block's fields, or why it is malformed. */
function readBlock(block: unknown): ArtifactSignature | string {
  if (block === null || typeof block !== "object" || Array.isArray(block)) return "the signature block is not an object";
  const b = block as Record<string, unknown>;
  if (b["algorithm"] !== SIGNATURE_ALGORITHM) return `unsupported signature algorithm ${JSON.stringify(b["algorithm"])}: only "${SIGNATURE_ALGORITHM}" is read`;
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (typeof b["keyId"] !== "string" || !/^sha256:[0-9a-f]{64}$/.test(b["keyId"])) return "the signature's keyId is not sha256:<64 hex digits>";
  if (typeof b["publicKey"] !== "string" || !base64.test(b["publicKey"])) return "the signature's publicKey is not base64";
  if (typeof b["value"] !== "string" || !base64.test(b["value"])) return "the signature's value is not base64";
  return { algorithm: SIGNATURE_ALGORITHM, keyId: b["keyId"], publicKey: b["publicKey"], value: b["value"] };
}

/** A one-line description of a signature check, for messages and `marginbook inspect`. */
export function describeSignature(check: SignatureCheck): string {
  switch (check.status) {
    case "unsigned": return "not signed";
    case "valid": return check.trustedAs ? `valid, by trusted key ${check.keyId} (${check.trustedAs})` : `valid with its embedded key ${check.keyId} (no trusted key given: origin not established)`;
    case "untrusted": return `signed by key ${check.keyId}, which is not trusted${check.intact ? "" : "; and the signature does not hold"}`;
    case "invalid": return `INVALID${check.keyId ? ` (key ${check.keyId})` : ""}: ${check.reason}`;
  }
}
