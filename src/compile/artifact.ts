/**
 * Compiled artifacts: what `marginbook compile` writes and what engines load with the runtime's
 * `loadArtifact`. An artifact is JSON: the IR, the rulebook's header, the compiler that produced
 * it, and two hashes (of the source text, and of the canonical JSON of the IR) so that its origin
 * can be verified and tampering detected.
 *
 * Building an artifact is pure: the CLI reads the source and writes the file.
 */
import type { IrRulebook } from "../ir/ir.js";
import {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  artifactMetaOf,
  type ArtifactProvenance,
  type CompiledArtifact,
} from "../runtime/artifact-schema.js";
import { hashJson, sha256Text } from "../runtime/hash.js";

export type { CompiledArtifact } from "../runtime/artifact-schema.js";

/** What an artifact records besides the IR. */
export interface ArtifactOptions {
  /** The rulebook's source text, as read from its file; its hash is `sourceHash`. */
  source: string;
  /** The compiler's name (default `marginbook`) and version. */
  compiler: { name?: string; version: string };
  /** Where the source came from (path from the repository root, commit, dirty). */
  provenance?: ArtifactProvenance;
}

/**
 * Builds the artifact of a lowered rulebook. The IR is copied through JSON first, so the artifact
 * holds exactly what a loader will read back, and its hash is the hash the loader recomputes.
 */
export function buildArtifact(ir: IrRulebook, options: ArtifactOptions): CompiledArtifact {
  const copy = JSON.parse(JSON.stringify(ir)) as IrRulebook;
  return {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    compiler: { name: options.compiler.name ?? "marginbook", version: options.compiler.version },
    meta: artifactMetaOf(copy.meta),
    sourceHash: sha256Text(options.source),
    irHash: hashJson(copy),
    ir: copy,
    ...(options.provenance ? { provenance: { ...options.provenance } } : {}),
  };
}

/** The artifact as the text of a file: pretty-printed JSON (two-space indent) with a final newline. */
export function serializeArtifact(artifact: CompiledArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}
