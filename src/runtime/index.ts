/**
 * The marginbook runtime: the entry engines import (`marginbook/runtime`).
 *
 * ```ts
 * import { loadArtifact } from "marginbook/runtime";
 * const book = loadArtifact(readFileSync("binance-btcusdt-perp.artifact.json", "utf8"));
 * const { outputs } = book.evaluate({ position: { size: 109.488, mark: 31967.27, side: "long" }, market: { vol_30d: 0.5, adv: 2e9 } });
 * outputs.maintenance_margin; // 71200.82
 * ```
 *
 * `loadArtifact` validates the artifact against its JSON Schema (ajv), recomputes the IR's hash,
 * checks the IR's cross-references, then generates the JavaScript evaluator locally: an engine
 * never runs code it was handed. Inputs are validated against the rulebook's own JSON Schema
 * unless the engine says it already trusts them (`{ validate: false }`).
 *
 * Engines that serve several versions, replay past margins or hot-reload signed artifacts use the
 * {@link RulebookRegistry} (`registry.ts`), which checks Ed25519 signatures with Web Crypto
 * (`signature.ts`) and approvals (`approval.ts`).
 *
 * This module and everything it imports stay free of the compiler (no parser, no checker, no
 * Chevrotain) and of Node: no `node:` module, so it bundles for a browser. Folders, key files and
 * the JSON Lines decision log are in `marginbook/runtime/node` (`node.ts`).
 * `test/runtime/runtime-isolation.test.ts` proves both.
 */
import { ArtifactError, artifactErrorCodes, verifyArtifact } from "./loader.js";
import { rulebookFromIr, type LoadedRulebook } from "./rulebook.js";

export { ArtifactError, artifactErrorCodes, verifyArtifact };
export {
  MAX_ARTIFACT_CHARS,
  parseArtifact,
  precheckArtifact,
  verifyStructure,
  type ArtifactErrorCode,
  type VerifiedArtifact,
} from "./loader.js";
export {
  InputValidationError,
  rulebookFromIr,
  failureOf,
  type LoadedRulebook,
  type EvalOptions,
  type EvalResult,
  type EvalFailure,
  type BatchOutcome,
} from "./rulebook.js";
export { outputInfos, type OutputInfo } from "./output-info.js";
export {
  ColumnsError,
  columnFields,
  columnLayout,
  type ColumnLayout,
  type ColumnList,
  type Columns,
  type ColumnarResult,
  type ColumnFailure,
  type ColumnField,
} from "./columns.js";
export {
  inputJsonSchema,
  validateInput,
  validateBatch,
  inputValidator,
  createInputValidator,
  defaultInputLimits,
  INPUT_ERROR_CODE,
  type JsonSchema,
  type InputError,
  type InputErrorKind,
  type InputValidation,
  type BatchValidation,
  type BatchInputError,
  type InputLimits,
} from "./input-schema.js";
export {
  artifactJsonSchema,
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  type CompiledArtifact,
  type ArtifactMeta,
  type ArtifactSignature,
  type ArtifactProvenance,
} from "./artifact-schema.js";
export { RuntimeError, runtimeErrors } from "../semantics/errors.js";
export {
  RulebookRegistry,
  RegistryError,
  registryErrorCodes,
  type RegistryOptions,
  type RegistryEvent,
  type RegistryResult,
  type RegistryEvalOptions,
  type RulebookVersion,
  type ResultSource,
  type AddOptions,
  type AddOutcome,
  type Tombstone,
} from "./registry.js";
export { type DecisionRecord, inputHashOf } from "./decision-log.js";
export { compareVersionNumbers } from "./semver.js";
export {
  APPROVAL_FORMAT,
  countApprovals,
  isApproval,
  type Approval,
  type ApprovalCount,
  type CheckedApproval,
} from "./approval.js";
export {
  checkArtifactSignature,
  describeSignature,
  keyIdOf,
  signedBytes,
  trustedKey,
  signatureErrorCodes,
  SIGNATURE_ALGORITHM,
  webCryptoVerifier,
  isEd25519Spki,
  fromBase64,
  type SignatureCheck,
  type TrustedKey,
  type Ed25519Verifier,
} from "./signature.js";
export type { OutputValue } from "./interpreter.js";
export type {
  Trace,
  TraceEntry,
  TraceRule,
  TraceAction,
  TraceLet,
  TraceOutput,
  TraceAssert,
  TierChoice,
  TraceValue,
  AggregateChoice,
  TraceChoices,
} from "./trace.js";
export type { IrRulebook } from "../ir/ir.js";

/**
 * Loads a compiled artifact (its JSON text, its bytes, or the parsed value) and returns a rulebook
 * ready to evaluate. Throws `ArtifactError` (MB6101-MB6108) when the artifact is not JSON, not an
 * artifact, of an unsupported version, structurally invalid, modified since compilation (hash
 * mismatch) or inconsistent.
 */
export function loadArtifact(json: unknown): LoadedRulebook {
  const artifact = verifyArtifact(json);
  let book: LoadedRulebook;
  try {
    book = rulebookFromIr(artifact.ir, artifact.irHash);
  } catch (error) {
    if (error instanceof RangeError)
      throw new ArtifactError(
        artifactErrorCodes.tooLarge,
        `the artifact nests too deeply to be compiled: ${error.message}`,
      );
    // The artifact passed every check: failing now is a bug in marginbook, not in the artifact.
    throw new ArtifactError(
      artifactErrorCodes.codegenFailed,
      `could not generate the evaluator (a bug in marginbook): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { ...book, meta: artifact.meta };
}
