/**
 * The studio server: a local HTTP server (node:http, bound to 127.0.0.1) that serves the built
 * editor and gives it the rulebooks of one folder.
 *
 * API (JSON):
 * - `GET /api/workspace`: the folder's `.margin` files (recursively, skipping hidden folders and
 *   `node_modules`) and their `.test.yaml` files, each with its text and version, and `skipped`:
 *   those that could not be read (not UTF-8, or over 64 MiB), each with the reason;
 * - `GET /api/file?path=p`: one file's text and version;
 * - `PUT /api/file?path=p` with `{ text, baseVersion }`: saves, unless the file on disk is no longer
 *   the version the editor opened (then `409` with the disk's text and version, nothing written);
 * - `GET /api/revision?path=p&rev=HEAD`: the file's text at a git revision (the studio's baseline);
 * - `POST /api/new` with `{ path, text, tests }`: creates a rulebook and its test file (folders
 *   too), refused when either exists or the rulebook has errors.
 *
 * A version is the SHA-256 of the content. Saving writes a temporary file in the same folder and
 * renames it over the original. Paths are relative to the folder; any path that leaves it (`..`,
 * absolute paths, symbolic links pointing out) is refused with 403, as is a request whose `Host`
 * is not this server (DNS rebinding) or a write that is not JSON from this origin.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FileRefusedError, readText, readTextAsync, writeFileAtomic } from "../node/files.js";
import { createRulebook, newPathInside, readRevision } from "./revisions.js";

export interface StudioOptions {
  /** The folder of rulebooks. */
  folder: string;
  /** 0 (the default) picks any free port. */
  port?: number;
  /** The built editor (`index.html` and its assets); default `dist/editor` of this package. */
  staticDir?: string;
  /** Build the editor with Vite when `staticDir` has no `index.html` (default true). */
  buildIfMissing?: boolean;
  /** Called with a line of text for each notable event (a build, a refused request). */
  log?: (line: string) => void;
}

export interface Studio {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  folder: string;
  close(): Promise<void>;
}

/** A file as the editor sees it. */
export interface WorkspaceFile {
  /** Relative to the folder, with `/` separators. */
  path: string;
  kind: "rulebook" | "tests";
  text: string;
  version: string;
  /** For a rulebook, its test file's path, when there is one. */
  tests?: string;
}

/** A rulebook or test file of the folder that could not be read: not UTF-8, or over 64 MiB. */
export interface SkippedFile {
  path: string;
  reason: string;
}

const EDITABLE = /\.(margin|test\.yaml)$/;
const MAX_BODY = 8 * 1024 * 1024;

/** The content version the editor sends back when it saves. */
export function contentVersion(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The root of this package (the folder holding its package.json). */
export function packageRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(folder, "package.json");
    if (
      existsSync(candidate) &&
      (JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "marginbook"
    )
      return folder;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error("cannot find the marginbook package root");
    folder = parent;
  }
}

