/**
 * Loading a compiled artifact: parse, validate against the artifact's JSON Schema, check the IR's
 * integrity and hash, then generate the evaluator locally. An engine never evaluates code it was
 * handed: the artifact holds data only (the IR), and the JavaScript is generated here, by this
 * runtime's own code generator.
 *
 * Every way an artifact can be wrong ends in an {@link ArtifactError} with a code and a message;
 * loading never crashes with anything else.
 */
import { messages } from "../semantics/catalog.js";
import { IR_VERSION, type IrRulebook } from "../ir/ir.js";
import { schemaValidator, type SchemaProblem, type SchemaValidator } from "./artifact-check.js";
import {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  artifactJsonSchema,
  artifactMetaOf,
  type ArtifactMeta,
  type ArtifactProvenance,
  type ArtifactSignature,
  type CompiledArtifact,
} from "./artifact-schema.js";
import { canonicalJson, sha256Text } from "./hash.js";
import { checkIrReferences, jsonDepthExceeds, MAX_JSON_DEPTH } from "./ir-references.js";
import { brandClass } from "../semantics/brand.js";

/** Why an artifact was refused. Codes never change meaning once published. */
export const artifactErrorCodes = {
  /** The text is not JSON, or the value cannot be copied as JSON. */
  notJson: messages.artifactNotJson.code,
  /** The JSON is not a marginbook artifact (`format` is missing or different). */
  notAnArtifact: messages.notAnArtifact.code,
  /** The artifact's format version or IR version is not one this runtime reads. */
  unsupportedVersion: messages.artifactVersionUnsupported.code,
  /** The artifact does not match its JSON Schema. */
  invalidStructure: messages.artifactInvalidStructure.code,
  /** The IR does not match `irHash`: the artifact was modified after compilation. */
  hashMismatch: messages.artifactHashMismatch.code,
  /** The IR is inconsistent: an index out of range, a header that differs from the IR's. */
  inconsistent: messages.artifactInconsistent.code,
  /** The artifact is larger or deeper than this runtime accepts. */
  tooLarge: messages.artifactTooLarge.code,
  /** The evaluator could not be generated from a valid artifact (a bug in marginbook). */
  codegenFailed: messages.artifactCodegenFailed.code,
} as const;

/** One of the {@link artifactErrorCodes}. */
export type ArtifactErrorCode = (typeof artifactErrorCodes)[keyof typeof artifactErrorCodes];

