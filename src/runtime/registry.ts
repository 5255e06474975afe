/**
 * The rulebook registry engines serve margins from: several versions of each rulebook, the one in
 * force at any timestamp (so past margins replay exactly), new versions loaded from a folder or
 * handed over in calls, each verified before it is accepted, and swapped in atomically.
 *
 * ```ts
 * const registry = new RulebookRegistry({ trustedKeys: [readFileSync("release.pub", "utf8")] });
 * await registry.loadFolder("/etc/margins");              // every *.json artifact in the folder
 * const { outputs, rulebook } = registry.evaluate("BTCUSDT perpetual", input);
 * registry.evaluate("BTCUSDT perpetual", input, { at: "2026-02-01T00:00:00Z" }); // replay
 * ```
 *
 * Accepting a version: the artifact is parsed and verified (schema, IR hash, consistency:
 * `verifyArtifact`), its signature is checked against the trusted keys, the engine's own checks run
 * (`RegistryOptions.checks`), and its evaluator is generated. Any failure refuses it with a
 * {@link RegistryError} (the artifact's code: MB6101-MB6108, MB6151-MB6153 for signatures,
 * MB6161-MB6163 here) and changes nothing: the versions already loaded keep serving.
 *
 * Atomicity: the registry's state is an immutable map from names to sorted version lists, replaced
 * by one assignment when a version is accepted. An evaluation reads the state once, picks one
 * version, and evaluates with it alone; the result names that version (name, version, IR hash).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ArtifactMeta } from "./artifact-schema.js";
import { ArtifactError, artifactErrorCodes, MAX_ARTIFACT_CHARS, verifyArtifact } from "./loader.js";
import { rulebookFromIr, type BatchOutcome, type EvalOptions, type EvalResult, type LoadedRulebook } from "./rulebook.js";
import { checkArtifactSignature, signatureErrorCodes, trustedKey, type TrustedKey } from "./signature.js";

/** Why the registry refused a version or a request (besides the artifact and signature codes). */
export const registryErrorCodes = {
  /** A version with this name and version number is loaded already, with a different IR. */
  versionConflict: "MB6161",
  /** No such rulebook, or no version of it in force at the requested time. */
  notFound: "MB6162",
  /** The version failed the engine's checks (or its effective timestamp cannot be read). */
  checksFailed: "MB6163",
} as const;

/** A refusal: a stable code, a message, where the artifact came from, and the problems found. */
export class RegistryError extends Error {
  override readonly name = "RegistryError";
  constructor(readonly code: string, message: string, readonly origin?: string, readonly problems: readonly string[] = []) {
    super(message);
  }
}

/** One accepted version of a rulebook. Never changes once accepted. */
export interface RulebookVersion {
  readonly name: string;
  readonly version: string;
  /** The effective-from timestamp as written, and in milliseconds since the epoch. */
  readonly effective: string;
  readonly effectiveAt: number;
  readonly irHash: string;
  readonly sourceHash: string;
  /** The signer's key id and the label of the trusted key that matched, when signed. */
  readonly keyId?: string;
  readonly signedBy?: string;
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

/** What happened to one artifact. */
export type RegistryEvent =
  | { kind: "loaded"; version: RulebookVersion }
  | { kind: "unchanged"; version: RulebookVersion }
  | { kind: "refused"; origin: string; error: RegistryError };

/** Options of a registry. */
export interface RegistryOptions {
  /** Public keys (SPKI PEM texts, or keys read with `trustedKey`) whose signatures are accepted. */
  trustedKeys?: readonly (string | TrustedKey)[];
  /**
   * Accept unsigned artifacts (default false: every artifact must be signed by a trusted key). With
   * no trusted key, a signed artifact must still be intact (checked with the key it embeds).
   */
  allowUnsigned?: boolean;
  /** The engine's own acceptance checks (canary inputs, limits): return problems to refuse the version. */
  checks?: (candidate: RulebookVersion) => readonly string[];
  /** Called for every artifact loaded, found unchanged, or refused (for logs and metrics). */
  onEvent?: (event: RegistryEvent) => void;
}

/** The outcome of loading a folder. */
export interface FolderLoad {
  loaded: RulebookVersion[];
  unchanged: RulebookVersion[];
  /** Files skipped because they did not change since the last load (same size and time). */
  skipped: number;
  refused: { file: string; error: RegistryError }[];
}

type State = ReadonlyMap<string, readonly RulebookVersion[]>;

/** Holds versions of rulebooks and evaluates with the one in force. See the module comment. */
export class RulebookRegistry {
  private state: State = new Map();
  private readonly trusted: TrustedKey[];
  /** Per folder file: the size and modification time seen at the last load. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly options: RegistryOptions = {}) {
    this.trusted = (options.trustedKeys ?? []).map((key, i) => (typeof key === "string" ? trustedKey(key, `trusted key ${i + 1}`) : key));
  }

  /**
   * Verifies an artifact (JSON text, bytes, or the parsed value) and, when it passes, makes it
   * available. Returns the version (the one already loaded, if identical). Throws {@link RegistryError}.
   */
  add(artifact: unknown, origin = "call"): RulebookVersion {
    const outcome = this.tryAdd(artifact, origin);
    if (!outcome.ok) throw outcome.error;
    return outcome.version;
  }

