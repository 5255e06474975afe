/**
 * The CLI's file-system helpers: finding `.margin` files and showing paths. Bounded reading, atomic
 * writing and the Node `SourceHost`, shared with the studio server, live in `src/node/`.
 *
 * Paths shown to users (and stored in diagnostics) are relative to the working folder when the file
 * lies inside it, so output is short and identical on every machine; the file system is always
 * reached through absolute paths resolved against `io.cwd`.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { FileRefusedError, statOrUndefined } from "../node/files.js";
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
export function findMarginFiles(
  paths: readonly string[],
  cwd: string,
  command: string,
  warn: (message: string) => void = () => {},
): string[] {
  const found = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const stats = statOrUndefined(absolute);
    if (!stats) throw new UsageError(`path not found: ${given}`, command);
    if (stats.isDirectory()) collect(absolute, found);
    else found.add(absolute);
  }
  const shown = [...found].map((absolute) => displayPath(absolute, cwd)).sort(comparePaths);
  // A name with a line break or another control character would forge lines wherever it is
  // printed (the sanitizer escapes ESC, but a line break is also the CLI's own): left out, said.
  const named = shown.filter((file) => !CONTROL.test(file));
  for (const file of shown.filter((f) => CONTROL.test(f)))
    warn(`marginbook: skipped ${JSON.stringify(file)}: its name has a control character; rename the file\n`);
  return named;
}

/** C0 and C1 control characters, line breaks included. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

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

/**
 * Why a file could not be read, in words: a refusal's own reason (not UTF-8, too large, not a
 * regular file), else the system's error by its meaning rather than as `ENOENT: ..., open '/abs'`.
 */
export function readFailure(error: unknown): string {
  if (error instanceof FileRefusedError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "it does not exist";
  if (code === "EACCES" || code === "EPERM") return `no permission to read it (${code})`;
  if (code === "EISDIR") return "it is a folder";
  return (error as Error).message;
}

/**
 * Refuses to write `output` (absolute; `shown` as the user wrote it) over a file the command reads:
 * `compile x.margin -o x.margin` replaced the rulebook with its artifact. `inputs` are the files
 * read, each with what it is ("the rulebook"). The same file by device and inode, so another
 * spelling of the path, a symbolic link or a hard link to it is refused as well.
 */
export function refuseOverwritingInput(
  output: string,
  shown: string,
  inputs: readonly (readonly [absolute: string, what: string])[],
  command: string,
): void {
  const target = statOrUndefined(output);
  if (!target) return;
  for (const [absolute, what] of inputs) {
    const read = statOrUndefined(absolute);
    if (read && read.dev === target.dev && read.ino === target.ino)
      throw new UsageError(
        `will not write ${shown}: it is ${what}, which this command reads (give another output file)`,
        command,
      );
  }
}

/** Plain code-unit order on forward-slash paths: stable across locales and platforms. */
function comparePaths(a: string, b: string): number {
  const x = a.replace(/\\/g, "/");
  const y = b.replace(/\\/g, "/");
  return x < y ? -1 : x > y ? 1 : 0;
}

export {
  decodeUtf8,
  FileRefusedError,
  MAX_FILE_BYTES,
  NotUtf8Error,
  readText,
  readTextAsync,
  writeFileAtomic,
} from "../node/files.js";
export { nodeSourceHost, projectRoot } from "../node/source-host.js";