/** Builds the editor with Vite into `outDir` (Vite is a development dependency: loaded only here). */
export async function buildEditor(outDir: string): Promise<void> {
  const root = packageRoot();
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    throw new Error(
      "the editor is not built, and Vite (a development dependency) is not installed to build it: run `npm ci && npm run build:editor`",
    );
  }
  await vite.build({
    configFile: path.join(root, "editor", "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
}

/** Starts the studio server. Resolves once it listens. */
export async function startStudio(options: StudioOptions): Promise<Studio> {
  const folder = realpathSync(path.resolve(options.folder));
  if (!statSync(folder).isDirectory()) throw new Error(`${options.folder} is not a folder`);
  const staticDir = path.resolve(options.staticDir ?? path.join(packageRoot(), "dist", "editor"));
  if (!existsSync(path.join(staticDir, "index.html"))) {
    if (options.buildIfMissing === false)
      throw new Error(`the editor is not built: ${staticDir} has no index.html`);
    options.log?.(`building the editor into ${staticDir} ...`);
    await buildEditor(staticDir);
  }
  const server = createServer((request, response) => {
    handle(request, response, folder, staticDir, server, options.log).catch((error: unknown) => {
      send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    folder,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  folder: string,
  staticDir: string,
  server: Server,
  log?: (line: string) => void,
): Promise<void> {
  const port = (server.address() as AddressInfo).port;
  const host = request.headers.host ?? "";
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    log?.(`refused a request for host ${JSON.stringify(host)}`);
    return send(response, 403, { error: "unknown host" });
  }
  const url = new URL(request.url ?? "/", `http://${host}`);
  if (url.pathname === "/api/workspace" && request.method === "GET")
    return send(response, 200, { folder: path.basename(folder), ...(await workspace(folder, log)) });
  if (url.pathname === "/api/file") {
    const relative = url.searchParams.get("path") ?? "";
    const absolute = insideFolder(folder, relative);
    if (!absolute) {
      log?.(`refused a path outside the folder: ${JSON.stringify(relative)}`);
      return send(response, 403, { error: "the path is outside the studio's folder" });
    }
    if (request.method === "GET") return await readFile(response, absolute, relative);
    if (request.method === "PUT") return saveFile(request, response, absolute, relative, port);
    return send(response, 405, { error: "use GET or PUT" });
  }
  if (url.pathname === "/api/revision" && request.method === "GET")
    return revision(
      response,
      folder,
      url.searchParams.get("path") ?? "",
      url.searchParams.get("rev") ?? "HEAD",
    );
  if (url.pathname === "/api/new" && request.method === "POST")
    return newRulebook(request, response, folder, port);
  if (url.pathname.startsWith("/api/")) return send(response, 404, { error: "no such API" });
  if (request.method !== "GET" && request.method !== "HEAD") return send(response, 405, { error: "use GET" });
  return serveStatic(response, staticDir, url.pathname);
}

/** The absolute path of `relative` when it stays inside `folder` (symbolic links resolved), else undefined. */
export function insideFolder(folder: string, relative: string): string | undefined {
  if (relative === "" || relative.includes("\0") || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative))
    return undefined;
  const absolute = path.resolve(folder, relative);
  const within = (candidate: string): boolean => {
    const rel = path.relative(folder, candidate);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
  };
  if (!within(absolute)) return undefined;
  // A link inside the folder may point out of it: judge by where it really leads.
  let real: string;
  try {
    real = existsSync(absolute)
      ? realpathSync(absolute)
      : path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return undefined;
  }
  if (!within(real)) return undefined;
  return absolute;
}

/**
 * The rulebooks of the folder and their tests. Links are not followed (a rulebook that is a link is
 * not listed; a test file is read only when it really lies inside the folder), and every file is read
 * asynchronously with the CLI's size limit: a device, a FIFO, a huge file or one that is not UTF-8
 * is left out (and named in the log), and never blocks the server.
 */
async function workspace(
  folder: string,
  log?: (line: string) => void,
): Promise<{ files: WorkspaceFile[]; skipped: SkippedFile[] }> {
  const files: WorkspaceFile[] = [];
  const skipped: SkippedFile[] = [];
  const read = async (absolute: string): Promise<string | undefined> => {
    try {
      return await readTextAsync(absolute);
    } catch (error) {
      // Left out of the files, listed with the reason (the page shows it), and said in the log.
      const reason = error instanceof FileRefusedError ? error.message : "it cannot be read";
      const relative = path.relative(folder, absolute).split(path.sep).join("/");
      skipped.push({ path: relative, reason });
      log?.(`left out ${relative}: ${reason}`);
      return undefined;
    }
  };
  const walk = async (dir: string): Promise<void> => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(absolute);
      else if (entry.isFile() && entry.name.endsWith(".margin")) {
        const rel = path.relative(folder, absolute).split(path.sep).join("/");
        const text = await read(absolute);
        if (text === undefined) continue;
        const testPath = absolute.replace(/\.margin$/, ".test.yaml");
        const testRel = rel.replace(/\.margin$/, ".test.yaml");
        const tests =
          existsSync(testPath) && insideFolder(folder, testRel) ? await read(testPath) : undefined;
        files.push({
          path: rel,
          kind: "rulebook",
          text,
          version: contentVersion(text),
          ...(tests !== undefined ? { tests: testRel } : {}),
        });
        if (tests !== undefined)
          files.push({ path: testRel, kind: "tests", text: tests, version: contentVersion(tests) });
      }
    }
  };
  await walk(folder);
  return { files, skipped };
}

async function readFile(response: ServerResponse, absolute: string, relative: string): Promise<void> {
  if (!existsSync(absolute) || !statSync(absolute).isFile())
    return send(response, 404, { error: `no file ${relative}` });
  let text: string;
  try {
    text = await readTextAsync(absolute);
  } catch (error) {
    if (error instanceof FileRefusedError)
      return send(response, 413, { error: `${relative}: ${error.message}` });
    throw error;
  }
  send(response, 200, { path: relative, text, version: contentVersion(text) });
}

async function saveFile(
  request: IncomingMessage,
  response: ServerResponse,
  absolute: string,
  relative: string,
  port: number,
): Promise<void> {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
    return send(response, 403, { error: "cross-origin write refused" });
  if (!/^application\/json\b/.test(request.headers["content-type"] ?? ""))
    return send(response, 415, { error: "send JSON" });
  if (!EDITABLE.test(relative))
    return send(response, 403, { error: "only .margin and .test.yaml files can be saved" });
  let body: { text?: unknown; baseVersion?: unknown } | null;
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch (error) {
    return send(response, 400, {
      error: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  if (body === null || typeof body !== "object" || typeof body.text !== "string")
    return send(response, 400, { error: "send an object whose `text` is a string" });
  const exists = existsSync(absolute);
  // The check and the write are one synchronous stretch: no other request runs in between.
  let disk: string | undefined;
  try {
    disk = exists ? readText(absolute) : undefined;
  } catch (error) {
    if (error instanceof FileRefusedError)
      return send(response, 413, { error: `${relative}: ${error.message}` });
    throw error;
  }
  const diskVersion = disk === undefined ? null : contentVersion(disk);
  if (diskVersion !== (body.baseVersion ?? null)) {
    return send(response, 409, {
      error: "conflict",
      message: `${relative} changed on disk since it was opened`,
      version: diskVersion,
      text: disk ?? null,
    });
  }
  writeFileAtomic(absolute, body.text);
  send(response, 200, { path: relative, version: contentVersion(body.text) });
}

async function revision(
  response: ServerResponse,
  folder: string,
  relative: string,
  rev: string,
): Promise<void> {
  const absolute = insideFolder(folder, relative);
  if (!absolute) return send(response, 403, { error: "the path is outside the studio's folder" });
  const result = await readRevision(absolute, rev);
  if (!result.ok) return send(response, 404, { error: result.message });
  send(response, 200, { path: relative, revision: result.revision, text: result.text });
}

async function newRulebook(
  request: IncomingMessage,
  response: ServerResponse,
  folder: string,
  port: number,
): Promise<void> {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`)
    return send(response, 403, { error: "cross-origin write refused" });
  if (!/^application\/json\b/.test(request.headers["content-type"] ?? ""))
    return send(response, 415, { error: "send JSON" });
  let body: { path?: unknown; text?: unknown; tests?: unknown };
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch (error) {
    return send(response, 400, {
      error: `not JSON: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  if (typeof body.path !== "string" || typeof body.text !== "string" || typeof body.tests !== "string")
    return send(response, 400, { error: "send `path`, `text` and `tests` as strings" });
  const absolute = newPathInside(folder, body.path);
  if (!absolute) return send(response, 403, { error: "the path is outside the studio's folder" });
  const outcome = createRulebook(absolute, { path: body.path, text: body.text, tests: body.tests });
  if (!outcome.ok) return send(response, outcome.status, { error: outcome.message });
  send(response, 201, outcome);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error("the request is too large"));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".ttf": "font/ttf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".png": "image/png",
  ".map": "application/json",
};

function serveStatic(response: ServerResponse, staticDir: string, pathname: string): void {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname).replace(/^\/+/, "");
  } catch {
    return send(response, 400, { error: "bad path" });
  }
  if (relative === "") relative = "index.html";
  const absolute = path.resolve(staticDir, relative);
  const rel = path.relative(staticDir, absolute);
  if (rel.startsWith("..") || path.isAbsolute(rel))
    return send(response, 403, { error: "outside the editor" });
  if (!existsSync(absolute) || !statSync(absolute).isFile())
    return send(response, 404, { error: "not found" });
  const type = CONTENT_TYPES[path.extname(absolute)] ?? "application/octet-stream";
  // Built assets have content hashes in their names: they may be cached; the page may not.
  const cache = relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-store";
  response.writeHead(200, {
    "content-type": type,
    "cache-control": cache,
    "x-content-type-options": "nosniff",
  });
  response.end(readFileSync(absolute));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(JSON.stringify(body));
}
