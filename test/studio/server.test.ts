/**
 * The studio server over HTTP: listing, reading, saving (atomically, refusing to overwrite a file
 * changed on disk), and refusing paths outside its folder and requests from other hosts.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { contentVersion, insideFolder, startStudio, type Studio } from "../../src/studio/server.js";

let folder: string;
let outside: string;
let studio: Studio;

interface Reply {
  status: number;
  body: unknown;
  text: string;
}

/** A raw HTTP request (so the Host header and paths are sent exactly as written). */
function call(
  method: string,
  target: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = request(
      {
        host: "127.0.0.1",
        port: studio.port,
        method,
        path: target,
        headers: { ...(data !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("error", reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

const RULEBOOK = 'rulebook "R"\n  version 1.0.0\n  effective 2026-01-01T00:00:00Z\n  currency USDT\n';

beforeAll(async () => {
  folder = mkdtempSync(path.join(tmpdir(), "marginbook-server-"));
  outside = mkdtempSync(path.join(tmpdir(), "marginbook-outside-"));
  const web = path.join(folder, ".web");
  mkdirSync(web);
  writeFileSync(path.join(web, "index.html"), "<!doctype html><title>studio</title>");
  writeFileSync(path.join(folder, "a.margin"), RULEBOOK);
  writeFileSync(path.join(folder, "a.test.yaml"), "rulebook: a.margin\ncases: []\n");
  mkdirSync(path.join(folder, "sub"));
  writeFileSync(path.join(folder, "sub", "b.margin"), RULEBOOK);
  mkdirSync(path.join(folder, "node_modules"));
  writeFileSync(path.join(folder, "node_modules", "skip.margin"), RULEBOOK);
  writeFileSync(path.join(outside, "secret.margin"), "secret");
  symlinkSync(path.join(outside, "secret.margin"), path.join(folder, "link.margin"));
  symlinkSync(outside, path.join(folder, "linked-folder"));
  studio = await startStudio({ folder, staticDir: web, buildIfMissing: false });
});

afterAll(async () => {
  await studio?.close();
  rmSync(folder, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("the studio server", () => {
  it("listens on 127.0.0.1 and serves the editor", async () => {
    expect(studio.url).toBe(`http://127.0.0.1:${studio.port}/`);
    const page = await call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<title>studio</title>");
  });

  it("lists the rulebooks with their test files and versions", async () => {
    const reply = await call("GET", "/api/workspace");
    const files = (
      reply.body as { files: { path: string; kind: string; tests?: string; version: string; text: string }[] }
    ).files;
    // Hidden folders, node_modules and symbolic links are left out.
    expect(files.map((f) => [f.path, f.kind, f.tests])).toEqual([
      ["a.margin", "rulebook", "a.test.yaml"],
      ["a.test.yaml", "tests", undefined],
      ["sub/b.margin", "rulebook", undefined],
    ]);
    expect(files[0]!.version).toBe(contentVersion(RULEBOOK));
  });

  it("reads a file with its version", async () => {
    const reply = await call("GET", "/api/file?path=sub/b.margin");
    expect(reply).toMatchObject({
      status: 200,
      body: { path: "sub/b.margin", text: RULEBOOK, version: contentVersion(RULEBOOK) },
    });
  });

  it("saves through a temporary file, and returns the new version", async () => {
    const text = RULEBOOK + "param x = 1\n";
    const reply = await call("PUT", "/api/file?path=a.margin", {
      text,
      baseVersion: contentVersion(RULEBOOK),
    });
    expect(reply).toMatchObject({ status: 200, body: { version: contentVersion(text) } });
    expect(readFileSync(path.join(folder, "a.margin"), "utf8")).toBe(text);
    expect(readdirSync(folder).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses to overwrite a file changed on disk since it was opened", async () => {
    const opened = contentVersion(readFileSync(path.join(folder, "sub/b.margin"), "utf8"));
    const external = RULEBOOK + "// edited elsewhere\n";
    writeFileSync(path.join(folder, "sub/b.margin"), external);
    const reply = await call("PUT", "/api/file?path=sub/b.margin", { text: "mine", baseVersion: opened });
    expect(reply).toMatchObject({
      status: 409,
      body: { error: "conflict", text: external, version: contentVersion(external) },
    });
    expect(readFileSync(path.join(folder, "sub/b.margin"), "utf8")).toBe(external);
  });

  const outsidePaths = [
    "../x.margin",
    "sub/../../x.margin",
    "/etc/passwd",
    "link.margin",
    "linked-folder/secret.margin",
    "",
    "a.margin\0",
  ];
  it.each(outsidePaths)("refuses the path %j with 403", async (target) => {
    const read = await call("GET", `/api/file?path=${encodeURIComponent(target)}`);
    const write = await call("PUT", `/api/file?path=${encodeURIComponent(target)}`, {
      text: "x",
      baseVersion: null,
    });
    expect([read.status, write.status]).toEqual([403, 403]);
    expect(readFileSync(path.join(outside, "secret.margin"), "utf8")).toBe("secret");
  });

  it("refuses other hosts, writes that are not JSON, and files that are not rulebooks", async () => {
    expect((await call("GET", "/api/workspace", undefined, { host: "evil.example:80" })).status).toBe(403);
    expect(
      (
        await call("PUT", "/api/file?path=a.margin", "text=x", {
          "content-type": "application/x-www-form-urlencoded",
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await call(
          "PUT",
          "/api/file?path=a.margin",
          { text: "x", baseVersion: null },
          { origin: "http://evil.example" },
        )
      ).status,
    ).toBe(403);
    expect((await call("PUT", "/api/file?path=notes.txt", { text: "x", baseVersion: null })).status).toBe(
      403,
    );
    expect(existsSync(path.join(folder, "notes.txt"))).toBe(false);
    expect((await call("GET", "/../package.json")).status).toBe(404);
  });

  it("judges paths by where they really lead", () => {
    expect(insideFolder(studio.folder, "a.margin")).toBe(path.join(studio.folder, "a.margin"));
    expect(insideFolder(studio.folder, "new/c.margin")).toBeUndefined();
    expect(insideFolder(studio.folder, "sub/new.margin")).toBe(path.join(studio.folder, "sub/new.margin"));
    expect(insideFolder(studio.folder, "link.margin")).toBeUndefined();
  });
});

describe("marginbook studio", () => {
  const io = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: {
        stdout: (t: string) => void (out.stdout += t),
        stderr: (t: string) => void (out.stderr += t),
        cwd: folder,
      },
    };
  };

  it("is listed in the help", async () => {
    const { out, io: cli } = io();
    expect(await runCli(["studio", "--help"], cli)).toBe(0);
    expect(out.stdout).toContain("Usage: marginbook studio [folder] [--port N]");
  });

  it.each([
    [["studio", "missing-folder"], "missing-folder is not a folder"],
    [["studio", ".", "--port", "http"], "--port must be a number from 0 to 65535, not 'http'"],
    [["studio", ".", "--port", "70000"], "--port must be a number from 0 to 65535"],
    [["studio", "a", "b"], "give one folder, not 2"],
  ])("refuses %j", async (argv, message) => {
    const { out, io: cli } = io();
    expect(await runCli(argv, cli)).toBe(2);
    expect(out.stderr).toContain(message);
  });
});
