/**
 * The rulebook registry engines serve margins from: several versions of each rulebook, the one in
 * force at any timestamp (so past margins replay exactly), new versions handed over in calls (or
 * loaded from a folder: `FolderRegistry` in `marginbook/runtime/node`), each verified before it is
 * accepted, and swapped in atomically. This module runs anywhere JavaScript does: no file system,
 * no `node:` module; signatures are checked with Web Crypto.
 *
 * ```ts
 * const registry = new RulebookRegistry({ trustedKeys: [releasePub], approvals: { required: 2 } });
 * await registry.add(artifactText, { approvals: [aliceApproval, bobApproval] });
 * const { outputs, rulebook } = registry.evaluate("BTCUSDT perpetual", input);
 * registry.evaluate("BTCUSDT perpetual", input, { at: "2026-02-01T00:00:00Z" }); // replay
 * registry.withdraw("BTCUSDT perpetual", "1.2.0");                             // a tombstone
 * ```
 *
 * Accepting a version, in this order (cheap checks first, and the signature before the expensive
 * structure work, so that whoever can hand over bytes but holds no trusted key costs little):
 * parse and size; format, versions and nesting depth (iterative); the signature against the trusted
 * keys; tombstones and minimum versions; the schema, the IR hash and the IR's references; the
 * approvals; the evaluator and the input validator; the engine's own checks. Each stage is its own
 * task on the event loop (the registry yields between them), so loading a version never blocks
 * evaluations for long. Any failure refuses the version with a {@link RegistryError} and changes
 * nothing: the versions already loaded keep serving.
 *
 * Trust fails closed: with no trusted key, no signed artifact is accepted; unsigned artifacts (and,
 * when no key is trusted, artifacts signed by any key) are accepted only with `allowUnsigned: true`.
 *
 * Atomicity: the registry's state is an immutable map from names to sorted version lists, replaced
 * by one assignment when a version is accepted or withdrawn. An evaluation reads the state once,
 * picks one version, and evaluates with it alone; the result names that version.
 */
import { messages } from "../semantics/catalog.js";
import { countApprovals, type CheckedApproval } from "./approval.js";
import type { ArtifactMeta, ArtifactProvenance } from "./artifact-schema.js";
import {
  ArtifactError,
  artifactErrorCodes,
  parseArtifact,
  precheckArtifact,
  verifyStructure,
} from "./loader.js";
import {
  rulebookFromIr,
  type BatchOutcome,
  type EvalOptions,
  type EvalResult,
  type LoadedRulebook,
} from "./rulebook.js";
import type { ColumnarResult, Columns } from "./columns.js";
import {
  checkArtifactSignature,
  signatureErrorCodes,
  trustedKey,
  webCryptoVerifier,
  type Ed25519Verifier,
  type SignatureCheck,
  type TrustedKey,
} from "./signature.js";
import { DecisionLogger, type DecisionRecord } from "./decision-log.js";
import { compareVersionNumbers } from "./semver.js";
import { brandClass } from "../semantics/brand.js";

export type { DecisionRecord } from "./decision-log.js";

/** Why the registry refused a version or a request (besides the artifact and signature codes). */
export const registryErrorCodes = {
  /** A version with this name and version number is loaded already, with a different IR. */
  versionConflict: messages.versionConflict.code,
  /** No such rulebook, or no version of it in force at the requested time. */
  notFound: messages.rulebookNotFound.code,
  /** The version failed the engine's checks (or its effective timestamp cannot be read). */
  checksFailed: messages.checksFailed.code,
  /** Fewer approvals from distinct trusted keys than the registry requires. */
  notApproved: messages.notApproved.code,
  /** The version was withdrawn (a tombstone): it never serves again in this registry. */
  withdrawn: messages.versionWithdrawn.code,
  /** The version is below the rulebook's minimum version. */
  belowMinimum: messages.belowMinimumVersion.code,
} as const;

