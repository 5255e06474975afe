/**
 * File-system helpers shared by the Node hosts (the CLI and the studio server): reading rulebook
 * text and replacing files atomically.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import path from "node:path";

/** Reads a UTF-8 text file, dropping a leading byte-order mark so offsets match what editors show. */
export function readText(absolute: string): string {
  const text = readFileSync(absolute, "utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Replaces a file's content atomically: writes a temporary file in the same folder (same file
 * system, so the rename cannot cross devices), keeps the original's permissions, then renames it
 * over the original. Readers see the old content or the new, never half of it.
 */
export function writeFileAtomic(absolute: string, text: string): void {
  const folder = path.dirname(absolute);
  const temp = path.join(folder, `.${path.basename(absolute)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(temp, text, { encoding: "utf8", flag: "wx" });
    const mode = statOrUndefined(absolute)?.mode;
    if (mode !== undefined) chmodSync(temp, mode & 0o7777);
    renameSync(temp, absolute);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file was never created, or is already gone
    }
    throw error;
  }
}

/** The file's status, or undefined when it does not exist or cannot be read. */
export function statOrUndefined(absolute: string): Stats | undefined {
  try {
    return statSync(absolute);
  } catch {
    return undefined;
  }
}
