/**
 * Checking Ed25519 signatures: of compiled artifacts, and of the detached approvals over them
 * (`approval.ts`). Verification only (signing is the compiler's side: `src/compile/sign.ts`), with
 * Web Crypto (`crypto.subtle`), so this module runs in Node, in a browser and in a worker, and the
 * check runs off the event loop where the platform does that (Node does).
 *
 * What is signed, exactly: the UTF-8 bytes of the canonical JSON (`canonicalJson` in `hash.ts`:
 * object keys sorted by code unit, no whitespace, numbers and strings as `JSON.stringify` writes
 * them) of the artifact object with its `signature` member removed, that is of
 * `{ compiler, format, formatVersion, ir, irHash, meta, provenance?, sourceHash }`. Every field an
 * engine relies on is covered, the IR itself included; the file's layout (indentation, key order)
 * is not, so re-indenting an artifact keeps its signature, while changing any value breaks it.
 *
 * The signature block is `{ algorithm: "ed25519", keyId, publicKey, value, signedAt? }`: `keyId` is
 * `sha256:<hex>` of the signer's public key (its SPKI DER bytes), `publicKey` that key (SPKI DER,
 * base64), `value` the 64-byte signature (base64) and `signedAt` when it was signed (ISO 8601; it
 * is part of the signed bytes: see `signedBytes`). The embedded key lets anyone check that the
 * artifact is intact; only a key the engine trusts (matched by `keyId`) says who signed it.
 *
 * Where Web Crypto has no Ed25519 (older browsers), every check reports the signature as not
 * holding: trust fails closed. An engine may pass its own verifier ({@link Ed25519Verifier}).
 */
import { messages } from "../semantics/catalog.js";
import type { ArtifactSignature } from "./artifact-schema.js";
import { canonicalJson, sha256Hex } from "./hash.js";

/** The only signature algorithm artifacts use. */
export const SIGNATURE_ALGORITHM = "ed25519";

/** Why a signed artifact was refused. Codes never change meaning once published. */
export const signatureErrorCodes = {
  /** The artifact carries no signature, and one is required. */
  unsigned: messages.artifactUnsigned.code,
  /** The artifact is signed by a key that is not trusted (or the registry trusts no key at all). */
  untrusted: messages.artifactUntrusted.code,
  /** The signature does not hold: the artifact was modified after signing, or the block is malformed. */
  invalid: messages.signatureInvalid.code,
} as const;

/** A public key an engine trusts, with its id and a label for messages (a file name, an owner). */
export interface TrustedKey {
  keyId: string;
  label: string;
  /** The public key: SPKI DER bytes of an Ed25519 key. */
  spki: Uint8Array;
}

/**
 * Checks an Ed25519 signature: `spki` is the public key (SPKI DER), `data` what was signed. Resolves
 * to whether it holds; never rejects for a bad signature.
 */
export type Ed25519Verifier = (spki: Uint8Array, data: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/** The outcome of checking an artifact's signature. */
export type SignatureCheck =
  | { status: "unsigned" }
  /** The signature holds. `trustedAs` names the trusted key it was checked with (absent: checked with the embedded key only). */
  | { status: "valid"; keyId: string; trustedAs?: string; signedAt?: string }
  /** Signed by a key outside the trusted set; `intact` says whether it holds with its embedded key. */
  | { status: "untrusted"; keyId: string; intact: boolean; signedAt?: string }
  | { status: "invalid"; keyId?: string; reason: string };

/** The DER prefix of every Ed25519 SPKI public key (then the 32 key bytes). */
const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/** `sha256:<hex>` of a public key's SPKI DER bytes: the id artifacts name their signer by. */
export function keyIdOf(spki: Uint8Array): string {
  return `sha256:${sha256Hex(spki)}`;
}

/** Whether bytes are an Ed25519 public key in SPKI DER form. */
export function isEd25519Spki(der: Uint8Array): boolean {
  return der.length === 44 && ED25519_SPKI_PREFIX.every((b, i) => der[i] === b);
}

/** Base64 text to bytes (standard alphabet); undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return undefined;
  const binary = atob(clean);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Reads a trusted Ed25519 public key (PEM, SPKI). Throws an `Error` with a clear message when the
 * text is not a public key or not an Ed25519 one.
 */
export function trustedKey(pem: string, label = "trusted key"): TrustedKey {
  if (typeof pem !== "string") throw new Error(`${label} is not a PEM text`);
  // A private key has no place in a trust store.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    throw new Error(`${label} is a private key: trust the public key (.pub) instead`);
  const match = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(pem);
  const der = match ? fromBase64(match[1]!) : undefined;
  if (!der) throw new Error(`${label} is not a public key in PEM form (-----BEGIN PUBLIC KEY-----)`);
  if (!isEd25519Spki(der))
    throw new Error(`${label} is not an Ed25519 key: artifacts are signed with Ed25519 keys`);
  return { keyId: keyIdOf(der), label, spki: der };
}

/** The exact bytes a signature covers (see the module comment): the object without `signature`, plus the signing time. */
export function signedBytes(signed: object, signedAt?: string): Uint8Array {
  const { signature, ...rest } = signed as Record<string, unknown>;
  const at = signedAt ?? readSignedAt(signature);
  // The signing time is inside the signature block, so it is bound by adding it to what is signed.
  return new TextEncoder().encode(
    canonicalJson(at === undefined ? rest : { ...rest, "signature.signedAt": at }),
  );
}

function readSignedAt(block: unknown): string | undefined {
  if (block === null || typeof block !== "object") return undefined;
  const at = (block as Record<string, unknown>)["signedAt"];
  return typeof at === "string" ? at : undefined;
}

/** Ed25519 verification with Web Crypto (`globalThis.crypto.subtle`); false where it is missing. */
export const webCryptoVerifier: Ed25519Verifier = async (spki, data, signature) => {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCryptoLike } }).crypto?.subtle;
  if (!subtle) return false;
  try {
    const key = await subtle.importKey("spki", spki, { name: "Ed25519" }, false, ["verify"]);
    return await subtle.verify({ name: "Ed25519" }, key, signature, data);
  } catch {
    return false; // no Ed25519 in this engine's Web Crypto, or a malformed key: fail closed
  }
};

