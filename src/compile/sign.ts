/**
 * Signing compiled artifacts with Ed25519 (`node:crypto`): key pairs for `marginbook keygen` and
 * the signature `marginbook compile --sign` adds. What is signed is defined once, by the runtime
 * that checks it (`signedBytes` in `src/runtime/signature.ts`): the canonical JSON of the artifact
 * without its `signature` field. Pure: the CLI reads and writes the key files.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { APPROVAL_FORMAT, type Approval } from "../runtime/approval.js";
import type { ArtifactSignature, CompiledArtifact } from "../runtime/artifact-schema.js";
import { keyIdOf, signedBytes, SIGNATURE_ALGORITHM } from "../runtime/signature.js";

/** A new key pair: the private key (PKCS#8 PEM), the public key (SPKI PEM) and its id. */
export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
  keyId: string;
}

/** Generates an Ed25519 key pair. */
export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    keyId: keyIdOf(spkiOf(publicKey)),
  };
}

/** The SPKI DER bytes of a public key. */
export function spkiOf(publicKey: KeyObject): Uint8Array {
  const der = publicKey.export({ type: "spki", format: "der" });
  return new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
}

/** A signing key read from PEM, or why it cannot sign. */
export function readSigningKey(pem: string): KeyObject | string {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /passphrase/i.test(message)
      ? "the private key is encrypted: give an unencrypted PKCS#8 key (as `marginbook keygen` writes)"
      : `not a private key in PEM form (${message})`;
  }
  if (key.asymmetricKeyType !== SIGNATURE_ALGORITHM)
    return `a ${key.asymmetricKeyType ?? "unknown"} key: artifacts are signed with Ed25519 keys (\`marginbook keygen\`)`;
  return key;
}

/**
 * Returns a copy of `artifact` with an Ed25519 signature by `privateKey` (replacing any signature
 * it had), made at `signedAt` (default now). The signature block is the last field, so it reads
 * last in the file.
 */
export function signArtifact(
  artifact: CompiledArtifact,
  privateKey: KeyObject,
  signedAt = new Date(),
): CompiledArtifact {
  const { signature: _old, ...unsigned } = artifact;
  return { ...unsigned, signature: signatureBlock(unsigned, privateKey, signedAt.toISOString()) };
}

/** The signature block of `unsigned` (an object without `signature`), binding the signing time. */
function signatureBlock(unsigned: object, privateKey: KeyObject, signedAt?: string): ArtifactSignature {
  const publicKey = spkiOf(createPublicKey(privateKey));
  const value = sign(null, signedBytes(unsigned, signedAt), privateKey);
  return {
    algorithm: SIGNATURE_ALGORITHM,
    keyId: keyIdOf(publicKey),
    publicKey: Buffer.from(publicKey).toString("base64"),
    value: value.toString("base64"),
    ...(signedAt !== undefined ? { signedAt } : {}),
  };
}

/** What an approval names: the artifact (by IR hash), the review record's hash, and who approves. */
export interface ApprovalSubject {
  rulebook: string;
  version: string;
  irHash: string;
  review?: string;
  approver?: string;
}

/** A signed approval of an artifact (see `src/runtime/approval.ts`), made at `approvedAt` (default now). */
export function signApproval(
  subject: ApprovalSubject,
  privateKey: KeyObject,
  approvedAt = new Date(),
): Approval {
  const at = approvedAt.toISOString();
  const unsigned: Approval = {
    format: APPROVAL_FORMAT,
    formatVersion: 1,
    rulebook: subject.rulebook,
    version: subject.version,
    irHash: subject.irHash,
    ...(subject.review !== undefined ? { review: subject.review } : {}),
    approvedAt: at,
    ...(subject.approver !== undefined ? { approver: subject.approver } : {}),
  };
  // An approval's time is its own field (approvedAt), signed with the rest: no second timestamp.
  const { algorithm, keyId, publicKey, value } = signatureBlock(unsigned, privateKey);
  return { ...unsigned, signature: { algorithm, keyId, publicKey, value } };
}
