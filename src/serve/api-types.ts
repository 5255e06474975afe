/**
 * The wire types of `marginbook serve`: what each route of the HTTP API accepts and answers. The
 * server builds these, the TypeScript client returns them, and `openapi.ts` describes the same
 * shapes for callers in other languages (a test checks every answer of the server against it).
 *
 * This module has no code and imports only types, so the client can use it in a browser.
 */
import type { ArtifactMeta } from "../runtime/artifact-schema.js";
import type { InputError, JsonSchema } from "../runtime/input-schema.js";
import type { OutputValue } from "../runtime/interpreter.js";
import type { Trace } from "../runtime/trace.js";

/** The version of a rulebook that computed a result. */
export interface RulebookRef {
  name: string;
  version: string;
  irHash: string;
  effective: string;
}

/** An error answer: always `{ error: { code, message, errors? } }`. */
export interface ApiError {
  /** `MB6001` invalid input, `MB62xx` a request refused by the server, `MB6162` no such rulebook, ... */
  code: string;
  message: string;
  /** For an invalid input: every problem, each with its JSON pointer (`/position/size`). */
  errors?: InputError[];
  /** For a runtime error: the source line and rule where the evaluation stopped. */
  line?: number;
  rule?: string;
}

/** The body of an error answer. */
export interface ErrorBody {
  error: ApiError;
}

/** One version of a rulebook, as `GET /v1/rulebooks` lists it. */
export interface VersionSummary {
  version: string;
  effective: string;
  irHash: string;
  sourceHash: string;
  /** Whether this is the version in force now. */
  inForce: boolean;
  /** The trusted key that signed the artifact (null for an unsigned one, with --insecure-unsigned). */
  signer: Signer | null;
  /** The approvals that counted (`*.approval.json`, from distinct keys other than the signer's). */
  approvals: ApprovalSummary[];
}

/** The key that signed a version. */
export interface Signer {
  keyId: string;
  /** The trusted key's label (its file name). */
  trustedAs: string;
  signedAt?: string;
}

/** One approval that counted for a version. */
export interface ApprovalSummary {
  keyId: string;
  trustedAs: string;
  approvedAt: string;
  approver?: string;
  /** `sha256:` of the review record the approver read. */
  review?: string;
}

/** `GET /v1/rulebooks`. */
export interface RulebookList {
  rulebooks: { name: string; versions: VersionSummary[] }[];
}

/** An output of a rulebook: its name, type and unit. */
export interface OutputDescription {
  name: string;
  type: string;
  unit?: string;
}

/** `GET /v1/rulebooks/{name}`: the version in force (or at `?at=`), its input schema and outputs. */
export interface RulebookDetail {
  rulebook: RulebookRef;
  meta: ArtifactMeta;
  sourceHash: string;
  signer: Signer | null;
  approvals: ApprovalSummary[];
  /** The JSON Schema (draft 2020-12) every input is validated against. */
  inputSchema: JsonSchema;
  outputs: OutputDescription[];
  /** The field paths the columnar form accepts (`position.size`); empty when the input has lists. */
  columns: string[];
}

/** Options of an evaluation request (in the body, beside the input). */
export interface EvaluateOptions {
  /** The moment whose rules apply (ISO 8601); default now. */
  at?: string;
  /** A version number to evaluate with, instead of the one in force. */
  version?: string;
  /** Return the step-by-step explanation (slower: the reference interpreter runs). */
  explain?: boolean;
}

/** One input evaluated: `POST /v1/rulebooks/{name}/evaluate` with `{ input }`. */
export interface EvaluateResult {
  rulebook: RulebookRef;
  outputs: Record<string, OutputValue>;
  explanation?: Trace;
}

/** One input of a batch: its outputs, or why it failed. */
export type BatchItem =
  { ok: true; outputs: Record<string, OutputValue>; explanation?: Trace } | { ok: false; error: ApiError };

/** A batch evaluated: `{ inputs: [...] }`. All inputs use the same version. */
export interface BatchResult {
  rulebook: RulebookRef;
  results: BatchItem[];
  /** How many inputs failed. */
  failed: number;
}

/** A columnar batch evaluated: `{ columns: { "position.size": [...] } }`. */
export interface ColumnsResult {
  rulebook: RulebookRef;
  rows: number;
  /** One column per output; `null` in the rows that failed. */
  outputs: Record<string, (OutputValue | null)[]>;
  /** The rows that failed, with their index. */
  errors: (ApiError & { index: number })[];
}

/** `GET /health`. */
export interface Health {
  status: "ok";
  uptimeSeconds: number;
}

/** `GET /ready`: ready once the first load of the folder finished with at least one version loaded. */
export interface Readiness {
  ready: boolean;
  rulebooks: number;
  versions: number;
  reason?: string;
}