  /** Like {@link add}, with the refusal as a value. */
  tryAdd(artifact: unknown, origin = "call"): { ok: true; version: RulebookVersion; added: boolean } | { ok: false; error: RegistryError } {
    let candidate: RulebookVersion;
    try {
      candidate = this.verify(artifact, origin);
    } catch (error) {
      const refusal = asRegistryError(error, origin);
      this.options.onEvent?.({ kind: "refused", origin, error: refusal });
      return { ok: false, error: refusal };
    }
    const versions = this.state.get(candidate.name) ?? [];
    const same = versions.find((v) => v.version === candidate.version);
    if (same && same.irHash === candidate.irHash) {
      this.options.onEvent?.({ kind: "unchanged", version: same });
      return { ok: true, version: same, added: false };
    }
    if (same) {
      const error = new RegistryError(
        registryErrorCodes.versionConflict,
        `${origin}: ${candidate.name} ${candidate.version} is already loaded (from ${same.origin}) with a different IR (${same.irHash.slice(0, 19)}... vs ${candidate.irHash.slice(0, 19)}...): publish a change under a new version`,
        origin,
      );
      this.options.onEvent?.({ kind: "refused", origin, error });
      return { ok: false, error };
    }
    const next = new Map(this.state);
    next.set(candidate.name, [...versions, candidate].sort(compareVersions));
    this.state = next; // the swap: one assignment
    this.options.onEvent?.({ kind: "loaded", version: candidate });
    return { ok: true, version: candidate, added: true };
  }

