/**
 * The in-memory {@link SourceHost}: files held in a map (the editor worker's folder, tests,
 * benchmarks). Paths are `/`-separated and resolved like POSIX paths, without touching any file
 * system. The Node host, which reads the disk, is `src/node/source-host.ts`.
 */
import type { SourceHost } from "./check-rulebook.js";

/** A host over `files` (path -> text). The map is read live: later changes to it are seen. */
export function memoryHost(
  files: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): SourceHost {
  const read =
    files instanceof Map
      ? (path: string) => files.get(path)
      : (path: string) => (Object.hasOwn(files, path) ? (files as Record<string, string>)[path] : undefined);
  return { resolve: resolvePosix, readFile: read };
}

/** `target` as written in `fromFile`, resolved against `fromFile`'s folder (`.` and `..` removed). */
export function resolvePosix(fromFile: string, target: string): string {
  const absolute = target.startsWith("/");
  const parts = absolute ? target.split("/") : [...fromFile.split("/").slice(0, -1), ...target.split("/")];
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return (absolute || fromFile.startsWith("/") ? "/" : "") + out.join("/");
}
