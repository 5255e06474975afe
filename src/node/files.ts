/**
 * File-system helpers shared by the Node hosts (the CLI and the studio server): reading rulebook
 * text within bounds (regular files only, at most 64 MiB) and replacing files atomically.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";

/**
 * The largest file any command reads (64 MiB, the size of the largest artifact an engine loads):
 * beyond it, or for anything that is not a regular file (`/dev/zero`, a FIFO, a folder, a link to
 * one), reading is refused before a byte is read.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Why a file was not read: not a regular file, or too large. */
export class FileRefusedError extends Error {
  override readonly name = "FileRefusedError";
}

/** Opened without blocking (a FIFO would block `open`), then judged by what was opened. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function refuseUnlessSmallFile(stats: Stats, maxBytes: number): void {
  if (!stats.isFile()) throw new FileRefusedError("not a regular file");
  if (stats.size > maxBytes)
    throw new FileRefusedError(`the file is ${stats.size} bytes; the limit is ${maxBytes}`);
}

/** Decodes UTF-8, dropping a leading byte-order mark so offsets match what editors show. */
function decode(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads a UTF-8 text file of at most `maxBytes`. The file is opened, then judged by `fstat` (so a
 * link swapped for a device in between cannot fool it), then read up to the limit and no further.
 * Throws {@link FileRefusedError} for a device, a FIFO, a folder or an oversized file.
 */
export function readText(absolute: string, maxBytes = MAX_FILE_BYTES): string {
  const fd = openSync(absolute, OPEN_FLAGS);
  try {
    refuseUnlessSmallFile(fstatSync(fd), maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > maxBytes) throw new FileRefusedError(`the file is larger than ${maxBytes} bytes`);
    }
    return decode(Buffer.concat(chunks, total));
  } finally {
    closeSync(fd);
  }
}

/** {@link readText} without blocking the event loop (the studio server reads this way). */
export async function readTextAsync(absolute: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
  const handle = await open(absolute, OPEN_FLAGS);
  try {
    refuseUnlessSmallFile(await handle.stat(), maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new FileRefusedError(`the file is larger than ${maxBytes} bytes`);
    }
    return decode(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
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
