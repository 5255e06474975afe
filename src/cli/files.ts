/**
 * The CLI's file-system helpers: finding `.margin` files, the Node `SourceHost`, atomic writes.
 *
 * Paths shown to users (and stored in diagnostics) are relative to the working folder when the file
 * lies inside it, so output is short and identical on every machine; the file system is always
 * reached through absolute paths resolved against `io.cwd`.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import type { SourceHost } from "../service/language-service.js";
import { UsageError } from "./io.js";

/** The extension of rulebook files. */
export const marginExtension = ".margin";

/** Folders never searched for rulebooks: dependencies, and hidden folders such as `.git`. */
function skipFolder(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

/** The path to show for an absolute path: relative to `cwd` when inside it, else absolute. */
export function displayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return absolute;
  return relative;
}

/**
 * Expands the paths given on the command line into the rulebook files to process: a file is taken
 * as given (whatever its extension: the user named it), a folder is searched recursively for
 * `.margin` files. The result is deduplicated and sorted by display path, so output order never
 * depends on the file system. A path that does not exist is a {@link UsageError}.
 */
export function findMarginFiles(paths: readonly string[], cwd: string, command: string): string[] {
  const found = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const stats = statOrUndefined(absolute);
    if (!stats) throw new UsageError(`path not found: ${given}`, command);
    if (stats.isDirectory()) collect(absolute, found);
    else found.add(absolute);
  }
  return [...found].map((absolute) => displayPath(absolute, cwd)).sort(comparePaths);
}

function collect(folder: string, found: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return; // an unreadable sub-folder is skipped, like `find` would report and go on
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!skipFolder(entry.name)) collect(full, found);
    } else if (entry.name.endsWith(marginExtension) && (entry.isFile() || statOrUndefined(full)?.isFile())) {
      found.add(full);
    }
  }
}

/** Plain code-unit order on forward-slash paths: stable across locales and platforms. */
function comparePaths(a: string, b: string): number {
  const x = a.replace(/\\/g, "/");
  const y = b.replace(/\\/g, "/");
  return x < y ? -1 : x > y ? 1 : 0;
}

function statOrUndefined(absolute: string): Stats | undefined {
  try {
    return statSync(absolute);
  } catch {
    return undefined;
  }
}

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
  if (stats.size > maxBytes) throw new FileRefusedError(`the file is ${stats.size} bytes; the limit is ${maxBytes}`);
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
 * The project of a rulebook, which its `extends` may not leave: the nearest folder above it (its
 * real path, links resolved) that holds `.git` or `package.json`, else the rulebook's own folder.
 */
export function projectRoot(rulebook: string): string {
  let folder: string;
  try {
    folder = path.dirname(realpathSync(rulebook));
  } catch {
    folder = path.dirname(rulebook);
  }
  for (let current = folder; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, ".git")) || existsSync(path.join(current, "package.json"))) return current;
    if (path.dirname(current) === current) return folder;
  }
}

/** Whether `file` (links resolved) lies inside `folder`. */
function inside(folder: string, file: string): boolean {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return false;
  }
  const relative = path.relative(folder, real);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/**
 * A `SourceHost` over the real file system. Every file it reads successfully is also recorded in
 * `sources` (keyed by the path the pipeline used), so diagnostics that point into a base rulebook
 * can be rendered with their source lines. The base of an `extends` must lie in the project of the
 * rulebook that names it ({@link projectRoot}) and be a regular file of at most 64 MiB.
 */
export function nodeSourceHost(cwd: string, sources: Map<string, string>): SourceHost {
  /** Each base path, and the rulebook that named it. */
  const namedBy = new Map<string, string>();
  const refusals = new Map<string, string>();
  return {
    resolve(fromFile: string, target: string): string {
      const resolved = path.isAbsolute(target) ? path.normalize(target) : path.normalize(path.join(path.dirname(fromFile), target));
      if (resolved !== fromFile && !namedBy.has(resolved)) namedBy.set(resolved, fromFile);
      return resolved;
    },
    readFile(file: string): string | undefined {
      const known = sources.get(file);
      if (known !== undefined) return known;
      const absolute = path.resolve(cwd, file);
      const from = namedBy.get(file);
      if (from !== undefined) {
        const root = projectRoot(path.resolve(cwd, from));
        if (existsSync(absolute) && !inside(root, absolute)) {
          refusals.set(file, `is outside the project of the rulebook that extends it (${root})`);
          return undefined;
        }
      }
      try {
        const text = readText(absolute);
        sources.set(file, text);
        return text;
      } catch (error) {
        if (error instanceof FileRefusedError) refusals.set(file, error.message === "not a regular file" ? "is not a regular file" : `is too large (${error.message})`);
        return undefined;
      }
    },
    refusal(file: string): string | undefined {
      return refusals.get(file);
    },
  };
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
