/**
 * The Node {@link SourceHost}: the language service's files read from disk, bounded and confined to
 * the rulebook's project. The CLI and the studio server both use it; the in-memory host for
 * browsers and tests is `src/service/memory-host.ts`.
 */
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import type { SourceHost } from "../service/check-rulebook.js";
import { FileRefusedError, readText } from "./files.js";

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
 * rulebook that names it ({@link projectRoot}) and be a regular file of at most 64 MiB. `read`
 * reads a file by its absolute path (the default reads the disk; `compile file@rev` reads git).
 */
export function nodeSourceHost(
  cwd: string,
  sources: Map<string, string> = new Map(),
  read: (absolute: string) => string = readText,
): SourceHost {
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
          refusals.set(file, `is outside the project of the rulebook that names it (${root})`);
          return undefined;
        }
      }
      try {
        const text = read(absolute);
        sources.set(file, text);
        return text;
      } catch (error) {
        if (error instanceof FileRefusedError) refusals.set(file, `is ${error.predicate}`);
        return undefined;
      }
    },
    refusal(file: string): string | undefined {
      return refusals.get(file);
    },
  };
}