/** An artifact the runtime refuses to load: a stable code, a message, and the problems found. */
export class ArtifactError extends Error {
  override readonly name = "ArtifactError";

  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
    /** Each problem on its own line (schema violations, inconsistencies), when there are several. */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
brandClass(ArtifactError, "ArtifactError");

/** The largest artifact text accepted (64 MiB). */
export const MAX_ARTIFACT_CHARS = 64 * 1024 * 1024;

/** A verified artifact: its header, its hashes, and its IR (deeply frozen). */
export interface VerifiedArtifact {
  meta: ArtifactMeta;
  compiler: { name: string; version: string };
  sourceHash: string;
  irHash: string;
  ir: IrRulebook;
  /** Where it was compiled from, when the compiler recorded it. */
  provenance?: ArtifactProvenance;
  /** The signature block, when the artifact is signed (checked by `checkArtifactSignature`, not here). */
  signature?: ArtifactSignature;
}

let artifactValidator: SchemaValidator | undefined;

/**
 * The artifact schema's validator (`artifact-check.ts`): closures built from the schema on the first
 * load, then kept. No code is generated, so artifacts load where code generation is forbidden.
 */
function validatorOfArtifacts(): SchemaValidator {
  return (artifactValidator ??= schemaValidator(artifactJsonSchema));
}

/**
 * Parses and verifies an artifact (JSON text or an already parsed value), without generating code.
 * Throws {@link ArtifactError}, and nothing else: an artifact that would exhaust the stack of a
 * later stage is refused as too large (MB6107).
 */
export function verifyArtifact(json: unknown): VerifiedArtifact {
  return guarded(() => verifyStructure(precheckArtifact(parseArtifact(json))));
}

/**
 * The first, cheap stage of loading: a private parsed copy of the artifact (text, bytes or a value),
 * bounded in size. Throws {@link ArtifactError} (MB6101, MB6102, MB6107).
 */
export function parseArtifact(json: unknown): unknown {
  return guarded(() => toJson(json));
}

/**
 * The second, cheap stage: the value is an object of this runtime's artifact format and versions,
 * and nests no deeper than {@link MAX_JSON_DEPTH} (checked iteratively, before any recursive
 * stage). Returns the object. Throws {@link ArtifactError} (MB6102, MB6103, MB6107).
 */
export function precheckArtifact(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ArtifactError(
      artifactErrorCodes.notAnArtifact,
      `not a marginbook artifact: expected a JSON object, found ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  const object = value as Record<string, unknown>;
  if (object["format"] !== ARTIFACT_FORMAT) {
    throw new ArtifactError(
      artifactErrorCodes.notAnArtifact,
      `not a marginbook artifact: "format" is ${describe(object["format"])}, expected "${ARTIFACT_FORMAT}"`,
    );
  }
  if (object["formatVersion"] !== ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError(
      artifactErrorCodes.unsupportedVersion,
      `unsupported artifact format version ${describe(object["formatVersion"])}: this runtime reads version ${ARTIFACT_FORMAT_VERSION}; recompile the rulebook with a matching marginbook`,
    );
  }
  const ir = object["ir"] as Record<string, unknown> | undefined;
  if (ir && typeof ir === "object" && ir["irVersion"] !== IR_VERSION) {
    throw new ArtifactError(
      artifactErrorCodes.unsupportedVersion,
      `unsupported IR version ${describe(ir["irVersion"])}: this runtime reads IR version ${IR_VERSION}; recompile the rulebook with a matching marginbook`,
    );
  }
  if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) {
    throw new ArtifactError(
      artifactErrorCodes.tooLarge,
      `the artifact nests deeper than ${MAX_JSON_DEPTH} levels (no rulebook that \`marginbook check\` accepts does)`,
    );
  }
  return object;
}

/**
 * The expensive stage: the artifact schema, the IR hash, the IR's references; then the artifact is
 * deeply frozen. Call it on what {@link precheckArtifact} returned. Throws {@link ArtifactError}.
 */
export function verifyStructure(object: Record<string, unknown>): VerifiedArtifact {
  return guarded(() => {
    const validator = validatorOfArtifacts();
    if (!validator.validate(object)) {
      const problems = validator.problems(object).slice(0, 20).map(describeSchemaError);
      throw new ArtifactError(
        artifactErrorCodes.invalidStructure,
        `the artifact does not match the artifact schema:\n  ${problems.join("\n  ")}`,
        problems,
      );
    }
    const artifact = object as unknown as CompiledArtifact;
    const computed = sha256Text(canonicalJsonOfParsed(artifact.ir));
    if (computed !== artifact.irHash) {
      throw new ArtifactError(
        artifactErrorCodes.hashMismatch,
        `the IR does not match its hash: the artifact was modified after compilation (irHash ${artifact.irHash}, computed ${computed})`,
      );
    }
    const problems = [...metaProblems(artifact), ...checkIrReferences(artifact.ir)];
    if (problems.length > 0) {
      throw new ArtifactError(
        artifactErrorCodes.inconsistent,
        `the artifact is inconsistent:\n  ${problems.join("\n  ")}`,
        problems,
      );
    }
    deepFreeze(artifact);
    return {
      meta: artifact.meta,
      compiler: artifact.compiler,
      sourceHash: artifact.sourceHash,
      irHash: artifact.irHash,
      ir: artifact.ir,
      ...(artifact.provenance ? { provenance: artifact.provenance } : {}),
      ...(artifact.signature ? { signature: artifact.signature } : {}),
    };
  });
}

/** Runs a stage; a stack overflow (a structure deeper than the stage can walk) becomes MB6107. */
function guarded<T>(stage: () => T): T {
  try {
    return stage();
  } catch (error) {
    if (error instanceof RangeError)
      throw new ArtifactError(
        artifactErrorCodes.tooLarge,
        `the artifact nests too deeply to be verified: ${error.message}`,
      );
    throw error;
  }
}

/**
 * A private JSON copy of the artifact: text is parsed; a value is copied through JSON, so that
 * later changes by the caller cannot reach the verified IR, and so that anything JSON cannot carry
 * (functions, NaN, cycles) is dropped or refused exactly as it would be in a file.
 */
function toJson(json: unknown): unknown {
  try {
    if (typeof json === "string") {
      if (json.length > MAX_ARTIFACT_CHARS)
        throw new ArtifactError(
          artifactErrorCodes.tooLarge,
          `the artifact is ${json.length} characters long: at most ${MAX_ARTIFACT_CHARS} are accepted`,
        );
      return JSON.parse(json) as unknown;
    }
    if (json instanceof Uint8Array) return toJson(new TextDecoder().decode(json));
    const text = JSON.stringify(json);
    if (text === undefined)
      throw new ArtifactError(
        artifactErrorCodes.notAnArtifact,
        `not a marginbook artifact: expected a JSON object, found ${typeof json}`,
      );
    return toJson(text);
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    const reason =
      error instanceof RangeError
        ? "it nests too deeply"
        : error instanceof Error
          ? error.message
          : String(error);
    throw new ArtifactError(artifactErrorCodes.notJson, `the artifact is not valid JSON: ${reason}`);
  }
}

/**
 * The canonical JSON text of a value parsed from JSON (finite numbers, strings, booleans, null,
 * arrays and plain objects: what the artifact schema accepts), as `canonicalJson` writes it: the
 * native `JSON.stringify` with each object's keys sorted by code unit. On a first load it costs
 * about a third of `canonicalJson`'s walk in JavaScript. Not for other values: `canonicalJson`
 * refuses NaN and functions, which `JSON.stringify` would write as null or drop.
 */
export function canonicalJsonOfParsed(value: unknown): string {
  return JSON.stringify(value, sortedKeys);
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  // No prototype: a key named `__proto__` stays an own property of the copy.
  const sorted = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) sorted[key] = record[key];
  return sorted;
}

