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
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from "node:fs";
import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import path from "node:path";

/**
 * The largest file any command reads (64 MiB, the size of the largest artifact an engine loads):
 * beyond it, or for anything that is not a regular file (`/dev/zero`, a FIFO, a folder, a link to
 * one), reading is refused before a byte is read.
 */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Why a file was not read: not a regular file, too large, or not UTF-8 ({@link NotUtf8Error}). */
export class FileRefusedError extends Error {
  override readonly name = "FileRefusedError";

  constructor(
    message: string,
    /** The reason said of the file, after "is": `is not a regular file`, `is too large (...)`. */
    readonly predicate = message,
  ) {
    super(message);
  }
}

/** A file over the size limit. */
const tooLarge = (message: string): FileRefusedError =>
  new FileRefusedError(message, `too large (${message})`);

/** Opened without blocking (a FIFO would block `open`), then judged by what was opened. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function refuseUnlessSmallFile(stats: Stats, maxBytes: number): void {
  if (!stats.isFile()) throw new FileRefusedError("not a regular file");
  if (stats.size > maxBytes) throw tooLarge(`the file is ${stats.size} bytes; the limit is ${maxBytes}`);
}

/**
 * Why a file was not read as text: its bytes are not UTF-8 (a file saved as UTF-16, Latin-1 or
 * Windows-1252). Read anyway, each bad byte would become U+FFFD: names and strings silently
 * changed, an artifact carrying them, `fmt` writing them back over the original bytes.
 */
export class NotUtf8Error extends FileRefusedError {
  constructor(
    /** Where the first bad byte is (1-based; the column counts the characters before it on its line). */
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`not UTF-8 text: ${detail}; save the file as UTF-8`);
  }
}

const hex = (byte: number): string => `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
const WINDOWS_1252 = new TextDecoder("windows-1252");

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut short), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    // The sequence's length and the range of its second byte (the others are 0x80-0xBF).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      else if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      else if (lead === 0xf4) high = 0x8f;
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * Decodes UTF-8, dropping a leading byte-order mark so offsets match what editors show. Bytes that
 * are not UTF-8 throw a {@link NotUtf8Error} naming the first bad one and where it is.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const [b0, b1] = [bytes[0], bytes[1]];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff))
    throw new NotUtf8Error(1, 1, `it is UTF-16 (it starts with the byte-order mark ${hex(b0)} ${hex(b1)})`);
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const before = Buffer.from(bytes.buffer, bytes.byteOffset, at).toString("utf8");
    const lineStart = before.lastIndexOf("\n") + 1;
    const line = before.split("\n").length;
    const column = before.length - lineStart + 1;
    const byte = bytes[at]!;
    // Node decodes "windows-1252" as Latin-1: 0x80-0x9F come out as controls and get no hint.
    const guess = WINDOWS_1252.decode(bytes.subarray(at, at + 1));
    const as1252 = /\p{Cc}/u.test(guess) ? "" : ` (\`${guess}\` in Windows-1252 or Latin-1)`;
    throw new NotUtf8Error(
      line,
      column,
      `the byte ${hex(byte)} at line ${line}, column ${column} is not UTF-8${as1252}`,
    );
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads a UTF-8 text file of at most `maxBytes`. The file is opened, then judged by `fstat` (so a
 * link swapped for a device in between cannot fool it), then read up to the limit and no further.
 * Throws {@link FileRefusedError} for a device, a FIFO, a folder or an oversized file, and its
 * {@link NotUtf8Error} for bytes that are not UTF-8.
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
      if (total > maxBytes) throw tooLarge(`the file is larger than ${maxBytes} bytes`);
    }
    return decodeUtf8(Buffer.concat(chunks, total));
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
      if (total > maxBytes) throw tooLarge(`the file is larger than ${maxBytes} bytes`);
    }
    return decodeUtf8(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
}

/**
 * Replaces a file's content atomically: writes a temporary file in the same folder (same file
 * system, so the rename cannot cross devices), keeps the original's permissions, then renames it
 * over the original. Readers see the old content or the new, never half of it. A symbolic link is
 * written through: its target gets the content, and the link stays a link (renaming over the link
 * itself would have replaced it with a plain file and left the target as it was).
 */
export function writeFileAtomic(given: string, text: string): void {
  const absolute = linkTarget(given);
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
    // Said of the file asked for, not of the temporary one (whose name means nothing to the user).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new Error(`the folder ${folder} does not exist`);
    if (code === "EACCES" || code === "EPERM" || code === "EROFS")
      throw new Error(`no permission to write in ${folder} (${code})`);
    throw error;
  }
}

/** The file a path names once symbolic links are followed; the path itself when it does not exist yet. */
function linkTarget(absolute: string): string {
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
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
