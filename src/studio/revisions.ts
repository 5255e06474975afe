/**
 * The studio's baselines from git and its new files: the text of a file at a revision (`HEAD` by
 * default, the baseline every view compares with), and creating a rulebook with its test file from
 * a template, checked before anything is written.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { checkRulebook } from "../service/language-service.js";
import { writeFileAtomic } from "../node/files.js";

/** A file at a revision, or why it cannot be read (not a git repository, not in that revision). */
export type RevisionText = { ok: true; text: string; revision: string } | { ok: false; message: string };

/** Revisions as git spells them (`HEAD`, `HEAD~2`, `v1.2`, a hash); nothing that looks like an option. */
const REVISION = /^[\w][\w./~^@{}-]*$/;

/** The text of `absolute` at `revision` in its git repository. Never throws. */
export function readRevision(absolute: string, revision: string): Promise<RevisionText> {
  if (!REVISION.test(revision) || revision.length > 200)
    return Promise.resolve({ ok: false, message: `'${revision}' is not a git revision` });
  return new Promise((resolve) => {
    execFile(
      "git",
      ["show", `${revision}:./${path.basename(absolute)}`],
      { cwd: path.dirname(absolute), encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 10_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, text: stdout, revision });
        const detail =
          String(stderr || error.message)
            .trim()
            .split("\n")[0] ?? "";
        const message = /not a git repository/i.test(detail)
          ? "the folder is not in a git repository"
          : /does not exist|exists on disk, but not in/i.test(detail)
            ? `${path.basename(absolute)} is not in ${revision}`
            : /ENOENT/.test(detail)
              ? "git is not installed"
              : `cannot read ${path.basename(absolute)} at ${revision}: ${detail}`;
        resolve({ ok: false, message });
      },
    );
  });
}

/** What creating a rulebook asks for: where (relative path of the `.margin`), its text and its test file's. */
export interface NewRulebook {
  path: string;
  text: string;
  tests: string;
}

/** The outcome of {@link createRulebook}: the paths written, or why nothing was (with the checker's errors). */
export type CreateOutcome =
  { ok: true; path: string; tests: string } | { ok: false; status: number; message: string };

/**
 * Writes a new rulebook and its `.test.yaml` at `absolute` (inside the studio's folder, checked by
 * the caller), creating its folder. Refused when either file exists or the rulebook has errors.
 */
export function createRulebook(absolute: string, request: NewRulebook): CreateOutcome {
  if (!absolute.endsWith(".margin"))
    return { ok: false, status: 400, message: "a rulebook's name ends in .margin" };
  const testsAbsolute = absolute.replace(/\.margin$/, ".test.yaml");
  for (const file of [absolute, testsAbsolute])
    if (existsSync(file))
      return {
        ok: false,
        status: 409,
        message: `${path.basename(file)} already exists: choose another name`,
      };
  const checked = checkRulebook(request.text, path.basename(absolute));
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0)
    return {
      ok: false,
      status: 422,
      message: `not created: the rulebook has ${errors.length} error${errors.length === 1 ? "" : "s"} (${errors[0]!.code} ${errors[0]!.message})`,
    };
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileAtomic(absolute, request.text);
  writeFileAtomic(testsAbsolute, request.tests);
  return { ok: true, path: request.path, tests: request.path.replace(/\.margin$/, ".test.yaml") };
}

/**
 * The absolute path for a file to create at `relative` (its folders may not exist yet), when it
 * stays inside `folder`, judged by the real path of its nearest existing ancestor; else undefined.
 */
export function newPathInside(folder: string, relative: string): string | undefined {
  if (relative === "" || relative.includes("\0") || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative))
    return undefined;
  if (relative.split(/[\\/]/).some((part) => part === ".." || part.startsWith("."))) return undefined;
  const absolute = path.resolve(folder, relative);
  let ancestor = path.dirname(absolute);
  while (!existsSync(ancestor) && ancestor !== path.dirname(ancestor)) ancestor = path.dirname(ancestor);
  let real: string;
  try {
    real = realpathSync(ancestor);
  } catch {
    return undefined;
  }
  const rel = path.relative(folder, real);
  return rel.startsWith("..") || path.isAbsolute(rel) ? undefined : absolute;
}
