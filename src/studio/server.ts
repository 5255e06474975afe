/**
 * The studio server: a local HTTP server (node:http, bound to 127.0.0.1) that serves the built
 * editor and gives it the rulebooks of one folder.
 *
 * API (JSON):
 * - `GET /api/workspace`: the folder's `.margin` files (recursively, skipping hidden folders and
 *   `node_modules`) and their `.test.yaml` files, each with its text and version;
 * - `GET /api/file?path=p`: one file's text and version;
 * - `PUT /api/file?path=p` with `{ text, baseVersion }`: saves, unless the file on disk is no longer
 *   the version the editor opened (then `409` with the disk's text and version, nothing written).
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
import { readText, writeFileAtomic } from "../node/files.js";

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
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "marginbook") return folder;
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
    throw new Error("the editor is not built, and Vite (a development dependency) is not installed to build it: run `npm ci && npm run build:editor`");
  }
  await vite.build({ configFile: path.join(root, "editor", "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
}

/** Starts the studio server. Resolves once it listens. */
export async function startStudio(options: StudioOptions): Promise<Studio> {
  const folder = realpathSync(path.resolve(options.folder));
  if (!statSync(folder).isDirectory()) throw new Error(`${options.folder} is not a folder`);
  const staticDir = path.resolve(options.staticDir ?? path.join(packageRoot(), "dist", "editor"));
  if (!existsSync(path.join(staticDir, "index.html"))) {
    if (options.buildIfMissing === false) throw new Error(`the editor is not built: ${staticDir} has no index.html`);
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
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, folder: string, staticDir: string, server: Server, log?: (line: string) => void): Promise<void> {
  const port = (server.address() as AddressInfo).port;
  const host = request.headers.host ?? "";
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    log?.(`refused a request for host ${JSON.stringify(host)}`);
    return send(response, 403, { error: "unknown host" });
  }
  const url = new URL(request.url ?? "/", `http://${host}`);
  if (url.pathname === "/api/workspace" && request.method === "GET") return send(response, 200, { folder: path.basename(folder), files: workspace(folder) });
  if (url.pathname === "/api/file") {
    const relative = url.searchParams.get("path") ?? "";
    const absolute = insideFolder(folder, relative);
    if (!absolute) {
      log?.(`refused a path outside the folder: ${JSON.stringify(relative)}`);
      return send(response, 403, { error: "the path is outside the studio's folder" });
    }
    if (request.method === "GET") return readFile(response, absolute, relative);
    if (request.method === "PUT") return saveFile(request, response, absolute, relative, port);
    return send(response, 405, { error: "use GET or PUT" });
  }
  if (url.pathname.startsWith("/api/")) return send(response, 404, { error: "no such API" });
  if (request.method !== "GET" && request.method !== "HEAD") return send(response, 405, { error: "use GET" });
  return serveStatic(response, staticDir, url.pathname);
}

/** The absolute path of `relative` when it stays inside `folder` (symbolic links resolved), else undefined. */
export function insideFolder(folder: string, relative: string): string | undefined {
  if (relative === "" || relative.includes("\0") || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) return undefined;
  const absolute = path.resolve(folder, relative);
  const within = (candidate: string): boolean => {
    const rel = path.relative(folder, candidate);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
  };
  if (!within(absolute)) return undefined;
  // A link inside the folder may point out of it: judge by where it really leads.
  let real: string;
  try {
    real = existsSync(absolute) ? realpathSync(absolute) : path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return undefined;
  }
  if (!within(real)) return undefined;
  return absolute;
}

function workspace(folder: string): WorkspaceFile[] {
  const files: WorkspaceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(absolute);
      else if (entry.isFile() && entry.name.endsWith(".margin")) {
        const rel = path.relative(folder, absolute).split(path.sep).join("/");
        const text = readText(absolute);
        const testPath = absolute.replace(/\.margin$/, ".test.yaml");
        const testRel = rel.replace(/\.margin$/, ".test.yaml");
        const hasTests = existsSync(testPath);
        files.push({ path: rel, kind: "rulebook", text, version: contentVersion(text), ...(hasTests ? { tests: testRel } : {}) });
        if (hasTests) {
          const tests = readText(testPath);
          files.push({ path: testRel, kind: "tests", text: tests, version: contentVersion(tests) });
        }
      }
    }
  };
  walk(folder);
  return files;
}

function readFile(response: ServerResponse, absolute: string, relative: string): void {
  if (!existsSync(absolute) || !statSync(absolute).isFile()) return send(response, 404, { error: `no file ${relative}` });
  const text = readText(absolute);
  send(response, 200, { path: relative, text, version: contentVersion(text) });
}

async function saveFile(request: IncomingMessage, response: ServerResponse, absolute: string, relative: string, port: number): Promise<void> {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return send(response, 403, { error: "cross-origin write refused" });
  if (!/^application\/json\b/.test(request.headers["content-type"] ?? "")) return send(response, 415, { error: "send JSON" });
  if (!EDITABLE.test(relative)) return send(response, 403, { error: "only .margin and .test.yaml files can be saved" });
  let body: { text?: unknown; baseVersion?: unknown };
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch (error) {
    return send(response, 400, { error: `not JSON: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (typeof body.text !== "string") return send(response, 400, { error: "`text` must be a string" });
  const exists = existsSync(absolute);
  // The check and the write are one synchronous stretch: no other request runs in between.
  const disk = exists ? readText(absolute) : undefined;
  const diskVersion = disk === undefined ? null : contentVersion(disk);
  if (diskVersion !== (body.baseVersion ?? null)) {
    return send(response, 409, { error: "conflict", message: `${relative} changed on disk since it was opened`, version: diskVersion, text: disk ?? null });
  }
  writeFileAtomic(absolute, body.text);
  send(response, 200, { path: relative, version: contentVersion(body.text) });
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
  if (rel.startsWith("..") || path.isAbsolute(rel)) return send(response, 403, { error: "outside the editor" });
  if (!existsSync(absolute) || !statSync(absolute).isFile()) return send(response, 404, { error: "not found" });
  const type = CONTENT_TYPES[path.extname(absolute)] ?? "application/octet-stream";
  // Built assets have content hashes in their names: they may be cached; the page may not.
  const cache = relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-store";
  response.writeHead(200, { "content-type": type, "cache-control": cache, "x-content-type-options": "nosniff" });
  response.end(readFileSync(absolute));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  response.end(JSON.stringify(body));
}