/** A refusal: a stable code, a message, where the artifact came from, and the problems found. */
export class RegistryError extends Error {
  override readonly name = "RegistryError";
  constructor(
    readonly code: string,
    message: string,
    readonly origin?: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}
brandClass(RegistryError, "RegistryError");

/** One accepted version of a rulebook. Never changes once accepted. */
export interface RulebookVersion {
  readonly name: string;
  readonly version: string;
  /** The effective-from timestamp as written, and in milliseconds since the epoch. */
  readonly effective: string;
  readonly effectiveAt: number;
  readonly irHash: string;
  readonly sourceHash: string;
  /** The signer's key id, the label of the trusted key that matched, and the signing time, when signed. */
  readonly keyId?: string;
  readonly signedBy?: string;
  readonly signedAt?: string;
  /** The approvals that counted for it (empty when none were required or given). */
  readonly approvals: readonly CheckedApproval[];
  readonly provenance?: ArtifactProvenance;
  /** Where it came from: a file path, or the origin given to {@link RulebookRegistry.add}. */
  readonly origin: string;
  readonly meta: ArtifactMeta;
  readonly book: LoadedRulebook;
}

/** The rulebook version that produced a result. */
export interface ResultSource {
  name: string;
  version: string;
  irHash: string;
  effective: string;
}

/** A result of the registry: the evaluation and the version that computed it. */
export interface RegistryResult extends EvalResult {
  rulebook: ResultSource;
}

/** Options of an evaluation through the registry. */
export interface RegistryEvalOptions extends EvalOptions {
  /** The moment whose rules apply (default: now): a `Date`, milliseconds, or an ISO 8601 text. */
  at?: Date | number | string;
}

/** What happened to one artifact, or to one version. */
export type RegistryEvent =
  | { kind: "loaded"; version: RulebookVersion }
  | { kind: "unchanged"; version: RulebookVersion }
  | { kind: "refused"; origin: string; error: RegistryError }
  | { kind: "withdrawn"; tombstone: Tombstone };

/** A withdrawn version: it never serves again, and the same version handed over again is refused. */
export interface Tombstone {
  name: string;
  version: string;
  reason: string;
  /** When it was withdrawn (ISO 8601). */
  at: string;
}

/** Options of a registry. */
export interface RegistryOptions {
  /** Public keys (SPKI PEM texts, or keys read with `trustedKey`) whose signatures are accepted. */
  trustedKeys?: readonly (string | TrustedKey)[];
  /**
   * Accept unsigned artifacts (default false). When no key is trusted, this also accepts artifacts
   * signed by any key whose signature holds with its embedded key, as if unsigned. Without it, a
   * registry that trusts no key accepts nothing: trust fails closed.
   */
  allowUnsigned?: boolean;
  /**
   * Four-eyes: each version needs `required` approvals (see `approval.ts`) from distinct keys among
   * `keys` (default: the trusted keys), none of them the artifact's signer.
   */
  approvals?: { required: number; keys?: readonly (string | TrustedKey)[] };
  /** The lowest version accepted per rulebook name (semantic versions); see {@link RulebookRegistry.setMinimumVersion}. */
  minimumVersions?: Readonly<Record<string, string>>;
  /** The engine's own acceptance checks (canary inputs, limits): return problems to refuse the version. */
  checks?: (candidate: RulebookVersion) => readonly string[];
  /** Called for every artifact loaded, found unchanged, refused, or withdrawn (for logs and metrics). */
  onEvent?: (event: RegistryEvent) => void;
  /**
   * The decision log: called once per evaluation (and once per columnar call) with what was
   * decided, for replay and audit. Append each record as one JSON line (`jsonLinesDecisionLog` in
   * `marginbook/runtime/node` does).
   */
  decisionLog?: (record: DecisionRecord) => void;
  /** Checks Ed25519 signatures (default: Web Crypto). */
  verifier?: Ed25519Verifier;
}

/** How an artifact is handed over: where it came from, and the approvals that go with it. */
export interface AddOptions {
  origin?: string;
  /** Approvals (parsed JSON, or JSON texts) of this artifact. */
  approvals?: readonly unknown[];
}

/** The outcome of {@link RulebookRegistry.tryAdd}. */
export type AddOutcome =
  { ok: true; version: RulebookVersion; added: boolean } | { ok: false; error: RegistryError };

type State = ReadonlyMap<string, readonly RulebookVersion[]>;

/** Holds versions of rulebooks and evaluates with the one in force. See the module comment. */
export class RulebookRegistry {
  private state: State = new Map();
  private readonly trusted: TrustedKey[];
  private readonly approvers: TrustedKey[];
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly minimums = new Map<string, string>();
  private readonly log: DecisionLogger | undefined;