/** The part of Web Crypto used here (typed locally: the runtime does not depend on DOM types). */
interface SubtleCryptoLike {
  importKey(
    format: "spki",
    key: Uint8Array,
    algorithm: { name: string },
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
  verify(
    algorithm: { name: string },
    key: unknown,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
}

/**
 * Checks the signature of a signed object (an artifact or an approval, parsed JSON). With
 * `trusted`, the signature must be by one of those keys and hold with it; without, it is checked
 * with the key it embeds, which proves the object intact but not who signed it.
 */
export async function checkArtifactSignature(
  artifact: unknown,
  trusted?: readonly TrustedKey[],
  verifier: Ed25519Verifier = webCryptoVerifier,
): Promise<SignatureCheck> {
  if (artifact === null || typeof artifact !== "object")
    return { status: "invalid", reason: "not an artifact object" };
  const block = (artifact as Record<string, unknown>)["signature"];
  if (block === undefined) return { status: "unsigned" };
  const signature = readBlock(block);
  if (typeof signature === "string") return { status: "invalid", reason: signature };
  const { keyId } = signature;
  const at = signature.signedAt !== undefined ? { signedAt: signature.signedAt } : {};
  const embedded = fromBase64(signature.publicKey);
  if (!embedded || !isEd25519Spki(embedded))
    return { status: "invalid", keyId, reason: "the embedded public key cannot be read" };
  if (keyIdOf(embedded) !== keyId)
    return { status: "invalid", keyId, reason: "the embedded public key does not match the key id" };
  let data: Uint8Array;
  try {
    data = signedBytes(artifact);
  } catch {
    return { status: "invalid", keyId, reason: "the signed content cannot be read as JSON" };
  }
  const value = fromBase64(signature.value);
  const holds = async (spki: Uint8Array): Promise<boolean> =>
    value !== undefined && value.length === 64 && (await verifier(spki, data, value));
  if (trusted === undefined)
    return (await holds(embedded))
      ? { status: "valid", keyId, ...at }
      : { status: "invalid", keyId, reason: modified };
  const match = trusted.find((t) => t.keyId === keyId);
  if (!match) return { status: "untrusted", keyId, intact: await holds(embedded), ...at };
  return (await holds(match.spki))
    ? { status: "valid", keyId, trustedAs: match.label, ...at }
    : { status: "invalid", keyId, reason: modified };
}

const modified =
  "the content was modified after it was signed (or this JavaScript engine cannot check Ed25519 signatures)";

/** The signature block's fields, or why it is malformed. */
function readBlock(block: unknown): ArtifactSignature | string {
  if (block === null || typeof block !== "object" || Array.isArray(block))
    return "the signature block is not an object";
  const b = block as Record<string, unknown>;
  if (b["algorithm"] !== SIGNATURE_ALGORITHM)
    return `unsupported signature algorithm ${JSON.stringify(b["algorithm"])?.slice(0, 40)}: only "${SIGNATURE_ALGORITHM}" is read`;
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (typeof b["keyId"] !== "string" || !/^sha256:[0-9a-f]{64}$/.test(b["keyId"]))
    return "the signature's keyId is not sha256:<64 hex digits>";
  if (typeof b["publicKey"] !== "string" || b["publicKey"].length > 1_024 || !base64.test(b["publicKey"]))
    return "the signature's publicKey is not base64";
  if (typeof b["value"] !== "string" || b["value"].length > 256 || !base64.test(b["value"]))
    return "the signature's value is not base64";
  if (
    b["signedAt"] !== undefined &&
    (typeof b["signedAt"] !== "string" ||
      !Number.isFinite(Date.parse(b["signedAt"])) ||
      b["signedAt"].length > 64)
  )
    return "the signature's signedAt is not a timestamp";
  return {
    algorithm: SIGNATURE_ALGORITHM,
    keyId: b["keyId"],
    publicKey: b["publicKey"],
    value: b["value"],
    ...(typeof b["signedAt"] === "string" ? { signedAt: b["signedAt"] } : {}),
  };
}

/** A one-line description of a signature check, for messages and `marginbook inspect`. */
export function describeSignature(check: SignatureCheck): string {
  const at = "signedAt" in check && check.signedAt ? `, signed at ${check.signedAt}` : "";
  switch (check.status) {
    case "unsigned":
      return "not signed";
    case "valid":
      return check.trustedAs
        ? `valid, by trusted key ${check.keyId} (${check.trustedAs})${at}`
        : `intact, signed by key ${check.keyId}${at}, but no trusted key was given: origin not established`;
    case "untrusted":
      return `signed by an untrusted key ${check.keyId}${at}${check.intact ? "" : "; and the signature does not hold"}`;
    case "invalid":
      return `INVALID${check.keyId ? ` (key ${check.keyId})` : ""}: ${check.reason}`;
  }
}
