/**
 * Test helpers for signed artifacts: versions of the Binance rulebook (a version number, an
 * effective date and a volatility threshold of our choosing), compiled, and signed with a key.
 */
import type { KeyObject } from "node:crypto";
import { buildArtifact, serializeArtifact, type CompiledArtifact } from "../../src/compile/artifact.js";
import { generateKeyPair, readSigningKey, signArtifact, type KeyPair } from "../../src/compile/sign.js";
import { compileOrThrow } from "../../src/service/language-service.js";
import { readRepoFile } from "./rulebooks.js";

const binance = readRepoFile("rules/binance-btcusdt-perp.margin")!;

/** The Binance rulebook with another version, effective date and volatility threshold. */
export function binanceVersion(version: string, effective: string, volThreshold = "80%"): string {
  return binance
    .replace(/version \d+\.\d+\.\d+/, `version ${version}`)
    .replace(/effective \S+/, `effective ${effective}`)
    .replace("param vol_threshold: Rate = 80%", `param vol_threshold: Rate = ${volThreshold}`);
}

/** Compiles a rulebook's source into an artifact (throws on errors). */
export function artifactOf(source: string, file = "rules/binance-btcusdt-perp.margin"): CompiledArtifact {
  return buildArtifact(compileOrThrow(source, file), { source, compiler: { version: "test" } });
}

/** A key pair with its private key ready to sign. */
export interface TestKey extends KeyPair {
  privateKey: KeyObject;
}

/** A fresh Ed25519 key pair. */
export function testKey(): TestKey {
  const pair = generateKeyPair();
  const privateKey = readSigningKey(pair.privateKeyPem);
  if (typeof privateKey === "string") throw new Error(privateKey);
  return { ...pair, privateKey };
}

/** The artifact file text of a rulebook source, signed with `key` (unsigned without). */
export function signedText(source: string, key?: TestKey): string {
  const artifact = artifactOf(source);
  return serializeArtifact(key ? signArtifact(artifact, key.privateKey) : artifact);
}

/** A position whose initial margin depends on the volatility threshold (vol 100%, above any threshold tested). */
export const sampleInput = {
  position: { size: 2, mark: 30_000, side: "long" },
  market: { vol_30d: 1, adv: 1e12 },
};