  constructor(private readonly options: RegistryOptions = {}) {
    this.trusted = readKeys(options.trustedKeys, "trusted key");
    this.approvers = options.approvals?.keys
      ? readKeys(options.approvals.keys, "approver key")
      : this.trusted;
    const required = options.approvals?.required ?? 0;
    if (!Number.isInteger(required) || required < 0)
      throw new RangeError(`approvals.required must be a whole number >= 0, not ${String(required)}`);
    for (const [name, version] of Object.entries(options.minimumVersions ?? {}))
      this.minimums.set(name, version);
    this.log = options.decisionLog ? new DecisionLogger(options.decisionLog) : undefined;
  }

  /**
   * Verifies an artifact (JSON text, bytes, or the parsed value) and, when it passes, makes it
   * available. Resolves to the version (the one already loaded, if identical); rejects with a
   * {@link RegistryError}.
   */
  async add(artifact: unknown, options: AddOptions | string = {}): Promise<RulebookVersion> {
    const outcome = await this.tryAdd(artifact, options);
    if (!outcome.ok) throw outcome.error;
    return outcome.version;
  }

  /** Like {@link add}, with the refusal as a value. Never rejects for a bad artifact. */
  async tryAdd(artifact: unknown, options: AddOptions | string = {}): Promise<AddOutcome> {
    const { origin = "call", approvals = [] } = typeof options === "string" ? { origin: options } : options;
    let candidate: RulebookVersion;
    try {
      candidate = await this.verify(artifact, origin, approvals);
    } catch (error) {
      return this.refuse(asRegistryError(error, origin), origin);
    }
    // The commit, synchronous: whatever else was added meanwhile is seen here.
    const refusal = this.barrier(candidate.name, candidate.version, origin);
    if (refusal) return this.refuse(refusal, origin);
    const versions = this.state.get(candidate.name) ?? [];
    const same = versions.find((v) => v.version === candidate.version);
    if (same && same.irHash === candidate.irHash) {
      this.options.onEvent?.({ kind: "unchanged", version: same });
      return { ok: true, version: same, added: false };
    }
    if (same) {
      return this.refuse(
        new RegistryError(
          registryErrorCodes.versionConflict,
          `${origin}: ${candidate.name} ${candidate.version} is already loaded (from ${same.origin}) with a different IR (${same.irHash.slice(0, 19)}... vs ${candidate.irHash.slice(0, 19)}...): publish a change under a new version`,
          origin,
        ),
        origin,
      );
    }
    this.swap(candidate.name, [...versions, candidate].sort(compareVersions));
    this.options.onEvent?.({ kind: "loaded", version: candidate });
    return { ok: true, version: candidate, added: true };
  }

  private refuse(error: RegistryError, origin: string): AddOutcome {
    this.options.onEvent?.({ kind: "refused", origin, error });
    return { ok: false, error };
  }

