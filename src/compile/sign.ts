/**
 * Signing compiled artifacts with Ed25519 (`node:crypto`): key pairs for `marginbook keygen` and
 * the signature `marginbook compile --sign` adds. What is signed is defined once, by the runtime
 * that checks it (`signedBytes` in `src/runtime/signature.ts`): the canonical JSON of the artifact
 * without its `signature` field. Pure: the CLI reads and writes the key files.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { CompiledArtifact } from "../runtime/artifact-schema.js";
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
    keyId: keyIdOf(publicKey),
  };
}

/** A signing key read from PEM, or why it cannot sign. */
export function readSigningKey(pem: string): KeyObject | string {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /passphrase/i.test(message) ? "the private key is encrypted: give an unencrypted PKCS#8 key (as `marginbook keygen` writes)" : `not a private key in PEM form (${message})`;
  }
  if (key.asymmetricKeyType !== SIGNATURE_ALGORITHM) return `a ${key.asymmetricKeyType ?? "unknown"} key: artifacts are signed with Ed25519 keys (\`marginbook keygen\`)`;
  return key;
}

/**
 * Returns a copy of `artifact` with an Ed25519 signature by `privateKey` (replacing any signature
 * it had). The signature block is the last field, so it reads last in the file.
 */
export function signArtifact(artifact: CompiledArtifact, privateKey: KeyObject): CompiledArtifact {
  const { signature: _old, ...unsigned } = artifact;
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: "spki", format: "der" });
  const value = sign(null, signedBytes(unsigned), privateKey);
  return {
    ...unsigned,
    signature: { algorithm: SIGNATURE_ALGORITHM, keyId: keyIdOf(publicKey), publicKey: der.toString("base64"), value: value.toString("base64") },
  };
}
