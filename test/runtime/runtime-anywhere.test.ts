/**
 * The runtime runs anywhere JavaScript does: `marginbook/runtime` bundles for a browser with
 * esbuild (no warning, no `node:` module), the bundle loads a signed artifact into a registry and
 * evaluates it in Chromium (Web Crypto checks the signature), and where code generation is
 * forbidden (a Content Security Policy without 'unsafe-eval' in Chromium, and
 * `node --disallow-code-generation-from-strings`) it falls back to the interpreter, says so once,
 * and gives the same numbers and the same validation messages.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeArtifact } from "../../src/compile/artifact.js";
import { signArtifact } from "../../src/compile/sign.js";
import { loadArtifact } from "../../src/runtime/index.js";
import { compileArtifact, ROOT } from "../support/rulebooks.js";
import { testKey } from "../support/signed-artifacts.js";
import { BINANCE as WORKED } from "../support/worked-examples.js";

const work = mkdtempSync(path.join(tmpdir(), "marginbook-anywhere-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const INPUT = WORKED.input;
const EXPECTED = WORKED.expect["maintenance_margin"]!;
const INVALID = [
  { position: { size: -1, mark: 1, side: "sideways" }, market: { vol_30d: "high" } },
  { position: { size: 1, mark: 2, side: "long", extra: 1 }, market: { vol_30d: 0.1, adv: 0 }, other: {} },
  [1, 2],
  { position: { size: "12", mark: null, side: "long" }, market: { vol_30d: 6, adv: 1 } },
];
const key = testKey();
const artifact = serializeArtifact(compileArtifact("rules/binance-btcusdt-perp.margin"));
const signed = serializeArtifact(
  signArtifact(compileArtifact("rules/binance-btcusdt-perp.margin"), key.privateKey),
);

describe("node --disallow-code-generation-from-strings", () => {
  const built = path.join(ROOT, "dist/src/runtime/index.js");
  it.skipIf(!existsSync(built))(
    "evaluates the Binance example to 71,200.82 through the interpreter, validates alike, and says so once",
    () => {
      writeFileSync(path.join(work, "binance.json"), artifact);
      writeFileSync(path.join(work, "signed.json"), signed);
      writeFileSync(path.join(work, "release.pub"), key.publicKeyPem);
      const script = `
      import { loadArtifact, RulebookRegistry } from "marginbook/runtime";
      import { readFileSync } from "node:fs";
      const dir = ${JSON.stringify(work)};
      const book = loadArtifact(readFileSync(dir + "/binance.json", "utf8"));
      loadArtifact(readFileSync(dir + "/binance.json", "utf8"));
      const registry = new RulebookRegistry({ trustedKeys: [readFileSync(dir + "/release.pub", "utf8")] });
      const version = await registry.add(readFileSync(dir + "/signed.json", "utf8"));
      console.log(JSON.stringify({
        mode: book.mode,
        margin: book.evaluate(${JSON.stringify(INPUT)}).outputs.maintenance_margin,
        registry: registry.evaluate(version.name, ${JSON.stringify(INPUT)}).outputs.maintenance_margin,
        signedBy: version.signedBy,
        invalid: ${JSON.stringify(INVALID)}.map((input) => book.validate(input).errors.map((e) => e.message)),
      }));`;
      const run = spawnSync(
        process.execPath,
        ["--disallow-code-generation-from-strings", "--input-type=module", "-e", script],
        { cwd: ROOT, encoding: "utf8" },
      );
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result).toMatchObject({
        mode: "interpreted",
        margin: EXPECTED,
        registry: EXPECTED,
        signedBy: "trusted key 1",
      });
      const compiled = loadArtifact(artifact);
      expect(compiled.mode).toBe("compiled");
      expect(result.invalid).toEqual(
        INVALID.map((input) => compiled.validate(input).errors.map((e) => e.message)),
      );
      // Two rulebooks and a registry loaded: one notice, on stderr.
      expect(run.stderr.match(/code generation is not allowed here/g)).toHaveLength(1);
    },
    60_000,
  );
});

describe("a browser bundle, in Chromium", () => {
  const CHROMIUM = "/usr/bin/chromium";
  const FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  let bundle = "";
  let warnings: unknown[] = [];
  let inputs: string[] = [];
  let server: Server | undefined;
  let browser: Browser | undefined;
  let base = "";

  beforeAll(async () => {
    const result = await build({
      entryPoints: [path.join(ROOT, "src/runtime/index.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
      minify: true,
    });
    warnings = result.warnings;
    inputs = Object.keys(result.metafile.inputs);
    bundle = result.outputFiles[0]!.text;
    const page = (csp: string) =>
      `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta http-equiv="Content-Security-Policy" content="${csp}"></head><body><script type="module" src="/main.js"></script></body></html>`;
    const main = `import { loadArtifact, RulebookRegistry } from "/runtime.js";
      const [artifact, signed, pub] = await Promise.all(["/binance.json", "/signed.json", "/release.pub"].map((u) => fetch(u).then((r) => r.text())));
      const warned = [];
      const warn = console.warn; console.warn = (m) => { warned.push(String(m)); warn(m); };
      try {
        const book = loadArtifact(artifact);
        const registry = new RulebookRegistry({ trustedKeys: [pub] });
        const version = await registry.add(signed);
        const stranger = await new RulebookRegistry().tryAdd(signed);
        window.result = { mode: book.mode, margin: book.evaluate(${JSON.stringify(INPUT)}).outputs.maintenance_margin,
          registry: registry.evaluate(version.name, ${JSON.stringify(INPUT)}).outputs.maintenance_margin, signedBy: version.signedBy,
          untrusted: stranger.ok ? "accepted" : stranger.error.code, warned };
      } catch (error) { window.result = { error: String(error && error.stack || error) }; }`;
    const files: Record<string, [string, string]> = {
      "/": ["text/html", page("default-src 'self'; script-src 'self' 'unsafe-eval'")],
      "/strict": ["text/html", page("default-src 'self'; script-src 'self'")],
      "/main.js": ["text/javascript", main],
      "/runtime.js": ["text/javascript", bundle],
      "/binance.json": ["application/json", artifact],
      "/signed.json": ["application/json", signed],
      "/release.pub": ["text/plain", key.publicKeyPem],
    };
    server = createServer((request, response) => {
      const file = files[request.url ?? ""];
      response
        .writeHead(file ? 200 : 404, { "content-type": file?.[0] ?? "text/plain" })
        .end(file?.[1] ?? "not found");
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("bundles without warnings and without any node: module", () => {
    expect(warnings).toEqual([]);
    expect(
      inputs.filter((i) => i.startsWith("node:") || /src\/(cli|compile|check|syntax)\//.test(i)),
    ).toEqual([]);
    expect(bundle.length).toBeGreaterThan(10_000);
  });

  it.skipIf(!existsSync(CHROMIUM)).each([
    ["a page that allows eval", "/", "compiled", 0],
    ["a page whose CSP forbids eval", "/strict", "interpreted", 1],
  ])(
    "runs in Chromium on %s",
    async (_, url, mode, warnings) => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(base + url);
      await page.waitForFunction(
        () => (window as unknown as { result?: unknown }).result !== undefined,
        undefined,
        { timeout: 30_000 },
      );
      const result = await page.evaluate(
        () => (window as unknown as { result: Record<string, unknown> }).result,
      );
      await page.close();
      expect(errors).toEqual([]);
      expect(result).toMatchObject({
        mode,
        margin: EXPECTED,
        registry: EXPECTED,
        signedBy: "trusted key 1",
        untrusted: "MB6152",
      });
      expect(result["warned"]).toHaveLength(warnings);
    },
    60_000,
  );
});
