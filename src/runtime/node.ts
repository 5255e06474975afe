/**
 * The Node-only part of the runtime (`marginbook/runtime/node`): a registry that loads and watches a
 * folder of artifacts, reading trusted keys from files, and a JSON Lines decision log. Everything
 * else is in `marginbook/runtime`, which runs anywhere JavaScript does.
 *
 * ```ts
 * import { FolderRegistry, jsonLinesDecisionLog, readTrustedKeyFile } from "marginbook/runtime/node";
 * const registry = new FolderRegistry({ trustedKeys: [readTrustedKeyFile("release.pub")], decisionLog: jsonLinesDecisionLog("decisions.jsonl") });
 * await registry.loadFolder("/etc/margins");
 * registry.watchFolder("/etc/margins", { intervalMs: 2000 });
 * ```
 *
 * A watched folder holds artifacts (`*.json`), approvals (`*.approval.json`, matched to artifacts by
 * IR hash) and optionally `withdrawn.json`, a list of withdrawn versions that every engine watching
 * the folder applies, so that all of them converge on the same set (a version whose file is
 * deleted is withdrawn too, but only by the engines that had loaded it).
 */
import { appendFileSync, openSync, closeSync, readFileSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { isApproval } from "./approval.js";
import type { DecisionRecord } from "./decision-log.js";
import { artifactErrorCodes, MAX_ARTIFACT_CHARS } from "./loader.js";
import { RegistryError, RulebookRegistry, type RulebookVersion } from "./registry.js";
import { trustedKey, type TrustedKey } from "./signature.js";

export * from "./index.js";

/** The file in a watched folder that lists withdrawn versions. */
export const WITHDRAWN_FILE = "withdrawn.json";
/** The largest approval or withdrawal file read (64 KiB). */
const MAX_SMALL_FILE = 64 * 1024;

/** The outcome of loading a folder. */
export interface FolderLoad {
  loaded: RulebookVersion[];
  unchanged: RulebookVersion[];
  /** Versions withdrawn in this round: listed in `withdrawn.json`, or their file was removed. */
  withdrawn: { name: string; version: string; reason: string }[];
  /** Files skipped because they did not change since the last load (same size and time). */
  skipped: number;
  refused: { file: string; error: RegistryError }[];
}

/** A {@link RulebookRegistry} that also loads and watches folders. */
export class FolderRegistry extends RulebookRegistry {
  /** Per artifact file: the stamp (size, time, approvals) seen at the last load. */
  private readonly seen = new Map<string, string>();
  /** Per artifact file: the version it provided. */
  private readonly provided = new Map<string, { name: string; version: string }>();

  /**
   * Loads the folder (not its sub-folders; hidden files are skipped): `withdrawn.json` first, then
   * the approvals, then every artifact in name order. Files unchanged since the last load are
   * skipped; each file is handled on its own, so one bad file never keeps another from loading; a
   * refused file is tried again once it (or the set of approvals) changes; a version whose file
   * was removed is withdrawn. Rejects only when the folder itself cannot be read.
   */
  async loadFolder(folder: string): Promise<FolderLoad> {
    const report: FolderLoad = { loaded: [], unchanged: [], withdrawn: [], skipped: 0, refused: [] };
    const names = (await readdir(folder)).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
    if (names.includes(WITHDRAWN_FILE))
      await this.applyWithdrawals(path.join(folder, WITHDRAWN_FILE), report);
    const approvals: unknown[] = [];
    const approvalStamps: string[] = [];
    for (const name of names.filter((n) => n.endsWith(".approval.json"))) {
      const file = path.join(folder, name);
      const read = await readBounded(file, MAX_SMALL_FILE);
      if (typeof read !== "string") continue;
      try {
        const value = JSON.parse(read) as unknown;
        if (isApproval(value)) approvals.push(value);
        approvalStamps.push(`${name}:${read.length}`);
      } catch {
        report.refused.push({
          file,
          error: new RegistryError(
            artifactErrorCodes.notJson,
            `${file}: the approval is not valid JSON`,
            file,
          ),
        });
      }
    }
    const present = new Set<string>();
    for (const name of names) {
      if (name === WITHDRAWN_FILE || name.endsWith(".approval.json")) continue;
      const file = path.join(folder, name);
      present.add(file);
      await this.loadFile(file, approvals, approvalStamps.join("|"), report);
    }
    this.withdrawRemoved(folder, present, report);
    return report;
  }

  private async loadFile(
    file: string,
    approvals: readonly unknown[],
    approvalStamp: string,
    report: FolderLoad,
  ): Promise<void> {
    try {
      const info = await stat(file);
      if (!info.isFile()) return;
      const stamp = `${info.size}:${info.mtimeMs}:${approvalStamp}`;
      if (this.seen.get(file) === stamp) {
        report.skipped++;
        return;
      }
      this.seen.set(file, stamp);
      // The size first: a file larger than any artifact is never read whole.
      const text = info.size > MAX_ARTIFACT_CHARS ? undefined : await readBounded(file, MAX_ARTIFACT_CHARS);
      if (typeof text !== "string") {
        report.refused.push({
          file,
          error: new RegistryError(
            artifactErrorCodes.tooLarge,
            `${file}: ${text ?? `${info.size} bytes`}: larger than an artifact may be`,
            file,
          ),
        });
        return;
      }
      const outcome = await this.tryAdd(text, { origin: file, approvals });
      if (!outcome.ok) {
        report.refused.push({ file, error: outcome.error });
        return;
      }
      const before = this.provided.get(file);
      this.provided.set(file, { name: outcome.version.name, version: outcome.version.version });
      if (before && (before.name !== outcome.version.name || before.version !== outcome.version.version))
        this.withdrawIfOrphan(before, file, report);
      (outcome.added ? report.loaded : report.unchanged).push(outcome.version);
    } catch (error) {
      // Isolation: whatever happens with this file (unreadable, a bug), the next file still loads.
      this.seen.delete(file);
      const message = error instanceof Error ? error.message : String(error);
      report.refused.push({
        file,
        error:
          error instanceof RegistryError
            ? error
            : new RegistryError(artifactErrorCodes.notJson, `${file}: cannot be loaded: ${message}`, file),
      });
    }
  }

  private async applyWithdrawals(file: string, report: FolderLoad): Promise<void> {
    const text = await readBounded(file, MAX_SMALL_FILE);
    let entries: unknown;
    try {
      entries =
        typeof text === "string" ? (JSON.parse(text) as { withdrawn?: unknown }).withdrawn : undefined;
    } catch {
      entries = undefined;
    }
    if (!Array.isArray(entries)) {
      report.refused.push({
        file,
        error: new RegistryError(
          artifactErrorCodes.notJson,
          `${file}: expected {"withdrawn": [{"name": ..., "version": ..., "reason"?: ...}]}`,
          file,
        ),
      });
      return;
    }
    for (const entry of entries as Record<string, unknown>[]) {
      if (typeof entry?.["name"] !== "string" || typeof entry["version"] !== "string") continue;
      const name = entry["name"];
      const version = entry["version"];
      if (this.withdrawn().some((t) => t.name === name && t.version === version)) continue;
      const reason =
        typeof entry["reason"] === "string" ? entry["reason"].slice(0, 200) : `listed in ${WITHDRAWN_FILE}`;
      this.withdraw(name, version, reason);
      report.withdrawn.push({ name, version, reason });
    }
  }

  private withdrawRemoved(folder: string, present: ReadonlySet<string>, report: FolderLoad): void {
    for (const [file, version] of [...this.provided]) {
      if (path.resolve(path.dirname(file)) !== path.resolve(folder)) continue;
      if (present.has(file)) continue;
      this.provided.delete(file);
      this.seen.delete(file);
      this.withdrawIfOrphan(version, file, report);
    }
  }

  /** Withdraws a version its file no longer provides, unless another file still does. */
  private withdrawIfOrphan(
    version: { name: string; version: string },
    file: string,
    report: FolderLoad,
  ): void {
    const still = [...this.provided.values()].some(
      (v) => v.name === version.name && v.version === version.version,
    );
    if (still) return;
    const reason = `its file ${path.basename(file)} was removed`;
    if (this.withdraw(version.name, version.version, reason)) report.withdrawn.push({ ...version, reason });
  }

  /**
   * Loads `folder` now and then every `intervalMs` (default 2 s) until `stop()`: hot reload. Each
   * round's report goes to `onReport`. The timer does not keep the process alive.
   */
  watchFolder(
    folder: string,
    options: {
      intervalMs?: number;
      onReport?: (report: FolderLoad) => void;
      onError?: (error: unknown) => void;
    } = {},
  ): { stop(): void; ready: Promise<void> } {
    let running = false;
    const round = async (): Promise<void> => {
      if (running) return;
      running = true;
      try {
        // Loaded first: `onReport?.(await ...)` would skip the load itself when no one listens.
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
}

/** Reads a file as UTF-8 if it holds at most `max` bytes; else says how large it is. Never reads more than `max + 1` bytes. */
async function readBounded(file: string, max: number): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
    const buffer = Buffer.alloc(Math.min(max + 1, (await handle.stat()).size + 1));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > max) return undefined;
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Reads a trusted public key from a PEM file (the label is the file's name). Throws a clear `Error`. */
export function readTrustedKeyFile(file: string): TrustedKey {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read the public key ${file}: ${(error as Error).message}`);
  }
  return trustedKey(pem, path.basename(file));
}

/**
 * A decision-log sink that appends each record as one JSON line to `file` (created if missing;
 * never truncated). Writes are synchronous appends, so a record is on disk (in the OS's cache)
 * when the evaluation returns, and lines never interleave within one process.
 */
export function jsonLinesDecisionLog(file: string): (record: DecisionRecord) => void {
  closeSync(openSync(file, "a"));
  return (record) => appendFileSync(file, `${JSON.stringify(record)}\n`);
}
