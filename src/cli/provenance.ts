/**
 * Provenance of compiled rulebooks, shared by `compile` and the review record of `diff`: where a
 * source comes from (its path from the repository root, the commit, uncommitted changes), its text
 * at a revision (with `extends` bases read at the same revision), and every file name as an
 * artifact records it (from the repository root), so that the IR hash, the hashes of imported books
 * included, does not depend on the folder the command ran in.
 */
import { realpathSync } from "node:fs";
import path from "node:path";
import type { ArtifactProvenance } from "../runtime/artifact-schema.js";
import type { CompileOptions } from "../service/compile-rulebook.js";
import type { SourceHost } from "../service/language-service.js";
import { nodeSourceHost } from "./files.js";
import { gitLocation, isDirty, readAtRevision, resolveCommit, type GitLocation } from "./git.js";
import { UsageError } from "./io.js";

/** A source's origin: its git location, its provenance, and its text when it was read at a revision. */
export interface SourceOrigin {
  location?: GitLocation;
  provenance: ArtifactProvenance;
  source?: string;
}

/** Where the source comes from: its git location, its provenance, and its text when read at a revision. */
export function sourceOrigin(
  absolute: string,
  revision: string | undefined,
  command = "compile",
): SourceOrigin {
  const real = realOf(absolute);
  const location = gitLocation(real);
  if (revision !== undefined) {
    if (!location)
      throw new UsageError(
        `${path.basename(absolute)} is not in a git repository: cannot read it at ${revision}`,
        command,
      );
    const source = readAtRevision(real, revision, command);
    const commit = resolveCommit(real, revision);
    return { location, source, provenance: { path: location.path, ...(commit ? { commit } : {}) } };
  }
  if (!location) return { provenance: { path: path.basename(absolute) } };
  const commit = resolveCommit(real);
  if (!commit) return { location, provenance: { path: location.path, dirty: true } };
  return { location, provenance: { path: location.path, commit, ...(isDirty(real) ? { dirty: true } : {}) } };
}

/** A source host that reads bases (`extends`) at the same revision as the rulebook. */
export function revisionHost(cwd: string, revision: string): (sources: Map<string, string>) => SourceHost {
  return (sources) =>
    nodeSourceHost(cwd, sources, (absolute) => readAtRevision(realOf(absolute), revision, "compile"));
}

/** A file's path as an artifact records it: from the repository root, else from the rulebook's folder. */
export function artifactPath(absolute: string, rulebook: string, location: GitLocation | undefined): string {
  const real = realOf(absolute);
  const relative = location
    ? path.relative(location.root, real)
    : path.relative(path.dirname(realOf(rulebook)), real);
  return relative.split(path.sep).join("/");
}

/**
 * How an artifact records the files of rulebooks compiled from `cwd` (the top one at `location`):
 * `artifactPath` of each, for `relocate` and for the hashes of imported books.
 */
export function recordedFiles(
  cwd: string,
  location: GitLocation | undefined,
): Required<Pick<CompileOptions, "recordedFile">> {
  return {
    recordedFile: (file, rulebook) =>
      artifactPath(path.resolve(cwd, file), path.resolve(cwd, rulebook), location),
  };
}

export function realOf(absolute: string): string {
  try {
    return realpathSync(absolute);
  } catch {
    return path.join(realOf(path.dirname(absolute)), path.basename(absolute)); // a file that is only in git, not on disk
  }
}
