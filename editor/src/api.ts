/**
 * The studio server's API, as the page uses it (see `src/studio/server.ts`).
 */

export interface WorkspaceFile {
  path: string;
  kind: "rulebook" | "tests";
  text: string;
  version: string;
  tests?: string;
}

/** A file of the folder the server could not read (not UTF-8, or over 64 MiB), and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Workspace {
  folder: string;
  files: WorkspaceFile[];
  skipped?: SkippedFile[];
}

/** The outcome of a save: written, or refused because the file changed on disk. */
export type SaveOutcome =
  | { ok: true; version: string }
  | { ok: false; conflict: true; message: string; diskText: string | null; diskVersion: string | null }
  | { ok: false; conflict: false; message: string };

async function json<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

export async function loadWorkspace(): Promise<Workspace> {
  return json<Workspace>(await fetch("api/workspace"));
}

export async function loadFile(path: string): Promise<{ text: string; version: string }> {
  return json(await fetch(`api/file?path=${encodeURIComponent(path)}`));
}

/** Saves `text` if the file on disk is still `baseVersion` (null: the file must not exist yet). */
export async function saveFile(path: string, text: string, baseVersion: string | null): Promise<SaveOutcome> {
  const response = await fetch(`api/file?path=${encodeURIComponent(path)}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text, baseVersion }),
  });
  const body = (await response.json()) as {
    version?: string;
    error?: string;
    message?: string;
    text?: string | null;
  };
  if (response.status === 409)
    return {
      ok: false,
      conflict: true,
      message: body.message ?? "changed on disk",
      diskText: body.text ?? null,
      diskVersion: body.version ?? null,
    };
  if (!response.ok)
    return { ok: false, conflict: false, message: body.error ?? `${response.status} ${response.statusText}` };
  return { ok: true, version: body.version! };
}

/** A file's text at a git revision, or why there is none (no repository, not in that revision). */
export async function loadRevision(
  path: string,
  revision: string,
): Promise<{ text: string } | { error: string }> {
  const response = await fetch(
    `api/revision?path=${encodeURIComponent(path)}&rev=${encodeURIComponent(revision)}`,
  );
  const body = (await response.json()) as { text?: string; error?: string };
  return response.ok && typeof body.text === "string"
    ? { text: body.text }
    : { error: body.error ?? `${response.status} ${response.statusText}` };
}

/** Creates a rulebook and its test file; the server checks the rulebook first and refuses one with errors. */
export async function createRulebook(
  path: string,
  text: string,
  tests: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const response = await fetch("api/new", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path, text, tests }),
  });
  const body = (await response.json()) as { error?: string };
  return response.ok
    ? { ok: true }
    : { ok: false, message: body.error ?? `${response.status} ${response.statusText}` };
}