  private async verify(
    artifact: unknown,
    origin: string,
    approvals: readonly unknown[],
  ): Promise<RulebookVersion> {
    const raw = precheckArtifact(parseArtifact(artifact));
    await nextTask();
    const signature = await checkArtifactSignature(
      raw,
      this.trusted,
      this.options.verifier ?? webCryptoVerifier,
    );
    this.checkTrust(signature, origin);
    const meta = raw["meta"] as Record<string, unknown> | undefined;
    const early = this.barrier(String(meta?.["name"]), String(meta?.["version"]), origin);
    if (early) throw early;
    await nextTask();
    const verified = verifyStructure(raw);
    const effectiveAt = Date.parse(verified.meta.effective);
    if (!Number.isFinite(effectiveAt))
      throw new RegistryError(
        registryErrorCodes.checksFailed,
        `${origin}: the effective timestamp ${JSON.stringify(verified.meta.effective)} cannot be read`,
        origin,
      );
    const authorKeyId =
      signature.status === "valid" || signature.status === "untrusted" ? signature.keyId : undefined;
    const counted = await this.approvalsOf(
      approvals,
      verified.irHash,
      authorKeyId,
      `${verified.meta.name} ${verified.meta.version}`,
      origin,
    );
    await nextTask();
    let book: LoadedRulebook;
    try {
      book = { ...rulebookFromIr(verified.ir, verified.irHash), meta: verified.meta };
    } catch (error) {
      if (error instanceof RangeError)
        throw new ArtifactError(
          artifactErrorCodes.tooLarge,
          `the artifact nests too deeply to be compiled: ${error.message}`,
        );
      throw new ArtifactError(
        artifactErrorCodes.codegenFailed,
        `could not generate the evaluator (a bug in marginbook): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const signed =
      signature.status === "valid" && signature.trustedAs
        ? {
            keyId: signature.keyId,
            signedBy: signature.trustedAs,
            ...(signature.signedAt ? { signedAt: signature.signedAt } : {}),
          }
        : {};
    const candidate: RulebookVersion = Object.freeze({
      name: verified.meta.name,
      version: verified.meta.version,
      effective: verified.meta.effective,
      effectiveAt,
      irHash: verified.irHash,
      sourceHash: verified.sourceHash,
      ...signed,
      approvals: Object.freeze(counted),
      ...(verified.provenance ? { provenance: verified.provenance } : {}),
      origin,
      meta: verified.meta,
      book,
    });
    let problems: readonly string[];
    try {
      problems = this.options.checks?.(candidate) ?? [];
    } catch (error) {
      problems = [`the check failed: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (problems.length > 0)
      throw new RegistryError(
        registryErrorCodes.checksFailed,
        `${origin}: ${candidate.name} ${candidate.version} failed the registry's checks:\n  ${problems.join("\n  ")}`,
        origin,
        problems,
      );
    return candidate;
  }

  /** Refuses what trust does not allow (see the module comment). */
  private checkTrust(signature: SignatureCheck, origin: string): void {
    const open = this.options.allowUnsigned === true;
    switch (signature.status) {
      case "invalid":
        throw new RegistryError(
          signatureErrorCodes.invalid,
          `${origin}: the signature does not hold: ${signature.reason}`,
          origin,
        );
      case "unsigned":
        if (!open)
          throw new RegistryError(
            signatureErrorCodes.unsigned,
            `${origin}: the artifact is not signed, and this registry accepts only signed artifacts`,
            origin,
          );
        return;
      case "untrusted":
        if (!signature.intact)
          throw new RegistryError(
            signatureErrorCodes.invalid,
            `${origin}: the signature does not hold: the content was modified after it was signed (and key ${signature.keyId} is not trusted)`,
            origin,
          );
        if (this.trusted.length === 0 && open) return;
        if (this.trusted.length === 0)
          throw new RegistryError(
            signatureErrorCodes.untrusted,
            `${origin}: signed by key ${signature.keyId}, but this registry trusts no key (give trustedKeys; or allowUnsigned to accept artifacts whose origin is not established)`,
            origin,
          );
        throw new RegistryError(
          signatureErrorCodes.untrusted,
          `${origin}: signed by key ${signature.keyId}, which is not trusted`,
          origin,
        );
      case "valid":
        return;
    }
  }

  private async approvalsOf(
    approvals: readonly unknown[],
    irHash: string,
    authorKeyId: string | undefined,
    what: string,
    origin: string,
  ): Promise<CheckedApproval[]> {
    const required = this.options.approvals?.required ?? 0;
    const parsed = approvals.map((a) => {
      if (typeof a !== "string") return a;
      try {
        return JSON.parse(a) as unknown;
      } catch {
        return undefined;
      }
    });
    if (parsed.length === 0 && required === 0) return [];
    const { counted, ignored } = await countApprovals(
      parsed,
      { irHash, ...(authorKeyId ? { authorKeyId } : {}) },
      this.approvers,
      this.options.verifier ?? webCryptoVerifier,
    );
    if (counted.length < required) {
      const by = counted.length > 0 ? ` (by ${counted.map((c) => c.trustedAs).join(", ")})` : "";
      throw new RegistryError(
        registryErrorCodes.notApproved,
        `${origin}: ${what} needs ${required} approval${required === 1 ? "" : "s"} from distinct trusted keys other than its signer's; it has ${counted.length}${by}${ignored.length > 0 ? `:\n  ${ignored.join("\n  ")}` : ""}`,
        origin,
        ignored,
      );
    }
    return counted;
  }

  /** A refusal when `name` `version` is withdrawn or below the minimum version; else undefined. */
  private barrier(name: string, version: string, origin: string): RegistryError | undefined {
    const tombstone = this.tombstones.get(keyOf(name, version));
    if (tombstone)
      return new RegistryError(
        registryErrorCodes.withdrawn,
        `${origin}: ${name} ${version} was withdrawn at ${tombstone.at} (${tombstone.reason}): publish a new version instead`,
        origin,
      );
    const minimum = this.minimums.get(name);
    if (minimum !== undefined && compareVersionNumbers(version, minimum) < 0) {
      return new RegistryError(
        registryErrorCodes.belowMinimum,
        `${origin}: ${name} ${version} is below the minimum version ${minimum} this registry accepts`,
        origin,
      );
    }
    return undefined;
  }

  /**
   * Withdraws a version: it stops serving (replay included) and leaves a tombstone, so that the same
   * version handed over again is refused (MB6165). Returns whether it was loaded.
   */
  withdraw(name: string, version: string, reason = "withdrawn"): boolean {
    const tombstone: Tombstone = { name, version, reason, at: new Date().toISOString() };
    if (!this.tombstones.has(keyOf(name, version))) this.tombstones.set(keyOf(name, version), tombstone);
    const versions = this.state.get(name);
    const loaded = versions?.some((v) => v.version === version) === true;
    if (loaded)
      this.swap(
        name,
        versions!.filter((v) => v.version !== version),
      );
    this.options.onEvent?.({ kind: "withdrawn", tombstone: this.tombstones.get(keyOf(name, version))! });
    return loaded;
  }

  /** Same as {@link withdraw} (the earlier name). */
  remove(name: string, version: string): boolean {
    return this.withdraw(name, version);
  }

  /** The tombstones, in the order they were laid. */
  withdrawn(): Tombstone[] {
    return [...this.tombstones.values()];
  }

  /** Sets the lowest version of `name` accepted from now on; loaded versions below it are withdrawn. */
  setMinimumVersion(name: string, version: string): void {
    this.minimums.set(name, version);
    for (const loaded of this.versions(name)) {
      if (compareVersionNumbers(loaded.version, version) < 0)
        this.withdraw(name, loaded.version, `below the minimum version ${version}`);
    }
  }

  private swap(name: string, versions: readonly RulebookVersion[]): void {
    const next = new Map(this.state);
    if (versions.length > 0) next.set(name, versions);
    else next.delete(name);
    this.state = next; // the swap: one assignment
  }

  /** The version of `name` in force at `at` (default now): the latest effective at or before it. */
  select(name: string, at?: Date | number | string): RulebookVersion {
    const versions = this.state.get(name);
    if (!versions || versions.length === 0) {
      const known = [...this.state.keys()];
      throw new RegistryError(
        registryErrorCodes.notFound,
        `no rulebook named ${JSON.stringify(name)} is loaded${known.length > 0 ? ` (loaded: ${known.map((n) => JSON.stringify(n)).join(", ")})` : ""}`,
      );
    }
    const moment = timeOf(at);
    for (let i = versions.length - 1; i >= 0; i--)
      if (versions[i]!.effectiveAt <= moment) return versions[i]!;
    throw new RegistryError(
      registryErrorCodes.notFound,
      `no version of ${JSON.stringify(name)} is in force at ${new Date(moment).toISOString()}: the earliest, ${versions[0]!.version}, is effective from ${versions[0]!.effective}`,
    );
  }

  /** Evaluates one input with the version in force at `options.at`; the result names that version. */
  evaluate(name: string, input: unknown, options: RegistryEvalOptions = {}): RegistryResult {
    const version = this.select(name, options.at);
    const { at: _at, ...evalOptions } = options;
    if (!this.log) return { ...version.book.evaluate(input, evalOptions), rulebook: sourceOf(version) };
    try {
      const result = version.book.evaluate(input, evalOptions);
      this.log.evaluated(version, input, result.outputs);
      return { ...result, rulebook: sourceOf(version) };
    } catch (error) {
      this.log.failed(version, input, error);
      throw error;
    }
  }

  /** Evaluates many inputs, all with the same version (chosen once, for the whole batch). */
  evaluateBatch(
    name: string,
    inputs: readonly unknown[],
    options: RegistryEvalOptions = {},
  ): { rulebook: ResultSource; results: BatchOutcome[] } {
    const version = this.select(name, options.at);
    const { at: _at, ...evalOptions } = options;
    const results = version.book.evaluateBatch(inputs, evalOptions);
    if (this.log)
      results.forEach((r, i) =>
        r.ok
          ? this.log!.evaluated(version, inputs[i], r.outputs)
          : this.log!.failed(version, inputs[i], r.error),
      );
    return { rulebook: sourceOf(version), results };
  }

  /** Evaluates `length` inputs given as columns (see `LoadedRulebook.evaluateColumns`), with the version in force. */
  evaluateColumns(
    name: string,
    columns: Columns,
    length: number,
    options: Pick<RegistryEvalOptions, "at" | "validate"> = {},
  ): ColumnarResult & { rulebook: ResultSource } {
    const version = this.select(name, options.at);
    const result = version.book.evaluateColumns(
      columns,
      length,
      options.validate === false ? { validate: false } : {},
    );
    this.log?.columns(version, columns, length, result);
    return { ...result, rulebook: sourceOf(version) };
  }

  /** The names of the rulebooks loaded, sorted. */
  names(): string[] {
    return [...this.state.keys()].sort();
  }

  /** The versions of a rulebook, by effective timestamp (then version number). */
  versions(name: string): readonly RulebookVersion[] {
    return this.state.get(name) ?? [];
  }
}

function readKeys(keys: readonly (string | TrustedKey)[] | undefined, what: string): TrustedKey[] {
  return (keys ?? []).map((key, i) => (typeof key === "string" ? trustedKey(key, `${what} ${i + 1}`) : key));
}

function keyOf(name: string, version: string): string {
  return `${name}\u0000${version}`;
}

/** Lets other tasks (evaluations, timers, I/O) run before the next stage of a load. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function sourceOf(version: RulebookVersion): ResultSource {
  return {
    name: version.name,
    version: version.version,
    irHash: version.irHash,
    effective: version.effective,
  };
}

function asRegistryError(error: unknown, origin: string): RegistryError {
  if (error instanceof RegistryError) return error;
  if (error instanceof ArtifactError)
    return new RegistryError(error.code, `${origin}: ${error.message}`, origin, error.problems);
  if (error instanceof RangeError)
    return new RegistryError(
      artifactErrorCodes.tooLarge,
      `${origin}: the artifact nests too deeply to be loaded: ${error.message}`,
      origin,
    );
  throw error;
}

function timeOf(at: Date | number | string | undefined): number {
  if (at === undefined) return Date.now();
  const value = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at);
  if (!Number.isFinite(value))
    throw new RegistryError(registryErrorCodes.notFound, `${JSON.stringify(String(at))} is not a timestamp`);
  return value;
}

/** By effective timestamp, then by semantic version (a later version wins a tie). */
function compareVersions(a: RulebookVersion, b: RulebookVersion): number {
  if (a.effectiveAt !== b.effectiveAt) return a.effectiveAt - b.effectiveAt;
  return compareVersionNumbers(a.version, b.version);
}