  private verify(artifact: unknown, origin: string): RulebookVersion {
    const raw = parse(artifact);
    const verified = verifyArtifact(raw);
    const signature = checkArtifactSignature(raw, this.trusted.length > 0 ? this.trusted : undefined);
    if (signature.status === "invalid") throw new RegistryError(signatureErrorCodes.invalid, `${origin}: the signature does not hold: ${signature.reason}`, origin);
    if (signature.status === "untrusted") throw new RegistryError(signatureErrorCodes.untrusted, `${origin}: signed by key ${signature.keyId}, which is not trusted`, origin);
    if (signature.status === "unsigned" && this.options.allowUnsigned !== true) {
      throw new RegistryError(signatureErrorCodes.unsigned, `${origin}: the artifact is not signed, and this registry accepts only signed artifacts`, origin);
    }
    const effectiveAt = Date.parse(verified.meta.effective);
    if (!Number.isFinite(effectiveAt)) throw new RegistryError(registryErrorCodes.checksFailed, `${origin}: the effective timestamp ${JSON.stringify(verified.meta.effective)} cannot be read`, origin);
    let book: LoadedRulebook;
    try {
      book = { ...rulebookFromIr(verified.ir, verified.irHash), meta: verified.meta };
    } catch (error) {
      throw new ArtifactError(artifactErrorCodes.codegenFailed, `could not generate the evaluator (a bug in marginbook): ${error instanceof Error ? error.message : String(error)}`);
    }
    const candidate: RulebookVersion = Object.freeze({
      name: verified.meta.name, version: verified.meta.version, effective: verified.meta.effective, effectiveAt,
      irHash: verified.irHash, sourceHash: verified.sourceHash,
      ...(signature.status === "valid" ? { keyId: signature.keyId, ...(signature.trustedAs ? { signedBy: signature.trustedAs } : {}) } : {}),
      origin, meta: verified.meta, book,
    });
    let problems: readonly string[];
    try {
      problems = this.options.checks?.(candidate) ?? [];
    } catch (error) {
      problems = [`the check failed: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (problems.length > 0) throw new RegistryError(registryErrorCodes.checksFailed, `${origin}: ${candidate.name} ${candidate.version} failed the registry's checks:\n  ${problems.join("\n  ")}`, origin, problems);
    return candidate;
  }

  /**
   * Loads every `*.json` artifact in `folder` (not its sub-folders; hidden files are skipped), in
   * name order. Files unchanged since the last load (same size and modification time) are
   * skipped; a refused file is reported and tried again once it changes. Rejects when the folder
   * itself cannot be read.
   */
  async loadFolder(folder: string): Promise<FolderLoad> {
    const report: FolderLoad = { loaded: [], unchanged: [], skipped: 0, refused: [] };
    const names = (await readdir(folder)).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
    for (const name of names) {
      const file = path.join(folder, name);
      let text: string;
      let stamp: string;
      try {
        const info = await stat(file);
        if (!info.isFile()) continue;
        stamp = `${info.size}:${info.mtimeMs}`;
        if (this.seen.get(file) === stamp) {
          report.skipped++;
          continue;
        }
        text = await readFile(file, "utf8");
      } catch (error) {
        report.refused.push({ file, error: new RegistryError(artifactErrorCodes.notJson, `${file}: cannot be read: ${(error as Error).message}`, file) });
        continue;
      }
      this.seen.set(file, stamp);
      const outcome = this.tryAdd(text, file);
      if (!outcome.ok) report.refused.push({ file, error: outcome.error });
      else if (outcome.added) report.loaded.push(outcome.version);
      else report.unchanged.push(outcome.version);
    }
    return report;
  }

  /**
   * Loads `folder` now and then every `intervalMs` (default 2 s) until `stop()`: hot reload. Each
   * round's report goes to `onReport`. The timer does not keep the process alive.
   */
  watchFolder(folder: string, options: { intervalMs?: number; onReport?: (report: FolderLoad) => void; onError?: (error: unknown) => void } = {}): { stop(): void; ready: Promise<void> } {
    let running = false;
    const round = async (): Promise<void> => {
      if (running) return;
      running = true;
      try {
        const report = await this.loadFolder(folder);
        options.onReport?.(report);
      } catch (error) {
        options.onError?.(error);
      } finally {
        running = false;
      }
    };
    const ready = round();
    const timer = setInterval(() => void round(), options.intervalMs ?? 2_000);
    timer.unref?.();
    return { stop: () => clearInterval(timer), ready };
  }

  /** The version of `name` in force at `at` (default now): the latest effective at or before it. */
  select(name: string, at?: Date | number | string): RulebookVersion {
    const versions = this.state.get(name);
    if (!versions || versions.length === 0) {
      const known = [...this.state.keys()];
      throw new RegistryError(registryErrorCodes.notFound, `no rulebook named ${JSON.stringify(name)} is loaded${known.length > 0 ? ` (loaded: ${known.map((n) => JSON.stringify(n)).join(", ")})` : ""}`);
    }
    const moment = timeOf(at);
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.effectiveAt <= moment) return versions[i]!;
    throw new RegistryError(
      registryErrorCodes.notFound,
      `no version of ${JSON.stringify(name)} is in force at ${new Date(moment).toISOString()}: the earliest, ${versions[0]!.version}, is effective from ${versions[0]!.effective}`,
    );
  }

  /** Evaluates one input with the version in force at `options.at`; the result names that version. */
  evaluate(name: string, input: unknown, options: RegistryEvalOptions = {}): RegistryResult {
    const version = this.select(name, options.at);
    const { at: _at, ...evalOptions } = options;
    return { ...version.book.evaluate(input, evalOptions), rulebook: sourceOf(version) };
  }

  /** Evaluates many inputs, all with the same version (chosen once, for the whole batch). */
  evaluateBatch(name: string, inputs: readonly unknown[], options: RegistryEvalOptions = {}): { rulebook: ResultSource; results: BatchOutcome[] } {
    const version = this.select(name, options.at);
    const { at: _at, ...evalOptions } = options;
    return { rulebook: sourceOf(version), results: version.book.evaluateBatch(inputs, evalOptions) };
  }

  /** The names of the rulebooks loaded, sorted. */
  names(): string[] {
    return [...this.state.keys()].sort();
  }

  /** The versions of a rulebook, by effective timestamp (then version number). */
  versions(name: string): readonly RulebookVersion[] {
    return this.state.get(name) ?? [];
  }

  /** Withdraws a version (it no longer serves, replay included). Returns whether it was loaded. */
  remove(name: string, version: string): boolean {
    const versions = this.state.get(name);
    if (!versions?.some((v) => v.version === version)) return false;
    const next = new Map(this.state);
    const kept = versions.filter((v) => v.version !== version);
    if (kept.length > 0) next.set(name, kept);
    else next.delete(name);
    this.state = next;
    return true;
  }
}

function sourceOf(version: RulebookVersion): ResultSource {
  return { name: version.name, version: version.version, irHash: version.irHash, effective: version.effective };
}

/** A private parsed copy of the artifact (text, bytes, or a value), which the caller cannot reach. */
function parse(artifact: unknown): unknown {
  let text: string;
  if (typeof artifact === "string") text = artifact;
  else if (artifact instanceof Uint8Array) text = new TextDecoder().decode(artifact);
  else {
    // One copy through JSON, read by every check after: a caller's object cannot change between them.
    try {
      const copied = JSON.stringify(artifact);
      if (copied === undefined) throw new ArtifactError(artifactErrorCodes.notAnArtifact, `not a marginbook artifact: expected a JSON object, found ${typeof artifact}`);
      text = copied;
    } catch (error) {
      if (error instanceof ArtifactError) throw error;
      throw new ArtifactError(artifactErrorCodes.notJson, `the artifact cannot be copied as JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (text.length > MAX_ARTIFACT_CHARS) throw new ArtifactError(artifactErrorCodes.tooLarge, `the artifact is ${text.length} characters long: at most ${MAX_ARTIFACT_CHARS} are accepted`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ArtifactError(artifactErrorCodes.notJson, `the artifact is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function asRegistryError(error: unknown, origin: string): RegistryError {
  if (error instanceof RegistryError) return error;
  if (error instanceof ArtifactError) return new RegistryError(error.code, `${origin}: ${error.message}`, origin, error.problems);
  throw error;
}

function timeOf(at: Date | number | string | undefined): number {
  if (at === undefined) return Date.now();
  const value = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at);
  if (!Number.isFinite(value)) throw new RegistryError(registryErrorCodes.notFound, `${JSON.stringify(String(at))} is not a timestamp`);
  return value;
}

/** By effective timestamp, then by semantic version (a later version wins a tie). */
function compareVersions(a: RulebookVersion, b: RulebookVersion): number {
  if (a.effectiveAt !== b.effectiveAt) return a.effectiveAt - b.effectiveAt;
  const parts = (v: string): number[] => v.split(/[.+-]/).slice(0, 3).map((p) => Number.parseInt(p, 10) || 0);
  const x = parts(a.version);
  const y = parts(b.version);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}
