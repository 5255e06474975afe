/**
 * The CLI's file-system helpers: finding `.margin` files, the project a rulebook's `extends` may not
 * leave, and the Node `SourceHost` (bounded reading and atomic writing, shared with the studio
 * server, live in `src/node/files.ts`).
 *
 * Paths shown to users (and stored in diagnostics) are relative to the working folder when the file
 * lies inside it, so output is short and identical on every machine; the file system is always
 * reached through absolute paths resolved against `io.cwd`.
 */
import { existsSync, readdirSync, realpathSync } from "node:fs";
import path from "node:path";
import type { SourceHost } from "../service/language-service.js";
import { FileRefusedError, readText, statOrUndefined } from "../node/files.js";
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
    if (existsSync(path.join(current, ".git")) || existsSync(path.join(current, "package.json")))
      return current;
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
      const resolved = path.isAbsolute(target)
        ? path.normalize(target)
        : path.normalize(path.join(path.dirname(fromFile), target));
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
        if (error instanceof FileRefusedError)
          refusals.set(
            file,
            error.message === "not a regular file"
              ? "is not a regular file"
              : `is too large (${error.message})`,
          );
        return undefined;
      }
    },
    refusal(file: string): string | undefined {
      return refusals.get(file);
    },
  };
}

export { FileRefusedError, MAX_FILE_BYTES, readText, readTextAsync, writeFileAtomic } from "../node/files.js";
