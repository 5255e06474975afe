/**
 * What the CLI asks git, for provenance and review records: the repository a file is in, its path
 * there, the commit a revision names, whether the working file differs from a commit, a file's
 * text at a revision, and who the user is. Every call runs `git` with fixed arguments (never a
 * shell), in the file's own folder; outside a repository, or without git, the answers are
 * `undefined` rather than errors.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { decodeUtf8, NotUtf8Error } from "./files.js";
import { UsageError } from "./io.js";

/** A revision as the user may write it after `@` (no options, no shell characters). */
const REVISION = /^[\w./~^@{}-]+$/;

function git(cwd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}

/** Where a file sits in git: the repository root and the file's path from it (with `/`). */
export interface GitLocation {
  root: string;
  /** The path relative to the repository root, with forward slashes. */
  path: string;
}

/** The repository a file is in, or undefined outside git. */
export function gitLocation(absolute: string): GitLocation | undefined {
  const root = git(path.dirname(absolute), ["rev-parse", "--show-toplevel"])?.trim();
  if (!root) return undefined;
  return { root, path: path.relative(root, absolute).split(path.sep).join("/") };
}

/** The full commit hash a revision names in the file's repository, or undefined. */
export function resolveCommit(absolute: string, revision = "HEAD"): string | undefined {
  if (!REVISION.test(revision)) return undefined;
  const hash = git(path.dirname(absolute), [
    "rev-parse",
    "--verify",
    "--quiet",
    `${revision}^{commit}`,
  ])?.trim();
  return hash && /^[0-9a-f]{40,64}$/.test(hash) ? hash : undefined;
}

/** Whether the working file differs from its content at HEAD (or is not tracked at all). */
export function isDirty(absolute: string): boolean {
  const status = git(path.dirname(absolute), ["status", "--porcelain", "--", path.basename(absolute)]);
  return status === undefined || status.trim() !== "";
}

/** A file's text at a revision (a usage error when git cannot give it). */
export function readAtRevision(absolute: string, revision: string, command: string): string {
  if (!REVISION.test(revision)) throw new UsageError(`'${revision}' is not a git revision`, command);
  let bytes: Buffer;
  try {
    bytes = execFileSync("git", ["show", `${revision}:./${path.basename(absolute)}`], {
      cwd: path.dirname(absolute),
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const detail = String((error as { stderr?: string }).stderr ?? (error as Error).message)
      .trim()
      .split("\n")[0];
    throw new UsageError(`cannot read ${path.basename(absolute)} at ${revision}: ${detail}`, command);
  }
  try {
    return decodeUtf8(bytes);
  } catch (error) {
    if (!(error instanceof NotUtf8Error)) throw error;
    throw new UsageError(`cannot read ${path.basename(absolute)} at ${revision}: ${error.message}`, command);
  }
}

/** `file@revision` split in two; no revision for a plain path. */
export function splitRevision(spec: string): { file: string; revision?: string } {
  const at = spec.lastIndexOf("@");
  return at > 0 ? { file: spec.slice(0, at), revision: spec.slice(at + 1) } : { file: spec };
}

/** git's `user.name <user.email>` for the folder, or undefined. */
export function gitUser(cwd: string): string | undefined {
  const name = git(cwd, ["config", "user.name"])?.trim();
  const email = git(cwd, ["config", "user.email"])?.trim();
  if (!name && !email) return undefined;
  return name && email ? `${name} <${email}>` : (name || email)!;
}
