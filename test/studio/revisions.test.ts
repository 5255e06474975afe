/**
 * The studio server's baseline and New endpoints: a file at a git revision, and a rulebook created
 * from a template (checked first, never over an existing file, never outside the folder).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStudio, type Studio } from "../../src/studio/server.js";
import { TEMPLATES } from "../../src/service/templates.js";

let folder: string;
let page: string;
let studio: Studio;
const template = TEMPLATES[0]!;

async function call(
  method: string,
  target: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(target, studio.url), {
    method,
    ...(body !== undefined
      ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
      : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the studio's revisions and new rulebooks", () => {
  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), "marginbook-revisions-"));
    writeFileSync(path.join(folder, "book.margin"), template.rulebook("Committed"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
        cwd: folder,
        stdio: "ignore",
      });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "-m", "one");
    writeFileSync(path.join(folder, "book.margin"), template.rulebook("Edited"));
    writeFileSync(path.join(folder, "new.margin"), template.rulebook("Never committed"));
    // The page is not needed here: a stand-in keeps the server from building the editor.
    page = mkdtempSync(path.join(tmpdir(), "marginbook-page-"));
    writeFileSync(path.join(page, "index.html"), "<!doctype html>");
    studio = await startStudio({ folder, staticDir: page, buildIfMissing: false });
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(page, { recursive: true, force: true });
  });

  it("reads a file at HEAD, and says why it cannot", async () => {
    const head = await call("GET", "/api/revision?path=book.margin&rev=HEAD");
    expect(head.status).toBe(200);
    expect(head.body["text"]).toBe(template.rulebook("Committed"));
    expect((await call("GET", "/api/revision?path=new.margin&rev=HEAD")).body["error"]).toBe(
      "new.margin is not in HEAD",
    );
    expect((await call("GET", "/api/revision?path=book.margin&rev=--output=x")).body["error"]).toBe(
      "'--output=x' is not a git revision",
    );
    expect((await call("GET", "/api/revision?path=../etc/passwd&rev=HEAD")).status).toBe(403);
  });

  it("creates a rulebook and its test file in a new folder", async () => {
    const created = await call("POST", "/api/new", {
      path: "desk/book-two.margin",
      text: template.rulebook("Two"),
      tests: template.tests("book-two.margin"),
    });
    expect(created).toEqual({
      status: 201,
      body: { ok: true, path: "desk/book-two.margin", tests: "desk/book-two.test.yaml" },
    });
    expect(readFileSync(path.join(folder, "desk/book-two.margin"), "utf8")).toBe(template.rulebook("Two"));
    expect(existsSync(path.join(folder, "desk/book-two.test.yaml"))).toBe(true);
  });

  it("refuses an existing file, a rulebook with errors, and a path outside the folder", async () => {
    expect(
      (await call("POST", "/api/new", { path: "book.margin", text: template.rulebook("X"), tests: "" }))
        .status,
    ).toBe(409);
    const broken = await call("POST", "/api/new", {
      path: "broken.margin",
      text: 'rulebook "x" version 1.0.0\noutput a: USDT = b',
      tests: "",
    });
    expect(broken.status).toBe(422);
    expect(broken.body["error"]).toMatch(/^not created: the rulebook has \d+ errors? \(MB\d{4} /);
    expect(existsSync(path.join(folder, "broken.margin"))).toBe(false);
    expect(
      (await call("POST", "/api/new", { path: "../outside.margin", text: template.rulebook("X"), tests: "" }))
        .status,
    ).toBe(403);
    expect(
      (await call("POST", "/api/new", { path: "a.txt", text: template.rulebook("X"), tests: "" })).status,
    ).toBe(400);
  });
});