function metaProblems(artifact: CompiledArtifact): string[] {
  const expected = canonicalJson(artifactMetaOf(artifact.ir.meta));
  return canonicalJson(artifact.meta) === expected
    ? []
    : [`/meta differs from the IR's header /ir/meta (expected ${expected})`];
}

function describeSchemaError(error: SchemaProblem): string {
  const path = error.instancePath === "" ? "/" : error.instancePath;
  const params = error.params;
  if (error.keyword === "additionalProperties")
    return `${path}: unknown property ${JSON.stringify(params["additionalProperty"])}`;
  if (error.keyword === "required")
    return `${path}: missing property ${JSON.stringify(params["missingProperty"])}`;
  if (error.keyword === "pattern") return `${path} must match ${String(params["pattern"])}`;
  if (error.keyword === "const") return `${path} must be ${JSON.stringify(params["allowedValue"])}`;
  if (error.keyword === "enum")
    return `${path} must be one of ${(params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  return `${path} ${error.message}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Freezes a JSON value and everything in it (iteratively: the depth is already bounded). A `-0`
 * becomes 0 on the way: canonical JSON writes both as `0`, so the hash cannot tell them apart, and
 * the IR evaluated must be exactly the one the hash covers.
 */
function deepFreeze(value: unknown): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== "object" || Object.isFrozen(current)) continue;
    const record = current as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (Object.is(record[key], -0)) record[key] = 0;
      else pending.push(record[key]);
    }
    Object.freeze(current);
  }
}
